//! The 401s of one log still waiting for their second leg. A challenge
//! (Basic, Negotiate, a token refresh) is answered by the same host and
//! path succeeding soon after, so a log follows the most recent unanswered
//! (host, path) pairs, and lets the count-only fast path ask whether a
//! 2xx/3xx line's path is one of them.
//!
//! At most [`MAX_WAITING`] pairs wait, oldest evicted first, so they are
//! kept in a queue with their hashes and found by scanning the hashes: no
//! set beside the queue to keep in step, and an evicted pair's strings are
//! reused for the next one (a busy log has a 401 every few lines).

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher};

use rustc_hash::{FxBuildHasher, FxHashMap};

/// At most this many distinct (host, path) pairs are followed per file:
/// memory stays bounded on huge logs, and a challenge's second leg comes
/// within seconds.
pub(crate) const MAX_WAITING: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct Challenges {
    /// Oldest first. Hosts are lower-cased.
    waiting: VecDeque<Waiting>,
    /// How many waiting pairs have each path: what a line without a cheap
    /// host is tested against. (Counted: two hosts can wait on one path,
    /// and the first answer must not stop the other being followed.)
    paths: FxHashMap<String, usize>,
}

#[derive(Debug)]
struct Waiting {
    hash: u64,
    host: String,
    path: String,
}

impl Challenges {
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Could a 2xx/3xx on `path` (without its query) answer a waiting 401?
    pub fn waits_on_path(&self, path: &str) -> bool {
        !self.paths.is_empty() && self.paths.contains_key(path)
    }

    /// A 401 on `host` and `path`: followed from now on, unless it already
    /// is. The oldest pair is let go when too many wait.
    pub fn challenged(&mut self, host: &str, path: &str) {
        let host = lower(host);
        let hash = pair_hash(&host, path);
        if self.position(hash, &host, path).is_some() {
            return;
        }
        let evicted = if self.waiting.len() >= MAX_WAITING {
            self.waiting.pop_front()
        } else {
            None
        };
        let (mut host_buf, mut path_buf) = match evicted {
            Some(old) => {
                self.unfollow_path(&old.path);
                (old.host, old.path)
            }
            None => Default::default(),
        };
        host_buf.clear();
        host_buf.push_str(&host);
        path_buf.clear();
        path_buf.push_str(path);
        match self.paths.get_mut(path) {
            Some(n) => *n += 1,
            None => {
                self.paths.insert(path.to_string(), 1);
            }
        }
        self.waiting.push_back(Waiting {
            hash,
            host: host_buf,
            path: path_buf,
        });
    }

    /// A 2xx/3xx on `host` and `path`: true when it answers a waiting 401,
    /// which is then no longer followed.
    pub fn answered(&mut self, host: &str, path: &str) -> bool {
        let host = lower(host);
        let Some(at) = self.position(pair_hash(&host, path), &host, path) else {
            return false;
        };
        if let Some(done) = self.waiting.remove(at) {
            self.unfollow_path(&done.path);
        }
        true
    }

    fn position(&self, hash: u64, host: &str, path: &str) -> Option<usize> {
        // Most 401s come on a path nothing waits on: one probe of `paths`
        // spares them the scan of the whole queue.
        if !self.paths.contains_key(path) {
            return None;
        }
        self.waiting
            .iter()
            .position(|w| w.hash == hash && w.host == host && w.path == path)
    }

    fn unfollow_path(&mut self, path: &str) {
        if let Some(n) = self.paths.get_mut(path) {
            *n -= 1;
            if *n == 0 {
                self.paths.remove(path);
            }
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

fn pair_hash(host: &str, path: &str) -> u64 {
    let mut h = FxBuildHasher.build_hasher();
    host.hash(&mut h);
    path.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules as a plain list, for comparison: oldest first, evicted
    /// beyond the limit, answered pairs removed.
    #[derive(Default)]
    struct Reference(Vec<(String, String)>);

    impl Reference {
        fn challenged(&mut self, host: &str, path: &str) {
            let key = (host.to_ascii_lowercase(), path.to_string());
            if !self.0.contains(&key) {
                self.0.push(key);
                if self.0.len() > MAX_WAITING {
                    self.0.remove(0);
                }
            }
        }

        fn answered(&mut self, host: &str, path: &str) -> bool {
            let key = (host.to_ascii_lowercase(), path.to_string());
            let at = self.0.iter().position(|k| *k == key);
            at.map(|i| self.0.remove(i)).is_some()
        }

        fn waits_on_path(&self, path: &str) -> bool {
            self.0.iter().any(|(_, p)| p == path)
        }
    }

    #[test]
    fn a_pair_challenged_again_after_its_answer_waits_as_the_newest() {
        let mut c = Challenges::default();
        c.challenged("h", "/a");
        c.challenged("h", "/b");
        assert!(c.answered("H", "/a"));
        c.challenged("h", "/a");
        for i in 0..MAX_WAITING - 2 {
            c.challenged("h", &format!("/x{i}"));
        }
        assert!(c.waits_on_path("/a") && c.waits_on_path("/b"));
        // One too many: the oldest waiting pair goes, which is /b. (A queue
        // that kept /a's answered entry let /a go here instead.)
        c.challenged("h", "/y");
        assert!(c.waits_on_path("/a"));
        assert!(!c.waits_on_path("/b"));
    }

    #[test]
    fn follows_what_a_plain_list_of_the_rules_follows() {
        let hosts = ["", "api.example", "API.example", "b.example"];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let (mut fast, mut slow) = (Challenges::default(), Reference::default());
        let mut answers = 0;
        for _ in 0..50_000 {
            let host = hosts[next(hosts.len() as u64) as usize];
            // Enough paths that the limit is reached and pairs are evicted.
            let path = format!("/p/{}", next(90));
            if next(3) == 0 {
                fast.challenged(host, &path);
                slow.challenged(host, &path);
            } else {
                let answered = fast.answered(host, &path);
                assert_eq!(answered, slow.answered(host, &path), "{host} {path}");
                answers += usize::from(answered);
            }
            assert_eq!(fast.is_empty(), slow.0.is_empty());
            let probe = format!("/p/{}", next(90));
            assert_eq!(fast.waits_on_path(&probe), slow.waits_on_path(&probe));
            assert!(fast.waiting.len() <= MAX_WAITING);
        }
        assert!(answers > 1000, "answers: {answers}");
        assert_eq!(fast.waiting.len(), slow.0.len());
    }
}
