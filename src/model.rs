//! The small owned records that flow between pipeline stages.
//!
//! Parsers (`har`, `logs`) reduce raw input to [`RequestView`] (what the
//! client sent and got back) and [`ServerEvent`] (what a server wrote in its
//! log). Neither holds a raw secret: credentials are already reduced to a
//! [`Credential`](crate::credential::Credential) summary and URLs and messages
//! are masked before they are stored. Later stages (correlate, classify,
//! aggregate, report) only ever see these types.

use std::fmt;
use std::fmt::Write as _;
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

impl Origin {
    /// `file:line` for logs, `file#entry` for HARs: what `Display` shows,
    /// written into one allocation of the right size. Every finding has
    /// one, and `format!` grew its string twice.
    pub fn label(&self) -> String {
        let mut digits = itoa::Buffer::new();
        let position = digits.format(self.position);
        let mut out = String::with_capacity(self.file.len() + 1 + position.len());
        out.push_str(&self.file);
        out.push(self.separator());
        out.push_str(position);
        out
    }

    fn separator(&self) -> char {
        match self.kind {
            InputKind::Har => '#',
            InputKind::Log => ':',
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.file, self.separator(), self.position)
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
///
/// Every entry stays in memory until all inputs are read (the join and the
/// capture-wide context need them), so a 4 GB HAR keeps ~170 000 of these:
/// what only some responses carry lives behind one optional box
/// ([`RequestExtras`], read through the accessors), the method is a tag and
/// the host is shared between the entries that name it.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub origin: Origin,
    /// `startedDateTime`, when the producer wrote one.
    pub time: Option<Timestamp>,
    pub method: Method,
    /// Full URL with secret-bearing query values masked, and the
    /// normalized request-id candidates from request and response headers,
    /// strongest first: read with [`RequestView::url`] and
    /// [`RequestView::request_ids`].
    pub url_and_ids: UrlAndIds,
    /// Shared by the entries of one worker that name the same host.
    pub host: Arc<str>,
    /// Read with [`RequestView::path`].
    pub path_span: PathSpan,
    /// HAR status as written: 0 and -1 mean "no response" (blocked, aborted).
    pub status: i32,
    /// Every credential the request carried (Authorization, API-key
    /// headers, key-like query parameters, session cookies), strongest first.
    pub credentials: Credentials,
    /// True when the request had a `Cookie` header or cookies at all
    /// (session cookies are also in `credentials`).
    pub sent_cookies: bool,
    /// A credential header was present but its value was replaced by a
    /// sanitizer (`[REDACTED]`…): the request was authenticated, we can't see how.
    pub credential_redacted: bool,
    /// The response `Date` header: the server's clock.
    pub server_date: Option<Timestamp>,
    /// Served from a cache (`_fromCache`, `cache.beforeRequest`, `Age` > 0 with no transfer).
    pub from_cache: bool,
    /// OPTIONS with `Access-Control-Request-Method`: a CORS preflight.
    pub is_preflight: bool,
    /// Challenges, error message, redirect target and `Origin` header;
    /// `None` when the entry has none of them (most kept entries).
    pub extras: Option<Box<RequestExtras>>,
}

/// A request's credentials: most carry one or two (a token, a session
/// cookie), kept inline instead of in an allocation per request.
pub type Credentials = smallvec::SmallVec<[Arc<Credential>; 2]>;

/// Where a request's path is: almost always the same text appears in its
/// URL (it was taken from there, and masking seldom touches a path), so it
/// is kept as a range of the URL instead of a second string; 90 bytes less
/// per entry, which a multi-GB HAR keeps by the hundred thousand.
#[derive(Debug, Clone)]
pub enum PathSpan {
    InUrl { start: u32, end: u32 },
    Own(Box<str>),
}

impl PathSpan {
    pub fn new(url: &str, path: String) -> PathSpan {
        let range = url.find(path.as_str()).and_then(|start| {
            let end = start + path.len();
            Some((u32::try_from(start).ok()?, u32::try_from(end).ok()?))
        });
        match range {
            Some((start, end)) => PathSpan::InUrl { start, end },
            None => PathSpan::Own(path.into_boxed_str()),
        }
    }

    /// The path, given the URL it was made with.
    fn of<'a>(&'a self, url: &'a str) -> &'a str {
        match self {
            // Any occurrence of the path's text in the URL is the path.
            PathSpan::InUrl { start, end } => url.get(*start as usize..*end as usize).unwrap_or(""),
            PathSpan::Own(path) => path,
        }
    }
}

impl RequestView {
    /// A bare request for unit tests: method, absolute URL (host and path
    /// read from it), status; no time, ids or credentials.
    #[cfg(test)]
    pub(crate) fn for_test(method: &str, url: &str, status: i32) -> RequestView {
        let (host, path, _) = crate::har::entry::split_url(url);
        RequestView {
            origin: Origin {
                file: Arc::from("capture.har"),
                position: 0,
                kind: InputKind::Har,
            },
            time: None,
            method: Method::new(method),
            url_and_ids: UrlAndIds::new(url, &[] as &[&str]),
            host: host.into(),
            path_span: PathSpan::new(url, path),
            status,
            credentials: Credentials::new(),
            sent_cookies: false,
            credential_redacted: false,
            server_date: None,
            from_cache: false,
            is_preflight: false,
            extras: None,
        }
    }

    /// Drop what only a 401's own diagnosis reads, keeping what the
    /// capture-wide context needs (status, time, where, which credential,
    /// its issuer/audience/alg). Run on every non-401 entry as it is read,
    /// so a multi-GB HAR keeps a few hundred bytes per entry.
    pub fn slim(&mut self) {
        if let Some(extras) = self.extras.take() {
            // Only a 3xx's redirect target is left; without it the box goes.
            self.extras = RequestExtras::boxed(Vec::new(), None, extras.redirect_url, None);
        }
        self.credentials.shrink_to_fit();
    }

    /// The request path as sent (without the query), unmasked.
    pub fn path(&self) -> &str {
        self.path_span.of(self.url())
    }

    /// Full URL with secret-bearing query values masked.
    pub fn url(&self) -> &str {
        self.url_and_ids.url()
    }

    /// Normalized request-id candidates, strongest first.
    pub fn request_ids(&self) -> RequestIds<'_> {
        self.url_and_ids.ids()
    }

    /// Replaces the request ids, keeping the URL.
    pub fn set_request_ids<S: AsRef<str>>(&mut self, ids: &[S]) {
        self.url_and_ids = UrlAndIds::new(self.url(), ids);
    }

    /// Parsed `WWW-Authenticate` challenges of the response.
    pub fn challenges(&self) -> &[Challenge] {
        self.extras.as_deref().map_or(&[], |x| &x.challenges)
    }

    /// A short message read from a small 401/403 response body (JSON
    /// `message`, `error_description`, `detail`, `msg`… or short text),
    /// secrets masked.
    pub fn response_message(&self) -> Option<&str> {
        self.extras.as_deref()?.response_message.as_deref()
    }

    /// Location / redirectURL of a 3xx, masked.
    pub fn redirect_url(&self) -> Option<&str> {
        self.extras.as_deref()?.redirect_url.as_deref()
    }

    /// `Origin` request header, when present (cross-origin context).
    pub fn origin_header(&self) -> Option<&str> {
        self.extras.as_deref()?.origin_header.as_deref()
    }
}

/// The parts of a [`RequestView`] that only some entries carry: challenges
/// and messages come with 401s, redirect targets with 3xx, and the `Origin`
/// header is dropped from non-401s by [`RequestView::slim`]. Inline they
/// cost ~110 bytes in every one of the ~170 000 entries a 4 GB HAR keeps;
/// boxed, 8 bytes in the entries without any.
#[derive(Debug, Clone, Default)]
pub struct RequestExtras {
    challenges: Box<[Challenge]>,
    response_message: Option<Box<str>>,
    redirect_url: Option<Box<str>>,
    origin_header: Option<Box<str>>,
}

impl RequestExtras {
    /// The box for these values, or `None` when there is nothing to keep.
    pub fn boxed(
        challenges: Vec<Challenge>,
        response_message: Option<String>,
        redirect_url: Option<Box<str>>,
        origin_header: Option<String>,
    ) -> Option<Box<RequestExtras>> {
        if challenges.is_empty()
            && response_message.is_none()
            && redirect_url.is_none()
            && origin_header.is_none()
        {
            return None;
        }
        Some(Box::new(RequestExtras {
            challenges: challenges.into_boxed_slice(),
            response_message: response_message.map(String::into_boxed_str),
            redirect_url,
            origin_header: origin_header.map(String::into_boxed_str),
        }))
    }
}

/// An HTTP request method. Nearly every entry uses one of a handful of
/// methods: as a tag they cost no allocation (a `String` cost a 32-byte
/// malloc chunk per entry, ~170 000 of them in a 4 GB HAR). Anything else
/// is kept as written. Reads as the upper-case `&str` it was built from.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Connect,
    Trace,
    /// Boxed twice so it is one thin pointer: with a `Box<str>` (two
    /// words) the tag would need a third word.
    Other(Box<Box<str>>),
}

impl Method {
    /// The method for `name`, which the caller has already upper-cased
    /// (the well-known tags only match upper case).
    pub fn new(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            "CONNECT" => Method::Connect,
            "TRACE" => Method::Trace,
            other => Method::Other(Box::new(other.into())),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Connect => "CONNECT",
            Method::Trace => "TRACE",
            Method::Other(s) => s,
        }
    }
}

impl std::ops::Deref for Method {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Method {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Method {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Method {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Prints as the string it stands for, as the `String` it replaced did.
impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// What a server's log line said about one request (or one auth event).
///
/// Packed because every kept event stays in memory until all inputs are
/// read: a 1 GB nginx log keeps ~270 000 of them, and with one `String` per
/// field each event cost ~450 bytes (248 inline plus half a dozen separate
/// small allocations, each at least a 32-byte malloc chunk). Here all the
/// strings share ONE allocation, `text`: the optional fields back to back
/// in slot order, then the request ids, each written as `<byte length>:<id>`
/// (ids may hold any character, so they carry their length instead of a
/// separator). `ends` says where each optional field stops and `present`
/// tells an absent field from an empty one.
///
/// Build one from [`ServerEventFields`]; read the strings through the
/// accessors. The small `Copy` data stays in plain public fields.
#[derive(Clone, Default)]
pub struct ServerEvent {
    pub origin: Option<Origin>,
    pub format: Option<crate::logs::LogFormat>,
    pub time: Option<Timestamp>,
    /// Status the server answered; error-log auth lines carry none.
    pub status: Option<u16>,
    /// Status from the upstream (gateway logs), when distinct.
    pub upstream_status: Option<u16>,
    /// User name the server parsed (`$remote_user`, `basic_user`): a hint
    /// that a Basic credential arrived. Not a secret, but kept only as a flag
    /// plus fingerprint to stay clear of PII.
    pub remote_user_present: bool,
    /// True when this is an error/auth log line that belongs to a request
    /// logged elsewhere (no status of its own).
    pub auxiliary: bool,
    text: Box<str>,
    /// End of each optional field's slot in `text`; a slot starts where the
    /// previous one ends. `u32` rather than `u16`: URLs can be long.
    ends: [u32; SLOTS],
    /// Bit `i` set when slot `i` holds a value (possibly empty).
    present: u8,
}

// Slot order of the optional string fields in `ServerEvent::text`.
const METHOD: usize = 0;
const HOST: usize = 1;
const URL: usize = 2;
const CLIENT_ADDR: usize = 3;
const MESSAGE: usize = 4;
const CODE: usize = 5;
const WWW_AUTHENTICATE: usize = 6;
const SLOTS: usize = 7;

/// Everything a [`ServerEvent`] holds, as plain owned fields: what parsers
/// and tests fill in before the strings are packed by [`ServerEvent::new`].
/// The text is owned by default; the log parsers hand in text borrowed
/// from the line (`Cow`), so that it is copied once, into the packed event.
#[derive(Debug, Clone, Default)]
pub struct ServerEventFields<S = String> {
    pub origin: Option<Origin>,
    pub format: Option<crate::logs::LogFormat>,
    pub time: Option<Timestamp>,
    pub method: Option<S>,
    /// Host the request was addressed to, when the log has it.
    pub host: Option<S>,
    /// Path and query as logged, secret-bearing query values masked.
    pub url: Option<S>,
    pub status: Option<u16>,
    pub upstream_status: Option<u16>,
    /// Normalized request-id candidates, strongest first.
    pub request_ids: Vec<String>,
    pub client_addr: Option<S>,
    /// The server's own words about the failure (error message, response
    /// code details, inner error…), secrets masked.
    pub message: Option<S>,
    /// A machine code next to the message (`credentials_required`, `LOGIN_ERROR`…).
    pub code: Option<S>,
    /// `WWW-Authenticate` the server logged for its answer.
    pub www_authenticate: Option<S>,
    pub remote_user_present: bool,
    pub auxiliary: bool,
}

impl From<ServerEventFields> for ServerEvent {
    fn from(f: ServerEventFields) -> Self {
        ServerEvent::new(f)
    }
}

impl ServerEvent {
    /// Pack `f`'s strings into one allocation.
    ///
    /// The optional fields together must fit `u32` offsets; a field that
    /// would overflow is cut at a char boundary rather than panicking. Lines
    /// are capped far below 4 GiB (`max_line_bytes`), so real input never
    /// gets there.
    pub fn new<S: AsRef<str>>(f: ServerEventFields<S>) -> Self {
        let slots: [Option<S>; SLOTS] = [
            f.method,
            f.host,
            f.url,
            f.client_addr,
            f.message,
            f.code,
            f.www_authenticate,
        ];
        // Sized exactly so `into_boxed_str` has nothing to shrink.
        let len = slots
            .iter()
            .flatten()
            .map(|s| s.as_ref().len())
            .sum::<usize>()
            + packed_len(&f.request_ids);
        let mut text = String::with_capacity(len);
        let mut ends = [0u32; SLOTS];
        let mut present = 0u8;
        for (i, value) in slots.iter().enumerate() {
            if let Some(v) = value {
                present |= 1 << i;
                let room = (u32::MAX as usize).saturating_sub(text.len());
                text.push_str(prefix_within(v.as_ref(), room));
            }
            // Cannot saturate: the pushes above keep `text` within u32.
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        // Ids follow the last slot and carry their own lengths, so they need
        // no `u32` offset.
        pack_ids(&mut text, &f.request_ids);
        ServerEvent {
            origin: f.origin,
            format: f.format,
            time: f.time,
            status: f.status,
            upstream_status: f.upstream_status,
            remote_user_present: f.remote_user_present,
            auxiliary: f.auxiliary,
            text: text.into_boxed_str(),
            ends,
            present,
        }
    }

    fn slot(&self, i: usize) -> Option<&str> {
        if self.present & (1 << i) == 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        // `get` rather than indexing: `new` only records char boundaries,
        // but a bad offset must not become a panic.
        self.text.get(start..self.ends[i] as usize)
    }

    pub fn method(&self) -> Option<&str> {
        self.slot(METHOD)
    }

    /// Host the request was addressed to, when the log has it.
    pub fn host(&self) -> Option<&str> {
        self.slot(HOST)
    }

    /// Path and query as logged, secret-bearing query values masked.
    pub fn url(&self) -> Option<&str> {
        self.slot(URL)
    }

    pub fn client_addr(&self) -> Option<&str> {
        self.slot(CLIENT_ADDR)
    }

    /// The server's own words about the failure (error message, response
    /// code details, inner error…), secrets masked.
    pub fn message(&self) -> Option<&str> {
        self.slot(MESSAGE)
    }

    /// A machine code next to the message (`credentials_required`, `LOGIN_ERROR`…).
    pub fn code(&self) -> Option<&str> {
        self.slot(CODE)
    }

    /// `WWW-Authenticate` the server logged for its answer.
    pub fn www_authenticate(&self) -> Option<&str> {
        self.slot(WWW_AUTHENTICATE)
    }

    /// Normalized request-id candidates, strongest first.
    pub fn request_ids(&self) -> RequestIds<'_> {
        RequestIds {
            rest: self.text.get(self.ends[SLOTS - 1] as usize..).unwrap_or(""),
        }
    }

    /// The strongest request-id candidate.
    pub fn first_request_id(&self) -> Option<&str> {
        self.request_ids().next()
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a char
/// boundary.
fn prefix_within(s: &str, max: usize) -> &str {
    let mut cut = s.len().min(max);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// How many decimal digits `n` takes.
fn decimal_len(mut n: usize) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

/// Bytes that [`pack_ids`] writes for `ids`.
fn packed_len<S: AsRef<str>>(ids: &[S]) -> usize {
    ids.iter()
        .map(|id| decimal_len(id.as_ref().len()) + 1 + id.as_ref().len())
        .sum()
}

/// Appends `ids` as `<byte length>:<id>` each, as [`RequestIds`] reads them.
fn pack_ids<S: AsRef<str>>(text: &mut String, ids: &[S]) {
    for id in ids {
        let id = id.as_ref();
        // Writing to a `String` cannot fail.
        let _ = write!(text, "{}:", id.len());
        text.push_str(id);
    }
}

/// A request's URL and its request-id candidates in one allocation: the
/// URL, then the ids as [`pack_ids`] writes them. Most HAR entries carry
/// one or two ids; as a `Vec<String>` beside the URL they cost three more
/// allocations per entry of a multi-GB capture, as a second string one.
#[derive(Clone, PartialEq, Eq)]
pub struct UrlAndIds {
    text: Box<str>,
    url_len: u32,
}

impl UrlAndIds {
    /// A URL past 4 GiB (no HAR entry is allowed that big) is cut at a
    /// char boundary rather than panicking.
    pub fn new<S: AsRef<str>>(url: &str, ids: &[S]) -> UrlAndIds {
        let url = prefix_within(url, u32::MAX as usize);
        let mut text = String::with_capacity(url.len() + packed_len(ids));
        text.push_str(url);
        pack_ids(&mut text, ids);
        UrlAndIds {
            text: text.into_boxed_str(),
            // Cannot saturate: `url` was cut to fit.
            url_len: u32::try_from(url.len()).unwrap_or(u32::MAX),
        }
    }

    pub fn url(&self) -> &str {
        self.text.get(..self.url_len as usize).unwrap_or("")
    }

    pub fn ids(&self) -> RequestIds<'_> {
        RequestIds {
            rest: self.text.get(self.url_len as usize..).unwrap_or(""),
        }
    }
}

impl fmt::Debug for UrlAndIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlAndIds")
            .field("url", &self.url())
            .field("ids", &self.ids())
            .finish()
    }
}

/// The request ids of a [`ServerEvent`] or a [`RequestView`], strongest first.
#[derive(Clone)]
pub struct RequestIds<'a> {
    /// Still to read: `<byte length>:<id>` repeated.
    rest: &'a str,
}

impl<'a> Iterator for RequestIds<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // The length is digits only, so the first `:` ends it even when the
        // id itself holds colons.
        let (len, tail) = self.rest.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let id = tail.get(..len)?;
        self.rest = tail.get(len..)?;
        Some(id)
    }
}

impl fmt::Debug for RequestIds<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// Shows the fields as the unpacked struct would, in the same order, not
/// the raw text and offsets.
impl fmt::Debug for ServerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerEvent")
            .field("origin", &self.origin)
            .field("format", &self.format)
            .field("time", &self.time)
            .field("method", &self.method())
            .field("host", &self.host())
            .field("url", &self.url())
            .field("status", &self.status)
            .field("upstream_status", &self.upstream_status)
            .field("request_ids", &self.request_ids())
            .field("client_addr", &self.client_addr())
            .field("message", &self.message())
            .field("code", &self.code())
            .field("www_authenticate", &self.www_authenticate())
            .field("remote_user_present", &self.remote_user_present)
            .field("auxiliary", &self.auxiliary)
            .finish()
    }
}

/// A malformed or unreadable part of an input: reported, never fatal.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InputError {
    /// "line 12", "byte 3071", "entry 4".
    pub at: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_label_is_what_it_displays() {
        for (kind, position, want) in [
            (InputKind::Log, 1, "logs/a b.log:1"),
            (
                InputKind::Log,
                u64::MAX,
                "logs/a b.log:18446744073709551615",
            ),
            (InputKind::Har, 0, "logs/a b.log#0"),
            (InputKind::Har, 4096, "logs/a b.log#4096"),
        ] {
            let o = Origin {
                file: Arc::from("logs/a b.log"),
                position,
                kind,
            };
            assert_eq!(o.label(), want);
            assert_eq!(o.to_string(), want);
        }
    }

    fn full() -> ServerEventFields {
        ServerEventFields {
            format: Some(crate::logs::LogFormat::NginxCombined),
            method: Some("GET".into()),
            host: Some("api.example.com".into()),
            url: Some("/v1/x?a=1".into()),
            status: Some(401),
            upstream_status: Some(502),
            // Ids may hold digits, colons and non-ASCII: their lengths, not
            // a separator, delimit them.
            request_ids: vec!["12:ab".into(), "".into(), "é:3".into(), "0".into()],
            client_addr: Some("10.0.0.1".into()),
            message: Some("jwt expired — sorry".into()),
            code: Some("invalid_token".into()),
            www_authenticate: Some("Bearer error=\"invalid_token\"".into()),
            remote_user_present: true,
            auxiliary: true,
            ..ServerEventFields::default()
        }
    }

    #[test]
    fn every_field_reads_back() {
        let f = full();
        let e = ServerEvent::new(f.clone());
        assert_eq!(e.method(), f.method.as_deref());
        assert_eq!(e.host(), f.host.as_deref());
        assert_eq!(e.url(), f.url.as_deref());
        assert_eq!(e.client_addr(), f.client_addr.as_deref());
        assert_eq!(e.message(), f.message.as_deref());
        assert_eq!(e.code(), f.code.as_deref());
        assert_eq!(e.www_authenticate(), f.www_authenticate.as_deref());
        assert_eq!(e.request_ids().collect::<Vec<_>>(), f.request_ids);
        assert_eq!(e.first_request_id(), Some("12:ab"));
        assert_eq!(
            (e.status, e.upstream_status, e.format),
            (f.status, f.upstream_status, f.format)
        );
        assert!(e.remote_user_present && e.auxiliary);
        let c = e.clone();
        assert_eq!(format!("{c:?}"), format!("{e:?}"));
    }

    #[test]
    fn absent_and_empty_differ() {
        let e = ServerEvent::new(ServerEventFields {
            host: Some(String::new()),
            message: Some("m".into()),
            ..ServerEventFields::default()
        });
        assert_eq!(e.method(), None);
        assert_eq!(e.host(), Some(""));
        assert_eq!(e.url(), None);
        assert_eq!(e.message(), Some("m"));
        assert_eq!(e.www_authenticate(), None);
        assert!(e.first_request_id().is_none());
        let d = ServerEvent::default();
        assert_eq!(
            (d.method(), d.message(), d.first_request_id()),
            (None, None, None)
        );
    }

    /// Debug shows the fields as the unpacked struct did, not offsets.
    #[test]
    fn debug_shows_fields() {
        let s = format!("{:?}", ServerEvent::new(full()));
        assert!(s.contains(r#"url: Some("/v1/x?a=1")"#), "{s}");
        assert!(
            s.contains(r#"request_ids: ["12:ab", "", "é:3", "0"]"#),
            "{s}"
        );
        assert!(!s.contains("ends") && !s.contains("text"), "{s}");
    }

    #[test]
    fn cut_stays_on_a_char_boundary() {
        assert_eq!(prefix_within("aé", 2), "a");
        assert_eq!(prefix_within("aé", 3), "aé");
        assert_eq!(prefix_within("abc", usize::MAX), "abc");
        assert_eq!(prefix_within("é", 0), "");
        assert_eq!(decimal_len(0), 1);
        assert_eq!(decimal_len(9), 1);
        assert_eq!(decimal_len(10), 2);
        assert_eq!(decimal_len(1000), 4);
    }

    /// Every kept log event pays this; it was 248 bytes with one `String`
    /// per field.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn event_stays_small() {
        assert!(std::mem::size_of::<ServerEvent>() <= 104);
    }

    /// Every kept HAR entry pays this; it was 304 bytes with every field
    /// inline and one `String` per text field.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn request_stays_small() {
        assert!(std::mem::size_of::<RequestView>() <= 168);
        assert_eq!(std::mem::size_of::<Method>(), 16);
    }

    #[test]
    fn method_reads_as_written() {
        for name in [
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
        ] {
            let m = Method::new(name);
            assert!(!matches!(m, Method::Other(_)), "{name} is well known");
            assert_eq!(m.as_str(), name);
            assert_eq!(m.to_string(), name);
            assert_eq!(format!("{m:?}"), format!("{name:?}"));
        }
        for name in ["PROPFIND", "", "get", "GET ", "ÉTÉ"] {
            let m = Method::new(name);
            assert_eq!(m, Method::Other(Box::new(name.into())));
            assert_eq!(&*m, name);
        }
        assert!(Method::new("OPTIONS") == "OPTIONS");
        assert!(Method::new("GET").starts_with('G'), "derefs to str");
    }

    #[test]
    fn url_and_ids_give_back_the_url_and_each_id_in_order() {
        let url = "https://a.test/x?y=1:2";
        let ids = [
            "12:ab",
            "",
            "é:3",
            "0",
            "4f1c2e7a-9b3d-4c55-8e21-6a7b8c9d0e1f",
        ];
        let both = UrlAndIds::new(url, &ids);
        assert_eq!(both.url(), url);
        assert_eq!(both.ids().collect::<Vec<_>>(), ids);
        let none = UrlAndIds::new(url, &[] as &[&str]);
        assert_eq!(none.url(), url);
        assert!(none.ids().next().is_none());
        let mut r = RequestView::for_test("GET", url, 200);
        r.set_request_ids(&["a-1", "b-2"]);
        assert_eq!(r.url(), url);
        assert_eq!(r.request_ids().collect::<Vec<_>>(), ["a-1", "b-2"]);
        assert_eq!(r.path(), "/x");
    }

    #[test]
    fn a_path_is_read_from_its_url_or_kept_when_the_url_does_not_show_it() {
        let url = "https://api.test/v1/users/7?page=2";
        let span = PathSpan::new(url, "/v1/users/7".into());
        assert!(matches!(span, PathSpan::InUrl { .. }));
        assert_eq!(span.of(url), "/v1/users/7");
        // The URL's path was masked: the path is its own string.
        let masked = "https://api.test/v1/keys/%5BREDACTED%5D";
        let span = PathSpan::new(masked, "/v1/keys/sk_live_abc".into());
        assert!(matches!(span, PathSpan::Own(_)));
        assert_eq!(span.of(masked), "/v1/keys/sk_live_abc");
        // A bare host's path "/" is found (in "https://" if nowhere else).
        assert_eq!(
            PathSpan::new("https://h.test", "/".into()).of("https://h.test"),
            "/"
        );
        let r = RequestView::for_test("GET", url, 200);
        assert_eq!(r.path(), "/v1/users/7");
        assert_eq!(r.url(), url);
    }

    fn view(status: i32, extras: Option<Box<RequestExtras>>) -> RequestView {
        RequestView {
            extras,
            ..RequestView::for_test("GET", "https://a.example/x", status)
        }
    }

    #[test]
    fn extras_are_boxed_only_when_present() {
        assert!(RequestExtras::boxed(Vec::new(), None, None, None).is_none());
        let empty = view(200, None);
        assert!(empty.challenges().is_empty());
        assert_eq!(empty.response_message(), None);
        assert_eq!(empty.redirect_url(), None);
        assert_eq!(empty.origin_header(), None);

        let challenges = crate::challenge::parse_www_authenticate("Bearer realm=\"api\"");
        assert_eq!(challenges.len(), 1);
        let full = view(
            401,
            RequestExtras::boxed(
                challenges,
                Some("jwt expired".into()),
                Some("https://b.example/login".into()),
                Some("https://app.example".into()),
            ),
        );
        assert_eq!(full.challenges().len(), 1);
        assert_eq!(full.challenges()[0].scheme, "Bearer");
        assert_eq!(full.response_message(), Some("jwt expired"));
        assert_eq!(full.redirect_url(), Some("https://b.example/login"));
        assert_eq!(full.origin_header(), Some("https://app.example"));
    }

    #[test]
    fn slim_keeps_only_the_redirect() {
        let mut r = view(
            302,
            RequestExtras::boxed(
                Vec::new(),
                Some("moved".into()),
                Some("/login".into()),
                Some("https://app.example".into()),
            ),
        );
        r.slim();
        assert_eq!(r.redirect_url(), Some("/login"));
        assert_eq!(r.response_message(), None);
        assert_eq!(r.origin_header(), None);

        let mut r = view(
            200,
            RequestExtras::boxed(Vec::new(), None, None, Some("https://app.example".into())),
        );
        r.slim();
        assert!(r.extras.is_none(), "nothing left to keep: no box");
    }
}
