//! The JSON-lines bridge's framing (SPEC §6), over the real binary and real
//! pipes: a line that mixes kinds is malformed and changes nothing; a reply
//! echoes its `id` exactly as it was sent; the manual clock cannot be wound
//! into negative time.

mod common;

use common::bridge::{Bridge, BIN};
use common::TempDb;
use serde_json::{json, Value};

/// A call needing a dialog, its event, and the prompt it opened.
fn open_dialog(bridge: &mut Bridge) -> Value {
    bridge.send(
        r#"{"id":1,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.record"}}"#,
    );
    let event = bridge.recv();
    assert_eq!(event["event"], "consent", "{event}");
    event
}

#[test]
fn a_line_mixing_a_call_with_a_prompt_or_an_op_is_malformed_and_changes_nothing() {
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    let event = open_dialog(&mut bridge);
    let prompt = event["prompt"].clone();
    // A call that also answers someone else's dialog.
    bridge.send(
        &json!({"id": 2, "user": "u1", "app": "wxA", "api": "authorize",
                "args": {"scope": "scope.camera"}, "prompt": prompt, "decision": "allow"})
        .to_string(),
    );
    let reply = bridge.recv();
    assert_eq!(reply["id"], 2, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("mixes"),
        "{reply}"
    );
    // A call that also carries an op.
    bridge.send(r#"{"id":3,"op":"endRun","user":"u1","app":"wxA","api":"getSetting"}"#);
    let reply = bridge.recv();
    assert_eq!(reply["id"], 3, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("mixes"),
        "{reply}"
    );
    // An op that also answers a dialog.
    bridge.send(
        &json!({"id": 4, "op": "maintenance", "prompt": prompt, "decision": "allow"}).to_string(),
    );
    let reply = bridge.recv();
    assert_eq!(reply["id"], 4, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("mixes"),
        "{reply}"
    );
    // The dialog is still open, and its own answer still decides it.
    bridge.send(&json!({"prompt": prompt, "decision": "deny"}).to_string());
    let answer = bridge.recv();
    assert_eq!(
        answer,
        json!({"id": 1, "result": {"errMsg": "authorize:fail auth deny", "errno": 103}})
    );
    let (rest, code) = bridge.finish();
    assert_eq!((rest, code), (vec![], 0));
    // Nothing was granted by the mixed lines.
    let out = std::process::Command::new(BIN)
        .args(["grants", "list", "--db", &db.path(), "--user", "u1"])
        .output()
        .unwrap();
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(!listed.contains("scope.camera"), "{listed}");
    assert!(listed.contains(r#""state":"denied""#), "{listed}");
}

#[test]
fn replies_echo_the_id_exactly_as_sent() {
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    for id in [
        r#"{"seq":7,"tab":"a"}"#,
        r#"[1,"two",null]"#,
        "123456789012345678901234567890",
        "-0.000001",
        r#""text id""#,
        "1.0",
    ] {
        bridge.send(&format!(
            r#"{{"id":{id},"user":"u1","app":"wxA","api":"getPrivacySetting"}}"#
        ));
        let line = bridge.recv_line();
        assert!(
            line.starts_with(&format!(r#"{{"id":{id},"result":"#)),
            "sent id {id}, got {line}"
        );
        bridge.send(&format!(r#"{{"id":{id},"op":"maintenance"}}"#));
        let line = bridge.recv_line();
        assert!(
            line.starts_with(&format!(r#"{{"id":{id},"#)),
            "sent id {id}, got {line}"
        );
        bridge.send(&format!(r#"{{"id":{id},"op":"explode"}}"#));
        let line = bridge.recv_line();
        assert!(
            line.starts_with(&format!(r#"{{"id":{id},"error":"#)),
            "sent id {id}, got {line}"
        );
    }
    assert_eq!(bridge.finish().1, 0);
}

#[test]
fn the_manual_clock_never_wraps_into_negative_time() {
    let db = TempDb::new();
    let mut bridge = Bridge::start_with(&db.path(), &["--clock-start-ms", "1000"]);
    let max = i64::MAX.to_string();
    bridge.send(&format!(r#"{{"id":1,"op":"advanceClock","ms":{max}}}"#));
    let reply = bridge.recv();
    assert!(reply["error"].is_string(), "{reply}");
    bridge.send(r#"{"id":2,"op":"advanceClock","ms":5}"#);
    let reply = bridge.recv();
    assert_eq!(reply, json!({"id": 2, "ok": true, "nowMs": 1005}));
    assert_eq!(bridge.finish().1, 0);
}
