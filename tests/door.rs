//! One door for every change to what is granted (issue #20, SPEC §8): each
//! finding of the attacker's second round, as a user or an attacker would meet
//! it. A subscription dialog answered after its app was reset keeps nothing; a
//! row put back from a copy taken before a later revocation or reset is not
//! honoured (the latest record rules) and `audit verify` names it; an import
//! — of any kind — never overwrites a decision committed while it ran, nor
//! brings back what was taken back meanwhile; erasure leaves no copy
//! of the user's id or key in any of the database's files.

mod common;

use std::sync::Arc;

use common::*;
use miniapp_auth::{
    HostImport, ImportedGrant, ImportedPrivacyAgreement, ImportedSubscriptionChoice,
    ImportedSubscriptionSwitch, SubscribeAnswer, SubscribeChoice, TemplateChoice,
};
use serde_json::{json, Value};

fn subscribe(engine: &miniapp_auth::AuthEngine, tmpl_ids: Value) -> Value {
    let call = json!({"api": "requestSubscribeMessage", "args": {"tmplIds": tmpl_ids}});
    let me = caller("u1", "wxA").with_tap();
    serde_json::from_str(&block_on(engine.handle(me, call.to_string()))).unwrap()
}

fn kept_accept(tmpl_id: &str) -> SubscribeAnswer {
    SubscribeAnswer::Chosen {
        choices: vec![TemplateChoice {
            tmpl_id: tmpl_id.into(),
            choice: SubscribeChoice::Accept,
        }],
        keep: true,
    }
}

fn item_settings(engine: &miniapp_auth::AuthEngine) -> Value {
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), true));
    let value: Value = serde_json::from_str(&setting.json).unwrap();
    value["subscriptionsSetting"]["itemSettings"].clone()
}

/// Finding 1: the late-answer guard covered scope and privacy dialogs only.
#[test]
fn a_subscription_answered_after_its_app_was_reset_elsewhere_keeps_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    let elsewhere = db.open(ScriptedUi::new(&[]));
    ui.push_subscribe(kept_accept("TMPL_A"));
    ui.while_subscribing(move || {
        elsewhere.reset_app("wxA".into(), None).unwrap();
    });
    let answer = subscribe(&engine, json!(["TMPL_A"]));
    assert_eq!(answer["errno"], json!(1304), "{answer}");
    assert!(
        answer["errMsg"]
            .as_str()
            .unwrap()
            .starts_with("requestSubscribeMessage:fail dialog outlived its run"),
        "{answer}"
    );
    assert_eq!(item_settings(&engine), json!({}), "nothing kept");
    ui.push_subscribe(SubscribeAnswer::Chosen {
        choices: vec![TemplateChoice {
            tmpl_id: "TMPL_A".into(),
            choice: SubscribeChoice::Reject,
        }],
        keep: false,
    });
    assert_eq!(subscribe(&engine, json!(["TMPL_A"]))["TMPL_A"], "reject");
    assert_eq!(ui.subscribe_requests().len(), 2, "asked again");
}

/// A copy of some of the file's rows, kept in a separate file (as an attacker
/// would keep them), to be put back later.
struct SavedRows {
    dir: tempfile::TempDir,
}

impl SavedRows {
    fn save(db: &TempDb, tables: &[&str]) -> SavedRows {
        let dir = tempfile::tempdir().unwrap();
        let raw = db.raw();
        let copy = dir.path().join("copy.db");
        raw.execute("ATTACH ?1 AS copy", [copy.to_str().unwrap()])
            .unwrap();
        for table in tables {
            raw.execute_batch(&format!(
                "CREATE TABLE copy.{table} AS SELECT * FROM main.{table}"
            ))
            .unwrap();
        }
        SavedRows { dir }
    }

    /// Puts every saved row back (replacing what is there now).
    fn put_back(&self, db: &TempDb, tables: &[&str]) {
        let raw = db.raw();
        let copy = self.dir.path().join("copy.db");
        raw.execute("ATTACH ?1 AS copy", [copy.to_str().unwrap()])
            .unwrap();
        for table in tables {
            let n = raw
                .execute(
                    &format!("INSERT OR REPLACE INTO main.{table} SELECT * FROM copy.{table}"),
                    [],
                )
                .unwrap();
            assert!(n > 0, "{table}: rows put back");
        }
    }
}

fn authorize_json(engine: &miniapp_auth::AuthEngine, scope: &str) -> String {
    block_on(engine.authorize(caller("u1", "wxA"), scope.into())).json
}

/// Finding 2: a row copied before a revocation and put back afterwards.
#[test]
fn a_grant_put_back_after_its_revocation_grants_nothing_and_audit_names_it() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    assert_eq!(
        authorize_json(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    let saved = SavedRows::save(&db, &["grants"]);
    engine
        .revoke_grant("u1".into(), "wxA".into(), None, "scope.record".into())
        .unwrap();
    // The revocation removed the row: nothing is left for audit to name.
    let verification = engine.verify_consent_log().unwrap();
    assert!(verification.intact, "{verification:?}");
    drop(engine);
    saved.put_back(&db, &["grants"]);

    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open(ui.clone());
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert_eq!(auth_setting(&setting.json).get("scope.record"), None);
    assert_eq!(
        authorize_json(&engine, "scope.record"),
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(ui.dialogs(), 1, "the user was asked again");
    // The denial the user gave now stands; before it, verify names the row.
    drop(engine);
    saved.put_back(&db, &["grants"]);
    let engine = db.open(ScriptedUi::new(&[]));
    let verification = engine.verify_consent_log().unwrap();
    assert!(!verification.intact);
    assert_eq!(
        verification.unmatched_rows,
        ["grants row (user u1, app wxA, scope.record granted: a later record decides it)"]
    );
}

/// Finding 2: the grant and the privacy agreement, copied before an app reset
/// and put back afterwards.
#[test]
fn rows_put_back_after_an_app_reset_grant_nothing() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    assert_eq!(
        authorize_json(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 2, "privacy, then the scope");
    let tables = ["grants", "privacy_agreements"];
    let saved = SavedRows::save(&db, &tables);
    engine.reset_app("wxA".into(), Some("u1".into())).unwrap();
    drop(engine);
    saved.put_back(&db, &tables);

    let ui = ScriptedUi::new(&[Answer::Disagree]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    assert_eq!(
        block_on(engine.get_privacy_setting(caller("u1", "wxA"))).json,
        r#"{"errMsg":"getPrivacySetting:ok","needAuthorization":true,"privacyContractName":"Demo guide"}"#
    );
    assert_ne!(
        authorize_json(&engine, "scope.record"),
        r#"{"errMsg":"authorize:ok"}"#
    );
    assert_eq!(ui.dialogs(), 1, "the privacy prompt came back");
    let unmatched = engine.verify_consent_log().unwrap().unmatched_rows;
    assert_eq!(unmatched.len(), 2, "{unmatched:?}");
}

/// Finding 2: a kept acceptance put back after the settings page took it off.
#[test]
fn a_kept_choice_put_back_after_it_was_taken_off_is_not_kept() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    ui.push_subscribe(kept_accept("TMPL_A"));
    assert_eq!(subscribe(&engine, json!(["TMPL_A"]))["TMPL_A"], "accept");
    let saved = SavedRows::save(&db, &["subscription_choices"]);
    ui.on_settings(|_| Vec::new());
    ui.on_subscriptions_page(|shown| {
        let mut left = shown.clone();
        left.item_settings.clear();
        left
    });
    block_on(engine.open_setting(caller("u1", "wxA").with_tap(), true));
    assert_eq!(item_settings(&engine), json!({}));
    drop(engine);
    saved.put_back(&db, &["subscription_choices"]);
    let engine = db.open(ui.clone());
    assert_eq!(item_settings(&engine), json!({}), "not kept again");
    assert_eq!(engine.verify_consent_log().unwrap().unmatched_rows.len(), 1);
}

/// Finding 4: `import_grants` checked "already decided?" in one transaction
/// and wrote in another, so a denial committed between them (acknowledged to
/// the caller) became a grant. Two engines on one file race an import of many
/// grants against denials of the same keys: every key denied must stay denied,
/// whichever committed first.
#[test]
fn an_import_never_overwrites_a_denial_committed_while_it_ran() {
    const USERS: usize = 300;
    let db = TempDb::new();
    let importer = db.open(ScriptedUi::new(&[]));
    let denier = db.open(ScriptedUi::new(&[]));
    let grants: Vec<ImportedGrant> = (0..USERS)
        .map(|i| ImportedGrant {
            user_id: format!("u{i}"),
            app_id: "wxA".into(),
            plugin_id: None,
            scope: "scope.camera".into(),
            granted: true,
            decided_at_ms: None,
            expires_at_ms: None,
        })
        .collect();
    let deny = {
        let denier = Arc::clone(&denier);
        std::thread::spawn(move || {
            for i in 0..USERS {
                denier
                    .set_grant(
                        format!("u{i}"),
                        "wxA".into(),
                        None,
                        "scope.camera".into(),
                        false,
                    )
                    .unwrap();
            }
        })
    };
    let report = importer.import_grants(grants).unwrap();
    deny.join().unwrap();
    assert_eq!(report.imported + report.kept_existing, USERS as u64);
    let fresh = db.open(ScriptedUi::new(&[]));
    let granted: Vec<String> = (0..USERS)
        .map(|i| format!("u{i}"))
        .filter(|user| {
            fresh
                .list_grants(user.clone(), Some("wxA".into()))
                .unwrap()
                .iter()
                .any(|g| g.state == miniapp_auth::GrantState::Granted)
        })
        .collect();
    assert!(granted.is_empty(), "denials overwritten: {granted:?}");
}

/// The door's guarantee for every kind an import writes (issue #21), made
/// deterministic: another engine on the file commits a decision about the
/// very key an import is about to write, the instant before the import's
/// transaction begins (`before_next_door_passage`). "Undecided" is asked in
/// that transaction, so the import finds the decision and keeps it; asked
/// before the door (a check, then a write), it would overwrite it.
#[test]
fn a_decision_committed_just_before_an_imports_transaction_is_kept_for_every_kind() {
    let db = TempDb::new();
    let importer = db.open(ScriptedUi::new(&[]));
    let other_ui = ScriptedUi::new(&[Answer::Disagree]);
    let other = db.open(other_ui.clone());
    other
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    other_ui.push_subscribe(SubscribeAnswer::Chosen {
        choices: vec![TemplateChoice {
            tmpl_id: "TMPL_A".into(),
            choice: SubscribeChoice::Reject,
        }],
        keep: true,
    });
    let grant = HostImport {
        grants: vec![ImportedGrant {
            user_id: "u1".into(),
            app_id: "wxA".into(),
            plugin_id: None,
            scope: "scope.camera".into(),
            granted: true,
            decided_at_ms: None,
            expires_at_ms: None,
        }],
        ..HostImport::default()
    };
    let agreement = HostImport {
        privacy_agreements: vec![ImportedPrivacyAgreement {
            user_id: "u2".into(),
            app_id: "wxA".into(),
            contract_version: "1".into(),
            declared_scopes: None,
            agreed_at_ms: None,
        }],
        ..HostImport::default()
    };
    let choice = HostImport {
        subscription_choices: vec![ImportedSubscriptionChoice {
            user_id: "u3".into(),
            app_id: "wxA".into(),
            tmpl_id: "TMPL_A".into(),
            choice: SubscribeChoice::Accept,
            decided_at_ms: None,
        }],
        ..HostImport::default()
    };
    let switch = HostImport {
        subscription_switches: vec![ImportedSubscriptionSwitch {
            user_id: "u4".into(),
            app_id: "wxA".into(),
            on: false,
            decided_at_ms: None,
        }],
        ..HostImport::default()
    };
    type Meanwhile = Box<dyn FnOnce(&miniapp_auth::AuthEngine) + Send>;
    let cases: Vec<(HostImport, Meanwhile)> = vec![
        (
            grant,
            Box::new(|other| {
                other
                    .set_grant(
                        "u1".into(),
                        "wxA".into(),
                        None,
                        "scope.camera".into(),
                        false,
                    )
                    .unwrap()
            }),
        ),
        (
            agreement,
            Box::new(|other| {
                let refused = block_on(other.require_privacy_authorize(caller("u2", "wxA")));
                assert!(!refused.ok, "{}", refused.json);
            }),
        ),
        (
            choice,
            Box::new(|other| {
                let call =
                    json!({"api": "requestSubscribeMessage", "args": {"tmplIds": ["TMPL_A"]}});
                let answer =
                    block_on(other.handle(caller("u3", "wxA").with_tap(), call.to_string()));
                assert!(answer.contains(r#""TMPL_A":"reject""#), "{answer}");
            }),
        ),
        (
            switch,
            Box::new(|other| {
                other
                    .set_subscriptions_main_switch("u4".into(), "wxA".into(), true)
                    .unwrap()
            }),
        ),
    ];
    for (batch, meanwhile) in cases {
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (other, ran_too) = (Arc::clone(&other), Arc::clone(&ran));
        miniapp_auth::before_next_door_passage(&db.path(), move || {
            meanwhile(&other);
            ran_too.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let report = importer.import_from_host(batch).unwrap();
        assert!(ran.load(std::sync::atomic::Ordering::SeqCst));
        let kept: u64 = [
            report.grants,
            report.privacy_agreements,
            report.subscription_choices,
            report.subscription_switches,
        ]
        .iter()
        .map(|kind| kind.kept_existing)
        .sum();
        assert_eq!((kept, report.grants.imported), (1, 0), "{report:?}");
    }
    // What the other engine decided stands, read from the file afresh.
    let fresh = db.open(ScriptedUi::new(&[]));
    fresh
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    let camera = fresh.list_grants("u1".into(), None).unwrap();
    assert_eq!(camera[0].state, miniapp_auth::GrantState::Denied);
    let privacy = block_on(fresh.get_privacy_setting(caller("u2", "wxA")));
    assert!(
        privacy.json.contains(r#""needAuthorization":true"#),
        "{}",
        privacy.json
    );
    let subscriptions = |user: &str| {
        let setting = block_on(fresh.get_setting(caller(user, "wxA"), true));
        serde_json::from_str::<Value>(&setting.json).unwrap()["subscriptionsSetting"].clone()
    };
    assert_eq!(
        subscriptions("u3")["itemSettings"],
        json!({"TMPL_A": "reject"})
    );
    assert_eq!(subscriptions("u4")["mainSwitch"], true);
}

/// An import racing a reset of the same app (the user deleting it on the host
/// while the migration runs): whichever committed first, no imported privacy
/// agreement outlives the reset — the import either came first and the reset
/// removed it, or found the reset ("undecided" is asked in the transaction
/// that writes, of the consent log too) and kept out.
#[test]
fn an_import_never_brings_back_an_agreement_reset_while_it_ran() {
    const USERS: usize = 300;
    let db = TempDb::new();
    let importer = db.open(ScriptedUi::new(&[]));
    let resetter = db.open(ScriptedUi::new(&[]));
    let agreements: Vec<ImportedPrivacyAgreement> = (0..USERS)
        .map(|i| ImportedPrivacyAgreement {
            user_id: format!("u{i}"),
            app_id: "wxA".into(),
            contract_version: "1".into(),
            declared_scopes: None,
            agreed_at_ms: None,
        })
        .collect();
    let reset = {
        let resetter = Arc::clone(&resetter);
        std::thread::spawn(move || {
            for i in 0..USERS {
                resetter
                    .reset_app("wxA".into(), Some(format!("u{i}")))
                    .unwrap();
            }
        })
    };
    let report = importer
        .import_from_host(HostImport {
            privacy_agreements: agreements,
            ..HostImport::default()
        })
        .unwrap();
    reset.join().unwrap();
    let agreed = report.privacy_agreements;
    assert_eq!(agreed.imported + agreed.kept_existing, USERS as u64);
    let fresh = db.open(ScriptedUi::new(&[]));
    fresh
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    let still_agreed: Vec<String> = (0..USERS)
        .map(|i| format!("u{i}"))
        .filter(|user| {
            let setting = block_on(fresh.get_privacy_setting(caller(user, "wxA")));
            !setting.json.contains(r#""needAuthorization":true"#)
        })
        .collect();
    assert!(
        still_agreed.is_empty(),
        "agreements brought back: {still_agreed:?}"
    );
}
