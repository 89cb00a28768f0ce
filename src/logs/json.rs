//! JSON access and app logs, one object per line: nginx `escape=json`,
//! Envoy/Istio, Caddy, Traefik, API Gateway, and JSON-lines app logs
//! (pino, bunyan, winston, zap, logrus, zerolog, slog, structlog,
//! Serilog/CLEF, ECS, Logstash, GCP/AWS). Field names are looked up from a
//! list of known spellings, nested paths included (`req.url`,
//! `err.inner.message`, `http.response.status_code`).

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use hashbrown::HashTable;

use super::jvalue::{self, JValue as Value, Object};

use super::{parse_status, split_absolute, split_request_line, Ctx, LogFormat, Outcome, Parsed};
use crate::time::{parse_any, parse_epoch};

pub(crate) fn parse<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let t = line.trim();
    if !t.starts_with('{') {
        return None;
    }
    let v = jvalue::from_str(t)?;
    let obj = &Fields::new(v.as_object()?);
    // A one-line HAR is not a log.
    // (ECS also has a `log` object: `log.level`, without entries/creator.)
    if obj
        .get("log")
        .and_then(Value::as_object)
        .is_some_and(|l| l.contains_key("entries") || l.contains_key("creator"))
    {
        return None;
    }
    // Nor is a bare HAR entry.
    let has = |k: &str| obj.get(k).is_some();
    if has("startedDateTime") && has("request") && has("response") {
        return None;
    }
    let format = classify(obj)?;
    extract(obj, format, ctx)
}

fn classify(o: &Fields<'_>) -> Option<LogFormat> {
    let has = |k: &str| o.get(k).is_some();
    if has("response_code")
        && (has("upstream_cluster")
            || has("response_flags")
            || has(":authority")
            || has("authority"))
    {
        return Some(LogFormat::EnvoyJson);
    }
    if o.get("logger")
        .and_then(Value::as_str)
        .is_some_and(|l| l.starts_with("http."))
    {
        return Some(LogFormat::CaddyJson);
    }
    if has("DownstreamStatus") || has("RouterName") || has("OriginStatus") {
        return Some(LogFormat::TraefikJson);
    }
    if has("requestId") && (has("httpMethod") || has("resourcePath") || has("routeKey")) {
        return Some(LogFormat::AwsApigateway);
    }
    if has("status")
        && (has("request_uri") || has("uri") || has("request"))
        && (has("remote_addr")
            || has("time_local")
            || has("upstream_status")
            || has("request_time"))
    {
        return Some(LogFormat::NginxJson);
    }
    const KNOWN: &[&str] = &[
        "time",
        "ts",
        "timestamp",
        "@timestamp",
        "@t",
        "level",
        "severity",
        "msg",
        "message",
        "@m",
        "@mt",
        "status",
        "statusCode",
        "status_code",
        "req",
        "res",
        "err",
        "error",
        "request_id",
        "method",
        "Timestamp",
        "Level",
        "MessageTemplate",
        "RenderedMessage",
        "event",
        "httpRequest",
        "textPayload",
    ];
    KNOWN.iter().any(|k| has(k)).then_some(LogFormat::JsonLines)
}

/// A log line's object, indexed for lookup by key or dotted path
/// (`err.inner.message`). [`extract`] asks for some 150 keys per line, most
/// of them absent: walking the object's B-tree for each was most of the
/// cost of a JSON line, so every reachable path goes in one hash table,
/// once. Dotted paths are written one after another into one string
/// (`paths`) rather than a string each: their allocations were most of the
/// cost of indexing a line.
pub(crate) struct Fields<'a> {
    top: &'a Object<'a>,
    paths: String,
    by_path: HashTable<(IndexedKey<'a>, &'a Value<'a>)>,
    /// The indexed paths' lengths and first bytes, a bit each: most keys
    /// asked for are absent, and these tell most of them apart without
    /// hashing the key.
    sketch: KeySketch,
}

/// An indexed key: a member name of the line, or a dotted path in
/// [`Fields::paths`] (start, end).
#[derive(Clone, Copy)]
enum IndexedKey<'a> {
    Member(&'a str),
    Path(usize, usize),
}

impl IndexedKey<'_> {
    fn text<'s>(&'s self, paths: &'s str) -> &'s str {
        match *self {
            IndexedKey::Member(k) => k,
            IndexedKey::Path(start, end) => paths.get(start..end).unwrap_or(""),
        }
    }
}

fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// Bits of a set of keys (a Bloom filter with a bit in each word, from a
/// key's length and its first and last bytes): a key whose two bits are not
/// both set is not in the set; one whose bits are may be.
#[derive(Clone, Copy, Default, PartialEq, Debug)]
struct KeySketch([u64; 2]);

impl KeySketch {
    fn bits(key: &str) -> [u64; 2] {
        let b = key.as_bytes();
        let len = b.len();
        let first = usize::from(b.first().copied().unwrap_or(0));
        let last = usize::from(b.last().copied().unwrap_or(0));
        [
            1 << ((len.wrapping_mul(5) ^ first) & 63),
            1 << ((len ^ last.wrapping_mul(3)) & 63),
        ]
    }

    fn add(&mut self, key: &str) {
        let [a, b] = KeySketch::bits(key);
        self.0[0] |= a;
        self.0[1] |= b;
    }

    fn may_hold(self, key: &str) -> bool {
        let [a, b] = KeySketch::bits(key);
        self.0[0] & a != 0 && self.0[1] & b != 0
    }
}

impl<'a> Fields<'a> {
    pub(crate) fn new(o: &'a Object<'a>) -> Fields<'a> {
        let mut fields = Fields {
            top: o,
            // Room for the paths of a usual line (a dozen, a few tens of
            // bytes each) without growing.
            paths: String::with_capacity(512),
            // Members and, usually, as many paths below them.
            by_path: HashTable::with_capacity(2 * o.len()),
            sketch: KeySketch::default(),
        };
        // A key as written wins over a path through objects that spells the
        // same (`{"a.b": 1, "a": {"b": 2}}` reads 1).
        // Last first, keeping the first seen: a repeated key reads as its
        // last value, and only that member is looked into.
        for (k, v) in o.iter_last_first() {
            if fields.indexed(k).is_none() {
                fields.index(IndexedKey::Member(k), k, v);
            }
        }
        let mut path = String::with_capacity(2 * MAX_INDEXED_PATH);
        for (k, v) in o.iter_last_first() {
            let shadowed = fields.indexed(k).is_some_and(|w| !std::ptr::eq(w, v));
            if let (false, false, Value::Object(inner)) =
                (shadowed, k.contains('.') || k.len() > MAX_INDEXED_PATH, v)
            {
                path.clear();
                path.push_str(k);
                fields.nested(inner, &mut path);
            }
        }
        fields
    }

    /// The indexed value of `key`.
    fn indexed(&self, key: &str) -> Option<&'a Value<'a>> {
        let paths = self.paths.as_str();
        self.by_path
            .find(key_hash(key), |(k, _)| k.text(paths) == key)
            .map(|(_, v)| *v)
    }

    /// Index `value` under `key` (spelled `text`), known to be absent.
    fn index(&mut self, key: IndexedKey<'a>, text: &str, value: &'a Value<'a>) {
        self.sketch.add(text);
        let paths = self.paths.as_str();
        self.by_path
            .insert_unique(key_hash(text), (key, value), |(k, _)| {
                key_hash(k.text(paths))
            });
    }

    /// Paths below `path`; a key holding a dot cannot be a step of a
    /// dotted path, so none is taken through one.
    fn nested(&mut self, o: &'a Object<'a>, path: &mut String) {
        for (k, v) in o.iter_last_first() {
            // Longer paths are never looked up here; indexing them would let
            // one line of deep, long keys cost its length squared.
            if k.contains('.') || path.len() + 1 + k.len() > MAX_INDEXED_PATH {
                continue;
            }
            let len = path.len();
            path.push('.');
            path.push_str(k);
            // Taken already: by a top-level key spelled with dots (which
            // wins, but the object below is still indexed), or by a later
            // member of this object with the same key (which shadows this one).
            let look_inside = match self.indexed(path) {
                None => {
                    let start = self.paths.len();
                    self.paths.push_str(path);
                    let key = IndexedKey::Path(start, self.paths.len());
                    self.index(key, path, v);
                    true
                }
                Some(existing) => !o.holds(existing),
            };
            if let (true, Value::Object(inner)) = (look_inside, v) {
                self.nested(inner, path);
            }
            path.truncate(len);
        }
    }

    /// The indexed keys (for tests).
    #[cfg(test)]
    fn keys(&self) -> Vec<&str> {
        let paths = self.paths.as_str();
        self.by_path.iter().map(|(k, _)| k.text(paths)).collect()
    }

    /// The value of a key, else of a dotted path through nested objects.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value<'a>> {
        if self.sketch.may_hold(key) {
            if let Some(v) = self.indexed(key) {
                return Some(v);
            }
        }
        if key.len() <= MAX_INDEXED_PATH || !key.contains('.') {
            return None;
        }
        // A path longer than the index holds: walk it.
        let mut parts = key.split('.');
        let mut cur = self.top.get(parts.next()?)?;
        for p in parts {
            cur = cur.as_object()?.get(p)?;
        }
        Some(cur)
    }
}

/// Dotted paths up to this length are indexed: the longest key [`extract`]
/// asks for is 33 bytes (`response.headers.www-authenticate`).
const MAX_INDEXED_PATH: usize = 64;

/// A usable text value: strings (non-empty, not `-`), numbers, first array
/// element.
fn text(v: &Value<'_>) -> Option<String> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s != "-").then(|| s.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(a) => a.first().and_then(text),
        _ => None,
    }
}

fn first_text(o: &Fields<'_>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| o.get(k).and_then(text))
}

/// [`first_text`] for a [`Parsed`] field: owned, as the value tree does not
/// outlive the parse.
fn first_owned(o: &Fields<'_>, keys: &[&str]) -> Option<Cow<'static, str>> {
    first_text(o, keys).map(Cow::Owned)
}

fn status_of(v: &Value<'_>) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64().filter(|s| *s < 1000).map(|s| s as u16),
        // "401", or nginx `upstream_status` "502, 401": the last answer counts.
        Value::String(s) => s.rsplit([',', ':']).find_map(|p| parse_status(p.trim())),
        _ => None,
    }
}

fn first_status(o: &Fields<'_>, keys: &[&str]) -> Option<u16> {
    keys.iter().find_map(|k| o.get(k).and_then(status_of))
}

fn time_of(v: &Value<'_>) -> Option<crate::model::Timestamp> {
    match v {
        Value::Number(n) => parse_epoch(n.as_f64()),
        Value::String(s) => parse_any(s),
        // GCP `timestamp: {seconds, nanos}`
        Value::Object(m) => {
            let secs = m.get("seconds").and_then(Value::as_f64)?;
            let nanos = m.get("nanos").and_then(Value::as_f64).unwrap_or(0.0);
            parse_epoch(secs + nanos / 1e9)
        }
        _ => None,
    }
}

/// Numeric or named level: true at warn or above.
fn level_is_warn(o: &Fields<'_>) -> bool {
    for k in [
        "level",
        "severity",
        "@l",
        "log.level",
        "levelname",
        "lvl",
        "loglevel",
        "Level",
    ] {
        match o.get(k) {
            Some(Value::Number(n)) => return n.as_f64() >= 40.0,
            Some(Value::String(s)) => {
                let s = s.to_ascii_lowercase();
                return matches!(
                    s.as_str(),
                    "warn"
                        | "warning"
                        | "error"
                        | "err"
                        | "fatal"
                        | "critical"
                        | "crit"
                        | "alert"
                        | "emergency"
                        | "panic"
                        | "dpanic"
                );
            }
            _ => {}
        }
    }
    false
}

const STATUS_KEYS: [&str; 15] = [
    "status",
    "statusCode",
    "status_code",
    "response_code",
    "DownstreamStatus",
    "res.statusCode",
    "res.status",
    "response.status",
    "response.statusCode",
    "http.response.status_code",
    "httpRequest.status",
    "http_status",
    "resp.status",
    "http.status_code",
    "Properties.StatusCode",
];

const AUTH_WORDS: [&str; 14] = [
    "unauthor",
    "forbidden",
    "denied",
    "token",
    "jwt",
    "credential",
    "password",
    "authentic",
    "revoked",
    "expired",
    "api key",
    "login",
    "signature",
    "not authenticated",
];

/// Does `m` hold one of [`AUTH_WORDS`], in any case? One pass over it: a
/// lowered copy and a search per word cost 3.7 k instructions a kept line.
fn has_auth_word(m: &str) -> bool {
    static WORDS: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(AUTH_WORDS)
            .ok()
    });
    match words {
        Some(words) => words.is_match(m),
        None => {
            let lower = m.to_ascii_lowercase();
            AUTH_WORDS.iter().any(|w| lower.contains(w))
        }
    }
}

fn generic_message(m: &str) -> bool {
    matches!(
        m.to_ascii_lowercase().as_str(),
        "handled request"
            | "request completed"
            | "request failed"
            | "request errored"
            | "access"
            | "request"
    ) || m.starts_with("GET ")
        || m.starts_with("POST ")
}

pub(crate) fn extract(
    o: &Fields<'_>,
    format: LogFormat,
    ctx: &Ctx<'_>,
) -> Option<Outcome<'static>> {
    let mut p = Parsed {
        status: first_status(o, &STATUS_KEYS),
        upstream_status: first_status(
            o,
            &[
                "upstream_status",
                "OriginStatus",
                "upstream.status",
                "upstream_response_code",
            ],
        ),
        ..Parsed::default()
    };
    p.method = first_owned(
        o,
        &[
            "method",
            "request_method",
            "req.method",
            "request.method",
            "RequestMethod",
            "httpMethod",
            "http.request.method",
            "httpRequest.requestMethod",
            "http.method",
            "Properties.RequestMethod",
        ],
    );
    let mut url = first_text(
        o,
        &[
            "request_uri",
            "uri",
            "path",
            "req.url",
            "request.uri",
            "RequestPath",
            "x-envoy-origin-path",
            "resourcePath",
            "url.original",
            "httpRequest.requestUrl",
            "request.url",
            "req.path",
            "url",
            "http.url",
            "request.path",
            "Properties.RequestPath",
            "routeKey",
        ],
    );
    if url.is_none() || p.method.is_none() {
        // nginx `$request` / Apache-in-JSON: "GET /x HTTP/1.1"
        if let Some(req) = o.get("request").and_then(Value::as_str) {
            let (m, t) = split_request_line(req);
            if p.method.is_none() && m.is_some_and(|m| m.bytes().all(|b| b.is_ascii_alphabetic())) {
                p.method = m.map(|s| Cow::Owned(s.to_string()));
            }
            if url.is_none() {
                url = t.map(str::to_string);
            }
        }
    }
    if let Some(u) = url {
        let (host, path) = split_absolute(&u);
        p.host = host.map(|s| Cow::Owned(s.to_string()));
        p.url = Some(Cow::Owned(path.to_string()));
    }
    if let Some(h) = first_text(
        o,
        &[
            "host",
            "http_host",
            "RequestHost",
            "request.host",
            ":authority",
            "authority",
            "domainName",
            "req.headers.host",
            "url.domain",
            "server_name",
        ],
    ) {
        p.host = Some(Cow::Owned(h));
    }
    if format == LogFormat::JsonLines
        && o.get("hostname").is_some()
        && p.host.as_deref() == o.get("hostname").and_then(Value::as_str)
    {
        p.host = None;
    }
    if !ctx.wants_detail(p.status, p.url.as_deref()) {
        // Counted only: no need for the rest.
        return Some(Outcome::Record(format, Box::new(p)));
    }
    p.time = [
        "time",
        "ts",
        "timestamp",
        "@timestamp",
        "time_local",
        "start_time",
        "StartUTC",
        "requestTime",
        "@t",
        "timeMillis",
        "date",
        "datetime",
        "eventTime",
        "Timestamp",
        "time_iso8601",
        "msec",
    ]
    .iter()
    .find_map(|k| o.get(k).and_then(time_of));
    for k in [
        "request_id",
        "requestId",
        "req_id",
        "reqId",
        "req.id",
        "x_request_id",
        "x-request-id",
        "X-Request-ID",
        "X-Request-Id",
        "request_X-Request-Id",
        "request.id",
        "http.request.id",
        "RequestId",
        "Properties.RequestId",
        "Properties.TraceId",
        "correlation_id",
        "correlationId",
        "kong_request_id",
        "extendedRequestId",
        "x-amzn-RequestId",
        "x-amzn-requestid",
        "apigw-requestid",
        "CF-Ray",
        "cf_ray",
        "cf-ray",
        "Audit-Id",
        "auditID",
        "req.headers.x-request-id",
        "request.headers.X-Request-Id",
        "trace_id",
        "traceId",
        "TraceId",
        "trace.id",
        "traceparent",
        "req.headers.traceparent",
        "logging.googleapis.com/trace",
    ] {
        if let Some(v) = o.get(k).and_then(text) {
            // GCP: projects/<p>/traces/<id>
            let v = v.rsplit('/').next().unwrap_or(&v).to_string();
            p.add_id(&v);
        }
    }
    p.client = first_owned(
        o,
        &[
            "remote_addr",
            "ClientHost",
            "client_ip",
            "request.client_ip",
            "request.remote_ip",
            "remoteAddress",
            "req.remoteAddress",
            "req.remoteAddress",
            "downstream_remote_address",
            "client.ip",
            "source.ip",
            "httpRequest.remoteIp",
            "remote_ip",
            "sourceIp",
            "ip",
            "x_forwarded_for",
        ],
    );
    p.user_agent = first_owned(
        o,
        &[
            "user_agent",
            "http_user_agent",
            "user-agent",
            "userAgent",
            "request_User-Agent",
            "req.headers.user-agent",
            "request.headers.User-Agent",
            "httpRequest.userAgent",
            "user_agent.original",
        ],
    );
    p.www_authenticate = first_owned(
        o,
        &[
            "res.www_authenticate",
            "www_authenticate",
            "res.headers.www-authenticate",
            "resp_headers.Www-Authenticate",
            "downstream_Www-Authenticate",
            "sent_http_www_authenticate",
            "response.headers.www-authenticate",
        ],
    );
    p.remote_user_present = [
        "remote_user",
        "basic_user",
        "ClientUsername",
        "user_id",
        "user",
        "usr.name",
        "user.name",
    ]
    .iter()
    .any(|k| o.get(k).and_then(text).is_some_and(|u| u != "null"));

    // The server's own words: the most specific reason first.
    let specific = first_text(
        o,
        &[
            "err.inner.message",
            "error.inner.message",
            "err.cause.message",
            "err.message",
            "error.message",
            "error.msg",
            "exception.message",
            "Exception",
            "error_description",
            "error.error_description",
            "authorizer.error",
            "errorMessage",
        ],
    )
    .or_else(|| match o.get("error").or_else(|| o.get("err")) {
        Some(Value::String(s)) if !s.trim().is_empty() && s != "-" => Some(s.to_string()),
        _ => None,
    })
    .or_else(|| {
        o.get("@x")
            .and_then(Value::as_str)
            .and_then(|x| x.lines().next())
            .map(str::to_string)
    });
    let details = match format {
        LogFormat::EnvoyJson => o
            .get("response_code_details")
            .and_then(text)
            .filter(|d| !matches!(d.as_str(), "via_upstream" | "direct_response" | "-")),
        _ => None,
    };
    // structlog names the message `event`; Serilog's JSON formatter
    // `RenderedMessage`/`MessageTemplate`.
    let msg = first_text(
        o,
        &[
            "msg",
            "message",
            "@m",
            "@mt",
            "RenderedMessage",
            "MessageTemplate",
            "textPayload",
        ],
    )
    .or_else(|| {
        o.get("event")
            .and_then(Value::as_str)
            .filter(|e| e.contains(' '))
            .map(str::to_string)
    });
    let warn = level_is_warn(o);
    let auth_msg = msg.as_deref().is_some_and(has_auth_word);
    p.message = specific
        .or(details)
        .or_else(|| {
            msg.clone()
                .filter(|m| (warn || auth_msg) && !generic_message(m))
        })
        .map(Cow::Owned);
    p.code = first_text(
        o,
        &[
            "err.code",
            "error.code",
            "error_code",
            "errorCode",
            "error.type",
            "error.responseType",
            "err.type",
        ],
    )
    .filter(|c| !c.chars().all(|ch| ch.is_ascii_digit()))
    .or_else(|| o.get("code").and_then(Value::as_str).map(str::to_string))
    .or_else(|| {
        if p.status.is_none() && auth_msg {
            first_text(o, &["event", "event.action"])
        } else {
            None
        }
    })
    .map(Cow::Owned);

    if p.status.is_none() {
        // App line without status: keep only error/auth lines.
        let has_err = o.get("err").is_some() || o.get("error").is_some_and(|e| !e.is_null());
        if p.message.is_some() && (has_err || warn || auth_msg) {
            p.auxiliary = true;
        } else {
            return Some(Outcome::Known(format));
        }
    }
    Some(Outcome::Record(format, Box::new(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: &str) -> Value<'_> {
        match jvalue::from_str(json) {
            Some(v @ Value::Object(_)) => v,
            _ => panic!("not an object: {json}"),
        }
    }

    fn fields<'a>(v: &'a Value<'a>) -> Fields<'a> {
        Fields::new(v.as_object().expect("an object"))
    }

    fn number(v: Option<&Value<'_>>) -> Option<u64> {
        match v {
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        }
    }

    #[test]
    fn fields_find_keys_and_dotted_paths() {
        let o = object(
            r#"{"a.b": 1, "a": {"b": 2, "c": {"d": "x"}, "e.f": 3}, "top": true, "": {"z": 4}}"#,
        );
        let f = fields(&o);
        // A key as written wins over the path that spells the same.
        assert_eq!(number(f.get("a.b")), Some(1));
        assert_eq!(f.get("a.c.d").and_then(Value::as_str), Some("x"));
        assert!(f.get("a.c").and_then(Value::as_object).is_some());
        assert_eq!(f.get("top"), Some(&Value::Bool(true)));
        // A key holding a dot is not a step of a path.
        assert_eq!(f.get("a.e.f"), None);
        assert_eq!(number(f.get(".z")), Some(4));
        assert_eq!(f.get("a.x"), None);
        assert_eq!(f.get("missing"), None);
    }

    #[test]
    fn the_key_sketch_never_hides_an_indexed_key() {
        let long = "k".repeat(70);
        let doc = format!(
            r#"{{"": 1, "é": 2, "{long}": 3, "a": {{"bb": {{"ccc": 4}}}}, "?x": 5, "Zz": 6}}"#
        );
        let o = object(&doc);
        let f = fields(&o);
        for key in f.keys() {
            assert!(f.sketch.may_hold(key), "{key}");
            assert!(f.get(key).is_some(), "{key}");
        }
        assert_eq!(f.keys().len(), 8);
        // Absent keys of other lengths and first bytes are told apart
        // without a lookup; the answers stay the same.
        assert!(!f.sketch.may_hold("status"));
        assert!(!f.sketch.may_hold("request_id"));
        assert_eq!(f.get("status"), None);
        assert_eq!(number(f.get("a.bb.ccc")), Some(4));
        assert_eq!(number(f.get(&long)), Some(3));
    }

    #[test]
    fn auth_words_are_found_in_any_case() {
        let reference = |m: &str| {
            let lower = m.to_ascii_lowercase();
            AUTH_WORDS.iter().any(|w| lower.contains(w))
        };
        for (m, want) in [
            ("JWT expired", true),
            ("Invalid SIGNATURE", true),
            ("API Key missing", true),
            ("apikey missing", false),
            ("request completed", false),
            ("Ünauthorized", false),
            ("not Authenticated yet", true),
            ("", false),
        ] {
            assert_eq!(has_auth_word(m), want, "{m}");
            assert_eq!(has_auth_word(m), reference(m), "{m}");
        }
    }

    #[test]
    fn fields_read_a_repeated_key_as_its_last_value() {
        // As serde_json's Map did: the last `a` wins, at the top and below.
        let o = object(r#"{"a": {"b": 1, "c": 5}, "s": "x", "a": {"b": 2}, "s": "y"}"#);
        let f = fields(&o);
        assert_eq!(number(f.get("a.b")), Some(2));
        assert_eq!(f.get("a.c"), None);
        assert_eq!(f.get("s").and_then(Value::as_str), Some("y"));
        let o = object(r#"{"m": {"k": 1, "k": 3}}"#);
        assert_eq!(number(fields(&o).get("m.k")), Some(3));
    }

    #[test]
    fn fields_walk_paths_longer_than_the_index() {
        let long = "k".repeat(40);
        let json = format!(r#"{{"{long}": {{"{long}": {{"v": 7}}}}}}"#);
        let o = object(&json);
        let f = fields(&o);
        let path = format!("{long}.{long}.v");
        assert!(path.len() > MAX_INDEXED_PATH);
        assert_eq!(number(f.get(&path)), Some(7));
        assert!(f.keys().len() <= 2, "long paths are not indexed");
    }
    use crate::time::format_rfc3339;

    fn rec(line: &str) -> (LogFormat, Parsed<'_>) {
        let mut ctx = Ctx::new(None);
        ctx.detail_all = true;
        match parse(line, &ctx) {
            Some(Outcome::Record(f, p)) => (f, *p),
            _ => panic!("not a record: {line}"),
        }
    }

    #[test]
    fn capture_nginx_json() {
        let (f, p) = rec(
            r#"{"ts":"2026-11-23T11:06:53+00:00","request_id":"8f38ed71-d63c-4bd0-9be9-75a816d5eae5","traceparent":"","remote_addr":"127.0.0.1","method":"GET","scheme":"http","host":"127.0.0.1:9080","uri":"/v2/shipments?case=t2001","status":401,"bytes_sent":79,"request_time":0.009,"upstream_addr":"127.0.0.1:5002","upstream_status":"401","upstream_response_time":"0.009","remote_user":"alice","origin":"","referer":"http://127.0.0.1:9080/console/?case=t1000","user_agent":"Mozilla/5.0"}"#,
        );
        assert_eq!(f, LogFormat::NginxJson);
        assert_eq!(p.status, Some(401));
        assert_eq!(p.upstream_status, Some(401));
        assert_eq!(p.method.as_deref(), Some("GET"));
        assert_eq!(p.host.as_deref(), Some("127.0.0.1:9080"));
        assert_eq!(p.url.as_deref(), Some("/v2/shipments?case=t2001"));
        assert_eq!(p.request_ids, vec!["8f38ed71-d63c-4bd0-9be9-75a816d5eae5"]);
        assert!(p.remote_user_present);
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2026-11-23T11:06:53.000Z");
        let (_, p) = rec(
            r#"{"ts":"2026-11-23T11:06:54+00:00","request_id":"bccf8b21fb604da08fa91461dee0c6c9","traceparent":"00-152c5bc80e1427064a1c615175c7d0c0-b6fab253bc7fea2c-01","remote_addr":"127.0.0.1","method":"PATCH","uri":"/v2/shipments/4403?case=t1605","status":200,"upstream_status":"200","remote_user":""}"#,
        );
        assert_eq!(
            p.request_ids,
            vec![
                "bccf8b21fb604da08fa91461dee0c6c9",
                "152c5bc80e1427064a1c615175c7d0c0"
            ]
        );
        assert!(!p.remote_user_present);
    }

    #[test]
    fn capture_pino_inner_error_wins() {
        let (f, p) = rec(
            r#"{"level":40,"time":1795432014052,"pid":4704,"hostname":"shipping-api-0","service":"shipping-api","req":{"id":"53292cd3-b737-4f48-93f9-805db506a168","method":"DELETE","url":"/v2/shipments/4401?case=t1203","remoteAddress":"127.0.0.1"},"request_id":"53292cd3-b737-4f48-93f9-805db506a168","res":{"statusCode":401,"www_authenticate":"Bearer realm=\"shipping-api\", error=\"invalid_token\", error_description=\"secret or public key must be provided\""},"err":{"type":"UnauthorizedError","message":"secret or public key must be provided","code":"invalid_token","status":401,"inner":{"type":"JsonWebTokenError","message":"secret or public key must be provided"}},"responseTime":15,"msg":"request failed"}"#,
        );
        assert_eq!(f, LogFormat::JsonLines);
        assert_eq!(p.status, Some(401));
        assert_eq!(p.method.as_deref(), Some("DELETE"));
        assert_eq!(p.url.as_deref(), Some("/v2/shipments/4401?case=t1203"));
        assert_eq!(p.request_ids, vec!["53292cd3-b737-4f48-93f9-805db506a168"]);
        assert_eq!(
            p.message.as_deref(),
            Some("secret or public key must be provided")
        );
        assert_eq!(p.code.as_deref(), Some("invalid_token"));
        assert!(p.www_authenticate.unwrap().contains("invalid_token"));
        assert!(
            p.host.is_none(),
            "pino hostname is the machine, not the request host"
        );
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2026-11-23T11:06:54.052Z");
    }

    #[test]
    fn capture_pino_scheme_code_and_revocation() {
        let (_, p) = rec(
            r#"{"level":40,"time":1795432013882,"req":{"id":"8f38ed71-d63c-4bd0-9be9-75a816d5eae5","method":"GET","url":"/v2/shipments?case=t2001"},"request_id":"8f38ed71-d63c-4bd0-9be9-75a816d5eae5","res":{"statusCode":401},"err":{"type":"UnauthorizedError","message":"Format is Authorization: Bearer [token]","code":"credentials_bad_scheme","status":401},"msg":"request failed"}"#,
        );
        assert_eq!(
            p.message.as_deref(),
            Some("Format is Authorization: Bearer [token]")
        );
        assert_eq!(p.code.as_deref(), Some("credentials_bad_scheme"));
        let (_, p) = rec(
            r#"{"level":30,"time":1795432016164,"pid":4704,"hostname":"shipping-api-0","req":{"id":"bedd93e8-4c8a-40a1-bbad-46d4412eb775","method":"POST","url":"/v2/session/logout?case=t1612","remoteAddress":"127.0.0.1"},"request_id":"bedd93e8-4c8a-40a1-bbad-46d4412eb775","event":"session_revoked","jti":"850c0fae-3e7f-4d8c-b76c-0df54644f05c","msg":"token revoked by logout"}"#,
        );
        assert!(p.auxiliary);
        assert_eq!(p.status, None);
        assert_eq!(p.message.as_deref(), Some("token revoked by logout"));
        assert_eq!(p.code.as_deref(), Some("session_revoked"));
        let ctx = Ctx::new(None);
        assert!(matches!(
            parse(
                r#"{"level":30,"time":1795432012537,"msg":"shipping-api listening"}"#,
                &ctx
            ),
            Some(Outcome::Known(LogFormat::JsonLines))
        ));
    }

    #[test]
    fn gateways() {
        let (f, p) = rec(
            r#"{"level":"error","ts":1711741827.9626286,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"54462","client_ip":"127.0.0.1","proto":"HTTP/1.1","method":"GET","host":"localhost:9080","uri":"/","headers":{"User-Agent":["curl/7.88.1"]}},"user_id":"","status":401,"resp_headers":{"Server":["Caddy"],"Www-Authenticate":["Basic realm=\"restricted\""]}}"#,
        );
        assert_eq!(f, LogFormat::CaddyJson);
        assert_eq!(
            (p.status, p.host.as_deref(), p.url.as_deref()),
            (Some(401), Some("localhost:9080"), Some("/"))
        );
        assert_eq!(
            p.www_authenticate.as_deref(),
            Some("Basic realm=\"restricted\"")
        );
        assert_eq!(p.user_agent.as_deref(), Some("curl/7.88.1"));
        assert!(p.message.is_none(), "'handled request' is not a reason");
        let (f, p) = rec(
            r#"{"requestId": "caa4a500-2651-4476-aa1f-a639b858819b","ip": "1.128.0.0","caller": "-","user": "-","requestTime": "19/Jul/2023:16:15:46 +0000","httpMethod": "GET","resourcePath": "/pets/{petId}","status": "200","protocol": "HTTP/1.1","responseLength": "49"}"#,
        );
        assert_eq!(f, LogFormat::AwsApigateway);
        assert_eq!(p.status, Some(200));
        assert_eq!(p.request_ids, vec!["caa4a500-2651-4476-aa1f-a639b858819b"]);
        assert!(!p.remote_user_present);
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2023-07-19T16:15:46.000Z");
        let (f, p) = rec(
            r#"{"authority":"reviews:9080","method":"GET","path":"/reviews/0","request_id":"9fcc7101-13bd-9753-98d6-820806088d9d","response_code":401,"response_code_details":"jwt_authn_access_denied{Jwt_is_expired}","response_flags":"-","start_time":"2022-09-08T12:51:05.656Z","upstream_cluster":"inbound|9080||"}"#,
        );
        assert_eq!(f, LogFormat::EnvoyJson);
        assert_eq!(
            p.message.as_deref(),
            Some("jwt_authn_access_denied{Jwt_is_expired}")
        );
        assert_eq!(p.host.as_deref(), Some("reviews:9080"));
        let (f, p) = rec(
            r#"{"ClientHost":"172.17.0.1","ClientUsername":"-","DownstreamStatus":401,"OriginStatus":0,"RequestHost":"test.docker.localhost","RequestMethod":"GET","RequestPath":"/x","request_X-Request-Id":"abc","time":"2021-12-08T14:02:43Z"}"#,
        );
        assert_eq!(f, LogFormat::TraefikJson);
        assert_eq!(
            (p.status, p.request_ids.clone()),
            (Some(401), vec!["abc".to_string()])
        );
        assert!(!p.remote_user_present);
    }

    #[test]
    fn not_logs() {
        let ctx = Ctx::new(None);
        assert!(parse(r#"{"log":{"version":"1.2","entries":[]}}"#, &ctx).is_none());
        assert!(parse(r#"{"a":1}"#, &ctx).is_none());
        assert!(parse(r#"{"status":401"#, &ctx).is_none());
    }
}

#[cfg(test)]
mod app_log_tests {
    use super::*;

    fn rec(line: &str) -> Parsed<'_> {
        let mut ctx = Ctx::new(None);
        ctx.detail_all = true;
        match parse(line, &ctx) {
            Some(Outcome::Record(_, p)) => *p,
            _ => panic!("not a record: {line}"),
        }
    }

    #[test]
    fn structlog_serilog_ecs_gcp() {
        let p = rec(
            r#"{"event": "invalid api key presented", "level": "warning", "timestamp": "2026-11-23T11:06:53.1Z", "request_id": "R1"}"#,
        );
        assert!(p.auxiliary);
        assert_eq!(p.message.as_deref(), Some("invalid api key presented"));
        assert_eq!(p.request_ids, vec!["r1"]);
        let p = rec(
            r#"{"Timestamp":"2026-11-23T11:06:53.1+00:00","Level":"Information","MessageTemplate":"HTTP {RequestMethod} {RequestPath} responded {StatusCode}","Properties":{"RequestMethod":"GET","RequestPath":"/api/x","StatusCode":401,"RequestId":"0HMV:00000001","TraceId":"4bf92f3577b34da6a3ce929d0e0e4736"}}"#,
        );
        assert_eq!(
            (p.status, p.method.as_deref(), p.url.as_deref()),
            (Some(401), Some("GET"), Some("/api/x"))
        );
        assert_eq!(
            p.request_ids,
            vec!["0hmv:00000001", "4bf92f3577b34da6a3ce929d0e0e4736"]
        );
        let p = rec(
            r#"{"@timestamp":"2026-11-23T11:06:53.000Z","log":{"level":"warn"},"message":"Unauthorized","http":{"request":{"method":"POST"},"response":{"status_code":401}},"url":{"original":"/login?password=hunter2"},"trace":{"id":"ABC"}}"#,
        );
        assert_eq!((p.status, p.method.as_deref()), (Some(401), Some("POST")));
        assert_eq!(p.url.as_deref(), Some("/login?password=hunter2"));
        assert_eq!(p.request_ids, vec!["abc"]);
        let p = rec(
            r#"{"severity":"WARNING","timestamp":{"seconds":1795432013,"nanos":5000000},"httpRequest":{"requestMethod":"GET","requestUrl":"https://api.example.com/v1/x","status":403,"remoteIp":"1.2.3.4"},"logging.googleapis.com/trace":"projects/p/traces/06796866738c859f2f19b7cfb3214824"}"#,
        );
        assert_eq!(
            (p.status, p.host.as_deref(), p.url.as_deref()),
            (Some(403), Some("api.example.com"), Some("/v1/x"))
        );
        assert_eq!(p.request_ids, vec!["06796866738c859f2f19b7cfb3214824"]);
        assert_eq!(p.client.as_deref(), Some("1.2.3.4"));
        assert!(p.time.is_some());
    }
}

#[cfg(test)]
mod thin_tests {
    use super::*;

    #[test]
    fn uninteresting_lines_are_parsed_thin() {
        let line = r#"{"ts":"2026-11-23T11:06:53+00:00","request_id":"abc","remote_addr":"1","uri":"/a","status":200,"request_time":0.1}"#;
        let mut ctx = Ctx::new(None);
        let Some(Outcome::Record(_, p)) = parse(line, &ctx) else {
            panic!()
        };
        assert_eq!(p.status, Some(200));
        assert!(p.request_ids.is_empty() && p.time.is_none());
        ctx.challenges.challenged("", "/a");
        let Some(Outcome::Record(_, p)) = parse(line, &ctx) else {
            panic!()
        };
        assert_eq!(p.request_ids, vec!["abc"]);
    }
}
