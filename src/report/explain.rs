//! `authlens explain`: one request, diagnosed step by step in the order an
//! engineer debugs a 401 — what was sent, what came back, what the server
//! logged, what the token says against the server's clock, scheme against
//! challenge, proxies and redirects, then the verdict and a curl command.
//! The whole text is passed through [`terminal`] before it is printed.

use std::fmt::Write;

use crate::analysis::Finding;
use crate::credential::{Credential, SignatureCheck};
use crate::model::{RequestView, ServerEvent, Timestamp};
use crate::report::curl;
use crate::report::escape::terminal;
use crate::time::format_rfc3339;

/// What `explain` picked: a 401 finding, or a request that did not fail.
pub enum Subject<'a> {
    Finding(&'a Finding<'static>),
    /// A request that is not a 401, with the server events that share its ids.
    Request {
        request: &'a RequestView,
        events: Vec<&'a ServerEvent>,
    },
}

/// How far apart two times are, for a person: `41 min`, `2 h 5 min`, `3 d`.
pub fn human_gap(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    match s {
        0..=89 => format!("{s} s"),
        90..=7199 => format!("{} min", (s + 30) / 60),
        7200..=172_799 => {
            let m = (s + 30) / 60;
            format!("{} h {} min", m / 60, m % 60)
        }
        _ => format!("{} d", (s + 43_200) / 86_400),
    }
}

/// `2026-… (41 min before the server's Date)`.
fn claim_time(epoch: i64, reference: Option<(Timestamp, &str)>) -> String {
    let Some(t) = chrono::DateTime::from_timestamp(epoch, 0) else {
        return format!("{epoch} (not a valid time)");
    };
    let mut s = format_rfc3339(&t);
    if let Some((r, name)) = reference {
        let d = (t - r).num_seconds();
        let rel = if d == 0 {
            format!("exactly at {name}")
        } else if d < 0 {
            format!("{} before {name}", human_gap(d))
        } else {
            format!("{} after {name}", human_gap(d))
        };
        let _ = write!(s, " ({rel})");
    }
    s
}

fn describe_credential(out: &mut String, c: &Credential) {
    let _ = writeln!(
        out,
        "   - {} in the {}{}, fingerprint {}",
        c.kind,
        c.location,
        c.scheme
            .as_deref()
            .map(|s| format!(", scheme '{s}'"))
            .unwrap_or_default(),
        c.fingerprint
    );
    if c.defects.is_empty() {
        let _ = writeln!(out, "     well-formed");
    }
    for d in &c.defects {
        let _ = writeln!(out, "     defect: {d}");
    }
}

fn step(out: &mut String, n: u8, title: &str) {
    let _ = writeln!(out, "\n{n}) {title}");
}

/// `redirected_from`: an earlier request in the capture whose redirect led
/// to this one (credentials are often dropped across that hop).
pub fn render(
    subject: &Subject,
    redact_subjects: bool,
    redirected_from: Option<&RequestView>,
) -> String {
    let (request, events, finding): (Option<&RequestView>, Vec<&ServerEvent>, Option<&Finding>) =
        match subject {
            Subject::Finding(f) => (f.request.as_deref(), f.events.iter().collect(), Some(*f)),
            Subject::Request { request, events } => (Some(*request), events.clone(), None),
        };
    let mut out = String::new();
    // Title line: method, URL, status, where it came from.
    let (method, url, origin) = match (request, finding) {
        (Some(r), _) => (r.method.as_str(), r.url(), r.origin.to_string()),
        (None, Some(f)) => (&*f.method, &*f.url, f.origin.clone()),
        (None, None) => ("", "", String::new()),
    };
    let status = request
        .map(|r| r.status.to_string())
        .or_else(|| events.iter().find_map(|e| e.status).map(|s| s.to_string()))
        .unwrap_or_else(|| "?".into());
    let _ = writeln!(out, "{method} {url}");
    let _ = writeln!(out, "status {status} · {origin}");
    if let Some(t) = request
        .and_then(|r| r.time)
        .or(finding.and_then(|f| f.time))
    {
        let _ = writeln!(out, "sent at {}", format_rfc3339(&t));
    }
    if let Some(r) = request {
        let ids: Vec<&str> = r.request_ids().collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "request id(s): {}", ids.join(", "));
        }
    } else if let Some(f) = finding.filter(|f| !f.request_id.is_empty()) {
        let _ = writeln!(out, "request id: {}", f.request_id);
    }
    if finding.is_none() {
        let _ = writeln!(
            out,
            "\nThis request is not a 401 (status {status}): there is no failure to diagnose. Steps 1–4 show what was sent and seen."
        );
    }

    // 1) credential
    step(&mut out, 1, "Credential sent");
    match request {
        Some(r) if !r.credentials.is_empty() => {
            for c in &r.credentials {
                describe_credential(&mut out, c);
            }
        }
        Some(r) if r.credential_redacted => {
            let _ = writeln!(
                out,
                "   a credential header was present but its value was redacted by the exporter: the request was authenticated, how is not visible"
            );
        }
        Some(_) => {
            let _ = writeln!(
                out,
                "   none: no Authorization header, API key or session cookie"
            );
        }
        None => {
            let kind = finding.map(|f| &*f.credential).unwrap_or("");
            let _ = writeln!(
                out,
                "   no HAR entry for this request (server logs only){}",
                if kind.is_empty() {
                    String::new()
                } else {
                    format!("; the server log suggests a {kind} credential")
                }
            );
        }
    }

    // 2) challenge
    step(&mut out, 2, "Challenge returned (WWW-Authenticate)");
    let challenges = request.map(|r| r.challenges()).unwrap_or(&[]);
    if challenges.is_empty() {
        let logged: Vec<&str> = events.iter().filter_map(|e| e.www_authenticate()).collect();
        if logged.is_empty() {
            let _ = writeln!(out, "   none in the response");
        } else {
            for w in logged {
                let _ = writeln!(out, "   logged by the server: {w}");
            }
        }
    }
    for c in challenges {
        let _ = write!(out, "   - scheme {}", c.scheme);
        if let Some(e) = c.error() {
            let _ = write!(out, ", error={e}");
        }
        if let Some(d) = c.error_description() {
            let _ = write!(out, ", error_description=\"{d}\"");
        }
        for name in ["realm", "scope"] {
            if let Some(v) = c.param(name) {
                let _ = write!(out, ", {name}=\"{v}\"");
            }
        }
        let _ = writeln!(out);
    }
    if let Some(m) = request.and_then(|r| r.response_message()) {
        let _ = writeln!(out, "   response body says: \"{m}\"");
    }

    // 3) server logs
    step(&mut out, 3, "Server logs for this request");
    if events.is_empty() {
        let _ = writeln!(
            out,
            "   no server log line joined this request (no log given, or none shares its request id or method+path+time)"
        );
    }
    for e in &events {
        let at = e
            .origin
            .as_ref()
            .map(|o| o.to_string())
            .unwrap_or_else(|| "(unknown position)".into());
        let _ = write!(out, "   - {at}");
        if let Some(s) = e.status {
            let _ = write!(out, ": status {s}");
        }
        if let Some(u) = e.upstream_status {
            let _ = write!(out, " (upstream {u})");
        }
        if let Some(m) = e.message() {
            let _ = write!(out, ", message \"{m}\"");
        }
        if let Some(c) = e.code() {
            let _ = write!(out, ", code {c}");
        }
        if let Some(w) = e.www_authenticate() {
            let _ = write!(out, ", WWW-Authenticate {w}");
        }
        let _ = writeln!(out);
    }
    if let Some(f) = finding {
        if !events.is_empty() {
            let _ = writeln!(out, "   joined by {:?}", f.join);
        }
    }

    // 4) token claims
    step(&mut out, 4, "Token claims against the server's clock");
    let jwts: Vec<&Credential> = request
        .map(|r| {
            r.credentials
                .iter()
                .map(|c| &**c)
                .filter(|c| c.jwt.is_some())
                .collect()
        })
        .unwrap_or_default();
    let reference: Option<(Timestamp, &str)> = request
        .and_then(|r| r.server_date.map(|t| (t, "the server's Date")))
        .or_else(|| request.and_then(|r| r.time.map(|t| (t, "the request time"))))
        .or_else(|| {
            events
                .iter()
                .find_map(|e| e.time)
                .map(|t| (t, "the server log's time"))
        });
    if jwts.is_empty() {
        let _ = writeln!(out, "   no JWT was sent");
    }
    if let Some((t, name)) = reference.filter(|_| !jwts.is_empty()) {
        let _ = writeln!(out, "   reference: {name}, {}", format_rfc3339(&t));
    }
    for c in jwts {
        let Some(j) = &c.jwt else { continue };
        let _ = writeln!(
            out,
            "   JWT {} (alg {}{})",
            c.fingerprint,
            j.alg,
            j.kid
                .as_deref()
                .map(|k| format!(", kid {k}"))
                .unwrap_or_default()
        );
        let _ = writeln!(out, "   - iss: {}", j.iss.as_deref().unwrap_or("(none)"));
        let _ = writeln!(
            out,
            "   - aud: {}",
            if j.aud.is_empty() {
                "(none)".to_string()
            } else {
                j.aud.join(", ")
            }
        );
        if !redact_subjects {
            if let Some(sub) = &j.sub {
                let _ = writeln!(out, "   - sub: {sub}");
            }
        }
        if let Some(exp) = j.exp {
            let _ = writeln!(out, "   - exp: {}", claim_time(exp, reference));
        } else {
            let _ = writeln!(out, "   - exp: (none: the token never expires)");
        }
        if let Some(nbf) = j.nbf {
            let _ = writeln!(out, "   - nbf: {}", claim_time(nbf, reference));
        }
        if let Some(iat) = j.iat {
            let _ = writeln!(out, "   - iat: {}", claim_time(iat, reference));
        }
        if let (Some(exp), Some((t, name))) = (j.exp, reference) {
            let d = exp - t.timestamp();
            if d < 0 {
                let _ = writeln!(
                    out,
                    "   => the token had expired {} before {name}",
                    human_gap(d)
                );
            }
        }
        if let (Some(nbf), Some((t, name))) = (j.nbf, reference) {
            if nbf > t.timestamp() {
                let _ = writeln!(
                    out,
                    "   => the token is not valid until {} after {name} (clock skew?)",
                    human_gap(nbf - t.timestamp())
                );
            }
        }
        if !j.scopes.is_empty() {
            let _ = writeln!(out, "   - scopes: {}", j.scopes.join(" "));
        }
        match j.signature {
            Some(SignatureCheck::Valid) => {
                let _ = writeln!(out, "   - signature: valid against the configured keys");
            }
            Some(SignatureCheck::Invalid) => {
                let _ = writeln!(out, "   - signature: INVALID against the configured keys");
            }
            Some(SignatureCheck::UnknownKey) => {
                let _ = writeln!(out, "   - signature: kid not in the configured key set");
            }
            None => {
                let _ = writeln!(
                    out,
                    "   - signature: not checked (give --env-config with keys)"
                );
            }
        }
    }

    let Some(f) = finding else {
        return terminal(&out);
    };

    // 5) scheme vs challenge
    step(&mut out, 5, "Scheme against challenge");
    let sent = request
        .and_then(crate::classify::primary_credential)
        .and_then(|c| c.scheme.clone());
    let asked: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
    match (sent.as_deref(), asked.is_empty()) {
        (_, true) => {
            let _ = writeln!(out, "   no challenge to compare with");
        }
        (None, false) => {
            let _ = writeln!(
                out,
                "   no Authorization scheme was sent; the server asks for {}",
                asked.join(", ")
            );
        }
        (Some(s), false) => {
            if asked.iter().any(|a| a.eq_ignore_ascii_case(s)) {
                let _ = writeln!(
                    out,
                    "   sent '{s}', the server asks for {}: match",
                    asked.join(", ")
                );
            } else {
                let _ = writeln!(
                    out,
                    "   sent '{s}', the server asks for {}: MISMATCH",
                    asked.join(", ")
                );
            }
        }
    }

    // 6) proxies, caches, redirects
    step(&mut out, 6, "Proxy, cache and redirect effects");
    let mut any = false;
    if let Some(r) = request {
        if r.from_cache {
            any = true;
            let _ = writeln!(out, "   served from a cache, not the origin");
        }
        if r.is_preflight {
            any = true;
            let _ = writeln!(
                out,
                "   a CORS preflight (OPTIONS with Access-Control-Request-Method): browsers never send credentials on it"
            );
        }
        if let Some(o) = r.origin_header() {
            any = true;
            let _ = writeln!(out, "   cross-origin context: Origin {o}");
        }
        if let Some(prev) = redirected_from {
            any = true;
            let same_host = prev.host.eq_ignore_ascii_case(&r.host);
            let _ = writeln!(
                out,
                "   follows a redirect from {} {} ({}){}",
                prev.method,
                prev.url(),
                prev.origin,
                if same_host {
                    String::new()
                } else {
                    format!(
                        ": a cross-origin hop ({} → {}), across which clients drop Authorization",
                        prev.host, r.host
                    )
                }
            );
            if !prev.credentials.is_empty() && r.credentials.is_empty() {
                let _ = writeln!(
                    out,
                    "   the original request carried a credential, this follow-up carries none"
                );
            }
        }
        if let Some(to) = r.redirect_url() {
            any = true;
            let _ = writeln!(out, "   the response redirects to {to}");
        }
        let client_sent = !r.credentials.is_empty();
        let says_missing = |m: &str| {
            let m = m.to_ascii_lowercase();
            [
                "missing",
                "no token",
                "no authorization",
                "not found",
                "no credentials",
            ]
            .iter()
            .any(|k| m.contains(k))
        };
        let server_saw_none = events.iter().any(|e| e.message().is_some_and(says_missing))
            || r.response_message().is_some_and(says_missing);
        if client_sent && server_saw_none {
            any = true;
            let _ = writeln!(
                out,
                "   the client sent a credential but the server says none arrived: something in between (proxy, CDN, gateway) dropped it"
            );
        }
    }
    let redirect_evidence = f.diagnosis.evidence.iter().find(|e| e.contains("redirect"));
    if let Some(prev) = redirect_evidence.filter(|_| redirected_from.is_none()) {
        any = true;
        let _ = writeln!(out, "   {prev}");
    }
    if !any {
        let _ = writeln!(out, "   none seen");
    }

    // 7) verdict
    step(&mut out, 7, "Verdict");
    let d = &f.diagnosis;
    let _ = writeln!(
        out,
        "   cause: {} (confidence {:.2})",
        d.cause, d.confidence
    );
    if !d.secondary.is_empty() {
        let _ = writeln!(
            out,
            "   secondary: {}",
            d.secondary
                .iter()
                .map(|c| c.id())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for e in &d.evidence {
        let _ = writeln!(out, "   - {e}");
    }
    let _ = writeln!(out, "   fix: {}", d.cause.remediation());

    // 8) curl
    step(
        &mut out,
        8,
        "Reproduce with curl (set the placeholder variables first; no credential is included)",
    );
    let _ = writeln!(out, "   {}", curl::for_finding(f));
    terminal(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_read_like_a_person_says_them() {
        assert_eq!(human_gap(-2460), "41 min");
        assert_eq!(human_gap(45), "45 s");
        assert_eq!(human_gap(3 * 3600 + 5 * 60), "3 h 5 min");
        assert_eq!(human_gap(5 * 86400), "5 d");
    }
}
