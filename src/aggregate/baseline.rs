//! Diff against an earlier run's summary.json (`analyze --baseline`).
//!
//! The old file is read leniently: only the keys the diff needs are read,
//! unknown keys are ignored, and cause ids are kept as strings so a
//! baseline written by another version still loads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Summary;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct OldSummary {
    generated_at: Option<String>,
    totals: OldTotals,
    causes: Vec<OldCause>,
    endpoints: Vec<OldEndpoint>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct OldTotals {
    status_401: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct OldCause {
    cause: String,
    count: u64,
    share: Option<f64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct OldEndpoint {
    host: String,
    endpoint: String,
    cause: String,
    count: u64,
}

/// An earlier run's counts, as read from its summary.json.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    pub generated_at: Option<String>,
    pub status_401: u64,
    /// cause id → (count, share)
    pub causes: BTreeMap<String, (u64, f64)>,
    /// (host, endpoint, cause) → count
    pub endpoints: BTreeMap<(String, String, String), u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("--baseline {path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("--baseline {path}: not an authlens summary.json: {message}")]
    Invalid { path: String, message: String },
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: shown.clone(),
            source,
        })?;
        Baseline::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
                path: shown.clone(),
                message: e.to_string(),
            })?;
        if !value.is_object() || value.get("causes").is_none() {
            return Err(BaselineError::Invalid {
                path: shown,
                message: "expected a JSON object with a \"causes\" list".into(),
            });
        }
        let old: OldSummary =
            serde_json::from_value(value).map_err(|e| BaselineError::Invalid {
                path: shown.clone(),
                message: e.to_string(),
            })?;
        let total: u64 = old.causes.iter().map(|c| c.count).sum();
        let status_401 = old.totals.status_401.unwrap_or(total);
        let mut causes = BTreeMap::new();
        for c in old.causes.into_iter().filter(|c| !c.cause.is_empty()) {
            let share = c.share.unwrap_or(if status_401 > 0 {
                c.count as f64 / status_401 as f64
            } else {
                0.0
            });
            let e = causes.entry(c.cause).or_insert((0, 0.0));
            e.0 += c.count;
            e.1 += share;
        }
        let mut endpoints = BTreeMap::new();
        for e in old.endpoints {
            *endpoints.entry((e.host, e.endpoint, e.cause)).or_insert(0) += e.count;
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            generated_at: old.generated_at,
            status_401,
            causes,
            endpoints,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CauseDelta {
    pub cause: String,
    pub count: u64,
    pub baseline_count: u64,
    pub share: f64,
    pub baseline_share: f64,
}

impl CauseDelta {
    pub fn delta(&self) -> i64 {
        self.count as i64 - self.baseline_count as i64
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointDelta {
    pub host: String,
    pub endpoint: String,
    pub cause: String,
    pub count: u64,
    pub baseline_count: u64,
}

impl EndpointDelta {
    pub fn delta(&self) -> i64 {
        self.count as i64 - self.baseline_count as i64
    }
}

/// This run against the baseline.
#[derive(Debug, Clone)]
pub struct BaselineDiff {
    pub path: String,
    pub generated_at: Option<String>,
    pub status_401: u64,
    pub baseline_status_401: u64,
    /// Every cause of either run, by absolute change (largest first), then id.
    pub causes: Vec<CauseDelta>,
    pub new_causes: Vec<String>,
    pub vanished_causes: Vec<String>,
    /// The endpoints that changed most (at most [`TOP_ENDPOINTS`]).
    pub endpoints: Vec<EndpointDelta>,
}

pub const TOP_ENDPOINTS: usize = 20;

pub fn diff(summary: &Summary, baseline: &Baseline) -> BaselineDiff {
    let now: BTreeMap<String, (u64, f64)> = summary
        .causes
        .iter()
        .map(|c| (c.cause.to_string(), (c.count, c.share)))
        .collect();
    let ids: BTreeSet<&String> = now.keys().chain(baseline.causes.keys()).collect();
    let mut causes: Vec<CauseDelta> = ids
        .iter()
        .map(|id| {
            let (count, share) = now.get(*id).copied().unwrap_or((0, 0.0));
            let (baseline_count, baseline_share) =
                baseline.causes.get(*id).copied().unwrap_or((0, 0.0));
            CauseDelta {
                cause: (*id).clone(),
                count,
                baseline_count,
                share,
                baseline_share,
            }
        })
        .collect();
    causes.sort_by(|a, b| {
        b.delta()
            .unsigned_abs()
            .cmp(&a.delta().unsigned_abs())
            .then_with(|| a.cause.cmp(&b.cause))
    });
    let new_causes = causes
        .iter()
        .filter(|c| c.count > 0 && c.baseline_count == 0)
        .map(|c| c.cause.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let vanished_causes = causes
        .iter()
        .filter(|c| c.count == 0 && c.baseline_count > 0)
        .map(|c| c.cause.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut now_ep: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for e in &summary.endpoints {
        *now_ep
            .entry((e.host.clone(), e.endpoint.clone(), e.cause.to_string()))
            .or_insert(0) += e.count;
    }
    let keys: BTreeSet<&(String, String, String)> =
        now_ep.keys().chain(baseline.endpoints.keys()).collect();
    let mut endpoints: Vec<EndpointDelta> = keys
        .into_iter()
        .map(|k| EndpointDelta {
            host: k.0.clone(),
            endpoint: k.1.clone(),
            cause: k.2.clone(),
            count: now_ep.get(k).copied().unwrap_or(0),
            baseline_count: baseline.endpoints.get(k).copied().unwrap_or(0),
        })
        .filter(|e| e.delta() != 0)
        .collect();
    endpoints.sort_by(|a, b| {
        b.delta()
            .unsigned_abs()
            .cmp(&a.delta().unsigned_abs())
            .then_with(|| (&a.host, &a.endpoint, &a.cause).cmp(&(&b.host, &b.endpoint, &b.cause)))
    });
    endpoints.truncate(TOP_ENDPOINTS);
    BaselineDiff {
        path: baseline.path.display().to_string(),
        generated_at: baseline.generated_at.clone(),
        status_401: summary.status_401,
        baseline_status_401: baseline.status_401,
        causes,
        new_causes,
        vanished_causes,
        endpoints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_ignored_and_missing_ones_default() {
        let b = Baseline::parse(
            Path::new("old.json"),
            r#"{"future": 1, "causes": [{"cause": "token_expired", "count": 4, "extra": true}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.status_401, 4);
        assert_eq!(b.causes.get("token_expired"), Some(&(4, 1.0)));
        assert!(b.generated_at.is_none());
    }

    #[test]
    fn invalid_baseline_names_the_file() {
        let e = Baseline::parse(Path::new("old/summary.json"), "[1, 2]")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("old/summary.json"), "{e}");
        let e = Baseline::parse(Path::new("x.json"), "{not json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("x.json") && e.contains("not an authlens summary.json"),
            "{e}"
        );
    }
}
