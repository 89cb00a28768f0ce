use super::*;
use crate::credential::{parse_authorization, session_cookie};

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVkIjoiYXBpIiwiZXhwIjoxNzAwMDAwMDAwLCJzY29wZSI6InJlYWQgd3JpdGUifQ.c2lnbmF0dXJl";

fn run(doc: &str, keys: &[&str]) -> (String, Stats) {
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let mut out = Vec::new();
    let stats = Sanitizer::new(&keys)
        .sanitize(doc.as_bytes(), &mut out)
        .expect("sanitize");
    (String::from_utf8(out).expect("utf-8"), stats)
}

fn har(entries: &str) -> String {
    format!("{{\"log\": {{\"version\": \"1.2\", \"entries\": [{entries}]}}}}")
}

#[test]
fn document_without_secrets_is_copied_byte_for_byte() {
    let doc = "\u{feff}{ \"log\" : {\"entries\":[ {\"request\":{\"url\":\"https://a.example/x?page=1\",\"headers\":[{\"name\":\"Accept\",\"value\":\"*/*\"}]}, \"n\": 1.50e0} ],\"x\":[1, 2]} }\n";
    let (out, stats) = run(doc, &[]);
    assert_eq!(out, doc);
    assert_eq!(stats.entries, 1);
    assert_eq!(stats.total(), 0);
}

#[test]
fn authorization_keeps_scheme_and_jwt_claims() {
    let doc = har(&format!(
        r#"{{"request":{{"headers":[{{"name":"Authorization","value":"Bearer {JWT}"}},{{"name":"Proxy-Authorization","value":"Basic dXNlcjpwYXNz"}}]}}}}"#
    ));
    let (out, stats) = run(&doc, &[]);
    assert!(!out.contains("c2lnbmF0dXJl"), "{out}");
    assert!(!out.contains("dXNlcjpwYXNz"), "{out}");
    let basic_fp = parse_authorization("Basic dXNlcjpwYXNz").fingerprint;
    assert!(
        out.contains(&format!("Basic [redacted:{basic_fp}]")),
        "{out}"
    );
    let original = parse_authorization(&format!("Bearer {JWT}"));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let sent = v["log"]["entries"][0]["request"]["headers"][0]["value"]
        .as_str()
        .expect("value");
    let c = parse_authorization(sent);
    assert_eq!(c.fingerprint, original.fingerprint);
    assert_eq!(c.jwt.as_ref().and_then(|j| j.exp), Some(1_700_000_000));
    assert!(c.defects.is_empty(), "{:?}", c.defects);
    assert_eq!(stats.by_kind.get(&Replaced::Authorization), Some(&2));
}

#[test]
fn malformed_values_stay_malformed_and_placeholders_stay() {
    for v in [
        "Bearer undefined",
        "Bearer",
        "Bearer [object Object]",
        "Basic user:secretpass",
        "Bearer \"abcdef123456\"",
        "Bearer  abcdef123456",
        "abcdef123456",
    ] {
        let sanitized = redact_authorization(v);
        let (a, b) = (parse_authorization(v), parse_authorization(&sanitized));
        assert_eq!(a.defects, b.defects, "{v} → {sanitized}");
        assert_eq!(a.fingerprint, b.fingerprint, "{v} → {sanitized}");
        assert_eq!(a.kind, b.kind, "{v} → {sanitized}");
        assert!(!sanitized.contains("secretpass") && !sanitized.contains("abcdef123456"));
    }
}

#[test]
fn cookies_set_cookie_and_keys_keep_names_and_equal_values_stay_equal() {
    let doc = har(
        r#"{"request":{"url":"https://a.example/cb?code=AUTHCODE123&state=xyz&page=2#access_token=TOKENVALUE1&x=1",
            "headers":[{"name":"Cookie","value":"sid=SESSIONVALUE; theme=dark"},{"name":":path","value":"/cb?code=AUTHCODE123&page=2"},{"name":"Referer","value":"https://a.example/?id_token=TOKENVALUE1"},{"name":"X-API-Key","value":"pk_live_abcdef123"}],
            "queryString":[{"name":"code","value":"AUTHCODE123"},{"name":"page","value":"2"}],
            "cookies":[{"name":"sid","value":"SESSIONVALUE"}],
            "postData":{"mimeType":"application/x-www-form-urlencoded","text":"grant_type=password&password=HUNTER2HUNTER&username=dana&tenant_pin=4242",
                "params":[{"name":"password","value":"HUNTER2HUNTER"},{"name":"username","value":"dana"}]}},
          "response":{"status":200,"headers":[{"name":"Set-Cookie","value":"sid=SESSIONVALUE; Path=/; HttpOnly"},{"name":"Location","value":"https://b.example/?refresh_token=REFRESHTOKEN"}],
            "content":{"mimeType":"application/json","text":"{\"access_token\":\"TOKENVALUE1\",\"nested\":{\"client_secret\":\"CLIENTSECRET\",\"expires_in\":3600},\"tenant_pin\":4242}"}}}"#,
    );
    let (out, stats) = run(&doc, &["tenant_pin"]);
    for secret in [
        "AUTHCODE123",
        "SESSIONVALUE",
        "pk_live_abcdef123",
        "TOKENVALUE1",
        "HUNTER2HUNTER",
        "REFRESHTOKEN",
        "CLIENTSECRET",
        "4242",
    ] {
        assert!(!out.contains(secret), "{secret} leaked: {out}");
    }
    let sid = session_cookie("sid", "SESSIONVALUE").fingerprint;
    assert!(
        out.contains(&format!("sid=[redacted:{sid}]; theme=")),
        "{out}"
    );
    assert!(out.contains(&format!("sid=[redacted:{sid}]; Path=/; HttpOnly")));
    assert!(
        out.contains(&format!("\"value\": \"[redacted:{sid}]\""))
            || out.contains(&format!("\"value\":\"[redacted:{sid}]\""))
    );
    assert!(out.contains("&page=2#access_token=[redacted:"), "{out}");
    assert!(out.contains("username=dana"), "{out}");
    assert!(out.contains("expires_in"), "{out}");
    assert!(stats.total() >= 12, "{stats}");
    // Still one valid JSON document with the same shape.
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["log"]["entries"].as_array().map(Vec::len), Some(1));
}

#[test]
fn error_response_code_is_kept_and_challenge_tokens_are_replaced() {
    let doc = har(
        r#"{"response":{"status":401,"headers":[{"name":"WWW-Authenticate","value":"NTLM TlRMTVNTUAACAAAADAAMADgAAAA="},{"name":"WWW-Authenticate","value":"Bearer realm=\"api\", error=\"invalid_token\""}],
            "content":{"mimeType":"application/json","text":"{\"code\":\"token_expired\",\"message\":\"jwt expired\"}"}}}"#,
    );
    let (out, _) = run(&doc, &[]);
    assert!(!out.contains("TlRMTVNTUAACAAAADAAMADgAAAA"), "{out}");
    assert!(out.contains("NTLM REDACTED"), "{out}");
    assert!(out.contains(r#"\"code\":\"token_expired\""#), "{out}");
    assert!(out.contains(r#"error=\"invalid_token\""#), "{out}");
}

#[test]
fn pretty_entries_are_rewritten_at_their_indentation_in_key_order() {
    let doc = "{\n  \"log\": {\n    \"entries\": [\n      {\n        \"zeta\": 1,\n        \"request\": {\n          \"headers\": [\n            {\n              \"name\": \"Cookie\",\n              \"value\": \"sid=abcdefgh\"\n            }\n          ]\n        },\n        \"alpha\": []\n      }\n    ]\n  }\n}\n";
    let (out, _) = run(doc, &[]);
    let fp = fingerprint(b"abcdefgh");
    assert_eq!(
        out,
        doc.replace("sid=abcdefgh", &format!("sid=[redacted:{fp}]"))
    );
}

#[test]
fn sanitizing_twice_changes_nothing_more() {
    let doc = har(&format!(
        r#"{{"request":{{"url":"https://a.example/?api_key=k123456789","headers":[{{"name":"Authorization","value":"Bearer {JWT}"}},{{"name":"Cookie","value":"sid=abc12345"}}]}}}}"#
    ));
    let (once, _) = run(&doc, &[]);
    let (twice, stats) = run(&once, &[]);
    assert_eq!(once, twice);
    assert_eq!(stats.total(), 0, "{stats}");
}

#[test]
fn truncated_document_is_an_error_with_offset() {
    let doc = r#"{"log": {"entries": [{"request":{"headers":[{"name":"Cookie","value":"sid=abc"#;
    let mut out = Vec::new();
    let e = Sanitizer::default()
        .sanitize(doc.as_bytes(), &mut out)
        .expect_err("truncated");
    let SanitizeError::Input { offset, message } = &e else {
        panic!("{e}");
    };
    // The scanner names the start of the entry the file cut short.
    assert_eq!(Some(*offset as usize), doc.find("{\"request\""));
    assert!(message.contains("truncated"), "{message}");
    assert!(!e.to_string().contains("sid=abc"));
}
