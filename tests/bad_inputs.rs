//! Bad inputs through the real CLI. Every case runs the damaged input next
//! to a good HAR and checks three things: the error names the file and the
//! position (in summary.json and on stderr), the good input still completes
//! and its results are written, and the exit code (ARCHITECTURE.md: 0 ok,
//! 1 usage or all inputs unreadable, 2 some inputs unreadable or partial).
//! Every run is bounded in time: a hang is a failure, not a stuck CI job.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::Run;
use serde_json::Value;

const GOOD_HOST: &str = "good.example";
const BAD_HOST: &str = "bad.example";

fn entry(host: &str, i: usize) -> String {
    format!(
        r#"{{"startedDateTime":"2026-11-23T09:00:{:02}Z","request":{{"method":"GET","url":"https://{host}/v1/item/{i}","headers":[{{"name":"Authorization","value":"Bearer opaque-token-{i}-abcdefghijklmnop"}}]}},"response":{{"status":401,"headers":[{{"name":"WWW-Authenticate","value":"Bearer error=\"invalid_token\""}}]}}}}"#,
        i % 60
    )
}

fn har(host: &str, n: usize) -> String {
    let entries: Vec<String> = (0..n).map(|i| entry(host, i)).collect();
    format!(
        r#"{{"log":{{"version":"1.2","creator":{{"name":"test","version":"1"}},"entries":[{}]}}}}"#,
        entries.join(",")
    )
}

/// Run `authlens analyze INPUTS -o TMP/out -q EXTRA`, killed after `secs`.
fn analyze_bounded(inputs: &[&Path], extra: &[&str], secs: u64) -> Run {
    analyze_bounded_with_env(inputs, extra, &[], secs)
}

/// [`analyze_bounded`] with these environment variables set.
fn analyze_bounded_with_env(
    inputs: &[&Path],
    extra: &[&str],
    env: &[(&str, &str)],
    secs: u64,
) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let stdout = std::fs::File::create(dir.path().join("stdout")).expect("stdout file");
    let stderr = std::fs::File::create(dir.path().join("stderr")).expect("stderr file");
    let mut child = Command::new(common::bin())
        .arg("analyze")
        .args(inputs)
        .arg("-o")
        .arg(dir.path().join("out"))
        .arg("-q")
        .args(extra)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("run authlens");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("authlens did not finish within {secs}s on {inputs:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: std::fs::read(dir.path().join("stdout")).unwrap_or_default(),
        stderr: std::fs::read(dir.path().join("stderr")).unwrap_or_default(),
    };
    Run { out, dir }
}

/// A good HAR (3 × 401 on good.example) in its own temp dir.
fn good() -> (tempfile::TempDir, PathBuf) {
    common::temp_file("good.har", har(GOOD_HOST, 3).as_bytes())
}

/// `bad` and a good HAR in one run.
fn with_good(bad: &Path, extra: &[&str]) -> Run {
    let (_g, good) = good();
    let run = analyze_bounded(&[bad, &good], extra, 120);
    assert_good_completed(&run, &good);
    run
}

fn input(run: &Run, path: &Path) -> Value {
    let label = path.display().to_string();
    run.summary()["inputs"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["path"] == label.as_str()).cloned())
        .unwrap_or_else(|| {
            panic!(
                "{label} not in summary.json inputs:\n{}",
                run.read("summary.json")
            )
        })
}

/// The good HAR was read whole and its three 401s are in failures.csv.
fn assert_good_completed(run: &Run, good: &Path) {
    let g = input(run, good);
    assert_eq!(g["records"], 3, "good input: {g}\nstderr: {}", run.stderr());
    assert_eq!(g["errors"].as_array().map(Vec::len), Some(0), "{g}");
    let rows = run
        .failures()
        .iter()
        .filter(|r| r["host"] == GOOD_HOST)
        .count();
    assert_eq!(
        rows,
        3,
        "good.har rows in failures.csv:\n{}",
        run.read("failures.csv")
    );
}

/// summary.json lists the error at `at` with `needle` in its message, and
/// stderr prints it as `authlens: PATH: AT: MESSAGE`.
fn assert_error(run: &Run, path: &Path, at: &str, needle: &str) {
    let i = input(run, path);
    let errors = i["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e["at"] == at && e["message"].as_str().is_some_and(|m| m.contains(needle))),
        "no error at {at:?} containing {needle:?} in {errors:?}"
    );
    let line = format!("authlens: {}: {at}: ", path.display());
    assert!(
        run.stderr()
            .lines()
            .any(|l| l.starts_with(&line) && l.contains(needle)),
        "stderr lacks {line}…{needle}:\n{}",
        run.stderr()
    );
}

fn records(run: &Run, path: &Path) -> u64 {
    input(run, path)["records"].as_u64().unwrap_or(u64::MAX)
}

fn warnings(run: &Run) -> Vec<String> {
    run.summary()["warnings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_warning(run: &Run, needle: &str) {
    let w = warnings(run);
    assert!(
        w.iter().any(|x| x.contains(needle)),
        "no warning with {needle:?} in {w:?}"
    );
}

// ---- a bug in one input's reader ----

/// A panic while reading one input (injected: debug builds only) is that
/// input's error: the other input is still read and explained, the exit
/// code says some input was unreadable, and the panic's formatted message,
/// which could quote the input, is printed nowhere.
#[cfg(debug_assertions)]
#[test]
fn a_panic_reading_one_input_costs_that_input_only_and_quotes_nothing() {
    let (_b, bad) = common::temp_file("crashes.har", har(BAD_HOST, 2).as_bytes());
    let (_g, good) = good();
    let secret = "eyJhbGciOiJIUzI1NiJ9.aW5qZWN0ZWQtZmF1bHQ.c2lnbmF0dXJlLXZhbHVl";
    let env = [
        ("AUTHLENS_DEBUG_PANIC_ON", "crashes.har"),
        ("AUTHLENS_DEBUG_PANIC_TEXT", secret),
    ];
    let run = analyze_bounded_with_env(&[&bad, &good], &[], &env, 120);
    assert_good_completed(&run, &good);
    assert_error(
        &run,
        &bad,
        "file",
        "an internal error stopped the reading of this input",
    );
    assert_eq!(records(&run, &bad), 0);
    assert_eq!(run.code(), 2, "stderr: {}", run.stderr());
    assert!(
        run.stderr()
            .contains("authlens: internal error at src/analysis.rs:"),
        "{}",
        run.stderr()
    );
    let written = common::all_output(&run.outdir());
    for (what, text) in [
        ("stderr", run.stderr()),
        ("stdout", run.stdout()),
        ("outputs", written),
    ] {
        assert!(!text.contains(secret), "{what} quotes the panic's message");
    }
    assert!(!run.read("failures.csv").contains(BAD_HOST));
}

// ---- truncated and malformed HAR documents ----

#[test]
fn truncated_har_mid_string_keeps_earlier_entries() {
    let doc = har(BAD_HOST, 3);
    let open = doc.find("\"https://bad.example/v1/item/2").expect("url");
    // The error names the start of the entry the cut fell in.
    let entry = doc[..open]
        .rfind("{\"startedDateTime\"")
        .expect("entry start");
    let (_d, bad) = common::temp_file("bad.har", &doc.as_bytes()[..open + 15]);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        &format!("byte {entry}"),
        "(truncated file?) — the 2 entries before this point were kept",
    );
    assert_eq!(records(&run, &bad), 2);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}

#[test]
fn truncated_har_mid_entry_keeps_earlier_entries() {
    let doc = har(BAD_HOST, 3);
    let third = doc.rfind("{\"startedDateTime\"").expect("third entry");
    let cut = doc[third..].find("\"headers\"").expect("headers") + third;
    let (_d, bad) = common::temp_file("bad.har", &doc.as_bytes()[..cut]);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        &format!("byte {third}"),
        "unexpected end of file inside this value (truncated file?)",
    );
    assert_eq!(records(&run, &bad), 2);
    assert_eq!(run.code(), 2);
}

#[test]
fn truncated_har_after_the_entries_array_keeps_all_entries() {
    let doc = har(BAD_HOST, 3);
    let cut = doc.len() - 2; // drop the closing `}}`
    let (_d, bad) = common::temp_file("bad.har", &doc.as_bytes()[..cut]);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        &format!("byte {cut}"),
        "unexpected end of file inside the \"log\" object (truncated file?) — the 3 entries before this point were kept",
    );
    assert_eq!(records(&run, &bad), 3);
    assert_eq!(run.summary()["totals"]["status_401"], 6);
    assert_eq!(run.code(), 2);
}

#[test]
fn invalid_json() {
    let (_d, bad) = common::temp_file("bad.har", br#"{"log":{"entries":[}"#);
    let run = with_good(&bad, &[]);
    assert_error(&run, &bad, "byte 19", "expected a value, found '}'");
    assert_eq!(records(&run, &bad), 0);
    assert_eq!(run.code(), 2);
}

#[test]
fn json_that_is_not_a_har() {
    let (_d, bad) = common::temp_file("bad.har", br#"{"hello":"world","n":[1,2,3]}"#);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        "file",
        "JSON but not a HAR (no top-level \"log\" object)",
    );
    assert_eq!(run.code(), 2);
}

#[test]
fn har_whose_entries_is_not_an_array() {
    let (_d, bad) = common::temp_file("bad.har", br#"{"log":{"entries":{"a":1}}}"#);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        "byte 18",
        "not a HAR: \"log.entries\" is not an array",
    );
    assert_eq!(run.code(), 2);
}

#[test]
fn nesting_100_000_levels_deep() {
    let mut doc = String::from(r#"{"log":{"entries":["#);
    doc.push_str(&"[".repeat(100_000));
    doc.push_str(&"]".repeat(100_000));
    doc.push_str("]}}");
    let (_d, bad) = common::temp_file("bad.har", doc.as_bytes());
    let run = with_good(&bad, &[]);
    // 19 bytes of prefix, then the 513th '[' is over the 512-level cap.
    assert_error(&run, &bad, "byte 531", "JSON nested deeper than 512 levels");
    assert_eq!(run.code(), 2);
}

#[test]
fn empty_file() {
    let (_d, bad) = common::temp_file("bad.har", b"");
    let run = with_good(&bad, &[]);
    assert_error(&run, &bad, "file", "empty file");
    assert_eq!(run.code(), 2);
}

#[test]
fn utf16_har_with_bom_is_refused_with_a_hint() {
    let text = har(BAD_HOST, 1);
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let (_d, bad) = common::temp_file("bad.har", &bytes);
    let run = with_good(&bad, &[]);
    assert_error(&run, &bad, "file", "iconv -f UTF-16 -t UTF-8");
    assert_eq!(run.code(), 2);
}

#[test]
fn utf8_bom_har_is_fine() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(har(BAD_HOST, 3).as_bytes());
    let (_d, bad) = common::temp_file("bad.har", &bytes);
    let run = with_good(&bad, &[]);
    assert_eq!(records(&run, &bad), 3);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn invalid_utf8_in_a_log_is_read_lossily() {
    let log = b"10.0.0.1 - - [23/Nov/2026:09:00:00 +0000] \"GET /v1/a HTTP/1.1\" 401 12 \"-\" \"curl/8\"\n\
10.0.0.1 - - [23/Nov/2026:09:00:01 +0000] \"GET /v1/\xff\xfe HTTP/1.1\" 401 12 \"-\" \"cu\xc3rl/8\"\n";
    let (_d, bad) = common::temp_file("access.log", log);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        "line 2",
        "invalid UTF-8 (1 line(s), first at line 2); read lossily",
    );
    assert_eq!(records(&run, &bad), 2);
    assert_eq!(run.code(), 0);
}

#[test]
fn invalid_utf8_inside_har_strings_is_read_lossily() {
    let doc = har(BAD_HOST, 3);
    let second = doc
        .find("{\"startedDateTime\":\"2026-11-23T09:00:01Z\"")
        .expect("entry 1");
    let bytes = doc
        .replace("/v1/item/1\"", "/v1/item/\u{1}\"")
        .into_bytes()
        .into_iter()
        .map(|b| if b == 1 { 0xFF } else { b })
        .collect::<Vec<u8>>();
    let (_d, bad) = common::temp_file("bad.har", &bytes);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        &format!("entry 1 (byte {second})"),
        "invalid UTF-8 inside the entry; read lossily",
    );
    assert_eq!(records(&run, &bad), 3);
    assert_eq!(run.code(), 0);
}

#[test]
fn har_entries_with_nulls_and_wrong_types() {
    let doc = format!(
        r#"{{"log":{{"version":null,"creator":7,"pages":null,"entries":[null,{{"request":null,"response":null}},{{"startedDateTime":5,"request":{{"method":3,"url":null,"headers":[null,{{"name":null,"value":5}},{{"name":"Authorization","value":["x"]}}],"cookies":"a","queryString":{{}}}},"response":{{"status":"401","headers":{{"a":1}},"content":[],"cookies":7}},"timings":"x"}},{},7,"s",{{"request":"Bearer planted_SECRET123456"}}]}}}}"#,
        entry(BAD_HOST, 0)
    );
    let null_at = doc.find("[null").expect("entries") + 1;
    let (_d, bad) = common::temp_file("bad.har", doc.as_bytes());
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        &format!("entry 0 (byte {null_at})"),
        "entry is null, not a HAR entry object; skipped",
    );
    let i = input(&run, &bad);
    // null, 7, "s" and the string-typed request are dropped; the rest read.
    assert_eq!(i["records"], 3, "{i}");
    assert!(run.failures().iter().any(|r| r["host"] == BAD_HOST));
    // serde quotes wrong-typed values; a secret must not come out that way.
    assert!(!run.stderr().contains("planted_SECRET"), "{}", run.stderr());
    assert!(!common::all_output(&run.outdir()).contains("planted_SECRET"));
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

// ---- size and structure caps ----

#[test]
fn a_100_mb_single_line_is_skipped_in_bounded_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("huge.log");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&bad).expect("create"));
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&chunk).expect("write");
        }
        f.write_all(b"\n10.0.0.1 - - [23/Nov/2026:09:00:00 +0000] \"GET /v1/a HTTP/1.1\" 401 12 \"-\" \"curl/8\"\n")
            .expect("write");
    }
    let start = Instant::now();
    let run = with_good(&bad, &[]);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_error(
        &run,
        &bad,
        "line 1",
        "line longer than 1048576 bytes (--max-line-bytes), skipped",
    );
    assert_warning(&run, "1 line(s) longer than 1048576 bytes were skipped");
    assert_eq!(records(&run, &bad), 1);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn max_line_bytes_flag_sets_the_log_line_cap() {
    let log = format!(
        "{}\n10.0.0.1 - - [23/Nov/2026:09:00:00 +0000] \"GET /v1/a HTTP/1.1\" 401 12 \"-\" \"curl/8\"\n",
        "y".repeat(5000)
    );
    let (_d, bad) = common::temp_file("access.log", log.as_bytes());
    let run = with_good(&bad, &["--max-line-bytes", "1000"]);
    assert_error(&run, &bad, "line 1", "line longer than 1000 bytes");
    assert_warning(
        &run,
        "longer than 1000 bytes were skipped (--max-line-bytes)",
    );
    assert_eq!(run.code(), 0);
}

#[test]
fn a_10_mb_header_value_is_cut_with_a_warning() {
    let token = "A".repeat(10 << 20);
    let doc = har(BAD_HOST, 1).replace("opaque-token-0-abcdefghijklmnop", &token);
    let (_d, bad) = common::temp_file("bad.har", doc.as_bytes());
    let run = with_good(&bad, &[]);
    assert_warning(&run, "1 header value(s) longer than 65536 bytes were cut");
    assert_eq!(records(&run, &bad), 1);
    let rows = run.failures();
    let row = rows
        .iter()
        .find(|r| r["host"] == BAD_HOST)
        .expect("bad row");
    assert_eq!(row["credential"], "bearer-opaque", "{row:?}");
    assert!(!common::all_output(&run.outdir()).contains(&"A".repeat(1000)));
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn an_endless_value_stops_at_max_entry_bytes() {
    // A FIFO fed forever after a valid start: only the cap can end it.
    let Some((_d, fifo)) = fifo() else { return };
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) else {
                return;
            };
            let _ = f.write_all(br#"{"log":{"entries":[{"request":{"url":""#);
            let chunk = vec![b'a'; 64 * 1024];
            // Ends with EPIPE once authlens stops reading and closes it.
            while f.write_all(&chunk).is_ok() {}
        })
    };
    let run = with_good(&fifo, &["--max-entry-bytes", "1048576"]);
    unblock(&fifo, writer);
    assert_error(
        &run,
        &fifo,
        "byte 19",
        "longer than 1048576 bytes (--max-entry-bytes); reading stopped",
    );
    assert_warning(&run, "an entry longer than 1048576 bytes stopped reading");
    assert_eq!(run.code(), 2);
}

#[test]
fn an_endless_line_stops_the_log() {
    let Some((_d, fifo)) = fifo() else { return };
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) else {
                return;
            };
            let chunk = vec![b'a'; 64 * 1024];
            while f.write_all(&chunk).is_ok() {}
        })
    };
    let run = with_good(&fifo, &["--max-line-bytes", "1000"]);
    unblock(&fifo, writer);
    assert_error(
        &run,
        &fifo,
        "line 1",
        "not a line-oriented log; reading stopped",
    );
    assert_warning(&run, "longer than 1000 bytes were skipped");
    assert_eq!(run.code(), 2);
}

#[test]
fn dev_zero_ends_in_bounded_time_with_a_clear_error() {
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        eprintln!("note: no /dev/zero here; case skipped");
        return;
    }
    let run = with_good(zero, &[]);
    assert_error(
        &run,
        zero,
        "file",
        "binary data or UTF-16 text: not a HAR or a text log",
    );
    assert_eq!(run.code(), 2);
}

#[test]
fn max_groups_folds_the_rest_into_one_group() {
    let doc = har(BAD_HOST, 6).replace("/v1/item/", "/v1/kind");
    let (_d, bad) = common::temp_file("bad.har", doc.as_bytes());
    let run = with_good(&bad, &["--max-groups", "2"]);
    assert_warning(&run, "(--max-groups)");
    let endpoints = run.summary()["endpoints"].to_string();
    assert!(endpoints.contains("{other}"), "{endpoints}");
    assert_eq!(run.summary()["totals"]["status_401"], 9);
    assert_eq!(run.code(), 0);
}

// ---- compression ----

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

#[test]
fn gzip_truncated_keeps_what_decompressed() {
    let gz = gzip(har(BAD_HOST, 300).as_bytes());
    let (_d, bad) = common::temp_file("bad.har.gz", &gz[..gz.len() * 6 / 10]);
    let run = with_good(&bad, &[]);
    let i = input(&run, &bad);
    let n = i["records"].as_u64().unwrap_or(0);
    assert!(n > 0 && n < 300, "{i}");
    let e = &i["errors"][0];
    assert!(
        e["at"].as_str().is_some_and(|a| a.starts_with("byte ")),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("read error: gzip data:")),
        "{e}"
    );
    assert!(run
        .stderr()
        .contains(&format!("authlens: {}: byte ", bad.display())));
    assert_eq!(run.code(), 2);
}

#[test]
fn gzip_with_a_bad_crc_is_reported_after_its_entries() {
    let doc = har(BAD_HOST, 3);
    let mut gz = gzip(doc.as_bytes());
    let crc = gz.len() - 8;
    gz[crc] ^= 0xFF;
    let (_d, bad) = common::temp_file("bad.har.gz", &gz);
    let run = with_good(&bad, &[]);
    assert_error(
        &run,
        &bad,
        &format!("byte {}", doc.len()),
        "read error: gzip data: corrupt gzip stream does not have a matching checksum",
    );
    assert_eq!(records(&run, &bad), 3);
    assert_eq!(run.code(), 2);
}

#[test]
fn corrupt_zstd_frame() {
    let mut bytes = vec![0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x58, 0xFF, 0xFF];
    bytes.extend_from_slice(&[0xAB; 64]);
    let (_d, bad) = common::temp_file("bad.har.zst", &bytes);
    let run = with_good(&bad, &[]);
    assert_error(&run, &bad, "file", "cannot read: zstd data: ");
    assert_eq!(run.code(), 2);
}

// ---- paths and special files ----

#[test]
fn directory_with_a_symlink_loop_is_walked_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.har"), har(BAD_HOST, 3)).expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).expect("symlink");
    let run = with_good(dir.path(), &[]);
    assert_warning(&run, "directory already visited (symlink loop); skipped");
    assert_eq!(records(&run, &dir.path().join("a.har")), 3);
    assert_eq!(run.summary()["inputs"].as_array().map(Vec::len), Some(2));
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn unreadable_file() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let (_d, bad) = common::temp_file("bad.har", har(BAD_HOST, 1).as_bytes());
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        if std::fs::File::open(&bad).is_ok() {
            eprintln!(
                "note: running as root (a chmod 000 file is readable); unreadable_file skipped"
            );
            return;
        }
        let run = with_good(&bad, &[]);
        assert_error(&run, &bad, "file", "cannot read: Permission denied");
        assert_eq!(run.code(), 2);
    }
}

/// A FIFO in a fresh temp dir (None where mkfifo is unavailable).
fn fifo() -> Option<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("pipe.har");
    let ok = Command::new("mkfifo")
        .arg(&path)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("note: mkfifo unavailable; FIFO case skipped");
        return None;
    }
    Some((dir, path))
}

/// Make sure a writer thread blocked on opening the FIFO gets released.
fn unblock(fifo: &Path, writer: std::thread::JoinHandle<()>) {
    if !writer.is_finished() {
        // A reader open releases a writer still waiting for one.
        let _ = std::fs::File::open(fifo);
    }
    let _ = writer.join();
}

#[test]
fn fifo_input() {
    let Some((_d, fifo)) = fifo() else { return };
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                let _ = f.write_all(har(BAD_HOST, 3).as_bytes());
            }
        })
    };
    let run = with_good(&fifo, &[]);
    unblock(&fifo, writer);
    assert_eq!(records(&run, &fifo), 3);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn nonexistent_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("missing.har");
    let run = with_good(&bad, &[]);
    assert_error(&run, &bad, "path", "no such file or directory");
    assert_eq!(run.code(), 2);
}

#[test]
fn all_inputs_unreadable_exits_1() {
    let (_d, empty) = common::temp_file("empty.har", b"");
    let missing = empty.with_file_name("missing.har");
    let run = analyze_bounded(&[&empty, &missing], &[], 60);
    assert_error(&run, &empty, "file", "empty file");
    assert_error(&run, &missing, "path", "no such file or directory");
    assert!(run
        .stderr()
        .contains("none of the 2 input(s) could be read"));
    assert_eq!(run.code(), 1);
}
