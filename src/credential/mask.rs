//! Masking of secrets inside free text and URLs before they are stored.
//!
//! Server messages, URLs and response bodies can quote a credential
//! (`?api_key=…`, `invalid token: eyJ…`, `Authorization: Basic …`). They are
//! masked once, at parse time, so nothing downstream can leak them.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::OnceLock;

use regex::Regex;

use super::{fingerprint, in_lower_case, is_key_query_param_lower};
use crate::memo::{remembered, TextMemo};

/// The mask put where a secret was: shows a fingerprint so equal secrets
/// stay recognisable.
fn redacted(secret: &str) -> String {
    format!("[redacted:{}]", fingerprint(secret.as_bytes()))
}

/// Query parameter names whose values are secrets, beyond API keys.
pub fn is_secret_param(name: &str) -> bool {
    in_lower_case(name, is_secret_param_lower)
}

fn is_secret_param_lower(n: &str) -> bool {
    is_key_query_param_lower(n)
        || matches!(
            n,
            "password"
                | "passwd"
                | "pwd"
                | "pass"
                | "secret"
                | "code"
                | "refresh_token"
                | "client_assertion"
                | "sig"
                | "signature"
                | "x-amz-signature"
                | "x-amz-security-token"
                | "x-amz-credential"
                | "session"
                | "sessionid"
                | "session_id"
                | "state"
                | "otp"
                | "ticket"
                | "saml"
                | "samlresponse"
                | "samlrequest"
        )
        || n.contains("password")
        || n.contains("secret")
        || n.contains("token")
}

/// Mask the values of secret-bearing query parameters in a URL (or in a
/// path with a query), leaving everything else byte for byte.
pub fn mask_url(url: &str) -> String {
    mask_url_cow(Cow::Borrowed(url)).into_owned()
}

/// [`mask_url`] of a URL that may be borrowed: given back as it is when
/// there is nothing to mask (a parsed log line's URL is not copied).
pub fn mask_url_cow(url: Cow<'_, str>) -> Cow<'_, str> {
    // The usual URL has nothing to mask: no JWT start anywhere, no secret
    // parameter name. It is told so without the copies a rebuild makes (a
    // kept log line's URL cost about 2 k instructions).
    if jwt_start().find(url.as_bytes()).is_none() && !has_secret_param(&url) {
        return url;
    }
    Cow::Owned(mask_url_parts(&url))
}

/// [`mask_url`] part by part: the path, each query parameter, the fragment.
fn mask_url_parts(url: &str) -> String {
    let (before_fragment, fragment) = match url.find('#') {
        Some(i) => (&url[..i], Some(&url[i + 1..])),
        None => (url, None),
    };
    let mut out = match before_fragment.find('?') {
        None => mask_text(before_fragment),
        Some(q) => {
            let mut out = String::with_capacity(url.len());
            out.push_str(&mask_text(&before_fragment[..q]));
            out.push('?');
            out.push_str(&mask_query(&before_fragment[q + 1..]));
            out
        }
    };
    if let Some(fragment) = fragment {
        out.push('#');
        // OAuth implicit flow puts tokens in the fragment.
        out.push_str(&mask_query(fragment));
    }
    out
}

/// Could a parameter of `url`'s query or fragment have a secret name (as
/// [`mask_query`] decides)? Cut at every `?`, `#` and `&` after the first
/// `?` or `#`: more cuts than [`mask_url_parts`] makes, so a name it finds
/// secret always has a secret piece here (its secret words and suffixes
/// hold none of these bytes).
fn has_secret_param(url: &str) -> bool {
    let Some(start) = memchr::memchr2(b'?', b'#', url.as_bytes()) else {
        return false;
    };
    url[start + 1..].split(['&', '#', '?']).any(|pair| {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        is_secret_name(name)
    })
}

/// Is the (still encoded) parameter name `name` a secret one? Most names
/// have nothing to decode: no copy is made for them.
fn is_secret_name(name: &str) -> bool {
    if name.contains(['%', '+']) {
        is_secret_param(&percent_decode(name))
    } else {
        is_secret_param(name)
    }
}

fn mask_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, value)) => {
                if is_secret_name(name) && !value.is_empty() {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(&redacted(&percent_decode(value)));
                } else {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(&mask_text(value));
                }
            }
            None => out.push_str(&mask_text(pair)),
        }
    }
    out
}

/// Lenient percent-decoding (invalid escapes are kept as they are).
pub fn percent_decode(s: &str) -> String {
    // Query strings encode spaces as '+' (application/x-www-form-urlencoded).
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// (pattern, capture group holding the secret). The patterns are literals
/// checked by the tests below, so compiling them cannot fail.
const SECRET_PATTERNS: [(&str, usize); 5] = [
    // JWTs anywhere (also inside JSON or after "token:").
    (r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_\-]*", 0),
    // Scheme + credential, e.g. in a quoted header dump.
    (
        r"(?i)\b(?:bearer|basic|token|digest|negotiate|ntlm|apikey)[ \t]+([A-Za-z0-9._~+/=\-]{6,})",
        1,
    ),
    // key=value pairs whose key names a secret.
    (
        r#"(?i)\b[\w.-]*(?:api[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|token|secret|password|passwd|pwd|session[_-]?id|sessionid|auth)["']?\s*[:=]\s*["']?([^"'\s&,;}]{4,})"#,
        1,
    ),
    // Cookie / Set-Cookie header dumps.
    (r"(?i)\b(?:set-)?cookie:\s*([^\r\n]+)", 1),
    // Authorization header dumps.
    (r"(?i)\bauthorization:\s*([^\r\n,]+)", 1),
];

fn secret_patterns() -> &'static [(Regex, usize)] {
    static PATTERNS: OnceLock<Vec<(Regex, usize)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        SECRET_PATTERNS
            .iter()
            .filter_map(|(p, g)| Regex::new(p).ok().map(|r| (r, *g)))
            .collect()
    })
}

/// All of [`SECRET_PATTERNS`] at once: most texts (every logged URL and
/// message) hold no secret, and one pass tells so where five did.
fn any_secret_pattern(text: &str) -> bool {
    static SET: OnceLock<Option<regex::RegexSet>> = OnceLock::new();
    SET.get_or_init(|| regex::RegexSet::new(SECRET_PATTERNS.iter().map(|(p, _)| p)).ok())
        .as_ref()
        .is_none_or(|set| set.is_match(text))
}

/// Mask anything that looks like a secret inside free text.
///
/// Remembered per thread: log lines repeat the same messages, codes and
/// headers, and the patterns (which words like "token" set off) cost 4 k
/// instructions a text.
pub fn mask_secrets(text: &str) -> String {
    thread_local! {
        static MASKED: RefCell<TextMemo<String>> = RefCell::new(TextMemo::new(1024));
    }
    remembered(&MASKED, text, mask_secrets_anew)
}

/// [`mask_secrets`] without the memo.
fn mask_secrets_anew(text: &str) -> String {
    let mut current = text.to_string();
    if !any_secret_pattern(text) {
        return current;
    }
    for (index, (re, group)) in secret_patterns().iter().enumerate() {
        if !re.is_match(&current) {
            continue;
        }
        // After a scheme word or `Authorization:` the text may be prose
        // ("…for basic authentication", "Format is Authorization: Bearer
        // [token]"): only token-shaped values are masked there.
        let needs_token_shape = index == 1 || index == 4;
        let mut out = String::with_capacity(current.len());
        let mut last = 0;
        for caps in re.captures_iter(&current) {
            let Some(m) = caps.get(*group) else { continue };
            if m.as_str().starts_with("[redacted:") {
                continue;
            }
            if needs_token_shape && !looks_secret(m.as_str()) {
                continue;
            }
            out.push_str(&current[last..m.start()]);
            out.push_str(&redacted(m.as_str()));
            last = m.end();
        }
        out.push_str(&current[last..]);
        current = out;
    }
    current
}

/// Token-shaped: long, or mixing letters and digits, with no spaces
/// inside the last word.
fn looks_secret(value: &str) -> bool {
    let word = value.trim().rsplit([' ', '\t']).next().unwrap_or("");
    let digits = word.bytes().filter(u8::is_ascii_digit).count();
    let letters = word.bytes().filter(u8::is_ascii_alphabetic).count();
    let token_chars = word.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-' | b':')
    });
    token_chars
        && ((word.len() >= 8 && digits > 0 && letters > 0)
            || word.len() >= 20
            || is_basic_pair(word))
}

/// base64 of `user:password`, however word-like it looks.
fn is_basic_pair(word: &str) -> bool {
    use base64::Engine;
    word.len() >= 8
        && base64::engine::general_purpose::STANDARD
            .decode(word.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .is_some_and(|t| t.contains(':') && !t.chars().any(char::is_control))
}

/// Where a JWT's base64 `{"` would start.
fn jwt_start() -> &'static memchr::memmem::Finder<'static> {
    static JWT_START: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    JWT_START.get_or_init(|| memchr::memmem::Finder::new(b"eyJ"))
}

fn mask_text(s: &str) -> String {
    // A shared finder: `str::contains` set up a new searcher on every call,
    // and this runs for every path and query value of every kept record.
    if jwt_start().find(s.as_bytes()).is_some() {
        mask_secrets(s)
    } else {
        s.to_string()
    }
}

/// Real server messages from the log parsers: auth prose stays readable,
/// credentials inside it do not.
#[cfg(test)]
mod log_text_tests {
    use super::{is_secret_param, mask_secrets, mask_secrets_anew};

    #[test]
    fn secret_parameter_names_are_found_in_any_case_and_length() {
        let long = "x".repeat(64);
        let cases = [
            ("API_KEY".to_string(), true),
            ("Password".into(), true),
            ("STATE".into(), true),
            ("my_TOKEN".into(), true),
            ("Page".into(), false),
            ("".into(), false),
            ("tökén".into(), false),
            // Past the 64-byte stack buffer.
            (format!("{long}_Token"), true),
            (format!("{long}_page"), false),
            (format!("State{}", "é".repeat(40)), false),
        ];
        for (name, secret) in cases {
            assert_eq!(is_secret_param(&name), secret, "{name}");
        }
    }

    #[test]
    fn auth_messages_stay_readable() {
        for s in [
            "no user/password was provided for basic authentication",
            r#"Bearer realm="shipping-api", error="invalid_token", error_description="jwt expired""#,
            r#"Bearer realm="shipping-api", error="invalid_request", error_description="Format is Authorization: Bearer [token]""#,
            "Format is Authorization: Bearer [token]",
            "token revoked by logout",
            r#"ApiKey realm="partner-api", header="X-Partner-Key""#,
            r#"Basic realm="staff portal""#,
            "client used wrong authentication scheme: /basic/file",
            "Unable to authenticate the request: invalid bearer token",
            "AuthenticationScheme: Bearer was challenged.",
        ] {
            assert_eq!(mask_secrets(s), s);
        }
    }

    #[test]
    fn credentials_are_still_masked() {
        for (s, secret) in [
            ("Authorization: Bearer abc.def.ghi123", "abc.def.ghi123"),
            ("got token abcdef123456 from header", "abcdef123456"),
            ("Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
            ("token Ab3defGh1jkl", "Ab3defGh1jkl"),
            ("bearer sometoken42value", "sometoken42value"),
            ("Bearer averyveryverylongword", "averyveryverylongword"),
            (
                "token abcdefghijklmnopqrstuvwxyzabc",
                "abcdefghijklmnopqrstuvwxyzabc",
            ),
            (
                r#"Bearer realm="x", token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"#,
                "eyJzdWIiOiIxIn0",
            ),
            ("api_key=s3cr3tvalue", "s3cr3tvalue"),
            (
                "Authorization: Bearer [token] Basic dXNlcjpwYXNz",
                "dXNlcjpwYXNz",
            ),
        ] {
            let m = mask_secrets(s);
            assert!(!m.contains(secret), "{s} -> {m}");
            assert!(m.contains("[redacted:"), "{s} -> {m}");
        }
        assert_eq!(
            mask_secrets("a\u{1}b token xyz123456"),
            mask_secrets("a\u{1}b token xyz123456")
        );
    }

    /// The remembered mask equals a fresh one for texts with and without
    /// secrets, seen once or again, and after the memo was emptied.
    #[test]
    fn remembered_masks_equal_fresh_ones() {
        let texts: Vec<String> = [
            "jwt expired",
            "invalid token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
            "Authorization: Bearer abcdef123456ghijkl",
            "Format is Authorization: Bearer [token]",
            "password=hunter2hunter2",
            "",
        ]
        .iter()
        .map(|t| t.to_string())
        .chain((0..1100).map(|i| format!("api_key=k{i}x9z8y7")))
        .collect();
        for round in 0..2 {
            for text in &texts {
                let masked = mask_secrets(text);
                assert_eq!(masked, mask_secrets_anew(text), "round {round}: {text}");
                assert!(!masked.contains("hunter2") && !masked.contains("abcdef123456"));
            }
        }
    }

    /// Told apart without a rebuild or rebuilt, a URL masks the same; URLs
    /// pieced from parts that do and do not hold secrets, with the cuts
    /// (`?`, `&`, `#`, `=`) in odd places.
    #[test]
    fn urls_mask_the_same_told_apart_or_rebuilt() {
        use std::borrow::Cow;

        use super::{mask_url, mask_url_cow, mask_url_parts};
        let parts = [
            "/v1/orders",
            "?",
            "&",
            "#",
            "=",
            "page=2",
            "api_key=K3y9x",
            "x?token=abc",
            "pass?word=1",
            "tok%65n=zz",
            "a+b=c",
            "access_token=",
            "eyJhbGciOiJIUzI1NiJ9",
            "q=wireless+headphones",
            "Session=s1",
            "code",
            "%3Fsecret=1",
            "/p/_key",
            // Longer than the stack buffer names are lower-cased in.
            "&A_Parameter_Name_Longer_Than_Sixty_Four_Bytes_Ending_In_ACCESS_TOKEN=v",
            "&A_Parameter_Name_Longer_Than_Sixty_Four_Bytes_Ending_In_Nothing_Secret=v",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rebuilt = 0;
        for _ in 0..4000 {
            let mut url = String::from("https://h.example");
            for _ in 0..6 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                url.push_str(parts[(state % parts.len() as u64) as usize]);
            }
            let masked = mask_url(&url);
            assert_eq!(masked, mask_url_parts(&url), "{url}");
            assert_eq!(mask_url_cow(Cow::Borrowed(&url)), masked, "{url}");
            assert_eq!(mask_url_cow(Cow::Owned(url.clone())), masked, "{url}");
            rebuilt += usize::from(masked != url);
        }
        assert!(rebuilt > 100, "some URLs hold secrets: {rebuilt}");
    }
}
