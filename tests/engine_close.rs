//! Closing an engine (issue #21, SPEC §5 "closing an engine completes its
//! change streams and later calls fail with a typed error"): `shut_down` takes
//! down the open dialogs (the host's dialog future cancelled, the mini app's
//! call answering `engine closed`), ends the grant observations, closes the
//! file before it returns, and nothing is read or written after it; and a
//! host's `CallCancellation` (Swift's `Task` cancellation) ends one call and
//! its dialog.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use miniapp_auth::{AuthError, CallCancellation, Grant, GrantObserver};

const CLOSED: &str = r#"{"errMsg":"authorize:fail engine closed","errno":1305}"#;

/// The descriptors of this process open on `path` or its -wal. (The -shm's,
/// shared by every engine of the process on the file — closing one drops the
/// process's POSIX locks on it — is closed when the engine is released: the
/// Kotlin and Swift layers release it in `close()`; their suites count it.)
fn descriptors_on(path: &str) -> Vec<String> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .filter(|target| target == path || *target == format!("{path}-wal"))
        .collect()
}

#[test]
fn closing_with_a_dialog_open_takes_it_down_and_answers_the_call() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let asking = {
        let engine = engine.clone();
        std::thread::spawn(move || {
            block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json
        })
    };
    eventually("the dialog is open", || ui.held() == 1);
    assert_eq!(
        descriptors_on(&db.path()).len(),
        2,
        "the file and its -wal are open"
    );

    engine.shut_down();

    // Before shut_down returned: the host's dialog was cancelled (nobody waits
    // for its answer) and the file closed.
    assert_eq!(ui.held(), 0, "the host's dialog is still waited for");
    assert_eq!(
        descriptors_on(&db.path()),
        Vec::<String>::new(),
        "still open"
    );
    assert_eq!(asking.join().unwrap(), CLOSED);
    // Nothing was decided: a new engine on the file asks again.
    drop(engine);
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let reopened = db.open(ui.clone());
    block_on(reopened.authorize(caller("u1", "wxA"), "scope.record".into()));
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn after_closing_calls_fail_typed_and_nothing_is_answered_from_memory() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    let handle = engine
        .caller_handle("u1".into(), "wxA".into(), None)
        .unwrap();
    let record = engine.scope_number("scope.record".into()).unwrap();
    assert!(handle.authorize_cached(record), "granted, from memory");

    engine.shut_down();
    engine.shut_down(); // again: nothing more happens
    assert!(engine.is_closed());

    assert!(!handle.authorize_cached(record));
    assert_eq!(block_on(handle.authorize(record)).json, CLOSED);
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json,
        CLOSED
    );
    assert_eq!(
        block_on(engine.get_setting(caller("u1", "wxA"), false)).json,
        r#"{"errMsg":"getSetting:fail engine closed","errno":1305}"#
    );
    assert_eq!(
        block_on(engine.handle(
            caller("u1", "wxA"),
            r#"{"api":"authorize","args":{"scope":"scope.record"}}"#.into()
        )),
        CLOSED
    );
    assert!(matches!(
        engine.list_grants("u1".into(), None),
        Err(AuthError::Closed)
    ));
    assert!(matches!(
        engine.set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true),
        Err(AuthError::Closed)
    ));
    assert!(matches!(
        engine.observe_grants("u1".into(), Arc::new(Observer::default())),
        Err(AuthError::Closed)
    ));
    // What was granted before the close is still in the file, and nothing since.
    drop(engine);
    let reopened = db.open(ScriptedUi::new(&[]));
    let grants = reopened.list_grants("u1".into(), None).unwrap();
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0].scope, "scope.record");
}

#[derive(Default)]
struct Observer {
    told: Mutex<Vec<Vec<Grant>>>,
    ended: AtomicUsize,
}

impl GrantObserver for Observer {
    fn grants_changed(&self, _user_id: String, grants: Vec<Grant>) {
        self.told.lock().unwrap().push(grants);
    }

    fn observation_ended(&self) {
        self.ended.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn closing_ends_every_observation_once_and_a_cancelled_one_is_not_told() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    let (watching, cancelled) = (Arc::new(Observer::default()), Arc::new(Observer::default()));
    let kept = engine
        .observe_grants("u1".into(), watching.clone())
        .unwrap();
    let gone = engine
        .observe_grants("u2".into(), cancelled.clone())
        .unwrap();
    eventually("both were told the grants as they are", || {
        !watching.told.lock().unwrap().is_empty() && !cancelled.told.lock().unwrap().is_empty()
    });
    gone.cancel();

    engine.shut_down();

    assert_eq!(watching.ended.load(Ordering::SeqCst), 1);
    assert_eq!(cancelled.ended.load(Ordering::SeqCst), 0);
    assert!(!kept.is_active());
    engine.shut_down();
    assert_eq!(watching.ended.load(Ordering::SeqCst), 1, "told once");
}

#[test]
fn a_cancelled_call_takes_its_dialog_down_and_frees_the_slot() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let cancellation = CallCancellation::new();
    let asking = {
        let (engine, cancellation) = (engine.clone(), cancellation.clone());
        std::thread::spawn(move || {
            block_on(engine.handle_cancellable(
                caller("u1", "wxA"),
                r#"{"api":"authorize","args":{"scope":"scope.record"}}"#.into(),
                cancellation,
            ))
            .json
        })
    };
    eventually("the dialog is open", || ui.held() == 1);

    cancellation.cancel();

    assert_eq!(
        asking.join().unwrap(),
        r#"{"errMsg":"authorize:fail cancelled by the host","errno":1306}"#
    );
    eventually("the host's dialog is cancelled", || ui.held() == 0);
    // The slot is free: the next call shows its dialog, and nothing was decided.
    ui.push(&[Answer::Deny]);
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(ui.dialogs(), 2);
    // A cancellation already cancelled answers at once, without a dialog.
    let late = block_on(engine.handle_cancellable(
        caller("u1", "wxB"),
        r#"{"api":"authorize","args":{"scope":"scope.record"}}"#.into(),
        cancellation,
    ));
    assert_eq!(late.errno, Some(1306));
    assert_eq!(ui.dialogs(), 2);
}

#[test]
fn a_call_not_cancelled_answers_as_the_plain_bridge_does() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui);
    let answer = block_on(engine.handle_cancellable(
        caller("u1", "wxA"),
        r#"{"api":"authorize","args":{"scope":"scope.record"}}"#.into(),
        CallCancellation::new(),
    ));
    assert!(answer.ok);
    assert_eq!(answer.json, r#"{"errMsg":"authorize:ok"}"#);
    let refused = block_on(engine.handle_cancellable(
        caller("u1", "wxA"),
        "not json".into(),
        CallCancellation::new(),
    ));
    assert_eq!(
        refused.json,
        block_on(engine.handle(caller("u1", "wxA"), "not json".into()))
    );
}
