//! The one step that turns a decision into stored state (Chromium's
//! `NotifyPermissionSet` → `UpdateSetting`): whatever made it — a consent
//! dialog, the settings page, the host's administration — a [`Decision`] about a
//! scope becomes the [`Change`] to the namespace and the consent record that
//! says so, written in one durable transaction before anyone hears about it, and
//! then this process's allow-once grants are brought in line. Agreements to a
//! privacy contract are stored the same way. (Maintenance and resets undo
//! decisions in bulk inside the store, `store/housekeeping.rs`, with the same
//! record vocabulary.)

use crate::admin_records::DecisionSource;
use crate::allow_once::{AllowOnceGrants, RunToken, Since};
use crate::clock::Clock;
use crate::consent_record::{NewRecord, RecordSource, Recorded};
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::namespace::{Namespace, NamespaceRef};
use crate::policy::{GrantState, Lifetime};
use crate::privacy_agreement::Covered;
use crate::store::{Change, Decided, DecisionKey, LogPoint, StillTrue, Store};

/// A decision about one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Allowed, for this long.
    Grant(Lifetime),
    /// Denied.
    Deny,
    /// Forgotten: the scope is unasked again.
    Revoke,
    /// The dialog was closed without deciding (counted for the dismissal
    /// embargo; nothing is recorded in the consent log).
    Dismiss,
}

impl Decision {
    /// The decision that leaves a settings-page switch in `state`.
    pub fn to_state(state: GrantState) -> Decision {
        match state {
            GrantState::Granted => Decision::Grant(Lifetime::Permanent),
            GrantState::Denied => Decision::Deny,
            GrantState::Unasked => Decision::Revoke,
        }
    }

    /// What it changes in the namespace. An allow-once grant lives in memory
    /// only; the stored decision it replaces is forgotten, so nothing outlives
    /// the run.
    fn change(self, scope: &str, manifest: &Manifest) -> Change {
        let decided = |state, expires_at_ms| {
            Change::Decide(Decided {
                scope: scope.to_string(),
                state,
                expires_at_ms,
                purpose: manifest.purpose(scope).map(str::to_string),
                contract_version: manifest.privacy.as_ref().map(|c| c.version.clone()),
            })
        };
        let scope = scope.to_string();
        match self {
            Decision::Grant(Lifetime::Once) | Decision::Revoke => Change::Forget { scope },
            Decision::Grant(Lifetime::Permanent) => decided(GrantState::Granted, None),
            Decision::Grant(Lifetime::Until(at)) => decided(GrantState::Granted, Some(at)),
            Decision::Deny => decided(GrantState::Denied, None),
            Decision::Dismiss => Change::Dismiss { scope },
        }
    }

    /// Its consent record, if it makes one.
    fn record(
        self,
        ns: &Namespace,
        scope: &str,
        source: DecisionSource,
        manifest: &Manifest,
    ) -> Option<NewRecord> {
        let record = |what| NewRecord::new(ns.borrowed(), Some(scope), what, source);
        let record = match self {
            Decision::Grant(lifetime) => record(Recorded::Granted).lasting(lifetime),
            Decision::Deny => record(Recorded::Denied),
            Decision::Revoke => record(Recorded::Revoked),
            Decision::Dismiss => return None,
        };
        Some(record.seen_under(manifest))
    }
}

/// What a dialog's answer must still be true of to count: the run its app was
/// in, and where the consent log stood for its user, when the dialog opened.
#[derive(Debug, Clone)]
pub(crate) struct OpenedIn {
    /// The app's run (ended here: `end_app_run`, registered again, reset, forgotten).
    pub run: RunToken,
    /// The log's last record and the user's pseudonym (a reset after it, or the
    /// user forgotten since, in any process).
    pub log: LogPoint,
}

/// The parts a decision is stored through, borrowed from the engine.
pub(crate) struct Decisions<'e> {
    /// Where it is stored.
    pub store: &'e Store,
    /// This process's allow-once grants.
    pub allow_once: &'e AllowOnceGrants,
    /// When.
    pub clock: &'e dyn Clock,
}

impl Decisions<'_> {
    /// Where a dialog about (user, app) opens now (the first dialog a user ever
    /// sees gives them their pseudonym: one write).
    pub fn opened_in(&self, user_id: &str, app_id: &str) -> Result<OpenedIn> {
        Ok(OpenedIn {
            run: self.allow_once.run_token(user_id, app_id),
            log: self.store.log_point(user_id)?,
        })
    }

    /// Fails with [`Error::DecisionOutlived`] if the run of (user, app) the
    /// dialog `opened` in has ended (in this process; a reset or forget in any
    /// process is checked by the door, in the transaction that writes).
    pub fn still_in_run(&self, (user_id, app_id): (&str, &str), opened: &OpenedIn) -> Result<()> {
        match self.allow_once.same_run(user_id, app_id, &opened.run) {
            true => Ok(()),
            false => Err(Error::DecisionOutlived),
        }
    }

    /// Stores decisions about scopes of `ns`, all made by `source` under
    /// `manifest`, with their consent records, in one durable transaction. A
    /// dialog's answer (`opened`) is stored only while what it was asked in still
    /// stands; else nothing is, and [`Error::DecisionOutlived`] says why.
    pub fn store(
        &self,
        ns: &Namespace,
        decisions: &[(&str, Decision)],
        source: DecisionSource,
        manifest: &Manifest,
        opened: Option<&OpenedIn>,
    ) -> Result<()> {
        let still_true = StillTrue::dialog_current(&ns.user_id, &ns.app_id, opened.map(|o| &o.log));
        self.store_where(
            ns,
            decisions,
            (source, manifest),
            (opened, self.clock.now_ms()),
            still_true.as_slice(),
            false,
        )
    }

    /// Stores a combined dialog's answer (`EngineConfig::combined_privacy_dialog`):
    /// the decision about `scope` of `ns` and the user's agreement to the
    /// app's privacy contract (the version `manifest` declares, covering the
    /// scopes it declares), each with its own consent record, in ONE durable
    /// transaction — a crash leaves both or neither, never a grant whose
    /// agreement is missing — while what the dialog was asked in (`opened`)
    /// still stands.
    pub fn store_with_agreement(
        &self,
        ns: &Namespace,
        (scope, decision): (&str, Decision),
        manifest: &Manifest,
        opened: &OpenedIn,
    ) -> Result<()> {
        let still_true = StillTrue::dialog_current(&ns.user_id, &ns.app_id, Some(&opened.log));
        self.store_where(
            ns,
            &[(scope, decision)],
            (DecisionSource::Dialog, manifest),
            (Some(opened), self.clock.now_ms()),
            still_true.as_slice(),
            true,
        )
    }

    /// Stores one decision about `scope` of `ns` (an import), made at `at_ms`,
    /// only if this database never decided it (`StillTrue::Undecided`) —
    /// checked in the transaction that writes, so a decision committed
    /// meanwhile by anyone is never overwritten, and one taken back here is
    /// not brought back. Whether it was stored.
    pub fn store_if_undecided(
        &self,
        ns: &Namespace,
        (scope, decision): (&str, Decision),
        (source, at_ms): (DecisionSource, i64),
        manifest: &Manifest,
    ) -> Result<bool> {
        let undecided = StillTrue::Undecided(DecisionKey::Scope {
            ns: ns.borrowed(),
            scope,
        });
        let stored = self.store_where(
            ns,
            &[(scope, decision)],
            (source, manifest),
            (None, at_ms),
            &[undecided],
            false,
        );
        stored_unless_decided(stored)
    }

    /// Stores (user, app)'s agreement to `version` of the app's privacy
    /// contract, covering `covered` (no scopes: that version only), as imported
    /// at `at_ms`, only if this database never decided the agreement
    /// (agreed, disagreed, the app reset) — checked in the transaction that
    /// writes. Whether it was stored.
    pub fn store_agreement_if_undecided(
        &self,
        app: NamespaceRef<'_>,
        (version, covered): (&str, Covered),
        at_ms: i64,
    ) -> Result<bool> {
        let mut record =
            NewRecord::new(app, None, Recorded::Agreed, DecisionSource::Import).covering(covered);
        record.contract_version = Some(version.to_string());
        let undecided = StillTrue::Undecided(DecisionKey::Agreement(app));
        let stored = self.store.set_agreed_version(
            (app.user_id, app.app_id),
            version,
            record,
            at_ms,
            &[undecided],
        );
        stored_unless_decided(stored)
    }

    /// Stores (user, app)'s subscription main switch `on`, as imported at
    /// `at_ms`, only if this database never decided it — checked in the
    /// transaction that writes. Whether it was stored.
    pub fn store_main_switch_if_undecided(
        &self,
        app: NamespaceRef<'_>,
        on: bool,
        at_ms: i64,
    ) -> Result<bool> {
        let record = NewRecord::new(app, None, Recorded::main_switch(on), DecisionSource::Import);
        let undecided = StillTrue::Undecided(DecisionKey::MainSwitch(app));
        let stored = self.store.set_subscriptions_switch(
            (app.user_id, app.app_id),
            on,
            record,
            at_ms,
            &[undecided],
        );
        stored_unless_decided(stored)
    }

    /// Keeps (user, app)'s choice of template `tmpl_id` (accept, or reject),
    /// as imported at `at_ms`, only if this database never decided that
    /// template (any answer to it, kept or not; the app reset) — checked in
    /// the transaction that writes. Whether it was stored.
    pub fn keep_choice_if_undecided(
        &self,
        app: NamespaceRef<'_>,
        (tmpl_id, accept): (&str, bool),
        at_ms: i64,
    ) -> Result<bool> {
        let mut record = NewRecord::new(
            app,
            None,
            Recorded::template_choice(accept),
            DecisionSource::Import,
        )
        .lasting(Lifetime::Permanent);
        record.template = Some(tmpl_id.to_string());
        let undecided = StillTrue::Undecided(DecisionKey::KeptChoice { app, tmpl_id });
        let stored = self.store.change_kept_choices(
            (app.user_id, app.app_id),
            &[(tmpl_id.to_string(), Some(accept))],
            &[record],
            at_ms,
            &[undecided],
        );
        stored_unless_decided(stored)
    }

    /// [`Self::store`], made at `at_ms`, written only while every
    /// `still_true` holds; with `agreed`, the user's agreement to the app's
    /// privacy contract (as `manifest` declares it) in the same transaction.
    fn store_where(
        &self,
        ns: &Namespace,
        decisions: &[(&str, Decision)],
        (source, manifest): (DecisionSource, &Manifest),
        (opened, at_ms): (Option<&OpenedIn>, i64),
        still_true: &[StillTrue<'_>],
        agreed: bool,
    ) -> Result<()> {
        if let Some(opened) = opened {
            self.still_in_run((&ns.user_id, &ns.app_id), opened)?;
        }
        let mut changes: Vec<Change> = decisions
            .iter()
            .map(|(scope, decision)| decision.change(scope, manifest))
            .collect();
        let mut records: Vec<NewRecord> = decisions
            .iter()
            .filter_map(|(scope, decision)| decision.record(ns, scope, source, manifest))
            .collect();
        if agreed {
            let contract = manifest.privacy.as_ref().ok_or_else(|| {
                Error::InvalidArgument("an agreement to an app without a privacy contract".into())
            })?;
            let app = NamespaceRef::new(&ns.user_id, &ns.app_id, None);
            records.push(
                NewRecord::new(app, None, Recorded::Agreed, source)
                    .seen_under(manifest)
                    .covering_declared_scopes(manifest),
            );
            changes.push(Change::Agree {
                version: contract.version.clone(),
            });
        }
        let log = self
            .store
            .apply(ns, &changes, &records, source, at_ms, still_true)?;
        // An allow-once grant is ended by any decision stored after this one.
        let given = Since {
            log,
            checked_at: self.store.external_commits(),
        };
        for (scope, decision) in decisions {
            match (decision, opened) {
                (Decision::Grant(Lifetime::Once), Some(opened)) => {
                    // Atomically with the run's end: never into the next run.
                    if !self
                        .allow_once
                        .grant_in_run(ns, scope, &opened.run, given.clone())
                    {
                        return Err(Error::DecisionOutlived);
                    }
                }
                (Decision::Grant(Lifetime::Once), None) => {
                    self.allow_once.grant(ns, scope, given.clone())
                }
                (Decision::Dismiss, _) => {}
                // A stored decision replaces an allow-once grant of the scope.
                _ => self.allow_once.revoke(ns, scope),
            }
        }
        Ok(())
    }

    /// Stores the user's agreement to `version` of the app's privacy contract,
    /// given through `source`, with its consent record, while what the prompt
    /// was asked in (`opened`) still stands.
    pub fn store_agreement(
        &self,
        app: &Namespace,
        version: &str,
        manifest: &Manifest,
        source: RecordSource,
        opened: &OpenedIn,
    ) -> Result<()> {
        self.still_in_run((&app.user_id, &app.app_id), opened)?;
        let record = NewRecord::new(app.borrowed(), None, Recorded::Agreed, source)
            .seen_under(manifest)
            .covering_declared_scopes(manifest);
        self.store.set_agreed_version(
            (&app.user_id, &app.app_id),
            version,
            record,
            self.clock.now_ms(),
            StillTrue::dialog_current(&app.user_id, &app.app_id, Some(&opened.log)).as_slice(),
        )
    }

    /// Stores the answers of one subscribe dialog (`records`, one per
    /// template) and, with `keep`, keeps the accepted and rejected ones —
    /// while what the dialog was asked in (`opened`) still stands.
    pub fn store_subscriptions(
        &self,
        (user_id, app_id): (&str, &str),
        records: &[NewRecord],
        keep: bool,
        opened: &OpenedIn,
    ) -> Result<()> {
        self.still_in_run((user_id, app_id), opened)?;
        self.store.record_subscriptions(
            (user_id, app_id),
            records,
            keep,
            self.clock.now_ms(),
            &opened.log,
        )
    }

    /// Records that the user disagreed with the app's privacy contract (nothing
    /// is stored but the record).
    pub fn record_disagreement(&self, app: &Namespace, manifest: &Manifest) -> Result<()> {
        let record = NewRecord::new(
            app.borrowed(),
            None,
            Recorded::Disagreed,
            DecisionSource::Dialog,
        )
        .seen_under(manifest);
        self.store.append_records(&[record], self.clock.now_ms())
    }
}

/// Whether a change an import makes only where nothing was decided was
/// stored: `false` when the door found its key decided.
fn stored_unless_decided(stored: Result<()>) -> Result<bool> {
    match stored {
        Ok(()) => Ok(true),
        Err(Error::AlreadyDecided(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    /// What each kind of decision does to this process's allow-once grants:
    /// an allow-once given without a dialog lives in memory; a dismissal
    /// leaves one alone; any stored decision ends it.
    #[test]
    fn each_decision_brings_allow_once_grants_in_line() {
        let store = Store::open_in_memory().unwrap();
        let allow_once = AllowOnceGrants::default();
        let clock = ManualClock::new(1_767_225_600_000);
        let decisions = decisions_over(&store, &allow_once, &clock);
        let ns = Namespace::new("u1", "wxA", None);
        let manifest = Manifest::default();
        let store_one = |decision| {
            decisions
                .store(
                    &ns,
                    &[("scope.record", decision)],
                    DecisionSource::Admin,
                    &manifest,
                    None,
                )
                .unwrap()
        };
        store_one(Decision::Grant(Lifetime::Once));
        assert!(allow_once.has(&ns, "scope.record"), "given in memory");
        store_one(Decision::Dismiss);
        assert!(allow_once.has(&ns, "scope.record"), "a dismissal leaves it");
        store_one(Decision::Deny);
        assert!(!allow_once.has(&ns, "scope.record"), "a denial ends it");
    }

    fn decisions_over<'e>(
        store: &'e Store,
        allow_once: &'e AllowOnceGrants,
        clock: &'e ManualClock,
    ) -> Decisions<'e> {
        Decisions {
            store,
            allow_once,
            clock,
        }
    }

    fn store_with_clock() -> (Store, AllowOnceGrants, ManualClock) {
        (
            Store::open_in_memory().unwrap(),
            AllowOnceGrants::default(),
            ManualClock::new(1_767_225_600_000),
        )
    }

    /// A decision clears the scope's dismissal count (the embargo's) — in the
    /// file, as another process reads it.
    #[test]
    fn a_decision_clears_the_dismissal_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.db");
        let store = Store::open(&path).unwrap();
        let (_, allow_once, clock) = store_with_clock();
        let decisions = decisions_over(&store, &allow_once, &clock);
        let ns = Namespace::new("u1", "wxA", None);
        let manifest = Manifest::default();
        for decision in [Decision::Dismiss, Decision::Dismiss] {
            decisions
                .store(
                    &ns,
                    &[("scope.record", decision)],
                    DecisionSource::Dialog,
                    &manifest,
                    None,
                )
                .unwrap();
        }
        let counted = store.namespace(&ns).unwrap();
        assert_eq!(
            counted.dismissals.get("scope.record").map(|d| d.count),
            Some(2)
        );
        decisions
            .store(
                &ns,
                &[("scope.record", Decision::Deny)],
                DecisionSource::Dialog,
                &manifest,
                None,
            )
            .unwrap();
        let elsewhere = Store::open(&path).unwrap();
        assert!(elsewhere
            .namespace(&ns)
            .unwrap()
            .dismissals
            .get("scope.record")
            .is_none());
    }

    /// An ended grant noted as ended is removed with an `expired` record — but
    /// not once the row changed (granted again, until later): then nothing is
    /// recorded, and the new grant stands (an `expired` record after it would,
    /// by the latest-record rule, end it).
    #[test]
    fn an_ended_grant_noted_after_it_was_granted_again_changes_nothing() {
        let (store, allow_once, clock) = store_with_clock();
        let decisions = decisions_over(&store, &allow_once, &clock);
        let ns = Namespace::new("u1", "wxA", None);
        let manifest = Manifest::default();
        let now = clock.now_ms();
        let until = |at| [("scope.record", Decision::Grant(Lifetime::Until(at)))];
        decisions
            .store(
                &ns,
                &until(now + 10),
                DecisionSource::Dialog,
                &manifest,
                None,
            )
            .unwrap();
        decisions
            .store(
                &ns,
                &until(now + 1_000),
                DecisionSource::Dialog,
                &manifest,
                None,
            )
            .unwrap();
        store.note_expired(ns.borrowed(), "scope.record", now + 10, now + 20);
        let decided: Vec<String> = store
            .consent_records(Some("u1"))
            .unwrap()
            .into_iter()
            .map(|r| r.decision)
            .collect();
        assert_eq!(decided, ["granted", "granted"]);
        let stored = store.namespace(&ns).unwrap();
        let grant = stored.grants.get("scope.record").unwrap();
        assert_eq!(
            (grant.state, grant.expires_at_ms),
            (GrantState::Granted, Some(now + 1_000))
        );
        // Noted with the end it has: removed, with its record.
        store.note_expired(ns.borrowed(), "scope.record", now + 1_000, now + 1_001);
        assert!(store
            .namespace(&ns)
            .unwrap()
            .grants
            .get("scope.record")
            .is_none());
        assert_eq!(
            store
                .consent_records(Some("u1"))
                .unwrap()
                .last()
                .unwrap()
                .decision,
            "expired"
        );
    }
}
