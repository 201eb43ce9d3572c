//! Agreements and grants survive updates (issue #12, SPEC §3): WeChat keeps
//! grants "until the user deletes the mini app"; a new privacy guide version
//! needs agreement again only for what it newly declares ("对于旧版本已经有接口或组件，
//! 不需要重新同步；对于更新后产生的新的接口或组件，需要重新同步",
//! developers.weixin.qq.com …/framework/user-privacy/PrivacyAuthorize.html;
//! getPrivacySetting's `needAuthorization` is true "如果用户之前同意过、但后来小程序又新增了隐私收集类型").
//! After a refusal the privacy prompt is not shown again for 10 seconds (the
//! official popup's gap: "如果用户拒绝，则在拒绝之后的x秒内，都不会再唤起…默认间隔时间为10秒").
//! Asking again on any change is a host policy, off by default.

mod common;

use common::*;
use miniapp_auth::EngineConfig;

fn contract(version: &str, scopes: &[&str], location_desc: &str) -> String {
    format!(
        r#"{{"name":"Demo","permission":{{"scope.userLocation":{{"desc":"{location_desc}"}}}},
            "requiredPrivateInfos":["getLocation"],
            "privacy":{{"contractName":"Guide","version":"{version}","scopes":{}}}}}"#,
        serde_json::to_string(scopes).unwrap()
    )
}

fn need_authorization(engine: &miniapp_auth::AuthEngine) -> bool {
    let setting = block_on(engine.get_privacy_setting(caller("u1", "wxA")));
    let value: serde_json::Value = serde_json::from_str(&setting.json).unwrap();
    value["needAuthorization"].as_bool().unwrap()
}

/// Agree to v1, allow location and the microphone.
fn agreed_and_granted(
    config: EngineConfig,
) -> (TempDb, std::sync::Arc<ScriptedUi>, miniapp_auth::AuthEngine) {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow, Answer::Allow]);
    let engine = db.open_clocked(ui.clone(), config, clock());
    engine
        .register_manifest(
            "wxA".into(),
            contract(
                "1",
                &["scope.userLocation", "scope.record"],
                "Shops near you",
            ),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(block_on(engine.ensure(me.clone(), "getLocation".into())).ok);
    assert!(block_on(engine.authorize(me, "scope.record".into())).ok);
    assert_eq!(ui.dialogs(), 3);
    (db, ui, engine)
}

#[test]
fn a_reworded_contract_and_a_new_purpose_string_keep_grants_and_the_agreement() {
    let (_db, ui, engine) = agreed_and_granted(EngineConfig::default());
    engine
        .register_manifest(
            "wxA".into(),
            contract(
                "2",
                &["scope.userLocation", "scope.record"],
                "Find the nearest shop",
            ),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(
        !need_authorization(&engine),
        "the new version declares nothing new"
    );
    assert_eq!(
        block_on(engine.ensure(me.clone(), "getLocation".into())).json,
        r#"{"errMsg":"getLocation:ok"}"#
    );
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    let setting = auth_setting(&block_on(engine.get_setting(me, false)).json);
    assert_eq!(setting["scope.userLocation"], true);
    assert_eq!(setting["scope.record"], true);
    assert_eq!(ui.dialogs(), 3, "nobody was asked again");
}

#[test]
fn a_version_declaring_more_gates_only_what_it_adds() {
    let (_db, ui, engine) = agreed_and_granted(EngineConfig::default());
    engine
        .register_manifest(
            "wxA".into(),
            contract(
                "2",
                &["scope.userLocation", "scope.record", "scope.camera"],
                "Shops near you",
            ),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(
        need_authorization(&engine),
        "a new kind of data is collected"
    );
    // The old scopes keep working, without any prompt.
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    assert!(block_on(engine.ensure(me.clone(), "getLocation".into())).ok);
    assert_eq!(ui.dialogs(), 3);
    // The new one needs the agreement first.
    ui.push(&[Answer::Agree, Answer::Allow]);
    assert!(block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
    let shown = ui.shown.lock().unwrap().clone();
    assert!(matches!(shown[3], Shown::Privacy(_)), "{shown:?}");
    assert!(matches!(shown[4], Shown::Scope(_)), "{shown:?}");
    assert!(!need_authorization(&engine));
}

#[test]
fn asking_again_on_any_change_is_a_host_policy() {
    let config = EngineConfig {
        reconsent_on_change: true,
        ..EngineConfig::default()
    };
    let (_db, ui, engine) = agreed_and_granted(config);
    engine
        .register_manifest(
            "wxA".into(),
            contract(
                "2",
                &["scope.userLocation", "scope.record"],
                "Find the nearest shop",
            ),
        )
        .unwrap();
    assert!(need_authorization(&engine));
    ui.push(&[Answer::Agree, Answer::Allow]);
    assert!(block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into())).ok);
    assert_eq!(
        ui.dialogs(),
        5,
        "the contract and the changed purpose asked again"
    );
}

#[test]
fn for_ten_seconds_after_a_refusal_gated_calls_fail_without_a_new_prompt() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Disagree]);
    let clock = clock();
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    engine
        .register_manifest("wxA".into(), contract("1", &["scope.record"], "x"))
        .unwrap();
    let me = caller("u1", "wxA");
    let refused = r#"{"errMsg":"authorize:fail privacy permission is not authorized","errno":104}"#;
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        refused
    );
    assert_eq!(ui.dialogs(), 1);
    clock.advance(9_999);
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        refused
    );
    assert_eq!(
        block_on(engine.require_privacy_authorize(me.clone())).json,
        r#"{"errMsg":"requirePrivacyAuthorize:fail privacy permission is not authorized","errno":104}"#
    );
    assert_eq!(ui.dialogs(), 1, "no new prompt inside the gap");
    // Another user of the app is not affected.
    ui.push(&[Answer::Agree, Answer::Allow]);
    assert!(block_on(engine.authorize(caller("u2", "wxA"), "scope.record".into())).ok);
    assert_eq!(ui.dialogs(), 3);
    clock.advance(1);
    ui.push(&[Answer::Agree, Answer::Allow]);
    assert!(block_on(engine.authorize(me, "scope.record".into())).ok);
    assert_eq!(ui.dialogs(), 5, "asked again once the gap is over");
}
