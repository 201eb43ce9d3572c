//! No descriptor that drops a lock (issue #20, finding 8): POSIX record locks
//! belong to the process, so closing any descriptor of the database file drops
//! every lock the process's SQLite connections hold on it. Opening a second
//! engine on a file used to read the file's header through a descriptor of its
//! own and close it: the first engine's shared lock was gone (SQLite still
//! believed it held it), and another process could switch the file out of WAL
//! under both live engines, which then refused every write (1302). The
//! scenario runs in a process of its own; a third process asks the kernel
//! whether the shared lock is still held (it is, with one engine open).

mod common;

use std::process::Command;

use common::*;
use miniapp_auth::AuthEngine;

const DB_VAR: &str = "MINIAPP_AUTH_LOCK_KEEPING_DB";

#[test]
fn a_second_engine_in_one_process_keeps_the_first_ones_lock() {
    let db = TempDb::new();
    // A file that exists, closed cleanly (no -wal left): what a host reopens.
    drop(db.open(ScriptedUi::new(&[])));
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "two_engines_then_a_probe",
            "--ignored",
            "--nocapture",
        ])
        .env(DB_VAR, db.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("probe: the shared lock is held by pid"),
        "{said}"
    );
}

#[test]
#[ignore = "run in a process of its own by a_second_engine_in_one_process_..."]
fn two_engines_then_a_probe() {
    let path = std::env::var(DB_VAR).expect("started by the test above");
    let first = AuthEngine::open(path.clone(), ScriptedUi::new(&[Answer::Allow]), None).unwrap();
    let second = AuthEngine::open(path.clone(), ScriptedUi::new(&[]), None).unwrap();
    let probe = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "shared_lock_probe", "--ignored", "--nocapture"])
        .env(DB_VAR, &path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&probe.stdout);
    println!("{said}");
    // Both engines still write.
    let me = caller("u1", "wxA");
    assert!(block_on(first.authorize(me.clone(), "scope.record".into())).ok);
    assert!(block_on(second.authorize(me, "scope.record".into())).ok);
}

/// Run by `two_engines_then_a_probe` in a third process: does another process
/// hold SQLite's shared lock on the main file (the range a connection in WAL
/// mode holds while open, so that no one takes the file out of WAL)? Asked
/// with `F_GETLK`, which reports a conflicting lock without taking one.
#[cfg(unix)]
#[test]
#[ignore = "run in a process of its own by two_engines_then_a_probe"]
fn shared_lock_probe() {
    let path = std::env::var(DB_VAR).expect("started by two_engines_then_a_probe");
    // SQLite's SHARED range: PENDING_BYTE (0x40000000) + 2, 510 bytes.
    match lock_holder(&path, 0x4000_0002, 510) {
        None => println!("probe: the shared lock is free"),
        Some(pid) => println!("probe: the shared lock is held by pid {pid}"),
    }
}

const STOPPED_VAR: &str = "MINIAPP_AUTH_STOPPED_OPENER_DB";

/// Finding 7: `<db>-open-lock` was a blocking `flock` with no deadline; with
/// the process holding it stopped (SIGSTOP, or Android's cached-app freezer),
/// every other process's open waited forever, saying nothing.
#[cfg(unix)]
#[test]
fn a_stopped_opener_gives_others_a_clear_error_not_a_wait_without_end() {
    let db = TempDb::new();
    let mut opener = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "open_and_stop_inside_the_lock", "--ignored"])
        .env(STOPPED_VAR, db.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = format!("{}-open-lock", db.path());
    let pid = opener.id().to_string();
    eventually("the opener holds the lock and stops", || {
        std::fs::read_to_string(&lock).is_ok_and(|holder| holder == pid)
            && std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| stat.split_whitespace().nth(2) == Some("T"))
    });
    miniapp_auth::set_open_lock_wait(std::time::Duration::from_millis(300));
    let refused = AuthEngine::open(db.path(), ScriptedUi::new(&[]), None);
    let error = refused.err().expect("the open is refused").to_string();
    assert!(
        error.contains(&format!("process {pid} has been opening it"))
            && error.contains("-open-lock"),
        "{error}"
    );
    // Once the opener goes, the file opens.
    opener.kill().unwrap();
    opener.wait().unwrap();
    let engine = AuthEngine::open(db.path(), ScriptedUi::new(&[]), None).unwrap();
    assert!(engine.list_users().unwrap().is_empty());
}

#[cfg(unix)]
#[test]
#[ignore = "run in a process of its own by a_stopped_opener_gives_others_..."]
fn open_and_stop_inside_the_lock() {
    let path = std::env::var(STOPPED_VAR).expect("started by the test above");
    miniapp_auth::stop_inside_next_open_lock();
    let _engine = AuthEngine::open(path, ScriptedUi::new(&[]), None).unwrap();
}
