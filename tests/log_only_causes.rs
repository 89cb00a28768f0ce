//! Causes decided from a server log alone, through the CLI: what a retry
//! that succeeded makes of the 401 before it.

mod common;

/// A pino request line: `client` asks `method url` and gets `status`,
/// with the challenge and error message the app logged for a 401.
fn pino(ms: u64, client: &str, url: &str, status: u16, www: &str, message: &str) -> String {
    let res = if www.is_empty() {
        format!(r#"{{"statusCode":{status}}}"#)
    } else {
        format!(r#"{{"statusCode":{status},"www_authenticate":"{www}"}}"#)
    };
    let err = if message.is_empty() {
        String::new()
    } else {
        format!(r#","err":{{"type":"UnauthorizedError","message":"{message}","status":401}}"#)
    };
    format!(
        r#"{{"level":30,"time":{ms},"hostname":"api-0","req":{{"method":"GET","url":"{url}","headers":{{"host":"api.example"}},"remoteAddress":"{client}"}},"res":{res}{err},"msg":"request completed"}}"#
    )
}

/// A 401 whose client succeeded right after on the same request is the
/// first leg of a handshake only when it challenged with a handshake
/// scheme (or logged no challenge): a Bearer challenge refusing a token is
/// a failure the retry recovered from, and counting it as benign hid it.
#[test]
fn a_refused_bearer_token_retried_successfully_is_no_handshake() {
    let refused =
        r#"Bearer realm=\"api\", error=\"invalid_token\", error_description=\"invalid signature\""#;
    let log = [
        pino(
            1_795_424_400_000,
            "10.0.0.7",
            "/api/orders",
            401,
            refused,
            "invalid signature",
        ),
        pino(1_795_424_400_400, "10.0.0.7", "/api/orders", 200, "", ""),
        pino(
            1_795_424_401_000,
            "10.0.0.8",
            "/admin",
            401,
            r#"Basic realm=\"admin\""#,
            "",
        ),
        pino(1_795_424_401_300, "10.0.0.8", "/admin", 200, "", ""),
    ]
    .join("\n");
    let (_dir, path) = common::temp_file("app.jsonl", log.as_bytes());
    let run = common::analyze(&[&path], &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let rows = run.failures();
    let cause_of = |url: &str| {
        rows.iter()
            .find(|r| r["path"] == url)
            .map(|r| (r["cause"].clone(), r["secondary_causes"].clone()))
            .unwrap_or_else(|| panic!("no row for {url}: {rows:?}"))
    };
    let (cause, secondary) = cause_of("/api/orders");
    assert_eq!(cause, "invalid_signature");
    assert!(!secondary.contains("challenge_handshake"), "{secondary}");
    assert_eq!(cause_of("/admin").0, "challenge_handshake");
    assert_eq!(rows.len(), 2, "{rows:?}");
}
