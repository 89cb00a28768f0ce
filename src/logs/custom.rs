//! `--log-format`: a user regex with named groups `time`, `method`, `path`
//! or `url`, `status`, `request_id`, `client`, `user_agent`, `message`,
//! `host` (all optional). Lines it does not match fall through to the
//! built-in parsers.

use super::{parse_status, split_absolute, Ctx, LogFormat, Outcome, Parsed};
use crate::time::{parse_any, parse_apache_error, parse_haproxy};
use std::borrow::Cow;

pub(crate) fn parse<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let re = ctx.custom?;
    let c = re.captures(line)?;
    let g = |name: &str| {
        c.name(name)
            .map(|m| m.as_str().trim())
            .filter(|s| !s.is_empty() && *s != "-")
    };
    let mut p = Parsed {
        time: g("time").and_then(|t| {
            parse_any(t)
                .or_else(|| parse_apache_error(t))
                .or_else(|| parse_haproxy(t))
        }),
        method: g("method").map(Cow::Borrowed),
        status: g("status").and_then(parse_status),
        client: g("client").map(Cow::Borrowed),
        user_agent: g("user_agent").map(Cow::Borrowed),
        message: g("message").map(Cow::Borrowed),
        host: g("host").map(Cow::Borrowed),
        ..Parsed::default()
    };
    if let Some(u) = g("path").or_else(|| g("url")) {
        let (h, path) = split_absolute(u);
        if p.host.is_none() {
            p.host = h.map(Cow::Borrowed);
        }
        p.url = Some(Cow::Borrowed(path));
    }
    if let Some(id) = g("request_id") {
        p.add_id(id);
    }
    if p.status.is_none() {
        if p.message.is_some() {
            p.auxiliary = true;
        } else {
            return Some(Outcome::Known(LogFormat::Custom));
        }
    }
    Some(Outcome::Record(LogFormat::Custom, Box::new(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_groups() {
        let re = regex::Regex::new(r"^(?P<time>\S+) (?P<client>\S+) (?P<method>\S+) (?P<path>\S+) (?P<status>\d{3}) rid=(?P<request_id>\S+)(?: (?P<message>.*))?$").unwrap();
        let ctx = Ctx::new(Some(&re));
        let Some(Outcome::Record(f, p)) = parse(
            "2026-11-23T11:06:53Z 10.0.0.1 GET /a?x=1 401 rid=AbC jwt expired",
            &ctx,
        ) else {
            panic!("not parsed")
        };
        assert_eq!(f, LogFormat::Custom);
        assert_eq!(
            (p.status, p.url.as_deref(), p.method.as_deref()),
            (Some(401), Some("/a?x=1"), Some("GET"))
        );
        assert_eq!(p.request_ids, vec!["abc"]);
        assert_eq!(p.message.as_deref(), Some("jwt expired"));
        assert!(p.time.is_some());
        assert!(parse("nope", &ctx).is_none());
        assert!(parse("2026 x GET / 401 rid=a", &Ctx::new(None)).is_none());
    }
}
