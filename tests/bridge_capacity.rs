//! Fair under load (issue #20, finding 6): the bridge's capacity for calls in
//! flight (each waits on a thread for its dialog) is shared per app and per
//! user. 256 calls of one mini app waiting on its one dialog used to fill the
//! bridge's one global limit, and every other app's and user's call — cached
//! answers included — was refused ("too many calls in flight") until the
//! dialog timed out. Now one app's flood is refused past its own share, other
//! apps' calls go on, and a call memory answers is never refused.

mod common;

use common::bridge::{cli_set_grant, Bridge};
use serde_json::{json, Value};

const PER_APP: usize = 64;

fn authorize(id: usize, user: &str, app: &str) -> String {
    json!({"id": id, "user": user, "app": app, "api": "authorize", "args": {"scope": "scope.record"}})
        .to_string()
}

#[test]
fn one_apps_flood_refuses_only_its_own_calls_past_its_share() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    cli_set_grant(&db, "u4", "wxA", "scope.record", "granted");
    let mut bridge = Bridge::start(&db);
    // u4's grant, read once: from now on memory answers it.
    bridge.send(&authorize(1000, "u4", "wxA"));
    assert_eq!(
        bridge.recv(),
        json!({"id": 1000, "result": {"errMsg": "authorize:ok"}})
    );

    // The flood: one user of wxA, one scope, one dialog nobody answers.
    let flood = PER_APP + 6;
    for id in 0..flood {
        bridge.send(&authorize(id, "u1", "wxA"));
    }
    let mut consent_events = Vec::new();
    let mut refused = Vec::new();
    while refused.len() < flood - PER_APP || consent_events.is_empty() {
        let line = bridge.recv();
        if line["event"] == "consent" {
            consent_events.push(line);
        } else if let Some(error) = line["error"].as_str() {
            refused.push((line["id"].clone(), error.to_string()));
        } else {
            panic!("unexpected line during the flood: {line}");
        }
    }
    assert_eq!(consent_events.len(), 1, "one dialog for the flood");
    for (id, error) in &refused {
        assert!(id.as_u64().unwrap() >= PER_APP as u64, "{id}");
        assert_eq!(
            error,
            "too many calls in flight of app wxA (64); send it again once some have answered"
        );
    }

    // Another app's call opens its dialog; a cached answer of the flooded app
    // is answered at once.
    bridge.send(&authorize(2000, "u2", "wxB"));
    let event = bridge.recv();
    assert_eq!(event["event"], "consent", "{event}");
    assert_eq!(event["app"], "wxB");
    bridge.send(&authorize(3000, "u4", "wxA"));
    assert_eq!(
        bridge.recv(),
        json!({"id": 3000, "result": {"errMsg": "authorize:ok"}})
    );

    // The flood's dialog answered: every call in flight hears it.
    bridge.decide(&consent_events[0], "allow");
    bridge.decide(&event, "deny");
    let mut answered: Vec<Value> = (0..PER_APP + 1).map(|_| bridge.recv()).collect();
    answered.retain(|line| line["result"]["errMsg"] == "authorize:ok");
    assert_eq!(answered.len(), PER_APP, "every accepted call of the flood");
    let (_, code) = bridge.finish();
    assert_eq!(code, 0);
}
