//! `authlens sanitize`: a HAR with every secret replaced, safe to attach to
//! a ticket, that still gives the same diagnosis.
//!
//! The document is streamed: [`crate::har::scan`] finds each
//! `log.entries[]` element, which is parsed alone (order-preserving), has
//! its secrets rewritten, and is written back at its original indentation;
//! entries without secrets and everything outside entries are copied byte
//! for byte. Memory is bounded by the largest entry.
//!
//! What a secret becomes (see [`crate::credential`] for how `analyze` reads
//! it back):
//! - a JWT keeps header and claims; its signature becomes `REDACTED<fp>`;
//! - anything else becomes `[redacted:<fp>]` (plus `:<defect>` when the
//!   value itself was malformed), `<fp>` being the fingerprint `analyze`
//!   shows as `credential_fp`, so equal secrets stay equal;
//! - the shape around a secret stays: the scheme word, quotes, cookie and
//!   parameter names, `Set-Cookie` attributes; values that hold no secret
//!   (`Bearer`, `Bearer undefined`) are left alone.
//!
//! Names treated as secret (case-insensitive), beyond `Authorization`,
//! `Proxy-Authorization`, `Cookie`, `Set-Cookie`, every cookie value, the
//! API-key headers of [`is_api_key_header`] and the parameters of
//! [`is_secret_param`] (API keys, `*token*`, `*password*`, `*secret*`,
//! `code`, `state`, `session*`, `sig`/`signature`, `X-Amz-*`, `SAML*`,
//! `otp`, `ticket`):
//! - Cloudflare har-sanitizer's default word list (github.com/cloudflare/
//!   har-sanitizer, `defaultWordList`): Authorization, SAMLRequest,
//!   SAMLResponse, access_token, appID, assertion, auth,
//!   authenticity_token, challenge, client_id, client_secret, code,
//!   code_challenge, code_verifier, email, facetID, fcParams, id_token,
//!   password, refresh_token, serverData, shdf, state, token, usg, vses2,
//!   x-client-data. (Its default of scrubbing whole JavaScript bodies is
//!   not followed: bodies are scanned for secrets instead, and a page's
//!   script rarely explains a 401.)
//! - Okta's "Generate a HAR file" guidance (remove session cookies and
//!   tokens before sharing): sid, idx, DT, JSESSIONID, sessionToken,
//!   stateToken, interaction_handle, interaction_code, passcode, id_token,
//!   access_token, refresh_token, code, SAMLResponse.
//! - the names of the task brief: password, passwd, secret, token,
//!   access_token, refresh_token, id_token, client_secret, api_key, apikey,
//!   code, assertion, client_assertion, plus `--key NAME`.
//!
//! One exception keeps diagnoses intact: in the JSON body of an error
//! response, `code` is an error code (`"code": "token_expired"`), not an
//! OAuth authorization code, and is kept.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Write};

use base64::Engine;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::credential::{
    api_key_header, api_key_query, fingerprint, fingerprint_marker, is_api_key_header,
    is_fingerprint_marker, is_redacted_jwt, is_secret_param, looks_like_jwt, mask_secrets,
    parse_authorization, percent_decode, redact_jwt_signature, value_fingerprint, Credential,
    Defect,
};
use crate::har::scan::{ScanError, Scanner};

/// Names from Cloudflare's and Okta's lists (module docs) that
/// [`is_secret_param`] does not already cover; lower case.
const EXTRA_SECRET_NAMES: &[&str] = &[
    "authorization",
    "appid",
    "assertion",
    "authenticity_token",
    "challenge",
    "client_id",
    "code_challenge",
    "code_verifier",
    "email",
    "facetid",
    "fcparams",
    "serverdata",
    "shdf",
    "usg",
    "vses2",
    "x-client-data",
    "sid",
    "idx",
    "dt",
    "jsessionid",
    "interaction_handle",
    "interaction_code",
    "passcode",
    "api_key",
    "apikey",
];

/// What kind of value was replaced, for the summary on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Replaced {
    Authorization,
    Cookie,
    SetCookie,
    ApiKeyHeader,
    OtherHeader,
    Challenge,
    QueryParam,
    UrlUserinfo,
    FormField,
    JsonField,
    BodyText,
    PageTitle,
}

impl Replaced {
    pub fn id(self) -> &'static str {
        match self {
            Replaced::Authorization => "authorization",
            Replaced::Cookie => "cookie",
            Replaced::SetCookie => "set-cookie",
            Replaced::ApiKeyHeader => "api-key-header",
            Replaced::OtherHeader => "other-header",
            Replaced::Challenge => "challenge-token",
            Replaced::QueryParam => "query-param",
            Replaced::UrlUserinfo => "url-password",
            Replaced::FormField => "form-field",
            Replaced::JsonField => "json-field",
            Replaced::BodyText => "body-text",
            Replaced::PageTitle => "page-title",
        }
    }
}

/// Counts of replaced values by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub entries: u64,
    pub by_kind: BTreeMap<Replaced, u64>,
}

impl Stats {
    fn add(&mut self, kind: Replaced) {
        *self.by_kind.entry(kind).or_default() += 1;
    }
    pub fn total(&self) -> u64 {
        self.by_kind.values().sum()
    }
    pub fn merge(&mut self, other: &Stats) {
        self.entries += other.entries;
        for (k, n) in &other.by_kind {
            *self.by_kind.entry(*k).or_default() += n;
        }
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entries, {} values replaced",
            self.entries,
            self.total()
        )?;
        if !self.by_kind.is_empty() {
            let parts: Vec<String> = self
                .by_kind
                .iter()
                .map(|(k, n)| format!("{} {n}", k.id()))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// Why a document could not be sanitized. Messages never quote input.
#[derive(Debug)]
pub enum SanitizeError {
    /// The input is not a well-formed HAR; `offset` is a byte offset.
    Input {
        offset: u64,
        message: String,
    },
    Io(io::Error),
}

impl fmt::Display for SanitizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SanitizeError::Input { offset, message } => write!(f, "byte {offset}: {message}"),
            SanitizeError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SanitizeError {}

impl From<ScanError> for SanitizeError {
    fn from(e: ScanError) -> Self {
        // Scanner errors describe structure; read errors arrive as text.
        SanitizeError::Input {
            offset: e.offset,
            message: e.message,
        }
    }
}

impl From<io::Error> for SanitizeError {
    fn from(e: io::Error) -> Self {
        SanitizeError::Io(e)
    }
}

/// The secret-name rules, built once from the defaults and `--key`.
#[derive(Debug, Clone, Default)]
pub struct Sanitizer {
    extra_keys: Vec<String>,
}

impl Sanitizer {
    pub fn new(extra_keys: &[String]) -> Self {
        Sanitizer {
            extra_keys: extra_keys.iter().map(|k| k.to_ascii_lowercase()).collect(),
        }
    }

    /// Is a parameter, field, header or cookie with this name secret?
    pub fn is_secret_name(&self, name: &str) -> bool {
        let n = name.trim().to_ascii_lowercase();
        is_secret_param(&n)
            || EXTRA_SECRET_NAMES.contains(&n.as_str())
            || self.extra_keys.contains(&n)
    }

    /// Sanitize a whole HAR document from `input` to `output`.
    pub fn sanitize<R: Read, W: Write>(&self, input: R, output: W) -> Result<Stats, SanitizeError> {
        let mut doc = Document {
            s: Scanner::new(input),
            out: output,
            copied: 0,
            tail: Vec::new(),
            stats: Stats::default(),
        };
        doc.walk(self)?;
        doc.out.flush()?;
        Ok(doc.stats)
    }

    fn entry(&self, entry: &mut Node, stats: &mut Stats) {
        if let Some(req) = entry.get_mut("request") {
            self.url_field(req, "url", Replaced::QueryParam, stats);
            if let Some(headers) = req.get_mut("headers") {
                for (name, value) in pairs(headers) {
                    self.request_header(&name, value, stats);
                }
            }
            if let Some(qs) = req.get_mut("queryString") {
                for (name, value) in pairs(qs) {
                    self.query_pair(&name, value, stats);
                }
            }
            if let Some(cookies) = req.get_mut("cookies") {
                for (_, value) in pairs(cookies) {
                    replace_str(value, Replaced::Cookie, stats, redact_plain);
                }
            }
            if let Some(post) = req.get_mut("postData") {
                if let Some(params) = post.get_mut("params") {
                    for (name, value) in pairs(params) {
                        if self.is_secret_name(&name) {
                            replace_str(value, Replaced::FormField, stats, redact_plain);
                        }
                    }
                }
                self.body(post, false, stats);
            }
        }
        let status = entry
            .get("response")
            .and_then(|r| r.get("status"))
            .and_then(Node::as_f64)
            .unwrap_or(0.0);
        if let Some(resp) = entry.get_mut("response") {
            if let Some(headers) = resp.get_mut("headers") {
                for (name, value) in pairs(headers) {
                    self.response_header(&name, value, stats);
                }
            }
            if let Some(cookies) = resp.get_mut("cookies") {
                for (_, value) in pairs(cookies) {
                    replace_str(value, Replaced::Cookie, stats, redact_plain);
                }
            }
            self.url_field(resp, "redirectURL", Replaced::QueryParam, stats);
            if let Some(content) = resp.get_mut("content") {
                self.body(content, status >= 400.0, stats);
            }
        }
    }

    fn url_field(&self, node: &mut Node, key: &str, kind: Replaced, stats: &mut Stats) {
        if let Some(Node::String(url)) = node.get_mut(key) {
            let mut n = 0;
            let masked = self.url(url, &mut n);
            if n > 0 {
                *url = masked;
                for _ in 0..n {
                    stats.add(kind);
                }
            }
        }
    }

    fn request_header(&self, name: &str, value: &mut Node, stats: &mut Stats) {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => {
                replace_str(value, Replaced::Authorization, stats, redact_authorization)
            }
            "cookie" => replace_str(value, Replaced::Cookie, stats, redact_cookie_header),
            // HTTP/2 captures repeat the query in the `:path` pseudo-header.
            ":path" | "referer" | "origin" | "location" => {
                if let Node::String(url) = value {
                    let mut n = 0;
                    let masked = self.url(url, &mut n);
                    if n > 0 {
                        *url = masked;
                        stats.add(Replaced::QueryParam);
                    }
                }
            }
            _ => self.other_header(&lower, value, stats),
        }
    }

    fn response_header(&self, name: &str, value: &mut Node, stats: &mut Stats) {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "set-cookie" => replace_str(value, Replaced::SetCookie, stats, redact_set_cookie),
            "www-authenticate" | "proxy-authenticate" => {
                replace_str(value, Replaced::Challenge, stats, redact_challenge_token)
            }
            "location" | "content-location" | "refresh" => {
                if let Node::String(url) = value {
                    let mut n = 0;
                    let masked = self.url(url, &mut n);
                    if n > 0 {
                        *url = masked;
                        stats.add(Replaced::QueryParam);
                    }
                }
            }
            // A response may hand out a credential (`X-Auth-Token`), and
            // a server may echo the request's.
            "authorization" | "proxy-authorization" => {
                replace_str(value, Replaced::Authorization, stats, redact_authorization)
            }
            _ => self.other_header(&lower, value, stats),
        }
    }

    fn other_header(&self, lower: &str, value: &mut Node, stats: &mut Stats) {
        if is_api_key_header(lower) {
            replace_str(value, Replaced::ApiKeyHeader, stats, |v| {
                redact_credential(v, &api_key_header(lower, v))
            });
        } else if self.is_secret_name(lower) {
            replace_str(value, Replaced::OtherHeader, stats, redact_plain);
        }
    }

    fn query_pair(&self, name: &str, value: &mut Node, stats: &mut Stats) {
        if self.is_secret_name(name) {
            replace_str(value, Replaced::QueryParam, stats, |v| {
                redact_credential(v, &api_key_query(name, v))
            });
        }
    }

    /// Mask secret query and fragment parameters and a userinfo password;
    /// `n` counts replacements.
    pub fn url(&self, url: &str, n: &mut u64) -> String {
        let (before_fragment, fragment) = match url.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (url, None),
        };
        let (base, query) = match before_fragment.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (before_fragment, None),
        };
        let mut out = String::with_capacity(url.len());
        out.push_str(&self.userinfo(base, n));
        if let Some(q) = query {
            out.push('?');
            out.push_str(&self.form(q, n));
        }
        if let Some(f) = fragment {
            out.push('#');
            // OAuth implicit and hybrid flows return tokens in the fragment.
            if f.contains('=') {
                out.push_str(&self.form(f, n));
            } else {
                out.push_str(f);
            }
        }
        out
    }

    fn userinfo(&self, base: &str, n: &mut u64) -> String {
        let masked_path = if base.contains("eyJ") {
            let m = mask_secrets(base);
            if m != base {
                *n += 1;
            }
            m
        } else {
            base.to_string()
        };
        let Some(scheme_end) = masked_path.find("://") else {
            return masked_path;
        };
        let rest = &masked_path[scheme_end + 3..];
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let Some(at) = authority.rfind('@') else {
            return masked_path;
        };
        let Some((user, pass)) = authority[..at].split_once(':') else {
            return masked_path;
        };
        if pass.is_empty() || is_fingerprint_marker(pass) {
            return masked_path;
        }
        *n += 1;
        format!(
            "{}{}:{}{}",
            &masked_path[..scheme_end + 3],
            user,
            redact_plain(&percent_decode(pass)),
            &rest[at..]
        )
    }

    /// `a=1&b=2` (a query, a fragment, a form body): secret values masked,
    /// everything else byte for byte.
    fn form(&self, query: &str, n: &mut u64) -> String {
        let mut out = String::with_capacity(query.len());
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            match pair.split_once('=') {
                Some((name, value))
                    if !value.is_empty()
                        && self.is_secret_name(&percent_decode(name))
                        && !is_fingerprint_marker(value)
                        && !is_redacted_jwt(value) =>
                {
                    let decoded = percent_decode(value);
                    let cred = api_key_query(&percent_decode(name), &decoded);
                    let redacted = redact_credential(&decoded, &cred);
                    if redacted != decoded {
                        *n += 1;
                        out.push_str(name);
                        out.push('=');
                        out.push_str(&redacted);
                    } else {
                        out.push_str(pair);
                    }
                }
                _ if pair.contains("eyJ") => {
                    let m = mask_secrets(pair);
                    if m != pair {
                        *n += 1;
                    }
                    out.push_str(&m);
                }
                _ => out.push_str(pair),
            }
        }
        out
    }

    /// `postData` or `content`: `text` by its MIME type (and `encoding`).
    fn body(&self, holder: &mut Node, error_response: bool, stats: &mut Stats) {
        let mime = holder
            .get("mimeType")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let base64 = holder
            .get("encoding")
            .and_then(Node::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
        let Some(Node::String(text)) = holder.get_mut("text") else {
            return;
        };
        if base64 {
            let engine = base64::engine::general_purpose::STANDARD;
            let Ok(bytes) = engine.decode(text.trim().as_bytes()) else {
                return;
            };
            let Ok(decoded) = String::from_utf8(bytes) else {
                return; // binary: images, fonts, compressed data
            };
            if let Some(new) = self.body_text(&decoded, &mime, error_response, stats) {
                *text = engine.encode(new.as_bytes());
            }
        } else if let Some(new) = self.body_text(text, &mime, error_response, stats) {
            *text = new;
        }
    }

    /// The body with secrets replaced, or `None` when nothing changed.
    fn body_text(
        &self,
        text: &str,
        mime: &str,
        error_response: bool,
        stats: &mut Stats,
    ) -> Option<String> {
        let trimmed = text.trim_start();
        if mime.contains("x-www-form-urlencoded") {
            let mut n = 0;
            let out = self.form(text, &mut n);
            for _ in 0..n {
                stats.add(Replaced::FormField);
            }
            return (n > 0).then_some(out);
        }
        if mime.contains("json") || trimmed.starts_with('{') || trimmed.starts_with('[') {
            if let Ok(mut node) = serde_json::from_str::<Node>(text) {
                let before = stats.total();
                self.json(&mut node, error_response, stats);
                if stats.total() == before {
                    return None;
                }
                return serde_json::to_string(&node).ok();
            }
        }
        let textual = mime.is_empty()
            || mime.starts_with("text/")
            || ["json", "xml", "javascript", "form", "html"]
                .iter()
                .any(|t| mime.contains(t));
        if !textual {
            return None;
        }
        let masked = mask_secrets(text);
        if masked != text {
            stats.add(Replaced::BodyText);
            Some(masked)
        } else {
            None
        }
    }

    /// A JSON body: values under secret keys replaced, JWTs and secrets
    /// quoted in other strings masked.
    fn json(&self, node: &mut Node, error_response: bool, stats: &mut Stats) {
        match node {
            Node::Object(members) => {
                for (key, value) in members.iter_mut() {
                    let keep = error_response && key.eq_ignore_ascii_case("code");
                    if !keep && self.is_secret_name(key) {
                        redact_node(value, stats);
                    } else {
                        self.json(value, error_response, stats);
                    }
                }
            }
            Node::Array(items) => {
                for item in items {
                    self.json(item, error_response, stats);
                }
            }
            Node::String(s) => {
                let masked = if looks_like_jwt(s) {
                    redact_plain(s)
                } else {
                    mask_secrets(s)
                };
                if masked != *s {
                    *s = masked;
                    stats.add(Replaced::BodyText);
                }
            }
            _ => {}
        }
    }

    fn pages(&self, pages: &mut Node, stats: &mut Stats) {
        if let Node::Array(items) = pages {
            for page in items {
                // Page titles are often the page's URL, query included.
                self.url_field(page, "title", Replaced::PageTitle, stats);
            }
        }
    }
}

/// Every value under a secret key, whatever its JSON type.
fn redact_node(node: &mut Node, stats: &mut Stats) {
    match node {
        Node::String(s) => {
            let r = redact_plain(s);
            if r != *s {
                *s = r;
                stats.add(Replaced::JsonField);
            }
        }
        Node::Number(n) => {
            *node = Node::String(redact_plain(&n.to_string()));
            stats.add(Replaced::JsonField);
        }
        Node::Array(items) => items.iter_mut().for_each(|i| redact_node(i, stats)),
        Node::Object(members) => members.iter_mut().for_each(|(_, v)| redact_node(v, stats)),
        Node::Null | Node::Bool(_) => {}
    }
}

/// Apply `f` to a string value; count it when it changed.
fn replace_str(node: &mut Node, kind: Replaced, stats: &mut Stats, f: impl Fn(&str) -> String) {
    if let Node::String(s) = node {
        let new = f(s);
        if new != *s {
            *s = new;
            stats.add(kind);
        }
    }
}

/// A secret with no known structure: a JWT keeps its claims, anything
/// else becomes `[redacted:<fp>]`. Empty values and placeholders stay.
pub fn redact_plain(value: &str) -> String {
    if value.is_empty() || is_fingerprint_marker(value) || is_redacted_jwt(value) {
        return value.to_string();
    }
    if looks_like_jwt(value) {
        if let Some(r) = redact_jwt_signature(value, &value_fingerprint(value)) {
            if !value.ends_with('.') {
                return r;
            }
        }
    }
    fingerprint_marker(&fingerprint(value.as_bytes()), &[])
}

/// A credential whose analysis (`cred`) is known: same fingerprint, and
/// the defects the analyzer would find kept visible.
fn redact_credential(value: &str, cred: &Credential) -> String {
    let v = value.trim();
    if v.is_empty()
        || is_fingerprint_marker(v)
        || is_redacted_jwt(v)
        || cred
            .defects
            .iter()
            .any(|d| matches!(d, Defect::Placeholder(_) | Defect::EmptyValue))
    {
        return value.to_string();
    }
    if looks_like_jwt(v) && cred.jwt.is_some() && !v.ends_with('.') {
        if let Some(r) = redact_jwt_signature(v, &cred.fingerprint) {
            return r;
        }
    }
    fingerprint_marker(&cred.fingerprint, &cred.defects)
}

/// `Scheme token`: the scheme word and the spacing after it stay, the
/// token is replaced (a JWT keeps its claims), quotes around it stay.
pub fn redact_authorization(value: &str) -> String {
    let cred = parse_authorization(value);
    if cred
        .defects
        .iter()
        .any(|d| matches!(d, Defect::Placeholder(_) | Defect::EmptyValue))
    {
        return value.to_string();
    }
    let start = value.len() - value.trim_start_matches([' ', '\t']).len();
    let end = value.trim_end_matches([' ', '\t']).len();
    if start >= end {
        return value.to_string();
    }
    let body = &value[start..end];
    let token_at = if cred.scheme.is_some() {
        match body.find([' ', '\t']) {
            Some(i) => i + (body[i..].len() - body[i..].trim_start_matches([' ', '\t']).len()),
            None => return value.to_string(),
        }
    } else {
        0
    };
    let token = &body[token_at..];
    let lq = token.starts_with(['"', '\'']);
    let rq = token.len() > 1 && token.ends_with(['"', '\'']);
    let inner = &token[usize::from(lq)..token.len() - usize::from(rq)];
    if inner.is_empty() || is_fingerprint_marker(inner) || is_redacted_jwt(inner) {
        return value.to_string();
    }
    let replacement = if looks_like_jwt(inner) && cred.jwt.is_some() {
        if inner.ends_with('.') {
            // No signature: nothing secret beyond the claims, and the
            // empty signature is itself a finding.
            return value.to_string();
        }
        redact_jwt_signature(inner, &cred.fingerprint)
            .unwrap_or_else(|| fingerprint_marker(&cred.fingerprint, &cred.defects))
    } else {
        fingerprint_marker(&cred.fingerprint, &cred.defects)
    };
    format!(
        "{}{}{replacement}{}{}",
        &value[..start + token_at],
        if lq { &token[..1] } else { "" },
        if rq { &token[token.len() - 1..] } else { "" },
        &value[end..],
    )
}

/// `a=1; b=2`: every value replaced, names kept.
fn redact_cookie_header(value: &str) -> String {
    value
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((name, v)) => {
                let lead = v.len() - v.trim_start().len();
                let trail = v.trim_end().len();
                if lead >= trail {
                    return part.to_string();
                }
                format!(
                    "{name}={}{}{}",
                    &v[..lead],
                    redact_plain(&v[lead..trail]),
                    &v[trail..]
                )
            }
            None if part.trim().is_empty() => part.to_string(),
            None => {
                let lead = part.len() - part.trim_start().len();
                format!("{}{}", &part[..lead], redact_plain(part.trim()))
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// `name=value; Path=/; HttpOnly` (one per line when a producer joined
/// them): the value replaced, name and attributes kept.
fn redact_set_cookie(value: &str) -> String {
    value
        .split('\n')
        .map(|line| {
            let (first, attrs) = match line.find(';') {
                Some(i) => (&line[..i], &line[i..]),
                None => (line, ""),
            };
            match first.split_once('=') {
                Some((name, v)) if !v.trim().is_empty() => {
                    format!("{name}={}{attrs}", redact_plain(v.trim()))
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// NTLM and Negotiate challenges carry a server token (NTLM type 2, a
/// Kerberos reply); it becomes `REDACTED<fp>`, still a token68, so the
/// handshake stays recognisable. Other challenges hold no secret.
fn redact_challenge_token(value: &str) -> String {
    value
        .split('\n')
        .map(|line| {
            let t = line.trim();
            let Some((scheme, token)) = t.split_once(' ') else {
                return line.to_string();
            };
            let token = token.trim();
            let scheme_l = scheme.to_ascii_lowercase();
            let is_token68 = !token.is_empty()
                && token.trim_end_matches('=').bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
                });
            if matches!(scheme_l.as_str(), "ntlm" | "negotiate" | "kerberos")
                && is_token68
                && !token.starts_with("REDACTED")
            {
                format!("{scheme} REDACTED{}", fingerprint(token.as_bytes()))
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `{name, value}` objects of a HAR pair list, as (name, &mut value).
fn pairs(list: &mut Node) -> Vec<(String, &mut Node)> {
    let Node::Array(items) = list else {
        return Vec::new();
    };
    items
        .iter_mut()
        .filter_map(|item| {
            let Node::Object(members) = item else {
                return None;
            };
            let name = members
                .iter()
                .find(|(k, _)| k == "name")
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("")
                .to_string();
            members
                .iter_mut()
                .find(|(k, _)| k == "value")
                .map(|(_, v)| (name, v))
        })
        .collect()
}

/// The streaming copy: bytes up to `copied` are written.
struct Document<R, W> {
    s: Scanner<R>,
    out: W,
    /// Absolute offset of the first input byte not yet written.
    copied: u64,
    /// What was written since the last newline: a rewritten value's
    /// indentation.
    tail: Vec<u8>,
    stats: Stats,
}

impl<R: Read, W: Write> Document<R, W> {
    /// Write input bytes up to absolute offset `to`.
    fn copy_to(&mut self, to: u64) -> io::Result<()> {
        if to > self.copied {
            let base = self.s.offset_of(0);
            let a = (self.copied - base) as usize;
            let b = (to - base) as usize;
            let bytes = self.s.bytes(a, b);
            self.out.write_all(bytes)?;
            match bytes.iter().rposition(|&c| c == b'\n') {
                Some(i) => {
                    self.tail.clear();
                    self.tail.extend_from_slice(&bytes[i + 1..]);
                }
                None => self.tail.extend_from_slice(bytes),
            }
            // Only an all-blank tail is an indentation worth keeping.
            if self.tail.len() > 256 {
                self.tail.clear();
                self.tail.push(b'x');
            }
            self.copied = to;
        }
        Ok(())
    }

    fn input_err(&self, offset: u64, message: impl Into<String>) -> SanitizeError {
        SanitizeError::Input {
            offset,
            message: message.into(),
        }
    }

    fn walk(&mut self, rules: &Sanitizer) -> Result<(), SanitizeError> {
        self.s.skip_bom()?;
        if self.s.peek_non_ws()? != Some(b'{') {
            return Err(self.input_err(
                self.s.offset(),
                "not a HAR: the document is not a JSON object",
            ));
        }
        self.s.expect(b'{', "'{'")?;
        let mut saw_log = false;
        if !self.s.eat(b'}')? {
            loop {
                let key = self.s.key()?;
                if key == "log" && !saw_log && self.s.peek_non_ws()? == Some(b'{') {
                    saw_log = true;
                    self.walk_log(rules)?;
                } else {
                    self.skip_value()?;
                }
                if !self.s.comma_or(b'}', "the top-level object")? {
                    break;
                }
            }
        }
        if !saw_log {
            return Err(self.input_err(0, "not a HAR: no top-level \"log\" object"));
        }
        if let Some(at) = self.s.trailing_garbage(false)? {
            return Err(self.input_err(at, "unexpected data after the end of the HAR document"));
        }
        let end = self.s.offset();
        self.copy_to(end)?;
        Ok(())
    }

    /// A member authlens does not rewrite: checked to be JSON, copied.
    fn skip_value(&mut self) -> Result<(), SanitizeError> {
        let (a, b) = self.s.value()?;
        serde_json::from_slice::<de::IgnoredAny>(self.s.bytes(a, b)).map_err(|e| {
            self.input_err(
                self.s.offset_of(a),
                format!(
                    "invalid JSON at line {} column {} of this value",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        Ok(())
    }

    fn walk_log(&mut self, rules: &Sanitizer) -> Result<(), SanitizeError> {
        self.s.expect(b'{', "'{'")?;
        if self.s.eat(b'}')? {
            return Ok(());
        }
        loop {
            let key = self.s.key()?;
            match key.as_str() {
                "entries" if self.s.peek_non_ws()? == Some(b'[') => self.walk_entries(rules)?,
                "pages" => {
                    let (a, b) = self.s.value()?;
                    self.rewrite(a, b, |node, stats| rules.pages(node, stats))?;
                }
                _ => self.skip_value()?,
            }
            if !self.s.comma_or(b'}', "the \"log\" object")? {
                return Ok(());
            }
        }
    }

    fn walk_entries(&mut self, rules: &Sanitizer) -> Result<(), SanitizeError> {
        self.s.expect(b'[', "'['")?;
        if self.s.eat(b']')? {
            return Ok(());
        }
        loop {
            // Write what was read, then let the scanner drop it: memory
            // stays at one chunk plus the largest entry.
            let here = self.s.offset();
            self.copy_to(here)?;
            self.s.compact();
            if self.s.peek_non_ws()? != Some(b'{') {
                return Err(self.input_err(
                    self.s.offset(),
                    format!("entry {} is not a JSON object", self.stats.entries),
                ));
            }
            let (a, b) = self.s.value()?;
            self.rewrite(a, b, |node, stats| rules.entry(node, stats))?;
            self.stats.entries += 1;
            if !self.s.comma_or(b']', "\"log.entries\"")? {
                return Ok(());
            }
        }
    }

    /// Parse the value at buffer `a..b`, apply `f`, and write it back at
    /// its indentation when something changed (else copy it as it is).
    fn rewrite(
        &mut self,
        a: usize,
        b: usize,
        f: impl FnOnce(&mut Node, &mut Stats),
    ) -> Result<(), SanitizeError> {
        let start = self.s.offset_of(a);
        let end = self.s.offset_of(b);
        let mut node: Node = serde_json::from_slice(self.s.bytes(a, b)).map_err(|e| {
            // serde_json's messages can quote input (`invalid type: string
            // "…"`): only the position is reported.
            self.input_err(
                start,
                format!(
                    "invalid JSON at line {} column {} of this value ({:?})",
                    e.line(),
                    e.column(),
                    e.classify()
                ),
            )
        })?;
        let mut stats = Stats::default();
        f(&mut node, &mut stats);
        if stats.total() == 0 {
            return Ok(()); // copied verbatim with what follows
        }
        self.copy_to(start)?;
        let indent = if self.tail.iter().all(|&c| c == b' ' || c == b'\t') {
            self.tail.clone()
        } else {
            Vec::new()
        };
        let text = serialize_like(&node, self.s.bytes(a, b), indent)?;
        self.out.write_all(&text)?;
        // The value's last line is not blank: a following rewrite on the
        // same line gets no indentation of its own.
        self.tail.clear();
        self.tail.push(b'x');
        self.copied = end;
        for (kind, n) in stats.by_kind {
            *self.stats.by_kind.entry(kind).or_default() += n;
        }
        Ok(())
    }
}

/// Serialize `node` the way `original` was written: compact, or pretty
/// with the same indent unit, every line shifted by `base` indentation.
fn serialize_like(node: &Node, original: &[u8], base: Vec<u8>) -> io::Result<Vec<u8>> {
    let Some(nl) = original.iter().position(|&c| c == b'\n') else {
        return serde_json::to_vec(node).map_err(io::Error::other);
    };
    let next = &original[nl + 1..];
    let ws = next
        .iter()
        .position(|&c| c != b' ' && c != b'\t')
        .unwrap_or(next.len());
    let line = &next[..ws];
    let unit: Vec<u8> = if line.len() > base.len() && line.starts_with(&base) {
        line[base.len()..].to_vec()
    } else {
        b"  ".to_vec()
    };
    let mut buf = Vec::with_capacity(original.len() + 64);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(&unit);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    node.serialize(&mut ser).map_err(io::Error::other)?;
    if base.is_empty() {
        return Ok(buf);
    }
    // JSON strings never hold a raw newline, so every newline is layout.
    let mut out = Vec::with_capacity(buf.len() + buf.len() / 8);
    for &c in &buf {
        out.push(c);
        if c == b'\n' {
            out.extend_from_slice(&base);
        }
    }
    Ok(out)
}

/// A JSON value that keeps object members in document order (serde_json's
/// `Value` sorts them unless a crate-wide feature changes every map).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Object(m) => m.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(s) => Some(s),
            _ => None,
        }
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Number(n) => n.as_f64(),
            Node::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Number(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(serde_json::Number::from_f64(v).map_or(Node::Null, Node::Number))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::String(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::String(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut members = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    members.push((k, v));
                }
                Ok(Node::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_unit(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Number(n) => n.serialize(s),
            Node::String(v) => s.serialize_str(v),
            Node::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Node::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests;
