//! What the whole capture says, computed once before any 401 is judged:
//! which issuers, audiences, schemes and key placements each host accepts,
//! where each credential fingerprint succeeded, which requests redirected
//! where, and whether a HAR looks sanitized.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::aggregate::template::endpoint_template;
use crate::correlate::path_and_query;
use crate::credential::{CredentialKind, Location};
use crate::model::{RequestView, ServerEvent};
use crate::multimap::SortedMultiMap;

/// A successful or failed use of one credential fingerprint. Its time is
/// the request's: a multi-GB capture holds one `Use` per credential sent,
/// so it is kept small and ordered by request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Use {
    pub request: usize,
    pub success: bool,
}

/// Keys borrow from the records (`'a`): a multi-GB capture's context must
/// not copy every host, URL and fingerprint again.
#[derive(Debug, Default)]
pub struct CaptureContext<'a> {
    /// Per host: issuers/audiences of JWTs that got a 2xx.
    pub accepted_iss: HashMap<&'a str, HashSet<&'a str>>,
    pub accepted_aud: HashMap<&'a str, HashSet<&'a str>>,
    pub accepted_iss_any: HashSet<&'a str>,
    /// Per host: JWT `alg`s that got a 2xx.
    pub accepted_algs: HashMap<&'a str, HashSet<&'a str>>,
    pub accepted_aud_any: HashSet<&'a str>,
    /// Per host: lower-cased Authorization schemes that got a 2xx.
    pub accepted_schemes: HashMap<&'a str, HashSet<String>>,
    /// Per host: where successful API keys were carried.
    pub accepted_key_locations: HashMap<&'a str, HashSet<&'a Location>>,
    /// Per fingerprint: every use, in the order of the requests.
    pub uses: SortedMultiMap<&'a str, Use>,
    /// Fingerprint → locations where it succeeded (each once).
    pub success_locations: SortedMultiMap<&'a str, &'a Location>,
    /// (host, endpoint) → fingerprints that succeeded there.
    pub endpoint_successes: HashMap<(&'a str, String), HashSet<&'a str>>,
    /// Masked target URL of a 3xx → the redirecting requests.
    pub redirects_to: HashMap<String, Vec<usize>>,
    /// (METHOD, masked URL) → 2xx requests, for challenge handshakes.
    pub successes_by_url: SortedMultiMap<(&'a str, &'a str), usize>,
    /// HAR files in which no request carries any credential although some
    /// requests look authenticated: exported with sanitization.
    pub sanitized_files: HashSet<Arc<str>>,
    /// (METHOD, path?query) → 2xx log events, for log-only handshakes;
    /// each list in time order, untimed events first.
    pub log_successes: HashMap<(String, String), Vec<usize>>,
}

fn is_success(status: i32) -> bool {
    (200..300).contains(&status) || status == 304
}

impl<'a> CaptureContext<'a> {
    pub fn build(requests: &'a [RequestView], events: &'a [ServerEvent]) -> CaptureContext<'a> {
        let mut ctx = CaptureContext::default();
        let mut file_has_credential: HashMap<Arc<str>, bool> = HashMap::new();
        let mut file_has_401: HashMap<Arc<str>, bool> = HashMap::new();
        // (file, host) pairs answered 2xx, and those answered 401: a host
        // that both accepts and rejects requests while no request carries
        // any credential is a host whose credentials were removed on export.
        let mut host_ok: HashSet<(&Arc<str>, &str)> = HashSet::new();
        let mut host_401: HashSet<(&Arc<str>, &str)> = HashSet::new();
        // Collected flat, indexed once at the end; sized exactly, since
        // doubling would leave up to half of each list's tens of MB unused.
        let mut uses = Vec::with_capacity(requests.iter().map(|r| r.credentials.len()).sum());
        let mut successes_by_url =
            Vec::with_capacity(requests.iter().filter(|r| is_success(r.status)).count());
        // Few distinct (credential, location) pairs among many requests.
        let mut success_locations = HashSet::new();
        for (i, r) in requests.iter().enumerate() {
            let has_cred = !r.credentials.is_empty() || r.credential_redacted || r.sent_cookies;
            *file_has_credential
                .entry(r.origin.file.clone())
                .or_default() |= has_cred && !r.credential_redacted;
            if r.credential_redacted {
                ctx.sanitized_files.insert(r.origin.file.clone());
            }
            *file_has_401.entry(r.origin.file.clone()).or_default() |= r.status == 401;
            if r.status == 401 {
                host_401.insert((&r.origin.file, &*r.host));
            } else if (200..300).contains(&r.status) {
                host_ok.insert((&r.origin.file, &*r.host));
            }

            let success = is_success(r.status);
            for c in &r.credentials {
                let used = Use {
                    request: i,
                    success,
                };
                uses.push((c.fingerprint.as_str(), used));
            }
            if let Some(target) = r.redirect_url() {
                if (300..400).contains(&r.status) {
                    ctx.redirects_to
                        .entry(absolute(target, r))
                        .or_default()
                        .push(i);
                }
            }
            if !success {
                continue;
            }
            successes_by_url.push(((r.method.as_str(), r.url.as_str()), i));
            let endpoint = endpoint_template(r.path());
            for c in &r.credentials {
                success_locations.insert((c.fingerprint.as_str(), &c.location));
                ctx.endpoint_successes
                    .entry((&*r.host, endpoint.clone()))
                    .or_default()
                    .insert(c.fingerprint.as_str());
                if c.kind.is_authorization() {
                    if let Some(s) = &c.scheme {
                        ctx.accepted_schemes
                            .entry(&*r.host)
                            .or_default()
                            .insert(s.to_ascii_lowercase());
                    }
                }
                if matches!(
                    c.kind,
                    CredentialKind::ApiKeyHeader | CredentialKind::ApiKeyQuery
                ) {
                    ctx.accepted_key_locations
                        .entry(&*r.host)
                        .or_default()
                        .insert(&c.location);
                }
                if let Some(jwt) = &c.jwt {
                    if !c.defects.is_empty() {
                        continue;
                    }
                    ctx.accepted_algs
                        .entry(&*r.host)
                        .or_default()
                        .insert(jwt.alg.as_str());
                    if let Some(iss) = &jwt.iss {
                        ctx.accepted_iss
                            .entry(&*r.host)
                            .or_default()
                            .insert(iss.as_str());
                        ctx.accepted_iss_any.insert(iss.as_str());
                    }
                    for aud in &jwt.aud {
                        ctx.accepted_aud
                            .entry(&*r.host)
                            .or_default()
                            .insert(aud.as_str());
                        ctx.accepted_aud_any.insert(aud.as_str());
                    }
                }
            }
        }
        ctx.uses = SortedMultiMap::from_pairs(uses);
        ctx.successes_by_url = SortedMultiMap::from_pairs(successes_by_url);
        ctx.success_locations =
            SortedMultiMap::from_pairs_dedup(success_locations.into_iter().collect());
        for (file, has) in file_has_credential {
            let authenticated_looking = host_401
                .iter()
                .any(|(f, h)| **f == file && host_ok.contains(&(*f, *h)));
            if !has && file_has_401.get(&file).copied().unwrap_or(false) && authenticated_looking {
                ctx.sanitized_files.insert(file);
            }
        }
        for (i, e) in events.iter().enumerate() {
            if let (Some(s), Some(url)) = (e.status, e.url()) {
                if is_success(i32::from(s)) {
                    let m = e.method().unwrap_or_default().to_ascii_uppercase();
                    ctx.log_successes
                        .entry((m, path_and_query(url).to_string()))
                        .or_default()
                        .push(i);
                }
            }
        }
        // Time order, so a 401 finds its retries by binary search: a busy
        // endpoint has thousands of successes.
        for list in ctx.log_successes.values_mut() {
            list.sort_by_key(|&i| (events[i].time, i));
        }
        ctx
    }
}

/// A redirect target made absolute against the redirecting request.
pub fn absolute(target: &str, from: &RequestView) -> String {
    if target.contains("://") {
        target.to_string()
    } else if let Some(rest) = target.strip_prefix("//") {
        let scheme = from.url.split("://").next().unwrap_or("https");
        format!("{scheme}://{rest}")
    } else {
        let scheme = from.url.split("://").next().unwrap_or("https");
        let path = if target.starts_with('/') {
            target.to_string()
        } else {
            format!("/{target}")
        };
        format!("{scheme}://{}{path}", from.host)
    }
}
