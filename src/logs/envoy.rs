//! Envoy / Istio default text access log:
//! `[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% [%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"] %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"`
//! (the bracketed part is Istio's addition).

use super::{parse_status, split_request_line, Ctx, LogFormat, Outcome, Parsed};
use crate::time::parse_iso8601;
use std::borrow::Cow;

/// Quoted (`"…"`) or bare tokens.
fn tokens(s: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            out.push((&q[..end], true));
            rest = q.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push((&rest[..end], false));
            rest = rest[end..].trim_start();
        }
    }
    out
}

pub(crate) fn parse<'l>(line: &'l str, _ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let inner = line.strip_prefix('[')?;
    let close = inner.find(']')?;
    let time = parse_iso8601(&inner[..close])?;
    let toks = tokens(&inner[close + 1..]);
    let (request, true) = *toks.first()? else {
        return None;
    };
    let status = parse_status(toks.get(1)?.0);
    if status.is_none() && toks.get(1)?.0 != "0" {
        return None;
    }
    let mut p = Parsed {
        time: Some(time),
        status: Some(status.unwrap_or(0)),
        ..Parsed::default()
    };
    let (m, t) = split_request_line(request);
    p.method = m.map(Cow::Borrowed);
    p.url = t.map(Cow::Borrowed);
    let mut quoted: Vec<&str> = toks[2..].iter().filter(|t| t.1).map(|t| t.0).collect();
    // Istio: details and termination details follow the flags, then a
    // quoted transport failure reason.
    if let Some((d, false)) = toks.get(3) {
        if !d.bytes().all(|b| b.is_ascii_digit()) && *d != "-" {
            if !matches!(*d, "via_upstream" | "direct_response") {
                p.message = Some(Cow::Borrowed(d));
            }
            if !quoted.is_empty() {
                quoted.remove(0);
            }
        }
    }
    let q = |i: usize| {
        quoted
            .get(i)
            .copied()
            .filter(|v| !v.is_empty() && *v != "-")
    };
    p.client = q(0).map(|x| Cow::Borrowed(x.split(',').next().unwrap_or(x).trim()));
    p.user_agent = q(1).map(Cow::Borrowed);
    if let Some(id) = q(2) {
        p.add_id(id);
    }
    p.host = q(3).map(Cow::Borrowed);
    Some(Outcome::Record(LogFormat::EnvoyText, Box::new(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: &str) -> Parsed<'_> {
        match parse(line, &Ctx::new(None)) {
            Some(Outcome::Record(LogFormat::EnvoyText, p)) => *p,
            _ => panic!("not envoy: {line}"),
        }
    }

    #[test]
    fn default_format_from_cri_file() {
        let p = rec(
            r#"[2026-01-24T01:34:36.743Z] "GET /test HTTP/1.1" 200 - 0 256 50 25 "[fd00:1234:5678::5a24]" "curl/8.10.1" "test-request-id" "example.com" "tcp://[fd00:1234:5678::e18]:8080""#,
        );
        assert_eq!(p.status, Some(200));
        assert_eq!(p.method.as_deref(), Some("GET"));
        assert_eq!(p.url.as_deref(), Some("/test"));
        assert_eq!(p.request_ids, vec!["test-request-id"]);
        assert_eq!(p.host.as_deref(), Some("example.com"));
        assert_eq!(p.user_agent.as_deref(), Some("curl/8.10.1"));
        assert!(p.message.is_none());
    }

    #[test]
    fn istio_format_with_details() {
        let p = rec(
            r#"[2024-05-01T10:00:00.000Z] "GET /api HTTP/1.1" 401 - jwt_authn_access_denied{Jwt_is_expired} - "-" 0 14 1 - "10.0.0.1" "curl/8" "5f2a6c1e-0d3b-4f5e-9a7b-2c1d3e4f5a6b" "api.example.com" "-" outbound|80||api"#,
        );
        assert_eq!(p.status, Some(401));
        assert_eq!(
            p.message.as_deref(),
            Some("jwt_authn_access_denied{Jwt_is_expired}")
        );
        assert_eq!(p.request_ids, vec!["5f2a6c1e-0d3b-4f5e-9a7b-2c1d3e4f5a6b"]);
        assert_eq!(p.host.as_deref(), Some("api.example.com"));
        assert_eq!(p.client.as_deref(), Some("10.0.0.1"));
    }
}
