use std::io::Write;

use super::*;

/// Verbatim copy of the shared reference (see scripts/build-catalog.py).
const REFERENCE_TSV: &str = include_str!("../testdata/auth-messages.tsv");

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

fn verdict_of(text: &str) -> Verdict {
    catalog()
        .find(text)
        .map(|m| m.rule.verdict.clone())
        .unwrap_or_else(|| panic!("no rule matches {text:?}"))
}

/// Same rule as the build script: `{…}`, `{name}`, `{base64 token}` are
/// variable; `{Jwt_is_expired}` and JSON braces are text.
fn is_variable(inner: &str) -> bool {
    inner == "…"
        || (!inner.is_empty()
            && !inner.contains('"')
            && (inner.contains(' ')
                || inner.contains('/')
                || (inner.starts_with(|c: char| c.is_ascii_lowercase())
                    && inner
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))))
}

/// A reference message with its variable parts filled with sample text and
/// its `\n` / `\t` escapes made real.
fn fill(message: &str) -> String {
    let var = Regex::new(r"\{([^{}]*)\}").unwrap();
    let filled = var.replace_all(message, |c: &regex::Captures<'_>| {
        if is_variable(&c[1]) {
            "abc 123".to_string()
        } else {
            c[0].to_string()
        }
    });
    filled
        .replace('…', "abc 123")
        .replace("\\n", "\n")
        .replace("\\t", "\t")
}

/// Reference rows the catalog deliberately reads differently, and why.
const REFERENCE_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "Kong",
        "Unauthorized",
        "Kong >= 3.6 says it for missing and invalid credentials alike (md gotcha 1); \
         the same word comes from passport, API Gateway, Kubernetes: Generic",
    ),
    (
        "AWS API Gateway",
        "{\"message\":\"Forbidden\"}",
        "too short to name a cause (API keys, WAF, resource policies all say it): Generic",
    ),
    (
        "ASP.NET Core JwtBearer",
        "Bearer error=\"invalid_token\"",
        "a bare RFC 6750 invalid_token is the umbrella code for Kong, Envoy and the RFC; \
         only ASP.NET means malformed by it, and the HAR's token shape tells that: Generic",
    ),
];

#[test]
fn builtin_catalog_parses_and_every_pattern_has_a_prefilter() {
    let cat = catalog();
    assert!(cat.rules().len() > 300, "{}", cat.rules().len());
    for rule in cat.rules() {
        assert!(!rule.is_user());
        if let Matcher::Text { prefilter, .. } = &rule.matcher {
            let frag = prefilter.as_deref().unwrap_or_default();
            assert!(
                !frag.trim().is_empty(),
                "no prefilter for {:?}",
                rule.pattern
            );
        }
    }
    assert!(cat.unfiltered.is_empty());
}

#[test]
fn every_reference_row_with_a_product_cause_is_found_with_that_cause() {
    let cat = catalog();
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in REFERENCE_TSV.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [stack, message, _where, cause, _source] = cols[..] else {
            panic!("bad reference line {line:?}");
        };
        let Ok(cause) = cause.parse::<Cause>() else {
            continue; // `other`: evidence, not a cause
        };
        if message.starts_with("(no message)") {
            continue; // behaviour rows (header_stripped): nothing is said
        }
        if REFERENCE_EXCEPTIONS
            .iter()
            .any(|(s, m, _)| *s == stack && *m == message)
        {
            continue;
        }
        checked += 1;
        let text = fill(message);
        match cat.find(&text) {
            Some(m) if m.rule.verdict.allows(cause) => {}
            Some(m) => failures.push(format!(
                "[{stack}] {text:?}: want {cause}, got {} via {:?}",
                m.rule.verdict, m.rule.pattern
            )),
            None => failures.push(format!("[{stack}] {text:?}: want {cause}, no match")),
        }
    }
    assert!(checked > 250, "only {checked} rows checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reference_exceptions_are_generic_and_still_found() {
    for (_, message, _) in REFERENCE_EXCEPTIONS {
        assert_eq!(verdict_of(&fill(message)), Verdict::Generic, "{message}");
    }
}

/// The server-side signals CAUSES.md quotes for each cause.
#[test]
fn every_server_signal_quoted_in_causes_md_names_its_cause() {
    use Cause::*;
    let signals: &[(Cause, &[&str])] = &[
        (
            MissingCredentials,
            &[
                "no token found",
                "missing authorization header",
                "Jwt is missing",
                "Missing Authentication Token",
            ],
        ),
        (
            MalformedCredentials,
            &[
                "jwt malformed",
                "invalid number of segments",
                "Bad Authorization header",
            ],
        ),
        (WrongScheme, &["Expected 'Authorization: Bearer <JWT>'"]),
        (ApiKeyMisplaced, &["missing API key"]),
        (
            TokenExpired,
            &[
                "jwt expired",
                "Jwt is expired",
                "Signature has expired",
                "IDX10223",
            ],
        ),
        (TokenNotYetValid, &["jwt not active", "not yet valid"]),
        (
            WrongEnvironment,
            &[
                "audience invalid",
                "issuer invalid",
                "Jwt issuer is not configured",
                "IDX10214",
            ],
        ),
        (
            InvalidSignature,
            &[
                "invalid signature",
                "Jwt verification fails",
                "no key to match kid",
            ],
        ),
        (
            RevokedCredentials,
            &["token revoked", "session not active", "key disabled"],
        ),
        (
            InvalidCredentials,
            &[
                "Bad credentials",
                "Password Mismatch",
                "user not found",
                "Invalid authentication credentials",
            ],
        ),
        (InsufficientScope, &["insufficient scope"]),
        (AccountDisabled, &["user is disabled", "account locked"]),
        (IpBlocked, &["IP address not allowed"]),
        (
            ServerMisconfigured,
            &[
                "Jwks remote fetch is failed",
                "Jwks doesn't have any valid public key",
            ],
        ),
    ];
    for (cause, texts) in signals {
        for text in *texts {
            assert!(verdict_of(text).allows(*cause), "{text:?} -> {cause}");
        }
    }
}

#[test]
fn stable_error_numbers_are_rules_of_their_own() {
    assert_eq!(
        verdict_of("Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException: IDX10223: Lifetime validation failed (reworded)"),
        Verdict::Cause(Cause::TokenExpired)
    );
    assert_eq!(
        verdict_of("[authz_core:error] [pid 1] AH01630: client denied"),
        Verdict::Cause(Cause::IpBlocked)
    );
    assert_eq!(
        catalog().find_code("IDX10214").unwrap().rule.verdict,
        Verdict::Cause(Cause::WrongEnvironment)
    );
}

#[test]
fn server_key_set_and_backend_failures_are_server_misconfigured() {
    for text in [
        "Jwks remote fetch is failed",
        "Jwks doesn't have any valid public key",
        "An error occurred while attempting to decode the Jwt: Malformed Jwk set",
        "auth request unexpected status: 502 while sending to client",
    ] {
        assert_eq!(
            verdict_of(text),
            Verdict::Cause(Cause::ServerMisconfigured),
            "{text}"
        );
    }
}

/// The express-jwt capture's real messages, with the causes its README
/// gives them (a message several causes share must allow each of them).
#[test]
fn express_jwt_capture_messages_map_as_its_readme_says() {
    use Cause::*;
    let cases: &[(&str, &[Cause])] = &[
        ("jwt expired", &[TokenExpired]),
        ("jwt not active", &[TokenNotYetValid]),
        ("jwt malformed", &[MalformedCredentials]),
        ("invalid token", &[MalformedCredentials]),
        ("jwt signature is required", &[MalformedCredentials]),
        ("invalid signature", &[InvalidSignature, WrongEnvironment]),
        (
            "secret or public key must be provided",
            &[WrongEnvironment, InvalidSignature],
        ),
        (
            "jwt issuer invalid. expected: https://login.shipfast.test/",
            &[WrongEnvironment],
        ),
        (
            "jwt audience invalid. expected: shipping-api",
            &[WrongEnvironment],
        ),
        (
            "No authorization token was found",
            &[MissingCredentials, HeaderStripped, MalformedCredentials],
        ),
        (
            "Format is Authorization: Bearer [token]",
            &[WrongScheme, MalformedCredentials],
        ),
        ("The token has been revoked.", &[RevokedCredentials]),
        (
            "X-Partner-Key header is required",
            &[MissingCredentials, ApiKeyMisplaced, CorsPreflight],
        ),
        ("partner key has been revoked", &[RevokedCredentials]),
        ("partner key not recognised", &[InvalidCredentials]),
        ("Permission denied", &[InsufficientScope]),
        (
            "Bearer realm=\"shipping-api\", error=\"insufficient_scope\", error_description=\"Permission denied\"",
            &[InsufficientScope],
        ),
        (
            "Bearer realm=\"shipping-api\", error=\"invalid_token\", error_description=\"jwt expired\"",
            &[TokenExpired],
        ),
        ("Bearer realm=\"shipping-api\"", &[MissingCredentials]),
        (
            "2026/11/23 11:06:59 [error] 4707#4707: *6 user \"carol\": password mismatch, client: 127.0.0.1, server: , request: \"GET /metrics/summary?case=t1905 HTTP/1.1\", host: \"127.0.0.1:9080\"",
            &[InvalidCredentials],
        ),
        (
            "2026/11/23 11:06:54 [error] 4707#4707: *6 user \"dave\" was not found in \"/etc/nginx/htpasswd\", client: 127.0.0.1, server: , request: \"GET /metrics/summary?case=t1906 HTTP/1.1\"",
            &[InvalidCredentials],
        ),
        (
            "2026/11/23 11:06:57 [info] 4707#4707: *6 no user/password was provided for basic authentication, client: 127.0.0.1, server: , request: \"GET /metrics/summary?case=t1307 HTTP/1.1\"",
            &[MissingCredentials, WrongScheme, MalformedCredentials, ChallengeHandshake],
        ),
    ];
    let cat = catalog();
    for (text, causes) in cases {
        let m = cat
            .find(text)
            .unwrap_or_else(|| panic!("no rule for {text:?}"));
        for c in *causes {
            assert!(
                m.rule.verdict.allows(*c),
                "{text:?}: {} does not allow {c}",
                m.rule.verdict
            );
        }
        if causes.len() > 1 {
            assert!(matches!(m.rule.verdict, Verdict::Ambiguous(_)), "{text:?}");
        }
    }
}

#[test]
fn the_capture_log_lines_are_all_recognised() {
    // Every 401 line of the capture's backend log names its cause or
    // candidates through the message or the err.code.
    let cat = catalog();
    for (code, message) in [
        (
            "credentials_bad_scheme",
            "Format is Authorization: Bearer [token]",
        ),
        (
            "credentials_bad_format",
            "Format is Authorization: Bearer [token]",
        ),
        ("credentials_required", "No authorization token was found"),
        ("revoked_token", "The token has been revoked."),
        ("permission_denied", "Permission denied"),
        ("key_missing", "X-Partner-Key header is required"),
        ("key_revoked", "partner key has been revoked"),
        ("key_unknown", "partner key not recognised"),
    ] {
        let by_code = cat.find_code(code).expect(code);
        let by_text = cat.find(message).expect(message);
        for c in by_code.rule.verdict.causes() {
            assert!(by_text.rule.verdict.allows(*c), "{code} vs {message:?}");
        }
    }
}

#[test]
fn variable_parts_stop_at_escaped_quotes_in_json_log_lines() {
    let line = r#"{"level":40,"res":{"statusCode":401,"www_authenticate":"Bearer realm=\"shipping-api\", error=\"invalid_token\", error_description=\"jwt issuer invalid. expected: https://login.shipfast.test/\""},"msg":"request failed"}"#;
    let m = catalog().find(line).unwrap();
    assert_eq!(m.rule.verdict, Verdict::Cause(Cause::WrongEnvironment));
    assert_eq!(
        m.matched,
        "jwt issuer invalid. expected: https://login.shipfast.test/"
    );
    let m = catalog()
        .find(r#"{"msg":"user \"carol\": password mismatch"}"#)
        .unwrap();
    assert_eq!(m.matched, r#"user \"carol\": password mismatch"#);
}

#[test]
fn ambiguous_messages_from_the_notes_list_their_candidates() {
    use Cause::*;
    assert_eq!(
        verdict_of("Token is not active"),
        Verdict::Ambiguous(vec![TokenExpired, TokenNotYetValid])
    );
    assert_eq!(
        verdict_of("Provided token isn't active"),
        Verdict::Ambiguous(vec![RevokedCredentials, TokenExpired])
    );
    assert!(verdict_of("No API key found in request").allows(ApiKeyMisplaced));
}

#[test]
fn machine_codes_map_to_causes() {
    use Cause::*;
    let cat = catalog();
    let v = |code: &str| {
        cat.find_code(code)
            .unwrap_or_else(|| panic!("no code rule for {code}"))
            .rule
            .verdict
            .clone()
    };
    assert_eq!(
        v("credentials_required"),
        Verdict::Cause(MissingCredentials)
    );
    assert_eq!(v("credentials_bad_scheme"), Verdict::Cause(WrongScheme));
    assert_eq!(
        v("credentials_bad_format"),
        Verdict::Cause(MalformedCredentials)
    );
    assert_eq!(v("revoked_token"), Verdict::Cause(RevokedCredentials));
    assert_eq!(v("invalid_token"), Verdict::Generic);
    assert!(matches!(v("invalid_request"), Verdict::Ambiguous(_)));
    assert_eq!(v("insufficient_scope"), Verdict::Cause(InsufficientScope));
    assert_eq!(
        v("\"invalid_user_credentials\""),
        Verdict::Cause(InvalidCredentials)
    );
    assert_eq!(v("user_not_found"), Verdict::Cause(InvalidCredentials));
    assert_eq!(v("user_disabled"), Verdict::Cause(AccountDisabled));
    assert_eq!(
        v("user_temporarily_disabled"),
        Verdict::Cause(AccountDisabled)
    );
    assert_eq!(v("expired_code"), Verdict::Cause(TokenExpired));
    assert_eq!(v("permission_denied"), Verdict::Cause(InsufficientScope));
    assert_eq!(v("EXPIRED_TOKEN"), Verdict::Cause(TokenExpired));
    // Envoy rc-details: listed ones and ones read through the status string.
    assert_eq!(
        v("jwt_authn_access_denied{Jwt_is_expired}"),
        Verdict::Cause(TokenExpired)
    );
    assert_eq!(
        v("jwt_authn_access_denied{Jwt_not_yet_valid}"),
        Verdict::Cause(TokenNotYetValid)
    );
    assert_eq!(
        v("jwt_authn_access_denied{Audiences_in_Jwt_are_not_allowed}"),
        Verdict::Cause(WrongEnvironment)
    );
    assert!(cat.find_code("no_such_code").is_none());
    assert!(cat.find_code("  ").is_none());
}

#[test]
fn matching_ignores_case_whitespace_quotes_and_a_final_full_stop() {
    use Cause::*;
    assert_eq!(
        verdict_of("  JWT \n\t EXPIRED "),
        Verdict::Cause(TokenExpired)
    );
    assert_eq!(
        verdict_of("The token has been revoked"),
        Verdict::Cause(RevokedCredentials)
    );
    // Older Keycloak does not quote event values.
    assert_eq!(
        verdict_of("type=LOGIN_ERROR, realmId=x, error=user_disabled, username=bob"),
        Verdict::Cause(AccountDisabled)
    );
    // A challenge inside a JSON log line keeps its escaped quotes.
    assert_eq!(
        verdict_of(r#"{"www_authenticate":"Bearer error=\"insufficient_scope\""}"#),
        Verdict::Cause(InsufficientScope)
    );
    // Kong JSON bodies with or without spaces.
    assert_eq!(
        verdict_of(r#"{ "exp": "token expired" }"#),
        Verdict::Cause(TokenExpired)
    );
    // Variable parts match any text, also long text with punctuation.
    assert_eq!(
        verdict_of("oidc: expected audience \"web-app\" got [\"api\", \"admin\"]"),
        Verdict::Cause(WrongEnvironment)
    );
}

#[test]
fn patterns_match_on_word_boundaries_only() {
    // "jwt expired" is not inside "jwt expiredness", "invalid token" not
    // inside "invalid tokens".
    let cat = catalog();
    assert!(cat
        .find("jwt expiredness")
        .is_none_or(|m| !m.rule.verdict.allows(Cause::TokenExpired)));
    assert!(cat
        .find("invalid tokens")
        .is_none_or(|m| m.rule.pattern != "invalid token"));
}

#[test]
fn generic_messages_stay_generic_and_never_outrank_a_cause() {
    for text in [
        "Unauthorized",
        "Forbidden",
        "Access denied",
        "invalid_token",
        "{\"error\": \"invalid_token\"}",
        "401 Unauthorized",
        "Bearer realm=\"api\", error=\"invalid_token\"",
    ] {
        assert_eq!(verdict_of(text), Verdict::Generic, "{text}");
    }
    assert_eq!(
        verdict_of("Unauthorized: jwt expired"),
        Verdict::Cause(Cause::TokenExpired)
    );
    assert_eq!(
        verdict_of("UnauthorizedError: invalid_token: Forbidden: Access denied: jwt not active"),
        Verdict::Cause(Cause::TokenNotYetValid)
    );
}

#[test]
fn bare_challenges_match_only_as_a_whole() {
    assert_eq!(
        verdict_of("Bearer realm=\"https://api.example/x\""),
        Verdict::Cause(Cause::MissingCredentials)
    );
    assert_eq!(
        verdict_of("Bearer"),
        Verdict::Cause(Cause::MissingCredentials)
    );
    assert_eq!(
        verdict_of("Negotiate"),
        Verdict::Cause(Cause::ChallengeHandshake)
    );
    // "Bearer" inside a sentence is not a bare challenge.
    assert!(catalog().find("send a Bearer token").is_none());
}

#[test]
fn the_most_specific_rule_wins() {
    // "Token is expired" (simplejwt / golang-jwt v4) vs the v5 wording.
    let m = catalog()
        .find("token has invalid claims: token is expired")
        .unwrap();
    assert_eq!(m.rule.pattern, "token has invalid claims: token is expired");
    // "Bad credentials" vs GitHub's wrong-scheme sentence containing it.
    assert_eq!(
        verdict_of(
            "Bad credentials. The API can't be accessed using username/password authentication."
        ),
        Verdict::Cause(Cause::WrongScheme)
    );
}

#[test]
fn matched_text_is_masked_and_bounded() {
    let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImstMjAyNS0wNiJ9.eyJzdWIiOiJ1LTIxMDEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
    let text =
        format!("IDX12741: JWT: '{jwt}' must have three segments (JWS) or five segments (JWE).");
    let m = catalog().find(&text).unwrap();
    assert_eq!(m.rule.verdict, Verdict::Cause(Cause::MalformedCredentials));
    assert!(!m.matched.contains("eyJ"), "{}", m.matched);
    assert!(m.matched.contains("[redacted:"), "{}", m.matched);
    assert!(m.matched.starts_with("IDX12741: JWT: '"), "{}", m.matched);

    // The catalog's own words are not mistaken for secrets.
    let m = catalog()
        .find("The token expired at '11/23/2026 10:00:00'")
        .unwrap();
    assert_eq!(m.matched, "The token expired at '11/23/2026 10:00:00'");

    let long = format!("Failed JWT authentication: {}", "x".repeat(500));
    let m = catalog().find(&long).unwrap();
    assert!(m.matched.chars().count() <= 200);
}

fn rules_file(body: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    f.write_all(body.as_bytes()).unwrap();
    f
}

#[test]
fn user_rules_come_first_and_override_builtin_ones() {
    let f = rules_file(
        r#"
[[rule]]
pattern = "jwt expired"
cause = "wrong_environment"
stack = "my-gateway"

[[rule]]
pattern = "tenant {…} mismatch"
cause = ["wrong_environment", "invalid_credentials"]

[[rule]]
regex = "shard-[0-9]+ refused"
cause = "server_misconfigured"

[[rule]]
code = "TENANT_UNKNOWN"
cause = "wrong_environment"

[[rule]]
pattern = "jwt not active"
cause = "generic"
"#,
    );
    let cat = catalog().clone().with_rules_file(f.path()).unwrap();
    assert_eq!(cat.rules().len(), catalog().rules().len() + 5);
    assert!(cat.rules()[..5].iter().all(Rule::is_user));
    assert_eq!(cat.rules()[0].stack, "my-gateway");
    assert!(!cat.rules()[5].is_user());

    let m = cat.find("jwt expired").unwrap();
    assert!(m.rule.is_user());
    assert_eq!(m.rule.verdict, Verdict::Cause(Cause::WrongEnvironment));
    // A user rule wins even over a longer built-in one.
    let m = cat
        .find("token has invalid claims: token is expired; tenant acme-7 mismatch")
        .unwrap();
    assert!(m.rule.is_user(), "{}", m.rule.pattern);
    assert!(m.rule.verdict.allows(Cause::InvalidCredentials));
    assert_eq!(m.matched, "tenant acme-7 mismatch");
    assert_eq!(
        cat.find("SHARD-12 refused the login").unwrap().rule.verdict,
        Verdict::Cause(Cause::ServerMisconfigured)
    );
    assert!(cat.find_code("tenant_unknown").unwrap().rule.is_user());
    // A generic user rule does not hide a built-in cause.
    assert_eq!(
        cat.find("jwt not active").unwrap().rule.verdict,
        Verdict::Cause(Cause::TokenNotYetValid)
    );
    // Builtin untouched.
    assert!(!catalog().find("jwt expired").unwrap().rule.is_user());
}

fn load_error(body: &str) -> (String, String) {
    let f = rules_file(body);
    let err = catalog().clone().with_rules_file(f.path()).unwrap_err();
    (err.to_string(), f.path().display().to_string())
}

#[test]
fn bad_rules_files_name_the_file_and_the_rule() {
    let ok = "[[rule]]\npattern = \"fine\"\ncause = \"unknown\"\n\n";

    let (msg, path) = load_error(&format!(
        "{ok}[[rule]]\npattern = \"x\"\ncause = \"tenant\"\n"
    ));
    assert!(msg.contains(&path), "{msg}");
    assert!(msg.contains("rule #2 (line 5)"), "{msg}");
    assert!(msg.contains("'tenant'"), "{msg}");
    assert!(msg.contains("wrong_environment"), "lists valid ids: {msg}");

    let (msg, path) = load_error(&format!(
        "{ok}[[rule]]\npattern = \"  \"\ncause = \"unknown\"\n"
    ));
    assert!(
        msg.contains(&path) && msg.contains("rule #2") && msg.contains("empty pattern"),
        "{msg}"
    );

    let (msg, _) = load_error(&format!(
        "{ok}[[rule]]\nregex = \"a(b\"\ncause = \"unknown\"\n"
    ));
    assert!(
        msg.contains("rule #2") && msg.contains("bad regex"),
        "{msg}"
    );

    let (msg, _) = load_error(&format!(
        "{ok}[[rule]]\npattern = \"{{…}}\"\ncause = \"unknown\"\n"
    ));
    assert!(
        msg.contains("rule #2") && msg.contains("no literal text"),
        "{msg}"
    );

    let (msg, _) = load_error(&format!(
        "{ok}[[rule]]\npattern = \"a\"\nregex = \"b\"\ncause = \"unknown\"\n"
    ));
    assert!(
        msg.contains("rule #2") && msg.contains("exactly one"),
        "{msg}"
    );

    let (msg, path) = load_error("[[rule]]\npattern = \"unterminated\ncause = 1\n");
    assert!(
        msg.contains(&path) && msg.contains("not valid TOML"),
        "{msg}"
    );
    assert!(msg.contains("line 2") || msg.contains("2 |"), "{msg}");

    let (msg, _) = load_error("[[rule]]\npatern = \"typo\"\ncause = \"unknown\"\n");
    assert!(msg.contains("patern"), "{msg}");

    let err = catalog()
        .clone()
        .with_rules_file(Path::new("/nonexistent/rules.toml"))
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/rules.toml"));
}

#[test]
fn the_sample_rules_file_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/rules.example.toml");
    let cat = catalog().clone().with_rules_file(&path).unwrap();
    assert!(cat.rules().iter().any(Rule::is_user));
}

#[test]
fn rules_table_is_aligned_and_lists_user_rules_first() {
    let f = rules_file("[[rule]]\npattern = \"tenant mismatch\"\ncause = \"wrong_environment\"\nstack = \"my-gateway\"\n");
    let cat = catalog().clone().with_rules_file(f.path()).unwrap();
    let table = render_rules_table(&cat);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), cat.rules().len() + 1);
    assert!(lines[0].starts_with("SOURCE"));
    assert!(lines[1].starts_with("user"), "{}", lines[1]);
    assert!(lines[1].contains("my-gateway") && lines[1].ends_with("tenant mismatch"));
    assert!(lines[2].starts_with("builtin"));
    let col = lines[0].find("CAUSE").unwrap();
    let char_col = lines[0][..col].chars().count();
    for l in &lines[1..] {
        let c: String = l.chars().skip(char_col - 2).take(2).collect();
        assert_eq!(c, "  ", "misaligned: {l}");
    }
    assert!(table.contains("code: credentials_required"));
}

#[test]
fn builtin_is_cached() {
    let a = Catalog::builtin();
    let b = Catalog::builtin();
    assert_eq!(a.rules().len(), b.rules().len());
}

#[test]
fn three_dots_are_a_wildcard_too_in_user_patterns() {
    let f = rules_file(
        "[[rule]]\npattern = \"tenant {...} is closed\"\ncause = \"account_disabled\"\n",
    );
    let cat = catalog().clone().with_rules_file(f.path()).unwrap();
    let m = cat.find("error: tenant acme (eu-1) is closed.").unwrap();
    assert_eq!(m.rule.verdict, Verdict::Cause(Cause::AccountDisabled));
    assert_eq!(m.matched, "tenant acme (eu-1) is closed");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn any_text_is_safe_to_search(prefix in ".{0,300}", suffix in ".{0,300}") {
        let cat = catalog();
        for text in [format!("{prefix}jwt expired{suffix}"), prefix.clone()] {
            if let Some(m) = cat.find(&text) {
                proptest::prop_assert!(m.matched.chars().count() <= 200);
            }
        }
        let _ = cat.find_code(&prefix);
    }
}

#[test]
fn every_builtin_pattern_compiles() {
    // Built-in regexes are compiled on first use; a pattern that could not
    // compile would silently never match, so all of them are compiled here.
    let catalog = Catalog::builtin();
    let mut texts = 0;
    for rule in &catalog.rules {
        if let Matcher::Text { regex, .. } = &rule.matcher {
            assert!(regex.get().is_some(), "{}: {}", rule.source, rule.pattern);
            texts += 1;
        }
    }
    assert!(texts > 100, "only {texts} text rules");
}

/// The memo answers as a fresh match would, for texts seen once, twice,
/// after it was emptied, and for texts too long to be kept; a copy of the
/// catalog starts empty.
#[test]
fn remembered_answers_equal_fresh_ones() {
    let cat = Catalog::builtin();
    let answer = |m: Option<CatalogMatch<'_>>| m.map(|m| (m.rule.verdict.clone(), m.matched));
    let long = format!("jwt expired {}", "x".repeat(crate::memo::MAX_TEXT));
    let texts = [
        "jwt expired",
        "  jwt   expired ",
        "no rule for this",
        "invalid signature",
        &long,
    ];
    for round in 0..3 {
        for text in texts {
            let fresh = cat
                .find_anew(text)
                .map(|(i, m)| (cat.rules[i].verdict.clone(), m));
            assert_eq!(answer(cat.find(text)), fresh, "round {round}: {text:?}");
        }
    }
    let kept = cat.memo.0.lock().map(|m| m.len()).unwrap_or(0);
    assert_eq!(kept, texts.len() - 1, "the long text is not kept");
    assert_eq!(cat.clone().memo.0.lock().map(|m| m.len()).unwrap_or(1), 0);

    for i in 0..FIND_MEMO_TEXTS + 10 {
        cat.find(&format!("message number {i}"));
    }
    let kept = cat.memo.0.lock().map(|m| m.len()).unwrap_or(usize::MAX);
    assert!(kept <= FIND_MEMO_TEXTS, "{kept} entries");
    assert_eq!(
        answer(cat.find("jwt expired")).map(|a| a.0),
        Some(verdict_of("jwt expired"))
    );
}
