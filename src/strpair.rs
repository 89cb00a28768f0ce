//! Borrowed lookups in maps and sets keyed by a pair of owned strings.
//! The hot paths ask such a map far more often than they add to it (a
//! logged 401 asks whether its host and path were seen, a log-only 401
//! asks for the successes of its method and URL); an owned key per
//! question was two allocations each.

use std::hash::{Hash, Hasher};

use hashbrown::Equivalent;

/// A map keyed by two owned strings that [`StrPair`] can look up.
pub type PairMap<V> = hashbrown::HashMap<(String, String), V, rustc_hash::FxBuildHasher>;

/// A set of two owned strings that [`StrPair`] can look up.
pub type PairSet = hashbrown::HashSet<(String, String), rustc_hash::FxBuildHasher>;

/// `(String, String)` borrowed: hashes and compares as the owned pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrPair<'a>(pub &'a str, pub &'a str);

impl Hash for StrPair<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same calls as `(String, String)::hash`.
        self.0.hash(state);
        self.1.hash(state);
    }
}

impl Equivalent<(String, String)> for StrPair<'_> {
    fn equivalent(&self, key: &(String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

impl StrPair<'_> {
    /// The owned key, for an insert.
    pub fn to_owned_pair(self) -> (String, String) {
        (self.0.to_string(), self.1.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_pair_finds_exactly_its_owned_key() {
        let mut set = PairSet::default();
        set.insert(("api.example".into(), "/v1/users".into()));
        set.insert(("".into(), "/v1/users".into()));
        assert!(set.contains(&StrPair("api.example", "/v1/users")));
        assert!(set.contains(&StrPair("", "/v1/users")));
        // The boundary between the two strings is part of the key.
        assert!(!set.contains(&StrPair("api.example/", "v1/users")));
        assert!(!set.contains(&StrPair("api.exampl", "e/v1/users")));
        assert!(!set.contains(&StrPair("/v1/users", "")));
        let mut map = PairMap::default();
        map.insert(StrPair("GET", "/a?b=1").to_owned_pair(), 7);
        assert_eq!(map.get(&StrPair("GET", "/a?b=1")), Some(&7));
        assert_eq!(map.get(&StrPair("GET", "/a?b=2")), None);
    }
}
