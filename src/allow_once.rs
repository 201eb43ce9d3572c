//! Allow-once grants: they live in memory for one run of an app and are never
//! written to disk as granted, so a restart (or `end_app_run`) makes the scope
//! unasked again. Kept by app, so ending one app's run touches only that app.
//!
//! Runs are counted too: a dialog takes its app's [`RunToken`] when it opens,
//! and what it is answered grants nothing once that run has ended (the host
//! ended it, the app was registered again or reset, the user was forgotten).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::fast_map::FastMap;
use crate::namespace::{Namespace, NamespaceKey};
use crate::store::LogPoint;

type ByNamespace = FastMap<Namespace, BTreeMap<String, Since>>;

/// What an allow-once grant was given after, and last checked against: a
/// decision stored by another process after it ends it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Since {
    /// Where the consent log stood for its user when it was given (its own
    /// record, and the user's pseudonym).
    pub log: LogPoint,
    /// The store's count of other connections' commits when it was last found
    /// still standing.
    pub checked_at: u64,
}

/// Which run of a (user, app) a dialog belongs to: the ends counted so far of
/// that pair, of the app for everyone, and of the user in every app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunToken {
    epoch: u64,
    pair: u64,
    app: u64,
    user: u64,
}

/// How many runs ended, by (user, app), by app and by user.
#[derive(Default)]
struct Runs {
    /// Bumped when the maps below start over (every older token then differs:
    /// a dialog spanning it grants nothing, the safe side).
    epoch: u64,
    pairs: FastMap<(String, String), u64>,
    apps: FastMap<String, u64>,
    users: FastMap<String, u64>,
}

/// How many ends [`Runs`] keeps count of before it starts over.
const MAX_COUNTED_ENDS: usize = 4096;

impl Runs {
    fn token(&self, user_id: &str, app_id: &str) -> RunToken {
        RunToken {
            epoch: self.epoch,
            pair: self
                .pairs
                .get(&(user_id.to_string(), app_id.to_string()))
                .copied()
                .unwrap_or(0),
            app: self.apps.get(app_id).copied().unwrap_or(0),
            user: self.users.get(user_id).copied().unwrap_or(0),
        }
    }

    fn end(&mut self, user_id: Option<&str>, app_id: Option<&str>) {
        if self.pairs.len() + self.apps.len() + self.users.len() >= MAX_COUNTED_ENDS {
            *self = Runs {
                epoch: self.epoch + 1,
                ..Runs::default()
            };
        }
        match (user_id, app_id) {
            (Some(user), Some(app)) => {
                *self.pairs.entry((user.into(), app.into())).or_default() += 1;
            }
            (None, Some(app)) => *self.apps.entry(app.into()).or_default() += 1,
            (Some(user), None) => *self.users.entry(user.into()).or_default() += 1,
            (None, None) => self.epoch += 1,
        }
    }
}

/// The allow-once grants of this process, by app, and the runs that ended.
#[derive(Default)]
pub struct AllowOnceGrants {
    by_app: Mutex<FastMap<String, ByNamespace>>,
    /// Locked after `by_app` when both are.
    runs: Mutex<Runs>,
    /// Whether `by_app` holds anything; written under its lock, read without it,
    /// so the common case (no allow-once grant anywhere) takes no lock.
    any: AtomicBool,
}

impl AllowOnceGrants {
    fn lock(&self) -> std::sync::MutexGuard<'_, FastMap<String, ByNamespace>> {
        self.by_app.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn runs(&self) -> std::sync::MutexGuard<'_, Runs> {
        self.runs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The run of (user, app) now.
    pub fn run_token(&self, user_id: &str, app_id: &str) -> RunToken {
        self.runs().token(user_id, app_id)
    }

    /// Whether (user, app) is still in the run of `token`.
    pub fn same_run(&self, user_id: &str, app_id: &str, token: &RunToken) -> bool {
        self.runs().token(user_id, app_id) == *token
    }

    /// Grants `scope` in `ns` for this run, if it is still the run of `token`
    /// (atomically with the run's end); says whether it did.
    pub fn grant_in_run(
        &self,
        ns: &Namespace,
        scope: &str,
        token: &RunToken,
        since: Since,
    ) -> bool {
        let by_app = self.lock();
        if self.runs().token(&ns.user_id, &ns.app_id) != *token {
            return false;
        }
        self.grant_locked(by_app, ns, scope, since);
        true
    }

    /// Grants `scope` in `ns` for this run.
    pub fn grant(&self, ns: &Namespace, scope: &str, since: Since) {
        self.grant_locked(self.lock(), ns, scope, since);
    }

    fn grant_locked(
        &self,
        mut by_app: std::sync::MutexGuard<'_, FastMap<String, ByNamespace>>,
        ns: &Namespace,
        scope: &str,
        since: Since,
    ) {
        by_app
            .entry(ns.app_id.clone())
            .or_default()
            .entry(ns.clone())
            .or_default()
            .insert(scope.to_string(), since);
        self.any.store(true, Ordering::Release);
    }

    /// Runs `read` on the grants of `ns`, if it has any (no lock when this
    /// process has no allow-once grant at all).
    fn read_scopes<T>(
        &self,
        ns: &(impl NamespaceKey + ?Sized),
        read: impl FnOnce(&BTreeMap<String, Since>) -> T,
    ) -> Option<T> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let ns = ns.key();
        self.lock()
            .get(ns.app_id)
            .and_then(|app| app.get(&ns as &dyn NamespaceKey))
            .map(read)
    }

    /// The grants of `ns` not checked since the store's count of other
    /// connections' commits reached `commits`: (scope, where the log stood when
    /// given).
    pub fn unchecked(
        &self,
        ns: &(impl NamespaceKey + ?Sized),
        commits: u64,
    ) -> Vec<(String, LogPoint)> {
        self.read_scopes(ns, |scopes| {
            scopes
                .iter()
                .filter(|(_, since)| since.checked_at != commits)
                .map(|(scope, since)| (scope.clone(), since.log.clone()))
                .collect()
        })
        .unwrap_or_default()
    }

    /// Whether this process holds any allow-once grant (no lock).
    pub fn any(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// Whether `scope` in `ns` has a grant not checked since `commits`.
    pub fn is_unchecked(
        &self,
        ns: &(impl NamespaceKey + ?Sized),
        scope: &str,
        commits: u64,
    ) -> bool {
        self.read_scopes(ns, |scopes| {
            scopes
                .get(scope)
                .is_some_and(|since| since.checked_at != commits)
        })
        .unwrap_or(false)
    }

    /// Notes that the grant of `scope` in `ns` still stood at `commits`.
    pub fn checked(&self, ns: &Namespace, scope: &str, commits: u64) {
        if let Some(since) = self
            .lock()
            .get_mut(&ns.app_id)
            .and_then(|app| app.get_mut(ns))
            .and_then(|scopes| scopes.get_mut(scope))
        {
            since.checked_at = commits;
        }
    }

    /// Whether `scope` is granted in `ns` for this run.
    pub fn has(&self, ns: &(impl NamespaceKey + ?Sized), scope: &str) -> bool {
        self.read_scopes(ns, |scopes| scopes.contains_key(scope))
            .unwrap_or(false)
    }

    /// Drops one allow-once grant (a decision replaced it).
    pub fn revoke(&self, ns: &Namespace, scope: &str) {
        let mut by_app = self.lock();
        if let Some(app) = by_app.get_mut(&ns.app_id) {
            if let Some(scopes) = app.get_mut(ns) {
                scopes.remove(scope);
                if scopes.is_empty() {
                    app.remove(ns);
                }
            }
            if app.is_empty() {
                by_app.remove(&ns.app_id);
            }
        }
        self.any.store(!by_app.is_empty(), Ordering::Release);
    }

    /// Ends runs: every allow-once grant matching `user_id` (any user when `None`)
    /// and `app_id` (any app when `None`), plugins included.
    pub fn end(&self, user_id: Option<&str>, app_id: Option<&str>) {
        let mut by_app = self.lock();
        self.runs().end(user_id, app_id);
        let end_in = |app: &mut ByNamespace| {
            app.retain(|ns, _| user_id.is_some_and(|u| ns.user_id != u));
        };
        match app_id {
            Some(app_id) => {
                if let Some(app) = by_app.get_mut(app_id) {
                    end_in(app);
                    if app.is_empty() {
                        by_app.remove(app_id);
                    }
                }
            }
            None => {
                by_app.values_mut().for_each(end_in);
                by_app.retain(|_, app| !app.is_empty());
            }
        }
        self.any.store(!by_app.is_empty(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_a_run_ends_only_that_user_and_app() {
        let grants = AllowOnceGrants::default();
        let a = Namespace::new("u1", "wxA", None);
        let a_plugin = Namespace::new("u1", "wxA", Some("p"));
        let other_user = Namespace::new("u2", "wxA", None);
        let other_app = Namespace::new("u1", "wxB", None);
        for ns in [&a, &a_plugin, &other_user, &other_app] {
            grants.grant(ns, "scope.record", Since::default());
        }
        grants.end(Some("u1"), Some("wxA"));
        assert!(!grants.has(&a, "scope.record"));
        assert!(!grants.has(&a_plugin, "scope.record"));
        assert!(grants.has(&other_user, "scope.record"));
        assert!(grants.has(&other_app, "scope.record"));
        grants.end(None, Some("wxA"));
        assert!(!grants.has(&other_user, "scope.record"));
        grants.end(Some("u1"), None);
        assert!(!grants.has(&other_app, "scope.record"));
        // Emptied, then granted again: seen again.
        grants.grant(&a, "scope.camera", Since::default());
        assert!(grants.has(&a, "scope.camera"));
        grants.revoke(&a, "scope.camera");
        assert!(!grants.has(&a, "scope.camera"));
    }
}
