//! `WWW-Authenticate` parsing per RFC 9110 §11.6.1 and RFC 6750 §3.
//!
//! One header value can hold several challenges
//! (`Negotiate, Basic realm="x", Bearer error="invalid_token"`), each a scheme
//! followed by a token68 or a comma-separated list of auth-params whose values
//! are tokens or quoted strings with backslash escapes. Producers also put
//! several challenges in separate header lines; callers pass each line here
//! and concatenate.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use serde::Serialize;

use crate::memo::{remembered, TextMemo};

/// One challenge: a scheme and its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Challenge {
    pub scheme: String,
    /// auth-params in order, names lower-cased.
    pub params: Vec<(String, String)>,
    /// A token68 instead of params (NTLM/Negotiate second leg).
    pub token68: Option<String>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// RFC 6750 `error` code (`invalid_request`, `invalid_token`, `insufficient_scope`).
    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }

    pub fn error_description(&self) -> Option<&str> {
        self.param("error_description")
    }

    pub fn scheme_is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// Schemes whose 401 is the normal first leg of a handshake.
    pub fn is_handshake_scheme(&self) -> bool {
        ["negotiate", "ntlm", "digest", "basic", "kerberos"]
            .iter()
            .any(|s| self.scheme_is(s))
    }
}

impl fmt::Display for Challenge {
    /// The compact form used in the `challenge` column: scheme and error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        if let Some(e) = self.error() {
            write!(f, " error={e}")?;
        }
        Ok(())
    }
}

/// Challenges as the `challenge` column shows them: each one's compact
/// form, `, `-separated, written into one string.
pub fn column_text(challenges: &[Challenge]) -> String {
    use fmt::Write as _;
    let mut out = String::new();
    for (i, c) in challenges.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{c}");
    }
    out
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl<'a> Cursor<'a> {
    fn skip_ows(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] == b' ' || self.s[self.i] == b'\t') {
            self.i += 1;
        }
    }
    fn skip_commas(&mut self) {
        loop {
            self.skip_ows();
            if self.peek() == Some(b',') {
                self.i += 1;
            } else {
                break;
            }
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn token(&mut self) -> &'a str {
        let start = self.i;
        while self.i < self.s.len() && is_tchar(self.s[self.i]) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }
    fn quoted(&mut self) -> String {
        // Opening quote already seen at self.i.
        self.i += 1;
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.i += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.i += 1;
                    }
                }
                _ => out.push(b),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    /// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    fn token68_ahead(&self) -> Option<usize> {
        let mut j = self.i;
        while j < self.s.len()
            && (self.s[j].is_ascii_alphanumeric() || b"-._~+/".contains(&self.s[j]))
        {
            j += 1;
        }
        if j == self.i {
            return None;
        }
        while j < self.s.len() && self.s[j] == b'=' {
            j += 1;
        }
        let mut k = j;
        while k < self.s.len() && (self.s[k] == b' ' || self.s[k] == b'\t') {
            k += 1;
        }
        // A token68 ends the challenge: next is a comma or the end.
        if k == self.s.len() || self.s[k] == b',' {
            // but `name=value` also looks like this when value is a token:
            // token68 only when there was no '=' in the middle followed by more.
            Some(j)
        } else {
            None
        }
    }
}

/// Parse one `WWW-Authenticate` header value into its challenges. Lenient:
/// anything unparseable is skipped rather than rejected.
pub fn parse_www_authenticate(value: &str) -> Vec<Challenge> {
    let mut c = Cursor {
        s: value.as_bytes(),
        i: 0,
    };
    let mut out: Vec<Challenge> = Vec::new();
    loop {
        c.skip_commas();
        if c.peek().is_none() {
            break;
        }
        let scheme = c.token();
        if scheme.is_empty() {
            // Garbage: skip one byte and go on.
            c.i += 1;
            continue;
        }
        let mut challenge = Challenge {
            scheme: scheme.to_string(),
            params: Vec::new(),
            token68: None,
        };
        c.skip_ows();
        // Either token68, or auth-params, or nothing.
        let save = c.i;
        let first_name = c.token();
        c.skip_ows();
        let is_param = !first_name.is_empty() && c.peek() == Some(b'=') && {
            // `abc=` or `abc==` ending the challenge is token68 padding, not a param.
            let mut j = c.i + 1;
            while j < c.s.len() && (c.s[j] == b' ' || c.s[j] == b'\t') {
                j += 1;
            }
            !matches!(c.s.get(j), None | Some(b'=') | Some(b','))
        };
        c.i = save;
        if !is_param {
            if let Some(end) = c.token68_ahead() {
                challenge.token68 = Some(String::from_utf8_lossy(&c.s[c.i..end]).into_owned());
                c.i = end;
            }
            out.push(challenge);
            continue;
        }
        // auth-params until a token that is not followed by '=' (next scheme).
        loop {
            c.skip_commas();
            let save = c.i;
            let name = c.token();
            c.skip_ows();
            if name.is_empty() || c.peek() != Some(b'=') {
                c.i = save;
                break;
            }
            c.i += 1;
            c.skip_ows();
            let val = if c.peek() == Some(b'"') {
                c.quoted()
            } else {
                c.token().to_string()
            };
            challenge.params.push((name.to_ascii_lowercase(), val));
        }
        out.push(challenge);
    }
    out
}

/// [`parse_www_authenticate`] remembered per thread. A logged 401 has its
/// header read three times in a row (signals, statements, the row's
/// `challenge` cell), and a night of logs repeats the same few headers:
/// parsing them (an allocation per parameter) was 5 % of a JSON-lines run.
pub fn parse_www_authenticate_cached(value: &str) -> Rc<[Challenge]> {
    thread_local! {
        static PARSED: RefCell<TextMemo<Rc<[Challenge]>>> = RefCell::new(TextMemo::new(256));
    }
    remembered(&PARSED, value, |v| Rc::from(parse_www_authenticate(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_text_lists_each_scheme_with_its_error() {
        let all = parse_www_authenticate(
            r#"Bearer realm="api", error="invalid_token", Basic realm="x", Negotiate"#,
        );
        assert_eq!(
            column_text(&all),
            "Bearer error=invalid_token, Basic, Negotiate"
        );
        assert_eq!(column_text(&all[..1]), "Bearer error=invalid_token");
        assert_eq!(column_text(&[]), "");
    }

    #[test]
    fn bearer_with_rfc6750_error_and_escaped_quote() {
        let c = parse_www_authenticate(
            r#"Bearer realm="api \"v2\"", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "Bearer");
        assert_eq!(c[0].param("realm"), Some("api \"v2\""));
        assert_eq!(c[0].error(), Some("invalid_token"));
        assert_eq!(c[0].error_description(), Some("The access token expired"));
    }

    #[test]
    fn several_challenges_in_one_value() {
        let c = parse_www_authenticate(r#"Negotiate, NTLM, Basic realm="corp", charset="UTF-8""#);
        let schemes: Vec<_> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Negotiate", "NTLM", "Basic"]);
        assert_eq!(c[2].param("charset"), Some("UTF-8"));
    }

    #[test]
    fn token68_second_leg() {
        let c = parse_www_authenticate("NTLM TlRMTVNTUAACAAAADAAMADgAAAA=, Basic realm=x");
        assert_eq!(
            c[0].token68.as_deref(),
            Some("TlRMTVNTUAACAAAADAAMADgAAAA=")
        );
        assert_eq!(c[1].scheme, "Basic");
        assert_eq!(c[1].param("realm"), Some("x"));
    }

    #[test]
    fn unquoted_params_and_bare_scheme() {
        let c = parse_www_authenticate("Bearer error=insufficient_scope, scope=\"a b\"");
        assert_eq!(c[0].error(), Some("insufficient_scope"));
        assert_eq!(c[0].param("scope"), Some("a b"));
        assert_eq!(parse_www_authenticate("Bearer")[0].params.len(), 0);
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "",
            ",,,",
            "=\"",
            "\"unterminated",
            "Bearer realm=\"x",
            "Basic =====",
        ] {
            let _ = parse_www_authenticate(s);
        }
    }

    /// The cached parse equals a fresh one, whether the value was seen last,
    /// a few values ago, or long enough ago to be forgotten.
    #[test]
    fn cached_parse_equals_a_fresh_one() {
        let values: Vec<String> = (0..20)
            .map(|i| {
                format!("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"n{i}\"")
            })
            .chain([
                "Negotiate".to_string(),
                "Basic realm=x, Bearer".to_string(),
                String::new(),
            ])
            .collect();
        for round in 0..2 {
            for v in values.iter().chain(values.iter().rev()) {
                assert_eq!(
                    &*parse_www_authenticate_cached(v),
                    &parse_www_authenticate(v)[..],
                    "round {round}: {v}"
                );
            }
        }
    }
}
