//! A dialog answered too late grants nothing (SPEC §8): after its app's run
//! ended, after the app was registered again, after the app was reset (deleted)
//! or its user forgotten — here or in another process on the same file. The
//! call fails `dialog outlived its run` (1304) and nothing is stored.

mod common;

use common::*;
use futures::future::join;
use miniapp_auth::{AuthEngine, ConsentDecision};

const OUTLIVED: &str = r#"{"errMsg":"authorize:fail dialog outlived its run: the app's run ended, or the app or user was removed, before the answer","errno":1304}"#;

/// Opens a dialog for `scope.record`, does `meanwhile` while it is open, then
/// answers it `decision`; returns what the call answered.
fn answered_after(
    engine: &AuthEngine,
    ui: &ScriptedUi,
    decision: ConsentDecision,
    meanwhile: impl FnOnce(),
) -> String {
    let call = engine.authorize(caller("u1", "wxA"), "scope.record".into());
    let person = async {
        until("the dialog is open", || ui.held() == 1).await;
        meanwhile();
        ui.release(decision);
    };
    block_on(join(call, person)).0.json
}

#[test]
fn allow_once_answered_after_the_run_ended_grants_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let answer = answered_after(&engine, &ui, ConsentDecision::AllowOnce, || {
        engine.end_app_run("u1".into(), "wxA".into()).unwrap();
    });
    assert_eq!(answer, OUTLIVED);
    ui.push(&[Answer::Dismiss]);
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).errno,
        Some(1101),
        "the next run asks again"
    );
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn an_answer_after_the_app_was_registered_again_grants_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let answer = answered_after(&engine, &ui, ConsentDecision::AllowOnce, || {
        engine
            .register_manifest("wxA".into(), manifest(None))
            .unwrap();
    });
    assert_eq!(answer, OUTLIVED);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
}

#[test]
fn an_allow_after_the_app_was_reset_in_another_process_grants_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let elsewhere = db.open(ScriptedUi::new(&[]));
    let answer = answered_after(&engine, &ui, ConsentDecision::Allow, || {
        elsewhere.reset_app("wxA".into(), None).unwrap();
    });
    assert_eq!(answer, OUTLIVED);
    assert!(
        engine.list_grants("u1".into(), None).unwrap().is_empty(),
        "no permanent grant for a deleted app"
    );
    ui.push(&[Answer::Dismiss]);
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).errno,
        Some(1101)
    );
}

#[test]
fn an_answer_after_the_user_was_forgotten_in_another_process_grants_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let elsewhere = db.open(ScriptedUi::new(&[]));
    let answer = answered_after(&engine, &ui, ConsentDecision::Allow, || {
        elsewhere.forget_user("u1".into()).unwrap();
    });
    assert_eq!(answer, OUTLIVED);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
}

#[test]
fn an_answer_while_other_apps_and_users_change_still_counts() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let elsewhere = db.open(ScriptedUi::new(&[]));
    let answer = answered_after(&engine, &ui, ConsentDecision::Allow, || {
        engine.end_app_run("u1".into(), "wxB".into()).unwrap();
        engine.end_app_run("u2".into(), "wxA".into()).unwrap();
        elsewhere
            .reset_app("wxB".into(), Some("u1".into()))
            .unwrap();
        elsewhere.forget_user("u2".into()).unwrap();
    });
    assert_eq!(answer, r#"{"errMsg":"authorize:ok"}"#);
}

/// Allow-once lives in this process's memory; a decision stored by another
/// process after it (a denial, a revocation, a reset) ends it on the next call.
#[test]
fn allow_once_ends_when_another_process_decides_after_it() {
    for (what, expected) in [
        ("denied", Some(103)),
        ("revoked", Some(1101)),
        ("reset", Some(1101)),
    ] {
        let db = TempDb::new();
        let ui = ScriptedUi::new(&[Answer::AllowOnce]);
        let engine = db.open(ui.clone());
        let me = caller("u1", "wxA");
        assert!(block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
        let elsewhere = db.open(ScriptedUi::new(&[]));
        match what {
            "denied" => elsewhere
                .set_grant(
                    "u1".into(),
                    "wxA".into(),
                    None,
                    "scope.camera".into(),
                    false,
                )
                .unwrap(),
            "revoked" => {
                // A grant stored and then revoked elsewhere: unasked again.
                elsewhere
                    .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
                    .unwrap();
                elsewhere
                    .revoke_grant("u1".into(), "wxA".into(), None, "scope.camera".into())
                    .unwrap();
            }
            _ => {
                elsewhere.reset_app("wxA".into(), None).unwrap();
            }
        }
        ui.push(&[Answer::Dismiss]);
        let answer = block_on(engine.authorize(me.clone(), "scope.camera".into()));
        assert_eq!(answer.errno, expected, "after {what}: {}", answer.json);
        let setting = block_on(engine.get_setting(me, false));
        assert!(
            !setting.json.contains(r#""scope.camera":true"#),
            "after {what}: {}",
            setting.json
        );
    }
}

/// The settings page is a dialog too (#20): what the user leaves on it after
/// the app was reset in another process is not stored — neither a switch
/// turned on nor the subscription part (a kept acceptance, the main switch).
#[test]
fn a_settings_page_left_after_the_app_was_reset_elsewhere_stores_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    assert!(!block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
    let elsewhere = db.open(ScriptedUi::new(&[]));
    ui.on_settings(move |page| {
        elsewhere.reset_app("wxA".into(), None).unwrap();
        page.items
            .iter()
            .map(|item| miniapp_auth::ScopeSetting {
                granted: true,
                ..item.clone()
            })
            .collect()
    });
    ui.on_subscriptions_page(|shown| miniapp_auth::SubscriptionsSetting {
        main_switch: !shown.main_switch,
        ..shown.clone()
    });
    let result = block_on(engine.open_setting(me.clone().with_tap(), true));
    assert_eq!(result.errno, Some(1304), "{}", result.json);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    let setting = block_on(engine.get_setting(me, true));
    let value: serde_json::Value = serde_json::from_str(&setting.json).unwrap();
    assert_eq!(value["subscriptionsSetting"]["mainSwitch"], true, "{value}");
    assert_eq!(value["authSetting"].get("scope.camera"), None, "{value}");
}
