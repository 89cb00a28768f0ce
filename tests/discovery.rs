//! Which files a directory walk reads and which it skips, through the CLI:
//! a file found in a directory is read only when it is recognisably a HAR
//! or a log (named explicitly, anything is tried).

mod common;

/// A pino request log: `successes` 2xx lines, then a 401 with its reason.
fn pino_log(successes: usize, with_time: bool) -> String {
    let line = |i: usize, status: u16, msg: &str| {
        let time = if with_time {
            format!(r#""time":{},"#, 1_795_424_400_009u64 + i as u64 * 250)
        } else {
            String::new()
        };
        format!(
            r#"{{"level":30,{time}"pid":4704,"req":{{"id":"r{i}","method":"GET","url":"/api/v1/items/{i}","headers":{{"host":"api.example"}}}},"res":{{"statusCode":{status}}},"responseTime":12,"msg":"{msg}"}}"#
        ) + "\n"
    };
    let mut text: String = (0..successes)
        .map(|i| line(i, 200, "request completed"))
        .collect();
    text.push_str(&line(successes, 401, "jwt expired"));
    text
}

#[test]
fn a_json_log_that_starts_with_successes_is_read_from_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("app.log"), pino_log(40, true)).expect("write");
    let run = common::analyze(&[dir.path()], &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let summary = run.summary();
    assert_eq!(summary["inputs"][0]["format"], "json-lines", "{summary}");
    assert_eq!(summary["inputs"][0]["records"], 41);
    let failures = run.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["cause"], "token_expired");
    assert_eq!(failures[0]["time"], "2026-11-23T09:00:10.009Z");
}

#[test]
fn untimed_json_lines_in_a_directory_are_data_and_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("export.jsonl"), pino_log(40, false)).expect("write");
    let run = common::analyze(&[dir.path()], &["-q"]);
    let summary = run.summary();
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("export.jsonl: skipped (not a recognised log"),
        "{summary}"
    );
    assert_eq!(summary["inputs"].as_array().map(Vec::len), Some(0));
    // Nothing left to read.
    assert_eq!(run.code(), 1, "{}", run.stderr());
}
