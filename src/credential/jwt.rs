//! JWT inspection without verification: structure, header, and the claims
//! that are not secret (iss, aud, exp, nbf, iat, scope, kid, alg, sub).

use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use super::Defect;

/// The non-secret parts of a JWT.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JwtInfo {
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
    pub iss: Option<String>,
    pub aud: Vec<String>,
    pub sub: Option<String>,
    /// Seconds since the epoch.
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    /// From `scope` (space-separated), `scp` or `scopes`/`permissions` (arrays).
    pub scopes: Vec<String>,
    /// Token id: lets the same token be followed (it is not a secret by itself).
    pub has_jti: bool,
    pub signature_empty: bool,
    /// Set when keys were configured and the signature was checked.
    pub signature: Option<SignatureCheck>,
}

/// Outcome of verifying a signature against configured keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SignatureCheck {
    Valid,
    Invalid,
    /// The `kid` is not in the configured key set.
    UnknownKey,
}

/// Three base64url segments separated by dots, the first starting like a
/// JSON object (`eyJ` is base64 of `{"`).
pub fn looks_like_jwt(s: &str) -> bool {
    let s = s.trim();
    if !s.starts_with("eyJ") {
        return false;
    }
    s.bytes().filter(|&b| b == b'.').count() == 2
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

fn b64url(seg: &str) -> Option<Vec<u8>> {
    let trimmed = seg.trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed.as_bytes())
        .ok()
        .or_else(|| {
            // Some producers use the standard alphabet by mistake.
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(trimmed.as_bytes())
                .ok()
        })
}

fn json_object(seg: &str, part: &'static str) -> Result<serde_json::Map<String, Value>, Defect> {
    let bytes = b64url(seg).ok_or(Defect::JwtBadBase64(part))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Defect::JwtNotJson(part)),
    }
}

fn numeric(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>, split_spaces: bool) -> Vec<String> {
    match v {
        Some(Value::String(s)) if split_spaces => {
            s.split_whitespace().map(str::to_string).collect()
        }
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Decode a JWT's header and claims. The header goes through
/// `jsonwebtoken::decode_header` when its `alg` is one the crate knows,
/// and through a plain JSON read otherwise (`none`, vendor algorithms) so an
/// odd `alg` does not hide the claims.
pub fn decode_jwt(token: &str) -> Result<JwtInfo, Defect> {
    let segments: Vec<&str> = token.split('.').collect();
    if segments.len() != 3 {
        return Err(Defect::JwtSegments(segments.len()));
    }
    let header = json_object(segments[0], "header")?;
    let claims = json_object(segments[1], "payload")?;
    if !segments[2].is_empty() && b64url(segments[2]).is_none() {
        return Err(Defect::JwtBadBase64("signature"));
    }
    let alg = match jsonwebtoken::decode_header(token) {
        Ok(h) => format!("{:?}", h.alg),
        Err(_) => string(header.get("alg")).unwrap_or_default(),
    };
    let mut scopes = strings(claims.get("scope"), true);
    for key in ["scp", "scopes", "permissions", "roles"] {
        if scopes.is_empty() {
            scopes = strings(claims.get(key), true);
        }
    }
    Ok(JwtInfo {
        alg,
        kid: string(header.get("kid")),
        typ: string(header.get("typ")),
        iss: string(claims.get("iss")),
        aud: strings(claims.get("aud"), false),
        sub: string(claims.get("sub")),
        exp: numeric(claims.get("exp")),
        nbf: numeric(claims.get("nbf")),
        iat: numeric(claims.get("iat")),
        scopes,
        has_jti: claims.contains_key("jti"),
        signature_empty: segments[2].is_empty(),
        signature: None,
    })
}
