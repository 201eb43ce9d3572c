//! The decision store (SPEC §8): grants, privacy agreements, dismissal counts and
//! the consent log in SQLite, behind an in-memory cache kept coherent with the
//! file. This file is the entry: opening the store, locking its connection and
//! the write transaction every change goes through. Each concept has its room:
//!
//! | file | concept |
//! |---|---|
//! | `db.rs` | opening the file: pragmas, refusing newer/foreign files, quarantine |
//! | `schema.rs`, `schema_history.rs` | the current schema; each upgrade step, frozen |
//! | `cache.rs`, `change_probe.rs` | the cache and its "did another connection commit?" check |
//! | `commit_signal.rs` | telling waiters in this process that the store (or another connection) committed |
//! | `grant_row.rs` | one row of `grants` as a type — read, written, cached ([`StoredGrant`](grant_row::StoredGrant)) — with its integrity check |
//! | `namespace_read.rs` | reading one namespace from the file (rows honoured as their records back them) |
//! | `namespace_state.rs` | a namespace's state, and applying [`Change`]s to it |
//! | `agreements.rs` | privacy-contract agreements |
//! | `housekeeping.rs` | reset an app, forget a user, maintenance |
//! | `listing.rs` | read-only administration: grants, users, the consent log |
//! | `subscriptions.rs` | subscription messages: the main switch and kept choices |
//! | `sidecar_files.rs` | noticing `-wal`/`-shm` removed or replaced under the store |
//! | `consent_log.rs` | the append-only, hash-chained consent log |
//! | `pseudonyms.rs` | how the log names users: keyed pseudonyms, destroyed to forget |
//! | `record_links.rs` | each grant/agreement row's link to the record behind it, and the latest-record rule |
//! | `sync_device.rs` | this device for sync: its id, its hybrid logical clock, the forget tombstones |
//! | `sync_view.rs` | what stands for one user, as the merge sees it (read from the log) |
//! | `sync_apply.rs` | applying other devices' records, through the door |
//! | `sync_outgoing.rs` | this device's records not yet uploaded; upload progress |
//! | `door/` | the one door: the write transaction every change passes, its checks, and every statement that changes a guarded table |
//!
//! Every write is one IMMEDIATE transaction committed with `synchronous=FULL`
//! before the caller returns (`Store::through_door`, `door/`), so an acknowledged decision
//! survives a crash or power cut; its consent records are appended in the same
//! transaction. Lock order: the connection, then the cache.

mod agreements;
mod cache;
mod change_probe;
mod commit_signal;
mod consent_log;
mod db;
mod door;
mod grant_row;
mod housekeeping;
mod listing;
mod namespace_read;
mod namespace_state;
mod pseudonyms;
mod record_links;
pub(crate) mod schema;
mod schema_history;
mod scope_map;
mod sidecar_files;
mod subscriptions;
mod sync_apply;
mod sync_device;
mod sync_outgoing;
mod sync_view;

pub(crate) use commit_signal::CommitSignal;
pub(crate) use consent_log::LogPoint;
pub(crate) use door::{DecisionKey, StillTrue};
pub(crate) use grant_row::{Decided, StoredGrant};
pub(crate) use namespace_state::{Change, NamespaceState};
pub(crate) use sync_apply::Incoming;
pub(crate) use sync_outgoing::{Outgoing, UploadState};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::error::{Error, Result};
use cache::Cache;
use sidecar_files::SidecarFiles;

/// The connection and what the store knows about it; one thread at a time.
struct Inner {
    conn: Connection,
    /// `PRAGMA data_version` when the cache was last known to match the file.
    data_version: i64,
    /// Whether the connection is at `synchronous=FULL` (every durable commit
    /// makes sure it is first: `door/`).
    synced: bool,
    /// The host closed the store ([`Store::close`]): `conn` is a private
    /// in-memory stand-in and every use of the store fails `Error::Closed`.
    closed: bool,
}

/// The SQLite-backed store with its cache.
pub(crate) struct Store {
    inner: Mutex<Inner>,
    cache: Cache,
    quarantined: Option<PathBuf>,
    /// The database file (none in memory).
    path: Option<PathBuf>,
    /// The file's `-wal` and `-shm` as first seen (none in memory).
    sidecars: Option<SidecarFiles>,
    /// Rung on every commit this store makes or finds.
    commits: Arc<CommitSignal>,
}

/// Closing: a store whose `-wal` or `-shm` was removed or replaced under it
/// changes nothing on the way out (#20). SQLite's close would checkpoint its
/// old log into the file and delete `<db>-wal` by name — another process's new
/// log, holding decisions that process acknowledged. Without the checkpoint the
/// files stay as the other processes left them. (Tests see on which thread
/// each store closed: `test_hooks::stores_closed_on`.)
impl Drop for Store {
    fn drop(&mut self) {
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::note_store_closed();
        let inner = self.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        if !inner.closed {
            Self::before_closing(self.sidecars.as_ref(), &inner.conn);
        }
    }
}

impl Store {
    /// Opens the database file at `path` (see `db::open_file`).
    pub fn open(path: &Path) -> Result<Store> {
        let opened = db::open_file(path)?;
        Self::from_connection(opened.conn, opened.quarantined, Some(path.to_path_buf()))
    }

    /// Opens the existing database file at `path` for reading only (see
    /// `db::open_read_only`); writes through it fail.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let conn = db::open_read_only(path)?;
        Self::from_connection(conn, None, Some(path.to_path_buf()))
    }

    /// A private in-memory store.
    pub fn open_in_memory() -> Result<Store> {
        Self::from_connection(db::open_in_memory()?, None, None)
    }

    fn from_connection(
        conn: Connection,
        quarantined: Option<PathBuf>,
        path: Option<PathBuf>,
    ) -> Result<Store> {
        let data_version = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
        let sidecars = path.as_deref().map(SidecarFiles::of);

        Ok(Store {
            sidecars,
            inner: Mutex::new(Inner {
                conn,
                data_version,
                synced: true,
                closed: false,
            }),
            cache: Cache::new(path.clone()),
            path,
            quarantined,
            commits: Arc::default(),
        })
    }

    /// What is rung on every commit this store makes, and every other
    /// connection's commit it finds (when it next takes its connection).
    pub fn commits(&self) -> &Arc<CommitSignal> {
        &self.commits
    }

    /// Closes the file now (the host closed the engine), after any transaction
    /// under way: the connection is closed — its WAL checkpointed, as on drop —
    /// and from now on every read and write fails `Error::Closed` and nothing
    /// is answered from memory. Closing again does nothing.
    pub fn close(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.closed {
            return;
        }
        inner.closed = true;
        self.cache.close(&inner);
        let stand_in = match Connection::open_in_memory() {
            Ok(conn) => conn,
            Err(error) => {
                // Without a stand-in the file stays open until the store is
                // dropped; it is refused all the same.
                log::warn!(
                    "closing the store: no in-memory stand-in ({error}); the file closes on drop"
                );
                return;
            }
        };
        let file = std::mem::replace(&mut inner.conn, stand_in);
        Self::before_closing(self.sidecars.as_ref(), &file);
        if let Err((_, error)) = file.close() {
            log::warn!("closing the database: {error}");
        }
    }

    /// What a connection to the file needs before it closes: if its `-wal` or
    /// `-shm` was removed or replaced under it, no checkpoint on close.
    fn before_closing(sidecars: Option<&SidecarFiles>, conn: &Connection) {
        let Some(sidecars) = sidecars else {
            return;
        };
        if sidecars.check().is_err() {
            let kept = conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            );
            if let Err(e) = kept {
                log::warn!("closing after the -wal/-shm were replaced: {e}");
            }
        }
    }

    /// Whether another connection may have committed since the store last
    /// looked: a lock-free look at the WAL index's header, no system call
    /// (`change_probe.rs`). `false` proves nothing was committed.
    pub fn others_may_have_committed(&self) -> bool {
        !self.cache.unchanged()
    }

    /// Takes the connection once, so that other connections' commits are found
    /// (and [`Self::commits`] rung); a cheap look when there were none.
    pub fn look_for_other_commits(&self) -> Result<()> {
        self.lock().map(drop)
    }

    /// Where a corrupt file was moved when this store opened, if it was.
    pub fn quarantined(&self) -> Option<&Path> {
        self.quarantined.as_deref()
    }

    /// Locks the connection, with the cache made coherent with the file — unless
    /// the file's `-wal` or `-shm` was removed or replaced under the store: then
    /// nothing it reads or writes is what other processes see, and it refuses.
    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A panic elsewhere cannot leave the data inconsistent (writes are
        // transactions), so a poisoned lock is still usable.
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.closed {
            return Err(Error::Closed);
        }
        // Looked at once the connection is ours (the wait for it can be long),
        // and again by the door once it holds the write lock.
        self.check_files()?;
        if self.cache.revalidate(&mut inner)? {
            self.commits.ring();
        }
        Ok(inner)
    }

    /// Fails if the database's files were removed or replaced under the store
    /// (`sidecar_files.rs`).
    fn check_files(&self) -> Result<()> {
        match &self.sidecars {
            Some(sidecars) => sidecars.check(),
            None => Ok(()),
        }
    }

    /// After this store's own commit the file's WAL index moved, so the
    /// lock-free "did anyone commit?" look would send the next cached read to
    /// the connection. Looking again now (the connection still held) lets the
    /// next read answer from memory: the cache already matches this commit, and
    /// `revalidate` still drops it if another connection committed meanwhile.
    /// The commit stands whatever this look finds.
    /// Returns whether the cache may take what the write computed: not when
    /// another connection committed after this one (the cache was dropped).
    fn look_again_after_own_commit(&self, inner: &mut Inner) -> bool {
        match self.cache.revalidate(inner) {
            Ok(false) => true,
            Ok(true) => {
                self.commits.ring();
                false
            }
            Err(_) => false,
        }
    }
}
