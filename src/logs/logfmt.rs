//! logfmt app logs (`time=… level=warn msg="token expired" status=401
//! path=/x request_id=…`): pairs are read into a JSON object of strings and
//! the field names of [`super::json`] apply.

use std::collections::BTreeMap;

use super::jvalue::Doc;
use super::{json, Ctx, LogFormat, Outcome};

/// Parse `k=v k="quoted \" value"` pairs; None when the line is not logfmt.
/// A repeated key keeps its last value.
fn pairs(line: &str) -> Option<BTreeMap<String, String>> {
    let b = line.as_bytes();
    let mut map = BTreeMap::new();
    let mut bare = 0usize;
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let ks = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' {
            i += 1;
        }
        let key = &line[ks..i];
        if key.is_empty() || i >= b.len() || b[i] != b'=' {
            // A bare word: logfmt allows it, but too many make it prose.
            if key.is_empty() {
                return None;
            }
            bare += 1;
            continue;
        }
        i += 1;
        let value = if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut v = String::new();
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                let ch = line[i..].chars().next()?;
                v.push(ch);
                i += ch.len_utf8();
            }
            i += 1;
            v
        } else {
            let vs = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            line[vs..i].to_string()
        };
        map.insert(key.to_string(), value);
    }
    // Mostly prose or another format with a few `k=v` at the end.
    (bare <= map.len()).then_some(map)
}

pub(crate) fn parse<'l>(line: &'l str, ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let t = line.trim();
    if t.starts_with(['{', '[', '#']) || !t.contains('=') {
        return None;
    }
    let map = pairs(t)?;
    if map.len() < 2 {
        return None;
    }
    const KEYS: [&str; 10] = [
        "level",
        "lvl",
        "msg",
        "time",
        "ts",
        "status",
        "method",
        "path",
        "request_id",
        "at",
    ];
    if !KEYS.iter().any(|k| map.contains_key(*k)) {
        return None;
    }
    // Nested names (`err.message`) come from dotted keys: json::Fields reads
    // them by exact key first.
    let fields = Doc::from_members(map.iter().map(|(k, v)| (k.as_str(), v.as_ref())));
    match json::extract(&fields, LogFormat::Logfmt, ctx)? {
        // (The fields borrow from `map`.)
        Outcome::Record(_, p) => Some(Outcome::Record(LogFormat::Logfmt, Box::new(p.into_owned()))),
        Outcome::Known(_) => Some(Outcome::Known(LogFormat::Logfmt)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logrus_style_line() {
        let Some(Outcome::Record(f, p)) = parse(
            r#"time="2026-11-23T11:06:53Z" level=warning msg="token is expired" status=401 method=GET path="/v2/x?token=abc" request_id=ABC-1 err="token has invalid claims: token is expired""#,
            &Ctx::new(None),
        ) else {
            panic!("not parsed")
        };
        assert_eq!(f, LogFormat::Logfmt);
        assert_eq!(p.status, Some(401));
        assert_eq!(p.method.as_deref(), Some("GET"));
        assert_eq!(p.url.as_deref(), Some("/v2/x?token=abc"));
        assert_eq!(p.request_ids, vec!["abc-1"]);
        assert_eq!(
            p.message.as_deref(),
            Some("token has invalid claims: token is expired")
        );
        assert!(p.time.is_some());
    }

    #[test]
    fn prose_is_not_logfmt() {
        assert!(parse("hello world a=b", &Ctx::new(None)).is_none());
        assert!(parse("just some text", &Ctx::new(None)).is_none());
        assert!(parse(
            r#"1.2.3.4 - - [23/Nov/2026:11:06:53 +0000] "GET /x HTTP/1.1" 401 5 "-" "curl" request_id=abc rt=0.1"#,
            &Ctx::new(None)
        )
        .is_none());
    }
}
