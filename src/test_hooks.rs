//! Hooks for this project's own tests, benchmarks and fuzz targets, compiled
//! only with the `test-hooks` feature — never part of a shipped build, and not
//! an API for hosts. The test and bench targets get the feature through the
//! crate's dev-dependency on itself (Cargo.toml).

use crate::{ApiResult, AuthEngine, Caller};

pub use crate::manifest::Manifest;
pub use crate::scopes::ScopeCatalogue;

impl AuthEngine {
    /// How many dialogs are open or waited for (tests: nothing may leak).
    pub fn open_flights(&self) -> usize {
        self.inner.dialogs.open()
    }

    /// How many calls wait on a dialog another call opened (tests: concurrent
    /// callers share one dialog, seen rather than slept for).
    pub fn dialog_followers(&self) -> usize {
        self.inner.dialogs.followers()
    }

    /// What the grant watch's thread did so far.
    pub fn watch_tally(&self) -> WatchTally {
        use std::sync::atomic::Ordering::Relaxed;
        let tally = self.inner.watch.tally();
        WatchTally {
            looks: tally.looks.load(Relaxed),
            store_looks: tally.store_looks.load(Relaxed),
            grant_reads: tally.grant_reads.load(Relaxed),
        }
    }

    /// Makes the grant watch look for other processes' commits every `every`
    /// (instead of every 250 ms), from its next look.
    pub fn set_other_process_look(&self, every: std::time::Duration) {
        self.inner.watch.set_other_process_look(every)
    }

    /// `authorize` without taking its arguments by value, and polled on the
    /// calling thread rather than the core's I/O threads: the engine's own flow
    /// (benchmarks: the hot path without the copies the FFI makes anyway;
    /// tests that pin the order of concurrent dialogs; the reference model).
    pub async fn authorize_borrowed(&self, caller: &Caller, scope: &str) -> ApiResult {
        self.inner.authorize(caller, scope).await
    }

    /// `getSetting` without taking its arguments by value, on the calling
    /// thread (benchmarks, the reference model).
    pub async fn get_setting_borrowed(
        &self,
        caller: &Caller,
        with_subscriptions: bool,
    ) -> ApiResult {
        self.inner.get_setting(caller, with_subscriptions).await
    }

    /// `openSetting` without taking its arguments by value, on the calling
    /// thread (the reference model).
    pub async fn open_setting_borrowed(
        &self,
        caller: &Caller,
        with_subscriptions: bool,
    ) -> ApiResult {
        self.inner.open_setting(caller, with_subscriptions).await
    }
}

/// What the grant watch's thread did (counts since the engine opened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchTally {
    /// Times it looked: woken by a commit, a change of its observers, or the
    /// interval of its look for other processes' commits.
    pub looks: u64,
    /// Times it took the store's connection to look for other processes'
    /// commits (the lock-free look at the WAL index said the file may have changed).
    pub store_looks: u64,
    /// Times it read a user's grants.
    pub grant_reads: u64,
}

/// Waits until every metric event recorded before the call was delivered to
/// the sink (or dropped): what was recorded can then be counted.
pub fn flush_metrics() {
    crate::metrics::flush()
}

static CRASH_AFTER_FORGET_COMMIT: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Makes the next `forget_user` of this process abort it (as a kill would)
/// right after its transaction commits, before the `-wal` is truncated: what
/// the next open must finish (tests/erasure.rs).
pub fn crash_after_next_forget_commit() {
    CRASH_AFTER_FORGET_COMMIT.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Aborts the process if [`crash_after_next_forget_commit`] asked for it.
pub(crate) fn maybe_crash_after_forget_commit() {
    if CRASH_AFTER_FORGET_COMMIT.load(std::sync::atomic::Ordering::SeqCst) {
        std::process::abort();
    }
}

static CRASH_BEFORE_NEXT_COMMIT: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Makes the next passage through the door of this process abort it (as a
/// kill would) after its writes, before its commit: what a crash mid-apply
/// leaves (tests/sync.rs).
pub fn crash_before_next_commit() {
    CRASH_BEFORE_NEXT_COMMIT.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Aborts the process if [`crash_before_next_commit`] asked for it.
pub(crate) fn maybe_crash_before_commit() {
    if CRASH_BEFORE_NEXT_COMMIT.load(std::sync::atomic::Ordering::SeqCst) {
        std::process::abort();
    }
}

static STOP_INSIDE_OPEN_LOCK: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);
static OPEN_LOCK_WAIT_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Makes the next open of this process stop it (`SIGSTOP`) while it holds the
/// database's open lock: a stopped opener, as Android's freezer makes one.
pub fn stop_inside_next_open_lock() {
    STOP_INSIDE_OPEN_LOCK.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Stops the process if [`stop_inside_next_open_lock`] asked for it.
pub(crate) fn maybe_stop_inside_open_lock() {
    if STOP_INSIDE_OPEN_LOCK.swap(false, std::sync::atomic::Ordering::SeqCst) {
        // SAFETY: raising a signal at this process.
        unsafe { libc::raise(libc::SIGSTOP) };
    }
}

/// Shortens how long this process's opens wait for another's open lock.
pub fn set_open_lock_wait(wait: std::time::Duration) {
    OPEN_LOCK_WAIT_MS.store(wait.as_millis() as u64, std::sync::atomic::Ordering::SeqCst);
}

/// The wait [`set_open_lock_wait`] set, if any.
pub(crate) fn open_lock_wait() -> Option<std::time::Duration> {
    match OPEN_LOCK_WAIT_MS.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        ms => Some(std::time::Duration::from_millis(ms)),
    }
}

static CLOSED_ON: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Notes the thread a store is closing on (its connection closes right after).
pub(crate) fn note_store_closed() {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("(unnamed)").to_string();
    CLOSED_ON
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(name);
}

/// The threads stores of this process closed on since last asked, in order
/// (names; the core's I/O threads are `miniapp-auth-io-N`).
pub fn stores_closed_on() -> Vec<String> {
    std::mem::take(&mut *CLOSED_ON.lock().unwrap_or_else(|p| p.into_inner()))
}

/// What runs at the start of the next door passage on one database file.
type DoorHook = (std::path::PathBuf, Box<dyn FnOnce() + Send>);

static BEFORE_DOOR: std::sync::Mutex<Option<DoorHook>> = std::sync::Mutex::new(None);

/// Runs `meanwhile` once, at the start of the next passage through the door
/// of a store of the database at `db_path` in this process — before that
/// passage takes its connection and begins its write transaction: another
/// connection's change committed the instant before a writer's transaction
/// (tests/door.rs: a check made before the door, rather than in its
/// transaction, misses it).
pub fn before_next_door_passage(db_path: &str, meanwhile: impl FnOnce() + Send + 'static) {
    *BEFORE_DOOR.lock().unwrap_or_else(|p| p.into_inner()) =
        Some((db_path.into(), Box::new(meanwhile)));
}

/// Runs what [`before_next_door_passage`] set for the file at `path`, if
/// anything (taken first: a passage `meanwhile` makes does not run it again).
pub(crate) fn maybe_run_before_door(path: Option<&std::path::Path>) {
    let Some(path) = path else { return };
    let hook = {
        let mut slot = BEFORE_DOOR.lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Some((hooked, _)) if hooked == path => slot.take(),
            _ => None,
        }
    };
    if let Some((_, meanwhile)) = hook {
        meanwhile();
    }
}
