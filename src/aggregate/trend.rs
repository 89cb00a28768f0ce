//! Time buckets per cause, onsets, and spikes.
//!
//! Spikes use a robust rule: a bucket is a spike when its count exceeds the
//! median of the trailing window by more than 5 scaled MADs (median absolute
//! deviation × 1.4826, floored at 1) and is at least 3. Median/MAD ignore the
//! spike itself, unlike mean/stddev, so one burst does not hide the next.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::classify::Cause;
use crate::model::Timestamp;

/// Widths a bucket may take, in seconds.
const WIDTHS: &[i64] = &[
    1,
    5,
    10,
    30,
    60,
    300,
    600,
    900,
    1800,
    3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86400,
    7 * 86400,
];

/// At most this many buckets: enough resolution for a chart, few enough for a sparkline.
const MAX_BUCKETS: i64 = 200;

/// Trailing buckets a spike is judged against.
const SPIKE_WINDOW: usize = 12;
const SPIKE_MADS: f64 = 5.0;
const SPIKE_MIN: u64 = 3;

#[derive(Debug, Clone, Default)]
pub struct Trend {
    pub bucket_seconds: i64,
    pub start: Option<Timestamp>,
    pub buckets: usize,
    /// Per cause: counts per bucket (dense).
    pub series: BTreeMap<Cause, Vec<u64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    pub cause: Cause,
    pub bucket_start: Timestamp,
    pub count: u64,
    pub baseline: f64,
}

/// Parse `30s`, `5m`, `1h`, `1d`, or plain seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86400,
        "w" => 7 * 86400,
        _ => return None,
    };
    (n > 0).then_some(n * mult)
}

fn choose_width(span: i64) -> i64 {
    WIDTHS
        .iter()
        .copied()
        .find(|w| span / w < MAX_BUCKETS)
        .unwrap_or(*WIDTHS.last().unwrap_or(&86400))
}

impl Trend {
    /// Buckets over the (time, cause) of every timed finding.
    pub fn build(times: &[(Timestamp, Cause)], bucket: Option<i64>) -> Trend {
        let (Some(min), Some(max)) = (
            times.iter().map(|(t, _)| *t).min(),
            times.iter().map(|(t, _)| *t).max(),
        ) else {
            return Trend::default();
        };
        let span = (max - min).num_seconds().max(1);
        let width = bucket.unwrap_or_else(|| choose_width(span)).max(1);
        // Align buckets to multiples of the width since the epoch, so runs on
        // different days line up.
        let start_s = min.timestamp().div_euclid(width) * width;
        let end_s = max.timestamp().div_euclid(width) * width;
        let n = ((end_s - start_s) / width + 1).clamp(1, 100_000) as usize;
        let mut series: BTreeMap<Cause, Vec<u64>> = BTreeMap::new();
        for &(t, c) in times {
            let i = ((t.timestamp() - start_s) / width) as usize;
            let v = series.entry(c).or_insert_with(|| vec![0; n]);
            if let Some(slot) = v.get_mut(i) {
                *slot += 1;
            }
        }
        Trend {
            bucket_seconds: width,
            start: DateTime::<Utc>::from_timestamp(start_s, 0),
            buckets: n,
            series,
        }
    }

    pub fn bucket_start(&self, i: usize) -> Option<Timestamp> {
        self.start
            .map(|s| s + chrono::Duration::seconds(self.bucket_seconds * i as i64))
    }

    /// First bucket in which each cause appears.
    pub fn onsets(&self) -> Vec<(Cause, Timestamp)> {
        self.series
            .iter()
            .filter_map(|(c, v)| {
                let i = v.iter().position(|&n| n > 0)?;
                Some((*c, self.bucket_start(i)?))
            })
            .collect()
    }

    pub fn spikes(&self) -> Vec<Spike> {
        let mut out = Vec::new();
        for (cause, v) in &self.series {
            for i in 0..v.len() {
                let lo = i.saturating_sub(SPIKE_WINDOW);
                let window = &v[lo..i];
                if window.len() < 3 {
                    continue;
                }
                let med = median(window);
                let deviations: Vec<f64> = window.iter().map(|&x| (x as f64 - med).abs()).collect();
                let mad = median_f(&deviations) * 1.4826;
                let threshold = med + SPIKE_MADS * mad.max(1.0);
                if v[i] >= SPIKE_MIN && (v[i] as f64) > threshold {
                    if let Some(t) = self.bucket_start(i) {
                        out.push(Spike {
                            cause: *cause,
                            bucket_start: t,
                            count: v[i],
                            baseline: med,
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| {
            a.bucket_start
                .cmp(&b.bucket_start)
                .then(a.cause.cmp(&b.cause))
        });
        out
    }
}

fn median(v: &[u64]) -> f64 {
    let f: Vec<f64> = v.iter().map(|&x| x as f64).collect();
    median_f(&f)
}

fn median_f(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let m = s.len() / 2;
    if s.len().is_multiple_of(2) {
        (s[m - 1] + s[m]) / 2.0
    } else {
        s[m]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h"), Some(3600));
        assert_eq!(parse_duration("45"), Some(45));
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("5x"), None);
    }

    #[test]
    fn width_keeps_buckets_under_the_cap() {
        assert_eq!(choose_width(6 * 3600), 300);
        assert_eq!(choose_width(100), 1);
        assert!(choose_width(30 * 86400) <= 86400);
    }

    #[test]
    fn spike_is_found_against_a_flat_baseline() {
        let mut t = Trend {
            bucket_seconds: 60,
            start: DateTime::<Utc>::from_timestamp(0, 0),
            buckets: 20,
            series: BTreeMap::new(),
        };
        let mut v = vec![1u64, 2, 1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1];
        v.push(20);
        v.extend([1, 1, 2, 1]);
        t.series.insert(Cause::TokenExpired, v);
        let spikes = t.spikes();
        assert_eq!(spikes.len(), 1);
        assert_eq!(spikes[0].count, 20);
        assert_eq!(spikes[0].baseline, 1.0);
    }
}
