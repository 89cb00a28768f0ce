//! Checks the `gen-bench-input` example: valid output, counts.json that
//! matches an independent count, and seed determinism.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

fn generate(kind: &str, size: &str, out: &Path, seed: u64) {
    let status = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", "gen-bench-input", "--"])
        .args(["--kind", kind, "--size", size, "--seed", &seed.to_string()])
        .arg("--out")
        .arg(out)
        .status()
        .expect("run cargo");
    assert!(status.success(), "gen-bench-input --kind {kind} failed");
}

fn counts_json(out: &Path) -> (u64, u64, u64) {
    let mut p = out.as_os_str().to_owned();
    p.push(".counts.json");
    let v: Value = serde_json::from_slice(&std::fs::read(PathBuf::from(p)).unwrap()).unwrap();
    let get = |k: &str| {
        v[k].as_u64()
            .unwrap_or_else(|| panic!("counts.json lacks {k}"))
    };
    (get("records"), get("status_401"), get("status_403"))
}

fn tally(statuses: impl Iterator<Item = Option<u64>>) -> (u64, u64, u64) {
    let (mut n, mut s401, mut s403) = (0, 0, 0);
    for s in statuses {
        n += 1;
        match s {
            Some(401) => s401 += 1,
            Some(403) => s403 += 1,
            _ => {}
        }
    }
    (n, s401, s403)
}

#[test]
fn har_is_valid_json_and_counts_match() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench.har");
    generate("har", "2M", &out, 7);
    let len = std::fs::metadata(&out).unwrap().len();
    assert!((2 << 20..3 << 20).contains(&len), "size {len}");
    let file = std::io::BufReader::new(std::fs::File::open(&out).unwrap());
    let har: Value = serde_json::from_reader(file).expect("HAR is valid JSON");
    let log = &har["log"];
    assert_eq!(log["version"], "1.2");
    assert!(!log["pages"].as_array().unwrap().is_empty());
    let entries = log["entries"].as_array().unwrap();
    let got = tally(entries.iter().map(|e| e["response"]["status"].as_u64()));
    assert_eq!(counts_json(&out), got);
    let (n, s401, s403) = got;
    assert!(n > 20 && s401 > 0 && s403 > 0, "{got:?}");
    // Every entry has the DevTools shape the benchmarks rely on.
    for e in entries {
        let headers = e["request"]["headers"].as_array().unwrap().len();
        assert!((15..=25).contains(&headers), "{headers} request headers");
        for k in ["_initiator", "_resourceType", "timings", "startedDateTime"] {
            assert!(!e[k].is_null(), "entry lacks {k}");
        }
        assert!(e["response"]["_transferSize"].is_u64());
    }
    // The traps are there: bodies of non-401 responses that talk about
    // 401s (`"status": 401` / `"status":401` as escaped text). The exact
    // unescaped pattern only matches real response statuses.
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.matches("\"status\": 401").count() as u64, s401);
    let traps = text.matches("status\\\": 401").count() + text.matches("status\\\":401").count();
    assert!(traps > 0, "no escaped 401 traps in bodies");
}

#[test]
fn combined_counts_match() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("access.log");
    generate("combined", "1M", &out, 7);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.ends_with('\n'));
    // Same rule as the benchmark's mawk peer: status is field 9.
    let got = tally(
        text.lines()
            .map(|l| l.split_whitespace().nth(8).and_then(|s| s.parse().ok())),
    );
    assert_eq!(counts_json(&out), got);
    assert!(got.1 > 0 && got.2 > 0, "{got:?}");
}

#[test]
fn jsonl_counts_match() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app.jsonl");
    generate("jsonl", "1M", &out, 7);
    let text = std::fs::read_to_string(&out).unwrap();
    let got = tally(text.lines().map(|l| {
        let v: Value = serde_json::from_str(l).expect("each line is JSON");
        // pino: res.statusCode; zap/logrus: top-level status
        v["res"]["statusCode"].as_u64().or(v["status"].as_u64())
    }));
    assert_eq!(counts_json(&out), got);
    assert!(got.1 > 0 && got.2 > 0, "{got:?}");
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, size) in [("har", "2M"), ("combined", "1M"), ("jsonl", "1M")] {
        let a = dir.path().join(format!("{kind}.a"));
        let b = dir.path().join(format!("{kind}.b"));
        let c = dir.path().join(format!("{kind}.c"));
        generate(kind, size, &a, 42);
        generate(kind, size, &b, 42);
        generate(kind, size, &c, 43);
        let (a, b, c) = (
            std::fs::read(a).unwrap(),
            std::fs::read(b).unwrap(),
            std::fs::read(c).unwrap(),
        );
        assert!(a == b, "{kind}: same seed must give identical bytes");
        assert!(a != c, "{kind}: another seed must give other bytes");
    }
}

/// Runs `file` with each thread count: every run exits 0 with a row per
/// 401, and all give the first run's outputs byte for byte.
fn same_outputs_whatever_the_threads(file: &Path, s401: u64, threads: &[&str]) {
    let runs: Vec<_> = threads
        .iter()
        .map(|t| common::analyze(&[file], &["-q", "--threads", t]))
        .collect();
    for run in &runs {
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert_eq!(run.failures().len() as u64, s401);
    }
    for (t, run) in threads.iter().zip(&runs).skip(1) {
        for name in ["failures.csv", "causes.csv", "endpoints.csv", "trend.csv"] {
            assert_eq!(
                runs[0].read(name),
                run.read(name),
                "{name}: {} and {t} threads",
                threads[0]
            );
        }
    }
}

/// Thousands of 401s, so dozens of batches of findings are made by several
/// workers and taken in by whichever is next in order: one row per 401, and
/// the same rows in the same order with 1 thread and with 4.
#[test]
fn many_401s_give_the_same_rows_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("access.log");
    generate("combined", "12M", &out, 3);
    let (_, s401, _) = counts_json(&out);
    assert!(s401 > 2 * 1024, "only {s401} 401s");
    same_outputs_whatever_the_threads(&out, s401, &["1", "4"]);
}

/// A HAR of dozens of batches, read by the reader alone (1 thread), by the
/// reader and a parser that it helps when the parser falls behind (2), and
/// by the reader and three parsers (4): the same rows in the same order.
#[test]
fn a_har_of_many_batches_gives_the_same_rows_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench.har");
    generate("har", "48M", &out, 5);
    let (entries, s401, _) = counts_json(&out);
    assert!(entries > 6 * 256, "only {entries} entries");
    same_outputs_whatever_the_threads(&out, s401, &["1", "2", "4"]);
}
