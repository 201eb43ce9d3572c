//! Host faults (issue #5): a `ConsentUi` that throws, panics, answers twice,
//! answers after the caller gave up, or never answers — no grant, no lock held,
//! no flight left behind, and other apps keep working.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::bridge::Bridge;
use common::*;
use miniapp_auth::{
    ConsentDecision, ConsentUi, HostError, OsPermission, OsPermissionProbe, OsPermissionStatus,
    PrivacyDecision, PrivacyRequest, ScopeRequest, SettingsAnswer, SettingsRequest,
    SubscribeAnswer, SubscribeRequest,
};

/// A host whose every dialog panics.
struct PanickingUi(AtomicUsize);

#[async_trait::async_trait]
impl ConsentUi for PanickingUi {
    async fn ask_scope(&self, _: ScopeRequest) -> Result<ConsentDecision, HostError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("the host's dialog code panicked");
    }
    async fn ask_scope_with_privacy(
        &self,
        _: ScopeRequest,
    ) -> Result<miniapp_auth::CombinedDecision, HostError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        panic!("the host's combined dialog panicked");
    }
    async fn show_settings(&self, _: SettingsRequest) -> Result<SettingsAnswer, HostError> {
        panic!("the settings page panicked");
    }
    async fn ask_privacy(&self, _: PrivacyRequest) -> Result<PrivacyDecision, HostError> {
        panic!("the privacy prompt panicked");
    }
    async fn show_privacy_contract(&self, _: PrivacyRequest) -> Result<(), HostError> {
        panic!("the contract view panicked");
    }
    async fn ask_subscribe(&self, _: SubscribeRequest) -> Result<SubscribeAnswer, HostError> {
        panic!("the subscribe dialog panicked");
    }
}

struct PanickingProbe;
impl OsPermissionProbe for PanickingProbe {
    fn status(&self, _: OsPermission) -> Result<OsPermissionStatus, HostError> {
        panic!("the probe panicked");
    }
}

const FAILED: &str = r#"{"errMsg":"authorize:fail host dialog failed","errno":1301}"#;

#[test]
fn a_panicking_host_grants_nothing_and_holds_nothing() {
    let db = TempDb::new();
    let ui = Arc::new(PanickingUi(AtomicUsize::new(0)));
    let engine = miniapp_auth::AuthEngine::open(db.path(), ui.clone(), None).unwrap();
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        FAILED
    );
    assert_eq!(
        block_on(engine.open_setting(me.clone().with_tap(), false)).json,
        r#"{"errMsg":"openSetting:fail host dialog failed","errno":1301}"#
    );
    assert_eq!(
        block_on(engine.open_privacy_contract(me.clone())).json,
        r#"{"errMsg":"openPrivacyContract:fail host dialog failed","errno":1301}"#
    );
    // No manifest for wxB: the consent dialog itself panics.
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxB"), "scope.camera".into())).json,
        FAILED
    );
    assert_eq!(ui.0.load(Ordering::SeqCst), 1);
    assert_eq!(engine.open_flights(), 0);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    // A panicking OS probe is ignored; the stored decision decides.
    engine
        .set_grant("u1".into(), "wxB".into(), None, "scope.record".into(), true)
        .unwrap();
    engine.set_os_permission_probe(Some(Arc::new(PanickingProbe)));
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxB"), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
}

#[test]
fn an_answer_after_the_caller_gave_up_grants_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Dismiss]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    let mut call = Box::pin(engine.authorize(me.clone(), "scope.record".into()));
    assert!(poll_once(&mut call).is_pending());
    eventually("the dialog is open", || ui.held() == 1);
    drop(call); // the mini app went away
                // The call runs on the core's I/O threads; the cancellation reaches it there.
    eventually("the host's dialog future is dropped with it", || {
        ui.held() == 0
    });
    eventually("no flight is left", || engine.open_flights() == 0);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert_eq!(
        block_on(engine.authorize(me, "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail auth canceled","errno":1101}"#,
        "asked again: the abandoned dialog decided nothing"
    );
}

#[test]
fn a_dialog_that_never_answers_does_not_stop_other_apps() {
    let db = TempDb::new();
    let config = miniapp_auth::EngineConfig {
        dialog_timeout_ms: 0, // wait forever
        ..Default::default()
    };
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Allow, Answer::Allow]);
    let engine = db.open_with(ui.clone(), config);
    let mut stuck = Box::pin(engine.authorize(caller("u1", "wxA"), "scope.record".into()));
    assert!(poll_once(&mut stuck).is_pending());
    eventually("its dialog is open", || ui.held() == 1);
    // Another app of the same user, and another user of the same app, go on.
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxB"), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(
        block_on(engine.authorize(caller("u2", "wxA"), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    // Reads never wait for a dialog.
    assert!(block_on(engine.get_setting(caller("u1", "wxA"), false)).ok);
    assert!(
        poll_once(&mut stuck).is_pending(),
        "still waiting for its person"
    );
    drop(stuck);
    eventually("no flight is left", || engine.open_flights() == 0);
}

#[test]
fn a_prompt_answered_twice_counts_once() {
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    bridge.send(
        r#"{"id":1,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.camera"}}"#,
    );
    let event = bridge.recv();
    bridge.decide(&event, "deny");
    assert_eq!(bridge.recv()["result"]["errno"], 103);
    bridge.decide(&event, "allow");
    let second = bridge.recv();
    assert_eq!(
        second["error"],
        format!("no open prompt {}", event["prompt"])
    );
    bridge.send(
        r#"{"id":2,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.camera"}}"#,
    );
    assert_eq!(bridge.recv()["result"]["errno"], 103, "still denied");
    assert_eq!(bridge.finish().1, 0);
}
