//! report.md: the ticket-ready summary (GitHub and Jira Markdown).
//!
//! Only plain constructs both renderers share: headings, pipe tables,
//! lists, inline code and fenced code. Every string that came from input
//! goes through [`markdown_cell`] or into a code span/fence sized so that
//! nothing inside can close it.

use std::fmt::Write;

use crate::aggregate::{CauseStats, Summary};
use crate::analysis::{Analysis, Finding};
use crate::classify::Cause;
use crate::report::curl;
use crate::report::escape::markdown_cell;
use crate::report::json::RunMeta;
use crate::time::format_rfc3339;

/// Example requests shown per cause.
pub const EXAMPLES_PER_CAUSE: usize = 3;
/// Endpoints listed per cause.
const ENDPOINTS_PER_CAUSE: usize = 5;
/// Widest sparkline, in characters: fits a ticket's table column.
const SPARK_WIDTH: usize = 48;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// Sum `v` into at most `width` groups of equal size (the last may be short).
pub fn downsample(v: &[u64], width: usize) -> (Vec<u64>, usize) {
    let width = width.max(1);
    let group = v.len().div_ceil(width).max(1);
    (v.chunks(group).map(|c| c.iter().sum()).collect(), group)
}

/// A unicode sparkline: `▁` for an empty bucket, `▂`…`█` scaled to the
/// largest, so a single request is still visible.
pub fn sparkline(v: &[u64]) -> String {
    let max = v.iter().copied().max().unwrap_or(0);
    v.iter()
        .map(|&n| {
            if n == 0 || max == 0 {
                BARS[0]
            } else {
                let level = 1 + ((n as f64 / max as f64) * 6.0).floor() as usize;
                BARS[level.min(7)]
            }
        })
        .collect()
}

/// Input text with control characters removed and line breaks flattened,
/// for code spans and fences.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect()
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// An inline code span that the content cannot close (CommonMark: a run
/// of backticks longer than any inside, padded when the content touches one).
pub fn code_span(s: &str) -> String {
    let s = clean(s);
    let ticks = "`".repeat(longest_backtick_run(&s) + 1);
    if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

/// A code span inside a table cell: GFM splits cells at `|` even in code.
fn code_cell(s: &str) -> String {
    code_span(&s.replace('|', "\\|"))
}

/// A fenced block the content cannot close.
pub fn fence(s: &str, lang: &str) -> String {
    let body: String = s
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect();
    let ticks = "`".repeat((longest_backtick_run(&body) + 1).max(3));
    format!("{ticks}{lang}\n{body}\n{ticks}\n")
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn time(t: Option<crate::model::Timestamp>) -> String {
    t.as_ref().map(format_rfc3339).unwrap_or_else(|| "—".into())
}

/// Human width of a bucket: `15 min`, `1 h`, `30 s`.
pub fn human_seconds(s: i64) -> String {
    match s {
        s if s >= 86400 && s % 86400 == 0 => format!("{} d", s / 86400),
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// The one-sentence headline a ticket starts with (cause ids as code).
pub fn headline(analysis: &Analysis, summary: &Summary) -> String {
    headline_with(analysis, summary, |id| format!("`{id}`"))
}

/// The headline without Markdown, for HTML and the terminal.
pub fn headline_plain(analysis: &Analysis, summary: &Summary) -> String {
    headline_with(analysis, summary, |id| id.to_string())
}

fn headline_with(analysis: &Analysis, summary: &Summary, code: fn(&str) -> String) -> String {
    if summary.status_401 == 0 {
        return format!(
            "No 401 responses in {} request(s) from {} input(s).",
            analysis.requests,
            analysis.inputs.len()
        );
    }
    let mut s = format!(
        "{} HTTP 401 response(s) in {} request(s)",
        summary.status_401, analysis.requests
    );
    if summary.benign_challenges > 0 {
        let _ = write!(
            s,
            " ({} of them benign challenge-handshake legs)",
            summary.benign_challenges
        );
    }
    let _ = write!(
        s,
        ", from {} distinct failure cause(s)",
        summary.failure_causes()
    );
    s.push('.');
    if let Some(top) = summary.top_failure() {
        let _ = write!(
            s,
            " The top failure cause is {} ({} of {}, {}): {}",
            code(top.cause.id()),
            top.count,
            summary.status_401,
            pct(top.share),
            top.cause.remediation()
        );
    }
    s
}

/// The example requests shown for a cause (report.md and report.html).
pub fn examples(analysis: &Analysis, cause: Cause) -> Vec<&Finding<'static>> {
    // Prefer findings with a HAR request (they give a full curl command),
    // then keep the run's deterministic order.
    let mut v: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| f.cause() == cause)
        .collect();
    v.sort_by_key(|f| f.request.is_none());
    // Distinct endpoints first: three examples of one URL teach less.
    let mut picked: Vec<&Finding> = Vec::new();
    for f in &v {
        if picked.len() < EXAMPLES_PER_CAUSE
            && !picked
                .iter()
                .any(|p| p.host == f.host && p.endpoint == f.endpoint)
        {
            picked.push(f);
        }
    }
    for f in &v {
        if picked.len() < EXAMPLES_PER_CAUSE && !picked.iter().any(|p| std::ptr::eq(*p, *f)) {
            picked.push(f);
        }
    }
    picked.sort_by_key(|f| (f.time, f.origin.clone()));
    picked
}

pub fn render(analysis: &Analysis, summary: &Summary, meta: &RunMeta) -> String {
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(w, "# authlens report: HTTP 401 failures\n");
    let _ = writeln!(w, "**{}**\n", headline(analysis, summary));
    let readable = analysis.inputs.len() - analysis.unreadable_inputs();
    let (first, last) = summary.span();
    let _ = write!(
        w,
        "Inputs: {} read, {} unreadable",
        readable,
        analysis.unreadable_inputs()
    );
    if let (Some(first), Some(last)) = (first, last) {
        let _ = write!(
            w,
            " · 401s from {} to {}",
            format_rfc3339(&first),
            format_rfc3339(&last)
        );
    }
    let _ = writeln!(
        w,
        " · correlated with server logs: {}\n",
        analysis.correlation.by_request_id + analysis.correlation.by_fallback
    );

    causes_table(w, summary);
    baseline_section(w, summary);
    trend_section(w, summary);
    details(w, analysis, summary);
    inputs_section(w, analysis);
    if !analysis.warnings.is_empty() {
        let _ = writeln!(w, "## Warnings\n");
        for warning in &analysis.warnings {
            let _ = writeln!(w, "- {}", markdown_cell(warning));
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(
        w,
        "---\nauthlens {} · generated_at {}",
        env!("CARGO_PKG_VERSION"),
        markdown_cell(&meta.generated_at)
    );
    md
}

fn causes_table(w: &mut String, summary: &Summary) {
    if summary.causes.is_empty() {
        return;
    }
    let _ = writeln!(w, "## Causes\n");
    let _ = writeln!(w, "| cause | count | share | confidence | fix |");
    let _ = writeln!(w, "|---|--:|--:|--:|---|");
    for c in &summary.causes {
        let name = if c.cause.is_benign() {
            format!("`{}` (benign)", c.cause)
        } else {
            format!("`{}`", c.cause)
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {:.2} | {} |",
            name,
            c.count,
            pct(c.share),
            c.confidence_mean,
            markdown_cell(c.cause.remediation())
        );
    }
    let _ = writeln!(w);
}

fn signed(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

fn baseline_section(w: &mut String, summary: &Summary) {
    let Some(b) = &summary.baseline else {
        return;
    };
    let _ = writeln!(w, "## Compared with the baseline\n");
    let _ = writeln!(
        w,
        "Baseline {} (generated {}): {} → {} 401s ({}).\n",
        code_span(&b.path),
        markdown_cell(b.generated_at.as_deref().unwrap_or("at an unknown time")),
        b.baseline_status_401,
        b.status_401,
        signed(b.status_401 as i64 - b.baseline_status_401 as i64)
    );
    if !b.new_causes.is_empty() {
        let list: Vec<String> = b.new_causes.iter().map(|c| code_span(c)).collect();
        let _ = writeln!(w, "- New causes: {}", list.join(", "));
    }
    if !b.vanished_causes.is_empty() {
        let list: Vec<String> = b.vanished_causes.iter().map(|c| code_span(c)).collect();
        let _ = writeln!(w, "- Vanished causes: {}", list.join(", "));
    }
    if !b.new_causes.is_empty() || !b.vanished_causes.is_empty() {
        let _ = writeln!(w);
    }
    let _ = writeln!(
        w,
        "| cause | now | baseline | change | share now | share before |"
    );
    let _ = writeln!(w, "|---|--:|--:|--:|--:|--:|");
    for c in &b.causes {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            code_cell(&c.cause),
            c.count,
            c.baseline_count,
            signed(c.delta()),
            pct(c.share),
            pct(c.baseline_share)
        );
    }
    let _ = writeln!(w);
    if !b.endpoints.is_empty() {
        let _ = writeln!(w, "Endpoints that changed most:\n");
        let _ = writeln!(w, "| endpoint | cause | now | baseline | change |");
        let _ = writeln!(w, "|---|---|--:|--:|--:|");
        for e in &b.endpoints {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                code_cell(&crate::report::escape::url_text(&format!(
                    "{}{}",
                    e.host, e.endpoint
                ))),
                code_cell(&e.cause),
                e.count,
                e.baseline_count,
                signed(e.delta())
            );
        }
        let _ = writeln!(w);
    }
}

fn trend_section(w: &mut String, summary: &Summary) {
    let tr = &summary.trend;
    if tr.series.is_empty() {
        return;
    }
    let group = tr.buckets.div_ceil(SPARK_WIDTH).max(1);
    let _ = writeln!(w, "## Trend\n");
    let _ = writeln!(
        w,
        "{} bucket(s) of {} from {}; one character is {} of time. Spikes: a bucket above the trailing median by more than 5 MADs.\n",
        tr.buckets,
        human_seconds(tr.bucket_seconds),
        time(tr.start),
        human_seconds(tr.bucket_seconds * group as i64)
    );
    let _ = writeln!(w, "| cause | trend | peak per bucket | onset | spikes |");
    let _ = writeln!(w, "|---|---|--:|---|--:|");
    let onsets: std::collections::BTreeMap<Cause, _> = tr.onsets().into_iter().collect();
    for c in &summary.causes {
        let Some(series) = tr.series.get(&c.cause) else {
            continue;
        };
        let (points, _) = downsample(series, SPARK_WIDTH);
        let spikes = summary.spikes.iter().filter(|s| s.cause == c.cause).count();
        let _ = writeln!(
            w,
            "| `{}` | `{}` | {} | {} | {} |",
            c.cause,
            sparkline(&points),
            series.iter().max().copied().unwrap_or(0),
            time(onsets.get(&c.cause).copied()),
            if spikes > 0 {
                format!("**{spikes}**")
            } else {
                "0".into()
            }
        );
    }
    let _ = writeln!(w);
    if !summary.spikes.is_empty() {
        let _ = writeln!(w, "Spikes:\n");
        for s in &summary.spikes {
            let _ = writeln!(
                w,
                "- **`{}`**: {} in the {} bucket at {} (trailing median {:.1})",
                s.cause,
                s.count,
                human_seconds(tr.bucket_seconds),
                format_rfc3339(&s.bucket_start),
                s.baseline
            );
        }
        let _ = writeln!(w);
    }
}

fn details(w: &mut String, analysis: &Analysis, summary: &Summary) {
    if summary.causes.is_empty() {
        return;
    }
    let _ = writeln!(w, "## Causes in detail\n");
    for c in &summary.causes {
        cause_detail(w, analysis, summary, c);
    }
}

fn cause_detail(w: &mut String, analysis: &Analysis, summary: &Summary, c: &CauseStats) {
    let _ = writeln!(w, "### `{}`: {} ({})\n", c.cause, c.count, pct(c.share));
    let _ = writeln!(w, "Fix: {}\n", markdown_cell(c.cause.remediation()));
    let _ = writeln!(
        w,
        "First seen {}, last seen {}; {} distinct credential(s), {} endpoint(s).\n",
        time(c.first_seen),
        time(c.last_seen),
        c.distinct_credentials,
        c.distinct_endpoints
    );
    let endpoints: Vec<_> = summary
        .endpoints
        .iter()
        .filter(|e| e.cause == c.cause)
        .take(ENDPOINTS_PER_CAUSE)
        .collect();
    if !endpoints.is_empty() {
        let _ = writeln!(w, "| endpoint | count |");
        let _ = writeln!(w, "|---|--:|");
        for e in endpoints {
            let _ = writeln!(
                w,
                "| {} | {} |",
                code_cell(&crate::report::escape::url_text(&format!(
                    "{}{}",
                    e.host, e.endpoint
                ))),
                e.count
            );
        }
        let _ = writeln!(w);
    }
    for (i, f) in examples(analysis, c.cause).into_iter().enumerate() {
        example(w, i + 1, f);
    }
}

fn example(w: &mut String, n: usize, f: &Finding) {
    let _ = writeln!(
        w,
        "**Example {n}:** {} {}\n",
        code_span(if f.method.is_empty() { "?" } else { &f.method }),
        code_span(&crate::report::escape::url_text(&f.url))
    );
    let mut facts = vec![format!("time {}", time(f.time))];
    if !f.request_id.is_empty() {
        facts.push(format!("request id {}", code_span(&f.request_id)));
    }
    facts.push(format!("from {}", code_span(&f.origin)));
    facts.push(format!("seen in {}", f.sources.id()));
    if !f.credential.is_empty() {
        let mut cred = format!("credential {}", code_span(&f.credential));
        if !f.credential_fp.is_empty() {
            let _ = write!(cred, " (fingerprint {})", code_span(&f.credential_fp));
        }
        facts.push(cred);
    }
    if !f.challenge.is_empty() {
        facts.push(format!("challenge {}", code_span(&f.challenge)));
    }
    facts.push(format!("confidence {:.2}", f.diagnosis.confidence));
    let _ = writeln!(w, "- {}", facts.join(" · "));
    if !f.diagnosis.secondary.is_empty() {
        let list: Vec<String> = f
            .diagnosis
            .secondary
            .iter()
            .map(|c| format!("`{c}`"))
            .collect();
        let _ = writeln!(w, "- secondary causes: {}", list.join(", "));
    }
    if !f.server_message.is_empty() {
        let _ = writeln!(w, "- server log: {}", markdown_cell(&f.server_message));
    }
    for e in &f.diagnosis.evidence {
        let _ = writeln!(w, "- {}", markdown_cell(e));
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "{}", fence(&curl::for_finding(f), "sh"));
}

fn inputs_section(w: &mut String, analysis: &Analysis) {
    let with_errors: Vec<_> = analysis
        .inputs
        .iter()
        .filter(|i| !i.errors.is_empty())
        .collect();
    if with_errors.is_empty() {
        return;
    }
    let _ = writeln!(w, "## Inputs that could not be read\n");
    let _ = writeln!(w, "| input | status | at | error |");
    let _ = writeln!(w, "|---|---|---|---|");
    for i in with_errors {
        let status = if i.unreadable {
            "unreadable"
        } else if i.partial {
            "read in part"
        } else {
            "read, with errors"
        };
        for e in &i.errors {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} |",
                code_cell(&i.path),
                status,
                markdown_cell(&e.at),
                markdown_cell(&e.message)
            );
        }
    }
    let _ = writeln!(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_and_keeps_single_requests_visible() {
        assert_eq!(sparkline(&[0, 1, 10, 5]), "▁▂█▅");
        assert_eq!(sparkline(&[0, 0]), "▁▁");
    }

    #[test]
    fn downsample_sums_groups() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(downsample(&v, 4), (vec![6, 15, 24, 10], 3));
        assert_eq!(downsample(&v, 20).0.len(), 10);
    }

    #[test]
    fn code_spans_and_fences_cannot_be_closed_from_inside() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a\nb"), "`a b`");
        let f = fence("echo ```\n", "sh");
        assert!(f.starts_with("````sh\n") && f.ends_with("\n````\n"), "{f}");
    }
}
