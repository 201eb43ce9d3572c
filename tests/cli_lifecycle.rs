//! Lifetimes, soft denial, the dismissal embargo, maintenance and the consent
//! log through the real bridge, on its manual clock (`--clock-start-ms`).

mod common;

use std::process::Command;

use common::bridge::{Bridge, BIN};
use common::{DAY, HOUR, T0};
use serde_json::{json, Value};

fn call(bridge: &mut Bridge, id: u32, api: &str, args: Value) {
    bridge
        .send(&json!({"id": id, "user": "u1", "app": "wxA", "api": api, "args": args}).to_string());
}

fn authorize(bridge: &mut Bridge, id: u32, scope: &str) {
    call(bridge, id, "authorize", json!({ "scope": scope }));
}

fn ok(id: u32) -> Value {
    json!({"id": id, "result": {"errMsg": "authorize:ok"}})
}

fn denied(id: u32) -> Value {
    json!({"id": id, "result": {"errMsg": "authorize:fail auth deny", "errno": 103}})
}

#[test]
fn allow_once_and_allow_until_through_the_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    let start = T0.to_string();
    let mut bridge = Bridge::start_with(&db, &["--clock-start-ms", &start]);

    authorize(&mut bridge, 1, "scope.record");
    let event = bridge.recv();
    bridge.decide(&event, "allowOnce");
    assert_eq!(bridge.recv(), ok(1));
    authorize(&mut bridge, 2, "scope.record");
    assert_eq!(bridge.recv(), ok(2), "no second dialog in this run");
    bridge.send(r#"{"id":3,"op":"endRun","user":"u1","app":"wxA"}"#);
    assert_eq!(bridge.recv(), json!({"id": 3, "ok": true}));
    authorize(&mut bridge, 4, "scope.record");
    let event = bridge.recv();
    assert_eq!(event["event"], "consent", "the run ended: asked again");
    bridge.send(
        &json!({"prompt": event["prompt"], "decision": "allowUntil", "until": T0 + HOUR})
            .to_string(),
    );
    assert_eq!(bridge.recv(), ok(4));

    bridge.send(&json!({"id": 5, "op": "advanceClock", "ms": HOUR}).to_string());
    assert_eq!(
        bridge.recv(),
        json!({"id": 5, "ok": true, "nowMs": T0 + HOUR})
    );
    call(&mut bridge, 6, "getSetting", json!({}));
    assert!(
        bridge.recv()["result"]["authSetting"]
            .get("scope.record")
            .is_none(),
        "ended"
    );
    // getSetting saw it ended and stored that (issue #11 item 12: a clock set
    // back later must not revive it), so maintenance finds nothing left to end;
    // `lifecycle.rs` has maintenance ending a grant nobody looked at.
    bridge.send(r#"{"id":7,"op":"maintenance"}"#);
    assert_eq!(
        bridge.recv(),
        json!({"id": 7, "ok": true, "revokedUnused": 0, "removedExpired": 0})
    );
    // A malformed allowUntil leaves the dialog open.
    authorize(&mut bridge, 8, "scope.camera");
    let event = bridge.recv();
    bridge.send(&json!({"prompt": event["prompt"], "decision": "allowUntil"}).to_string());
    assert!(bridge.recv()["error"]
        .as_str()
        .unwrap()
        .contains("allowUntil"));
    bridge.decide(&event, "dismiss");
    assert_eq!(bridge.recv()["result"]["errno"], 1101);
    assert_eq!(bridge.finish().1, 0);

    // The decisions are in the consent log, and it verifies.
    let out = Command::new(BIN)
        .args(["audit", "export", "--db", &db, "--user", "u1"])
        .output()
        .unwrap();
    let export: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lifetimes: Vec<(&str, Option<&str>)> = export["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["decision"].as_str().unwrap(), r["lifetime"].as_str()))
        .collect();
    assert_eq!(
        lifetimes,
        vec![
            ("granted", Some("once")),
            ("granted", Some("until")),
            ("expired", None)
        ]
    );
    let verify = Command::new(BIN)
        .args(["audit", "verify", "--db", &db])
        .output()
        .unwrap();
    assert!(verify.status.success());
}

#[test]
fn soft_denial_and_the_dismissal_embargo_through_the_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    let start = T0.to_string();
    let mut bridge = Bridge::start_with(
        &db,
        &[
            "--clock-start-ms",
            &start,
            "--deny-policy",
            "soft",
            "--max-dismissals",
            "2",
        ],
    );
    for id in [1, 2] {
        authorize(&mut bridge, id, "scope.camera");
        let event = bridge.recv();
        assert_eq!(event["event"], "consent");
        bridge.decide(&event, "deny");
        assert_eq!(bridge.recv(), denied(id));
    }
    authorize(&mut bridge, 3, "scope.camera");
    assert_eq!(bridge.recv(), denied(3), "the second denial sticks");

    for id in [4, 5] {
        authorize(&mut bridge, id, "scope.record");
        let event = bridge.recv();
        bridge.decide(&event, "dismiss");
        assert_eq!(bridge.recv()["result"]["errno"], 1101);
    }
    authorize(&mut bridge, 6, "scope.record");
    assert_eq!(
        bridge.recv()["result"]["errno"],
        1111,
        "embargo after two dismissals"
    );
    bridge.send(&json!({"id": 7, "op": "advanceClock", "ms": 7 * DAY}).to_string());
    assert_eq!(bridge.recv()["ok"], true);
    authorize(&mut bridge, 8, "scope.record");
    let event = bridge.recv();
    assert_eq!(event["event"], "consent", "the embargo ended");
    bridge.decide(&event, "allow");
    assert_eq!(bridge.recv(), ok(8));
    assert_eq!(bridge.finish().1, 0);
}

#[test]
fn auto_revoke_through_the_bridge_and_policy_options_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    let start = T0.to_string();
    let mut bridge = Bridge::start_with(
        &db,
        &[
            "--clock-start-ms",
            &start,
            "--auto-revoke-unused-days",
            "30",
        ],
    );
    authorize(&mut bridge, 1, "scope.record");
    let event = bridge.recv();
    bridge.decide(&event, "allow");
    assert_eq!(bridge.recv(), ok(1));
    bridge.send(&json!({"id": 2, "op": "advanceClock", "ms": 31 * DAY}).to_string());
    bridge.recv();
    bridge.send(r#"{"id":3,"op":"maintenance"}"#);
    assert_eq!(
        bridge.recv(),
        json!({"id": 3, "ok": true, "revokedUnused": 1, "removedExpired": 0})
    );
    assert_eq!(bridge.finish().1, 0);

    // Without --clock-start-ms the clock cannot be moved.
    let mut plain = Bridge::start(&db);
    plain.send(r#"{"id":1,"op":"advanceClock","ms":5}"#);
    assert!(plain.recv()["error"]
        .as_str()
        .unwrap()
        .contains("--clock-start-ms"));
    assert_eq!(plain.finish().1, 0);
    for bad in [
        vec!["--deny-policy", "gentle"],
        vec!["--max-denials", "-1"],
        vec!["--clock-start-ms", "noon"],
        vec!["--reconsent-on-change", "sometimes"],
        vec!["--privacy-refusal-gap-ms", "ten"],
        vec!["--combined-privacy-dialog", "maybe"],
    ] {
        let out = Command::new(BIN)
            .args(["bridge", "--db", &db])
            .args(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty());
    }
}

/// The privacy policies through the bridge: WeChat's 10 s gap after a refusal
/// by default, and `--privacy-refusal-gap-ms 0` asking again at once.
#[test]
fn the_privacy_refusal_gap_through_the_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    let register = r#"{"id":1,"op":"register","app":"wxA","manifest":{"privacy":{"contractName":"Guide","version":"1","scopes":["scope.record"]}}}"#;
    let start = T0.to_string();
    for (gap, prompts_again) in [(None, false), (Some("0"), true)] {
        let mut extra = vec!["--clock-start-ms", start.as_str()];
        if let Some(gap) = gap {
            extra.extend(["--privacy-refusal-gap-ms", gap]);
        }
        let mut bridge = Bridge::start_with(&db, &extra);
        bridge.send(register);
        assert_eq!(bridge.recv()["ok"], true);
        authorize(&mut bridge, 2, "scope.record");
        let event = bridge.recv();
        assert_eq!(event["event"], "privacy");
        bridge.decide(&event, "disagree");
        assert_eq!(bridge.recv()["result"]["errno"], 104);
        authorize(&mut bridge, 3, "scope.record");
        let next = bridge.recv();
        if prompts_again {
            assert_eq!(next["event"], "privacy", "{next}");
            bridge.decide(&next, "disagree");
            assert_eq!(bridge.recv()["result"]["errno"], 104);
        } else {
            assert_eq!(
                next["result"]["errno"], 104,
                "no prompt inside the gap: {next}"
            );
            bridge.send(&json!({"id": 4, "op": "advanceClock", "ms": 10_000}).to_string());
            assert_eq!(bridge.recv()["ok"], true);
            authorize(&mut bridge, 5, "scope.record");
            let after = bridge.recv();
            assert_eq!(
                after["event"], "privacy",
                "asked again after the gap: {after}"
            );
            bridge.decide(&after, "disagree");
            assert_eq!(bridge.recv()["result"]["errno"], 104);
        }
        assert_eq!(bridge.finish().1, 0);
    }
}
