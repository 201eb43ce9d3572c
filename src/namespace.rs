//! Whose grants: a [`Namespace`] is one (user, app) or one plugin inside it.
//! [`NamespaceRef`] is the same key borrowed from a caller, so the hot path can
//! look a namespace up in the caches without copying its ids; maps keyed by
//! `Namespace` accept either through [`NamespaceKey`].

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// Whose grants: one (user, app) or one plugin inside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Namespace {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, or `""` for the app itself.
    pub plugin_id: String,
}

impl Namespace {
    /// The app's own namespace (`plugin_id` empty) or a plugin's.
    pub fn new(user_id: &str, app_id: &str, plugin_id: Option<&str>) -> Self {
        NamespaceRef::new(user_id, app_id, plugin_id).to_owned()
    }

    /// The plugin id, `None` for the app's own namespace.
    pub fn plugin(&self) -> Option<String> {
        (!self.plugin_id.is_empty()).then(|| self.plugin_id.clone())
    }

    /// This namespace, borrowed.
    pub fn borrowed(&self) -> NamespaceRef<'_> {
        NamespaceRef {
            user_id: &self.user_id,
            app_id: &self.app_id,
            plugin_id: &self.plugin_id,
        }
    }
}

/// A [`Namespace`] whose ids are borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespaceRef<'a> {
    /// The user.
    pub user_id: &'a str,
    /// The app.
    pub app_id: &'a str,
    /// The plugin, or `""` for the app itself.
    pub plugin_id: &'a str,
}

impl<'a> NamespaceRef<'a> {
    /// The app's own namespace (`plugin_id` empty) or a plugin's.
    pub fn new(user_id: &'a str, app_id: &'a str, plugin_id: Option<&'a str>) -> Self {
        NamespaceRef {
            user_id,
            app_id,
            plugin_id: plugin_id.unwrap_or_default(),
        }
    }

    /// An owned copy.
    pub fn to_owned(self) -> Namespace {
        Namespace {
            user_id: self.user_id.to_string(),
            app_id: self.app_id.to_string(),
            plugin_id: self.plugin_id.to_string(),
        }
    }
}

/// Anything that names a namespace; `dyn NamespaceKey` is what maps keyed by
/// [`Namespace`] are searched with, so a [`NamespaceRef`] finds an owned key.
pub trait NamespaceKey {
    /// The namespace, borrowed.
    fn key(&self) -> NamespaceRef<'_>;
}

impl NamespaceKey for Namespace {
    fn key(&self) -> NamespaceRef<'_> {
        self.borrowed()
    }
}

impl NamespaceKey for NamespaceRef<'_> {
    fn key(&self) -> NamespaceRef<'_> {
        *self
    }
}

impl<'a> Borrow<dyn NamespaceKey + 'a> for Namespace {
    fn borrow(&self) -> &(dyn NamespaceKey + 'a) {
        self
    }
}

// `Namespace` and `dyn NamespaceKey` must hash and compare alike (the contract
// of `Borrow`): both go through the borrowed form.
impl Hash for NamespaceRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.user_id.hash(state);
        self.app_id.hash(state);
        self.plugin_id.hash(state);
    }
}

impl Hash for Namespace {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.borrowed().hash(state);
    }
}

impl Hash for dyn NamespaceKey + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialEq for dyn NamespaceKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for dyn NamespaceKey + '_ {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_borrowed_key_finds_the_owned_one() {
        let mut map = HashMap::new();
        map.insert(Namespace::new("u", "wxA", None), 1);
        map.insert(Namespace::new("u", "wxA", Some("p")), 2);
        let app = NamespaceRef::new("u", "wxA", None);
        let plugin = NamespaceRef::new("u", "wxA", Some("p"));
        let other = NamespaceRef::new("u", "wxAp", None);
        assert_eq!(map.get(&app as &dyn NamespaceKey), Some(&1));
        assert_eq!(map.get(&plugin as &dyn NamespaceKey), Some(&2));
        assert_eq!(map.get(&other as &dyn NamespaceKey), None);
        assert_eq!(app.to_owned(), Namespace::new("u", "wxA", None));
    }
}
