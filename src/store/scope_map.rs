//! A small map from scope name to a value, for one namespace's decisions: a
//! vector sorted by name. A namespace holds a few scopes (the catalogue has about
//! twenty), where a `BTreeMap` would allocate an eleven-slot node per map and a
//! hash map a table; the vector is exactly as long as the namespace's decisions,
//! so the cache costs what it holds (BENCHMARKS.md, bytes per cached grant).

/// Values by scope name, in name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeMap<V> {
    entries: Vec<(String, V)>,
}

impl<V> Default for ScopeMap<V> {
    fn default() -> Self {
        ScopeMap {
            entries: Vec::new(),
        }
    }
}

impl<V> ScopeMap<V> {
    fn position(&self, scope: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(name, _)| name.as_str().cmp(scope))
    }

    /// The value for `scope`.
    pub fn get(&self, scope: &str) -> Option<&V> {
        self.position(scope).ok().map(|i| &self.entries[i].1)
    }

    /// Sets the value for `scope`; returns the one it replaces.
    pub fn insert(&mut self, scope: String, value: V) -> Option<V> {
        match self.position(&scope) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (scope, value));
                None
            }
        }
    }

    /// Removes `scope`; returns its value.
    pub fn remove(&mut self, scope: &str) -> Option<V> {
        self.position(scope).ok().map(|i| self.entries.remove(i).1)
    }

    /// Every (scope, value), in scope order.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }

    /// How many scopes have a value.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Gives back spare capacity (once a namespace is loaded into the cache).
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut map = ScopeMap::default();
        let mut model = BTreeMap::new();
        let names = [
            "scope.record",
            "scope.camera",
            "scope.werun",
            "scope.bluetooth",
        ];
        for (step, name) in names.iter().cycle().take(40).enumerate() {
            match step % 3 {
                0 | 1 => assert_eq!(
                    map.insert(name.to_string(), step),
                    model.insert(name.to_string(), step)
                ),
                _ => assert_eq!(map.remove(name), model.remove(*name)),
            }
            assert_eq!(map.len(), model.len());
            let ours: Vec<_> = map.iter().map(|(k, v)| (k.to_string(), *v)).collect();
            let theirs: Vec<_> = model.iter().map(|(k, v)| (k.clone(), *v)).collect();
            assert_eq!(ours, theirs);
            for name in names {
                assert_eq!(map.get(name), model.get(name));
            }
        }
        assert!(map.get("scope.location").is_none());
    }
}
