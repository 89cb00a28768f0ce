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

/// The retry that makes a 401 the first leg of a handshake comes from the
/// client that got the 401. Another client's success on a busy path is no
/// answer (and must not hide the true one that follows), nor is a success
/// from lines that name no client, unless the 401 named none either.
#[test]
fn only_the_challenged_clients_success_answers_a_handshake() {
    let basic = r#"Basic realm=\"admin\""#;
    // Another producer's lines in the same file: no client named.
    let no_client = |ms: u64, status: u16| {
        format!(
            r#"{{"level":"info","time":{ms},"msg":"http request","method":"GET","host":"api.example","path":"/nightly","status":{status}}}"#
        )
    };
    let log = [
        pino(1_795_424_400_000, "10.0.0.5", "/report", 401, basic, ""),
        pino(1_795_424_400_100, "10.0.0.6", "/report", 200, "", ""),
        pino(1_795_424_400_300, "10.0.0.5", "/report", 200, "", ""),
        pino(1_795_424_401_000, "10.0.0.8", "/admin", 401, basic, ""),
        pino(1_795_424_401_200, "10.0.0.9", "/admin", 200, "", ""),
        pino(1_795_424_402_000, "10.0.0.3", "/nightly", 401, basic, ""),
        no_client(1_795_424_402_100, 401),
        no_client(1_795_424_402_200, 200),
    ]
    .join("\n");
    let (_dir, path) = common::temp_file("app.jsonl", log.as_bytes());
    let run = common::analyze(&[&path], &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let rows = run.failures();
    let causes: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["origin"].as_str(), r["cause"].as_str()))
        .collect();
    let handshake = |line: usize| {
        let origin = format!("app.jsonl:{line}");
        let row = causes.iter().find(|(o, _)| o.ends_with(&origin));
        row.unwrap_or_else(|| panic!("no row for line {line}: {causes:?}"))
            .1
            == "challenge_handshake"
    };
    assert!(
        handshake(1),
        "the client's own retry, after another's success"
    );
    assert!(!handshake(4), "another client's success");
    assert!(!handshake(6), "a success naming no client");
    assert!(handshake(7), "no client named on either leg");
    assert_eq!(rows.len(), 4, "{rows:?}");
}
