//! Subscription messages (issue #12, SPEC §4, §5): `wx.requestSubscribeMessage`
//! end to end, as WeChat documents it (developers.weixin.qq.com
//! …/api/open-api/subscribe-message/wx.requestSubscribeMessage.md): a tap is
//! required ("仅在点击行为时调用"); the result names each template
//! `accept`/`reject`/`ban`/`filter`; failures carry WeChat's `errCode` (10001
//! empty `tmplIds`, 10004 invalid template id, 20003 more than allowed — "一次调用
//! 最多可订阅5条消息" — 20004 main switch off, 20005 the app is banned); a choice
//! the user kept ("总是保持以上选择，不再询问") is answered without a dialog and
//! shows in `getSetting({withSubscriptions: true}).subscriptionsSetting.itemSettings`.

mod common;

use common::*;
use miniapp_auth::{SubscribeAnswer, SubscribeChoice, SubscribeFailure, TemplateChoice};
use serde_json::{json, Value};

fn request(engine: &miniapp_auth::AuthEngine, tap: bool, tmpl_ids: Value) -> Value {
    let me = if tap {
        caller("u1", "wxA").with_tap()
    } else {
        caller("u1", "wxA")
    };
    let call = json!({"api": "requestSubscribeMessage", "args": {"tmplIds": tmpl_ids}});
    serde_json::from_str(&block_on(engine.handle(me, call.to_string()))).unwrap()
}

fn chosen(choices: &[(&str, SubscribeChoice)], keep: bool) -> SubscribeAnswer {
    SubscribeAnswer::Chosen {
        choices: choices
            .iter()
            .map(|(id, choice)| TemplateChoice {
                tmpl_id: id.to_string(),
                choice: *choice,
            })
            .collect(),
        keep,
    }
}

fn subscriptions_setting(engine: &miniapp_auth::AuthEngine) -> Value {
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), true));
    let value: Value = serde_json::from_str(&setting.json).unwrap();
    value["subscriptionsSetting"].clone()
}

#[test]
fn each_template_is_answered_and_nothing_is_kept_by_default() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    ui.push_subscribe(chosen(
        &[
            ("TMPL_A", SubscribeChoice::Accept),
            ("TMPL_B", SubscribeChoice::Reject),
            ("TMPL_C", SubscribeChoice::Filter),
        ],
        false,
    ));
    let engine = db.open(ui.clone());
    let result = request(&engine, true, json!(["TMPL_A", "TMPL_B", "TMPL_C"]));
    assert_eq!(
        result,
        json!({"errMsg": "requestSubscribeMessage:ok", "TMPL_A": "accept", "TMPL_B": "reject", "TMPL_C": "filter"})
    );
    let asked = ui.subscribe_requests();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].tmpl_ids, ["TMPL_A", "TMPL_B", "TMPL_C"]);
    assert_eq!(
        subscriptions_setting(&engine),
        json!({"mainSwitch": true, "itemSettings": {}})
    );
    // Not kept: the next request asks again.
    ui.push_subscribe(chosen(&[("TMPL_A", SubscribeChoice::Reject)], false));
    assert_eq!(
        request(&engine, true, json!(["TMPL_A"]))["TMPL_A"],
        "reject"
    );
    assert_eq!(ui.subscribe_requests().len(), 2);
    // Every answer is in the consent log.
    let records = engine.consent_records(Some("u1".into())).unwrap();
    let summary: Vec<(Option<&str>, &str)> = records
        .iter()
        .map(|r| (r.template.as_deref(), r.decision.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Some("TMPL_A"), "subscribed"),
            (Some("TMPL_B"), "declined"),
            (Some("TMPL_C"), "filtered"),
            (Some("TMPL_A"), "declined"),
        ]
    );
}

#[test]
fn a_kept_choice_is_answered_without_a_dialog_and_listed_in_item_settings() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    ui.push_subscribe(chosen(
        &[
            ("TMPL_A", SubscribeChoice::Accept),
            ("TMPL_B", SubscribeChoice::Reject),
        ],
        true,
    ));
    let engine = db.open(ui.clone());
    request(&engine, true, json!(["TMPL_A", "TMPL_B"]));
    assert_eq!(
        subscriptions_setting(&engine),
        json!({"mainSwitch": true, "itemSettings": {"TMPL_A": "accept", "TMPL_B": "reject"}})
    );
    // Kept: answered from the choice; only the new template is asked about.
    ui.push_subscribe(chosen(&[("TMPL_C", SubscribeChoice::Accept)], false));
    assert_eq!(
        request(&engine, true, json!(["TMPL_B", "TMPL_A", "TMPL_C"])),
        json!({"errMsg": "requestSubscribeMessage:ok", "TMPL_B": "reject", "TMPL_A": "accept", "TMPL_C": "accept"})
    );
    let asked = ui.subscribe_requests();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].tmpl_ids, ["TMPL_C"]);
    // All kept: no dialog at all. And it survives a restart.
    drop(engine);
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    assert_eq!(
        request(&engine, true, json!(["TMPL_A"]))["TMPL_A"],
        "accept"
    );
    assert!(ui.subscribe_requests().is_empty());
    // Resetting the app forgets the choices.
    engine.reset_app("wxA".into(), Some("u1".into())).unwrap();
    assert_eq!(
        subscriptions_setting(&engine),
        json!({"mainSwitch": true, "itemSettings": {}})
    );
}

#[test]
fn wechats_err_codes() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    assert_eq!(
        request(&engine, false, json!(["TMPL_A"])),
        json!({"errMsg": "requestSubscribeMessage:fail can only be invoked by user TAP gesture.", "errno": 1105})
    );
    let code = |tmpl_ids: Value| request(&engine, true, tmpl_ids)["errCode"].clone();
    assert_eq!(code(json!([])), 10001);
    assert_eq!(code(json!(["TMPL A"])), 10004);
    assert_eq!(code(json!([""])), 10004);
    assert_eq!(code(json!(["A", "B", "C", "D", "E", "F"])), 20003);
    let wrong_type = request(&engine, true, json!("TMPL_A"));
    assert_eq!(wrong_type["errno"], 1001, "{wrong_type}");
    assert!(
        ui.subscribe_requests().is_empty(),
        "no dialog for a bad request"
    );
    let failed = request(&engine, true, json!([]));
    assert_eq!(
        failed,
        json!({"errMsg": "requestSubscribeMessage:fail TmplIds can't be empty", "errCode": 10001, "errno": 10001})
    );
    // The host's server says the app may not subscribe.
    ui.push_subscribe(SubscribeAnswer::AppBanned);
    assert_eq!(code(json!(["TMPL_A"])), 20005);
    // Five are allowed.
    ui.push_subscribe(chosen(&[], false));
    let five = request(&engine, true, json!(["A", "B", "C", "D", "E"]));
    assert_eq!(five["errMsg"], "requestSubscribeMessage:ok");
    assert_eq!(
        five["A"], "reject",
        "a template the dialog did not answer was not accepted"
    );
}

/// WeChat's failures only the host's server can know of (SPEC §4), with the
/// page's own texts (wx.requestSubscribeMessage.md, "错误码"): 10002 "Request
/// list fail", 10003 "Request subscribe fail", 10005 "Cannot show subscribe
/// message UI", 20001 "No template data return, verify the template id exist",
/// 20002 "Templates type must be same", 20013 "Reject DeviceMsg Template".
const HOST_FAILURES: [(SubscribeFailure, u32, &str); 6] = [
    (
        SubscribeFailure::RequestListFailed,
        10002,
        "Request list fail",
    ),
    (
        SubscribeFailure::RequestSubscribeFailed,
        10003,
        "Request subscribe fail",
    ),
    (
        SubscribeFailure::CannotShowUi,
        10005,
        "Cannot show subscribe message UI",
    ),
    (
        SubscribeFailure::NoTemplateData,
        20001,
        "No template data return, verify the template id exist",
    ),
    (
        SubscribeFailure::TemplateTypesMixed,
        20002,
        "Templates type must be same",
    ),
    (
        SubscribeFailure::DeviceMessageTemplate,
        20013,
        "Reject DeviceMsg Template",
    ),
];

#[test]
fn the_host_fails_a_call_with_wechats_other_codes_byte_exact_and_nothing_is_recorded() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    for (failure, code, text) in HOST_FAILURES {
        ui.push_subscribe(SubscribeAnswer::Failed { failure });
        let me = caller("u1", "wxA").with_tap();
        let call =
            json!({"api": "requestSubscribeMessage", "args": {"tmplIds": ["TMPL_A", "TMPL_B"]}});
        let raw = block_on(engine.handle(me, call.to_string()));
        assert_eq!(
            raw,
            format!(
                r#"{{"errMsg":"requestSubscribeMessage:fail {text}","errCode":{code},"errno":{code}}}"#
            )
        );
    }
    assert_eq!(ui.subscribe_requests().len(), HOST_FAILURES.len());
    // A failure is not the user's decision: nothing kept, nothing in the log…
    assert!(engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .is_empty());
    assert_eq!(
        subscriptions_setting(&engine),
        json!({"mainSwitch": true, "itemSettings": {}})
    );
    // …and the next call asks again.
    ui.push_subscribe(chosen(&[("TMPL_A", SubscribeChoice::Accept)], true));
    assert_eq!(
        request(&engine, true, json!(["TMPL_A"]))["TMPL_A"],
        "accept"
    );
    assert_eq!(ui.subscribe_requests().len(), HOST_FAILURES.len() + 1);
}

#[test]
fn a_host_failure_is_named_by_wechats_code_and_only_the_host_codes_name_one() {
    for (failure, code, _) in HOST_FAILURES {
        assert_eq!(failure.err_code(), code);
        assert_eq!(SubscribeFailure::from_err_code(code), Some(failure));
    }
    assert_eq!(SubscribeFailure::ALL.len(), HOST_FAILURES.len());
    // The core's own checks (10001, 10004, 20003, 20004) and the app ban, which
    // has its own answer (`AppBanned`), are not a host failure; nor is anything else.
    for code in [
        0,
        1,
        10001,
        10004,
        10006,
        20003,
        20004,
        20005,
        20014,
        u32::MAX,
    ] {
        assert_eq!(SubscribeFailure::from_err_code(code), None, "{code}");
    }
}

#[test]
fn the_main_switch_off_refuses_every_request_without_a_dialog() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    engine
        .set_subscriptions_main_switch("u1".into(), "wxA".into(), false)
        .unwrap();
    assert_eq!(
        subscriptions_setting(&engine),
        json!({"mainSwitch": false, "itemSettings": {}})
    );
    assert_eq!(request(&engine, true, json!(["TMPL_A"]))["errCode"], 20004);
    assert!(ui.subscribe_requests().is_empty());
    engine
        .set_subscriptions_main_switch("u1".into(), "wxA".into(), true)
        .unwrap();
    ui.push_subscribe(chosen(&[("TMPL_A", SubscribeChoice::Accept)], false));
    assert_eq!(
        request(&engine, true, json!(["TMPL_A"]))["TMPL_A"],
        "accept"
    );
}

#[test]
fn a_kept_acceptance_inserted_behind_the_engines_back_is_not_honoured() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    drop(engine);
    db.raw()
        .execute(
            "INSERT INTO subscription_choices (user_id, app_id, tmpl_id, choice) VALUES ('u1', 'wxA', 'TMPL_A', 'accept')",
            [],
        )
        .unwrap();
    let engine = db.open(ui.clone());
    assert_eq!(subscriptions_setting(&engine)["itemSettings"], json!({}));
    ui.push_subscribe(chosen(&[("TMPL_A", SubscribeChoice::Reject)], false));
    assert_eq!(
        request(&engine, true, json!(["TMPL_A"]))["TMPL_A"],
        "reject"
    );
    assert_eq!(ui.subscribe_requests().len(), 1, "the user was asked");
    assert!(!engine.verify_consent_log().unwrap().intact);
}

/// `openSetting({withSubscriptions: true})`: the settings page shows the main
/// switch and the kept choices, and the user switches both there (WeChat's
/// openSetting gained `withSubscriptions` in 2.10.3).
#[test]
fn the_settings_page_switches_the_main_switch_and_kept_choices() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    ui.push_subscribe(chosen(
        &[
            ("TMPL_A", SubscribeChoice::Accept),
            ("TMPL_B", SubscribeChoice::Accept),
        ],
        true,
    ));
    let engine = db.open(ui.clone());
    request(&engine, true, json!(["TMPL_A", "TMPL_B"]));
    ui.on_settings(|page| page.items.clone());
    // Without withSubscriptions the page has no subscription part.
    let plain = block_on(engine.open_setting(caller("u1", "wxA").with_tap(), false));
    assert!(
        !plain.json.contains("subscriptionsSetting"),
        "{}",
        plain.json
    );
    // The user turns TMPL_A to reject, takes TMPL_B off, and switches all off.
    ui.on_subscriptions_page(|shown| {
        assert!(shown.main_switch);
        miniapp_auth::SubscriptionsSetting {
            main_switch: false,
            item_settings: vec![TemplateChoice {
                tmpl_id: "TMPL_A".into(),
                choice: SubscribeChoice::Reject,
            }],
        }
    });
    let opened = block_on(engine.open_setting(caller("u1", "wxA").with_tap(), true));
    let value: Value = serde_json::from_str(&opened.json).unwrap();
    assert_eq!(
        value["subscriptionsSetting"],
        json!({"mainSwitch": false, "itemSettings": {"TMPL_A": "reject"}}),
        "{value}"
    );
    match &ui.shown.lock().unwrap().last().unwrap() {
        Shown::Settings(page) => assert_eq!(
            page.subscriptions.as_ref().unwrap().item_settings.len(),
            2,
            "the page showed both kept choices"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(request(&engine, true, json!(["TMPL_A"]))["errCode"], 20004);
    // Recorded, from the settings page.
    let records = engine.consent_records(Some("u1".into())).unwrap();
    let from_settings: Vec<(Option<&str>, &str)> = records
        .iter()
        .filter(|r| r.source == "settings")
        .map(|r| (r.template.as_deref(), r.decision.as_str()))
        .collect();
    assert_eq!(
        from_settings,
        [
            (None, "subscriptions-off"),
            (Some("TMPL_A"), "declined"),
            (Some("TMPL_B"), "revoked"),
        ]
    );
    assert!(engine.verify_consent_log().unwrap().intact);
}
