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
