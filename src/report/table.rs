//! The short ranked table printed on stdout after `analyze`.

use crate::aggregate::Summary;
use crate::analysis::Analysis;
use crate::report::escape::terminal;

pub fn render(analysis: &Analysis, summary: &Summary) -> String {
    let mut out = String::new();
    let readable = analysis.inputs.len() - analysis.unreadable_inputs();
    out.push_str(&format!(
        "authlens: {} requests in {} input(s), {} 401s ({} benign challenge legs)\n",
        analysis.requests, readable, summary.status_401, summary.benign_challenges
    ));
    if summary.causes.is_empty() {
        out.push_str("no 401 responses found\n");
    } else {
        let width = summary
            .causes
            .iter()
            .map(|c| c.cause.id().len())
            .max()
            .unwrap_or(5)
            .max(5);
        out.push_str(&format!(
            "\n{:<width$}  {:>6}  {:>6}  fix\n",
            "cause", "count", "share"
        ));
        for c in &summary.causes {
            out.push_str(&format!(
                "{:<width$}  {:>6}  {:>5.1}%  {}\n",
                c.cause.id(),
                c.count,
                c.share * 100.0,
                c.cause.remediation()
            ));
        }
    }
    for s in &summary.spikes {
        out.push_str(&format!(
            "spike: {} {} in the bucket at {} (baseline {:.1})\n",
            s.count,
            s.cause,
            crate::time::format_rfc3339(&s.bucket_start),
            s.baseline
        ));
    }
    if let Some(b) = &summary.baseline {
        out.push_str(&format!(
            "baseline {}: {} → {} 401s",
            b.path, b.baseline_status_401, b.status_401
        ));
        if !b.new_causes.is_empty() {
            out.push_str(&format!("; new: {}", b.new_causes.join(", ")));
        }
        if !b.vanished_causes.is_empty() {
            out.push_str(&format!("; vanished: {}", b.vanished_causes.join(", ")));
        }
        out.push('\n');
    }
    // Files skipped while walking a directory are listed in summary.json;
    // one line here keeps the table readable.
    let skipped = analysis
        .warnings
        .iter()
        .filter(|w| w.contains(": skipped ("))
        .count();
    for w in analysis
        .warnings
        .iter()
        .filter(|w| !w.contains(": skipped ("))
    {
        out.push_str(&format!("warning: {w}\n"));
    }
    if skipped > 0 {
        out.push_str(&format!(
            "note: {skipped} file(s) found in directories are neither HARs nor recognised logs and were skipped (listed in summary.json warnings)\n"
        ));
    }
    terminal(&out)
}
