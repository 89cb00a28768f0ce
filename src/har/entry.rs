//! One HAR entry, deserialized with borrowed strings and reduced to a
//! [`RequestView`]. Only the fields classification needs are read; bodies
//! stay raw (`RawValue`) and are decoded only for small 4xx responses.

use std::borrow::Cow;
use std::sync::Arc;

use base64::Engine;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::challenge::{parse_www_authenticate, Challenge};
use crate::credential::{
    self, api_key_header, api_key_query, is_api_key_header, is_key_query_param, is_session_cookie,
    mask_secrets, mask_url, parse_authorization, session_cookie, Credential, SignatureCheck,
};
use crate::envconfig::EnvConfig;
use crate::intern::intern;
use crate::model::{
    Credentials, InputKind, Method, Origin, PathSpan, RequestExtras, RequestView, UrlAndIds,
};
use crate::requestid;
use crate::time::{parse_http_date, parse_iso8601};

/// A string-ish JSON value: producers write numbers, booleans and nulls
/// where the spec says string. Objects and arrays become `None`.
#[derive(Debug, Default)]
pub struct Lenient<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Lenient<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl Lenient<'_> {
    fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }
}

/// A list of name/value pairs that may be null, absent, or of the wrong
/// shape (IE11 writes `cookies` as an object): anything that is not an
/// array of objects reads as empty rather than failing the entry.
fn nullable_vec<'de, D>(d: D) -> Result<Vec<RawPair<'de>>, D::Error>
where
    D: Deserializer<'de>,
{
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<RawPair<'de>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of name/value objects")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<MaybePair<'de>>()? {
                if let Some(p) = item.0 {
                    if out.is_empty() {
                        // Room for a browser's usual header count at once:
                        // growing 4 → 8 → 16 → 32 was 2 % of a HAR's time.
                        out.reserve(PAIRS_AT_ONCE);
                    }
                    out.push(p);
                }
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V)
}

/// Room made in a pair list on its first element.
const PAIRS_AT_ONCE: usize = 24;

/// One element of a pair list: an object, or anything else (skipped).
struct MaybePair<'a>(Option<RawPair<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for MaybePair<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybePair<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a name/value object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pair = RawPair::default();
                while let Some(key) = map.next_key::<Lenient<'de>>()? {
                    match key.as_str() {
                        "name" => pair.name = map.next_value()?,
                        "value" => pair.value = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(MaybePair(Some(pair)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybePair(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MaybePair(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MaybePair(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(MaybePair(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(MaybePair(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(MaybePair(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MaybePair(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
pub struct RawEntry<'a> {
    #[serde(rename = "startedDateTime", borrow, default)]
    started: Lenient<'a>,
    #[serde(borrow, default)]
    request: Option<RawRequest<'a>>,
    #[serde(borrow, default)]
    response: Option<RawResponse<'a>>,
    #[serde(default)]
    cache: Option<RawCache<'a>>,
    #[serde(rename = "_fromCache", borrow, default)]
    from_cache: Lenient<'a>,
}

#[derive(Deserialize, Default)]
struct RawCache<'a> {
    #[serde(rename = "beforeRequest", borrow, default)]
    before_request: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct RawRequest<'a> {
    #[serde(borrow, default)]
    method: Lenient<'a>,
    #[serde(borrow, default)]
    url: Lenient<'a>,
    #[serde(borrow, default, deserialize_with = "nullable_vec")]
    headers: Vec<RawPair<'a>>,
    #[serde(
        rename = "queryString",
        borrow,
        default,
        deserialize_with = "nullable_vec"
    )]
    query_string: Vec<RawPair<'a>>,
    #[serde(borrow, default, deserialize_with = "nullable_vec")]
    cookies: Vec<RawPair<'a>>,
}

#[derive(Deserialize, Default)]
struct RawResponse<'a> {
    #[serde(borrow, default)]
    status: Lenient<'a>,
    #[serde(borrow, default, deserialize_with = "nullable_vec")]
    headers: Vec<RawPair<'a>>,
    #[serde(borrow, default)]
    content: Option<RawContent<'a>>,
    #[serde(rename = "redirectURL", borrow, default)]
    redirect_url: Lenient<'a>,
    #[serde(rename = "_transferSize", borrow, default)]
    transfer_size: Lenient<'a>,
}

#[derive(Deserialize, Default)]
struct RawContent<'a> {
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    encoding: Lenient<'a>,
    #[serde(rename = "mimeType", borrow, default)]
    mime_type: Lenient<'a>,
}

#[derive(Default)]
struct RawPair<'a> {
    name: Lenient<'a>,
    value: Lenient<'a>,
}

/// Response bodies larger than this are not read for a message: auth
/// errors are short, and big bodies are pages, not diagnoses.
pub(crate) const MAX_MESSAGE_BODY: usize = 16 * 1024;

/// Default cap on one header value (`--max-header-bytes`): servers reject
/// far shorter headers (431), so a longer one is damage, not a credential.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;

/// Cut request and response header values longer than `max` bytes (at a
/// char boundary) so parsing them stays cheap; returns how many were cut.
pub fn cap_header_values(raw: &mut RawEntry<'_>, max: usize) -> u64 {
    let mut cut = 0;
    let request = raw.request.as_mut().map(|r| r.headers.iter_mut());
    let response = raw.response.as_mut().map(|r| r.headers.iter_mut());
    for pair in request
        .into_iter()
        .flatten()
        .chain(response.into_iter().flatten())
    {
        if let Some(v) = pair.value.0.as_mut() {
            if v.len() > max {
                let mut end = max;
                while !v.is_char_boundary(end) {
                    end -= 1;
                }
                match v {
                    Cow::Borrowed(b) => *b = &b[..end],
                    Cow::Owned(o) => o.truncate(end),
                }
                cut += 1;
            }
        }
    }
    cut
}

/// Reduce one parsed entry to the client view.
pub fn reduce(
    raw: RawEntry<'_>,
    file: &Arc<str>,
    index: u64,
    keys: Option<&EnvConfig>,
) -> RequestView {
    let request = raw.request.unwrap_or_default();
    let response = raw.response.unwrap_or_default();
    let raw_url = request.url.as_str();
    let (host, path, query_pairs) = split_url(raw_url);

    let mut credentials = Credentials::new();
    let mut request_ids: Vec<String> = Vec::new();
    let mut sent_cookies = !request.cookies.is_empty();
    let mut is_preflight_header = false;
    let mut origin_header = None;
    let mut host_header = None;
    let mut credential_redacted = false;

    let mut name_buf = [0u8; 64];
    for h in &request.headers {
        let name = lower(h.name.as_str(), &mut name_buf);
        let value = h.value.as_str();
        match &*name {
            "authorization" => {
                if credential::is_redaction_marker(value) {
                    credential_redacted = true;
                    continue;
                }
                let make = || {
                    let mut cred = parse_authorization(value);
                    if let (Some(keys), Some(jwt)) =
                        (keys, cred.jwt.as_mut().and_then(Arc::get_mut))
                    {
                        let token = value
                            .split_once([' ', '\t'])
                            .map_or(value, |(_, t)| t)
                            .trim();
                        let check = keys.verify(token, &host, jwt);
                        // A sanitized JWT has no signature to check; only an
                        // unknown `kid` can still be told.
                        jwt.signature = if credential::is_redacted_jwt(token) {
                            check.filter(|c| *c == SignatureCheck::UnknownKey)
                        } else {
                            check
                        };
                    }
                    cred
                };
                // The signature check depends on the host's keys.
                credentials.insert(0, shared(Seen::Authorization, &host, value, make));
            }
            "cookie" => {
                sent_cookies = true;
                if credential::is_redaction_marker(value) {
                    credential_redacted = true;
                    continue;
                }
                if request.cookies.is_empty() {
                    for pair in value.split(';') {
                        if let Some((n, v)) = pair.trim().split_once('=') {
                            if is_session_cookie(n, v) {
                                credentials
                                    .push(shared(Seen::Cookie, n, v, || session_cookie(n, v)));
                            }
                        }
                    }
                }
            }
            "origin" => origin_header = Some(value.to_string()),
            "host" | ":authority" => host_header = Some(value.to_string()),
            "access-control-request-method" => is_preflight_header = true,
            _ => {
                if is_api_key_header(&name) {
                    if credential::is_redaction_marker(value) {
                        credential_redacted = true;
                    } else {
                        credentials.push(shared(Seen::Header, &name, value, || {
                            api_key_header(&name, value)
                        }));
                    }
                } else if let Some(id) = requestid::from_header(&name, value) {
                    push_unique(&mut request_ids, id);
                }
            }
        }
    }
    for c in &request.cookies {
        let (n, v) = (c.name.as_str(), c.value.as_str());
        if credential::is_redaction_marker(v) {
            credential_redacted = true;
        } else if is_session_cookie(n, v) {
            credentials.push(shared(Seen::Cookie, n, v, || session_cookie(n, v)));
        }
    }
    // Query parameters: the HAR's own list when present, else the URL's.
    let pairs: Vec<(String, String)> = if request.query_string.is_empty() {
        query_pairs
    } else {
        request
            .query_string
            .iter()
            .map(|p| (p.name.as_str().to_string(), p.value.as_str().to_string()))
            .collect()
    };
    for (name, value) in &pairs {
        if is_key_query_param(name) && !value.is_empty() {
            credentials.push(shared(Seen::Query, name, value, || {
                api_key_query(name, value)
            }));
        }
    }

    let mut challenges: Vec<Challenge> = Vec::new();
    let mut server_date = None;
    let mut location = None;
    let mut age: Option<u64> = None;
    for h in &response.headers {
        let name = lower(h.name.as_str(), &mut name_buf);
        let value = h.value.as_str();
        match &*name {
            "www-authenticate" => {
                // Some producers join repeated headers with a newline.
                for line in value.split('\n') {
                    challenges.extend(parse_www_authenticate(line));
                }
            }
            "date" => server_date = parse_http_date(value),
            "location" => location = Some(value.to_string()),
            "age" => age = value.trim().parse().ok(),
            _ => {
                if let Some(id) = requestid::from_header(&name, value) {
                    push_unique(&mut request_ids, id);
                }
            }
        }
    }
    let status: i32 = response
        .status
        .as_str()
        .trim()
        .parse::<f64>()
        .map(|s| s as i32)
        .unwrap_or(0);
    let method = request.method.as_str().to_ascii_uppercase();

    let response_message = if (400..500).contains(&status) {
        response.content.as_ref().and_then(body_message)
    } else {
        None
    };
    let redirect = response.redirect_url.as_str();
    let redirect_url = if !redirect.is_empty() {
        Some(mask_url(redirect))
    } else {
        location.map(|l| mask_url(&l))
    };
    let transfer_zero = response.transfer_size.as_str().trim() == "0";
    let from_cache = {
        let marker = raw.from_cache.as_str();
        let cache_hit = !marker.is_empty() && marker != "false";
        let before = raw
            .cache
            .as_ref()
            .and_then(|c| c.before_request)
            .is_some_and(|v| v.get() != "null" && v.get() != "{}");
        cache_hit || before || (age.unwrap_or(0) > 0 && transfer_zero)
    };

    let method = Method::new(&method);
    let host = if host.is_empty() {
        host_header.unwrap_or_default()
    } else {
        host
    };
    let url = mask_url(raw_url);
    RequestView {
        origin: Origin {
            file: file.clone(),
            position: index,
            kind: InputKind::Har,
        },
        time: parse_iso8601(raw.started.as_str()),
        is_preflight: method == "OPTIONS" && is_preflight_header,
        method,
        path_span: PathSpan::new(&url, path),
        url_and_ids: UrlAndIds::new(&url, &request_ids),
        host: intern(&host),
        status,
        credentials,
        sent_cookies,
        credential_redacted,
        server_date,
        from_cache,
        extras: RequestExtras::boxed(
            challenges,
            response_message,
            redirect_url.map(String::into_boxed_str),
            origin_header,
        ),
    }
}

/// A header name in lower case, without allocating for names up to 64
/// bytes (all real ones): this runs for every header of every entry.
fn lower<'b>(name: &'b str, buf: &'b mut [u8; 64]) -> Cow<'b, str> {
    if !name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Cow::Borrowed(name);
    }
    if name.len() > buf.len() {
        return Cow::Owned(name.to_ascii_lowercase());
    }
    let out = &mut buf[..name.len()];
    out.copy_from_slice(name.as_bytes());
    out.make_ascii_lowercase();
    // ASCII lower-casing keeps UTF-8 valid; the fallback never triggers.
    Cow::Borrowed(std::str::from_utf8(out).unwrap_or(""))
}

/// Entries in a capture reuse the same few tokens; decoding a JWT and
/// checking its signature once per distinct value (per worker thread, per
/// host) instead of once per entry is most of the credential cost.
const CREDENTIAL_CACHE: usize = 1024;

/// Where a credential value was seen; with the host (Authorization) or the
/// cookie, header or parameter name, part of its cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Authorization,
    Cookie,
    Header,
    Query,
}

/// Credential value -> where it was seen (kind, host or name) and its
/// summary. Keyed by the value alone so a lookup borrows it. Hashed with
/// foldhash (seeded per process): SipHash spent 1.6 k instructions on each
/// lookup of a JWT-long value.
type CredentialMap = hashbrown::HashMap<String, (Seen, String, Arc<Credential>)>;

/// Two generations of at most [`CREDENTIAL_CACHE`] values each: when the
/// recent one fills up it becomes the older one, and a value found in the
/// older one moves back. Emptying a single table at once dropped the
/// capture's token whenever a thousand one-off values (a fresh session
/// cookie or signature per request) had gone by, and the token was decoded
/// and stored again, up to once per thousand requests.
#[derive(Default)]
struct CredentialCache {
    recent: CredentialMap,
    older: CredentialMap,
}

impl CredentialCache {
    fn get(&mut self, seen: Seen, name: &str, value: &str) -> Option<Arc<Credential>> {
        let matches = |(s, n, _): &(Seen, String, Arc<Credential>)| *s == seen && n == name;
        if let Some(entry) = self.recent.get(value).filter(|e| matches(e)) {
            return Some(Arc::clone(&entry.2));
        }
        let (key, entry) = self.older.remove_entry(value)?;
        let cred = matches(&entry).then(|| Arc::clone(&entry.2));
        self.insert(key, entry);
        cred
    }

    fn insert(&mut self, value: String, entry: (Seen, String, Arc<Credential>)) {
        if self.recent.len() >= CREDENTIAL_CACHE {
            self.older = std::mem::take(&mut self.recent);
        }
        self.recent.insert(value, entry);
    }
}

thread_local! {
    static CREDENTIALS: std::cell::RefCell<CredentialCache> =
        std::cell::RefCell::new(CredentialCache::default());
}

/// The summary of a credential `value` seen as `seen` under `name` (the
/// host for Authorization), made by `make` on first sight and then shared
/// by every entry that sends it again: a capture sends its token and
/// session cookie with nearly every request.
fn shared(
    seen: Seen,
    name: &str,
    value: &str,
    make: impl FnOnce() -> Credential,
) -> Arc<Credential> {
    let hit = CREDENTIALS.with(|c| c.borrow_mut().get(seen, name, value));
    if let Some(cred) = hit {
        return cred;
    }
    let cred = Arc::new(make());
    CREDENTIALS.with(|c| {
        c.borrow_mut().insert(
            value.to_string(),
            (seen, name.to_string(), Arc::clone(&cred)),
        );
    });
    cred
}

fn push_unique(ids: &mut Vec<String>, id: String) {
    if !ids.contains(&id) {
        ids.push(id);
    }
}

/// Split a URL into host (with port), path, and decoded query pairs.
pub fn split_url(url: &str) -> (String, String, Vec<(String, String)>) {
    let without_fragment = url.split('#').next().unwrap_or("");
    let (before_query, query) = match without_fragment.split_once('?') {
        Some((b, q)) => (b, q),
        None => (without_fragment, ""),
    };
    let (host, path) = match before_query.find("://") {
        Some(i) => {
            let rest = &before_query[i + 3..];
            match rest.find('/') {
                Some(p) => (&rest[..p], &rest[p..]),
                None => (rest, "/"),
            }
        }
        None => ("", before_query),
    };
    // Strip userinfo (`user:pass@host`): it is a credential, never shown.
    let host = host.rsplit('@').next().unwrap_or(host).to_ascii_lowercase();
    let pairs = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (credential::percent_decode(n), credential::percent_decode(v))
        })
        .collect();
    let path = if path.is_empty() { "/" } else { path };
    (host, path.to_string(), pairs)
}

/// A short message from a small error body: JSON fields that auth stacks
/// use, or the text itself when it is short and textual.
fn body_message(content: &RawContent<'_>) -> Option<String> {
    let raw = content.text?;
    if raw.get().len() > MAX_MESSAGE_BODY * 2 {
        return None;
    }
    let text: String = serde_json::from_str(raw.get()).ok()?;
    let decoded: String = if content.encoding.as_str().eq_ignore_ascii_case("base64") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim().as_bytes())
            .ok()?;
        String::from_utf8(bytes).ok()?
    } else {
        text
    };
    let trimmed = decoded.trim();
    if trimmed.is_empty() || trimmed.len() > MAX_MESSAGE_BODY {
        return None;
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
            let mut parts = Vec::new();
            collect_messages(&value, &mut parts, 0);
            if !parts.is_empty() {
                parts.dedup();
                return Some(mask_secrets(&truncate(&parts.join("; "), 300)));
            }
            return None;
        }
    }
    let mime = content.mime_type.as_str().to_ascii_lowercase();
    if mime.contains("html") || trimmed.starts_with('<') {
        // An HTML error page: its <title> or <h1> is the message.
        return html_title(trimmed).map(|t| mask_secrets(&truncate(&t, 200)));
    }
    if trimmed.len() <= 300 && !trimmed.contains('\0') {
        return Some(mask_secrets(trimmed));
    }
    None
}

/// JSON keys that hold an auth error's words, in the order they are tried.
const MESSAGE_KEYS: &[&str] = &[
    "error_description",
    "message",
    "msg",
    "detail",
    "error",
    "errors",
    "title",
    "reason",
    "description",
    "code",
];

fn collect_messages(value: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 3 || out.len() >= 4 {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for key in MESSAGE_KEYS {
                if let Some(v) = map.get(*key) {
                    match v {
                        serde_json::Value::String(s) if !s.trim().is_empty() => {
                            out.push(s.trim().to_string())
                        }
                        serde_json::Value::Object(_) | serde_json::Value::Array(_) => {
                            collect_messages(v, out, depth + 1)
                        }
                        _ => {}
                    }
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter().take(3) {
                match item {
                    serde_json::Value::String(s) => out.push(s.trim().to_string()),
                    _ => collect_messages(item, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    for tag in ["title", "h1"] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        if let (Some(a), Some(b)) = (lower.find(&open), lower.find(&close)) {
            let start = a + open.len();
            if b > start {
                return Some(html[start..b].trim().to_string());
            }
        }
    }
    None
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::session_cookie;
    use std::cell::Cell;

    #[test]
    fn a_token_in_use_outlives_many_one_off_credentials() {
        let made = Cell::new(0);
        let token = || {
            shared(Seen::Cookie, "jwt", "token-in-use", || {
                made.set(made.get() + 1);
                session_cookie("jwt", "token-in-use")
            })
        };
        let first = token();
        for i in 0..10 * CREDENTIAL_CACHE {
            let value = format!("one-off-{i}");
            shared(Seen::Cookie, "sid", &value, || {
                session_cookie("sid", &value)
            });
            if i % 100 == 0 {
                assert!(
                    Arc::ptr_eq(&token(), &first),
                    "shared after {i} one-off values"
                );
            }
        }
        assert_eq!(made.get(), 1, "decoded once");
        // Bounded: two generations at most.
        let kept = CREDENTIALS.with(|c| c.borrow().recent.len() + c.borrow().older.len());
        assert!(kept <= 2 * CREDENTIAL_CACHE, "{kept} values kept");
        // The same value seen under another name is another credential.
        let other = shared(Seen::Cookie, "other", "token-in-use", || {
            session_cookie("other", "token-in-use")
        });
        assert!(!Arc::ptr_eq(&other, &first));
    }
}
