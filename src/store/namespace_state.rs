//! Everything stored about one namespace — its decisions and dismissal counts —
//! read into a [`NamespaceState`] (and cached), and changed by [`Change`]s, each
//! batch in one durable transaction with its consent records.

use std::sync::Arc;

use super::cache::Entries;
use super::consent_log::{self, LogPoint};
use super::door::{Passage, StillTrue};
use super::grant_row::{Decided, GrantRow, StoredGrant};
use super::namespace_read::load;
use super::record_links::Link;
use super::scope_map::ScopeMap;
use super::{Inner, Store};
use crate::admin_records::DecisionSource;
use crate::consent_record::NewRecord;
use crate::embargo::Dismissals;
use crate::error::Result;
use crate::namespace::{Namespace, NamespaceKey, NamespaceRef};
use crate::policy;
use crate::privacy_agreement::Agreement;

/// Everything stored about one namespace (cached).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceState {
    /// Decisions by scope.
    pub grants: ScopeMap<StoredGrant>,
    /// Dismissal counts by scope (the dismissal embargo's).
    pub dismissals: ScopeMap<Dismissals>,
}

/// One change to a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Store a decision; clears the scope's dismissal count.
    Decide(Decided),
    /// Forget the decision (back to unasked); clears the dismissal count.
    Forget {
        /// The scope.
        scope: String,
    },
    /// Count a dismissal.
    Dismiss {
        /// The scope.
        scope: String,
    },
    /// Store the user's agreement to `version` of the app's privacy contract
    /// (for the namespace's user and app; its `agreed` record is among the
    /// transaction's records) — given on a combined consent dialog, in the
    /// same transaction as the decision it came with.
    Agree {
        /// The contract version.
        version: String,
    },
}

impl Change {
    /// The agreement this change stores, as the cache keeps it (the scopes it
    /// covers are its record's).
    fn agreement(&self, records: &[NewRecord]) -> Option<Agreement> {
        let Change::Agree { version } = self else {
            return None;
        };
        let record = agreement_record(records);
        Some(Agreement {
            version: version.clone(),
            scopes: record.and_then(|r| r.scopes.clone()),
            infos: record.and_then(|r| r.infos.clone()),
        })
    }
}

/// The `agreed` record among a transaction's records (it has no scope).
fn agreement_record(records: &[NewRecord]) -> Option<&NewRecord> {
    records
        .iter()
        .find(|r| r.scope.is_none() && r.decision == crate::consent_record::Recorded::Agreed)
}

/// Applies one change inside `tx`, and to `current` (the namespace as read in
/// the same transaction). A decision's row names its consent record, found in
/// `appended` (the records of this transaction) by scope.
fn apply_change(
    passage: &Passage<'_>,
    ns: NamespaceRef<'_>,
    change: &Change,
    (source, now_ms): (DecisionSource, i64),
    appended: &[(&NewRecord, Link)],
    current: &mut NamespaceState,
) -> Result<()> {
    match change {
        Change::Decide(decided) => {
            let before = current
                .grants
                .get(&decided.scope)
                .map(|g| (g.state, g.denials));
            let denials = policy::denials_in_a_row(before, decided.state);
            let mut row = GrantRow::decided(decided, source, now_ms, denials);
            row.link = appended
                .iter()
                .rev()
                .find(|(record, _)| record.scope.as_deref() == Some(decided.scope.as_str()))
                .map(|(_, link)| link.clone())
                // Every decision is stored with its record; a row without one
                // would grant nothing.
                .ok_or_else(|| {
                    crate::error::Error::InvalidArgument(format!(
                        "a decision about {} without its consent record",
                        decided.scope
                    ))
                })?;
            passage.upsert_grant(ns, &row)?;
            passage.clear_dismissals(ns, &decided.scope)?;
            current
                .grants
                .insert(decided.scope.clone(), row.stored_grant());
            current.dismissals.remove(&decided.scope);
        }
        Change::Forget { scope } => {
            passage.delete_grant(ns, scope)?;
            passage.clear_dismissals(ns, scope)?;
            current.grants.remove(scope);
            current.dismissals.remove(scope);
        }
        Change::Dismiss { scope } => {
            let dismissals = Dismissals::after_one_more(current.dismissals.get(scope), now_ms);
            passage.set_dismissals(ns, scope, &dismissals)?;
            current.dismissals.insert(scope.clone(), dismissals);
        }
        Change::Agree { version } => {
            let link = appended
                .iter()
                .find(|(record, _)| agreement_record(std::slice::from_ref(*record)).is_some())
                .map(|(_, link)| link.clone())
                // An agreement no record backs counts as none: never store one.
                .ok_or_else(|| {
                    crate::error::Error::InvalidArgument(
                        "an agreement without its consent record".into(),
                    )
                })?;
            passage.upsert_agreement((ns.user_id, ns.app_id), version, now_ms, &link)?;
        }
    }
    Ok(())
}

/// Appends `records` and applies `changes` to `ns` inside an open passage
/// (`Store::apply`'s work, and applying a synced fact's): returns the
/// namespace as it now stands.
pub(super) fn change_in_passage(
    passage: &Passage<'_>,
    ns: NamespaceRef<'_>,
    changes: &[Change],
    records: &[NewRecord],
    (source, now_ms): (DecisionSource, i64),
) -> Result<NamespaceState> {
    // The records first: each decision's row names its record.
    let links = consent_log::append(passage, records, now_ms)?;
    let appended: Vec<(&NewRecord, Link)> = records.iter().zip(links).collect();
    // Read inside the transaction, not from the cache: another process may
    // have written since (denial and dismissal counts must not be lost).
    let mut current = load(passage, ns)?;
    for change in changes {
        apply_change(
            passage,
            ns,
            change,
            (source, now_ms),
            &appended,
            &mut current,
        )?;
    }
    Ok(current)
}

/// Appends `records` and applies one `change` to `ns` inside an open passage
/// without reading the namespace (applying a synced fact: a batch of
/// thousands must not re-read and re-check the namespace, and with it the
/// user's later records, for every record it applies). Only what the change
/// itself needs is read: the scope's stored state and denial count, for the
/// soft-denial count of a decision.
pub(super) fn change_one_in_passage(
    passage: &Passage<'_>,
    ns: NamespaceRef<'_>,
    change: &Change,
    records: &[NewRecord],
    (source, now_ms): (DecisionSource, i64),
) -> Result<()> {
    let links = consent_log::append(passage, records, now_ms)?;
    let appended: Vec<(&NewRecord, Link)> = records.iter().zip(links).collect();
    let mut current = NamespaceState::default();
    if let Change::Decide(decided) = change {
        if let Some(before) = GrantRow::stored_state(passage, ns, &decided.scope)? {
            current.grants.insert(decided.scope.clone(), before);
        }
    }
    apply_change(
        passage,
        ns,
        change,
        (source, now_ms),
        &appended,
        &mut current,
    )
}

impl Store {
    /// Everything stored about one namespace. The hot path: no lock but the
    /// cache's read lock when nothing was committed since the store last looked
    /// and the namespace is cached.
    pub fn namespace(&self, ns: &(impl NamespaceKey + ?Sized)) -> Result<Arc<NamespaceState>> {
        let key = ns.key();
        if let Some(entries) = self.cache.fresh() {
            if let Some(cached) = entries.namespaces.get(&key as &dyn NamespaceKey) {
                return Ok(cached.clone());
            }
        }
        let inner = self.lock()?;
        self.cached(&inner, key)
    }

    /// Runs `read` on a cached namespace and, with `with_agreement`, the
    /// privacy-contract version its user agreed to for its app, under the
    /// cache's read lock and without the connection. `None` when either is not
    /// cached or another connection may have committed since the store last
    /// looked: the caller then goes through [`Self::namespace`].
    pub fn read_cached<T>(
        &self,
        ns: NamespaceRef<'_>,
        with_agreement: bool,
        read: impl FnOnce(&NamespaceState, Option<&Agreement>) -> T,
    ) -> Option<T> {
        let entries = self.cache.fresh()?;
        let stored = entries.namespaces.get(&ns as &dyn NamespaceKey)?;
        let agreed = if with_agreement {
            agreement_in(&entries, ns.user_id, ns.app_id)?.map(|a| &**a)
        } else {
            None
        };
        Some(read(stored, agreed))
    }

    /// The namespace from the cache, or loaded into it (the connection held).
    fn cached(&self, inner: &Inner, ns: NamespaceRef<'_>) -> Result<Arc<NamespaceState>> {
        if let Some(cached) = self.cache.read().namespaces.get(&ns as &dyn NamespaceKey) {
            return Ok(cached.clone());
        }
        let state = Arc::new(load(&inner.conn, ns)?);
        self.cache
            .remember_namespace(inner, &ns.to_owned(), state.clone());
        Ok(state)
    }

    /// Applies changes to one namespace and appends their consent records, in one
    /// durable transaction through the door, and returns where the log stands for
    /// the user after them — unless one of `still_true` no longer holds (then
    /// nothing is written, and its error says why).
    pub fn apply(
        &self,
        ns: &Namespace,
        changes: &[Change],
        records: &[NewRecord],
        source: DecisionSource,
        now_ms: i64,
        still_true: &[StillTrue<'_>],
    ) -> Result<LogPoint> {
        let (written, (current, point)) = self.through_door(still_true, |passage| {
            let current =
                change_in_passage(passage, ns.borrowed(), changes, records, (source, now_ms))?;
            Ok((current, consent_log::point_now(passage, &ns.user_id)?))
        })?;
        if written.current {
            self.cache
                .remember_namespace(&written.inner, ns, Arc::new(current));
            for agreed in changes.iter().filter_map(|c| c.agreement(records)) {
                self.cache.remember_agreement(
                    &written.inner,
                    Namespace::new(&ns.user_id, &ns.app_id, None),
                    Some(Arc::new(agreed)),
                );
            }
        }
        Ok(point)
    }

    /// Notes that a grant was used. Writes only when the stored time is older than
    /// [`grant_row::USE_RESOLUTION_MS`]; failures are ignored (use times are advisory).
    pub fn note_use(&self, ns: NamespaceRef<'_>, scope: &str, now_ms: i64) {
        let Ok(state) = self.namespace(&ns) else {
            return;
        };
        let Some(grant) = state.grants.get(scope) else {
            return;
        };
        if !grant.use_note_due(now_ms) {
            return;
        }
        let written = self.through_door(&[], |passage| {
            passage.note_grant_used(ns, scope, now_ms)?;
            load(passage, ns)
        });
        if let Ok((written, state)) = written {
            if written.current {
                self.cache
                    .remember_namespace(&written.inner, &ns.to_owned(), Arc::new(state));
            }
        }
    }
}

/// The cached agreement of (user, app): `None` when not cached, `Some(None)` when
/// the user agreed to nothing.
pub(super) fn agreement_in<'e>(
    entries: &'e Entries,
    user_id: &str,
    app_id: &str,
) -> Option<Option<&'e Arc<Agreement>>> {
    let key = NamespaceRef::new(user_id, app_id, None);
    entries
        .agreements
        .get(&key as &dyn NamespaceKey)
        .map(Option::as_ref)
}
