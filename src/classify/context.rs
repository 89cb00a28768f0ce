//! What the whole capture says, computed once before any 401 is judged:
//! which issuers, audiences, schemes and key placements each host accepts,
//! where each credential fingerprint succeeded, which requests redirected
//! where, and whether a HAR looks sanitized.

use std::collections::BTreeSet;
use std::sync::Arc;

use rayon::slice::ParallelSliceMut;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::aggregate::template::endpoint_template;
use crate::correlate::path_and_query;
use crate::credential::{Credential, CredentialKind, Fingerprint, Location};
use crate::model::{RequestView, ServerEvent};
use crate::strpair::PairMap;

/// A successful or failed use of one credential: request `request`'s
/// credential number `slot`. A multi-GB capture holds one per credential
/// sent, so it holds indexes only; the fingerprint, time and location are
/// the request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Use {
    request: u32,
    slot: u16,
    pub success: bool,
}

impl Use {
    pub fn request(self) -> usize {
        self.request as usize
    }
}

/// Keys borrow from the records (`'a`): a multi-GB capture's context must
/// not copy every host, URL and fingerprint again. The per-request indexes
/// (uses, successes by URL) hold request numbers sorted by what those
/// requests hold, and look keys up through them.
#[derive(Debug, Default)]
pub struct CaptureContext<'a> {
    requests: &'a [RequestView],
    /// Per host: issuers/audiences of JWTs that got a 2xx.
    pub accepted_iss: FxHashMap<&'a str, FxHashSet<&'a str>>,
    pub accepted_aud: FxHashMap<&'a str, FxHashSet<&'a str>>,
    pub accepted_iss_any: FxHashSet<&'a str>,
    /// Per host: JWT `alg`s that got a 2xx.
    pub accepted_algs: FxHashMap<&'a str, FxHashSet<&'a str>>,
    pub accepted_aud_any: FxHashSet<&'a str>,
    /// Per host: lower-cased Authorization schemes that got a 2xx.
    pub accepted_schemes: FxHashMap<&'a str, FxHashSet<String>>,
    /// Per host: where successful API keys were carried.
    pub accepted_key_locations: FxHashMap<&'a str, FxHashSet<&'a Location>>,
    /// Every use of a credential, by fingerprint, then request.
    uses: Vec<Use>,
    /// (host, endpoint) where a request with credentials succeeded.
    pub endpoints_with_success: FxHashSet<(&'a str, String)>,
    /// Masked target URL of a 3xx → the redirecting requests.
    pub redirects_to: FxHashMap<String, Vec<usize>>,
    /// 2xx requests by (METHOD, masked URL), then request: for challenge
    /// handshakes.
    successes_by_url: Vec<u32>,
    /// HAR files in which no request carries any credential although some
    /// requests look authenticated: exported with sanitization.
    pub sanitized_files: BTreeSet<Arc<str>>,
    /// (METHOD, path?query) → 2xx log events, for log-only handshakes;
    /// each list in time order, untimed events first.
    pub log_successes: PairMap<Vec<usize>>,
}

fn is_success(status: i32) -> bool {
    (200..300).contains(&status) || status == 304
}

impl<'a> CaptureContext<'a> {
    pub fn build(requests: &'a [RequestView], events: &'a [ServerEvent]) -> CaptureContext<'a> {
        let mut ctx = CaptureContext {
            requests,
            ..CaptureContext::default()
        };
        let mut file_has_credential: FxHashMap<Arc<str>, bool> = FxHashMap::default();
        let mut file_has_401: FxHashMap<Arc<str>, bool> = FxHashMap::default();
        // (file, host) pairs answered 2xx, and those answered 401: a host
        // that both accepts and rejects requests while no request carries
        // any credential is a host whose credentials were removed on export.
        let mut host_ok: FxHashSet<(&Arc<str>, &str)> = FxHashSet::default();
        let mut host_401: FxHashSet<(&Arc<str>, &str)> = FxHashSet::default();
        // Collected flat, sorted once at the end; sized exactly, since
        // doubling would leave up to half of each list unused.
        let mut uses = Vec::with_capacity(requests.iter().map(|r| r.credentials.len()).sum());
        let mut successes_by_url =
            Vec::with_capacity(requests.iter().filter(|r| is_success(r.status)).count());
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
            // Requests past the 4 billionth (terabytes of HAR) and
            // credentials past the 65 536th of one request go unrecorded.
            let Ok(request) = u32::try_from(i) else {
                continue;
            };
            for slot in 0..r.credentials.len() {
                if let Ok(slot) = u16::try_from(slot) {
                    uses.push(Use {
                        request,
                        slot,
                        success,
                    });
                }
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
            successes_by_url.push(request);
            if !r.credentials.is_empty() {
                ctx.endpoints_with_success
                    .insert((&*r.host, endpoint_template(r.path())));
            }
            for c in &r.credentials {
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
        // Sorted on keys read once, in parallel: a comparison that looked
        // its keys up through the requests missed the cache at every step,
        // and these two sorts were most of this build, which runs while
        // the other cores wait once a HAR is read. (The keys live only
        // while sorting: a few MB on a 4 GB HAR.) Both lists were filled in
        // request order and the sort is stable, so equal keys stay in it.
        uses.par_sort_by_cached_key(|&u| ctx.credential(u));
        ctx.uses = uses;
        successes_by_url.par_sort_by_cached_key(|&i| ctx.method_and_url(i));
        ctx.successes_by_url = successes_by_url;
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

impl<'a> CaptureContext<'a> {
    /// The credential a use is of, by fingerprint for the sort order.
    fn credential(&self, u: Use) -> Option<Fingerprint> {
        self.credential_of(u).map(|c| c.fingerprint)
    }

    fn credential_of(&self, u: Use) -> Option<&'a Credential> {
        let request = self.requests.get(u.request())?;
        request.credentials.get(usize::from(u.slot)).map(|c| &**c)
    }

    fn method_and_url(&self, request: u32) -> Option<(&'a str, &'a str)> {
        let r = self.requests.get(request as usize)?;
        Some((r.method.as_str(), r.url()))
    }

    /// Every use of the credential `fingerprint`, in request order.
    pub fn uses(&self, fingerprint: Fingerprint) -> &[Use] {
        equal_range(&self.uses, Some(fingerprint), |&u| self.credential(u))
    }

    /// Whether the credential `fingerprint` ever got a 2xx.
    pub fn succeeded(&self, fingerprint: Fingerprint) -> bool {
        self.uses(fingerprint).iter().any(|u| u.success)
    }

    /// Where the credential `fingerprint` was carried when it got a 2xx.
    pub fn success_locations(&self, fingerprint: Fingerprint) -> BTreeSet<&'a Location> {
        let successes = self.uses(fingerprint).iter().filter(|u| u.success);
        successes
            .filter_map(|&u| self.credential_of(u).map(|c| &c.location))
            .collect()
    }

    /// The 2xx requests of `method` on `url`, in request order.
    pub fn successes_at(&self, method: &str, url: &str) -> impl Iterator<Item = usize> + '_ {
        let key = Some((method, url));
        let list = equal_range(&self.successes_by_url, key, |&i| self.method_and_url(i));
        list.iter().map(|&i| i as usize)
    }
}

/// The run of `list` (sorted by `key_of`) whose key is `key`.
fn equal_range<T, K: Ord>(list: &[T], key: K, key_of: impl Fn(&T) -> K) -> &[T] {
    let from = list.partition_point(|t| key_of(t) < key);
    let to = from + list[from..].partition_point(|t| key_of(t) <= key);
    &list[from..to]
}

/// A redirect target made absolute against the redirecting request.
pub fn absolute(target: &str, from: &RequestView) -> String {
    if target.contains("://") {
        target.to_string()
    } else if let Some(rest) = target.strip_prefix("//") {
        let scheme = from.url().split("://").next().unwrap_or("https");
        format!("{scheme}://{rest}")
    } else {
        let scheme = from.url().split("://").next().unwrap_or("https");
        let path = if target.starts_with('/') {
            target.to_string()
        } else {
            format!("/{target}")
        };
        format!("{scheme}://{}{path}", from.host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::{api_key_header, api_key_query};

    fn request(url: &str, status: i32, credentials: Vec<Credential>) -> RequestView {
        let mut r = RequestView::for_test("GET", url, status);
        r.credentials = credentials.into_iter().map(Arc::new).collect();
        r
    }

    #[test]
    fn uses_locations_and_successes_are_found_through_the_requests() {
        let key = || api_key_header("x-api-key", "k-1234567890");
        let in_query = || api_key_query("api_key", "k-1234567890");
        let other = || api_key_header("x-api-key", "other-0987654321");
        let requests = vec![
            request("https://a.test/v1/x", 200, vec![key()]),
            request("https://a.test/v1/y", 401, vec![other(), key()]),
            request(
                "https://a.test/v1/x?api_key=[masked]",
                200,
                vec![in_query()],
            ),
            request("https://a.test/v1/x", 200, vec![other()]),
            request("https://a.test/v1/z", 403, vec![key()]),
        ];
        let ctx = CaptureContext::build(&requests, &[]);
        let fp = key().fingerprint;
        let uses: Vec<(usize, bool)> = ctx
            .uses(fp)
            .iter()
            .map(|u| (u.request(), u.success))
            .collect();
        assert_eq!(uses, [(0, true), (1, false), (2, true), (4, false)]);
        assert!(ctx.succeeded(fp) && ctx.succeeded(other().fingerprint));
        let never = api_key_header("x-api-key", "never-seen-000").fingerprint;
        assert!(ctx.uses(never).is_empty() && !ctx.succeeded(never));
        let places: Vec<String> = ctx
            .success_locations(fp)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(places.len(), 2, "header and query, each once: {places:?}");
        assert_eq!(
            ctx.successes_at("GET", "https://a.test/v1/x")
                .collect::<Vec<_>>(),
            [0, 3]
        );
        assert_eq!(ctx.successes_at("GET", "https://a.test/v1/y").count(), 0);
        assert_eq!(ctx.successes_at("POST", "https://a.test/v1/x").count(), 0);
        assert!(ctx
            .endpoints_with_success
            .contains(&("a.test", "/v1/x".to_string())));
        assert!(!ctx
            .endpoints_with_success
            .contains(&("a.test", "/v1/y".to_string())));
    }
}
