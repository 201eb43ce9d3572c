//! How anyone in this process learns that the store committed: a count of this
//! store's commits and of the other connections' commits it found, with a
//! condition variable to wait on ([`crate::grant_watch`] waits on it, and is
//! also woken through it when its observers change, without a commit counted).

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The store's commit count and its doorbell.
#[derive(Default)]
pub(crate) struct CommitSignal {
    rung: Mutex<Rung>,
    changed: Condvar,
}

/// What the signal has counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rung {
    /// Commits: this store's, and other connections' it found.
    pub commits: u64,
    /// Wake-ups that were not commits.
    wakes: u64,
}

impl CommitSignal {
    fn lock(&self) -> std::sync::MutexGuard<'_, Rung> {
        self.rung.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a commit (this store's, or another connection's it found) and
    /// wakes every waiter.
    pub fn ring(&self) {
        self.lock().commits += 1;
        self.changed.notify_all();
    }

    /// Wakes every waiter without counting a commit.
    pub fn wake(&self) {
        self.lock().wakes += 1;
        self.changed.notify_all();
    }

    /// What was counted so far.
    pub fn now(&self) -> Rung {
        *self.lock()
    }

    /// Waits until something was counted after `seen` (a commit or a wake-up)
    /// or `timeout` passed; returns what was counted.
    pub fn wait_past(&self, seen: Rung, timeout: Duration) -> Rung {
        let rung = self.lock();
        let (rung, _) = self
            .changed
            .wait_timeout_while(rung, timeout, |rung| *rung == seen)
            .unwrap_or_else(|p| p.into_inner());
        *rung
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_ring_wakes_a_waiter_and_a_quiet_store_times_out() {
        let signal = Arc::new(CommitSignal::default());
        let start = signal.now();
        assert_eq!(signal.wait_past(start, Duration::from_millis(1)), start);
        let ringer = signal.clone();
        let thread = std::thread::spawn(move || ringer.ring());
        assert_eq!(signal.wait_past(start, Duration::from_secs(10)).commits, 1);
        thread.join().unwrap();
    }

    #[test]
    fn a_wake_wakes_a_waiter_without_counting_a_commit() {
        let signal = Arc::new(CommitSignal::default());
        let start = signal.now();
        let waker = signal.clone();
        let thread = std::thread::spawn(move || waker.wake());
        let woken = signal.wait_past(start, Duration::from_secs(10));
        assert_ne!(woken, start);
        assert_eq!(woken.commits, 0);
        thread.join().unwrap();
    }
}
