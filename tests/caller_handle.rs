//! The hot path shaped for the crossing (issue #14): a caller handle and scope
//! numbers, `authorize_cached` answering from memory only when the full call
//! would answer `authorize:ok`, and the full call behind it.

mod common;

use common::bridge::cli_set_grant;
use common::*;

/// The host layer's pattern: the cached answer, else the full call. After
/// another process's write the first call needs the full call (the store looks
/// at the file again); from then on the cached answer holds.
fn allowed_now(handle: &miniapp_auth::CallerHandle, scope: u32) -> bool {
    handle.authorize_cached(scope) || {
        let full = block_on(handle.authorize(scope)).ok;
        assert_eq!(
            handle.authorize_cached(scope),
            full,
            "cached after one full call"
        );
        full
    }
}

#[test]
fn cached_answers_only_what_the_full_call_would_allow() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Deny]);
    let engine = db.open(ui.clone());
    let handle = engine
        .caller_handle("u1".into(), "wxA".into(), None)
        .unwrap();
    let record = engine.scope_number("scope.record".into()).unwrap();
    let camera = engine.scope_number("scope.camera".into()).unwrap();
    assert_ne!(record, camera);
    assert_eq!(
        engine.scope_number("scope.record".into()),
        Some(record),
        "stable"
    );
    assert_eq!(engine.scope_number("scope.nope".into()), None);

    // Unasked: the full call asks.
    assert!(!handle.authorize_cached(record));
    assert_eq!(
        block_on(handle.authorize(record)).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    // This process's own write leaves the cache answering at once.
    assert!(handle.authorize_cached(record));
    assert_eq!(ui.dialogs(), 1);

    // Denied: a refusal is the full call's to word.
    assert_eq!(
        block_on(handle.authorize(camera)).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert!(!handle.authorize_cached(camera));

    // Revoked by administration, then denied by another process (the CLI).
    engine
        .revoke_grant("u1".into(), "wxA".into(), None, "scope.record".into())
        .unwrap();
    assert!(!handle.authorize_cached(record));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    assert!(handle.authorize_cached(record));
    cli_set_grant(&db.path(), "u1", "wxA", "scope.record", "denied");
    assert!(
        !handle.authorize_cached(record),
        "another process's denial is seen"
    );
    assert!(!allowed_now(&handle, record));

    // Another user's handle sees none of it; a number from nowhere is refused.
    let other = engine
        .caller_handle("u2".into(), "wxA".into(), None)
        .unwrap();
    assert!(!other.authorize_cached(camera));
    assert!(!handle.authorize_cached(9999));
    assert_eq!(
        block_on(handle.authorize(9999)).json,
        r#"{"errMsg":"authorize:fail invalid scope","errno":1102}"#
    );
}

#[test]
fn a_handle_for_an_identity_the_engine_refuses_is_not_made() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    assert!(engine
        .caller_handle(String::new(), "wxA".into(), None)
        .is_err());
    assert!(engine
        .caller_handle("u1".into(), "wx A\n".into(), None)
        .is_err());
}

#[test]
fn a_handle_does_not_keep_the_engine_open() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    let handle = engine
        .caller_handle("u1".into(), "wxA".into(), None)
        .unwrap();
    let record = engine.scope_number("scope.record".into()).unwrap();
    assert!(handle.authorize_cached(record));
    drop(engine);
    // The "last used" note the cached answer left holds the engine on an I/O
    // thread for a moment; then nothing does.
    eventually("the engine is gone", || !handle.authorize_cached(record));
    assert_eq!(
        block_on(handle.authorize(record)).json,
        r#"{"errMsg":"authorize:fail storage unavailable","errno":1302}"#
    );
}
