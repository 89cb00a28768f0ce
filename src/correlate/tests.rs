//! What each step of the join binds and what it refuses: pass 1 (id +
//! status + host), pass 2 (an id of one request binds any status), log-only
//! groups, and the method + path + time fallback with its one-line-per-file
//! rule. Long and seeded random runs check the result against a reference
//! join written the plain way (ordered maps, no pruning of old log-only
//! cases) and the invariants every result keeps.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::DateTime;

use super::*;
use crate::model::{InputKind, Origin, ServerEventFields};

/// Test times count milliseconds from this instant (2026-11-23).
const T0: i64 = 1_795_910_400_000;

fn at(ms: i64) -> Timestamp {
    DateTime::from_timestamp_millis(T0 + ms).expect("time in range")
}

/// A HAR request at `ms` for an absolute `url`; host and path come from it.
fn req(method: &str, url: &str, status: i32, ms: i64) -> RequestView {
    RequestView {
        time: Some(at(ms)),
        ..RequestView::for_test(method, url, status)
    }
}

fn with_ids(mut r: RequestView, ids: &[&str]) -> RequestView {
    r.set_request_ids(ids);
    r
}

/// One log file: its events share one `Arc` name, as the parsers' do.
struct Log {
    file: Arc<str>,
    line: Cell<u64>,
}

impl Log {
    fn new(name: &str) -> Self {
        Log {
            file: Arc::from(name),
            line: Cell::new(0),
        }
    }

    /// The file's next line: a 401 at `ms`, nothing else known yet.
    fn at(&self, ms: i64) -> Ev {
        self.line.set(self.line.get() + 1);
        Ev(ServerEventFields {
            origin: Some(Origin {
                file: self.file.clone(),
                position: self.line.get(),
                kind: InputKind::Log,
            }),
            time: Some(at(ms)),
            status: Some(401),
            ..ServerEventFields::default()
        })
    }
}

/// A log event being built.
struct Ev(ServerEventFields);

impl Ev {
    fn get(self, url: &str) -> Self {
        self.method("GET").url(url)
    }

    fn method(mut self, method: &str) -> Self {
        self.0.method = Some(method.to_string());
        self
    }

    fn url(mut self, url: &str) -> Self {
        self.0.url = Some(url.to_string());
        self
    }

    fn ids(mut self, ids: &[&str]) -> Self {
        self.0.request_ids = ids.iter().map(|id| id.to_string()).collect();
        self
    }

    fn status(mut self, status: Option<u16>) -> Self {
        self.0.status = status;
        self
    }

    fn host(mut self, host: &str) -> Self {
        self.0.host = Some(host.to_string());
        self
    }

    fn untimed(mut self) -> Self {
        self.0.time = None;
        self
    }

    fn done(self) -> ServerEvent {
        ServerEvent::new(self.0)
    }
}

/// Each case as (client, server, join), comparable with `assert_eq!`.
type Shape = Vec<(Option<usize>, Vec<usize>, Join)>;

fn shape(cases: &[Case]) -> Shape {
    cases
        .iter()
        .map(|c| (c.client, c.server.to_vec(), c.join))
        .collect()
}

/// `correlate` with the default 2 s window, checked for the invariants and
/// for giving the same answer twice.
fn join(requests: &[RequestView], events: &[ServerEvent]) -> Vec<Case> {
    join_with(requests, events, CorrelateOptions::default())
}

fn join_with(
    requests: &[RequestView],
    events: &[ServerEvent],
    opts: CorrelateOptions,
) -> Vec<Case> {
    let cases = correlate(requests, events, opts);
    check_invariants(requests, events, &cases);
    assert_eq!(
        shape(&correlate(requests, events, opts)),
        shape(&cases),
        "a second run differs"
    );
    cases
}

/// What every result keeps, whatever the input.
fn check_invariants(requests: &[RequestView], events: &[ServerEvent], cases: &[Case]) {
    // Request `i` is case `i`; log-only cases follow.
    assert!(cases.len() >= requests.len());
    for (ci, case) in cases.iter().enumerate() {
        let expected = (ci < requests.len()).then_some(ci);
        assert_eq!(case.client, expected, "client of case {ci}");
    }
    let mut seen = vec![0usize; events.len()];
    for (ci, case) in cases.iter().enumerate() {
        for &ei in &case.server {
            seen[ei] += 1;
        }
        let keys: Vec<_> = case.server.iter().map(|&e| (events[e].time, e)).collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "case {ci}: server not in (time, index) order: {:?}",
            case.server
        );
        // Single: one view alone. A request with events, or several log
        // events, were joined by something.
        let single = match case.client {
            Some(_) => case.server.is_empty(),
            None => {
                assert!(!case.server.is_empty(), "case {ci}: empty log-only case");
                case.server.len() == 1
            }
        };
        assert_eq!(case.join == Join::Single, single, "case {ci}: {case:?}");
    }
    for (ei, n) in seen.iter().enumerate() {
        assert_eq!(*n, 1, "event {ei} is in {n} cases");
    }
}

/// The case holding event `ei`.
fn case_of(cases: &[Case], ei: usize) -> &Case {
    cases
        .iter()
        .find(|c| c.server.contains(&ei))
        .expect("every event is in a case")
}

// --- URL key ------------------------------------------------------------

#[test]
fn url_key_is_path_and_query_without_fragment() {
    assert_eq!(
        url_key("https://api.example.com:8443/v1/me?a=1&b=2#top"),
        "/v1/me?a=1&b=2"
    );
    assert_eq!(url_key("https://api.example.com"), "/");
    assert_eq!(url_key("https://api.example.com?x=1"), "/");
    assert_eq!(url_key("/v1/me?a=1"), "/v1/me?a=1");
    assert_eq!(url_key("/v1/me#frag"), "/v1/me");
    assert_eq!(path_and_query("http://h/a/b?c"), "/a/b?c");
}

// --- Pass 1: id + compatible status + compatible host -----------------

#[test]
fn pass1_joins_a_request_and_an_event_sharing_an_id() {
    let gw = Log::new("gateway.log");
    let requests = [with_ids(
        req("GET", "https://api.example.com/v1/me", 401, 0),
        &["rid-1"],
    )];
    // A minute away and on another path: only the id can join it.
    let events = [gw
        .at(60_000)
        .get("/elsewhere")
        .host("api.example.com")
        .ids(&["rid-1"])
        .done()];
    let cases = join(&requests, &events);
    assert_eq!(shape(&cases), [(Some(0), vec![0], Join::RequestId)]);
}

/// An id shared by two requests (a redirect hop and its follow-up): pass 1
/// puts each event on the request whose status fits; an event without a
/// status fits the first.
#[test]
fn pass1_status_picks_among_requests_sharing_an_id() {
    let gw = Log::new("gateway.log");
    let app = Log::new("app.jsonl");
    let requests = [
        with_ids(
            req("GET", "https://api.example.com/login", 302, 0),
            &["rid-1"],
        ),
        with_ids(
            req("GET", "https://api.example.com/v1/me", 401, 50),
            &["rid-1"],
        ),
    ];
    let events = [
        gw.at(60).get("/v1/me").ids(&["rid-1"]).done(),
        gw.at(10)
            .get("/login")
            .status(Some(302))
            .ids(&["rid-1"])
            .done(),
        app.at(20).ids(&["rid-1"]).status(None).done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![1, 2], Join::RequestId),
            (Some(1), vec![0], Join::RequestId),
        ]
    );
}

#[test]
fn pass1_host_must_be_compatible() {
    let gw = Log::new("gateway.log");
    let edge = Log::new("edge.log");
    // Same id on two hosts, so pass 2 leaves the id alone.
    let requests = [
        with_ids(
            req("GET", "https://api.example.com/v1/me", 401, 0),
            &["rid-7"],
        ),
        with_ids(
            req("GET", "https://admin.example.com/v1/me", 401, 0),
            &["rid-7"],
        ),
    ];
    let events = [
        // Fits the second request only.
        gw.at(1)
            .get("/v1/me")
            .host("admin.example.com")
            .ids(&["rid-7"])
            .done(),
        // Case and port don't matter.
        gw.at(2)
            .get("/v1/me")
            .host("API.example.com:443")
            .ids(&["rid-7"])
            .done(),
        // An empty host fits anything.
        gw.at(3).get("/v1/me").host("").ids(&["rid-7"]).done(),
        // Fits neither: not joined by id, nor by path and time (from
        // another file, so that only the host keeps it out).
        edge.at(4)
            .get("/v1/me")
            .host("evil.example.net")
            .ids(&["rid-7"])
            .done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![1, 2], Join::RequestId),
            (Some(1), vec![0], Join::RequestId),
            (None, vec![3], Join::Single),
        ]
    );
}

// --- Pass 2: an id of exactly one request binds any status -------------

#[test]
fn pass2_an_id_of_one_request_binds_whatever_status_the_log_has() {
    let app = Log::new("app.jsonl");
    let requests = [with_ids(
        req("GET", "https://api.example.com/v1/me", 401, 0),
        &["rid-9"],
    )];
    let events = [
        // The app logged its own status.
        app.at(100).status(Some(500)).ids(&["rid-9"]).done(),
        // Pass 2 does not look at the host either: a trace id crosses
        // services.
        app.at(200)
            .status(Some(403))
            .host("auth.internal")
            .ids(&["rid-9"])
            .done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(shape(&cases), [(Some(0), vec![0, 1], Join::RequestId)]);
}

/// An id shared by two requests binds nothing in pass 2: an event whose
/// status fits neither goes through the fallback (here to a third request
/// with its status), or becomes its own case.
#[test]
fn pass2_skips_an_id_shared_by_two_requests() {
    let app = Log::new("app.jsonl");
    let gw = Log::new("gateway.log");
    let requests = [
        with_ids(
            req("GET", "https://api.example.com/login", 302, 0),
            &["rid-2"],
        ),
        with_ids(
            req("GET", "https://api.example.com/v1/me", 401, 50),
            &["rid-2"],
        ),
        req("GET", "https://api.example.com/v1/me", 500, 100),
    ];
    let events = [gw
        .at(120)
        .get("/v1/me")
        .status(Some(500))
        .ids(&["rid-2"])
        .done()];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![], Join::Single),
            (Some(1), vec![], Join::Single),
            (Some(2), vec![0], Join::Fallback),
        ]
    );

    // Nothing to fall back on: a case of its own.
    let events = [app.at(130).status(Some(503)).ids(&["rid-2"]).done()];
    let cases = join(&requests, &events);
    assert_eq!(cases.len(), 4);
    assert_eq!(shape(&cases[3..]), [(None, vec![0], Join::Single)]);
}

/// Ids are taken in sorted order: an event with ids of two different
/// requests lands with the request of the smaller id.
#[test]
fn pass2_takes_ids_in_sorted_order() {
    let app = Log::new("app.jsonl");
    let requests = [
        with_ids(req("GET", "https://api.example.com/a", 200, 0), &["zz-id"]),
        with_ids(req("GET", "https://api.example.com/b", 200, 0), &["aa-id"]),
    ];
    let events = [app.at(0).status(Some(500)).ids(&["zz-id", "aa-id"]).done()];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![], Join::Single),
            (Some(1), vec![0], Join::RequestId),
        ]
    );
}

// --- Connection ids ----------------------------------------------------

#[test]
fn connection_ids_never_join_on_their_own() {
    let err = Log::new("error.log");
    let err2 = Log::new("error2.log");
    let app = Log::new("app.jsonl");
    let requests = [with_ids(
        req("GET", "https://api.example.com/v1/me", 401, 0),
        &["nginx-conn:42"],
    )];
    let events = [
        err.at(0).status(None).ids(&["nginx-conn:42"]).done(),
        err2.at(5).status(None).ids(&["nginx-conn:42"]).done(),
        // A real id still joins, next to the connection id.
        err.at(10_000)
            .status(None)
            .ids(&["nginx-conn:42", "rid-5"])
            .done(),
        app.at(10_001).ids(&["rid-5"]).done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![], Join::Single),
            (None, vec![0], Join::Single),
            (None, vec![1], Join::Single),
            (None, vec![2, 3], Join::RequestId),
        ]
    );
}

// --- Log-only cases ----------------------------------------------------

#[test]
fn log_only_events_sharing_an_id_are_one_case() {
    let gw = Log::new("gateway.log");
    let app = Log::new("app.jsonl");
    let events = [
        gw.at(1_000).get("/v1/me").ids(&["rid-3"]).done(),
        // The app wrote its line before the gateway wrote the access line.
        app.at(990).ids(&["rid-3"]).status(None).done(),
        gw.at(50_000).get("/v1/other").done(),
    ];
    let cases = join(&[], &events);
    assert_eq!(
        shape(&cases),
        [
            (None, vec![1, 0], Join::RequestId),
            (None, vec![2], Join::Single),
        ]
    );
}

/// One log on its own (a night of one gateway): lines sharing an id are
/// still one case, lines of the same path stay apart, and a line with no
/// origin (it could be any file's) may still join one of them by path.
#[test]
fn one_log_alone_groups_by_id_only() {
    let gw = Log::new("gateway.log");
    let events = [
        gw.at(1_000).get("/v1/me").ids(&["rid-1"]).done(),
        gw.at(1_100).get("/v1/me").done(),
        // The gateway's error line for the first request.
        gw.at(1_200).ids(&["rid-1"]).status(None).done(),
    ];
    let cases = join(&[], &events);
    assert_eq!(
        shape(&cases),
        [
            (None, vec![0, 2], Join::RequestId),
            (None, vec![1], Join::Single),
        ]
    );

    let mut unknown = gw.at(1_150).get("/v1/me");
    unknown.0.origin = None;
    let events = [gw.at(1_000).get("/v1/me").done(), unknown.done()];
    assert_eq!(
        shape(&join(&[], &events)),
        [(None, vec![0, 1], Join::Fallback)]
    );
}

/// A group of log lines joined by an id the HAR lacks still meets the
/// request by path and time; the case is marked as the weaker join.
#[test]
fn a_log_group_joins_a_request_by_fallback() {
    let gw = Log::new("gateway.log");
    let app = Log::new("app.jsonl");
    let requests = [req("GET", "https://api.example.com/v1/me", 401, 0)];
    let events = [
        gw.at(300).get("/v1/me").ids(&["rid-4"]).done(),
        app.at(200).ids(&["rid-4"]).done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(shape(&cases), [(Some(0), vec![1, 0], Join::Fallback)]);
}

/// A case already joined by id keeps that mark when a line without ids
/// joins it by path and time.
#[test]
fn fallback_onto_an_id_case_keeps_request_id() {
    let gw = Log::new("gateway.log");
    let app = Log::new("app.jsonl");
    let requests = [with_ids(
        req("GET", "https://api.example.com/v1/me", 401, 0),
        &["rid-1"],
    )];
    let events = [
        gw.at(100).get("/v1/me").ids(&["rid-1"]).done(),
        app.at(150).get("/v1/me").done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(shape(&cases), [(Some(0), vec![0, 1], Join::RequestId)]);
}

// --- Fallback: method + path?query + time window -----------------------

#[test]
fn fallback_joins_within_the_window_only() {
    let gw = Log::new("gateway.log");
    let requests = [
        req("GET", "https://api.example.com/v1/items?page=2#top", 401, 0),
        req(
            "GET",
            "https://api.example.com/v1/items?page=2",
            401,
            100_000,
        ),
        req(
            "GET",
            "https://api.example.com/v1/items?page=2",
            401,
            200_000,
        ),
    ];
    let events = [
        // 1.5 s after the first request.
        gw.at(1_500).get("/v1/items?page=2").done(),
        // Exactly one window before the second: still in.
        gw.at(98_000).get("/v1/items?page=2").done(),
        // One millisecond past the window of the third.
        gw.at(202_001).get("/v1/items?page=2").done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![0], Join::Fallback),
            (Some(1), vec![1], Join::Fallback),
            (Some(2), vec![], Join::Single),
            (None, vec![2], Join::Single),
        ]
    );
}

#[test]
fn fallback_needs_the_same_method_query_status_and_a_compatible_host() {
    let requests = [req(
        "GET",
        "https://api.example.com/v1/items?page=2",
        401,
        0,
    )];
    let miss = |e: Ev| {
        let events = [e.done()];
        let cases = join(&requests, &events);
        assert_eq!(cases.len(), 2, "{:?}", events[0]);
        assert_eq!(cases[1].server.to_vec(), [0]);
    };
    let gw = Log::new("gateway.log");
    miss(gw.at(10).get("/v1/items?page=3"));
    miss(gw.at(10).get("/v1/items"));
    miss(gw.at(10).method("POST").url("/v1/items?page=2"));
    miss(gw.at(10).get("/v1/items?page=2").status(Some(403)));
    miss(gw.at(10).get("/v1/items?page=2").host("admin.example.com"));
    // An event without a time or a URL can't be placed.
    miss(gw.at(10).get("/v1/items?page=2").untimed());
    miss(gw.at(10).method("GET"));

    // The same event with the request's status, or none, joins.
    for status in [Some(401), None] {
        let events = [gw
            .at(10)
            .get("/v1/items?page=2")
            .host("api.example.com:443")
            .status(status)
            .done()];
        let cases = join(&requests, &events);
        assert_eq!(shape(&cases), [(Some(0), vec![0], Join::Fallback)]);
    }
}

#[test]
fn a_request_without_a_time_is_no_fallback_candidate() {
    let mut r = req("GET", "https://api.example.com/v1/me", 401, 0);
    r.time = None;
    let gw = Log::new("gateway.log");
    let events = [gw.at(0).get("/v1/me").done()];
    let cases = join(&[r], &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![], Join::Single),
            (None, vec![0], Join::Single)
        ]
    );
}

#[test]
fn fallback_takes_the_nearest_request_and_the_earlier_on_a_tie() {
    let a = Log::new("gateway.log");
    let b = Log::new("app.jsonl");
    let requests = [
        req("GET", "https://api.example.com/v1/me", 401, 0),
        req("GET", "https://api.example.com/v1/me", 401, 1_500),
    ];
    let events = [
        // 1000 ms after the first, 500 before the second.
        a.at(1_000).get("/v1/me").done(),
        // 750 ms from each.
        b.at(750).get("/v1/me").done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![1], Join::Fallback),
            (Some(1), vec![0], Join::Fallback),
        ]
    );
}

#[test]
fn an_event_without_a_method_matches_any_method() {
    let app = Log::new("app.jsonl");
    let requests = [req("POST", "https://api.example.com/v1/token", 401, 0)];
    let events = [app.at(300).url("/v1/token").done()];
    let cases = join(&requests, &events);
    assert_eq!(shape(&cases), [(Some(0), vec![0], Join::Fallback)]);

    // On a tie in time, the method earlier in GET, POST, … wins.
    let requests = [
        req("POST", "https://api.example.com/x", 401, -500),
        req("GET", "https://api.example.com/x", 401, 500),
    ];
    let events = [app.at(0).url("/x").done()];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![], Join::Single),
            (Some(1), vec![0], Join::Fallback),
        ]
    );

    // Only the common methods are tried.
    let requests = [req("PROPFIND", "https://dav.example.com/f", 401, 0)];
    let events = [app.at(0).url("/f").done()];
    let cases = join(&requests, &events);
    assert_eq!(cases.len(), 2);
}

/// A method-less line matches a log-only case that came before it.
#[test]
fn a_method_less_line_joins_an_earlier_log_only_case() {
    let gw = Log::new("access.log");
    let err = Log::new("error.log");
    let events = [
        gw.at(0).get("/admin").done(),
        err.at(400).url("/admin").status(None).done(),
    ];
    let cases = join(&[], &events);
    assert_eq!(shape(&cases), [(None, vec![0, 1], Join::Fallback)]);
}

/// The other way round, the method-less line comes first (an app line
/// written while the gateway's access line waits for the end of the
/// request): its log-only case is indexed under every method a line may
/// have, so the access line still finds it and the request is one row.
#[test]
fn a_method_less_line_first_still_joins_its_partner() {
    let gw = Log::new("access.log");
    let app = Log::new("app.jsonl");
    let events = [
        app.at(0).url("/admin").done(),
        gw.at(400).get("/admin").done(),
    ];
    let cases = join(&[], &events);
    assert_eq!(shape(&cases), [(None, vec![0, 1], Join::Fallback)]);
}

// --- One line per log file ---------------------------------------------

#[test]
fn a_case_holds_at_most_one_line_per_file() {
    let a = Log::new("gateway.log");
    let b = Log::new("app.jsonl");
    let requests = [req("GET", "https://api.example.com/v1/me", 401, 0)];
    let events = [
        a.at(100).get("/v1/me").done(),
        b.at(150).get("/v1/me").done(),
        // Another request of the same client, seen by the same gateway.
        a.at(200).get("/v1/me").done(),
    ];
    let cases = join(&requests, &events);
    assert_eq!(
        shape(&cases),
        [
            (Some(0), vec![0, 1], Join::Fallback),
            (None, vec![2], Join::Single),
        ]
    );
}

#[test]
fn log_only_lines_merge_across_files_not_within_one() {
    let a = Log::new("gateway.log");
    let b = Log::new("app.jsonl");
    // Same file, 300 ms apart: two requests.
    let events = [a.at(0).get("/v1/me").done(), a.at(300).get("/v1/me").done()];
    let cases = join(&[], &events);
    assert_eq!(
        shape(&cases),
        [(None, vec![0], Join::Single), (None, vec![1], Join::Single)]
    );

    // Two files: one request seen twice.
    let events = [a.at(0).get("/v1/me").done(), b.at(300).get("/v1/me").done()];
    let cases = join(&[], &events);
    assert_eq!(shape(&cases), [(None, vec![0, 1], Join::Fallback)]);

    // Both: the second gateway line stays apart; the app line goes to the
    // nearest case it can join.
    let events = [
        a.at(0).get("/v1/me").done(),
        b.at(100).get("/v1/me").done(),
        a.at(300).get("/v1/me").done(),
    ];
    let cases = join(&[], &events);
    assert_eq!(
        shape(&cases),
        [
            (None, vec![0, 1], Join::Fallback),
            (None, vec![2], Join::Single)
        ]
    );

    // Files are told apart by name, not by which `Arc` holds it.
    let a2 = Log::new("gateway.log");
    let events = [
        a.at(0).get("/v1/me").done(),
        a2.at(300).get("/v1/me").done(),
    ];
    assert_eq!(join(&[], &events).len(), 2);
}

// --- Host case ---------------------------------------------------------

/// Hosts compare without case: two lines naming the same mixed-case host
/// (log hosts are kept as written, and so is a HAR host taken from the
/// Host header) must not be "incompatible".
#[test]
fn hosts_compare_without_case() {
    assert!(host_compatible("api.example.com", Some("API.Example.com")));
    assert!(host_compatible("API.Example.com", Some("API.Example.com")));
    assert!(host_compatible(
        "API.Example.com",
        Some("api.example.com:443")
    ));
    assert!(host_compatible(
        "api.example.com:8443",
        Some("API.example.com")
    ));
    assert!(host_compatible("api.example.com", None));
    assert!(host_compatible("api.example.com", Some("")));
    assert!(!host_compatible(
        "api.example.com",
        Some("admin.example.com")
    ));
    assert!(!host_compatible(
        "api.example.com:8443",
        Some("api.example.com:443")
    ));

    let gw = Log::new("gateway.log");
    let app = Log::new("app.jsonl");
    let events = [
        gw.at(0).get("/v1/me").host("API.Example.com").done(),
        app.at(300).get("/v1/me").host("API.Example.com").done(),
    ];
    let cases = join(&[], &events);
    assert_eq!(shape(&cases), [(None, vec![0, 1], Join::Fallback)]);

    let mut r = req("GET", "https://api.example.com/v1/me", 401, 0);
    r.host = "API.Example.com".into();
    let events = [gw.at(300).get("/v1/me").host("API.Example.com").done()];
    let cases = join(&[r], &events);
    assert_eq!(shape(&cases), [(Some(0), vec![0], Join::Fallback)]);
}

// --- Long runs: pruning of old log-only cases --------------------------

/// 5 000 gateway 401s ten seconds apart on 13 repeating URLs, most with an
/// app line: within the window it joins its gateway line (before or after
/// it, up to exactly one window away); 3 s late it stays apart. The index
/// of log-only cases is swept several times on the way.
#[test]
fn long_log_only_run_joins_every_partner_in_the_window() {
    let a = Log::new("gateway.log");
    let b = Log::new("app.jsonl");
    let mut events = Vec::new();
    let mut together = Vec::new();
    let mut apart = Vec::new();
    for i in 0..5_000i64 {
        let t = i * 10_000;
        let url = format!("/v1/items/{}?page=1", i % 13);
        let ai = events.len();
        events.push(a.at(t).get(&url).done());
        let offset = match i % 5 {
            0 => Some(700),
            1 => Some(-900),
            3 => Some(3_000),
            4 => Some(2_000),
            _ => None,
        };
        if let Some(d) = offset {
            let bi = events.len();
            events.push(b.at(t + d).get(&url).done());
            if d.abs() <= 2_000 {
                together.push((ai, bi));
            } else {
                apart.push((ai, bi));
            }
        }
    }
    let cases = join(&[], &events);
    assert_eq!((together.len(), apart.len()), (3_000, 1_000));
    assert_eq!(cases.len(), 5_000 + apart.len());
    for &(ai, bi) in &together {
        let case = case_of(&cases, ai);
        assert!(case.server.contains(&bi), "{ai} and {bi}: {case:?}");
        assert_eq!(case.server.len(), 2);
        assert_eq!(case.join, Join::Fallback);
    }
    for &(ai, bi) in &apart {
        for e in [ai, bi] {
            let case = case_of(&cases, e);
            assert_eq!((case.server.to_vec(), case.join), (vec![e], Join::Single));
        }
    }
    let count = |j| cases.iter().filter(|c| c.join == j).count();
    assert_eq!((count(Join::Fallback), count(Join::Single)), (3_000, 3_000));
    assert_eq!(shape(&cases), reference(&[], &events, 2_000));
}

/// Pairs exactly one window apart, alternately the gateway line first and
/// the app line first, each pair 8 s from the next. Each pair adds one
/// log-only case, so the index is first swept when pair 1023's second line
/// looks (1024 entries) and next at pair 2046's: both times the cutoff is
/// exactly the first line's time, which must stay reachable.
#[test]
fn pruning_keeps_a_case_exactly_one_window_old() {
    let a = Log::new("gateway.log");
    let b = Log::new("app.jsonl");
    let mut events = Vec::new();
    for i in 0..3_000i64 {
        let t = i * 10_000;
        let (ta, tb) = if i % 2 == 0 {
            (t, t + 2_000)
        } else {
            (t + 2_000, t)
        };
        events.push(a.at(ta).get("/v1/me").done());
        events.push(b.at(tb).get("/v1/me").done());
    }
    let cases = join(&[], &events);
    assert_eq!(cases.len(), 3_000);
    for (i, case) in cases.iter().enumerate() {
        let mut pair = vec![2 * i, 2 * i + 1];
        if i % 2 == 1 {
            pair.reverse();
        }
        assert_eq!((case.server.to_vec(), case.join), (pair, Join::Fallback));
    }
}

#[test]
fn recent_cases_sweep_after_1024_entries_up_to_the_cutoff() {
    let mut recent = RecentCases::default();
    for i in 0..1_023 {
        recent.insert(("GET", "/a"), (i as i64, i));
    }
    // Below 1024 entries nothing is swept.
    recent.forget_before(i64::MAX);
    assert_eq!(recent.len, 1_023);
    recent.insert(("GET", "/b"), (1_023, 1_023));
    // Entries at the cutoff stay.
    recent.forget_before(1_000);
    assert_eq!(recent.len, 24);
    assert_eq!(recent.swept_at, 24);
    assert_eq!(recent.cases[&("GET", "/a")][0], (1_000, 1_000));
    assert_eq!(recent.cases[&("GET", "/b")], [(1_023, 1_023)]);
    for i in 0..1_000 {
        recent.insert(("PUT", "/c"), (2_000 + i as i64, 2_000 + i));
    }
    // Emptied keys leave the map.
    recent.forget_before(1_500);
    assert_eq!(recent.len, 1_000);
    assert_eq!(recent.cases.len(), 1);
    // Insertions keep each list sorted, whatever their order.
    recent.insert(("PUT", "/c"), (2_500, 7));
    let list = &recent.cases[&("PUT", "/c")];
    assert!(list.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn no_events_or_no_requests() {
    assert!(join(&[], &[]).is_empty());
    let requests = [req("GET", "https://api.example.com/", 401, 0)];
    assert_eq!(
        shape(&join(&requests, &[])),
        [(Some(0), vec![], Join::Single)]
    );
    let gw = Log::new("gateway.log");
    let events = [gw.at(0).untimed().done(), gw.at(0).done()];
    assert_eq!(
        shape(&join(&[], &events)),
        [(None, vec![0], Join::Single), (None, vec![1], Join::Single)]
    );
}

// --- Randomized runs against a slow reference --------------------------

/// The join written the plain way: ids in a `BTreeMap`, and every case
/// with a time, method and URL in one ordered set that is never pruned,
/// looked up by (method, url key, time range).
fn reference(requests: &[RequestView], events: &[ServerEvent], window_ms: i64) -> Shape {
    const ANY: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    let ids: Vec<Vec<&str>> = events
        .iter()
        .map(|e| {
            e.request_ids()
                .filter(|id| !id.starts_with("nginx-conn:"))
                .collect()
        })
        .collect();
    let mut with_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (ei, list) in ids.iter().enumerate() {
        for id in list {
            with_id.entry(id).or_default().push(ei);
        }
    }
    let mut cases: Vec<Case> = (0..requests.len())
        .map(|ri| Case {
            client: Some(ri),
            server: Server::new(),
            join: Join::Single,
        })
        .collect();
    // Fallback candidates: (method, url key, time, case).
    let mut candidates: BTreeSet<(&str, &str, i64, usize)> = requests
        .iter()
        .enumerate()
        .filter_map(|(ri, r)| {
            let t = r.time?.timestamp_millis();
            Some((r.method.as_str(), url_key(r.url()), t, ri))
        })
        .collect();
    let mut assigned = vec![false; events.len()];

    for (ri, r) in requests.iter().enumerate() {
        for id in r.request_ids() {
            for &ei in with_id.get(id).into_iter().flatten() {
                let e = &events[ei];
                if !assigned[ei]
                    && status_compatible(Some(r.status), e.status.map(i32::from))
                    && host_compatible(&r.host, e.host())
                {
                    assigned[ei] = true;
                    cases[ri].server.push(ei);
                    cases[ri].join = Join::RequestId;
                }
            }
        }
    }
    for (id, list) in &with_id {
        let hars: Vec<usize> = (0..requests.len())
            .flat_map(|ri| {
                requests[ri]
                    .request_ids()
                    .filter(|x| x == id)
                    .map(move |_| ri)
            })
            .collect();
        if let [ri] = hars[..] {
            for &ei in list {
                if !assigned[ei] {
                    assigned[ei] = true;
                    cases[ri].server.push(ei);
                    cases[ri].join = Join::RequestId;
                }
            }
        }
    }

    let mut order: Vec<usize> = (0..events.len()).filter(|&i| !assigned[i]).collect();
    order.sort_by_key(|&i| (events[i].time, i));
    let mut grouped = vec![false; events.len()];
    for &start in &order {
        if grouped[start] {
            continue;
        }
        grouped[start] = true;
        let mut members = vec![start];
        let mut k = 0;
        while k < members.len() {
            for id in &ids[members[k]] {
                for &other in &with_id[id] {
                    if !assigned[other] && !grouped[other] {
                        grouped[other] = true;
                        members.push(other);
                    }
                }
            }
            k += 1;
        }
        let rep = members
            .iter()
            .copied()
            .find(|&m| events[m].url().is_some())
            .unwrap_or(start);
        let e = &events[rep];
        let files: Vec<&str> = members
            .iter()
            .filter_map(|&m| events[m].origin.as_ref().map(|o| &*o.file))
            .collect();
        let status = members
            .iter()
            .find_map(|&m| events[m].status.map(i32::from));
        let mut best: Option<(i64, usize, i64, usize)> = None;
        if let (Some(url), Some(t)) = (e.url(), e.time) {
            let t = t.timestamp_millis();
            let url = url_key(url);
            let methods = match e.method() {
                Some(m) => vec![m],
                None => ANY.to_vec(),
            };
            for (rank, m) in methods.into_iter().enumerate() {
                let range = (m, url, t - window_ms, 0)..=(m, url, t + window_ms, usize::MAX);
                for &(.., ct, ci) in candidates.range(range) {
                    let case = &cases[ci];
                    let same_file = case.server.iter().any(|&s| {
                        events[s]
                            .origin
                            .as_ref()
                            .is_some_and(|o| files.contains(&&*o.file))
                    });
                    let (_, case_status, case_host) = case_view(case, requests, events);
                    if same_file
                        || !status_compatible(case_status, status)
                        || case_host.is_some_and(|h| !host_compatible(&h, e.host()))
                    {
                        continue;
                    }
                    let key = ((ct - t).abs(), rank, ct, ci);
                    if best.is_none_or(|b| key < b) {
                        best = Some(key);
                    }
                }
            }
        }
        match best {
            Some((.., ci)) => {
                cases[ci].server.extend(members);
                if cases[ci].join == Join::Single {
                    cases[ci].join = Join::Fallback;
                }
            }
            None => {
                if let (Some(url), Some(t)) = (e.url(), e.time) {
                    let methods = match e.method() {
                        Some(m) => vec![m],
                        None => ANY.to_vec(),
                    };
                    for m in methods {
                        candidates.insert((m, url_key(url), t.timestamp_millis(), cases.len()));
                    }
                }
                cases.push(Case {
                    client: None,
                    join: if members.len() > 1 {
                        Join::RequestId
                    } else {
                        Join::Single
                    },
                    server: members.into(),
                });
            }
        }
    }
    for case in &mut cases {
        case.server.sort_by_key(|&e| (events[e].time, e));
    }
    shape(&cases)
}

/// A 64-bit LCG (Knuth's MMIX constants): seeded, no dependency.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }
}

/// The shape of a random mix.
struct Mix {
    requests: usize,
    events: usize,
    /// Times fall in `0..span_ms`, on multiples of `tick_ms` so that
    /// distances of exactly one window and ties in time happen.
    span_ms: usize,
    tick_ms: usize,
    /// Ids are drawn from `rid-0..rid-{id_pool}`.
    id_pool: usize,
    /// Events come from this many log files (1 to 3).
    files: usize,
}

/// Requests and events from up to three files: few URLs and methods so that the
/// fallback has choices, 0-2 ids per record so that some are shared by
/// requests, by events, or both.
fn random_input(seed: u64, mix: &Mix) -> (Vec<RequestView>, Vec<ServerEvent>) {
    const METHODS: [&str; 4] = ["GET", "GET", "POST", "PROPFIND"];
    const PATHS: [&str; 4] = ["/v1/me", "/v1/items?page=1", "/v1/items?page=2", "/"];
    const HOSTS: [&str; 2] = ["api.example.com", "admin.example.com"];
    const LOG_HOSTS: [&str; 4] = [
        "api.example.com",
        "admin.example.com",
        "API.example.com:443",
        "",
    ];
    const HAR_STATUS: [i32; 4] = [401, 401, 200, 0];
    const LOG_STATUS: [Option<u16>; 4] = [Some(401), Some(401), Some(200), None];
    let mut rng = Lcg(seed);
    let time = |rng: &mut Lcg| (rng.below(mix.span_ms / mix.tick_ms) * mix.tick_ms) as i64;
    let ids = |rng: &mut Lcg, conn: bool| {
        let mut out: Vec<String> = Vec::new();
        for _ in 0..rng.below(3) {
            let id = format!("rid-{}", rng.below(mix.id_pool));
            if !out.contains(&id) {
                out.push(id);
            }
        }
        if conn && rng.chance(20) {
            out.push(format!("nginx-conn:{}", rng.below(5)));
        }
        out
    };
    let requests = (0..mix.requests)
        .map(|_| {
            let url = format!("https://{}{}#f", rng.pick(&HOSTS), rng.pick(&PATHS));
            let method = rng.pick(&METHODS);
            let status = rng.pick(&HAR_STATUS);
            let mut r = req(method, &url, status, time(&mut rng));
            if rng.chance(10) {
                r.time = None;
            }
            r.set_request_ids(&ids(&mut rng, false));
            r
        })
        .collect();
    let files = [
        Log::new("gateway.log"),
        Log::new("app.jsonl"),
        Log::new("error.log"),
    ];
    let events = (0..mix.events)
        .map(|_| {
            let files = &files[..mix.files.clamp(1, files.len())];
            let file = &files[rng.below(files.len())];
            let mut e = file.at(time(&mut rng));
            if rng.chance(80) {
                e = e.method(rng.pick(&METHODS));
            }
            if rng.chance(85) {
                e = e.url(rng.pick(&PATHS));
            }
            if rng.chance(50) {
                e = e.host(rng.pick(&LOG_HOSTS));
            }
            if rng.chance(5) {
                e = e.untimed();
            }
            let status = rng.pick(&LOG_STATUS);
            let ids = ids(&mut rng, true);
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            e.status(status).ids(&ids).done()
        })
        .collect();
    (requests, events)
}

#[test]
fn random_mixes_keep_the_invariants_and_match_the_reference() {
    let mix = Mix {
        requests: 30,
        events: 60,
        span_ms: 20_000,
        tick_ms: 50,
        id_pool: 30,
        files: 3,
    };
    // One file alone, with or without requests: the join then skips the
    // window lookups that cannot succeed.
    let one_file = [(30, 1), (0, 1)].map(|(requests, files)| Mix {
        requests,
        files,
        ..mix
    });
    for (seed, mix) in (0..40u64).flat_map(|s| [(s, &mix), (s, &one_file[0]), (s, &one_file[1])]) {
        let (requests, events) = random_input(seed, mix);
        for window in [0, 2_000, 5_000] {
            let opts = CorrelateOptions {
                window: Duration::milliseconds(window),
            };
            let cases = join_with(&requests, &events, opts);
            assert_eq!(
                shape(&cases),
                reference(&requests, &events, window),
                "seed {seed}, window {window} ms"
            );
        }
    }
}

/// Tens of thousands of log-only cases: the index of log-only cases is
/// swept dozens of times, each time with candidates near the cutoff.
#[test]
fn long_random_runs_match_the_reference() {
    let mix = Mix {
        requests: 2_000,
        events: 40_000,
        span_ms: 6_000_000,
        tick_ms: 250,
        id_pool: 80_000,
        files: 3,
    };
    for seed in [7u64, 1_234, 99_991] {
        let (requests, events) = random_input(seed, &mix);
        let cases = join(&requests, &events);
        assert!(cases.len() > requests.len() + 10 * 1_024);
        assert_eq!(
            shape(&cases),
            reference(&requests, &events, 2_000),
            "seed {seed}"
        );
    }
}

/// The same through proptest: any small mix, any window.
mod prop {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn correlate_matches_the_reference(
            seed in any::<u64>(),
            requests in 0usize..20,
            events in 0usize..80,
            files in 1usize..=3,
            tick_ms in 1usize..500,
            window in 0i64..4_000,
        ) {
            let mix = Mix {
                requests,
                events,
                span_ms: 15_000,
                tick_ms,
                id_pool: 1 + (requests + events) / 3,
                files,
            };
            let (requests, events) = random_input(seed, &mix);
            let opts = CorrelateOptions { window: Duration::milliseconds(window) };
            let cases = join_with(&requests, &events, opts);
            prop_assert_eq!(shape(&cases), reference(&requests, &events, window));
        }
    }
}
