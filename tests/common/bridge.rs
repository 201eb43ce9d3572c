//! The real `miniapp-auth bridge` over pipes, for the CLI tests.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_miniapp-auth");

pub struct Bridge {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Bridge {
    pub fn start(db: &str) -> Bridge {
        Self::start_with(db, &[])
    }

    /// Starts `miniapp-auth bridge --db DB EXTRA...`.
    pub fn start_with(db: &str, extra: &[&str]) -> Bridge {
        let mut child = Command::new(BIN)
            .args(["bridge", "--db", db])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        Bridge {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Answers the dialog of `event` with `decision`.
    pub fn decide(&mut self, event: &Value, decision: &str) {
        self.send(&json!({"prompt": event["prompt"], "decision": decision}).to_string());
    }

    pub fn recv(&self) -> Value {
        let line = self.recv_line();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
    }

    /// The next line, as the bridge wrote it.
    pub fn recv_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the bridge answered in time")
    }

    /// Kills the process with SIGKILL, as a crash or the OS's low-memory killer
    /// would, and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Closes stdin and returns what was still written, and the exit code.
    pub fn finish(mut self) -> (Vec<Value>, i32) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        let rest = self
            .lines
            .iter()
            .map(|l| serde_json::from_str(&l).unwrap())
            .collect();
        (rest, status.code().unwrap_or(-1))
    }
}

/// Another process writing the file: the real CLI's `grants set` (state
/// `granted` or `denied`); panics if it fails.
pub fn cli_set_grant(db: &str, user: &str, app: &str, scope: &str, state: &str) {
    let status = Command::new(BIN)
        .args(["grants", "set", "--db", db, "--user", user, "--app", app])
        .args(["--scope", scope, "--state", state])
        .status()
        .unwrap();
    assert!(status.success(), "miniapp-auth grants set: {status}");
}
