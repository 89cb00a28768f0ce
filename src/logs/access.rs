//! Common / combined access logs: nginx, Apache, Werkzeug, Traefik CLF and
//! Kong, with extra trailing fields (request id, request time, upstream
//! status, `kong_request_id: "…"`). No regex: the time is found by its
//! `[dd/Mon/yyyy:` shape and the status right after the quoted request, so
//! the hot path is a few `memchr` calls.

use super::{
    normalize_id, parse_status, split_absolute, split_request_line, words, Ctx, LogFormat, Outcome,
    Parsed,
};
use crate::time::parse_clf;
use std::borrow::Cow;

/// The positions of a CLF line, borrowed.
struct Clf<'a> {
    prefix: &'a str,
    time: &'a str,
    request: &'a str,
    status: u16,
    rest: &'a str,
}

fn is_clf_time_start(b: &[u8]) -> bool {
    b.len() >= 12
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && b[2] == b'/'
        && b[3..6].iter().all(u8::is_ascii_alphabetic)
        && b[6] == b'/'
        && b[7..11].iter().all(u8::is_ascii_digit)
        && b[11] == b':'
}

/// Byte positions of a CLF line: the time's brackets, the request (inside
/// its quotes) and the status after it. All sit next to ASCII bytes, so
/// they are char boundaries.
struct ClfSpans {
    open: usize,
    close: usize,
    request: std::ops::Range<usize>,
    status: u16,
}

fn clf_spans(line: &str) -> Option<ClfSpans> {
    let bytes = line.as_bytes();
    let open = memchr::memchr_iter(b'[', bytes).find(|&i| is_clf_time_start(&bytes[i + 1..]))?;
    // `[dd/Mon/yyyy:hh:mm:ss +zzzz]` closes 27 bytes on; checked by hand,
    // as a search call costs more than the bytes it would look at.
    let usual_close = open + 27;
    let close = match bytes.get(open + 13..=usual_close) {
        Some(time_rest) if time_rest.iter().position(|b| *b == b']') == Some(14) => usual_close,
        _ => open + memchr::memchr(b']', &bytes[open..])?,
    };
    if bytes.get(close + 1..close + 3) != Some(b" \"") {
        return None;
    }
    let start = close + 3;
    // The request ends at a quote followed by ` <3 digits>`.
    let ab = &bytes[start..];
    let end = memchr::memchr_iter(b'"', ab).find(|&i| {
        ab.get(i + 1) == Some(&b' ')
            && ab
                .get(i + 2..i + 5)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && ab.get(i + 5).is_none_or(|c| *c == b' ')
    })?;
    // Three ASCII digits, checked above.
    let status = ab[end + 2..end + 5]
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    Some(ClfSpans {
        open,
        close,
        request: start..start + end,
        status,
    })
}

fn split_clf(line: &str) -> Option<Clf<'_>> {
    let c = clf_spans(line)?;
    Some(Clf {
        prefix: &line[..c.open],
        time: &line[c.open + 1..c.close],
        request: &line[c.request.clone()],
        status: c.status,
        rest: line.get(c.request.end + 5..).unwrap_or("").trim_start(),
    })
}

/// Only the status and the request (`METHOD target PROTOCOL`), for
/// count-only lines; [`request_bare_path`] reads the path when it is needed.
pub(crate) fn fast_status(line: &str) -> Option<(u16, &str, &str)> {
    let c = clf_spans(line)?;
    Some((c.status, &line[c.request], &line[..c.open]))
}

/// The client a line's prefix (`[vhost] client-or-XFF-list ident user`,
/// the text before the time) names, as [`parse`] reads it: the outer
/// `None` when the prefix is too short for the format.
pub(crate) fn prefix_client(prefix: &str) -> Option<Option<&str>> {
    // Read from the end, without collecting the tokens: this runs for many
    // 2xx lines of a log with 401s waiting.
    let mut from_end = words(prefix).rev();
    from_end.next()?;
    from_end.next()?;
    from_end.next().map(client_token)
}

/// The client in its token, third from the end of a prefix.
fn client_token(token: &str) -> Option<&str> {
    let client = token.trim_matches(|c| c == '"' || c == ',');
    (!client.is_empty() && client != "-").then_some(client)
}

/// The path of a request line's target (the second word; an absolute URL's
/// path), without its query or fragment, found by bytes: this runs for
/// every 2xx line of a log with 401s waiting on their second leg, and two
/// search calls (the target's end, then the query's) cost more than the
/// few dozen bytes they looked at.
pub(crate) fn request_bare_path(request: &str) -> Option<&str> {
    let b = request.as_bytes();
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let start = b.iter().position(|c| !blank(c))?;
    // A method is a few bytes: a plain loop beats a search call.
    let method_end = start + b[start..].iter().position(blank)?;
    let target_start = method_end + b[method_end..].iter().position(|c| !blank(c))?;
    let target = &b[target_start..];
    if target.first() == Some(&b'/') {
        // Ends next to an ASCII byte (or the end): a char boundary.
        return Some(&request[target_start..target_start + path_end(target)]);
    }
    let target_end = memchr::memchr2(b' ', b'\t', target).map_or(b.len(), |j| target_start + j);
    // Both ends sit next to ASCII blanks (or the end): char boundaries.
    Some(super::bare_path(super::target_path(
        &request[target_start..target_end],
    )))
}

/// Where a path in a request line ends: at a blank, `?` or `#`, or the
/// end. Sixteen bytes a step while sixteen are left (SSE2, in the x86_64
/// baseline): a target is usually followed by ` HTTP/1.1`, so most paths
/// end inside a full block. The rest eight bytes a step.
fn path_end(b: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let (blocks, _) = b.as_chunks::<16>();
        for (i, block) in blocks.iter().enumerate() {
            // SAFETY: `block` is 16 readable bytes, read with an unaligned
            // load; SSE2 is part of the x86_64 baseline.
            let found = unsafe {
                let v = _mm_loadu_si128(block.as_ptr() as *const __m128i);
                let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
                _mm_movemask_epi8(_mm_or_si128(
                    _mm_or_si128(is(b' '), is(b'\t')),
                    _mm_or_si128(is(b'?'), is(b'#')),
                ))
            };
            if found != 0 {
                return i * 16 + found.trailing_zeros() as usize;
            }
        }
        let done = blocks.len() * 16;
        done + path_end_by_words(&b[done..])
    }
    #[cfg(not(target_arch = "x86_64"))]
    path_end_by_words(b)
}

/// [`path_end`] eight bytes a step, each byte compared with all four at
/// once (the zero-byte test of "Bit Twiddling Hacks"; a borrow can only
/// mark bytes after the first match, so the lowest mark is exact).
fn path_end_by_words(b: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let matches = |word: u64, c: u8| {
        let x = word ^ (ONES * u64::from(c));
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let (words, rest) = b.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        let word = u64::from_le_bytes(*word);
        let found =
            matches(word, b' ') | matches(word, b'\t') | matches(word, b'?') | matches(word, b'#');
        if found != 0 {
            return i * 8 + found.trailing_zeros() as usize / 8;
        }
    }
    let done = words.len() * 8;
    done + rest
        .iter()
        .position(|c| matches!(c, b' ' | b'\t' | b'?' | b'#'))
        .unwrap_or(rest.len())
}

/// One token of the tail: quoted (`"…"`, escapes kept) or bare.
fn tokens(s: &str) -> Vec<(&str, bool)> {
    tokens_ending(s, token_end)
}

/// The tokens of `s`, blank-separated, each ending where `end` (given the
/// bytes and the token's start) says.
fn tokens_ending(s: &str, end: fn(&[u8], usize) -> usize) -> Vec<(&str, bool)> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(8);
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        i = end(b, start).min(b.len());
        let tok = &s[start..i];
        if b[start] == b'"' && tok.len() >= 2 && tok.ends_with('"') {
            out.push((&tok[1..tok.len() - 1], true));
        } else {
            out.push((tok, false));
        }
    }
    out
}

/// Where the token at `start` ends (its blank, or the end; may pass it).
/// Jumps between the bytes that matter: outside quotes a blank ends the
/// token and a quote opens one; inside, a backslash hides the next byte and
/// a quote closes. (A byte at a time, this was half the cost of a kept
/// line.)
fn token_end(b: &[u8], start: usize) -> usize {
    let mut i = start;
    let mut in_quote = false;
    while i < b.len() {
        let found = if in_quote {
            memchr::memchr2(b'"', b'\\', &b[i..])
        } else {
            memchr::memchr2(b' ', b'"', &b[i..])
        };
        let Some(at) = found.map(|at| i + at) else {
            return b.len();
        };
        match b[at] {
            b' ' => return at,
            b'\\' => i = at + 2,
            _ => {
                in_quote = !in_quote;
                i = at + 1;
            }
        }
    }
    i
}

fn unquote(v: &str) -> &str {
    v.trim_matches('"')
}

fn looks_like_id(v: &str) -> bool {
    let hex32 = v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid = v.len() == 36
        && v.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    hex32 || uuid
}

pub(crate) fn parse<'l>(line: &'l str, _ctx: &Ctx<'_>) -> Option<Outcome<'l>> {
    let clf = split_clf(line)?;
    let mut p = Parsed {
        time: parse_clf(clf.time),
        status: Some(clf.status),
        ..Parsed::default()
    };
    // prefix: [vhost] client-or-XFF-list ident user
    // On the stack: a prefix has three or four tokens, more only with a
    // spaced X-Forwarded-For list.
    let toks: smallvec::SmallVec<[&str; 8]> = words(clf.prefix).collect();
    if toks.len() < 3 {
        return None;
    }
    let user = toks[toks.len() - 1];
    p.remote_user_present = !user.is_empty() && user != "-";
    p.client = client_token(toks[toks.len() - 3]).map(Cow::Borrowed);
    if toks.len() == 4 {
        let first = toks[0];
        if first.contains('.')
            && first.bytes().any(|b| b.is_ascii_alphabetic())
            && !first.contains([',', '"', ':'])
        {
            p.host = Some(Cow::Borrowed(first));
        }
    }
    let (method, target) = split_request_line(clf.request);
    p.method = method.map(Cow::Borrowed);
    if let Some(t) = target {
        let (host, path) = split_absolute(t);
        if let Some(host) = host {
            p.host = Some(Cow::Borrowed(host));
        }
        p.url = Some(Cow::Borrowed(path));
    }

    let tail = tokens(clf.rest);
    let mut format = LogFormat::NginxCombined;
    let mut idx = 1; // tail[0] is the byte count
    if tail.get(1).is_some_and(|t| t.1) && tail.get(2).is_some_and(|t| t.1) {
        let ua = tail[2].0;
        if !ua.is_empty() && ua != "-" {
            p.user_agent = Some(Cow::Borrowed(ua));
        }
        idx = 3;
    }
    let extras = tail.get(idx..).unwrap_or(&[]);
    // Traefik v1 CLF: count "frontend" "backend" NNNms
    if extras.len() >= 4
        && !extras[0].1
        && extras[0].0.bytes().all(|b| b.is_ascii_digit())
        && extras[1].1
        && extras[2].1
        && extras[3].0.ends_with("ms")
    {
        format = LogFormat::TraefikClf;
    }
    let mut i = 0;
    while i < extras.len() {
        let (tok, quoted) = extras[i];
        if !quoted {
            if tok == "kong_request_id:" {
                format = LogFormat::Kong;
                if let Some((v, _)) = extras.get(i + 1) {
                    p.add_id(v);
                }
                i += 2;
                continue;
            }
            if let Some((k, v)) = tok.split_once(['=', ':']) {
                let v = unquote(v);
                match k.to_ascii_lowercase().as_str() {
                    "request_id" | "req_id" | "rid" | "reqid" | "x_request_id" | "request-id"
                    | "x-request-id" | "requestid" | "trace_id" | "traceid" | "traceparent" => {
                        p.add_id(v)
                    }
                    "upstream_status" | "us" | "ups" | "upstream" => {
                        p.upstream_status = v
                            .rsplit([',', ':', ' '])
                            .find_map(|s| parse_status(s.trim()));
                    }
                    _ => {}
                }
                i += 1;
                continue;
            }
        }
        if looks_like_id(tok) {
            if let Some(id) = normalize_id(tok) {
                if !p.request_ids.contains(&id) {
                    p.request_ids.push(id);
                }
            }
        }
        i += 1;
    }
    Some(Outcome::Record(format, Box::new(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_rfc3339;

    fn rec(line: &str) -> (LogFormat, Parsed<'_>) {
        let ctx = Ctx::new(None);
        match parse(line, &ctx) {
            Some(Outcome::Record(f, p)) => (f, *p),
            _ => panic!("not parsed: {line}"),
        }
    }

    /// The tail read a byte at a time, as before.
    fn tokens_reference(s: &str) -> Vec<(&str, bool)> {
        tokens_ending(s, |b, start| {
            let mut i = start;
            let mut in_quote = false;
            while i < b.len() {
                match b[i] {
                    b'\\' if in_quote => i += 1,
                    b'"' => in_quote = !in_quote,
                    b' ' if !in_quote => break,
                    _ => {}
                }
                i += 1;
            }
            i
        })
    }

    #[test]
    fn tail_tokens_agree_with_a_byte_at_a_time_reading() {
        assert_eq!(
            tokens(r#"22 "-" "Mozilla/5.0 (X; \"q\")" "req-1" rt=0.2 a"b c"d"#),
            vec![
                ("22", false),
                ("-", true),
                ("Mozilla/5.0 (X; \\\"q\\\")", true),
                ("req-1", true),
                ("rt=0.2", false),
                ("a\"b c\"d", false),
            ]
        );
        // Every string of up to 7 of these bytes, and the unclosed ends.
        let alphabet = [b'a', b' ', b'"', b'\\'];
        for len in 0..=7u32 {
            for n in 0..4usize.pow(len) {
                let text: String = (0..len)
                    .map(|k| char::from(alphabet[n / 4usize.pow(k) % 4]))
                    .collect();
                assert_eq!(tokens(&text), tokens_reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn capture_combined_401_with_remote_user() {
        let (f, p) = rec(
            r#"127.0.0.1 - alice [23/Nov/2026:11:06:53 +0000] "GET /v2/shipments?case=t2001 HTTP/1.1" 401 79 "http://127.0.0.1:9080/console/?case=t1000" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36""#,
        );
        assert_eq!(f, LogFormat::NginxCombined);
        assert_eq!(p.status, Some(401));
        assert_eq!(p.method.as_deref(), Some("GET"));
        assert_eq!(p.url.as_deref(), Some("/v2/shipments?case=t2001"));
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2026-11-23T11:06:53.000Z");
        assert!(p.remote_user_present);
        assert_eq!(p.client.as_deref(), Some("127.0.0.1"));
        assert!(p.user_agent.unwrap().contains("HeadlessChrome"));
    }

    #[test]
    fn xff_lists_empty_requests_and_vhosts() {
        let (_, p) = rec(
            r#""10.5.102.222, 199.96.1.1, 204.246.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /assets/xxxx?q=100 HTTP/1.1" 200 25507 "-" "Amazon CloudFront""#,
        );
        assert_eq!(p.client.as_deref(), Some("10.2.1.185"));
        assert_eq!(p.status, Some(200));
        let (_, p) = rec(r#"127.0.0.1 - - [12/Apr/2018:09:48:40 +0200] "" 400 0 "-" "-""#);
        assert_eq!(p.status, Some(400));
        assert!(p.method.is_none() && p.user_agent.is_none());
        let (_, p) = rec(
            r#"vhost1.domaine.fr 123.123.123.123 - - [04/Jul/2019:09:20:46 +0200] "GET / HTTP/1.1" 200 32953 "-" "curl""#,
        );
        assert_eq!(p.host.as_deref(), Some("vhost1.domaine.fr"));
        assert_eq!(p.client.as_deref(), Some("123.123.123.123"));
        assert_eq!(format_rfc3339(&p.time.unwrap()), "2019-07-04T07:20:46.000Z");
    }

    #[test]
    fn kong_and_traefik_tails() {
        let (f, p) = rec(
            r#"127.0.0.1 - - [03/Jun/2024:14:54:42 +0200] "GET /test HTTP/1.1" 404 243 "-" "Mozilla/5.0" kong_request_id: "59c9cd40508da8549e4f3d462c393608""#,
        );
        assert_eq!(f, LogFormat::Kong);
        assert_eq!(p.request_ids, vec!["59c9cd40508da8549e4f3d462c393608"]);
        let (f, p) = rec(
            r#"10.0.0.2 - username [18/Nov/2018:21:34:30 +0000] "GET /dashboard/ HTTP/2.0" 401 17 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:57.0) Gecko/20100101 Firefox/57.0" 72 "Auth for frontend-Host-traefik-0" "/dashboard/" 0ms"#,
        );
        assert_eq!(f, LogFormat::TraefikClf);
        assert_eq!(p.status, Some(401));
        assert!(p.remote_user_present);
    }

    #[test]
    fn trailing_key_values() {
        let (_, p) = rec(
            r#"1.2.3.4 - - [23/Nov/2026:11:06:53 +0000] "GET /a?api_key=s3cr3t HTTP/1.1" 401 0 "-" "curl" rt=0.012 upstream_status=502, 401 request_id=ABCDEF0123456789abcdef0123456789"#,
        );
        assert_eq!(p.request_ids, vec!["abcdef0123456789abcdef0123456789"]);
        assert_eq!(
            p.url.as_deref(),
            Some("/a?api_key=s3cr3t"),
            "raw inside the parser, masked on emit"
        );
        let (_, p) = rec(
            r#"1.2.3.4 - - [23/Nov/2026:11:06:53 +0000] "GET / HTTP/1.1" 200 0 "-" "curl" us=401"#,
        );
        assert_eq!(p.upstream_status, Some(401));
    }

    #[test]
    fn not_clf() {
        let ctx = Ctx::new(None);
        assert!(parse("2026/11/23 11:06:53 [error] 1#1: *1 x", &ctx).is_none());
        assert!(parse(
            "[26/Dec/2016:16:16:29 +0200] \"GET / HTTP/1.1\" 200 1",
            &ctx
        )
        .is_none());
        let path = |line| fast_status(line).map(|(status, r, _)| (status, request_bare_path(r)));
        assert_eq!(
            path(r#"::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -"#),
            Some((408, None))
        );
        assert_eq!(
            path(
                r#"1.2.3.4 - - [26/Dec/2016:16:16:48 +0200] "GET http://h:80/a?b HTTP/1.1" 200 -"#
            ),
            Some((200, Some("/a")))
        );
    }

    #[test]
    fn times_of_any_width_close_where_their_bracket_is() {
        for (time, status) in [
            ("23/Nov/2026:11:06:53 +0000", 401),
            ("23/Nov/2026:11:06:53.123 +0000", 200),
            ("23/Nov/2026:11:06:53", 302),
            ("23/Nov/2026:11:06:53 +00000", 404),
        ] {
            let line = format!(r#"1.2.3.4 - - [{time}] "GET /a HTTP/1.1" {status} 5 "-" "curl""#);
            let c = split_clf(&line).expect("a CLF line");
            assert_eq!(c.time, time.split(']').next().unwrap_or(time), "{line}");
            assert_eq!((c.status, c.request), (status, "GET /a HTTP/1.1"));
            assert_eq!(
                fast_status(&line),
                Some((status, "GET /a HTTP/1.1", "1.2.3.4 - - "))
            );
        }
        // The first `]` closes the time; a bracket not followed by ` "` is
        // not CLF.
        assert!(
            fast_status(r#"1.2.3.4 - - [23/Nov/2026:11:06:53 +00]0] "GET / HTTP/1.1" 200 5"#)
                .is_none()
        );
        assert!(
            fast_status(r#"1.2.3.4 - - [23/Nov/2026:11:06:53 +0000]"GET / HTTP/1.1" 200 5"#)
                .is_none()
        );
        assert!(fast_status(r#"1.2.3.4 - - [23/Nov/2026:11:06:53 +0000] GET / 200 5"#).is_none());
    }

    /// The count-only path and the full parse must name the same client:
    /// a 2xx is followed as an answer only from the client a 401 left.
    #[test]
    fn the_prefix_names_the_client_the_parse_names() {
        let ctx = Ctx::new(None);
        for prefix in [
            "1.2.3.4 - -",
            "1.2.3.4 - alice",
            "api.example 10.0.0.9 - -",
            "\"10.0.0.1, 10.0.0.2\" - -",
            "10.0.0.1, 10.0.0.2 - -",
            "- - -",
            "2001:db8::1 - -",
            "one two",
        ] {
            let line = format!(r#"{prefix} [23/Nov/2026:11:06:53 +0000] "GET /a HTTP/1.1" 200 5"#);
            let (_, _, seen) = fast_status(&line).expect("CLF");
            let parsed = match parse(&line, &ctx) {
                Some(Outcome::Record(_, p)) => Some(p.client.map(|c| c.into_owned())),
                _ => None,
            };
            let cheap = prefix_client(seen).map(|c| c.map(str::to_string));
            assert_eq!(cheap, parsed, "{line}");
        }
        assert_eq!(prefix_client("1.2.3.4 - - "), Some(Some("1.2.3.4")));
        assert_eq!(prefix_client("- - - "), Some(None));
    }

    #[test]
    fn request_bare_path_reads_the_target_without_its_query() {
        assert_eq!(request_bare_path("GET /a/b?c=1 HTTP/1.1"), Some("/a/b"));
        assert_eq!(request_bare_path(" \tGET \t /x\tHTTP/1.0"), Some("/x"));
        assert_eq!(request_bare_path("GET /only"), Some("/only"));
        assert_eq!(request_bare_path("GET /a#frag HTTP/1.1"), Some("/a"));
        assert_eq!(request_bare_path("GET https://h.example"), Some("/"));
        assert_eq!(
            request_bare_path("GET https://h.example/p?q HTTP/2"),
            Some("/p")
        );
        assert_eq!(request_bare_path("OPTIONS * HTTP/1.1"), Some("*"));
        assert_eq!(request_bare_path("GET /ünï HTTP/1.1"), Some("/ünï"));
        assert_eq!(request_bare_path("-"), None);
        assert_eq!(request_bare_path("GET   "), None);
        assert_eq!(request_bare_path(""), None);
    }

    #[test]
    fn a_path_ends_at_its_first_blank_query_or_fragment_wherever_it_falls() {
        // Every length across a few sixteen-byte blocks and eight-byte
        // words, every stop byte at every place, with look-alikes (0x20 and
        // 0x3f off by a bit, and a multi-byte character) around it; both
        // readings.
        let filler = "/aB\u{e9}0!~\u{7f}\u{a0}\u{bf}";
        for len in 0..45 {
            let path: String = filler.chars().cycle().take(len).collect();
            for end in [path_end, path_end_by_words] {
                assert_eq!(end(path.as_bytes()), path.len(), "{path:?}");
                for stop in [' ', '\t', '?', '#'] {
                    for at in 0..=path.len() {
                        if !path.is_char_boundary(at) {
                            continue;
                        }
                        let line = format!("{}{stop}{}", &path[..at], &path[at..]);
                        assert_eq!(end(line.as_bytes()), at, "{line:?}");
                    }
                }
            }
        }
    }
}
