//! Log text goes through [`mask_secrets`] before it is stored. That mask
//! reads any word after `Bearer`/`Basic`/`token` and anything after
//! `Authorization:` as a credential, which destroys the very messages
//! authlens explains: `no user/password was provided for basic
//! authentication` (nginx), `Bearer realm="api", error="invalid_token"`
//! (a logged challenge), `Format is Authorization: Bearer [token]`
//! (express-jwt), `token revoked by logout`. This shields only those
//! shapes (a scheme followed by a short (≤ 16) all-lowercase word or an auth-param
//! name, `Authorization:` followed only by scheme names and `[placeholders]`)
//! and lets the mask handle everything else unchanged.

use std::sync::OnceLock;

use regex::Regex;

use crate::credential::mask_secrets;

const SPACE: char = '\u{1}';
const TAB: char = '\u{2}';
const COLON: char = '\u{3}';

const SCHEMES: [&str; 7] = [
    "bearer",
    "basic",
    "token",
    "digest",
    "negotiate",
    "ntlm",
    "apikey",
];

const AUTH_PARAMS: [&str; 14] = [
    "realm=",
    "error=",
    "error_description=",
    "error_uri=",
    "scope=",
    "charset=",
    "algorithm=",
    "qop=",
    "stale=",
    "domain=",
    "header=",
    "resource_metadata=",
    "as_uri=",
    "authorization_uri=",
];

fn scheme_word() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i:\b(?:bearer|basic|token|digest|negotiate|ntlm|apikey))([ \t]+)([A-Za-z_]+=?)",
        )
        .ok()
    })
    .as_ref()
}

fn authorization() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)\bauthorization(:)([^\r\n,]*)").ok())
        .as_ref()
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._~+/-=".contains(c)
}

/// Only scheme names and bracketed placeholders (`Bearer [token]`).
fn credential_free(rest: &str) -> bool {
    rest.split_whitespace().all(|w| {
        let w = w.trim_matches(|c| c == '"' || c == '\'');
        w.is_empty()
            || SCHEMES.contains(&w.to_ascii_lowercase().as_str())
            || (w.starts_with('[') && w.ends_with(']'))
            || (w.starts_with('<') && w.ends_with('>'))
    })
}

/// [`mask_secrets`] with the shapes above left readable.
pub(crate) fn mask_log_text(text: &str) -> String {
    if text.contains([SPACE, TAB, COLON]) {
        return mask_secrets(text);
    }
    let (Some(sw), Some(az)) = (scheme_word(), authorization()) else {
        return mask_secrets(text);
    };
    // Byte ranges to rewrite: whitespace after a scheme, `:` after
    // Authorization.
    let mut protect: Vec<(usize, usize, bool)> = Vec::new();
    for c in sw.captures_iter(text) {
        let (Some(gap), Some(word)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let w = word.as_str();
        let next = text[word.end()..].chars().next();
        let whole_word = next.is_none_or(|n| !is_token_char(n) || w.ends_with('='));
        let lowercase_word = !w.ends_with('=')
            && w.len() <= 16
            && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        let param = w.ends_with('=') && AUTH_PARAMS.contains(&w.to_ascii_lowercase().as_str());
        if whole_word && (lowercase_word || param) {
            protect.push((gap.start(), gap.end(), false));
        }
    }
    for c in az.captures_iter(text) {
        let (Some(colon), Some(rest)) = (c.get(1), c.get(2)) else {
            continue;
        };
        if credential_free(rest.as_str()) {
            protect.push((colon.start(), colon.end(), true));
        }
    }
    if protect.is_empty() {
        return mask_secrets(text);
    }
    protect.sort_unstable();
    let mut shielded = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, is_colon) in protect {
        if start < last {
            continue;
        }
        shielded.push_str(&text[last..start]);
        for ch in text[start..end].chars() {
            shielded.push(match (is_colon, ch) {
                (true, _) => COLON,
                (false, '\t') => TAB,
                _ => SPACE,
            });
        }
        last = end;
    }
    shielded.push_str(&text[last..]);
    mask_secrets(&shielded)
        .chars()
        .map(|c| match c {
            SPACE => ' ',
            TAB => '\t',
            COLON => ':',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(mask_log_text(s), s);
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
            let m = mask_log_text(s);
            assert!(!m.contains(secret), "{s} -> {m}");
            assert!(m.contains("[redacted:"), "{s} -> {m}");
        }
        assert_eq!(
            mask_log_text("a\u{1}b token xyz123456"),
            mask_secrets("a\u{1}b token xyz123456")
        );
    }
}
