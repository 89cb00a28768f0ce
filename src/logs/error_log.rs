//! Error logs without a status of their own: nginx `error.log` (auth_basic
//! lines: `user "x": password mismatch`, `user "x" was not found in "…"`,
//! `no user/password was provided for basic authentication`, `access
//! forbidden by rule`) and Apache httpd (2.2 and 2.4: AH01617, AH01618,
//! AH01614, AH01630, digest AH017xx…). Auth lines become auxiliary events;
//! the rest of the file is known but not reported.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::{split_absolute, split_request_line, Ctx, LogFormat, Outcome, Parsed};
use crate::time::{parse_apache_error, parse_nginx_error};

/// `2026/11/23 11:06:53 [` — cheap shape check.
pub(crate) fn looks_like_nginx_error(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 21
        && b[4] == b'/'
        && b[7] == b'/'
        && b[10] == b' '
        && b[13] == b':'
        && b[19] == b' '
        && b[20] == b'['
        && b[..4].iter().all(u8::is_ascii_digit)
}

pub(crate) fn parse<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    if looks_like_nginx_error(line) {
        return nginx(line);
    }
    if line.starts_with('[') {
        return apache(line, ctx);
    }
    None
}

fn nginx_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(\w+)\] \d+#\d+: (?:\*(\d+) )?(.*)$").ok()
    })
    .as_ref()
}

fn nginx_is_auth(msg: &str) -> bool {
    (msg.starts_with("user \"")
        && (msg.contains("password mismatch") || msg.contains("was not found in")))
        || msg.starts_with("no user/password was provided")
        || msg.contains("access forbidden by rule")
        || msg.contains("auth request unexpected status")
        || msg.contains("PAM: ")
        || msg.contains("authentication failure")
        || msg.starts_with("client sent invalid header line")
}

/// Value of `, key: "…"` or `, key: …` in the tail of an nginx error line.
fn nginx_field<'a>(tail: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!(", {key}: ");
    let start = tail.find(&pat)? + pat.len();
    let rest = &tail[start..];
    if let Some(q) = rest.strip_prefix('"') {
        let end = q.find('"')?;
        Some(&q[..end])
    } else {
        Some(rest.split(',').next().unwrap_or(rest).trim())
    }
}

fn nginx(line: &str) -> Option<Outcome<'_>> {
    let c = nginx_re()?.captures(line)?;
    let body = c.get(4)?.as_str();
    // The message ends where nginx's context starts.
    let msg_end = body.find(", client: ").unwrap_or(body.len());
    let message = &body[..msg_end];
    if !nginx_is_auth(message) {
        return Some(Outcome::Known(LogFormat::NginxError));
    }
    let tail = &body[msg_end..];
    let mut p = Parsed {
        time: c.get(1).and_then(|t| parse_nginx_error(t.as_str())),
        message: Some(Cow::Borrowed(message)),
        auxiliary: true,
        ..Parsed::default()
    };
    p.client = nginx_field(tail, "client").map(Cow::Borrowed);
    p.host = nginx_field(tail, "host").map(Cow::Borrowed);
    if let Some(req) = nginx_field(tail, "request") {
        let (m, t) = split_request_line(req);
        p.method = m.map(Cow::Borrowed);
        if let Some(t) = t {
            let (h, path) = split_absolute(t);
            if p.host.is_none() {
                p.host = h.map(Cow::Borrowed);
            }
            p.url = Some(Cow::Borrowed(path));
        }
    }
    p.remote_user_present = message.starts_with("user \"");
    if let Some(cid) = c.get(3) {
        // The connection number links error lines of one connection.
        p.request_ids.push(format!("nginx-conn:{}", cid.as_str()));
    }
    Some(Outcome::Record(LogFormat::NginxError, Box::new(p)))
}

fn apache_auth(code: Option<&str>, msg: &str) -> bool {
    if let Some(code) = code {
        let n: u32 = code.trim_start_matches("AH").parse().unwrap_or(0);
        // mod_auth_basic/digest/form, authn/authz cores and providers.
        if (1614..=1640).contains(&n) || (1776..=1797).contains(&n) || (1800..=1810).contains(&n) {
            return true;
        }
    }
    let l = msg.to_ascii_lowercase();
    (l.starts_with("user ")
        && (l.contains("not found")
            || l.contains("authentication failure")
            || l.contains("password mismatch")))
        || l.starts_with("digest: ")
        || l.contains("password mismatch")
        || l.contains("wrong authentication scheme")
        || l.contains("authorization failure")
        || l.contains("client denied by server configuration")
        || (l.starts_with("authorization of user") && l.contains("failed"))
}

fn apache<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let _ = ctx;
    let mut rest = line;
    let mut time = None;
    let mut level_seen = false;
    let mut client = None;
    // Bracketed groups: [time] [module:level] [pid N:tid M] [client ip:port]
    while let Some(inner) = rest.strip_prefix('[') {
        let end = inner.find(']')?;
        let group = &inner[..end];
        if let Some(c) = group
            .strip_prefix("client ")
            .or_else(|| group.strip_prefix("remote "))
        {
            client = Some(c.trim().to_string());
        } else if group.starts_with("pid ") {
        } else if let Some(t) = parse_apache_error(group) {
            time = Some(t);
        } else if group.contains(':')
            || matches!(
                group,
                "error" | "warn" | "notice" | "info" | "debug" | "crit" | "alert" | "emerg"
            )
        {
            level_seen = true;
        } else {
            return None;
        }
        rest = inner[end + 1..].trim_start();
    }
    if !level_seen || (time.is_none() && client.is_none()) && !rest.contains("AH0") {
        return None;
    }
    let (code, message) = match rest.split_once(": ") {
        Some((c, m))
            if c.len() == 7
                && c.starts_with("AH")
                && c[2..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (Some(c), m)
        }
        _ => (None, rest),
    };
    if !apache_auth(code, message) {
        return Some(Outcome::Known(LogFormat::ApacheError));
    }
    let message = message
        .split(", referer: ")
        .next()
        .unwrap_or(message)
        .trim();
    let mut p = Parsed {
        time,
        client: client.map(|c| strip_port(&c)).map(Cow::Owned),
        code: code.map(Cow::Borrowed),
        message: Some(Cow::Borrowed(message)),
        auxiliary: true,
        ..Parsed::default()
    };
    // The path: `for "/x"` or a trailing `: /x`.
    if let Some(i) = message.find("for \"/") {
        let s = &message[i + 5..];
        p.url = s.split('"').next().map(|u| Cow::Owned(u.to_string()));
    } else if let Some(i) = message.rfind(": /") {
        let s = &message[i + 2..];
        if !s.contains(' ') {
            p.url = Some(Cow::Borrowed(s));
        }
    } else if let Some(i) = message.find(" to access /") {
        p.url = message[i + 11..]
            .split_whitespace()
            .next()
            .map(Cow::Borrowed);
    }
    p.remote_user_present = {
        let l = message.to_ascii_lowercase();
        (l.starts_with("user ") && !l.starts_with("user  ") && !l.starts_with("user not"))
            || l.starts_with("authorization of user")
    };
    Some(Outcome::Record(LogFormat::ApacheError, Box::new(p)))
}

/// `127.0.0.1:51380` → `127.0.0.1`; `[2001:db8::1]:5` → `2001:db8::1`;
/// a bare IPv6 address stays whole.
fn strip_port(c: &str) -> String {
    if let Some(inner) = c.strip_prefix('[') {
        return inner.split(']').next().unwrap_or(inner).to_string();
    }
    if c.matches(':').count() == 1 {
        return c.split(':').next().unwrap_or(c).to_string();
    }
    c.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_rfc3339;

    fn rec(line: &str) -> (LogFormat, Parsed<'_>) {
        let ctx = Ctx::new(None);
        match parse(line, &ctx) {
            Some(Outcome::Record(f, p)) => (f, *p),
            _ => panic!("not a record: {line}"),
        }
    }

    #[test]
    fn capture_nginx_error_auth_lines() {
        let (f, p) = rec(
            r#"2026/11/23 11:06:54 [error] 4707#4707: *6 user "dave" was not found in "/etc/nginx/htpasswd", client: 127.0.0.1, server: , request: "GET /metrics/summary?case=t1906 HTTP/1.1", host: "127.0.0.1:9080", referrer: "http://127.0.0.1:9080/console/?case=t1000""#,
        );
        assert_eq!(f, LogFormat::NginxError);
        assert!(p.auxiliary);
        assert_eq!(p.status, None);
        assert_eq!(
            p.message.as_deref(),
            Some(r#"user "dave" was not found in "/etc/nginx/htpasswd""#)
        );
        assert_eq!(p.method.as_deref(), Some("GET"));
        assert_eq!(p.url.as_deref(), Some("/metrics/summary?case=t1906"));
        assert_eq!(p.host.as_deref(), Some("127.0.0.1:9080"));
        assert_eq!(p.client.as_deref(), Some("127.0.0.1"));
        assert_eq!(p.request_ids, vec!["nginx-conn:6"]);
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2026-11-23T11:06:54.000Z");
        let (_, p) = rec(
            r#"2026/11/23 11:06:59 [error] 4707#4707: *6 user "carol": password mismatch, client: 127.0.0.1, server: , request: "GET /metrics/summary?case=t1905 HTTP/1.1", host: "127.0.0.1:9080""#,
        );
        assert_eq!(
            p.message.as_deref(),
            Some(r#"user "carol": password mismatch"#)
        );
        let (_, p) = rec(
            r#"2026/11/23 11:06:56 [info] 4707#4707: *10 no user/password was provided for basic authentication, client: 127.0.0.1, server: , request: "GET /handbook/?case=t2401 HTTP/1.1", host: "127.0.0.1:9082""#,
        );
        assert_eq!(
            p.message.as_deref(),
            Some("no user/password was provided for basic authentication")
        );
        assert_eq!(p.code, None, "the level is not a code");
        assert!(!p.remote_user_present);
    }

    #[test]
    fn nginx_non_auth_lines_are_known() {
        let ctx = Ctx::new(None);
        for l in [
            "2026/11/23 11:06:52 [notice] 4705#4705: using the \"epoll\" event method",
            "2026/11/23 11:06:54 [error] 4707#4707: *4 open() \"/etc/nginx/html/favicon.ico\" failed (2: No such file or directory), client: 127.0.0.1, server: , request: \"GET /favicon.ico HTTP/1.1\", host: \"127.0.0.1:9080\"",
        ] {
            assert!(matches!(parse(l, &ctx), Some(Outcome::Known(LogFormat::NginxError))), "{l}");
        }
    }

    #[test]
    fn apache_24_and_22() {
        let (f, p) = rec(
            r#"[Sat Jul 20 21:39:11.978080 2013] [auth_basic:error] [pid 17512:tid 140123053950720] [client 127.0.0.1:51390] AH01617: user username: authentication failure for "/basic/file": Password Mismatch"#,
        );
        assert_eq!(f, LogFormat::ApacheError);
        assert_eq!(p.code.as_deref(), Some("AH01617"));
        assert_eq!(
            p.message.as_deref(),
            Some(r#"user username: authentication failure for "/basic/file": Password Mismatch"#)
        );
        assert_eq!(p.url.as_deref(), Some("/basic/file"));
        assert_eq!(p.client.as_deref(), Some("127.0.0.1"));
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2013-07-20T21:39:11.978Z");
        assert!(p.remote_user_present);
        let (_, p) = rec(
            r#"[Sat Jul 20 21:41:52.523931 2013] [auth_basic:error] [pid 17512:tid 140122964092672] [client 127.0.0.1:51396] AH01614: client used wrong authentication scheme: /basic/file"#,
        );
        assert_eq!(
            p.message.as_deref(),
            Some("client used wrong authentication scheme: /basic/file")
        );
        assert_eq!(p.url.as_deref(), Some("/basic/file"));
        let (_, p) = rec(
            r#"[Mon Nov 18 22:39:33 2013] [error] [client 91.49.82.139] user gg not found: /, referer: http://sj.hopto.org/management.html"#,
        );
        assert_eq!(p.code, None);
        assert_eq!(p.message.as_deref(), Some("user gg not found: /"));
        assert_eq!(p.url.as_deref(), Some("/"));
        let (_, p) = rec(
            r#"[Mon Nov 06 13:39:56.637868 2023] [auth_basic:error] [pid 3175001:tid 140494544914112] [remote 192.0.2.111:35924] AH01618: user whatever not found: /admin"#,
        );
        assert_eq!(p.client.as_deref(), Some("192.0.2.111"));
        // syslog-prefixed, no time bracket
        let (_, p) = rec("[authz_core:error] [pid 22034] [client 192.0.2.1:58585] AH01630: client denied by server configuration: /home/www/");
        assert_eq!(p.code.as_deref(), Some("AH01630"));
        let ctx = Ctx::new(None);
        assert!(matches!(
            parse("[Wed Mar 28 01:31:42.355210 2018] [ssl:error] [pid 6586] [client 91.49.82.139:58028] AH02033: No hostname was provided via SNI for a name based virtual host", &ctx),
            Some(Outcome::Known(LogFormat::ApacheError))
        ));
    }
}
