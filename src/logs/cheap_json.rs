//! A JSON log line's status, path and clients read without parsing it,
//! for the lines that are only counted. Every status key must agree on one
//! status, the path is the first `url`-like key's string, and the clients
//! are the strings of every member named like a client key (the full
//! parse takes one of them, or none); anything unusual (keys that
//! disagree, an escape in the path or a client, a client that is no
//! string) gives no answer, and the caller parses the line.
//!
//! The keys are found in one pass: a 64-byte block's quotes come as one
//! bitmask (AVX2, or a byte at a time), and only a quote followed by the
//! first two letters of some key ([`key_pair`]) is looked at. A search per
//! key read each line seven times, and this runs for nearly every line of
//! a JSON log.

/// Member names whose value is a status, as [`super::json`] reads them
/// ([`key_at`] knows them by heart; the tests hold it to this list).
#[cfg(test)]
const STATUS_KEYS: [&[u8]; 7] = [
    b"status",
    b"statusCode",
    b"status_code",
    b"response_code",
    b"DownstreamStatus",
    b"http_status",
    b"StatusCode",
];

/// Member names whose string value is the request's path or URL.
#[cfg(test)]
const PATH_KEYS: [&[u8]; 5] = [b"url", b"uri", b"path", b"request_uri", b"RequestPath"];

/// Member names whose value may be the client [`super::json`] reads: the
/// last name of each of its client keys, and each dotted key written out
/// (a member may be named `client.ip`).
#[cfg(test)]
const CLIENT_KEYS: [&[u8]; 16] = [
    b"remote_addr",
    b"ClientHost",
    b"client_ip",
    b"request.client_ip",
    b"request.remote_ip",
    b"remoteAddress",
    b"req.remoteAddress",
    b"downstream_remote_address",
    b"client.ip",
    b"source.ip",
    b"httpRequest.remoteIp",
    b"remote_ip",
    b"remoteIp",
    b"sourceIp",
    b"ip",
    b"x_forwarded_for",
];

/// Client keys followed per line; a line with more is parsed.
const MAX_CLIENT_KEYS: usize = 4;

/// What a JSON line's status, path and client keys say.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct CheapJson {
    /// Some status key is there (quoted, as a member name would be).
    pub has_status_key: bool,
    /// The status all status keys hold (a number from 100 to 599, quoted or
    /// not); `None` when there is no status key, or one holds something
    /// else, or they disagree.
    pub status: Option<u16>,
    /// Where the string value of the first path key starts (just after its
    /// opening quote).
    path_at: Option<usize>,
    /// Where the string value of each client key starts (just after its
    /// opening quote).
    clients_at: [usize; MAX_CLIENT_KEYS],
    /// How many of `clients_at` are set.
    clients: u8,
    /// Some client key holds what only the full parse reads (not a
    /// string, or too many keys).
    clients_unclear: bool,
}

impl CheapJson {
    /// Read `line`'s status and path keys.
    pub fn read(line: &[u8]) -> CheapJson {
        let mut seen = CheapJson::default();
        let mut status_clear = true;
        for_each_key_quote(line, |at| {
            let name = &line[at + 1..];
            match key_at(name) {
                Some((Key::Status, end)) => {
                    seen.has_status_key = true;
                    if status_clear {
                        match status_value(&name[end..]) {
                            Some(s) if seen.status.is_none_or(|f| f == s) => seen.status = Some(s),
                            _ => {
                                status_clear = false;
                                seen.status = None;
                            }
                        }
                    }
                }
                Some((Key::Path, end)) if seen.path_at.is_none() => {
                    seen.path_at = string_value_at(&name[end..]).map(|v| at + 1 + end + v);
                }
                Some((Key::Client, end)) => {
                    let after = &name[end..];
                    // Not followed by a colon: a string value, not a key.
                    if after.trim_ascii_start().starts_with(b":") {
                        match string_value_at(after) {
                            Some(v) if usize::from(seen.clients) < MAX_CLIENT_KEYS => {
                                seen.clients_at[usize::from(seen.clients)] = at + 1 + end + v;
                                seen.clients += 1;
                            }
                            _ => seen.clients_unclear = true,
                        }
                    }
                }
                _ => {}
            }
        });
        seen
    }

    /// The path of the first path key's value (an absolute URL's path, no
    /// query or fragment); `None` when there is none or it holds an escape.
    pub fn path<'a>(&self, line: &'a str) -> Option<&'a str> {
        let value = plain_string_at(line, self.path_at?)?;
        // Cut as the full parse cuts the URL it keeps (`split_absolute`,
        // then `path_key`): a path read here must match the one a 401 left.
        Some(super::bare_path(super::split_absolute(value).1))
    }

    /// The clients the full parse may take the line's to be, as it reads a
    /// string (trimmed; empty and `-` are none); `None` when only the
    /// full parse can tell.
    pub fn clients<'a>(&self, line: &'a str) -> Option<smallvec::SmallVec<[&'a str; 2]>> {
        if self.clients_unclear {
            return None;
        }
        let mut clients = smallvec::SmallVec::new();
        for &at in &self.clients_at[..usize::from(self.clients)] {
            let client = plain_string_at(line, at)?.trim();
            if !client.is_empty() && client != "-" {
                clients.push(client);
            }
        }
        Some(clients)
    }
}

/// The string value starting at `at` (just after its opening quote), up
/// to its closing quote; `None` when it holds an escape (which only the
/// full parse reads) or is not closed.
fn plain_string_at(line: &str, at: usize) -> Option<&str> {
    // Sliced from the line, already known to be UTF-8: both ends sit next
    // to an ASCII quote (or backslash). A `from_utf8` of the value was 3 %
    // of a JSON log's time.
    let rest = line.get(at..)?;
    let end = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
    if rest.as_bytes()[end] == b'\\' {
        return None;
    }
    rest.get(..end)
}

enum Key {
    Status,
    Path,
    Client,
}

/// The key `name` (the bytes after a quote) is, if it is one of
/// the status keys or the path keys, closed by a quote, and where it ends
/// (just after that quote). Told apart by the first byte, then compared
/// whole: most quotes open no key, and a comparison with every key was
/// most of the cost of a line.
#[inline]
fn key_at(name: &[u8]) -> Option<(Key, usize)> {
    let (key, end) = match name.first()? {
        b's' => match name.get(..3)? {
            b"sta" => (
                Key::Status,
                closes(name, b"status")
                    .or_else(|| closes(name, b"statusCode"))
                    .or_else(|| closes(name, b"status_code")),
            ),
            b"sou" => (
                Key::Client,
                closes(name, b"sourceIp").or_else(|| closes(name, b"source.ip")),
            ),
            _ => return None,
        },
        // Told apart by their first four bytes: most `r` names are none of
        // these (`req`, `res`, `responseTime`, `remotePort`).
        b'r' => match name.get(..4)? {
            b"resp" => (Key::Status, closes(name, b"response_code")),
            b"requ" => match closes(name, b"request_uri") {
                Some(end) => (Key::Path, Some(end)),
                None => (
                    Key::Client,
                    closes(name, b"request.client_ip")
                        .or_else(|| closes(name, b"request.remote_ip")),
                ),
            },
            b"req." => (Key::Client, closes(name, b"req.remoteAddress")),
            b"remo" => (
                Key::Client,
                closes(name, b"remote_addr")
                    .or_else(|| closes(name, b"remoteAddress"))
                    .or_else(|| closes(name, b"remote_ip"))
                    .or_else(|| closes(name, b"remoteIp")),
            ),
            _ => return None,
        },
        b'D' => (Key::Status, closes(name, b"DownstreamStatus")),
        b'd' => (Key::Client, closes(name, b"downstream_remote_address")),
        b'h' => match closes(name, b"http_status") {
            Some(end) => (Key::Status, Some(end)),
            None => (Key::Client, closes(name, b"httpRequest.remoteIp")),
        },
        b'S' => (Key::Status, closes(name, b"StatusCode")),
        b'u' => (
            Key::Path,
            closes(name, b"url").or_else(|| closes(name, b"uri")),
        ),
        b'p' => (Key::Path, closes(name, b"path")),
        b'R' => (Key::Path, closes(name, b"RequestPath")),
        b'c' => (
            Key::Client,
            closes(name, b"client_ip").or_else(|| closes(name, b"client.ip")),
        ),
        b'C' => (Key::Client, closes(name, b"ClientHost")),
        b'i' => (Key::Client, closes(name, b"ip")),
        b'x' => (Key::Client, closes(name, b"x_forwarded_for")),
        _ => return None,
    };
    Some((key, end?))
}

/// Where `name` closes if it is `key` followed by a quote: just after the
/// quote. (A fixed length, so the comparison is a few loads.)
#[inline]
fn closes<const N: usize>(name: &[u8], key: &[u8; N]) -> Option<usize> {
    let (head, rest) = name.split_first_chunk::<N>()?;
    (head == key && rest.first() == Some(&b'"')).then_some(N + 1)
}

/// The status after a status key: `: 401` or `: "401"`, three digits from
/// 100 to 599 followed by a quote, a comma, a brace, a blank or the end.
fn status_value(after_key: &[u8]) -> Option<u16> {
    let rest = after_key
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
    let digits = rest.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit)
        || rest
            .get(3)
            .is_some_and(|c| !matches!(c, b'"' | b',' | b'}' | b' '))
    {
        return None;
    }
    let status = digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    (100..=599).contains(&status).then_some(status)
}

/// Where a string value starts after a key (`: "`), just past its quote.
fn string_value_at(after_key: &[u8]) -> Option<usize> {
    let value = after_key
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    value
        .starts_with(b"\"")
        .then(|| after_key.len() - value.len() + 1)
}

/// Call `f` with the position of every `"` in `line` that is followed by
/// the first two letters of a key (a superset, see [`key_pair`]), in
/// order.
fn for_each_key_quote(line: &[u8], f: impl FnMut(usize)) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is there, checked just above.
        return unsafe { avx2::for_each_key_quote(line, f) };
    }
    key_quotes_by(line, f, key_quotes);
}

/// [`for_each_key_quote`] with `key_quotes` marking a block's key quotes.
#[inline(always)]
fn key_quotes_by(line: &[u8], mut f: impl FnMut(usize), key_quotes: impl Fn(&[u8; 66]) -> u64) {
    // A block's masks read two bytes past it: the two after its last quote.
    let mut base = 0;
    while base + 66 <= line.len() {
        let window: &[u8; 66] = line[base..base + 66].try_into().unwrap_or(&[0; 66]);
        each_bit(key_quotes(window), base, &mut f);
        base += 64;
    }
    if base < line.len() {
        // Zeros start no key.
        let mut padded = [0u8; 66];
        padded[..line.len() - base].copy_from_slice(&line[base..]);
        each_bit(key_quotes(&padded), base, &mut f);
    }
}

#[inline]
fn each_bit(mut bits: u64, base: usize, f: &mut impl FnMut(usize)) {
    while bits != 0 {
        f(base + bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

/// The keys' first two letters, in either case, in seven groups: a bit per
/// group, set for a byte that may be a first letter (`FIRST_*`) or a
/// second letter (`SECOND_*`) of one of its keys. A byte's bits are the
/// table entry of its low nibble and that of its high nibble ANDed (so a
/// group's bytes are every pairing of its nibbles: a small superset), and
/// a pair of bytes starts a key of some group when both have its bit.
///
/// | bit | first | second | keys |
/// |---|---|---|---|
/// | 0 | s | t, o | status…, StatusCode, sourceIp, source.ip |
/// | 1 | r | e | response_code, request_uri, RequestPath, req.remoteAddress, remote…, request.… |
/// | 2 | d | o | DownstreamStatus, downstream_remote_address |
/// | 3 | h | t | http_status, httpRequest.remoteIp |
/// | 4 | u, x | r, `_` | url, uri, x_forwarded_for |
/// | 5 | p, i | a, p | path, ip |
/// | 6 | c | l | client_ip, client.ip, ClientHost |
///
/// Bytes are lower-cased by setting bit 5 first (`_` becomes 0x7f). Most
/// quotes in a log line open a name or value that no key starts like
/// (`hostname`, `service`, `headers`, `content-type`): each one let
/// through costs a call and a comparison.
const FIRST_LO: [u8; 16] = nibbles(&[
    (0x0, 1 << 5),
    (0x2, 1 << 1),
    (0x3, 1 | 1 << 6),
    (0x4, 1 << 2),
    (0x5, 1 << 4),
    (0x8, 1 << 3 | 1 << 4),
    (0x9, 1 << 5),
]);
const FIRST_HI: [u8; 16] = nibbles(&[
    (0x6, 1 << 2 | 1 << 3 | 1 << 5 | 1 << 6),
    (0x7, 1 | 1 << 1 | 1 << 4 | 1 << 5),
]);
const SECOND_LO: [u8; 16] = nibbles(&[
    (0x0, 1 << 5),
    (0x1, 1 << 5),
    (0x2, 1 << 4),
    (0x4, 1 | 1 << 3),
    (0x5, 1 << 1),
    (0xc, 1 << 6),
    (0xf, 1 | 1 << 2 | 1 << 4),
]);
const SECOND_HI: [u8; 16] = nibbles(&[
    (0x6, 1 | 1 << 1 | 1 << 2 | 1 << 5 | 1 << 6),
    (0x7, 1 | 1 << 3 | 1 << 4 | 1 << 5),
]);

const fn nibbles(entries: &[(usize, u8)]) -> [u8; 16] {
    let mut table = [0u8; 16];
    let mut i = 0;
    while i < entries.len() {
        table[entries[i].0] = entries[i].1;
        i += 1;
    }
    table
}

/// Whether bytes `a`, `b` may be the first two letters of a key: what the
/// vector code computes for each position.
fn key_pair(a: u8, b: u8) -> bool {
    let class = |c: u8, lo: &[u8; 16], hi: &[u8; 16]| {
        let c = c | 0x20;
        lo[usize::from(c & 0xf)] & hi[usize::from(c >> 4)]
    };
    class(a, &FIRST_LO, &FIRST_HI) & class(b, &SECOND_LO, &SECOND_HI) != 0
}

/// A bit for each of the first 64 bytes of `window` that is a `"` followed
/// by a [`key_pair`] (a byte at a time: for CPUs without AVX2).
fn key_quotes(window: &[u8; 66]) -> u64 {
    (0..64).fold(0u64, |bits, i| {
        let hit = window[i] == b'"' && key_pair(window[i + 1], window[i + 2]);
        bits | (u64::from(hit) << i)
    })
}

/// The same 32 bytes a step, with the nibble tables looked up by byte
/// shuffles.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{key_quotes_by, FIRST_HI, FIRST_LO, SECOND_HI, SECOND_LO};

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn for_each_key_quote(line: &[u8], f: impl FnMut(usize)) {
        key_quotes_by(line, f, |window| {
            // SAFETY: AVX2 is there (this function's contract).
            unsafe { key_quotes(window) }
        });
    }

    /// A nibble table in both 128-bit lanes (a shuffle looks up within
    /// its lane).
    #[target_feature(enable = "avx2")]
    fn table(t: &[u8; 16]) -> __m256i {
        // SAFETY: reads the 16 bytes of `t`.
        let lane = unsafe { _mm_loadu_si128(t.as_ptr() as *const __m128i) };
        _mm256_broadcastsi128_si256(lane)
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn key_quotes(window: &[u8; 66]) -> u64 {
        let quote = _mm256_set1_epi8(b'"' as i8);
        let case = _mm256_set1_epi8(0x20);
        let low = _mm256_set1_epi8(0x0f);
        let (first_lo, first_hi) = (table(&FIRST_LO), table(&FIRST_HI));
        let (second_lo, second_hi) = (table(&SECOND_LO), table(&SECOND_HI));
        let class = |v: __m256i, lo: __m256i, hi: __m256i| {
            let v = _mm256_or_si256(v, case);
            let l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, low));
            let h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
            _mm256_and_si256(l, h)
        };
        let mut bits = 0u64;
        for i in 0..2 {
            // SAFETY: the loads read 32 bytes at offsets up to 34, inside
            // the 66 readable bytes of `window`.
            let (here, next, after) = unsafe {
                let at = window.as_ptr().add(32 * i);
                (
                    _mm256_loadu_si256(at as *const __m256i),
                    _mm256_loadu_si256(at.add(1) as *const __m256i),
                    _mm256_loadu_si256(at.add(2) as *const __m256i),
                )
            };
            let pair = _mm256_and_si256(
                class(next, first_lo, first_hi),
                class(after, second_lo, second_hi),
            );
            let no_pair = _mm256_cmpeq_epi8(pair, _mm256_setzero_si256());
            let hits = _mm256_andnot_si256(no_pair, _mm256_cmpeq_epi8(here, quote));
            bits |= (_mm256_movemask_epi8(hits) as u32 as u64) << (32 * i);
        }
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> (bool, Option<u16>, Option<&str>) {
        let seen = CheapJson::read(line.as_bytes());
        (seen.has_status_key, seen.status, seen.path(line))
    }

    #[test]
    fn every_listed_key_and_no_other_is_known() {
        let kind = |k: Key| match k {
            Key::Status => 0,
            Key::Path => 1,
            Key::Client => 2,
        };
        for (keys, want) in [
            (&STATUS_KEYS[..], 0),
            (&PATH_KEYS[..], 1),
            (&CLIENT_KEYS[..], 2),
        ] {
            for key in keys {
                let name = [*key, b"\":1"].concat();
                let found = key_at(&name).map(|(k, end)| (kind(k), end));
                assert_eq!(found, Some((want, key.len() + 1)), "{key:?}");
                // Shorter, longer, or not closed: not the key.
                assert!(key_at(&name[..key.len()]).is_none());
                assert!(key_at(&[*key, b"s\""].concat()).is_none());
                assert!(key_at(&name[1..]).is_none());
            }
        }
        for not_a_key in [
            &b"service"[..],
            b"req",
            b"res",
            b"remotePort",
            b"id",
            b"request",
        ] {
            assert!(key_at(&[not_a_key, b"\":1"].concat()).is_none());
        }
        assert!(key_at(b"").is_none());
    }

    /// json.rs reads the client from these keys: each must be seen here,
    /// by its last name or written out.
    #[test]
    fn every_client_key_of_the_full_parse_is_followed() {
        for key in super::super::json::CLIENT_KEYS {
            let text = key.text().as_bytes();
            let last = text.rsplit(|b| *b == b'.').next().unwrap_or(text);
            assert!(CLIENT_KEYS.contains(&text), "{}", key.text());
            assert!(CLIENT_KEYS.contains(&last), "{}", key.text());
        }
    }

    fn clients(line: &str) -> Option<Vec<&str>> {
        CheapJson::read(line.as_bytes())
            .clients(line)
            .map(|c| c.to_vec())
    }

    #[test]
    fn clients_of_usual_and_unusual_lines() {
        assert_eq!(
            clients(
                r#"{"req":{"url":"/a","remoteAddress":"10.0.0.1","remotePort":5},"status":200}"#
            ),
            Some(vec!["10.0.0.1"])
        );
        // Every client key, at any depth, trimmed; `-` and empty are none.
        assert_eq!(
            clients(
                r#"{"ip":" 1.2.3.4 ","client":{"ip":"5.6.7.8"},"client.ip":"-","x_forwarded_for":""}"#
            ),
            Some(vec!["1.2.3.4", "5.6.7.8"])
        );
        // A name as a value, or inside a string, is no key.
        assert_eq!(
            clients(r#"{"field":"ip","msg":"the \"ip\": \"6.6.6.6\""}"#),
            Some(vec![])
        );
        // What only the full parse reads.
        for line in [
            r#"{"ip":12}"#,
            r#"{"ip":["1.2.3.4"]}"#,
            r#"{"ip":"1.2\u002e3.4"}"#,
            r#"{"ip":"1.2.3.4"#,
            r#"{"ip":"1","ip":"2","ip":"3","ip":"4","ip":"5"}"#,
        ] {
            assert_eq!(clients(line), None, "{line}");
        }
    }

    #[test]
    fn status_and_path_of_usual_lines() {
        assert_eq!(
            read(r#"{"time":1,"req":{"url":"/a/b?x=1","method":"GET"},"res":{"statusCode":401}}"#),
            (true, Some(401), Some("/a/b"))
        );
        assert_eq!(
            read(
                r#"{"status": "200", "request_uri" : "https://h.example/p/q", "status_code":200}"#
            ),
            (true, Some(200), Some("/p/q"))
        );
        assert_eq!(
            read(r#"{"response_code":503,"path":"https://h.example"}"#),
            (true, Some(503), Some("/"))
        );
        assert_eq!(read(r#"{"msg":"hello"}"#), (false, None, None));
    }

    #[test]
    fn unclear_statuses_give_no_answer() {
        // Keys that disagree, a value that is no status, a key as a value.
        assert_eq!(read(r#"{"status":200,"statusCode":401}"#).1, None);
        assert_eq!(read(r#"{"status":"ok"}"#), (true, None, None));
        assert_eq!(read(r#"{"status":2000}"#).1, None);
        assert_eq!(read(r#"{"status":99}"#).1, None);
        assert_eq!(read(r#"{"status":600}"#).1, None);
        assert_eq!(read(r#"{"msg":"status"}"#), (true, None, None));
        // A key agreeing after a conflict does not bring the answer back.
        assert_eq!(
            read(r#"{"status":200,"http_status":401,"status":200}"#).1,
            None
        );
        // Not a key: part of a longer name, or not closed by a quote.
        assert_eq!(
            read(r#"{"substatus":401,"statusX":401}"#),
            (false, None, None)
        );
    }

    #[test]
    fn the_path_is_cut_at_query_or_fragment_as_the_full_parse_cuts_it() {
        for (url, path) in [
            ("/a/b", "/a/b"),
            ("/a/b?x=1", "/a/b"),
            ("/a/b#frag", "/a/b"),
            ("/a/b?x=1#frag", "/a/b"),
            ("/a/b#frag?x", "/a/b"),
            ("https://h.example/p#f", "/p"),
            ("http://h.example", "/"),
            ("wss://h.example/s?x", "/s"),
            ("?only=query", ""),
        ] {
            let line = format!(r#"{{"status":200,"url":"{url}"}}"#);
            assert_eq!(read(&line).2, Some(path), "{url}");
        }
    }

    #[test]
    fn the_first_path_key_holding_a_string_wins() {
        assert_eq!(
            read(r#"{"path":3,"url":"/second","uri":"/third"}"#).2,
            Some("/second")
        );
        assert_eq!(read(r#"{"url":"/a\"b"}"#).2, None, "escaped: parse");
        assert_eq!(read(r#"{"url":"/a?q=\"b"}"#).2, None, "escaped: parse");
        assert_eq!(read(r#"{"url":"/unclosed"#).2, None);
        assert_eq!(
            read(r#"{"msg":"see url","RequestPath":"/r"}"#).2,
            Some("/r")
        );
    }

    #[test]
    fn keys_across_block_edges_are_found() {
        for pad in 0..140 {
            let line = format!(
                r#"{{"pad":"{}","res":{{"status":403}},"uri":"/x/{pad}"}}"#,
                "p".repeat(pad)
            );
            let want = format!("/x/{pad}");
            assert_eq!(
                read(&line),
                (true, Some(403), Some(want.as_str())),
                "{line}"
            );
        }
    }

    /// The former reading, a search per key, for agreement.
    fn reference(line: &[u8]) -> (bool, Option<u16>, Option<usize>) {
        let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        let mut ends = Vec::new();
        for needle in [&b"tatus"[..], b"response_code"] {
            for at in memchr::memmem::find_iter(line, needle) {
                let start = at - line[..at].iter().rev().take_while(|b| word(b)).count();
                let end = at + line[at..].iter().take_while(|b| word(b)).count();
                let quoted = start > 0 && line[start - 1] == b'"' && line.get(end) == Some(&b'"');
                if quoted && STATUS_KEYS.contains(&&line[start..end]) {
                    ends.push(end + 1);
                }
            }
        }
        let mut status = None;
        for &end in &ends {
            match status_value(&line[end..]) {
                Some(s) if status.is_none_or(|f| f == s) => status = Some(s),
                _ => {
                    status = None;
                    break;
                }
            }
        }
        let path = PATH_KEYS
            .iter()
            .filter_map(|k| {
                let quoted = [&b"\""[..], k, b"\""].concat();
                memchr::memmem::find_iter(line, &quoted).find_map(|i| {
                    let end = i + quoted.len();
                    string_value_at(&line[end..]).map(|v| (i, end + v))
                })
            })
            .min()
            .map(|(_, at)| at);
        (!ends.is_empty(), status, path)
    }

    /// The AVX2 blocks mark the bytes the byte-at-a-time reading does
    /// (this machine's reads take the AVX2 path; the other is held to it
    /// here), on every byte value: the shuffles must see the high ones as
    /// the tables do.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn both_block_readers_mark_the_same_quotes() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let letters = b"\"sStToOrReEdDhHuUxXpPiIaAcClL_\x7f`yYqQ{}:, 0";
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..40_000u32 {
            let mut window = [0u8; 66];
            for b in window.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = if round.is_multiple_of(2) {
                    letters[(state % letters.len() as u64) as usize]
                } else if state.is_multiple_of(3) {
                    b'"'
                } else {
                    (state >> 8) as u8
                };
            }
            // SAFETY: AVX2 is there, checked above.
            let wide = unsafe { avx2::key_quotes(&window) };
            assert_eq!(wide, key_quotes(&window), "{window:?}");
        }
    }

    /// Every key's quote is let through, and most other names are not.
    #[test]
    fn the_pair_filter_lets_every_key_through() {
        for key in STATUS_KEYS.iter().chain(&PATH_KEYS).chain(&CLIENT_KEYS) {
            assert!(key_pair(key[0], key[1]), "{key:?}");
        }
        let others = [
            "hostname",
            "service",
            "headers",
            "host",
            "user-agent",
            "x-request-id",
            "content-type",
            "content-length",
            "msg",
            "level",
            "time",
            "pid",
            "method",
            "caller",
            "latency",
            "error",
            "logger",
            "bytes",
            "duration",
        ];
        for name in others {
            let b = name.as_bytes();
            assert!(!key_pair(b[0], b[1]), "{name}");
        }
    }

    #[test]
    fn agrees_with_a_search_per_key() {
        // Lines put together from pieces that make and break keys.
        let pieces = [
            r#"{"status":401,"#,
            r#""statusCode":"401","#,
            r#""status_code": 200,"#,
            r#""http_status":403,"#,
            r#""msg":"status","#,
            r#""url":"/a?b","#,
            r#""uri":7,"#,
            r#""path" : "/p","#,
            r#""req":{"url":"https://h/x"},"#,
            r#""note":"the \"url\" key","#,
            r#""RequestPath":"/r","#,
            r#""pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","#,
            r#""response_code":"abc","#,
            r#""remoteAddress":"10.0.0.1","#,
            r#""client":{"ip":7},"#,
            r#""request.remote_ip":"::1","#,
            r#""DownstreamStatus":401}"#,
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut answers = std::collections::HashSet::new();
        for _ in 0..3000 {
            let n = 1 + next() % 7;
            let line: String = (0..n)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let seen = CheapJson::read(line.as_bytes());
            let want = reference(line.as_bytes());
            assert_eq!(
                (seen.has_status_key, seen.status, seen.path_at),
                want,
                "{line}"
            );
            answers.insert(format!("{:?}", (want.0, want.1, want.2.is_some())));
        }
        assert!(answers.len() >= 6, "the lines are varied: {answers:?}");
    }
}
