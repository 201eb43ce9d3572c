//! The bridge for a page script's calls (`AuthEngine::handle_page_call`,
//! issue #21 item 7): the runtime's own call — the tap on the rendered agree
//! button — is refused when a page sends it, however the page spells the name
//! (JSON escapes decode to the same API), so a mini app cannot agree for the
//! user; every other call answers as `handle` does.

mod common;

use common::*;
use miniapp_auth::Caller;

fn manifest_with_contract() -> String {
    manifest(Some(("Demo guide", &["scope.record"])))
}

#[test]
fn a_page_cannot_agree_to_the_privacy_contract_for_the_user() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .register_manifest("wxA".into(), manifest_with_contract())
        .unwrap();
    let tapped = Caller {
        user_gesture: true,
        ..caller("u1", "wxA")
    };
    for call in [
        r#"{"api":"agreePrivacyAuthorization","args":{"buttonId":"agree-btn"}}"#,
        r#"{"api":"agree\u0050rivacyAuthorization","args":{}}"#,
    ] {
        assert_eq!(
            block_on(engine.handle_page_call(tapped.clone(), call.into(), None)),
            r#"{"errMsg":"agreePrivacyAuthorization:fail api is not supported","errno":100}"#,
            "{call}"
        );
    }
    // Nothing was agreed: the privacy setting still needs the user.
    let setting = block_on(engine.handle_page_call(
        caller("u1", "wxA"),
        r#"{"api":"getPrivacySetting"}"#.into(),
        None,
    ));
    assert!(setting.contains(r#""needAuthorization":true"#), "{setting}");
    // The runtime's own report of the tap agrees.
    let agreed = block_on(engine.agree_privacy_authorization(tapped, Some("agree-btn".into())));
    assert!(agreed.ok, "{}", agreed.json);
}

#[test]
fn every_other_page_call_answers_as_the_bridge_does() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[Answer::Deny]));
    for call in [
        r#"{"api":"authorize","args":{"scope":"scope.record"}}"#,
        r#"{"api":"getSetting"}"#,
        "not json",
        r#"{"api":"noSuchApi"}"#,
    ] {
        assert_eq!(
            block_on(engine.handle_page_call(caller("u1", "wxB"), call.into(), None)),
            block_on(engine.handle(caller("u1", "wxB"), call.into())),
            "{call}"
        );
    }
}
