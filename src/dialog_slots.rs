//! One dialog per (user, app) at a time: an async lock per pair. Waiting for the
//! slot never blocks a thread, and dropping the guard (or the future waiting for
//! it) frees the slot, so a cancelled call can never leave an app locked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::lock::{Mutex as AsyncMutex, OwnedMutexGuard};

type Key = (String, String);

/// The per-(user, app) dialog locks.
#[derive(Default)]
pub struct DialogSlots {
    slots: Mutex<HashMap<Key, Arc<AsyncMutex<()>>>>,
}

/// Holding this means the (user, app) may show a dialog.
pub struct SlotGuard<'a> {
    owner: &'a DialogSlots,
    key: Key,
    guard: Option<OwnedMutexGuard<()>>,
}

impl DialogSlots {
    /// Waits until no other dialog of this (user, app) is open, then holds the slot.
    pub async fn acquire(&self, user_id: &str, app_id: &str) -> SlotGuard<'_> {
        let key = (user_id.to_string(), app_id.to_string());
        let lock = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(key.clone()).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        SlotGuard {
            owner: self,
            key,
            guard: Some(guard),
        }
    }

    #[cfg(feature = "test-hooks")]
    /// How many (user, app) pairs have a slot allocated (for tests: none may leak).
    pub fn allocated(&self) -> usize {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut slots = self.owner.slots.lock().unwrap_or_else(|p| p.into_inner());
        // Free the entry when nobody else holds or waits for it.
        if slots
            .get(&self.key)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            slots.remove(&self.key);
        }
    }
}
