//! `miniapp-auth bridge --db PATH`: the JSON-lines host of SPEC §6. Each call runs
//! on its own thread, so while a dialog waits for its `prompt` answer the bridge
//! keeps serving other lines. Dialogs become `event` lines; `prompt` lines answer
//! them. A malformed line gets `{"error": ...}` and changes nothing. End of input
//! abandons open dialogs (nothing is granted by them), lets every call answer,
//! and exits 0.

use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use futures::channel::oneshot;
use miniapp_auth::consent_ui::{PrivacyRequest, ScopeRequest, ScopeSetting, SettingsRequest};
use miniapp_auth::manifest::Manifest;
use miniapp_auth::{
    AuthEngine, Caller, Clock, ConsentDecision, ConsentUi, HostError, ManualClock, PrivacyDecision,
    SystemClock,
};
use serde_json::{json, Map, Value};

use crate::args::{engine_config, Args, CONFIG_OPTIONS};

/// The longest input line accepted, in bytes.
const MAX_LINE_BYTES: usize = 256 * 1024;

/// Line-atomic writer to stdout.
struct Output {
    stdout: Mutex<std::io::Stdout>,
}

impl Output {
    fn send(&self, value: &Value) {
        let mut out = self.stdout.lock().unwrap_or_else(|p| p.into_inner());
        // A closed stdout means nobody is listening; decisions are already durable.
        let _ = writeln!(out, "{value}");
        let _ = out.flush();
    }
}

/// A dialog waiting for its `prompt` answer.
enum Pending {
    Consent(oneshot::Sender<ConsentDecision>),
    Privacy(oneshot::Sender<PrivacyDecision>),
    Settings(oneshot::Sender<Vec<ScopeSetting>>),
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

    /// Applies one `{"prompt": N, ...}` line.
    fn answer(&self, line: &Map<String, Value>) -> Result<(), String> {
        let id = line
            .get("prompt")
            .and_then(Value::as_u64)
            .ok_or("prompt must be a positive integer")?;
        let mut prompts = self.lock();
        let pending = prompts
            .open
            .remove(&id)
            .ok_or_else(|| format!("no open prompt {id}"))?;
        let decision = line.get("decision").and_then(Value::as_str);
        let result = match pending {
            Pending::Consent(tx) => match consent_decision(decision, line.get("until")) {
                Some(d) => {
                    let _ = tx.send(d);
                    Ok(())
                }
                None => Err((
                    Pending::Consent(tx),
                    "decision must be \"allow\", \"allowOnce\", \"allowUntil\" (with \"until\": epoch ms), \"deny\" or \"dismiss\"",
                )),
            },
            Pending::Privacy(tx) => match privacy_decision(decision) {
                Some(d) => {
                    let _ = tx.send(d);
                    Ok(())
                }
                None => Err((
                    Pending::Privacy(tx),
                    "decision must be \"agree\" or \"disagree\"",
                )),
            },
            Pending::Settings(tx) => match parse_auth_setting(line.get("authSetting")) {
                Some(answered) => {
                    let _ = tx.send(answered);
                    Ok(())
                }
                None => Err((
                    Pending::Settings(tx),
                    "authSetting must be an object of scope: true|false",
                )),
            },
        };
        result.map_err(|(pending, message)| {
            // A bad answer leaves the dialog open.
            prompts.open.insert(id, pending);
            message.to_string()
        })
    }
}

fn consent_decision(decision: Option<&str>, until: Option<&Value>) -> Option<ConsentDecision> {
    match decision? {
        "allow" => Some(ConsentDecision::Allow),
        "allowOnce" => Some(ConsentDecision::AllowOnce),
        "allowUntil" => Some(ConsentDecision::AllowUntil {
            until_ms: until?.as_i64()?,
        }),
        "deny" => Some(ConsentDecision::Deny),
        "dismiss" => Some(ConsentDecision::Dismiss),
        _ => None,
    }
}

fn privacy_decision(decision: Option<&str>) -> Option<PrivacyDecision> {
    match decision? {
        "agree" => Some(PrivacyDecision::Agree),
        "disagree" => Some(PrivacyDecision::Disagree),
        _ => None,
    }
}

fn parse_auth_setting(value: Option<&Value>) -> Option<Vec<ScopeSetting>> {
    let object = value?.as_object()?;
    object
        .iter()
        .map(|(scope, granted)| {
            Some(ScopeSetting {
                scope: scope.clone(),
                title: String::new(),
                granted: granted.as_bool()?,
            })
        })
        .collect()
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
        let mut event = Map::new();
        event.insert("event".into(), json!("consent"));
        event.extend(identity(&r.user_id, &r.app_id, &r.plugin_id));
        event.insert("scope".into(), json!(r.scope));
        event.insert("api".into(), json!(r.api));
        event.insert("appName".into(), json!(r.app_name));
        event.insert("scopeTitle".into(), json!(r.scope_title));
        event.insert("desc".into(), json!(r.purpose));
        let opened = self.open(Pending::Consent(tx), event);
        wait(opened, rx).await
    }

    async fn show_settings(&self, r: SettingsRequest) -> Result<Vec<ScopeSetting>, HostError> {
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
        let opened = self.open(Pending::Settings(tx), event);
        wait(opened, rx).await
    }

    async fn ask_privacy(&self, r: PrivacyRequest) -> Result<PrivacyDecision, HostError> {
        let (tx, rx) = oneshot::channel();
        let mut event = Map::new();
        event.insert("event".into(), json!("privacy"));
        event.extend(identity(&r.user_id, &r.app_id, &None));
        event.insert("api".into(), json!(r.api));
        event.insert("appName".into(), json!(r.app_name));
        event.insert("privacyContractName".into(), json!(r.contract_name));
        event.insert("version".into(), json!(r.contract_version));
        let opened = self.open(Pending::Privacy(tx), event);
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
    calls: Vec<JoinHandle<()>>,
}

fn error_line(id: Option<&Value>, prompt: Option<&Value>, message: &str) -> Value {
    let mut line = Map::new();
    if let Some(id) = id {
        line.insert("id".into(), id.clone());
    }
    if let Some(prompt) = prompt {
        line.insert("prompt".into(), prompt.clone());
    }
    line.insert("error".into(), json!(message));
    Value::Object(line)
}

fn string_field(line: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match line.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

impl Server {
    fn serve_line(&mut self, bytes: &[u8]) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.out
                .send(&error_line(None, None, "line is not valid UTF-8"));
            return;
        };
        if text.trim().is_empty() {
            return;
        }
        let line = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(line)) => line,
            Ok(_) => {
                self.out
                    .send(&error_line(None, None, "a line must be a JSON object"));
                return;
            }
            Err(e) => {
                self.out
                    .send(&error_line(None, None, &format!("invalid JSON: {e}")));
                return;
            }
        };
        let id = line.get("id").filter(|v| !v.is_object() && !v.is_array());
        let outcome = if line.contains_key("prompt") {
            self.ui.answer(&line).map(|_| None)
        } else if line.contains_key("op") {
            self.op(&line).map(Some)
        } else if line.contains_key("api") {
            self.call(&line, id.cloned()).map(|_| None)
        } else {
            Err(
                "a line must be a call (\"api\"), an op (\"op\") or a prompt answer (\"prompt\")"
                    .into(),
            )
        };
        match outcome {
            Ok(Some(reply)) => {
                let mut reply = reply;
                if let (Some(id), Value::Object(map)) = (id, &mut reply) {
                    map.insert("id".into(), id.clone());
                    map.sort_keys();
                }
                self.out.send(&reply)
            }
            Ok(None) => {}
            Err(message) => self.out.send(&error_line(id, line.get("prompt"), &message)),
        }
    }

    fn op(&self, line: &Map<String, Value>) -> Result<Value, String> {
        match line.get("op").and_then(Value::as_str) {
            Some("endRun") => {
                let user = string_field(line, "user")?.ok_or("endRun needs \"user\"")?;
                let app = string_field(line, "app")?.ok_or("endRun needs \"app\"")?;
                self.engine
                    .end_app_run(user, app)
                    .map_err(|e| e.to_string())?;
                Ok(json!({"ok": true}))
            }
            Some("maintenance") => {
                let report = self.engine.run_maintenance().map_err(|e| e.to_string())?;
                Ok(json!({
                    "ok": true,
                    "revokedUnused": report.revoked_unused,
                    "removedExpired": report.removed_expired,
                }))
            }
            Some("advanceClock") => {
                let clock = self
                    .clock
                    .as_ref()
                    .ok_or("advanceClock needs the bridge started with --clock-start-ms")?;
                let ms = line
                    .get("ms")
                    .and_then(Value::as_i64)
                    .filter(|ms| *ms >= 0)
                    .ok_or("advanceClock needs \"ms\": a non-negative number")?;
                clock.advance(ms);
                Ok(json!({"ok": true, "nowMs": clock.now_ms()}))
            }
            Some("register") => {
                let app = string_field(line, "app")?.ok_or("register needs \"app\"")?;
                let manifest = line
                    .get("manifest")
                    .cloned()
                    .ok_or("register needs \"manifest\"")?;
                let engine = self.engine.engine();
                let manifest = Manifest::from_value(manifest, &engine.catalogue())
                    .map_err(|e| e.to_string())?;
                engine
                    .install_manifest(&app, manifest)
                    .map_err(|e| e.to_string())?;
                Ok(json!({"ok": true}))
            }
            _ => Err(
                "unknown op (known: \"register\", \"endRun\", \"maintenance\", \"advanceClock\")"
                    .into(),
            ),
        }
    }

    fn call(&mut self, line: &Map<String, Value>, id: Option<Value>) -> Result<(), String> {
        let user = string_field(line, "user")?.ok_or("a call needs \"user\"")?;
        let app = string_field(line, "app")?.ok_or("a call needs \"app\"")?;
        let plugin_id = string_field(line, "plugin")?;
        let user_gesture = match line.get("tap") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(tap)) => *tap,
            Some(_) => return Err("tap must be true or false".into()),
        };
        let mut call = Map::new();
        call.insert("api".into(), line["api"].clone());
        if let Some(args) = line.get("args") {
            call.insert("args".into(), args.clone());
        }
        let call = Value::Object(call).to_string();
        let caller = Caller {
            user_id: user,
            app_id: app,
            plugin_id,
            user_gesture,
        };
        let engine = self.engine.clone();
        let out = self.out.clone();
        self.calls.push(std::thread::spawn(move || {
            let result = futures::executor::block_on(engine.handle(caller, call));
            let result: Value = serde_json::from_str(&result).unwrap_or(Value::String(result));
            let mut answer = Map::new();
            if let Some(id) = id {
                answer.insert("id".into(), id);
            }
            answer.insert("result".into(), result);
            out.send(&Value::Object(answer));
        }));
        self.calls.retain(|handle| !handle.is_finished());
        Ok(())
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
            server.out.send(&error_line(None, None, "line too long"));
            continue;
        }
        if buffer.last() == Some(&b'\r') {
            buffer.pop();
        }
        server.serve_line(&buffer);
    }
    server.ui.close();
    for call in server.calls.drain(..) {
        // A call thread cannot panic on any input; if one did, the others still finish.
        let _ = call.join();
    }
    Ok(())
}
