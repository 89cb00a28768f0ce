//! Aggregation: counts by cause, by endpoint and by time bucket, onsets and
//! spikes. Every writer reads this one [`Summary`]; none recomputes.

pub mod baseline;
pub mod template;
pub mod trend;

use std::collections::{BTreeMap, HashMap, HashSet};

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
    endpoints: HashMap<(String, String), u64>,
    examples: Vec<String>,
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
        let mut key = (f.host.clone(), f.endpoint.clone(), f.cause());
        if self.endpoints.len() >= self.max_groups && !self.endpoints.contains_key(&key) {
            self.folded += 1;
            key = (OTHER_GROUP.to_string(), OTHER_GROUP.to_string(), f.cause());
        }
        *a.endpoints
            .entry((key.0.clone(), key.1.clone()))
            .or_default() += 1;
        if a.examples.len() < EXAMPLES {
            a.examples.push(if f.request_id.is_empty() {
                f.origin.clone()
            } else {
                f.request_id.clone()
            });
        }
        let e = self
            .endpoints
            .entry(key)
            .or_insert_with_key(|(host, endpoint, cause)| EndpointStats {
                host: host.clone(),
                endpoint: endpoint.clone(),
                cause: *cause,
                count: 0,
                first_seen: None,
                last_seen: None,
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
        let mut causes: Vec<CauseStats> = self
            .causes
            .into_iter()
            .map(|(cause, a)| {
                let top = a
                    .endpoints
                    .iter()
                    .max_by(|x, y| x.1.cmp(y.1).then_with(|| y.0.cmp(x.0)))
                    .map(|((h, e), _)| format!("{h}{e}"))
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
                    distinct_endpoints: a.endpoints.len() as u64,
                    top_endpoint: top,
                    examples: a.examples,
                }
            })
            .collect();
        causes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cause.cmp(&b.cause)));
        let mut endpoints: Vec<EndpointStats> = self.endpoints.into_values().collect();
        endpoints.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.host, &a.endpoint, a.cause).cmp(&(&b.host, &b.endpoint, b.cause)))
        });
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
