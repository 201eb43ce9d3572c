//! `miniapp-auth bridge --db PATH`: the JSON-lines host of SPEC §6. Each call runs
//! on its own thread, so while a dialog waits for its `prompt` answer the bridge
//! keeps serving other lines. Dialogs become `event` lines; `prompt` lines answer
//! them. A malformed line gets `{"error": ...}` and changes nothing. End of input
//! abandons open dialogs (nothing is granted by them), lets every call answer,
//! and exits 0.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use futures::channel::oneshot;
use miniapp_auth::{
    AuthEngine, Caller, Clock, CombinedDecision, ConsentDecision, ConsentUi, HostError,
    ManualClock, PrivacyDecision, PrivacyRequest, ScopeRequest, SettingsAnswer, SettingsRequest,
    SubscribeAnswer, SubscribeRequest, SystemClock,
};
use serde_json::{json, Map, Value};

use crate::args::{engine_config, Args, CONFIG_OPTIONS};
use crate::protocol::{self, CallFrom, Line, Op};

/// The longest input line accepted, in bytes.
const MAX_LINE_BYTES: usize = 256 * 1024;

/// How many calls of one app, and of one user, may be in flight at once (each
/// waits on a thread of its own, for as long as its dialog takes); a call past
/// either bound is refused at once with an error line, and the bridge goes on.
/// Shared per app and per user, so that one app's (or one user's) flood of calls
/// waiting on its one dialog cannot refuse anyone else's calls (#20); a call
/// memory answers is never refused (it needs no thread).
const MAX_CALLS_IN_FLIGHT_PER_APP: usize = 64;

/// The bound on the calls of every app and user together (threads).
const MAX_CALLS_IN_FLIGHT: usize = 1024;

/// The stack of each call's thread (the default, 2 MiB, is mostly unused).
const CALL_STACK_BYTES: usize = 512 * 1024;

/// Line-atomic writer to stdout.
struct Output {
    stdout: Mutex<std::io::Stdout>,
}

impl Output {
    fn send(&self, value: &Value) {
        self.send_line(&value.to_string());
    }

    /// Writes one line of JSON text as it is.
    fn send_line(&self, json: &str) {
        let mut out = self.stdout.lock().unwrap_or_else(|p| p.into_inner());
        // A closed stdout means nobody is listening; decisions are already durable.
        let _ = writeln!(out, "{json}");
        let _ = out.flush();
    }
}

/// A dialog waiting for its `prompt` answer.
enum Pending {
    Consent(oneshot::Sender<ConsentDecision>),
    /// A consent dialog with the privacy contract's checkbox on it.
    Combined(oneshot::Sender<CombinedDecision>),
    Privacy(oneshot::Sender<PrivacyDecision>),
    Settings(oneshot::Sender<SettingsAnswer>),
    Subscribe(oneshot::Sender<SubscribeAnswer>),
}

struct Prompts {
    open: HashMap<u64, Pending>,
    closed: bool,
}

/// The `ConsentUi` that turns dialogs into events and prompt lines into answers.
struct LineUi {
    out: Arc<Output>,
    prompts: Mutex<Prompts>,
    next_prompt: AtomicU64,
}

fn abandoned() -> HostError {
    HostError::Failed {
        reason: "the bridge's input ended before the dialog was answered".into(),
    }
}

impl LineUi {
    fn lock(&self) -> std::sync::MutexGuard<'_, Prompts> {
        self.prompts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a dialog and writes its event; `None` once input has ended.
    fn open(&self, pending: Pending, mut event: Map<String, Value>) -> Option<OpenPrompt<'_>> {
        let id = self.next_prompt.fetch_add(1, Ordering::SeqCst) + 1;
        {
            let mut prompts = self.lock();
            if prompts.closed {
                return None;
            }
            prompts.open.insert(id, pending);
        }
        event.insert("prompt".into(), json!(id));
        self.out.send(&Value::Object(event));
        Some(OpenPrompt { ui: self, id })
    }

    /// Ends input: every open dialog is abandoned (its caller gets a failure).
    fn close(&self) {
        let mut prompts = self.lock();
        prompts.closed = true;
        prompts.open.clear();
    }

    /// Applies one answer to an open dialog. A bad answer leaves it open.
    fn answer(&self, prompt: u64, fields: &Map<String, Value>) -> Result<(), String> {
        let mut prompts = self.lock();
        let pending = prompts
            .open
            .remove(&prompt)
            .ok_or_else(|| format!("no open prompt {prompt}"))?;
        let result = match pending {
            Pending::Consent(tx) => match protocol::consent_decision(fields) {
                Some(d) => {
                    let _ = tx.send(d);
                    Ok(())
                }
                None => Err((
                    Pending::Consent(tx),
                    "decision must be \"allow\", \"allowOnce\", \"allowUntil\" (with \"until\": epoch ms), \"deny\" or \"dismiss\"".into(),
                )),
            },
            Pending::Combined(tx) => match protocol::combined_decision(fields) {
                Some(d) => {
                    let _ = tx.send(d);
                    Ok(())
                }
                None => Err((
                    Pending::Combined(tx),
                    "decision must be \"allow\", \"allowOnce\", \"allowUntil\" (with \"until\": epoch ms), \"deny\" or \"dismiss\", and agreePrivacy, if given, true or false".into(),
                )),
            },
            Pending::Privacy(tx) => match protocol::privacy_decision(fields) {
                Some(d) => {
                    let _ = tx.send(d);
                    Ok(())
                }
                None => Err((
                    Pending::Privacy(tx),
                    "decision must be \"agree\" or \"disagree\"".into(),
                )),
            },
            Pending::Settings(tx) => match protocol::settings_answer(fields) {
                Some(answered) => {
                    let _ = tx.send(answered);
                    Ok(())
                }
                None => Err((
                    Pending::Settings(tx),
                    "authSetting must be an object of scope: true|false (and subscriptionsSetting, if given, {mainSwitch: bool, itemSettings: {tmplId: \"accept\"|\"reject\"}})".into(),
                )),
            },
            Pending::Subscribe(tx) => match protocol::subscribe_answer(fields) {
                Some(answered) => {
                    let _ = tx.send(answered);
                    Ok(())
                }
                None => Err((
                    Pending::Subscribe(tx),
                    protocol::subscribe_answer_expected(),
                )),
            },
        };
        result.map_err(|(pending, message)| {
            prompts.open.insert(prompt, pending);
            message
        })
    }
}

fn identity(user: &str, app: &str, plugin: &Option<String>) -> Map<String, Value> {
    let mut event = Map::new();
    event.insert("user".into(), json!(user));
    event.insert("app".into(), json!(app));
    if let Some(plugin) = plugin {
        event.insert("plugin".into(), json!(plugin));
    }
    event
}

/// The `consent` event of a scope dialog; a combined dialog's carries the
/// contract to agree to (`privacyContract`: `{"name", "version"}`), answered
/// with `agreePrivacy`.
fn consent_event(r: &ScopeRequest) -> Map<String, Value> {
    let mut event = Map::new();
    event.insert("event".into(), json!("consent"));
    event.extend(identity(&r.user_id, &r.app_id, &r.plugin_id));
    event.insert("scope".into(), json!(r.scope));
    event.insert("api".into(), json!(r.api));
    event.insert("appName".into(), json!(r.app_name));
    event.insert("scopeTitle".into(), json!(r.scope_title));
    event.insert("desc".into(), json!(r.purpose));
    if let Some(contract) = &r.privacy_contract {
        event.insert(
            "privacyContract".into(),
            json!({"name": contract.contract_name, "version": contract.contract_version}),
        );
    }
    event
}

/// An event line waiting for its answer. Dropped unanswered (the engine gave up:
/// timeout, or the call was cancelled) it closes the prompt and says so with
/// `{"event":"cancelled","prompt":N}`, so the client can take its dialog down.
struct OpenPrompt<'a> {
    ui: &'a LineUi,
    id: u64,
}

impl Drop for OpenPrompt<'_> {
    fn drop(&mut self) {
        let unanswered = {
            let mut prompts = self.ui.lock();
            prompts.open.remove(&self.id).is_some() && !prompts.closed
        };
        if unanswered {
            self.ui
                .out
                .send(&json!({"event": "cancelled", "prompt": self.id}));
        }
    }
}

async fn wait<T>(opened: Option<OpenPrompt<'_>>, rx: oneshot::Receiver<T>) -> Result<T, HostError> {
    let Some(prompt) = opened else {
        return Err(abandoned());
    };
    let answer = rx.await.map_err(|_| abandoned());
    drop(prompt);
    answer
}

#[async_trait::async_trait]
impl ConsentUi for LineUi {
    async fn ask_scope(&self, r: ScopeRequest) -> Result<ConsentDecision, HostError> {
        let (tx, rx) = oneshot::channel();
        let opened = self.open(Pending::Consent(tx), consent_event(&r));
        wait(opened, rx).await
    }

    async fn ask_scope_with_privacy(&self, r: ScopeRequest) -> Result<CombinedDecision, HostError> {
        let (tx, rx) = oneshot::channel();
        let opened = self.open(Pending::Combined(tx), consent_event(&r));
        wait(opened, rx).await
    }

    async fn show_settings(&self, r: SettingsRequest) -> Result<SettingsAnswer, HostError> {
        let (tx, rx) = oneshot::channel();
        let mut event = Map::new();
        event.insert("event".into(), json!("settings"));
        event.extend(identity(&r.user_id, &r.app_id, &r.plugin_id));
        event.insert("appName".into(), json!(r.app_name));
        let setting: Map<String, Value> = r
            .items
            .iter()
            .map(|i| (i.scope.clone(), json!(i.granted)))
            .collect();
        event.insert("authSetting".into(), Value::Object(setting));
        if let Some(subscriptions) = &r.subscriptions {
            event.insert(
                "subscriptionsSetting".into(),
                protocol::subscriptions_json(subscriptions),
            );
        }
        let opened = self.open(Pending::Settings(tx), event);
        wait(opened, rx).await
    }

    async fn ask_privacy(&self, r: PrivacyRequest) -> Result<PrivacyDecision, HostError> {
        let (tx, rx) = oneshot::channel();
        let mut event = Map::new();
        event.insert("event".into(), json!("privacy"));
        event.extend(identity(&r.user_id, &r.app_id, &None));
        event.insert("api".into(), json!(r.referrer));
        event.insert("referrer".into(), json!(r.referrer));
        event.insert("appName".into(), json!(r.app_name));
        event.insert("privacyContractName".into(), json!(r.contract_name));
        event.insert("version".into(), json!(r.contract_version));
        let opened = self.open(Pending::Privacy(tx), event);
        wait(opened, rx).await
    }

    async fn ask_subscribe(&self, r: SubscribeRequest) -> Result<SubscribeAnswer, HostError> {
        let (tx, rx) = oneshot::channel();
        let mut event = Map::new();
        event.insert("event".into(), json!("subscribe"));
        event.extend(identity(&r.user_id, &r.app_id, &None));
        event.insert("appName".into(), json!(r.app_name));
        event.insert("tmplIds".into(), json!(r.tmpl_ids));
        let opened = self.open(Pending::Subscribe(tx), event);
        wait(opened, rx).await
    }

    async fn show_privacy_contract(&self, r: PrivacyRequest) -> Result<(), HostError> {
        // Showing the contract needs no answer: the event is the whole dialog.
        let mut event = Map::new();
        event.insert("event".into(), json!("privacyContract"));
        event.extend(identity(&r.user_id, &r.app_id, &None));
        event.insert("privacyContractName".into(), json!(r.contract_name));
        event.insert("version".into(), json!(r.contract_version));
        self.out.send(&Value::Object(event));
        Ok(())
    }
}

/// The bridge's state while it serves lines.
struct Server {
    engine: Arc<AuthEngine>,
    /// The manual clock, when the bridge was started with `--clock-start-ms`.
    clock: Option<Arc<ManualClock>>,
    ui: Arc<LineUi>,
    out: Arc<Output>,
    calls: Vec<InFlight>,
    /// Threads of calls already answered, joined before the bridge exits (a
    /// call's answer must be written before the process ends).
    answered: Vec<JoinHandle<()>>,
}

/// A call waiting on a thread of its own, and whose it is. It is in flight
/// until its answer is about to be written — not until its thread has ended:
/// a client that sends its next call the moment it reads an answer must find
/// that answer's place free (the thread's last instants after the write would
/// otherwise count against its app, now and then refusing the next call).
struct InFlight {
    answered: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    user_id: String,
    app_id: String,
}

impl Server {
    fn serve_line(&mut self, bytes: &[u8]) {
        let line = match protocol::parse_line(bytes) {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(error) => return self.out.send_line(&error.to_line()),
        };
        match line {
            Line::Answer { prompt, fields } => {
                if let Err(message) = self.ui.answer(prompt, &fields) {
                    self.out.send(&json!({"prompt": prompt, "error": message}));
                }
            }
            Line::Op { id, op } => {
                let reply = match self.op(op) {
                    Ok(reply) => reply,
                    Err(message) => json!({"error": message}),
                };
                let Value::Object(reply) = reply else {
                    unreachable!("op replies are objects")
                };
                self.out
                    .send_line(&protocol::reply_line(id.as_deref(), &reply));
            }
            Line::Call {
                id,
                caller,
                call,
                from,
            } => self.call(id, caller, call, from),
        }
    }

    fn op(&self, op: Op) -> Result<Value, String> {
        match op {
            Op::EndRun { user, app } => {
                self.engine
                    .end_app_run(user, app)
                    .map_err(|e| e.to_string())?;
                Ok(json!({"ok": true}))
            }
            Op::Maintenance => {
                let report = self.engine.run_maintenance().map_err(|e| e.to_string())?;
                Ok(json!({
                    "ok": true,
                    "revokedUnused": report.revoked_unused,
                    "removedExpired": report.removed_expired,
                }))
            }
            Op::AdvanceClock { ms } => {
                let clock = self
                    .clock
                    .as_ref()
                    .ok_or("advanceClock needs the bridge started with --clock-start-ms")?;
                if !clock.advance(ms) {
                    return Err(format!(
                        "advanceClock by {ms} ms would pass the end of time; the clock was not moved"
                    ));
                }
                Ok(json!({"ok": true, "nowMs": clock.now_ms()}))
            }
            Op::Explain { caller, api, scope } => {
                let explanation = self
                    .engine
                    .explain(caller, api, scope)
                    .map_err(|e| e.to_string())?;
                Ok(json!({"explanation": explanation.to_json()}))
            }
            Op::SyncOutgoing { user, limit } => {
                let (records, cursor) = self
                    .engine
                    .sync_outgoing_values(&user, limit)
                    .map_err(|e| e.to_string())?;
                Ok(json!({"records": records, "cursor": cursor}))
            }
            Op::SyncUploaded { user, cursor } => {
                self.engine
                    .sync_mark_uploaded(user, cursor)
                    .map_err(|e| e.to_string())?;
                Ok(json!({"ok": true}))
            }
            Op::SyncApply { user, records } => {
                let done = self
                    .engine
                    .sync_apply_values(&user, &records)
                    .map_err(|e| e.to_string())?;
                Ok(json!({
                    "applied": done.applied,
                    "duplicates": done.duplicates,
                    "superseded": done.superseded,
                    "rejected": done.rejected,
                }))
            }
            Op::Register { app, manifest } => {
                self.engine
                    .register_manifest_value(&app, manifest)
                    .map_err(|e| e.to_string())?;
                Ok(json!({"ok": true}))
            }
        }
    }

    fn call(&mut self, id: Option<protocol::RawId>, caller: Caller, call: Value, from: CallFrom) {
        self.answered.retain(|thread| !thread.is_finished());
        let (answered, waiting) = std::mem::take(&mut self.calls)
            .into_iter()
            .partition(|call| call.answered.load(Ordering::Acquire));
        self.calls = waiting;
        self.answered
            .extend(answered.into_iter().map(|call: InFlight| call.thread));
        let refuse = |message: String| {
            let mut line = Map::new();
            line.insert("error".into(), Value::String(message));
            protocol::reply_line(id.as_deref(), &line)
        };
        let (user_id, app_id) = (caller.user_id.clone(), caller.app_id.clone());
        let of_app = self.calls.iter().filter(|c| c.app_id == app_id).count();
        let of_user = self.calls.iter().filter(|c| c.user_id == user_id).count();
        let full = if of_app >= MAX_CALLS_IN_FLIGHT_PER_APP {
            Some(format!("of app {app_id} ({MAX_CALLS_IN_FLIGHT_PER_APP})"))
        } else if of_user >= MAX_CALLS_IN_FLIGHT_PER_APP {
            Some(format!("of user {user_id} ({MAX_CALLS_IN_FLIGHT_PER_APP})"))
        } else if self.calls.len() >= MAX_CALLS_IN_FLIGHT {
            Some(format!("({MAX_CALLS_IN_FLIGHT})"))
        } else {
            None
        };
        if let Some(whose) = full {
            // What memory answers is answered here, needing no thread.
            if let Some(result) = self.engine.answer_from_memory(&caller, call) {
                return self
                    .out
                    .send_line(&answer_line(id.as_deref(), &result.json));
            }
            return self.out.send_line(&refuse(format!(
                "too many calls in flight {whose}; send it again once some have answered"
            )));
        }
        let engine = self.engine.clone();
        let out = self.out.clone();
        let answer_id = id.clone();
        let answered = Arc::new(AtomicBool::new(false));
        let done = answered.clone();
        let spawned = std::thread::Builder::new()
            .name("bridge-call".into())
            .stack_size(CALL_STACK_BYTES)
            .spawn(move || {
                let result = futures::executor::block_on(async {
                    match from {
                        CallFrom::Page => engine.handle_page_value(caller, call).await,
                        CallFrom::Runtime => engine.handle_value(caller, call).await,
                    }
                });
                done.store(true, Ordering::Release);
                out.send_line(&answer_line(answer_id.as_deref(), &result.json));
            });
        match spawned {
            Ok(thread) => self.calls.push(InFlight {
                answered,
                thread,
                user_id,
                app_id,
            }),
            Err(e) => self.out.send_line(&refuse(format!(
                "cannot start the call ({e}); nothing changed"
            ))),
        }
    }
}

/// `{"id":…,"result":…}` with the result's JSON as the engine wrote it.
fn answer_line(id: Option<&str>, result_json: &str) -> String {
    match id {
        Some(id) => format!("{{\"id\":{id},\"result\":{result_json}}}"),
        None => format!("{{\"result\":{result_json}}}"),
    }
}

/// Discards input up to and including the next newline.
fn skip_line(input: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(());
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(end) => {
                input.consume(end + 1);
                return Ok(());
            }
            None => {
                let len = available.len();
                input.consume(len);
            }
        }
    }
}

/// Runs the bridge until end of input.
pub fn run(argv: &[String]) -> Result<(), String> {
    let mut options = vec!["db", "clock-start-ms"];
    options.extend_from_slice(CONFIG_OPTIONS);
    let args = Args::parse(argv, &options)?;
    let db = args.require("db")?;
    let config = engine_config(&args)?;
    let manual_clock = match args.get("clock-start-ms") {
        Some(start) => Some(Arc::new(ManualClock::new(start.parse().map_err(|_| {
            format!("--clock-start-ms must be epoch milliseconds, not {start:?}")
        })?))),
        None => None,
    };
    let out = Arc::new(Output {
        stdout: Mutex::new(std::io::stdout()),
    });
    let ui = Arc::new(LineUi {
        out: out.clone(),
        prompts: Mutex::new(Prompts {
            open: HashMap::new(),
            closed: false,
        }),
        next_prompt: AtomicU64::new(0),
    });
    let clock: Arc<dyn Clock> = match &manual_clock {
        Some(clock) => clock.clone(),
        None => Arc::new(SystemClock),
    };
    let engine = Arc::new(
        AuthEngine::open_with_clock(db, ui.clone(), Some(config), clock)
            .map_err(|e| e.to_string())?,
    );
    let mut server = Server {
        engine,
        clock: manual_clock,
        ui,
        out,
        calls: Vec::new(),
        answered: Vec::new(),
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = (&mut input)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buffer)
            .map_err(|e| format!("reading stdin: {e}"))?;
        if read == 0 {
            break;
        }
        if buffer.last() == Some(&b'\n') {
            buffer.pop();
        } else if buffer.len() > MAX_LINE_BYTES {
            // Never hold an unbounded line in memory: drop the rest of it.
            skip_line(&mut input).map_err(|e| format!("reading stdin: {e}"))?;
            server.out.send(&json!({"error": "line too long"}));
            continue;
        }
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
        server.serve_line(&buffer);
    }
    server.ui.close();
    let threads = server.calls.drain(..).map(|call| call.thread);
    for thread in threads.chain(server.answered.drain(..)) {
        // A call thread cannot panic on any input; if one did, the others still finish.
        let _ = thread.join();
    }
    Ok(())
}
