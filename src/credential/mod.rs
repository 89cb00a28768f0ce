//! Credentials as authlens sees them: what was sent, where, in what shape.
//!
//! This module owns the reduction of a raw secret (an `Authorization` value,
//! an API-key header, a key-like query parameter, a session cookie) to a
//! [`Credential`] summary: its kind, the scheme word, a stable fingerprint,
//! decoded non-secret JWT claims, and the formatting defects that make a
//! server reject it as malformed. The raw value never leaves this module;
//! everything downstream works from the summary.

mod jwt;
mod marker;
mod mask;

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::intern::intern;

pub use jwt::{decode_jwt, looks_like_jwt, JwtInfo, SignatureCheck};
pub use marker::{
    defect_code, fingerprint_marker, is_fingerprint_marker, is_redacted_jwt, redact_jwt_signature,
    value_fingerprint,
};
pub use mask::{is_secret_param, mask_secrets, mask_url, mask_url_cow, percent_decode};

/// What kind of credential was sent. `Display` gives the stable ids used in
/// the `credential` output column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CredentialKind {
    BearerJwt,
    BearerOpaque,
    Basic,
    Digest,
    Negotiate,
    Ntlm,
    /// Some other scheme word (`Token`, `JWT`, `ApiKey`, `AWS4-HMAC-SHA256`…).
    OtherScheme,
    /// An Authorization value with no scheme word at all.
    BareToken,
    ApiKeyHeader,
    ApiKeyQuery,
    Cookie,
}

impl CredentialKind {
    pub fn id(self) -> &'static str {
        match self {
            CredentialKind::BearerJwt => "bearer-jwt",
            CredentialKind::BearerOpaque => "bearer-opaque",
            CredentialKind::Basic => "basic",
            CredentialKind::Digest => "digest",
            CredentialKind::Negotiate => "negotiate",
            CredentialKind::Ntlm => "ntlm",
            CredentialKind::OtherScheme => "other-scheme",
            CredentialKind::BareToken => "bare-token",
            CredentialKind::ApiKeyHeader => "api-key-header",
            CredentialKind::ApiKeyQuery => "api-key-query",
            CredentialKind::Cookie => "cookie",
        }
    }

    /// Carried in the `Authorization` header.
    pub fn is_authorization(self) -> bool {
        !matches!(
            self,
            CredentialKind::ApiKeyHeader | CredentialKind::ApiKeyQuery | CredentialKind::Cookie
        )
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Something wrong with how a credential is written, independent of whether
/// it is valid. Each maps to `malformed_credentials` evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Defect {
    /// The scheme word with nothing after it (`Bearer`, `Bearer `).
    EmptyValue,
    /// A placeholder a front end serialised by mistake: `undefined`, `null`, `[object Object]`…
    Placeholder(String),
    /// The token is wrapped in quotes (JSON-serialised string).
    Quoted,
    /// Whitespace (space, tab, line break) inside the token or doubled after the scheme.
    Whitespace,
    /// No scheme word before the token.
    MissingScheme,
    /// A JWT attempt that does not have three dot-separated segments.
    JwtSegments(usize),
    /// A JWT segment that is not base64url.
    JwtBadBase64(&'static str),
    /// A JWT header or payload that is not a JSON object.
    JwtNotJson(&'static str),
    /// A JWT with an empty signature segment but an `alg` that needs one.
    JwtMissingSignature,
    /// Basic value that is not base64.
    BasicNotBase64,
    /// Basic value that decodes but has no `user:password` colon.
    BasicNoColon,
    /// Characters that may not appear in a header token (RFC 9110 token68).
    BadCharacters,
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Defect::EmptyValue => f.write_str("the scheme is followed by no credential"),
            Defect::Placeholder(p) => write!(f, "the credential is the placeholder '{p}'"),
            Defect::Quoted => f.write_str("the token is wrapped in quotes"),
            Defect::Whitespace => f.write_str("the token contains whitespace or a doubled space"),
            Defect::MissingScheme => f.write_str("the Authorization value has no scheme word"),
            Defect::JwtSegments(n) => write!(f, "the JWT has {n} segment(s), not 3"),
            Defect::JwtBadBase64(part) => write!(f, "the JWT {part} is not base64url"),
            Defect::JwtNotJson(part) => write!(f, "the JWT {part} is not a JSON object"),
            Defect::JwtMissingSignature => f.write_str("the JWT signature segment is empty"),
            Defect::BasicNotBase64 => f.write_str("the Basic value is not base64"),
            Defect::BasicNoColon => f.write_str("the Basic value does not decode to user:password"),
            Defect::BadCharacters => {
                f.write_str("the token contains characters not allowed in a header token")
            }
        }
    }
}

/// Where a credential was carried.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Location {
    Authorization,
    /// A named request header (lower-cased).
    Header(Arc<str>),
    /// A named query parameter.
    Query(Arc<str>),
    /// A named cookie.
    Cookie(Arc<str>),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Authorization => f.write_str("Authorization header"),
            Location::Header(h) => write!(f, "{h} header"),
            Location::Query(q) => write!(f, "query parameter '{q}'"),
            Location::Cookie(c) => write!(f, "cookie '{c}'"),
        }
    }
}

/// A credential reduced to what classification needs. Holds no secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credential {
    pub kind: CredentialKind,
    pub location: Location,
    /// The scheme word exactly as sent (`Bearer`, `bearer`, `Token`), when any.
    pub scheme: Option<Arc<str>>,
    /// First 12 hex digits of SHA-256 of the credential value (after the
    /// scheme word): stable across files, reveals nothing.
    pub fingerprint: Fingerprint,
    /// Shared: most credentials are not JWTs, and the entries of a capture
    /// reuse the same few tokens, whose decoded claims are kept once.
    pub jwt: Option<Arc<JwtInfo>>,
    pub defects: Defects,
}

/// A credential's defects. Nearly every credential has none, and a capture
/// that sends a fresh value per request keeps a `Credential` per request:
/// one pointer, null when empty, keeps it in the 96-byte malloc class
/// instead of the 112-byte one. Reads as a slice.
// The box is the point: `Option<Box<Vec>>` is one word, a `Vec` three.
#[allow(clippy::box_collection)]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Defects(Option<Box<Vec<Defect>>>);

impl Defects {
    pub fn push(&mut self, defect: Defect) {
        self.0.get_or_insert_with(Default::default).push(defect);
    }

    pub fn insert(&mut self, index: usize, defect: Defect) {
        self.0
            .get_or_insert_with(Default::default)
            .insert(index, defect);
    }

    /// The defects as a list, leaving none.
    pub fn take(&mut self) -> Vec<Defect> {
        self.0.take().map(|list| *list).unwrap_or_default()
    }
}

impl std::ops::Deref for Defects {
    type Target = [Defect];
    fn deref(&self) -> &[Defect] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl From<Vec<Defect>> for Defects {
    fn from(list: Vec<Defect>) -> Defects {
        Defects((!list.is_empty()).then(|| Box::new(list)))
    }
}

impl<const N: usize> PartialEq<[Defect; N]> for Defects {
    fn eq(&self, other: &[Defect; N]) -> bool {
        **self == other[..]
    }
}

impl<'a> IntoIterator for &'a Defects {
    type Item = &'a Defect;
    type IntoIter = std::slice::Iter<'a, Defect>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Serialize for Defects {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl Credential {
    pub fn is_malformed(&self) -> bool {
        !self.defects.is_empty()
    }
}

/// First 12 hex digits of SHA-256: enough to tell tokens apart in one
/// incident, too short to be worth brute-forcing back.
pub fn fingerprint(raw: &[u8]) -> Fingerprint {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(raw);
    let mut out = [0u8; 12];
    for (pair, byte) in out.chunks_exact_mut(2).zip(&digest[..6]) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    Fingerprint(out)
}

/// A credential's [`fingerprint`]: always 12 lowercase hex digits, kept
/// inline. A multi-GB capture holds one per distinct credential, and a
/// heap string each was a sizeable share of its memory.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 12]);

impl Fingerprint {
    /// `text` when it is 12 lowercase hex digits (as in a sanitize marker).
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let bytes: [u8; 12] = text.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            .then_some(Fingerprint(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from hex digits (above and in `fingerprint`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::ops::Deref for Fingerprint {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialEq<str> for Fingerprint {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Fingerprint {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Values that front ends send when a variable was never set.
const PLACEHOLDERS: &[&str] = &[
    "undefined",
    "null",
    "nil",
    "none",
    "[object object]",
    "<token>",
    "{token}",
    "${token}",
    "{{token}}",
    "token",
    "your_token",
    "your-token-here",
    "false",
    "nan",
];

/// Parse an `Authorization` header value (RFC 9110 §11.6.2:
/// `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`).
pub fn parse_authorization(value: &str) -> Credential {
    let trimmed = value.trim_matches(|c: char| c == ' ' || c == '\t');
    let mut defects = Vec::new();

    // Split the scheme word from the rest without normalising the rest:
    // doubled spaces and tabs are defects we want to see.
    let (scheme_word, rest) = match trimmed.find([' ', '\t']) {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => (trimmed, ""),
    };

    // A value with no space at all is either a bare scheme (`Bearer`) or a bare token.
    if rest.is_empty() && !trimmed.contains([' ', '\t']) {
        if is_known_scheme(scheme_word) {
            defects.push(Defect::EmptyValue);
            return Credential {
                kind: scheme_kind(scheme_word, ""),
                location: Location::Authorization,
                scheme: Some(intern(scheme_word)),
                fingerprint: fingerprint(b""),
                jwt: None,
                defects: defects.into(),
            };
        }
        if trimmed.is_empty() {
            return Credential {
                kind: CredentialKind::BareToken,
                location: Location::Authorization,
                scheme: None,
                fingerprint: fingerprint(b""),
                jwt: None,
                defects: vec![Defect::EmptyValue].into(),
            };
        }
        // Bare token: analyse it as a token with the MissingScheme defect.
        let mut cred = analyse_token(trimmed, CredentialKind::BareToken);
        cred.defects.insert(0, Defect::MissingScheme);
        return cred;
    }

    let kind_hint = scheme_kind(scheme_word, rest);
    let token_part = rest;
    if token_part.starts_with([' ', '\t']) {
        defects.push(Defect::Whitespace);
    }
    let token = token_part.trim_matches(|c: char| c == ' ' || c == '\t');
    if token.is_empty() {
        defects.push(Defect::EmptyValue);
        return Credential {
            kind: kind_hint,
            location: Location::Authorization,
            scheme: Some(intern(scheme_word)),
            fingerprint: fingerprint(b""),
            jwt: None,
            defects: defects.into(),
        };
    }

    let mut cred = match kind_hint {
        CredentialKind::Basic => analyse_basic(token),
        CredentialKind::BearerJwt | CredentialKind::BearerOpaque => {
            analyse_token(token, CredentialKind::BearerOpaque)
        }
        CredentialKind::OtherScheme => {
            // `Token eyJ…`, `JWT eyJ…`: keep the claims, the scheme is the problem.
            let mut c = analyse_token(token, CredentialKind::OtherScheme);
            c.kind = CredentialKind::OtherScheme;
            c
        }
        other => Credential {
            kind: other,
            location: Location::Authorization,
            scheme: None,
            fingerprint: value_fingerprint(token),
            jwt: None,
            defects: Defects::default(),
        },
    };
    cred.scheme = Some(intern(scheme_word));
    defects.extend(cred.defects.take());
    dedup(&mut defects);
    cred.defects = defects.into();
    cred
}

fn dedup(defects: &mut Vec<Defect>) {
    let mut seen = Vec::with_capacity(defects.len());
    defects.retain(|d| {
        if seen.contains(d) {
            false
        } else {
            seen.push(d.clone());
            true
        }
    });
}

fn is_known_scheme(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "bearer"
            | "basic"
            | "digest"
            | "negotiate"
            | "ntlm"
            | "token"
            | "jwt"
            | "apikey"
            | "hoba"
            | "mutual"
            | "scram-sha-256"
            | "dpop"
            | "aws4-hmac-sha256"
    )
}

fn scheme_kind(word: &str, rest: &str) -> CredentialKind {
    match word.to_ascii_lowercase().as_str() {
        "bearer" => {
            if looks_like_jwt(rest.trim()) {
                CredentialKind::BearerJwt
            } else {
                CredentialKind::BearerOpaque
            }
        }
        "basic" => CredentialKind::Basic,
        "digest" => CredentialKind::Digest,
        "negotiate" | "kerberos" => CredentialKind::Negotiate,
        "ntlm" => CredentialKind::Ntlm,
        _ => CredentialKind::OtherScheme,
    }
}

/// Analyse a token value (Bearer, other scheme, bare): placeholders, quotes,
/// whitespace, and JWT structure.
fn analyse_token(token: &str, default_kind: CredentialKind) -> Credential {
    let mut defects = Vec::new();
    let lower = token.to_ascii_lowercase();
    if PLACEHOLDERS.contains(&lower.as_str()) {
        defects.push(Defect::Placeholder(token.chars().take(20).collect()));
    }
    let mut inner = token;
    if inner.len() >= 2
        && ((inner.starts_with('"') && inner.ends_with('"'))
            || (inner.starts_with('\'') && inner.ends_with('\'')))
    {
        defects.push(Defect::Quoted);
        inner = &inner[1..inner.len() - 1];
    } else if inner.starts_with('"') || inner.ends_with('"') {
        defects.push(Defect::Quoted);
        inner = inner.trim_matches('"');
    }
    if inner.contains([' ', '\t', '\r', '\n']) {
        defects.push(Defect::Whitespace);
    }
    let compact: String;
    let candidate = if inner.contains([' ', '\t', '\r', '\n']) {
        compact = inner.chars().filter(|c| !c.is_whitespace()).collect();
        compact.as_str()
    } else {
        inner
    };
    if defects.is_empty() && candidate.bytes().any(|b| !is_token68_byte(b)) {
        defects.push(Defect::BadCharacters);
    }

    // `authlens sanitize` output: the fingerprint (and any content defect)
    // of the value that was there; the shape around it was kept.
    if let Some((fp, defect)) = marker::parse_marker(candidate) {
        defects.retain(|d| *d != Defect::BadCharacters);
        defects.extend(defect);
        return Credential {
            kind: if default_kind == CredentialKind::BearerJwt {
                CredentialKind::BearerOpaque
            } else {
                default_kind
            },
            location: Location::Authorization,
            scheme: None,
            fingerprint: fp,
            jwt: None,
            defects: defects.into(),
        };
    }
    let mut kind = default_kind;
    let mut jwt = None;
    if looks_like_jwt(candidate) || (candidate.starts_with("eyJ") && candidate.len() > 10) {
        match decode_jwt(candidate) {
            Ok(info) => {
                if info.signature_empty && !info.alg.eq_ignore_ascii_case("none") {
                    defects.push(Defect::JwtMissingSignature);
                }
                jwt = Some(Arc::new(info));
            }
            Err(defect) => defects.push(defect),
        }
        if default_kind == CredentialKind::BearerOpaque {
            kind = CredentialKind::BearerJwt;
        }
    }
    if kind == CredentialKind::BearerJwt && jwt.is_none() && !candidate.starts_with("eyJ") {
        kind = CredentialKind::BearerOpaque;
    }
    Credential {
        kind,
        location: Location::Authorization,
        scheme: None,
        fingerprint: value_fingerprint(token),
        jwt,
        defects: defects.into(),
    }
}

fn is_token68_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

fn analyse_basic(value: &str) -> Credential {
    let mut defects = Vec::new();
    if let Some((fp, defect)) = marker::parse_marker(value) {
        return Credential {
            kind: CredentialKind::Basic,
            location: Location::Authorization,
            scheme: None,
            fingerprint: fp,
            jwt: None,
            defects: defect.into_iter().collect::<Vec<_>>().into(),
        };
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let padded_ok = engine.decode(value.as_bytes()).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(value.trim_end_matches('=').as_bytes())
            .ok()
    });
    match padded_ok {
        Some(bytes) => {
            if !bytes.contains(&b':') {
                defects.push(Defect::BasicNoColon);
            }
        }
        None => defects.push(Defect::BasicNotBase64),
    }
    if value.contains([' ', '\t']) {
        defects.push(Defect::Whitespace);
    }
    Credential {
        kind: CredentialKind::Basic,
        location: Location::Authorization,
        scheme: None,
        fingerprint: fingerprint(value.as_bytes()),
        jwt: None,
        defects: defects.into(),
    }
}

/// Values that sanitizers (Chrome's "sanitized" export, Cloudflare's
/// har-sanitizer, hand redaction) put where a secret was.
///
/// `authlens sanitize`'s own `[redacted:<fingerprint>]` is not one of them:
/// it still identifies the credential, so it is analysed as one.
pub fn is_redaction_marker(value: &str) -> bool {
    let v = value.trim();
    // The last word: found by bytes (blanks are ASCII, so the cut is on a
    // char boundary). This runs for every credential-bearing header and
    // cookie of a HAR; a long token is searched once, not copied.
    let last = memchr::memrchr2(b' ', b'\t', v.as_bytes()).map_or(v, |i| &v[i + 1..]);
    if is_fingerprint_marker(last) {
        return false;
    }
    let token = last
        .trim_matches(|c| c == '[' || c == ']' || c == '<' || c == '>' || c == '"')
        .as_bytes();
    const MARKERS: [&[u8]; 13] = [
        b"redacted",
        b"removed",
        b"sanitized",
        b"scrubbed",
        b"hidden",
        b"filtered",
        b"masked",
        b"***",
        b"****",
        b"*****",
        b"xxx",
        b"xxxx",
        b"xxxxx",
    ];
    MARKERS.iter().any(|m| token.eq_ignore_ascii_case(m))
        || token
            .get(..8)
            .is_some_and(|head| head.eq_ignore_ascii_case(b"redacted"))
        || (token.len() >= 3 && token.iter().all(|b| *b == b'*'))
}

/// Header names that carry API keys or tokens outside `Authorization`.
pub fn is_api_key_header(name_lower: &str) -> bool {
    if name_lower.starts_with("sec-") || name_lower.starts_with("access-control-") {
        return false;
    }
    const EXACT: &[&str] = &[
        "x-api-key",
        "api-key",
        "apikey",
        "x-apikey",
        "x-auth-token",
        "x-access-token",
        "x-token",
        "x-session-token",
        "x-csrf-token",
        "x-amz-security-token",
        "ocp-apim-subscription-key",
        "x-goog-api-key",
        "private-token",
        "x-vault-token",
        "x-functions-key",
        "authentication",
        "x-authorization",
        "proxy-authorization",
    ];
    if name_lower == "x-csrf-token" || name_lower == "x-xsrf-token" {
        return false;
    }
    EXACT.contains(&name_lower)
        || (name_lower.starts_with("x-")
            && (name_lower.ends_with("-key")
                || name_lower.ends_with("-apikey")
                || name_lower.ends_with("-token")
                || name_lower.ends_with("-secret")))
}

/// Query parameter names that carry an API key or token (used both to mask
/// URLs and to spot `api_key_misplaced`).
pub fn is_key_query_param(name: &str) -> bool {
    in_lower_case(name, is_key_query_param_lower)
}

/// `test` of `name` in ASCII lower case, lower-cased on the stack when it
/// is short: parameter names of every kept URL are asked about, and
/// names are short.
pub(crate) fn in_lower_case(name: &str, test: impl FnOnce(&str) -> bool) -> bool {
    let mut buf = [0u8; 64];
    match buf.get_mut(..name.len()) {
        Some(slot) => {
            slot.copy_from_slice(name.as_bytes());
            slot.make_ascii_lowercase();
            // ASCII case changes keep UTF-8 valid.
            std::str::from_utf8(slot).is_ok_and(test)
        }
        None => test(&name.to_ascii_lowercase()),
    }
}

/// [`is_key_query_param`] for a name already in lower case.
pub(crate) fn is_key_query_param_lower(n: &str) -> bool {
    matches!(
        n,
        "api_key"
            | "apikey"
            | "api-key"
            | "key"
            | "access_token"
            | "token"
            | "auth"
            | "auth_token"
            | "id_token"
            | "jwt"
            | "x-api-key"
            | "subscription-key"
            | "client_secret"
    ) || n.ends_with("_key")
        || n.ends_with("-key")
        || n.ends_with("_token")
        || n.ends_with("apikey")
}

/// An API key sent in a header other than Authorization.
pub fn api_key_header(name_lower: &str, value: &str) -> Credential {
    let v = value.trim();
    let mut cred = if v.contains(' ') {
        // `X-API-Key: Bearer …` still is a header key; look at the token part.
        let (_, rest) = v.split_once(' ').unwrap_or(("", v));
        analyse_token(rest.trim(), CredentialKind::ApiKeyHeader)
    } else {
        analyse_token(v, CredentialKind::ApiKeyHeader)
    };
    if v.is_empty() {
        cred.defects.push(Defect::EmptyValue);
    }
    cred.kind = CredentialKind::ApiKeyHeader;
    cred.location = Location::Header(intern(name_lower));
    cred.fingerprint = value_fingerprint(v);
    cred
}

/// An API key or token sent as a query parameter (value already percent-decoded).
pub fn api_key_query(name: &str, value: &str) -> Credential {
    let mut cred = analyse_token(value, CredentialKind::ApiKeyQuery);
    if value.is_empty() {
        cred.defects.push(Defect::EmptyValue);
    }
    cred.kind = CredentialKind::ApiKeyQuery;
    cred.location = Location::Query(intern(name));
    cred.fingerprint = value_fingerprint(value);
    cred
}

/// Cookie names that usually hold a session or auth token.
pub fn is_session_cookie(name: &str, value: &str) -> bool {
    // Every cookie of every request comes through here: the needles are
    // looked for in place, ignoring case, without a lowered copy or a
    // searcher built per call.
    let n = name.as_bytes();
    let has = |needle: &[u8]| {
        n.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    let starts = |prefix: &[u8]| {
        n.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let named = has(b"sess")
        || has(b"sid")
        || has(b"auth")
        || has(b"token")
        || has(b"jwt")
        || has(b"login")
        || starts(b"__host-")
        || starts(b"__secure-");
    // Analytics and consent cookies are not credentials whatever their names.
    let analytics = starts(b"_ga")
        || starts(b"_gid")
        || starts(b"_fbp")
        || starts(b"_gcl")
        || has(b"consent")
        || starts(b"ajs_");
    !analytics && (named || looks_like_jwt(value))
}

/// A session cookie.
pub fn session_cookie(name: &str, value: &str) -> Credential {
    let jwt = if looks_like_jwt(value) {
        decode_jwt(value).ok().map(Arc::new)
    } else {
        None
    };
    Credential {
        kind: CredentialKind::Cookie,
        location: Location::Cookie(intern(name)),
        scheme: None,
        fingerprint: value_fingerprint(value),
        jwt,
        defects: Defects::default(),
    }
}

#[cfg(test)]
mod tests;
