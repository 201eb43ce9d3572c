//! The engine's sync calls (SPEC §10, issue #23): the host owns the transport
//! (as in Mozilla's sync15 "bridged engine"); the core owns the state — which
//! of its records went up ([`Engine::sync_outgoing`], `sync_mark_uploaded`)
//! and what other devices' records do here (`sync_apply`). This file checks
//! the input, hands the store what it needs, and ends in memory what an
//! applied fact ends (allow-once grants). The rules are in `src/sync/`; the
//! writing is `store/sync_apply.rs`.

use serde_json::Value;

use crate::caller::validate_id;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::namespace::Namespace;
use crate::store::{Incoming, Outgoing, UploadState};
use crate::sync::wire;

/// The most records one `sync_outgoing` or `sync_apply` call takes.
pub const MAX_BATCH: usize = 10_000;

/// A batch for the host to upload: this device's records, each a JSON object
/// (as text) the transport carries as is, and the cursor that acknowledges
/// them (`sync_mark_uploaded`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncBatch {
    /// The records, oldest first (empty: nothing to upload).
    pub records: Vec<String>,
    /// Hand it to `sync_mark_uploaded` once the backend has committed them.
    pub cursor: String,
}

/// What a batch did (SPEC §10's four counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct SyncApplied {
    /// Records that took effect here.
    pub applied: u64,
    /// Records already here: this device's own, or applied before.
    pub duplicates: u64,
    /// Records a newer fact here overrides (an older grant after a newer
    /// denial, revocation, reset or forget).
    pub superseded: u64,
    /// Records from a newer core (a format, field, decision or scope this
    /// one does not know): kept as they came, not applied.
    pub rejected: u64,
    /// Records kept earlier (`rejected` then) that this core reads now — after
    /// an upgrade, or the host registered their scope — applied in this
    /// batch's transaction (each also counted as applied, duplicate or
    /// superseded).
    pub released: u64,
}

/// Where sync stands for one user on this device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncState {
    /// This device's id (random, made with the database; in every record it
    /// sends).
    pub device_id: String,
    /// Its hybrid-logical-clock stamp (`<13-digit ms>-<6-digit counter>`).
    pub clock: String,
    /// The user's records decided here and not yet acknowledged uploaded.
    pub pending: u64,
    /// Records from a newer core kept for the user, not applied.
    pub held: u64,
}

impl From<UploadState> for SyncState {
    fn from(state: UploadState) -> SyncState {
        SyncState {
            device_id: state.device_id,
            clock: state.clock,
            pending: state.pending,
            held: state.held,
        }
    }
}

/// Checks a batch limit.
fn batch_limit(limit: u32) -> Result<usize> {
    let limit = limit as usize;
    if limit == 0 || limit > MAX_BATCH {
        return Err(Error::InvalidArgument(format!(
            "limit must be 1-{MAX_BATCH}, not {limit}"
        )));
    }
    Ok(limit)
}

impl Engine {
    /// Up to `limit` of the user's facts decided here and not yet uploaded,
    /// as JSON objects, and the cursor that acknowledges them.
    pub fn sync_outgoing(&self, user_id: &str, limit: u32) -> Result<(Vec<Value>, String)> {
        validate_id("user id", user_id)?;
        let limit = batch_limit(limit)?;
        let Outgoing { records, cursor } = self.store.sync_outgoing(user_id, limit)?;
        let records = records
            .iter()
            .map(|r| serde_json::to_value(r).map_err(|e| Error::InvalidArgument(e.to_string())))
            .collect::<Result<_>>()?;
        Ok((records, cursor))
    }

    /// Acknowledges the user's records up to `cursor` as uploaded.
    pub fn sync_mark_uploaded(&self, user_id: &str, cursor: &str) -> Result<()> {
        validate_id("user id", user_id)?;
        self.store.sync_mark_uploaded(user_id, cursor)
    }

    /// Applies other devices' records for the user. Every record is read
    /// first: one that breaks the format it claims fails the whole batch,
    /// naming it, and nothing changes.
    pub fn sync_apply(&self, user_id: &str, records: &[Value]) -> Result<SyncApplied> {
        validate_id("user id", user_id)?;
        if records.len() > MAX_BATCH {
            return Err(Error::InvalidArgument(format!(
                "a batch holds at most {MAX_BATCH} records, not {}",
                records.len()
            )));
        }
        let catalogue = self.registry.catalogue();
        // What this core cannot apply: a newer format, field or decision, or a
        // scope this host has not registered (yet).
        let readable = |value: &Value| -> std::result::Result<Incoming, String> {
            Ok(match wire::read(value)? {
                wire::Read::Known(record)
                    if record
                        .scope
                        .as_deref()
                        .is_some_and(|scope| catalogue.get(scope).is_none()) =>
                {
                    Incoming::FromNewerCore {
                        id: record.id.clone(),
                        text: value.to_string(),
                    }
                }
                wire::Read::Known(record) => Incoming::Known(record),
                wire::Read::FromNewerCore { id, reason } => {
                    log::info!(
                        "sync: record {id} is from a newer core ({reason}); kept, not applied"
                    );
                    Incoming::FromNewerCore {
                        id,
                        text: value.to_string(),
                    }
                }
            })
        };
        let mut batch = Vec::with_capacity(records.len());
        for (at, value) in records.iter().enumerate() {
            batch.push(
                readable(value).map_err(|e| {
                    Error::InvalidArgument(format!("record {at} of the batch: {e}"))
                })?,
            );
        }
        // Records kept earlier that this core now reads (an upgrade, a scope
        // registered since) are applied first, in the same transaction.
        let mut released = Vec::new();
        for (_, text) in self.store.sync_held(user_id)? {
            let value = serde_json::from_str::<Value>(&text).ok();
            if let Some(Ok(Incoming::Known(record))) = value.as_ref().map(readable) {
                released.push(Incoming::Released(record));
            }
        }
        released.extend(batch);
        let batch = released;
        let outcome = self
            .store
            .sync_apply(user_id, &batch, self.clock.now_ms())?;
        for (app, plugin, scope) in &outcome.scopes {
            let plugin = (!plugin.is_empty()).then_some(plugin.as_str());
            self.allow_once
                .revoke(&Namespace::new(user_id, app, plugin), scope);
        }
        for app in &outcome.apps_reset {
            self.allow_once.end(Some(user_id), Some(app));
        }
        if outcome.forgotten {
            self.allow_once.end(Some(user_id), None);
        }
        Ok(SyncApplied {
            applied: outcome.applied,
            duplicates: outcome.duplicates,
            superseded: outcome.superseded,
            rejected: outcome.rejected,
            released: outcome.released,
        })
    }

    /// Where the user's sync stands on this device.
    pub fn sync_state(&self, user_id: &str) -> Result<SyncState> {
        validate_id("user id", user_id)?;
        Ok(self.store.sync_state(user_id)?.into())
    }

    /// Forgets how far the user's records were uploaded.
    pub fn sync_reset_uploads(&self, user_id: &str) -> Result<()> {
        validate_id("user id", user_id)?;
        self.store.sync_reset_uploads(user_id)
    }
}
