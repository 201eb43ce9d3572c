//! Applying other devices' records (SPEC §10): one more writer through the
//! door. A batch is one transaction: the user's standing facts are read from
//! the log inside it ([`UserView`]), each record is weighed against them by
//! the merge's rules (`sync::merge`), and each one that takes effect is
//! appended to the log with source `sync` and its origin device and stamp,
//! its row written beside it — so every device's chain still verifies, and a
//! crash anywhere leaves the batch applied whole or not at all.
//!
//! A reset or forget that arrives after facts newer than it (decided after
//! it, elsewhere) undoes only what is at or before it: the facts it does not
//! override are appended again after it, unchanged (same stamp, same origin),
//! so that the latest-record rule (`record_links.rs`) still backs them.

use super::door::Passage;
use super::namespace_state::{change_one_in_passage, Change};
use super::sync_device::Device;
use super::sync_view::{Standing, UserView};
use super::{consent_log, db, pseudonyms, Decided, Store};
use crate::admin_records::DecisionSource;
use crate::consent_record::{NewRecord, RecordSource, Recorded, SyncedOrigin};
use crate::embargo::Dismissals;
use crate::error::{Error, Result};
use crate::namespace::NamespaceRef;
use crate::policy::{GrantState, Lifetime};
use crate::sync::merge::Subject;
use crate::sync::wire::SyncRecord;
use crate::sync::Stamp;

/// One record of a batch, as read.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A record this core applies.
    Known(Box<SyncRecord>),
    /// A record kept earlier from a newer core (or of a scope the host had
    /// not registered) that this core now reads: applied, and no longer kept.
    Released(Box<SyncRecord>),
    /// A record from a newer core: kept as it came, not applied.
    FromNewerCore {
        /// Its id.
        id: String,
        /// Its text, exactly as received.
        text: String,
    },
}

/// What applying a batch did (SPEC §10's counts), and what it touched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Records that took effect.
    pub applied: u64,
    /// Records already here (this device's own, or applied before).
    pub duplicates: u64,
    /// Records a newer fact here overrides.
    pub superseded: u64,
    /// Records from a newer core, kept but not applied.
    pub rejected: u64,
    /// Records kept earlier that were applied now.
    pub released: u64,
    /// The scopes decided (allow-once grants of them end).
    pub scopes: Vec<(String, String, String)>,
    /// The apps reset for the user.
    pub apps_reset: Vec<String>,
    /// Whether the user was forgotten.
    pub forgotten: bool,
}

impl Store {
    /// Applies `batch` for `user_id` at `now_ms`, in one transaction through
    /// the door (an erasure when it holds a forget).
    pub fn sync_apply(
        &self,
        user_id: &str,
        batch: &[Incoming],
        now_ms: i64,
    ) -> Result<BatchOutcome> {
        let erasing = batch
            .iter()
            .any(|item| matches!(item, Incoming::Known(r) | Incoming::Released(r) if r.decision == "forgotten"));
        if erasing {
            if let Some(path) = &self.path {
                db::begin_erasure(path)?;
            }
        }
        let (written, outcome) =
            self.through_door(&[], |passage| apply_batch(passage, user_id, batch, now_ms))?;
        if erasing {
            if let Some(path) = &self.path {
                db::finish_erasure(&written.inner.conn, path);
            }
        }
        if outcome.applied > 0 {
            let mut cache = self.cache.write(&written.inner);
            cache.namespaces.retain(|ns, _| ns.user_id != user_id);
            cache.agreements.retain(|key, _| key.user_id != user_id);
        }
        Ok(outcome)
    }
}

impl Store {
    /// The records kept for `user_id` from a newer core, by id, as received.
    pub fn sync_held(&self, user_id: &str) -> Result<Vec<(String, String)>> {
        let inner = self.lock()?;
        let Some(subject) = pseudonyms::of(&inner.conn, user_id)? else {
            return Ok(Vec::new());
        };
        let mut stmt = inner.conn.prepare_cached(
            "SELECT record_id, record FROM sync_held WHERE subject = ?1 ORDER BY record_id",
        )?;
        let rows = stmt.query_map(rusqlite::params![subject], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The batch's work, inside the door's transaction.
fn apply_batch(
    passage: &Passage<'_>,
    user_id: &str,
    batch: &[Incoming],
    now_ms: i64,
) -> Result<BatchOutcome> {
    let device = Device::read_or_make(passage)?;
    let mut view = UserView::read(passage, user_id, &device)?;
    let mut outcome = BatchOutcome::default();
    let mut applier = Applier {
        passage,
        user_id,
        device: &device,
        now_ms,
    };
    for item in batch {
        let record = match item {
            Incoming::FromNewerCore { id, text } => {
                // Its stamp, if this core can read that much: a record from
                // before the user's forget is not kept (the id would come
                // back with it), and the clock notes it like any other.
                let stamp = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("hlc").and_then(|h| h.as_str()).and_then(Stamp::parse));
                if let (Some(stamp), Some(forgotten)) = (stamp, &view.forgotten) {
                    if stamp <= forgotten.stamp {
                        outcome.superseded += 1;
                        continue;
                    }
                }
                if let Some(stamp) = stamp {
                    let mut clock = Device::read_or_make(passage)?;
                    clock.receive(stamp, now_ms);
                    clock.keep_clock(passage)?;
                }
                let subject = pseudonyms::of_or_new(passage, user_id)?;
                passage.hold_record(&subject, id, text)?;
                outcome.rejected += 1;
                continue;
            }
            Incoming::Released(record) => {
                if let Some(subject) = &view.subject {
                    passage.release_held(subject, &record.id)?;
                }
                outcome.released += 1;
                record
            }
            Incoming::Known(record) => record,
        };
        if record.device == device.id || view.seen.contains(&record.id) {
            outcome.duplicates += 1;
            continue;
        }
        if !view.takes_effect(record) {
            outcome.superseded += 1;
            continue;
        }
        match record.subject() {
            Subject::User => {
                applier.forget(record, &mut view)?;
                outcome.forgotten = true;
            }
            Subject::App { app } => {
                applier.reset(record, &app, &mut view)?;
                outcome.apps_reset.push(app);
            }
            subject => {
                let seq = applier.decide(record, false)?;
                if let Subject::Scope { app, plugin, scope } = subject {
                    outcome.scopes.push((app, plugin, scope));
                }
                view.note((**record).clone(), seq);
            }
        }
        outcome.applied += 1;
    }
    Ok(outcome)
}

/// Writes facts for one user inside the batch's passage.
struct Applier<'p, 't> {
    passage: &'p Passage<'t>,
    user_id: &'p str,
    device: &'p Device,
    now_ms: i64,
}

impl Applier<'_, '_> {
    /// The consent record `fact` is appended as: with source `sync` and its
    /// origin — or, for this device's own fact kept across an undo
    /// (`own`), its own source and stamp.
    fn record_of(&self, fact: &SyncRecord, own: bool) -> Result<NewRecord> {
        let decision = Recorded::from_word(&fact.decision).ok_or_else(|| {
            Error::InvalidArgument(format!("record {}: unknown decision", fact.id))
        })?;
        let ns = NamespaceRef::new(self.user_id, &fact.app, fact.plugin.as_deref());
        let source = match own {
            true => RecordSource::from_word(&fact.source),
            false => RecordSource::Sync,
        };
        let mut record = NewRecord::new(ns, fact.scope.as_deref(), decision, source);
        record.lifetime = match (fact.lifetime.as_deref(), fact.until_ms) {
            (Some("permanent"), _) => Some(Lifetime::Permanent),
            (Some("until"), Some(at)) => Some(Lifetime::Until(at)),
            _ => None,
        };
        record.purpose = fact.purpose.clone();
        record.contract_version = fact.contract_version.clone();
        record.scopes = fact.scopes.clone();
        record.infos = fact.infos.clone();
        record.template = fact.template.clone();
        record.synced = Some(SyncedOrigin {
            stamp: fact.stamp(),
            from: match own {
                true => None,
                false => fact.origin_seq().map(|seq| (fact.device.clone(), seq)),
            },
        });
        Ok(record)
    }

    /// Appends `fact` and writes what it decides; where it landed in the log.
    fn decide(&mut self, fact: &SyncRecord, own: bool) -> Result<u64> {
        let record = self.record_of(fact, own)?;
        let ns = NamespaceRef::new(self.user_id, &fact.app, fact.plugin.as_deref());
        let source = (DecisionSource::Sync, self.now_ms);
        let app = (self.user_id, fact.app.as_str());
        let change = |state| {
            Change::Decide(Decided {
                scope: fact.scope.clone().unwrap_or_default(),
                state,
                expires_at_ms: fact.until_ms,
                purpose: fact.purpose.clone(),
                contract_version: fact.contract_version.clone(),
            })
        };
        match record.decision {
            Recorded::Granted => {
                change_one_in_passage(
                    self.passage,
                    ns,
                    &change(GrantState::Granted),
                    &[record],
                    source,
                )?;
            }
            Recorded::Denied => {
                change_one_in_passage(
                    self.passage,
                    ns,
                    &change(GrantState::Denied),
                    &[record],
                    source,
                )?;
            }
            Recorded::Revoked => {
                let forget = Change::Forget {
                    scope: fact.scope.clone().unwrap_or_default(),
                };
                change_one_in_passage(self.passage, ns, &forget, &[record], source)?;
            }
            Recorded::Agreed => {
                let version = fact.contract_version.clone().unwrap_or_default();
                let agree = Change::Agree { version };
                let app_ns = NamespaceRef::new(self.user_id, &fact.app, None);
                change_one_in_passage(self.passage, app_ns, &agree, &[record], source)?;
            }
            Recorded::Subscribed | Recorded::Declined => {
                let accept = record.decision == Recorded::Subscribed;
                let template = fact.template.clone().unwrap_or_default();
                let links = consent_log::append(self.passage, &[record], self.now_ms)?;
                let link = links.into_iter().next().unwrap_or_default();
                let choice = if accept { "accept" } else { "reject" };
                self.passage
                    .upsert_kept_choice((app.0, app.1, &template), choice, &link)?;
            }
            Recorded::SubscriptionsOn | Recorded::SubscriptionsOff => {
                let on = record.decision == Recorded::SubscriptionsOn;
                let links = consent_log::append(self.passage, &[record], self.now_ms)?;
                let link = links.into_iter().next().unwrap_or_default();
                self.passage.upsert_main_switch(app, on, &link)?;
            }
            // A disagreement is kept in the log and changes no state.
            _ => {
                consent_log::append(self.passage, &[record], self.now_ms)?;
            }
        }
        Ok(consent_log::head(self.passage)?.seq)
    }

    /// Writes again, after an undo, the facts it does not override — those
    /// whose effect still stands here: a row still linked to the fact's
    /// record, or a fact that has no row (a revocation, a disagreement, a
    /// reset). A grant this device's auto-revoke or expiry removed since
    /// stays removed.
    fn keep(
        &mut self,
        outliving: &[Standing],
        present: &[bool],
        view: &mut UserView,
    ) -> Result<()> {
        for (kept, present) in outliving.iter().zip(present) {
            if !present {
                continue;
            }
            let own = kept.record.device == self.device.id;
            let seq = if kept.record.decision == "reset" {
                let record = self.record_of(&kept.record, own)?;
                consent_log::append(self.passage, &[record], self.now_ms)?;
                consent_log::head(self.passage)?.seq
            } else {
                self.decide(&kept.record, own)?
            };
            view.note(kept.record.clone(), seq);
        }
        Ok(())
    }

    /// Applies a reset of `app` at `fact`'s time: everything of the app at
    /// or before it goes (dismissal counts too); what is newer is written
    /// again after it.
    fn reset(&mut self, fact: &SyncRecord, app: &str, view: &mut UserView) -> Result<()> {
        let outliving = view.outliving(&fact.version(), Some(app));
        let present = self.effects_present(&outliving)?;
        let dismissed_after = self.dismissals_after(app, fact.stamp().wall_ms)?;
        self.passage.delete_app_rows(app, Some(self.user_id))?;
        let record = self.record_of(fact, false)?;
        consent_log::append(self.passage, &[record], self.now_ms)?;
        view.note(fact.clone(), consent_log::head(self.passage)?.seq);
        for (plugin, scope, dismissals) in &dismissed_after {
            let ns = NamespaceRef::new(self.user_id, app, Some(plugin));
            self.passage.set_dismissals(ns, scope, dismissals)?;
        }
        self.keep(&outliving, &present, view)
    }

    /// Whether each fact's effect still stands here.
    fn effects_present(&self, facts: &[Standing]) -> Result<Vec<bool>> {
        facts
            .iter()
            .map(|standing| {
                let table = match standing.record.decision.as_str() {
                    "granted" | "denied" => "grants",
                    "agreed" => "privacy_agreements",
                    "subscribed" | "declined" => "subscription_choices",
                    "subscriptions-on" | "subscriptions-off" => "subscription_switches",
                    _ => return Ok(true),
                };
                let sql = format!(
                    "SELECT count(*) FROM {table} WHERE user_id = ?1 AND app_id = ?2 AND record_seq = ?3"
                );
                let rows: i64 = self.passage.query_row(
                    &sql,
                    rusqlite::params![self.user_id, standing.record.app, standing.seq as i64],
                    |r| r.get(0),
                )?;
                Ok(rows > 0)
            })
            .collect()
    }

    /// The app's dismissal counts of the user last added to after `wall_ms`
    /// (a reset at that time leaves them: they are this device's, and newer).
    fn dismissals_after(
        &self,
        app: &str,
        wall_ms: i64,
    ) -> Result<Vec<(String, String, Dismissals)>> {
        let mut stmt = self.passage.prepare(
            "SELECT plugin_id, scope, dismissals, last_dismissed_at FROM prompt_fatigue
             WHERE user_id = ?1 AND app_id = ?2 AND last_dismissed_at > ?3",
        )?;
        let rows = stmt.query_map(rusqlite::params![self.user_id, app, wall_ms], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                Dismissals {
                    count: r.get(2)?,
                    last_at_ms: r.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Applies a forget of the user at `fact`'s time: an erasure, as on this
    /// device (rows gone, the pseudonym's key destroyed), with a tombstone
    /// that refuses every older fact about the id from now on; what is newer
    /// is appended again after it, under the user's next pseudonym.
    fn forget(&mut self, fact: &SyncRecord, view: &mut UserView) -> Result<()> {
        let forget = fact.version();
        let outliving = view.outliving(&forget, None);
        let present = self.effects_present(&outliving)?;
        self.passage.delete_user_rows(self.user_id)?;
        let record = self.record_of(fact, false)?;
        consent_log::append(self.passage, &[record], self.now_ms)?;
        // Uploaded already (it came from the backend): the tombstone keeps no
        // pointer to the forgotten pseudonym's records.
        let tag = self.device.forgotten_tag(self.user_id);
        self.passage
            .upsert_tombstone(&tag, forget.stamp, &fact.device, 0, true)?;
        if let Some(subject) = &view.subject {
            self.passage.delete_sync_rows_of(subject)?;
        }
        pseudonyms::forget(self.passage, self.user_id)?;
        *view = UserView {
            forgotten: Some(forget),
            ..UserView::default()
        };
        self.keep(&outliving, &present, view)?;
        view.subject = pseudonyms::of(self.passage, self.user_id)?;
        Ok(())
    }
}
