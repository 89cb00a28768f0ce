//! `--prom FILE`: a Prometheus textfile-collector file (text exposition
//! format 0.0.4), for scheduled runs that a dashboard or alert watches.

use std::fmt::Write;

use crate::aggregate::Summary;
use crate::analysis::Analysis;
use crate::classify::Cause;

/// A label value per the exposition format: backslash, double quote and
/// line feed are escaped; nothing else needs to be.
pub fn label_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// `now` is the run's time in Unix seconds (`authlens_last_run_timestamp_seconds`).
pub fn render(analysis: &Analysis, summary: &Summary, now: i64) -> String {
    let mut out = String::new();
    let by = summary.by_cause();
    family(
        &mut out,
        "authlens_401_total",
        "gauge",
        "HTTP 401 responses in the last run, by primary cause (every cause id, 0 when absent).",
    );
    for cause in Cause::ALL {
        let _ = writeln!(
            out,
            "authlens_401_total{{cause=\"{}\"}} {}",
            label_value(cause.id()),
            by.get(&cause).copied().unwrap_or(0)
        );
    }
    family(
        &mut out,
        "authlens_requests_total",
        "gauge",
        "Requests read in the last run (HAR entries plus logged requests).",
    );
    let _ = writeln!(out, "authlens_requests_total {}", analysis.requests);
    family(
        &mut out,
        "authlens_failures_total",
        "gauge",
        "HTTP 401 responses in the last run that are failures (benign challenge legs left out).",
    );
    let _ = writeln!(
        out,
        "authlens_failures_total {}",
        summary.status_401 - summary.benign_challenges
    );
    family(
        &mut out,
        "authlens_inputs",
        "gauge",
        "Inputs of the last run.",
    );
    let _ = writeln!(out, "authlens_inputs {}", analysis.inputs.len());
    family(
        &mut out,
        "authlens_inputs_unreadable",
        "gauge",
        "Inputs of the last run that could not be read at all.",
    );
    let _ = writeln!(
        out,
        "authlens_inputs_unreadable {}",
        analysis.unreadable_inputs()
    );
    family(
        &mut out,
        "authlens_inputs_partial",
        "gauge",
        "Inputs of the last run that were read only in part.",
    );
    let _ = writeln!(out, "authlens_inputs_partial {}", analysis.partial_inputs());
    family(
        &mut out,
        "authlens_spikes",
        "gauge",
        "Trend buckets of the last run flagged as spikes (median/MAD over a trailing window), by cause.",
    );
    for cause in Cause::ALL {
        let n = summary.spikes.iter().filter(|s| s.cause == cause).count();
        let _ = writeln!(
            out,
            "authlens_spikes{{cause=\"{}\"}} {}",
            label_value(cause.id()),
            n
        );
    }
    if let Some(b) = &summary.baseline {
        family(
            &mut out,
            "authlens_401_baseline_delta",
            "gauge",
            "Change in HTTP 401 count against the --baseline summary, by cause.",
        );
        for c in &b.causes {
            let _ = writeln!(
                out,
                "authlens_401_baseline_delta{{cause=\"{}\"}} {}",
                label_value(&c.cause),
                c.delta()
            );
        }
    }
    family(
        &mut out,
        "authlens_last_run_timestamp_seconds",
        "gauge",
        "When the last run finished, in Unix seconds.",
    );
    let _ = writeln!(out, "authlens_last_run_timestamp_seconds {now}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
