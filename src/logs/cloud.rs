//! AWS access logs: Application Load Balancer (space separated, quoted
//! request) and CloudFront standard logs (tab separated, `#Fields:`
//! header honoured, default v1.0 order otherwise). API Gateway access logs
//! are JSON and read by [`super::json`].

use super::{parse_status, split_absolute, split_request_line, Ctx, LogFormat, Outcome, Parsed};
use crate::time::parse_iso8601;
use std::borrow::Cow;

/// `#Fields: date time …` → field names.
pub(crate) fn fields_header(line: &str) -> Option<Vec<String>> {
    let rest = line.trim().strip_prefix("#Fields:")?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

pub(crate) fn parse<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    if line.contains('\t') {
        return cloudfront(line, ctx);
    }
    alb(line)
}

/// Space-separated tokens, `"…"` kept together (quotes removed).
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            out.push(&q[..end]);
            rest = q.get(end + 1..).unwrap_or("").trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
    }
    out
}

/// CloudFront percent-encodes user agents (`%20`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn dash(s: &str) -> Option<&str> {
    (!s.is_empty() && s != "-").then_some(s)
}

fn alb(line: &str) -> Option<Outcome<'_>> {
    let kind = line.split(' ').next()?;
    if !matches!(kind, "http" | "https" | "h2" | "grpcs" | "ws" | "wss") {
        return None;
    }
    let t = tokens(line);
    if t.len() < 14 {
        return None;
    }
    let time = parse_iso8601(t[1])?;
    let status = parse_status(t[8]);
    let mut p = Parsed {
        time: Some(time),
        status,
        upstream_status: parse_status(t[9]),
        client: t[3].rsplit_once(':').map(|(ip, _)| Cow::Borrowed(ip)),
        user_agent: dash(t[13]).map(Cow::Borrowed),
        ..Parsed::default()
    };
    if p.status.is_none() {
        return Some(Outcome::Known(LogFormat::AwsAlb));
    }
    let (m, target) = split_request_line(t[12]);
    p.method = m.map(Cow::Borrowed);
    if let Some(target) = target {
        let (h, path) = split_absolute(target);
        p.host = h.map(|h| Cow::Borrowed(h.split(':').next().unwrap_or(h)));
        p.url = Some(Cow::Borrowed(path));
    }
    if let Some(trace) = t.get(17).copied().and_then(dash) {
        p.add_id(trace);
    }
    if let Some(domain) = t.get(18).copied().and_then(dash) {
        p.host = Some(Cow::Borrowed(domain));
    }
    if let Some(reason) = t.get(24).copied().and_then(dash) {
        p.message = Some(Cow::Borrowed(reason));
    }
    Some(Outcome::Record(LogFormat::AwsAlb, Box::new(p)))
}

const CLOUDFRONT_DEFAULT: [&str; 33] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

fn cloudfront<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let vals: Vec<&str> = line.split('\t').collect();
    let get = |name: &str| -> Option<&str> {
        let idx = match &ctx.cloudfront_fields {
            Some(f) => f.iter().position(|n| n == name)?,
            None => CLOUDFRONT_DEFAULT.iter().position(|n| *n == name)?,
        };
        vals.get(idx).copied().and_then(dash)
    };
    if vals.len() < 12 {
        return None;
    }
    let date = get("date")?;
    let time = get("time")?;
    let ts = parse_iso8601(&format!("{date}T{time}Z"))?;
    let status = get("sc-status").and_then(parse_status)?;
    let mut p = Parsed {
        time: Some(ts),
        status: Some(status),
        method: get("cs-method").map(Cow::Borrowed),
        host: get("x-host-header")
            .or_else(|| get("cs(Host)"))
            .map(Cow::Borrowed),
        client: get("c-ip").map(Cow::Borrowed),
        user_agent: get("cs(User-Agent)").map(percent_decode).map(Cow::Owned),
        ..Parsed::default()
    };
    let stem = get("cs-uri-stem").unwrap_or("/");
    p.url = Some(match get("cs-uri-query") {
        Some(q) => Cow::Owned(format!("{stem}?{q}")),
        None => Cow::Owned(stem.to_string()),
    });
    if let Some(id) = get("x-edge-request-id") {
        p.add_id(id);
    }
    if let Some(detail) = get("x-edge-detailed-result-type") {
        if !matches!(detail, "Hit" | "Miss" | "RefreshHit" | "Error" | "Redirect") {
            p.message = Some(Cow::Borrowed(detail));
        }
    }
    Some(Outcome::Record(LogFormat::AwsCloudfront, Box::new(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_rfc3339;

    fn rec<'l>(line: &'l str, ctx: &Ctx<'_>) -> (LogFormat, Parsed<'l>) {
        match parse(line, ctx) {
            Some(Outcome::Record(f, p)) => (f, *p),
            _ => panic!("not a record: {line}"),
        }
    }

    #[test]
    fn alb_line() {
        let (f, p) = rec(
            r#"https 2023-04-26T12:23:00.186641Z app/546213e5-apiexamplecom-api-94aa/490d68edf04676fe 192.168.1.11:44740 10.0.0.1:80 0.086 0.048 0.037 401 401 0 57 "GET https://www.example.com:443/robots.txt?api_key=abc HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#,
            &Ctx::new(None),
        );
        assert_eq!(f, LogFormat::AwsAlb);
        assert_eq!(p.status, Some(401));
        assert_eq!(p.upstream_status, Some(401));
        assert_eq!(p.method.as_deref(), Some("GET"));
        assert_eq!(p.host.as_deref(), Some("www.example.com"));
        assert_eq!(p.url.as_deref(), Some("/robots.txt?api_key=abc"));
        assert_eq!(p.request_ids, vec!["1-58337281-1d84f3d73c47ec4e58577259"]);
        assert_eq!(p.client.as_deref(), Some("192.168.1.11"));
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2023-04-26T12:23:00.186Z");
    }

    #[test]
    fn cloudfront_line_default_and_header_order() {
        let line = "2024-03-12\t15:22:28\tCDG50-P2\t703\t1.2.3.4\tGET\td6rcaj0q1hys9.cloudfront.net\t/testseb\t400\t-\tcurl/7.81.0\tquery_param=42\t-\tError\t375WZmnR4hhhnlZKNn0D_LvkWhAqvWvBsUqySq8f_GOoAPP3k8R8fw==\thub-cdn.crowdsec.net\thttps\t62\t0.113\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tError\tHTTP/2.0\t-\t-\t51754\t0.113\tError\ttext/plain;%20charset=utf-8\t20\t-\t-";
        let (f, p) = rec(line, &Ctx::new(None));
        assert_eq!(f, LogFormat::AwsCloudfront);
        assert_eq!(p.status, Some(400));
        assert_eq!(p.host.as_deref(), Some("hub-cdn.crowdsec.net"));
        assert_eq!(p.url.as_deref(), Some("/testseb?query_param=42"));
        assert_eq!(
            p.request_ids,
            vec!["375wzmnr4hhhnlzknn0d_lvkwhaqvwvbsuqysq8f_gooapp3k8r8fw=="]
        );
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2024-03-12T15:22:28.000Z");
        let mut ctx = Ctx::new(None);
        ctx.cloudfront_fields = fields_header("#Fields: date time sc-status cs-uri-stem c-ip cs-method x-edge-request-id x-host-header cs-uri-query cs(User-Agent) cs(Host) x-edge-location");
        let (_, p) = rec("2024-03-12\t15:22:28\t401\t/a\t1.2.3.4\tGET\tID1\th.example\t-\tcurl\tx.cloudfront.net\tCDG", &ctx);
        assert_eq!(
            (p.status, p.url.as_deref(), p.host.as_deref()),
            (Some(401), Some("/a"), Some("h.example"))
        );
    }
}
