//! Line prefixes added by the transport, not the producer: container
//! runtimes (CRI `2024-01-01T00:00:00.000Z stdout F `, docker json-file
//! `{"log":"…","stream":…,"time":…}`) and syslog (RFC 3164 / RFC 5424, and
//! the ISO-timestamp variant rsyslog writes).

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use crate::model::Timestamp;
use crate::time::{parse_iso8601, parse_syslog};

fn cri() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)) (?:stdout|stderr) [FP] ").ok()
    })
    .as_ref()
}

fn syslog_3164() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:<\d{1,3}>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) \S+ [^\s:\[]+(?:\[\d+\])?: ")
            .ok()
    })
    .as_ref()
}

fn syslog_iso() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:<\d{1,3}>)?(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)) \S+ [^\s:\[]+(?:\[\d+\])?: ")
            .ok()
    })
    .as_ref()
}

/// `host tag[pid]: ` without a time (forwarded syslog, journald exports);
/// without a pid only when the producer's line starts with a digit.
fn syslog_bare() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[\w.-]+ [\w./-]+(\[\d+\])?: ").ok())
        .as_ref()
}

fn syslog_5424() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^<\d{1,3}>1 (\S+) \S+ \S+ \S+ \S+ (?:-|(?:\[[^\]]*\])+) ?").ok())
        .as_ref()
}

/// Strip every transport prefix (they may nest: syslog inside CRI).
/// Returns the producer's line and the transport's timestamp, if any.
pub(crate) fn strip(line: &str, now: Timestamp) -> (Cow<'_, str>, Option<Timestamp>) {
    let mut current: Cow<'_, str> = Cow::Borrowed(line);
    let mut time = None;
    for _ in 0..3 {
        match strip_one(&current, now) {
            Some((rest, t)) => {
                if time.is_none() {
                    time = t;
                }
                current = Cow::Owned(rest);
            }
            None => break,
        }
    }
    (current, time)
}

fn strip_one(line: &str, now: Timestamp) -> Option<(String, Option<Timestamp>)> {
    let first = line.as_bytes().first()?;
    if *first == b'{' {
        return docker_json(line);
    }
    if first.is_ascii_digit() {
        // Both start with a date (`2024-01-01T…`); an access log's client
        // address does not, and is turned away before any regex runs.
        let dated = line
            .as_bytes()
            .get(..5)
            .is_some_and(|b| b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-');
        if !dated {
            return None;
        }
        for re in [cri(), syslog_iso()].into_iter().flatten() {
            if let Some(c) = re.captures(line) {
                let all = c.get(0)?;
                let t = c.get(1).and_then(|m| parse_iso8601(m.as_str()));
                return Some((line[all.end()..].to_string(), t));
            }
        }
        return None;
    }
    if *first == b'<' {
        if let Some(c) = syslog_5424().and_then(|re| re.captures(line)) {
            let all = c.get(0)?;
            let t = c.get(1).and_then(|m| parse_iso8601(m.as_str()));
            return Some((line[all.end()..].to_string(), t));
        }
    }
    if first.is_ascii_uppercase() || *first == b'<' {
        if let Some(c) = syslog_3164().and_then(|re| re.captures(line)) {
            let all = c.get(0)?;
            let t = c.get(1).and_then(|m| parse_syslog(m.as_str(), now));
            return Some((line[all.end()..].to_string(), t));
        }
    }
    if first.is_ascii_alphanumeric() && tag_colon_at_second_space(line) {
        if let Some(c) = syslog_bare().and_then(|re| re.captures(line)) {
            let end = c.get(0)?.end();
            let rest = &line[end..];
            if c.get(1).is_some() || rest.starts_with(|ch: char| ch.is_ascii_digit()) {
                return Some((rest.to_string(), None));
            }
        }
    }
    None
}

/// What [`syslog_bare`] needs and most lines lack, checked without it: its
/// two words hold no space, so its `: ` is the line's second space.
fn tag_colon_at_second_space(line: &str) -> bool {
    let b = line.as_bytes();
    let Some(first) = memchr::memchr(b' ', b) else {
        return false;
    };
    memchr::memchr(b' ', &b[first + 1..]).is_some_and(|i| b[first + i] == b':')
}

/// docker json-file: `{"log":"…\n","stream":"stdout","time":"…"}`.
fn docker_json(line: &str) -> Option<(String, Option<Timestamp>)> {
    if !line.starts_with("{\"log\":\"") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let obj = v.as_object()?;
    if !obj.contains_key("stream") && !obj.contains_key("time") {
        return None;
    }
    let log = obj.get("log")?.as_str()?;
    let t = obj
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(parse_iso8601);
    Some((log.trim_end_matches(['\n', '\r']).to_string(), t))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The cheap checks only turn away lines their regexes would refuse.
        #[test]
        fn prefilters_never_refuse_a_regex_match(line in proptest::prop_oneof![
            "[a-z0-9 .:/\\[\\]<>TZ-]{0,40}",
            "[a-z0-9._-]{1,6} {1,2}[a-z0-9./-]{1,6}(\\[[0-9]{1,3}\\])?:? {0,2}[a-z0-9 :]{0,10}",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{1,9}Z (stdout|stderr|x) [FP] [a-z ]{0,5}",
        ]) {
            let bare = syslog_bare().is_some_and(|re| re.is_match(&line));
            proptest::prop_assert!(!bare || tag_colon_at_second_space(&line));
            let dated = cri().is_some_and(|re| re.is_match(&line))
                || syslog_iso().is_some_and(|re| re.is_match(&line) && line.starts_with(|c: char| c.is_ascii_digit()));
            if dated {
                proptest::prop_assert!(line.as_bytes()[..4].iter().all(u8::is_ascii_digit) && line.as_bytes()[4] == b'-');
            }
        }
    }

    #[test]
    fn second_space_check_on_real_shapes() {
        for (line, want) in [
            ("web01 nginx[812]: 10.0.0.1 - -", true),
            ("web01 app: 10.0.0.1", true),
            (
                "192.0.2.162 - - [23/Nov/2026:09:00:00 +0000] \"GET / HTTP/1.1\" 401",
                false,
            ),
            ("host  app: x", false),
            ("single", false),
            ("a b", false),
        ] {
            assert_eq!(tag_colon_at_second_space(line), want, "{line}");
        }
    }

    fn now() -> Timestamp {
        parse_iso8601("2026-11-23T12:00:00Z").unwrap()
    }

    #[test]
    fn cri_prefix_is_removed() {
        let (rest, t) = strip(
            "2026-01-24T01:34:36.743000000+00:00 stdout F [2026-01-24T01:34:36.743Z] \"GET /test HTTP/1.1\" 200",
            now(),
        );
        assert!(rest.starts_with("[2026-01-24T01:34:36.743Z] \"GET"));
        assert_eq!(
            t.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-01-24T01:34:36.743+00:00")
        );
    }

    #[test]
    fn syslog_prefixes_are_removed() {
        let (rest, t) = strip(
            "Nov 14 22:45:11 test haproxy[760]: 192.168.33.1:58430 [14/Nov/2015:22:45:11.608] main",
            now(),
        );
        assert!(rest.starts_with("192.168.33.1:58430 ["));
        assert_eq!(
            t.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-14T22:45:11+00:00")
        );
        let (rest, _) = strip(
            "2025-01-22T13:09:20.606136+01:00 wazuh-prod opensearch-dashboards[9400]: {\"type\":\"response\"}",
            now(),
        );
        assert_eq!(rest, "{\"type\":\"response\"}");
        let (rest, _) = strip(
            "Feb 15 16:23:40 srv httpd/backend1[22034]: [authz_core:error] x",
            now(),
        );
        assert_eq!(rest, "[authz_core:error] x");
        let (rest, t) = strip(
            "<165>1 2003-10-11T22:14:15.003Z host app 1 ID47 - hello",
            now(),
        );
        assert_eq!(rest, "hello");
        assert!(t.is_some());
        let (rest, _) = strip(
            "host nginx[23141]: host nginx: 2025/09/07 21:20:40 [error] 23141#23141: *24470 PAM: x",
            now(),
        );
        assert_eq!(
            rest,
            "2025/09/07 21:20:40 [error] 23141#23141: *24470 PAM: x"
        );
        assert_eq!(strip("Failed login: bob", now()).0, "Failed login: bob");
    }

    #[test]
    fn docker_json_and_plain_lines() {
        let (rest, t) = strip(
            r#"{"log":"127.0.0.1 - - [23/Nov/2026:11:06:53 +0000] \"GET / HTTP/1.1\" 401 5\n","stream":"stdout","time":"2026-11-23T11:06:53.1Z"}"#,
            now(),
        );
        assert_eq!(
            rest,
            "127.0.0.1 - - [23/Nov/2026:11:06:53 +0000] \"GET / HTTP/1.1\" 401 5"
        );
        assert!(t.is_some());
        // A keycloak line is not a syslog line.
        let k = "2023-05-25 22:24:19,357 WARN  [org.key.events] (x) type=LOGIN_ERROR";
        assert_eq!(strip(k, now()).0, k);
        let j = r#"{"level":30,"msg":"x"}"#;
        assert_eq!(strip(j, now()).0, j);
    }
}
