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
    /// The log's last record when the file took up sync (schema 4): records
    /// up to it were written before stamps existed.
    pub legacy_through: u64,
}

impl Device {
    /// The device as stored, if it ever stamped or received a fact.
    pub fn read(conn: &Connection) -> Result<Option<Device>> {
        Ok(conn
            .prepare_cached(
                "SELECT device_id, secret, hlc_wall, hlc_counter, legacy_through
                 FROM sync_device WHERE id = 1",
            )?
            .query_row([], |r| {
                Ok(Device {
                    id: r.get(0)?,
                    secret: r.get(1)?,
                    last: Stamp {
                        wall_ms: r.get(2)?,
                        counter: r.get::<_, i64>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
                    },
                    legacy_through: r.get::<_, i64>(4)?.max(0) as u64,
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

    /// The cursor that acknowledges `user_id`'s records up to `seq`: the
    /// position and a keyed check of (user, position), so that a cursor
    /// given for one user cannot acknowledge another's records.
    pub fn cursor(&self, user_id: &str, seq: u64) -> String {
        format!(
            "{seq}-{}",
            self.keyed("cursor", &format!("{user_id}\n{seq}"), 6)
        )
    }

    /// The position a cursor of [`Device::cursor`] for `user_id` names, if it
    /// is one.
    pub fn read_cursor(&self, user_id: &str, cursor: &str) -> Option<u64> {
        let (seq, _) = cursor.split_once('-')?;
        let seq: u64 = seq.parse().ok()?;
        (self.cursor(user_id, seq) == cursor).then_some(seq)
    }

    /// The first `bytes` bytes of SHA-256 over the device secret, `purpose`
    /// and `text`, as hex.
    fn keyed(&self, purpose: &str, text: &str, bytes: usize) -> String {
        let mut hasher = Sha256::new();
        hasher.update(format!("miniapp-auth/{purpose}/1\n").as_bytes());
        hasher.update(self.secret.as_bytes());
        hasher.update(b"\n");
        hasher.update(text.as_bytes());
        hasher.finalize()[..bytes]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// What a forget tombstone is filed under for `user_id`: a keyed hash, so
    /// the file can refuse an older fact about a forgotten id without keeping
    /// the id (SPEC §8's erasure).
    pub fn forgotten_tag(&self, user_id: &str) -> String {
        format!("f-{}", self.keyed("forgotten", user_id, 16))
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
