//! A multimap built once and then only read: its pairs sorted by key in
//! one vector. The join's indexes (events and HAR requests per request id)
//! hold one entry per record of a multi-GB input; a `HashMap<K, Vec<V>>`
//! spends a table slot and a heap allocation per key on them, this spends
//! the pair alone.

use std::cmp::Ordering;

use rayon::slice::ParallelSliceMut;

#[derive(Debug, Clone)]
pub struct SortedMultiMap<K, V> {
    pairs: Vec<(K, V)>,
}

impl<K, V> Default for SortedMultiMap<K, V> {
    fn default() -> Self {
        SortedMultiMap { pairs: Vec::new() }
    }
}

impl<K: Ord + Send, V: Ord + Send> SortedMultiMap<K, V> {
    /// The values of one key end up in ascending order. Callers give them
    /// in record order and order them by record index, so this is the
    /// order they came in, without the scratch buffer of a stable sort
    /// (up to 8 MB on a multi-GB capture). Sorted on all threads: the
    /// join builds this while the others wait.
    pub fn from_pairs(mut pairs: Vec<(K, V)>) -> Self {
        pairs.par_sort_unstable();
        pairs.shrink_to_fit();
        SortedMultiMap { pairs }
    }
}

impl<K: Ord, V> SortedMultiMap<K, V> {
    fn range(&self, key: &K) -> &[(K, V)] {
        let from = self.pairs.partition_point(|(k, _)| k < key);
        let len = self.pairs[from..]
            .iter()
            .take_while(|(k, _)| k.cmp(key) == Ordering::Equal)
            .count();
        &self.pairs[from..from + len]
    }

    /// The values of `key`, in order; empty when it has none.
    pub fn get<'s>(&'s self, key: &K) -> impl DoubleEndedIterator<Item = &'s V> + Clone + 's {
        self.range(key).iter().map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &K) -> bool {
        !self.range(key).is_empty()
    }

    /// Each key once, with its values, keys in order.
    pub fn groups(&self) -> impl Iterator<Item = (&K, impl Iterator<Item = &V> + '_)> + '_ {
        self.pairs
            .chunk_by(|a, b| a.0 == b.0)
            .map(|run| (&run[0].0, run.iter().map(|(_, v)| v)))
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
        assert_eq!(m.get(&"a").copied().collect::<Vec<_>>(), [2, 9]);
        assert_eq!(m.get(&"b").copied().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(m.get(&"zz").count(), 0);
        assert!(m.contains_key(&"c") && !m.contains_key(&"d"));
        let keys: Vec<_> = m.groups().map(|(k, vs)| (*k, vs.count())).collect();
        assert_eq!(keys, [("a", 2), ("b", 2), ("c", 1)]);
    }

    #[test]
    fn a_key_borrowed_for_less_time_finds_its_values() {
        let owned = String::from("key");
        let m = SortedMultiMap::from_pairs(vec![(owned.as_str(), 1)]);
        let probe = String::from("key");
        assert_eq!(m.get(&probe.as_str()).count(), 1);
    }
}
