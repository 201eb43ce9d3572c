//! Rows edited behind the engine's back (issue #11, item 3), and erasure that
//! keeps the evidence (SPEC §9).
//!
//! A grant or an agreement is honoured only if the consent log holds the
//! decision behind it: each row names its record (sequence and hash) and the
//! link is checked whenever the row is read. A row flipped with `sqlite3` — its
//! integrity check recomputed, since that is a plain SHA-256 anyone can compute
//! — or an agreement inserted after the user disagreed grants nothing, and
//! `audit verify` names it. Users are named in the log by a keyed pseudonym, so
//! forgetting a user (destroying the key) leaves a chain that still verifies and
//! no record tied to the person.

mod common;

use std::process::Command;

use common::bridge::BIN;
use common::*;
use miniapp_auth::AuthEngine;

/// The row check a `grants` row must carry, computed as anyone with the source
/// can (see `src/store/grant_row.rs`).
fn row_check(user: &str, app: &str, scope: &str, state: i64, contract: Option<&str>) -> String {
    let absent = "\u{0}absent";
    let state = state.to_string();
    grant_row_check([
        user,
        app,
        "",
        scope,
        &state,
        absent,
        absent,
        contract.unwrap_or(absent),
        "1",
    ])
}

fn verify_cli(db: &TempDb) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .args(["audit", "verify", "--db", &db.path()])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn granted_in_get_setting(engine: &AuthEngine, scope: &str) -> bool {
    let result = block_on(engine.get_setting(caller("u1", "wxA"), false));
    auth_setting(&result.json).get(scope) == Some(&serde_json::Value::Bool(true))
}

#[test]
fn a_denial_flipped_to_a_grant_with_its_row_check_recomputed_grants_nothing() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[Answer::Deny]));
    let me = caller("u1", "wxA");
    assert!(!block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
    drop(engine);

    let raw = db.raw();
    let changed = raw
        .execute(
            "UPDATE grants SET state = 1, row_check = ?1
             WHERE user_id = 'u1' AND app_id = 'wxA' AND scope = 'scope.camera'",
            [row_check("u1", "wxA", "scope.camera", 1, None)],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(raw);

    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open(ui.clone());
    assert!(
        !granted_in_get_setting(&engine, "scope.camera"),
        "getSetting reports the forged grant"
    );
    let result = block_on(engine.authorize(me, "scope.camera".into()));
    assert!(!result.ok, "the forged grant was honoured: {}", result.json);
    // The consent log still says denied: the denial stands, no dialog.
    assert_eq!(ui.dialogs(), 0, "the user's denial was lost");
    drop(engine);

    let (code, out, err) = verify_cli(&db);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains(r#""intact":false"#), "{out}");
    assert!(
        err.contains("grants") && err.contains("u1") && err.contains("scope.camera"),
        "the row is not named: {err}"
    );
}

#[test]
fn a_grant_inserted_without_any_decision_grants_nothing() {
    let db = TempDb::new();
    drop(db.open(ScriptedUi::new(&[])));
    db.raw()
        .execute(
            "INSERT INTO grants (user_id, app_id, plugin_id, scope, state, source, updated_at, row_check)
             VALUES ('u1', 'wxA', '', 'scope.record', 1, 'dialog', 1, ?1)",
            [row_check("u1", "wxA", "scope.record", 1, None)],
        )
        .unwrap();
    let (code, _, err) = verify_cli(&db);
    assert_ne!(code, Some(0));
    assert!(err.contains("scope.record"), "{err}");
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open(ui.clone());
    assert!(!granted_in_get_setting(&engine, "scope.record"));
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert!(!block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    assert_eq!(ui.dialogs(), 1, "the user is asked: nothing was decided");
    drop(engine);
    // The user's own denial replaced the forged row: now everything is backed.
    let (code, out, err) = verify_cli(&db);
    assert_eq!(code, Some(0), "{out} {err}");
}

#[test]
fn an_agreement_inserted_after_the_user_disagreed_is_not_honoured() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Disagree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(!block_on(engine.require_privacy_authorize(me.clone())).ok);
    drop(engine);

    db.raw()
        .execute(
            "INSERT INTO privacy_agreements (user_id, app_id, contract_version, agreed_at)
             VALUES ('u1', 'wxA', '1', 1)",
            [],
        )
        .unwrap();

    let engine = db.open(ScriptedUi::new(&[Answer::Disagree]));
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    let setting = block_on(engine.get_privacy_setting(me.clone()));
    assert!(
        setting.json.contains(r#""needAuthorization":true"#),
        "the forged agreement was honoured: {}",
        setting.json
    );
    drop(engine);
    let (code, out, err) = verify_cli(&db);
    assert_ne!(code, Some(0), "{out}");
    assert!(
        err.contains("privacy_agreements") && err.contains("wxA"),
        "{err}"
    );
}

#[test]
fn an_untouched_file_verifies_intact() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow, Answer::Deny]);
    let engine = db.open(ui);
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some(("1", &["scope.record", "scope.camera"]))),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    assert!(!block_on(engine.authorize(me, "scope.camera".into())).ok);
    drop(engine);
    let (code, out, err) = verify_cli(&db);
    assert_eq!(code, Some(0), "{out} {err}");
    let engine = db.open(ScriptedUi::new(&[]));
    assert!(granted_in_get_setting(&engine, "scope.record"));
}

#[test]
fn forgetting_a_user_leaves_no_record_tied_to_them_and_the_chain_verifies() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[Answer::Allow, Answer::Allow]));
    let alice = "alice@example.com";
    assert!(block_on(engine.authorize(caller(alice, "wxA"), "scope.record".into())).ok);
    assert!(block_on(engine.authorize(caller("bob", "wxA"), "scope.record".into())).ok);
    let alice_records = engine.consent_records(Some(alice.into())).unwrap();
    assert_eq!(alice_records.len(), 1);
    assert_eq!(alice_records[0].user_id, alice);
    engine.forget_user(alice.into()).unwrap();
    drop(engine);

    // Nothing in the file names her any more: not the log, not any table.
    let raw = db.raw();
    let mut everything = String::new();
    for table in [
        "consent_log",
        "grants",
        "privacy_agreements",
        "prompt_fatigue",
    ] {
        let mut stmt = raw.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                if let Ok(text) = row.get::<_, String>(i) {
                    everything.push_str(&text);
                    everything.push('\n');
                }
            }
        }
    }
    drop(raw);
    assert!(everything.contains("bob"), "the check reads the tables");
    assert!(
        !everything.contains(alice),
        "a forgotten user is still named in the file"
    );

    // The chain still verifies, and still proves what was decided.
    let (code, out, err) = verify_cli(&db);
    assert_eq!(code, Some(0), "{out} {err}");
    let engine = db.open(ScriptedUi::new(&[]));
    let all = engine.consent_records(None).unwrap();
    assert_eq!(
        all.iter().filter(|r| r.decision == "granted").count(),
        2,
        "the forgotten user's grant is still evidenced: {all:?}"
    );
    assert!(engine
        .consent_records(Some(alice.into()))
        .unwrap()
        .is_empty());
    // Users not forgotten are exported by id.
    let out = Command::new(BIN)
        .args(["audit", "export", "--db", &db.path(), "--user", "bob"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let receipts = export["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0]["userId"], "bob");
    assert_eq!(receipts[0]["decision"], "granted");
}

/// The frozen schema-2 file, with its camera denial flipped to a grant (the
/// row check recomputed the way schema 2 computed it) before it is upgraded.
#[test]
fn a_schema_2_file_tampered_before_the_upgrade_is_not_laundered_by_it() {
    let db = TempDb::new();
    let raw = db.raw();
    raw.execute_batch(include_str!("fixtures/schema-v2.sql"))
        .unwrap();
    raw.execute(
        "UPDATE grants SET state = 1, row_check = ?1
         WHERE user_id = 'u1' AND app_id = 'wxA' AND scope = 'scope.camera'",
        [row_check("u1", "wxA", "scope.camera", 1, Some("1"))],
    )
    .unwrap();
    drop(raw);
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    assert!(!granted_in_get_setting(&engine, "scope.camera"));
    assert!(
        granted_in_get_setting(&engine, "scope.record"),
        "untouched rows still count"
    );
    assert!(!block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).ok);
    assert_eq!(ui.dialogs(), 0, "the recorded denial stands");
    let verification = engine.verify_consent_log().unwrap();
    assert!(!verification.intact);
    assert_eq!(
        verification.first_broken_seq, None,
        "the chain itself is fine"
    );
    assert_eq!(verification.unmatched_rows.len(), 1, "{verification:?}");
    assert!(verification.unmatched_rows[0].contains("scope.camera"));
}

#[test]
fn upgrading_a_schema_2_file_files_its_records_under_pseudonyms() {
    let db = TempDb::new();
    db.raw()
        .execute_batch(include_str!("fixtures/schema-v2.sql"))
        .unwrap();
    let engine = db.open(ScriptedUi::new(&[]));
    let records = engine.consent_records(Some("u1".into())).unwrap();
    assert_eq!(records.len(), 4);
    assert!(records
        .iter()
        .all(|r| r.user_id == "u1" && r.subject.starts_with("p-")));
    let verification = engine.verify_consent_log().unwrap();
    assert!(verification.intact, "{verification:?}");
    drop(engine);
    let raw = db.raw();
    let named: i64 = raw
        .query_row(
            "SELECT count(*) FROM consent_log WHERE user_id IN ('u1', 'u2') OR record LIKE '%\"userId\":\"u1\"%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(named, 0, "the log still names users by id");
}

#[test]
fn upgrading_a_schema_1_file_records_the_decisions_it_carried() {
    let db = TempDb::new();
    db.raw()
        .execute_batch(include_str!("fixtures/schema-v1.sql"))
        .unwrap();
    let engine = db.open(ScriptedUi::new(&[]));
    let records = engine.consent_records(Some("u1".into())).unwrap();
    let summary: Vec<(Option<&str>, &str, &str)> = records
        .iter()
        .map(|r| (r.scope.as_deref(), r.decision.as_str(), r.source.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (Some("scope.camera"), "denied", "migration"),
            (Some("scope.record"), "granted", "migration"),
            (Some("scope.camera"), "granted", "migration"),
            (None, "agreed", "migration"),
        ],
        "one record per decision schema 1 kept without one"
    );
    assert!(engine.verify_consent_log().unwrap().intact);
}

/// A schema-2 log with its last record removed is not re-chained by the
/// upgrade (that would make it verify): it stays broken, and the grant whose
/// record was removed grants nothing.
#[test]
fn a_schema_2_log_cut_short_before_the_upgrade_stays_reported() {
    let db = TempDb::new();
    let raw = db.raw();
    raw.execute_batch(include_str!("fixtures/schema-v2.sql"))
        .unwrap();
    raw.execute_batch(
        "DROP TRIGGER consent_log_append_only_delete;
         DELETE FROM consent_log WHERE seq = 5;",
    )
    .unwrap();
    drop(raw);
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open(ui.clone());
    let verification = engine.verify_consent_log().unwrap();
    assert!(!verification.intact);
    assert!(
        verification
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("removed from the end")),
        "{verification:?}"
    );
    assert!(!block_on(engine.authorize(caller("u2", "wxB"), "scope.werun".into())).ok);
    assert_eq!(ui.dialogs(), 1, "no record backs the werun grant: asked");
}
