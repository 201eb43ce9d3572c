//! Storage (SPEC §8) on real files: decisions survive a restart and are on disk
//! before "ok"; a newer or foreign file is refused byte-for-byte untouched; a
//! corrupt file is quarantined and the engine starts clean; two engines on one
//! file see each other's writes; administration validates its input.

mod common;

use common::*;
use miniapp_auth::{AuthEngine, AuthError, GrantState};

#[test]
fn decisions_survive_a_restart() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow, Answer::Deny]);
    {
        let engine = db.open(ui.clone());
        engine
            .register_manifest(
                "wxA".into(),
                manifest(Some(("1", &["scope.record", "scope.camera"]))),
            )
            .unwrap();
        assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
        assert!(!block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).ok);
    }
    let ui2 = ScriptedUi::new(&[]);
    let engine = db.open(ui2.clone());
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some(("1", &["scope.record", "scope.camera"]))),
        )
        .unwrap();
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(
        ui2.dialogs(),
        0,
        "the privacy agreement and both decisions were kept"
    );
}

#[test]
fn a_decision_is_on_disk_before_the_mini_app_hears_ok() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[Answer::Allow]));
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    // A separate connection, as another process would open it.
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    let state: i64 = raw
        .query_row(
            "SELECT state FROM grants WHERE user_id='u1' AND app_id='wxA' AND scope='scope.record'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, 1);
    let sync: i64 = {
        let conn = rusqlite::Connection::open(db.path()).unwrap();
        conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
            .map(|mode| assert_eq!(mode, "wal"))
            .unwrap();
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(sync, miniapp_auth::SCHEMA_VERSION);
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let db = TempDb::new();
    {
        let conn = rusqlite::Connection::open(db.path()).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(db.path()).unwrap();
    let err = AuthEngine::open(db.path(), ScriptedUi::new(&[]), None)
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            AuthError::DatabaseTooNew {
                found: 99,
                supported: miniapp_auth::SCHEMA_VERSION
            }
        ),
        "{err:?}"
    );
    assert!(
        std::fs::read(db.path()).unwrap() == before,
        "byte-for-byte untouched"
    );
}

#[test]
fn a_foreign_database_is_refused_untouched() {
    let db = TempDb::new();
    {
        let conn = rusqlite::Connection::open(db.path()).unwrap();
        conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('a');")
            .unwrap();
    }
    let before = std::fs::read(db.path()).unwrap();
    let err = AuthEngine::open(db.path(), ScriptedUi::new(&[]), None)
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("not a miniapp-auth database"),
        "{err}"
    );
    assert!(
        std::fs::read(db.path()).unwrap() == before,
        "byte-for-byte untouched"
    );
}

#[test]
fn a_corrupt_file_is_quarantined_and_the_engine_starts_clean() {
    let db = TempDb::new();
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(db.path(), &garbage).unwrap();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    let aside = engine.quarantined_path().expect("quarantined");
    assert!(
        aside.starts_with(&db.path()) && aside.contains(".corrupt-"),
        "{aside}"
    );
    assert!(
        std::fs::read(&aside).unwrap() == garbage,
        "kept for inspection, not deleted"
    );
    // Nothing is granted from the damaged file; the clean store works.
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    assert_eq!(ui.dialogs(), 1);
}

#[test]
fn a_damaged_header_is_quarantined_too() {
    let db = TempDb::new();
    {
        let engine = db.open(ScriptedUi::new(&[Answer::Allow]));
        assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    }
    // Checkpointed into the main file on close; now smash its header.
    let mut bytes = std::fs::read(db.path()).unwrap();
    bytes[..16].copy_from_slice(b"not a database!!");
    std::fs::write(db.path(), &bytes).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", db.path()));
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open(ui.clone());
    assert!(engine.quarantined_path().is_some());
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#,
        "asked again, never granted from a damaged file"
    );
}

#[test]
fn two_engines_on_one_file_see_each_others_writes_on_their_next_call() {
    let db = TempDb::new();
    let ui_a = ScriptedUi::new(&[Answer::Allow]);
    let ui_b = ScriptedUi::new(&[]);
    let a = db.open(ui_a.clone());
    let b = db.open(ui_b.clone());
    let me = caller("u1", "wxA");
    // b caches "unasked" first, then a grants.
    assert!(
        !auth_setting(&block_on(b.get_setting(me.clone(), false)).json)
            .contains_key("scope.record")
    );
    assert!(block_on(a.authorize(me.clone(), "scope.record".into())).ok);
    assert_eq!(
        block_on(b.authorize(me.clone(), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui_b.dialogs(), 0);
    // A revocation in b is seen by a's next call.
    b.set_grant(
        "u1".into(),
        "wxA".into(),
        None,
        "scope.record".into(),
        false,
    )
    .unwrap();
    assert_eq!(
        block_on(a.authorize(me, "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
}

#[test]
fn administration_sets_revokes_and_validates() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            Some("p1".into()),
            "scope.camera".into(),
            false,
        )
        .unwrap();
    let grants = engine.list_grants("u1".into(), None).unwrap();
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0].state, GrantState::Granted);
    assert_eq!(grants[0].plugin_id, None);
    assert_eq!(grants[1].plugin_id.as_deref(), Some("p1"));
    assert_eq!(grants[0].source, miniapp_auth::DecisionSource::Admin);
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).ok);
    engine
        .revoke_grant("u1".into(), "wxA".into(), None, "scope.camera".into())
        .unwrap();
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into())).ok);
    assert_eq!(ui.dialogs(), 1, "revoked → unasked → asked again");
    for bad_scope in ["scope.location", "scope.address", "scope.userInfo"] {
        let err = engine
            .set_grant("u1".into(), "wxA".into(), None, bad_scope.into(), true)
            .unwrap_err();
        assert!(
            matches!(err, AuthError::InvalidScope { .. }),
            "{bad_scope}: {err:?}"
        );
    }
    let err = engine
        .set_grant("".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidArgument { .. }), "{err:?}");
    assert_eq!(
        engine.list_grants("u1".into(), None).unwrap().len(),
        2,
        "nothing changed"
    );
}

#[test]
fn an_in_memory_engine_works_and_keeps_nothing() {
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = AuthEngine::in_memory(ui, None).unwrap();
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    assert_eq!(engine.list_grants("u1".into(), None).unwrap().len(), 1);
}

#[test]
fn bad_manifests_and_scopes_are_refused_and_change_nothing() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .register_manifest("wxA".into(), manifest(None))
        .unwrap();
    let err = engine
        .register_manifest(
            "wxA".into(),
            r#"{"requiredPrivateInfos":["getFuzzyLocation","getLocation"]}"#.into(),
        )
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidManifest { .. }), "{err:?}");
    // The earlier manifest still stands: location still has its purpose string.
    let opened = engine.scopes();
    assert!(opened.iter().any(|s| s.name == "scope.userLocation"));
    let err = engine
        .register_scope(miniapp_auth::ScopeDefinition {
            name: "scope.record".into(),
            title: "Mine".into(),
            description: String::new(),
            guarded_apis: vec![],
            os_permission: None,
            kind: miniapp_auth::ScopeKind::Promptable,
            requires_purpose: false,
        })
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidScope { .. }));
}

#[test]
fn host_scopes_work_like_built_in_ones() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    engine
        .register_scope(miniapp_auth::ScopeDefinition {
            name: "host.nfc".into(),
            title: "NFC".into(),
            description: "Read NFC tags".into(),
            guarded_apis: vec!["startHCE".into()],
            os_permission: None,
            kind: miniapp_auth::ScopeKind::Promptable,
            requires_purpose: false,
        })
        .unwrap();
    assert_eq!(
        block_on(engine.ensure(caller("u1", "wxA"), "startHCE".into())).json,
        r#"{"errMsg":"startHCE:ok"}"#
    );
    assert_eq!(ui.scope_dialogs()[0].scope_title, "NFC");
    assert_eq!(
        auth_setting(&block_on(engine.get_setting(caller("u1", "wxA"), false)).json)["host.nfc"],
        true
    );
}

#[test]
fn an_empty_path_is_refused() {
    let err = AuthEngine::open(String::new(), ScriptedUi::new(&[]), None)
        .err()
        .expect("refused");
    assert!(matches!(err, AuthError::InvalidArgument { .. }), "{err:?}");
}

/// Tables, columns, indexes and triggers of a database, comparable.
fn schema_of(conn: &rusqlite::Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut objects = conn
        .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    let rows: Vec<(String, String, String)> = objects
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (kind, name, table) in rows {
        out.push(format!("{kind} {name} on {table}"));
        if kind == "table" {
            let mut columns = conn.prepare(&format!("PRAGMA table_info({name})")).unwrap();
            let cols: Vec<String> = columns
                .query_map([], |r| {
                    Ok(format!(
                        "  {} {} notnull={} default={:?} pk={}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let mut cols = cols;
            cols.sort();
            out.extend(cols);
        }
    }
    out
}

#[test]
fn a_version_1_database_is_migrated_keeps_its_decisions_and_matches_a_fresh_one() {
    let old = TempDb::new();
    old.raw()
        .execute_batch(include_str!("fixtures/schema-v1.sql"))
        .unwrap();
    let ui = ScriptedUi::new(&[]);
    let engine = old.open(ui.clone());
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some(("1", &["scope.record", "scope.camera"]))),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.camera".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(
        block_on(engine.ensure(me.with_plugin("p1"), "createVKSession".into())).json,
        r#"{"errMsg":"createVKSession:ok"}"#
    );
    assert_eq!(
        ui.dialogs(),
        0,
        "decisions and the privacy agreement survived"
    );
    assert!(engine.verify_consent_log().unwrap().intact);
    drop(engine);
    assert_migrated_like_a_fresh_database(&old);
}

/// The migrated file has the current version and the schema a fresh one gets.
fn assert_migrated_like_a_fresh_database(old: &TempDb) {
    let fresh = TempDb::new();
    drop(fresh.open(ScriptedUi::new(&[])));
    let migrated = schema_of(&old.raw());
    assert_eq!(migrated, schema_of(&fresh.raw()));
    let version: i64 = old
        .raw()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, miniapp_auth::SCHEMA_VERSION);
}

#[test]
fn a_version_2_database_is_migrated_keeps_its_decisions_and_matches_a_fresh_one() {
    let old = TempDb::new();
    old.raw()
        .execute_batch(include_str!("fixtures/schema-v2.sql"))
        .unwrap();
    let ui = ScriptedUi::new(&[]);
    let engine = old.open(ui.clone());
    // The manifest the fixture's decisions were made under.
    engine
        .register_manifest(
            "wxA".into(),
            r#"{"name":"Demo","permission":{"scope.userLocation":{"desc":"Nearby shops"}},
                "requiredPrivateInfos":["getLocation"],
                "privacy":{"contractName":"Guide","version":"1",
                           "scopes":["scope.record","scope.camera","scope.userLocation"]}}"#
                .into(),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.camera".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(
        block_on(engine.ensure(me.clone(), "getLocation".into())).json,
        r#"{"errMsg":"getLocation:ok"}"#
    );
    assert_eq!(
        block_on(engine.authorize(caller("u2", "wxB"), "scope.werun".into())).json,
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 0, "decisions and the agreement survived");
    let grants = engine.list_grants("u1".into(), None).unwrap();
    assert_eq!(grants.len(), 3, "{grants:?}");
    let verification = engine.verify_consent_log().unwrap();
    assert!(verification.intact, "{verification:?}");
    assert_eq!(verification.records, 5);
    drop(engine);
    assert_migrated_like_a_fresh_database(&old);
}
