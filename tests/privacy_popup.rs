//! The mini app's own privacy popup (issue #12, SPEC §3, §4, §7): the privacy
//! prompt names the API that needs the agreement (`referrer` of WeChat's
//! `onNeedPrivacyAuthorization` eventInfo: "触发本次 onNeedPrivacyAuthorization
//! 事件的接口或组件名", developers.weixin.qq.com …/api/open-api/privacy/wx.onNeedPrivacyAuthorization.html),
//! and a tap on the mini app's `<button open-type="agreePrivacyAuthorization">`
//! reaches the core as the `agreePrivacyAuthorization` call and is recorded
//! like any other agreement.

mod common;

use common::*;
use serde_json::Value;

fn contract_manifest() -> String {
    manifest(Some(("1", &["scope.userLocation", "scope.record"])))
}

fn handle(engine: &miniapp_auth::AuthEngine, who: miniapp_auth::Caller, call: &str) -> Value {
    serde_json::from_str(&block_on(engine.handle(who, call.into()))).unwrap()
}

#[test]
fn the_privacy_prompt_names_the_api_that_needs_the_agreement() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Disagree]);
    let engine = db.open_with(
        ui.clone(),
        miniapp_auth::EngineConfig {
            privacy_refusal_gap_ms: 0,
            ..Default::default()
        },
    );
    engine
        .register_manifest("wxA".into(), contract_manifest())
        .unwrap();
    assert!(!block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into())).ok);
    ui.push(&[Answer::Disagree]);
    assert!(!block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    let referrers: Vec<String> = ui
        .shown
        .lock()
        .unwrap()
        .iter()
        .filter_map(|shown| match shown {
            Shown::Privacy(request) => Some(request.referrer.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(referrers, ["getLocation", "authorize"]);
}

#[test]
fn the_agree_button_records_the_agreement_and_needs_a_tap() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), contract_manifest())
        .unwrap();
    let me = caller("u1", "wxA");
    let call = r#"{"api":"agreePrivacyAuthorization","args":{"buttonId":"agree-btn"}}"#;
    assert_eq!(
        handle(&engine, me.clone(), call),
        serde_json::json!({
            "errMsg": "agreePrivacyAuthorization:fail can only be invoked by user TAP gesture.",
            "errno": 1105
        })
    );
    let before: Value =
        serde_json::from_str(&block_on(engine.get_privacy_setting(me.clone())).json).unwrap();
    assert_eq!(before["needAuthorization"], true);

    assert_eq!(
        handle(&engine, me.clone().with_tap(), call),
        serde_json::json!({"errMsg": "agreePrivacyAuthorization:ok"})
    );
    let after: Value =
        serde_json::from_str(&block_on(engine.get_privacy_setting(me.clone())).json).unwrap();
    assert_eq!(
        after["needAuthorization"], false,
        "the agreement counts at once"
    );
    // No second, host-side popup: the next gated call asks only about the scope.
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    let shown = ui.shown.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(matches!(shown[0], Shown::Scope(_)));
    // Recorded like any other agreement, saying how it was given.
    let records = engine.consent_records(Some("u1".into())).unwrap();
    assert_eq!(records[0].decision, "agreed");
    assert_eq!(records[0].source, "privacy-button");
    assert_eq!(records[0].contract_version.as_deref(), Some("1"));
    assert_eq!(
        records[0].scopes.as_deref(),
        Some(&["scope.userLocation".to_string(), "scope.record".to_string()][..])
    );
}

#[test]
fn the_agree_button_without_a_contract_or_with_bad_arguments_is_refused() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    let me = caller("u1", "wxA").with_tap();
    assert_eq!(
        handle(
            &engine,
            me.clone(),
            r#"{"api":"agreePrivacyAuthorization","args":{"buttonId":"b"}}"#
        ),
        serde_json::json!({"errMsg": "agreePrivacyAuthorization:fail no privacy contract", "errno": 1110})
    );
    engine
        .register_manifest("wxA".into(), contract_manifest())
        .unwrap();
    let bad = handle(
        &engine,
        me.clone(),
        r#"{"api":"agreePrivacyAuthorization","args":{"buttonId":7}}"#,
    );
    assert_eq!(bad["errno"], 1001, "{bad}");
    assert!(
        engine.consent_records(None).unwrap().is_empty(),
        "nothing recorded"
    );
    // The button id is optional (WeChat's runtime may not send one).
    assert_eq!(
        handle(
            &engine,
            me,
            r#"{"api":"agreePrivacyAuthorization","args":{}}"#
        )["errMsg"],
        "agreePrivacyAuthorization:ok"
    );
}

/// Through the JSON-lines bridge: the privacy event names the `referrer`, it may
/// be answered with the mini app's `buttonId`, and the agree button is a call.
#[test]
fn the_bridge_carries_the_referrer_and_the_agree_button() {
    use common::bridge::Bridge;
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    bridge.send(
        r#"{"id":1,"op":"register","app":"wxA","manifest":{"privacy":{"contractName":"Guide","version":"1","scopes":["scope.record"]}}}"#,
    );
    assert_eq!(bridge.recv()["ok"], true);
    bridge.send(
        r#"{"id":2,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.record"}}"#,
    );
    let event = bridge.recv();
    assert_eq!(event["event"], "privacy");
    assert_eq!(event["referrer"], "authorize", "{event}");
    bridge.send(
        &serde_json::json!({"prompt": event["prompt"], "decision": "agree", "buttonId": "agree-btn"})
            .to_string(),
    );
    let consent = bridge.recv();
    assert_eq!(consent["event"], "consent", "{consent}");
    bridge.decide(&consent, "allow");
    assert_eq!(bridge.recv()["result"]["errMsg"], "authorize:ok");
    // Another user agrees through the mini app's own button, which the
    // runtime reports on its own channel.
    bridge.send(r#"{"id":3,"user":"u2","app":"wxA","api":"agreePrivacyAuthorization","args":{"buttonId":"b"},"tap":true,"from":"runtime"}"#);
    assert_eq!(
        bridge.recv()["result"]["errMsg"],
        "agreePrivacyAuthorization:ok"
    );
    bridge.send(r#"{"id":4,"user":"u2","app":"wxA","api":"getPrivacySetting","args":{}}"#);
    assert_eq!(bridge.recv()["result"]["needAuthorization"], false);
    assert_eq!(bridge.finish().1, 0);
}

/// The bridge keeps the runtime's channel apart from the mini app's (#22, SPEC
/// §7): a call line is the page's unless it says `"from":"runtime"`, and a
/// page's `agreePrivacyAuthorization` — the mini app claiming a tap on its
/// agree button — is refused (100) and records nothing, tap or no tap.
#[test]
fn the_bridge_refuses_a_pages_claim_of_an_agree_tap() {
    use common::bridge::Bridge;
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    bridge.send(
        r#"{"id":1,"op":"register","app":"wxA","manifest":{"privacy":{"contractName":"Guide","version":"1","scopes":["scope.record"]}}}"#,
    );
    assert_eq!(bridge.recv()["ok"], true);
    for from in ["", r#","from":"page""#] {
        bridge.send(&format!(
            r#"{{"id":2,"user":"u1","app":"wxA","api":"agreePrivacyAuthorization","args":{{"buttonId":"agree-btn"}},"tap":true{from}}}"#
        ));
        assert_eq!(
            bridge.recv()["result"],
            serde_json::json!({"errMsg": "agreePrivacyAuthorization:fail api is not supported", "errno": 100})
        );
    }
    bridge.send(r#"{"id":3,"user":"u1","app":"wxA","api":"getPrivacySetting","args":{}}"#);
    assert_eq!(bridge.recv()["result"]["needAuthorization"], true);
    // Neither anything else.
    bridge.send(r#"{"id":4,"user":"u1","app":"wxA","api":"getPrivacySetting","from":"host"}"#);
    let refused = bridge.recv();
    assert_eq!(refused["id"], 4);
    assert_eq!(
        refused["error"], r#"from must be "page" or "runtime""#,
        "{refused}"
    );
    // The runtime's report of the tap records the agreement.
    bridge.send(r#"{"id":5,"user":"u1","app":"wxA","api":"agreePrivacyAuthorization","args":{"buttonId":"agree-btn"},"tap":true,"from":"runtime"}"#);
    assert_eq!(
        bridge.recv()["result"],
        serde_json::json!({"errMsg": "agreePrivacyAuthorization:ok"})
    );
    bridge.send(r#"{"id":6,"user":"u1","app":"wxA","api":"getPrivacySetting"}"#);
    assert_eq!(bridge.recv()["result"]["needAuthorization"], false);
    assert_eq!(bridge.finish().1, 0);
}
