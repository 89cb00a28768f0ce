//! Leak-proofing: no credential from the inputs appears in anything
//! `analyze` writes (every file in the output directory, stdout, stderr),
//! on the full sample set and on broken inputs. The credentials are
//! collected from the inputs themselves, not only from `secrets.txt`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine;
use common::{all_output, analyze, repo, Run};

fn samples() -> PathBuf {
    repo().join("samples")
}

/// Values shorter than this are too common to search for (`1`, `true`).
const MIN_LEN: usize = 8;

fn add(set: &mut BTreeSet<String>, v: &str) {
    let v = v.trim().trim_matches('"');
    if v.len() >= MIN_LEN {
        set.insert(v.to_string());
    }
}

/// An Authorization value, its token, a JWT's signature, a Basic password.
fn add_authorization(set: &mut BTreeSet<String>, value: &str) {
    // `Bearer undefined` and friends are bugs, not credentials.
    let parsed = authlens::credential::parse_authorization(value);
    if parsed.defects.iter().any(|d| {
        matches!(
            d,
            authlens::credential::Defect::Placeholder(_) | authlens::credential::Defect::EmptyValue
        )
    }) {
        return;
    }
    add(set, value);
    let token = value.split_once(' ').map_or(value, |(_, t)| t).trim();
    add(set, token);
    let bare = token.trim_matches('"');
    if bare.starts_with("eyJ") {
        if let Some((_, sig)) = bare.rsplit_once('.') {
            add(set, sig);
        }
    }
    if value
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("basic ")
    {
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(bare) {
            let decoded = String::from_utf8_lossy(&bytes).into_owned();
            add(set, &decoded);
            if let Some((_, pass)) = decoded.split_once(':') {
                add(set, pass);
            }
        } else if let Some((_, pass)) = bare.split_once(':') {
            add(set, pass); // sent unencoded: a malformed Basic
        }
    }
}

fn pairs(v: &serde_json::Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").to_ascii_lowercase(),
                        p["value"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every credential in the sample HARs, found by reading them.
fn credentials_in(har: &Path) -> BTreeSet<String> {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(har).expect("read HAR")).expect("HAR is JSON");
    let mut set = BTreeSet::new();
    for e in doc["log"]["entries"].as_array().expect("entries") {
        let req = &e["request"];
        for (name, value) in pairs(&req["headers"]) {
            match name.as_str() {
                "authorization" | "proxy-authorization" => add_authorization(&mut set, &value),
                "cookie" => {
                    for c in value.split(';') {
                        if let Some((_, v)) = c.split_once('=') {
                            add(&mut set, v);
                        }
                    }
                }
                n if authlens::credential::is_api_key_header(n) => add(&mut set, &value),
                _ => {}
            }
        }
        for (_, value) in pairs(&req["cookies"]) {
            add(&mut set, &value);
        }
        for (name, value) in pairs(&req["queryString"]) {
            if authlens::credential::is_secret_param(&name) {
                add(&mut set, &value);
            }
        }
        let url = req["url"].as_str().unwrap_or("");
        for (name, value) in authlens::har::entry::split_url(url).2 {
            if authlens::credential::is_secret_param(&name) {
                add(&mut set, &value);
            }
        }
        for (name, value) in pairs(&e["response"]["headers"]) {
            match name.as_str() {
                "set-cookie" => {
                    for line in value.lines() {
                        let first = line.split(';').next().unwrap_or("");
                        if let Some((_, v)) = first.split_once('=') {
                            add(&mut set, v);
                        }
                    }
                }
                "www-authenticate" => {
                    // NTLM/Negotiate server tokens.
                    for line in value.lines() {
                        if let Some((scheme, token)) = line.split_once(' ') {
                            if ["ntlm", "negotiate"].contains(&scheme.to_ascii_lowercase().as_str())
                            {
                                add(&mut set, token);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for (_, value) in pairs(&e["response"]["cookies"]) {
            add(&mut set, &value);
        }
    }
    set
}

fn all_credentials() -> Vec<String> {
    let mut set = BTreeSet::new();
    for h in ["devtools-shop.har", "proxy-partner.har"] {
        set.extend(credentials_in(&samples().join(h)));
    }
    let found_in_hars = set.len();
    let listed = std::fs::read_to_string(samples().join("secrets.txt")).expect("secrets.txt");
    for line in listed.lines() {
        add(&mut set, line);
    }
    assert!(
        found_in_hars > 50,
        "only {found_in_hars} credentials found in the HARs: the collector is broken"
    );
    set.into_iter().collect()
}

fn assert_no_leak(what: &str, run: &Run, credentials: &[String]) {
    let mut everything = all_output(&run.outdir());
    everything.push_str(&run.stdout());
    everything.push_str(&run.stderr());
    for c in credentials {
        if let Some(at) = everything.find(c.as_str()) {
            let start = at.saturating_sub(60);
            panic!(
                "{what}: a credential ({} chars, starting {:?}) leaked near: {:?}",
                c.len(),
                &c[..4.min(c.len())],
                &everything[start..at]
            );
        }
    }
}

fn env() -> String {
    samples().join("env.toml").to_string_lossy().into_owned()
}

#[test]
fn no_credential_leaks_from_analyzing_all_samples() {
    let credentials = all_credentials();
    let inputs = [
        samples().join("devtools-shop.har"),
        samples().join("proxy-partner.har"),
        samples().join("logs"),
        samples().join("logs-only"),
    ];
    let run = analyze(&inputs, &["--env-config", &env()]);
    assert!(run.code() == 0 || run.code() == 2, "{}", run.stderr());
    assert!(
        run.failures().len() >= 60,
        "the run found too little to be a test"
    );
    assert_no_leak("samples/", &run, &credentials);
    let redacted = analyze(
        &inputs,
        &["--env-config", &env(), "--redact-subjects", "--quiet"],
    );
    assert_no_leak("samples/ --redact-subjects", &redacted, &credentials);
}

#[test]
fn no_credential_leaks_from_a_truncated_har() {
    let credentials = all_credentials();
    let bytes = std::fs::read(samples().join("devtools-shop.har")).expect("read");
    // Cut in the middle of a JWT so the broken value is a credential.
    let text = String::from_utf8_lossy(&bytes);
    let at = text.rfind("Bearer eyJ").expect("a bearer token") + 200;
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = dir.path().join("cut.har");
    std::fs::write(&cut, &bytes[..at]).expect("write");
    let run = analyze(&[&cut], &["--env-config", &env()]);
    assert_ne!(run.code(), 0, "a truncated HAR must not look fine");
    assert!(run.stderr().contains("cut.har"), "{}", run.stderr());
    assert_no_leak("truncated HAR", &run, &credentials);
}

#[test]
fn no_credential_leaks_from_invalid_files() {
    let credentials = all_credentials();
    let secret_jwt = credentials
        .iter()
        .find(|c| c.starts_with("eyJ") && c.matches('.').count() == 2)
        .expect("a JWT")
        .clone();
    let key = credentials
        .iter()
        .find(|c| c.starts_with("pk_live_"))
        .expect("an API key")
        .clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: String| -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let files = [
        // Entries of the wrong shape: serde's messages quote the value.
        write(
            "wrong-types.har",
            format!(
                r#"{{"log": {{"version": "1.2", "entries": [
                    {{"request": "Bearer {secret_jwt}", "response": {{"status": 401}}}},
                    {{"request": {{"method": "GET", "url": "https://x.example/?api_key={key}", "headers": [{{"name": "Authorization", "value": ["Bearer {secret_jwt}"]}}]}}, "response": {{"status": "{key}"}}}},
                    {{"startedDateTime": {{"t": "{key}"}}, "request": {{"headers": {{"Authorization": "Bearer {secret_jwt}"}}}}}}
                ]}}}}"#
            ),
        ),
        // Not JSON at all, a credential in the garbage.
        write(
            "garbage.har",
            format!("{{\"log\": {{\"entries\": [{{\"request\": Bearer {secret_jwt} }}]}}}}"),
        ),
        // A log line that no format reads.
        write(
            "odd.log",
            format!("Authorization: Bearer {secret_jwt}\nx-api-key={key} ???\n"),
        ),
    ];
    let run = analyze(&files, &["--env-config", &env()]);
    assert_no_leak("invalid files", &run, &credentials);
}

#[test]
fn there_is_no_show_secrets_flag() {
    let run = analyze(&[samples().join("proxy-partner.har")], &["--show-secrets"]);
    assert_ne!(run.code(), 0);
    assert!(run.stderr().contains("--show-secrets"), "{}", run.stderr());
}
