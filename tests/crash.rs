//! Crash consistency (issue #5): the real bridge process decides in a loop and is
//! killed with SIGKILL at random points, many times, on one database. Every
//! decision acknowledged before a kill must be in the file afterwards, the file
//! must pass `PRAGMA integrity_check`, the consent log must verify, and an
//! allow-once grant must never be valid after any kill.

mod common;

use std::time::Duration;

use common::bridge::Bridge;
use common::*;
use miniapp_auth::{AuthEngine, GrantState};
use serde_json::json;

const DECISIONS: [&str; 3] = ["allow", "allowOnce", "deny"];

#[test]
fn acknowledged_decisions_survive_sigkill() {
    let kills: u64 = std::env::var("MINIAPP_AUTH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(200);
    let mut rng = Rng::seeded("sigkill", 0xdead_beef);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    // (user, decision) acknowledged before a kill; (user, decision) in flight at one.
    let mut acknowledged: Vec<(String, &str)> = Vec::new();
    let mut in_flight: Vec<(String, &str)> = Vec::new();
    for kill in 0..kills {
        let mut bridge = Bridge::start(&db);
        let decisions = 1 + rng.below(12);
        for d in 0..decisions {
            let user = format!("k{kill}-d{d}");
            let decision = DECISIONS[rng.below(3) as usize];
            bridge.send(
                &json!({"id": d, "user": user, "app": "wxA", "api": "authorize",
                        "args": {"scope": "scope.record"}})
                .to_string(),
            );
            let event = bridge.recv();
            assert_eq!(event["event"], "consent", "{event}");
            bridge.decide(&event, decision);
            if d + 1 == decisions {
                // The last one is killed somewhere between the answer and its
                // acknowledgement (or just after).
                std::thread::sleep(Duration::from_micros(rng.below(4000)));
                in_flight.push((user, decision));
                break;
            }
            let result = bridge.recv();
            assert_eq!(result["id"], d);
            acknowledged.push((user, decision));
        }
        bridge.kill();
    }

    let raw = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = raw
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(raw);
    let engine = AuthEngine::open(db.clone(), ScriptedUi::new(&[]), None).unwrap();
    assert!(engine.quarantined_path().is_none());
    let state_of = |user: &str| {
        engine
            .list_grants(user.into(), None)
            .unwrap()
            .first()
            .map(|g| g.state)
            .unwrap_or(GrantState::Unasked)
    };
    for (user, decision) in &acknowledged {
        let expected = match *decision {
            "allow" => GrantState::Granted,
            "deny" => GrantState::Denied,
            _ => GrantState::Unasked, // allow-once never outlives its process
        };
        assert_eq!(state_of(user), expected, "{user}: acknowledged {decision}");
        let setting = block_on(engine.get_setting(caller(user, "wxA"), false));
        let granted = auth_setting(&setting.json).get("scope.record").cloned();
        assert_eq!(
            granted == Some(serde_json::Value::Bool(true)),
            *decision == "allow"
        );
    }
    let mut survived_in_flight = 0;
    for (user, decision) in &in_flight {
        let state = state_of(user);
        match *decision {
            "allow" => survived_in_flight += usize::from(state == GrantState::Granted),
            "deny" => assert_ne!(state, GrantState::Granted, "{user}"),
            _ => assert_eq!(
                state,
                GrantState::Unasked,
                "{user}: allow-once after a kill"
            ),
        }
    }
    let log = engine.verify_consent_log().unwrap();
    assert!(log.intact, "{log:?}");
    eprintln!(
        "{kills} SIGKILLs: {} acknowledged decisions all present, {} in flight at a kill ({survived_in_flight} of those grants made it), integrity ok, consent log intact ({} records)",
        acknowledged.len(),
        in_flight.len(),
        log.records
    );
}
