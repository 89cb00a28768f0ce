//! `authlens sanitize` through the CLI: the sample HARs lose every secret,
//! keep everything else, and still give the same diagnosis.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine;
use common::{analyze, bin, repo};

const HARS: [&str; 2] = ["devtools-shop.har", "proxy-partner.har"];

fn sample(name: &str) -> PathBuf {
    repo().join("samples").join(name)
}

fn sanitize(args: &[&Path]) -> Output {
    Command::new(bin())
        .arg("sanitize")
        .args(args)
        .output()
        .expect("run authlens")
}

fn sanitize_samples(dir: &Path) -> Vec<PathBuf> {
    HARS.iter()
        .map(|h| {
            let out = dir.join(h);
            let o = Command::new(bin())
                .arg("sanitize")
                .arg(sample(h))
                .arg("-o")
                .arg(&out)
                .output()
                .expect("run authlens");
            assert!(
                o.status.success(),
                "{h}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            out
        })
        .collect()
}

/// Every secret the samples list, plus the base64 of each `user:pass` line.
fn listed_secrets() -> Vec<String> {
    let text = std::fs::read_to_string(sample("secrets.txt")).expect("secrets.txt");
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| l.len() >= 8) {
        out.push(line.to_string());
        if line.contains(':') && !line.starts_with("eyJ") {
            out.push(base64::engine::general_purpose::STANDARD.encode(line));
        }
    }
    assert!(out.len() > 40, "secrets.txt looks empty");
    out
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("output is JSON")
}

fn entries(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["log"]["entries"].as_array().expect("entries")
}

/// Same URL apart from query and fragment values that were masked.
fn assert_same_url_but_masked_values(original: &str, sanitized: &str) {
    let parts = |u: &str| -> Vec<String> { u.split(['&', '?', '#']).map(String::from).collect() };
    let (a, b) = (parts(original), parts(sanitized));
    assert_eq!(a.len(), b.len(), "{sanitized}");
    for (x, y) in a.iter().zip(&b) {
        if x == y {
            continue;
        }
        let (nx, _) = x.split_once('=').unwrap_or((x, ""));
        let (ny, vy) = y.split_once('=').unwrap_or((y, ""));
        assert_eq!(nx, ny, "{sanitized}");
        assert!(vy.starts_with("[redacted:"), "{sanitized}");
    }
}

#[test]
fn sanitized_samples_are_valid_hars_without_any_listed_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outs = sanitize_samples(dir.path());
    let secrets = listed_secrets();
    for (h, out) in HARS.iter().zip(&outs) {
        let text = std::fs::read_to_string(out).expect("read");
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{h}: a listed secret survived");
        }
        let (a, b) = (json(&sample(h)), json(out));
        assert_eq!(a["log"]["version"], b["log"]["version"]);
        assert_eq!(a["log"]["creator"], b["log"]["creator"]);
        assert_eq!(a["log"]["pages"], b["log"]["pages"]);
        let (ea, eb) = (entries(&a), entries(&b));
        assert_eq!(ea.len(), eb.len(), "{h}: entry count");
        for (x, y) in ea.iter().zip(eb) {
            assert_eq!(x["response"]["status"], y["response"]["status"]);
            assert_eq!(x["request"]["method"], y["request"]["method"]);
            assert_eq!(x["startedDateTime"], y["startedDateTime"]);
            let (ux, uy) = (
                x["request"]["url"].as_str().unwrap_or(""),
                y["request"]["url"].as_str().unwrap_or(""),
            );
            assert_same_url_but_masked_values(ux, uy);
            for side in ["request", "response"] {
                let names = |e: &serde_json::Value| -> Vec<String> {
                    e[side]["headers"]
                        .as_array()
                        .map(|hs| {
                            hs.iter()
                                .map(|h| h["name"].as_str().unwrap_or("").to_string())
                                .collect()
                        })
                        .unwrap_or_default()
                };
                assert_eq!(names(x), names(y), "{h}: {side} header names");
            }
            // Entries with nothing secret are unchanged.
            if x["request"]["headers"]
                .as_array()
                .is_some_and(|hs| hs.iter().all(|h| h["name"] == "accept"))
            {
                assert_eq!(x, y);
            }
        }
    }
}

#[test]
fn analysis_of_sanitized_samples_gives_the_same_causes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outs = sanitize_samples(dir.path());
    let env = sample("env.toml");
    let env = env.to_str().expect("utf-8 path");
    let originals: Vec<PathBuf> = HARS.iter().map(|h| sample(h)).collect();
    let a = analyze(&originals, &["--env-config", env, "-q"]);
    let b = analyze(&outs, &["--env-config", env, "-q"]);
    assert_eq!(a.code(), 0, "{}", a.stderr());
    assert_eq!(b.code(), 0, "{}", b.stderr());
    let by_id = |rows: Vec<HashMap<String, String>>| -> HashMap<String, (String, String)> {
        rows.into_iter()
            .map(|r| {
                (
                    r["request_id"].clone(),
                    (r["cause"].clone(), r["credential_fp"].clone()),
                )
            })
            .collect()
    };
    let (fa, fb) = (by_id(a.failures()), by_id(b.failures()));
    assert!(fa.len() >= 60, "only {} failures", fa.len());
    assert_eq!(fa.len(), fb.len());
    let mut compared = 0;
    for (id, (cause, fp)) in &fa {
        let (cause_b, fp_b) = &fb[id];
        // The same credential fingerprint, sanitized or not.
        assert_eq!(fp, fp_b, "{id}: credential_fp");
        if cause == "invalid_signature" {
            continue; // needs the signature sanitize removed
        }
        assert_eq!(cause, cause_b, "{id}: cause changed by sanitizing");
        compared += 1;
    }
    assert!(compared >= 55, "{compared}");
}

#[test]
fn stdin_to_stdout() {
    let input = std::fs::read(sample("proxy-partner.har")).expect("read");
    let mut child = Command::new(bin())
        .args(["sanitize", "-", "-o", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(&input).expect("write stdin");
    });
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON on stdout");
    assert_eq!(entries(&v).len(), 93);
    for s in listed_secrets() {
        assert!(!text.contains(&s), "a listed secret survived");
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("values replaced"), "{err}");
    assert!(err.contains("api-key-header"), "{err}");
}

#[test]
fn directory_mode_keeps_relative_paths() {
    let src = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(src.path().join("team/a")).expect("mkdir");
    std::fs::copy(sample("devtools-shop.har"), src.path().join("shop.har")).expect("copy");
    std::fs::copy(
        sample("proxy-partner.har"),
        src.path().join("team/a/partner.HAR"),
    )
    .expect("copy");
    std::fs::write(src.path().join("team/notes.txt"), "not a HAR").expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let dest = out.path().join("clean");
    let o = sanitize(&[src.path(), Path::new("-o"), &dest]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(entries(&json(&dest.join("shop.har"))).len(), 183);
    assert_eq!(entries(&json(&dest.join("team/a/partner.HAR"))).len(), 93);
    assert!(!dest.join("team/notes.txt").exists());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2 of 2 file(s) sanitized"), "{err}");
}

#[test]
fn truncated_input_is_an_error_naming_file_and_offset() {
    let bytes = std::fs::read(sample("devtools-shop.har")).expect("read");
    let cut = bytes.len() / 2;
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("cut.har");
    std::fs::write(&input, &bytes[..cut]).expect("write");
    let out = dir.path().join("out.har");
    let o = sanitize(&[&input, Path::new("-o"), &out]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cut.har"), "{err}");
    assert!(err.contains("byte "), "{err}");
    assert!(err.contains("truncated"), "{err}");
    assert!(!out.exists(), "a partial output was left behind");
    for s in listed_secrets() {
        assert!(!err.contains(&s), "the error quotes a secret");
    }
}
