//! This device, as sync knows it (SPEC §10): its id (random, made the first
//! time it stamps or receives a fact), the hybrid-logical-clock stamp it gave
//! or saw last, and a secret for the forget tombstones' tags. One row,
//! `sync_device`, read and written inside the door's transaction that stamps,
//! so the clock never goes back — not across restarts, nor between processes.

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::door::Passage;
use crate::error::Result;
use crate::sync::Stamp;

/// This device's sync identity and clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// `d-` and 32 hex digits.
    pub id: String,
    /// For [`Device::forgotten_tag`].
    secret: String,
    /// The last stamp given or received.
    pub last: Stamp,
}

impl Device {
    /// The device as stored, if it ever stamped or received a fact.
    pub fn read(conn: &Connection) -> Result<Option<Device>> {
        Ok(conn
            .prepare_cached(
                "SELECT device_id, secret, hlc_wall, hlc_counter FROM sync_device WHERE id = 1",
            )?
            .query_row([], |r| {
                Ok(Device {
                    id: r.get(0)?,
                    secret: r.get(1)?,
                    last: Stamp {
                        wall_ms: r.get(2)?,
                        counter: r.get::<_, i64>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
                    },
                })
            })
            .optional()?)
    }

    /// The device, made (with a random id and secret) if it was never stored.
    pub fn read_or_make(passage: &Passage<'_>) -> Result<Device> {
        if let Some(device) = Device::read(passage)? {
            return Ok(device);
        }
        passage.make_sync_device()?;
        Device::read(passage)?.ok_or_else(|| {
            crate::error::Error::InvalidArgument("the sync device row was not made".into())
        })
    }

    /// Stores the clock as it is now (inside the stamping transaction).
    pub fn keep_clock(&self, passage: &Passage<'_>) -> Result<()> {
        passage.set_sync_clock(self.last)
    }

    /// The next stamp for a fact decided here at `now_ms`.
    pub fn stamp(&mut self, now_ms: i64) -> Stamp {
        self.last = self.last.tick(now_ms);
        self.last
    }

    /// Notes a stamp received from another device at `now_ms`.
    pub fn receive(&mut self, remote: Stamp, now_ms: i64) {
        self.last = self.last.receive(remote, now_ms);
    }

    /// What a forget tombstone is filed under for `user_id`: a keyed hash, so
    /// the file can refuse an older fact about a forgotten id without keeping
    /// the id (SPEC §8's erasure).
    pub fn forgotten_tag(&self, user_id: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"miniapp-auth/forgotten/1\n");
        hasher.update(self.secret.as_bytes());
        hasher.update(b"\n");
        hasher.update(user_id.as_bytes());
        let digest = hasher.finalize();
        let mut out = String::from("f-");
        for b in &digest[..16] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

/// A forget tombstone: when the user was forgotten, where the record is, and
/// whether this device's own forget reached the backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    /// The forget's stamp.
    pub stamp: Stamp,
    /// The device that forgot.
    pub device: String,
    /// The `forgotten` record's `seq` here.
    pub record_seq: u64,
    /// Whether it was uploaded (for this device's own forgets).
    pub uploaded: bool,
}

impl Tombstone {
    /// The tombstone filed under `tag`, if any.
    pub fn read(conn: &Connection, tag: &str) -> Result<Option<Tombstone>> {
        Ok(conn
            .prepare_cached(
                "SELECT hlc, device, record_seq, uploaded FROM sync_forgotten WHERE tag = ?1",
            )?
            .query_row([tag], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .optional()?
            .and_then(|(hlc, device, seq, uploaded)| {
                Some(Tombstone {
                    stamp: Stamp::parse(&hlc)?,
                    device,
                    record_seq: seq.max(0) as u64,
                    uploaded: uploaded != 0,
                })
            }))
    }
}
