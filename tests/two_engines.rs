//! Hosts open an engine per screen: two engines on one file in one process must
//! be safe when one of them is dropped while another process uses the file.
//! (POSIX record locks belong to the process: closing any descriptor of the
//! WAL-index file used to drop SQLite's locks of the surviving engine too, the
//! next process to open the file truncated the WAL-index under it, and the
//! survivor died of SIGBUS.) The scenario runs in a process of its own, so that
//! a crash is seen as a failure rather than taking the test runner down.

mod common;

use std::process::Command;

use common::bridge::BIN;
use common::*;
use miniapp_auth::AuthEngine;

const DB_VAR: &str = "MINIAPP_AUTH_TWO_ENGINES_DB";

/// What the scenario prints once every step of it passed.
const SURVIVED: &str = "survivor: every step passed";

#[test]
fn dropping_one_of_two_engines_on_a_file_leaves_the_other_working() {
    let db = TempDb::new();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "survivor", "--ignored", "--nocapture"])
        .env(DB_VAR, db.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the surviving engine's process: {}\n{said}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // The scenario ran to its end (a renamed or filtered-out test would exit 0
    // having run nothing).
    assert!(said.contains(SURVIVED), "{said}");
}

#[test]
#[ignore = "run in a process of its own by dropping_one_of_two_engines_..."]
fn survivor() {
    let path = std::env::var(DB_VAR).expect("started by the test above");
    let first = AuthEngine::open(path.clone(), ScriptedUi::new(&[Answer::Allow]), None).unwrap();
    let survivor = AuthEngine::open(path.clone(), ScriptedUi::new(&[]), None).unwrap();
    let me = caller("u1", "wxA");
    assert!(block_on(first.authorize(me.clone(), "scope.record".into())).ok);
    assert!(block_on(survivor.authorize(me.clone(), "scope.record".into())).ok);
    drop(first);
    // Deterministically, without waiting for a SIGBUS: SQLite's shared "DMS"
    // lock on the WAL-index must still be this process's, or the next process
    // to open the file thinks it is alone and truncates the WAL-index.
    let probe = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "dms_lock_probe", "--ignored", "--nocapture"])
        .env(DB_VAR, &path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&probe.stdout);
    assert!(
        said.contains("DMS lock held by another process"),
        "after dropping one engine, its process no longer holds SQLite's lock on the WAL-index: {said}"
    );
    // Another process opens the file, decides, and closes it.
    for user in ["u2", "u3"] {
        let set = Command::new(BIN)
            .args([
                "grants", "set", "--db", &path, "--user", user, "--app", "wxA",
            ])
            .args(["--scope", "scope.camera", "--state", "denied"])
            .status()
            .unwrap();
        assert!(set.success());
        assert!(block_on(survivor.authorize(me.clone(), "scope.record".into())).ok);
        assert_eq!(
            survivor.list_grants(user.into(), None).unwrap().len(),
            1,
            "the survivor sees the other process's decision"
        );
    }
    // The other way: a process that keeps the file open sees the survivor's
    // decisions, and the survivor sees its own.
    let mut bridge = common::bridge::Bridge::start(&path);
    for (i, user) in ["u4", "u5", "u6"].into_iter().enumerate() {
        survivor
            .set_grant(user.into(), "wxA".into(), None, "scope.camera".into(), true)
            .unwrap();
        bridge.send(&format!(
            r#"{{"id":{i},"user":"{user}","app":"wxA","api":"authorize","args":{{"scope":"scope.camera"}}}}"#
        ));
        let answer = bridge.recv();
        assert_eq!(answer["result"]["errMsg"], "authorize:ok", "{answer}");
        let listed = Command::new(BIN)
            .args(["grants", "list", "--db", &path, "--user", user])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&listed.stdout).contains("scope.camera"));
    }
    let (_, code) = bridge.finish();
    assert_eq!(code, 0);
    assert!(block_on(survivor.authorize(me, "scope.record".into())).ok);
    println!("{SURVIVED}");
}

/// Run by `survivor` in a process of its own: can another process take the
/// WAL-index's "DMS" byte exclusively? (SQLite's `UNIX_SHM_DMS`: byte 128 of
/// `<db>-shm`; every connection holds it shared while open.)
#[cfg(unix)]
#[test]
#[ignore = "run in a process of its own by survivor"]
fn dms_lock_probe() {
    let path = std::env::var(DB_VAR).expect("started by survivor");
    match lock_holder(&format!("{path}-shm"), 128, 1) {
        None => println!("DMS lock free: no other process holds it"),
        Some(pid) => println!("DMS lock held by another process (pid {pid})"),
    }
}
