//! This device's side of an upload (SPEC §10): the user's facts decided here
//! and not yet acknowledged ([`Store::sync_outgoing`]), in log order, with a
//! cursor the host hands back once its backend has committed them
//! ([`Store::sync_mark_uploaded`]). Nothing is marked before the host says so:
//! a crash between the backend's commit and the mark sends the batch again,
//! and the backend takes a record id once.
//!
//! A forget's record is filed under the pseudonym it destroyed; it goes out
//! through its tombstone, first, until uploaded.

use rusqlite::{params, Connection, OptionalExtension};

use super::consent_log;
use super::pseudonyms;
use super::sync_device::{Device, Tombstone};
use super::sync_view::fact_of;
use super::Store;
use crate::consent_record::ConsentRecord;
use crate::error::{Error, Result};
use crate::sync::wire::SyncRecord;

/// A batch to upload, and where it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The records, oldest first.
    pub records: Vec<SyncRecord>,
    /// The log position the batch reaches, with a check tying it to the user
    /// (what `sync_mark_uploaded` takes).
    pub cursor: String,
}

/// Where a user's uploads stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadState {
    /// This device's id.
    pub device_id: String,
    /// Its hybrid-logical-clock stamp, as text.
    pub clock: String,
    /// Records of the user waiting for upload.
    pub pending: u64,
    /// Records from a newer core kept for the user, unapplied.
    pub held: u64,
}

/// The cursor of an empty batch on a device that never stamped a fact.
const NOTHING: &str = "0";

/// How far `subject`'s records were uploaded.
fn uploaded_through(conn: &Connection, subject: &str) -> Result<u64> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT through_seq FROM sync_uploaded WHERE subject = ?1")?
        .query_row(params![subject], |r| r.get(0))
        .optional()?;
    Ok(seq.unwrap_or(0).max(0) as u64)
}

/// The record at `seq`, as stored (its `userId` the pseudonym).
fn record_at(conn: &Connection, seq: u64) -> Result<Option<ConsentRecord>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT record FROM consent_log WHERE seq = ?1")?
        .query_row(params![seq as i64], |r| r.get(0))
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// This device's own forget of `user_id`, while not yet uploaded.
fn pending_forget(conn: &Connection, device: &Device, user_id: &str) -> Result<Option<Tombstone>> {
    Ok(Tombstone::read(conn, &device.forgotten_tag(user_id))?
        .filter(|t| !t.uploaded && t.device == device.id))
}

/// Walks `user_id`'s own facts not yet uploaded, oldest first, calling
/// `each` with each one's log position and record until it says stop;
/// returns the last position walked.
fn walk_pending(
    conn: &Connection,
    device: &Device,
    user_id: &str,
    mut each: impl FnMut(u64, SyncRecord) -> bool,
) -> Result<u64> {
    let mut last = 0;
    if let Some(tombstone) = pending_forget(conn, device, user_id)? {
        if let Some(record) = record_at(conn, tombstone.record_seq)? {
            if let Some(fact) = SyncRecord::from_log(&record, &device.id) {
                last = tombstone.record_seq;
                if !each(last, fact) {
                    return Ok(last);
                }
            }
        }
    }
    let Some(subject) = pseudonyms::of(conn, user_id)? else {
        return Ok(last);
    };
    let through = uploaded_through(conn, &subject)?;
    last = last.max(through);
    let mut stmt = conn.prepare_cached(
        "SELECT seq, record FROM consent_log WHERE user_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![subject, through as i64])?;
    while let Some(row) = rows.next()? {
        let seq = row.get::<_, i64>(0)? as u64;
        last = seq;
        let text: String = row.get(1)?;
        let Ok(record) = serde_json::from_str::<ConsentRecord>(&text) else {
            continue;
        };
        if record.device.is_some() || record.source == "sync" {
            continue;
        }
        if let Some(fact) = fact_of(&record, device) {
            if !each(seq, fact) {
                break;
            }
        }
    }
    Ok(last)
}

impl Store {
    /// Up to `limit` of `user_id`'s facts decided on this device and not yet
    /// uploaded, oldest first, and the cursor that marks them uploaded.
    pub fn sync_outgoing(&self, user_id: &str, limit: usize) -> Result<Outgoing> {
        let inner = self.lock()?;
        let conn = &inner.conn;
        let Some(device) = Device::read(conn)? else {
            return Ok(Outgoing {
                records: Vec::new(),
                cursor: NOTHING.into(),
            });
        };
        let mut records = Vec::new();
        let mut cursor = 0;
        let walked = walk_pending(conn, &device, user_id, |seq, fact| {
            if records.len() >= limit {
                return false;
            }
            records.push(fact);
            cursor = seq;
            true
        })?;
        // A batch that holds everything pending reaches the end of the walk
        // (past records that are not facts to send).
        if records.len() < limit {
            cursor = cursor.max(walked);
        }
        Ok(Outgoing {
            records,
            cursor: device.cursor(user_id, cursor),
        })
    }

    /// Marks `user_id`'s records up to `cursor` (from [`Self::sync_outgoing`]
    /// for the same user) uploaded.
    pub fn sync_mark_uploaded(&self, user_id: &str, cursor: &str) -> Result<()> {
        let not_ours = || {
            Error::InvalidArgument(format!(
                "cursor {cursor:?} is not one sync_outgoing gave for this user on this device"
            ))
        };
        self.through_door(&[], |passage| {
            let Some(device) = Device::read(passage)? else {
                return match cursor {
                    NOTHING => Ok(()),
                    _ => Err(not_ours()),
                };
            };
            let seq = device.read_cursor(user_id, cursor).ok_or_else(not_ours)?;
            if seq > consent_log::head(passage)?.seq {
                return Err(not_ours());
            }
            let tag = device.forgotten_tag(user_id);
            if let Some(tombstone) = pending_forget(passage, &device, user_id)? {
                if tombstone.record_seq <= seq {
                    passage.set_tombstone_uploaded(&tag)?;
                }
            }
            if let Some(subject) = pseudonyms::of(passage, user_id)? {
                passage.set_uploaded_through(&subject, seq)?;
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Forgets how far `user_id`'s records were uploaded: the next batches
    /// send everything again (after a disconnect, or a backend that lost
    /// data; the backend takes each record id once).
    pub fn sync_reset_uploads(&self, user_id: &str) -> Result<()> {
        self.through_door(&[], |passage| {
            let Some(device) = Device::read(passage)? else {
                return Ok(());
            };
            let subject = pseudonyms::of(passage, user_id)?;
            passage.reset_uploaded(subject.as_deref(), &device.forgotten_tag(user_id))
        })
        .map(|_| ())
    }

    /// Where `user_id`'s sync stands on this device.
    pub fn sync_state(&self, user_id: &str) -> Result<UploadState> {
        let inner = self.lock()?;
        let conn = &inner.conn;
        let device = Device::read(conn)?;
        let mut pending = 0;
        if let Some(device) = &device {
            walk_pending(conn, device, user_id, |_, _| {
                pending += 1;
                true
            })?;
        }
        let held = match pseudonyms::of(conn, user_id)? {
            None => 0,
            Some(subject) => conn
                .prepare_cached("SELECT count(*) FROM sync_held WHERE subject = ?1")?
                .query_row(params![subject], |r| r.get::<_, i64>(0))?
                .max(0) as u64,
        };
        Ok(UploadState {
            device_id: device.as_ref().map(|d| d.id.clone()).unwrap_or_default(),
            clock: device.map(|d| d.last.to_string()).unwrap_or_default(),
            pending,
            held,
        })
    }
}
