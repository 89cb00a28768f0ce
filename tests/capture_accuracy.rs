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
