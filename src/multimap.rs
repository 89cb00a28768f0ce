//! A multimap built once and then only read: its pairs sorted by key in
//! one vector. The join's indexes (events and HAR requests per request id)
//! hold one entry per record of a multi-GB input; a `HashMap<K, Vec<V>>`
//! spends a table slot and a heap allocation per key on them, this spends
//! the pair alone.

use std::cmp::Ordering;

use rayon::slice::ParallelSliceMut;

#[derive(Debug, Clone)]
pub struct SortedMultiMap<'k, V> {
    /// (the key's first bytes as a number, the key, the value), sorted.
    pairs: Vec<(u64, &'k str, V)>,
}

impl<V> Default for SortedMultiMap<'_, V> {
    fn default() -> Self {
        SortedMultiMap { pairs: Vec::new() }
    }
}

/// A key's first 8 bytes, big-endian and zero-padded: ordered as the keys
/// are wherever it differs, so whole keys are compared only on a tie. The
/// keys point into records spread over the whole input, and comparing them
/// was a cache miss each: sorting a 1 GB JSON log's request ids took 34 ms
/// of its join, with the other thread idle at the end.
fn prefix(key: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let head = &key.as_bytes()[..key.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    u64::from_be_bytes(bytes)
}

impl<'k, V: Ord + Send> SortedMultiMap<'k, V> {
    /// The values of one key end up in ascending order. Callers give them
    /// in record order and order them by record index, so this is the
    /// order they came in, without the scratch buffer of a stable sort
    /// (up to 8 MB on a multi-GB capture). Sorted on all threads: the
    /// join builds this while the others wait.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (&'k str, V)>) -> Self {
        let mut pairs: Vec<_> = pairs.into_iter().map(|(k, v)| (prefix(k), k, v)).collect();
        pairs.par_sort_unstable();
        pairs.shrink_to_fit();
        SortedMultiMap { pairs }
    }
}

impl<'k, V> SortedMultiMap<'k, V> {
    fn range(&self, key: &str) -> &[(u64, &'k str, V)] {
        let at = (prefix(key), key);
        let from = self.pairs.partition_point(|(p, k, _)| (*p, *k) < at);
        let len = self.pairs[from..]
            .iter()
            .take_while(|(p, k, _)| (*p, *k).cmp(&at) == Ordering::Equal)
            .count();
        &self.pairs[from..from + len]
    }

    /// The values of `key`, in order; empty when it has none.
    pub fn get<'s>(&'s self, key: &str) -> impl DoubleEndedIterator<Item = &'s V> + Clone + 's {
        self.range(key).iter().map(|(_, _, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        !self.range(key).is_empty()
    }

    /// Each key once, with its values, keys in order.
    pub fn groups(&self) -> impl Iterator<Item = (&'k str, impl Iterator<Item = &V> + '_)> + '_ {
        self.pairs
            // Different first bytes tell different keys without reading
            // them (each a cache miss away).
            .chunk_by(|a, b| a.0 == b.0 && a.1 == b.1)
            .map(|run| (run[0].1, run.iter().map(|(_, _, v)| v)))
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_a_key_come_in_ascending_order() {
        let m = SortedMultiMap::from_pairs(vec![("b", 1), ("a", 2), ("b", 3), ("a", 9), ("c", 5)]);
        assert_eq!(m.get("a").copied().collect::<Vec<_>>(), [2, 9]);
        assert_eq!(m.get("b").copied().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(m.get("zz").count(), 0);
        assert!(m.contains_key("c") && !m.contains_key("d"));
        let keys: Vec<_> = m.groups().map(|(k, vs)| (k, vs.count())).collect();
        assert_eq!(keys, [("a", 2), ("b", 2), ("c", 1)]);
    }

    /// Keys that tie on their first 8 bytes, are prefixes of each other,
    /// hold NULs (as the zero padding does) or bytes past 0x7f come out in
    /// the order of the keys themselves, and are each found.
    #[test]
    fn keys_are_ordered_as_strings_whatever_their_first_bytes() {
        let keys = [
            "",
            "\0",
            "a",
            "a\0",
            "a\0\0",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "abcdefgha",
            "abcdefg",
            "abcdefgz",
            "b",
            "é",
            "éé",
            "\u{7f}",
            "zzzzzzzzzzzz",
            "zzzzzzzz",
        ];
        let mut pairs = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            pairs.push((*k, 2 * i));
            pairs.push((keys[keys.len() - 1 - i], 2 * i + 1));
        }
        let m = SortedMultiMap::from_pairs(pairs.clone());
        let mut expected: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (k, v) in pairs {
            expected.entry(k).or_default().push(v);
        }
        let got: Vec<(&str, Vec<usize>)> = m
            .groups()
            .map(|(k, vs)| (k, vs.copied().collect()))
            .collect();
        assert_eq!(got, expected.clone().into_iter().collect::<Vec<_>>());
        for (k, vs) in &expected {
            assert_eq!(&m.get(k).copied().collect::<Vec<_>>(), vs, "{k:?}");
        }
        assert_eq!(m.get("abcdefgh\0\0").count(), 0);
        assert_eq!(m.get("abcdefgb").count(), 0);
    }

    #[test]
    fn a_key_borrowed_for_less_time_finds_its_values() {
        let owned = String::from("key");
        let m = SortedMultiMap::from_pairs(vec![(owned.as_str(), 1)]);
        let probe = String::from("key");
        assert_eq!(m.get(probe.as_str()).count(), 1);
    }
}
