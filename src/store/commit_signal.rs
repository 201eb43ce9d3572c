//! How anyone in this process learns that the store committed: a count of this
//! store's commits and of the other connections' commits it found, with a
//! condition variable to wait on ([`crate::grant_watch`] waits on it).

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The store's commit count and its doorbell.
#[derive(Default)]
pub(crate) struct CommitSignal {
    count: Mutex<u64>,
    rung: Condvar,
}

impl CommitSignal {
    /// Counts a commit (this store's, or another connection's it found) and
    /// wakes every waiter.
    pub fn ring(&self) {
        *self.count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.rung.notify_all();
    }

    /// How many commits were counted.
    pub fn count(&self) -> u64 {
        *self.count.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until the count is past `seen` or `timeout` passed; returns the count.
    pub fn wait_past(&self, seen: u64, timeout: Duration) -> u64 {
        let count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        let (count, _) = self
            .rung
            .wait_timeout_while(count, timeout, |count| *count == seen)
            .unwrap_or_else(|p| p.into_inner());
        *count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_ring_wakes_a_waiter_and_a_quiet_store_times_out() {
        let signal = Arc::new(CommitSignal::default());
        assert_eq!(signal.wait_past(0, Duration::from_millis(1)), 0);
        let ringer = signal.clone();
        let thread = std::thread::spawn(move || ringer.ring());
        assert_eq!(signal.wait_past(0, Duration::from_secs(10)), 1);
        thread.join().unwrap();
    }
}
