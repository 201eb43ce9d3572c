//! Observing a user's grants (SPEC §5, "observable"): the observer hears the
//! grants as they are, then every change from any source — a dialog, the
//! settings page, administration, an ended grant, another process (the real
//! CLI on the same file) — and nothing after its observation is cancelled or
//! dropped.

mod common;

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::bridge::cli_set_grant;
use common::*;
use miniapp_auth::{EngineConfig, Grant, GrantObserver, GrantState};

/// An observer that passes what it hears to the test.
struct Heard {
    tx: Mutex<Sender<(String, Vec<Grant>)>>,
}

impl GrantObserver for Heard {
    fn grants_changed(&self, user_id: String, grants: Vec<Grant>) {
        let _ = self.tx.lock().unwrap().send((user_id, grants));
    }

    fn observation_ended(&self) {}
}

fn observer() -> (Arc<Heard>, Receiver<(String, Vec<Grant>)>) {
    let (tx, rx) = channel();
    (Arc::new(Heard { tx: Mutex::new(tx) }), rx)
}

/// The next listing heard, as `scope=state` strings (waits up to ten seconds).
fn next(rx: &Receiver<(String, Vec<Grant>)>) -> Vec<String> {
    let (user, grants) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the observer was told nothing");
    assert_eq!(user, "u1");
    grants
        .iter()
        .map(|g| format!("{}/{}={:?}", g.app_id, g.scope, g.state))
        .collect()
}

/// Nothing more is heard for a while (longer than the watch's look at other processes).
fn quiet(rx: &Receiver<(String, Vec<Grant>)>) {
    match rx.recv_timeout(Duration::from_millis(800)) {
        Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
        Ok(heard) => panic!("told more after it should have stopped: {heard:?}"),
    }
}

#[test]
fn the_observer_hears_the_grants_now_then_each_change_from_every_source() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            None,
            "scope.record".into(),
            false,
        )
        .unwrap();
    let (heard, rx) = observer();
    let observation = engine.observe_grants("u1".into(), heard).unwrap();
    assert_eq!(next(&rx), ["wxA/scope.record=Denied"], "first: as they are");

    // A dialog.
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).ok);
    assert_eq!(
        next(&rx),
        ["wxA/scope.camera=Granted", "wxA/scope.record=Denied"]
    );

    // The settings page.
    ui.on_settings(|request| {
        request
            .items
            .iter()
            .map(|item| miniapp_auth::ScopeSetting {
                granted: !item.granted,
                ..item.clone()
            })
            .collect()
    });
    let mut tap = caller("u1", "wxA");
    tap.user_gesture = true;
    assert!(block_on(engine.open_setting(tap, false)).ok);
    assert_eq!(
        next(&rx),
        ["wxA/scope.camera=Denied", "wxA/scope.record=Granted"]
    );

    // Administration.
    engine
        .revoke_grant("u1".into(), "wxA".into(), None, "scope.record".into())
        .unwrap();
    assert_eq!(next(&rx), ["wxA/scope.camera=Denied"]);

    // Another process: the real CLI writing the same file.
    cli_set_grant(&db.path(), "u1", "wxB", "scope.userLocation", "granted");
    assert_eq!(
        next(&rx),
        ["wxA/scope.camera=Denied", "wxB/scope.userLocation=Granted"]
    );

    // Another user's change is not this observer's.
    engine
        .set_grant("u2".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    quiet(&rx);

    observation.cancel();
    assert!(!observation.is_active());
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    quiet(&rx);
}

#[test]
fn an_ended_grant_is_heard_and_recorded_as_ended() {
    let db = TempDb::new();
    let clock = clock();
    let ui = ScriptedUi::new(&[Answer::AllowUntil(T0 + HOUR)]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).ok);
    let (heard, rx) = observer();
    let _observation = engine.observe_grants("u1".into(), heard).unwrap();
    assert_eq!(next(&rx), ["wxA/scope.camera=Granted"]);
    clock.advance(HOUR);
    assert_eq!(next(&rx), Vec::<String>::new(), "ended, without any call");
    let records = engine.consent_records(Some("u1".into())).unwrap();
    assert_eq!(records.last().unwrap().decision, "expired");
}

#[test]
fn a_dropped_observation_ends_and_several_observers_each_hear() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    let (first, first_rx) = observer();
    let (second, second_rx) = observer();
    let kept = engine.observe_grants("u1".into(), first).unwrap();
    let dropped = engine.observe_grants("u1".into(), second).unwrap();
    assert!(next(&first_rx).is_empty());
    assert!(next(&second_rx).is_empty());
    drop(dropped);
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    assert_eq!(next(&first_rx), ["wxA/scope.record=Granted"]);
    quiet(&second_rx);
    assert!(kept.is_active());
    // A use noted later is not a change of the grants.
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    quiet(&first_rx);
    assert_eq!(
        engine.list_grants("u1".into(), None).unwrap()[0].state,
        GrantState::Granted
    );
}

#[test]
fn a_user_id_the_engine_would_refuse_is_refused_here_too() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    let (heard, _rx) = observer();
    assert!(engine.observe_grants(String::new(), heard).is_err());
}

/// While nothing changes the watch only looks at the WAL index's header: it
/// neither takes the store's connection nor reads anyone's grants. Another
/// connection's commit is found by that look, and only then are grants read;
/// a time-limited grant's end is read when it comes.
#[test]
fn an_idle_watch_reads_nothing_until_something_changes() {
    let db = TempDb::new();
    let clock = clock();
    let ui = ScriptedUi::new(&[Answer::AllowUntil(T0 + HOUR)]);
    let engine = db.open_clocked(ui, EngineConfig::default(), clock.clone());
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).ok);
    engine.set_other_process_look(Duration::from_millis(1));
    let (heard, rx) = observer();
    let _observation = engine.observe_grants("u1".into(), heard).unwrap();
    assert_eq!(next(&rx), ["wxA/scope.camera=Granted"]);

    let before = engine.watch_tally();
    eventually("the watch looked fifty more times", || {
        engine.watch_tally().looks >= before.looks + 50
    });
    let idle = engine.watch_tally();
    assert_eq!(
        (idle.grant_reads, idle.store_looks),
        (before.grant_reads, before.store_looks),
        "{} idle looks read grants or took the connection",
        idle.looks - before.looks
    );

    // Another connection (as another process would) commits.
    let other = db.open(ScriptedUi::new(&[]));
    other
        .set_grant("u1".into(), "wxB".into(), None, "scope.record".into(), true)
        .unwrap();
    assert_eq!(
        next(&rx),
        ["wxA/scope.camera=Granted", "wxB/scope.record=Granted"]
    );
    let found = engine.watch_tally();
    assert!(found.store_looks > idle.store_looks);
    assert!(found.grant_reads > idle.grant_reads);

    // The time-limited grant's end comes: read then, and stored as ended.
    clock.advance(HOUR);
    assert_eq!(next(&rx), ["wxB/scope.record=Granted"]);
}

/// This process's commits wake the watch at once: the observer is told with
/// the look for other processes an hour away, and the watch takes no
/// connection to learn that no one else committed.
#[test]
fn this_process_commits_are_told_without_waiting_for_the_look() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine.set_other_process_look(Duration::from_secs(3600));
    let (heard, rx) = observer();
    let _observation = engine.observe_grants("u1".into(), heard).unwrap();
    assert!(next(&rx).is_empty());
    let before = engine.watch_tally();
    for granted in [true, false, true] {
        engine
            .set_grant(
                "u1".into(),
                "wxA".into(),
                None,
                "scope.record".into(),
                granted,
            )
            .unwrap();
        let state = if granted { "Granted" } else { "Denied" };
        assert_eq!(next(&rx), [format!("wxA/scope.record={state}")]);
    }
    let after = engine.watch_tally();
    assert_eq!(after.store_looks, before.store_looks);
    assert_eq!(after.grant_reads, before.grant_reads + 3);
}
