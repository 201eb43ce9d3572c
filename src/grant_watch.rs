//! Observing a user's grants (SPEC §5, "observable"): a host subscribes a
//! [`GrantObserver`] to one user and is told that user's grants first as they
//! are, then after every change, whatever made it — a dialog, the settings
//! page, administration, an ended time-limited grant, or another process
//! writing the same file — until it cancels the [`GrantObservation`] or drops it.
//!
//! One thread per engine with observers ("miniapp-auth-watch") does the work.
//! It wakes on every commit of this process's store at once, and reads the
//! observed users' grants then. Every [`OTHER_PROCESS_LOOK`] it also looks for
//! other processes' commits — a lock-free look at the WAL index's header,
//! nothing more while none came: no lock, no read of the file — and for a
//! time-limited grant whose end has come (the ends it last read, against the
//! clock); it reads grants only when one of those says they may have changed.
//! It tells each observer whose grants differ from what it was last told. It
//! stops when the last observation ends or the engine is gone. Observers are
//! called on that thread, one at a time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::admin_records::Grant;
use crate::engine::Engine;
use crate::metrics::{self, MetricEvent, MetricName};
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
    /// The store's commit signal, also woken (no commit counted) for a new or
    /// ended observation.
    signal: Arc<CommitSignal>,
    /// How often to look for other processes' commits, in ms
    /// ([`OTHER_PROCESS_LOOK`]; tests change it).
    look_every_ms: AtomicU64,
    tally: Tally,
}

/// What the watch thread did, counted (tests: `AuthEngine::watch_tally`).
#[derive(Default)]
#[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
pub(crate) struct Tally {
    /// Times it looked (woken by a commit, a change of observers, or the
    /// look's interval).
    pub looks: AtomicU64,
    /// Times it took the store's connection to look for other processes'
    /// commits (the lock-free look said the file may have changed).
    pub store_looks: AtomicU64,
    /// Times it read a user's grants.
    pub grant_reads: AtomicU64,
}

impl Tally {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
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
                look_every_ms: AtomicU64::new(OTHER_PROCESS_LOOK.as_millis() as u64),
                tally: Tally::default(),
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

    /// What the watch thread did so far (tests).
    #[cfg(feature = "test-hooks")]
    pub fn tally(&self) -> &Tally {
        &self.watch.tally
    }

    /// Makes the watch look for other processes' commits every `every`
    /// instead of every [`OTHER_PROCESS_LOOK`] (tests; from its next look).
    #[cfg(feature = "test-hooks")]
    pub fn set_other_process_look(&self, every: Duration) {
        let ms = u64::try_from(every.as_millis()).unwrap_or(u64::MAX).max(1);
        self.watch.look_every_ms.store(ms, Ordering::Relaxed);
        self.watch.wake();
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
        self.signal.wake();
    }

    fn remove(&self, id: u64) {
        self.lock().observers.retain(|o| o.id != id);
        self.wake();
    }

    /// The watch thread. Reads every observed user's grants after a commit
    /// (this store's, or another connection's found by the look); between
    /// commits only the users who need it: an observer not told yet, or a
    /// time-limited grant whose end has come.
    fn run(&self, engine: Weak<Engine>) {
        // The commit count the grants were last read at (`None`: never).
        let mut read_at: Option<u64> = None;
        // Each observed user's earliest end of a time-limited grant, as last read.
        let mut ends: HashMap<String, i64> = HashMap::new();
        loop {
            let seen = {
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
                Tally::add(&self.tally.looks);
                // The lock-free look; only if it says another connection may
                // have committed is the connection taken (which rings the
                // signal when one did).
                if engine.store.others_may_have_committed() {
                    Tally::add(&self.tally.store_looks);
                    if let Err(error) = engine.store.look_for_other_commits() {
                        log::warn!("grant watch: the store refused a look: {error}");
                    }
                }
                let seen = self.signal.now();
                let every_user = read_at != Some(seen.commits);
                read_at = Some(seen.commits);
                self.tell_observers(&engine, every_user, &mut ends);
                seen
            };
            let every = Duration::from_millis(self.look_every_ms.load(Ordering::Relaxed));
            self.signal.wait_past(seen, every);
        }
    }

    /// Reads the grants of the observed users — all of them (`every_user`), or
    /// those not told yet or with a time-limited grant ended since last read —
    /// recording ended grants as ended first, and tells the observers whose
    /// grants changed. Keeps `ends` (each user's next end) up to date.
    fn tell_observers(&self, engine: &Engine, every_user: bool, ends: &mut HashMap<String, i64>) {
        let now_ms = engine.clock.now_ms();
        let users: Vec<String> = {
            let state = self.lock();
            ends.retain(|user, _| state.observers.iter().any(|o| &o.user_id == user));
            let mut users: Vec<String> = state
                .observers
                .iter()
                .filter(|o| {
                    every_user
                        || o.told.is_none()
                        || ends.get(&o.user_id).is_some_and(|end| now_ms >= *end)
                })
                .map(|o| o.user_id.clone())
                .collect();
            users.sort();
            users.dedup();
            users
        };
        for user_id in users {
            Tally::add(&self.tally.grant_reads);
            let grants = match current_grants(engine, &user_id) {
                Ok(grants) => grants,
                Err(error) => {
                    log::warn!("grant watch: {user_id}'s grants could not be read: {error}");
                    continue;
                }
            };
            match next_end(&grants, now_ms) {
                Some(end) => ends.insert(user_id.clone(), end),
                None => ends.remove(&user_id),
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
                    metrics::record(|| MetricEvent::of(MetricName::ObserverFailed));
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

/// When the first of these grants that is granted until a time after
/// `now_ms` ends (one whose end has come was stored as ended: if that failed,
/// the next commit reads it again, not every look).
fn next_end(grants: &[Grant], now_ms: i64) -> Option<i64> {
    grants
        .iter()
        .filter(|g| g.state == GrantState::Granted)
        .filter_map(|g| g.expires_at_ms)
        .filter(|end| *end > now_ms)
        .min()
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
