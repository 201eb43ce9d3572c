//! Observing a user's grants (SPEC §5, "observable"): a host subscribes a
//! [`GrantObserver`] to one user and is told that user's grants first as they
//! are, then after every change, whatever made it — a dialog, the settings
//! page, administration, an ended time-limited grant, or another process
//! writing the same file — until it cancels the [`GrantObservation`] or drops it.
//!
//! One thread per engine with observers ("miniapp-auth-watch") does the work:
//! it wakes on every commit of this process's store at once, and every
//! [`OTHER_PROCESS_LOOK`] to look for other processes' commits (a lock-free
//! look at the WAL index while there are none) and grants that ended; it reads
//! the observed users' grants and tells each observer whose grants differ from
//! what it was last told. It stops when the last observation ends or the
//! engine is gone. Observers are called on that thread, one at a time.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::admin_records::Grant;
use crate::engine::Engine;
use crate::namespace::NamespaceRef;
use crate::policy::GrantState;
use crate::store::CommitSignal;

/// How often the watch looks for other processes' commits and ended grants
/// (this process's own commits wake it at once).
pub(crate) const OTHER_PROCESS_LOOK: Duration = Duration::from_millis(250);

/// The host's listener for one user's grants.
#[uniffi::export(with_foreign)]
pub trait GrantObserver: Send + Sync {
    /// The user's grants (all apps and plugins, as `AuthEngine::list_grants`
    /// lists them) — first as they are when the observation starts, then each
    /// time they change. Called on the core's watch thread.
    fn grants_changed(&self, user_id: String, grants: Vec<Grant>);

    /// The observation ended because the engine was closed: no call follows
    /// (the layers complete their streams here). Not called for an
    /// observation the host cancelled itself.
    fn observation_ended(&self);
}

/// An observation started by `AuthEngine::observe_grants`; it ends on
/// [`Self::cancel`] or when dropped.
#[derive(uniffi::Object)]
pub struct GrantObservation {
    watch: Weak<Watch>,
    id: u64,
}

#[uniffi::export]
impl GrantObservation {
    /// Ends the observation: the observer is not called after this returns
    /// (unless a call was already under way). Calling it again does nothing.
    pub fn cancel(&self) {
        if let Some(watch) = self.watch.upgrade() {
            watch.remove(self.id);
        }
    }

    /// Whether the observation is still running.
    pub fn is_active(&self) -> bool {
        self.watch
            .upgrade()
            .is_some_and(|watch| watch.lock().observers.iter().any(|o| o.id == self.id))
    }
}

impl Drop for GrantObservation {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// One engine's observers and its watch thread.
pub(crate) struct GrantWatch {
    watch: Arc<Watch>,
}

struct Watch {
    state: Mutex<WatchState>,
    /// The store's commit signal, also rung to wake the thread for a new or
    /// ended observation.
    signal: Arc<CommitSignal>,
}

#[derive(Default)]
struct WatchState {
    observers: Vec<Observed>,
    next_id: u64,
    thread_running: bool,
    /// The engine was closed: observations end at once.
    closed: bool,
}

struct Observed {
    id: u64,
    user_id: String,
    observer: Arc<dyn GrantObserver>,
    /// What the observer was last told (`None`: nothing yet).
    told: Option<Vec<Grant>>,
}

impl GrantWatch {
    /// The watch of a store whose commits ring `signal`.
    pub fn new(signal: Arc<CommitSignal>) -> GrantWatch {
        GrantWatch {
            watch: Arc::new(Watch {
                state: Mutex::default(),
                signal,
            }),
        }
    }

    /// Starts observing `user_id`'s grants in `engine` for `observer`.
    pub fn observe(
        &self,
        engine: &Arc<Engine>,
        user_id: String,
        observer: Arc<dyn GrantObserver>,
    ) -> GrantObservation {
        let watch = &self.watch;
        let id = {
            let mut state = watch.lock();
            if state.closed {
                drop(state);
                tell_ended(&*observer);
                return GrantObservation {
                    watch: Weak::new(),
                    id: 0,
                };
            }
            state.next_id += 1;
            let id = state.next_id;
            state.observers.push(Observed {
                id,
                user_id,
                observer,
                told: None,
            });
            if !state.thread_running {
                state.thread_running = true;
                let (engine, watch) = (Arc::downgrade(engine), watch.clone());
                let started = std::thread::Builder::new()
                    .name("miniapp-auth-watch".into())
                    .spawn(move || watch.run(engine));
                if started.is_err() {
                    state.thread_running = false;
                    log::error!("the grant watch thread could not be started");
                }
            }
            id
        };
        watch.wake();
        GrantObservation {
            watch: Arc::downgrade(watch),
            id,
        }
    }
}

impl GrantWatch {
    /// Ends every observation (each observer told `observation_ended`) and
    /// every later one at once; the watch thread stops.
    pub fn close(&self) {
        let ended = {
            let mut state = self.watch.lock();
            state.closed = true;
            std::mem::take(&mut state.observers)
        };
        self.watch.wake();
        for observed in ended {
            tell_ended(&*observed.observer);
        }
    }
}

/// Tells `observer` its observation ended; a failing observer changes nothing.
fn tell_ended(observer: &dyn GrantObserver) {
    let told = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        observer.observation_ended()
    }));
    if told.is_err() {
        log::warn!("grant watch: an observer failed when told its observation ended");
    }
}

impl Watch {
    fn lock(&self) -> std::sync::MutexGuard<'_, WatchState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wake(&self) {
        self.signal.ring();
    }

    fn remove(&self, id: u64) {
        self.lock().observers.retain(|o| o.id != id);
        self.wake();
    }

    /// The watch thread.
    fn run(&self, engine: Weak<Engine>) {
        let mut seen = self.signal.count();
        loop {
            {
                let Some(engine) = engine.upgrade() else {
                    self.lock().thread_running = false;
                    return;
                };
                {
                    let mut state = self.lock();
                    if state.observers.is_empty() {
                        state.thread_running = false;
                        return;
                    }
                }
                if let Err(error) = engine.store.look_for_other_commits() {
                    log::warn!("grant watch: the store refused a look: {error}");
                }
                self.tell_observers(&engine);
            }
            seen = self.signal.wait_past(seen, OTHER_PROCESS_LOOK);
        }
    }

    /// Reads each observed user's grants once (recording ended grants as
    /// ended first) and tells the observers whose grants changed.
    fn tell_observers(&self, engine: &Engine) {
        let users: Vec<String> = {
            let state = self.lock();
            let mut users: Vec<String> =
                state.observers.iter().map(|o| o.user_id.clone()).collect();
            users.sort();
            users.dedup();
            users
        };
        for user_id in users {
            let grants = match current_grants(engine, &user_id) {
                Ok(grants) => grants,
                Err(error) => {
                    log::warn!("grant watch: {user_id}'s grants could not be read: {error}");
                    continue;
                }
            };
            let due: Vec<(u64, Arc<dyn GrantObserver>)> = {
                let mut state = self.lock();
                state
                    .observers
                    .iter_mut()
                    .filter(|o| o.user_id == user_id)
                    .filter(|o| {
                        !o.told
                            .as_deref()
                            .is_some_and(|told| same_grants(told, &grants))
                    })
                    .map(|o| {
                        o.told = Some(grants.clone());
                        (o.id, o.observer.clone())
                    })
                    .collect()
            };
            for (id, observer) in due {
                // Cancelled since it was picked: not told any more.
                if !self.lock().observers.iter().any(|o| o.id == id) {
                    continue;
                }
                let told = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    observer.grants_changed(user_id.clone(), grants.clone())
                }));
                if told.is_err() {
                    log::warn!("grant watch: an observer of {user_id} failed; it stays subscribed");
                }
            }
        }
    }
}

/// A user's grants as administration lists them, after storing as ended any
/// time-limited grant whose end has come (so that the end is a change
/// observers see, and one recorded in the consent log).
fn current_grants(engine: &Engine, user_id: &str) -> crate::error::Result<Vec<Grant>> {
    let grants = engine.list_grants(user_id, None)?;
    let now_ms = engine.clock.now_ms();
    let mut ended = false;
    for grant in &grants {
        if let Some(ends_at_ms) = grant.expires_at_ms {
            if grant.state == GrantState::Granted && now_ms >= ends_at_ms {
                let ns =
                    NamespaceRef::new(&grant.user_id, &grant.app_id, grant.plugin_id.as_deref());
                engine
                    .store
                    .note_expired(ns, &grant.scope, ends_at_ms, now_ms);
                ended = true;
            }
        }
    }
    if ended {
        return engine.list_grants(user_id, None);
    }
    Ok(grants)
}

/// Whether two listings hold the same decisions (a newer "last used" note is
/// not a change of the grants).
fn same_grants(a: &[Grant], b: &[Grant]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            Grant {
                last_used_at_ms: None,
                ..a.clone()
            } == Grant {
                last_used_at_ms: None,
                ..b.clone()
            }
        })
}
