//! WeChat's privacy interfaces without a scope (SPEC §3): the contract declares
//! kinds of information (`privacy.infos`, WeChat's `privacy_key`s), and the host
//! gates `getClipboardData`, `chooseMedia`, the `getPhoneNumber` button, … with
//! the same `ensure` it uses for guarded APIs: 104 without agreement, 112 when
//! the contract does not declare the kind, ok once agreed — and no consent
//! dialog (WeChat shows these interfaces none). The table:
//! developers.weixin.qq.com/miniprogram/dev/framework/user-privacy/miniprogram-intro.html.

mod common;

use common::bridge::Bridge;
use common::*;
use miniapp_auth::EngineConfig;
use serde_json::json;

/// A manifest whose contract (version `version`) declares `scopes` and `infos`.
fn contract(version: &str, scopes: &[&str], infos: &[&str]) -> String {
    format!(
        r#"{{"name":"Demo","privacy":{{"contractName":"Demo guide","version":"{version}","scopes":{},"infos":{}}}}}"#,
        serde_json::to_string(scopes).unwrap(),
        serde_json::to_string(infos).unwrap()
    )
}

fn ensure(engine: &miniapp_auth::AuthEngine, me: &miniapp_auth::Caller, api: &str) -> String {
    block_on(engine.ensure(me.clone(), api.into())).json
}

#[test]
fn get_clipboard_data_asks_for_agreement_then_runs_with_no_consent_dialog() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), contract("1", &[], &["Clipboard"]))
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        ensure(&engine, &me, "getClipboardData"),
        r#"{"errMsg":"getClipboardData:ok"}"#
    );
    let shown = ui.shown.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "the privacy prompt only: {shown:?}");
    match &shown[0] {
        Shown::Privacy(request) => assert_eq!(request.referrer, "getClipboardData"),
        other => panic!("expected the privacy prompt, got {other:?}"),
    }
    // Agreed: no prompt again, for this interface or another of the kind.
    assert_eq!(
        ensure(&engine, &me, "setClipboardData"),
        r#"{"errMsg":"setClipboardData:ok"}"#
    );
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn disagreeing_fails_104_in_the_interfaces_name_and_blocks_for_ten_seconds() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Disagree]);
    let clock = clock();
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    engine
        .register_manifest("wxA".into(), contract("1", &[], &["Album", "PhoneNumber"]))
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        ensure(&engine, &me, "chooseMedia"),
        r#"{"errMsg":"chooseMedia:fail privacy permission is not authorized","errno":104}"#
    );
    clock.advance(9_999);
    // A button answers in its event's name, as WeChat's does
    // ("getPhoneNumber:fail privacy permission is not authorized", errno 104).
    assert_eq!(
        ensure(&engine, &me, "button.getPhoneNumber"),
        r#"{"errMsg":"getPhoneNumber:fail privacy permission is not authorized","errno":104}"#
    );
    assert_eq!(ui.dialogs(), 1, "no new prompt inside the gap");
    clock.advance(1);
    ui.push(&[Answer::Agree]);
    assert_eq!(
        ensure(&engine, &me, "button.getPhoneNumber"),
        r#"{"errMsg":"getPhoneNumber:ok"}"#
    );
    match &ui.shown.lock().unwrap()[1] {
        Shown::Privacy(request) => assert_eq!(
            request.referrer, "button.getPhoneNumber",
            "WeChat's referrer for a component"
        ),
        other => panic!("expected the privacy prompt, got {other:?}"),
    }
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn an_undeclared_kind_fails_112_without_any_dialog() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest(
            "wxA".into(),
            contract("1", &["scope.record"], &["Clipboard"]),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    // WeChat: {errMsg: "getClipboardData:fail api scope is not declared in the
    // privacy agreement", errno: 112} for a guide that does not declare it.
    for (api, shown) in [
        ("chooseMedia", "chooseMedia"),
        ("chooseMessageFile", "chooseMessageFile"),
        ("chooseLicensePlate", "chooseLicensePlate"),
        ("button.chooseAvatar", "chooseAvatar"),
        // live-pusher is listed under the microphone and the camera: both needed.
        ("live-pusher", "live-pusher"),
    ] {
        assert_eq!(
            ensure(&engine, &me, api),
            format!(
                r#"{{"errMsg":"{shown}:fail api scope is not declared in the privacy agreement","errno":112}}"#
            )
        );
    }
    assert_eq!(ui.dialogs(), 0);
    // Declared: agreed once, then ok.
    assert!(block_on(engine.ensure(me.clone(), "getClipboardData".into())).ok);
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn without_a_contract_privacy_interfaces_run_and_unknown_names_are_not_supported() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    assert_eq!(
        ensure(&engine, &me, "chooseImage"),
        r#"{"errMsg":"chooseImage:ok"}"#
    );
    assert!(
        !block_on(engine.ensure(me, "getSystemInfo".into())).ok,
        "not a privacy interface: nothing gates it here"
    );
    assert_eq!(ui.dialogs(), 0);
    assert!(engine.api_number("getClipboardData".into()).is_some());
    assert!(engine.api_number("button.getPhoneNumber".into()).is_some());
}

#[test]
fn kinds_and_scopes_declare_each_other() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow, Answer::Allow]);
    let engine = db.open(ui.clone());
    // The kind Record declares scope.record; scope.camera declares Camera.
    engine
        .register_manifest("wxA".into(), contract("1", &["scope.camera"], &["Record"]))
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    // live-pusher needs the microphone and the camera (WeChat's live-pusher
    // page: 需要用户授权 scope.camera、scope.record): the camera is asked too.
    assert_eq!(
        ensure(&engine, &me, "live-pusher"),
        r#"{"errMsg":"live-pusher:ok"}"#
    );
    assert_eq!(
        ui.dialogs(),
        3,
        "the privacy prompt, the record dialog, the camera dialog"
    );
    assert_eq!(ui.scope_dialogs()[1].scope, "scope.camera");
    assert_eq!(ui.scope_dialogs()[1].api, "live-pusher");
}

/// A component WeChat lists under kinds that have scopes, that no scope guards
/// by name (`live-pusher`: microphone and camera; `voip-room`: camera), is
/// gated by those scopes — never let through on the privacy agreement alone.
#[test]
fn live_pusher_and_voip_room_need_their_scopes_granted() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow, Answer::Deny]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), contract("1", &[], &["Record", "Camera"]))
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        ensure(&engine, &me, "live-pusher"),
        r#"{"errMsg":"live-pusher:fail auth deny","errno":103}"#,
        "agreed, microphone allowed, camera denied"
    );
    assert_eq!(
        ensure(&engine, &me, "voip-room"),
        r#"{"errMsg":"voip-room:fail auth deny","errno":103}"#
    );
    assert_eq!(ui.dialogs(), 3);
    let handle = engine
        .caller_handle("u1".into(), "wxA".into(), None)
        .unwrap();
    let number = engine.api_number("live-pusher".into()).unwrap();
    assert!(
        !handle.ensure_cached(number),
        "no fast path lets it through"
    );
}

/// Runs `f` on a thread of its own and fails the test if it does not answer
/// in 20 s (a call that loops forever must fail, not hang the suite).
fn within_20_s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(20))
        .expect("the call did not answer in 20 s")
}

/// An agreement to a contract written in scopes, then a version written in
/// kinds (or the other way round): what one form declares that the other does
/// not — fuzzy location behind `Location`, `ChooseLocation` behind
/// `scope.userLocation` — is asked for, and the call answers (it looped
/// forever when "the contract is covered" and "this item is covered" disagreed).
#[test]
fn moving_a_contract_between_scopes_and_kinds_asks_for_what_is_new() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Agree, Answer::Allow, Answer::Agree]);
    let engine = db.open(ui.clone());
    let location = |version: &str, scopes: &str, infos: &str, apis: &str| {
        format!(
            r#"{{"permission":{{"scope.userLocation":{{"desc":"to find shops"}},"scope.userFuzzyLocation":{{"desc":"to find shops"}}}},"requiredPrivateInfos":{apis},"privacy":{{"contractName":"Guide","version":"{version}","scopes":{scopes},"infos":{infos}}}}}"#
        )
    };
    engine
        .register_manifest(
            "wxA".into(),
            location(
                "1",
                r#"["scope.userLocation"]"#,
                "[]",
                r#"["getFuzzyLocation"]"#,
            ),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.require_privacy_authorize(me.clone())).json,
        r#"{"errMsg":"requirePrivacyAuthorize:ok"}"#
    );
    engine
        .register_manifest(
            "wxA".into(),
            location("2", "[]", r#"["Location"]"#, r#"["getFuzzyLocation"]"#),
        )
        .unwrap();
    let (e, m) = (engine.clone(), me.clone());
    let answer = within_20_s(move || ensure(&e, &m, "getFuzzyLocation"));
    assert_eq!(answer, r#"{"errMsg":"getFuzzyLocation:ok"}"#);
    assert_eq!(
        ui.dialogs(),
        3,
        "agree to 1, agree to 2 (fuzzy is new), allow"
    );

    // The other way: an agreement in kinds, then a contract in scopes that
    // (as before kinds) also declares ChooseLocation.
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Agree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest(
            "wxA".into(),
            location("1", "[]", r#"["Location"]"#, r#"["chooseLocation"]"#),
        )
        .unwrap();
    assert_eq!(
        block_on(engine.require_privacy_authorize(me.clone())).json,
        r#"{"errMsg":"requirePrivacyAuthorize:ok"}"#
    );
    engine
        .register_manifest(
            "wxA".into(),
            location(
                "2",
                r#"["scope.userLocation"]"#,
                "[]",
                r#"["chooseLocation"]"#,
            ),
        )
        .unwrap();
    let (e, m) = (engine.clone(), me.clone());
    let answer = within_20_s(move || ensure(&e, &m, "chooseLocation"));
    assert_eq!(answer, r#"{"errMsg":"chooseLocation:ok"}"#);
    assert_eq!(
        ui.dialogs(),
        2,
        "agree to 1, agree to 2 (ChooseLocation is new)"
    );
}

#[test]
fn a_new_version_declaring_more_kinds_gates_only_the_new_ones() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), contract("1", &[], &["Clipboard"]))
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(block_on(engine.ensure(me.clone(), "getClipboardData".into())).ok);
    engine
        .register_manifest("wxA".into(), contract("2", &[], &["Clipboard", "Album"]))
        .unwrap();
    // A new engine over the same file: the agreement's kinds were stored.
    drop(engine);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), contract("2", &[], &["Clipboard", "Album"]))
        .unwrap();
    assert_eq!(
        ensure(&engine, &me, "getClipboardData"),
        r#"{"errMsg":"getClipboardData:ok"}"#,
        "the old kind keeps working"
    );
    assert_eq!(ui.dialogs(), 1);
    assert!(
        block_on(engine.get_privacy_setting(me.clone()))
            .json
            .contains(r#""needAuthorization":true"#),
        "the new kind needs agreement"
    );
    ui.push(&[Answer::Disagree]);
    assert_eq!(
        ensure(&engine, &me, "chooseImage"),
        r#"{"errMsg":"chooseImage:fail privacy permission is not authorized","errno":104}"#
    );
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn an_agreement_recorded_before_kinds_covers_what_its_scopes_declare() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow]);
    let engine = db.open(ui.clone());
    // A contract written before kinds: scopes only (the old manifest shape).
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.userLocation"]))))
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(block_on(engine.ensure(me.clone(), "getLocation".into())).ok);
    assert_eq!(ui.dialogs(), 2);
    // A new version of the same contract whose app now calls chooseLocation
    // (ChooseLocation, which scope.userLocation declared before kinds):
    // nothing new to agree to.
    let version = |version: &str, infos: &str| {
        format!(
            r#"{{"name":"Demo","permission":{{"scope.userLocation":{{"desc":"Find shops near you"}}}},
               "requiredPrivateInfos":["getLocation","chooseLocation"],
               "privacy":{{"contractName":"Demo guide","version":"{version}","scopes":["scope.userLocation"],"infos":{infos}}}}}"#
        )
    };
    engine
        .register_manifest("wxA".into(), version("2", "[]"))
        .unwrap();
    assert!(block_on(engine.ensure(me.clone(), "chooseLocation".into())).ok);
    assert!(block_on(engine.ensure(me.clone(), "getLocation".into())).ok);
    assert_eq!(ui.dialogs(), 2, "no new prompt");
    assert!(block_on(engine.get_privacy_setting(me.clone()))
        .json
        .contains(r#""needAuthorization":false"#));
    // Listing the kind Location declares more than scope.userLocation did
    // (fuzzy and background location): that is new, and asked for.
    engine
        .register_manifest("wxA".into(), version("3", r#"["Location"]"#))
        .unwrap();
    assert!(block_on(engine.get_privacy_setting(me.clone()))
        .json
        .contains(r#""needAuthorization":true"#));
    assert!(
        block_on(engine.ensure(me.clone(), "getLocation".into())).ok,
        "getLocation itself stays covered: no prompt for it"
    );
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn old_manifests_stay_valid_and_unknown_kinds_are_refused() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    for bad in [
        contract("1", &[], &["clipboard"]),
        contract("1", &[], &["scope.record"]),
        r#"{"privacy":{"contractName":"G","version":"1","infos":"Clipboard"}}"#.into(),
    ] {
        let err = engine.register_manifest("wxB".into(), bad.clone());
        assert!(err.is_err(), "accepted {bad}");
    }
}

#[test]
fn the_hot_path_gates_a_privacy_interface_by_its_number() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), contract("1", &[], &["Clipboard"]))
        .unwrap();
    let handle = engine
        .caller_handle("u1".into(), "wxA".into(), None)
        .unwrap();
    let clipboard = engine.api_number("getClipboardData".into()).unwrap();
    let media = engine.api_number("chooseMedia".into()).unwrap();
    assert!(!handle.ensure_cached(clipboard), "not agreed yet");
    assert_eq!(
        block_on(handle.ensure(media)).json,
        r#"{"errMsg":"chooseMedia:fail api scope is not declared in the privacy agreement","errno":112}"#
    );
    assert_eq!(
        block_on(handle.ensure(clipboard)).json,
        r#"{"errMsg":"getClipboardData:ok"}"#
    );
    assert!(handle.ensure_cached(clipboard), "agreed: from memory");
    assert!(
        !handle.ensure_cached(media),
        "undeclared: never from memory"
    );
    assert_eq!(ui.dialogs(), 1);
}

/// Through the real bridge (SPEC §6): the register line's manifest declares
/// kinds; a call of a privacy interface opens the privacy prompt only, named
/// for the interface, and answers in its name.
#[test]
fn the_bridge_gates_privacy_interfaces_by_the_declared_kinds() {
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    bridge.send(
        &json!({"id": 1, "op": "register", "app": "wxA", "manifest": {
            "name": "Demo",
            "privacy": {"contractName": "Demo guide", "version": "1", "infos": ["Clipboard"]}
        }})
        .to_string(),
    );
    assert_eq!(bridge.recv(), json!({"id": 1, "ok": true}));
    bridge.send(
        &json!({"id": 2, "op": "register", "app": "wxB", "manifest": {
            "privacy": {"contractName": "G", "version": "1", "infos": ["Clipbaord"]}
        }})
        .to_string(),
    );
    let refused = bridge.recv();
    assert_eq!(refused["id"], 2);
    assert!(
        refused["error"].as_str().unwrap().contains("Clipbaord"),
        "{refused}"
    );

    bridge.send(r#"{"id":3,"user":"u1","app":"wxA","api":"chooseMedia"}"#);
    assert_eq!(
        bridge.recv(),
        json!({"id": 3, "result": {"errMsg": "chooseMedia:fail api scope is not declared in the privacy agreement", "errno": 112}})
    );
    bridge.send(r#"{"id":4,"user":"u1","app":"wxA","api":"getClipboardData"}"#);
    let privacy = bridge.recv();
    assert_eq!(privacy["event"], "privacy", "{privacy}");
    assert_eq!(privacy["referrer"], "getClipboardData");
    bridge.decide(&privacy, "disagree");
    assert_eq!(
        bridge.recv(),
        json!({"id": 4, "result": {"errMsg": "getClipboardData:fail privacy permission is not authorized", "errno": 104}})
    );
}

/// An agreement a host imports for the registered version covers the kinds
/// that version declares, as one made here would.
#[test]
fn an_imported_agreement_covers_the_registered_versions_kinds() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest(
            "wxA".into(),
            contract("4", &["scope.record"], &["Clipboard"]),
        )
        .unwrap();
    let report = engine
        .import_from_host(miniapp_auth::HostImport {
            privacy_agreements: vec![miniapp_auth::ImportedPrivacyAgreement {
                user_id: "u1".into(),
                app_id: "wxA".into(),
                contract_version: "4".into(),
                declared_scopes: None,
                agreed_at_ms: None,
            }],
            ..miniapp_auth::HostImport::default()
        })
        .unwrap();
    assert_eq!(report.privacy_agreements.imported, 1);
    let me = caller("u1", "wxA");
    assert_eq!(
        ensure(&engine, &me, "getClipboardData"),
        r#"{"errMsg":"getClipboardData:ok"}"#
    );
    assert_eq!(
        ui.dialogs(),
        0,
        "no privacy prompt: the import covers the kind"
    );
    let record = engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(record.infos, Some(vec!["Clipboard".to_string()]));
    assert!(
        engine.verify_consent_log().unwrap().intact,
        "the chain holds the new field"
    );
    // A newer version declaring more kinds gates only those.
    engine
        .register_manifest(
            "wxA".into(),
            contract("5", &["scope.record"], &["Clipboard", "Album"]),
        )
        .unwrap();
    assert!(block_on(engine.ensure(me.clone(), "setClipboardData".into())).ok);
    ui.push(&[Answer::Disagree]);
    assert_eq!(
        ensure(&engine, &me, "chooseVideo"),
        r#"{"errMsg":"chooseVideo:fail privacy permission is not authorized","errno":104}"#
    );
}
