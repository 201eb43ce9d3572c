//! `miniapp-auth inspect`: the grant inspector (SPEC §11). A local web server
//! over one database file — read-only unless `--allow-writes` — showing the
//! user × app × scope matrix, each user's consent log, each app's manifest
//! against what was asked, why a call would be answered as it would, and
//! exports. Loopback only, every route behind a random token, the Host header
//! checked ([`guard`]). Engine calls block: they run on tokio's blocking pool.

mod app_view;
mod exports;
mod guard;
mod live;
mod matrix;
mod page;
mod timeline;
mod why;
mod writes;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use miniapp_auth::{AuthEngine, NoDialogs};
use serde_json::Value;

use crate::args::{engine_config, Args, CONFIG_OPTIONS};

/// What every handler shares: the engine, the secrets and the manifests given.
pub struct Inspector {
    /// The engine over the file (read-only unless writes are allowed).
    pub engine: Arc<AuthEngine>,
    /// The random path segment every route lives under.
    pub token: String,
    /// The forms' hidden CSRF token; `None` when writes are not allowed.
    pub csrf: Option<String>,
    /// The port bound (the Host header must name it).
    pub port: u16,
    /// The manifests given with `--manifest`, by app.
    pub manifests: BTreeMap<String, Value>,
    /// The last check of the whole consent log, kept until the file sees a
    /// commit (it reads every record: seconds on a large log).
    pub chain_check: Mutex<Option<timeline::ChainCheck>>,
    /// Event streams open now (each holds a blocking thread while it waits;
    /// [`live::MAX_STREAMS`] at most).
    pub streams: std::sync::atomic::AtomicUsize,
}

impl Inspector {
    /// The path every route starts with: `/<token>/`.
    pub fn base(&self) -> String {
        format!("/{}/", self.token)
    }
}

/// The shared state handlers take.
pub type Shared = Arc<Inspector>;

/// Why a request could not be answered: an HTTP status and a plain message.
pub struct Failure {
    /// The status answered.
    pub status: StatusCode,
    /// The message (plain text; never data from the file beyond the error).
    pub message: String,
}

impl Failure {
    /// A 500 for an engine error.
    pub fn engine(error: impl std::fmt::Display) -> Failure {
        Failure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: error.to_string(),
        }
    }

    /// A 400 for a request that asks for something impossible.
    pub fn bad_request(message: impl Into<String>) -> Failure {
        Failure {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, self.message).into_response()
    }
}

/// Runs `work` with the shared state on tokio's blocking pool (engine calls
/// read the file).
pub async fn blocking<T: Send + 'static>(
    shared: &Shared,
    work: impl FnOnce(&Inspector) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || work(&shared))
        .await
        .map_err(Failure::engine)?
}

/// 32 random bytes from the system, as 64 hex digits.
fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("reading /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The command line, split into the flag, the repeatable `--manifest` and the
/// `--name value` options [`Args`] reads.
struct CommandLine {
    /// `--allow-writes` was given.
    allow_writes: bool,
    /// Each `--manifest` value (`APP=FILE.json`).
    manifests: Vec<String>,
    /// Everything else, for [`Args`].
    rest: Vec<String>,
}

/// Splits `argv` into a [`CommandLine`].
fn split_command_line(argv: &[String]) -> Result<CommandLine, String> {
    let mut line = CommandLine {
        allow_writes: false,
        manifests: Vec::new(),
        rest: Vec::new(),
    };
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--allow-writes" => line.allow_writes = true,
            "--manifest" => {
                let value = argv.get(i + 1).ok_or("--manifest needs APP=FILE.json")?;
                line.manifests.push(value.clone());
                i += 1;
            }
            _ => line.rest.push(argv[i].clone()),
        }
        i += 1;
    }
    Ok(line)
}

/// Reads `APP=FILE.json`: the app and its manifest JSON.
fn read_manifest(given: &str) -> Result<(String, Value), String> {
    let (app, file) = given
        .split_once('=')
        .filter(|(app, file)| !app.is_empty() && !file.is_empty())
        .ok_or_else(|| format!("--manifest must be APP=FILE.json, not {given:?}"))?;
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("--manifest {app}: cannot read {file}: {e}"))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("--manifest {app}: {file} is not JSON: {e}"))?;
    if !value.is_object() {
        return Err(format!("--manifest {app}: {file} is not a JSON object"));
    }
    Ok((app.to_string(), value))
}

/// Every route, under `/<token>/`, behind the guard.
fn routes(shared: Shared) -> Router {
    let base = shared.base();
    let at = |path: &str| format!("{base}{path}");
    Router::new()
        .route(&base, get(matrix::page))
        .route(&at("users/{user}"), get(timeline::page))
        .route(&at("apps/{app}"), get(app_view::page))
        .route(&at("apps/{app}/reset"), post(writes::reset_app))
        .route(&at("why"), get(why::page))
        .route(&at("why.json"), get(why::json))
        .route(&at("exports"), get(exports::page))
        .route(&at("export/records.ndjson"), get(exports::records))
        .route(&at("export/receipts.json"), get(exports::receipts))
        .route(&at("export/grants.csv"), get(exports::grants_csv))
        .route(&at("events"), get(live::events))
        .route(&at("grants"), post(writes::grant))
        .route(&at("static/inspector.css"), get(page::stylesheet))
        .route(&at("static/inspector.js"), get(page::script))
        .fallback(guard::not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            guard::guard,
        ))
        .with_state(shared)
}

/// Runs the inspector until the process is killed (SIGINT or SIGTERM close
/// the engine first).
pub fn run(argv: &[String]) -> Result<(), String> {
    let line = split_command_line(argv)?;
    let mut options = vec!["db", "port"];
    options.extend_from_slice(CONFIG_OPTIONS);
    let args = Args::parse(&line.rest, &options)?;
    let db = args.require("db")?.to_string();
    let port: u16 = match args.get("port") {
        None => 0,
        Some(p) => p
            .parse()
            .map_err(|_| format!("--port must be a port number (0-65535), not {p:?}"))?,
    };
    let config = engine_config(&args)?;
    // Every manifest is read before the file is opened or a port bound.
    let manifests = line
        .manifests
        .iter()
        .map(|given| read_manifest(given))
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    // Even when writing, the file must exist: a mistyped path is an error,
    // not a new, empty database served as if it were the host's.
    if line.allow_writes && !std::path::Path::new(&db).is_file() {
        return Err(format!(
            "{db} does not exist (the inspector never creates a database)"
        ));
    }
    let engine = match line.allow_writes {
        true => AuthEngine::open(db.clone(), Arc::new(NoDialogs), Some(config)),
        false => AuthEngine::open_read_only(db.clone(), Some(config)),
    }
    .map_err(|e| format!("opening {db}: {e}"))?;
    for (app, manifest) in &manifests {
        engine
            .register_manifest_value(app, manifest.clone())
            .map_err(|e| format!("--manifest {app}: {e}"))?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| format!("starting the server's runtime: {e}"))?;
    let serving = engine.clone();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("binding 127.0.0.1:{port}: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("reading the bound address: {e}"))?
            .port();
        let shared = Arc::new(Inspector {
            engine: serving,
            token: random_token()?,
            csrf: match line.allow_writes {
                true => Some(random_token()?),
                false => None,
            },
            port,
            manifests,
            streams: Default::default(),
            chain_check: Mutex::new(None),
        });
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "http://127.0.0.1:{port}{}", shared.base())
                .and_then(|()| out.flush())
                .map_err(|e| format!("writing the URL: {e}"))?;
        }
        eprintln!(
            "miniapp-auth inspect: serving {db} ({}) until stopped",
            match line.allow_writes {
                true => "writes allowed",
                false => "read-only",
            }
        );
        // Not a graceful shutdown: an open event stream never ends by itself.
        tokio::select! {
            served = axum::serve(listener, routes(shared)) => {
                served.map_err(|e| format!("serving: {e}"))
            }
            () = stopped() => Ok(()),
        }
    })?;
    engine.shut_down();
    Ok(())
}

/// Resolves when SIGINT or SIGTERM arrives.
#[cfg(unix)]
async fn stopped() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
}

/// Resolves when Ctrl-C is pressed.
#[cfg(not(unix))]
async fn stopped() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await
    }
}
