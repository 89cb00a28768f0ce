//! Server-side logs: format detection and one parser per log family.
//!
//! Each parser turns lines into [`ServerEvent`]s. Only lines that can
//! matter for explaining a 401 become events (401/403 answers, auth error
//! lines, app errors, and 2xx answers on a path that already saw a 401 —
//! the second leg of a challenge); everything else is only counted.
//!
//! Parsers return a [`Parsed`] record that still holds raw text; it never
//! leaves this module: [`Parsed::into_event`] masks URLs and messages before
//! anything is stored.
//!
//! Speed: every line is counted, but a line with none of the prefilter's
//! words (`401`, `403`, `error`, `denied`, `token`…) that is not a success
//! from a client a 401 on its path waits on is only classified cheaply:
//! combined lines by the status after the quoted request (no allocation),
//! JSON lines by the presence of a status key, nginx error lines by their
//! shape. JSON lines that do get parsed stop after status/host/path/client
//! unless they can matter.
//! Memory per file is bounded: one reused line buffer, at most
//! [`challenges::MAX_WAITING`] waiting 401s, at most 100 listed errors.
//!
//! A file may mix formats (nginx error + access lines, Envoy JSON and text
//! in one CRI file): each line is tried with the format that matched last,
//! then the whole chain; [`LogSummary::format`] is the most common one.

mod access;
mod challenges;
mod cheap_json;
mod cloud;
mod custom;
mod envoy;
mod error_log;
mod haproxy;
mod json;
mod jvalue;
mod keycloak;
pub mod lines;
mod logfmt;
pub mod parallel;
mod prefix;

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::sync::{Arc, OnceLock};

use aho_corasick::AhoCorasick;
use serde::Serialize;

use crate::credential::mask_secrets;
use crate::credential::mask_url_cow;
use crate::model::{InputError, InputKind, Origin, ServerEvent, ServerEventFields, Timestamp};
use challenges::{Challenges, Leg};
use cheap_json::CheapJson;
use lines::{Line, LineReader};

/// Every log format authlens recognises. `Display` gives the stable id
/// shown in `summary.json` `inputs[].format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum LogFormat {
    /// nginx / Apache common or combined, with optional trailing fields.
    NginxCombined,
    NginxJson,
    NginxError,
    ApacheError,
    EnvoyText,
    EnvoyJson,
    CaddyJson,
    TraefikJson,
    TraefikClf,
    Haproxy,
    Kong,
    AwsAlb,
    AwsCloudfront,
    AwsApigateway,
    KeycloakEvents,
    JsonLines,
    Logfmt,
    Custom,
}

impl LogFormat {
    pub const ALL: [LogFormat; 18] = [
        LogFormat::NginxCombined,
        LogFormat::NginxJson,
        LogFormat::NginxError,
        LogFormat::ApacheError,
        LogFormat::EnvoyText,
        LogFormat::EnvoyJson,
        LogFormat::CaddyJson,
        LogFormat::TraefikJson,
        LogFormat::TraefikClf,
        LogFormat::Haproxy,
        LogFormat::Kong,
        LogFormat::AwsAlb,
        LogFormat::AwsCloudfront,
        LogFormat::AwsApigateway,
        LogFormat::KeycloakEvents,
        LogFormat::JsonLines,
        LogFormat::Logfmt,
        LogFormat::Custom,
    ];

    /// Stable lowercase id.
    pub fn id(self) -> &'static str {
        match self {
            LogFormat::NginxCombined => "nginx-combined",
            LogFormat::NginxJson => "nginx-json",
            LogFormat::NginxError => "nginx-error",
            LogFormat::ApacheError => "apache-error",
            LogFormat::EnvoyText => "envoy-text",
            LogFormat::EnvoyJson => "envoy-json",
            LogFormat::CaddyJson => "caddy-json",
            LogFormat::TraefikJson => "traefik-json",
            LogFormat::TraefikClf => "traefik-clf",
            LogFormat::Haproxy => "haproxy",
            LogFormat::Kong => "kong",
            LogFormat::AwsAlb => "aws-alb",
            LogFormat::AwsCloudfront => "aws-cloudfront",
            LogFormat::AwsApigateway => "aws-apigateway",
            LogFormat::KeycloakEvents => "keycloak-events",
            LogFormat::JsonLines => "json-lines",
            LogFormat::Logfmt => "logfmt",
            LogFormat::Custom => "custom",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// How to read logs.
#[derive(Debug, Clone)]
pub struct LogOptions {
    /// `--log-format`: a regex with named groups (time, method, path/url,
    /// status, request_id, client, user_agent, message, host), tried first.
    pub custom_format: Option<regex::Regex>,
    /// Longer lines are skipped with a warning.
    pub max_line_bytes: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            custom_format: None,
            max_line_bytes: 1 << 20,
        }
    }
}

/// What reading one log file found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogSummary {
    /// The most common format among the understood lines.
    pub format: Option<LogFormat>,
    pub lines: u64,
    /// Lines that are HTTP request records (they carry a status).
    pub requests: u64,
    pub status_401: u64,
    pub status_403: u64,
    /// Error/auth lines without a status of their own.
    pub auth_failures: u64,
    /// Non-blank, non-comment lines no parser understood.
    pub unmatched: u64,
    /// Lines skipped for being longer than `max_line_bytes`.
    pub long_lines: u64,
    pub errors: Vec<InputError>,
}

/// One row of `authlens formats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FormatInfo {
    pub id: &'static str,
    pub description: &'static str,
    pub fields: &'static str,
}

/// For `authlens formats`: one row per format.
pub fn describe_formats() -> Vec<FormatInfo> {
    LogFormat::ALL
        .iter()
        .map(|f| {
            let (description, fields) = match f {
                LogFormat::NginxCombined => (
                    "nginx/Apache common or combined access log, plus trailing fields (request id, request time, upstream status); vhost and X-Forwarded-For prefixes tolerated",
                    "time, client, remote_user, method, url, status, user_agent, request_id, upstream_status",
                ),
                LogFormat::NginxJson => (
                    "nginx access log written with log_format escape=json",
                    "time, method, host, url, status, upstream_status, request_id, traceparent, client, remote_user, user_agent",
                ),
                LogFormat::NginxError => (
                    "nginx error log; auth_basic lines (password mismatch, user not found, no user/password) become auxiliary events",
                    "time, connection id, message, client, method, url, host",
                ),
                LogFormat::ApacheError => (
                    "Apache httpd error log 2.2/2.4 (AH01617, AH01618, AH01614, AH01630, digest AH017xx...)",
                    "time, client, code (AHnnnnn), message, url",
                ),
                LogFormat::EnvoyText => (
                    "Envoy/Istio default text access log, incl. %RESPONSE_CODE_DETAILS% when present",
                    "time, method, url, status, message (response code details), client, user_agent, request_id, host",
                ),
                LogFormat::EnvoyJson => (
                    "Envoy/Istio JSON access log",
                    "time, method, url, status, message (response_code_details), client, user_agent, request_id, host",
                ),
                LogFormat::CaddyJson => (
                    "Caddy v2 JSON access log (zap)",
                    "time, method, host, url, status, client, user_agent, www_authenticate, user_id",
                ),
                LogFormat::TraefikJson => (
                    "Traefik v2+ JSON access log",
                    "time, method, host, url, DownstreamStatus, OriginStatus, client, user_agent, request_X-Request-Id",
                ),
                LogFormat::TraefikClf => (
                    "Traefik CLF access log (combined + request count, router, backend, duration)",
                    "time, client, remote_user, method, url, status, user_agent, message (router)",
                ),
                LogFormat::Haproxy => (
                    "HAProxy HTTP log, usually behind a syslog prefix",
                    "time, client, method, url, status, message (termination state)",
                ),
                LogFormat::Kong => (
                    "Kong Gateway access log (combined + kong_request_id)",
                    "time, client, method, url, status, user_agent, request_id",
                ),
                LogFormat::AwsAlb => (
                    "AWS Application Load Balancer access log",
                    "time, client, method, host, url, status, upstream_status, user_agent, request_id (X-Amzn-Trace-Id Root), message (error_reason)",
                ),
                LogFormat::AwsCloudfront => (
                    "AWS CloudFront standard access log (tab separated, #Fields header honoured)",
                    "time, client, method, host, url, status, user_agent, request_id (x-edge-request-id)",
                ),
                LogFormat::AwsApigateway => (
                    "AWS API Gateway JSON access log (CloudWatch)",
                    "time, client, method, host, url, status, request_id, extendedRequestId, message (error.message)",
                ),
                LogFormat::KeycloakEvents => (
                    "Keycloak org.keycloak.events lines (quoted and unquoted values)",
                    "time, client (ipAddress), code (type), message (error)",
                ),
                LogFormat::JsonLines => (
                    "JSON-lines app logs: pino, bunyan, winston, zap, logrus, zerolog, slog, structlog, Serilog/CLEF, ECS, Logstash, GCP/AWS JSON",
                    "time, level, method, host, url, status, request_id, trace_id, message (err.inner.message / err.message / msg), code, www_authenticate",
                ),
                LogFormat::Logfmt => (
                    "logfmt key=value app logs (logrus text, Go kit, Heroku router)",
                    "same keys as json-lines",
                ),
                LogFormat::Custom => (
                    "--log-format regex with named groups",
                    "time, method, path/url, status, request_id, client, user_agent, message, host",
                ),
            };
            FormatInfo {
                id: f.id(),
                description,
                fields,
            }
        })
        .collect()
}

/// What a parser read from one line, raw (unmasked). Never stored: it is
/// turned into a masked [`ServerEvent`] by [`Parsed::into_event`].
/// Text is borrowed from the line where a parser can take it as it is
/// (the access-log parser does), so a kept line's fields are copied once,
/// into the event.
#[derive(Debug, Default, Clone)]
pub(crate) struct Parsed<'a> {
    pub time: Option<Timestamp>,
    pub method: Option<Cow<'a, str>>,
    pub host: Option<Cow<'a, str>>,
    pub url: Option<Cow<'a, str>>,
    pub status: Option<u16>,
    pub upstream_status: Option<u16>,
    pub request_ids: Vec<String>,
    pub client: Option<Cow<'a, str>>,
    /// Parsed (and checked by the parsers' tests) but not stored in the
    /// [`ServerEvent`]: no cause depends on it.
    pub user_agent: Option<Cow<'a, str>>,
    pub message: Option<Cow<'a, str>>,
    pub code: Option<Cow<'a, str>>,
    pub www_authenticate: Option<Cow<'a, str>>,
    pub remote_user_present: bool,
    /// An auth/error line without a status of its own.
    pub auxiliary: bool,
}

impl<'a> Parsed<'a> {
    /// The same fields, owned: for a line whose fields were borrowed from
    /// something that does not outlive its parse (logfmt's pairs, read into
    /// a map of their own).
    pub(crate) fn into_owned(self) -> Parsed<'static> {
        let own = |field: Option<Cow<'a, str>>| field.map(|f| Cow::Owned(f.into_owned()));
        Parsed {
            time: self.time,
            method: own(self.method),
            host: own(self.host),
            url: own(self.url),
            status: self.status,
            upstream_status: self.upstream_status,
            request_ids: self.request_ids,
            client: own(self.client),
            user_agent: own(self.user_agent),
            message: own(self.message),
            code: own(self.code),
            www_authenticate: own(self.www_authenticate),
            remote_user_present: self.remote_user_present,
            auxiliary: self.auxiliary,
        }
    }

    fn is_request(&self) -> bool {
        self.status.is_some() && !self.auxiliary
    }

    /// The request as a challenge's leg: who asked, for which host and
    /// path.
    fn leg(&self) -> Leg<'_> {
        Leg {
            client: self.client.as_deref(),
            host: self.host.as_deref().unwrap_or(""),
            path: bare_path(self.url.as_deref().unwrap_or("")),
        }
    }

    /// Add a request-id candidate (normalized; `-` and empty are ignored;
    /// a W3C `traceparent` gives its trace id).
    pub fn add_id(&mut self, raw: &str) {
        if let Some(id) = normalize_id(raw) {
            if !self.request_ids.contains(&id) {
                self.request_ids.push(id);
            }
        }
    }

    fn into_event(self, format: LogFormat, origin: Origin) -> ServerEvent {
        let masked = |s: String| -> Cow<'a, str> { Cow::Owned(s) };
        ServerEvent::new(ServerEventFields::<Cow<'a, str>> {
            origin: Some(origin),
            format: Some(format),
            time: self.time,
            method: self.method.map(|m| {
                if m.bytes().any(|b| b.is_ascii_lowercase()) {
                    Cow::Owned(m.to_ascii_uppercase())
                } else {
                    m
                }
            }),
            host: self.host.map(|h| masked(mask_secrets(&h))),
            url: self.url.map(mask_url_cow),
            status: self.status,
            upstream_status: self.upstream_status,
            request_ids: self.request_ids,
            client_addr: self.client,
            message: self.message.map(|m| masked(mask_secrets(&first_line(&m)))),
            code: self.code.map(|c| masked(mask_secrets(&c))),
            www_authenticate: self.www_authenticate.map(|w| masked(mask_secrets(&w))),
            remote_user_present: self.remote_user_present,
            auxiliary: self.auxiliary,
        })
    }
}

/// Messages are one line of at most 1000 characters (exceptions carry
/// stack traces).
fn first_line(m: &str) -> String {
    let line = m.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(1000) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// Normalize one request-id candidate: trimmed, lower-cased; `-`, empty
/// and `null` are not ids; `traceparent` values give the 32-hex trace id;
/// an ALB `Root=1-…;Parent=…` gives the Root value.
pub(crate) fn normalize_id(raw: &str) -> Option<String> {
    let s = raw.trim().trim_matches('"').trim();
    if s.is_empty() || s == "-" || s.eq_ignore_ascii_case("null") {
        return None;
    }
    // W3C traceparent: 00-<32hex>-<16hex>-<2hex>. Read in place: this runs
    // for every id of every kept line.
    let b = s.as_bytes();
    let dash = |i: usize| matches!(i, 2 | 35 | 52);
    if b.len() == 55
        && b.iter().enumerate().all(|(i, c)| {
            if dash(i) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
    {
        return Some(s[3..35].to_ascii_lowercase());
    }
    if let Some(root) = s.split(';').find_map(|kv| kv.trim().strip_prefix("Root=")) {
        return Some(root.trim().to_ascii_lowercase()).filter(|r| !r.is_empty());
    }
    Some(s.to_ascii_lowercase())
}

/// Parse a status code written as a number or a string; `-`/empty → None.
pub(crate) fn parse_status(s: &str) -> Option<u16> {
    let s = s.trim();
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Split an HTTP request line `GET /x?y HTTP/1.1` into method and target.
/// (Borrowed, like [`split_absolute`]: callers copy only what they keep.)
pub(crate) fn split_request_line(req: &str) -> (Option<&str>, Option<&str>) {
    let mut it = words(req);
    let method = it.next().filter(|m| *m != "-");
    let target = it.next();
    (method, target)
}

/// The words of `text` as [`str::split_whitespace`] finds them, by
/// [`str::split_ascii_whitespace`] when that finds the same (ASCII text
/// without a vertical tab, which only the Unicode split takes): nearly
/// every access-log line. The Unicode split decodes each character, and
/// perf put it at 3 % of reading an nginx log.
pub(crate) fn words(text: &str) -> Words<'_> {
    if text.is_ascii() && memchr::memchr(b'\x0B', text.as_bytes()).is_none() {
        Words::Ascii(text.split_ascii_whitespace())
    } else {
        Words::Unicode(text.split_whitespace())
    }
}

/// The iterator of [`words`].
pub(crate) enum Words<'a> {
    Ascii(std::str::SplitAsciiWhitespace<'a>),
    Unicode(std::str::SplitWhitespace<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    // Asked for: an unrelated change elsewhere once made the compiler call
    // it out of line, 0.6 % more instructions on a combined log.
    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        match self {
            Words::Ascii(words) => words.next(),
            Words::Unicode(words) => words.next(),
        }
    }
}

impl DoubleEndedIterator for Words<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Words::Ascii(words) => words.next_back(),
            Words::Unicode(words) => words.next_back(),
        }
    }
}

/// For absolute targets (`http://host:80/path`), split off the host.
pub(crate) fn split_absolute(target: &str) -> (Option<&str>, &str) {
    for scheme in ["http://", "https://", "ws://", "wss://"] {
        if let Some(rest) = target.strip_prefix(scheme) {
            return match rest.find('/') {
                Some(i) => (Some(&rest[..i]), &rest[i..]),
                None => (Some(rest), "/"),
            };
        }
    }
    (None, target)
}

/// Outcome of one line.
pub(crate) enum Outcome<'a> {
    /// A line with fields that may be turned into an event.
    Record(LogFormat, Box<Parsed<'a>>),
    /// A line of a known format that says nothing about auth (startup
    /// notice, info line, Keycloak LOGIN success...).
    Known(LogFormat),
}

/// Per-file parsing context.
pub(crate) struct Ctx<'a> {
    pub custom: Option<&'a regex::Regex>,
    /// Last format that matched: tried first on the next line.
    pub hint: Option<LogFormat>,
    /// CloudFront `#Fields:` header, when seen.
    pub cloudfront_fields: Option<Vec<String>>,
    pub now: Timestamp,
    /// 401s of this file still waiting for their second leg.
    pub challenges: Challenges,
    /// Parse every line fully (format detection, unit tests of single
    /// parsers).
    pub detail_all: bool,
}

impl Ctx<'_> {
    fn new(custom: Option<&regex::Regex>) -> Ctx<'_> {
        Ctx {
            custom,
            hint: None,
            cloudfront_fields: None,
            now: chrono::Utc::now(),
            challenges: Challenges::default(),
            detail_all: false,
        }
    }

    /// Is a line with this status worth a full parse? 401/403 always; a
    /// 2xx/3xx only from a client and on a path that already saw a 401; no
    /// status: maybe an auth line. Otherwise only its status is needed, for
    /// counting.
    pub fn wants_detail(
        &self,
        status: Option<u16>,
        url: Option<&str>,
        client: Option<&str>,
    ) -> bool {
        self.wants_detail_by(status, || {
            self.follows_challenge(
                || Some(bare_path(url.unwrap_or(""))),
                || ClientSeen::Exactly(client),
            )
        })
    }

    /// [`Ctx::wants_detail`], asking `follows_challenge` only for a 2xx/3xx:
    /// the count-only paths read a line's path only when it is needed.
    fn wants_detail_by(
        &self,
        status: Option<u16>,
        follows_challenge: impl FnOnce() -> bool,
    ) -> bool {
        if self.detail_all {
            return true;
        }
        match status {
            None | Some(401) | Some(403) => true,
            Some(200..=399) => follows_challenge(),
            Some(_) => false,
        }
    }

    /// Could a 2xx/3xx be the second leg of a 401 still waiting? `path`
    /// gives the line's path without its query (empty when it has none, or
    /// `None` when it cannot be read without a full parse: then it might
    /// be), and is asked only when some 401 waits: the count-only paths
    /// read it for nearly every line otherwise. `client` tells what is
    /// known of the line's client, asked only when a 401 waits on the
    /// path. (Asking for the client first, or for the pair at once, cost
    /// more: most lines are let go by their path, and a path is cheaper
    /// to read than a client.)
    fn follows_challenge<'p>(
        &self,
        path: impl FnOnce() -> Option<&'p str>,
        client: impl FnOnce() -> ClientSeen<'p>,
    ) -> bool {
        let waiting = &self.challenges;
        if waiting.is_empty() {
            return false;
        }
        let Some(path) = path() else { return true };
        if !waiting.waits_on_path(path) {
            return false;
        }
        match client() {
            ClientSeen::Exactly(client) => waiting.waits_on(client, path),
            // The full parse may also find none of them where it looks.
            ClientSeen::Among(clients) => {
                waiting.waits_on(None, path)
                    || clients.iter().any(|&c| waiting.waits_on(Some(c), path))
            }
            ClientSeen::Unknown => true,
        }
    }
}

/// What a count-only path knows of a line's client, as the full parse
/// would read it.
enum ClientSeen<'a> {
    /// This one (`None`: the line names no client).
    Exactly(Option<&'a str>),
    /// One of these, or none (a JSON line names its client under one of
    /// many keys, and which one the full parse takes is not worth finding
    /// for a line that is only counted).
    Among(smallvec::SmallVec<[&'a str; 2]>),
    /// Only the full parse can tell.
    Unknown,
}

type LineParser = for<'l> fn(&'l str, &Ctx<'_>) -> Option<Outcome<'l>>;

fn parser_for(format: LogFormat) -> LineParser {
    match format {
        LogFormat::NginxCombined | LogFormat::TraefikClf | LogFormat::Kong => access::parse,
        LogFormat::NginxJson
        | LogFormat::EnvoyJson
        | LogFormat::CaddyJson
        | LogFormat::TraefikJson
        | LogFormat::AwsApigateway
        | LogFormat::JsonLines => json::parse,
        LogFormat::NginxError | LogFormat::ApacheError => error_log::parse,
        LogFormat::EnvoyText => envoy::parse,
        LogFormat::Haproxy => haproxy::parse,
        LogFormat::AwsAlb | LogFormat::AwsCloudfront => cloud::parse,
        LogFormat::KeycloakEvents => keycloak::parse,
        LogFormat::Logfmt => logfmt::parse,
        LogFormat::Custom => custom::parse,
    }
}

/// The fallback chain, most specific first.
const CHAIN: [LineParser; 10] = [
    json::parse,
    error_log::parse,
    keycloak::parse,
    envoy::parse,
    cloud::parse,
    haproxy::parse,
    access::parse,
    custom::parse,
    logfmt::parse,
    // Keeps the array size stable if a parser is added twice by mistake.
    none_parser,
];

fn none_parser<'l>(_: &'l str, _: &Ctx<'_>) -> Option<Outcome<'l>> {
    None
}

/// Parse one line (prefix already stripped): custom format first, then the
/// last format that matched, then the whole chain.
fn parse_line<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    if ctx.custom.is_some() {
        if let Some(o) = custom::parse(line, ctx) {
            return Some(o);
        }
    }
    let hinted = ctx.hint.map(parser_for);
    if let Some(p) = hinted {
        if let Some(o) = p(line, ctx) {
            return Some(o);
        }
    }
    CHAIN
        .iter()
        .filter(|p| hinted.is_none_or(|h| !std::ptr::fn_addr_eq(**p, h)))
        .find_map(|p| p(line, ctx))
}

/// Sniff: is this the start of a log file (vs a HAR / unknown)? and which
/// format. Looks at the first non-blank, non-comment complete lines.
pub fn detect(head: &[u8]) -> Option<LogFormat> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let mut lines: Vec<&str> = text.split('\n').collect();
    // A head cut mid-line: drop the partial last line unless it is the only one.
    if !text.ends_with('\n') && lines.len() > 1 {
        lines.pop();
    }
    let mut ctx = Ctx::new(None);
    // Every line read in full: a line that is only counted has no time,
    // and a JSON log whose first lines are all 2xx (most are) looked
    // untimed, so a pino log found in a directory was skipped.
    ctx.detail_all = true;
    let mut counts = [0u32; LogFormat::ALL.len()];
    let mut seen = 0;
    // JSON lines without any time field are data (label files, exports),
    // not a log: every logger writes a time.
    let mut json_timed = 0u32;
    for raw in lines {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if line.trim_start().starts_with('#') {
            if let Some(fields) = cloud::fields_header(line) {
                ctx.cloudfront_fields = Some(fields);
            }
            continue;
        }
        seen += 1;
        if seen > 20 {
            break;
        }
        let (body, _) = prefix::strip(line, ctx.now);
        if let Some(o) = parse_line(&body, &ctx) {
            let f = match o {
                Outcome::Record(f, parsed) => {
                    if f == LogFormat::JsonLines && parsed.time.is_some() {
                        json_timed += 1;
                    }
                    f
                }
                Outcome::Known(f) => f,
            };
            counts[f.index()] += 1;
            ctx.hint = Some(f);
        }
    }
    match best_format(&counts) {
        Some(LogFormat::JsonLines) if json_timed == 0 => None,
        other => other,
    }
}

fn best_format<T: Copy + Ord + Default>(counts: &[T]) -> Option<LogFormat> {
    let mut best: Option<(T, LogFormat)> = None;
    for f in LogFormat::ALL {
        let c = counts[f.index()];
        if c > T::default() && best.is_none_or(|(b, _)| c > b) {
            best = Some((c, f));
        }
    }
    best.map(|(_, f)| f)
}

/// Cheap check before a full parse: can this line matter at all (beyond
/// being counted)? Lines without any of these bytes are counted only.
fn may_matter(line: &[u8]) -> bool {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "401",
                "403",
                "error",
                "unauthor",
                "authent",
                "authoriz",
                "auth_",
                "denied",
                "token",
                "login",
                "password",
                "passwd",
                "not found",
                "credential",
                "forbidden",
                "revoked",
                "invalid",
                "fail",
                "warn",
                "jwt",
                "AH0",
                "\"level\":4",
                "\"level\":5",
                "\"level\":6",
            ])
            .ok()
    });
    match ac {
        Some(ac) => ac.is_match(line),
        None => true,
    }
}

/// The path of a logged target: the target itself, or an absolute URL's
/// path (`/` when it has none). Most targets are plain paths, told so by
/// their lack of a colon without the search for `://`.
fn target_path(target: &str) -> &str {
    if memchr::memchr(b':', target.as_bytes()).is_none() {
        return target;
    }
    match memchr::memmem::find(target.as_bytes(), b"://") {
        Some(i) => target[i + 3..]
            .find('/')
            .map_or("/", |j| &target[i + 3 + j..]),
        None => target,
    }
}

/// A logged target without its query or fragment.
fn bare_path(url: &str) -> &str {
    // `?` and `#` are ASCII: the cut is on a char boundary.
    memchr::memchr2(b'?', b'#', url.as_bytes()).map_or(url, |i| &url[..i])
}

/// Errors listed one by one per file; the rest are summed up.
const MAX_ERRORS: usize = 100;

/// Stream a whole log, calling `sink` for every event that can matter.
pub fn read_log<R: Read>(
    file: &Arc<str>,
    reader: R,
    opts: &LogOptions,
    sink: &mut dyn FnMut(ServerEvent),
) -> LogSummary {
    read_log_part(file, reader, opts, None, sink)
}

/// The `#Fields:` header (CloudFront, W3C) among the `#` lines a log
/// starts with: what a part read on its own needs from the file's head.
pub(crate) fn head_fields(head: &[u8]) -> Option<Vec<String>> {
    let mut fields = None;
    for line in head.split(|b| *b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_start_matches('\u{feff}').trim();
        if !line.starts_with('#') {
            break;
        }
        fields = cloud::fields_header(line).or(fields);
    }
    fields
}

/// [`read_log`] for a part of a file that does not start at its head:
/// `fields` is the `#Fields:` header read from the head, if any.
pub(crate) fn read_log_part<R: Read>(
    file: &Arc<str>,
    reader: R,
    opts: &LogOptions,
    fields: Option<Vec<String>>,
    sink: &mut dyn FnMut(ServerEvent),
) -> LogSummary {
    let mut lines = LineReader::new(reader, opts.max_line_bytes.max(1));
    read_log_lines(file, &mut lines, opts, fields, sink)
}

/// [`read_log_part`] of lines already being read: a block that is in
/// memory whole is read in place ([`LineReader::filled`]).
pub(crate) fn read_log_lines<R: Read>(
    file: &Arc<str>,
    lines: &mut LineReader<R>,
    opts: &LogOptions,
    fields: Option<Vec<String>>,
    sink: &mut dyn FnMut(ServerEvent),
) -> LogSummary {
    let mut summary = LogSummary::default();
    let mut ctx = Ctx::new(opts.custom_format.as_ref());
    ctx.cloudfront_fields = fields;
    let mut counts = [0u64; LogFormat::ALL.len()];
    let mut bad_utf8: Option<u64> = None;
    let mut bad_utf8_lines = 0u64;
    let max = opts.max_line_bytes.max(1);
    let mut suppressed = 0u64;

    loop {
        let line = match lines.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                summary.errors.push(InputError {
                    at: format!("line {}", summary.lines + 1),
                    message: format!("read error: {e}"),
                });
                break;
            }
        };
        summary.lines += 1;
        let n = summary.lines;
        // A line's ending (and the file's BOM) are not part of its text.
        let owned;
        let (line, bytes): (&str, &[u8]) = match line {
            Line::Utf8(text) => {
                // The cuts are next to ASCII bytes or after the BOM: char
                // boundaries.
                let line = text.get(text_span(text.as_bytes(), n == 1)).unwrap_or(text);
                (line, line.as_bytes())
            }
            Line::Text(text) => {
                let bytes = &text[text_span(text, n == 1)];
                let line = match simdutf8::basic::from_utf8(bytes) {
                    Ok(s) => s,
                    Err(_) => {
                        bad_utf8.get_or_insert(n);
                        bad_utf8_lines += 1;
                        owned = String::from_utf8_lossy(bytes).into_owned();
                        &owned
                    }
                };
                (line, bytes)
            }
            Line::Runaway { consumed } => {
                summary.long_lines += 1;
                summary.errors.push(InputError {
                    at: format!("line {n}"),
                    message: format!(
                        "no newline in {consumed} bytes: not a line-oriented log; reading stopped"
                    ),
                });
                break;
            }
            Line::TooLong { .. } => {
                summary.long_lines += 1;
                if summary.errors.len() < MAX_ERRORS {
                    summary.errors.push(InputError {
                        at: format!("line {n}"),
                        message: format!(
                            "line longer than {max} bytes (--max-line-bytes), skipped"
                        ),
                    });
                } else {
                    suppressed += 1;
                }
                continue;
            }
        };
        // Only blank and `#` lines are told apart here; a line that starts
        // with a printable ASCII byte other than `#` is neither, and is not
        // trimmed (a Unicode trim of both ends, for every line).
        let plain_start = line
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_graphic() && *b != b'#');
        if !plain_start {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            if trimmed.starts_with('#') {
                if let Some(fields) = cloud::fields_header(trimmed) {
                    ctx.cloudfront_fields = Some(fields);
                }
                continue;
            }
        }

        // Count-only fast path: a line that can't matter (no keyword, no
        // challenge path to follow) is classified cheaply when the file's
        // format allows it; counts stay exact.
        // Access-log formats carry the status in a fixed place: that alone
        // decides, so the keyword scan is skipped for them.
        // JSON lines usually carry a status key whose value decides too.
        let cheap_format = matches!(
            ctx.hint,
            Some(
                LogFormat::NginxCombined
                    | LogFormat::TraefikClf
                    | LogFormat::Kong
                    | LogFormat::NginxJson
                    | LogFormat::EnvoyJson
                    | LogFormat::CaddyJson
                    | LogFormat::TraefikJson
                    | LogFormat::AwsApigateway
                    | LogFormat::JsonLines
            )
        );
        if cheap_format || !may_matter(bytes) {
            if let Some(f) = ctx.hint {
                if let Some(is_request) = count_only(f, line, &ctx) {
                    counts[f.index()] += 1;
                    if is_request {
                        summary.requests += 1;
                    }
                    continue;
                }
            }
        }

        let (body, prefix_time) = prefix::strip(line, ctx.now);
        let Some(outcome) = parse_line(&body, &ctx) else {
            summary.unmatched += 1;
            continue;
        };
        let (format, mut parsed) = match outcome {
            Outcome::Known(f) => {
                counts[f.index()] += 1;
                ctx.hint = Some(f);
                continue;
            }
            Outcome::Record(f, p) => (f, p),
        };
        counts[format.index()] += 1;
        ctx.hint = Some(format);
        if parsed.time.is_none() {
            parsed.time = prefix_time;
        }

        let emit = if parsed.auxiliary {
            summary.auth_failures += 1;
            true
        } else if parsed.is_request() {
            summary.requests += 1;
            match parsed.status {
                Some(401) => {
                    summary.status_401 += 1;
                    ctx.challenges.challenged(parsed.leg(), parsed.time);
                    true
                }
                Some(403) => {
                    summary.status_403 += 1;
                    true
                }
                Some(200..=399) if !ctx.challenges.is_empty() => {
                    // The answered leg: emitted once, then no longer followed.
                    ctx.challenges.answered(parsed.leg())
                }
                _ => false,
            }
        } else {
            false
        };
        if emit {
            let origin = Origin {
                file: Arc::clone(file),
                position: n,
                kind: InputKind::Log,
            };
            sink(parsed.into_event(format, origin));
        }
    }

    if let Some(first) = bad_utf8 {
        summary.errors.push(InputError {
            at: format!("line {first}"),
            message: format!(
                "invalid UTF-8 ({bad_utf8_lines} line(s), first at line {first}); read lossily"
            ),
        });
    }
    if suppressed > 0 {
        summary.errors.push(InputError {
            at: format!("line {}", summary.lines),
            message: format!("{suppressed} more line(s) longer than {max} bytes skipped"),
        });
    }
    summary.format = best_format(&counts);
    summary
}

/// Where a line's text sits in its raw bytes: without the line ending
/// (`\n`, `\r\n`, stray `\r`s) and, on the first line, the UTF-8 BOM.
fn text_span(raw: &[u8], first_line: bool) -> std::ops::Range<usize> {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    let start = if first_line && raw[..end].starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    start..end
}

/// Classify a line that can't matter without a full parse. Returns
/// `Some(is_request)` when the format allows a cheap answer.
fn count_only(format: LogFormat, line: &str, ctx: &Ctx<'_>) -> Option<bool> {
    match format {
        LogFormat::NginxCombined | LogFormat::TraefikClf | LogFormat::Kong => {
            let (status, request, prefix) = access::fast_status(line)?;
            let needed = ctx.wants_detail_by(Some(status), || {
                ctx.follows_challenge(
                    // (A request line without a target has no path.)
                    || Some(access::request_bare_path(request).unwrap_or("")),
                    // (A prefix the format does not allow: parsed, to be sure.)
                    || {
                        access::prefix_client(prefix)
                            .map_or(ClientSeen::Unknown, ClientSeen::Exactly)
                    },
                )
            });
            (!needed).then_some(true)
        }
        LogFormat::NginxJson
        | LogFormat::EnvoyJson
        | LogFormat::CaddyJson
        | LogFormat::TraefikJson
        | LogFormat::AwsApigateway
        | LogFormat::JsonLines => {
            let t = line.trim_start();
            // (A docker json-file wrapper hides the producer's keys: parse it.)
            if !t.starts_with('{') || t.starts_with("{\"log\":\"") || !t.trim_end().ends_with('}') {
                return None;
            }
            let keys = CheapJson::read(line.as_bytes());
            // A line can only be a challenge's second leg if its path is
            // still waiting for one; the path is read without a JSON parse.
            let follows_challenge = || {
                ctx.follows_challenge(
                    || keys.path(line),
                    || {
                        keys.clients(line)
                            .map_or(ClientSeen::Unknown, ClientSeen::Among)
                    },
                )
            };
            if let Some(status) = keys.status {
                return (!ctx.wants_detail_by(Some(status), follows_challenge)).then_some(true);
            }
            // No clear status: only a line without auth words is just counted.
            // Without any status key the full parse finds no status either,
            // so the line cannot be a 2xx answering a waiting 401 ("db pool
            // stats", "jwks refreshed": an app's own lines).
            if may_matter(line.as_bytes()) || (keys.has_status_key && follows_challenge()) {
                return None;
            }
            Some(keys.has_status_key)
        }
        LogFormat::NginxError => error_log::looks_like_nginx_error(line).then_some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
