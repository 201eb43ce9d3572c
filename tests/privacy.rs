//! The privacy-agreement APIs (SPEC §4): getPrivacySetting,
//! requirePrivacyAuthorize and openPrivacyContract.

mod common;

use common::*;

#[test]
fn get_privacy_setting_reports_whether_agreement_is_needed() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.get_privacy_setting(me.clone())).json,
        r#"{"errMsg":"getPrivacySetting:ok","needAuthorization":false,"privacyContractName":""}"#,
        "an app without a contract needs no agreement"
    );
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    assert_eq!(
        block_on(engine.get_privacy_setting(me.clone())).json,
        r#"{"errMsg":"getPrivacySetting:ok","needAuthorization":true,"privacyContractName":"Demo guide"}"#
    );
    assert_eq!(
        block_on(engine.require_privacy_authorize(me.clone())).json,
        r#"{"errMsg":"requirePrivacyAuthorize:ok"}"#
    );
    assert_eq!(
        block_on(engine.get_privacy_setting(me.clone())).json,
        r#"{"errMsg":"getPrivacySetting:ok","needAuthorization":false,"privacyContractName":"Demo guide"}"#
    );
    // Agreed: no further prompt.
    assert_eq!(
        block_on(engine.require_privacy_authorize(me)).json,
        r#"{"errMsg":"requirePrivacyAuthorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn require_privacy_authorize_fails_104_on_disagreement() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Disagree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("3", &["scope.record"]))))
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.require_privacy_authorize(me.clone())).json,
        r#"{"errMsg":"requirePrivacyAuthorize:fail privacy permission is not authorized","errno":104}"#
    );
    match &ui.shown.lock().unwrap()[0] {
        Shown::Privacy(r) => {
            assert_eq!(r.contract_name, "Demo guide");
            assert_eq!(r.contract_version, "3");
            assert_eq!(r.referrer, "requirePrivacyAuthorize");
        }
        other => panic!("expected a privacy prompt, got {other:?}"),
    }
    assert_eq!(
        block_on(engine.get_privacy_setting(me)).json,
        r#"{"errMsg":"getPrivacySetting:ok","needAuthorization":true,"privacyContractName":"Demo guide"}"#
    );
}

#[test]
fn open_privacy_contract_shows_it_through_the_host() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.open_privacy_contract(me.clone())).json,
        r#"{"errMsg":"openPrivacyContract:fail no privacy contract","errno":1110}"#
    );
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &[]))))
        .unwrap();
    assert_eq!(
        block_on(engine.open_privacy_contract(me)).json,
        r#"{"errMsg":"openPrivacyContract:ok"}"#
    );
    assert!(matches!(ui.shown.lock().unwrap()[0], Shown::Contract(_)));
}

/// WeChat's privacy guide ("小程序隐私协议开发指南", 2023-09) lists chooseAddress,
/// chooseInvoice and chooseInvoiceTitle among the APIs that need the privacy
/// agreement, though their scopes are no longer gated: the guarded call goes
/// through the privacy gate, while `authorize` on those scopes stays ok.
#[test]
fn private_info_apis_of_ungated_scopes_still_need_the_privacy_agreement() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[
        Answer::Disagree, // requirePrivacyAuthorize
        Answer::Disagree, // chooseAddress asks again, after the 10 s gap
        Answer::Agree,    // chooseInvoice
    ]);
    let clock = clock();
    let engine = db.open_clocked(
        ui.clone(),
        miniapp_auth::EngineConfig::default(),
        clock.clone(),
    );
    engine
        .register_manifest(
            "wxA".into(),
            r#"{"requiredPrivateInfos":["chooseAddress"],
                "privacy":{"contractName":"Guide","version":"1",
                           "scopes":["scope.address","scope.invoice"]}}"#
                .into(),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.require_privacy_authorize(me.clone())).json,
        r#"{"errMsg":"requirePrivacyAuthorize:fail privacy permission is not authorized","errno":104}"#
    );
    clock.advance(10_000);
    assert_eq!(
        block_on(engine.ensure(me.clone(), "chooseAddress".into())).json,
        r#"{"errMsg":"chooseAddress:fail privacy permission is not authorized","errno":104}"#
    );
    // Not declared in the contract: refused without a prompt.
    assert_eq!(
        block_on(engine.ensure(me.clone(), "chooseInvoiceTitle".into())).json,
        r#"{"errMsg":"chooseInvoiceTitle:fail api scope is not declared in the privacy agreement","errno":112}"#
    );
    assert_eq!(ui.dialogs(), 2);
    // authorize on an always-true scope stays ok, without a prompt.
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.address".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 2);
    clock.advance(10_000);
    // Agreed through chooseInvoice: from then on they pass.
    assert_eq!(
        block_on(engine.ensure(me.clone(), "chooseInvoice".into())).json,
        r#"{"errMsg":"chooseInvoice:ok"}"#
    );
    assert_eq!(
        block_on(engine.ensure(me.clone(), "chooseAddress".into())).json,
        r#"{"errMsg":"chooseAddress:ok"}"#
    );
    assert_eq!(ui.dialogs(), 3);
}
