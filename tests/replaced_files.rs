//! The database's `-wal` and `-shm` files removed (or replaced) under a running
//! process (issue #11, item 7). SQLite keeps using its open descriptors of the
//! removed files, so the process's writes would reach a file no other process
//! will ever read: an acknowledged decision that is lost. The store notices the
//! files changing under it (their identity, or a link count of zero) and refuses
//! with a clear error instead of acknowledging.

mod common;

use std::process::Command;

use common::bridge::BIN;
use common::*;
use miniapp_auth::AuthError;

/// What another process sees: `grants list` (read-only) of the file.
fn seen_by_another_process(db: &TempDb) -> String {
    let out = Command::new(BIN)
        .args(["grants", "list", "--db", &db.path()])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn remove_sidecars(db: &TempDb, which: &[&str]) {
    for suffix in which {
        let path = format!("{}{suffix}", db.path());
        std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

fn refused_after_removing(which: &[&str]) {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    remove_sidecars(&db, which);
    let after = engine.set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true);
    match after {
        Err(AuthError::Storage { reason }) => {
            assert!(
                reason.contains("removed or replaced"),
                "{which:?}: unclear error: {reason}"
            );
        }
        Ok(()) => panic!(
            "{which:?}: a grant was acknowledged that no other process sees: {}",
            seen_by_another_process(&db)
        ),
        Err(other) => panic!("{which:?}: {other:?}"),
    }
    // A mini-app call answers in the dialect, and grants nothing new.
    let result = block_on(engine.get_setting(caller("u1", "wxA"), false));
    if result.ok {
        assert_ne!(
            auth_setting(&result.json).get("scope.record"),
            Some(&serde_json::Value::Bool(true))
        );
    }
}

#[test]
fn a_removed_wal_file_is_noticed_and_nothing_more_is_acknowledged() {
    refused_after_removing(&["-wal"]);
}

#[test]
fn a_removed_shm_file_is_noticed_and_nothing_more_is_acknowledged() {
    refused_after_removing(&["-shm"]);
}

#[test]
fn both_removed_and_recreated_by_another_process_are_noticed() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    remove_sidecars(&db, &["-wal", "-shm"]);
    // Another process opens the file and writes: new -wal and -shm files.
    let out = Command::new(BIN)
        .args([
            "grants",
            "set",
            "--db",
            &db.path(),
            "--user",
            "u2",
            "--app",
            "wxB",
            "--scope",
            "scope.werun",
            "--state",
            "granted",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = engine.set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true);
    assert!(
        matches!(&after, Err(AuthError::Storage { reason }) if reason.contains("removed or replaced")),
        "{after:?}; another process sees: {}",
        seen_by_another_process(&db)
    );
}

/// A process that lost its `-wal`/`-shm` changes nothing on the way out (issue
/// #20): it used to checkpoint its old log into the file and delete the `-wal`
/// by name on close — the new one, holding a decision another process had
/// acknowledged meanwhile, lost once both exited.
#[test]
fn a_process_that_lost_its_sidecars_leaves_another_processs_decision_on_close() {
    for lost in [&["-shm"][..], &["-wal", "-shm"][..]] {
        let db = TempDb::new();
        let engine = db.open(ScriptedUi::new(&[]));
        engine
            .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
            .unwrap();
        remove_sidecars(&db, lost);
        // Another process, kept running, acknowledges a decision.
        let mut bridge = common::bridge::Bridge::start(&db.path());
        bridge.send(
            r#"{"id":1,"user":"u2","app":"wxB","api":"authorize","args":{"scope":"scope.record"}}"#,
        );
        let event = bridge.recv();
        assert_eq!(event["event"], "consent", "{lost:?}: {event}");
        bridge.decide(&event, "allow");
        assert_eq!(
            bridge.recv(),
            serde_json::json!({"id": 1, "result": {"errMsg": "authorize:ok"}}),
            "{lost:?}"
        );
        // The other process exits first (the lost one's lock kept it from
        // checkpointing: its decision is in its -wal), then the lost one closes.
        let (_, code) = bridge.finish();
        assert_eq!(code, 0);
        drop(engine);
        let fresh = db.open(ScriptedUi::new(&[]));
        assert_eq!(
            fresh
                .list_grants("u2".into(), None)
                .unwrap()
                .iter()
                .map(|g| g.scope.as_str())
                .collect::<Vec<_>>(),
            ["scope.record"],
            "{lost:?}: the acknowledged decision survives both exits"
        );
    }
}

/// The main file removed under a running process (issue #20): the process
/// refuses every write from then on (its writes would reach a file no one else
/// opens), and a second process starts beside it — it used to fail with "disk
/// I/O error" on the first process's `-wal`/`-shm` — and keeps what it decides
/// after both exit.
#[test]
fn a_second_process_starts_while_the_main_file_was_removed_under_the_first() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    std::fs::remove_file(db.path()).unwrap();
    let after = engine.set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true);
    assert!(
        matches!(&after, Err(AuthError::Storage { reason }) if reason.contains("removed or replaced")),
        "{after:?}"
    );
    common::bridge::cli_set_grant(&db.path(), "u2", "wxB", "scope.werun", "granted");
    assert!(seen_by_another_process(&db).contains("scope.werun"));
    drop(engine);
    let seen = seen_by_another_process(&db);
    assert!(seen.contains("scope.werun"), "after both exit: {seen}");
    // The first process's sidecars were kept aside, not deleted.
    let kept: Vec<String> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".orphaned-"))
        .collect();
    assert!(!kept.is_empty(), "{kept:?}");
}
