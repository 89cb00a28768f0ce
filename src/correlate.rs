//! The join of client and server views: which log events describe which
//! HAR request, and which log events describe the same server-side request.
//!
//! First by request id (X-Request-ID, traceparent trace id, vendor ids);
//! then, for what shares no id, by method + path and query + a time window,
//! marked as weaker. The fallback is also what stops two access logs of the
//! same traffic (one with ids, one without) from becoming two rows.

use std::sync::Arc;

use chrono::Duration;
use hashbrown::HashMap;
use rayon::slice::ParallelSliceMut;
use serde::Serialize;
use smallvec::SmallVec;

use crate::model::{RequestView, ServerEvent, Timestamp};
use crate::multimap::SortedMultiMap;

/// How a case's views were joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    /// A request id shared by the HAR entry and a log event, or by log events.
    RequestId,
    /// Method + path + time window only.
    Fallback,
    /// Only one view, or one event.
    Single,
}

/// One request as both views saw it.
#[derive(Debug, Clone)]
pub struct Case {
    /// Index into the requests slice.
    pub client: Option<usize>,
    /// Indices into the events slice, in time order.
    pub server: Server,
    pub join: Join,
}

impl Case {
    /// A HAR request no log event joined (yet).
    pub fn request_only(request: usize) -> Case {
        Case {
            client: Some(request),
            server: Server::new(),
            join: Join::Single,
        }
    }

    /// A group of log events (sharing a request id when several) that
    /// joined no other case.
    fn log_only(members: &[usize]) -> Case {
        Case {
            client: None,
            server: members.iter().copied().collect(),
            join: if members.len() > 1 {
                Join::RequestId
            } else {
                Join::Single
            },
        }
    }
}

/// A case's events: almost always one or two, so they live inline rather
/// than in an allocation per case.
pub type Server = SmallVec<[usize; 2]>;

#[derive(Debug, Clone, Copy)]
pub struct CorrelateOptions {
    /// Half-width of the fallback time window.
    pub window: Duration,
}

impl Default for CorrelateOptions {
    fn default() -> Self {
        CorrelateOptions {
            window: Duration::seconds(2),
        }
    }
}

fn is_connection_id(id: &str) -> bool {
    id.starts_with("nginx-conn:")
}

/// Path and query of a URL (the part logs record).
pub fn path_and_query(url: &str) -> &str {
    // Most URLs here are logged paths: without a colon there is no scheme
    // to cut, told without setting up a substring search.
    if memchr::memchr(b':', url.as_bytes()).is_none() {
        return url;
    }
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            match rest.find('/') {
                Some(p) => &rest[p..],
                None => "/",
            }
        }
        None => url,
    }
}

fn strip_fragment(s: &str) -> &str {
    s.split('#').next().unwrap_or(s)
}

/// Key for fallback matching: METHOD + path?query. Methods are absent on
/// some auxiliary lines; those match on the path alone.
fn url_key(url: &str) -> &str {
    strip_fragment(path_and_query(url))
}

fn status_compatible(a: Option<i32>, b: Option<i32>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Whether an event's host can be the case's: the same name without ASCII
/// case, with or without a port on one side. Both sides are compared
/// without case: a log-only case's host, or a HAR host taken from the Host
/// header, is kept as written.
fn host_compatible(case_host: &str, event_host: Option<&str>) -> bool {
    use crate::envconfig::strip_port;
    match event_host {
        None | Some("") => true,
        Some(h) => {
            h.eq_ignore_ascii_case(case_host)
                || strip_port(h).eq_ignore_ascii_case(case_host)
                || strip_port(case_host).eq_ignore_ascii_case(h)
        }
    }
}

/// Join every HAR request and log event into cases. Every request becomes
/// exactly one case; every event lands in exactly one case.
///
/// Memory matters here: a night of gateway logs keeps a few hundred thousand
/// 401 events. Ids are indexed in sorted vectors (no allocation per id),
/// events are marked with flags, groups are joined as they are found, and
/// log-only cases leave the fallback index once no later group's window
/// can reach them.
pub fn correlate(
    requests: &[RequestView],
    events: &[ServerEvent],
    opts: CorrelateOptions,
) -> Vec<Case> {
    let mut cases: Vec<Case> = (0..requests.len()).map(Case::request_only).collect();
    if events.is_empty() {
        return cases;
    }
    let mut assigned = vec![false; events.len()];

    // A connection id spans every request of a keep-alive connection:
    // never a join key on its own.
    let by_id = SortedMultiMap::from_pairs(events.iter().enumerate().flat_map(|(i, e)| {
        e.request_ids()
            .filter(|id| !is_connection_id(id))
            .map(move |id| (id, i))
    }));
    // HAR requests by id, to know when an id is shared by several requests
    // (a redirect hop and its follow-up carry the same X-Request-ID).
    let har_by_id = SortedMultiMap::from_pairs(
        requests
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.request_ids().map(move |id| (id, i))),
    );

    // Pass 1: id + compatible status + compatible host.
    for (ri, r) in requests.iter().enumerate() {
        for id in r.request_ids() {
            for &ei in by_id.get(id) {
                if assigned[ei] {
                    continue;
                }
                let e = &events[ei];
                if status_compatible(Some(r.status), e.status.map(i32::from))
                    && host_compatible(&r.host, e.host())
                {
                    assigned[ei] = true;
                    cases[ri].server.push(ei);
                    cases[ri].join = Join::RequestId;
                }
            }
        }
    }
    // Pass 2: an id shared with exactly one HAR request binds whatever
    // status the log recorded (the app may log its own status). Ids are
    // taken in sorted order, so an event with two such ids always lands
    // in the same case. (Without HAR requests no id binds: a log read on
    // its own skips the walk over every id.)
    if !har_by_id.is_empty() {
        for (id, list) in by_id.groups() {
            let mut hars = har_by_id.get(id);
            let (Some(&ri), None) = (hars.next(), hars.next()) else {
                continue;
            };
            for &ei in list {
                if !assigned[ei] {
                    assigned[ei] = true;
                    cases[ri].server.push(ei);
                    cases[ri].join = Join::RequestId;
                }
            }
        }
    }

    // Remaining events in time order. Every later member of a group is at
    // least as late as the event that starts it, so a group's start time
    // only grows: that is what lets old log-only cases leave the index.
    // Each log's lines come in time order, so one log's leftovers are in
    // order already (one look tells), and several logs' are runs of each
    // file: the stable sort merges runs already in order, where the
    // unstable one sorted them afresh (an nginx log beside a 50 MB JSON
    // log: 45 ms). (Keys are distinct: the index is in them.)
    let mut order: Vec<usize> = (0..events.len()).filter(|&i| !assigned[i]).collect();
    if order.is_empty() {
        return finish(cases, events);
    }
    let key = |&i: &usize| (events[i].time, i);
    if !order.is_sorted_by_key(key) {
        order.par_sort_by_key(key);
    }

    // Fallback index over HAR cases: (method, url key) -> (time in ms,
    // case), sorted by time so a lookup only visits the window: a night of
    // logs repeats the same URL thousands of times. Keys borrow from the
    // records.
    let mut har_index: FallbackIndex<'_> = HashMap::new();
    for (ci, case) in cases.iter().enumerate() {
        if let Some(ri) = case.client {
            let r = &requests[ri];
            if let Some(t) = r.time {
                har_index
                    .entry((r.method.as_str(), url_key(r.url())))
                    .or_default()
                    .push((t.timestamp_millis(), ci));
            }
        }
    }
    for list in har_index.values_mut() {
        list.sort_unstable();
    }
    let mut log_index = RecentCases::default();
    let window_ms = opts.window.num_milliseconds();
    // A group only joins a case holding no line from the group's files.
    // With no timed HAR request and every leftover line from one file (a
    // night of one gateway's log), no join can happen: the window lookups,
    // most of the join's cost, are skipped.
    let can_join = !har_index.is_empty() || !one_file(&order, events);

    // Leftover events that share an id with another leftover event. The
    // rest are groups of one, found without an index lookup: a binary
    // search over id strings, a cache miss per step, was most of the cost
    // of joining a log on its own.
    let mut linked = vec![false; events.len()];
    for (_, list) in by_id.groups() {
        let mut open = list.copied().filter(|&ei| !assigned[ei]);
        if let (Some(a), Some(b)) = (open.next(), open.next()) {
            for ei in [a, b].into_iter().chain(open) {
                linked[ei] = true;
            }
        }
    }

    let mut grouped = vec![false; events.len()];
    // At most a case per leftover event: grown by doubling, the cases of a
    // night of logs were copied over and over.
    cases.reserve(order.len());
    let mut members: Vec<usize> = Vec::new();
    for &start in &order {
        if grouped[start] {
            continue;
        }
        // Events that share an id (gateway line + app line) form a group.
        members.clear();
        members.push(start);
        grouped[start] = true;
        let mut k = 0;
        while linked[start] && k < members.len() {
            let m = members[k];
            for id in events[m].request_ids().filter(|id| !is_connection_id(id)) {
                for &other in by_id.get(id) {
                    if !assigned[other] && !grouped[other] {
                        grouped[other] = true;
                        members.push(other);
                    }
                }
            }
            k += 1;
        }
        if !can_join {
            cases.push(Case::log_only(&members));
            continue;
        }
        if let Some(t) = events[start].time {
            log_index.forget_before(t.timestamp_millis() - window_ms);
        }

        // The group's representative: the first event with a URL.
        let rep = members
            .iter()
            .copied()
            .find(|&e| events[e].url().is_some())
            .unwrap_or(start);
        let e = &events[rep];
        let best = best_fallback(
            &cases,
            requests,
            events,
            &members,
            rep,
            [&har_index, &log_index.cases],
            window_ms,
        );
        match best {
            Some(ci) => {
                cases[ci].server.extend(members.iter().copied());
                if cases[ci].join == Join::Single {
                    cases[ci].join = Join::Fallback;
                }
            }
            None => {
                let ci = cases.len();
                if let (Some(url), Some(t)) = (e.url(), e.time) {
                    // A line without a method (an app's error line) can be
                    // the partner of a later line with any method.
                    let method = e.method();
                    for m in candidate_methods(&method) {
                        log_index.insert((m, url_key(url)), (t.timestamp_millis(), ci));
                    }
                }
                cases.push(Case::log_only(&members));
            }
        }
    }
    finish(cases, events)
}

/// The methods a log line without one may have been: tried in this order.
const ANY_METHOD: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Whether every event listed comes from the same file (none without an
/// origin, which could be any file's line).
fn one_file(list: &[usize], events: &[ServerEvent]) -> bool {
    let file = |i: usize| events[i].origin.as_ref().map(|o| &o.file);
    let Some(first) = list.first().and_then(|&i| file(i)) else {
        return false;
    };
    list.iter()
        .all(|&i| file(i).is_some_and(|f| Arc::ptr_eq(f, first) || f == first))
}

/// The methods a line's method stands for in the fallback index: its own,
/// or any when the log did not say.
fn candidate_methods<'o, 's>(method: &'o Option<&'s str>) -> &'o [&'s str] {
    match method {
        Some(_) => method.as_slice(),
        None => ANY_METHOD,
    }
}

/// Each case's events in time order.
fn finish(mut cases: Vec<Case>, events: &[ServerEvent]) -> Vec<Case> {
    for case in &mut cases {
        case.server.sort_by_key(|&e| (events[e].time, e));
    }
    cases
}

/// (METHOD, path?query) -> (time in ms, case index), each list sorted.
/// (Hashed by hashbrown's default, foldhash, seeded per run: std's SipHash
/// of a method and URL for every leftover line was a tenth of the join of
/// two logs, and the keys come from the input, so the hash stays seeded.)
type FallbackIndex<'a> = HashMap<(&'a str, &'a str), Vec<(i64, usize)>>;

/// The case a group of leftover events joins by method, path and time: the
/// nearest in time within the window, on a case with no line from the same
/// files and a compatible status and host. Ties go to the earlier method
/// (when the log has none), then the earlier (time, case). `rep` is the
/// member whose method, URL and time speak for the group.
fn best_fallback(
    cases: &[Case],
    requests: &[RequestView],
    events: &[ServerEvent],
    members: &[usize],
    rep: usize,
    indexes: [&FallbackIndex<'_>; 2],
    window_ms: i64,
) -> Option<usize> {
    let e = &events[rep];
    let (Some(url), Some(t)) = (e.url(), e.time) else {
        return None;
    };
    let group_files: Vec<&Arc<str>> = members
        .iter()
        .filter_map(|&m| events[m].origin.as_ref().map(|o| &o.file))
        .collect();
    let group_status = members
        .iter()
        .find_map(|&m| events[m].status.map(i32::from));
    let t = t.timestamp_millis();
    let key_url = url_key(url);
    let method = e.method();
    // (distance, method rank, time, case): the smallest wins.
    let mut best: Option<(i64, usize, i64, usize)> = None;
    for (rank, m) in candidate_methods(&method).iter().enumerate() {
        for index in indexes {
            let Some(candidates) = index.get(&(*m, key_url)) else {
                continue;
            };
            let from = candidates.partition_point(|(ct, _)| *ct < t - window_ms);
            for &(ct, ci) in candidates[from..]
                .iter()
                .take_while(|(ct, _)| *ct <= t + window_ms)
            {
                let key = ((ct - t).abs(), rank, ct, ci);
                if best.is_some_and(|b| b <= key) {
                    continue;
                }
                let case = &cases[ci];
                // One case holds at most one line per log file.
                // Every event of a file shares that file's `Arc`.
                let same_file = case.server.iter().any(|&se| {
                    events[se].origin.as_ref().is_some_and(|o| {
                        group_files
                            .iter()
                            .any(|f| Arc::ptr_eq(f, &o.file) || **f == o.file)
                    })
                });
                if same_file {
                    continue;
                }
                let (_, case_status, case_host) = case_view(case, requests, events);
                if !status_compatible(case_status, group_status) {
                    continue;
                }
                if let Some(h) = &case_host {
                    if !host_compatible(h, e.host()) {
                        continue;
                    }
                }
                best = Some(key);
            }
        }
    }
    best.map(|(.., ci)| ci)
}

/// Log-only cases in the fallback index, dropped once older than any later
/// group can reach: bounded by the window, not by the log's length.
#[derive(Default)]
struct RecentCases<'a> {
    cases: FallbackIndex<'a>,
    len: usize,
    /// `len` after the last sweep: sweeping again only once it has doubled
    /// keeps the cost per insert constant.
    swept_at: usize,
}

impl<'a> RecentCases<'a> {
    fn insert(&mut self, key: (&'a str, &'a str), entry: (i64, usize)) {
        let list = self.cases.entry(key).or_default();
        let at = list.partition_point(|x| *x < entry);
        list.insert(at, entry);
        self.len += 1;
    }

    fn forget_before(&mut self, cutoff_ms: i64) {
        if self.len < 1024 || self.len < 2 * self.swept_at {
            return;
        }
        self.cases.retain(|_, list| {
            let old = list.partition_point(|(t, _)| *t < cutoff_ms);
            list.drain(..old);
            !list.is_empty()
        });
        self.len = self.cases.values().map(Vec::len).sum();
        self.swept_at = self.len;
    }
}

/// Time, status and host of a case as its strongest view has them.
pub fn case_view(
    case: &Case,
    requests: &[RequestView],
    events: &[ServerEvent],
) -> (Option<Timestamp>, Option<i32>, Option<String>) {
    if let Some(ri) = case.client {
        let r = &requests[ri];
        return (r.time, Some(r.status), Some(r.host.to_string()));
    }
    let time = case.server.iter().find_map(|&e| events[e].time);
    let status = case
        .server
        .iter()
        .find_map(|&e| events[e].status.map(i32::from));
    let host = case
        .server
        .iter()
        .find_map(|&e| events[e].host().map(str::to_string));
    (time, status, host)
}

#[cfg(test)]
mod tests;
