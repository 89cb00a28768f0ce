//! Aggregation: counts by cause, by endpoint and by time bucket, onsets and
//! spikes. Every writer reads this one [`Summary`]; none recomputes.

pub mod baseline;
pub mod template;
pub mod trend;

use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;

use hashbrown::hash_map::EntryRef;
use hashbrown::{Equivalent, HashMap};

use crate::analysis::Finding;
use crate::classify::Cause;
use crate::model::Timestamp;
pub use trend::{Spike, Trend};

#[derive(Debug, Clone)]
pub struct CauseStats {
    pub cause: Cause,
    pub count: u64,
    pub share: f64,
    pub confidence_mean: f64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub distinct_credentials: u64,
    pub distinct_endpoints: u64,
    pub top_endpoint: String,
    /// A few request ids (or origins) to look at.
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EndpointStats {
    pub host: String,
    pub endpoint: String,
    pub cause: Cause,
    pub count: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub status_401: u64,
    pub benign_challenges: u64,
    /// Causes by count, descending; ties by id.
    pub causes: Vec<CauseStats>,
    pub endpoints: Vec<EndpointStats>,
    pub trend: Trend,
    pub spikes: Vec<Spike>,
    /// Set by `analyze --baseline`: this run against an earlier one.
    pub baseline: Option<baseline::BaselineDiff>,
}

impl Summary {
    pub fn by_cause(&self) -> BTreeMap<Cause, u64> {
        self.causes.iter().map(|c| (c.cause, c.count)).collect()
    }

    /// The top cause that is a failure (not a benign handshake).
    pub fn top_failure(&self) -> Option<&CauseStats> {
        self.causes.iter().find(|c| !c.cause.is_benign())
    }

    /// Distinct causes that are failures (benign handshakes left out).
    pub fn failure_causes(&self) -> usize {
        self.causes.iter().filter(|c| !c.cause.is_benign()).count()
    }

    /// Earliest and latest 401 seen.
    pub fn span(&self) -> (Option<Timestamp>, Option<Timestamp>) {
        (
            self.causes.iter().filter_map(|c| c.first_seen).min(),
            self.causes.iter().filter_map(|c| c.last_seen).max(),
        )
    }
}

/// How many example ids each cause keeps.
const EXAMPLES: usize = 5;

/// The endpoint (and host) that findings beyond `--max-groups` are folded into.
pub const OTHER_GROUP: &str = "{other}";

pub fn summarize(findings: &[Finding], bucket: Option<i64>) -> Summary {
    let mut agg = Aggregator::new(usize::MAX);
    findings.iter().for_each(|f| agg.add(f));
    agg.finish(bucket).0
}

/// Per-cause accumulator of an [`Aggregator`].
#[derive(Debug, Default)]
struct CauseAcc {
    count: u64,
    conf: f64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    creds: HashSet<String>,
    examples: Vec<String>,
}

/// An endpoint group's key as borrowed from a finding: hashes and compares
/// like the owned `(host, endpoint, cause)` key, so the run's few hundred
/// thousand lookups of groups that already exist copy no strings.
pub struct GroupRef<'a>(pub &'a str, pub &'a str, pub Cause);

impl Hash for GroupRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same calls as `(String, String, Cause)::hash`.
        self.0.hash(state);
        self.1.hash(state);
        self.2.hash(state);
    }
}

impl Equivalent<(String, String, Cause)> for GroupRef<'_> {
    fn equivalent(&self, key: &(String, String, Cause)) -> bool {
        self.0 == key.0 && self.1 == key.1 && self.2 == key.2
    }
}

impl GroupRef<'_> {
    /// The value of this group in `map`; a new one from `init` (the strings
    /// copied only then) when the group is not there yet.
    pub fn get_or_insert_with<V>(
        self,
        map: &mut HashMap<(String, String, Cause), V>,
        init: impl FnOnce(&(String, String, Cause)) -> V,
    ) -> &mut V {
        // One lookup: a look, an insert and a second look cost a finding
        // two probes of a table whose keys lie far apart in memory.
        match map.entry_ref(&self) {
            EntryRef::Occupied(group) => group.into_mut(),
            EntryRef::Vacant(slot) => {
                // Made of `self`'s strings, so equivalent to it, as
                // `insert_with_key` requires.
                let key = (self.0.to_string(), self.1.to_string(), self.2);
                let value = init(&key);
                slot.insert_with_key(key, value)
            }
        }
    }
}

/// Findings folded into a [`Summary`] one at a time, so a run never has to
/// hold all of its findings: failures.csv is written as they come and only
/// these counts (bounded by `--max-groups`) stay.
#[derive(Debug)]
pub struct Aggregator {
    max_groups: usize,
    /// Findings folded into [`OTHER_GROUP`] or left out of distinct
    /// credential counts because of `max_groups`.
    folded: u64,
    total: u64,
    benign: u64,
    causes: BTreeMap<Cause, CauseAcc>,
    /// Per (host, endpoint, cause) group; a cause's distinct endpoints and
    /// top endpoint are read from here at the end.
    endpoints: HashMap<(String, String, Cause), EndpointStats>,
    /// (time, cause) of every timed finding, for the trend (whose bucket
    /// width depends on the whole span).
    times: Vec<(Timestamp, Cause)>,
}

impl Default for Aggregator {
    fn default() -> Self {
        Aggregator::new(usize::MAX)
    }
}

impl Aggregator {
    pub fn new(max_groups: usize) -> Aggregator {
        Aggregator {
            max_groups,
            folded: 0,
            total: 0,
            benign: 0,
            causes: BTreeMap::new(),
            endpoints: HashMap::new(),
            times: Vec::new(),
        }
    }

    pub fn add(&mut self, f: &Finding) {
        self.total += 1;
        if f.cause().is_benign() {
            self.benign += 1;
        }
        let a = self.causes.entry(f.cause()).or_default();
        a.count += 1;
        a.conf += f.diagnosis.confidence;
        if let Some(t) = f.time {
            a.first = Some(a.first.map_or(t, |x| x.min(t)));
            a.last = Some(a.last.map_or(t, |x| x.max(t)));
            self.times.push((t, f.cause()));
        }
        if !f.credential_fp.is_empty() && !a.creds.contains(f.credential_fp.as_str()) {
            if a.creds.len() < self.max_groups {
                a.creds.insert(f.credential_fp.clone());
            } else {
                self.folded += 1;
            }
        }
        if a.examples.len() < EXAMPLES {
            a.examples.push(if f.request_id.is_empty() {
                f.origin.clone()
            } else {
                f.request_id.to_string()
            });
        }
        let mut key = GroupRef(&f.host, &f.endpoint, f.cause());
        if self.endpoints.len() >= self.max_groups && !self.endpoints.contains_key(&key) {
            self.folded += 1;
            key = GroupRef(OTHER_GROUP, OTHER_GROUP, f.cause());
        }
        let e = key.get_or_insert_with(&mut self.endpoints, |(host, endpoint, cause)| {
            EndpointStats {
                host: host.clone(),
                endpoint: endpoint.clone(),
                cause: *cause,
                count: 0,
                first_seen: None,
                last_seen: None,
            }
        });
        e.count += 1;
        if let Some(t) = f.time {
            e.first_seen = Some(e.first_seen.map_or(t, |x| x.min(t)));
            e.last_seen = Some(e.last_seen.map_or(t, |x| x.max(t)));
        }
    }

    /// The summary, and how many findings were folded because of `max_groups`.
    pub fn finish(self, bucket: Option<i64>) -> (Summary, u64) {
        let total = self.total;
        // Per cause: how many endpoint groups, and the busiest (ties: the
        // first by host, then endpoint).
        let mut per_cause: BTreeMap<Cause, (u64, &EndpointStats)> = BTreeMap::new();
        for e in self.endpoints.values() {
            per_cause
                .entry(e.cause)
                .and_modify(|(n, top)| {
                    *n += 1;
                    let busier =
                        (e.count, &top.host, &top.endpoint) > (top.count, &e.host, &e.endpoint);
                    if busier {
                        *top = e;
                    }
                })
                .or_insert((1, e));
        }
        let mut causes: Vec<CauseStats> = self
            .causes
            .into_iter()
            .map(|(cause, a)| {
                let (distinct_endpoints, top) = per_cause
                    .get(&cause)
                    .map(|(n, top)| (*n, format!("{}{}", top.host, top.endpoint)))
                    .unwrap_or_default();
                CauseStats {
                    cause,
                    count: a.count,
                    share: if total > 0 {
                        a.count as f64 / total as f64
                    } else {
                        0.0
                    },
                    confidence_mean: if a.count > 0 {
                        a.conf / a.count as f64
                    } else {
                        0.0
                    },
                    first_seen: a.first,
                    last_seen: a.last,
                    distinct_credentials: a.creds.len() as u64,
                    distinct_endpoints,
                    top_endpoint: top,
                    examples: a.examples,
                }
            })
            .collect();
        causes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cause.cmp(&b.cause)));
        let endpoints = busiest_first(self.endpoints.into_values().collect());
        let trend = Trend::build(&self.times, bucket);
        let spikes = trend.spikes();
        let summary = Summary {
            status_401: total,
            benign_challenges: self.benign,
            causes,
            endpoints,
            trend,
            spikes,
            baseline: None,
        };
        (summary, self.folded)
    }
}

/// Endpoint groups by count, busiest first, then by host, endpoint and
/// cause. The groups' strings were made one at a time over the whole run
/// and lie far apart in memory: sorting compared them at a cache miss each
/// (18 ms for the 12 000 groups of a 1 GB log). Copied side by side first,
/// they compare from the cache.
fn busiest_first(groups: Vec<EndpointStats>) -> Vec<EndpointStats> {
    let mut text =
        String::with_capacity(groups.iter().map(|e| e.host.len() + e.endpoint.len()).sum());
    let mut keep = |s: &str| {
        let start = text.len();
        text.push_str(s);
        start..text.len()
    };
    let mut order: Vec<_> = groups
        .iter()
        .enumerate()
        .map(|(i, e)| (e.count, keep(&e.host), keep(&e.endpoint), e.cause, i))
        .collect();
    let key = |(_, host, endpoint, cause, _): &(u64, Range<usize>, Range<usize>, Cause, usize)| {
        let at = |r: &Range<usize>| text.get(r.clone()).unwrap_or_default();
        (at(host), at(endpoint), *cause)
    };
    // No two groups have the same key: unstable is stable here.
    order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| key(a).cmp(&key(b))));
    let mut groups: Vec<Option<EndpointStats>> = groups.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&(.., i)| groups.get_mut(i).and_then(Option::take))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(agg: &mut Aggregator, cause: Cause, host: &str, endpoint: &str, n: usize) {
        for _ in 0..n {
            agg.add(&Finding::for_test(cause, host, endpoint));
        }
    }

    fn stats(summary: &Summary, cause: Cause) -> &CauseStats {
        summary
            .causes
            .iter()
            .find(|c| c.cause == cause)
            .expect("cause was added")
    }

    /// The order of the plain sort it replaced, on groups whose counts,
    /// hosts and endpoints tie in every combination (and with a host that
    /// is a prefix of another, so the boundary between the strings counts).
    #[test]
    fn busiest_first_orders_as_sorting_the_groups_does() {
        let mut groups = Vec::new();
        for (k, cause) in [Cause::TokenExpired, Cause::MissingCredentials]
            .into_iter()
            .enumerate()
        {
            for host in ["", "a.example", "a.example.org", "b"] {
                for endpoint in ["/", "/users", "/users/{id}", "/a"] {
                    groups.push(EndpointStats {
                        host: host.to_string(),
                        endpoint: endpoint.to_string(),
                        cause,
                        count: ((host.len() + endpoint.len() + k) % 3) as u64,
                        first_seen: None,
                        last_seen: None,
                    });
                }
            }
        }
        groups.reverse();
        let mut expected = groups.clone();
        expected.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.host, &a.endpoint, a.cause).cmp(&(&b.host, &b.endpoint, b.cause)))
        });
        let key = |e: &EndpointStats| (e.count, e.host.clone(), e.endpoint.clone(), e.cause);
        let got: Vec<_> = busiest_first(groups).iter().map(key).collect();
        assert_eq!(got, expected.iter().map(key).collect::<Vec<_>>());
        assert_eq!(got.len(), 32);
    }

    #[test]
    fn endpoints_are_counted_per_cause_and_the_busiest_is_top() {
        let mut agg = Aggregator::new(usize::MAX);
        add(&mut agg, Cause::TokenExpired, "b.example", "/orders", 3);
        add(&mut agg, Cause::TokenExpired, "a.example", "/users", 3);
        add(&mut agg, Cause::TokenExpired, "a.example", "/items", 1);
        add(&mut agg, Cause::InsufficientScope, "c.example", "/admin", 2);
        let (summary, folded) = agg.finish(None);
        assert_eq!(folded, 0);
        let expired = stats(&summary, Cause::TokenExpired);
        assert_eq!((expired.count, expired.distinct_endpoints), (7, 3));
        // A tie on count goes to the first by host, then endpoint.
        assert_eq!(expired.top_endpoint, "a.example/users");
        let scope = stats(&summary, Cause::InsufficientScope);
        assert_eq!((scope.count, scope.distinct_endpoints), (2, 1));
        assert_eq!(scope.top_endpoint, "c.example/admin");
        let groups: Vec<(&str, &str, Cause, u64)> = summary
            .endpoints
            .iter()
            .map(|e| (e.host.as_str(), e.endpoint.as_str(), e.cause, e.count))
            .collect();
        assert_eq!(
            groups,
            [
                ("a.example", "/users", Cause::TokenExpired, 3),
                ("b.example", "/orders", Cause::TokenExpired, 3),
                ("c.example", "/admin", Cause::InsufficientScope, 2),
                ("a.example", "/items", Cause::TokenExpired, 1),
            ]
        );
    }

    #[test]
    fn groups_beyond_the_cap_fold_into_other_but_known_groups_still_count() {
        let mut agg = Aggregator::new(2);
        add(&mut agg, Cause::TokenExpired, "a.example", "/one", 1);
        add(&mut agg, Cause::TokenExpired, "a.example", "/two", 1);
        // Over the cap: a new group folds, an existing one keeps counting.
        add(&mut agg, Cause::TokenExpired, "a.example", "/three", 2);
        add(&mut agg, Cause::TokenExpired, "a.example", "/one", 4);
        let (summary, folded) = agg.finish(None);
        assert_eq!(folded, 2);
        let expired = stats(&summary, Cause::TokenExpired);
        assert_eq!((expired.count, expired.distinct_endpoints), (8, 3));
        assert_eq!(expired.top_endpoint, "a.example/one");
        let other = summary
            .endpoints
            .iter()
            .find(|e| e.endpoint == OTHER_GROUP)
            .expect("folded group");
        assert_eq!((other.host.as_str(), other.count), (OTHER_GROUP, 2));
    }
}
