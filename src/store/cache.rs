//! The store's cache and its coherence with the file. Reads come from the cache;
//! before each read the store checks whether another connection (another
//! process) committed — a lock-free look at the mapped WAL-index header
//! (`change_probe`), and `PRAGMA data_version` only when that header moved — and
//! drops the cache when one did. The cache is behind a sharded read-write lock,
//! so cached reads on different threads do not contend; only a thread holding
//! the connection changes it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};

use super::change_probe::ChangeProbe;
use super::{Inner, NamespaceState};
use crate::error::Result;
use crate::fast_map::FastMap;
use crate::namespace::Namespace;
use crate::privacy_agreement::Agreement;

/// How many namespaces (and, apart, agreements) the cache holds before it starts
/// over: a host serving many users and apps must not grow without bound.
pub const CACHE_NAMESPACES: usize = 4096;

/// What the store has read.
#[derive(Default)]
pub(super) struct Entries {
    /// Everything stored about each namespace read.
    pub namespaces: FastMap<Namespace, Arc<NamespaceState>>,
    /// Agreed privacy-contract versions, by (user, app) as a namespace without a
    /// plugin; `None`: the user agreed to none.
    pub agreements: FastMap<Namespace, Option<Arc<Agreement>>>,
}

/// The cache and the probe that says when it may be stale.
pub(super) struct Cache {
    entries: ShardedLock<Entries>,
    probe: ChangeProbe,
    /// How many times another connection's commits were found.
    external_commits: AtomicU64,
    /// The store was closed: nothing is answered from memory any more.
    closed: AtomicBool,
}

impl Cache {
    /// An empty cache for the file at `path` (`None`: a private in-memory database).
    pub fn new(path: Option<std::path::PathBuf>) -> Cache {
        Cache {
            entries: ShardedLock::new(Entries::default()),
            probe: ChangeProbe::new(path),
            external_commits: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// The entries, when no other connection committed since the store last
    /// looked (the hot path: no lock but this thread's shard of the read lock);
    /// `None` sends the caller to the connection.
    #[inline(always)]
    pub fn fresh(&self) -> Option<ShardedLockReadGuard<'_, Entries>> {
        (self.probe.unchanged() && !self.closed.load(Ordering::Acquire)).then(|| self.read())
    }

    /// Forgets everything and answers nothing from memory from now on (the
    /// store closed). Called with the connection locked.
    pub fn close(&self, held: &Inner) {
        self.closed.store(true, Ordering::Release);
        let mut entries = self.write(held);
        entries.namespaces.clear();
        entries.agreements.clear();
    }

    /// Whether no other connection committed since the store last looked
    /// (lock-free; `false` whenever in doubt).
    pub fn unchanged(&self) -> bool {
        self.probe.unchanged()
    }

    /// The entries, for reading; the caller holds the connection (so they are
    /// coherent) or accepts what was last coherent.
    pub fn read(&self) -> ShardedLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The entries, for changing; `_held` proves the connection is locked (the
    /// lock order, and what keeps a load and its insertion atomic).
    pub fn write(&self, _held: &Inner) -> ShardedLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops every entry if another connection committed since the store last
    /// looked, and says whether one did. Called with the connection locked.
    pub fn revalidate(&self, inner: &mut Inner) -> Result<bool> {
        if self.probe.unchanged() {
            return Ok(false);
        }
        let header = self.probe.read();
        if header.as_ref().is_some_and(|h| self.probe.matches(h)) {
            return Ok(false);
        }
        let version: i64 = inner
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let changed = version != inner.data_version;
        if changed {
            inner.data_version = version;
            self.external_commits.fetch_add(1, Ordering::AcqRel);
            let mut entries = self.write(inner);
            entries.namespaces.clear();
            entries.agreements.clear();
        }
        // Only now, with the stale entries gone, may the lock-free check pass.
        if let Some(header) = header {
            self.probe.remember(&header);
        }
        Ok(changed)
    }

    /// How many times another connection's commits were found.
    pub fn external_commits(&self) -> u64 {
        self.external_commits.load(Ordering::Acquire)
    }

    /// Puts a namespace in the cache, starting over when it is full.
    pub fn remember_namespace(&self, held: &Inner, ns: &Namespace, state: Arc<NamespaceState>) {
        let mut entries = self.write(held);
        if entries.namespaces.len() >= CACHE_NAMESPACES && !entries.namespaces.contains_key(ns) {
            entries.namespaces.clear();
        }
        entries.namespaces.insert(ns.clone(), state);
    }

    /// Puts a (user, app)'s agreed contract version in the cache, starting over
    /// when it is full.
    pub fn remember_agreement(&self, held: &Inner, app: Namespace, agreed: Option<Arc<Agreement>>) {
        let mut entries = self.write(held);
        if entries.agreements.len() >= CACHE_NAMESPACES && !entries.agreements.contains_key(&app) {
            entries.agreements.clear();
        }
        entries.agreements.insert(app, agreed);
    }
}
