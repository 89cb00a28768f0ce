//! Hostile text in a HAR (URLs, headers, challenges, bodies) must come out
//! inert in every output: CSV cells a spreadsheet would run are quoted,
//! the terminal gets no escape sequences, Markdown/HTML reports (when
//! written) escape markup.

mod common;

use common::{analyze, temp_file};

const SCRIPT: &str = "<script>alert(1)</script>";
const FORMULA: &str = "=HYPERLINK(\"http://x\")";
const ESC: &str = "\u{1b}[31m";

fn hostile_har() -> String {
    let nasty = format!("{FORMULA}{SCRIPT}|`tick`\nnext line{ESC}red");
    let entry = |url: &str, when: &str| {
        serde_json::json!({
            "startedDateTime": when,
            "request": {
                "method": "GET",
                "url": url,
                "headers": [
                    {"name": "Authorization", "value": format!("Bearer {ESC}{SCRIPT}")},
                    {"name": "X-Request-ID", "value": format!("{FORMULA}{ESC}")},
                    {"name": "User-Agent", "value": nasty},
                ],
                "queryString": [],
                "cookies": [],
            },
            "response": {
                "status": 401,
                "headers": [
                    {"name": "WWW-Authenticate", "value": format!(
                        "Bearer realm=\"{SCRIPT}\", error=\"invalid_token\", error_description=\"{}\"",
                        nasty.replace('"', "'")
                    )},
                    {"name": "Content-Type", "value": "application/json"},
                ],
                "content": {
                    "mimeType": "application/json",
                    "text": serde_json::json!({"message": nasty, "error": format!("@SUM(A1){ESC}")}).to_string(),
                },
            },
        })
    };
    let doc = serde_json::json!({"log": {"version": "1.2", "creator": {"name": SCRIPT, "version": FORMULA}, "entries": [
        entry(&format!("https://evil.example/a/{SCRIPT}?q={FORMULA}&p=|`x`&e={ESC}"), "2026-11-20T10:00:00Z"),
        entry(&format!("{FORMULA}/path?x=1"), "2026-11-20T10:00:01Z"),
        entry(&format!("+cmd|' /C calc'!A0{ESC}"), "2026-11-20T10:00:02Z"),
        entry("@SUM(1+1)*cmd|' /C calc'!A0", "2026-11-20T10:00:03Z"),
        entry("-2+3+cmd|' /C calc'!A0", "2026-11-20T10:00:04Z"),
    ]}});
    serde_json::to_string_pretty(&doc).expect("json")
}

#[test]
fn hostile_strings_are_neutralized_in_every_output() {
    let (_dir, har) = temp_file("hostile.har", hostile_har().as_bytes());
    let run = analyze(&[&har], &[]);
    assert!(run.code() == 0 || run.code() == 2, "{}", run.stderr());

    // CSV: no cell a spreadsheet would evaluate.
    let mut quoted = 0;
    for name in ["failures.csv", "causes.csv", "endpoints.csv", "trend.csv"] {
        let text = run.read(name);
        assert!(!text.contains('\u{1b}'), "{name}: ESC in a CSV");
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for record in rdr.records() {
            let record = record.expect("valid CSV");
            for cell in record.iter() {
                let first = cell.chars().next();
                let risky = matches!(first, Some('=' | '+' | '@' | '\t' | '\r'))
                    || (first == Some('-') && cell.parse::<f64>().is_err());
                assert!(!risky, "{name}: formula-like cell {cell:?}");
                if cell.starts_with("'=") || cell.starts_with("'+") || cell.starts_with("'@") {
                    quoted += 1;
                }
            }
        }
    }
    assert!(quoted >= 3, "the hostile values never reached failures.csv");
    let failures = run.failures();
    assert_eq!(failures.len(), 5);

    // Terminal: no escape sequence on stdout or stderr.
    assert!(!run.out.stdout.contains(&0x1b), "ESC on stdout");
    assert!(!run.out.stderr.contains(&0x1b), "ESC on stderr");
    assert!(!run.out.stdout.contains(&0x9b), "C1 CSI on stdout");

    // JSON stays JSON.
    let summary: serde_json::Value =
        serde_json::from_str(&run.read("summary.json")).expect("summary.json is JSON");
    assert!(summary.is_object());

    // Reports, when this build writes them.
    for name in ["report.md", "report.html"] {
        let path = run.outdir().join(name);
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read report");
        assert!(
            !text.contains(SCRIPT),
            "{name}: raw <script> in: {:?}",
            text.lines()
                .filter(|l| l.contains(SCRIPT))
                .collect::<Vec<_>>()
        );
        assert!(!text.contains("<script>alert"), "{name}: raw <script>");
        assert!(!text.contains('\u{1b}'), "{name}: ESC");
        if name == "report.md" {
            // A value with a newline or pipe must not start a new row.
            assert!(
                !text.lines().any(|l| l.starts_with("next line")),
                "{name}: a newline escaped a table cell"
            );
        }
    }
}

#[test]
fn credentials_in_hostile_headers_are_not_echoed() {
    let (_dir, har) = temp_file("hostile.har", hostile_har().as_bytes());
    let run = analyze(&[&har], &[]);
    let everything = format!(
        "{}{}{}",
        common::all_output(&run.outdir()),
        run.stdout(),
        run.stderr()
    );
    // The Authorization value is a credential, however odd it looks.
    assert!(!everything.contains(&format!("Bearer {ESC}{SCRIPT}")));
}
