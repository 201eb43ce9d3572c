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
            assert_eq!(r.api, "requirePrivacyAuthorize");
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
