//! Allow-once grants: they live in memory for one run of an app and are never
//! written to disk as granted, so a restart (or `end_app_run`) makes the scope
//! unasked again.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::store::Namespace;

/// The allow-once grants of this process.
#[derive(Default)]
pub struct SessionGrants {
    grants: Mutex<HashMap<Namespace, BTreeSet<String>>>,
}

impl SessionGrants {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Namespace, BTreeSet<String>>> {
        self.grants.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Grants `scope` in `ns` for this run.
    pub fn grant(&self, ns: &Namespace, scope: &str) {
        self.lock()
            .entry(ns.clone())
            .or_default()
            .insert(scope.to_string());
    }

    /// Whether `scope` is granted in `ns` for this run.
    pub fn has(&self, ns: &Namespace, scope: &str) -> bool {
        self.lock().get(ns).is_some_and(|s| s.contains(scope))
    }

    /// Drops one allow-once grant (a decision replaced it).
    pub fn revoke(&self, ns: &Namespace, scope: &str) {
        let mut grants = self.lock();
        if let Some(scopes) = grants.get_mut(ns) {
            scopes.remove(scope);
            if scopes.is_empty() {
                grants.remove(ns);
            }
        }
    }

    /// Ends runs: every allow-once grant matching `user_id` (any user when `None`)
    /// and `app_id` (any app when `None`), plugins included.
    pub fn end(&self, user_id: Option<&str>, app_id: Option<&str>) {
        self.lock().retain(|ns, _| {
            !(user_id.is_none_or(|u| ns.user_id == u) && app_id.is_none_or(|a| ns.app_id == a))
        });
    }
}
