//! Real-world logs from `shared/realworld` (beside the repo): every `logs/`
//! row of SOURCES.tsv must be detected and give the documented 401/403
//! counts, and nothing secret-looking may survive into an event.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use authlens::logs::{detect, read_log, LogOptions, LogSummary};
use authlens::model::ServerEvent;

fn shared() -> Option<PathBuf> {
    // A clone has `shared/` beside it; a git worktree under `wt/` one level up.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        root.join("../shared/realworld"),
        root.join("../../shared/realworld"),
    ];
    let found = candidates.iter().find(|d| d.is_dir()).cloned();
    if found.is_none() {
        println!("skipping: {} not found", candidates[0].display());
    }
    found
}

fn read(path: &Path) -> (LogSummary, Vec<ServerEvent>) {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name: Arc<str> = Arc::from(path.display().to_string());
    let mut events = Vec::new();
    let summary = read_log(
        &name,
        BufReader::new(file),
        &LogOptions::default(),
        &mut |e| events.push(e),
    );
    (summary, events)
}

/// No `api_key=`/`token=`… followed by a value that is not `[redacted`,
/// and no JWT-looking text.
fn assert_no_raw_secret(where_: &str, text: &str) {
    let lower = text.to_ascii_lowercase();
    for key in [
        "api_key=",
        "apikey=",
        "access_token=",
        "partner_key=",
        "key=",
        "password=",
        "token=",
    ] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(key) {
            let at = from + i + key.len();
            let rest = &text[at..];
            let ok = rest.is_empty()
                || rest.starts_with("[redacted")
                || rest.starts_with('&')
                || rest.starts_with("%5Bredacted")
                || rest.starts_with("[Redacted]");
            assert!(ok, "{where_}: raw secret after {key}: {text}");
            from = at;
        }
    }
    assert!(!text.contains("eyJhbGci"), "{where_}: JWT in {text}");
}

#[test]
fn sources_tsv_logs() {
    let Some(dir) = shared() else { return };
    let tsv = std::fs::read_to_string(dir.join("SOURCES.tsv")).expect("SOURCES.tsv");
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (c_file, c_lines, c_401, c_403) = (
        col("file"),
        col("expected_entries_or_lines"),
        col("expected_401"),
        col("expected_403"),
    );
    let mut checked = 0;
    for row in lines {
        let f: Vec<&str> = row.split('\t').collect();
        let Some(path) = f.get(c_file).filter(|p| p.starts_with("logs/")) else {
            continue;
        };
        let (summary, events) = read(&dir.join(path));
        let bytes = std::fs::read(dir.join(path)).expect("read");
        let head = &bytes[..bytes.len().min(4096)];
        assert!(
            detect(head).is_some(),
            "{path}: detect() on the first 4 KiB"
        );
        println!(
            "{path}: {:?} lines={} req={} 401={} 403={} aux={} unmatched={} events={}",
            summary.format,
            summary.lines,
            summary.requests,
            summary.status_401,
            summary.status_403,
            summary.auth_failures,
            summary.unmatched,
            events.len()
        );
        assert!(summary.format.is_some(), "{path}: format not detected");
        if let Ok(n) = f[c_lines].parse::<u64>() {
            assert_eq!(summary.lines, n, "{path}: lines");
        }
        let expected_401: u64 = f[c_401].parse().expect("expected_401");
        assert_eq!(
            summary.status_401, expected_401,
            "{path}: 401 lines ({summary:?})"
        );
        if let Ok(expected_403) = f[c_403].parse::<u64>() {
            assert_eq!(summary.status_403, expected_403, "{path}: 403 lines");
        }
        // A few files hold foreign lines (a Traefik plugin's `DEBUG:` text in
        // the JSON log): they are counted as unmatched, never most of a file.
        assert!(
            summary.unmatched * 5 < summary.lines,
            "{path}: {} unmatched lines",
            summary.unmatched
        );
        for e in &events {
            let at = format!("{path}:{:?}", e.origin.as_ref().map(|o| o.position));
            for t in [e.url(), e.message(), e.www_authenticate()]
                .into_iter()
                .flatten()
            {
                assert_no_raw_secret(&at, t);
            }
        }
        checked += 1;
    }
    assert!(checked >= 18, "only {checked} log rows checked");
}

#[test]
fn realworld_spot_checks() {
    let Some(dir) = shared() else { return };
    let (s, ev) = read(&dir.join("logs/keycloak-events__crowdsec-keycloak.log"));
    assert_eq!(s.auth_failures, 7);
    assert!(ev
        .iter()
        .any(|e| e.message() == Some("invalid_user_credentials")));
    let (s, ev) = read(&dir.join("logs/nginx-mixed__crowdsec-generic-bf.log"));
    assert_eq!(s.auth_failures, 16);
    assert!(ev
        .iter()
        .filter(|e| e.auxiliary)
        .all(|e| e.host() == Some("localhost")));
    let (s, _) = read(&dir.join("logs/nginx-error__fail2ban-http-auth.log"));
    assert_eq!(s.auth_failures, 10);
    let (s, _) = read(&dir.join("logs/envoy__crowdsec-envoy-cri.log"));
    assert_eq!(s.requests, 10);
    let (s, ev) = read(&dir.join("logs/opensearch-dashboards-syslog-json__crowdsec-bf.log"));
    assert_eq!(s.status_401, 8);
    assert!(ev
        .iter()
        .all(|e| e.method() == Some("POST") && e.url() == Some("/auth/login?dataSourceId=")));
}

/// The labelled express-jwt capture: zero unmatched lines, 401 counts equal
/// to an independent count of the files.
#[test]
fn express_jwt_capture() {
    let Some(dir) = shared() else { return };
    let cap = dir.join("captures/express-jwt");
    let text = |name: &str| std::fs::read_to_string(cap.join(name)).expect(name);

    // Every secret used in the capture (keys, JWTs, partner keys,
    // passwords, Basic values): none may appear in any event field.
    let secrets: Vec<String> = text("secrets.txt")
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| l.len() >= 8)
        .collect();
    assert!(secrets.len() > 50);
    for name in [
        "nginx_access.json",
        "nginx_access_combined.log",
        "nginx_error.log",
        "backend.jsonl",
    ] {
        let (_, events) = read(&cap.join(name));
        for e in &events {
            let fields = [
                e.url(),
                e.message(),
                e.www_authenticate(),
                e.host(),
                e.code(),
            ];
            for f in fields.into_iter().flatten() {
                for secret in &secrets {
                    assert!(
                        !f.contains(secret.as_str()),
                        "{name}: secret leaked into {f}"
                    );
                }
            }
            for id in e.request_ids() {
                assert!(
                    !secrets
                        .iter()
                        .any(|s| id.contains(s.to_ascii_lowercase().as_str())),
                    "{name}: secret in id {id}"
                );
            }
        }
    }

    // nginx JSON: `"status":401` field.
    let expected_json_401 = text("nginx_access.json")
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v["status"].as_u64())
                == Some(401)
        })
        .count() as u64;
    let (s, ev) = read(&cap.join("nginx_access.json"));
    assert_eq!(
        s.format.map(|f| f.to_string()).as_deref(),
        Some("nginx-json")
    );
    assert_eq!(
        (s.unmatched, s.status_401, s.requests),
        (0, expected_json_401, 196)
    );
    assert!(expected_json_401 > 0);
    for e in &ev {
        assert_no_raw_secret("nginx_access.json", e.url().unwrap_or(""));
    }
    assert!(ev
        .iter()
        .any(|e| e.url().is_some_and(|u| u.contains("api_key=[redacted"))));
    // Same requests in combined: the status after the quoted request.
    let expected_combined_401 = text("nginx_access_combined.log")
        .lines()
        .filter(|l| l.contains("\" 401 "))
        .count() as u64;
    let (s, ev) = read(&cap.join("nginx_access_combined.log"));
    assert_eq!((s.unmatched, s.status_401), (0, expected_combined_401));
    assert_eq!(expected_combined_401, expected_json_401);
    for e in &ev {
        assert_no_raw_secret("nginx_access_combined.log", e.url().unwrap_or(""));
    }
    // Challenge legs: the 200 after a Basic 401 on the same path is kept.
    assert!(ev
        .iter()
        .any(|e| e.status == Some(200) && e.url().is_some_and(|u| u.starts_with("/handbook/"))));

    // nginx error log: auth lines only.
    let expected_aux = text("nginx_error.log")
        .lines()
        .filter(|l| {
            l.contains("password mismatch")
                || l.contains("was not found in")
                || l.contains("no user/password")
        })
        .count() as u64;
    let (s, ev) = read(&cap.join("nginx_error.log"));
    assert_eq!(
        (s.unmatched, s.auth_failures, s.requests),
        (0, expected_aux, 0)
    );
    let carol = ev
        .iter()
        .find(|e| e.message() == Some("user \"carol\": password mismatch"))
        .expect("carol line");
    assert_eq!(carol.url(), Some("/metrics/summary?case=t1905"));
    assert_eq!(carol.host(), Some("127.0.0.1:9080"));
    assert!(ev.iter().any(|e| e.message()
        == Some("no user/password was provided for basic authentication")
        && e.url() == Some("/handbook/?case=t2401")));

    // pino backend: `res.statusCode` 401.
    let expected_pino_401 = text("backend.jsonl")
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v["res"]["statusCode"].as_u64())
                == Some(401)
        })
        .count() as u64;
    let (s, ev) = read(&cap.join("backend.jsonl"));
    assert_eq!((s.unmatched, s.status_401), (0, expected_pino_401));
    assert!(expected_pino_401 > 0);
    let expired = ev
        .iter()
        .find(|e| e.url().is_some_and(|u| u.contains("case=t1101")))
        .expect("t1101");
    assert_eq!(expired.status, Some(401));
    assert_eq!(expired.message(), Some("jwt expired"));
    assert_eq!(expired.code(), Some("invalid_token"));
    assert_eq!(
        expired.www_authenticate(),
        Some(
            r#"Bearer realm="shipping-api", error="invalid_token", error_description="jwt expired""#
        )
    );
    let scheme = ev
        .iter()
        .find(|e| e.code() == Some("credentials_bad_scheme"))
        .expect("bad scheme");
    assert_eq!(
        scheme.message(),
        Some("Format is Authorization: Bearer [token]")
    );
    assert!(expired.first_request_id().is_some());
    let scope = ev
        .iter()
        .find(|e| e.code() == Some("permission_denied"))
        .expect("permission_denied");
    assert_eq!(scope.message(), Some("Permission denied"));
    // Revocations (level 30, no status) are auxiliary events.
    assert!(ev.iter().filter(|e| e.auxiliary).count() >= 5);
    for e in &ev {
        assert_no_raw_secret("backend.jsonl", e.url().unwrap_or(""));
    }
}

/// HAR files are not logs: `detect` must say so from their first 4 KiB.
#[test]
fn hars_are_not_detected_as_logs() {
    let Some(dir) = shared() else { return };
    let mut n = 0;
    for entry in std::fs::read_dir(dir.join("har"))
        .expect("har dir")
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).expect("read");
        let head = &bytes[..bytes.len().min(4096)];
        assert_eq!(detect(head), None, "{}", entry.path().display());
        n += 1;
    }
    assert!(n > 20);
}
