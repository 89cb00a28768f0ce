//! failures.csv, causes.csv, endpoints.csv and trend.csv (OUTPUTS.md: a
//! public interface — columns are only ever appended).

use std::io;

use crate::aggregate::Summary;
use crate::analysis::Finding;
use crate::report::escape::{csv_cell, is_untouched_cell};
use crate::time::{format_rfc3339, rfc3339_ascii};

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
    let mut row = Vec::with_capacity(640);
    failure_row_onto(f, &mut row);
    row
}

/// [`failure_row`] written after what `out` holds: the rows of many
/// findings share one buffer.
pub fn failure_row_onto(f: &Finding, out: &mut Vec<u8>) {
    let d = &f.diagnosis;
    let mut row = Record::onto(std::mem::take(out));
    row.cell(&f.request_id);
    row.time_cell(f.time);
    row.cell(&f.method);
    row.cell(&f.url);
    row.cell(&f.host);
    row.cell(&f.path);
    row.cell(&f.endpoint);
    row.cell(itoa::Buffer::new().format(f.status));
    row.cell(d.cause.id());
    let mut secondary = String::new();
    for (i, c) in d.secondary.iter().enumerate() {
        if i > 0 {
            secondary.push(';');
        }
        secondary.push_str(c.id());
    }
    row.cell(&secondary);
    row.confidence_cell(d.confidence);
    // Items are `; `-separated, so a `;` inside one becomes a `,`.
    let mut evidence = String::with_capacity(d.evidence.iter().map(|e| e.len() + 2).sum());
    for (i, e) in d.evidence.iter().enumerate() {
        if i > 0 {
            evidence.push_str("; ");
        }
        for (j, part) in e.split(';').enumerate() {
            if j > 0 {
                evidence.push(',');
            }
            evidence.push_str(part);
        }
    }
    row.cell(&evidence);
    row.cell(f.sources.id());
    row.cell(&f.credential);
    row.cell(&f.credential_fp);
    row.cell(&f.jwt_iss);
    row.cell(&f.jwt_aud);
    row.time_cell(
        f.jwt_exp
            .and_then(|e| chrono::DateTime::from_timestamp(e, 0)),
    );
    row.cell(&f.jwt_sub);
    row.cell(&f.challenge);
    row.cell(&f.server_message);
    row.cell(&f.origin);
    *out = row.finish();
}

/// One CSV record being written, cells as given or made safe first, the
/// way the `csv` crate writes them (quoted only when a cell holds a comma,
/// a quote or a line break; quotes doubled; `\n` at the end). By hand
/// because failures.csv has a row per 401: a `csv::Writer` per row cost
/// more than the row itself.
struct Record {
    out: Vec<u8>,
    cells: usize,
}

impl Record {
    fn with_capacity(bytes: usize) -> Record {
        Record::onto(Vec::with_capacity(bytes))
    }

    /// A record written after the bytes `out` holds.
    fn onto(out: Vec<u8>) -> Record {
        Record { out, cells: 0 }
    }

    /// A cell made safe for spreadsheets and terminals ([`csv_cell`]).
    /// The usual cell (printable ASCII, no comma or quote, no formula
    /// start) is copied as it is, found so a block of bytes at a time.
    fn cell(&mut self, s: &str) {
        // Half the cells of a usual row are empty.
        if s.is_empty() {
            self.separate();
        } else if is_untouched_cell(s) {
            self.separate();
            self.out.extend_from_slice(s.as_bytes());
        } else {
            self.raw_cell(&csv_cell(s));
        }
    }

    /// A time as [`format_rfc3339`] writes it, without making a string of
    /// it first.
    fn time_cell(&mut self, t: Option<crate::model::Timestamp>) {
        match t.as_ref().map(|t| (t, rfc3339_ascii(t))) {
            // Digits, `-`, `:`, `.`, `T` and `Z`: plain, and ASCII.
            Some((_, Some(ascii))) => {
                self.separate();
                self.out.extend_from_slice(&ascii);
            }
            Some((t, None)) => self.cell(&format_rfc3339(t)),
            None => self.separate(),
        }
    }

    /// A confidence with two decimals, as `{:.2}` writes it. Classified
    /// confidences are already hundredths in 0..=1, written digit by digit;
    /// anything else goes through `format!`.
    fn confidence_cell(&mut self, c: f64) {
        let hundredths = (c * 100.0).round();
        if c.is_sign_positive() && hundredths <= 100.0 && hundredths / 100.0 == c {
            let n = hundredths as u8;
            self.separate();
            self.out
                .extend_from_slice(&[b'0' + n / 100, b'.', b'0' + n / 10 % 10, b'0' + n % 10]);
        } else {
            self.cell(&format!("{c:.2}"));
        }
    }

    /// A cell as it is, quoted when it needs to be.
    fn raw_cell(&mut self, cell: &str) {
        self.separate();
        let cell = cell.as_bytes();
        if cell
            .iter()
            .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        {
            self.out.push(b'"');
            for (j, part) in cell.split(|b| *b == b'"').enumerate() {
                if j > 0 {
                    self.out.extend_from_slice(b"\"\"");
                }
                self.out.extend_from_slice(part);
            }
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(cell);
        }
    }

    fn separate(&mut self) {
        if self.cells > 0 {
            self.out.push(b',');
        }
        self.cells += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        self.out.push(b'\n');
        self.out
    }
}

/// A record of cells as they are (see [`Record`]).
fn record<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Vec<u8> {
    let mut row = Record::with_capacity(512);
    for cell in cells {
        row.raw_cell(cell.as_ref());
    }
    row.finish()
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
    use crate::classify::Cause;

    #[test]
    fn confidences_and_times_are_written_as_format_writes_them() {
        let mut values: Vec<f64> = (0..=100).map(|k| f64::from(k) / 100.0).collect();
        values.extend([
            (0.7f64 * 100.0).round() / 100.0,
            0.125,
            0.005,
            0.999,
            1.005,
            1.5,
            -0.0,
            -0.3,
            f64::NAN,
            f64::INFINITY,
        ]);
        for c in values {
            let mut row = Record::with_capacity(8);
            row.confidence_cell(c);
            assert_eq!(row.finish(), record([format!("{c:.2}")]), "{c}");
        }
        let times = [
            None,
            chrono::DateTime::from_timestamp(0, 0),
            chrono::DateTime::from_timestamp(1_795_424_413, 309_999_999),
            // Past 9999: the by-hand digits stop, chrono writes it.
            chrono::DateTime::from_timestamp(253_402_300_800, 0),
        ];
        for t in times {
            let mut row = Record::with_capacity(8);
            row.time_cell(t);
            // As the formatted time's cell (made safe: year +10000 would
            // start a formula).
            let mut want = Record::with_capacity(8);
            want.cell(&time(t));
            assert_eq!(row.finish(), want.finish(), "{t:?}");
        }
    }

    /// The cells of the one record in `row`, read by the csv crate.
    fn read_back(row: &[u8]) -> Vec<String> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(row)
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect()
    }

    /// Every cell of a row reads back as [`csv_cell`] made it, whether it
    /// took the plain path or not.
    #[test]
    fn failure_rows_read_back_as_safe_cells() {
        let awkward = [
            "plain/path?x=1",
            "=HYPERLINK(\"x\")",
            "-12.5",
            "-not a number",
            "@user",
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "esc\u{1b}[31mred",
            "bidi\u{202e}txt",
            "ünïcødé",
            "del\u{7f}",
            "",
            "a long plain cell that spans more than one block of sixteen bytes",
        ];
        for (i, text) in awkward.iter().enumerate() {
            let mut f = Finding::for_test(Cause::TokenExpired, "api.example", "/v1/x");
            f.request_id = text.to_string().into();
            f.url = awkward[(i + 1) % awkward.len()].to_string().into();
            f.server_message = text.to_string().into();
            f.challenge = awkward[(i + 3) % awkward.len()].to_string();
            f.origin = text.to_string();
            f.diagnosis.evidence = vec![format!("one; {text}"), "two".into()];
            let row = failure_row(&f);
            let back = read_back(&row);
            assert_eq!(back.len(), FAILURE_COLUMNS.len());
            let column = |name: &str| {
                let at = FAILURE_COLUMNS.iter().position(|c| *c == name).unwrap();
                back[at].as_str()
            };
            assert_eq!(column("request_id"), csv_cell(text), "{text:?}");
            assert_eq!(column("server_message"), csv_cell(text));
            assert_eq!(column("origin"), csv_cell(text));
            assert_eq!(column("url"), csv_cell(&f.url));
            assert_eq!(column("challenge"), csv_cell(&f.challenge));
            let evidence = format!("one, {}; two", text.replace(';', ","));
            assert_eq!(column("evidence"), csv_cell(&evidence));
            assert_eq!(column("cause"), "token_expired");
            assert_eq!(column("status"), "401");
            assert_eq!(column("confidence"), "1.00");
        }
    }

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
        let back = read_back(&mine);
        assert_eq!(back, cells);
    }
}
