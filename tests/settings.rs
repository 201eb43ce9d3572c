//! `wx.getSetting` and `wx.openSetting` (SPEC §4): what is reported, the user-tap
//! rule, and how the settings page moves scopes between granted and denied.

mod common;

use common::*;
use miniapp_auth::ScopeSetting;

#[test]
fn get_setting_reports_only_asked_scopes_plus_the_always_true_ones() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Deny, Answer::Dismiss]);
    let engine = db.open(ui);
    let me = caller("u1", "wxA");
    for scope in ["scope.record", "scope.camera", "scope.bluetooth"] {
        block_on(engine.authorize(me.clone(), scope.into()));
    }
    let setting = block_on(engine.get_setting(me.clone(), false));
    assert_eq!(
        setting.json,
        r#"{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.camera":false,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}"#
    );
    let with = block_on(engine.get_setting(me, true));
    let v: serde_json::Value = serde_json::from_str(&with.json).unwrap();
    assert_eq!(v["subscriptionsSetting"]["mainSwitch"], true);
    assert_eq!(v["authSetting"]["scope.record"], true);
}

#[test]
fn open_setting_needs_a_user_tap() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    let result = block_on(engine.open_setting(caller("u1", "wxA"), false));
    assert_eq!(
        result.json,
        r#"{"errMsg":"openSetting:fail can only be invoked by user TAP gesture.","errno":1105}"#
    );
    assert_eq!(ui.dialogs(), 0);
}

#[test]
fn the_settings_page_moves_scopes_both_ways_and_only_those_it_showed() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Deny]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    block_on(engine.authorize(me.clone(), "scope.record".into()));
    block_on(engine.authorize(me.clone(), "scope.camera".into()));
    ui.on_settings(|page| {
        let mut answer: Vec<ScopeSetting> = page
            .items
            .iter()
            .map(|i| ScopeSetting {
                granted: !i.granted,
                ..i.clone()
            })
            .collect();
        // A host that slips in a scope the user never saw must not grant it.
        answer.push(ScopeSetting {
            scope: "scope.bluetooth".into(),
            title: String::new(),
            granted: true,
        });
        answer
    });
    let opened = block_on(engine.open_setting(me.clone().with_tap(), false));
    assert!(opened.ok, "{}", opened.json);
    let shown = match &ui.shown.lock().unwrap()[2] {
        Shown::Settings(r) => r.clone(),
        other => panic!("expected the settings page, got {other:?}"),
    };
    let items: Vec<(&str, bool)> = shown
        .items
        .iter()
        .map(|i| (i.scope.as_str(), i.granted))
        .collect();
    assert_eq!(items, vec![("scope.camera", false), ("scope.record", true)]);
    let setting = auth_setting(&opened.json);
    assert_eq!(setting["scope.camera"], true);
    assert_eq!(setting["scope.record"], false);
    assert!(!setting.contains_key("scope.bluetooth"));
    // The page's decisions are the stored ones: authorize now answers from them.
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.camera".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(
        block_on(engine.authorize(me, "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(
        ui.dialogs(),
        3,
        "no new consent dialog after the settings page"
    );
}

#[test]
fn a_failing_settings_page_changes_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    block_on(engine.authorize(me.clone(), "scope.record".into()));
    // No settings script: the host throws.
    let result = block_on(engine.open_setting(me.clone().with_tap(), false));
    assert_eq!(
        result.json,
        r#"{"errMsg":"openSetting:fail host dialog failed","errno":1301}"#
    );
    assert_eq!(
        auth_setting(&block_on(engine.get_setting(me, false)).json)["scope.record"],
        true
    );
    assert_eq!(engine.open_flights(), 0);
}
