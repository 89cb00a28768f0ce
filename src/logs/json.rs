//! JSON access and app logs, one object per line: nginx `escape=json`,
//! Envoy/Istio, Caddy, Traefik, API Gateway, and JSON-lines app logs
//! (pino, bunyan, winston, zap, logrus, zerolog, slog, structlog,
//! Serilog/CLEF, ECS, Logstash, GCP/AWS). Field names are looked up from a
//! list of known spellings, nested paths included (`req.url`,
//! `err.inner.message`, `http.response.status_code`).

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use super::jvalue::{key, keys, Doc, JValue as Value, Key};

use super::{parse_status, split_absolute, split_request_line, Ctx, LogFormat, Outcome, Parsed};
use crate::time::{parse_any, parse_epoch};

pub(crate) fn parse<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let t = line.trim();
    if !t.starts_with('{') {
        return None;
    }
    let obj = &Doc::parse(t)?;
    obj.top().as_object()?;
    // A one-line HAR is not a log.
    // (ECS also has a `log` object: `log.level`, without entries/creator.)
    if obj
        .get(key!("log"))
        .and_then(Value::as_object)
        .is_some_and(|l| l.contains_key("entries") || l.contains_key("creator"))
    {
        return None;
    }
    // Nor is a bare HAR entry.
    let has = |k: &Key<'_>| obj.get(k).is_some();
    if has(key!("startedDateTime")) && has(key!("request")) && has(key!("response")) {
        return None;
    }
    let format = classify(obj)?;
    extract(obj, format, ctx)
}

fn classify(o: &Doc<'_>) -> Option<LogFormat> {
    let has = |k: &Key<'_>| o.get(k).is_some();
    if has(key!("response_code"))
        && (has(key!("upstream_cluster"))
            || has(key!("response_flags"))
            || has(key!(":authority"))
            || has(key!("authority")))
    {
        return Some(LogFormat::EnvoyJson);
    }
    if o.get(key!("logger"))
        .and_then(Value::as_str)
        .is_some_and(|l| l.starts_with("http."))
    {
        return Some(LogFormat::CaddyJson);
    }
    if has(key!("DownstreamStatus")) || has(key!("RouterName")) || has(key!("OriginStatus")) {
        return Some(LogFormat::TraefikJson);
    }
    if has(key!("requestId"))
        && (has(key!("httpMethod")) || has(key!("resourcePath")) || has(key!("routeKey")))
    {
        return Some(LogFormat::AwsApigateway);
    }
    if has(key!("status"))
        && (has(key!("request_uri")) || has(key!("uri")) || has(key!("request")))
        && (has(key!("remote_addr"))
            || has(key!("time_local"))
            || has(key!("upstream_status"))
            || has(key!("request_time")))
    {
        return Some(LogFormat::NginxJson);
    }
    const KNOWN: &[Key<'static>] = keys![
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
    KNOWN.iter().any(has).then_some(LogFormat::JsonLines)
}

/// A usable text value: strings (non-empty, not `-`), numbers, first array
/// element. Strings are borrowed from the line (trimmed): a kept line's
/// fields were each copied into a string of their own, then copied again
/// into its event, some ten allocations a line.
fn text<'a>(v: Value<'_, 'a>) -> Option<Cow<'a, str>> {
    match v {
        Value::String(s) => narrowed(s, trimmed).filter(|t| !t.is_empty() && t != "-"),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
        Value::Array(a) => a.first().and_then(text),
        _ => None,
    }
}

fn first_text<'a>(o: &Doc<'a>, keys: &[Key<'_>]) -> Option<Cow<'a, str>> {
    keys.iter().find_map(|k| o.get(k).and_then(text))
}

/// The part of `text` that `part` finds, still borrowed from the line when
/// `text` is.
fn narrowed<'a>(text: &Cow<'a, str>, part: fn(&str) -> Option<&str>) -> Option<Cow<'a, str>> {
    match text {
        Cow::Borrowed(t) => part(t).map(Cow::Borrowed),
        Cow::Owned(t) => part(t).map(|p| Cow::Owned(p.to_string())),
    }
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().next()
}

fn trimmed(text: &str) -> Option<&str> {
    Some(text.trim())
}

fn status_of(v: Value<'_, '_>) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64().filter(|s| *s < 1000).map(|s| s as u16),
        // "401", or nginx `upstream_status` "502, 401": the last answer counts.
        Value::String(s) => s.rsplit([',', ':']).find_map(|p| parse_status(p.trim())),
        _ => None,
    }
}

fn first_status(o: &Doc<'_>, keys: &[Key<'_>]) -> Option<u16> {
    keys.iter().find_map(|k| o.get(k).and_then(status_of))
}

fn time_of(v: Value<'_, '_>) -> Option<crate::model::Timestamp> {
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
fn level_is_warn(o: &Doc<'_>) -> bool {
    for k in keys![
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

/// Where a line names its client, first found wins.
pub(super) const CLIENT_KEYS: &[Key<'static>] = keys![
    "remote_addr",
    "ClientHost",
    "client_ip",
    "request.client_ip",
    "request.remote_ip",
    "remoteAddress",
    "req.remoteAddress",
    "downstream_remote_address",
    "client.ip",
    "source.ip",
    "httpRequest.remoteIp",
    "remote_ip",
    "sourceIp",
    "ip",
    "x_forwarded_for",
];

const STATUS_KEYS: &[Key<'static>] = keys![
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

pub(crate) fn extract<'a>(o: &Doc<'a>, format: LogFormat, ctx: &Ctx<'_>) -> Option<Outcome<'a>> {
    let mut p = Parsed {
        status: first_status(o, STATUS_KEYS),
        upstream_status: first_status(
            o,
            keys![
                "upstream_status",
                "OriginStatus",
                "upstream.status",
                "upstream_response_code",
            ],
        ),
        ..Parsed::default()
    };
    p.method = first_text(
        o,
        keys![
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
        keys![
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
        if let Some(req) = o.get(key!("request")).and_then(Value::as_str) {
            let (m, t) = split_request_line(req);
            if p.method.is_none() && m.is_some_and(|m| m.bytes().all(|b| b.is_ascii_alphabetic())) {
                p.method = m.map(|s| Cow::Owned(s.to_string()));
            }
            if url.is_none() {
                url = t.map(|t| Cow::Owned(t.to_string()));
            }
        }
    }
    if let Some(u) = &url {
        p.host = narrowed(u, |t| split_absolute(t).0);
        p.url = narrowed(u, |t| Some(split_absolute(t).1));
    }
    if let Some(h) = first_text(
        o,
        keys![
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
        p.host = Some(h);
    }
    if format == LogFormat::JsonLines
        && o.get(key!("hostname")).is_some()
        && p.host.as_deref() == o.get(key!("hostname")).and_then(Value::as_str)
    {
        p.host = None;
    }
    // Before the decision: a 2xx is followed only from the client a 401
    // left.
    p.client = first_text(o, CLIENT_KEYS);
    if !ctx.wants_detail(p.status, p.url.as_deref(), p.client.as_deref()) {
        // Counted only: no need for the rest.
        return Some(Outcome::Record(format, Box::new(p)));
    }
    p.time = keys![
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
    for k in keys![
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
            p.add_id(v.rsplit('/').next().unwrap_or(&v));
        }
    }
    p.user_agent = first_text(
        o,
        keys![
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
    p.www_authenticate = first_text(
        o,
        keys![
            "res.www_authenticate",
            "www_authenticate",
            "res.headers.www-authenticate",
            "resp_headers.Www-Authenticate",
            "downstream_Www-Authenticate",
            "sent_http_www_authenticate",
            "response.headers.www-authenticate",
        ],
    );
    p.remote_user_present = keys![
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
        keys![
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
    .or_else(
        || match o.get(key!("error")).or_else(|| o.get(key!("err"))) {
            Some(Value::String(s)) if !s.trim().is_empty() && s != "-" => Some(s.clone()),
            _ => None,
        },
    )
    .or_else(|| {
        o.get(key!("@x"))
            .and_then(Value::as_cow)
            .and_then(|x| narrowed(x, first_line))
    });
    let details = match format {
        LogFormat::EnvoyJson => o
            .get(key!("response_code_details"))
            .and_then(text)
            .filter(|d| !matches!(d.as_ref(), "via_upstream" | "direct_response" | "-")),
        _ => None,
    };
    // structlog names the message `event`; Serilog's JSON formatter
    // `RenderedMessage`/`MessageTemplate`.
    let msg = first_text(
        o,
        keys![
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
        o.get(key!("event"))
            .and_then(Value::as_cow)
            .filter(|e| e.contains(' '))
            .cloned()
    });
    let warn = level_is_warn(o);
    let auth_msg = msg.as_deref().is_some_and(has_auth_word);
    p.message = specific.or(details).or_else(|| {
        msg.clone()
            .filter(|m| (warn || auth_msg) && !generic_message(m))
    });
    p.code = first_text(
        o,
        keys![
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
    .or_else(|| o.get(key!("code")).and_then(Value::as_cow).cloned())
    .or_else(|| {
        if p.status.is_none() && auth_msg {
            first_text(o, keys!["event", "event.action"])
        } else {
            None
        }
    });

    if p.status.is_none() {
        // App line without status: keep only error/auth lines.
        let has_err =
            o.get(key!("err")).is_some() || o.get(key!("error")).is_some_and(|e| !e.is_null());
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
    use crate::logs::challenges::Leg;

    #[test]
    fn uninteresting_lines_are_parsed_thin() {
        let line = r#"{"ts":"2026-11-23T11:06:53+00:00","request_id":"abc","remote_addr":"1","uri":"/a","status":200,"request_time":0.1}"#;
        let mut ctx = Ctx::new(None);
        let Some(Outcome::Record(_, p)) = parse(line, &ctx) else {
            panic!()
        };
        assert_eq!(p.status, Some(200));
        assert!(p.request_ids.is_empty() && p.time.is_none());
        // Another client's 401 on the path: still counted only.
        ctx.challenges.challenged(
            Leg {
                client: Some("2"),
                host: "",
                path: "/a",
            },
            None,
        );
        let Some(Outcome::Record(_, p)) = parse(line, &ctx) else {
            panic!()
        };
        assert!(p.request_ids.is_empty());
        ctx.challenges.challenged(
            Leg {
                client: Some("1"),
                host: "",
                path: "/a",
            },
            None,
        );
        let Some(Outcome::Record(_, p)) = parse(line, &ctx) else {
            panic!()
        };
        assert_eq!(p.request_ids, vec!["abc"]);
    }
}
