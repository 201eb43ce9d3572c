//! Time, injectable: the engine asks a [`Clock`] for "now" so that tests (and later
//! expiry, cool-downs and auto-revoke) never sleep.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// Now, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// The engine's view of the host's clock: it never goes back. A device clock set
/// back (to stretch an allow-until grant, or an embargo's end) leaves the engine
/// at the latest time it saw, so what it once saw ended stays ended for as long
/// as the engine lives. One shared word, written only when time moves forward.
pub(crate) struct NeverBack {
    source: std::sync::Arc<dyn Clock>,
    latest: AtomicI64,
}

impl NeverBack {
    /// `source`, never going back.
    pub fn new(source: std::sync::Arc<dyn Clock>) -> NeverBack {
        NeverBack {
            latest: AtomicI64::new(source.now_ms()),
            source,
        }
    }
}

impl Clock for NeverBack {
    fn now_ms(&self) -> i64 {
        let now = self.source.now_ms();
        let latest = self.latest.load(Ordering::Relaxed);
        if now <= latest {
            return latest;
        }
        self.latest.fetch_max(now, Ordering::Relaxed).max(now)
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        ManualClock {
            now: AtomicI64::new(now_ms),
        }
    }

    /// Moves the clock forward by `ms`, or says (`false`, the clock unmoved)
    /// that it would pass the end of time: the clock never wraps.
    pub fn advance(&self, ms: i64) -> bool {
        self.now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                now.checked_add(ms)
            })
            .is_ok()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}
