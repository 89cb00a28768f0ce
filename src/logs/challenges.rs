//! The 401s of one log still waiting for their second leg. A challenge
//! (Basic, Negotiate, a token refresh) is answered by the same client
//! asking for the same host and path again and succeeding soon after, so
//! a log follows its most recent unanswered (client, host, path) legs, and
//! lets the count-only fast path ask whether a 2xx/3xx line could be the
//! answer to one of them.
//!
//! The client is part of the key because another client's success on a
//! busy path answers nothing (the classifier wants the same client), and
//! letting it through cost twice: a full parse and an event for every
//! success on any path some 401 waited on (81 k of a 1 GB JSON log's 2 M
//! lines, of which 129 were an answer), and the true answer missed when
//! another client's success had already taken the leg off the list.
//!
//! A leg waits as long as the classifier would take a retry as its answer
//! ([`HANDSHAKE_WINDOW_SECS`] of log time), and at most [`MAX_WAITING`]
//! wait, oldest evicted first: legs are kept in a queue with their hashes
//! and found by scanning the hashes, no set beside the queue to keep in
//! step, and an evicted leg's strings are reused for the next one (a busy
//! log has a 401 every few lines).

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher};

use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::classify::HANDSHAKE_WINDOW_SECS;
use crate::model::Timestamp;

/// At most this many distinct legs are followed per file, so that memory
/// stays bounded on a log with hundreds of 401s a second. (64, the limit
/// before legs expired by time, let half the retries of the 1 GB bench
/// log's 30 seconds go unseen: it has 8 401s a second.)
pub(crate) const MAX_WAITING: usize = 1024;

/// One request as the log told it: who asked, and for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Leg<'a> {
    /// The client's address as the line gives it; a line without one is
    /// answered only by a line without one.
    pub client: Option<&'a str>,
    pub host: &'a str,
    /// Without its query or fragment.
    pub path: &'a str,
}

#[derive(Debug, Default)]
pub(crate) struct Challenges {
    /// Oldest first. Hosts are lower-cased.
    waiting: VecDeque<Waiting>,
    /// How many waiting legs have each path: the first question for a
    /// line whose client is not read yet. (Counted: two legs can share a
    /// path, and the first answer must not stop the other being followed.)
    paths: FxHashMap<String, usize>,
    /// How many waiting legs have each (client, path) hash: the question
    /// for a line whose host is not known cheaply. A hash alone: a
    /// collision only costs a full parse, which then compares the strings.
    client_paths: FxHashMap<u64, usize>,
    /// The time of the last 401 that had one.
    last_time: Option<Timestamp>,
}

#[derive(Debug)]
struct Waiting {
    hash: u64,
    /// When the 401 came; a log without times waits until evicted.
    time: Option<Timestamp>,
    client: Option<String>,
    host: String,
    path: String,
}

impl Challenges {
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Could a 2xx/3xx on `path` (without its query) answer a waiting 401,
    /// whoever sent it?
    pub fn waits_on_path(&self, path: &str) -> bool {
        !self.paths.is_empty() && self.paths.contains_key(path)
    }

    /// Could a 2xx/3xx from `client` on `path` answer a waiting 401, on
    /// whatever host?
    pub fn waits_on(&self, client: Option<&str>, path: &str) -> bool {
        self.client_paths
            .contains_key(&client_path_hash(client, path))
    }

    /// A 401 at `time`: followed from now on (a leg already waiting waits
    /// from now on). Legs whose window has passed by then are let go, and
    /// the oldest one when too many wait.
    pub fn challenged(&mut self, leg: Leg<'_>, time: Option<Timestamp>) {
        // A 401 without a time (a line that gives none, between lines that
        // do) counts from the last 401 that had one.
        let time = time.or(self.last_time);
        self.last_time = time;
        if let Some(now) = time {
            let window = chrono::Duration::seconds(HANDSHAKE_WINDOW_SECS);
            while let Some(old) = self.waiting.front() {
                if old.time.is_none_or(|t| t + window >= now) {
                    break;
                }
                self.let_go(0);
            }
        }
        let host = lower(leg.host);
        let hash = leg_hash(leg.client, &host, leg.path);
        if let Some(at) = self.position(hash, leg.client, &host, leg.path) {
            // Refused again: its retry may come up to a window after this
            // 401, so it waits from now on, as the newest.
            if let Some(mut again) = self.waiting.remove(at) {
                again.time = time;
                self.waiting.push_back(again);
            }
            return;
        }
        let evicted = if self.waiting.len() >= MAX_WAITING {
            self.let_go(0)
        } else {
            None
        };
        let (mut client_buf, mut host_buf, mut path_buf) = match evicted {
            Some(old) => (old.client, old.host, old.path),
            None => Default::default(),
        };
        let client = leg.client.map(|c| {
            let mut buf = client_buf.take().unwrap_or_default();
            buf.clear();
            buf.push_str(c);
            buf
        });
        host_buf.clear();
        host_buf.push_str(&host);
        path_buf.clear();
        path_buf.push_str(leg.path);
        match self.paths.get_mut(leg.path) {
            Some(n) => *n += 1,
            None => {
                self.paths.insert(leg.path.to_string(), 1);
            }
        }
        *self
            .client_paths
            .entry(client_path_hash(leg.client, leg.path))
            .or_default() += 1;
        self.waiting.push_back(Waiting {
            hash,
            time,
            client,
            host: host_buf,
            path: path_buf,
        });
    }

    /// A 2xx/3xx: true when it answers a waiting 401, which is then no
    /// longer followed.
    pub fn answered(&mut self, leg: Leg<'_>) -> bool {
        let host = lower(leg.host);
        let hash = leg_hash(leg.client, &host, leg.path);
        let Some(at) = self.position(hash, leg.client, &host, leg.path) else {
            return false;
        };
        self.let_go(at);
        true
    }

    fn position(&self, hash: u64, client: Option<&str>, host: &str, path: &str) -> Option<usize> {
        // Most 401s come on a path nothing waits on: one probe of `paths`
        // spares them the scan of the whole queue.
        if !self.paths.contains_key(path) {
            return None;
        }
        self.waiting.iter().position(|w| {
            w.hash == hash && w.client.as_deref() == client && w.host == host && w.path == path
        })
    }

    /// The leg at `at`, no longer followed.
    fn let_go(&mut self, at: usize) -> Option<Waiting> {
        let gone = self.waiting.remove(at)?;
        count_down(&mut self.paths, gone.path.as_str());
        count_down(
            &mut self.client_paths,
            &client_path_hash(gone.client.as_deref(), &gone.path),
        );
        Some(gone)
    }
}

/// One fewer of `key` in a count map; a key counted down to none is
/// removed.
fn count_down<K, Q>(counts: &mut FxHashMap<K, usize>, key: &Q)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if let Some(n) = counts.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            counts.remove(key);
        }
    }
}

/// Hosts compare without case; most are written in lower case already.
fn lower(host: &str) -> std::borrow::Cow<'_, str> {
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(host.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(host)
    }
}

fn client_path_hash(client: Option<&str>, path: &str) -> u64 {
    let mut h = FxBuildHasher.build_hasher();
    client.hash(&mut h);
    path.hash(&mut h);
    h.finish()
}

fn leg_hash(client: Option<&str>, host: &str, path: &str) -> u64 {
    let mut h = FxBuildHasher.build_hasher();
    client.hash(&mut h);
    host.hash(&mut h);
    path.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg<'a>(client: Option<&'a str>, host: &'a str, path: &'a str) -> Leg<'a> {
        Leg { client, host, path }
    }

    /// The rules as a plain list, for comparison: oldest first, let go
    /// when their window has passed or beyond the limit, answered legs
    /// removed.
    #[derive(Default)]
    struct Reference(Vec<(Key, Option<Timestamp>)>, Option<Timestamp>);

    /// A leg as the reference keeps it: client, lower-cased host, path.
    type Key = (Option<String>, String, String);

    impl Reference {
        fn key(leg: Leg<'_>) -> Key {
            let client = leg.client.map(str::to_string);
            (client, leg.host.to_ascii_lowercase(), leg.path.to_string())
        }

        fn challenged(&mut self, leg: Leg<'_>, time: Option<Timestamp>) {
            let time = time.or(self.1);
            self.1 = time;
            if let Some(now) = time {
                let window = chrono::Duration::seconds(HANDSHAKE_WINDOW_SECS);
                while self
                    .0
                    .first()
                    .is_some_and(|(_, t)| t.is_some_and(|t| t + window < now))
                {
                    self.0.remove(0);
                }
            }
            let key = Self::key(leg);
            if let Some(at) = self.0.iter().position(|(k, _)| *k == key) {
                self.0.remove(at);
                self.0.push((key, time));
            } else {
                self.0.push((key, time));
                if self.0.len() > MAX_WAITING {
                    self.0.remove(0);
                }
            }
        }

        fn answered(&mut self, leg: Leg<'_>) -> bool {
            let key = Self::key(leg);
            let at = self.0.iter().position(|(k, _)| *k == key);
            at.map(|i| self.0.remove(i)).is_some()
        }

        fn waits_on_path(&self, path: &str) -> bool {
            self.0.iter().any(|((_, _, p), _)| p == path)
        }

        fn waits_on(&self, client: Option<&str>, path: &str) -> bool {
            self.0
                .iter()
                .any(|((c, _, p), _)| c.as_deref() == client && p == path)
        }
    }

    #[test]
    fn a_leg_waits_as_long_as_a_retry_would_answer_it() {
        let at = |s: i64| chrono::DateTime::from_timestamp(1_795_424_400 + s, 0);
        // A log without times: legs wait until evicted.
        let mut c = Challenges::default();
        c.challenged(leg(Some("a"), "h", "/untimed"), None);
        c.challenged(leg(Some("b"), "h", "/x"), at(1000));
        assert!(c.waits_on_path("/untimed"));
        let mut c = Challenges::default();
        c.challenged(leg(Some("a"), "h", "/old"), at(0));
        // A 401 without a time counts from the last one that had one.
        c.challenged(leg(Some("b"), "h", "/untimed"), None);
        c.challenged(leg(Some("c"), "h", "/new"), at(HANDSHAKE_WINDOW_SECS));
        assert!(c.waits_on_path("/old"), "the window's last second");
        c.challenged(leg(Some("d"), "h", "/x"), at(HANDSHAKE_WINDOW_SECS + 1));
        assert!(!c.waits_on_path("/old") && !c.waits_on(Some("a"), "/old"));
        assert!(!c.waits_on_path("/untimed"));
        assert!(c.waits_on_path("/new") && c.waits_on_path("/x"));
        c.challenged(leg(Some("e"), "h", "/y"), at(10 * HANDSHAKE_WINDOW_SECS));
        assert!(!c.waits_on_path("/new") && !c.waits_on_path("/x"));
        assert!(c.waits_on_path("/y") && !c.is_empty());
        // Refused again: the leg's window starts again.
        c.challenged(leg(Some("f"), "h", "/z"), at(11 * HANDSHAKE_WINDOW_SECS));
        c.challenged(
            leg(Some("e"), "h", "/y"),
            at(11 * HANDSHAKE_WINDOW_SECS + 10),
        );
        c.challenged(
            leg(Some("g"), "h", "/w"),
            at(12 * HANDSHAKE_WINDOW_SECS + 1),
        );
        assert!(c.waits_on_path("/y") && !c.waits_on_path("/z"));
    }

    #[test]
    fn a_leg_challenged_again_after_its_answer_waits_as_the_newest() {
        let mut c = Challenges::default();
        let a = Some("10.0.0.1");
        c.challenged(leg(a, "h", "/a"), None);
        c.challenged(leg(a, "h", "/b"), None);
        assert!(c.answered(leg(a, "H", "/a")));
        c.challenged(leg(a, "h", "/a"), None);
        for i in 0..MAX_WAITING - 2 {
            c.challenged(leg(a, "h", &format!("/x{i}")), None);
        }
        assert!(c.waits_on_path("/a") && c.waits_on_path("/b"));
        // One too many: the oldest waiting leg goes, which is /b. (A queue
        // that kept /a's answered entry let /a go here instead.)
        c.challenged(leg(a, "h", "/y"), None);
        assert!(c.waits_on_path("/a"));
        assert!(!c.waits_on_path("/b"));
    }

    #[test]
    fn only_the_same_client_answers() {
        let mut c = Challenges::default();
        let (a, b) = (Some("10.0.0.1"), Some("10.0.0.2"));
        c.challenged(leg(a, "h", "/login"), None);
        c.challenged(leg(None, "h", "/login"), None);
        // Another client's success on the busy path answers nothing and
        // leaves the leg for the true answer.
        assert!(c.waits_on_path("/login"));
        assert!(!c.waits_on(b, "/login"));
        assert!(!c.answered(leg(b, "h", "/login")));
        assert!(c.waits_on(a, "/login") && c.waits_on(None, "/login"));
        assert!(c.answered(leg(a, "h", "/login")));
        assert!(!c.waits_on(a, "/login"));
        // A line without a client answers the 401 without one.
        assert!(c.answered(leg(None, "h", "/login")));
        assert!(c.is_empty() && !c.waits_on_path("/login"));
    }

    #[test]
    fn follows_what_a_plain_list_of_the_rules_follows() {
        let hosts = ["", "api.example", "API.example", "b.example"];
        let clients = [None, Some("10.0.0.1"), Some("10.0.0.2"), Some("")];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let (mut fast, mut slow) = (Challenges::default(), Reference::default());
        let mut answers = 0;
        let mut now = 1_795_424_400;
        let mut full = false;
        for round in 0..50_000 {
            let host = hosts[next(hosts.len() as u64) as usize];
            let client = clients[next(clients.len() as u64) as usize];
            // Enough paths that the limit is reached and legs are evicted
            // in the first half; in the second, time moves on fast enough
            // that legs expire.
            let path = format!("/p/{}", next(400));
            if round >= 25_000 {
                now += next(3) as i64;
            }
            let time = (next(50) != 0)
                .then(|| chrono::DateTime::from_timestamp(now, 0))
                .flatten();
            let this = leg(client, host, &path);
            if next(3) == 0 {
                fast.challenged(this, time);
                slow.challenged(this, time);
            } else {
                let answered = fast.answered(this);
                assert_eq!(answered, slow.answered(this), "{this:?}");
                answers += usize::from(answered);
            }
            assert_eq!(fast.is_empty(), slow.0.is_empty());
            let probe = format!("/p/{}", next(400));
            let client = clients[next(clients.len() as u64) as usize];
            assert_eq!(fast.waits_on_path(&probe), slow.waits_on_path(&probe));
            assert_eq!(fast.waits_on(client, &probe), slow.waits_on(client, &probe));
            assert!(fast.waiting.len() <= MAX_WAITING);
            full |= fast.waiting.len() == MAX_WAITING;
            assert_eq!(fast.waiting.len(), slow.0.len());
        }
        assert!(answers > 1000, "answers: {answers}");
        // Both ways of letting go were taken.
        assert!(
            full && fast.waiting.len() < MAX_WAITING / 2,
            "{}",
            fast.waiting.len()
        );
    }
}
