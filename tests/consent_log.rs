//! Consent records (issue #4): every decision is appended to a hash-chained,
//! append-only log; editing or deleting a record in the file is detected and
//! named, by the API and by `miniapp-auth audit verify`.

mod common;

use std::process::Command;

use common::*;
use miniapp_auth::{EngineConfig, ScopeSetting};

const BIN: &str = env!("CARGO_BIN_EXE_miniapp-auth");

/// An engine with a privacy contract, after a run of decisions of every kind.
fn decided(db: &TempDb) -> miniapp_auth::AuthEngine {
    let clock = clock();
    let ui = ScriptedUi::new(&[
        Answer::Disagree,
        Answer::Agree,
        Answer::Allow,
        Answer::Deny,
        Answer::AllowUntil(T0 + DAY),
    ]);
    let engine = db.open_clocked(ui.clone(), EngineConfig::default(), clock.clone());
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some((
                "3",
                &["scope.userLocation", "scope.record", "scope.camera"],
            ))),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(!block_on(engine.authorize(me.clone(), "scope.record".into())).ok); // disagree
    clock.advance(10_000); // WeChat's no-prompt gap after a refusal
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok); // agree, allow
    assert!(!block_on(engine.authorize(me.clone(), "scope.camera".into())).ok); // deny
    assert!(block_on(engine.ensure(me.clone(), "getLocation".into())).ok); // until
    ui.on_settings(|page| {
        page.items
            .iter()
            .map(|i| ScopeSetting {
                granted: i.scope == "scope.camera",
                ..i.clone()
            })
            .collect()
    });
    assert!(block_on(engine.open_setting(me.with_tap(), false)).ok); // camera on, others off
    engine
        .set_grant("u2".into(), "wxB".into(), None, "scope.werun".into(), true)
        .unwrap();
    engine.reset_app("wxB".into(), Some("u2".into())).unwrap();
    engine
}

#[test]
fn every_decision_is_recorded_with_what_the_user_saw() {
    let db = TempDb::new();
    let engine = decided(&db);
    let records = engine.consent_records(Some("u1".into())).unwrap();
    let summary: Vec<(Option<&str>, &str, Option<&str>, &str)> = records
        .iter()
        .map(|r| {
            (
                r.scope.as_deref(),
                r.decision.as_str(),
                r.lifetime.as_deref(),
                r.source.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (None, "disagreed", None, "dialog"),
            (None, "agreed", None, "dialog"),
            (Some("scope.record"), "granted", Some("permanent"), "dialog"),
            (Some("scope.camera"), "denied", None, "dialog"),
            (
                Some("scope.userLocation"),
                "granted",
                Some("until"),
                "dialog"
            ),
            (
                Some("scope.camera"),
                "granted",
                Some("permanent"),
                "settings"
            ),
            (Some("scope.record"), "denied", None, "settings"),
            (Some("scope.userLocation"), "denied", None, "settings"),
        ]
    );
    let location = &records[4];
    assert_eq!(location.purpose.as_deref(), Some("Find shops near you"));
    assert_eq!(location.contract_version.as_deref(), Some("3"));
    assert_eq!(location.until_ms, Some(T0 + DAY));
    assert_eq!(records[0].at_ms, T0);
    assert_eq!(records[1].at_ms, T0 + 10_000);
    // Chained: each record names the hash of the one before it.
    for pair in records.windows(2) {
        if pair[1].seq == pair[0].seq + 1 {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
        }
    }
    let u2: Vec<_> = engine
        .consent_records(Some("u2".into()))
        .unwrap()
        .into_iter()
        .map(|r| (r.decision, r.source))
        .collect();
    assert_eq!(
        u2,
        vec![
            ("granted".to_string(), "admin".to_string()),
            ("reset".to_string(), "reset".to_string())
        ]
    );
    let verification = engine.verify_consent_log().unwrap();
    assert!(verification.intact, "{verification:?}");
    assert_eq!(verification.records, 10);
    assert_eq!(engine.consent_log_head().unwrap().seq, 10);
}

#[test]
fn the_log_refuses_updates_and_deletes() {
    let db = TempDb::new();
    drop(decided(&db));
    let raw = db.raw();
    let update = raw.execute("UPDATE consent_log SET record = '{}' WHERE seq = 1", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = raw.execute("DELETE FROM consent_log WHERE seq = 1", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

fn verify_cli(db: &TempDb) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(["audit", "verify", "--db", &db.path()])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn an_edited_record_is_detected_and_named() {
    let db = TempDb::new();
    drop(decided(&db));
    let (code, out, _) = verify_cli(&db);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(r#""intact":true"#) && out.contains(r#""records":10"#),
        "{out}"
    );
    // Someone turns a denial into a grant in the file.
    let raw = db.raw();
    raw.execute_batch(
        "DROP TRIGGER consent_log_append_only_update;
         UPDATE consent_log SET record = replace(record, '\"denied\"', '\"granted\"') WHERE seq = 4;",
    )
    .unwrap();
    drop(raw);
    let (code, out, err) = verify_cli(&db);
    assert_ne!(code, 0);
    assert!(out.contains(r#""firstBrokenSeq":4"#), "{out}");
    assert!(
        err.contains("broken at record 4") && err.contains("altered"),
        "{err}"
    );
    // The engine a host opens says the same.
    let engine = db.open(ScriptedUi::new(&[]));
    let verification = engine.verify_consent_log().unwrap();
    assert!(!verification.intact);
    assert_eq!(verification.first_broken_seq, Some(4));
    assert!(
        verification
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("record 4 was altered")),
        "{verification:?}"
    );
}

#[test]
fn an_edit_that_recomputes_the_hash_breaks_the_next_link() {
    let db = TempDb::new();
    drop(decided(&db));
    let raw = db.raw();
    raw.execute_batch(
        "DROP TRIGGER consent_log_append_only_update;
         UPDATE consent_log SET hash = 'feedface' WHERE seq = 6;",
    )
    .unwrap();
    drop(raw);
    let (code, out, _) = verify_cli(&db);
    assert_ne!(code, 0);
    assert!(out.contains(r#""firstBrokenSeq":6"#), "{out}");
}

#[test]
fn a_deleted_record_is_detected_and_named() {
    let db = TempDb::new();
    drop(decided(&db));
    let raw = db.raw();
    raw.execute_batch(
        "DROP TRIGGER consent_log_append_only_delete;
         DELETE FROM consent_log WHERE seq = 3;",
    )
    .unwrap();
    drop(raw);
    let (code, out, err) = verify_cli(&db);
    assert_ne!(code, 0);
    assert!(out.contains(r#""firstBrokenSeq":3"#), "{out}");
    assert!(err.contains("record 3 is missing"), "{err}");
}

#[test]
fn records_removed_from_the_end_are_detected() {
    let db = TempDb::new();
    drop(decided(&db));
    let raw = db.raw();
    raw.execute_batch(
        "DROP TRIGGER consent_log_append_only_delete;
         DELETE FROM consent_log WHERE seq >= 9;",
    )
    .unwrap();
    drop(raw);
    let (code, out, err) = verify_cli(&db);
    assert_ne!(code, 0);
    assert!(out.contains(r#""firstBrokenSeq":9"#), "{out}");
    assert!(err.contains("removed from the end"), "{err}");
}

#[test]
fn audit_export_prints_a_users_receipts() {
    let db = TempDb::new();
    drop(decided(&db));
    let out = Command::new(BIN)
        .args(["audit", "export", "--db", &db.path(), "--user", "u2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(export["version"], "miniapp-auth/consent-receipt/1");
    assert_eq!(export["user"], "u2");
    let receipts = export["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[0]["userId"], "u2");
    assert_eq!(receipts[0]["scope"], "scope.werun");
    assert_eq!(receipts[0]["decision"], "granted");
    assert_eq!(receipts[0]["source"], "admin");
    assert_eq!(receipts[0]["hash"].as_str().unwrap().len(), 64);
    assert_eq!(export["logHead"]["seq"], 10);
    // A missing file is an error, not a new empty log.
    let out = Command::new(BIN)
        .args(["audit", "verify", "--db", "/nonexistent/auth.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn two_engines_on_one_file_extend_one_chain() {
    let db = TempDb::new();
    let a = db.open(ScriptedUi::new(&[Answer::Allow]));
    let b = db.open(ScriptedUi::new(&[Answer::Deny]));
    assert!(block_on(a.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    assert!(!block_on(b.authorize(caller("u2", "wxA"), "scope.record".into())).ok);
    a.set_grant("u3".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    let verification = b.verify_consent_log().unwrap();
    assert!(verification.intact, "{verification:?}");
    assert_eq!(verification.records, 3);
}
