//! The combined dialog (issue #22 item 7, SPEC §3 "Since base library 3.4.2"):
//! WeChat's base library 3.4.2 (2024-04-11) changelog — "有授权弹窗的隐私接口(例如
//! wx.getLocation),将不会再弹官方隐私弹窗,而是在授权弹窗上增加“隐私勾选”;无授权弹窗的
//! 隐私接口(如 wx.getClipboardData),将继续保留原来的官方隐私弹窗". A host option,
//! off by default: off, the two-step flow is unchanged; on, a call that needs
//! the agreement and leads to a consent dialog shows that dialog only, with the
//! contract as a checkbox, and one answer stores both — each with its consent
//! record, in one transaction.

mod common;

use common::*;
use miniapp_auth::{AuthEngine, ContractToAgree, EngineConfig};
use serde_json::Value;

fn contract_manifest() -> String {
    manifest(Some(("1", &["scope.userLocation", "scope.record"])))
}

fn combined() -> EngineConfig {
    EngineConfig {
        combined_privacy_dialog: true,
        privacy_refusal_gap_ms: 0,
        ..Default::default()
    }
}

fn open_engine(
    db: &TempDb,
    ui: std::sync::Arc<ScriptedUi>,
    config: EngineConfig,
) -> std::sync::Arc<AuthEngine> {
    let engine = db.open_with(ui, config);
    engine
        .register_manifest("wxA".into(), contract_manifest())
        .unwrap();
    engine
}

fn needs_agreement(engine: &AuthEngine) -> bool {
    let setting: Value =
        serde_json::from_str(&block_on(engine.get_privacy_setting(caller("u1", "wxA"))).json)
            .unwrap();
    setting["needAuthorization"].as_bool().unwrap()
}

fn location_granted(engine: &AuthEngine) -> Option<bool> {
    let setting: Value =
        serde_json::from_str(&block_on(engine.get_setting(caller("u1", "wxA"), false)).json)
            .unwrap();
    setting["authSetting"]["scope.userLocation"].as_bool()
}

/// (decision, scope) of each consent record of u1, in order.
fn records(engine: &AuthEngine) -> Vec<(String, Option<String>)> {
    engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .into_iter()
        .map(|r| (r.decision, r.scope))
        .collect()
}

fn kinds(ui: &ScriptedUi) -> Vec<&'static str> {
    ui.shown
        .lock()
        .unwrap()
        .iter()
        .map(|shown| match shown {
            Shown::Scope(r) if r.privacy_contract.is_some() => "combined",
            Shown::Scope(_) => "consent",
            Shown::Privacy(_) => "privacy",
            Shown::Settings(_) => "settings",
            Shown::Contract(_) => "contract",
            Shown::Subscribe(_) => "subscribe",
        })
        .collect()
}

fn agreed_and_granted() -> Vec<(String, Option<String>)> {
    vec![
        ("granted".into(), Some("scope.userLocation".into())),
        ("agreed".into(), None),
    ]
}

#[test]
fn off_by_default_the_privacy_popup_comes_first_then_the_consent_dialog() {
    assert!(!EngineConfig::default().combined_privacy_dialog);
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow]);
    let engine = open_engine(&db, ui.clone(), EngineConfig::default());
    assert!(block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into())).ok);
    assert_eq!(kinds(&ui), ["privacy", "consent"]);
    assert!(ui.scope_dialogs()[0].privacy_contract.is_none());
}

#[test]
fn on_one_dialog_carries_the_contract_and_one_answer_stores_both_records() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    ui.push_ticks(&[true]);
    let engine = open_engine(&db, ui.clone(), combined());
    let result = block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into()));
    assert!(result.ok, "{}", result.json);
    assert_eq!(kinds(&ui), ["combined"]);
    let shown = &ui.scope_dialogs()[0];
    assert_eq!(
        shown.privacy_contract,
        Some(ContractToAgree {
            contract_name: "Demo guide".into(),
            contract_version: "1".into(),
        })
    );
    assert_eq!(shown.api, "getLocation");
    assert!(!needs_agreement(&engine));
    assert_eq!(location_granted(&engine), Some(true));
    assert_eq!(records(&engine), agreed_and_granted());
    let agreed = &engine.consent_records(Some("u1".into())).unwrap()[1];
    assert_eq!(agreed.source, "dialog");
    assert_eq!(agreed.contract_version.as_deref(), Some("1"));
    // Durable, backed by its records, as another process reads the file.
    drop(engine);
    let again = open_engine(&db, ScriptedUi::new(&[]), combined());
    assert!(again.verify_consent_log().unwrap().intact);
    assert!(!needs_agreement(&again));
    assert_eq!(location_granted(&again), Some(true));
    // authorize of another declared scope: no popup any more, a plain dialog.
    ui.push(&[Answer::Allow]);
    drop(again);
    let engine = engine_reopened(&db, ui.clone());
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    assert_eq!(kinds(&ui), ["combined", "consent"]);
}

fn engine_reopened(db: &TempDb, ui: std::sync::Arc<ScriptedUi>) -> std::sync::Arc<AuthEngine> {
    open_engine(db, ui, combined())
}

#[test]
fn an_allow_whose_checkbox_was_not_ticked_grants_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    ui.push_ticks(&[false]);
    let engine = open_engine(&db, ui.clone(), combined());
    let result = block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into()));
    let answer: Value = serde_json::from_str(&result.json).unwrap();
    assert_eq!(answer["errno"], 104, "{answer}");
    assert_eq!(
        answer["errMsg"],
        "getLocation:fail privacy permission is not authorized"
    );
    assert!(needs_agreement(&engine));
    assert_eq!(location_granted(&engine), None, "the scope stays unasked");
    assert!(records(&engine).is_empty());
    // Nothing was refused: the next call asks again at once, on one dialog.
    ui.push(&[Answer::AllowOnce]);
    ui.push_ticks(&[true]);
    assert!(block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into())).ok);
    assert_eq!(kinds(&ui), ["combined", "combined"]);
    assert!(!needs_agreement(&engine));
}

#[test]
fn a_denial_stores_the_denial_and_the_agreement_only_if_ticked() {
    for ticked in [false, true] {
        let db = TempDb::new();
        let ui = ScriptedUi::new(&[Answer::Deny]);
        ui.push_ticks(&[ticked]);
        let engine = open_engine(&db, ui.clone(), combined());
        let result = block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into()));
        let answer: Value = serde_json::from_str(&result.json).unwrap();
        assert_eq!(answer["errMsg"], "getLocation:fail auth deny", "{answer}");
        assert_eq!(location_granted(&engine), Some(false));
        assert_eq!(needs_agreement(&engine), !ticked);
        let mut expected = vec![("denied".to_string(), Some("scope.userLocation".to_string()))];
        if ticked {
            expected.push(("agreed".into(), None));
        }
        assert_eq!(records(&engine), expected);
        // A denied scope leads to no dialog: unagreed, it gets the separate
        // popup (agreed, nothing), then fails auth deny.
        ui.push(&[Answer::Agree]);
        let again = block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into()));
        assert!(again.json.contains("auth deny"), "{}", again.json);
        let expected_kinds: &[&str] = if ticked {
            &["combined"]
        } else {
            &["combined", "privacy"]
        };
        assert_eq!(kinds(&ui), expected_kinds);
    }
}

#[test]
fn a_dismissal_stores_no_agreement_even_if_ticked() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Dismiss]);
    ui.push_ticks(&[true]);
    let engine = open_engine(&db, ui.clone(), combined());
    let result = block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into()));
    assert!(result.json.contains("auth cancel"), "{}", result.json);
    assert!(needs_agreement(&engine));
    assert_eq!(location_granted(&engine), None);
    assert!(records(&engine).is_empty());
}

#[test]
fn calls_without_an_authorization_dialog_keep_the_separate_popup() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let engine = open_engine(&db, ui.clone(), combined());
    // requirePrivacyAuthorize: no authorization dialog at all.
    let me = caller("u1", "wxA");
    let answer = block_on(engine.handle(me.clone(), r#"{"api":"requirePrivacyAuthorize"}"#.into()));
    assert!(answer.contains("requirePrivacyAuthorize:ok"), "{answer}");
    assert_eq!(kinds(&ui), ["privacy"]);

    // A scope granted before the contract asked for agreement: no dialog, the popup.
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open_with(ui.clone(), combined());
    engine
        .register_manifest("wxA".into(), manifest(None))
        .unwrap();
    assert!(block_on(engine.authorize(me.clone(), "scope.userLocation".into())).ok);
    engine
        .register_manifest("wxA".into(), contract_manifest())
        .unwrap();
    ui.push(&[Answer::Agree]);
    assert!(block_on(engine.ensure(me.clone(), "getLocation".into())).ok);
    assert_eq!(kinds(&ui), ["consent", "privacy"]);
}

#[test]
fn an_always_granted_scope_keeps_the_popup_and_a_soft_denied_one_gets_the_dialog() {
    // chooseAddress (scope.address, always granted): no authorization dialog
    // ever, so the agreement is asked by the popup.
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let engine = db.open_with(ui.clone(), combined());
    engine
        .register_manifest(
            "wxA".into(),
            r#"{"requiredPrivateInfos":["chooseAddress"],
                "privacy":{"contractName":"Guide","version":"1","scopes":["scope.address"]}}"#
                .into(),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(block_on(engine.ensure(me.clone(), "chooseAddress".into())).ok);
    assert_eq!(kinds(&ui), ["privacy"]);

    // A soft denial that may be asked again leads to a dialog: the combined one.
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = open_engine(
        &db,
        ui.clone(),
        EngineConfig {
            soft_deny: true,
            ..combined()
        },
    );
    assert!(!block_on(engine.ensure(me.clone(), "getLocation".into())).ok);
    ui.push(&[Answer::Allow]);
    ui.push_ticks(&[true]);
    assert!(block_on(engine.ensure(me, "getLocation".into())).ok);
    assert_eq!(kinds(&ui), ["combined", "combined"]);
    assert!(!needs_agreement(&engine));
}

/// An answer given after the app's run ended (or after a reset elsewhere)
/// stores neither the decision nor the agreement (SPEC §8, as for any dialog).
#[test]
fn an_answer_that_outlived_its_run_stores_neither() {
    for reset_elsewhere in [false, true] {
        let db = TempDb::new();
        let ui = ScriptedUi::new(&[Answer::Hold]);
        ui.push_ticks(&[true]);
        let engine = open_engine(&db, ui.clone(), combined());
        let elsewhere = open_engine(&db, ScriptedUi::new(&[]), combined());
        let call = engine.ensure(caller("u1", "wxA"), "getLocation".into());
        let person = async {
            until("the dialog is open", || ui.held() == 1).await;
            if reset_elsewhere {
                elsewhere
                    .reset_app("wxA".into(), Some("u1".into()))
                    .unwrap();
            } else {
                engine.end_app_run("u1".into(), "wxA".into()).unwrap();
            }
            ui.release(miniapp_auth::ConsentDecision::Allow);
        };
        let answer = block_on(futures::future::join(call, person)).0;
        assert_eq!(answer.errno, Some(1304), "{}", answer.json);
        assert!(needs_agreement(&engine));
        assert_eq!(location_granted(&engine), None);
        let kept: Vec<_> = records(&engine)
            .into_iter()
            .filter(|(decision, _)| decision != "reset")
            .collect();
        assert!(kept.is_empty(), "{kept:?}");
    }
}

#[test]
fn a_failure_between_the_two_writes_leaves_neither() {
    // SQLite aborts the agreement's row (as a crash between the two writes
    // would lose it): the grant written before it in the same transaction
    // must be gone too, and the call must not succeed.
    for table in ["privacy_agreements", "grants"] {
        let db = TempDb::new();
        let ui = ScriptedUi::new(&[Answer::Allow]);
        ui.push_ticks(&[true]);
        let engine = open_engine(&db, ui.clone(), combined());
        db.raw()
            .execute_batch(&format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'disk gone'); END;"
            ))
            .unwrap();
        let result = block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into()));
        assert!(!result.ok, "{}", result.json);
        db.raw().execute_batch("DROP TRIGGER refuse;").unwrap();
        drop(engine);
        let again = open_engine(&db, ScriptedUi::new(&[]), combined());
        assert!(
            needs_agreement(&again),
            "{table}: {:?} {}",
            records(&again),
            result.json
        );
        assert_eq!(location_granted(&again), None, "{table}");
        assert!(
            records(&again).is_empty(),
            "{table}: {:?} {}",
            records(&again),
            result.json
        );
        assert!(again.verify_consent_log().unwrap().intact);
    }
}

/// `live-pusher` has authorization dialogs (the microphone's, the camera's —
/// no scope guards it by name, its kinds' scopes do): with the option on it
/// gets the combined dialog on the first of them, not the separate popup; a
/// contract that does not declare its kinds still fails 112 before any dialog.
#[test]
fn live_pusher_gets_the_combined_dialog_and_112_comes_first() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Allow]);
    ui.push_ticks(&[true]);
    let engine = db.open_with(ui.clone(), combined());
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some(("1", &["scope.record", "scope.camera"]))),
        )
        .unwrap();
    let result = block_on(engine.ensure(caller("u1", "wxA"), "live-pusher".into()));
    assert_eq!(result.json, r#"{"errMsg":"live-pusher:ok"}"#);
    assert_eq!(kinds(&ui), ["combined", "consent"]);
    assert!(!needs_agreement(&engine));
    // Declared only the microphone: 112 at once, no dialog.
    let ui = ScriptedUi::new(&[]);
    let engine = TempDb::new().open_with(ui.clone(), combined());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    assert_eq!(
        block_on(engine.ensure(caller("u1", "wxA"), "live-pusher".into())).json,
        r#"{"errMsg":"live-pusher:fail api scope is not declared in the privacy agreement","errno":112}"#
    );
    assert!(kinds(&ui).is_empty());
}
