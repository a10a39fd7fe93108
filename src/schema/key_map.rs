//! The catalog's maps from (schema, name) to an object: hashed for lookups, in key order
//! when walked.

use super::{FastMap, Key};

/// A map keyed by (schema, name). Every statement a history replays looks objects up in
/// it, and a history holds thousands: a hash lookup costs a fraction of a BTreeMap's,
/// which compares the key strings at every level. Walking it (`iter`, `keys`, `values`,
/// `&map`) visits the keys in order, as DDL, diffs and messages print them: the order a
/// BTreeMap kept, paid for only where a map is walked.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMap<V>(FastMap<Key, V>);

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        KeyMap(FastMap::default())
    }
}

impl<V> KeyMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &Key) -> Option<&V> {
        self.0.get(key)
    }

    pub fn get_mut(&mut self, key: &Key) -> Option<&mut V> {
        self.0.get_mut(key)
    }

    pub fn get_key_value(&self, key: &Key) -> Option<(&Key, &V)> {
        self.0.get_key_value(key)
    }

    pub fn contains_key(&self, key: &Key) -> bool {
        self.0.contains_key(key)
    }

    pub fn insert(&mut self, key: Key, value: V) -> Option<V> {
        self.0.insert(key, value)
    }

    pub fn entry(&mut self, key: Key) -> std::collections::hash_map::Entry<'_, Key, V> {
        self.0.entry(key)
    }

    pub fn remove(&mut self, key: &Key) -> Option<V> {
        self.0.remove(key)
    }

    /// Keeps the entries `keep` says to, visited in no particular order.
    pub fn retain(&mut self, keep: impl FnMut(&Key, &mut V) -> bool) {
        self.0.retain(keep)
    }

    /// Every value, in no particular order (for changes that do not depend on it).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.values_mut()
    }

    /// The entries, in no particular order (for lookups that sort what they keep).
    pub fn iter_any_order(&self) -> impl Iterator<Item = (&Key, &V)> {
        self.0.iter()
    }

    /// The entries in key order.
    pub fn iter(&self) -> std::vec::IntoIter<(&Key, &V)> {
        let mut entries: Vec<(&Key, &V)> = self.0.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries.into_iter()
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

impl<V> std::ops::Index<&Key> for KeyMap<V> {
    type Output = V;

    fn index(&self, key: &Key) -> &V {
        &self.0[key]
    }
}

impl<'a, V> IntoIterator for &'a KeyMap<V> {
    type Item = (&'a Key, &'a V);
    type IntoIter = std::vec::IntoIter<(&'a Key, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<V> IntoIterator for KeyMap<V> {
    type Item = (Key, V);
    type IntoIter = std::vec::IntoIter<(Key, V)>;

    /// The entries in key order.
    fn into_iter(self) -> Self::IntoIter {
        let mut entries: Vec<(Key, V)> = self.0.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        entries.into_iter()
    }
}

impl<V> FromIterator<(Key, V)> for KeyMap<V> {
    fn from_iter<I: IntoIterator<Item = (Key, V)>>(entries: I) -> Self {
        KeyMap(entries.into_iter().collect())
    }
}

/// As a map in key order, as a BTreeMap serializes.
impl<V: serde::Serialize> serde::Serialize for KeyMap<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walked_in_key_order_looked_up_by_key() {
        let key = |s: &str, n: &str| -> Key { (s.into(), n.into()) };
        let mut map: KeyMap<u32> = ["zeta", "alpha", "mid", "beta"]
            .iter()
            .enumerate()
            .map(|(i, n)| (key("public", n), i as u32))
            .collect();
        map.insert(key("audit", "zeta"), 9);
        let keys: Vec<String> = map.keys().map(|k| format!("{}.{}", k.0, k.1)).collect();
        assert_eq!(
            keys,
            [
                "audit.zeta",
                "public.alpha",
                "public.beta",
                "public.mid",
                "public.zeta"
            ]
        );
        assert_eq!(map[&key("public", "mid")], 2);
        assert_eq!(map.remove(&key("public", "alpha")), Some(1));
        map.retain(|k, _| k.0 == "public");
        assert_eq!(map.len(), 3);
        // Serialized as the BTreeMap it replaces was.
        let btree: std::collections::BTreeMap<Key, u32> =
            map.iter().map(|(k, v)| (k.clone(), *v)).collect();
        assert_eq!(
            serde_norway::to_string(&map).unwrap(),
            serde_norway::to_string(&btree).unwrap()
        );
    }
}
