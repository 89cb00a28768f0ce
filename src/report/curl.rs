//! A redacted `curl` command that reproduces one request (report.md and
//! `explain`).
//!
//! The credential is never in it: each one is replaced by a shell variable
//! the reader sets first (`$TOKEN`, `$USER:$PASSWORD`, `$API_KEY`,
//! `$SESSION`), and query values that were masked on input
//! (`[redacted:…]`) become the same placeholders. Every word is quoted for
//! a POSIX shell: literal text in single quotes, placeholders in double
//! quotes so that they expand, and nothing else can.

use crate::analysis::Finding;
use crate::classify::primary_credential;
use crate::credential::{is_key_query_param, Credential, CredentialKind, Defect, Location};
use crate::model::RequestView;

/// Piece of a shell word: literal text, or a variable to expand.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Var(&'static str),
}

fn lit(s: impl Into<String>) -> Part {
    Part::Lit(s.into())
}

/// Characters that keep their meaning inside double quotes (or trigger
/// history expansion), so a literal holding one cannot be double-quoted.
fn double_quote_safe(s: &str) -> bool {
    !s.contains(['$', '`', '"', '\\', '!'])
}

/// A word no shell treats specially: left unquoted (`-H`, `-X`, `POST`).
fn is_plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | ',' | '+' | '%')
        })
}

fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One shell word. Literal-only words are single-quoted; words with
/// variables are double-quoted when that is safe (it reads better:
/// `"Authorization: Bearer $TOKEN"`), else built from single-quoted
/// literals and double-quoted variables.
fn shell_word(parts: &[Part]) -> String {
    let has_var = parts.iter().any(|p| matches!(p, Part::Var(_)));
    if !has_var {
        let s: String = parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.as_str(),
                Part::Var(_) => "",
            })
            .collect();
        return if is_plain(&s) { s } else { single_quote(&s) };
    }
    let all_safe = parts.iter().all(|p| match p {
        Part::Lit(s) => double_quote_safe(s),
        Part::Var(_) => true,
    });
    let mut out = String::new();
    if all_safe {
        out.push('"');
        for (i, p) in parts.iter().enumerate() {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Var(v) => {
                    // `${V}` when the next character would extend the name.
                    let next_is_ident = matches!(parts.get(i + 1), Some(Part::Lit(s))
                        if s.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
                    if next_is_ident {
                        out.push_str(&format!("${{{v}}}"));
                    } else {
                        out.push('$');
                        out.push_str(v);
                    }
                }
            }
        }
        out.push('"');
    } else {
        for p in parts {
            match p {
                Part::Lit(s) if s.is_empty() => {}
                Part::Lit(s) => out.push_str(&single_quote(s)),
                Part::Var(v) => out.push_str(&format!("\"${{{v}}}\"")),
            }
        }
    }
    out
}

/// The placeholder for a masked query value, by parameter name.
fn query_placeholder(name: &str) -> &'static str {
    let n = name.to_ascii_lowercase();
    if is_key_query_param(&n) && !n.contains("token") {
        "API_KEY"
    } else if n.contains("token") {
        "TOKEN"
    } else if n.contains("pass") || n == "pwd" {
        "PASSWORD"
    } else {
        "SECRET"
    }
}

/// Split a masked URL into parts, turning every `[redacted:…]` value into
/// a placeholder variable.
fn url_parts(url: &str) -> Vec<Part> {
    let (base, fragment) = match url.find('#') {
        Some(i) => (&url[..i], Some(&url[i..])),
        None => (url, None),
    };
    let mut parts = Vec::new();
    match base.split_once('?') {
        None => parts.extend(redact_free_text(base, "SECRET")),
        Some((path, query)) => {
            parts.extend(redact_free_text(path, "SECRET"));
            parts.push(lit("?"));
            for (i, pair) in query.split('&').enumerate() {
                if i > 0 {
                    parts.push(lit("&"));
                }
                match pair.split_once('=') {
                    Some((name, value)) if value.contains("[redacted:") => {
                        parts.push(lit(format!("{name}=")));
                        parts.push(Part::Var(query_placeholder(name)));
                    }
                    _ => parts.extend(redact_free_text(pair, "SECRET")),
                }
            }
        }
    }
    if let Some(f) = fragment {
        parts.extend(redact_free_text(f, "SECRET"));
    }
    merge(parts)
}

/// Replace any `[redacted:…]` span left in free text by a variable.
fn redact_free_text(s: &str, var: &'static str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("[redacted:") {
        out.push(lit(&rest[..i]));
        out.push(Part::Var(var));
        rest = match rest[i..].find(']') {
            Some(j) => &rest[i + j + 1..],
            None => "",
        };
    }
    out.push(lit(rest));
    out
}

/// Join adjacent literals; drop empty ones.
fn merge(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for p in parts {
        match (out.last_mut(), p) {
            (_, Part::Lit(s)) if s.is_empty() => {}
            (Some(Part::Lit(prev)), Part::Lit(s)) => prev.push_str(&s),
            (_, p) => out.push(p),
        }
    }
    out
}

/// The curl arguments that send `c` the way it was sent, with a placeholder
/// for the secret. A defect that is not a secret (an empty value, the
/// placeholder `undefined`) is reproduced as it was, since it is the bug.
fn credential_args(c: &Credential) -> Vec<Vec<Part>> {
    let scheme = c.scheme.as_deref().unwrap_or_default().to_string();
    let header = |name: &str, value: Vec<Part>| {
        let mut v = vec![lit(format!("{name}: "))];
        v.extend(value);
        vec![vec![lit("-H")], merge(v)]
    };
    let reproduced_value = c.defects.iter().find_map(|d| match d {
        Defect::EmptyValue => Some(String::new()),
        Defect::Placeholder(p) => Some(p.clone()),
        _ => None,
    });
    if let (Location::Authorization, Some(value)) = (&c.location, &reproduced_value) {
        let v = if scheme.is_empty() {
            value.clone()
        } else if value.is_empty() {
            scheme.clone()
        } else {
            format!("{scheme} {value}")
        };
        return header("Authorization", vec![lit(v)]);
    }
    match (&c.kind, &c.location) {
        (CredentialKind::Basic, _) => vec![
            vec![lit("-u")],
            vec![Part::Var("USER"), lit(":"), Part::Var("PASSWORD")],
        ],
        (CredentialKind::Digest, _) => vec![
            vec![lit("--digest")],
            vec![lit("-u")],
            vec![Part::Var("USER"), lit(":"), Part::Var("PASSWORD")],
        ],
        (CredentialKind::Ntlm, _) => vec![
            vec![lit("--ntlm")],
            vec![lit("-u")],
            vec![Part::Var("USER"), lit(":"), Part::Var("PASSWORD")],
        ],
        (CredentialKind::Negotiate, _) => {
            vec![vec![lit("--negotiate")], vec![lit("-u")], vec![lit(":")]]
        }
        (CredentialKind::BareToken, _) => header("Authorization", vec![Part::Var("TOKEN")]),
        (CredentialKind::ApiKeyHeader, Location::Header(name)) => {
            header(name, vec![Part::Var("API_KEY")])
        }
        // Query keys are placeholders in the URL already.
        (CredentialKind::ApiKeyQuery, _) => Vec::new(),
        (CredentialKind::Cookie, Location::Cookie(name)) => vec![
            vec![lit("-b")],
            vec![lit(format!("{name}=")), Part::Var("SESSION")],
        ],
        (_, Location::Authorization) => {
            let s = if scheme.is_empty() {
                "Bearer".to_string()
            } else {
                scheme
            };
            header(
                "Authorization",
                vec![lit(format!("{s} ")), Part::Var("TOKEN")],
            )
        }
        (_, Location::Header(name)) => header(name, vec![Part::Var("TOKEN")]),
        (_, Location::Cookie(name)) => vec![
            vec![lit("-b")],
            vec![lit(format!("{name}=")), Part::Var("SESSION")],
        ],
        (_, Location::Query(_)) => Vec::new(),
    }
}

fn render(method: &str, url: &str, extra: Vec<Vec<Part>>) -> String {
    let mut words: Vec<String> = vec!["curl".into(), "-sS".into(), "-i".into()];
    // `[` and `{` in a URL are curl globs; the masked URL may hold them.
    if url.contains(['[', ']', '{', '}']) && !url.contains("[redacted:") {
        words.push("-g".into());
    }
    let method = if method.is_empty() { "GET" } else { method };
    if method != "GET" {
        words.push("-X".into());
        words.push(shell_word(&[lit(method)]));
    }
    for w in extra {
        words.push(shell_word(&w));
    }
    words.push(shell_word(&url_parts(url)));
    words.join(" ")
}

/// The command for a request seen in a HAR.
pub fn for_request(r: &RequestView) -> String {
    let mut extra = Vec::new();
    // Only the credential the classification looked at, plus the other
    // headers/cookies that carry credentials (they change the answer).
    let primary = primary_credential(r);
    for c in primary.into_iter().chain(
        r.credentials
            .iter()
            .map(|c| &**c)
            .filter(|c| Some(*c) != primary && !matches!(c.location, Location::Query(_))),
    ) {
        extra.extend(credential_args(c));
    }
    if r.credential_redacted && r.credentials.is_empty() {
        extra.push(vec![lit("-H")]);
        extra.push(vec![lit("Authorization: "), Part::Var("CREDENTIAL")]);
    }
    if let Some(o) = r.origin_header() {
        extra.push(vec![lit("-H")]);
        extra.push(vec![lit(format!("Origin: {o}"))]);
    }
    if r.is_preflight {
        extra.push(vec![lit("-H")]);
        extra.push(vec![lit("Access-Control-Request-Method: GET")]);
    }
    render(&r.method, &crate::report::escape::url_text(r.url()), extra)
}

/// The command for a finding: from its HAR request when there is one, else
/// from what the server logged.
pub fn for_finding(f: &Finding) -> String {
    if let Some(r) = &f.request {
        return for_request(r);
    }
    let mut extra = Vec::new();
    if f.credential == "basic" {
        extra.push(vec![lit("-u")]);
        extra.push(vec![Part::Var("USER"), lit(":"), Part::Var("PASSWORD")]);
    }
    render(&f.method, &crate::report::escape::url_text(&f.url), extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::{api_key_header, parse_authorization, session_cookie};

    #[test]
    fn literal_words_are_single_quoted() {
        assert_eq!(shell_word(&[lit("it's")]), r"'it'\''s'");
        assert_eq!(shell_word(&[lit("-H")]), "-H");
        assert_eq!(shell_word(&[lit("a b")]), "'a b'");
    }

    #[test]
    fn placeholders_expand_and_nothing_else_does() {
        assert_eq!(
            shell_word(&[lit("Authorization: Bearer "), Part::Var("TOKEN")]),
            "\"Authorization: Bearer $TOKEN\""
        );
        assert_eq!(
            shell_word(&[lit("a$(id)`x`="), Part::Var("API_KEY")]),
            "'a$(id)`x`='\"${API_KEY}\""
        );
        assert_eq!(
            shell_word(&[Part::Var("USER"), lit(":"), Part::Var("PASSWORD")]),
            "\"$USER:$PASSWORD\""
        );
        assert_eq!(
            shell_word(&[lit("k="), Part::Var("API_KEY"), lit("x")]),
            "\"k=${API_KEY}x\""
        );
    }

    #[test]
    fn masked_query_values_become_placeholders() {
        let url = "https://h.example/v2/s?page=1&api_key=[redacted:60d0605d4082]&case=p1401";
        let cmd = render("GET", url, Vec::new());
        assert_eq!(
            cmd,
            "curl -sS -i \"https://h.example/v2/s?page=1&api_key=$API_KEY&case=p1401\""
        );
        let cmd = render(
            "GET",
            "https://h/x?access_token=[redacted:aa]#f",
            Vec::new(),
        );
        assert!(cmd.contains("access_token=$TOKEN#f"), "{cmd}");
    }

    #[test]
    fn credentials_become_placeholders() {
        let bearer = parse_authorization("Bearer abc.def.ghi-secret");
        let cmd = render("POST", "https://h/x", credential_args(&bearer));
        assert!(cmd.contains("-X POST"), "{cmd}");
        assert!(cmd.contains("$TOKEN"), "{cmd}");
        assert!(!cmd.contains("secret"), "{cmd}");
        let basic = parse_authorization("Basic dXNlcjpwYXNz");
        let cmd = render("GET", "https://h/x", credential_args(&basic));
        assert!(cmd.contains("-u \"$USER:$PASSWORD\""), "{cmd}");
        let key = api_key_header("x-api-key", "pk_live_abcdef123456");
        let cmd = render("GET", "https://h/x", credential_args(&key));
        assert!(cmd.contains("-H \"x-api-key: $API_KEY\""), "{cmd}");
        let cookie = session_cookie("sid", "s%3Aabcdef");
        let cmd = render("GET", "https://h/x", credential_args(&cookie));
        assert!(cmd.contains("-b \"sid=$SESSION\""), "{cmd}");
    }

    #[test]
    fn a_placeholder_defect_is_reproduced_as_sent() {
        let c = parse_authorization("Bearer undefined");
        let cmd = render("GET", "https://h/x", credential_args(&c));
        assert!(
            cmd.contains("-H 'Authorization: Bearer undefined'"),
            "{cmd}"
        );
    }

    #[test]
    fn urls_cannot_break_out_of_quotes() {
        let cmd = render("GET", "https://h/x?q=';rm -rf /;'", Vec::new());
        assert!(
            cmd.ends_with(r"'https://h/x?q='\'';rm -rf /;'\'''"),
            "{cmd}"
        );
    }
}
