//! The reference sync backend (PostgreSQL, `docs/sync/*.sql`) as a test client:
//! each call runs the real `psql` with the same script files the docs show, on
//! the server `./test.sh sync` provisions (scripts/toolchains.sh,
//! `provision_postgres`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// A batch bigger than this goes to psql on its standard input (`\set records
/// '…'`) instead of as a `-v` argument: Linux refuses a single argument over
/// 128 KiB (MAX_ARG_STRLEN).
const LARGEST_ARGUMENT: usize = 64 * 1024;

/// Where the server is: the socket dir, port, role and database
/// `provision_postgres` exported.
#[derive(Debug, Clone)]
pub struct PgBackend {
    host: String,
    port: String,
    user: String,
    db: String,
}

/// How the script reaches psql.
enum Script<'a> {
    /// One of docs/sync/*.sql, with `-f`.
    File(&'static str),
    /// Text on psql's standard input.
    Stdin(&'a str),
}

impl PgBackend {
    /// The server `./test.sh sync` started, from `MINIAPP_AUTH_PG_HOST`,
    /// `MINIAPP_AUTH_PG_PORT`, `MINIAPP_AUTH_PG_USER` and `MINIAPP_AUTH_PG_DB`.
    /// Panics, naming `./test.sh sync`, when they are not set.
    pub fn from_env() -> PgBackend {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!(
                    "{name} is not set: these tests need the PostgreSQL server that \
                     `./test.sh sync` provisions and starts (scripts/toolchains.sh, provision_postgres)"
                )
            })
        };
        PgBackend {
            host: var("MINIAPP_AUTH_PG_HOST"),
            port: var("MINIAPP_AUTH_PG_PORT"),
            user: var("MINIAPP_AUTH_PG_USER"),
            db: var("MINIAPP_AUTH_PG_DB"),
        }
    }

    /// Pushes a batch of `user`'s records (docs/sync/push.sql); the number taken.
    /// Panics when psql fails.
    pub fn push(&self, user: &str, records: &[Value]) -> usize {
        self.try_push(user, records)
            .unwrap_or_else(|error| panic!("push for {user} failed: {error}"))
    }

    /// Pushes a batch (docs/sync/push.sql): the number taken, or psql's error
    /// (the transaction then took nothing).
    pub fn try_push(&self, user: &str, records: &[Value]) -> Result<usize, String> {
        let array = serde_json::to_string(records).expect("records serialise");
        let output = if array.len() <= LARGEST_ARGUMENT {
            self.psql(
                &[("user", user), ("records", &array)],
                Script::File("push.sql"),
            )?
        } else {
            // psql's single-quoted meta-command argument: \ and ' are escaped by
            // doubling; serialised JSON holds no raw newline.
            let quoted = array.replace('\\', "\\\\").replace('\'', "''");
            let script = format!(
                "\\set records '{quoted}'\n\\i '{}'\n",
                script_path("push.sql").display()
            );
            self.psql(&[("user", user)], Script::Stdin(&script))?
        };
        output
            .trim()
            .parse()
            .map_err(|_| format!("push.sql printed {output:?}, not a count"))
    }

    /// At most `limit` of `user`'s records since `cursor` (docs/sync/pull.sql),
    /// in sequence order, and the cursor to pull since next time.
    pub fn pull(&self, user: &str, cursor: &str, limit: u32) -> (Vec<Value>, String) {
        let limit = limit.to_string();
        let output = self
            .psql(
                &[("user", user), ("cursor", cursor), ("limit", &limit)],
                Script::File("pull.sql"),
            )
            .unwrap_or_else(|error| panic!("pull for {user} failed: {error}"));
        let page: Value = serde_json::from_str(output.trim())
            .unwrap_or_else(|e| panic!("pull.sql printed {output:?}: {e}"));
        let records = page["records"].as_array().expect("records").clone();
        let cursor = page["cursor"].as_str().expect("cursor").to_string();
        (records, cursor)
    }

    /// Every row stored for `user`, in sequence order, each as
    /// `{"seq":N,"id":"…","hlc":"…","record":{…}}`.
    pub fn records_of(&self, user: &str) -> Vec<Value> {
        let output = self
            .psql(
                &[("user", user)],
                Script::Stdin(
                    "SELECT coalesce(json_agg(json_build_object('seq', seq, 'id', record_id, \
                     'hlc', hlc, 'record', record) ORDER BY seq), '[]') \
                     FROM sync_records WHERE user_id = :'user';\n",
                ),
            )
            .unwrap_or_else(|error| panic!("reading {user}'s records failed: {error}"));
        match serde_json::from_str(output.trim()) {
            Ok(Value::Array(rows)) => rows,
            _ => panic!("reading {user}'s records printed {output:?}"),
        }
    }

    /// Empties both tables (every user's records and sequence).
    pub fn reset(&self) {
        self.psql(&[], Script::Stdin("TRUNCATE sync_records, sync_users;\n"))
            .unwrap_or_else(|error| panic!("reset failed: {error}"));
    }

    /// Runs psql on the server with the variables and the script; its standard
    /// output, or its exit status and standard error.
    fn psql(&self, vars: &[(&str, &str)], script: Script) -> Result<String, String> {
        let mut command = Command::new("psql");
        command
            .args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-h", &self.host, "-p", &self.port, "-U", &self.user, "-d", &self.db,
            ]);
        for (name, value) in vars {
            command.arg("-v").arg(format!("{name}={value}"));
        }
        let input = match script {
            Script::File(name) => {
                command.arg("-f").arg(script_path(name));
                None
            }
            Script::Stdin(text) => Some(text),
        };
        command
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run psql ({e}); `./test.sh sync` puts it on PATH"))?;
        if let Some(text) = input {
            let mut stdin = child.stdin.take().expect("stdin");
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| format!("writing psql's input: {e}"))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| format!("waiting for psql: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "psql exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        String::from_utf8(output.stdout).map_err(|e| format!("psql printed non-UTF-8: {e}"))
    }
}

/// docs/sync/NAME in this checkout.
fn script_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs/sync")
        .join(name)
}
