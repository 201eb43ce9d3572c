//! The host's metrics hook (issue #21): counts and durations of what happens in
//! the core — dialogs and how they ended, commits, a damaged database moved
//! aside, storage failures, host callbacks that failed — as Glean-like events
//! (a name and a few values), sent to a [`MetricsSink`] the host installs with
//! [`set_metrics_sink`], beside the log sink.
//!
//! One sink per process, as for the log sink: a database is quarantined while
//! it opens, before there is an engine to ask, and a host wires its metrics
//! once at start-up, whatever engines it opens later.
//!
//! The sink never delays or breaks a call. The core only puts an event on a
//! bounded queue (no wait: when the queue is full the event is dropped and
//! counted, and the sink is told the count, as [`MetricName::EventsDropped`],
//! once it catches up); one thread of its own ("miniapp-auth-metrics") calls
//! the sink, and a sink that panics or throws loses that event only. That
//! thread is woken at most once per [`GATHER`] window while events come (the
//! events of the window are delivered together, in order) and sleeps, without
//! a timer, while none do. With no sink installed, recording costs one atomic
//! load.
//!
//! Events carry no personal data: never a user id, a path or a message — only
//! the app id and scope the host itself passed in, and what the core counts.
//! Each event is recorded in one place (the table in `docs/walkthrough.md`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::consent_ui::{SettingsAnswer, SubscribeAnswer};
use crate::policy::{ConsentDecision, PrivacyDecision};

/// How many events may wait for a slow sink before new ones are dropped.
const QUEUED_AT_MOST: usize = 1024;

/// How long the metrics thread lets events gather once woken, before it hands
/// them to the sink: one wake-up per window while events come, rather than one
/// per event on the recording thread's account (a cross-thread wake-up is a
/// system call; measured, it was a fifth of a first decision in memory).
const GATHER: Duration = Duration::from_millis(50);

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum MetricName {
    /// A dialog was handed to the host's `ConsentUi` (`dialog`, `app_id`,
    /// `scope` for a scope dialog). Each is followed by exactly one of
    /// `DialogAnswered`, `DialogTimedOut`, `DialogCancelled`, `DialogFailed`.
    /// Calls sharing one dialog count once.
    DialogShown,
    /// The host answered (`answer`; `duration_us`: how long the user took).
    DialogAnswered,
    /// No answer within `EngineConfig::dialog_timeout_ms` (`duration_us`).
    DialogTimedOut,
    /// The call waiting on the dialog was cancelled (the host's coroutine or
    /// Task) or its engine dropped before an answer (`duration_us`).
    DialogCancelled,
    /// The host's `ConsentUi` threw (or a Rust host panicked) (`duration_us`).
    DialogFailed,
    /// The host's `OsPermissionProbe` threw (or panicked); the core took its
    /// answer as unknown.
    ProbeFailed,
    /// A `GrantObserver` threw (or panicked); it stays subscribed.
    ObserverFailed,
    /// A damaged database file was moved aside and a clean one started.
    DatabaseQuarantined,
    /// The database could not be read or written (an SQLite or file-system
    /// error, or its `-wal`/`-shm` replaced under the process): what a mini
    /// app hears as `storage unavailable` and the host as `AuthError.Storage`.
    /// Once per failure, however many calls shared it.
    StoreFailed,
    /// A change was committed to the database (`duration_us`: from asking for
    /// the write lock to the end of the commit, its fsync included).
    Commit,
    /// `count` events were dropped because the sink did not keep up.
    EventsDropped,
}

/// Which dialog an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DialogKind {
    /// `ConsentUi.ask_scope`.
    Scope,
    /// `ConsentUi.ask_privacy`.
    Privacy,
    /// `ConsentUi.show_privacy_contract`.
    PrivacyContract,
    /// `ConsentUi.show_settings`.
    Settings,
    /// `ConsentUi.ask_subscribe`.
    Subscribe,
}

/// How the host answered a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DialogAnswer {
    /// Allowed, permanently.
    Allow,
    /// Allowed for this run of the app.
    AllowOnce,
    /// Allowed until a time.
    AllowUntil,
    /// Denied.
    Deny,
    /// Closed without deciding.
    Dismiss,
    /// Agreed to the privacy contract.
    Agree,
    /// Disagreed.
    Disagree,
    /// Chose per template (a subscribe dialog).
    Chosen,
    /// The host's server bans the app from subscription messages.
    AppBanned,
    /// The host failed the call with one of WeChat's codes (a subscribe dialog).
    Failed,
    /// Closed (the settings page, the privacy contract: they ask nothing).
    Closed,
}

/// One event. Fields that do not apply to its name are `None`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MetricEvent {
    /// What happened.
    pub name: MetricName,
    /// How many times: 1, except for [`MetricName::EventsDropped`].
    pub count: i64,
    /// How long it took, in microseconds (monotonic clock).
    pub duration_us: Option<i64>,
    /// The mini app, for dialogs.
    pub app_id: Option<String>,
    /// The scope, for scope dialogs.
    pub scope: Option<String>,
    /// Which dialog, for dialog events.
    pub dialog: Option<DialogKind>,
    /// The answer, for [`MetricName::DialogAnswered`].
    pub answer: Option<DialogAnswer>,
}

impl MetricEvent {
    /// One occurrence of `name`, with no other values.
    pub(crate) fn of(name: MetricName) -> MetricEvent {
        MetricEvent {
            name,
            count: 1,
            duration_us: None,
            app_id: None,
            scope: None,
            dialog: None,
            answer: None,
        }
    }

    /// With how long it took.
    pub(crate) fn took(self, duration: Duration) -> MetricEvent {
        MetricEvent {
            duration_us: Some(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)),
            ..self
        }
    }
}

/// Where the host wants the core's metrics.
#[uniffi::export(with_foreign)]
pub trait MetricsSink: Send + Sync {
    /// One event; called on the core's metrics thread, one at a time, in the
    /// order the events happened.
    fn record(&self, event: MetricEvent);
}

/// Sends the core's metric events to `sink` (`None`: stop). Events recorded
/// before the change and not yet delivered are dropped, never sent to the new
/// sink; once this returns the old sink is not called again (unless a call to
/// it was already under way).
#[uniffi::export]
pub fn set_metrics_sink(sink: Option<Arc<dyn MetricsSink>>) {
    let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    match sink {
        Some(sink) => {
            if queue().is_none() {
                return;
            }
            let generation = NEXT_GENERATION.fetch_add(1, Ordering::Relaxed);
            DROPPED.store(0, Ordering::Relaxed);
            *installed = Some(Installed {
                generation,
                sink,
                failed: false,
            });
            GENERATION.store(generation, Ordering::Release);
        }
        None => {
            *installed = None;
            GENERATION.store(0, Ordering::Release);
        }
    }
}

/// Records the event `make` builds, if a sink is installed (built only then).
/// Never waits: a queue and, at most once per gathering window, a wake-up of
/// the metrics thread.
pub(crate) fn record(make: impl FnOnce() -> MetricEvent) {
    let generation = GENERATION.load(Ordering::Acquire);
    if generation == 0 {
        return;
    }
    let Some(queue) = queue() else { return };
    let event = make();
    let mut state = queue.lock();
    if state.items.len() >= QUEUED_AT_MOST {
        drop(state);
        DROPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    state.items.push_back(Item::Event(generation, event));
    let wake = !std::mem::replace(&mut state.woken, true);
    drop(state);
    if wake {
        queue.wake.notify_one();
    }
}

/// The answers a dialog can give, as the metrics name them.
pub(crate) trait Answered {
    /// The dialog that answers so.
    const DIALOG: DialogKind;
    /// The answer, as the metrics name it.
    fn answer(&self) -> DialogAnswer;
}

impl Answered for ConsentDecision {
    const DIALOG: DialogKind = DialogKind::Scope;
    fn answer(&self) -> DialogAnswer {
        match self {
            ConsentDecision::Allow => DialogAnswer::Allow,
            ConsentDecision::AllowOnce => DialogAnswer::AllowOnce,
            ConsentDecision::AllowUntil { .. } => DialogAnswer::AllowUntil,
            ConsentDecision::Deny => DialogAnswer::Deny,
            ConsentDecision::Dismiss => DialogAnswer::Dismiss,
        }
    }
}

/// A combined dialog is a scope dialog (its metric names the scope decision;
/// the checkbox shows in the consent log).
impl Answered for crate::consent_ui::CombinedDecision {
    const DIALOG: DialogKind = DialogKind::Scope;
    fn answer(&self) -> DialogAnswer {
        self.decision.answer()
    }
}

impl Answered for PrivacyDecision {
    const DIALOG: DialogKind = DialogKind::Privacy;
    fn answer(&self) -> DialogAnswer {
        match self {
            PrivacyDecision::Agree => DialogAnswer::Agree,
            PrivacyDecision::Disagree => DialogAnswer::Disagree,
        }
    }
}

impl Answered for SettingsAnswer {
    const DIALOG: DialogKind = DialogKind::Settings;
    fn answer(&self) -> DialogAnswer {
        DialogAnswer::Closed
    }
}

impl Answered for SubscribeAnswer {
    const DIALOG: DialogKind = DialogKind::Subscribe;
    fn answer(&self) -> DialogAnswer {
        match self {
            SubscribeAnswer::Chosen { .. } => DialogAnswer::Chosen,
            SubscribeAnswer::AppBanned => DialogAnswer::AppBanned,
            SubscribeAnswer::Failed { .. } => DialogAnswer::Failed,
        }
    }
}

/// The privacy contract, shown until the user closes it.
impl Answered for () {
    const DIALOG: DialogKind = DialogKind::PrivacyContract;
    fn answer(&self) -> DialogAnswer {
        DialogAnswer::Closed
    }
}

/// The installed sink; `generation` tells its events from an earlier sink's.
struct Installed {
    generation: u64,
    sink: Arc<dyn MetricsSink>,
    /// Whether it failed once already (logged once, not per event).
    failed: bool,
}

/// What the metrics thread is handed.
enum Item {
    /// An event recorded while the sink of that generation was installed.
    Event(u64, MetricEvent),
    /// Set once every item queued before it was handled (tests).
    #[cfg_attr(not(feature = "test-hooks"), allow(dead_code))]
    Flush(Arc<(Mutex<bool>, Condvar)>),
}

/// The queue to the metrics thread.
struct Queue {
    state: Mutex<QueueState>,
    /// Rung when the thread has something to do.
    wake: Condvar,
}

struct QueueState {
    items: VecDeque<Item>,
    /// The thread was woken (or is awake) and will look at the queue before
    /// it sleeps again: no more wake-ups are needed until then.
    woken: bool,
    /// A flush is queued: deliver without waiting for the window's end.
    flushing: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

static INSTALLED: Mutex<Option<Installed>> = Mutex::new(None);
/// The installed sink's generation; 0 when none is.
static GENERATION: AtomicU64 = AtomicU64::new(0);
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);
/// Events dropped since the sink was last told.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The queue to the metrics thread.
static TO_THREAD: Queue = Queue {
    state: Mutex::new(QueueState {
        items: VecDeque::new(),
        woken: false,
        flushing: false,
    }),
    wake: Condvar::new(),
};

/// The queue to the metrics thread, started with the first sink; `None` if
/// the thread could not be started (then nothing is recorded).
fn queue() -> Option<&'static Queue> {
    static STARTED: OnceLock<bool> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        let started = std::thread::Builder::new()
            .name("miniapp-auth-metrics".into())
            .spawn(|| deliver_all(&TO_THREAD));
        if let Err(error) = &started {
            log::error!("the metrics thread could not be started: {error}");
        }
        started.is_ok()
    });
    started.then_some(&TO_THREAD)
}

/// The metrics thread: sleeps until woken, lets events gather for a window,
/// then hands each to the sink installed when it was recorded, if that sink is
/// still the installed one; after each, tells it how many events were dropped
/// meanwhile, if any were.
fn deliver_all(queue: &Queue) {
    loop {
        let batch = {
            let mut state = queue.lock();
            while state.items.is_empty() {
                state.woken = false;
                state = queue.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            let (mut state, _) = queue
                .wake
                .wait_timeout_while(state, GATHER, |state| !state.flushing)
                .unwrap_or_else(|p| p.into_inner());
            state.flushing = false;
            std::mem::take(&mut state.items)
        };
        for item in batch {
            match item {
                Item::Event(generation, event) => {
                    if let Some(sink) = installed(generation) {
                        deliver(generation, &sink, event);
                    }
                }
                Item::Flush(done) => {
                    tell_dropped();
                    *done.0.lock().unwrap_or_else(|p| p.into_inner()) = true;
                    done.1.notify_all();
                    continue;
                }
            }
            tell_dropped();
        }
    }
}

/// The sink installed now, if it is the one of `generation`.
fn installed(generation: u64) -> Option<Arc<dyn MetricsSink>> {
    let installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
    installed
        .as_ref()
        .filter(|i| i.generation == generation)
        .map(|i| i.sink.clone())
}

/// Tells the installed sink how many events were dropped since it was last
/// told, if any were.
fn tell_dropped() {
    if DROPPED.load(Ordering::Relaxed) == 0 {
        return;
    }
    let generation = GENERATION.load(Ordering::Acquire);
    let Some(sink) = installed(generation) else {
        return;
    };
    let dropped = DROPPED.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let lost = MetricEvent {
            count: i64::try_from(dropped).unwrap_or(i64::MAX),
            ..MetricEvent::of(MetricName::EventsDropped)
        };
        deliver(generation, &sink, lost);
    }
}

/// Calls the sink; a sink that panics or throws loses this event only.
fn deliver(generation: u64, sink: &Arc<dyn MetricsSink>, event: MetricEvent) {
    let told = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.record(event)));
    if told.is_err() {
        let mut installed = INSTALLED.lock().unwrap_or_else(|p| p.into_inner());
        let first = installed
            .as_mut()
            .filter(|i| i.generation == generation)
            .is_some_and(|i| !std::mem::replace(&mut i.failed, true));
        if first {
            log::warn!("the host's metrics sink failed; its failing events are lost");
        }
    }
}

/// Waits until every event recorded before this call was delivered to the
/// sink or dropped (tests: what was recorded can then be counted).
#[cfg(feature = "test-hooks")]
pub(crate) fn flush() {
    let Some(queue) = queue() else { return };
    let done = Arc::new((Mutex::new(false), Condvar::new()));
    {
        let mut state = queue.lock();
        state.items.push_back(Item::Flush(done.clone()));
        state.flushing = true;
        state.woken = true;
    }
    queue.wake.notify_all();
    let mut flushed = done.0.lock().unwrap_or_else(|p| p.into_inner());
    while !*flushed {
        flushed = done.1.wait(flushed).unwrap_or_else(|p| p.into_inner());
    }
}
