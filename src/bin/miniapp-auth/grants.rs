//! `miniapp-auth grants ...`: list, set, revoke, reset and export decisions in a
//! database file, through the same engine (and checks) the hosts use.

use std::sync::Arc;

use miniapp_auth::{AuthEngine, Grant, NoDialogs};
use serde_json::{json, Value};

use crate::args::Args;

/// Opens the database: read-only for the commands that only read (they never
/// create, migrate or quarantine it), for writing otherwise.
fn open(args: &Args, reading: bool) -> Result<Arc<AuthEngine>, String> {
    let db = args.require("db")?.to_string();
    let opened = match reading {
        true => AuthEngine::open_read_only(db, None),
        false => AuthEngine::open(db, Arc::new(NoDialogs), None),
    };
    opened.map_err(|e| e.to_string())
}

fn grant_json(g: &Grant) -> Value {
    json!({
        "user": g.user_id,
        "app": g.app_id,
        "plugin": g.plugin_id,
        "scope": g.scope,
        "state": g.state.as_str(),
        "source": g.source.as_str(),
        "updatedAtMs": g.updated_at_ms,
        "expiresAtMs": g.expires_at_ms,
        "lastUsedAtMs": g.last_used_at_ms,
    })
}

/// Runs one `grants` subcommand.
pub fn run(argv: &[String]) -> Result<(), String> {
    let (command, rest) = argv
        .split_first()
        .ok_or("grants needs a subcommand: list, set, revoke, reset or export")?;
    let opts = ["db", "user", "app", "plugin", "scope", "state"];
    let args = Args::parse(rest, &opts)?;
    // Everything the command needs is read before the database is opened: a
    // command it cannot read changes nothing, not even creating the file.
    let needs: &[&str] = match command.as_str() {
        "list" => &[],
        "set" => &["user", "app", "scope", "state"],
        "revoke" => &["user", "app", "scope"],
        "reset" => &["app"],
        "export" => &["user"],
        other => return Err(format!("unknown grants subcommand {other:?}")),
    };
    for option in needs {
        args.require(option)?;
    }
    let granted = match args.get("state") {
        None | Some("granted") => true,
        Some("denied") => false,
        Some(other) => return Err(format!("--state must be granted or denied, not {other:?}")),
    };
    let engine = open(&args, matches!(command.as_str(), "list" | "export"))?;
    let err = |e: miniapp_auth::AuthError| e.to_string();
    match command.as_str() {
        "list" => {
            let users = match args.get("user") {
                Some(user) => vec![user.to_string()],
                None => engine.list_users().map_err(err)?,
            };
            for user in users {
                let grants = engine
                    .list_grants(user, args.get("app").map(str::to_string))
                    .map_err(err)?;
                for g in &grants {
                    println!("{}", grant_json(g));
                }
            }
            Ok(())
        }
        "set" => engine
            .set_grant(
                args.require("user")?.into(),
                args.require("app")?.into(),
                args.get("plugin").map(str::to_string),
                args.require("scope")?.into(),
                granted,
            )
            .map_err(err),
        "revoke" => engine
            .revoke_grant(
                args.require("user")?.into(),
                args.require("app")?.into(),
                args.get("plugin").map(str::to_string),
                args.require("scope")?.into(),
            )
            .map_err(err),
        "reset" => {
            let removed = engine
                .reset_app(
                    args.require("app")?.into(),
                    args.get("user").map(str::to_string),
                )
                .map_err(err)?;
            println!("{}", json!({"removed": removed}));
            Ok(())
        }
        "export" => {
            let user = args.require("user")?;
            let grants = engine.list_grants(user.into(), None).map_err(err)?;
            let export = json!({
                "user": user,
                "grants": grants.iter().map(grant_json).collect::<Vec<_>>(),
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&export).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        _ => unreachable!("refused above"),
    }
}
