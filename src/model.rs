//! The small owned records that flow between pipeline stages.
//!
//! Parsers (`har`, `logs`) reduce raw input to [`RequestView`] (what the
//! client sent and got back) and [`ServerEvent`] (what a server wrote in its
//! log). Neither holds a raw secret: credentials are already reduced to a
//! [`Credential`](crate::credential::Credential) summary and URLs and messages
//! are masked before they are stored. Later stages (correlate, classify,
//! aggregate, report) only ever see these types.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::challenge::Challenge;
use crate::credential::Credential;

pub type Timestamp = DateTime<Utc>;

/// Where a record came from, for the `origin` column and error messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Origin {
    pub file: Arc<str>,
    /// 1-based line for logs, 0-based entry index for HARs.
    pub position: u64,
    pub kind: InputKind,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            InputKind::Har => write!(f, "{}#{}", self.file, self.position),
            InputKind::Log => write!(f, "{}:{}", self.file, self.position),
        }
    }
}

/// What kind of file an input turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    Har,
    Log,
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputKind::Har => "har",
            InputKind::Log => "log",
        })
    }
}

/// The client's view of one request, reduced from one HAR entry.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub origin: Origin,
    /// `startedDateTime`, when the producer wrote one.
    pub time: Option<Timestamp>,
    pub method: String,
    /// Full URL with secret-bearing query values masked.
    pub url: String,
    pub host: String,
    pub path: String,
    /// HAR status as written: 0 and -1 mean "no response" (blocked, aborted).
    pub status: i32,
    /// Normalized request-id candidates from request and response headers,
    /// strongest first.
    pub request_ids: Vec<String>,
    /// Every credential the request carried (Authorization, API-key
    /// headers, key-like query parameters, session cookies), strongest first.
    pub credentials: Vec<Arc<Credential>>,
    /// True when the request had a `Cookie` header or cookies at all
    /// (session cookies are also in `credentials`).
    pub sent_cookies: bool,
    /// A credential header was present but its value was replaced by a
    /// sanitizer (`[REDACTED]`…): the request was authenticated, we can't see how.
    pub credential_redacted: bool,
    /// Parsed `WWW-Authenticate` challenges of the response.
    pub challenges: Vec<Challenge>,
    /// A short message read from a small 401/403 response body (JSON `message`,
    /// `error_description`, `detail`, `msg`… or short text), secrets masked.
    pub response_message: Option<String>,
    /// The response `Date` header: the server's clock.
    pub server_date: Option<Timestamp>,
    /// Location / redirectURL of a 3xx.
    pub redirect_url: Option<String>,
    /// Served from a cache (`_fromCache`, `cache.beforeRequest`, `Age` > 0 with no transfer).
    pub from_cache: bool,
    /// OPTIONS with `Access-Control-Request-Method`: a CORS preflight.
    pub is_preflight: bool,
    /// `Origin` request header, when present (cross-origin context).
    pub origin_header: Option<String>,
}

impl RequestView {
    /// Drop what only a 401's own diagnosis reads, keeping what the
    /// capture-wide context needs (status, time, where, which credential,
    /// its issuer/audience/alg). Run on every non-401 entry as it is read,
    /// so a multi-GB HAR keeps a few hundred bytes per entry.
    pub fn slim(&mut self) {
        self.challenges = Vec::new();
        self.response_message = None;
        self.origin_header = None;
        self.credentials.shrink_to_fit();
        self.request_ids.shrink_to_fit();
        self.url.shrink_to_fit();
        self.path.shrink_to_fit();
    }
}

/// What a server's log line said about one request (or one auth event).
#[derive(Debug, Clone, Default)]
pub struct ServerEvent {
    pub origin: Option<Origin>,
    pub format: Option<crate::logs::LogFormat>,
    pub time: Option<Timestamp>,
    pub method: Option<String>,
    /// Host the request was addressed to, when the log has it.
    pub host: Option<String>,
    /// Path and query as logged, secret-bearing query values masked.
    pub url: Option<String>,
    /// Status the server answered; error-log auth lines carry none.
    pub status: Option<u16>,
    /// Status from the upstream (gateway logs), when distinct.
    pub upstream_status: Option<u16>,
    /// Normalized request-id candidates, strongest first.
    pub request_ids: Vec<String>,
    pub client_addr: Option<String>,
    /// The server's own words about the failure (error message, response
    /// code details, inner error…), secrets masked.
    pub message: Option<String>,
    /// A machine code next to the message (`credentials_required`, `LOGIN_ERROR`…).
    pub code: Option<String>,
    /// `WWW-Authenticate` the server logged for its answer.
    pub www_authenticate: Option<String>,
    /// User name the server parsed (`$remote_user`, `basic_user`): a hint
    /// that a Basic credential arrived. Not a secret, but kept only as a flag
    /// plus fingerprint to stay clear of PII.
    pub remote_user_present: bool,
    /// True when this is an error/auth log line that belongs to a request
    /// logged elsewhere (no status of its own).
    pub auxiliary: bool,
}

/// A malformed or unreadable part of an input: reported, never fatal.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InputError {
    /// "line 12", "byte 3071", "entry 4".
    pub at: String,
    pub message: String,
}
