//! Bulk import of an existing host's grants (issue #13, security review): the
//! imported decisions are honoured like any other, their consent records say
//! `import`, decisions already held are kept, and bad input changes nothing.

mod common;

use common::*;
use miniapp_auth::{DecisionSource, GrantState, ImportReport, ImportedGrant};

fn entry(user: &str, app: &str, scope: &str, granted: bool) -> ImportedGrant {
    ImportedGrant {
        user_id: user.into(),
        app_id: app.into(),
        plugin_id: None,
        scope: scope.into(),
        granted,
    }
}

#[test]
fn imported_decisions_are_honoured_and_recorded_as_imported() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    // A decision this database already holds is newer than the host's old store.
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            None,
            "scope.camera".into(),
            false,
        )
        .unwrap();
    let report = engine
        .import_grants(vec![
            entry("u1", "wxA", "scope.record", true),
            entry("u1", "wxA", "scope.camera", true),
            entry("u2", "wxB", "scope.userLocation", false),
        ])
        .unwrap();
    assert_eq!(
        report,
        ImportReport {
            imported: 2,
            kept_existing: 1
        }
    );
    // Honoured without a dialog.
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    let camera = block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into()));
    assert_eq!(
        camera.json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    let denied = block_on(engine.authorize(caller("u2", "wxB"), "scope.userLocation".into()));
    assert!(!denied.ok);
    assert_eq!(ui.dialogs(), 0);

    let grants = engine.list_grants("u1".into(), None).unwrap();
    let record = grants.iter().find(|g| g.scope == "scope.record").unwrap();
    assert_eq!(
        (record.state, record.source),
        (GrantState::Granted, DecisionSource::Import)
    );
    let records = engine.consent_records(Some("u1".into())).unwrap();
    let imported: Vec<_> = records.iter().filter(|r| r.source == "import").collect();
    assert_eq!(imported.len(), 1, "{records:?}");
    assert_eq!(imported[0].scope.as_deref(), Some("scope.record"));
    assert!(engine.verify_consent_log().unwrap().intact);
}

#[test]
fn bad_input_anywhere_in_the_import_changes_nothing() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    let head = engine.consent_log_head().unwrap();
    for (bad, says) in [
        (entry("u1", "wxA", "scope.nope", true), "entry 1"),
        (entry("", "wxA", "scope.record", true), "entry 1"),
        (entry("u1", "wxA", "scope.record", false), "listed twice"),
    ] {
        let error = engine
            .import_grants(vec![entry("u1", "wxA", "scope.record", true), bad])
            .unwrap_err();
        assert!(error.to_string().contains(says), "{error}");
    }
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert_eq!(engine.consent_log_head().unwrap(), head);
}

/// An import run again (the first run was cut short, or the host retries it)
/// brings back nothing this database took back since: a revocation here, or
/// the app reset here (deleted by the user), is newer than the host's old
/// store, like any decision here. Today's "undecided" looked only at the
/// stored row, which a revocation or a reset removes.
#[test]
fn importing_again_brings_back_nothing_taken_back_here() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    let old_store = || {
        vec![
            entry("u1", "wxA", "scope.record", true),
            entry("u1", "wxA", "scope.camera", true),
            entry("u1", "wxB", "scope.record", true),
        ]
    };
    assert_eq!(
        engine.import_grants(old_store()).unwrap(),
        ImportReport {
            imported: 3,
            kept_existing: 0
        }
    );
    engine
        .revoke_grant("u1".into(), "wxA".into(), None, "scope.record".into())
        .unwrap();
    engine.reset_app("wxB".into(), Some("u1".into())).unwrap();
    assert_eq!(
        engine.import_grants(old_store()).unwrap(),
        ImportReport {
            imported: 0,
            kept_existing: 3
        }
    );
    let granted: Vec<(String, String)> = engine
        .list_grants("u1".into(), None)
        .unwrap()
        .into_iter()
        .map(|g| (g.app_id, g.scope))
        .collect();
    assert_eq!(granted, [("wxA".to_string(), "scope.camera".to_string())]);
}
