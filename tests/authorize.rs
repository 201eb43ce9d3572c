//! `wx.authorize` and the guarded-API gate: every row of SPEC §4 with its exact
//! result string, and every transition of SPEC §3, on real SQLite files.

mod common;

use std::sync::Arc;

use common::*;
use miniapp_auth::{
    AuthEngine, EngineConfig, HostError, OsPermission, OsPermissionProbe, OsPermissionStatus,
};

fn engine_with(
    answers: &[Answer],
    manifest_json: Option<String>,
) -> (TempDb, Arc<ScriptedUi>, Arc<AuthEngine>) {
    let db = TempDb::new();
    let ui = ScriptedUi::new(answers);
    let engine = db.open(ui.clone());
    if let Some(m) = manifest_json {
        engine.register_manifest("wxA".into(), m).unwrap();
    }
    (db, ui, engine)
}

fn authorize(engine: &AuthEngine, scope: &str) -> String {
    block_on(engine.authorize(caller("u1", "wxA"), scope.into())).json
}

#[test]
fn allow_grants_and_later_calls_succeed_without_a_dialog() {
    let (_db, ui, engine) = engine_with(&[Answer::Allow], None);
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 1, "granted → success at once, no dialog");
}

#[test]
fn deny_is_sticky() {
    let (_db, ui, engine) = engine_with(&[Answer::Deny, Answer::Allow], None);
    let deny = r#"{"errMsg":"authorize:fail auth deny","errno":103}"#;
    assert_eq!(authorize(&engine, "scope.camera"), deny);
    assert_eq!(authorize(&engine, "scope.camera"), deny);
    assert_eq!(ui.dialogs(), 1, "denied → fail at once, no dialog");
}

#[test]
fn dismiss_leaves_the_scope_unasked_and_asks_again() {
    let (_db, ui, engine) = engine_with(&[Answer::Dismiss, Answer::Allow], None);
    assert_eq!(
        authorize(&engine, "scope.bluetooth"),
        r#"{"errMsg":"authorize:fail auth canceled","errno":1101}"#
    );
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert!(!auth_setting(&setting.json).contains_key("scope.bluetooth"));
    assert_eq!(
        authorize(&engine, "scope.bluetooth"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn invalid_scopes_fail_without_a_dialog() {
    let (_db, ui, engine) = engine_with(&[], None);
    for scope in [
        "scope.location",
        "",
        "scope.RECORD",
        "record",
        "scope.record ",
    ] {
        assert_eq!(
            authorize(&engine, scope),
            r#"{"errMsg":"authorize:fail invalid scope","errno":1102}"#,
            "{scope:?}"
        );
    }
    assert_eq!(ui.dialogs(), 0);
}

#[test]
fn precise_location_needs_a_purpose_string() {
    let (_db, ui, engine) = engine_with(&[Answer::Allow], Some(r#"{"name":"Demo"}"#.into()));
    assert_eq!(
        authorize(&engine, "scope.userLocation"),
        r#"{"errMsg":"authorize:fail require permission desc","errno":1103}"#
    );
    assert_eq!(ui.dialogs(), 0);
    engine
        .register_manifest("wxA".into(), manifest(None))
        .unwrap();
    assert_eq!(
        authorize(&engine, "scope.userLocation"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    let asked = ui.scope_dialogs();
    assert_eq!(asked[0].purpose.as_deref(), Some("Find shops near you"));
    assert_eq!(asked[0].app_name, "Demo");
    assert_eq!(asked[0].scope_title, "Precise location");
    assert_eq!(asked[0].api, "authorize");
}

#[test]
fn privacy_gate_asks_first_and_disagreement_fails_104() {
    let m = manifest(Some(("1", &["scope.record", "scope.userLocation"])));
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Disagree]);
    let clock = clock();
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    engine.register_manifest("wxA".into(), m).unwrap();
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:fail privacy permission is not authorized","errno":104}"#
    );
    assert_eq!(ui.dialogs(), 1, "only the privacy prompt was shown");
    assert!(matches!(ui.shown.lock().unwrap()[0], Shown::Privacy(_)));
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert!(
        !auth_setting(&setting.json).contains_key("scope.record"),
        "stays unasked"
    );

    // After WeChat's 10 s gap (contract_updates.rs checks the gap itself).
    clock.advance(10_000);
    ui.push(&[Answer::Agree, Answer::Allow]);
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 3, "privacy prompt, then the consent dialog");
    // Agreement is remembered: the next scope asks only for itself.
    ui.push(&[Answer::Allow]);
    assert_eq!(
        authorize(&engine, "scope.userLocation"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 4);
}

#[test]
fn a_scope_missing_from_the_contract_fails_112_without_a_dialog() {
    let m = manifest(Some(("1", &["scope.userLocation"])));
    let (_db, ui, engine) = engine_with(&[], Some(m));
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:fail api scope is not declared in the privacy agreement","errno":112}"#
    );
    assert_eq!(ui.dialogs(), 0);
}

#[test]
fn with_the_reconsent_policy_a_new_contract_version_needs_agreement_and_consent_again() {
    // A host policy (WeChat keeps both: contract_updates.rs).
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow]);
    let clock = clock();
    let config = EngineConfig {
        reconsent_on_change: true,
        ..EngineConfig::default()
    };
    let engine = db.open_clocked(ui.clone(), config, clock.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    engine
        .register_manifest("wxA".into(), manifest(Some(("2", &["scope.record"]))))
        .unwrap();
    ui.push(&[Answer::Disagree]);
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:fail privacy permission is not authorized","errno":104}"#
    );
    // The grant was given under contract version 1: after agreeing to version
    // 2 the user is asked about the scope again (issue #4: re-consent).
    clock.advance(10_000);
    ui.push(&[Answer::Agree, Answer::Allow]);
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 5);
    assert!(matches!(ui.shown.lock().unwrap()[4], Shown::Scope(_)));
    // Now decided under version 2: no more dialogs.
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 5);
}

struct Probe(OsPermissionStatus);
impl OsPermissionProbe for Probe {
    fn status(&self, p: OsPermission) -> Result<OsPermissionStatus, HostError> {
        Ok(if p == OsPermission::Microphone {
            self.0
        } else {
            OsPermissionStatus::Granted
        })
    }
}

struct BrokenProbe;
impl OsPermissionProbe for BrokenProbe {
    fn status(&self, _: OsPermission) -> Result<OsPermissionStatus, HostError> {
        Err(HostError::Failed {
            reason: "probe crashed".into(),
        })
    }
}

#[test]
fn the_os_gate_fails_distinctly_and_leaves_the_grant_untouched() {
    let (_db, ui, engine) = engine_with(&[Answer::Allow], None);
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    engine.set_os_permission_probe(Some(Arc::new(Probe(OsPermissionStatus::Denied))));
    let denied = r#"{"errMsg":"authorize:fail system permission denied","errno":3}"#;
    assert_eq!(authorize(&engine, "scope.record"), denied);
    // Unasked + OS denied: no point asking the user.
    assert_eq!(
        block_on(engine.authorize(caller("u2", "wxA"), "scope.record".into())).json,
        denied
    );
    // Other scopes are unaffected.
    ui.push(&[Answer::Allow]);
    assert_eq!(
        authorize(&engine, "scope.camera"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    engine.set_os_permission_probe(Some(Arc::new(Probe(OsPermissionStatus::Granted))));
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#,
        "grant kept"
    );
    // A probe that throws tells nothing: the stored decision stands.
    engine.set_os_permission_probe(Some(Arc::new(BrokenProbe)));
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn user_info_never_prompts_and_always_true_scopes_succeed() {
    let (_db, ui, engine) = engine_with(&[], None);
    for scope in [
        "scope.userInfo",
        "scope.address",
        "scope.invoice",
        "scope.invoiceTitle",
    ] {
        assert_eq!(
            authorize(&engine, scope),
            r#"{"errMsg":"authorize:ok"}"#,
            "{scope}"
        );
    }
    assert_eq!(ui.dialogs(), 0);
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert_eq!(
        setting.json,
        format!(r#"{{"errMsg":"getSetting:ok","authSetting":{{{ALWAYS_TRUE}}}}}"#)
    );
}

#[test]
fn background_location_is_granted_only_on_the_settings_page() {
    let (_db, ui, engine) = engine_with(
        &[],
        Some(
            r#"{"permission":{"scope.userLocationBackground":{"desc":"Track your run"}},
                "requiredPrivateInfos":["startLocationUpdateBackground"]}"#
                .into(),
        ),
    );
    assert_eq!(
        authorize(&engine, "scope.userLocationBackground"),
        r#"{"errMsg":"authorize:fail scope can only be granted in the settings page","errno":1107}"#
    );
    assert_eq!(ui.dialogs(), 0);
    ui.on_settings(|r| {
        r.items
            .iter()
            .map(|i| miniapp_auth::ScopeSetting {
                granted: true,
                ..i.clone()
            })
            .collect()
    });
    let opened = block_on(engine.open_setting(caller("u1", "wxA").with_tap(), false));
    assert_eq!(
        auth_setting(&opened.json)["scope.userLocationBackground"],
        true
    );
    assert_eq!(
        authorize(&engine, "scope.userLocationBackground"),
        r#"{"errMsg":"authorize:ok"}"#
    );
}

#[test]
fn guarded_apis_answer_in_their_own_name() {
    let (_db, ui, engine) = engine_with(&[Answer::Deny], Some(manifest(None)));
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.ensure(me.clone(), "getLocation".into())).json,
        r#"{"errMsg":"getLocation:fail auth deny","errno":103}"#
    );
    assert_eq!(ui.scope_dialogs()[0].api, "getLocation");
    assert_eq!(ui.scope_dialogs()[0].scope, "scope.userLocation");
    assert_eq!(
        authorize(&engine, "scope.userLocation"),
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#,
        "the API and authorize share one decision"
    );
    ui.push(&[Answer::Allow]);
    assert_eq!(
        block_on(engine.ensure(me.clone(), "startRecord".into())).json,
        r#"{"errMsg":"startRecord:ok"}"#
    );
    assert_eq!(
        block_on(engine.ensure(me.clone(), "RecorderManager.start".into())).json,
        r#"{"errMsg":"RecorderManager.start:ok"}"#
    );
    assert_eq!(
        block_on(engine.ensure(me, "navigateTo".into())).json,
        r#"{"errMsg":"navigateTo:fail api is not supported","errno":100}"#
    );
}

#[test]
fn private_info_apis_must_be_declared() {
    let (_db, ui, engine) = engine_with(
        &[],
        Some(r#"{"permission":{"scope.userLocation":{"desc":"x"}}}"#.into()),
    );
    assert_eq!(
        block_on(engine.ensure(caller("u1", "wxA"), "getLocation".into())).json,
        r#"{"errMsg":"getLocation:fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json","errno":1108}"#
    );
    assert_eq!(ui.dialogs(), 0);
}

#[test]
fn a_throwing_host_grants_nothing() {
    let (_db, ui, engine) = engine_with(&[Answer::Fail, Answer::Allow], None);
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:fail host dialog failed","errno":1301}"#
    );
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert_eq!(engine.open_flights(), 0, "no lock or flight left behind");
    assert_eq!(
        authorize(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn invalid_callers_are_refused() {
    let (_db, ui, engine) = engine_with(&[], None);
    for (user, app) in [
        ("", "wxA"),
        ("u1", ""),
        ("u\u{0}1", "wxA"),
        (&"u".repeat(129)[..], "wxA"),
    ] {
        let result = block_on(engine.authorize(caller(user, app), "scope.record".into()));
        assert!(
            result.err_msg.starts_with("authorize:fail invalid caller"),
            "{}",
            result.err_msg
        );
        assert_eq!(result.errno, Some(1204));
    }
    assert_eq!(ui.dialogs(), 0);
}
