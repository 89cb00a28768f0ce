//! failures.csv, causes.csv, endpoints.csv and trend.csv (OUTPUTS.md: a
//! public interface — columns are only ever appended).

use std::io;

use crate::aggregate::Summary;
use crate::analysis::Analysis;
use crate::report::escape::csv_cell;
use crate::time::format_rfc3339;

pub const FAILURE_COLUMNS: &[&str] = &[
    "request_id",
    "time",
    "method",
    "url",
    "host",
    "path",
    "endpoint",
    "status",
    "cause",
    "secondary_causes",
    "confidence",
    "evidence",
    "sources",
    "credential",
    "credential_fp",
    "jwt_iss",
    "jwt_aud",
    "jwt_exp",
    "jwt_sub",
    "challenge",
    "server_message",
    "origin",
];

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

fn row(w: &mut csv::Writer<Vec<u8>>, cells: &[String]) -> io::Result<()> {
    w.write_record(cells.iter().map(|c| csv_cell(c).into_owned()))
        .map_err(|e| io::Error::other(e.to_string()))
}

fn time(t: Option<crate::model::Timestamp>) -> String {
    t.as_ref().map(format_rfc3339).unwrap_or_default()
}

pub fn failures(analysis: &Analysis) -> io::Result<Vec<u8>> {
    let mut w = writer();
    row(
        &mut w,
        &FAILURE_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )?;
    for f in &analysis.findings {
        let d = &f.diagnosis;
        row(
            &mut w,
            &[
                f.request_id.clone(),
                time(f.time),
                f.method.clone(),
                f.url.clone(),
                f.host.clone(),
                f.path.clone(),
                f.endpoint.clone(),
                f.status.to_string(),
                d.cause.to_string(),
                d.secondary
                    .iter()
                    .map(|c| c.id())
                    .collect::<Vec<_>>()
                    .join(";"),
                format!("{:.2}", d.confidence),
                d.evidence
                    .iter()
                    .map(|e| e.replace(';', ","))
                    .collect::<Vec<_>>()
                    .join("; "),
                f.sources.id().to_string(),
                f.credential.clone(),
                f.credential_fp.clone(),
                f.jwt_iss.clone(),
                f.jwt_aud.clone(),
                f.jwt_exp
                    .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
                    .map(|t| format_rfc3339(&t))
                    .unwrap_or_default(),
                f.jwt_sub.clone(),
                f.challenge.clone(),
                f.server_message.clone(),
                f.origin.clone(),
            ],
        )?;
    }
    finish(w)
}

pub fn causes(summary: &Summary) -> io::Result<Vec<u8>> {
    let mut w = writer();
    row(
        &mut w,
        &[
            "cause",
            "count",
            "share",
            "first_seen",
            "last_seen",
            "distinct_credentials",
            "distinct_endpoints",
            "top_endpoint",
            "remediation",
        ]
        .map(String::from),
    )?;
    for c in &summary.causes {
        row(
            &mut w,
            &[
                c.cause.to_string(),
                c.count.to_string(),
                format!("{:.4}", c.share),
                time(c.first_seen),
                time(c.last_seen),
                c.distinct_credentials.to_string(),
                c.distinct_endpoints.to_string(),
                c.top_endpoint.clone(),
                c.cause.remediation().to_string(),
            ],
        )?;
    }
    finish(w)
}

pub fn endpoints(summary: &Summary) -> io::Result<Vec<u8>> {
    let mut w = writer();
    row(
        &mut w,
        &[
            "host",
            "endpoint",
            "cause",
            "count",
            "first_seen",
            "last_seen",
        ]
        .map(String::from),
    )?;
    for e in &summary.endpoints {
        row(
            &mut w,
            &[
                e.host.clone(),
                e.endpoint.clone(),
                e.cause.to_string(),
                e.count.to_string(),
                time(e.first_seen),
                time(e.last_seen),
            ],
        )?;
    }
    finish(w)
}

pub fn trend(summary: &Summary) -> io::Result<Vec<u8>> {
    let mut w = writer();
    row(
        &mut w,
        &["bucket_start", "bucket_seconds", "cause", "count"].map(String::from),
    )?;
    let t = &summary.trend;
    for i in 0..t.buckets {
        for (cause, v) in &t.series {
            let n = v.get(i).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            row(
                &mut w,
                &[
                    time(t.bucket_start(i)),
                    t.bucket_seconds.to_string(),
                    cause.to_string(),
                    n.to_string(),
                ],
            )?;
        }
    }
    finish(w)
}
