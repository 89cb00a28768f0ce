//! analyze on the bundled samples finds every cause the samples were built
//! to show, at least twice, and agrees with samples/labels.jsonl.

mod common;

use std::collections::HashMap;

fn labels() -> Vec<serde_json::Value> {
    let text =
        std::fs::read_to_string(common::repo().join("samples/labels.jsonl")).expect("labels");
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// (label cause, predicted cause) for every failure row that maps to a label.
fn scored(run: &common::Run) -> Vec<(String, String)> {
    let labels = labels();
    let by_rid: HashMap<&str, &serde_json::Value> = labels
        .iter()
        .filter_map(|l| Some((l["request_id"].as_str()?, l)))
        .collect();
    run.failures()
        .iter()
        .filter_map(|row| {
            let l = by_rid.get(row["request_id"].as_str())?;
            Some((
                l["cause"].as_str().unwrap_or("null").to_string(),
                row["cause"].clone(),
            ))
        })
        .collect()
}

#[test]
fn every_har_cause_is_found_at_least_twice_on_samples() {
    let s = common::repo().join("samples");
    let run = common::analyze(
        &[
            s.join("devtools-shop.har"),
            s.join("proxy-partner.har"),
            s.join("logs"),
        ],
        &[
            "-q",
            "--env-config",
            s.join("env.toml").to_str().unwrap_or_default(),
        ],
    );
    assert!(run.code() == 0 || run.code() == 2, "{}", run.stderr());
    let pairs = scored(&run);
    let mut found: HashMap<String, usize> = HashMap::new();
    let mut wrong = Vec::new();
    for (want, got) in &pairs {
        if want == got {
            *found.entry(got.clone()).or_default() += 1;
        } else {
            wrong.push(format!("{want} -> {got}"));
        }
    }
    for cause in [
        "missing_credentials",
        "malformed_credentials",
        "wrong_scheme",
        "api_key_misplaced",
        "token_expired",
        "token_not_yet_valid",
        "wrong_environment",
        "invalid_signature",
        "revoked_credentials",
        "invalid_credentials",
        "insufficient_scope",
        "header_stripped",
        "cors_preflight",
        "cached_response",
        "challenge_handshake",
        "unknown",
    ] {
        assert!(
            found.get(cause).copied().unwrap_or(0) >= 2,
            "{cause} found {:?} times; misclassified: {wrong:?}",
            found.get(cause)
        );
    }
    let correct: usize = found.values().sum();
    assert!(
        correct * 100 >= pairs.len() * 95,
        "only {correct}/{} correct: {wrong:?}",
        pairs.len()
    );
}

#[test]
fn without_keys_invalid_signature_cannot_be_claimed_from_the_har_alone() {
    // The rogue-key tokens verify only with keys; without --env-config the
    // classifier must not invent a signature verdict the HAR can't show,
    // unless the server said so in its response.
    let s = common::repo().join("samples");
    let run = common::analyze(&[s.join("devtools-shop.har")], &["-q"]);
    for row in run.failures() {
        if row["cause"] == "invalid_signature" {
            assert!(
                row["evidence"].contains("says") || row["evidence"].contains("alg"),
                "invalid_signature without server words or alg evidence: {row:?}"
            );
        }
    }
}

/// A HAR with every credential header removed on export (what Chrome's
/// "Export HAR (sanitized)" does): the API host answers both 200 and 401
/// and no request carries anything. Flagged, and not a wall of confident
/// missing_credentials.
#[test]
fn sanitized_capture_is_flagged_and_missing_credentials_get_low_confidence() {
    let src =
        std::fs::read_to_string(common::repo().join("samples/devtools-shop.har")).expect("sample");
    let mut har: serde_json::Value = serde_json::from_str(&src).expect("json");
    let entries = har["log"]["entries"].as_array_mut().expect("entries");
    for e in entries.iter_mut() {
        if let Some(h) = e["request"]["headers"].as_array_mut() {
            h.retain(|h| {
                let n = h["name"].as_str().unwrap_or("").to_ascii_lowercase();
                n != "authorization" && n != "cookie" && !n.contains("api-key")
            });
        }
        e["request"]["cookies"] = serde_json::json!([]);
        if let Some(url) = e["request"]["url"].as_str() {
            let cleaned = url.replace("api_key=", "x=");
            e["request"]["url"] = serde_json::Value::String(cleaned);
        }
        e["request"]["queryString"] = serde_json::json!([]);
    }
    let (_dir, path) = common::temp_file("sanitized.har", har.to_string().as_bytes());
    let run = common::analyze(&[&path], &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let warnings = run.summary()["warnings"].to_string();
    assert!(warnings.contains("looks sanitized"), "{warnings}");
    let rows = run.failures();
    let missing: Vec<_> = rows
        .iter()
        .filter(|r| r["cause"] == "missing_credentials")
        .collect();
    assert!(!missing.is_empty());
    // Only the client view says "missing" there; where the server itself
    // said no token arrived, that statement stands.
    let client_only: Vec<_> = missing
        .iter()
        .filter(|r| !r["evidence"].contains("says"))
        .collect();
    assert!(!client_only.is_empty());
    for r in client_only {
        let c: f64 = r["confidence"].parse().unwrap_or(1.0);
        assert!(
            c <= 0.5,
            "confident missing_credentials in a sanitized capture: {r:?}"
        );
    }
}

/// A capture where nothing was ever sent and nothing succeeds is not
/// "sanitized": the credentials really are missing.
#[test]
fn a_capture_without_any_success_is_not_called_sanitized() {
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"startedDateTime": "2026-11-20T10:00:00Z",
         "request": {"method": "GET", "url": "https://api.example/v1/me", "headers": []},
         "response": {"status": 401, "headers": [{"name": "WWW-Authenticate", "value": "Bearer realm=\"api\""}]}}
    ]}});
    let (_dir, path) = common::temp_file("plain.har", har.to_string().as_bytes());
    let run = common::analyze(&[&path], &["-q"]);
    let warnings = run.summary()["warnings"].to_string();
    assert!(!warnings.contains("sanitized"), "{warnings}");
    let rows = run.failures();
    assert_eq!(rows[0]["cause"], "missing_credentials");
    assert!(rows[0]["confidence"].parse::<f64>().unwrap_or(0.0) >= 0.8);
}
