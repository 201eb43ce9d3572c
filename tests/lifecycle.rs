//! Lifetimes, soft denial, the dismissal embargo, auto-revoke and re-consent
//! (issue #4, SPEC §9) through the Rust API, on a manual clock — no sleeping.

mod common;

use std::sync::Arc;

use common::*;
use miniapp_auth::{AuthEngine, EngineConfig, GrantState, ScopeSetting};

const OK: &str = r#"{"errMsg":"authorize:ok"}"#;
const DENY: &str = r#"{"errMsg":"authorize:fail auth deny","errno":103}"#;
const CANCELED: &str = r#"{"errMsg":"authorize:fail auth canceled","errno":1101}"#;
const COOLING: &str = r#"{"errMsg":"authorize:fail auth canceled: not asking again for a while after repeated dismissals","errno":1111}"#;

fn auth(engine: &AuthEngine, scope: &str) -> String {
    block_on(engine.authorize(caller("u1", "wxA"), scope.into())).json
}

fn granted_rows(db: &TempDb) -> i64 {
    db.raw()
        .query_row("SELECT count(*) FROM grants WHERE state = 1", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn allow_once_lasts_for_the_run_and_never_reaches_the_disk() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::AllowOnce]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock());
    assert_eq!(auth(&engine, "scope.record"), OK);
    assert_eq!(auth(&engine, "scope.record"), OK, "granted for this run");
    assert_eq!(ui.dialogs(), 1);
    assert_eq!(
        auth_setting(&block_on(engine.get_setting(caller("u1", "wxA"), false)).json)
            ["scope.record"],
        true
    );
    assert_eq!(granted_rows(&db), 0, "never written to disk as granted");
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    // The host ends the app's run: asked again.
    engine.end_app_run("u1".into(), "wxA".into()).unwrap();
    ui.push(&[Answer::AllowOnce]);
    assert_eq!(auth(&engine, "scope.record"), OK);
    assert_eq!(ui.dialogs(), 2);
    // A restart (a new process) forgets it too.
    drop(engine);
    let ui2 = ScriptedUi::new(&[Answer::Dismiss]);
    let engine = db.open_clocked(ui2.clone(), EngineConfig::default(), clock());
    assert_eq!(auth(&engine, "scope.record"), CANCELED);
    assert_eq!(ui2.dialogs(), 1);
}

#[test]
fn allow_until_ends_on_time_and_maintenance_removes_it() {
    let db = TempDb::new();
    let clock = clock();
    let ui = ScriptedUi::new(&[Answer::AllowUntil(T0 + HOUR)]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    assert_eq!(auth(&engine, "scope.camera"), OK);
    let grants = engine.list_grants("u1".into(), None).unwrap();
    assert_eq!(grants[0].expires_at_ms, Some(T0 + HOUR));
    clock.advance(HOUR - 1);
    assert_eq!(auth(&engine, "scope.camera"), OK);
    assert_eq!(ui.dialogs(), 1);
    clock.advance(1);
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert!(
        !auth_setting(&setting.json).contains_key("scope.camera"),
        "ended: unasked"
    );
    ui.push(&[Answer::Deny]);
    assert_eq!(auth(&engine, "scope.camera"), DENY);
    assert_eq!(ui.dialogs(), 2, "asked again once it ended");

    // Maintenance removes an ended grant and records it.
    ui.push(&[Answer::AllowUntil(T0 + 2 * HOUR)]);
    assert_eq!(auth(&engine, "scope.record"), OK);
    clock.advance(2 * HOUR);
    let report = engine.run_maintenance().unwrap();
    assert_eq!((report.removed_expired, report.revoked_unused), (1, 0));
    let last = engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.decision.as_str(), last.source.as_str()),
        ("expired", "expiry")
    );
    assert_eq!(last.scope.as_deref(), Some("scope.record"));
}

#[test]
fn an_allow_until_in_the_past_lasts_for_this_run_only() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::AllowUntil(T0 - 1)]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock());
    assert_eq!(auth(&engine, "scope.camera"), OK);
    assert_eq!(granted_rows(&db), 0);
    assert_eq!(auth(&engine, "scope.camera"), OK);
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn soft_denial_asks_again_until_the_second_denial() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Deny, Answer::Deny]);
    let config = EngineConfig {
        soft_deny: true,
        ..EngineConfig::default()
    };
    let engine = db.open_clocked(ui.clone(), config, clock());
    assert_eq!(auth(&engine, "scope.record"), DENY);
    assert_eq!(auth(&engine, "scope.record"), DENY);
    assert_eq!(
        ui.dialogs(),
        2,
        "soft: the first denial could be asked again"
    );
    assert_eq!(auth(&engine, "scope.record"), DENY);
    assert_eq!(
        ui.dialogs(),
        2,
        "the second denial is sticky (max_denials = 2)"
    );
    // A grant in between restarts the count.
    ui.push(&[Answer::Deny, Answer::Allow, Answer::Deny]);
    assert_eq!(auth(&engine, "scope.camera"), DENY);
    assert_eq!(
        auth(&engine, "scope.camera"),
        OK,
        "asked again after one denial"
    );
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            None,
            "scope.camera".into(),
            false,
        )
        .unwrap();
    assert_eq!(auth(&engine, "scope.camera"), DENY);
    assert_eq!(ui.dialogs(), 5, "one denial since the grant: asked again");
    assert_eq!(auth(&engine, "scope.camera"), DENY);
    assert_eq!(ui.dialogs(), 5, "two denials in a row: sticky");
}

#[test]
fn sticky_denial_is_the_default() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock());
    assert_eq!(auth(&engine, "scope.record"), DENY);
    assert_eq!(auth(&engine, "scope.record"), DENY);
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn repeated_dismissals_start_an_embargo_that_ends_or_that_the_settings_page_lifts() {
    let db = TempDb::new();
    let clock = clock();
    let ui = ScriptedUi::new(&[Answer::Dismiss, Answer::Dismiss, Answer::Dismiss]);
    // The embargo is a host policy (WeChat has none): turned on, Chrome's 3.
    let embargo = EngineConfig {
        max_dismissals: 3,
        ..EngineConfig::default()
    };
    let engine = db.open_clocked(ui.clone(), embargo, clock.clone());
    for _ in 0..3 {
        assert_eq!(auth(&engine, "scope.record"), CANCELED);
    }
    assert_eq!(auth(&engine, "scope.record"), COOLING);
    assert_eq!(ui.dialogs(), 3, "no dialog during the embargo");
    // Other scopes are not affected.
    ui.push(&[Answer::Allow]);
    assert_eq!(auth(&engine, "scope.camera"), OK);
    // Seven days later it may be asked again.
    clock.advance(7 * DAY - 1);
    assert_eq!(auth(&engine, "scope.record"), COOLING);
    clock.advance(1);
    ui.push(&[Answer::Dismiss]);
    assert_eq!(auth(&engine, "scope.record"), CANCELED);
    assert_eq!(
        auth(&engine, "scope.record"),
        COOLING,
        "still three in a row"
    );
    // The settings page lists it (off) and the user turns it on there.
    ui.on_settings(|page| {
        page.items
            .iter()
            .map(|i| ScopeSetting {
                granted: true,
                ..i.clone()
            })
            .collect()
    });
    let opened = block_on(engine.open_setting(caller("u1", "wxA").with_tap(), false));
    assert_eq!(auth_setting(&opened.json)["scope.record"], true);
    assert_eq!(auth(&engine, "scope.record"), OK);
}

#[test]
fn the_embargo_can_be_turned_off() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Dismiss; 5]);
    let config = EngineConfig {
        max_dismissals: 0,
        ..EngineConfig::default()
    };
    let engine = db.open_clocked(ui.clone(), config, clock());
    for _ in 0..5 {
        assert_eq!(auth(&engine, "scope.record"), CANCELED);
    }
    assert_eq!(ui.dialogs(), 5);
}

#[test]
fn unused_grants_are_revoked_by_maintenance_and_uses_are_recorded_cheaply() {
    let db = TempDb::new();
    let clock = clock();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Allow]);
    let config = EngineConfig {
        auto_revoke_unused_days: 30,
        ..EngineConfig::default()
    };
    let engine = db.open_clocked(ui.clone(), config, clock.clone());
    assert_eq!(auth(&engine, "scope.record"), OK);
    assert_eq!(auth(&engine, "scope.camera"), OK);
    // Many uses within an hour write the use time once.
    clock.advance(20 * DAY);
    for _ in 0..100 {
        assert_eq!(auth(&engine, "scope.camera"), OK);
        clock.advance(1000);
    }
    let used = || -> Option<i64> {
        db.raw()
            .query_row(
                "SELECT last_used_at FROM grants WHERE scope = 'scope.camera'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // An answer from the cache leaves the note to the core's I/O threads.
    eventually("the use is noted", || used().is_some_and(|at| at > T0));
    let used = used().unwrap();
    assert_eq!(
        used,
        T0 + 20 * DAY,
        "one write for 100 uses within the hour"
    );
    clock.advance(11 * DAY);
    let report = engine.run_maintenance().unwrap();
    assert_eq!((report.revoked_unused, report.removed_expired), (1, 0));
    let grants = engine.list_grants("u1".into(), None).unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].scope, "scope.camera", "used 11 days ago: kept");
    let last = engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (
            last.decision.as_str(),
            last.source.as_str(),
            last.scope.as_deref()
        ),
        ("revoked", "auto-revoke", Some("scope.record"))
    );
    // Revoked means unasked: the next call asks.
    ui.push(&[Answer::Allow]);
    assert_eq!(auth(&engine, "scope.record"), OK);
    assert_eq!(ui.dialogs(), 3);
}

#[test]
fn auto_revoke_is_off_by_default() {
    let db = TempDb::new();
    let clock = clock();
    let engine = db.open_clocked(
        ScriptedUi::new(&[Answer::Allow]),
        EngineConfig::default(),
        clock.clone(),
    );
    assert_eq!(auth(&engine, "scope.record"), OK);
    clock.advance(1000 * DAY);
    assert_eq!(engine.run_maintenance().unwrap().revoked_unused, 0);
    assert_eq!(engine.list_grants("u1".into(), None).unwrap().len(), 1);
}

#[test]
fn with_the_reconsent_policy_a_changed_purpose_string_asks_again() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Allow]);
    // A host policy: WeChat keeps the grant (contract_updates.rs).
    let config = EngineConfig {
        reconsent_on_change: true,
        ..EngineConfig::default()
    };
    let engine = db.open_clocked(ui.clone(), config, clock());
    let manifest =
        |desc: &str| format!(r#"{{"permission":{{"scope.userLocation":{{"desc":"{desc}"}}}}}}"#);
    engine
        .register_manifest("wxA".into(), manifest("Find shops near you"))
        .unwrap();
    assert_eq!(auth(&engine, "scope.userLocation"), OK);
    assert_eq!(auth(&engine, "scope.userLocation"), OK);
    assert_eq!(ui.dialogs(), 1);
    engine
        .register_manifest("wxA".into(), manifest("Track you all day"))
        .unwrap();
    assert_eq!(auth(&engine, "scope.userLocation"), OK);
    let asked = ui.scope_dialogs();
    assert_eq!(asked.len(), 2, "re-consent under the new purpose");
    assert_eq!(asked[1].purpose.as_deref(), Some("Track you all day"));
    // Denials are not re-asked when the purpose changes.
    ui.push(&[Answer::Deny]);
    assert_eq!(auth(&engine, "scope.record"), DENY);
    engine
        .register_manifest("wxA".into(), manifest("Yet another purpose"))
        .unwrap();
    assert_eq!(auth(&engine, "scope.record"), DENY);
    assert_eq!(ui.dialogs(), 3);
}

#[test]
fn admin_and_settings_decisions_replace_an_allow_once_grant() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::AllowOnce]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock());
    assert_eq!(auth(&engine, "scope.record"), OK);
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            None,
            "scope.record".into(),
            false,
        )
        .unwrap();
    assert_eq!(auth(&engine, "scope.record"), DENY);
    let grants = engine.list_grants("u1".into(), None).unwrap();
    assert_eq!(grants[0].state, GrantState::Denied);
}

#[test]
fn an_ended_allow_until_grant_stays_ended_when_the_clock_goes_back() {
    let db = TempDb::new();
    let clock = clock();
    let ui = ScriptedUi::new(&[Answer::AllowUntil(T0 + HOUR)]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    assert_eq!(auth(&engine, "scope.camera"), OK);
    clock.advance(HOUR);
    // Seen ended: the user is asked again, and dismisses.
    ui.push(&[Answer::Dismiss]);
    assert_eq!(auth(&engine, "scope.camera"), CANCELED);
    assert_eq!(ui.dialogs(), 2);
    // The device's clock is set back (a user extending a trial): still ended.
    clock.advance(-2 * HOUR);
    ui.push(&[Answer::Dismiss]);
    assert_eq!(auth(&engine, "scope.camera"), CANCELED);
    assert_eq!(
        ui.dialogs(),
        3,
        "asked again, not granted by the clock going back"
    );
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert!(!auth_setting(&setting.json).contains_key("scope.camera"));
}

/// Issue #11 item 12, across a restart: the never-back clock lives in one
/// process, so an ended grant is stored as ended (an `expired` record) the
/// first time it is seen ended; a later engine on a clock set back does not
/// revive it.
#[test]
fn an_ended_allow_until_grant_stays_ended_across_a_restart_with_the_clock_set_back() {
    let db = TempDb::new();
    let clock = clock();
    let ui = ScriptedUi::new(&[Answer::AllowUntil(T0 + HOUR)]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    assert_eq!(auth(&engine, "scope.camera"), OK);
    clock.advance(HOUR);
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert!(
        !auth_setting(&setting.json).contains_key("scope.camera"),
        "seen ended"
    );
    drop(engine);

    let earlier = Arc::new(miniapp_auth::ManualClock::new(T0 + HOUR / 2));
    let ui = ScriptedUi::new(&[Answer::Dismiss]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), earlier);
    assert_eq!(
        auth(&engine, "scope.camera"),
        CANCELED,
        "an ended grant revived by a clock set back across a restart"
    );
    assert_eq!(ui.dialogs(), 1);
    let last = engine
        .consent_records(Some("u1".into()))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.decision.as_str(), last.source.as_str()),
        ("expired", "expiry")
    );
}
