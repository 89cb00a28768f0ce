//! summary.json (OUTPUTS.md), `schema_version` 1.

use std::collections::BTreeMap;
use std::io;

use serde::Serialize;
use serde_json::{json, Value};

use crate::aggregate::baseline::BaselineDiff;
use crate::aggregate::Summary;
use crate::analysis::Analysis;
use crate::time::format_rfc3339;

pub const SCHEMA_VERSION: u32 = 1;

/// Facts about the run that are not derived from inputs.
#[derive(Debug, Clone, Serialize)]
pub struct RunMeta {
    pub generated_at: String,
}

fn time(x: Option<crate::model::Timestamp>) -> Option<String> {
    x.as_ref().map(format_rfc3339)
}

fn t(x: Option<crate::model::Timestamp>) -> Value {
    time(x).map_or(Value::Null, Value::String)
}

/// summary.json's members, in the order they are written (by name, as
/// serde_json writes an object's members). The endpoint groups, most of the
/// file after a night of logs, are written straight from the summary: as
/// a `Value` each (a map and a string per member) they were most of the
/// time of writing the outputs.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Value>,
    causes: Vec<Value>,
    correlation: Value,
    endpoints: Vec<EndpointGroup<'a>>,
    generated_at: &'a str,
    inputs: Vec<Value>,
    schema_version: u32,
    spikes: Vec<Value>,
    tool: Value,
    totals: Value,
    trend: Value,
    warnings: &'a [String],
}

/// One endpoint group; members by name, as the rest of the document.
#[derive(Serialize)]
struct EndpointGroup<'a> {
    cause: &'static str,
    count: u64,
    endpoint: &'a str,
    first_seen: Option<String>,
    host: &'a str,
    last_seen: Option<String>,
}

fn document<'a>(analysis: &'a Analysis, summary: &'a Summary, meta: &'a RunMeta) -> Document<'a> {
    let inputs: Vec<Value> = analysis
        .inputs
        .iter()
        .map(|i| {
            json!({
                "path": i.path,
                "kind": i.kind.map(|k| k.to_string()),
                "format": i.format,
                "bytes": i.bytes,
                "records": i.records,
                "status_401": i.status_401,
                "status_403": i.status_403,
                "errors": i.errors,
            })
        })
        .collect();
    let by_cause: BTreeMap<String, u64> = summary
        .causes
        .iter()
        .map(|c| (c.cause.to_string(), c.count))
        .collect();
    let causes: Vec<Value> = summary
        .causes
        .iter()
        .map(|c| {
            json!({
                "cause": c.cause.to_string(),
                "count": c.count,
                "share": (c.share * 10000.0).round() / 10000.0,
                "confidence_mean": (c.confidence_mean * 100.0).round() / 100.0,
                "first_seen": t(c.first_seen),
                "last_seen": t(c.last_seen),
                "distinct_credentials": c.distinct_credentials,
                "distinct_endpoints": c.distinct_endpoints,
                "top_endpoint": c.top_endpoint,
                "remediation": c.cause.remediation(),
                "examples": c.examples,
            })
        })
        .collect();
    let endpoints = summary
        .endpoints
        .iter()
        .map(|e| EndpointGroup {
            cause: e.cause.id(),
            count: e.count,
            endpoint: &e.endpoint,
            first_seen: time(e.first_seen),
            host: &e.host,
            last_seen: time(e.last_seen),
        })
        .collect();
    let tr = &summary.trend;
    let series: BTreeMap<String, Vec<Value>> = tr
        .series
        .iter()
        .map(|(c, v)| {
            let points = v
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| json!([t(tr.bucket_start(i)), n]))
                .collect();
            (c.to_string(), points)
        })
        .collect();
    let onsets: BTreeMap<String, Value> = tr
        .onsets()
        .into_iter()
        .map(|(c, at)| (c.to_string(), t(Some(at))))
        .collect();
    let spikes: Vec<Value> = summary
        .spikes
        .iter()
        .map(|s| {
            json!({"cause": s.cause.to_string(), "bucket_start": t(Some(s.bucket_start)),
                   "count": s.count, "baseline": s.baseline})
        })
        .collect();
    let baseline = summary.baseline.as_ref().map(baseline_value);
    let correlated = analysis.correlation.by_request_id + analysis.correlation.by_fallback;
    Document {
        baseline,
        causes,
        correlation: json!(analysis.correlation),
        endpoints,
        generated_at: &meta.generated_at,
        inputs,
        schema_version: SCHEMA_VERSION,
        spikes,
        tool: json!({"name": "authlens", "version": env!("CARGO_PKG_VERSION")}),
        totals: json!({
            "requests": analysis.requests,
            "status_401": summary.status_401,
            "correlated": correlated,
            "benign_challenges": summary.benign_challenges,
            "by_cause": by_cause,
        }),
        trend: json!({"bucket_seconds": tr.bucket_seconds, "onsets": onsets, "series": series}),
        warnings: &analysis.warnings,
    }
}

fn round4(x: f64) -> f64 {
    (x * 10000.0).round() / 10000.0
}

fn baseline_value(b: &BaselineDiff) -> Value {
    json!({
        "path": b.path,
        "generated_at": b.generated_at,
        "status_401": b.status_401,
        "baseline_status_401": b.baseline_status_401,
        "causes": b.causes.iter().map(|c| json!({
            "cause": c.cause, "count": c.count, "baseline_count": c.baseline_count,
            "delta": c.delta(), "share": round4(c.share), "baseline_share": round4(c.baseline_share),
        })).collect::<Vec<_>>(),
        "new_causes": b.new_causes,
        "vanished_causes": b.vanished_causes,
        "endpoints": b.endpoints.iter().map(|e| json!({
            "host": e.host, "endpoint": e.endpoint, "cause": e.cause, "count": e.count,
            "baseline_count": e.baseline_count, "delta": e.delta(),
        })).collect::<Vec<_>>(),
    })
}

pub fn summary(analysis: &Analysis, summary: &Summary, meta: &RunMeta) -> io::Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(&document(analysis, summary, meta))
        .map_err(|e| io::Error::other(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}
