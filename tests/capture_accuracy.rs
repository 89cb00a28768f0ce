//! Accuracy on the labelled real browser capture, scored by the shared
//! yardstick (../shared/tools/score-capture.py), with zero leaks.

mod common;

use std::process::Command;

fn score(
    outdir: &std::path::Path,
    capture: &std::path::Path,
    min: &str,
    extra: &[&str],
) -> (bool, String) {
    let script = common::repo().join("../shared/tools/score-capture.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(outdir)
        .arg(capture)
        .args(["--min", min])
        .args(extra)
        .output();
    match out {
        Ok(o) => (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        ),
        Err(e) => (false, format!("cannot run python3: {e}")),
    }
}

/// The capture's proxy and app logs (the two access logs describe the same
/// requests: one with ids, one without).
fn server_logs(cap: &std::path::Path) -> Vec<std::path::PathBuf> {
    [
        "nginx_access.json",
        "nginx_access_combined.log",
        "nginx_error.log",
        "backend.jsonl",
    ]
    .iter()
    .map(|f| cap.join(f))
    .collect()
}

#[test]
fn har_alone_gets_at_least_80_percent_with_no_leaks() {
    let Some(cap) = common::capture("express-jwt") else {
        return;
    };
    let run = common::analyze(&[cap.join("capture.har")], &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let (ok, report) = score(&run.outdir(), &cap, "0.80", &["--max-dups", "0"]);
    assert!(ok, "{report}");
    assert!(report.contains("LEAKS: 0"), "{report}");
}

#[test]
fn har_and_every_log_together_get_95_percent_without_duplicates() {
    let Some(cap) = common::capture("express-jwt") else {
        return;
    };
    let mut inputs = vec![cap.join("capture.har")];
    inputs.extend(server_logs(&cap));
    let run = common::analyze(&inputs, &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let (ok, report) = score(&run.outdir(), &cap, "0.95", &["--max-dups", "0"]);
    assert!(ok, "{report}");
    let s = run.summary();
    assert!(
        s["totals"]["correlated"].as_u64().unwrap_or(0) >= 90,
        "{}",
        s["totals"]
    );
}

#[test]
fn the_capture_directory_as_a_whole_skips_non_inputs() {
    // What the scorer's README suggests: the whole folder (README.md,
    // labels.jsonl and secrets.txt are skipped, not parsed as logs).
    let Some(cap) = common::capture("express-jwt") else {
        return;
    };
    let run = common::analyze(&[&cap], &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let (ok, report) = score(&run.outdir(), &cap, "0.95", &["--max-dups", "0"]);
    assert!(ok, "{report}");
    let warnings = run.summary()["warnings"].to_string();
    assert!(warnings.contains("labels.jsonl: skipped"), "{warnings}");
}

#[test]
fn logs_alone_get_at_least_65_percent() {
    let Some(cap) = common::capture("express-jwt") else {
        return;
    };
    let inputs = server_logs(&cap);
    let run = common::analyze(&inputs, &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let (ok, report) = score(&run.outdir(), &cap, "0.65", &["--max-dups", "0"]);
    assert!(ok, "{report}");
}
