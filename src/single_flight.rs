//! Single-flight: concurrent requests with the same key share one piece of work
//! (one dialog) and all receive its result. The first caller becomes the leader;
//! the others wait on a shared receiver. If the leader is dropped (its caller was
//! cancelled) the key is freed and the waiters are told to try again.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use futures::channel::oneshot;
use futures::future::{FutureExt, Shared};

/// One open flight: its id, the receiver its followers share, and how many
/// followers joined it.
type OpenFlight<T> = (u64, Shared<oneshot::Receiver<T>>, usize);

/// The in-flight work, by key.
pub struct SingleFlight<K, T: Clone> {
    flights: Mutex<HashMap<K, OpenFlight<T>>>,
    next_id: Mutex<u64>,
}

/// What joining a flight made of the caller.
pub enum Joined<'a, K: Eq + Hash + Clone, T: Clone> {
    /// Do the work, then [`Leader::finish`].
    Leader(Leader<'a, K, T>),
    /// Wait for the leader's result (`Err` means: the leader gave up, try again).
    Follower(Shared<oneshot::Receiver<T>>),
}

/// The caller doing the work for everyone with its key.
pub struct Leader<'a, K: Eq + Hash + Clone, T: Clone> {
    owner: &'a SingleFlight<K, T>,
    key: K,
    id: u64,
    sender: Option<oneshot::Sender<T>>,
}

impl<K: Eq + Hash + Clone, T: Clone> Default for SingleFlight<K, T> {
    fn default() -> Self {
        SingleFlight {
            flights: Mutex::new(HashMap::new()),
            next_id: Mutex::new(0),
        }
    }
}

impl<K: Eq + Hash + Clone, T: Clone> SingleFlight<K, T> {
    /// Joins the flight for `key`, starting it if there is none.
    pub fn join(&self, key: K) -> Joined<'_, K, T> {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, receiver, followers)) = flights.get_mut(&key) {
            *followers += 1;
            return Joined::Follower(receiver.clone());
        }
        let id = {
            let mut next = self.next_id.lock().unwrap_or_else(|p| p.into_inner());
            *next += 1;
            *next
        };
        let (sender, receiver) = oneshot::channel();
        flights.insert(key.clone(), (id, receiver.shared(), 0));
        Joined::Leader(Leader {
            owner: self,
            key,
            id,
            sender: Some(sender),
        })
    }

    #[cfg(feature = "test-hooks")]
    /// How many flights are open (for tests: none may leak).
    pub fn in_flight(&self) -> usize {
        self.flights.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    #[cfg(feature = "test-hooks")]
    /// How many callers joined the open flights as followers (for tests: that
    /// concurrent callers share one dialog, seen rather than slept for).
    pub fn followers(&self) -> usize {
        let flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        flights.values().map(|(_, _, followers)| followers).sum()
    }

    fn remove(&self, key: &K, id: u64) {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        if flights
            .get(key)
            .is_some_and(|(current, _, _)| *current == id)
        {
            flights.remove(key);
        }
    }
}

impl<K: Eq + Hash + Clone, T: Clone> Leader<'_, K, T> {
    /// Publishes the result to the followers and closes the flight.
    pub fn finish(mut self, value: T) {
        self.owner.remove(&self.key, self.id);
        if let Some(sender) = self.sender.take() {
            // Followers may all have gone; nobody to tell is fine.
            let _ = sender.send(value);
        }
    }
}

impl<K: Eq + Hash + Clone, T: Clone> Drop for Leader<'_, K, T> {
    fn drop(&mut self) {
        // Dropped without finishing: free the key; the dropped sender wakes the
        // followers with `Canceled`.
        self.owner.remove(&self.key, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn followers_share_the_leaders_result() {
        let flights: SingleFlight<&str, u32> = SingleFlight::default();
        let Joined::Leader(leader) = flights.join("k") else {
            panic!("first caller must lead")
        };
        let Joined::Follower(follower) = flights.join("k") else {
            panic!("second caller must follow")
        };
        leader.finish(7);
        assert_eq!(block_on(follower), Ok(7));
        assert_eq!(flights.in_flight(), 0);
    }

    #[test]
    fn a_dropped_leader_frees_the_key_and_cancels_followers() {
        let flights: SingleFlight<&str, u32> = SingleFlight::default();
        let leader = flights.join("k");
        let Joined::Follower(follower) = flights.join("k") else {
            panic!("second caller must follow")
        };
        drop(leader);
        assert!(block_on(follower).is_err());
        assert_eq!(flights.in_flight(), 0);
        assert!(matches!(flights.join("k"), Joined::Leader(_)));
    }
}
