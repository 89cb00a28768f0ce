//! The join of client and server views: which log events describe which
//! HAR request, and which log events describe the same server-side request.
//!
//! First by request id (X-Request-ID, traceparent trace id, vendor ids);
//! then, for what shares no id, by method + path and query + a time window,
//! marked as weaker. The fallback is also what stops two access logs of the
//! same traffic (one with ids, one without) from becoming two rows.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use serde::Serialize;

use crate::model::{RequestView, ServerEvent, Timestamp};

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
    pub server: Vec<usize>,
    pub join: Join,
}

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

fn host_compatible(har_host: &str, event_host: Option<&str>) -> bool {
    match event_host {
        None | Some("") => true,
        Some(h) => {
            let h = h.to_ascii_lowercase();
            h == har_host
                || crate::envconfig::strip_port(&h) == har_host
                || crate::envconfig::strip_port(har_host) == h
        }
    }
}

/// Join every HAR request and log event into cases. Every request becomes
/// exactly one case; every event lands in exactly one case.
pub fn correlate(
    requests: &[RequestView],
    events: &[ServerEvent],
    opts: CorrelateOptions,
) -> Vec<Case> {
    let mut cases: Vec<Case> = (0..requests.len())
        .map(|i| Case {
            client: Some(i),
            server: Vec::new(),
            join: Join::Single,
        })
        .collect();
    let mut assigned: Vec<Option<usize>> = vec![None; events.len()];

    // Events by id.
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        // A connection id spans every request of a keep-alive connection:
        // never a join key on its own.
        for id in e.request_ids().filter(|id| !is_connection_id(id)) {
            by_id.entry(id).or_default().push(i);
        }
    }
    // HAR requests by id, to know when an id is shared by several requests
    // (a redirect hop and its follow-up carry the same X-Request-ID).
    let mut har_by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in requests.iter().enumerate() {
        for id in &r.request_ids {
            har_by_id.entry(id.as_str()).or_default().push(i);
        }
    }

    // Pass 1: id + compatible status + compatible host.
    for (ri, r) in requests.iter().enumerate() {
        for id in &r.request_ids {
            let Some(list) = by_id.get(id.as_str()) else {
                continue;
            };
            for &ei in list {
                if assigned[ei].is_some() {
                    continue;
                }
                let e = &events[ei];
                if status_compatible(Some(r.status), e.status.map(i32::from))
                    && host_compatible(&r.host, e.host())
                {
                    assigned[ei] = Some(ri);
                    cases[ri].server.push(ei);
                    cases[ri].join = Join::RequestId;
                }
            }
        }
    }
    // Pass 2: an id shared with exactly one HAR request binds whatever
    // status the log recorded (the app may log its own status).
    for (id, list) in &by_id {
        let Some(hars) = har_by_id.get(id) else {
            continue;
        };
        if hars.len() != 1 {
            continue;
        }
        let ri = hars[0];
        for &ei in list {
            if assigned[ei].is_none() {
                assigned[ei] = Some(ri);
                cases[ri].server.push(ei);
                cases[ri].join = Join::RequestId;
            }
        }
    }

    // Remaining events: group those that share an id (gateway line + app line).
    let mut group_of: Vec<Option<usize>> = vec![None; events.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut order: Vec<usize> = (0..events.len())
        .filter(|&i| assigned[i].is_none())
        .collect();
    order.sort_by_key(|&i| (events[i].time, i));
    for &ei in &order {
        if group_of[ei].is_some() {
            continue;
        }
        let gi = groups.len();
        let mut members = vec![ei];
        group_of[ei] = Some(gi);
        let mut k = 0;
        while k < members.len() {
            let m = members[k];
            for id in events[m].request_ids().filter(|id| !is_connection_id(id)) {
                if let Some(list) = by_id.get(id) {
                    for &other in list {
                        if assigned[other].is_none() && group_of[other].is_none() {
                            group_of[other] = Some(gi);
                            members.push(other);
                        }
                    }
                }
            }
            k += 1;
        }
        groups.push(members);
    }

    // Fallback index over cases: (method, url key) -> (time in ms, case),
    // sorted by time so a lookup only visits the window: a night of logs
    // repeats the same URL thousands of times. Keys borrow from the records;
    // nothing to index when no event is left over.
    let mut index: HashMap<(&str, &str), Vec<(i64, usize)>> = HashMap::new();
    if !groups.is_empty() {
        for (ci, case) in cases.iter().enumerate() {
            if let Some(ri) = case.client {
                let r = &requests[ri];
                if let Some(t) = r.time {
                    index
                        .entry((r.method.as_str(), url_key(&r.url)))
                        .or_default()
                        .push((t.timestamp_millis(), ci));
                }
            }
        }
        for list in index.values_mut() {
            list.sort_unstable();
        }
    }
    let window_ms = opts.window.num_milliseconds();

    for members in groups {
        // The group's representative: the first event with a URL.
        let rep = members
            .iter()
            .copied()
            .find(|&e| events[e].url().is_some())
            .unwrap_or(members[0]);
        let e = &events[rep];
        let group_files: Vec<&Arc<str>> = members
            .iter()
            .filter_map(|&m| events[m].origin.as_ref().map(|o| &o.file))
            .collect();
        let group_status = members
            .iter()
            .find_map(|&m| events[m].status.map(i32::from));
        let mut best: Option<(i64, usize)> = None;
        if let (Some(url), Some(t)) = (e.url(), e.time) {
            let t = t.timestamp_millis();
            let key_url = url_key(url);
            const ANY: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
            let methods: Vec<&str> = match e.method() {
                Some(m) => vec![m],
                None => ANY.to_vec(),
            };
            for m in methods {
                let Some(candidates) = index.get(&(m, key_url)) else {
                    continue;
                };
                let from = candidates.partition_point(|(ct, _)| *ct < t - window_ms);
                for &(ct, ci) in candidates[from..]
                    .iter()
                    .take_while(|(ct, _)| *ct <= t + window_ms)
                {
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
                    let d = (ct - t).abs();
                    if best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, ci));
                    }
                }
            }
        }
        match best {
            Some((_, ci)) => {
                cases[ci].server.extend(members.iter().copied());
                if cases[ci].join == Join::Single {
                    cases[ci].join = Join::Fallback;
                }
            }
            None => {
                let join = if members.len() > 1 {
                    Join::RequestId
                } else {
                    Join::Single
                };
                let ci = cases.len();
                if let (Some(url), Some(m), Some(t)) = (e.url(), e.method(), e.time) {
                    let list = index.entry((m, url_key(url))).or_default();
                    let key = (t.timestamp_millis(), ci);
                    let at = list.partition_point(|x| *x < key);
                    list.insert(at, key);
                }
                cases.push(Case {
                    client: None,
                    server: members,
                    join,
                });
            }
        }
    }
    for case in &mut cases {
        case.server.sort_by_key(|&e| (events[e].time, e));
    }
    cases
}

/// Time, status and host of a case as its strongest view has them.
pub fn case_view(
    case: &Case,
    requests: &[RequestView],
    events: &[ServerEvent],
) -> (Option<Timestamp>, Option<i32>, Option<String>) {
    if let Some(ri) = case.client {
        let r = &requests[ri];
        return (r.time, Some(r.status), Some(r.host.clone()));
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
