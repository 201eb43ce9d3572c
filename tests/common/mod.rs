//! Shared test support: a scripted `ConsentUi` (the only fake in the suite: it
//! stands in for the person in front of the dialog), engines over real SQLite
//! files in temp dirs, and manifests.
#![allow(dead_code)]

pub mod bridge;
pub mod devices;
pub mod sync_backend;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::channel::oneshot;
use miniapp_auth::{
    AuthEngine, Caller, CombinedDecision, ConsentDecision, ConsentUi, EngineConfig, HostError,
    PrivacyDecision, PrivacyRequest, ScopeRequest, ScopeSetting, SettingsAnswer, SettingsRequest,
    SubscribeAnswer, SubscribeRequest, SubscriptionsSetting,
};
use serde_json::Value;

/// How the scripted person answers one dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Allow,
    AllowOnce,
    /// Allow until this time (epoch ms).
    AllowUntil(i64),
    Deny,
    Dismiss,
    Agree,
    Disagree,
    /// The host throws.
    Fail,
    /// The dialog stays open until the test calls [`ScriptedUi::release`].
    Hold,
}

/// One dialog the scripted UI was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Scope(ScopeRequest),
    Settings(SettingsRequest),
    Privacy(PrivacyRequest),
    Contract(PrivacyRequest),
    Subscribe(SubscribeRequest),
}

type SettingsScript = Box<dyn FnMut(&SettingsRequest) -> Vec<ScopeSetting> + Send>;
type SubscriptionsScript = Box<dyn FnMut(&SubscriptionsSetting) -> SubscriptionsSetting + Send>;

/// A person who answers from a script, and remembers every dialog.
#[derive(Default)]
pub struct ScriptedUi {
    answers: Mutex<VecDeque<Answer>>,
    subscribe_answers: Mutex<VecDeque<SubscribeAnswer>>,
    subscriptions_page: Mutex<Option<SubscriptionsScript>>,
    settings: Mutex<Option<SettingsScript>>,
    pub shown: Mutex<Vec<Shown>>,
    held: Mutex<Vec<oneshot::Sender<ConsentDecision>>>,
    open_per_app: Mutex<HashMap<(String, String), usize>>,
    pub max_open_per_app: AtomicUsize,
    while_subscribing: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// Whether the person ticks the privacy checkbox of the next combined
    /// dialogs (unticked when none is queued).
    ticks: Mutex<VecDeque<bool>>,
}

impl ScriptedUi {
    pub fn new(answers: &[Answer]) -> Arc<ScriptedUi> {
        let ui = ScriptedUi::default();
        ui.answers.lock().unwrap().extend(answers.iter().copied());
        Arc::new(ui)
    }

    /// Forgets the queued answers no dialog used.
    pub fn clear_answers(&self) {
        self.answers.lock().unwrap().clear();
    }

    pub fn push(&self, answers: &[Answer]) {
        self.answers.lock().unwrap().extend(answers.iter().copied());
    }

    /// Whether the person ticks the privacy checkbox of the next combined
    /// dialogs, in order.
    pub fn push_ticks(&self, ticks: &[bool]) {
        self.ticks.lock().unwrap().extend(ticks.iter().copied());
    }

    /// What the settings page returns, given what it showed.
    pub fn on_settings(
        &self,
        script: impl FnMut(&SettingsRequest) -> Vec<ScopeSetting> + Send + 'static,
    ) {
        *self.settings.lock().unwrap() = Some(Box::new(script));
    }

    pub fn dialogs(&self) -> usize {
        self.shown.lock().unwrap().len()
    }

    pub fn scope_dialogs(&self) -> Vec<ScopeRequest> {
        self.shown
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| match s {
                Shown::Scope(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    /// How many held dialogs still have someone waiting for them.
    pub fn held(&self) -> usize {
        let mut held = self.held.lock().unwrap();
        held.retain(|tx| !tx.is_canceled());
        held.len()
    }

    /// How the person leaves the subscription part of settings pages.
    pub fn on_subscriptions_page(
        &self,
        script: impl FnMut(&SubscriptionsSetting) -> SubscriptionsSetting + Send + 'static,
    ) {
        *self.subscriptions_page.lock().unwrap() = Some(Box::new(script));
    }

    /// Queues the answer to the next subscribe dialog.
    pub fn push_subscribe(&self, answer: SubscribeAnswer) {
        self.subscribe_answers.lock().unwrap().push_back(answer);
    }

    /// Runs `meanwhile` while the next subscribe dialog is open, before the
    /// person answers it.
    pub fn while_subscribing(&self, meanwhile: impl FnOnce() + Send + 'static) {
        *self.while_subscribing.lock().unwrap() = Some(Box::new(meanwhile));
    }

    /// The subscribe dialogs shown, in order.
    pub fn subscribe_requests(&self) -> Vec<SubscribeRequest> {
        self.shown
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| match s {
                Shown::Subscribe(r) => Some(r.clone()),
                _ => None,
            })
            .collect()
    }

    /// Answers the oldest held dialog that someone still waits for.
    pub fn release(&self, decision: ConsentDecision) {
        let mut held = self.held.lock().unwrap();
        held.retain(|tx| !tx.is_canceled());
        let tx = held.remove(0);
        tx.send(decision).unwrap();
    }

    fn next(&self) -> Answer {
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Answer::Fail)
    }

    fn enter(&self, user: &str, app: &str) -> AppDialog<'_> {
        let key = (user.to_string(), app.to_string());
        let mut open = self.open_per_app.lock().unwrap();
        let count = open.entry(key.clone()).or_default();
        *count += 1;
        self.max_open_per_app.fetch_max(*count, Ordering::SeqCst);
        AppDialog { ui: self, key }
    }
}

/// Counts a dialog as open for its (user, app) while alive.
struct AppDialog<'a> {
    ui: &'a ScriptedUi,
    key: (String, String),
}

impl Drop for AppDialog<'_> {
    fn drop(&mut self) {
        *self
            .ui
            .open_per_app
            .lock()
            .unwrap()
            .get_mut(&self.key)
            .unwrap() -= 1;
    }
}

fn thrown() -> HostError {
    HostError::Failed {
        reason: "scripted host failure".into(),
    }
}

impl ScriptedUi {
    /// The next scripted answer to a consent dialog.
    async fn scope_answer(&self) -> Result<ConsentDecision, HostError> {
        match self.next() {
            Answer::Allow => Ok(ConsentDecision::Allow),
            Answer::AllowOnce => Ok(ConsentDecision::AllowOnce),
            Answer::AllowUntil(until_ms) => Ok(ConsentDecision::AllowUntil { until_ms }),
            Answer::Deny => Ok(ConsentDecision::Deny),
            Answer::Dismiss => Ok(ConsentDecision::Dismiss),
            Answer::Hold => {
                let (tx, rx) = oneshot::channel();
                self.held.lock().unwrap().push(tx);
                rx.await.map_err(|_| thrown())
            }
            _ => Err(thrown()),
        }
    }
}

#[async_trait::async_trait]
impl ConsentUi for ScriptedUi {
    async fn ask_scope(&self, request: ScopeRequest) -> Result<ConsentDecision, HostError> {
        let _open = self.enter(&request.user_id, &request.app_id);
        self.shown.lock().unwrap().push(Shown::Scope(request));
        self.scope_answer().await
    }

    async fn ask_scope_with_privacy(
        &self,
        request: ScopeRequest,
    ) -> Result<CombinedDecision, HostError> {
        let _open = self.enter(&request.user_id, &request.app_id);
        self.shown.lock().unwrap().push(Shown::Scope(request));
        let agree_privacy = self.ticks.lock().unwrap().pop_front().unwrap_or(false);
        Ok(CombinedDecision {
            decision: self.scope_answer().await?,
            agree_privacy,
        })
    }

    async fn show_settings(&self, request: SettingsRequest) -> Result<SettingsAnswer, HostError> {
        let _open = self.enter(&request.user_id, &request.app_id);
        self.shown
            .lock()
            .unwrap()
            .push(Shown::Settings(request.clone()));
        let subscriptions = match (
            self.subscriptions_page.lock().unwrap().as_mut(),
            &request.subscriptions,
        ) {
            (Some(script), Some(shown)) => Some(script(shown)),
            (_, shown) => shown.clone(),
        };
        match self.settings.lock().unwrap().as_mut() {
            Some(script) => Ok(SettingsAnswer {
                items: script(&request),
                subscriptions,
            }),
            None => Err(thrown()),
        }
    }

    async fn ask_privacy(&self, request: PrivacyRequest) -> Result<PrivacyDecision, HostError> {
        let _open = self.enter(&request.user_id, &request.app_id);
        self.shown.lock().unwrap().push(Shown::Privacy(request));
        match self.next() {
            Answer::Agree => Ok(PrivacyDecision::Agree),
            Answer::Disagree => Ok(PrivacyDecision::Disagree),
            _ => Err(thrown()),
        }
    }

    async fn show_privacy_contract(&self, request: PrivacyRequest) -> Result<(), HostError> {
        self.shown.lock().unwrap().push(Shown::Contract(request));
        Ok(())
    }

    async fn ask_subscribe(&self, request: SubscribeRequest) -> Result<SubscribeAnswer, HostError> {
        let _open = self.enter(&request.user_id, &request.app_id);
        self.shown.lock().unwrap().push(Shown::Subscribe(request));
        let meanwhile = self.while_subscribing.lock().unwrap().take();
        if let Some(meanwhile) = meanwhile {
            meanwhile();
        }
        let answer = self.subscribe_answers.lock().unwrap().pop_front();
        answer.ok_or_else(thrown)
    }
}

/// A temp dir holding a database file; dropped with the test.
pub struct TempDb {
    pub dir: tempfile::TempDir,
}

impl TempDb {
    pub fn new() -> TempDb {
        TempDb {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> String {
        self.dir.path().join("auth.db").display().to_string()
    }

    pub fn open(&self, ui: Arc<ScriptedUi>) -> Arc<AuthEngine> {
        AuthEngine::open(self.path(), ui, None).unwrap()
    }

    pub fn open_with(&self, ui: Arc<ScriptedUi>, config: EngineConfig) -> Arc<AuthEngine> {
        AuthEngine::open(self.path(), ui, Some(config)).unwrap()
    }

    /// An engine on a manual clock (starting at [`T0`]).
    pub fn open_clocked(
        &self,
        ui: Arc<ScriptedUi>,
        config: EngineConfig,
        clock: Arc<miniapp_auth::ManualClock>,
    ) -> AuthEngine {
        AuthEngine::open_with_clock(&self.path(), ui, Some(config), clock).unwrap()
    }

    /// A raw connection to the file, as another program would open it.
    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path()).unwrap()
    }
}

/// A manifest with a purpose string for location, getLocation declared, and (when
/// `contract` is given) a privacy contract declaring `scopes`.
pub fn manifest(contract: Option<(&str, &[&str])>) -> String {
    let privacy = match contract {
        Some((version, scopes)) => format!(
            r#","privacy":{{"contractName":"Demo guide","version":"{version}","scopes":{}}}"#,
            serde_json::to_string(scopes).unwrap()
        ),
        None => String::new(),
    };
    format!(
        r#"{{"name":"Demo","permission":{{"scope.userLocation":{{"desc":"Find shops near you"}}}},"requiredPrivateInfos":["getLocation","startLocationUpdateBackground"]{privacy}}}"#
    )
}

/// Where manual clocks start: 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600_000;
pub const HOUR: i64 = 60 * 60 * 1000;
pub const DAY: i64 = 24 * HOUR;

pub fn clock() -> Arc<miniapp_auth::ManualClock> {
    Arc::new(miniapp_auth::ManualClock::new(T0))
}

pub fn caller(user: &str, app: &str) -> Caller {
    Caller::new(user, app)
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// Yields to the executor until `condition` holds (panics after ten seconds, so
/// a broken engine fails the test instead of hanging it). A deadline, not a
/// number of tries: what the test waits for may happen on the core's I/O
/// threads, and 100,000 yields took 0.1 s once the suites were built optimised.
pub async fn until(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting until {what}"
        );
        yield_now().await;
    }
}

/// Waits, on this thread, until `condition` holds: for what the engine does on
/// its own I/O threads after a call was handed to them or cancelled (panics
/// after ten seconds, so a broken engine fails the test instead of hanging it).
pub fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting until {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Returns `Pending` once, waking itself, so other futures get polled.
pub async fn yield_now() {
    let mut yielded = false;
    futures::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// The `authSetting` object of a getSetting/openSetting result.
pub fn auth_setting(json: &str) -> serde_json::Map<String, Value> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["authSetting"].as_object().cloned().unwrap_or_default()
}

/// The three always-true scopes getSetting reports.
pub const ALWAYS_TRUE: &str =
    r#""scope.address":true,"scope.invoice":true,"scope.invoiceTitle":true,"scope.userInfo":true"#;

/// Polls a future once, outside any executor (to leave it pending on purpose).
pub fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> std::task::Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(f).poll(&mut cx)
}

/// A small deterministic PRNG (xorshift64*) for tests that pick random points.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `MINIAPP_AUTH_SEED` when set, else from `default`; the seed is
    /// printed so a failure can be replayed.
    pub fn seeded(test: &str, default: u64) -> Rng {
        let seed = std::env::var("MINIAPP_AUTH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default);
        eprintln!("{test}: seed {seed} (MINIAPP_AUTH_SEED to replay)");
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A `grants` row's integrity check over its fields (user, app, plugin, scope,
/// state, expiry, purpose, contract version, whether consent was recorded;
/// `"\u{0}absent"` for a missing one), computed as anyone with the source can
/// (`src/store/grant_row.rs`): what a tamperer recomputes.
pub fn grant_row_check(fields: [&str; 9]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A temp dir on tmpfs when there is one (fsync costs nothing there): for
/// tests about the state machine, not the disk.
pub fn fast_tempdir() -> tempfile::TempDir {
    if std::path::Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").unwrap()
    } else {
        tempfile::tempdir().unwrap()
    }
}

/// Asks the kernel (`F_GETLK`, which takes no lock) which other process holds
/// a lock on bytes `start..start + len` of the file at `path`: its pid, or
/// `None` when the range is free. Run it in a process that holds no lock on
/// the file (closing its descriptor drops only its own locks).
#[cfg(unix)]
pub fn lock_holder(path: &str, start: i64, len: i64) -> Option<i32> {
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    // SAFETY: a zeroed flock is a valid value; fcntl only reads and writes it.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = start as _;
    lock.l_len = len as _;
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETLK, &mut lock) };
    assert_eq!(rc, 0, "F_GETLK on {path}");
    (lock.l_type as i32 != libc::F_UNLCK).then_some(lock.l_pid)
}
