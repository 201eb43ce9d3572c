//! Concurrent calls (SPEC §3): calls for the same (user, app, scope) share one
//! dialog; one dialog per (user, app) at a time; a cancelled call or a host that
//! never answers leaves no grant, no lock and no flight behind.

mod common;

use common::*;
use futures::future::{join, join_all};
use miniapp_auth::ConsentDecision;

#[test]
fn concurrent_calls_for_one_scope_share_one_dialog() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    let calls = join_all((0..5).map(|_| engine.authorize(me.clone(), "scope.record".into())));
    let person = async {
        until("the dialog is open", || ui.held() == 1).await;
        // Let every other call reach the flight before answering.
        for _ in 0..50 {
            yield_now().await;
        }
        assert_eq!(ui.dialogs(), 1);
        ui.release(ConsentDecision::Allow);
    };
    let (results, ()) = block_on(join(calls, person));
    for r in &results {
        assert_eq!(r.json, r#"{"errMsg":"authorize:ok"}"#);
    }
    assert_eq!(ui.dialogs(), 1, "five callers, one dialog");
    assert_eq!(engine.open_flights(), 0);
}

#[test]
fn a_guarded_api_and_authorize_share_the_dialog_but_answer_in_their_own_names() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    let both = join(
        engine.authorize(me.clone(), "scope.record".into()),
        engine.ensure(me.clone(), "startRecord".into()),
    );
    let person = async {
        until("the dialog is open", || ui.held() == 1).await;
        for _ in 0..50 {
            yield_now().await;
        }
        ui.release(ConsentDecision::Deny);
    };
    let ((a, b), ()) = block_on(join(both, person));
    assert_eq!(
        a.json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(
        b.json,
        r#"{"errMsg":"startRecord:fail auth deny","errno":103}"#
    );
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn one_dialog_per_app_at_a_time_but_apps_do_not_wait_for_each_other() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Hold, Answer::Hold]);
    let engine = db.open(ui.clone());
    let a = caller("u1", "wxA");
    let b = caller("u1", "wxB");
    // The engine's own flow, polled here in a known order (the host's calls
    // run it on the I/O threads, where the order the dialogs open is the threads').
    let calls = join_all(vec![
        engine.authorize_borrowed(&a, "scope.record"),
        engine.authorize_borrowed(&a, "scope.camera"),
        engine.authorize_borrowed(&b, "scope.record"),
    ]);
    let person = async {
        until("wxA's and wxB's dialogs are open", || ui.held() == 2).await;
        for _ in 0..50 {
            yield_now().await;
        }
        assert_eq!(ui.held(), 2, "wxA's second dialog waits for its first");
        ui.release(ConsentDecision::Allow); // wxA's first
        until("wxA's second dialog opens", || ui.dialogs() == 3).await;
        ui.release(ConsentDecision::Allow); // wxB's
        ui.release(ConsentDecision::Deny); // wxA's second
    };
    let (results, ()) = block_on(join(calls, person));
    assert!(results.iter().filter(|r| r.ok).count() == 2, "{results:?}");
    assert_eq!(
        ui.max_open_per_app
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(ui.dialogs(), 3);
    assert_eq!(engine.open_flights(), 0);
}

#[test]
fn a_cancelled_call_leaves_nothing_behind_and_its_followers_ask_again() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Hold]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    // The engine's own flow, polled here (not on the I/O threads the host's
    // calls go to), so that the follower is known to wait on the leader's dialog.
    let mut leader = Box::pin(engine.authorize_borrowed(&me, "scope.record"));
    let mut follower = Box::pin(engine.authorize_borrowed(&me, "scope.record"));
    assert!(poll_once(&mut leader).is_pending());
    assert!(poll_once(&mut follower).is_pending());
    {
        assert_eq!(ui.dialogs(), 1);
        // The host's coroutine is cancelled while the dialog is open.
        drop(leader);
        // The follower takes over with a dialog of its own.
        assert!(poll_once(&mut follower).is_pending());
        assert_eq!(ui.dialogs(), 2);
        assert_eq!(ui.held(), 1);
        ui.release(ConsentDecision::Allow);
        assert_eq!(block_on(follower).json, r#"{"errMsg":"authorize:ok"}"#);
    }
    assert_eq!(engine.open_flights(), 0);
}

#[test]
fn a_call_cancelled_by_the_host_is_cancelled_on_the_io_threads_too() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Allow]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    let mut call = Box::pin(engine.authorize(me.clone(), "scope.record".into()));
    assert!(poll_once(&mut call).is_pending());
    eventually("the dialog is open", || ui.held() == 1);
    drop(call);
    eventually("the dialog is taken down", || ui.held() == 0);
    eventually("the flight is gone", || engine.open_flights() == 0);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert_eq!(
        block_on(engine.authorize(me, "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
}

#[test]
fn a_dialog_that_is_never_answered_holds_no_lock_once_its_caller_gives_up() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Allow]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    let mut stuck = Box::pin(engine.authorize(me.clone(), "scope.record".into()));
    assert!(poll_once(&mut stuck).is_pending());
    eventually("the dialog is open", || ui.held() == 1);
    drop(stuck);
    // The cancellation reaches the core's I/O thread at the call's next await.
    eventually("no flight is left", || engine.open_flights() == 0);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    // The app is not locked: the next call gets its dialog at once.
    assert_eq!(
        block_on(engine.authorize(me, "scope.camera".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
}

#[test]
fn calls_from_many_threads_share_one_dialog() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let engine = db.open(ui.clone());
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into()))
            })
        })
        .collect();
    // Released only once all eight wait on the one dialog (seven follow the
    // leader's), so the count below proves the sharing, not a fast first answer.
    eventually("one dialog, the other seven calls waiting on it", || {
        ui.held() == 1 && engine.dialog_followers() == 7
    });
    ui.release(ConsentDecision::Allow);
    for t in threads {
        assert_eq!(t.join().unwrap().json, r#"{"errMsg":"authorize:ok"}"#);
    }
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn a_dialog_nobody_answers_times_out_and_frees_the_app() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold, Answer::Allow]);
    let engine = db.open_with(
        ui.clone(),
        miniapp_auth::EngineConfig {
            dialog_timeout_ms: 50,
            ..Default::default()
        },
    );
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail dialog timed out","errno":5}"#
    );
    assert_eq!(
        ui.held(),
        0,
        "the host's dialog future was dropped (cancelled)"
    );
    assert_eq!(engine.open_flights(), 0);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert_eq!(
        block_on(engine.authorize(me, "scope.camera".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
}
