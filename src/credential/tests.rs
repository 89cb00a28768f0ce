use super::*;

// header {"alg":"HS256","typ":"JWT"} . payload {"iss":"https://idp.example","aud":"api","exp":1700000000,"scope":"read write"} . sig
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVkIjoiYXBpIiwiZXhwIjoxNzAwMDAwMDAwLCJzY29wZSI6InJlYWQgd3JpdGUifQ.c2lnbmF0dXJl";

#[test]
fn bearer_jwt_claims_are_decoded() {
    let c = parse_authorization(&format!("Bearer {JWT}"));
    assert_eq!(c.kind, CredentialKind::BearerJwt);
    assert!(c.defects.is_empty(), "{:?}", c.defects);
    let jwt = c.jwt.expect("claims");
    assert_eq!(jwt.iss.as_deref(), Some("https://idp.example"));
    assert_eq!(jwt.aud, ["api"]);
    assert_eq!(jwt.exp, Some(1_700_000_000));
    assert_eq!(jwt.scopes, ["read", "write"]);
    assert_eq!(jwt.alg, "HS256");
    assert_eq!(c.fingerprint.len(), 12);
    assert_ne!(c.fingerprint, JWT[..12]);
}

#[test]
fn placeholders_and_empty_values_are_defects() {
    for v in ["Bearer undefined", "Bearer null", "Bearer [object Object]"] {
        let c = parse_authorization(v);
        assert!(
            matches!(c.defects[0], Defect::Placeholder(_)),
            "{v}: {:?}",
            c.defects
        );
    }
    assert_eq!(parse_authorization("Bearer").defects, [Defect::EmptyValue]);
    assert_eq!(parse_authorization("Bearer ").defects, [Defect::EmptyValue]);
    assert_eq!(parse_authorization("").defects, [Defect::EmptyValue]);
}

#[test]
fn quoted_doubled_space_and_tab_are_defects() {
    assert!(parse_authorization(&format!("Bearer \"{JWT}\""))
        .defects
        .contains(&Defect::Quoted));
    assert!(parse_authorization(&format!("Bearer  {JWT}"))
        .defects
        .contains(&Defect::Whitespace));
    let tab = format!("Bearer {}\t{}", &JWT[..20], &JWT[20..]);
    assert!(parse_authorization(&tab)
        .defects
        .contains(&Defect::Whitespace));
}

#[test]
fn jwt_structure_defects() {
    let two = JWT.rsplit_once('.').unwrap().0;
    assert!(parse_authorization(&format!("Bearer {two}"))
        .defects
        .contains(&Defect::JwtSegments(2)));
    let cut = format!("{two}.");
    assert!(parse_authorization(&format!("Bearer {cut}"))
        .defects
        .contains(&Defect::JwtMissingSignature));
    assert!(matches!(
        parse_authorization("Bearer eyJub3Rqc29u.eyJhIjoxfQ.c2ln").defects[0],
        Defect::JwtNotJson("header")
    ));
}

#[test]
fn bare_token_has_no_scheme() {
    let c = parse_authorization(JWT);
    assert_eq!(c.kind, CredentialKind::BareToken);
    assert_eq!(c.defects[0], Defect::MissingScheme);
    assert!(c.jwt.is_some());
}

#[test]
fn basic_values() {
    // alice:secret
    let ok = parse_authorization("Basic YWxpY2U6c2VjcmV0");
    assert_eq!(ok.kind, CredentialKind::Basic);
    assert!(ok.defects.is_empty());
    // "alicesecret" has no colon
    assert_eq!(
        parse_authorization("Basic YWxpY2VzZWNyZXQ=").defects,
        [Defect::BasicNoColon]
    );
    assert_eq!(
        parse_authorization("Basic %%%notbase64").defects,
        [Defect::BasicNotBase64]
    );
}

#[test]
fn other_schemes() {
    assert_eq!(
        parse_authorization(&format!("Token {JWT}")).kind,
        CredentialKind::OtherScheme
    );
    assert_eq!(
        parse_authorization("Negotiate YIIabc=").kind,
        CredentialKind::Negotiate
    );
    assert_eq!(
        parse_authorization("NTLM TlRMTVNTUAABAAAA").kind,
        CredentialKind::Ntlm
    );
    assert_eq!(
        parse_authorization("Bearer abc123opaque").kind,
        CredentialKind::BearerOpaque
    );
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let a = parse_authorization(&format!("Bearer {JWT}"));
    let b = parse_authorization(&format!("bearer {JWT}"));
    assert_eq!(a.fingerprint, b.fingerprint);
    assert_ne!(
        a.fingerprint,
        parse_authorization("Bearer other").fingerprint
    );
}

#[test]
fn api_key_names() {
    assert!(is_api_key_header("x-api-key"));
    assert!(is_api_key_header("x-partner-key"));
    assert!(!is_api_key_header("sec-websocket-key"));
    assert!(is_key_query_param("api_key"));
    assert!(is_key_query_param("partner_key"));
    assert!(!is_key_query_param("case"));
}

#[test]
fn masking_urls_and_text() {
    let url = mask_url("https://h/x?case=t1&api_key=SUPERSECRETKEY&page=2");
    assert!(!url.contains("SUPERSECRETKEY"), "{url}");
    assert!(url.contains("case=t1") && url.contains("page=2"));
    let text = mask_secrets(&format!(
        "invalid token {JWT} from Basic YWxpY2U6c2VjcmV0 password=hunter22"
    ));
    for secret in [JWT, "YWxpY2U6c2VjcmV0", "hunter22"] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(text.contains("[redacted:"));
}

#[test]
fn masking_leaves_auth_prose_alone() {
    for prose in [
        "no user/password was provided for basic authentication",
        "Format is Authorization: Bearer [token]",
        "token revoked by logout",
        "Bearer realm=\"api\", error=\"invalid_token\"",
    ] {
        assert_eq!(mask_secrets(prose), prose);
    }
    let dump = mask_secrets("Authorization: Bearer abcdef123456ghijkl");
    assert!(!dump.contains("abcdef123456ghijkl"), "{dump}");
}

#[test]
fn fingerprint_is_the_first_six_bytes_of_sha256_in_hex() {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert_eq!(fingerprint(b"abc").as_str(), "ba7816bf8f01");
    assert_eq!(fingerprint(b"").to_string(), "e3b0c44298fc");
    assert_eq!(
        Fingerprint::parse("ba7816bf8f01"),
        Some(fingerprint(b"abc"))
    );
    for bad in [
        "BA7816BF8F01",
        "ba7816bf8f0",
        "ba7816bf8f01a",
        "ba7816bf8f0g",
        "",
    ] {
        assert_eq!(Fingerprint::parse(bad), None, "{bad}");
    }
    // Serialized as its text.
    assert_eq!(
        serde_json::to_string(&fingerprint(b"abc")).expect("serializes"),
        "\"ba7816bf8f01\""
    );
}

/// A capture that sends a fresh value per request keeps a `Credential` per
/// request: inside an `Arc` it must stay in glibc's 96-byte chunk class.
#[cfg(target_pointer_width = "64")]
#[test]
fn credential_stays_small() {
    assert!(std::mem::size_of::<Credential>() <= 72);
    assert_eq!(std::mem::size_of::<Defects>(), 8);
}

#[test]
fn defects_read_as_a_list() {
    let mut d = Defects::default();
    assert!(d.is_empty() && d == [] as [Defect; 0]);
    d.push(Defect::Whitespace);
    d.insert(0, Defect::MissingScheme);
    assert_eq!(d, [Defect::MissingScheme, Defect::Whitespace]);
    assert_eq!(
        serde_json::to_string(&d).unwrap_or_default(),
        r#"["MissingScheme","Whitespace"]"#
    );
    assert_eq!(d.take(), vec![Defect::MissingScheme, Defect::Whitespace]);
    assert!(d.is_empty());
    assert_eq!(Defects::from(Vec::new()), Defects::default());
}

/// The allocating reading [`is_redaction_marker`] replaced: the last word,
/// lower-cased, against the markers.
fn redaction_marker_reference(value: &str) -> bool {
    let v = value.trim();
    if is_fingerprint_marker(v.rsplit([' ', '\t']).next().unwrap_or(v)) {
        return false;
    }
    let token = v
        .rsplit([' ', '\t'])
        .next()
        .unwrap_or(v)
        .trim_matches(|c| c == '[' || c == ']' || c == '<' || c == '>' || c == '"');
    let t = token.to_ascii_lowercase();
    matches!(
        t.as_str(),
        "redacted"
            | "removed"
            | "sanitized"
            | "scrubbed"
            | "hidden"
            | "filtered"
            | "masked"
            | "***"
            | "****"
            | "*****"
            | "xxx"
            | "xxxx"
            | "xxxxx"
    ) || t.starts_with("redacted")
        || (t.len() >= 3 && t.bytes().all(|b| b == b'*'))
}

#[test]
fn redaction_markers_read_as_before() {
    let fp = fingerprint(b"abc");
    let words = [
        "REDACTED",
        "[redacted]",
        "<Removed>",
        "\"sanitized\"",
        "Scrubbed",
        "hidden",
        "FILTERED",
        "masked",
        "**",
        "***",
        "*******",
        "xx",
        "XXX",
        "xxxxx",
        "xxxxxx",
        "redacted-by-proxy",
        "Redact",
        "réducted",
        "ŔEDACTED",
        "[redacted:0123456789ab]",
        "",
        " ",
        "abc.def.ghi",
        JWT,
    ];
    let marker = format!("[redacted:{fp}]");
    let mut values: Vec<String> = Vec::new();
    for w in words.iter().copied().chain([marker.as_str()]) {
        for prefix in ["", "Bearer ", "Basic\t", "  token = ", "é "] {
            for suffix in ["", " ", "\t\n"] {
                values.push(format!("{prefix}{w}{suffix}"));
            }
        }
    }
    let mut hits = 0;
    for v in &values {
        let want = redaction_marker_reference(v);
        assert_eq!(is_redaction_marker(v), want, "{v:?}");
        hits += usize::from(want);
    }
    // Both answers occur, so the comparison means something.
    assert!(hits > 100 && hits < values.len() - 100, "{hits}");
    assert!(is_redaction_marker("Bearer [REDACTED]"));
    assert!(!is_redaction_marker(&format!("Bearer {marker}")));
    assert!(!is_redaction_marker(&format!("Bearer {JWT}")));
}

/// The reading `is_session_cookie` had before it stopped lowering a copy
/// of the name and building a searcher per needle.
fn session_cookie_reference(name: &str, value: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let named = ["sess", "sid", "auth", "token", "jwt", "login"]
        .iter()
        .any(|w| n.contains(w))
        || n == "id_token"
        || n.starts_with("__host-")
        || n.starts_with("__secure-");
    let analytics = ["_ga", "_gid", "_fbp", "_gcl", "ajs_"]
        .iter()
        .any(|p| n.starts_with(p))
        || n.contains("consent");
    !analytics && (named || looks_like_jwt(value))
}

#[test]
fn session_cookie_names_read_as_before() {
    let words = [
        "",
        "s",
        "sess",
        "SESSION",
        "PHPSESSID",
        "connect.sid",
        "Sid",
        "si",
        "auth",
        "AUTH_",
        "x-token",
        "Tok",
        "jwt",
        "login",
        "LOG",
        "id_token",
        "__Host-",
        "__host-x",
        "__Secure-a",
        "__secure",
        "_ga",
        "_GA_123",
        "_gid",
        "_fbp",
        "_gcl_au",
        "cookie_consent",
        "ajs_user",
        "ajs",
        "é",
        "séss",
        "ßid",
        "theme",
    ];
    let mut names = Vec::new();
    for a in words {
        for b in ["", "sess", "_ga", "x", "é", "TOKEN"] {
            names.push(format!("{a}{b}"));
            names.push(format!("{b}{a}"));
        }
    }
    let mut hits = 0;
    for name in &names {
        for value in ["abc", JWT] {
            let want = session_cookie_reference(name, value);
            assert_eq!(is_session_cookie(name, value), want, "{name:?} {value:?}");
            hits += usize::from(want);
        }
    }
    // Both answers occur often, so the comparison means something.
    assert!(hits > 100 && hits < 2 * names.len() - 100, "{hits}");
}
