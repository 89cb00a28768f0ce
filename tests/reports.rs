//! Ticket and scheduled-job outputs end to end through the CLI on samples/:
//! report.md, report.html (escaping, and a real render in headless
//! Chromium when installed), the Prometheus file, --fail-on, --baseline,
//! byte-identical reruns, `explain`, and no secret anywhere.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

fn samples() -> PathBuf {
    common::repo().join("samples")
}

/// The README's main command, on the HARs and logs.
fn main_inputs() -> Vec<PathBuf> {
    let s = samples();
    vec![
        s.join("devtools-shop.har"),
        s.join("proxy-partner.har"),
        s.join("logs"),
    ]
}

fn env_args() -> Vec<String> {
    vec![
        "--env-config".into(),
        samples().join("env.toml").display().to_string(),
    ]
}

fn run_main(extra: &[&str]) -> common::Run {
    let mut args: Vec<String> = env_args();
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    common::analyze(&main_inputs(), &refs)
}

fn explain(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(common::bin());
    cmd.arg("explain")
        .args(main_inputs())
        .args(env_args())
        .args(args);
    cmd.output().expect("run authlens explain")
}

/// Every secret of samples/secrets.txt (≥ 8 characters), plus the base64
/// form of each `user:password` line as a Basic header would carry it.
fn secrets() -> Vec<String> {
    let text = std::fs::read_to_string(samples().join("secrets.txt")).expect("secrets.txt");
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| l.len() >= 8) {
        out.push(line.to_string());
        if line.contains(':') && !line.starts_with("eyJ") {
            out.push(base64::engine::general_purpose::STANDARD.encode(line));
        }
    }
    out
}

fn assert_no_secret(what: &str, text: &str) {
    for s in secrets() {
        assert!(
            !text.contains(&s),
            "{what} leaks a secret from secrets.txt: {s}"
        );
    }
}

#[test]
fn report_md_has_headline_a_row_per_cause_sparklines_and_redacted_curl() {
    let run = run_main(&["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let md = run.read("report.md");
    let summary = run.summary();
    let total = summary["totals"]["status_401"].as_u64().unwrap_or(0);
    assert!(total > 0);
    assert!(
        md.contains(&format!("{total} HTTP 401 response(s)")),
        "headline: {md}"
    );
    assert!(md.contains("The top failure cause is `"), "{md}");
    let causes = summary["causes"].as_array().cloned().unwrap_or_default();
    assert!(causes.len() > 5);
    for c in &causes {
        let id = c["cause"].as_str().unwrap_or("");
        assert!(
            md.lines().any(|l| l.starts_with(&format!("| `{id}`"))),
            "no causes-table row for {id}"
        );
        assert!(md.contains(&format!("### `{id}`")), "no detail for {id}");
    }
    assert!(
        md.contains('▁') && md.chars().any(|c| ('▂'..='█').contains(&c)),
        "no sparkline"
    );
    assert!(md.contains("```sh\ncurl "), "no curl block");
    // Placeholders for each credential kind in the samples.
    for p in [
        "\"Authorization: Bearer $TOKEN\"",
        "\"$USER:$PASSWORD\"",
        "api_key=$API_KEY",
    ] {
        assert!(md.contains(p), "report.md has no {p}");
    }
    for line in md.lines().filter(|l| l.starts_with("curl ")) {
        assert!(
            !line.contains("[redacted:"),
            "masked values must become placeholders in curl: {line}"
        );
    }
}

#[test]
fn no_output_file_holds_a_secret() {
    let dir = tempfile::tempdir().expect("tmp");
    let prom = dir.path().join("authlens.prom");
    let run = run_main(&["-q", "--prom", prom.to_str().unwrap_or("")]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    for name in [
        "failures.csv",
        "causes.csv",
        "endpoints.csv",
        "trend.csv",
        "summary.json",
        "report.md",
        "report.html",
    ] {
        let text = run.read(name);
        assert!(!text.is_empty(), "{name} is missing");
        assert_no_secret(name, &text);
    }
    assert_no_secret(
        "authlens.prom",
        &std::fs::read_to_string(&prom).unwrap_or_default(),
    );
    assert_no_secret("stdout", &run.stdout());
    // explain on requests that carried each kind of credential.
    for case in ["s1501", "s1301", "p1401", "p2002"] {
        let out = explain(&["--case", case]);
        assert_eq!(out.status.code(), Some(0), "explain --case {case}");
        assert_no_secret(
            &format!("explain --case {case}"),
            &String::from_utf8_lossy(&out.stdout),
        );
    }
}

/// A one-entry HAR whose URL and 401 body carry HTML/script payloads.
fn hostile_har() -> (tempfile::TempDir, PathBuf) {
    let url =
        "https://api.evil.example/x?q=<script>alert(1)</script>&r=\"><img src=x onerror=alert(2)>";
    let body =
        r#"{"message":"jwt expired <script>alert(3)</script> \"><img src=x onerror=alert(4)>"}"#;
    let har = serde_json::json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "entries": [{
                "startedDateTime": "2026-11-20T09:00:00.000Z",
                "time": 10,
                "request": {
                    "method": "GET", "url": url, "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "Authorization", "value": "Bearer opaque-token-value-1234567890"}],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0
                },
                "response": {
                    "status": 401, "statusText": "Unauthorized", "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "WWW-Authenticate", "value": "Bearer error=\"invalid_token\", error_description=\"<script>alert(5)</script>\""},
                                {"name": "Content-Type", "value": "application/json"}],
                    "cookies": [],
                    "content": {"size": body.len(), "mimeType": "application/json", "text": body},
                    "redirectURL": "", "headersSize": -1, "bodySize": body.len()
                },
                "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}
            }]
        }
    });
    common::temp_file("hostile.har", har.to_string().as_bytes())
}

#[test]
fn html_escapes_script_and_attribute_payloads_from_input() {
    let (_d, har) = hostile_har();
    let run = common::analyze(&[&har], &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let html = run.read("report.html");
    assert!(!html.is_empty());
    // The payload made it into the report, escaped.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "URL payload not shown escaped"
    );
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    for raw in [
        "<script>",
        "<img",
        "onerror=alert(2)>",
        "\"><img",
        "<script>alert(3)",
        "<script>alert(5)",
    ] {
        assert!(!html.contains(raw), "report.html contains raw {raw}");
    }
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no external loads"
    );
    // Markdown: HTML payloads are inert (escaped or in code).
    let md = run.read("report.md");
    for line in md.lines().filter(|l| l.contains("<script>")) {
        assert!(
            line.contains('`') || line.starts_with("curl "),
            "raw HTML outside code in report.md: {line}"
        );
    }
}

fn find_chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.exists() {
        return Some(fixed);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.exists())
    })
}

/// Run Chromium headless, killed after 60 s; stdout when it exits.
fn chromium(bin: &Path, profile: &Path, args: &[String]) -> Option<Vec<u8>> {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut buf).ok();
        buf
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > Duration::from_secs(60) => {
                child.kill().ok();
                child.wait().ok();
                eprintln!("chromium did not finish in 60 s; killed");
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(_) => return None,
        }
    }
    reader.join().ok()
}

#[test]
fn html_renders_in_headless_chromium() {
    let Some(bin) = find_chromium() else {
        eprintln!("skipping: chromium not installed");
        return;
    };
    let run = run_main(&["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let report = run.outdir().join("report.html");
    let url = format!("file://{}", report.display());
    let tmp = tempfile::tempdir().expect("tmp");
    let shot = tmp.path().join("shot.png");
    let out = chromium(
        &bin,
        &tmp.path().join("profile"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
            url.clone(),
        ],
    );
    assert!(out.is_some(), "chromium failed to take a screenshot");
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10 * 1024, "screenshot is only {size} bytes");
    let dom = chromium(
        &bin,
        &tmp.path().join("profile2"),
        &["--dump-dom".into(), url],
    )
    .map(|b| String::from_utf8_lossy(&b).into_owned())
    .unwrap_or_default();
    assert!(
        dom.contains("id=\"causes-table\""),
        "causes table not in the DOM"
    );
    assert!(dom.contains("token_expired"), "causes not in the DOM");
    assert!(dom.contains("<svg"), "charts not in the DOM");
}

#[test]
fn prom_file_is_valid_text_exposition() {
    let dir = tempfile::tempdir().expect("tmp");
    let prom = dir.path().join("authlens.prom");
    let run = run_main(&["-q", "--prom", prom.to_str().unwrap_or("")]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let text = std::fs::read_to_string(&prom).expect("prom file written");
    let sample = regex::Regex::new(
        r#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)$"#,
    )
    .expect("regex");
    let mut typed = std::collections::BTreeSet::new();
    let mut names = std::collections::BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.insert(rest.split(' ').next().unwrap_or("").to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let caps = sample
            .captures(line)
            .unwrap_or_else(|| panic!("not a valid sample line: {line}"));
        let name = caps[1].to_string();
        assert!(typed.contains(&name), "{name} has no # TYPE before it");
        names.insert(name);
    }
    for n in [
        "authlens_401_total",
        "authlens_requests_total",
        "authlens_inputs_unreadable",
        "authlens_spikes",
        "authlens_last_run_timestamp_seconds",
    ] {
        assert!(names.contains(n), "{n} missing");
    }
    let expired = run.summary()["totals"]["by_cause"]["token_expired"]
        .as_u64()
        .unwrap_or(0);
    assert!(text.contains(&format!(
        "authlens_401_total{{cause=\"token_expired\"}} {expired}\n"
    )));
    // Atomic write: no temp file left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn fail_on_exits_3_and_names_the_threshold_on_stderr() {
    let run = run_main(&["-q", "--fail-on", "token_expired>1,any>100000"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr().contains("threshold crossed: token_expired:"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("any:"), "{}", run.stderr());
    // Outputs are still written when the threshold is crossed.
    assert!(!run.read("report.md").is_empty());

    let run = run_main(&["-q", "--fail-on", "token_expired>1000"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(!run.stderr().contains("threshold"), "{}", run.stderr());

    let run = run_main(&["-q", "--fail-on", "any>=1"]);
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr().contains("threshold crossed: any: "),
        "{}",
        run.stderr()
    );

    let run = run_main(&["-q", "--fail-on", "tokn_expired>1"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("--fail-on"), "{}", run.stderr());
}

fn without_generated_at(text: &str) -> String {
    text.lines()
        .filter(|l| !l.contains("generated_at"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn reruns_are_byte_identical_apart_from_generated_at() {
    let a = run_main(&["-q"]);
    let b = run_main(&["-q", "--threads", "1"]);
    assert_eq!(a.code(), 0);
    assert_eq!(b.code(), 0);
    for name in [
        "failures.csv",
        "causes.csv",
        "endpoints.csv",
        "trend.csv",
        "summary.json",
        "report.md",
    ] {
        let (x, y) = (a.read(name), b.read(name));
        assert!(!x.is_empty(), "{name} empty");
        assert!(
            without_generated_at(&x) == without_generated_at(&y),
            "{name} differs between runs"
        );
    }
}

#[test]
fn baseline_adds_deltas_and_new_and_vanished_causes() {
    let s = samples();
    let first = common::analyze(&[s.join("devtools-shop.har")], &["-q"]);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let base = first.outdir().join("summary.json");
    let second = common::analyze(
        &[s.join("proxy-partner.har")],
        &["-q", "--baseline", base.to_str().unwrap_or("")],
    );
    assert_eq!(second.code(), 0, "{}", second.stderr());
    let causes = |v: &serde_json::Value| -> std::collections::BTreeSet<String> {
        v["causes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["cause"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old, new) = (causes(&first.summary()), causes(&second.summary()));
    let b = &second.summary()["baseline"];
    assert_eq!(b["path"].as_str(), base.to_str());
    assert!(b["generated_at"].is_string());
    let list = |k: &str| -> Vec<String> {
        b[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let expect_new: Vec<String> = new.difference(&old).cloned().collect();
    let expect_vanished: Vec<String> = old.difference(&new).cloned().collect();
    assert!(
        !expect_new.is_empty() && !expect_vanished.is_empty(),
        "samples should differ"
    );
    assert_eq!(list("new_causes"), expect_new);
    assert_eq!(list("vanished_causes"), expect_vanished);
    for c in b["causes"].as_array().cloned().unwrap_or_default() {
        let (n, o, d) = (
            c["count"].as_i64().unwrap_or(-1),
            c["baseline_count"].as_i64().unwrap_or(-1),
            c["delta"].as_i64().unwrap_or(-1),
        );
        assert_eq!(n - o, d, "{c}");
        assert!(c["share"].is_number() && c["baseline_share"].is_number());
    }
    assert!(b["endpoints"].as_array().is_some_and(|a| !a.is_empty()));
    let md = second.read("report.md");
    assert!(md.contains("## Compared with the baseline"));
    assert!(md.contains("- New causes:") && md.contains("- Vanished causes:"));
    assert!(second
        .read("report.html")
        .contains("Compared with the baseline"));

    // A missing or invalid baseline is a clear error naming the file.
    let missing = common::analyze(
        &[s.join("proxy-partner.har")],
        &["-q", "--baseline", "/nonexistent/summary.json"],
    );
    assert_eq!(missing.code(), 1);
    assert!(
        missing.stderr().contains("/nonexistent/summary.json"),
        "{}",
        missing.stderr()
    );
    let (_d, bad) = common::temp_file("summary.json", b"{\"causes\": 5}");
    let invalid = common::analyze(
        &[s.join("proxy-partner.har")],
        &["-q", "--baseline", bad.to_str().unwrap_or("")],
    );
    assert_eq!(invalid.code(), 1);
    assert!(
        invalid.stderr().contains(bad.to_str().unwrap_or("?")),
        "{}",
        invalid.stderr()
    );
}

/// A labelled expired-token request from samples/labels.jsonl.
fn labelled(cause: &str) -> (String, String) {
    let text = std::fs::read_to_string(samples().join("labels.jsonl")).expect("labels");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["cause"] == cause && v["in_har"] == true && v["request_id"].is_string())
        .map(|v| {
            (
                v["case"].as_str().unwrap_or("").to_string(),
                v["request_id"].as_str().unwrap_or("").to_string(),
            )
        })
        .expect("a labelled case")
}

#[test]
fn explain_walks_an_expired_token_step_by_step() {
    let exp_sentence =
        regex::Regex::new(r"exp: \S+ \(\d+ min before the server's Date\)").expect("regex");
    let (case, request_id) = labelled("token_expired");
    for selector in [
        ["--request-id", request_id.as_str()],
        ["--case", case.as_str()],
    ] {
        let out = explain(&selector);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("cause: token_expired"), "{text}");
        assert!(exp_sentence.is_match(&text), "{text}");
        assert!(text.contains("$TOKEN"), "{text}");
        // The steps come in debugging order.
        let pos = |s: &str| text.find(s).unwrap_or(usize::MAX);
        assert!(pos("1) Credential sent") < pos("2) Challenge"));
        assert!(pos("2) Challenge") < pos("3) Server logs"));
        assert!(pos("3) Server logs") < pos("4) Token claims"));
        assert!(pos("4) Token claims") < pos("7) Verdict"));
        assert!(pos("7) Verdict") < pos("8) Reproduce"));
    }
}

#[test]
fn explain_on_a_request_that_did_not_fail_says_so() {
    let out = explain(&["--case", "s0006"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(text.contains("is not a 401"), "{text}");
    assert!(
        text.contains("4) Token claims") && !text.contains("7) Verdict"),
        "{text}"
    );
}

#[test]
fn explain_with_no_match_exits_1_with_a_clear_message() {
    let out = explain(&["--request-id", "no-such-request-id"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no request matches --request-id no-such-request-id"),
        "{err}"
    );
}
