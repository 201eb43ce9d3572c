//! What a plugin may not do (issue #22, SPEC §4 "(plugins)"). WeChat offers
//! plugins neither `wx.authorize` ("在插件中使用：不支持" — a plugin asks with
//! `authorizeForMiniProgram`, developers.weixin.qq.com
//! …/api/open-api/authorize/wx.authorize.html) nor subscription messages
//! (wx.getSetting: "withSubscriptions … 在插件中使用时无效" / "插件暂无订阅消息";
//! "miniprogramAuthSetting … （不含订阅状态）"). The core keeps these rules, so
//! every host and binding gets them.

mod common;

use common::*;
use miniapp_auth::{SubscribeAnswer, SubscribeChoice, TemplateChoice};
use serde_json::{json, Value};

fn plugin() -> miniapp_auth::Caller {
    caller("u1", "wxA").with_plugin("p1")
}

fn parsed(json: &str) -> Value {
    serde_json::from_str(json).unwrap()
}

#[test]
fn authorize_from_a_plugin_fails_at_once_with_errno_100_and_grants_nothing() {
    let db = TempDb::new();
    // Were a dialog shown, the person would agree and allow.
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow, Answer::Allow]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    for tap in [false, true] {
        let me = if tap { plugin().with_tap() } else { plugin() };
        assert_eq!(
            block_on(engine.authorize(me.clone(), "scope.record".into())).json,
            r#"{"errMsg":"authorize:fail api is not supported","errno":100}"#
        );
        // The same through the bridge's JSON entry point.
        let call = json!({"api": "authorize", "args": {"scope": "scope.record"}});
        assert_eq!(
            parsed(&block_on(engine.handle(me, call.to_string()))),
            json!({"errMsg": "authorize:fail api is not supported", "errno": 100})
        );
    }
    // Even a scope that never prompts, and an invalid one: the API itself is absent.
    assert_eq!(
        block_on(engine.authorize(plugin(), "scope.userInfo".into())).json,
        r#"{"errMsg":"authorize:fail api is not supported","errno":100}"#
    );
    assert_eq!(
        block_on(engine.authorize(plugin(), "scope.nonsense".into())).json,
        r#"{"errMsg":"authorize:fail api is not supported","errno":100}"#
    );
    assert_eq!(ui.dialogs(), 0, "no privacy popup, no consent dialog");
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert!(engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .is_empty());
    // What a plugin does have: authorizeForMiniProgram (the app's grant) and
    // the guarded APIs in its own namespace.
    assert_eq!(
        block_on(engine.authorize_for_mini_program(plugin(), "scope.record".into())).json,
        r#"{"errMsg":"authorizeForMiniProgram:ok"}"#
    );
    assert_eq!(
        block_on(engine.ensure(plugin(), "startRecord".into())).json,
        r#"{"errMsg":"startRecord:ok"}"#
    );
    assert_eq!(ui.dialogs(), 3, "privacy popup, then one dialog each");
}

fn chosen_and_kept(engine: &miniapp_auth::AuthEngine, ui: &ScriptedUi) {
    ui.push_subscribe(SubscribeAnswer::Chosen {
        choices: vec![TemplateChoice {
            tmpl_id: "TMPL_A".into(),
            choice: SubscribeChoice::Accept,
        }],
        keep: true,
    });
    let call = json!({"api": "requestSubscribeMessage", "args": {"tmplIds": ["TMPL_A"]}});
    let app = caller("u1", "wxA").with_tap();
    assert_eq!(
        parsed(&block_on(engine.handle(app, call.to_string())))["TMPL_A"],
        "accept"
    );
}

#[test]
fn get_setting_from_a_plugin_ignores_with_subscriptions() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    chosen_and_kept(&engine, &ui);
    let from_app = parsed(&block_on(engine.get_setting(caller("u1", "wxA"), true)).json);
    assert_eq!(
        from_app["subscriptionsSetting"],
        json!({"mainSwitch": true, "itemSettings": {"TMPL_A": "accept"}})
    );
    let from_plugin = parsed(&block_on(engine.get_setting(plugin(), true)).json);
    assert!(
        from_plugin.get("subscriptionsSetting").is_none(),
        "{from_plugin}"
    );
    assert!(
        from_plugin["miniprogramAuthSetting"]
            .get("subscriptionsSetting")
            .is_none(),
        "{from_plugin}"
    );
    assert_eq!(from_plugin["errMsg"], "getSetting:ok");
    // The JSON entry point too.
    let call = json!({"api": "getSetting", "args": {"withSubscriptions": true}});
    let through_json = parsed(&block_on(engine.handle(plugin(), call.to_string())));
    assert!(through_json.get("subscriptionsSetting").is_none());
}

#[test]
fn open_setting_from_a_plugin_shows_and_answers_no_subscriptions() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    chosen_and_kept(&engine, &ui);
    // The person closes the page without changing anything.
    ui.on_settings(|page| page.items.clone());
    let result = parsed(&block_on(engine.open_setting(plugin().with_tap(), true)).json);
    assert_eq!(result["errMsg"], "openSetting:ok");
    assert!(result.get("subscriptionsSetting").is_none(), "{result}");
    let shown = ui.shown.lock().unwrap().clone();
    let Some(Shown::Settings(page)) = shown.last() else {
        panic!("no settings page: {shown:?}")
    };
    assert_eq!(page.plugin_id.as_deref(), Some("p1"));
    assert!(
        page.subscriptions.is_none(),
        "the plugin's page shows no subscriptions"
    );
}

#[test]
fn request_subscribe_message_from_a_plugin_fails_at_once_and_records_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    let call = json!({"api": "requestSubscribeMessage", "args": {"tmplIds": ["TMPL_A"]}});
    assert_eq!(
        parsed(&block_on(
            engine.handle(plugin().with_tap(), call.to_string())
        )),
        json!({"errMsg": "requestSubscribeMessage:fail api is not supported", "errno": 100})
    );
    assert!(ui.subscribe_requests().is_empty());
    assert!(engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .is_empty());
}

/// A plugin whose own namespace already holds a grant (through its guarded
/// API) still has no `authorize`: neither the full call nor the answer from
/// memory (`CallerHandle::authorize_cached`, the layers' hot path) lets it through.
#[test]
fn a_plugins_own_grant_does_not_open_authorize_from_memory() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    assert_eq!(
        block_on(engine.ensure(plugin(), "startRecord".into())).json,
        r#"{"errMsg":"startRecord:ok"}"#
    );
    let handle = engine
        .caller_handle("u1".into(), "wxA".into(), Some("p1".into()))
        .unwrap();
    let record = engine.scope_number("scope.record".into()).unwrap();
    assert!(!handle.authorize_cached(record));
    assert_eq!(
        block_on(handle.authorize(record)).json,
        r#"{"errMsg":"authorize:fail api is not supported","errno":100}"#
    );
    assert_eq!(
        block_on(engine.authorize(plugin(), "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail api is not supported","errno":100}"#
    );
}
