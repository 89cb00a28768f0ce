//! The placeholders `authlens sanitize` writes where a secret was, and how
//! the analyzer reads them back.
//!
//! A sanitized capture must give the same diagnosis as the original for
//! every cause that does not need the secret itself, so the placeholder
//! carries what classification needs and nothing more:
//!
//! - `[redacted:<fp>]`: the value's fingerprint (the same [`fingerprint`]
//!   `credential_fp` shows), so "this credential succeeded earlier" and
//!   "the same key everywhere" still work;
//! - `[redacted:<fp>:<defect>]`: also a formatting defect of the original
//!   that lived inside the secret (a Basic value that is not base64) and so
//!   cannot be kept by keeping the shape around it;
//! - a JWT whose signature segment became `REDACTED<fp>`: header and claims
//!   stay readable, the signature is known to be absent (not "invalid").

use base64::Engine;

use super::{fingerprint, Defect, Fingerprint};

const SIGNATURE_PREFIX: &str = "REDACTED";

/// `[redacted:<fp>]` for a value with this fingerprint, with the first
/// defect that the placeholder would otherwise hide.
pub fn fingerprint_marker(fp: &str, defects: &[Defect]) -> String {
    match defects.iter().find_map(defect_code) {
        Some(code) => format!("[redacted:{fp}:{code}]"),
        None => format!("[redacted:{fp}]"),
    }
}

/// Stable code of a defect that lives inside the secret's bytes; `None`
/// for defects of the shape around it (quotes, scheme, placeholders), which
/// sanitize keeps as they are.
pub fn defect_code(d: &Defect) -> Option<String> {
    Some(match d {
        Defect::BasicNotBase64 => "basic-not-base64".into(),
        Defect::BasicNoColon => "basic-no-colon".into(),
        Defect::BadCharacters => "bad-characters".into(),
        Defect::Whitespace => "whitespace".into(),
        Defect::JwtSegments(n) => format!("jwt-segments-{n}"),
        Defect::JwtBadBase64(part) => format!("jwt-base64-{part}"),
        Defect::JwtNotJson(part) => format!("jwt-json-{part}"),
        _ => return None,
    })
}

fn defect_from_code(code: &str) -> Option<Defect> {
    let part = |p: &str| -> Option<&'static str> {
        ["header", "payload", "signature"]
            .into_iter()
            .find(|k| *k == p)
    };
    Some(match code {
        "basic-not-base64" => Defect::BasicNotBase64,
        "basic-no-colon" => Defect::BasicNoColon,
        "bad-characters" => Defect::BadCharacters,
        "whitespace" => Defect::Whitespace,
        _ => {
            if let Some(n) = code.strip_prefix("jwt-segments-") {
                Defect::JwtSegments(n.parse().ok()?)
            } else if let Some(p) = code.strip_prefix("jwt-base64-") {
                Defect::JwtBadBase64(part(p)?)
            } else if let Some(p) = code.strip_prefix("jwt-json-") {
                Defect::JwtNotJson(part(p)?)
            } else {
                return None;
            }
        }
    })
}

/// `[redacted:<fp>]` or `[redacted:<fp>:<defect>]` → (fp, defect).
pub(super) fn parse_marker(value: &str) -> Option<(Fingerprint, Option<Defect>)> {
    let inner = value.strip_prefix("[redacted:")?.strip_suffix(']')?;
    let (fp, code) = match inner.split_once(':') {
        Some((fp, code)) => (fp, Some(code)),
        None => (inner, None),
    };
    let fp = Fingerprint::parse(fp)?;
    let defect = match code {
        Some(c) => Some(defect_from_code(c)?),
        None => None,
    };
    Some((fp, defect))
}

/// Is this (possibly quoted) value a sanitize placeholder?
pub fn is_fingerprint_marker(value: &str) -> bool {
    parse_marker(value.trim().trim_matches(['"', '\''])).is_some()
}

/// The claim added to a sanitized JWT's payload.
const SANITIZED_CLAIM: &str = r#""authlens_sanitized":"signature removed""#;

/// The JWT `token` with its signature replaced by `REDACTED<fp>` (which is
/// base64url, so the token still decodes) and an `authlens_sanitized`
/// claim appended to the payload. The claim matters: `header.payload` of a
/// real token is itself sent on its own (a two-segment token is a classic
/// malformed credential), so the sanitized text must not contain it.
pub fn redact_jwt_signature(token: &str, fp: &str) -> Option<String> {
    let (head, _signature) = token.rsplit_once('.')?;
    let (header, payload) = head.split_once('.')?;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let json = engine.decode(payload.trim_end_matches('=')).ok()?;
    let json = String::from_utf8(json).ok()?;
    let body = json.trim_end().strip_suffix('}')?;
    let sep = if body.trim().ends_with('{') { "" } else { "," };
    let payload = engine.encode(format!("{body}{sep}{SANITIZED_CLAIM}}}"));
    Some(format!("{header}.{payload}.{SIGNATURE_PREFIX}{fp}"))
}

fn redacted_signature_fp(token: &str) -> Option<Fingerprint> {
    let (_, sig) = token.rsplit_once('.')?;
    Fingerprint::parse(sig.strip_prefix(SIGNATURE_PREFIX)?)
}

/// Does this JWT carry a sanitized (not a real) signature?
pub fn is_redacted_jwt(token: &str) -> bool {
    redacted_signature_fp(token.trim().trim_matches(['"', '\''])).is_some()
}

/// The fingerprint of a credential value: the original's when the value is
/// a sanitize placeholder, else [`fingerprint`] of the bytes.
pub fn value_fingerprint(value: &str) -> Fingerprint {
    let bare = value.trim().trim_matches(['"', '\'']);
    if let Some((fp, _)) = parse_marker(bare) {
        return fp;
    }
    if let Some(fp) = redacted_signature_fp(bare) {
        return fp;
    }
    fingerprint(value.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::parse_authorization;
    use super::*;

    #[test]
    fn placeholder_round_trips_fingerprint_and_defect() {
        let m = fingerprint_marker("0123456789ab", &[Defect::Quoted, Defect::BasicNotBase64]);
        assert_eq!(m, "[redacted:0123456789ab:basic-not-base64]");
        assert_eq!(
            parse_marker(&m),
            Some((
                Fingerprint::parse("0123456789ab").expect("hex"),
                Some(Defect::BasicNotBase64)
            ))
        );
        for d in [
            Defect::JwtSegments(2),
            Defect::JwtBadBase64("payload"),
            Defect::JwtNotJson("header"),
            Defect::Whitespace,
            Defect::BadCharacters,
            Defect::BasicNoColon,
        ] {
            let m = fingerprint_marker("0123456789ab", std::slice::from_ref(&d));
            assert_eq!(parse_marker(&m).and_then(|p| p.1), Some(d));
        }
        assert_eq!(parse_marker("[redacted:xyz]"), None);
        assert_eq!(parse_marker("[redacted:0123456789ab:nonsense]"), None);
    }

    #[test]
    fn redacted_basic_keeps_fingerprint_and_is_not_malformed() {
        let original = parse_authorization("Basic dXNlcjpwYXNz");
        let c = parse_authorization(&format!("Basic [redacted:{}]", original.fingerprint));
        assert_eq!(c.fingerprint, original.fingerprint);
        assert!(c.defects.is_empty(), "{:?}", c.defects);
        let bad = parse_authorization("Basic user:pass");
        let m = fingerprint_marker(&bad.fingerprint, &bad.defects);
        let c = parse_authorization(&format!("Basic {m}"));
        assert_eq!(c.defects, bad.defects);
        assert_eq!(c.fingerprint, bad.fingerprint);
        assert!(!super::super::is_redaction_marker(&format!("Basic {m}")));
    }

    #[test]
    fn redacted_opaque_bearer_keeps_quotes_defect_and_fingerprint() {
        let original = parse_authorization("Bearer \"abcdef123456\"");
        let c = parse_authorization(&format!("Bearer \"[redacted:{}]\"", original.fingerprint));
        assert_eq!(c.fingerprint, original.fingerprint);
        assert_eq!(c.defects, original.defects);
        assert_eq!(c.kind, original.kind);
    }

    #[test]
    fn jwt_with_redacted_signature_decodes_with_original_fingerprint() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVkIjoiYXBpIiwiZXhwIjoxNzAwMDAwMDAwLCJzY29wZSI6InJlYWQgd3JpdGUifQ.c2lnbmF0dXJl";
        let original = parse_authorization(&format!("Bearer {jwt}"));
        let redacted = redact_jwt_signature(jwt, &original.fingerprint).unwrap();
        assert!(is_redacted_jwt(&redacted));
        let c = parse_authorization(&format!("Bearer {redacted}"));
        assert_eq!(c.fingerprint, original.fingerprint);
        assert_eq!(c.kind, original.kind);
        assert!(c.defects.is_empty(), "{:?}", c.defects);
        assert_eq!(c.jwt.map(|j| j.exp), original.jwt.map(|j| j.exp));
    }
}
