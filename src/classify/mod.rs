//! Classification: one correlated request in, a cause with evidence out.
//!
//! [`classify`] is a pure function of one [`Case`], the records it points
//! into, and the capture-wide [`CaptureContext`]. It gathers client-side
//! signals (what the HAR shows was sent and answered) and the server's own
//! statements (log messages, codes, the challenge's `error_description`, the
//! 401 body) matched against the message [`catalog`], then decides per
//! CAUSES.md: the server's statement wins on what it saw, a contradiction
//! between the views is itself a diagnosis, and among client-side signals the
//! earlier defect in the request's life wins.

pub mod catalog;
pub mod cause;
pub mod context;

use std::cell::LazyCell;

use chrono::Duration;
use smallvec::SmallVec;

pub use catalog::{Catalog, CatalogMatch, Verdict};
pub use cause::Cause;
pub use context::CaptureContext;

use crate::challenge::{parse_www_authenticate_cached, Challenge};
use crate::correlate::{path_and_query, Case, Join};
use crate::credential::{Credential, CredentialKind, Defect, Location, SignatureCheck};
use crate::envconfig::EnvConfig;
use crate::model::{Origin, RequestView, ServerEvent, Timestamp};
use crate::strpair::StrPair;

/// How much a signal alone is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    Weak,
    Medium,
    Strong,
}

impl Strength {
    fn confidence(self) -> f64 {
        match self {
            Strength::Weak => 0.4,
            Strength::Medium => 0.7,
            Strength::Strong => 0.9,
        }
    }
}

/// One piece of client-side evidence pointing at a cause.
#[derive(Debug, Clone)]
pub struct Signal {
    pub cause: Cause,
    pub strength: Strength,
    pub evidence: String,
}

/// What the server said about the request, read through the catalog.
#[derive(Debug, Clone)]
pub struct Statement {
    pub verdict: StatementVerdict,
    pub evidence: String,
    /// Said in a server log (rather than in the HAR's response).
    pub from_log: bool,
}

impl Statement {
    /// A catalog match as evidence: `what`, joined, introduces the quoted
    /// words. (Evidence is put together by `concat`, one copy into a
    /// string of the right size: `format!` took 2 % of a JSON log's run.)
    fn of(m: &catalog::CatalogMatch<'_>, what: &[&str], from_log: bool) -> Statement {
        let mut parts: SmallVec<[&str; 10]> = what.iter().copied().collect();
        parts.extend([" '", &m.matched, "' (", &m.rule.stack, ")"]);
        Statement {
            verdict: verdict_of(&m.rule.verdict),
            evidence: parts.concat(),
            from_log,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementVerdict {
    Cause(Cause),
    Ambiguous(Vec<Cause>),
    Generic,
}

/// The decision for one 401.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub cause: Cause,
    pub secondary: Vec<Cause>,
    pub confidence: f64,
    pub evidence: Vec<String>,
}

/// Everything a classification reads besides the case itself.
pub struct Classifier<'a> {
    pub requests: &'a [RequestView],
    pub events: &'a [ServerEvent],
    pub context: &'a CaptureContext<'a>,
    pub catalog: &'a Catalog,
    pub env: Option<&'a EnvConfig>,
}

/// Seconds of clock leeway before a token counts as not yet valid or
/// expired: jsonwebtoken and most stacks default to 0, a second absorbs the
/// HAR's start time preceding the server's `Date`.
const LEEWAY_SECS: i64 = 1;

/// Window in which a retry with credentials completes a handshake (the
/// log reader follows a 401 this long for its retry).
pub(crate) const HANDSHAKE_WINDOW_SECS: i64 = 30;

/// Environment words found in issuer/audience/host names.
const ENV_LABELS: &[&str] = &[
    "staging",
    "stage",
    "stg",
    "dev",
    "development",
    "test",
    "testing",
    "qa",
    "uat",
    "sandbox",
    "preprod",
    "preview",
    "local",
    "localhost",
    "demo",
    "int",
    "integration",
];

impl<'a> Classifier<'a> {
    /// The 401 status of a case, or None when the case is not a 401.
    pub fn is_401(&self, case: &Case) -> bool {
        match case.client {
            Some(ri) => self.requests[ri].status == 401,
            None => case
                .server
                .iter()
                .any(|&e| self.events[e].status == Some(401)),
        }
    }

    pub fn classify(&self, case: &Case) -> Diagnosis {
        let client = case.client.map(|i| &self.requests[i]);
        let mut signals = match client {
            Some(r) => self.client_signals(r, case.client.unwrap_or(0)),
            None => self.log_only_signals(case),
        };
        signals.sort_by_key(|s| (s.cause.precedence(), std::cmp::Reverse(s.strength)));
        let statements = self.statements(client, case);
        let mut d = decide(client, &signals, &statements);
        if case.join == Join::Fallback {
            d.confidence -= 0.05;
            d.evidence.push(
                "client and server views joined by method, path and time (no shared request id)"
                    .into(),
            );
        }
        d.confidence = (d.confidence.clamp(0.05, 0.99) * 100.0).round() / 100.0;
        d
    }

    fn client_signals(&self, r: &RequestView, index: usize) -> Vec<Signal> {
        let mut out = Vec::new();
        let mut push = |cause, strength, evidence: String| {
            out.push(Signal {
                cause,
                strength,
                evidence,
            })
        };
        if r.is_preflight {
            push(
                Cause::CorsPreflight,
                Strength::Strong,
                "OPTIONS request with Access-Control-Request-Method (a CORS preflight) was answered 401; browsers never send credentials on a preflight".into(),
            );
        }
        if r.from_cache {
            push(
                Cause::CachedResponse,
                Strength::Strong,
                "the 401 was served from the browser cache (cache markers in the HAR), not by the origin".into(),
            );
        }
        // Handshake: a challenge for a connection-/challenge-based scheme
        // followed by the same URL succeeding with credentials.
        if r.challenges().iter().any(Challenge::is_handshake_scheme) {
            if let Some(later) = self.later_success_with_credentials(r, index) {
                let schemes: Vec<&str> = r.challenges().iter().map(|c| c.scheme.as_str()).collect();
                push(
                    Cause::ChallengeHandshake,
                    Strength::Strong,
                    format!(
                        "{} challenge answered: the same URL succeeded with credentials ({}) right after",
                        schemes.join("/"),
                        later
                    ),
                );
            }
        }
        if r.credentials
            .iter()
            .any(|c| matches!(c.kind, CredentialKind::Ntlm | CredentialKind::Negotiate))
            && r.challenges().iter().any(|c| c.token68.is_some())
        {
            push(
                Cause::ChallengeHandshake,
                Strength::Strong,
                "NTLM/Negotiate leg: the server answered the client's token with its own challenge token".into(),
            );
        }

        let auth = r.credentials.iter().find(|c| c.kind.is_authorization());
        // Redirect that lost Authorization.
        if auth.is_none() {
            if let Some(prev) = self.stripping_redirect(r, index) {
                push(Cause::HeaderStripped, Strength::Strong, prev);
            }
        }

        if r.credentials.is_empty() && !r.credential_redacted {
            let sanitized = self.context.sanitized_files.contains(&r.origin.file);
            if sanitized {
                push(
                    Cause::MissingCredentials,
                    Strength::Weak,
                    "no credential in the request, but the capture looks sanitized (no Authorization or Cookie anywhere), so it may have been removed on export".into(),
                );
            } else {
                let cookie_note = if r.sent_cookies {
                    " (cookies were sent, none looks like a session)"
                } else {
                    ""
                };
                push(
                    Cause::MissingCredentials,
                    Strength::Strong,
                    format!(
                        "no Authorization header, API key or session cookie was sent{cookie_note}"
                    ),
                );
            }
        }
        if r.credential_redacted && r.credentials.is_empty() {
            push(
                Cause::Unknown,
                Strength::Weak,
                "the credential was redacted in this capture; it cannot be inspected".into(),
            );
        }

        let misplaced = self.misplaced_key(r);
        if let Some(ev) = &misplaced {
            push(Cause::ApiKeyMisplaced, Strength::Strong, ev.clone());
        }

        if let Some(c) = auth {
            self.authorization_signals(r, c, misplaced.is_some(), &mut push);
        } else if misplaced.is_none() {
            // Only API keys / cookies: unknown keys never accepted anywhere.
            if let Some(c) = r.credentials.first() {
                self.invalid_credential_signal(r, c, &mut push);
            }
        }

        // Scope: RFC 6750 insufficient_scope, or a challenge scope the token lacks.
        for ch in r.challenges() {
            if ch.error() == Some("insufficient_scope") {
                push(
                    Cause::InsufficientScope,
                    Strength::Strong,
                    format!(
                        "challenge says error=\"insufficient_scope\"{}",
                        ch.param("scope")
                            .map(|s| format!(" (scope \"{s}\" required)"))
                            .unwrap_or_default()
                    ),
                );
            }
            if let (Some(required), Some(jwt)) =
                (ch.param("scope"), auth.and_then(|c| c.jwt.as_ref()))
            {
                let missing: Vec<&str> = required
                    .split_whitespace()
                    .filter(|s| !jwt.scopes.iter().any(|t| t == s))
                    .collect();
                if !missing.is_empty() && !jwt.scopes.is_empty() {
                    push(
                        Cause::InsufficientScope,
                        Strength::Strong,
                        format!(
                            "token scopes [{}] lack the challenge's required scope {}",
                            jwt.scopes.join(" "),
                            missing.join(" ")
                        ),
                    );
                }
            }
        }
        out
    }

    fn authorization_signals(
        &self,
        r: &RequestView,
        c: &Credential,
        key_misplaced: bool,
        push: &mut dyn FnMut(Cause, Strength, String),
    ) {
        let scheme = c.scheme.clone().unwrap_or_default();
        let structural: Vec<&Defect> = c
            .defects
            .iter()
            .filter(|d| **d != Defect::MissingScheme)
            .collect();
        if c.defects.contains(&Defect::MissingScheme) && !key_misplaced {
            push(
                Cause::MalformedCredentials,
                Strength::Strong,
                "the Authorization value has no scheme word (a bare token instead of 'Bearer <token>')".into(),
            );
        }
        if !structural.is_empty() && !key_misplaced {
            let list: Vec<String> = structural.iter().map(|d| d.to_string()).collect();
            push(
                Cause::MalformedCredentials,
                Strength::Strong,
                format!("{} credential is malformed: {}", c.kind, list.join(", ")),
            );
        }
        // Scheme against the challenge, else against what the host accepts.
        if !scheme.is_empty() && !key_misplaced {
            let challenge_schemes: Vec<&str> =
                r.challenges().iter().map(|ch| ch.scheme.as_str()).collect();
            if !challenge_schemes.is_empty() {
                if !challenge_schemes
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&scheme))
                {
                    push(
                        Cause::WrongScheme,
                        Strength::Strong,
                        format!(
                            "sent scheme '{}' but the challenge asks for {}",
                            scheme,
                            challenge_schemes.join(", ")
                        ),
                    );
                }
            } else if let Some(accepted) = self.context.accepted_schemes.get(&*r.host) {
                if !accepted.contains(&scheme.to_ascii_lowercase()) {
                    let mut list: Vec<&String> = accepted.iter().collect();
                    list.sort();
                    push(
                        Cause::WrongScheme,
                        Strength::Medium,
                        format!(
                            "sent scheme '{}' but successful requests to {} use {}",
                            scheme,
                            r.host,
                            list.iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
        if key_misplaced {
            return;
        }
        let Some(jwt) = &c.jwt else {
            if c.defects.is_empty() {
                self.invalid_credential_signal(r, c, push);
                self.revoked_signal(r, c, push);
            }
            return;
        };
        // Environment: configured, else what the capture shows the host accepts.
        let mut env_flagged = false;
        if let Some(env) = self.env.and_then(|e| e.for_host(&r.host)) {
            if let Some(iss) = &jwt.iss {
                if !env.accepts_issuer(iss) {
                    let other = self
                        .env
                        .and_then(|e| e.for_issuer(iss))
                        .map(|e| format!(" (it is {}'s issuer)", e.name))
                        .unwrap_or_default();
                    push(
                        Cause::WrongEnvironment,
                        Strength::Strong,
                        format!(
                            "JWT iss '{iss}' is not accepted by environment '{}' of host {}{other}",
                            env.name, r.host
                        ),
                    );
                    env_flagged = true;
                }
            }
            if !jwt.aud.is_empty() && !env.accepts_audience(&jwt.aud) {
                push(
                    Cause::WrongEnvironment,
                    Strength::Strong,
                    format!(
                        "JWT aud '{}' is not accepted by environment '{}'",
                        jwt.aud.join(" "),
                        env.name
                    ),
                );
                env_flagged = true;
            }
        } else {
            let host_iss = self.context.accepted_iss.get(&*r.host);
            let host_aud = self.context.accepted_aud.get(&*r.host);
            let (iss_set, iss_scope) = match host_iss {
                Some(s) if !s.is_empty() => (Some(s), &*r.host),
                _ => (
                    Some(&self.context.accepted_iss_any).filter(|s| !s.is_empty()),
                    "this capture",
                ),
            };
            if let (Some(iss), Some(set)) = (&jwt.iss, iss_set) {
                if !set.contains(iss.as_str()) {
                    push(
                        Cause::WrongEnvironment,
                        Strength::Medium,
                        format!("JWT iss '{iss}' differs from the issuer(s) accepted in {iss_scope} ({})", join_sorted(set)),
                    );
                    env_flagged = true;
                }
            }
            let (aud_set, aud_scope) = match host_aud {
                Some(s) if !s.is_empty() => (Some(s), &*r.host),
                _ => (
                    Some(&self.context.accepted_aud_any).filter(|s| !s.is_empty()),
                    "this capture",
                ),
            };
            if let Some(set) = aud_set {
                if !jwt.aud.is_empty()
                    && !jwt.aud.iter().any(|a| set.contains(a.as_str()))
                    && !env_flagged
                {
                    push(
                        Cause::WrongEnvironment,
                        Strength::Medium,
                        format!("JWT aud '{}' differs from the audience(s) accepted in {aud_scope} ({})", jwt.aud.join(" "), join_sorted(set)),
                    );
                    env_flagged = true;
                }
            }
            // Environment words in names only when the capture shows nothing
            // the host accepts: a claim the host already accepted is fine.
            let nothing_accepted = iss_set.is_none() && aud_set.is_none();
            if !env_flagged && nothing_accepted {
                let host_label = env_label(&r.host);
                for claim in jwt.iss.iter().chain(jwt.aud.iter()) {
                    if let Some(label) = env_label(claim) {
                        if host_label != Some(label) {
                            push(
                                Cause::WrongEnvironment,
                                Strength::Medium,
                                format!(
                                    "token claim '{claim}' names environment '{label}' but the request went to {}",
                                    r.host
                                ),
                            );
                            env_flagged = true;
                            break;
                        }
                    }
                }
            }
        }
        if jwt.signature.is_none() {
            if let Some(algs) = self
                .context
                .accepted_algs
                .get(&*r.host)
                .filter(|a| !a.is_empty())
            {
                if !jwt.alg.is_empty() && !algs.contains(jwt.alg.as_str()) {
                    push(
                        Cause::InvalidSignature,
                        Strength::Medium,
                        format!(
                            "JWT alg {} while tokens accepted on {} use {} (algorithm confusion or a forged token)",
                            jwt.alg,
                            r.host,
                            join_sorted(algs)
                        ),
                    );
                }
            }
        }
        match jwt.signature {
            Some(SignatureCheck::Invalid) => push(
                Cause::InvalidSignature,
                Strength::Strong,
                "JWT signature does not verify with the configured keys".into(),
            ),
            Some(SignatureCheck::UnknownKey) => push(
                Cause::InvalidSignature,
                Strength::Strong,
                format!(
                    "JWT kid '{}' is not in the configured key set",
                    jwt.kid.as_deref().unwrap_or("")
                ),
            ),
            _ => {}
        }
        let (now, clock) = reference_time(r);
        if let Some(now) = now {
            let now_s = now.timestamp();
            if let Some(nbf) = jwt.nbf {
                if nbf > now_s + LEEWAY_SECS {
                    push(
                        Cause::TokenNotYetValid,
                        Strength::Strong,
                        format!(
                            "JWT nbf {} is {} after the {clock}",
                            fmt_epoch(nbf),
                            human(nbf - now_s)
                        ),
                    );
                }
            }
            if let Some(iat) = jwt.iat {
                if iat > now_s + 60 {
                    push(
                        Cause::TokenNotYetValid,
                        Strength::Weak,
                        format!(
                            "JWT iat {} is {} after the {clock}",
                            fmt_epoch(iat),
                            human(iat - now_s)
                        ),
                    );
                }
            }
            if let Some(exp) = jwt.exp {
                if exp <= now_s - LEEWAY_SECS + 1 && exp < now_s {
                    push(
                        Cause::TokenExpired,
                        Strength::Strong,
                        format!(
                            "JWT exp {} is {} before the {clock}",
                            fmt_epoch(exp),
                            human(now_s - exp)
                        ),
                    );
                }
            }
        }
        if !env_flagged && c.defects.is_empty() {
            self.revoked_signal(r, c, push);
        }
    }

    /// Earlier success, then failure before exp, and never accepted again.
    /// Revocation needs the same endpoint to have accepted the credential
    /// before, or a logout/revoke call in between; a credential that only
    /// other endpoints accepted is an endpoint-specific rejection instead.
    fn revoked_signal(
        &self,
        r: &RequestView,
        c: &Credential,
        push: &mut dyn FnMut(Cause, Strength, String),
    ) {
        let uses = self.context.uses(c.fingerprint);
        if uses.is_empty() {
            return;
        }
        let Some(t) = r.time else { return };
        if let Some(exp) = c.jwt.as_ref().and_then(|j| j.exp) {
            if exp < t.timestamp() {
                return;
            }
        }
        let time_of = |u: &context::Use| self.requests[u.request()].time;
        let earlier: Vec<&context::Use> = uses
            .iter()
            .filter(|u| time_of(u).is_some_and(|ut| ut < t))
            .collect();
        let later_ok = uses
            .iter()
            .any(|u| u.success && time_of(u).is_some_and(|ut| ut > t));
        if later_ok || !earlier.iter().any(|u| u.success) {
            return;
        }
        let endpoint = crate::aggregate::template::endpoint_template(r.path());
        let same_endpoint_ok = earlier.iter().any(|u| {
            let q = &self.requests[u.request()];
            u.success
                && q.host == r.host
                && crate::aggregate::template::endpoint_template(q.path()) == endpoint
        });
        let revoke_call = earlier.iter().find(|u| {
            let q = &self.requests[u.request()];
            is_revoke_call(&q.method, q.path())
        });
        if let Some(u) = revoke_call {
            let q = &self.requests[u.request()];
            push(
                Cause::RevokedCredentials,
                Strength::Strong,
                format!(
                    "credential {} was used for {} {} ({}) before this request and is rejected from then on, before its expiry",
                    c.fingerprint, q.method, q.path(), q.origin
                ),
            );
        } else if same_endpoint_ok {
            push(
                Cause::RevokedCredentials,
                Strength::Medium,
                format!(
                    "credential {} was accepted by this endpoint earlier in the capture, is not expired, and is rejected from here on",
                    c.fingerprint
                ),
            );
        } else {
            push(
                Cause::Unknown,
                Strength::Weak,
                format!(
                    "credential {} is accepted by other endpoints in this capture; the rejection is specific to {}",
                    c.fingerprint, endpoint
                ),
            );
        }
    }

    /// A well-formed credential that never succeeded, where another did.
    fn invalid_credential_signal(
        &self,
        r: &RequestView,
        c: &Credential,
        push: &mut dyn FnMut(Cause, Strength, String),
    ) {
        if !c.defects.is_empty() || c.jwt.is_some() {
            return;
        }
        if self.context.succeeded(c.fingerprint) {
            return;
        }
        // This credential never succeeded: any success there was another's.
        let endpoint = crate::aggregate::template::endpoint_template(r.path());
        let others = self
            .context
            .endpoints_with_success
            .contains(&(&*r.host, endpoint));
        let host_others = self.context.accepted_key_locations.contains_key(&*r.host)
            || self.context.accepted_schemes.contains_key(&*r.host);
        if others || host_others {
            push(
                Cause::InvalidCredentials,
                Strength::Medium,
                format!(
                    "well-formed {} credential {} is never accepted, while other credentials succeed on {}",
                    c.kind, c.fingerprint, r.host
                ),
            );
        } else {
            push(
                Cause::InvalidCredentials,
                Strength::Weak,
                format!(
                    "well-formed {} credential {} was rejected and never accepted in this capture",
                    c.kind, c.fingerprint
                ),
            );
        }
    }

    /// An API key where successful requests to the host carry it elsewhere.
    fn misplaced_key(&self, r: &RequestView) -> Option<String> {
        for c in &r.credentials {
            // The same secret succeeded elsewhere in another place.
            let locs = self.context.success_locations(c.fingerprint);
            if !locs.is_empty() && !locs.contains(&c.location) {
                let mut names: Vec<String> = locs.iter().map(|l| l.to_string()).collect();
                names.sort();
                return Some(format!(
                    "credential {} was sent in the {} but is accepted in the {}",
                    c.fingerprint,
                    c.location,
                    names.join(", ")
                ));
            }
        }
        let accepted = self.context.accepted_key_locations.get(&*r.host)?;
        for c in &r.credentials {
            let is_key = matches!(
                c.kind,
                CredentialKind::ApiKeyHeader | CredentialKind::ApiKeyQuery
            );
            if is_key && !accepted.contains(&c.location) {
                let mut names: Vec<String> = accepted.iter().map(|l| l.to_string()).collect();
                names.sort();
                return Some(format!(
                    "API key sent in the {} but successful requests to {} carry it in the {}",
                    c.location,
                    r.host,
                    names.join(", ")
                ));
            }
        }
        None
    }

    fn later_success_with_credentials(&self, r: &RequestView, index: usize) -> Option<String> {
        let mut later = self.context.successes_at(r.method.as_str(), r.url());
        later.find_map(|i| {
            let s = &self.requests[i];
            let after = match (s.time, r.time) {
                (Some(a), Some(b)) => a >= b && (a - b) <= Duration::seconds(HANDSHAKE_WINDOW_SECS),
                _ => i > index,
            };
            let with_auth = s.credentials.iter().any(|c| c.kind.is_authorization());
            (after && with_auth).then(|| {
                s.credentials
                    .iter()
                    .find(|c| c.kind.is_authorization())
                    .map(|c| c.kind.to_string())
                    .unwrap_or_default()
            })
        })
    }

    fn stripping_redirect(&self, r: &RequestView, index: usize) -> Option<String> {
        let hops = self.context.redirects_to.get(r.url())?;
        hops.iter().rev().find_map(|&i| {
            let hop = &self.requests[i];
            let before = match (hop.time, r.time) {
                (Some(a), Some(b)) => a <= b,
                _ => i < index,
            };
            let had_auth = hop.credentials.iter().any(|c| c.kind.is_authorization());
            (before && had_auth).then(|| {
                let cross = if hop.host != r.host {
                    format!("cross-origin ({} → {})", hop.host, r.host)
                } else {
                    "same-origin".to_string()
                };
                format!(
                    "the request follows a {} {} redirect from {}; the original carried Authorization, the follow-up did not",
                    hop.status, cross, hop.origin
                )
            })
        })
    }

    /// Log-only cases: a 401 answered by a retry that succeeded is a handshake.
    fn log_only_signals(&self, case: &Case) -> Vec<Signal> {
        let mut out = Vec::new();
        let Some(&first) = case.server.first() else {
            return out;
        };
        let e = case
            .server
            .iter()
            .map(|&i| &self.events[i])
            .find(|e| e.status == Some(401))
            .unwrap_or(&self.events[first]);
        let credential_seen = case
            .server
            .iter()
            .any(|&i| self.events[i].remote_user_present);
        if e.method()
            .is_some_and(|m| m.eq_ignore_ascii_case("OPTIONS"))
        {
            out.push(Signal {
                cause: Cause::CorsPreflight,
                strength: Strength::Strong,
                evidence: "OPTIONS request answered 401: a CORS preflight, which browsers send without credentials".into(),
            });
        }
        let challenges = e.www_authenticate().map(parse_www_authenticate_cached);
        if let (Some(url), Some(t)) = (e.url(), e.time) {
            let method = e.method().unwrap_or_default();
            let upper;
            let method = if method.bytes().any(|b| b.is_ascii_lowercase()) {
                upper = method.to_ascii_uppercase();
                &upper
            } else {
                method
            };
            let key = StrPair(method, path_and_query(url));
            if let Some(list) = self.context.log_successes.get(&key) {
                let first = list.partition_point(|&i| self.events[i].time < Some(t));
                let retry = list[first..]
                    .iter()
                    .map(|&i| &self.events[i])
                    .take_while(|s| {
                        s.time
                            .is_some_and(|st| st - t <= Duration::seconds(HANDSHAKE_WINDOW_SECS))
                    })
                    // The same client, or a log that names none: a
                    // success that names no client beside a 401 that
                    // names one comes from another producer's lines.
                    .any(|s| s.client_addr() == e.client_addr());
                // A first leg challenges with a handshake scheme (Basic,
                // Digest, Negotiate, NTLM); a logged Bearer challenge says a
                // token was asked for or refused, whatever came next.
                let one_shot = challenges.as_deref().is_some_and(|challenges| {
                    !challenges.is_empty() && !challenges.iter().any(Challenge::is_handshake_scheme)
                });
                if retry && !credential_seen && !one_shot {
                    out.push(Signal {
                        cause: Cause::ChallengeHandshake,
                        strength: Strength::Medium,
                        evidence: "the 401 (no user sent) was followed by the same request succeeding from the same client: the first leg of a challenge".into(),
                    });
                }
            }
        }
        // A key-like query parameter in the logged URL: an API key sent in
        // the query (servers that want it in a header say "missing").
        if let Some(url) = e.url() {
            let query = url.split_once('?').map_or("", |(_, q)| q);
            if let Some(name) = query.split('&').find_map(|pair| {
                let (n, v) = pair.split_once('=')?;
                (crate::credential::is_key_query_param(n) && !v.is_empty()).then_some(n)
            }) {
                out.push(Signal {
                    cause: Cause::ApiKeyMisplaced,
                    strength: Strength::Medium,
                    evidence: format!("the logged URL carries a key in query parameter '{name}'"),
                });
            }
        }
        if credential_seen && !out.iter().any(|s| s.cause == Cause::ChallengeHandshake) {
            out.push(Signal {
                cause: Cause::InvalidCredentials,
                strength: Strength::Weak,
                evidence: "the server parsed a user name from the request (a Basic credential arrived) and still answered 401".into(),
            });
        }
        if let Some(challenges) = &challenges {
            for ch in challenges.iter() {
                if ch.error() == Some("insufficient_scope") {
                    out.push(Signal {
                        cause: Cause::InsufficientScope,
                        strength: Strength::Strong,
                        evidence: "logged challenge says error=\"insufficient_scope\"".into(),
                    });
                }
            }
        }
        out
    }

    /// What the server said: log messages and codes, the challenge, the body.
    fn statements(&self, client: Option<&RequestView>, case: &Case) -> Vec<Statement> {
        let mut out = Vec::new();
        for &ei in &case.server {
            let e = &self.events[ei];
            // Made once, and only when something matched: most logged 401s
            // have no message, and this ran for every one of them.
            let at = LazyCell::new(|| e.origin.as_ref().map(Origin::label).unwrap_or_default());
            let code = e.code().and_then(|c| self.catalog.find_code(c));
            let said = e.message().and_then(|m| self.catalog.find(m));
            for (m, verb) in [(code, "has code"), (said, "says")] {
                if let Some(m) = m {
                    let at = &*at;
                    out.push(Statement::of(&m, &["server log ", at, " ", verb], true));
                }
            }
            if let Some(www) = e.www_authenticate() {
                let what = ["logged challenge (", &*at, ")"].concat();
                for ch in parse_www_authenticate_cached(www).iter() {
                    self.challenge_statements(ch, &what, true, &mut out);
                }
            }
        }
        if let Some(r) = client {
            for ch in r.challenges() {
                self.challenge_statements(ch, "response challenge", false, &mut out);
            }
            if let Some(msg) = r.response_message() {
                if let Some(m) = self.catalog.find(msg) {
                    out.push(Statement::of(&m, &["401 response body says"], false));
                }
            }
        }
        out
    }

    fn challenge_statements(
        &self,
        ch: &Challenge,
        what: &str,
        from_log: bool,
        out: &mut Vec<Statement>,
    ) {
        if let Some(desc) = ch.error_description() {
            if let Some(m) = self.catalog.find(desc) {
                out.push(Statement {
                    verdict: verdict_of(&m.rule.verdict),
                    evidence: [what, " error_description says '", &m.matched, "'"].concat(),
                    from_log,
                });
                return;
            }
        }
        if let Some(code) = ch.error() {
            if let Some(m) = self.catalog.find_code(code) {
                out.push(Statement {
                    verdict: verdict_of(&m.rule.verdict),
                    evidence: [what, " error=\"", code, "\""].concat(),
                    from_log,
                });
            }
        }
    }
}

fn verdict_of(v: &Verdict) -> StatementVerdict {
    match v {
        Verdict::Cause(c) => StatementVerdict::Cause(*c),
        Verdict::Ambiguous(set) => StatementVerdict::Ambiguous(set.to_vec()),
        Verdict::Generic => StatementVerdict::Generic,
    }
}

/// Causes that describe the request's shape; a strong client signal of one
/// of these outranks a later-stage server statement (CAUSES.md: the earlier
/// defect in the request's life wins).
fn is_structural(c: Cause) -> bool {
    matches!(
        c,
        Cause::CorsPreflight
            | Cause::CachedResponse
            | Cause::ChallengeHandshake
            | Cause::HeaderStripped
            | Cause::MissingCredentials
            | Cause::MalformedCredentials
            | Cause::WrongScheme
            | Cause::ApiKeyMisplaced
            | Cause::WrongEnvironment
    )
}

/// The decision per CAUSES.md "Deciding between signals".
pub fn decide(
    client: Option<&RequestView>,
    signals: &[Signal],
    statements: &[Statement],
) -> Diagnosis {
    let mut evidence: Vec<String> = Vec::new();
    let real: Vec<&Signal> = signals
        .iter()
        .filter(|s| s.cause != Cause::Unknown)
        .collect();

    // Definitive server statements, logs first.
    let mut definitive: Vec<(Cause, &Statement)> = statements
        .iter()
        .filter_map(|s| match s.verdict {
            StatementVerdict::Cause(c) => Some((c, s)),
            _ => None,
        })
        .collect();
    definitive.sort_by_key(|(_, s)| !s.from_log);
    let ambiguous: Vec<(&Vec<Cause>, &Statement)> = statements
        .iter()
        .filter_map(|s| match &s.verdict {
            StatementVerdict::Ambiguous(set) => Some((set, s)),
            _ => None,
        })
        .collect();

    let has_usable_credential = client.is_some_and(|r| {
        r.credentials
            .iter()
            .any(|c| c.kind.is_authorization() && c.defects.is_empty())
    });
    let first_strong_structural = real
        .iter()
        .find(|s| s.strength == Strength::Strong && is_structural(s.cause))
        .copied();
    let (cause, confidence) = if let Some(s) = first_strong_structural.filter(|s| {
        matches!(
            s.cause,
            Cause::CorsPreflight
                | Cause::CachedResponse
                | Cause::ChallengeHandshake
                | Cause::HeaderStripped
        )
    }) {
        (s.cause, 0.95)
    } else if let Some(&(server_cause, _)) = definitive.first() {
        // Server says missing while the client sent a usable credential:
        // it was lost on the way.
        if server_cause == Cause::MissingCredentials && has_usable_credential {
            evidence.push(
                "contradiction: the client sent Authorization but the server says none arrived"
                    .to_string(),
            );
            (Cause::HeaderStripped, 0.9)
        } else if let Some(s) = real.iter().copied().find(|s| {
            // The server's statement stands unless the client shows an
            // earlier defect, or one that explains what the server said
            // (an empty Authorization reads as "no token" to express-jwt).
            s.cause != server_cause
                && is_structural(s.cause)
                && s.strength >= Strength::Medium
                && ((s.strength == Strength::Strong
                    && s.cause.precedence() < server_cause.precedence())
                    || explains(s.cause, server_cause))
        }) {
            (
                s.cause,
                if s.strength == Strength::Strong {
                    0.85
                } else {
                    0.7
                },
            )
        } else {
            let agrees = real.iter().any(|s| s.cause == server_cause);
            (server_cause, if agrees { 0.97 } else { 0.85 })
        }
    } else if let Some(&(set, _)) = ambiguous.first() {
        if let Some(s) = real.iter().find(|s| set.contains(&s.cause)) {
            (s.cause, 0.9)
        } else if set.contains(&Cause::HeaderStripped) && has_usable_credential {
            evidence.push(
                "contradiction: the client sent Authorization but the server says none arrived"
                    .to_string(),
            );
            (Cause::HeaderStripped, 0.85)
        } else if let Some(s) = real.first() {
            (s.cause, s.strength.confidence() - 0.1)
        } else {
            (set[0], 0.6)
        }
    } else if let Some(s) = real.first() {
        (s.cause, s.strength.confidence())
    } else {
        (Cause::Unknown, 0.3)
    };

    // Evidence: the server's words first, then client signals.
    for s in statements {
        if !evidence.contains(&s.evidence) {
            evidence.push(s.evidence.clone());
        }
    }
    for s in signals {
        if !evidence.contains(&s.evidence) {
            evidence.push(s.evidence.clone());
        }
    }
    if cause == Cause::Unknown && evidence.is_empty() {
        evidence.push(match client {
            Some(r) => format!(
                "checked: credential present ({}), well-formed, no challenge error, no server message; nothing explains the 401",
                r.credentials.first().map(|c| c.kind.id()).unwrap_or("none")
            ),
            None => "only a status line was logged: no message, no challenge".into(),
        });
    }
    let mut secondary: Vec<Cause> = Vec::new();
    for c in signals
        .iter()
        .map(|s| s.cause)
        .chain(definitive.iter().map(|(c, _)| *c))
    {
        if c != cause && c != Cause::Unknown && !secondary.contains(&c) {
            secondary.push(c);
        }
    }
    Diagnosis {
        cause,
        secondary,
        confidence,
        evidence,
    }
}

fn reference_time(r: &RequestView) -> (Option<Timestamp>, &'static str) {
    match (r.server_date, r.time) {
        (Some(d), _) => (Some(d), "server's Date"),
        (None, Some(t)) => (Some(t), "request time"),
        _ => (None, ""),
    }
}

/// Logout / revocation calls: a session or key being ended on purpose.
fn is_revoke_call(method: &str, path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    [
        "logout",
        "log-out",
        "signout",
        "sign-out",
        "revoke",
        "/oauth/revoke",
        "end_session",
        "end-session",
    ]
    .iter()
    .any(|w| p.contains(w))
        || (method.eq_ignore_ascii_case("DELETE")
            && ["key", "token", "session", "credential"]
                .iter()
                .any(|w| p.contains(w)))
}

fn fmt_epoch(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// "41 min", "3 h 2 min", "12 s", "2 d".
pub fn human(secs: i64) -> String {
    let s = secs.abs();
    if s < 120 {
        format!("{s} s")
    } else if s < 3600 * 2 {
        format!("{} min", s / 60)
    } else if s < 86400 * 2 {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    } else {
        format!("{} d", s / 86400)
    }
}

/// An environment word inside a host or URL, ignoring the top-level domain
/// (`.test`, `.dev` and `.local` are TLDs, not environments).
fn env_label(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    let host_part = lower.split("://").nth(1).unwrap_or(&lower);
    let host = host_part.split(['/', ':']).next().unwrap_or(host_part);
    let mut labels: Vec<&str> = host.split('.').collect();
    if labels.len() > 1 {
        labels.pop();
    }
    let path = host_part.get(host.len()..).unwrap_or("");
    labels
        .into_iter()
        .flat_map(|l| l.split('-'))
        .chain(path.split(|c: char| !c.is_ascii_alphanumeric()))
        .find_map(|word| ENV_LABELS.iter().find(|l| **l == word).copied())
}

/// A client-side cause that explains why the server said what it said
/// (a token from another environment fails signature checks; a bare or
/// wrong scheme reads as "no token").
fn explains(client: Cause, server: Cause) -> bool {
    use Cause::*;
    matches!(
        (client, server),
        (WrongEnvironment, InvalidSignature | InvalidCredentials)
            | (
                MalformedCredentials,
                InvalidSignature | InvalidCredentials | MissingCredentials | WrongScheme
            )
            | (
                WrongScheme,
                MissingCredentials | MalformedCredentials | InvalidCredentials
            )
            | (
                ApiKeyMisplaced,
                MissingCredentials | InvalidCredentials | WrongScheme
            )
            | (HeaderStripped, MissingCredentials)
    )
}

fn join_sorted<S: AsRef<str>, H>(set: &std::collections::HashSet<S, H>) -> String {
    let mut v: Vec<&str> = set.iter().map(AsRef::as_ref).collect();
    v.sort();
    v.join(", ")
}

/// The credential a failure row shows: Authorization first, then keys, then cookies.
pub fn primary_credential(r: &RequestView) -> Option<&Credential> {
    r.credentials
        .iter()
        .find(|c| c.kind.is_authorization())
        .or_else(|| {
            r.credentials
                .iter()
                .find(|c| matches!(c.location, Location::Header(_) | Location::Query(_)))
        })
        .or_else(|| r.credentials.first())
        .map(|c| &**c)
}
