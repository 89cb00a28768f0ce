//! Generates the bundled `samples/` directory: two HAR exports, the gateway and
//! app logs that go with them, a logs-only nightly scenario, the environments
//! config with its JWKS files, labels and the list of secrets.
//!
//! Everything is deterministic: fixed clock (2026-11-20, 08:00-14:00 UTC),
//! ids derived from a counter through SHA-256, a seeded splitmix64 PRNG, and
//! RS256 (PKCS#1 v1.5, deterministic) signatures with the sample-only keys in
//! `samples/keys/`. Running it twice gives byte-identical files.
//!
//! Usage: `cargo run --example gen-samples -- samples`

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::json;
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------- constants

const PROD_ISS: &str = "https://login.acme.example/";
const PROD_AUD: &str = "https://api.acme.example";
const STG_ISS: &str = "https://login.staging.acme.example/";
const STG_AUD: &str = "https://api.staging.acme.example";
const PROD_KID: &str = "acme-prod-2026-08";
const STG_KID: &str = "acme-stg-2026-10";
const ROGUE_KID: &str = "acme-prod-2026-11";
const CHROME_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
const SCRIPT_UA: &str = "python-requests/2.32.3 partner-sync/3.8.1";
const JOB_UA: &str = "nightly-sync/2.4.0 (go1.23)";
const MAIN_JS: &str = "https://app.acme.example/static/js/main.8f3a2c71.js";
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

// ---------------------------------------------------------------- small tools

/// splitmix64, seeded: the only source of variety.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn f(&mut self, lo: f64, hi: f64) -> f64 {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((lo + x * (hi - lo)) * 1000.0).round() / 1000.0
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

fn sha_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .fold(String::new(), |mut a, b| {
            let _ = write!(a, "{b:02x}");
            a
        })
}

/// Ordered JSON value (serde_json's map is sorted without `preserve_order`).
#[derive(Clone)]
enum J {
    O(Vec<(String, J)>),
    A(Vec<J>),
    S(String),
    I(i64),
    F(f64),
    B(bool),
    N,
}

fn o(fields: Vec<(&str, J)>) -> J {
    J::O(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}
fn s(x: impl Into<String>) -> J {
    J::S(x.into())
}

fn esc(x: &str) -> String {
    serde_json::to_string(x).expect("string")
}

fn fnum(x: f64) -> String {
    let r = (x * 1000.0).round() / 1000.0;
    let mut t = format!("{r:.3}");
    while t.ends_with('0') {
        t.pop();
    }
    if t.ends_with('.') {
        t.pop();
    }
    t
}

impl J {
    fn write(&self, out: &mut String, pretty: bool, lvl: usize) {
        let nl = |out: &mut String, l: usize| {
            if pretty {
                out.push('\n');
                for _ in 0..l {
                    out.push_str("  ");
                }
            }
        };
        match self {
            J::O(fs) if fs.is_empty() => out.push_str("{}"),
            J::A(xs) if xs.is_empty() => out.push_str("[]"),
            J::O(fs) => {
                out.push('{');
                for (i, (k, v)) in fs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    nl(out, lvl + 1);
                    out.push_str(&esc(k));
                    out.push_str(if pretty { ": " } else { ":" });
                    v.write(out, pretty, lvl + 1);
                }
                nl(out, lvl);
                out.push('}');
            }
            J::A(xs) => {
                out.push('[');
                for (i, v) in xs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    nl(out, lvl + 1);
                    v.write(out, pretty, lvl + 1);
                }
                nl(out, lvl);
                out.push(']');
            }
            J::S(x) => out.push_str(&esc(x)),
            J::I(i) => {
                let _ = write!(out, "{i}");
            }
            J::F(f) => out.push_str(&fnum(*f)),
            J::B(b) => out.push_str(if *b { "true" } else { "false" }),
            J::N => out.push_str("null"),
        }
    }
    fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, true, 0);
        out.push('\n');
        out
    }
    fn line(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, false, 0);
        out
    }
}

fn at(h: u32, m: u32, sec: u32) -> i64 {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, sec)
        .single()
        .expect("fixed date")
        .timestamp_millis()
}
fn dt(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).expect("time")
}
fn http_date(ms: i64) -> String {
    dt(ms).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
fn iso_ms(ms: i64) -> String {
    dt(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
fn iso_local(ms: i64) -> String {
    let off = FixedOffset::east_opt(2 * 3600).expect("offset");
    let us = ms * 1000 + 417;
    DateTime::from_timestamp_micros(us)
        .expect("time")
        .with_timezone(&off)
        .format("%Y-%m-%dT%H:%M:%S%.6f%:z")
        .to_string()
}

// ---------------------------------------------------------------- keys and JWTs

struct Keys {
    prod: EncodingKey,
    staging: EncodingKey,
    rogue: EncodingKey,
    hs_confusion: EncodingKey,
    pems: Vec<(String, Vec<u8>)>,
    prod_pub: Vec<u8>,
    staging_pub: Vec<u8>,
}

fn load_keys(dir: &Path) -> Keys {
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
    let mut pems = Vec::new();
    for n in [
        "prod-private.pem",
        "prod-public.pem",
        "staging-private.pem",
        "staging-public.pem",
        "rogue-private.pem",
        "rogue-public.pem",
    ] {
        pems.push((n.to_string(), read(n)));
    }
    let enc = |n: &str| EncodingKey::from_rsa_pem(&read(n)).expect("rsa pem");
    Keys {
        prod: enc("prod-private.pem"),
        staging: enc("staging-private.pem"),
        rogue: enc("rogue-private.pem"),
        // classic alg-confusion forgery: HS256 keyed with the public key text
        hs_confusion: EncodingKey::from_secret(&read("prod-public.pem")),
        pems,
        prod_pub: read("prod-public.pem"),
        staging_pub: read("staging-public.pem"),
    }
}

/// Minimal DER walk of a SubjectPublicKeyInfo to get the RSA modulus and exponent.
fn rsa_n_e(pem: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = std::str::from_utf8(pem).expect("pem utf8");
    let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = B64.decode(b64).expect("pem base64");
    fn tlv(d: &[u8], i: usize) -> (u8, usize, usize) {
        let tag = d[i];
        let l0 = d[i + 1] as usize;
        if l0 < 0x80 {
            (tag, i + 2, l0)
        } else {
            let nb = l0 & 0x7f;
            let mut len = 0usize;
            for k in 0..nb {
                len = (len << 8) | d[i + 2 + k] as usize;
            }
            (tag, i + 2 + nb, len)
        }
    }
    let (_, spki, _) = tlv(&der, 0); // SEQUENCE
    let (_, alg, alg_len) = tlv(&der, spki); // AlgorithmIdentifier
    let (tag, bits, _) = tlv(&der, alg + alg_len); // BIT STRING
    assert_eq!(tag, 0x03);
    let (_, rsa, _) = tlv(&der, bits + 1); // RSAPublicKey SEQUENCE
    let (_, n_at, n_len) = tlv(&der, rsa);
    let (_, e_at, e_len) = tlv(&der, n_at + n_len);
    let strip = |x: &[u8]| {
        let mut v = x.to_vec();
        while v.len() > 1 && v[0] == 0 {
            v.remove(0);
        }
        v
    };
    (
        strip(&der[n_at..n_at + n_len]),
        strip(&der[e_at..e_at + e_len]),
    )
}

fn jwks(pem: &[u8], kid: &str) -> J {
    let (n, e) = rsa_n_e(pem);
    o(vec![(
        "keys",
        J::A(vec![o(vec![
            ("kty", s("RSA")),
            ("use", s("sig")),
            ("alg", s("RS256")),
            ("kid", s(kid)),
            ("n", s(B64URL.encode(n))),
            ("e", s(B64URL.encode(e))),
        ])]),
    )])
}

#[derive(Clone, Copy)]
enum Signer {
    Prod,
    Staging,
    Rogue,
    HsConfusion,
}

struct Tok {
    iss: &'static str,
    aud: &'static str,
    sub: &'static str,
    scope: &'static str,
    iat: i64,
    exp: i64,
    nbf: Option<i64>,
    signer: Signer,
}

// ---------------------------------------------------------------- exchanges

#[derive(Clone)]
struct App {
    service: &'static str,
    level: i64,
    err: Option<J>,
    extra: Vec<(String, J)>,
}

#[derive(Clone, Default)]
struct Ex {
    case: String,
    t: i64,
    wait: f64,
    recv: f64,
    method: String,
    scheme_host: String,
    path: String,
    http: String,
    req_h: Vec<(String, String)>,
    post: Option<(String, String)>,
    status: i64,
    resp_h: Vec<(String, String)>,
    mime: String,
    body: String,
    body_b64: bool,
    rtype: String,
    initiator: Option<J>,
    from_cache: bool,
    age: i64,
    blocked: bool,
    redirect: String,
    rid: Option<String>,
    trace: Option<String>,
    cause: Option<&'static str>,
    gw: bool,
    remote_ip: String,
    remote_user: String,
    app: Option<App>,
    server_ip: String,
    comment: Option<String>,
    www: Option<String>,
}

impl Ex {
    fn url(&self) -> String {
        format!("{}{}", self.scheme_host, self.path)
    }
    fn host(&self) -> &str {
        self.scheme_host.trim_start_matches("https://")
    }
    fn fail(&mut self, www: Option<&str>, body: Option<&str>, cause: &'static str) {
        self.status = 401;
        self.www = www.map(str::to_string);
        match body {
            Some(b) => {
                self.body = b.to_string();
                self.mime = "application/json; charset=utf-8".into();
            }
            None => {
                self.body.clear();
                self.mime = "text/plain".into();
            }
        }
        self.cause = Some(cause);
    }
    fn err(&mut self, typ: &str, code: &str, message: &str, inner: Option<J>) {
        let mut f = vec![
            ("type", s(typ)),
            ("message", s(message)),
            ("code", s(code)),
            ("status", J::I(401)),
        ];
        if let Some(i) = inner {
            f.push(("inner", i));
        }
        if let Some(a) = self.app.as_mut() {
            a.level = 40;
            a.err = Some(o(f));
        }
    }
}

fn query_pairs(path: &str) -> Vec<(String, String)> {
    match path.split_once('?') {
        Some((_, q)) => q
            .split('&')
            .filter(|x| !x.is_empty())
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv.to_string(), String::new()),
            })
            .collect(),
        None => vec![],
    }
}

fn status_text(st: i64) -> &'static str {
    match st {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        _ => "",
    }
}

// ---------------------------------------------------------------- generator state

struct Gen {
    rng: Rng,
    counter: u64,
    keys: Keys,
    cases: HashMap<(char, u32), u32>,
    secrets: Vec<String>,
    dev: Vec<Ex>,
    proxy: Vec<Ex>,
    clock: i64,
    jti_n: u64,
}

impl Gen {
    fn id(&mut self, kind: &str) -> String {
        self.counter += 1;
        sha_hex(&format!("authlens-samples/{kind}/{}", self.counter))
    }
    fn uuid(&mut self) -> String {
        let h = self.id("uuid");
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            ["8", "9", "a", "b"][(h.as_bytes()[16] % 4) as usize],
            &h[17..20],
            &h[20..32]
        )
    }
    fn hex32(&mut self) -> String {
        self.id("nginx")[..32].to_string()
    }
    fn traceparent(&mut self) -> (String, String) {
        let h = self.id("trace");
        let trace = h[..32].to_string();
        (format!("00-{trace}-{}-01", &h[32..48]), trace)
    }
    fn secret(&mut self, x: &str) {
        if !x.is_empty() && !self.secrets.iter().any(|y| y == x) {
            self.secrets.push(x.to_string());
        }
    }
    fn case(&mut self, p: char, block: u32) -> String {
        let n = self.cases.entry((p, block)).or_insert(0);
        *n += 1;
        if block == 0 {
            format!("{p}0{:03}", *n)
        } else {
            format!("{p}{block:02}{:02}", *n)
        }
    }
    fn jwt(&mut self, t: Tok) -> String {
        self.jti_n += 1;
        let jti = sha_hex(&format!("jti/{}", self.jti_n))[..24].to_string();
        let mut c = json!({
            "iss": t.iss, "aud": t.aud, "sub": t.sub, "scope": t.scope,
            "iat": t.iat / 1000, "exp": t.exp / 1000, "jti": jti,
            "azp": if t.iss == PROD_ISS { "acme-shop-web" } else { "partner-sync" },
        });
        if let Some(n) = t.nbf {
            c["nbf"] = json!(n / 1000);
        }
        let (alg, kid, key) = match t.signer {
            Signer::Prod => (Algorithm::RS256, PROD_KID, &self.keys.prod),
            Signer::Staging => (Algorithm::RS256, STG_KID, &self.keys.staging),
            Signer::Rogue => (Algorithm::RS256, PROD_KID, &self.keys.rogue),
            Signer::HsConfusion => (Algorithm::HS256, PROD_KID, &self.keys.hs_confusion),
        };
        let mut h = Header::new(alg);
        h.kid = Some(kid.to_string());
        let tok = jsonwebtoken::encode(&h, &c, key).expect("sign");
        self.secret(&tok);
        tok
    }
    fn prod(&mut self, sub: &'static str, scope: &'static str, iat: i64) -> String {
        self.jwt(Tok {
            iss: PROD_ISS,
            aud: PROD_AUD,
            sub,
            scope,
            iat,
            exp: iat + 3_600_000,
            nbf: None,
            signer: Signer::Prod,
        })
    }
    fn staging(&mut self, sub: &'static str, iat: i64) -> String {
        self.jwt(Tok {
            iss: STG_ISS,
            aud: STG_AUD,
            sub,
            scope: "shipments:read shipments:write",
            iat,
            exp: iat + 3_600_000,
            nbf: None,
            signer: Signer::Staging,
        })
    }
    fn basic(&mut self, user: &str, pw: &str) -> String {
        let up = format!("{user}:{pw}");
        let b = B64.encode(up.as_bytes());
        self.secret(pw);
        self.secret(&up);
        self.secret(&b);
        format!("Basic {b}")
    }

    // ------------------------------------------------------------ devtools HAR

    fn dev_doc(&mut self, case_block: u32, path: &str, title_body: &str) -> Ex {
        let case = self.case('s', case_block);
        let sid_val = format!("s%3A{}", &sha_hex("authlens-samples/session")[..40]);
        let sid = format!("acme_sid={sid_val}");
        self.secret(&sid_val);
        Ex {
            case: case.clone(),
            method: "GET".into(),
            scheme_host: "https://app.acme.example".into(),
            path: format!("{path}?case={case}"),
            http: "h2".into(),
            req_h: vec![
                ("accept".into(), "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7".into()),
                ("accept-encoding".into(), "gzip, deflate, br, zstd".into()),
                ("accept-language".into(), "en-GB,en;q=0.9".into()),
                ("cookie".into(), format!("{sid}; acme_consent=1")),
                ("sec-fetch-dest".into(), "document".into()),
                ("sec-fetch-mode".into(), "navigate".into()),
                ("sec-fetch-site".into(), "none".into()),
                ("upgrade-insecure-requests".into(), "1".into()),
                ("user-agent".into(), CHROME_UA.into()),
            ],
            status: 200,
            resp_h: vec![
                ("cache-control".into(), "no-cache".into()),
                ("content-encoding".into(), "br".into()),
                ("server".into(), "cloudfront".into()),
                ("x-cache".into(), "Miss from cloudfront".into()),
            ],
            mime: "text/html".into(),
            body: format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>{title_body}</title><script src=\"/static/js/main.8f3a2c71.js\" defer></script><link rel=\"stylesheet\" href=\"/static/css/main.41b0.css\"></head><body><div id=\"root\"></div></body></html>"),
            rtype: "document".into(),
            initiator: Some(o(vec![("type", s("other"))])),
            server_ip: "18.165.83.21".into(),
            ..Default::default()
        }
    }

    fn dev_asset(&mut self, path: &str, kind: &str) -> Ex {
        let case = self.case('s', 0);
        let (mime, rtype, body, b64) = match kind {
            "js" => (
                "application/javascript",
                "script",
                "(()=>{\"use strict\";var e={};/* bundle */})();".to_string(),
                false,
            ),
            "css" => (
                "text/css",
                "stylesheet",
                ":root{--acme:#0b5fff}body{margin:0;font-family:system-ui}".to_string(),
                false,
            ),
            _ => ("image/png", "image", PNG_1X1.to_string(), true),
        };
        Ex {
            case: case.clone(),
            method: "GET".into(),
            scheme_host: "https://app.acme.example".into(),
            path: format!("{path}?case={case}"),
            http: "h2".into(),
            req_h: vec![
                ("accept".into(), "*/*".into()),
                ("accept-encoding".into(), "gzip, deflate, br, zstd".into()),
                ("referer".into(), "https://app.acme.example/".into()),
                (
                    "sec-fetch-dest".into(),
                    rtype.replace("stylesheet", "style"),
                ),
                ("sec-fetch-mode".into(), "no-cors".into()),
                ("sec-fetch-site".into(), "same-origin".into()),
                ("user-agent".into(), CHROME_UA.into()),
            ],
            status: 200,
            resp_h: vec![
                (
                    "cache-control".into(),
                    "public, max-age=31536000, immutable".into(),
                ),
                ("server".into(), "cloudfront".into()),
                ("x-cache".into(), "Hit from cloudfront".into()),
            ],
            mime: mime.into(),
            body,
            body_b64: b64,
            rtype: rtype.into(),
            initiator: Some(o(vec![
                ("type", s("parser")),
                ("url", s("https://app.acme.example/")),
                ("lineNumber", J::I(1)),
            ])),
            server_ip: "18.165.83.21".into(),
            ..Default::default()
        }
    }

    /// A fetch() from the SPA to the prod API through the gateway.
    fn dev_api(&mut self, block: u32, method: &str, path: &str, auth: Option<String>) -> Ex {
        let case = self.case('s', block);
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut req_h: Vec<(String, String)> = vec![
            ("Accept".into(), "application/json".into()),
            ("Accept-Encoding".into(), "gzip, deflate, br, zstd".into()),
            ("Accept-Language".into(), "en-GB,en;q=0.9".into()),
        ];
        if let Some(a) = auth {
            req_h.push(("Authorization".into(), a));
        }
        req_h.push(("Connection".into(), "keep-alive".into()));
        req_h.push(("Host".into(), "api.acme.example".into()));
        req_h.push(("Origin".into(), "https://app.acme.example".into()));
        req_h.push(("Referer".into(), "https://app.acme.example/".into()));
        req_h.push(("Sec-Fetch-Dest".into(), "empty".into()));
        req_h.push(("Sec-Fetch-Mode".into(), "cors".into()));
        req_h.push(("Sec-Fetch-Site".into(), "same-site".into()));
        req_h.push(("User-Agent".into(), CHROME_UA.into()));
        let (rid, trace) = if self.rng.chance(0.2) {
            let (tp, tr) = self.traceparent();
            req_h.push(("traceparent".into(), tp));
            (self.hex32(), Some(tr))
        } else {
            let u = self.uuid();
            req_h.push(("X-Request-ID".into(), u.clone()));
            (u, None)
        };
        let post = if method == "POST" || method == "PUT" {
            req_h.push(("Content-Type".into(), "application/json".into()));
            Some((
                "application/json".to_string(),
                r#"{"items":[{"sku":"ACM-1042","qty":1}],"currency":"EUR"}"#.to_string(),
            ))
        } else {
            None
        };
        let wait = self.rng.f(18.0, 140.0);
        Ex {
            case: case.clone(),
            wait,
            recv: self.rng.f(0.4, 6.0),
            method: method.into(),
            scheme_host: "https://api.acme.example".into(),
            path: format!("{path}{sep}case={case}"),
            http: "HTTP/1.1".into(),
            req_h,
            post,
            status: 200,
            resp_h: vec![
                ("Access-Control-Allow-Credentials".into(), "true".into()),
                (
                    "Access-Control-Allow-Origin".into(),
                    "https://app.acme.example".into(),
                ),
                (
                    "Access-Control-Expose-Headers".into(),
                    "X-Request-ID, WWW-Authenticate".into(),
                ),
                ("Connection".into(), "keep-alive".into()),
                ("Server".into(), "nginx".into()),
                ("Vary".into(), "Origin".into()),
            ],
            mime: "application/json; charset=utf-8".into(),
            body: r#"{"ok":true}"#.into(),
            rtype: "fetch".into(),
            initiator: Some(o(vec![
                ("type", s("script")),
                (
                    "stack",
                    o(vec![(
                        "callFrames",
                        J::A(vec![o(vec![
                            ("functionName", s("apiFetch")),
                            ("scriptId", s("31")),
                            ("url", s(MAIN_JS)),
                            ("lineNumber", J::I(1)),
                            ("columnNumber", J::I(48211)),
                        ])]),
                    )]),
                ),
            ])),
            rid: Some(rid),
            trace,
            gw: true,
            remote_ip: "203.0.113.58".into(),
            app: Some(App {
                service: "orders-api",
                level: 30,
                err: None,
                extra: vec![],
            }),
            server_ip: "198.51.100.20".into(),
            ..Default::default()
        }
    }

    fn push_dev(&mut self, mut e: Ex) {
        e.t = self.clock;
        self.clock += self.rng.range(400, 13_000) as i64;
        self.dev.push(e);
    }

    fn preflight(&mut self, actual: &Ex, ok: bool) -> Ex {
        let rid = self.hex32();
        let mut e = Ex {
            case: actual.case.clone(),
            wait: self.rng.f(8.0, 40.0),
            recv: 0.2,
            method: "OPTIONS".into(),
            scheme_host: actual.scheme_host.clone(),
            path: actual.path.clone(),
            http: "HTTP/1.1".into(),
            req_h: vec![
                ("Accept".into(), "*/*".into()),
                ("Accept-Encoding".into(), "gzip, deflate, br, zstd".into()),
                (
                    "Access-Control-Request-Headers".into(),
                    "authorization,content-type,x-request-id".into(),
                ),
                (
                    "Access-Control-Request-Method".into(),
                    actual.method.clone(),
                ),
                ("Connection".into(), "keep-alive".into()),
                ("Host".into(), "api.acme.example".into()),
                ("Origin".into(), "https://app.acme.example".into()),
                ("Referer".into(), "https://app.acme.example/".into()),
                ("Sec-Fetch-Dest".into(), "empty".into()),
                ("Sec-Fetch-Mode".into(), "cors".into()),
                ("Sec-Fetch-Site".into(), "same-site".into()),
                ("User-Agent".into(), CHROME_UA.into()),
            ],
            status: 204,
            resp_h: vec![
                ("Access-Control-Allow-Credentials".into(), "true".into()),
                (
                    "Access-Control-Allow-Headers".into(),
                    "authorization,content-type,x-request-id".into(),
                ),
                (
                    "Access-Control-Allow-Methods".into(),
                    "GET,HEAD,PUT,PATCH,POST,DELETE".into(),
                ),
                (
                    "Access-Control-Allow-Origin".into(),
                    "https://app.acme.example".into(),
                ),
                ("Access-Control-Max-Age".into(), "600".into()),
                ("Connection".into(), "keep-alive".into()),
                ("Server".into(), "nginx".into()),
                (
                    "Vary".into(),
                    "Origin, Access-Control-Request-Headers".into(),
                ),
            ],
            mime: "text/plain".into(),
            rtype: "preflight".into(),
            initiator: Some(o(vec![
                ("type", s("preflight")),
                ("url", s(actual.url())),
                (
                    "requestId",
                    s(format!("21344.{}", self.rng.range(100, 999))),
                ),
            ])),
            rid: Some(rid),
            gw: true,
            remote_ip: "203.0.113.58".into(),
            app: Some(App {
                service: "orders-api",
                level: 30,
                err: None,
                extra: vec![],
            }),
            server_ip: "198.51.100.20".into(),
            ..Default::default()
        };
        if !ok {
            e.resp_h.retain(|(k, _)| {
                !k.starts_with("Access-Control-Allow-M")
                    && !k.starts_with("Access-Control-Allow-H")
                    && !k.starts_with("Access-Control-Max")
            });
            e.fail(
                Some("Bearer realm=\"api.acme.example\""),
                Some(r#"{"error":"unauthorized","message":"No authorization token was found"}"#),
                "cors_preflight",
            );
            e.err(
                "UnauthorizedError",
                "credentials_required",
                "No authorization token was found",
                None,
            );
        }
        e
    }

    fn build_devtools(&mut self) {
        self.clock = at(9, 10, 2) + 184;
        // tokens
        let main = self.prod(
            "auth0|u-1042",
            "openid profile orders:read orders:write cart:write",
            at(9, 5, 11),
        );
        let reader = self.prod("auth0|u-2210", "openid profile orders:read", at(9, 8, 40));
        let rev1 = self.prod(
            "auth0|u-3307",
            "openid profile orders:read orders:write cart:write",
            at(9, 6, 5),
        );
        let rev2 = self.prod("auth0|u-4410", "openid profile orders:read", at(9, 7, 55));
        let exp1 = self.prod(
            "auth0|u-1042",
            "openid profile orders:read orders:write cart:write",
            at(7, 48, 3),
        );
        let exp2 = self.prod("auth0|u-5120", "openid profile orders:read", at(8, 5, 0));
        let exp3 = self.prod(
            "auth0|u-1042",
            "openid profile orders:read orders:write cart:write",
            at(7, 55, 17),
        );
        let exp4 = self.prod("auth0|u-6001", "openid profile orders:read", at(6, 2, 41));
        let stg1 = self.staging("auth0|u-1042", at(9, 1, 9));
        let stg2 = self.staging("auth0|u-7781", at(9, 3, 30));
        let stg3 = self.staging("auth0|u-2210", at(9, 4, 0));
        let rogue = self.jwt(Tok {
            iss: PROD_ISS,
            aud: PROD_AUD,
            sub: "auth0|u-0001",
            scope: "openid profile orders:read orders:write admin",
            iat: at(9, 4, 0),
            exp: at(10, 4, 0),
            nbf: None,
            signer: Signer::Rogue,
        });
        let hs = self.jwt(Tok {
            iss: PROD_ISS,
            aud: PROD_AUD,
            sub: "auth0|u-0001",
            scope: "openid profile orders:read orders:write admin",
            iat: at(9, 2, 0),
            exp: at(10, 2, 0),
            nbf: None,
            signer: Signer::HsConfusion,
        });
        // payload edited after signing: scope widened, signature kept
        let edited = {
            let parts: Vec<&str> = reader.split('.').collect();
            let payload = B64URL.decode(parts[1]).expect("payload");
            let text = String::from_utf8(payload).expect("utf8").replace(
                "\"scope\":\"openid profile orders:read\"",
                "\"scope\":\"openid profile orders:read orders:write admin\"",
            );
            assert!(text.contains("admin"));
            let t = format!("{}.{}.{}", parts[0], B64URL.encode(text), parts[2]);
            self.secret(&t);
            t
        };
        let bearer = |t: &str| format!("Bearer {t}");

        // page load
        let d = self.dev_doc(0, "/", "Acme Shop — Orders");
        self.push_dev(d);
        for (p, k) in [
            ("/static/js/main.8f3a2c71.js", "js"),
            ("/static/css/main.41b0.css", "css"),
            ("/static/img/logo.png", "img"),
            ("/static/img/hero-winter.png", "img"),
        ] {
            let a = self.dev_asset(p, k);
            self.push_dev(a);
        }

        let reads = [
            (
                "/v1/me",
                r#"{"id":"u-1042","name":"Dana Fischer","email":"dana.fischer@example.com","plan":"plus"}"#,
            ),
            (
                "/v1/orders?page=1&limit=20",
                r#"{"items":[{"id":"ord_9f21","status":"shipped","total":"84.90"},{"id":"ord_9f02","status":"delivered","total":"19.99"}],"next":"?page=2"}"#,
            ),
            (
                "/v1/orders/ord_9f21",
                r#"{"id":"ord_9f21","status":"shipped","carrier":"DHL","total":"84.90","currency":"EUR"}"#,
            ),
            (
                "/v1/products?category=winter",
                r#"{"items":[{"sku":"ACM-1042","name":"Thermal mug","price":"14.90"}]}"#,
            ),
            (
                "/v1/cart",
                r#"{"items":[{"sku":"ACM-1042","qty":1}],"total":"14.90"}"#,
            ),
            ("/v1/notifications?unread=1", r#"{"unread":2}"#),
            (
                "/v1/products/ACM-1042/stock",
                r#"{"sku":"ACM-1042","available":118}"#,
            ),
        ];
        // a few successful preflights at the start (the rest are in the preflight cache)
        let normal = |g: &mut Gen, tok: &str, n: usize, with_pf: bool| {
            for i in 0..n {
                let (p, b) = reads[(g.rng.next() % reads.len() as u64) as usize];
                let mut e = g.dev_api(0, "GET", p, Some(bearer(tok)));
                e.body = b.to_string();
                e.app
                    .as_mut()
                    .unwrap()
                    .extra
                    .push(("sub".into(), s("auth0|u-1042")));
                if with_pf && i < 3 {
                    let pf = g.preflight(&e, true);
                    g.push_dev(pf);
                }
                g.push_dev(e);
            }
        };
        normal(self, &main, 14, true);
        for _ in 0..3 {
            let a = self.dev_asset("/static/img/product-thumb.png", "img");
            self.push_dev(a);
        }

        // missing_credentials: the SPA's interceptor lost the token after a reload
        for p in ["/v1/orders?page=1&limit=20", "/v1/me", "/v1/cart"] {
            let mut e = self.dev_api(11, "GET", p, None);
            e.fail(
                Some("Bearer realm=\"api.acme.example\""),
                Some(r#"{"error":"unauthorized","message":"No authorization token was found"}"#),
                "missing_credentials",
            );
            e.err(
                "UnauthorizedError",
                "credentials_required",
                "No authorization token was found",
                None,
            );
            self.push_dev(e);
        }
        normal(self, &main, 10, false);

        // malformed_credentials
        let two_seg = main.rsplit_once('.').unwrap().0.to_string();
        self.secret(&two_seg);
        for (v, msg, code, www_err) in [
            (
                "Bearer undefined".to_string(),
                "jwt malformed",
                "invalid_token",
                "invalid_token",
            ),
            (
                "Bearer null".to_string(),
                "jwt malformed",
                "invalid_token",
                "invalid_token",
            ),
            (
                "Bearer".to_string(),
                "Format is Authorization: Bearer [token]",
                "credentials_bad_format",
                "invalid_request",
            ),
            (
                format!("Bearer \"{main}\""),
                "invalid token",
                "invalid_token",
                "invalid_token",
            ),
            (
                format!("Bearer {two_seg}"),
                "jwt malformed",
                "invalid_token",
                "invalid_token",
            ),
        ] {
            let mut e = self.dev_api(12, "GET", "/v1/orders?page=1&limit=20", Some(v));
            let www = format!("Bearer realm=\"api.acme.example\", error=\"{www_err}\", error_description=\"{msg}\"");
            let body = format!(r#"{{"error":"{www_err}","message":"{msg}"}}"#);
            e.fail(Some(&www), Some(&body), "malformed_credentials");
            let inner = (code == "invalid_token")
                .then(|| o(vec![("name", s("JsonWebTokenError")), ("message", s(msg))]));
            e.err("UnauthorizedError", code, msg, inner);
            self.push_dev(e);
        }
        normal(self, &main, 8, false);

        // wrong_scheme: Basic and Token where the challenge asks Bearer
        let basic = self.basic("dana.fischer@example.com", "Winter2026!");
        let opaque = format!("Token {}", &self.id("opaque")[..40]);
        self.secret(opaque.trim_start_matches("Token "));
        for (v, p) in [
            (basic.clone(), "/v1/orders?page=1&limit=20"),
            (opaque.clone(), "/v1/me"),
            (format!("Token {main}"), "/v1/cart"),
        ] {
            let mut e = self.dev_api(13, "GET", p, Some(v.clone()));
            e.fail(
                Some("Bearer realm=\"api.acme.example\", error=\"invalid_request\", error_description=\"Format is Authorization: Bearer [token]\""),
                Some(r#"{"error":"invalid_request","message":"Format is Authorization: Bearer [token]"}"#),
                "wrong_scheme",
            );
            if v.starts_with("Basic") {
                e.remote_user = "dana.fischer@example.com".into();
            }
            e.err(
                "UnauthorizedError",
                "credentials_bad_scheme",
                "Format is Authorization: Bearer [token]",
                None,
            );
            self.push_dev(e);
        }

        // token_expired: two with an RFC 6750 description, two with only the body
        for (i, tok) in [&exp1, &exp2, &exp3, &exp4].into_iter().enumerate() {
            let claims: serde_json::Value =
                serde_json::from_slice(&B64URL.decode(tok.split('.').nth(1).unwrap()).unwrap())
                    .unwrap();
            let exp_ms = claims["exp"].as_i64().unwrap() * 1000;
            let mut e = self.dev_api(
                15,
                "GET",
                if i % 2 == 0 {
                    "/v1/orders?page=1&limit=20"
                } else {
                    "/v1/me"
                },
                Some(bearer(tok)),
            );
            if i < 2 {
                e.fail(
                    Some("Bearer realm=\"api.acme.example\", error=\"invalid_token\", error_description=\"The access token expired\""),
                    Some(r#"{"error":"invalid_token","message":"jwt expired"}"#),
                    "token_expired",
                );
            } else {
                e.fail(
                    None,
                    Some(r#"{"error":"invalid_token","message":"jwt expired"}"#),
                    "token_expired",
                );
            }
            let inner = o(vec![
                ("name", s("TokenExpiredError")),
                ("message", s("jwt expired")),
                ("expiredAt", s(iso_ms(exp_ms))),
            ]);
            e.err(
                "UnauthorizedError",
                "invalid_token",
                "jwt expired",
                Some(inner),
            );
            self.push_dev(e);
            if i == 1 {
                normal(self, &main, 6, false);
            }
        }
        normal(self, &main, 6, false);

        // token_not_yet_valid: issued by a client whose clock runs ahead
        for (ahead_min, p) in [(6, "/v1/me"), (14, "/v1/orders/ord_9f21")] {
            let now = self.clock + 80;
            let nbf = now + ahead_min * 60_000;
            let tok = self.jwt(Tok {
                iss: PROD_ISS,
                aud: PROD_AUD,
                sub: "auth0|u-8830",
                scope: "openid profile orders:read",
                iat: nbf,
                exp: nbf + 3_600_000,
                nbf: Some(nbf),
                signer: Signer::Prod,
            });
            let mut e = self.dev_api(16, "GET", p, Some(bearer(&tok)));
            e.fail(
                Some("Bearer realm=\"api.acme.example\", error=\"invalid_token\", error_description=\"jwt not active\""),
                Some(r#"{"error":"invalid_token","message":"jwt not active"}"#),
                "token_not_yet_valid",
            );
            let inner = o(vec![
                ("name", s("NotBeforeError")),
                ("message", s("jwt not active")),
                ("date", s(iso_ms(nbf / 1000 * 1000))),
            ]);
            e.err(
                "UnauthorizedError",
                "invalid_token",
                "jwt not active",
                Some(inner),
            );
            self.push_dev(e);
        }
        normal(self, &main, 7, false);

        // wrong_environment: staging tokens (valid staging signature) sent to prod
        for (tok, p) in [
            (&stg1, "/v1/orders?page=1&limit=20"),
            (&stg2, "/v1/me"),
            (&stg3, "/v1/products?category=winter"),
        ] {
            let mut e = self.dev_api(17, "GET", p, Some(bearer(tok)));
            let msg = format!("jwt audience invalid. expected: {PROD_AUD}");
            e.fail(
                Some("Bearer realm=\"api.acme.example\", error=\"invalid_token\""),
                Some(&format!(r#"{{"error":"invalid_token","message":"{msg}"}}"#)),
                "wrong_environment",
            );
            let inner = o(vec![
                ("name", s("JsonWebTokenError")),
                ("message", s(msg.clone())),
            ]);
            e.err("UnauthorizedError", "invalid_token", &msg, Some(inner));
            self.push_dev(e);
            normal(self, &main, 2, false);
        }

        // invalid_signature: rogue key under the prod kid, payload edited, HS256 confusion, unknown kid
        let rogue_kid = {
            let mut h = Header::new(Algorithm::RS256);
            h.kid = Some(ROGUE_KID.to_string());
            let c = json!({"iss": PROD_ISS, "aud": PROD_AUD, "sub": "auth0|u-0001", "scope": "openid profile admin",
                "iat": at(9, 3, 0) / 1000, "exp": at(10, 3, 0) / 1000, "jti": "f0f0c3a1d2e4b5a6978899aa"});
            let t = jsonwebtoken::encode(&h, &c, &self.keys.rogue).expect("sign");
            self.secret(&t);
            t
        };
        for (tok, msg) in [
            (rogue.clone(), "invalid signature".to_string()),
            (edited.clone(), "invalid signature".to_string()),
            (hs.clone(), "invalid algorithm".to_string()),
            (rogue_kid.clone(), format!("error in secret or public key callback: Unable to find a signing key that matches '{ROGUE_KID}'")),
        ] {
            let mut e = self.dev_api(18, "GET", "/v1/admin/orders?status=all", Some(bearer(&tok)));
            e.fail(
                Some("Bearer realm=\"api.acme.example\", error=\"invalid_token\""),
                Some(&format!(r#"{{"error":"invalid_token","message":{}}}"#, esc(&msg))),
                "invalid_signature",
            );
            let inner = o(vec![("name", s("JsonWebTokenError")), ("message", s(msg.clone()))]);
            e.err("UnauthorizedError", "invalid_token", &msg, Some(inner));
            self.push_dev(e);
        }
        normal(self, &main, 6, false);

        // insufficient_scope: reader token (orders:read) on write endpoints; the same token reads fine
        for _ in 0..2 {
            let mut e = self.dev_api(
                0,
                "GET",
                "/v1/orders?page=1&limit=20",
                Some(bearer(&reader)),
            );
            e.body = reads[1].1.to_string();
            self.push_dev(e);
        }
        for p in [
            "/v1/orders",
            "/v1/orders/ord_9f21/cancel",
            "/v1/orders/ord_9f02/return",
        ] {
            let mut e = self.dev_api(21, "POST", p, Some(bearer(&reader)));
            e.fail(
                Some("Bearer realm=\"api.acme.example\", error=\"insufficient_scope\", error_description=\"The request requires higher privileges than provided by the access token.\", scope=\"orders:write\""),
                Some(r#"{"error":"insufficient_scope","message":"Permission denied","required_scope":"orders:write"}"#),
                "insufficient_scope",
            );
            e.err(
                "UnauthorizedError",
                "permission_denied",
                "Permission denied",
                None,
            );
            if let Some(a) = e.app.as_mut() {
                if let Some(J::O(f)) = a.err.as_mut() {
                    for (k, v) in f.iter_mut() {
                        if k == "status" {
                            *v = J::I(403);
                        }
                    }
                }
                a.extra.push(("sub".into(), s("auth0|u-2210")));
            }
            self.push_dev(e);
        }
        normal(self, &main, 5, false);

        // revoked_credentials: token works, logout, reuse
        for (tok, sub, n_after) in [(&rev1, "auth0|u-3307", 2usize), (&rev2, "auth0|u-4410", 1)] {
            for (p, b) in [reads[0], reads[1], reads[4]] {
                let mut e = self.dev_api(19, "GET", p, Some(bearer(tok)));
                e.body = b.to_string();
                e.app.as_mut().unwrap().extra.push(("sub".into(), s(sub)));
                self.push_dev(e);
            }
            let mut lo = self.dev_api(19, "POST", "/v1/session/logout", Some(bearer(tok)));
            lo.post = Some(("application/json".into(), "{}".into()));
            lo.status = 204;
            lo.body.clear();
            lo.mime = "text/plain".into();
            lo.app.as_mut().unwrap().extra.push(("sub".into(), s(sub)));
            lo.app
                .as_mut()
                .unwrap()
                .extra
                .push(("event".into(), s("token revoked by logout")));
            self.push_dev(lo);
            normal(self, &main, 2, false);
            for p in ["/v1/orders?page=1&limit=20", "/v1/me"]
                .into_iter()
                .take(n_after)
            {
                let mut e = self.dev_api(19, "GET", p, Some(bearer(tok)));
                e.fail(
                    Some("Bearer realm=\"api.acme.example\", error=\"invalid_token\", error_description=\"The token has been revoked.\""),
                    Some(r#"{"error":"invalid_token","message":"The token has been revoked."}"#),
                    "revoked_credentials",
                );
                e.err(
                    "UnauthorizedError",
                    "revoked_token",
                    "The token has been revoked.",
                    None,
                );
                self.push_dev(e);
            }
        }
        normal(self, &main, 6, false);

        // header_stripped (a): gateway route /v1/reports/ drops Authorization before the app
        for p in [
            "/v1/reports/sales?month=2026-10",
            "/v1/reports/returns?month=2026-10",
        ] {
            let mut e = self.dev_api(22, "GET", p, Some(bearer(&main)));
            e.fail(
                Some("Bearer realm=\"api.acme.example\""),
                Some(r#"{"error":"unauthorized","message":"No authorization token was found"}"#),
                "header_stripped",
            );
            e.err(
                "UnauthorizedError",
                "credentials_required",
                "No authorization token was found",
                None,
            );
            self.push_dev(e);
        }
        // header_stripped (b): export redirects cross-origin, the browser drops Authorization
        for (i, f) in [
            "orders-2026-10.csv",
            "invoices-2026-10.pdf",
            "returns-2026-10.csv",
        ]
        .into_iter()
        .enumerate()
        {
            let mut e = self.dev_api(22, "GET", &format!("/v1/export/{f}"), Some(bearer(&main)));
            let case_r = format!("{}r", e.case);
            let loc = format!("https://files.acme-cdn.example/exports/u-1042/{f}?case={case_r}");
            e.status = if i == 1 { 302 } else { 307 };
            e.resp_h.push(("Location".into(), loc.clone()));
            e.redirect = loc.clone();
            e.body.clear();
            e.mime = "text/plain".into();
            e.cause = None;
            let orig_case = e.case.clone();
            self.push_dev(e);
            let rid = self.hex32();
            let mut f2 = Ex {
                case: case_r.clone(),
                wait: self.rng.f(20.0, 60.0),
                recv: 0.8,
                method: "GET".into(),
                scheme_host: "https://files.acme-cdn.example".into(),
                path: loc
                    .trim_start_matches("https://files.acme-cdn.example")
                    .to_string(),
                http: "h2".into(),
                req_h: vec![
                    ("accept".into(), "application/json".into()),
                    ("accept-encoding".into(), "gzip, deflate, br, zstd".into()),
                    ("origin".into(), "null".into()),
                    ("referer".into(), "https://app.acme.example/".into()),
                    ("sec-fetch-dest".into(), "empty".into()),
                    ("sec-fetch-mode".into(), "cors".into()),
                    ("sec-fetch-site".into(), "cross-site".into()),
                    ("user-agent".into(), CHROME_UA.into()),
                ],
                status: 200,
                resp_h: vec![
                    ("access-control-allow-origin".into(), "*".into()),
                    ("server".into(), "AcmeFiles".into()),
                    ("x-request-id".into(), rid.clone()),
                ],
                rtype: "fetch".into(),
                initiator: Some(o(vec![
                    ("type", s("redirect")),
                    (
                        "url",
                        s(format!(
                            "https://api.acme.example/v1/export/{f}?case={orig_case}"
                        )),
                    ),
                ])),
                rid: Some(rid),
                server_ip: "151.101.2.132".into(),
                ..Default::default()
            };
            f2.fail(
                Some("Bearer realm=\"files.acme-cdn.example\""),
                Some(r#"{"error":"unauthorized","message":"No authorization token was found"}"#),
                "header_stripped",
            );
            self.clock -= 200;
            self.push_dev(f2);
        }
        normal(self, &main, 6, false);

        // second page
        let d = self.dev_doc(0, "/account", "Acme Shop — Account");
        self.push_dev(d);
        for _ in 0..3 {
            let a = self.dev_asset("/static/img/avatar.png", "img");
            self.push_dev(a);
        }

        // cors_preflight: the /v1/cart route authenticates OPTIONS; the real request never leaves
        for (m, p) in [
            ("PUT", "/v1/cart/items/ACM-1042"),
            ("DELETE", "/v1/cart/items/ACM-2210"),
            ("PUT", "/v1/cart/coupon"),
        ] {
            let actual = self.dev_api(23, m, p, Some(bearer(&main)));
            let pf = self.preflight(&actual, false);
            self.push_dev(pf);
            let mut blocked = actual.clone();
            blocked.blocked = true;
            blocked.status = 0;
            blocked.gw = false;
            blocked.app = None;
            blocked.cause = None;
            blocked.body.clear();
            self.clock -= 150;
            self.push_dev(blocked);
        }
        normal(self, &main, 6, false);

        // cached_response: a 401 stored by the browser's disk cache (origin sent max-age)
        for p in ["/v1/loyalty/badge", "/v1/loyalty/badge?size=small"] {
            let mut e = self.dev_api(24, "GET", p, Some(bearer(&main)));
            e.fail(
                Some("Bearer realm=\"api.acme.example\", error=\"invalid_token\""),
                Some(r#"{"error":"invalid_token","message":"Unauthorized"}"#),
                "cached_response",
            );
            e.from_cache = true;
            e.age = 120;
            // the stored response carries the id of the request that filled the cache
            let stored_rid = self.uuid();
            e.resp_h.push(("X-Request-ID".into(), stored_rid));
            e.gw = false;
            e.app = None;
            e.wait = 0.4;
            e.recv = 0.1;
            e.resp_h
                .push(("Cache-Control".into(), "public, max-age=300".into()));
            self.push_dev(e);
        }
        normal(self, &main, 8, false);

        // unknown: valid token, bare 401 without challenge or body
        for p in ["/v1/loyalty/points", "/v1/loyalty/points?history=1"] {
            let mut e = self.dev_api(26, "GET", p, Some(bearer(&main)));
            e.fail(None, None, "unknown");
            e.app.as_mut().unwrap().level = 40;
            e.app
                .as_mut()
                .unwrap()
                .extra
                .push(("sub".into(), s("auth0|u-1042")));
            self.push_dev(e);
        }
        normal(self, &main, 10, false);
        for _ in 0..2 {
            let a = self.dev_asset("/static/img/product-thumb.png", "img");
            self.push_dev(a);
        }
        assert!(
            self.clock < at(10, 5, 0),
            "devtools session must stay inside the main token's life: {}",
            iso_ms(self.clock)
        );
    }

    // ------------------------------------------------------------ proxy HAR

    fn px(
        &mut self,
        block: u32,
        method: &str,
        host: &str,
        path: &str,
        headers: Vec<(String, String)>,
    ) -> Ex {
        let case = self.case('p', block);
        let sep = if path.contains('?') { '&' } else { '?' };
        let rid = self.uuid();
        let mut req_h = vec![
            ("Host".to_string(), host.to_string()),
            ("User-Agent".into(), SCRIPT_UA.into()),
            ("Accept-Encoding".into(), "gzip, deflate".into()),
            ("Accept".into(), "application/json".into()),
            ("Connection".into(), "keep-alive".into()),
            ("X-Request-ID".into(), rid.clone()),
        ];
        req_h.extend(headers);
        let gw = host == "api.staging.acme.example" || host == "ledger.acme.example";
        let app = (host == "api.staging.acme.example").then_some(App {
            service: "orders-api",
            level: 30,
            err: None,
            extra: vec![("env".into(), s("staging"))],
        });
        Ex {
            case: case.clone(),
            wait: self.rng.f(25.0, 190.0),
            recv: self.rng.f(0.5, 4.0),
            method: method.into(),
            scheme_host: format!("https://{host}"),
            path: format!("{path}{sep}case={case}"),
            http: "HTTP/1.1".into(),
            req_h,
            status: 200,
            resp_h: vec![],
            mime: "application/json".into(),
            body: r#"{"ok":true}"#.into(),
            rid: Some(rid),
            gw,
            remote_ip: "198.51.100.77".into(),
            app,
            server_ip: match host {
                "partner.acme.example" => "198.51.100.31",
                "ledger.acme.example" => "198.51.100.20",
                "intranet.acme.example" => "10.20.0.15",
                _ => "198.51.100.21",
            }
            .into(),
            ..Default::default()
        }
    }

    /// Next leg of a challenge-response exchange: same URL and case, new request id.
    fn px_leg(&mut self, base: &Ex, auth: Option<String>) -> Ex {
        let mut e = base.clone();
        let rid = self.uuid();
        e.req_h.retain(|(k, _)| k != "Authorization");
        for (k, v) in e.req_h.iter_mut() {
            if k == "X-Request-ID" {
                *v = rid.clone();
            }
        }
        if let Some(a) = auth {
            e.req_h.push(("Authorization".into(), a));
        }
        e.rid = Some(rid);
        e.status = 200;
        e.www = None;
        e.cause = None;
        e.wait = self.rng.f(25.0, 190.0);
        e
    }

    fn push_px(&mut self, mut e: Ex) {
        e.t = self.clock;
        self.clock += self.rng.range(500, 24_000) as i64;
        let host = e.host().to_string();
        let len = e.body.len();
        let mut h: Vec<(String, String)> = Vec::new();
        match host.as_str() {
            "partner.acme.example" => {
                h.push((
                    "Content-Type".into(),
                    "application/json; charset=utf-8".into(),
                ));
                h.push(("Content-Length".into(), len.to_string()));
                h.push(("Connection".into(), "keep-alive".into()));
                if let Some(w) = &e.www {
                    h.push(("WWW-Authenticate".into(), w.clone()));
                }
                h.push(("Date".into(), http_date(e.t + e.wait as i64)));
                h.push(("Server".into(), "kong/3.4.2".into()));
                h.push((
                    "X-Kong-Request-Id".into(),
                    e.rid.clone().unwrap_or_default().replace('-', ""),
                ));
                if e.status == 200 {
                    h.push((
                        "X-Kong-Upstream-Latency".into(),
                        format!("{}", (e.wait * 0.8) as i64),
                    ));
                }
                h.push(("X-Kong-Proxy-Latency".into(), "1".into()));
                h.push(("Via".into(), "kong/3.4.2".into()));
            }
            "intranet.acme.example" => {
                h.push(("Content-Type".into(), e.mime.clone()));
                h.push(("Server".into(), "Microsoft-IIS/10.0".into()));
                if let Some(w) = &e.www {
                    for part in w.split('|') {
                        h.push(("WWW-Authenticate".into(), part.to_string()));
                    }
                }
                h.push(("X-Powered-By".into(), "ASP.NET".into()));
                h.push(("Date".into(), http_date(e.t + e.wait as i64)));
                h.push(("Content-Length".into(), len.to_string()));
            }
            _ => {
                h.push(("Server".into(), "nginx".into()));
                h.push(("Date".into(), http_date(e.t + e.wait as i64)));
                h.push(("Content-Type".into(), e.mime.clone()));
                h.push(("Content-Length".into(), len.to_string()));
                h.push(("Connection".into(), "keep-alive".into()));
                if let Some(w) = &e.www {
                    h.push(("WWW-Authenticate".into(), w.clone()));
                }
                if host == "ledger.acme.example" {
                    h.push((
                        "Cache-Control".into(),
                        "no-cache, no-store, max-age=0, must-revalidate".into(),
                    ));
                    h.push(("X-Content-Type-Options".into(), "nosniff".into()));
                }
                h.push(("X-Request-ID".into(), e.rid.clone().unwrap_or_default()));
            }
        }
        e.resp_h = h;
        self.proxy.push(e);
    }

    fn build_proxy(&mut self) {
        self.clock = at(10, 31, 7) + 642;
        let pk_live = format!("pk_live_{}", &self.id("pk")[..32]);
        let pk_live2 = format!("pk_live_{}", &self.id("pk")[..32]);
        let pk_unknown = format!("pk_live_{}", &self.id("pk-unknown")[..32]);
        for k in [&pk_live, &pk_live2, &pk_unknown] {
            self.secret(k);
        }
        let stg = self.staging("svc|partner-sync", at(10, 20, 0));
        let stg_exp = self.staging("svc|partner-sync", at(9, 2, 30));
        let prod_tok = self.prod(
            "svc|partner-sync",
            "shipments:read shipments:write",
            at(10, 28, 0),
        );
        let prod_tok2 = self.prod("svc|partner-sync", "shipments:read", at(10, 24, 0));
        let ledger_ok = self.basic("finance-bot", "L3dger-2026-Nov!");
        let ledger_ok2 = self.basic("auditor", "q7#Rk2vX9pLm");
        let ledger_bad = self.basic("finance-bot", "L3dger-2026-Oct!");
        let ledger_unknown = self.basic("finance-bot2", "L3dger-2026-Nov!");
        let kong_ok = |e: &mut Ex| {
            e.body = r#"{"shipments":[{"id":"shp_4410","status":"in_transit"},{"id":"shp_4411","status":"label_created"}],"page":1}"#.into();
        };

        let partner_ok = |g: &mut Gen, n: usize| {
            for _ in 0..n {
                let page = g.rng.range(1, 9);
                let key = if g.rng.chance(0.7) {
                    pk_live.clone()
                } else {
                    pk_live2.clone()
                };
                let mut e = g.px(
                    0,
                    "GET",
                    "partner.acme.example",
                    &format!("/v2/shipments?page={page}"),
                    vec![("X-API-Key".into(), key)],
                );
                kong_ok(&mut e);
                g.push_px(e);
            }
        };
        let staging_ok = |g: &mut Gen, tok: &str, n: usize| {
            for _ in 0..n {
                let p = g
                    .rng
                    .pick(&[
                        "/v1/shipments?status=open",
                        "/v1/carriers",
                        "/v1/shipments/shp_4410/events",
                    ])
                    .to_string();
                let mut e = g.px(
                    0,
                    "GET",
                    "api.staging.acme.example",
                    &p,
                    vec![("Authorization".into(), format!("Bearer {tok}"))],
                );
                e.body = r#"{"items":[],"env":"staging"}"#.into();
                e.app
                    .as_mut()
                    .unwrap()
                    .extra
                    .push(("sub".into(), s("svc|partner-sync")));
                g.push_px(e);
            }
        };
        let ledger_ok_req = |g: &mut Gen, cred: &str, block: u32, path: &str| -> Ex {
            let mut e = g.px(
                block,
                "GET",
                "ledger.acme.example",
                path,
                vec![("Authorization".into(), cred.to_string())],
            );
            e.body = r#"{"account":"4000-EU","balance":"184220.17","currency":"EUR"}"#.into();
            e.remote_user = B64
                .decode(cred.trim_start_matches("Basic "))
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|x| x.split(':').next().map(str::to_string))
                .unwrap_or_default();
            e
        };

        partner_ok(self, 12);
        staging_ok(self, &stg, 6);
        for _ in 0..4 {
            let e = ledger_ok_req(self, &ledger_ok, 0, "/api/v1/balances/4000-EU");
            self.push_px(e);
        }
        let e = ledger_ok_req(self, &ledger_ok2, 0, "/api/v1/journal?from=2026-11-01");
        self.push_px(e);

        // missing_credentials: partner call without key, staging call without Authorization
        {
            let mut e = self.px(
                11,
                "GET",
                "partner.acme.example",
                "/v2/shipments?page=2",
                vec![],
            );
            let kid = e.rid.clone().unwrap().replace('-', "");
            e.fail(
                Some("Key realm=\"kong\""),
                Some(&format!(
                    r#"{{"message":"No API key found in request","request_id":"{kid}"}}"#
                )),
                "missing_credentials",
            );
            self.push_px(e);
            let mut e = self.px(
                11,
                "GET",
                "api.staging.acme.example",
                "/v1/shipments?status=open",
                vec![],
            );
            e.fail(
                Some("Bearer realm=\"api.staging.acme.example\""),
                Some(r#"{"error":"unauthorized","message":"No authorization token was found"}"#),
                "missing_credentials",
            );
            e.err(
                "UnauthorizedError",
                "credentials_required",
                "No authorization token was found",
                None,
            );
            self.push_px(e);
        }
        partner_ok(self, 6);

        // api_key_misplaced: key in the query string, Kong expects the X-API-Key header
        for (param, key) in [
            ("api_key", &pk_live),
            ("apikey", &pk_live2),
            ("api_key", &pk_live),
        ] {
            let mut e = self.px(
                14,
                "GET",
                "partner.acme.example",
                &format!("/v2/shipments?page=1&{param}={key}"),
                vec![],
            );
            let kid = e.rid.clone().unwrap().replace('-', "");
            e.fail(
                Some("Key realm=\"kong\""),
                Some(&format!(
                    r#"{{"message":"No API key found in request","request_id":"{kid}"}}"#
                )),
                "api_key_misplaced",
            );
            self.push_px(e);
        }
        partner_ok(self, 5);

        // invalid_credentials: unknown partner key; wrong password / unknown user on ledger
        {
            let mut e = self.px(
                20,
                "GET",
                "partner.acme.example",
                "/v2/shipments?page=1",
                vec![("X-API-Key".into(), pk_unknown.clone())],
            );
            let kid = e.rid.clone().unwrap().replace('-', "");
            e.fail(
                Some("Key realm=\"kong\""),
                Some(&format!(
                    r#"{{"message":"Invalid authentication credentials","request_id":"{kid}"}}"#
                )),
                "invalid_credentials",
            );
            self.push_px(e);
        }
        for (cred, user) in [
            (&ledger_bad, "finance-bot"),
            (&ledger_unknown, "finance-bot2"),
            (&ledger_bad, "finance-bot"),
        ] {
            let mut e = ledger_ok_req(self, cred, 20, "/api/v1/balances/4000-EU");
            let path = e.path.split('?').next().unwrap().to_string();
            let body = format!(
                r#"{{"timestamp":"{}","status":401,"error":"Unauthorized","message":"Bad credentials","path":"{path}"}}"#,
                iso_ms(self.clock + 40).replace('Z', "+00:00")
            );
            e.fail(
                Some("Basic realm=\"ledger\""),
                Some(&body),
                "invalid_credentials",
            );
            e.body_b64 = true;
            e.remote_user = user.into();
            self.push_px(e);
        }
        let e = ledger_ok_req(self, &ledger_ok, 0, "/api/v1/balances/4000-EU");
        self.push_px(e);

        // malformed_credentials: Basic value that is not base64; Bearer [object Object]
        {
            self.secret("finance-bot:L3dger-2026-Nov!");
            let mut e = self.px(
                12,
                "GET",
                "ledger.acme.example",
                "/api/v1/balances/4000-EU",
                vec![(
                    "Authorization".into(),
                    "Basic finance-bot:L3dger-2026-Nov!".into(),
                )],
            );
            let path = e.path.split('?').next().unwrap().to_string();
            let body = format!(
                r#"{{"timestamp":"{}","status":401,"error":"Unauthorized","message":"Failed to decode basic authentication token","path":"{path}"}}"#,
                iso_ms(self.clock + 40).replace('Z', "+00:00")
            );
            e.fail(
                Some("Basic realm=\"ledger\""),
                Some(&body),
                "malformed_credentials",
            );
            self.push_px(e);
            let mut e = self.px(
                12,
                "GET",
                "api.staging.acme.example",
                "/v1/carriers",
                vec![("Authorization".into(), "Bearer [object Object]".into())],
            );
            e.fail(
                Some("Bearer realm=\"api.staging.acme.example\", error=\"invalid_token\", error_description=\"jwt malformed\""),
                Some(r#"{"error":"invalid_token","message":"jwt malformed"}"#),
                "malformed_credentials",
            );
            e.err(
                "UnauthorizedError",
                "invalid_token",
                "jwt malformed",
                Some(o(vec![
                    ("name", s("JsonWebTokenError")),
                    ("message", s("jwt malformed")),
                ])),
            );
            self.push_px(e);
        }
        staging_ok(self, &stg, 4);

        // wrong_scheme on the staging API
        {
            let basic = self.basic("partner-sync", "Stg-sync-2026");
            let opaque = self.id("stg-opaque")[..40].to_string();
            self.secret(&opaque);
            for v in [basic, format!("Token {opaque}")] {
                let mut e = self.px(
                    13,
                    "GET",
                    "api.staging.acme.example",
                    "/v1/shipments?status=open",
                    vec![("Authorization".into(), v.clone())],
                );
                e.fail(
                    Some("Bearer realm=\"api.staging.acme.example\", error=\"invalid_request\", error_description=\"Format is Authorization: Bearer [token]\""),
                    Some(r#"{"error":"invalid_request","message":"Format is Authorization: Bearer [token]"}"#),
                    "wrong_scheme",
                );
                if v.starts_with("Basic") {
                    e.remote_user = "partner-sync".into();
                }
                e.err(
                    "UnauthorizedError",
                    "credentials_bad_scheme",
                    "Format is Authorization: Bearer [token]",
                    None,
                );
                self.push_px(e);
            }
        }

        // wrong_environment: prod tokens sent to staging, staging tokens work there
        for tok in [&prod_tok, &prod_tok2] {
            let mut e = self.px(
                17,
                "GET",
                "api.staging.acme.example",
                "/v1/shipments?status=open",
                vec![("Authorization".into(), format!("Bearer {tok}"))],
            );
            let msg = format!("jwt issuer invalid. expected: {STG_ISS}");
            e.fail(
                Some("Bearer realm=\"api.staging.acme.example\", error=\"invalid_token\""),
                Some(&format!(r#"{{"error":"invalid_token","message":"{msg}"}}"#)),
                "wrong_environment",
            );
            e.err(
                "UnauthorizedError",
                "invalid_token",
                &msg,
                Some(o(vec![
                    ("name", s("JsonWebTokenError")),
                    ("message", s(msg.clone())),
                ])),
            );
            self.push_px(e);
            staging_ok(self, &stg, 2);
        }

        // token_expired and token_not_yet_valid on staging
        {
            let mut e = self.px(
                15,
                "GET",
                "api.staging.acme.example",
                "/v1/carriers",
                vec![("Authorization".into(), format!("Bearer {stg_exp}"))],
            );
            e.fail(
                Some("Bearer realm=\"api.staging.acme.example\", error=\"invalid_token\", error_description=\"The access token expired\""),
                Some(r#"{"error":"invalid_token","message":"jwt expired"}"#),
                "token_expired",
            );
            e.err(
                "UnauthorizedError",
                "invalid_token",
                "jwt expired",
                Some(o(vec![
                    ("name", s("TokenExpiredError")),
                    ("message", s("jwt expired")),
                    ("expiredAt", s(iso_ms(at(10, 2, 30)))),
                ])),
            );
            self.push_px(e);
            let nbf = self.clock + 9 * 60_000;
            let tok = self.jwt(Tok {
                iss: STG_ISS,
                aud: STG_AUD,
                sub: "svc|partner-sync",
                scope: "shipments:read",
                iat: nbf,
                exp: nbf + 3_600_000,
                nbf: Some(nbf),
                signer: Signer::Staging,
            });
            let mut e = self.px(
                16,
                "GET",
                "api.staging.acme.example",
                "/v1/shipments/shp_4410/events",
                vec![("Authorization".into(), format!("Bearer {tok}"))],
            );
            e.fail(
                Some("Bearer realm=\"api.staging.acme.example\", error=\"invalid_token\", error_description=\"jwt not active\""),
                Some(r#"{"error":"invalid_token","message":"jwt not active"}"#),
                "token_not_yet_valid",
            );
            e.err(
                "UnauthorizedError",
                "invalid_token",
                "jwt not active",
                Some(o(vec![
                    ("name", s("NotBeforeError")),
                    ("message", s("jwt not active")),
                    ("date", s(iso_ms(nbf / 1000 * 1000))),
                ])),
            );
            self.push_px(e);
        }
        partner_ok(self, 6);

        // challenge_handshake: Basic challenge then success (same URL)
        for p in ["/api/v1/statements/2026-10", "/api/v1/statements/2026-09"] {
            let mut e = self.px(25, "GET", "ledger.acme.example", p, vec![]);
            let path = e.path.split('?').next().unwrap().to_string();
            let body = format!(
                r#"{{"timestamp":"{}","status":401,"error":"Unauthorized","message":"Full authentication is required to access this resource","path":"{path}"}}"#,
                iso_ms(self.clock + 30).replace('Z', "+00:00")
            );
            e.fail(
                Some("Basic realm=\"ledger\""),
                Some(&body),
                "challenge_handshake",
            );
            let mut ok = self.px_leg(&e, Some(ledger_ok.clone()));
            ok.body = r#"{"account":"4000-EU","statements":[{"month":"2026-10","url":"/api/v1/statements/2026-10.pdf"}]}"#.into();
            ok.mime = "application/json".into();
            ok.remote_user = "finance-bot".into();
            self.push_px(e);
            self.push_px(ok);
        }
        // challenge_handshake: NTLM (two 401 legs) and Kerberos (one 401 leg) on the intranet
        {
            let type1 = "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==".to_string();
            let type2 = format!(
                "TlRMTVNTUAACAAAADAAMADgAAAAFgomi{}AAAAAAAAAACAAIAEQAAAAKAGFKAAAAD0EAQwBNAEUAAA",
                B64.encode(&Sha256::digest(b"ntlm-challenge")[..9])
            );
            let type3 = format!(
                "TlRMTVNTUAADAAAAGAAYAHAAAAAYABgAiAAAAAgACABAAAAAFgAWAEgAAAAAAAAAAAAAAAAAAAAA{}",
                B64.encode(&Sha256::digest(b"ntlm-response")[..24])
            );
            let neg = format!("YIIHNwYGKwYBBQUCoIIHKzCCByegDTALBgkqhkiG9xIBAgKiggcUBIIHEGCCBwwGCSqGSIb3EgECAgEAboIG+zCCBvegAwIBBaEDAgEOogcDBQAgAAAAo4IF{}", B64.encode(Sha256::digest(b"krb-ap-req")));
            let neg_resp = format!("oYG3MIG0oAMKAQChCwYJKoZIgvcSAQICooGfBIGcYIGZBgkqhkiG9xIBAgICAG+BiTCBhqADAgEFoQMCAQ+iejB4oAMCARKicQRv{}", B64.encode(&Sha256::digest(b"krb-ap-rep")[..16]));
            for x in [&type1, &type2, &type3, &neg, &neg_resp] {
                self.secret(x);
            }
            let html401 = "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"><html><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head><body><h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2></body></html>";
            let p = "/sites/hr/leave-calendar.aspx";
            let mut a = self.px(25, "GET", "intranet.acme.example", p, vec![]);
            a.fail(Some("Negotiate|NTLM"), None, "challenge_handshake");
            a.mime = "text/html".into();
            a.body = html401.into();
            let mut b = self.px_leg(&a, Some(format!("NTLM {type1}")));
            b.fail(Some(&format!("NTLM {type2}")), None, "challenge_handshake");
            b.mime = "text/html".into();
            b.body = html401.into();
            let mut c = self.px_leg(&a, Some(format!("NTLM {type3}")));
            c.comment = Some("NTLM handshake completed by requests_ntlm".into());
            c.mime = "text/html; charset=utf-8".into();
            c.body =
                "<html><head><title>Leave calendar</title></head><body>...</body></html>".into();
            for x in [a, b, c] {
                self.push_px(x);
            }
            let p = "/sites/it/assets.aspx";
            let mut a = self.px(25, "GET", "intranet.acme.example", p, vec![]);
            a.fail(Some("Negotiate|NTLM"), None, "challenge_handshake");
            a.mime = "text/html".into();
            a.body = html401.into();
            let mut c = self.px_leg(&a, Some(format!("Negotiate {neg}")));
            c.www = Some(format!("Negotiate {neg_resp}"));
            c.mime = "text/html; charset=utf-8".into();
            c.body = "<html><head><title>IT assets</title></head><body>...</body></html>".into();
            self.push_px(a);
            self.push_px(c);
        }
        partner_ok(self, 4);

        // unknown: valid staging token, bare 401
        {
            let mut e = self.px(
                26,
                "GET",
                "api.staging.acme.example",
                "/v1/shipments/shp_4410/label.pdf",
                vec![("Authorization".into(), format!("Bearer {stg}"))],
            );
            e.fail(None, None, "unknown");
            e.app.as_mut().unwrap().level = 40;
            e.app
                .as_mut()
                .unwrap()
                .extra
                .push(("sub".into(), s("svc|partner-sync")));
            self.push_px(e);
        }
        staging_ok(self, &stg, 5);
        partner_ok(self, 8);
        assert!(self.clock < at(11, 20, 0));
    }
}

// ---------------------------------------------------------------- consistency check

/// The labels must match what the HAR shows: check every Bearer JWT's timing
/// claims against the server time (response Date) of its exchange.
fn validate(entries: &[Ex]) {
    for e in entries {
        let Some((_, auth)) = e
            .req_h
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        else {
            continue;
        };
        let Some(tok) = auth.strip_prefix("Bearer ") else {
            continue;
        };
        let parts: Vec<&str> = tok.split('.').collect();
        if parts.len() != 3 || e.blocked {
            continue;
        }
        let Some(c) = B64URL
            .decode(parts[1])
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        else {
            continue;
        };
        let date = if e.from_cache {
            e.t - e.age * 1000
        } else {
            e.t + e.wait as i64
        } / 1000;
        let exp = c["exp"].as_i64().unwrap_or(i64::MAX);
        let iat = c["iat"].as_i64().unwrap_or(0);
        let nbf = c["nbf"].as_i64().unwrap_or(0);
        let ctx = format!("{} at {}", e.case, iso_ms(e.t));
        match e.cause {
            Some("token_expired") => assert!(exp < date, "{ctx}: expected an expired token"),
            Some("token_not_yet_valid") => {
                assert!(nbf > date + 60, "{ctx}: expected nbf in the future")
            }
            _ => assert!(
                exp > date + 60 && iat <= date && nbf <= date,
                "{ctx}: token should be in its lifetime"
            ),
        }
    }
}

// ---------------------------------------------------------------- HAR rendering

fn headers_j(h: &[(String, String)]) -> J {
    J::A(
        h.iter()
            .map(|(k, v)| o(vec![("name", s(k.clone())), ("value", s(v.clone()))]))
            .collect(),
    )
}

fn hsize(first: &str, h: &[(String, String)]) -> i64 {
    (first.len() + 2 + h.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>() + 2) as i64
}

fn request_cookies(h: &[(String, String)]) -> J {
    let mut out = vec![];
    for (k, v) in h {
        if k.eq_ignore_ascii_case("cookie") {
            for c in v.split("; ") {
                if let Some((n, val)) = c.split_once('=') {
                    out.push(o(vec![("name", s(n)), ("value", s(val))]));
                }
            }
        }
    }
    J::A(out)
}

/// Fill in the response headers a browser sees for an api.acme.example / app / cdn answer.
fn finish_dev_headers(e: &mut Ex) {
    let date_ms = if e.from_cache {
        e.t - e.age * 1000
    } else {
        e.t + e.wait as i64
    };
    let len = e.body.len();
    let mut h = std::mem::take(&mut e.resp_h);
    if e.http == "h2" {
        h.insert(0, ("date".into(), http_date(date_ms)));
        if !e.body.is_empty() {
            h.push(("content-type".into(), e.mime.clone()));
        }
        if let Some(w) = &e.www {
            h.push(("www-authenticate".into(), w.clone()));
        }
        h.sort();
    } else {
        h.push(("Content-Length".into(), len.to_string()));
        if !e.body.is_empty() {
            h.push(("Content-Type".into(), e.mime.clone()));
        }
        h.push(("Date".into(), http_date(date_ms)));
        if let Some(w) = &e.www {
            h.push(("WWW-Authenticate".into(), w.clone()));
        }
        if let Some(r) = &e.rid {
            if !e.from_cache {
                h.push(("X-Request-ID".into(), r.clone()));
            }
        }
        if e.from_cache {
            h.push(("Age".into(), e.age.to_string()));
        }
        h.sort_by_key(|a| a.0.to_ascii_lowercase());
        h.dedup();
    }
    e.resp_h = h;
}

fn dev_entry(e: &Ex, pageref: &str, conn: i64) -> J {
    let url = e.url();
    let qs = J::A(
        query_pairs(&e.path)
            .into_iter()
            .map(|(k, v)| o(vec![("name", s(k)), ("value", s(v))]))
            .collect(),
    );
    let mut req_h = e.req_h.clone();
    if e.http == "h2" {
        let mut ps = vec![
            (":authority".to_string(), e.host().to_string()),
            (":method".into(), e.method.clone()),
            (":path".into(), e.path.clone()),
            (":scheme".into(), "https".into()),
        ];
        ps.extend(req_h);
        req_h = ps;
    }
    let mut req = vec![
        ("method", s(e.method.clone())),
        ("url", s(url.clone())),
        (
            "httpVersion",
            s(if e.http == "h2" {
                "http/2.0"
            } else {
                "http/1.1"
            }),
        ),
        ("headers", headers_j(&req_h)),
        ("queryString", qs),
        ("cookies", request_cookies(&e.req_h)),
        (
            "headersSize",
            J::I(if e.http == "h2" {
                -1
            } else {
                hsize(&format!("{} {} HTTP/1.1", e.method, e.path), &e.req_h)
            }),
        ),
        (
            "bodySize",
            J::I(e.post.as_ref().map_or(0, |p| p.1.len() as i64)),
        ),
    ];
    if let Some((m, t)) = &e.post {
        req.push((
            "postData",
            o(vec![("mimeType", s(m.clone())), ("text", s(t.clone()))]),
        ));
    }
    let blocked = e.blocked;
    let mut content = vec![
        (
            "size",
            J::I(if blocked {
                0
            } else if e.body_b64 {
                B64.decode(&e.body).map_or(0, |b| b.len() as i64)
            } else {
                e.body.len() as i64
            }),
        ),
        (
            "mimeType",
            s(if blocked {
                "x-unknown".to_string()
            } else {
                e.mime.split(';').next().unwrap_or("").to_string()
            }),
        ),
    ];
    if !blocked && !e.body.is_empty() {
        content.push(("text", s(e.body.clone())));
        if e.body_b64 {
            content.push(("encoding", s("base64")));
        }
    }
    let resp_hsize = if blocked || e.http == "h2" {
        -1
    } else {
        hsize(
            &format!("HTTP/1.1 {} {}", e.status, status_text(e.status)),
            &e.resp_h,
        )
    };
    let transfer = if blocked || e.from_cache {
        0
    } else {
        resp_hsize.max(120) + e.body.len() as i64
    };
    let mut resp = vec![
        ("status", J::I(e.status)),
        (
            "statusText",
            s(if blocked { "" } else { status_text(e.status) }),
        ),
        (
            "httpVersion",
            s(if blocked {
                ""
            } else if e.http == "h2" {
                "http/2.0"
            } else {
                "http/1.1"
            }),
        ),
        ("headers", headers_j(if blocked { &[] } else { &e.resp_h })),
        ("cookies", J::A(vec![])),
        ("content", o(content)),
        ("redirectURL", s(e.redirect.clone())),
        ("headersSize", J::I(resp_hsize)),
        (
            "bodySize",
            J::I(if blocked {
                -1
            } else if e.from_cache {
                0
            } else {
                e.body.len() as i64
            }),
        ),
        ("_transferSize", J::I(transfer)),
        ("_error", if blocked { s("net::ERR_FAILED") } else { J::N }),
    ];
    if e.from_cache {
        resp.push(("_fetchedViaServiceWorker", J::B(false)));
    }
    let (blockedq, send) = (0.9 + (conn % 5) as f64 * 0.3, 0.112);
    let timings = if blocked {
        o(vec![
            ("blocked", J::F(-1.0)),
            ("dns", J::I(-1)),
            ("ssl", J::I(-1)),
            ("connect", J::I(-1)),
            ("send", J::I(0)),
            ("wait", J::I(0)),
            ("receive", J::I(0)),
            ("_blocked_queueing", J::F(-1.0)),
        ])
    } else {
        o(vec![
            ("blocked", J::F(blockedq)),
            ("dns", J::I(-1)),
            ("ssl", J::I(-1)),
            ("connect", J::I(-1)),
            ("send", J::F(send)),
            ("wait", J::F(e.wait)),
            ("receive", J::F(e.recv)),
            ("_blocked_queueing", J::F(blockedq * 0.6)),
            ("_workerStart", J::I(-1)),
            ("_workerReady", J::I(-1)),
            ("_workerFetchStart", J::I(-1)),
            ("_workerRespondWithSettled", J::I(-1)),
        ])
    };
    let total = if blocked {
        0.0
    } else {
        blockedq + send + e.wait + e.recv
    };
    let mut f = vec![
        (
            "_initiator",
            e.initiator.clone().unwrap_or(o(vec![("type", s("other"))])),
        ),
        (
            "_priority",
            s(match e.rtype.as_str() {
                "document" | "stylesheet" => "VeryHigh",
                "script" | "fetch" | "preflight" => "High",
                _ => "Low",
            }),
        ),
        ("_resourceType", s(e.rtype.clone())),
        ("cache", J::O(vec![])),
        (
            "connection",
            s(if blocked {
                String::new()
            } else {
                conn.to_string()
            }),
        ),
        ("pageref", s(pageref)),
        ("request", o(req)),
        ("response", o(resp)),
        (
            "serverIPAddress",
            s(if blocked || e.from_cache {
                String::new()
            } else {
                e.server_ip.clone()
            }),
        ),
        ("startedDateTime", s(iso_ms(e.t))),
        ("time", J::F(total)),
        ("timings", timings),
    ];
    if e.from_cache {
        f.insert(0, ("_fromCache", s("disk")));
    }
    o(f)
}

fn render_devtools(entries: &mut [Ex]) -> String {
    let mut pages = vec![];
    let mut out = vec![];
    let mut page = String::new();
    for (i, e) in entries.iter_mut().enumerate() {
        if e.rtype == "document" {
            page = format!("page_{}", pages.len() + 1);
            let title = e
                .body
                .split("<title>")
                .nth(1)
                .and_then(|x| x.split("</title>").next())
                .unwrap_or("")
                .to_string();
            pages.push(o(vec![
                ("startedDateTime", s(iso_ms(e.t))),
                ("id", s(page.clone())),
                (
                    "title",
                    s(format!(
                        "https://app.acme.example{} — {title}",
                        e.path.split('?').next().unwrap()
                    )),
                ),
                (
                    "pageTimings",
                    o(vec![
                        ("onContentLoad", J::F(412.337 + i as f64)),
                        ("onLoad", J::F(688.904 + i as f64)),
                    ]),
                ),
            ]));
        }
        if !e.blocked {
            finish_dev_headers(e);
        }
        out.push(dev_entry(e, &page, 48_000 + (i as i64 % 6) * 17));
    }
    let har = o(vec![(
        "log",
        o(vec![
            ("version", s("1.2")),
            (
                "creator",
                o(vec![("name", s("WebInspector")), ("version", s("537.36"))]),
            ),
            ("pages", J::A(pages)),
            ("entries", J::A(out)),
        ]),
    )]);
    har.pretty()
}

fn render_proxy(entries: &[Ex]) -> String {
    let mut out = vec![];
    for e in entries {
        let qs = J::A(
            query_pairs(&e.path)
                .into_iter()
                .map(|(k, v)| o(vec![("name", s(k)), ("value", s(v))]))
                .collect(),
        );
        let mut content = vec![
            ("size", J::I(e.body.len() as i64)),
            ("mimeType", s(e.mime.clone())),
        ];
        if !e.body.is_empty() {
            if e.body_b64 {
                content.push(("text", s(B64.encode(e.body.as_bytes()))));
                content.push(("encoding", s("base64")));
            } else {
                content.push(("text", s(e.body.clone())));
            }
        }
        let total = 1.0 + e.wait + e.recv;
        let mut f = vec![
            ("startedDateTime", s(iso_local(e.t))),
            ("time", J::I(total.round() as i64)),
            (
                "request",
                o(vec![
                    ("method", s(e.method.clone())),
                    ("url", s(e.url())),
                    ("httpVersion", s("HTTP/1.1")),
                    ("cookies", J::A(vec![])),
                    ("headers", headers_j(&e.req_h)),
                    ("queryString", qs),
                    (
                        "headersSize",
                        J::I(hsize(
                            &format!("{} {} HTTP/1.1", e.method, e.path),
                            &e.req_h,
                        )),
                    ),
                    ("bodySize", J::I(0)),
                ]),
            ),
            (
                "response",
                o(vec![
                    ("_charlesStatus", s("COMPLETE")),
                    ("status", J::I(e.status)),
                    ("statusText", s(status_text(e.status))),
                    ("httpVersion", s("HTTP/1.1")),
                    ("cookies", J::A(vec![])),
                    ("headers", headers_j(&e.resp_h)),
                    ("content", o(content)),
                    ("redirectURL", s("")),
                    (
                        "headersSize",
                        J::I(hsize(
                            &format!("HTTP/1.1 {} {}", e.status, status_text(e.status)),
                            &e.resp_h,
                        )),
                    ),
                    ("bodySize", J::I(e.body.len() as i64)),
                ]),
            ),
            ("serverIPAddress", s(e.server_ip.clone())),
            ("cache", J::O(vec![])),
            (
                "timings",
                o(vec![
                    ("dns", J::I(-1)),
                    ("connect", J::I(-1)),
                    ("ssl", J::I(-1)),
                    ("send", J::I(1)),
                    ("wait", J::I(e.wait.round() as i64)),
                    ("receive", J::I(e.recv.round() as i64)),
                ]),
            ),
        ];
        if let Some(c) = &e.comment {
            f.push(("comment", s(c.clone())));
        }
        out.push(o(f));
    }
    let har = o(vec![(
        "log",
        o(vec![
            ("version", s("1.2")),
            (
                "creator",
                o(vec![("name", s("Charles Proxy")), ("version", s("5.0.1"))]),
            ),
            (
                "comment",
                s("partner-sync integration run, recorded through Charles on the build agent"),
            ),
            ("entries", J::A(out)),
        ]),
    )]);
    har.pretty()
}

// ---------------------------------------------------------------- logs that go with the HARs

fn gateway_logs(all: &[&Ex], combined: &mut String, jsonl: &mut String, app: &mut String) {
    let mut rows: Vec<&&Ex> = all.iter().filter(|e| e.gw).collect();
    rows.sort_by_key(|e| e.t);
    for e in rows {
        let done = e.t + (e.wait + e.recv) as i64;
        let rt = (e.wait + e.recv) / 1000.0;
        let local = dt(e.t + 3).format("%d/%b/%Y:%H:%M:%S +0000").to_string();
        let referer = e
            .req_h
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("referer"))
            .map_or("-".to_string(), |x| x.1.clone());
        let ua = e
            .req_h
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("user-agent"))
            .map_or("-".to_string(), |x| x.1.clone());
        let origin = e
            .req_h
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("origin"))
            .map_or(String::new(), |x| x.1.clone());
        let tp = e
            .req_h
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("traceparent"))
            .map_or(String::new(), |x| x.1.clone());
        let rid = e.rid.clone().unwrap_or_default();
        let upstream = e.app.is_some() || e.host() == "ledger.acme.example";
        let urt = if upstream {
            format!("{:.3}", rt * 0.92)
        } else {
            "-".to_string()
        };
        let bytes = e.body.len();
        let ru = if e.remote_user.is_empty() {
            "-".to_string()
        } else {
            e.remote_user.clone()
        };
        let _ = writeln!(
            combined,
            "{} - {} [{}] \"{} {} HTTP/1.1\" {} {} \"{}\" \"{}\" \"{}\" rt={:.3} urt={} rid={}",
            e.remote_ip,
            ru,
            local,
            e.method,
            e.path,
            e.status,
            bytes,
            referer,
            ua,
            e.host(),
            rt,
            urt,
            rid
        );
        let j = o(vec![
            (
                "time",
                s(dt(e.t + 3).format("%Y-%m-%dT%H:%M:%S+00:00").to_string()),
            ),
            ("request_id", s(rid.clone())),
            ("traceparent", s(tp)),
            ("remote_addr", s(e.remote_ip.clone())),
            ("remote_user", s(e.remote_user.clone())),
            ("host", s(e.host())),
            ("method", s(e.method.clone())),
            ("request_uri", s(e.path.clone())),
            ("status", J::I(e.status)),
            ("body_bytes_sent", J::I(bytes as i64)),
            ("request_time", s(format!("{rt:.3}"))),
            (
                "upstream_addr",
                s(if upstream {
                    if e.host() == "ledger.acme.example" {
                        "10.20.4.11:8080"
                    } else {
                        "10.20.3.7:3000"
                    }
                } else {
                    ""
                }),
            ),
            (
                "upstream_status",
                s(if upstream {
                    e.status.to_string()
                } else {
                    String::new()
                }),
            ),
            (
                "upstream_response_time",
                s(if upstream {
                    format!("{:.3}", rt * 0.92)
                } else {
                    String::new()
                }),
            ),
            ("http_origin", s(origin)),
            (
                "http_referer",
                s(if referer == "-" {
                    String::new()
                } else {
                    referer
                }),
            ),
            ("http_user_agent", s(ua)),
        ]);
        jsonl.push_str(&j.line());
        jsonl.push('\n');

        if let Some(a) = &e.app {
            let mut url = e.path.clone();
            for (k, v) in query_pairs(&e.path) {
                if k.contains("key") {
                    url = url.replace(&v, "[Redacted]");
                }
            }
            let mut res = vec![("statusCode", J::I(e.status))];
            if let Some(w) = &e.www {
                res.push(("www_authenticate", s(w.clone())));
            }
            let (host, pid) = if a.extra.iter().any(|(k, _)| k == "env") {
                ("orders-api-staging-5d8b7-q2xvt", 27)
            } else {
                ("orders-api-7c9f5d6b8-x2kqp", 1)
            };
            let mut f: Vec<(String, J)> = vec![
                ("level".into(), J::I(a.level)),
                ("time".into(), J::I(done - 2)),
                ("pid".into(), J::I(pid)),
                ("hostname".into(), s(host)),
                ("service".into(), s(a.service)),
                (
                    "req".into(),
                    o(vec![
                        ("id", s(rid.clone())),
                        ("method", s(e.method.clone())),
                        ("url", s(url)),
                        ("remoteAddress", s("10.20.1.4")),
                    ]),
                ),
                ("request_id".into(), s(rid.clone())),
            ];
            if let Some(t) = &e.trace {
                f.push(("trace_id".into(), s(t.clone())));
            }
            f.push(("res".into(), o(res)));
            if let Some(err) = &a.err {
                f.push(("err".into(), err.clone()));
            }
            f.push(("responseTime".into(), J::I((e.wait * 0.9) as i64)));
            for (k, v) in &a.extra {
                if k != "event" {
                    f.push((k.clone(), v.clone()));
                }
            }
            let msg = if e.status >= 400 {
                "request failed"
            } else {
                "request completed"
            };
            f.push(("msg".into(), s(msg)));
            app.push_str(&J::O(f).line());
            app.push('\n');
            if let Some((_, J::S(ev))) = a.extra.iter().find(|(k, _)| k == "event") {
                let sub = a
                    .extra
                    .iter()
                    .find(|(k, _)| k == "sub")
                    .map(|x| x.1.clone())
                    .unwrap_or(J::N);
                let ev_line = o(vec![
                    ("level", J::I(30)),
                    ("time", J::I(done - 3)),
                    ("pid", J::I(pid)),
                    ("hostname", s(host)),
                    ("service", s(a.service)),
                    ("request_id", s(rid.clone())),
                    ("sub", sub),
                    ("msg", s(ev.clone())),
                ]);
                app.push_str(&ev_line.line());
                app.push('\n');
            }
        }
    }
}

// ---------------------------------------------------------------- logs-only nightly scenario

struct NightReq {
    t: i64,
    method: &'static str,
    host: &'static str,
    path: String,
    status: i64,
    rc: String,
    rid: String,
    ip: &'static str,
    cause: Option<&'static str>,
    app_err: Option<&'static str>,
    kc: Option<(&'static str, &'static str)>,
    ngx: Option<String>,
}

fn nightly(g: &mut Gen) -> (String, String, String, String, String, Vec<NightReq>) {
    let mut reqs: Vec<NightReq> = vec![];
    let start = at(8, 0, 0);
    let end = at(14, 0, 0);
    let spike = (at(10, 40, 0), at(10, 50, 0));
    let jwks_burst = (at(12, 5, 0), at(12, 11, 0));
    let mut t = start + 4_211;
    let ips = ["10.42.3.17", "10.42.3.18", "10.42.7.40", "10.42.7.41"];
    let skus = ["ACM-1042", "ACM-2210", "ACM-3307", "ACM-4410", "ACM-5120"];
    while t < end {
        let roll = g.rng.next() % 100;
        let rid = g.uuid();
        let ip = *g.rng.pick(&ips);
        let mut r = NightReq {
            t,
            method: "GET",
            host: "inventory.acme.internal",
            path: String::new(),
            status: 200,
            rc: "via_upstream".into(),
            rid,
            ip,
            cause: None,
            app_err: None,
            kc: None,
            ngx: None,
        };
        if roll < 60 {
            r.path = format!("/v1/stock/{}", g.rng.pick(&skus));
            if g.rng.chance(0.16) {
                r.status = 401;
                r.rc = "jwt_authn_access_denied{Jwt_is_expired}".into();
                r.cause = Some("token_expired");
            }
        } else if roll < 88 {
            r.host = "billing-sync.acme.internal";
            r.method = if g.rng.chance(0.5) { "POST" } else { "GET" };
            r.path = if r.method == "POST" {
                "/api/invoices/sync".into()
            } else {
                format!("/api/invoices?since=2026-11-{:02}", g.rng.range(1, 19))
            };
            if t >= jwks_burst.0 && t < jwks_burst.1 {
                r.status = 401;
                r.app_err = Some("Jwks remote fetch is failed");
                r.cause = Some("server_misconfigured");
            }
        } else if roll < 96 {
            r.host = "auth.acme.internal";
            r.method = "POST";
            r.path = "/realms/acme/protocol/openid-connect/token".into();
        } else {
            r.host = "reports.acme.internal";
            r.path = "/reports/daily.csv".into();
        }
        reqs.push(r);
        t += g.rng.range(35_000, 85_000) as i64;
    }
    // spike: the inventory job keeps retrying with a token it never refreshed
    let mut t = spike.0 + 13_400;
    while t < spike.1 {
        let rid = g.uuid();
        reqs.push(NightReq {
            t,
            method: "GET",
            host: "inventory.acme.internal",
            path: format!("/v1/stock/{}", g.rng.pick(&skus)),
            status: 401,
            rc: "jwt_authn_access_denied{Jwt_is_expired}".into(),
            rid,
            ip: "10.42.3.17",
            cause: Some("token_expired"),
            app_err: None,
            kc: None,
            ngx: None,
        });
        t += g.rng.range(40_000, 52_000) as i64;
    }
    // jwks burst: many users, many endpoints, all rejected
    let mut t = jwks_burst.0 + 2_100;
    while t < jwks_burst.1 {
        let rid = g.uuid();
        let path = g
            .rng
            .pick(&[
                "/api/invoices/sync",
                "/api/customers/export",
                "/api/payouts?status=pending",
                "/api/invoices?since=2026-11-19",
            ])
            .to_string();
        reqs.push(NightReq {
            t,
            method: if path.ends_with("sync") {
                "POST"
            } else {
                "GET"
            },
            host: "billing-sync.acme.internal",
            path,
            status: 401,
            rc: "via_upstream".into(),
            rid,
            ip: ips[(g.rng.next() % ips.len() as u64) as usize],
            cause: Some("server_misconfigured"),
            app_err: Some("Jwks remote fetch is failed"),
            kc: None,
            ngx: None,
        });
        t += g.rng.range(9_000, 22_000) as i64;
    }
    // scheduled distinct failures
    let fixed: Vec<(i64, &str)> = vec![
        (at(8, 17, 12), "ip"),
        (at(9, 2, 40), "ip"),
        (at(13, 11, 5), "ip"),
        (at(8, 44, 1), "disabled"),
        (at(9, 58, 30), "disabled"),
        (at(12, 40, 9), "disabled"),
        (at(9, 31, 44), "revoked"),
        (at(11, 12, 3), "revoked"),
        (at(13, 36, 50), "revoked"),
        (at(8, 25, 19), "bad_basic"),
        (at(10, 5, 2), "bad_basic"),
        (at(13, 50, 41), "bad_basic"),
        (at(9, 15, 0), "app_expired"),
        (at(11, 48, 27), "app_expired"),
        (at(8, 51, 33), "kc_bad"),
        (at(11, 3, 58), "kc_bad"),
        (at(12, 52, 16), "kc_bad"),
        (at(10, 21, 7), "kc_disabled"),
        (at(12, 21, 44), "kc_disabled"),
        (at(9, 14, 22), "ngx_mismatch"),
        (at(11, 33, 8), "ngx_mismatch"),
        (at(13, 2, 51), "ngx_mismatch"),
        (at(10, 9, 30), "ngx_nouser"),
        (at(12, 31, 17), "ngx_nouser"),
        (at(9, 47, 3), "ngx_forbidden"),
        (at(8, 33, 3), "jwt_missing"),
        (at(12, 58, 40), "jwt_missing"),
        (at(11, 27, 15), "jwt_sig"),
        (at(13, 20, 2), "jwt_sig"),
    ];
    for (t, kind) in fixed {
        let rid = g.uuid();
        let mut r = NightReq {
            t: t + 317,
            method: "GET",
            host: "billing-sync.acme.internal",
            path: "/api/invoices?since=2026-11-19".into(),
            status: 401,
            rc: "via_upstream".into(),
            rid,
            ip: "10.42.7.40",
            cause: None,
            app_err: None,
            kc: None,
            ngx: None,
        };
        match kind {
            "ip" => {
                r.ip = "10.99.14.3";
                r.app_err = Some("IP address not allowed");
                r.cause = Some("ip_blocked");
            }
            "disabled" => {
                r.app_err = Some("user is disabled");
                r.cause = Some("account_disabled");
            }
            "revoked" => {
                r.method = "POST";
                r.path = "/api/invoices/sync".into();
                r.app_err = Some("token revoked");
                r.cause = Some("revoked_credentials");
            }
            "bad_basic" => {
                r.path = "/api/legacy/export".into();
                r.app_err = Some("Bad credentials");
                r.cause = Some("invalid_credentials");
            }
            "app_expired" => {
                r.app_err = Some("jwt expired");
                r.cause = Some("token_expired");
            }
            "kc_bad" | "kc_disabled" => {
                r.host = "auth.acme.internal";
                r.method = "POST";
                r.path = "/realms/acme/protocol/openid-connect/token".into();
                if kind == "kc_bad" {
                    r.kc = Some(("invalid_user_credentials", "svc-report"));
                    r.cause = Some("invalid_credentials");
                } else {
                    r.kc = Some(("user_disabled", "svc-legacy-etl"));
                    r.status = 400;
                }
            }
            "ngx_mismatch" | "ngx_nouser" | "ngx_forbidden" => {
                r.host = "reports.acme.internal";
                r.path = "/reports/daily.csv".into();
                match kind {
                    "ngx_mismatch" => {
                        r.ngx = Some("[error] user \"bob\": password mismatch".into());
                        r.cause = Some("invalid_credentials");
                    }
                    "ngx_nouser" => {
                        r.ngx = Some(
                            "[info] no user/password was provided for basic authentication".into(),
                        );
                        r.cause = Some("missing_credentials");
                    }
                    _ => {
                        r.ngx = Some("[error] access forbidden by rule".into());
                        r.ip = "10.99.14.3";
                        r.status = 403;
                    }
                }
            }
            "jwt_missing" => {
                r.host = "inventory.acme.internal";
                r.path = "/v1/stock/ACM-1042".into();
                r.rc = "jwt_authn_access_denied{Jwt_is_missing}".into();
                r.cause = Some("missing_credentials");
            }
            _ => {
                r.host = "inventory.acme.internal";
                r.path = "/v1/stock/ACM-2210".into();
                r.rc = "jwt_authn_access_denied{Jwt_verification_fails}".into();
                r.cause = Some("invalid_signature");
            }
        }
        reqs.push(r);
    }
    reqs.sort_by_key(|r| r.t);

    let mut envoy_old = String::new();
    let mut envoy = String::new();
    let mut kc = String::new();
    let mut ngx = String::new();
    let mut appl = String::new();
    let mut conn = 20_411u64;
    for r in &reqs {
        let dur = g.rng.range(2, 60);
        let upstream = r.rc == "via_upstream";
        let (cluster, uhost) = match r.host {
            "inventory.acme.internal" => (
                "outbound|8080||inventory.prod.svc.cluster.local",
                "10.42.12.9:8080",
            ),
            "billing-sync.acme.internal" => (
                "outbound|8080||billing-sync.prod.svc.cluster.local",
                "10.42.13.4:8080",
            ),
            "auth.acme.internal" => (
                "outbound|8080||keycloak.iam.svc.cluster.local",
                "10.42.20.2:8080",
            ),
            _ => (
                "outbound|80||reports-nginx.prod.svc.cluster.local",
                "10.42.14.6:80",
            ),
        };
        let bytes = if r.status == 200 {
            g.rng.range(180, 4200)
        } else if upstream {
            74
        } else {
            14
        };
        let line = format!(
            "[{}] \"{} {} HTTP/1.1\" {} - {} - \"-\" {} {} {} {} \"{}\" \"{}\" \"{}\" \"{}\" \"{}\" {} 10.42.0.5:{} 10.42.0.5:8443 {}:{} {} default\n",
            iso_ms(r.t),
            r.method,
            r.path,
            r.status,
            r.rc,
            if r.method == "POST" { 312 } else { 0 },
            bytes,
            dur,
            if upstream { (dur.saturating_sub(1)).to_string() } else { "-".into() },
            r.ip,
            if r.host == "reports.acme.internal" { "curl/8.5.0" } else { JOB_UA },
            r.rid,
            r.host,
            if upstream { uhost } else { "-" },
            if upstream { cluster } else { "-" },
            40_000 + (conn % 20_000),
            r.ip,
            51_000 + (conn % 9_000),
            r.host,
        );
        conn += 7;
        if r.t < at(10, 0, 0) {
            envoy_old.push_str(&line);
        } else {
            envoy.push_str(&line);
        }
        if r.host == "billing-sync.acme.internal" {
            let ts = (r.t + dur as i64) as f64 / 1000.0;
            let mut f = vec![
                ("level", s(if r.status == 401 { "warn" } else { "info" })),
                ("ts", J::S(String::new())),
                (
                    "caller",
                    s(if r.status == 401 {
                        "authn/middleware.go:117"
                    } else {
                        "httpx/log.go:54"
                    }),
                ),
                (
                    "msg",
                    s(if r.status == 401 {
                        "authentication failed"
                    } else {
                        "request served"
                    }),
                ),
                ("service", s("billing-sync")),
                ("request_id", s(r.rid.clone())),
                ("method", s(r.method)),
                ("path", s(r.path.clone())),
                ("remote_ip", s(r.ip)),
                ("status", J::I(r.status)),
            ];
            if let Some(e) = r.app_err {
                f.push(("error", s(e)));
            }
            f.push((
                "latency",
                s(format!("{}.{:03}ms", dur, g.rng.range(0, 999))),
            ));
            let mut line = o(f).line();
            line = line.replace("\"ts\":\"\"", &format!("\"ts\":{ts:.6}"));
            appl.push_str(&line);
            appl.push('\n');
        }
        if let Some((err, user)) = r.kc {
            let when = dt(r.t + 5).format("%Y-%m-%d %H:%M:%S,%3f").to_string();
            let user_id = if err == "user_disabled" {
                "\"3f1c9e4a-7b2d-4e8f-9a61-0c5d2b7e8f14\""
            } else {
                "\"null\""
            };
            let _ = writeln!(
                kc,
                "{when} WARN  [org.keycloak.events] (executor-thread-{}) type=\"LOGIN_ERROR\", realmId=\"9b0e6f3c-2a41-4d8e-b7f5-6c1d0a9e3b27\", realmName=\"acme\", clientId=\"nightly-sync\", userId={user_id}, sessionId=\"null\", ipAddress=\"{}\", error=\"{err}\", auth_method=\"openid-connect\", grant_type=\"password\", client_auth_method=\"client-secret\", username=\"{user}\"",
                g.rng.range(1, 24),
                r.ip
            );
        }
        if let Some(n) = &r.ngx {
            let when = dt(r.t + 2).format("%Y/%m/%d %H:%M:%S").to_string();
            let _ = writeln!(
                ngx,
                "{when} {} 29#29: *{} {}, client: {}, server: reports.acme.internal, request: \"GET {} HTTP/1.1\", host: \"reports.acme.internal\"",
                n.split(' ').next().unwrap(),
                18_000 + conn,
                n.split_once(' ').unwrap().1,
                r.ip,
                r.path
            );
        }
    }
    // bursts of key-set fetch errors (no request id) in the app log
    let mut extra = String::new();
    for i in 0..6 {
        let ts = (jwks_burst.0 + i * 60_000 + 500) as f64 / 1000.0;
        let _ = writeln!(
            extra,
            "{{\"level\":\"error\",\"ts\":{ts:.6},\"caller\":\"jwks/cache.go:88\",\"msg\":\"Jwks remote fetch is failed\",\"service\":\"billing-sync\",\"jwks_uri\":\"https://login.acme.example/.well-known/jwks.json\",\"error\":\"Get \\\"https://login.acme.example/.well-known/jwks.json\\\": dial tcp 10.40.0.12:443: i/o timeout\"}}"
        );
    }
    // merge by timestamp order
    let mut lines: Vec<(f64, String)> = appl
        .lines()
        .chain(extra.lines())
        .map(|l| {
            let ts: f64 = l
                .split("\"ts\":")
                .nth(1)
                .and_then(|x| x.split(',').next())
                .and_then(|x| x.parse().ok())
                .unwrap_or(0.0);
            (ts, l.to_string())
        })
        .collect();
    lines.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)));
    let appl: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
    (envoy_old, envoy, kc, ngx, appl, reqs)
}

// ---------------------------------------------------------------- outputs

fn label(
    case: &str,
    rid: Option<&str>,
    method: &str,
    url: &str,
    status: i64,
    cause: Option<&str>,
    in_har: bool,
) -> String {
    o(vec![
        ("case", s(case)),
        ("request_id", rid.map_or(J::N, s)),
        ("method", s(method)),
        ("url", s(url)),
        ("status", J::I(status)),
        ("cause", cause.map_or(J::N, s)),
        ("in_har", J::B(in_har)),
    ])
    .line()
}

fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

fn write(out: &Path, rel: &str, data: &[u8]) {
    let p = out.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(&p, data).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

fn self_check(prod_jwks: &J, stg_jwks: &J, prod_tok: &str, stg_tok: &str) {
    for (set, tok, aud) in [
        (prod_jwks, prod_tok, PROD_AUD),
        (stg_jwks, stg_tok, STG_AUD),
    ] {
        let v: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&set.line()).expect("jwks");
        let key = DecodingKey::from_jwk(&v.keys[0]).expect("jwk");
        let mut val = Validation::new(Algorithm::RS256);
        val.validate_exp = false;
        val.set_audience(&[aud]);
        jsonwebtoken::decode::<serde_json::Value>(tok, &key, &val)
            .expect("JWKS must verify the generated tokens");
    }
}

/// Signatures must say what the labels say: with the configured key sets,
/// every `invalid_signature` token fails and every other complete JWT verifies.
fn check_signatures(entries: &[&Ex], prod_jwks: &J, stg_jwks: &J) {
    let key = |set: &J| {
        let v: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&set.line()).expect("jwks");
        (
            v.keys[0].common.key_id.clone(),
            DecodingKey::from_jwk(&v.keys[0]).expect("jwk"),
        )
    };
    let keys = [key(prod_jwks), key(stg_jwks)];
    let mut val = Validation::new(Algorithm::RS256);
    val.validate_exp = false;
    val.validate_nbf = false;
    val.validate_aud = false;
    val.required_spec_claims.clear();
    for e in entries {
        let Some((_, auth)) = e.req_h.iter().find(|(k, _)| k == "Authorization") else {
            continue;
        };
        let Some(tok) = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("Token "))
        else {
            continue;
        };
        if tok.split('.').count() != 3 || tok.starts_with('"') {
            continue;
        }
        let kid = jsonwebtoken::decode_header(tok).ok().and_then(|h| h.kid);
        let ok = keys.iter().any(|(k, dk)| {
            *k == kid && jsonwebtoken::decode::<serde_json::Value>(tok, dk, &val).is_ok()
        });
        let want = e.cause != Some("invalid_signature");
        assert_eq!(
            ok, want,
            "{}: signature check disagrees with the label",
            e.case
        );
    }
}

fn main() {
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("samples"));
    let keys_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/keys");
    let keys = load_keys(&keys_dir);
    let mut g = Gen {
        rng: Rng(0x0A17_4E25_2026_1120),
        counter: 0,
        keys,
        cases: HashMap::new(),
        secrets: vec![],
        dev: vec![],
        proxy: vec![],
        clock: 0,
        jti_n: 0,
    };

    g.build_devtools();
    g.build_proxy();
    validate(&g.dev);
    validate(&g.proxy);
    let mut dev = std::mem::take(&mut g.dev);
    let proxy = std::mem::take(&mut g.proxy);
    let dev_har = render_devtools(&mut dev);
    let proxy_har = render_proxy(&proxy);

    let mut combined = String::new();
    let mut njson = String::new();
    let mut app = String::new();
    let all: Vec<&Ex> = dev.iter().chain(proxy.iter()).collect();
    gateway_logs(&all, &mut combined, &mut njson, &mut app);

    let (envoy_old, envoy, kc, ngx_err, applog, night) = nightly(&mut g);

    // labels
    let mut labels = String::new();
    // cause -> (HAR 401s, HAR cases, logs-only cases)
    let mut by_cause: BTreeMap<&str, (usize, Vec<String>, Vec<String>)> = BTreeMap::new();
    for e in &all {
        let _ = writeln!(
            labels,
            "{}",
            label(
                &e.case,
                e.rid.as_deref(),
                &e.method,
                &e.url(),
                e.status,
                e.cause,
                true
            )
        );
        if let Some(c) = e.cause {
            let v = by_cause.entry(c).or_default();
            v.0 += 1;
            if !v.1.contains(&e.case) {
                v.1.push(e.case.clone());
            }
        }
    }
    let mut n = 0;
    for r in &night {
        if r.status == 401 {
            n += 1;
            let case = format!("n{n:04}");
            let _ = writeln!(
                labels,
                "{}",
                label(
                    &case,
                    Some(&r.rid),
                    r.method,
                    &format!("https://{}{}", r.host, r.path),
                    401,
                    r.cause,
                    false
                )
            );
            by_cause
                .entry(r.cause.expect("every nightly 401 has a cause"))
                .or_default()
                .2
                .push(case);
        }
    }

    // env config and key sets
    let prod_jwks = jwks(&g.keys.prod_pub, PROD_KID);
    let stg_jwks = jwks(&g.keys.staging_pub, STG_KID);
    let prod_probe = g.prod("auth0|probe", "openid", at(9, 0, 0));
    let stg_probe = g.staging("auth0|probe", at(9, 0, 0));
    self_check(&prod_jwks, &stg_jwks, &prod_probe, &stg_probe);
    check_signatures(&all, &prod_jwks, &stg_jwks);
    g.secrets.retain(|x| x != &prod_probe && x != &stg_probe);

    let env_toml = format!(
        "# Environments for the bundled samples. Paths are relative to this file.\n\
         [[environment]]\nname = \"production\"\nhosts = [\"api.acme.example\", \"app.acme.example\"]\nissuers = [\"{PROD_ISS}\"]\naudiences = [\"{PROD_AUD}\"]\njwks = \"keys/prod-jwks.json\"\n\n\
         [[environment]]\nname = \"staging\"\nhosts = [\"api.staging.acme.example\"]\nissuers = [\"{STG_ISS}\"]\naudiences = [\"{STG_AUD}\"]\njwks = \"keys/staging-jwks.json\"\n"
    );

    write(&out, "devtools-shop.har", dev_har.as_bytes());
    write(&out, "proxy-partner.har", proxy_har.as_bytes());
    write(&out, "logs/gateway-nginx.log", combined.as_bytes());
    write(&out, "logs/gateway-nginx.json.log", njson.as_bytes());
    write(&out, "logs/api-app.jsonl", app.as_bytes());
    write(&out, "logs-only/envoy-access.log", envoy.as_bytes());
    write(
        &out,
        "logs-only/envoy-access.log.1.gz",
        &gzip_bytes(envoy_old.as_bytes()),
    );
    write(&out, "logs-only/keycloak-events.log", kc.as_bytes());
    write(
        &out,
        "logs-only/reports-nginx-error.log",
        ngx_err.as_bytes(),
    );
    write(&out, "logs-only/billing-sync.jsonl", applog.as_bytes());
    write(&out, "env.toml", env_toml.as_bytes());
    write(&out, "keys/prod-jwks.json", prod_jwks.pretty().as_bytes());
    write(&out, "keys/staging-jwks.json", stg_jwks.pretty().as_bytes());
    for (n, b) in &g.keys.pems {
        write(&out, &format!("keys/{n}"), b);
    }
    write(&out, "labels.jsonl", labels.as_bytes());
    let secrets: String = g.secrets.iter().map(|x| format!("{x}\n")).collect();
    write(&out, "secrets.txt", secrets.as_bytes());

    let mut table = String::new();
    for (c, (n_har, har, night)) in &by_cause {
        let night = match (night.first(), night.last()) {
            (Some(a), Some(b)) if night.len() > 3 => format!("{} ({a} … {b})", night.len()),
            _ => night.join(", "),
        };
        let _ = writeln!(table, "| `{c}` | {n_har} | {} | {night} |", har.join(", "));
    }
    write(&out, "README.md", readme(&table).as_bytes());
}

fn readme(table: &str) -> String {
    format!(
        r#"# authlens samples

Realistic, **synthetic** inputs in which every root cause of a 401 occurs. They are produced by
`examples/gen_samples.rs`, deterministically (fixed day 2026-11-20, 08:00-14:00 UTC; ids from a
counter through SHA-256; a seeded splitmix64; RS256 signatures are deterministic). Regenerate with

    cargo run --example gen-samples -- samples

and `cargo test --test samples_deterministic` fails if the committed files are stale.

## Files

| file | what it shows |
|---|---|
| `devtools-shop.har` | Chrome DevTools export (WebInspector, pages, `_initiator`, `_resourceType`, preflights, a disk-cache hit, a CORS-blocked request). SPA `app.acme.example` calls the prod API `api.acme.example` (Bearer RS256, iss `https://login.acme.example/`, aud `https://api.acme.example`) through the gateway; `X-Request-ID` or only `traceparent` on API calls. |
| `proxy-partner.har` | Charles-style export (`+02:00` times with 6-digit fractions, no pages, `_charlesStatus`, one base64 body): `X-API-Key` to `partner.acme.example` (Kong), Basic to `ledger.acme.example` (Spring), NTLM/Negotiate to `intranet.acme.example` (IIS), Bearer to `api.staging.acme.example`. |
| `logs/gateway-nginx.log` | nginx `combined` + `"$host" rt=$request_time urt=$upstream_response_time rid=$request_id` for the API, staging and ledger requests of both HARs. |
| `logs/gateway-nginx.json.log` | the same requests, `log_format escape=json`. |
| `logs/api-app.jsonl` | pino-http lines of `orders-api` (prod and staging) with `request_id`, `err.code`/`err.message` in express-jwt/jsonwebtoken wording. The gateway route `/v1/reports/` drops `Authorization` (the HAR shows it sent, the app says "No authorization token was found"). |
| `logs-only/` | nightly job, no HAR: Istio/Envoy access log (`envoy-access.log`, older part rotated to `envoy-access.log.1.gz`), Keycloak events, nginx error log of the reports host, zap JSON log of `billing-sync`. Spike: token_expired 10:40-10:50 UTC (~10x the baseline); burst of "Jwks remote fetch is failed" 12:05-12:11 UTC (server_misconfigured). |
| `env.toml`, `keys/*-jwks.json` | production and staging environments with their public key sets. |
| `keys/*.pem` | **SAMPLE ONLY** RSA key pairs (prod, staging, rogue for forgeries). Never use them for anything real. |
| `labels.jsonl` | one line per HAR request and per logs-only 401: `case`, `request_id`, `method`, `url`, `status`, `cause` (null unless 401), `in_har`. |
| `secrets.txt` | every credential value present in the inputs, one per line (for leak tests). |

Case ids: `sBBNN` devtools, `pBBNN` proxy, `nNNNN` logs-only; `s0NNN`/`p0NNN` are ordinary traffic.
Redirect follow-ups carry the original case plus `r`. CORS preflights and challenge-response legs
share the URL (and so the case) of the request they belong to; `request_id` tells them apart.

## Cause -> cases (401s)

| cause | HAR 401s | HAR cases | logs-only 401s |
|---|---|---|---|
{table}
## Notes

- `invalid_signature` in the HAR is detectable only with keys: run with `--env samples/env.toml`.
  It covers a token signed by the rogue key under the prod kid, a payload edited after signing, an
  HS256 token keyed with the prod public key, and a kid the prod JWKS does not have.
- `wrong_environment`: staging tokens (valid staging signature) to the prod API while prod tokens
  get 2xx there; prod tokens to the staging API.
- `revoked_credentials`: the token gets 200s, then `POST /v1/session/logout`, then 401 before its exp.
- `challenge_handshake`: ledger Basic challenge then success; IIS NTLM (two 401 legs) and Kerberos.
- `cached_response`: `_fromCache: "disk"`, `Age: 120`, `_transferSize: 0`; no gateway line.
- `unknown`: bare 401 with a valid token, no challenge, no body.
"#
    )
}
