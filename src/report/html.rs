//! report.html: one self-contained page (inline CSS, inline SVG charts, no
//! script, no network request) rendered with maud, which escapes every
//! interpolated string; nothing from input is ever written unescaped.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::aggregate::{CauseStats, Summary};
use crate::analysis::Analysis;
use crate::classify::Cause;
use crate::report::curl;
use crate::report::json::RunMeta;
use crate::report::markdown::{downsample, examples, headline_plain, human_seconds};
use crate::time::format_rfc3339;

/// At most this many bars in the time chart (buckets are summed in groups).
const MAX_BARS: usize = 96;

/// One colour per cause, stable across runs so a reader learns them;
/// neighbours in the precedence order get contrasting hues, benign and
/// unknown get greys.
pub fn colour(cause: Cause) -> &'static str {
    match cause {
        Cause::MissingCredentials => "#4e79a7",
        Cause::MalformedCredentials => "#f28e2b",
        Cause::WrongScheme => "#e15759",
        Cause::ApiKeyMisplaced => "#76b7b2",
        Cause::WrongEnvironment => "#59a14f",
        Cause::InvalidSignature => "#edc948",
        Cause::TokenNotYetValid => "#b07aa1",
        Cause::TokenExpired => "#ff9da7",
        Cause::RevokedCredentials => "#9c755f",
        Cause::InsufficientScope => "#1f77b4",
        Cause::InvalidCredentials => "#8cd17d",
        Cause::AccountDisabled => "#b6992d",
        Cause::IpBlocked => "#499894",
        Cause::ServerMisconfigured => "#d37295",
        Cause::HeaderStripped => "#17becf",
        Cause::CorsPreflight => "#6b4c9a",
        Cause::CachedResponse => "#a0cbe8",
        Cause::ChallengeHandshake => "#c8c8c8",
        Cause::Unknown => "#8c8c8c",
    }
}

const CSS: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#ffffff;--soft:#f6f8fa;--accent:#0969da;--warn:#9a6700;--bad:#cf222e}
*{box-sizing:border-box}
body{margin:0;background:var(--soft);color:var(--fg);font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:28px 32px 48px}
header{background:#0d1117;color:#f0f6fc;padding:22px 32px}
header .inner{max-width:1180px;margin:0 auto;padding:0 32px}
header h1{margin:0;font-size:22px;font-weight:600;letter-spacing:.2px}
header p{margin:6px 0 0;color:#9198a1}
.headline{font-size:16px;margin:0 0 20px;padding:16px 18px;background:var(--bg);border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:6px}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin:0 0 24px}
.card{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:12px 14px}
.card .n{font-size:24px;font-weight:600}
.card .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.5px}
.card.bad .n{color:var(--bad)}
section{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:18px 20px;margin:0 0 20px}
h2{font-size:17px;margin:0 0 12px;font-weight:600}
h3{font-size:15px;margin:22px 0 8px;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--soft);font-weight:600;color:var(--muted);font-size:12px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr:last-child td{border-bottom:0}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
code{background:var(--soft);padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
td.cause{white-space:nowrap}
td.cause code{overflow-wrap:normal}
pre code{background:none;padding:0;color:inherit}
pre{background:#0d1117;color:#e6edf3;padding:10px 12px;border-radius:6px;white-space:pre-wrap;word-break:break-all;margin:8px 0 0}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:0}
.muted{color:var(--muted)}
.chart{width:100%;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:8px 0 0;font-size:12px;color:var(--muted)}
.example{border:1px solid var(--line);border-radius:6px;padding:10px 12px;margin:10px 0}
.example .req{font-weight:600;word-break:break-all}
.example ul{margin:6px 0 0;padding-left:18px}
.facts{color:var(--muted);font-size:12px;margin-top:2px}
.pos{color:var(--bad)}.neg{color:#1a7f37}
.tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:10px;background:var(--soft);border:1px solid var(--line);color:var(--muted);margin-left:6px}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
"#;

fn time(t: Option<crate::model::Timestamp>) -> String {
    t.as_ref().map(format_rfc3339).unwrap_or_else(|| "—".into())
}

/// `2`, `2.5`: an axis value without noise.
fn axis_label(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn signed(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

pub fn render(analysis: &Analysis, summary: &Summary, meta: &RunMeta) -> String {
    let readable = analysis.inputs.len() - analysis.unreadable_inputs();
    let (first, last) = summary.span();
    let page: Markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No network requests: nothing is loaded from anywhere.
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { "authlens report: HTTP 401 failures" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    div.inner {
                        h1 { "authlens report: HTTP 401 failures" }
                        @if let (Some(a), Some(b)) = (first, last) {
                            p { "401s from " (format_rfc3339(&a)) " to " (format_rfc3339(&b)) }
                        } @else {
                            p { "No 401 responses" }
                        }
                    }
                }
                main {
                    p.headline { (headline_plain(analysis, summary)) }
                    div.cards {
                        div.card.bad { div.n { (summary.status_401) } div.l { "401 responses" } }
                        div.card { div.n { (summary.failure_causes()) } div.l { "failure causes" } }
                        div.card { div.n { (summary.benign_challenges) } div.l { "benign handshakes" } }
                        div.card { div.n { (analysis.requests) } div.l { "requests read" } }
                        div.card.(if analysis.unreadable_inputs() > 0 { "bad" } else { "ok" }) {
                            div.n { (readable) "/" (analysis.inputs.len()) }
                            div.l { "inputs read" }
                        }
                    }
                    @if !summary.causes.is_empty() {
                        section id="causes" {
                            h2 { "Causes" }
                            (causes_table(summary))
                        }
                        section id="share" {
                            h2 { "Share per cause" }
                            (share_chart(summary))
                        }
                    }
                    @if !summary.trend.series.is_empty() {
                        section id="trend" {
                            h2 { "Trend" }
                            (trend_chart(summary))
                        }
                    }
                    @if let Some(b) = &summary.baseline {
                        section id="baseline" {
                            h2 { "Compared with the baseline" }
                            p.muted {
                                "Baseline " code { (b.path) } " (generated "
                                (b.generated_at.as_deref().unwrap_or("at an unknown time")) "): "
                                (b.baseline_status_401) " → " (b.status_401) " 401s ("
                                (signed(b.status_401 as i64 - b.baseline_status_401 as i64)) ")."
                            }
                            @if !b.new_causes.is_empty() {
                                p { "New causes: " @for c in &b.new_causes { code { (c) } " " } }
                            }
                            @if !b.vanished_causes.is_empty() {
                                p { "Vanished causes: " @for c in &b.vanished_causes { code { (c) } " " } }
                            }
                            table {
                                thead { tr { th { "cause" } th.num { "now" } th.num { "baseline" } th.num { "change" } th.num { "share now" } th.num { "share before" } } }
                                tbody {
                                    @for c in &b.causes {
                                        tr {
                                            td { code { (c.cause) } }
                                            td.num { (c.count) }
                                            td.num { (c.baseline_count) }
                                            td.num.(if c.delta() > 0 { "pos" } else { "neg" }) { (signed(c.delta())) }
                                            td.num { (pct(c.share)) }
                                            td.num { (pct(c.baseline_share)) }
                                        }
                                    }
                                }
                            }
                            @if !b.endpoints.is_empty() {
                                h3 { "Endpoints that changed most" }
                                table {
                                    thead { tr { th { "endpoint" } th { "cause" } th.num { "now" } th.num { "baseline" } th.num { "change" } } }
                                    tbody {
                                        @for e in &b.endpoints {
                                            tr {
                                                td { code { (e.host) (e.endpoint) } }
                                                td { code { (e.cause) } }
                                                td.num { (e.count) }
                                                td.num { (e.baseline_count) }
                                                td.num { (signed(e.delta())) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !summary.causes.is_empty() {
                        section id="details" {
                            h2 { "Causes in detail" }
                            @for c in &summary.causes {
                                (cause_detail(analysis, summary, c))
                            }
                        }
                    }
                    (inputs_section(analysis))
                    @if !analysis.warnings.is_empty() {
                        section id="warnings" {
                            h2 { "Warnings" }
                            ul { @for w in &analysis.warnings { li { (w) } } }
                        }
                    }
                    footer { "authlens " (env!("CARGO_PKG_VERSION")) " · generated_at " (meta.generated_at) }
                }
            }
        }
    };
    // maud escapes markup; control characters (a terminal escape inside a
    // URL) are not markup, so they are dropped here, once, for the page.
    page.into_string()
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r'))
        .collect()
}

fn causes_table(summary: &Summary) -> Markup {
    html! {
        table id="causes-table" {
            thead {
                tr {
                    th { "cause" } th.num { "count" } th.num { "share" } th.num { "confidence" }
                    th.num { "credentials" } th { "top endpoint" } th { "fix" }
                }
            }
            tbody {
                @for c in &summary.causes {
                    tr {
                        td.cause {
                            span.sw style=(format!("background:{}", colour(c.cause))) {}
                            code { (c.cause.id()) }
                            @if c.cause.is_benign() { span.tag { "benign" } }
                        }
                        td.num { (c.count) }
                        td.num { (pct(c.share)) }
                        td.num { (format!("{:.2}", c.confidence_mean)) }
                        td.num { (c.distinct_credentials) }
                        td { code { (c.top_endpoint) } }
                        td { (c.cause.remediation()) }
                    }
                }
            }
        }
    }
}

/// Horizontal bars: one row per cause, length by share.
fn share_chart(summary: &Summary) -> Markup {
    let row_h = 22.0;
    let label_w = 190.0;
    let bar_w = 760.0;
    let width = label_w + bar_w + 110.0;
    let height = row_h * summary.causes.len() as f64 + 8.0;
    let max = summary
        .causes
        .iter()
        .map(|c| c.share)
        .fold(0.0_f64, f64::max)
        .max(f64::EPSILON);
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label="share of 401s per cause"
            viewBox=(format!("0 0 {width} {height}")) {
            @for (i, c) in summary.causes.iter().enumerate() {
                @let y = 4.0 + row_h * i as f64;
                @let w = (c.share / max * bar_w).max(1.0);
                g {
                    title { (c.cause.id()) ": " (c.count) " (" (pct(c.share)) ")" }
                    text x=(format!("{:.1}", label_w - 8.0)) y=(format!("{:.1}", y + 15.0)) text-anchor="end"
                        font-size="12" fill="#1f2328" font-family="ui-monospace,Menlo,Consolas,monospace" { (c.cause.id()) }
                    rect x=(format!("{label_w:.1}")) y=(format!("{:.1}", y + 3.0)) width=(format!("{w:.1}")) height="16" rx="2"
                        fill=(colour(c.cause)) {}
                    text x=(format!("{:.1}", label_w + w + 6.0)) y=(format!("{:.1}", y + 15.0)) font-size="12" fill="#59636e" {
                        (c.count) " · " (pct(c.share))
                    }
                }
            }
        }
    }
}

/// Stacked bars per time bucket, one colour per cause, spikes marked.
fn trend_chart(summary: &Summary) -> Markup {
    let tr = &summary.trend;
    let group = tr.buckets.div_ceil(MAX_BARS).max(1);
    let order: Vec<Cause> = summary.causes.iter().map(|c| c.cause).collect();
    let columns: Vec<Vec<(Cause, u64)>> = {
        let series: Vec<(Cause, Vec<u64>)> = order
            .iter()
            .filter_map(|c| tr.series.get(c).map(|v| (*c, downsample(v, MAX_BARS).0)))
            .collect();
        let n = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        (0..n)
            .map(|i| {
                series
                    .iter()
                    .map(|(c, v)| (*c, v.get(i).copied().unwrap_or(0)))
                    .filter(|(_, n)| *n > 0)
                    .collect()
            })
            .collect()
    };
    let max = columns
        .iter()
        .map(|col| col.iter().map(|(_, n)| n).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (left, top, plot_w, plot_h) = (44.0, 14.0, 1040.0, 220.0);
    let width = left + plot_w + 16.0;
    let height = top + plot_h + 40.0;
    let slot = plot_w / columns.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let scale = plot_h / max as f64;
    // Each column's segments, bottom up: (cause, count, y, height).
    let stacks: Vec<Vec<(Cause, u64, f64, f64)>> = columns
        .iter()
        .map(|col| {
            let mut y = top + plot_h;
            col.iter()
                .map(|(c, n)| {
                    let h = *n as f64 * scale;
                    y -= h;
                    (*c, *n, y, h)
                })
                .collect()
        })
        .collect();
    let spike_cols: Vec<usize> = summary
        .spikes
        .iter()
        .filter_map(|s| {
            let start = tr.start?;
            let i = (s.bucket_start - start).num_seconds() / tr.bucket_seconds.max(1);
            Some(i as usize / group)
        })
        .collect();
    let col_width = tr.bucket_seconds * group as i64;
    // Onsets in the order of the causes table.
    let onset_map: std::collections::BTreeMap<Cause, _> = tr.onsets().into_iter().collect();
    let onsets: Vec<(Cause, crate::model::Timestamp)> = order
        .iter()
        .filter_map(|c| onset_map.get(c).map(|t| (*c, *t)))
        .collect();
    let col_start = |i: usize| tr.bucket_start(i * group);
    html! {
        p.muted {
            (tr.buckets) " bucket(s) of " (human_seconds(tr.bucket_seconds))
            @if group > 1 { ", drawn " (group) " per bar (" (human_seconds(col_width)) ")" }
            ". A spike (▲) is a bucket above the trailing median by more than 5 median absolute deviations."
        }
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label="401s per time bucket by cause"
            viewBox=(format!("0 0 {width} {height}")) {
            // Grid: zero, half and the maximum.
            @for frac in [0.0, 0.5, 1.0] {
                @let y = top + plot_h - plot_h * frac;
                line x1=(format!("{left:.1}")) x2=(format!("{:.1}", left + plot_w)) y1=(format!("{y:.1}")) y2=(format!("{y:.1}"))
                    stroke="#d1d9e0" stroke-width="1" {}
                text x=(format!("{:.1}", left - 6.0)) y=(format!("{:.1}", y + 4.0)) text-anchor="end" font-size="11" fill="#59636e" {
                    (axis_label(max as f64 * frac))
                }
            }
            @for (i, col) in stacks.iter().enumerate() {
                @let x = left + slot * i as f64 + (slot - bar) / 2.0;
                @let y = col.last().map(|s| s.2).unwrap_or(top + plot_h);
                g {
                    title {
                        (time(col_start(i))) ": "
                        @for (j, (c, n, _, _)) in col.iter().enumerate() {
                            @if j > 0 { ", " }
                            (c.id()) " " (n)
                        }
                    }
                    @for (c, _, sy, h) in col {
                        rect x=(format!("{x:.2}")) y=(format!("{sy:.2}")) width=(format!("{bar:.2}")) height=(format!("{h:.2}"))
                            fill=(colour(*c)) {}
                    }
                    @if spike_cols.contains(&i) {
                        text x=(format!("{:.2}", x + bar / 2.0)) y=(format!("{:.2}", (y - 3.0).max(10.0))) text-anchor="middle"
                            font-size="11" fill="#cf222e" { "▲" }
                    }
                }
            }
            text x=(format!("{left:.1}")) y=(format!("{:.1}", top + plot_h + 18.0)) font-size="11" fill="#59636e" { (time(tr.start)) }
            text x=(format!("{:.1}", left + plot_w)) y=(format!("{:.1}", top + plot_h + 18.0)) text-anchor="end" font-size="11" fill="#59636e" {
                (time(col_start(columns.len().saturating_sub(1))))
            }
        }
        div.legend {
            @for c in &order {
                span { span.sw style=(format!("background:{}", colour(*c))) {} (c.id()) }
            }
        }
        @if !summary.spikes.is_empty() {
            h3 { "Spikes" }
            table {
                thead { tr { th { "cause" } th { "bucket" } th.num { "count" } th.num { "trailing median" } } }
                tbody {
                    @for s in &summary.spikes {
                        tr {
                            td { code { (s.cause.id()) } }
                            td { (format_rfc3339(&s.bucket_start)) }
                            td.num { (s.count) }
                            td.num { (format!("{:.1}", s.baseline)) }
                        }
                    }
                }
            }
        }
        h3 { "Onset and peak per cause" }
        table {
            thead { tr { th { "cause" } th { "onset (first bucket)" } th.num { "peak per bucket" } th.num { "spikes" } } }
            tbody {
                @for (c, t) in &onsets {
                    tr {
                        td.cause { span.sw style=(format!("background:{}", colour(*c))) {} code { (c.id()) } }
                        td { (format_rfc3339(t)) }
                        td.num { (tr.series.get(c).and_then(|v| v.iter().max()).copied().unwrap_or(0)) }
                        td.num { (summary.spikes.iter().filter(|s| s.cause == *c).count()) }
                    }
                }
            }
        }
    }
}

fn cause_detail(analysis: &Analysis, summary: &Summary, c: &CauseStats) -> Markup {
    let examples = examples(analysis, c.cause);
    html! {
        h3 id=(format!("cause-{}", c.cause.id())) {
            span.sw style=(format!("background:{}", colour(c.cause))) {}
            code { (c.cause.id()) } " — " (c.count) " (" (pct(c.share)) ")"
        }
        p { strong { "Fix: " } (c.cause.remediation()) }
        p.muted {
            "First seen " (time(c.first_seen)) ", last seen " (time(c.last_seen)) "; "
            (c.distinct_credentials) " distinct credential(s), " (c.distinct_endpoints) " endpoint(s)."
        }
        table {
            thead { tr { th { "endpoint" } th.num { "count" } } }
            tbody {
                @for e in summary.endpoints.iter().filter(|e| e.cause == c.cause).take(5) {
                    tr { td { code { (e.host) (e.endpoint) } } td.num { (e.count) } }
                }
            }
        }
        @for f in examples {
            div.example {
                div.req { code { (f.method) } " " (f.url) }
                div.facts {
                    (time(f.time))
                    @if !f.request_id.is_empty() { " · request id " code { (f.request_id) } }
                    " · " (f.origin) " · " (f.sources.id())
                    @if !f.credential.is_empty() { " · credential " code { (f.credential) } }
                    @if !f.credential_fp.is_empty() { " " code { (f.credential_fp) } }
                    @if !f.challenge.is_empty() { " · challenge " code { (f.challenge) } }
                    " · confidence " (format!("{:.2}", f.diagnosis.confidence))
                }
                ul {
                    @if !f.diagnosis.secondary.is_empty() {
                        li { "secondary causes: "
                            @for s in &f.diagnosis.secondary { code { (s.id()) } " " }
                        }
                    }
                    @if !f.server_message.is_empty() { li { "server log: " (f.server_message) } }
                    @for e in &f.diagnosis.evidence { li { (e) } }
                }
                pre { code { (curl::for_finding(f)) } }
            }
        }
    }
}

fn inputs_section(analysis: &Analysis) -> Markup {
    let with_errors: Vec<_> = analysis
        .inputs
        .iter()
        .filter(|i| !i.errors.is_empty())
        .collect();
    html! {
        section id="inputs" {
            h2 { "Inputs" }
            table {
                thead { tr { th { "input" } th { "kind" } th { "format" } th.num { "records" } th.num { "401" } th { "status" } } }
                tbody {
                    @for i in &analysis.inputs {
                        tr {
                            td { code { (i.path) } }
                            td { (i.kind.map(|k| k.to_string()).unwrap_or_default()) }
                            td { (i.format) }
                            td.num { (i.records) }
                            td.num { (i.status_401) }
                            td {
                                @if i.unreadable { span.pos { "unreadable" } }
                                @else if i.partial { span.pos { "read in part" } }
                                @else { "read" }
                            }
                        }
                    }
                }
            }
            @if !with_errors.is_empty() {
                h3 { "Inputs that could not be read" }
                table {
                    thead { tr { th { "input" } th { "at" } th { "error" } } }
                    tbody {
                        @for i in with_errors {
                            @for e in &i.errors {
                                tr { td { code { (i.path) } } td { (e.at) } td { (e.message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::aggregate::Trend;
    use crate::report::markdown;

    /// A summary with a flat token_expired series and one burst.
    fn spiky_summary() -> Summary {
        let mut series = BTreeMap::new();
        let mut v = vec![1u64; 15];
        v.push(20);
        v.extend([1, 1]);
        let count = v.iter().sum();
        series.insert(Cause::TokenExpired, v);
        let trend = Trend {
            bucket_seconds: 60,
            start: chrono::DateTime::from_timestamp(1_795_000_000, 0),
            buckets: 18,
            series,
        };
        let spikes = trend.spikes();
        Summary {
            status_401: count,
            benign_challenges: 0,
            causes: vec![CauseStats {
                cause: Cause::TokenExpired,
                count,
                share: 1.0,
                confidence_mean: 0.9,
                first_seen: trend.start,
                last_seen: trend.bucket_start(17),
                distinct_credentials: 1,
                distinct_endpoints: 1,
                top_endpoint: "api.example/<script>".into(),
                examples: Vec::new(),
            }],
            endpoints: Vec::new(),
            trend,
            spikes,
            baseline: None,
        }
    }

    #[test]
    fn spikes_are_called_out_in_both_reports() {
        let summary = spiky_summary();
        assert_eq!(summary.spikes.len(), 1);
        let meta = RunMeta {
            generated_at: "2026-11-23T00:00:00.000Z".into(),
        };
        let analysis = Analysis::default();
        let html = render(&analysis, &summary, &meta);
        assert!(html.contains("▲"), "no spike marker in the chart");
        assert!(html.contains("<h3>Spikes</h3>"));
        assert!(html.contains("api.example/&lt;script&gt;"));
        assert!(!html.contains("<script"));
        let md = markdown::render(&analysis, &summary, &meta);
        assert!(
            md.contains("Spikes:\n\n- **`token_expired`**: 20 in the 1 min bucket at"),
            "{md}"
        );
        assert!(md.contains("| **1** |"), "{md}");
    }
}
