//! Several processes on one database (issue #5): Android runs mini apps in their
//! own processes. Six bridge processes decide concurrently; no call fails with a
//! busy database, nothing is lost, and a decision made in one process is seen by
//! the others on their very next call, even where they had read (and cached) the
//! old state.

mod common;

use common::bridge::Bridge;
use serde_json::{json, Value};

const PROCESSES: usize = 6;
const DECISIONS_EACH: usize = 30;

fn call(bridge: &mut Bridge, id: usize, user: &str, api: &str, args: Value) -> Value {
    bridge.send(
        &json!({"id": id, "user": user, "app": "wxShared", "api": api, "args": args}).to_string(),
    );
    bridge.recv()
}

#[test]
fn six_processes_decide_concurrently_and_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    let workers: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut bridge = Bridge::start(&db);
                let mut failures = Vec::new();
                for d in 0..DECISIONS_EACH {
                    let user = format!("p{p}-u{d}");
                    bridge.send(
                        &json!({"id": d, "user": user, "app": "wxShared", "api": "authorize",
                                        "args": {"scope": "scope.record"}})
                        .to_string(),
                    );
                    let event = bridge.recv();
                    bridge.decide(&event, if d % 2 == 0 { "allow" } else { "deny" });
                    let result = bridge.recv();
                    let expected = if d % 2 == 0 {
                        "authorize:ok"
                    } else {
                        "authorize:fail auth deny"
                    };
                    if result["result"]["errMsg"] != expected {
                        failures.push(result);
                    }
                }
                (bridge.finish().1, failures)
            })
        })
        .collect();
    for worker in workers {
        let (code, failures) = worker.join().unwrap();
        assert_eq!(code, 0);
        assert!(
            failures.is_empty(),
            "calls failed under contention: {failures:?}"
        );
    }
    // Nothing lost: every decision of every process is in the file.
    let mut reader = Bridge::start(&db);
    for p in 0..PROCESSES {
        for d in 0..DECISIONS_EACH {
            let user = format!("p{p}-u{d}");
            let setting = call(&mut reader, d, &user, "getSetting", json!({}));
            assert_eq!(
                setting["result"]["authSetting"]["scope.record"],
                json!(d % 2 == 0),
                "{user}"
            );
        }
    }

    // Visibility: the reader has cached "unasked" for u-new; another process grants;
    // the reader's next call sees it. Then a revocation elsewhere, the same way.
    let before = call(&mut reader, 1, "u-new", "getSetting", json!({}));
    assert!(before["result"]["authSetting"]
        .get("scope.camera")
        .is_none());
    let mut writer = Bridge::start(&db);
    writer.send(r#"{"id":1,"user":"u-new","app":"wxShared","api":"authorize","args":{"scope":"scope.camera"}}"#);
    let event = writer.recv();
    writer.decide(&event, "allow");
    assert_eq!(writer.recv()["result"]["errMsg"], "authorize:ok");
    let after = call(
        &mut reader,
        2,
        "u-new",
        "authorize",
        json!({"scope": "scope.camera"}),
    );
    assert_eq!(
        after["result"]["errMsg"], "authorize:ok",
        "seen on the next call, no dialog"
    );
    assert_eq!(writer.finish().1, 0);
    let status = std::process::Command::new(common::bridge::BIN)
        .args([
            "grants",
            "set",
            "--db",
            &db,
            "--user",
            "u-new",
            "--app",
            "wxShared",
            "--scope",
            "scope.camera",
            "--state",
            "denied",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let revoked = call(
        &mut reader,
        3,
        "u-new",
        "authorize",
        json!({"scope": "scope.camera"}),
    );
    assert_eq!(revoked["result"]["errMsg"], "authorize:fail auth deny");
    assert_eq!(reader.finish().1, 0);

    let verify = std::process::Command::new(common::bridge::BIN)
        .args(["audit", "verify", "--db", &db])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["records"], json!(PROCESSES * DECISIONS_EACH + 2));
}
