//! failures.csv, causes.csv, endpoints.csv and trend.csv (OUTPUTS.md: a
//! public interface — columns are only ever appended).

use std::io;

use crate::aggregate::Summary;
use crate::analysis::Finding;
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

/// failures.csv's header row.
pub fn failures_header() -> Vec<u8> {
    record(FAILURE_COLUMNS)
}

/// One finding's failures.csv row. Rows are rendered on the worker threads
/// and written in order by [`crate::report::FailuresFile`]: a night of logs
/// has hundreds of thousands of them, never all in memory at once.
pub fn failure_row(f: &Finding) -> Vec<u8> {
    let d = &f.diagnosis;
    let cells: [std::borrow::Cow<'_, str>; 22] = [
        f.request_id.as_str().into(),
        time(f.time).into(),
        f.method.as_str().into(),
        f.url.as_str().into(),
        f.host.as_str().into(),
        f.path.as_str().into(),
        f.endpoint.as_str().into(),
        f.status.to_string().into(),
        d.cause.id().into(),
        d.secondary
            .iter()
            .map(|c| c.id())
            .collect::<Vec<_>>()
            .join(";")
            .into(),
        format!("{:.2}", d.confidence).into(),
        d.evidence
            .iter()
            .map(|e| e.replace(';', ","))
            .collect::<Vec<_>>()
            .join("; ")
            .into(),
        f.sources.id().into(),
        f.credential.as_str().into(),
        f.credential_fp.as_str().into(),
        f.jwt_iss.as_str().into(),
        f.jwt_aud.as_str().into(),
        f.jwt_exp
            .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
            .map(|t| format_rfc3339(&t))
            .unwrap_or_default()
            .into(),
        f.jwt_sub.as_str().into(),
        f.challenge.as_str().into(),
        f.server_message.as_str().into(),
        f.origin.as_str().into(),
    ];
    record(cells.iter().map(|c| csv_cell(c)))
}

/// One CSV record, cells as given, written the way the `csv` crate writes
/// it (quoted only when a cell holds a comma, a quote or a line break;
/// quotes doubled; `\n` at the end). By hand because failures.csv has a
/// row per 401: a `csv::Writer` per row cost more than the row itself.
fn record<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let cell = cell.as_ref().as_bytes();
        if cell
            .iter()
            .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        {
            out.push(b'"');
            for (j, part) in cell.split(|b| *b == b'"').enumerate() {
                if j > 0 {
                    out.extend_from_slice(b"\"\"");
                }
                out.extend_from_slice(part);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(cell);
        }
    }
    out.push(b'\n');
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the cells, a record is byte for byte what the csv crate
    /// writes, and reads back as the same cells.
    #[test]
    fn record_matches_the_csv_crate() {
        let cells = [
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "\"",
            "line\nbreak",
            "cr\rhere",
            "  spaced  ",
            "'=formula",
            "tab\there",
            "ünïcødé, too",
            "\"\"",
        ];
        let mine = record(cells);
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        w.write_record(cells).unwrap();
        let theirs = w.into_inner().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&mine),
            String::from_utf8_lossy(&theirs)
        );
        let back: Vec<String> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(mine.as_slice())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        assert_eq!(back, cells);
    }
}
