//! Waiting for the next commit to the file — this process's, or another
//! process's — for tools that show the file live (the inspector's refresh:
//! SPEC §11). It waits on the store's commit signal and, every
//! [`OTHER_PROCESS_LOOK`], takes the lock-free look at the WAL index that the
//! grant watch takes; it reads nothing else and writes nothing.

use std::time::{Duration, Instant};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::grant_watch::OTHER_PROCESS_LOOK;

impl Engine {
    /// Blocks until the store's commit count (its own commits and those of
    /// other connections it found) is past `seen`, or `timeout` passed;
    /// returns the count then. `seen` 0 on a fresh engine waits for the first.
    pub fn wait_for_commit(&self, seen: u64, timeout: Duration) -> Result<u64> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.is_closed() {
                return Err(Error::Closed);
            }
            if self.store.others_may_have_committed() {
                self.store.look_for_other_commits()?;
            }
            let now = self.store.commits().now();
            let left = deadline.saturating_duration_since(Instant::now());
            if now.commits > seen || left.is_zero() {
                return Ok(now.commits);
            }
            self.store
                .commits()
                .wait_past(now, left.min(OTHER_PROCESS_LOOK));
        }
    }
}
