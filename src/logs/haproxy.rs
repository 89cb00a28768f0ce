//! HAProxy HTTP log (`option httplog`), usually behind a syslog prefix:
//! `client:port [accept_date] frontend backend/server Tq/Tw/Tc/Tr/Tt status bytes cookie cookie term conns queues {hdrs} "request"`.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::{split_absolute, split_request_line, Ctx, LogFormat, Outcome, Parsed};
use crate::time::parse_haproxy;

fn re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"^(\S+):(\d+) \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d(?:\.\d+)?)\] (\S+) (\S+) (-?\d+(?:/-?\d+){2,4}) \+?(-?\d+) \+?(\d+) \S+ \S+ (\S{4}) \S+ \S+(?: \{([^}]*)\})?(?: \{[^}]*\})? "([^"]*)"?"#,
        )
        .ok()
    })
    .as_ref()
}

pub(crate) fn parse<'l>(line: &'l str, _ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let c = re()?.captures(line)?;
    let status: i64 = c.get(7)?.as_str().parse().ok()?;
    let mut p = Parsed {
        time: parse_haproxy(c.get(3)?.as_str()),
        status: u16::try_from(status).ok(),
        client: c
            .get(1)
            .map(|m| Cow::Borrowed(m.as_str().trim_start_matches("::ffff:"))),
        ..Parsed::default()
    };
    if p.status.is_none() {
        // -1: no response at all (aborted); a request record without status.
        return Some(Outcome::Known(LogFormat::Haproxy));
    }
    let term = c.get(9).map(|m| m.as_str()).unwrap_or("----");
    if term != "----" {
        p.message = Some(Cow::Owned(format!("termination state {term}")));
    }
    if let Some(h) = c.get(10) {
        // Captured request headers: a request id is often among them.
        for v in h.as_str().split('|') {
            let v = v.trim();
            if v.len() >= 16 && v.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
                p.add_id(v);
            }
        }
    }
    let (m, t) = split_request_line(c.get(11)?.as_str());
    p.method = m.map(Cow::Borrowed);
    if let Some(t) = t {
        let (h, path) = split_absolute(t);
        p.host = h.map(Cow::Borrowed);
        p.url = Some(Cow::Borrowed(path));
    }
    Some(Outcome::Record(LogFormat::Haproxy, Box::new(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_rfc3339;

    #[test]
    fn http_auth_401_from_nosrv() {
        let Some(Outcome::Record(_, p)) = parse(
            r#"::ffff:192.168.33.1:58430 [14/Nov/2015:22:45:11.608] main main/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 0/0/0/0/0 0/0 "GET / HTTP/1.1""#,
            &Ctx::new(None),
        ) else {
            panic!("not parsed")
        };
        assert_eq!(p.status, Some(401));
        assert_eq!(p.client.as_deref(), Some("192.168.33.1"));
        assert_eq!(p.url.as_deref(), Some("/"));
        assert_eq!(p.message.as_deref(), Some("termination state PR--"));
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2015-11-14T22:45:11.608Z");
        let Some(Outcome::Record(_, p)) = parse(
            r#"2001:db8::1234:58430 [14/Nov/2015:22:45:11.608] main main/<NOSRV> -1/-1/-1/-1/0 401 248 - - PR-- 0/0/0/0/0 0/0 "GET / HTTP/1.1""#,
            &Ctx::new(None),
        ) else {
            panic!("ipv6 not parsed")
        };
        assert_eq!(p.client.as_deref(), Some("2001:db8::1234"));
    }
}
