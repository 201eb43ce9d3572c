//! The close never lands on a caller's thread (issue #20, finding 5).
//! `CallerHandle::authorize_cached` is documented never to do I/O, but it held a
//! strong reference to the engine for the call: when the host dropped the
//! engine on another thread meanwhile, the call's release was the last one, and
//! the database's close (checkpoint, fsync, WAL deletion) ran inside the call.
//! Now a handle's release that is the last hands the close to the core's I/O
//! threads. Each store notes the thread it closed on (a test hook), so the
//! proof is the thread, not a timing: first a control that must be caught (an
//! engine dropped on a host thread closes there), then rounds of a host thread
//! hammering the cached call while the engine is dropped elsewhere. One test
//! in this binary, so no other test's engines close meanwhile.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use miniapp_auth::{stores_closed_on, AuthEngine};

const HOST_THREAD: &str = "host-caller";
const ROUNDS: usize = 200;

fn granted_engine() -> Arc<AuthEngine> {
    let engine = AuthEngine::in_memory(ScriptedUi::new(&[]), None).unwrap();
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    engine
}

#[test]
fn a_cached_calls_last_release_closes_the_database_on_the_core_threads() {
    // The control: the detector sees a close on a host thread.
    let engine = granted_engine();
    std::thread::Builder::new()
        .name(HOST_THREAD.into())
        .spawn(move || drop(engine))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(stores_closed_on(), [HOST_THREAD], "the control is caught");

    let mut closed_by_the_call = 0;
    for _ in 0..ROUNDS {
        let engine = granted_engine();
        let handle = engine
            .caller_handle("u1".into(), "wxA".into(), None)
            .unwrap();
        let scope = engine.scope_number("scope.record".into()).unwrap();
        assert!(block_on(handle.authorize(scope)).ok, "warms the cache");
        let calls = Arc::new(AtomicUsize::new(0));
        let host = {
            let calls = calls.clone();
            std::thread::Builder::new()
                .name(HOST_THREAD.into())
                .spawn(move || {
                    while handle.authorize_cached(scope) {
                        calls.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .unwrap()
        };
        while calls.load(Ordering::Relaxed) < 100 {
            std::thread::yield_now();
        }
        drop(engine); // the host lets go of the engine on another thread
        host.join().unwrap();
        let mut closed = stores_closed_on();
        for _ in 0..500 {
            if !closed.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
            closed = stores_closed_on();
        }
        assert_eq!(closed.len(), 1, "closed once: {closed:?}");
        assert_ne!(closed[0], HOST_THREAD, "closed inside the cached call");
        if closed[0].starts_with("miniapp-auth-io") {
            closed_by_the_call += 1;
        }
    }
    eprintln!("{closed_by_the_call} of {ROUNDS} rounds: the cached call's release was the last");
    assert!(
        closed_by_the_call > 0,
        "no round had the cached call release the engine last: the test proved nothing"
    );
}
