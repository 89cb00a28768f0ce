//! Reproducible large-input generator for authlens benchmarks.
//!
//! ```text
//! cargo run --release --example gen-bench-input -- \
//!     --kind har|combined|jsonl --size 1G --out FILE [--seed N] [--gzip|--zstd]
//! ```
//!
//! * Deterministic: a seeded splitmix64 drives every choice and all
//!   timestamps start from a fixed base time, so the same arguments always
//!   produce byte-identical output (also with `--gzip`/`--zstd`).
//! * Streaming: records are rendered into one reusable buffer that is flushed
//!   to the sink at ~1 MiB, so memory stays constant whatever `--size` is.
//! * `--size` is the uncompressed size; output stops after the first record
//!   that reaches it (plus the HAR closing brackets).
//! * The exact record, 401 and 403 counts are printed to stderr and written
//!   to `FILE.counts.json` so benchmarks can check that tools agree.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// 2026-11-23T09:00:00.000Z: every generated timestamp counts from here.
const BASE_MS: u64 = 1_795_424_400_000;
const FLUSH_AT: usize = 1 << 20;

// ---------------------------------------------------------------- rng ----

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64 (Steele, Lea, Flood 2014)
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }
    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn pick_ref<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn fill(&mut self, out: &mut [u8]) {
        let mut chunks = out.chunks_exact_mut(8);
        for c in &mut chunks {
            c.copy_from_slice(&self.next().to_le_bytes());
        }
        let rest = chunks.into_remainder();
        let last = self.next().to_le_bytes();
        rest.copy_from_slice(&last[..rest.len()]);
    }
}

// ----------------------------------------------------- buffer helpers ----

trait Put {
    fn put(&mut self, s: &str) -> &mut Self;
    fn put_u(&mut self, n: u64) -> &mut Self;
    /// `digits` lowercase hex digits of `v` (low digits).
    fn put_hex(&mut self, v: u64, digits: usize) -> &mut Self;
    /// `thousandths` as a decimal with three fraction digits: 12345 -> 12.345
    fn put_milli(&mut self, thousandths: u64) -> &mut Self;
    /// Always three fraction digits, as nginx's `$request_time`: 0.012
    fn put_milli_fixed(&mut self, thousandths: u64) -> &mut Self;
    fn put_pad2(&mut self, n: u64) -> &mut Self;
}

impl Put for Vec<u8> {
    #[inline]
    fn put(&mut self, s: &str) -> &mut Self {
        self.extend_from_slice(s.as_bytes());
        self
    }
    #[inline]
    fn put_u(&mut self, mut n: u64) -> &mut Self {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.extend_from_slice(&tmp[i..]);
        self
    }
    #[inline]
    fn put_hex(&mut self, v: u64, digits: usize) -> &mut Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for i in (0..digits).rev() {
            self.push(HEX[((v >> ((i % 16) * 4)) & 0xf) as usize]);
        }
        self
    }
    /// Like JavaScript number formatting: no trailing zeros, no bare dot.
    #[inline]
    fn put_milli(&mut self, thousandths: u64) -> &mut Self {
        self.put_u(thousandths / 1000);
        let mut f = thousandths % 1000;
        if f != 0 {
            self.push(b'.');
            let mut digits = 3;
            while f.is_multiple_of(10) {
                f /= 10;
                digits -= 1;
            }
            let start = self.len();
            for _ in 0..digits {
                self.push(b'0');
            }
            let mut i = self.len();
            while f > 0 {
                i -= 1;
                self[i] = b'0' + (f % 10) as u8;
                f /= 10;
            }
            debug_assert!(i >= start);
        }
        self
    }
    #[inline]
    fn put_milli_fixed(&mut self, thousandths: u64) -> &mut Self {
        let f = thousandths % 1000;
        self.put_u(thousandths / 1000).put(".");
        self.push(b'0' + (f / 100) as u8);
        self.put_pad2(f % 100)
    }
    #[inline]
    fn put_pad2(&mut self, n: u64) -> &mut Self {
        self.push(b'0' + (n / 10 % 10) as u8);
        self.push(b'0' + (n % 10) as u8);
        self
    }
}

fn hex_string(rng: &mut Rng, digits: usize) -> String {
    let mut v = Vec::with_capacity(digits);
    let mut left = digits;
    while left > 0 {
        let n = left.min(16);
        v.put_hex(rng.next(), n);
        left -= n;
    }
    String::from_utf8(v).expect("hex is ascii")
}

fn uuid(rng: &mut Rng) -> String {
    let h = hex_string(rng, 32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

const fn escape_table(ascii_only: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i == b'"' as usize || i == b'\\' as usize || (ascii_only && i >= 0x80);
        i += 1;
    }
    t
}
static NEEDS_ESCAPE: [bool; 256] = escape_table(false);
static NEEDS_ESCAPE_ASCII: [bool; 256] = escape_table(true);

/// JSON string escaping of `s` into `out` (without the quotes). With
/// `ascii_only`, every non-ASCII char becomes `\uXXXX` (surrogate pairs for
/// astral chars), as some exporters do.
fn escape_into(out: &mut Vec<u8>, s: &str, ascii_only: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    let needs = if ascii_only {
        &NEEDS_ESCAPE_ASCII
    } else {
        &NEEDS_ESCAPE
    };
    for (i, &b) in bytes.iter().enumerate() {
        if !needs[b as usize] {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x00..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
            }
            0xc0..=0xff => {
                // start of a multi-byte char: escape the whole char
                let ch = s[i..].chars().next().expect("char boundary");
                let mut units = [0u16; 2];
                for u in ch.encode_utf16(&mut units) {
                    out.extend_from_slice(b"\\u");
                    out.put_hex(u64::from(*u), 4);
                }
            }
            _ => {} // continuation byte of a char escaped above
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

// ---------------------------------------------------------------- time ----

/// Formats of one second, recomputed only when the second changes.
struct Clock {
    sec: u64,
    iso: String,  // 2026-11-23T09:00:00
    http: String, // Mon, 23 Nov 2026 09:00:00 GMT
    clf: String,  // 23/Nov/2026:09:00:00 +0000
}

impl Clock {
    fn new() -> Self {
        let mut c = Clock {
            sec: u64::MAX,
            iso: String::new(),
            http: String::new(),
            clf: String::new(),
        };
        c.set(BASE_MS);
        c
    }
    fn set(&mut self, ms: u64) {
        let sec = ms / 1000;
        if sec == self.sec {
            return;
        }
        self.sec = sec;
        let t = chrono::DateTime::from_timestamp(sec as i64, 0).expect("valid time");
        self.iso = t.format("%Y-%m-%dT%H:%M:%S").to_string();
        self.http = t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        self.clf = t.format("%d/%b/%Y:%H:%M:%S +0000").to_string();
    }
}

fn iso_ms(clock: &mut Clock, ms: u64) -> String {
    clock.set(ms);
    let mut v = Vec::with_capacity(24);
    v.put(&clock.iso).put(".");
    let f = ms % 1000;
    v.push(b'0' + (f / 100) as u8);
    v.put_pad2(f % 100).put("Z");
    String::from_utf8(v).expect("ascii")
}

// ---------------------------------------------------------------- sink ----

enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

struct Out {
    sink: Sink,
    /// Uncompressed bytes written so far.
    bytes: u64,
}

impl Out {
    fn write(&mut self, b: &[u8]) -> io::Result<()> {
        self.bytes += b.len() as u64;
        match &mut self.sink {
            Sink::Plain(w) => w.write_all(b),
            Sink::Gzip(w) => w.write_all(b),
            Sink::Zstd(w) => w.write_all(b),
        }
    }
    fn finish(self) -> io::Result<()> {
        let mut w = match self.sink {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        // No fsync: benchmarks read the file from the page cache anyway.
        w.flush()
    }
}

#[derive(Default)]
struct Counts {
    records: u64,
    s401: u64,
    s403: u64,
}

impl Counts {
    fn add(&mut self, status: u16) {
        self.records += 1;
        match status {
            401 => self.s401 += 1,
            403 => self.s403 += 1,
            _ => {}
        }
    }
}

// ------------------------------------------------------- shared world ----

const HOSTS: &[&str] = &[
    "api.shopfront.example",
    "app.shopfront.example",
    "auth.shopfront.example",
    "cdn.shopfront.example",
];

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Go-http-client/2.0",
    "PostmanRuntime/7.42.0 (build 401)",
];

const SEC_CH_UA: &[&str] = &[
    "\"Google Chrome\";v=\"131\", \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"",
    "\"Microsoft Edge\";v=\"131\", \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"",
    "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"",
];

const PLATFORMS: &[&str] = &["\"macOS\"", "\"Windows\"", "\"Linux\""];

const METHODS_API: &[&str] = &[
    "GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "PATCH", "DELETE",
];

const WORDS: &[&str] = &[
    "wireless",
    "headphones",
    "café",
    "naïve",
    "résumé",
    "日本語",
    "Ünïcödé",
    "shipped",
    "pending",
    "returned",
    "priority",
    "overnight",
    "😀",
    "🔒",
    "señor",
    "Zürich",
    "\u{2028}",
    "tab\there",
    "quote\"inside",
    "back\\slash",
];

/// An API path with ids, sometimes with a query string. `401` shows up in
/// ids, pages and slugs as a trap for naive scanners.
fn api_path(rng: &mut Rng, out: &mut Vec<u8>) {
    let id = if rng.chance(20) {
        401
    } else {
        rng.range(1, 99_999)
    };
    match rng.below(14) {
        0 => out.put("/api/v1/orders/").put_u(id),
        1 => out
            .put("/api/v1/orders?status=open&page=")
            .put_u(id % 500)
            .put("&limit=50"),
        2 => out.put("/api/v1/users/").put_u(id).put("/profile"),
        3 => out.put("/api/v1/users/me"),
        4 => out.put("/api/v2/shipments/").put_u(id).put("/events"),
        5 => out.put("/api/v1/invoices/INV-").put_u(id).put(".pdf"),
        6 => out
            .put("/api/v1/search?q=wireless+headphones&page=")
            .put_u(id % 500),
        7 => out
            .put("/api/v1/carts/")
            .put_hex(rng.next(), 16)
            .put("/items"),
        8 => out.put("/graphql"),
        9 => out
            .put("/api/v1/notifications?since=")
            .put_u(BASE_MS / 1000 - id),
        10 => out
            .put("/api/v1/teams/")
            .put_u(id)
            .put("/members?role=admin"),
        11 => out
            .put("/api/v1/reports/")
            .put_u(id)
            .put("?format=csv&tz=UTC"),
        12 => out.put("/api/v1/docs/errors/401-unauthorized"),
        _ => out
            .put("/api/v1/products/")
            .put_u(id)
            .put("/reviews?sort=-created"),
    };
    if rng.chance(60) {
        let sep = if out.contains(&b'?') { "&" } else { "?" };
        out.put(sep)
            .put("api_key=sk_live_")
            .put_hex(rng.next(), 16)
            .put_hex(rng.next(), 16);
    }
}

/// One JWT: real base64url JSON header and payload, random signature.
fn make_jwt(rng: &mut Rng, expired: bool) -> String {
    let kid = hex_string(rng, 16);
    let header = if rng.chance(150) {
        "{\"alg\":\"HS256\",\"typ\":\"JWT\"}".to_string()
    } else {
        format!("{{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"{kid}\"}}")
    };
    let base_s = BASE_MS / 1000;
    let (iat, exp) = if expired {
        let iat = base_s - rng.range(7_200, 90_000);
        (iat, base_s - rng.range(60, 3_600))
    } else {
        (base_s - rng.range(0, 600), base_s + 7 * 86_400)
    };
    let payload = format!(
        "{{\"iss\":\"https://auth.shopfront.example/\",\"sub\":\"auth0|{}\",\"aud\":[\"https://api.shopfront.example\",\"https://shopfront.eu.auth0.com/userinfo\"],\"iat\":{iat},\"exp\":{exp},\"scope\":\"openid profile email orders:read orders:write\",\"azp\":\"{}\",\"email\":\"user{}@mail.example\"}}",
        hex_string(rng, 24),
        hex_string(rng, 32),
        rng.below(100_000)
    );
    let mut sig = [0u8; 256];
    rng.fill(&mut sig);
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

struct Tokens {
    valid: Vec<String>,
    expired: Vec<String>,
}

impl Tokens {
    fn new(rng: &mut Rng) -> Self {
        Tokens {
            valid: (0..48).map(|_| make_jwt(rng, false)).collect(),
            expired: (0..16).map(|_| make_jwt(rng, true)).collect(),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Why401 {
    Expired,
    Missing,
    Undefined,
    BasicOnBearer,
}

fn pick_401(rng: &mut Rng) -> Why401 {
    match rng.below(10) {
        0..=3 => Why401::Expired,
        4..=5 => Why401::Missing,
        6..=7 => Why401::Undefined,
        _ => Why401::BasicOnBearer,
    }
}

// ----------------------------------------------------------------- HAR ----

/// Pretty JSON writer producing `JSON.stringify(x, null, 2)` layout, as
/// Chrome DevTools and Playwright write HAR files.
struct Pretty {
    buf: Vec<u8>,
    /// One entry per open container: does it have items yet?
    stack: Vec<bool>,
}

const SPACES: &[u8; 64] = b"                                                                ";

impl Pretty {
    fn newline(&mut self) {
        self.buf.push(b'\n');
        self.buf.extend_from_slice(&SPACES[..2 * self.stack.len()]);
    }
    fn pre(&mut self, key: Option<&str>) {
        if let Some(has) = self.stack.last_mut() {
            if *has {
                self.buf.push(b',');
            }
            *has = true;
            self.newline();
        }
        if let Some(k) = key {
            self.buf.push(b'"');
            self.buf.extend_from_slice(k.as_bytes());
            self.buf.extend_from_slice(b"\": ");
        }
    }
    fn obj(&mut self, key: Option<&str>) {
        self.pre(key);
        self.buf.push(b'{');
        self.stack.push(false);
    }
    fn arr(&mut self, key: Option<&str>) {
        self.pre(key);
        self.buf.push(b'[');
        self.stack.push(false);
    }
    fn end(&mut self, close: u8) {
        if self.stack.pop().expect("open container") {
            self.newline();
        }
        self.buf.push(close);
    }
    fn end_obj(&mut self) {
        self.end(b'}');
    }
    fn end_arr(&mut self) {
        self.end(b']');
    }
    fn s(&mut self, key: &str, v: &str) {
        self.pre(Some(key));
        self.buf.push(b'"');
        escape_into(&mut self.buf, v, false);
        self.buf.push(b'"');
    }
    /// A string whose content is already JSON-escaped.
    fn s_raw(&mut self, key: &str, escaped: &[u8]) {
        self.pre(Some(key));
        self.buf.push(b'"');
        self.buf.extend_from_slice(escaped);
        self.buf.push(b'"');
    }
    fn u(&mut self, key: &str, v: u64) {
        self.pre(Some(key));
        self.buf.put_u(v);
    }
    fn i(&mut self, key: &str, v: i64) {
        self.pre(Some(key));
        if v < 0 {
            self.buf.push(b'-');
        }
        self.buf.put_u(v.unsigned_abs());
    }
    fn milli(&mut self, key: &str, thousandths: u64) {
        self.pre(Some(key));
        self.buf.put_milli(thousandths);
    }
    fn b(&mut self, key: &str, v: bool) {
        self.pre(Some(key));
        self.buf.put(if v { "true" } else { "false" });
    }
    fn null(&mut self, key: &str) {
        self.pre(Some(key));
        self.buf.put("null");
    }
    fn empty_obj(&mut self, key: &str) {
        self.pre(Some(key));
        self.buf.put("{}");
    }
    fn nv(&mut self, name: &str, value: &str) {
        self.obj(None);
        self.s("name", name);
        self.s("value", value);
        self.end_obj();
    }
}

#[derive(Clone, Copy)]
enum Body {
    None,
    SmallJson,
    TrapJson,
    UnicodeJson,
    LargeJson,
    Image,
    Script,
    Html,
    Css,
}

struct Har {
    rng: Rng,
    clock: Clock,
    tokens: Tokens,
    p: Pretty,
    /// Escaped body text of the current entry.
    body: Vec<u8>,
    scratch: String,
    raw: Vec<u8>,
    now_ms: u64,
    seq: u64,
}

struct Resp {
    status: u16,
    why: Option<Why401>,
    body: Body,
}

impl Har {
    fn pick_response(&mut self, is_api: bool) -> Resp {
        let r = self.rng.below(10_000);
        let (status, body) = match r {
            0..=499 => (401, Body::SmallJson),
            500..=649 => (403, Body::SmallJson),
            650..=699 => (0, Body::None),
            700..=849 => (if r.is_multiple_of(2) { 302 } else { 301 }, Body::None),
            850..=1149 => (304, Body::None),
            1150..=1399 => (204, Body::None),
            1400..=1549 => (404, Body::SmallJson),
            1550..=1599 => (self.rng.pick(&[500u16, 502, 503]), Body::SmallJson),
            1600..=1749 => (201, Body::SmallJson),
            _ => {
                let b = if is_api {
                    match self.rng.below(100) {
                        0..=49 => Body::SmallJson,
                        50..=69 => Body::LargeJson,
                        70..=84 => Body::TrapJson,
                        _ => Body::UnicodeJson,
                    }
                } else {
                    match self.rng.below(100) {
                        0..=39 => Body::Image,
                        40..=69 => Body::Script,
                        70..=84 => Body::Html,
                        _ => Body::Css,
                    }
                };
                (200, b)
            }
        };
        let why = (status == 401).then(|| pick_401(&mut self.rng));
        Resp { status, why, body }
    }

    /// Fills `self.body` with escaped text and returns (decoded size, mime,
    /// base64?).
    fn make_body(&mut self, resp: &Resp, url: &str) -> (u64, &'static str, bool) {
        self.body.clear();
        let rng = &mut self.rng;
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        let mut mime = "application/json; charset=utf-8";
        let mut ascii_only = false;
        match (resp.status, resp.body) {
            (_, Body::None) => {
                mime = if resp.status == 0 {
                    "x-unknown"
                } else {
                    "text/html"
                };
            }
            (401, _) => {
                text.push_str(match resp.why {
                    Some(Why401::Expired) => {
                        "{\"error\":\"invalid_token\",\"error_description\":\"The access token expired\",\"statusCode\":401}"
                    }
                    Some(Why401::Missing) => {
                        "{\"error\":\"unauthorized\",\"message\":\"No authorization token was found\",\"statusCode\":401}"
                    }
                    Some(Why401::Undefined) => {
                        "{\"error\":\"invalid_token\",\"error_description\":\"jwt malformed\",\"statusCode\":401}"
                    }
                    _ => {
                        "{\"error\":\"invalid_request\",\"message\":\"Format is Authorization: Bearer [token]\",\"statusCode\":401}"
                    }
                });
            }
            (403, _) => text.push_str(
                "{\"error\":\"insufficient_scope\",\"error_description\":\"Insufficient scope, expected any of: orders:admin\",\"statusCode\":403}",
            ),
            (404, _) => {
                text.push_str("{\"error\":\"not_found\",\"message\":\"No route for ");
                text.push_str(url);
                text.push_str("\",\"statusCode\":404}");
            }
            (s, Body::SmallJson) if s >= 500 => {
                text.push_str("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
                mime = "text/html";
            }
            (_, Body::SmallJson) => {
                let n = rng.range(1, 12);
                text.push_str("{\"data\":[");
                for i in 0..n {
                    if i > 0 {
                        text.push(',');
                    }
                    let id = rng.range(1, 1_000_000);
                    let st = rng.pick(&["shipped", "pending", "cancelled", "paid"]);
                    let total = rng.below(100_000);
                    // A past date without a chrono call per item.
                    text.push_str(&format!(
                        "{{\"id\":{id},\"status\":\"{st}\",\"total\":{}.{:02},\"currency\":\"EUR\",\"updatedAt\":\"2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\"}}",
                        total / 100,
                        total % 100,
                        1 + id % 10,
                        1 + id % 28,
                        id % 24,
                        id / 24 % 60,
                        id / 7 % 60,
                        id % 1000
                    ));
                }
                text.push_str(&format!(
                    "],\"page\":{},\"hasMore\":{}}}",
                    rng.below(40),
                    rng.chance(300)
                ));
            }
            (_, Body::TrapJson) => {
                // 200 responses whose bodies *talk about* 401s.
                match rng.below(4) {
                    0 => text.push_str("{\"results\":[{\"id\":1,\"status\": 401,\"upstream\":\"billing\"},{\"id\":2,\"status\":401,\"retried\":true},{\"id\":3,\"status\":200}],\"summary\":\"2 of 3 upstream calls returned 401 and were retried\"}"),
                    1 => text.push_str("{\"audit\":[{\"event\":\"login_failed\",\"response\":{\"status\": 401,\"statusText\":\"Unauthorized\"},\"headers\":{\"WWW-Authenticate\":\"Bearer error=\\\"invalid_token\\\"\"}}],\"count\":1}"),
                    2 => text.push_str("{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"/x\"},\"response\":{\"status\":401}}],\"note\":\"\\\"status\\\": 401 is expected here\"}"),
                    _ => text.push_str("{\"webhook\":{\"lastDelivery\":{\"statusCode\":401,\"body\":\"{\\\"status\\\":401}\"}},\"ok\":true}"),
                }
            }
            (_, Body::UnicodeJson) => {
                ascii_only = rng.chance(500);
                text.push_str("{\"reviews\":[");
                let n = rng.range(2, 8);
                for i in 0..n {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str("{\"author\":\"");
                    for _ in 0..3 {
                        escape_str_into_string(&mut text, rng.pick(WORDS));
                        text.push(' ');
                    }
                    text.push_str("\",\"stars\":");
                    text.push_str(&rng.range(1, 6).to_string());
                    text.push('}');
                }
                text.push_str("]}");
            }
            (_, Body::LargeJson) => {
                // Written escaped directly (only `"` needs escaping): large
                // bodies are most of the bytes, so avoid a second pass.
                let target = rng.range(8 << 10, 200 << 10) as usize;
                let b = &mut self.body;
                b.put("[");
                let mut quotes = 0u64;
                let mut first = true;
                while b.len() < target {
                    if !first {
                        b.push(b',');
                    }
                    first = false;
                    let id = rng.range(1, 10_000_000);
                    let v = rng.next();
                    b.put("{\\\"id\\\":").put_u(id);
                    b.put(",\\\"sku\\\":\\\"SKU-").put_hex(v, 8);
                    b.put("\\\",\\\"name\\\":\\\"Widget ").put_u(v >> 40);
                    b.put("\\\",\\\"price\\\":").put_u((v >> 8) % 1000).put(".").put_pad2(v % 100);
                    b.put(",\\\"stock\\\":").put_u((v >> 20) % 500);
                    b.put(",\\\"tags\\\":[\\\"sale\\\",\\\"new\\\"],\\\"owner\\\":{\\\"id\\\":").put_u(id % 9973);
                    b.put(",\\\"email\\\":\\\"owner").put_u(id % 9973).put("@mail.example\\\"}");
                    b.put(",\\\"active\\\":").put(if v & 1 == 0 { "true" } else { "false" });
                    b.put("}");
                    quotes += 22;
                }
                b.put("]");
                let size = (b.len() as u64) - quotes;
                self.scratch = text;
                return (size, "application/json; charset=utf-8", false);
            }
            (_, Body::Image) => {
                let n = rng.range(600, 48 << 10) as usize;
                self.raw.clear();
                self.raw.resize(n, 0);
                rng.fill(&mut self.raw);
                self.raw[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
                let start = self.body.len();
                self.body.resize(start + n.div_ceil(3) * 4, 0);
                let w = STANDARD
                    .encode_slice(&self.raw, &mut self.body[start..])
                    .expect("sized for base64");
                self.body.truncate(start + w);
                self.scratch = text;
                return (n as u64, "image/png", true);
            }
            (_, Body::Script) => {
                mime = "application/javascript";
                let target = rng.range(2 << 10, 80 << 10) as usize;
                text.push_str("\"use strict\";(self.webpackChunk=self.webpackChunk||[]).push([[");
                text.push_str(&rng.below(900).to_string());
                text.push_str("],{");
                while text.len() < target {
                    let f = rng.next();
                    text.push_str(&format!(
                        "{}:function(e,t,n){{var r=n({});async function a{:x}(o){{const s=await fetch(o,{{headers:{{Authorization:\"Bearer \"+localStorage.getItem(\"token\")}}}});if(s.status===401){{return r.refresh().then(()=>a{:x}(o))}}return s.json()}}t.default=a{:x}}},\n",
                        f % 9000,
                        (f >> 16) % 9000,
                        f >> 40,
                        f >> 40,
                        f >> 40
                    ));
                }
                text.push_str("}]);");
            }
            (_, Body::Html) => {
                mime = "text/html; charset=utf-8";
                text.push_str("<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Bestellübersicht – Shopfront</title><script>window.__CONFIG__={\"apiBase\":\"https://api.shopfront.example\",\"authRetryOn\":[401,419]};</script></head><body>\n");
                for _ in 0..rng.range(10, 200) {
                    text.push_str("<div class=\"row\"><span>");
                    text.push_str(rng.pick(WORDS));
                    text.push_str("</span><a href=\"/orders/");
                    text.push_str(&rng.below(100_000).to_string());
                    text.push_str("\">Details →</a></div>\n");
                }
                text.push_str("</body></html>");
                ascii_only = rng.chance(300);
            }
            (_, Body::Css) => {
                mime = "text/css";
                for _ in 0..rng.range(20, 400) {
                    text.push_str(&format!(
                        ".c{:x}{{margin:{}px;color:#{:06x}}}\n",
                        rng.next() >> 44,
                        rng.below(40),
                        rng.next() >> 40
                    ));
                }
                text.push_str(".icon::before{content:\"\\2713\"}\n");
            }
        }
        escape_into(&mut self.body, &text, ascii_only);
        let size = text.len() as u64;
        self.scratch = text;
        (size, mime, false)
    }

    fn entry(&mut self, page: u64) -> u16 {
        self.seq += 1;
        self.now_ms += self.rng.range(1, 120);
        if self.rng.chance(10) {
            self.now_ms += self.rng.range(1_000, 60_000);
        }
        let rng = &mut self.rng;
        let is_api = rng.chance(650);
        let host = if is_api { HOSTS[0] } else { HOSTS[3] };
        let mut path = Vec::with_capacity(128);
        let method;
        let mut post: Option<String> = None;
        if is_api {
            method = rng.pick(METHODS_API);
            if method == "POST" && rng.chance(80) {
                path.put("/api/v1/har-uploads");
                post = Some(format!(
                    "{{\"name\":\"session-{}.har\",\"log\":{{\"version\":\"1.2\",\"entries\":[{{\"request\":{{\"url\":\"/login\"}},\"response\":{{\"status\":401}}}}]}}}}",
                    rng.below(10_000)
                ));
            } else {
                api_path(rng, &mut path);
                if matches!(method, "POST" | "PUT" | "PATCH") {
                    post = Some(format!(
                        "{{\"sku\":\"SKU-{:08x}\",\"quantity\":{},\"note\":\"leave at door \\u00e9 \u{1F4E6}\"}}",
                        rng.next() >> 32,
                        rng.range(1, 5)
                    ));
                }
            }
        } else {
            method = "GET";
            let h = rng.next();
            match h % 4 {
                0 => path.put("/static/js/chunk.").put_hex(h >> 8, 8).put(".js"),
                1 => path
                    .put("/static/img/product-")
                    .put_u((h >> 8) % 5000)
                    .put(".png"),
                2 => path.put("/orders/").put_u((h >> 8) % 100_000),
                _ => path.put("/static/css/main.").put_hex(h >> 8, 8).put(".css"),
            };
        }
        let path = String::from_utf8(path).expect("ascii path");
        let url = format!("https://{host}{path}");
        let mut resp = self.pick_response(is_api);
        if !is_api && !matches!(resp.body, Body::None) && resp.status == 200 {
            // static asset: body type follows the extension
            resp.body = if path.ends_with(".js") {
                Body::Script
            } else if path.ends_with(".png") {
                Body::Image
            } else if path.ends_with(".css") {
                Body::Css
            } else {
                Body::Html
            };
        }
        if !is_api && resp.status == 401 {
            // static assets carry no Authorization header
            resp.why = Some(Why401::Missing);
        }
        let status = resp.status;
        let h2 = !self.rng.chance(200);
        let proto = if h2 { "http/2.0" } else { "HTTP/1.1" };
        let rng = &mut self.rng;
        let ua_i = rng.below(5) as usize; // browsers only in a HAR
        let ua = USER_AGENTS[ua_i];
        let chromium = ua_i < 3;
        let session = hex_string(rng, 32);
        let authz: Option<String> = if is_api {
            match (status, resp.why) {
                (401, Some(Why401::Expired)) => {
                    Some(format!("Bearer {}", rng.pick_ref(&self.tokens.expired)))
                }
                (401, Some(Why401::Missing)) => None,
                (401, Some(Why401::Undefined)) => Some("Bearer undefined".into()),
                (401, Some(Why401::BasicOnBearer)) => Some(format!(
                    "Basic {}",
                    STANDARD.encode(format!("svc-reporting:{}", hex_string(rng, 12)))
                )),
                _ => Some(format!("Bearer {}", rng.pick_ref(&self.tokens.valid))),
            }
        } else {
            None
        };
        let started = iso_ms(&mut self.clock, self.now_ms);
        let date = {
            self.clock.set(self.now_ms);
            self.clock.http.clone()
        };
        let (size, mime, b64) = self.make_body(&resp, &path);
        let rng = &mut self.rng;

        let wait = rng.range(2_000, 400_000);
        let receive = rng.range(100, 5_000) + size / 50;
        let blocked = rng.range(500, 9_000);
        let total = blocked + wait + receive + 300;

        let p = &mut self.p;
        p.obj(None);
        // _initiator
        p.obj(Some("_initiator"));
        match rng.below(3) {
            0 => {
                p.s("type", "script");
                p.obj(Some("stack"));
                p.arr(Some("callFrames"));
                for f in 0..rng.range(1, 4) {
                    p.obj(None);
                    p.s(
                        "functionName",
                        ["fetchJson", "", "apiClient.request", "n"][f as usize % 4],
                    );
                    p.s("scriptId", &rng.range(10, 400).to_string());
                    p.s(
                        "url",
                        "https://cdn.shopfront.example/static/js/main.4f1c2e.js",
                    );
                    p.u("lineNumber", rng.below(3));
                    p.u("columnNumber", rng.below(200_000));
                    p.end_obj();
                }
                p.end_arr();
                p.end_obj();
            }
            1 => {
                p.s("type", "parser");
                p.s("url", "https://app.shopfront.example/orders");
                p.u("lineNumber", rng.below(300));
            }
            _ => p.s("type", "other"),
        }
        p.end_obj();
        p.s("_priority", if is_api { "High" } else { "Low" });
        let rtype = match resp.body {
            Body::Image => "image",
            Body::Script => "script",
            Body::Css => "stylesheet",
            Body::Html => "document",
            _ if is_api && rng.chance(300) => "xhr",
            _ => "fetch",
        };
        p.s("_resourceType", rtype);
        p.empty_obj("cache");
        p.s("connection", &rng.range(100, 99_999).to_string());
        p.s("pageref", &format!("page_{page}"));

        // request
        p.obj(Some("request"));
        p.s("method", method);
        p.s("url", &url);
        p.s("httpVersion", proto);
        p.arr(Some("headers"));
        if h2 {
            p.nv(":authority", host);
            p.nv(":method", method);
            p.nv(":path", &path);
            p.nv(":scheme", "https");
        } else {
            p.nv("Host", host);
            p.nv("Connection", "keep-alive");
        }
        p.nv(
            "accept",
            if is_api {
                "application/json, text/plain, */*"
            } else {
                "*/*"
            },
        );
        p.nv("accept-encoding", "gzip, deflate, br, zstd");
        p.nv("accept-language", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7");
        if let Some(a) = &authz {
            p.nv(if h2 { "authorization" } else { "Authorization" }, a);
        }
        p.nv("cache-control", "no-cache");
        if post.is_some() {
            p.nv("content-type", "application/json");
        }
        let cookie = format!(
            "sid={session}; _ga=GA1.2.{}.{}; theme=dark; consent=%7B%22ads%22%3Afalse%7D",
            rng.below(1 << 31),
            BASE_MS / 1000
        );
        p.nv("cookie", &cookie);
        p.nv("origin", "https://app.shopfront.example");
        p.nv("pragma", "no-cache");
        p.nv("priority", "u=1, i");
        p.nv("referer", "https://app.shopfront.example/");
        if chromium {
            p.nv("sec-ch-ua", rng.pick(SEC_CH_UA));
            p.nv("sec-ch-ua-mobile", "?0");
            p.nv("sec-ch-ua-platform", rng.pick(PLATFORMS));
        }
        p.nv("sec-fetch-dest", if is_api { "empty" } else { rtype });
        p.nv("sec-fetch-mode", "cors");
        p.nv("sec-fetch-site", "same-site");
        if is_api {
            p.nv(
                "traceparent",
                &format!("00-{}-{}-01", hex_string(rng, 32), hex_string(rng, 16)),
            );
        }
        p.nv("user-agent", ua);
        if is_api {
            p.nv("x-client-version", "web@4.01.7");
            p.nv("x-request-id", &uuid(rng));
        }
        p.end_arr();
        p.arr(Some("queryString"));
        if let Some((_, q)) = path.split_once('?') {
            for kv in q.split('&') {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                p.nv(k, v);
            }
        }
        p.end_arr();
        p.arr(Some("cookies"));
        for (name, value) in [
            ("sid", session.as_str()),
            ("theme", "dark"),
            ("consent", "%7B%22ads%22%3Afalse%7D"),
        ] {
            p.obj(None);
            p.s("name", name);
            p.s("value", value);
            p.s("path", "/");
            p.s("domain", ".shopfront.example");
            p.s("expires", "2027-11-23T09:00:00.000Z");
            p.b("httpOnly", name == "sid");
            p.b("secure", true);
            p.s("sameSite", "Lax");
            p.end_obj();
        }
        p.end_arr();
        p.i("headersSize", -1);
        p.u("bodySize", post.as_ref().map_or(0, |s| s.len() as u64));
        if let Some(text) = &post {
            p.obj(Some("postData"));
            p.s("mimeType", "application/json");
            p.s("text", text);
            p.end_obj();
        }
        p.end_obj();

        // response
        p.obj(Some("response"));
        p.u("status", u64::from(status));
        let reason = match status {
            0 => "",
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            301 => "Moved Permanently",
            302 => "Found",
            304 => "Not Modified",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            _ => "Service Unavailable",
        };
        p.s("statusText", if h2 { "" } else { reason });
        p.s("httpVersion", if status == 0 { "" } else { proto });
        p.arr(Some("headers"));
        let mut location = String::new();
        if status != 0 {
            p.nv(
                "access-control-allow-origin",
                "https://app.shopfront.example",
            );
            p.nv(
                "access-control-expose-headers",
                "X-Request-ID,WWW-Authenticate",
            );
            if status != 304 && status != 204 {
                p.nv("content-length", &size.to_string());
                p.nv("content-type", mime);
            }
            p.nv("date", &date);
            p.nv("etag", &format!("W/\"{:x}-{}\"", size, hex_string(rng, 27)));
            if status == 301 || status == 302 {
                location = format!(
                    "https://{host}/login?next={}",
                    path.replace('?', "%3F").replace('&', "%26")
                );
                p.nv("location", &location);
            }
            p.nv("server", "nginx/1.27.2");
            if status == 200 && is_api && rng.chance(100) {
                p.nv(
                    "set-cookie",
                    &format!(
                        "sid={}; Path=/; Domain=.shopfront.example; Expires={}; HttpOnly; Secure; SameSite=Lax",
                        hex_string(rng, 32),
                        date
                    ),
                );
            }
            p.nv(
                "strict-transport-security",
                "max-age=63072000; includeSubDomains",
            );
            p.nv("vary", "Origin, Accept-Encoding");
            match (status, resp.why) {
                (401, Some(Why401::Expired)) => p.nv(
                    "www-authenticate",
                    "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token expired\"",
                ),
                (401, Some(Why401::Undefined)) => p.nv(
                    "www-authenticate",
                    "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"jwt malformed\"",
                ),
                (401, Some(Why401::BasicOnBearer)) => p.nv(
                    "www-authenticate",
                    "Bearer realm=\"api\", error=\"invalid_request\", error_description=\"Format is Authorization: Bearer [token]\"",
                ),
                (401, _) => p.nv("www-authenticate", "Bearer realm=\"api\""),
                (403, _) => p.nv(
                    "www-authenticate",
                    "Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"orders:admin\"",
                ),
                _ => {}
            }
            if is_api {
                // `401` in header values: a trap for substring scanners
                let left = if rng.chance(100) {
                    401
                } else {
                    rng.below(1000)
                };
                p.nv("x-ratelimit-limit", "1000");
                p.nv("x-ratelimit-remaining", &left.to_string());
                p.nv("x-request-id", &format!("req-{}", hex_string(rng, 20)));
            }
        }
        p.end_arr();
        p.arr(Some("cookies"));
        if status == 200 && is_api && rng.chance(50) {
            p.obj(None);
            p.s("name", "sid");
            p.s("value", &session);
            p.s("path", "/");
            p.s("domain", ".shopfront.example");
            p.s("expires", "2027-11-23T09:00:00.000Z");
            p.b("httpOnly", true);
            p.b("secure", true);
            p.s("sameSite", "Lax");
            p.end_obj();
        }
        p.end_arr();
        p.obj(Some("content"));
        p.u("size", size);
        p.s("mimeType", mime);
        if !self.body.is_empty() {
            p.s_raw("text", &self.body);
        }
        if b64 {
            p.s("encoding", "base64");
        }
        p.end_obj();
        p.s("redirectURL", &location);
        p.i("headersSize", -1);
        p.i("bodySize", if status == 0 { 0 } else { -1 });
        p.u(
            "_transferSize",
            if status == 0 { 0 } else { size * 7 / 10 + 420 },
        );
        if status == 0 {
            p.s(
                "_error",
                rng.pick(&[
                    "net::ERR_CONNECTION_REFUSED",
                    "net::ERR_BLOCKED_BY_CLIENT",
                    "net::ERR_FAILED",
                ]),
            );
        } else {
            p.null("_error");
        }
        p.end_obj();

        if status == 0 {
            p.s("serverIPAddress", "");
        } else {
            p.s("serverIPAddress", "[2606:4700:3035::ac43:c9a3]");
        }
        p.s("startedDateTime", &started);
        p.milli("time", total);
        p.obj(Some("timings"));
        p.milli("blocked", blocked);
        p.i("dns", -1);
        p.i("ssl", -1);
        p.i("connect", -1);
        p.milli("send", 300);
        p.milli("wait", wait);
        p.milli("receive", receive);
        p.milli("_blocked_queueing", blocked / 2);
        p.end_obj();
        p.end_obj();
        status
    }
}

/// Escapes `s` for use inside a JSON string that is itself held in a Rust
/// `String` (the inner JSON of a body).
fn escape_str_into_string(out: &mut String, s: &str) {
    let mut v = Vec::new();
    escape_into(&mut v, s, false);
    out.push_str(std::str::from_utf8(&v).expect("escaping keeps utf-8"));
}

const PAGE_BYTES: u64 = 16 << 20;
const PAGE_SPAN_MS: u64 = 15 * 60 * 1000;

fn gen_har(rng: Rng, out: &mut Out, target: u64, counts: &mut Counts) -> io::Result<()> {
    let mut rng = rng;
    let tokens = Tokens::new(&mut rng);
    let mut h = Har {
        rng,
        clock: Clock::new(),
        tokens,
        p: Pretty {
            buf: Vec::with_capacity(FLUSH_AT + (1 << 20)),
            stack: Vec::new(),
        },
        body: Vec::new(),
        scratch: String::new(),
        raw: Vec::new(),
        now_ms: BASE_MS,
        seq: 0,
    };
    let pages = target.div_ceil(PAGE_BYTES).max(1);
    let p = &mut h.p;
    p.obj(None);
    p.obj(Some("log"));
    p.s("version", "1.2");
    p.obj(Some("creator"));
    p.s("name", "WebInspector");
    p.s("version", "537.36");
    p.end_obj();
    p.arr(Some("pages"));
    for i in 0..pages {
        p.obj(None);
        let t = BASE_MS + i * PAGE_SPAN_MS;
        p.s("startedDateTime", &iso_ms(&mut h.clock, t));
        p.s("id", &format!("page_{}", i + 1));
        p.s(
            "title",
            &format!("https://app.shopfront.example/orders?view={}", i + 1),
        );
        p.obj(Some("pageTimings"));
        p.milli("onContentLoad", 400_000 + i * 37 % 900_000);
        p.milli("onLoad", 900_000 + i * 53 % 1_900_000);
        p.end_obj();
        p.end_obj();
    }
    p.end_arr();
    p.arr(Some("entries"));
    let mut flushed = 0u64;
    loop {
        let written = flushed + h.p.buf.len() as u64;
        if written >= target {
            break;
        }
        let page = (written / PAGE_BYTES).min(pages - 1);
        h.now_ms = h.now_ms.max(BASE_MS + page * PAGE_SPAN_MS);
        let status = h.entry(page + 1);
        counts.add(status);
        if h.p.buf.len() >= FLUSH_AT {
            out.write(&h.p.buf)?;
            flushed += h.p.buf.len() as u64;
            h.p.buf.clear();
        }
    }
    h.p.end_arr();
    h.p.end_obj();
    h.p.end_obj();
    h.p.buf.push(b'\n');
    out.write(&h.p.buf)
}

// ------------------------------------------------------- server logs ----

fn pick_status(rng: &mut Rng) -> u16 {
    match rng.below(10_000) {
        0..=499 => 401,
        500..=649 => 403,
        650..=849 => 404,
        850..=1249 => 304,
        1250..=1449 => 302,
        1450..=1699 => 204,
        1700..=1749 => 500,
        1750..=1779 => 502,
        1780..=1849 => 400,
        1850..=2199 => 201,
        _ => 200,
    }
}

fn put_client_ip(rng: &mut Rng, b: &mut Vec<u8>) {
    let v = rng.next();
    match v % 10 {
        0..=1 => {
            b.put("2001:db8:")
                .put_hex(v >> 8, 4)
                .put("::")
                .put_hex(v >> 24, 4);
            if v & 0x100 != 0 {
                b.put(":").put_hex(v >> 40, 3);
            }
        }
        2..=4 => {
            b.put("10.")
                .put_u((v >> 8) & 0xff)
                .put(".")
                .put_u((v >> 16) & 0xff)
                .put(".")
                .put_u((v >> 24) % 254 + 1);
        }
        _ => {
            let pre = ["203.0.113.", "198.51.100.", "192.0.2.", "100.64.12."];
            b.put(pre[((v >> 8) % 4) as usize])
                .put_u((v >> 16) % 254 + 1);
        }
    }
}

fn gen_combined(mut rng: Rng, out: &mut Out, target: u64, counts: &mut Counts) -> io::Result<()> {
    let mut clock = Clock::new();
    let mut now = BASE_MS;
    let mut b: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let mut flushed = 0u64;
    let mut path = Vec::with_capacity(256);
    while flushed + (b.len() as u64) < target {
        now += rng.below(25);
        clock.set(now);
        let status = pick_status(&mut rng);
        counts.add(status);
        put_client_ip(&mut rng, &mut b);
        let basic = status == 401 && rng.chance(150);
        b.put(" - ");
        if basic || rng.chance(20) {
            b.put(rng.pick(&["alice", "svc-reporting", "bob"]));
        } else {
            b.put("-");
        }
        b.put(" [").put(&clock.clf).put("] \"");
        if status == 400 && rng.chance(300) {
            // malformed / TLS-on-plain-port request line, as nginx logs it
            b.put("\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03");
        } else {
            let method = if status == 201 {
                "POST"
            } else {
                rng.pick(METHODS_API)
            };
            path.clear();
            if rng.chance(250) {
                let h = rng.next();
                path.put("/static/js/chunk.").put_hex(h, 8).put(".js");
            } else {
                api_path(&mut rng, &mut path);
            }
            b.put(method).put(" ");
            b.extend_from_slice(&path);
            b.put(if rng.chance(700) {
                " HTTP/2.0"
            } else {
                " HTTP/1.1"
            });
        }
        b.put("\" ").put_u(u64::from(status)).put(" ");
        let bytes = match status {
            304 | 204 => 0,
            401 => rng.pick(&[60, 79, 96, 118]),
            403 => 112,
            _ if rng.chance(20) => 401, // body size 401: trap
            _ => rng.range(20, 60_000),
        };
        b.put_u(bytes).put(" \"");
        if rng.chance(300) {
            b.put("-");
        } else {
            b.put("https://app.shopfront.example/orders?page=")
                .put_u(rng.below(500));
        }
        b.put("\" \"").put(rng.pick(USER_AGENTS)).put("\" \"req-");
        b.put_hex(rng.next(), 16).put_hex(rng.next(), 16);
        b.put("\" ");
        let rt = if status == 401 {
            rng.below(8)
        } else {
            rng.below(900)
        };
        b.put_milli_fixed(rt).put("\n");
        if b.len() >= FLUSH_AT {
            out.write(&b)?;
            flushed += b.len() as u64;
            b.clear();
        }
    }
    out.write(&b)
}

const JWT_ERRORS: &[(&str, &str, &str)] = &[
    ("TokenExpiredError", "jwt expired", "invalid_token"),
    ("JsonWebTokenError", "invalid signature", "invalid_token"),
    (
        "UnauthorizedError",
        "No authorization token was found",
        "credentials_required",
    ),
    ("JsonWebTokenError", "jwt malformed", "invalid_token"),
    (
        "JsonWebTokenError",
        "jwt audience invalid. expected: https://api.shopfront.example",
        "invalid_token",
    ),
    (
        "UnauthorizedError",
        "Format is Authorization: Bearer [token]",
        "credentials_bad_scheme",
    ),
];

fn gen_jsonl(mut rng: Rng, out: &mut Out, target: u64, counts: &mut Counts) -> io::Result<()> {
    let mut clock = Clock::new();
    let mut now = BASE_MS;
    let mut b: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    let mut flushed = 0u64;
    let mut path = Vec::with_capacity(256);
    let pid = 4704;
    while flushed + (b.len() as u64) < target {
        now += rng.below(25);
        let kind = rng.below(100);
        if kind < 3 {
            // non-request lines: startup, db pool, debug traps
            counts.records += 1;
            b.put("{\"level\":20,\"time\":").put_u(now);
            b.put(",\"pid\":")
                .put_u(pid)
                .put(",\"hostname\":\"orders-api-7d9f8-x2k4p\",\"service\":\"orders-api\",");
            match kind {
                0 => b.put("\"msg\":\"upstream call\",\"upstream\":\"billing\",\"body\":\"{\\\"statusCode\\\":401,\\\"error\\\":\\\"Unauthorized\\\"}\",\"attempt\":1}\n"),
                1 => b.put("\"msg\":\"db pool stats\",\"pool\":{\"size\":20,\"idle\":").put_u(rng.below(20)).put(",\"waiting\":0}}\n"),
                _ => b.put("\"msg\":\"jwks refreshed\",\"keys\":3,\"uri\":\"https://auth.shopfront.example/.well-known/jwks.json\"}\n"),
            };
        } else {
            let status = pick_status(&mut rng);
            counts.add(status);
            path.clear();
            api_path(&mut rng, &mut path);
            let method = rng.pick(METHODS_API);
            let rt = if status == 401 {
                rng.below(8)
            } else {
                rng.below(900)
            };
            if kind < 85 {
                // pino-http (Node)
                let level = match status {
                    500.. => 50,
                    400.. => 40,
                    _ => 30,
                };
                b.put("{\"level\":")
                    .put_u(level)
                    .put(",\"time\":")
                    .put_u(now);
                b.put(",\"pid\":").put_u(pid).put(",\"hostname\":\"orders-api-7d9f8-x2k4p\",\"service\":\"orders-api\",\"req\":{\"id\":\"");
                let rid = rng.next();
                b.put_hex(rid, 16)
                    .put("\",\"method\":\"")
                    .put(method)
                    .put("\",\"url\":\"");
                b.extend_from_slice(&path);
                b.put("\",\"headers\":{\"host\":\"api.shopfront.example\",\"user-agent\":\"")
                    .put(rng.pick(USER_AGENTS))
                    .put("\",\"x-request-id\":\"")
                    .put_hex(rid, 16)
                    .put("\"},\"remoteAddress\":\"");
                put_client_ip(&mut rng, &mut b);
                b.put("\",\"remotePort\":").put_u(rng.range(1024, 65535));
                b.put("},\"res\":{\"statusCode\":").put_u(u64::from(status));
                if status == 401 {
                    let (ty, msg, code) = rng.pick(JWT_ERRORS);
                    b.put(",\"headers\":{\"www-authenticate\":\"Bearer realm=\\\"api\\\", error=\\\"")
                        .put(code)
                        .put("\\\", error_description=\\\"")
                        .put(msg)
                        .put("\\\"\"}},\"err\":{\"type\":\"")
                        .put(ty)
                        .put("\",\"message\":\"")
                        .put(msg)
                        .put("\",\"stack\":\"")
                        .put(ty)
                        .put(": ")
                        .put(msg)
                        .put("\\n    at /app/node_modules/jsonwebtoken/verify.js:190:21\\n    at getSecret (/app/node_modules/jsonwebtoken/verify.js:97:14)\\n    at /app/node_modules/express-jwt/dist/index.js:114:26\",\"code\":\"")
                        .put(code)
                        .put("\",\"status\":401");
                    if msg == "jwt expired" {
                        clock.set(now - rng.range(1_000, 3_600_000));
                        b.put(",\"inner\":{\"name\":\"TokenExpiredError\",\"message\":\"jwt expired\",\"expiredAt\":\"")
                            .put(&clock.iso)
                            .put(".000Z\"}");
                    }
                    b.put("},\"responseTime\":")
                        .put_u(rt)
                        .put(",\"msg\":\"request errored\"}\n");
                } else if status == 403 {
                    b.put(",\"headers\":{\"www-authenticate\":\"Bearer realm=\\\"api\\\", error=\\\"insufficient_scope\\\"\"}},\"err\":{\"type\":\"InsufficientScopeError\",\"message\":\"Insufficient scope\",\"status\":403},\"responseTime\":")
                        .put_u(rt)
                        .put(",\"msg\":\"request errored\"}\n");
                } else {
                    b.put(",\"headers\":{\"content-type\":\"application/json; charset=utf-8\",\"content-length\":\"")
                        .put_u(rng.range(2, 90_000))
                        .put("\"}},\"responseTime\":")
                        .put_u(rt);
                    if status == 200 && rng.chance(30) {
                        // trap: a 200 whose string field mentions a 401
                        b.put(",\"note\":\"upstream replied {\\\"statusCode\\\":401} once; retried with refreshed token\"");
                    }
                    b.put(",\"msg\":\"request completed\"}\n");
                }
            } else if kind < 95 {
                // zap (Go)
                let level = match status {
                    500.. => "error",
                    400.. => "warn",
                    _ => "info",
                };
                b.put("{\"level\":\"")
                    .put(level)
                    .put("\",\"ts\":")
                    .put_u(now / 1000)
                    .put(".");
                let ms = now % 1000;
                b.put_pad2(ms / 10).put_u(ms % 10).put("123");
                b.put(",\"caller\":\"middleware/logging.go:57\",\"msg\":\"http request\",\"service\":\"billing-go\",\"method\":\"")
                    .put(method)
                    .put("\",\"path\":\"");
                b.extend_from_slice(&path);
                b.put("\",\"status\":").put_u(u64::from(status));
                b.put(",\"latency\":\"")
                    .put_milli(rt * 10 + 3)
                    .put("ms\",\"request_id\":\"");
                b.put_hex(rng.next(), 16).put("\",\"remote_addr\":\"");
                put_client_ip(&mut rng, &mut b);
                b.put("\"");
                if status == 401 {
                    b.put(",\"error\":\"")
                        .put(rng.pick(&[
                            "token has invalid claims: token is expired",
                            "token signature is invalid: crypto/rsa: verification error",
                            "no authorization header",
                        ]))
                        .put("\"");
                }
                b.put("}\n");
            } else {
                // logrus (Go)
                let level = match status {
                    500.. => "error",
                    400.. => "warning",
                    _ => "info",
                };
                clock.set(now);
                b.put("{\"level\":\"").put(level).put("\",\"msg\":\"");
                b.put(if status == 401 {
                    "authentication failed"
                } else {
                    "handled request"
                });
                b.put("\",\"method\":\"").put(method).put("\",\"uri\":\"");
                b.extend_from_slice(&path);
                b.put("\",\"status\":").put_u(u64::from(status));
                if status == 401 {
                    b.put(",\"error\":\"")
                        .put(rng.pick(&[
                            "signature is invalid",
                            "Token is expired",
                            "missing Authorization header",
                        ]))
                        .put("\"");
                }
                b.put(",\"time\":\"").put(&clock.iso).put("Z\"}\n");
            }
        }
        if b.len() >= FLUSH_AT {
            out.write(&b)?;
            flushed += b.len() as u64;
            b.clear();
        }
    }
    out.write(&b)
}

// ---------------------------------------------------------------- main ----

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (num, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 1 << 30),
        Some('T' | 't') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad --size {s:?} (expected e.g. 100M, 1G, 4G)"))?;
    if !n.is_finite() || n <= 0.0 {
        return Err(format!("bad --size {s:?}: must be positive"));
    }
    Ok((n * mult as f64) as u64)
}

const USAGE: &str = "usage: gen-bench-input --kind har|combined|jsonl --size 1G --out FILE [--seed N] [--gzip|--zstd]";

struct Args {
    kind: String,
    size: u64,
    out: String,
    seed: u64,
    gzip: bool,
    zstd: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut kind = None;
    let mut size = None;
    let mut out = None;
    let mut seed = 1u64;
    let (mut gzip, mut zstd) = (false, false);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--kind" => kind = Some(val("--kind")?),
            "--size" => size = Some(parse_size(&val("--size")?)?),
            "--out" => out = Some(val("--out")?),
            "--seed" => {
                let v = val("--seed")?;
                seed = v.parse().map_err(|_| format!("bad --seed {v:?}"))?;
            }
            "--gzip" => gzip = true,
            "--zstd" => zstd = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let kind = kind.ok_or("--kind is required")?;
    if !matches!(kind.as_str(), "har" | "combined" | "jsonl") {
        return Err(format!(
            "--kind must be har, combined or jsonl, not {kind:?}"
        ));
    }
    if gzip && zstd {
        return Err("--gzip and --zstd are exclusive".into());
    }
    Ok(Args {
        kind,
        size: size.ok_or("--size is required")?,
        out: out.ok_or("--out is required")?,
        seed,
        gzip,
        zstd,
    })
}

fn run(a: &Args) -> io::Result<Counts> {
    let file = BufWriter::with_capacity(1 << 20, File::create(&a.out)?);
    let sink = if a.gzip {
        Sink::Gzip(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::default(),
        ))
    } else if a.zstd {
        Sink::Zstd(zstd::Encoder::new(file, 3)?)
    } else {
        Sink::Plain(file)
    };
    let mut out = Out { sink, bytes: 0 };
    let mut counts = Counts::default();
    // Separate streams per kind so one kind's layout never shifts another's.
    let rng = Rng(a.seed ^ 0xA076_1D64_78BD_642F);
    let t0 = Instant::now();
    match a.kind.as_str() {
        "har" => gen_har(rng, &mut out, a.size, &mut counts)?,
        "combined" => gen_combined(rng, &mut out, a.size, &mut counts)?,
        _ => gen_jsonl(rng, &mut out, a.size, &mut counts)?,
    }
    let bytes = out.bytes;
    out.finish()?;
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "gen-bench-input: kind={} seed={} bytes={} (uncompressed) records={} status_401={} status_403={} in {:.2}s ({:.0} MB/s)",
        a.kind,
        a.seed,
        bytes,
        counts.records,
        counts.s401,
        counts.s403,
        secs,
        bytes as f64 / 1e6 / secs.max(1e-9)
    );
    std::fs::write(
        format!("{}.counts.json", a.out),
        format!(
            "{{\"records\":{},\"status_401\":{},\"status_403\":{}}}\n",
            counts.records, counts.s401, counts.s403
        ),
    )?;
    Ok(counts)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("gen-bench-input: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(&args) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-bench-input: {}: {e}", args.out);
            ExitCode::FAILURE
        }
    }
}
