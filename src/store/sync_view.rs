//! What stands for one user, as the merge sees it (SPEC §10): read from the
//! user's consent records inside the transaction that applies a batch, so the
//! merge decides on the file as it is — every writer's records count, from
//! every process. The log is the one source: nothing here is stored twice.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};

use super::pseudonyms;
use super::sync_device::{Device, Tombstone};
use crate::consent_record::ConsentRecord;
use crate::error::Result;
use crate::sync::merge::{self, Subject, Version};
use crate::sync::wire::{self, SyncRecord};

/// The newest fact about one subject, as a synced record (to keep it across
/// an undo it outlives).
#[derive(Debug, Clone)]
pub struct Standing {
    /// Its version.
    pub version: Version,
    /// The fact.
    pub record: SyncRecord,
    /// Where it is in this device's log.
    pub seq: u64,
}

/// What stands for one user.
#[derive(Debug, Clone, Default)]
pub struct UserView {
    /// The user's pseudonym (`None`: no record since last forgotten, if ever).
    pub subject: Option<String>,
    /// Per subject, the newest fact (an app's resets are in `resets`).
    pub standing: HashMap<Subject, Standing>,
    /// Per app, the newest reset.
    pub resets: HashMap<String, Standing>,
    /// The newest forget of the user (from its tombstone).
    pub forgotten: Option<Version>,
    /// The ids of every synced record here (`<device>:<seq>`): this device's
    /// own and those applied from others.
    pub seen: HashSet<String>,
}

impl UserView {
    /// The view of `user_id` as the file holds it now.
    pub fn read(conn: &Connection, user_id: &str, device: &Device) -> Result<UserView> {
        let mut view = UserView {
            subject: pseudonyms::of(conn, user_id)?,
            forgotten: Tombstone::read(conn, &device.forgotten_tag(user_id))?.map(|t| Version {
                stamp: t.stamp,
                restrictive: true,
                device: t.device,
            }),
            ..UserView::default()
        };
        let Some(subject) = view.subject.clone() else {
            return Ok(view);
        };
        let mut stmt =
            conn.prepare_cached("SELECT record FROM consent_log WHERE user_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query(params![subject])?;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            // An unreadable record is left out here (`verify` names it).
            if let Ok(record) = serde_json::from_str::<ConsentRecord>(&text) {
                if let Some(fact) = fact_of(&record, device) {
                    view.note(fact, record.seq);
                }
            }
        }
        Ok(view)
    }

    /// Takes in one fact stored here, at `seq` in the log.
    pub fn note(&mut self, record: SyncRecord, seq: u64) {
        self.seen.insert(record.id.clone());
        let version = record.version();
        let standing = Standing {
            version,
            record,
            seq,
        };
        let slot = match standing.record.subject() {
            Subject::App { app } => self.resets.entry(app).or_insert_with(|| standing.clone()),
            Subject::User => return,
            subject => self
                .standing
                .entry(subject)
                .or_insert_with(|| standing.clone()),
        };
        if standing.version.newer_than(&slot.version) {
            *slot = standing;
        }
    }

    /// The newest reset of `app`, if any.
    pub fn reset_of(&self, app: &str) -> Option<&Version> {
        self.resets.get(app).map(|s| &s.version)
    }

    /// Whether `record`'s fact takes effect here (`merge::takes_effect`).
    pub fn takes_effect(&self, record: &SyncRecord) -> bool {
        let incoming = record.version();
        let forgotten = self.forgotten.as_ref();
        match record.subject() {
            Subject::User => merge::takes_effect(&incoming, forgotten, None, None),
            Subject::App { app } => {
                merge::takes_effect(&incoming, self.reset_of(&app), None, forgotten)
            }
            subject => {
                let app_reset = subject.app().and_then(|app| self.reset_of(app));
                let same = self.standing.get(&subject).map(|s| &s.version);
                merge::takes_effect(&incoming, same, app_reset, forgotten)
            }
        }
    }

    /// The facts that outlive an undo at `undo` — a reset of `app`, or (with
    /// `None`) a forget of the user: the standing ones newer than it (and
    /// than their app's reset), oldest first; for a forget, also the resets
    /// newer than it.
    pub fn outliving(&self, undo: &Version, app: Option<&str>) -> Vec<Standing> {
        let mut out: Vec<&Standing> = Vec::new();
        if app.is_none() {
            out.extend(
                self.resets
                    .values()
                    .filter(|reset| merge::survives(&reset.version, undo)),
            );
        }
        out.extend(self.standing.iter().filter_map(|(subject, standing)| {
            let of_app = subject.app();
            let in_scope = app.is_none_or(|app| of_app == Some(app));
            let outlives_app_reset = of_app
                .and_then(|a| self.reset_of(a))
                .is_none_or(|reset| merge::survives(&standing.version, reset));
            (in_scope && outlives_app_reset && merge::survives(&standing.version, undo))
                .then_some(standing)
        }));
        // Oldest first by the merge's own order (ties broken as it breaks
        // them), so a fact is written again after a reset it outlived.
        out.sort_by(|a, b| {
            let key = |s: &Standing| {
                (
                    s.version.stamp,
                    s.version.restrictive,
                    s.version.device.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        out.into_iter().cloned().collect()
    }
}

/// The synced fact a consent record of this file is, if it is one: this
/// device's own (stamped, or written before the file took up sync), or one
/// applied from another device. A record of a kind that syncs but written
/// unstamped since is a device fact (an app reset for every user).
pub fn fact_of(record: &ConsentRecord, device: &Device) -> Option<SyncRecord> {
    let applied = record.source == "sync";
    let lifetime = record.lifetime.as_deref();
    if !applied && !merge::synced(&record.decision, lifetime, &record.source) {
        return None;
    }
    if record.hlc.is_none() && record.seq > device.legacy_through {
        return None;
    }
    wire::subject_of(
        &record.decision,
        &record.app_id,
        record.plugin_id.as_deref(),
        record.scope.as_deref(),
        record.template.as_deref(),
    )?;
    let (origin, seq) = match (&record.device, record.origin_seq) {
        (Some(origin), Some(seq)) => (origin.as_str(), seq),
        _ => (device.id.as_str(), record.seq),
    };
    let mut fact = SyncRecord::from_log(record, origin)?;
    fact.id = format!("{origin}:{seq}");
    Some(fact)
}
