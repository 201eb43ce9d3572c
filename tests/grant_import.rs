//! Bulk import of everything an existing host's store holds (issue #13,
//! security review; issue #21): grants and denials with when they were made and
//! an allow-until end, privacy agreements with their contract version, kept
//! subscription choices and main switches. Each kind is observed the way a mini
//! app sees it; the consent records say `import`, at the time the user decided;
//! decisions already held here are kept; bad input changes nothing.

mod common;

use common::*;
use miniapp_auth::{
    AuthEngine, DecisionSource, EngineConfig, GrantState, HostImport, HostImportReport,
    ImportReport, ImportedGrant, ImportedPrivacyAgreement, ImportedSubscriptionChoice,
    ImportedSubscriptionSwitch, SubscribeAnswer, SubscribeChoice, TemplateChoice,
};
use serde_json::{json, Value};

fn entry(user: &str, app: &str, scope: &str, granted: bool) -> ImportedGrant {
    ImportedGrant {
        user_id: user.into(),
        app_id: app.into(),
        plugin_id: None,
        scope: scope.into(),
        granted,
        decided_at_ms: None,
        expires_at_ms: None,
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

fn agreement(user: &str, app: &str, version: &str) -> ImportedPrivacyAgreement {
    ImportedPrivacyAgreement {
        user_id: user.into(),
        app_id: app.into(),
        contract_version: version.into(),
        declared_scopes: None,
        agreed_at_ms: None,
    }
}

fn kept(
    user: &str,
    app: &str,
    tmpl_id: &str,
    choice: SubscribeChoice,
) -> ImportedSubscriptionChoice {
    ImportedSubscriptionChoice {
        user_id: user.into(),
        app_id: app.into(),
        tmpl_id: tmpl_id.into(),
        choice,
        decided_at_ms: None,
    }
}

fn switch(user: &str, app: &str, on: bool) -> ImportedSubscriptionSwitch {
    ImportedSubscriptionSwitch {
        user_id: user.into(),
        app_id: app.into(),
        on,
        decided_at_ms: None,
    }
}

fn counts(imported: u64, kept_existing: u64) -> ImportReport {
    ImportReport {
        imported,
        kept_existing,
    }
}

/// An engine on a manual clock at [`T0`], with the clock.
fn clocked(
    db: &TempDb,
    ui: std::sync::Arc<ScriptedUi>,
) -> (AuthEngine, std::sync::Arc<miniapp_auth::ManualClock>) {
    let clock = clock();
    let engine = db.open_clocked(ui, EngineConfig::default(), clock.clone());
    (engine, clock)
}

fn need_authorization(engine: &AuthEngine, user: &str) -> bool {
    let setting = block_on(engine.get_privacy_setting(caller(user, "wxA")));
    let value: Value = serde_json::from_str(&setting.json).unwrap();
    value["needAuthorization"].as_bool().unwrap()
}

fn subscribe(engine: &AuthEngine, user: &str, tmpl_ids: Value) -> Value {
    let call = json!({"api": "requestSubscribeMessage", "args": {"tmplIds": tmpl_ids}});
    let me = caller(user, "wxA").with_tap();
    serde_json::from_str(&block_on(engine.handle(me, call.to_string()))).unwrap()
}

fn subscriptions_setting(engine: &AuthEngine, user: &str) -> Value {
    let setting = block_on(engine.get_setting(caller(user, "wxA"), true));
    let value: Value = serde_json::from_str(&setting.json).unwrap();
    value["subscriptionsSetting"].clone()
}

/// The decisions imported, from the consent log: (decision, source, at).
fn import_records(engine: &AuthEngine, user: &str) -> Vec<miniapp_auth::ConsentRecord> {
    engine
        .consent_records(Some(user.into()))
        .unwrap()
        .into_iter()
        .filter(|r| r.source == "import")
        .collect()
}

#[test]
fn an_imported_grant_keeps_when_it_was_decided_and_ends_at_its_time() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let (engine, clock) = clocked(&db, ui.clone());
    let report = engine
        .import_from_host(HostImport {
            grants: vec![
                ImportedGrant {
                    decided_at_ms: Some(T0 - 30 * DAY),
                    ..entry("u1", "wxA", "scope.record", true)
                },
                ImportedGrant {
                    decided_at_ms: Some(T0 - DAY),
                    expires_at_ms: Some(T0 + HOUR),
                    ..entry("u1", "wxA", "scope.camera", true)
                },
                ImportedGrant {
                    decided_at_ms: Some(T0 - 2 * DAY),
                    ..entry("u1", "wxA", "scope.bluetooth", false)
                },
            ],
            ..HostImport::default()
        })
        .unwrap();
    assert_eq!(
        report,
        HostImportReport {
            grants: counts(3, 0),
            ..HostImportReport::default()
        }
    );
    // Listed with when the user decided and when the grant ends.
    let listed: Vec<(String, GrantState, i64, Option<i64>)> = engine
        .list_grants("u1".into(), None)
        .unwrap()
        .into_iter()
        .map(|g| (g.scope, g.state, g.updated_at_ms, g.expires_at_ms))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "scope.bluetooth".into(),
                GrantState::Denied,
                T0 - 2 * DAY,
                None
            ),
            (
                "scope.camera".into(),
                GrantState::Granted,
                T0 - DAY,
                Some(T0 + HOUR)
            ),
            (
                "scope.record".into(),
                GrantState::Granted,
                T0 - 30 * DAY,
                None
            ),
        ]
    );
    // Recorded at the time the user decided, with the allow-until lifetime.
    /// (scope, decision, lifetime, until, at)
    type Recorded = (Option<String>, String, Option<String>, Option<i64>, i64);
    let recorded: Vec<Recorded> = import_records(&engine, "u1")
        .into_iter()
        .map(|r| (r.scope, r.decision, r.lifetime, r.until_ms, r.at_ms))
        .collect();
    assert_eq!(
        recorded,
        [
            (
                Some("scope.record".into()),
                "granted".into(),
                Some("permanent".into()),
                None,
                T0 - 30 * DAY
            ),
            (
                Some("scope.camera".into()),
                "granted".into(),
                Some("until".into()),
                Some(T0 + HOUR),
                T0 - DAY
            ),
            (
                Some("scope.bluetooth".into()),
                "denied".into(),
                None,
                None,
                T0 - 2 * DAY
            ),
        ]
    );
    // Before its end the grant is honoured without a dialog.
    let me = caller("u1", "wxA");
    assert!(block_on(engine.authorize(me.clone(), "scope.camera".into())).ok);
    let setting = auth_setting(&block_on(engine.get_setting(me.clone(), false)).json);
    assert_eq!(
        (
            &setting["scope.camera"],
            &setting["scope.record"],
            &setting["scope.bluetooth"]
        ),
        (&json!(true), &json!(true), &json!(false))
    );
    assert_eq!(ui.dialogs(), 0);
    // At its end it is unasked: getSetting leaves it out, authorize asks.
    clock.advance(HOUR);
    let setting = auth_setting(&block_on(engine.get_setting(me.clone(), false)).json);
    assert!(!setting.contains_key("scope.camera"), "{setting:?}");
    ui.push(&[Answer::Deny]);
    assert_eq!(
        block_on(engine.authorize(me, "scope.camera".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert_eq!(ui.scope_dialogs().len(), 1);
}

/// An allow-until grant that has already ended is skipped and counted, not
/// refused: its end can pass while the host reads its store (refusing would
/// fail the whole import on a race with the clock), and an ended grant is, by
/// the engine's rule, unasked — skipping it stores exactly what the user has.
#[test]
fn an_allow_until_grant_already_ended_is_not_imported() {
    let db = TempDb::new();
    let (engine, _clock) = clocked(&db, ScriptedUi::new(&[]));
    let ended = |scope: &str, end: i64| ImportedGrant {
        decided_at_ms: Some(T0 - 2 * DAY),
        expires_at_ms: Some(end),
        ..entry("u1", "wxA", scope, true)
    };
    let report = engine
        .import_from_host(HostImport {
            grants: vec![
                ended("scope.camera", T0 - DAY),
                ended("scope.bluetooth", T0),
                entry("u1", "wxA", "scope.record", true),
            ],
            ..HostImport::default()
        })
        .unwrap();
    assert_eq!(
        report,
        HostImportReport {
            grants: counts(1, 0),
            grants_already_ended: 2,
            ..HostImportReport::default()
        }
    );
    let scopes: Vec<String> = engine
        .list_grants("u1".into(), None)
        .unwrap()
        .into_iter()
        .map(|g| g.scope)
        .collect();
    assert_eq!(scopes, ["scope.record"]);
    assert_eq!(
        import_records(&engine, "u1").len(),
        1,
        "no record of the ended ones"
    );
}

#[test]
fn an_agreement_to_the_current_contract_needs_no_privacy_popup() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let (engine, _clock) = clocked(&db, ui.clone());
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some(("2", &["scope.userLocation", "scope.record"]))),
        )
        .unwrap();
    assert!(need_authorization(&engine, "u1"));
    let report = engine
        .import_from_host(HostImport {
            privacy_agreements: vec![ImportedPrivacyAgreement {
                agreed_at_ms: Some(T0 - 10 * DAY),
                ..agreement("u1", "wxA", "2")
            }],
            ..HostImport::default()
        })
        .unwrap();
    assert_eq!(report.privacy_agreements, counts(1, 0));
    assert!(!need_authorization(&engine, "u1"));
    // The scope is asked about; the privacy contract is not.
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    assert!(
        matches!(&ui.shown.lock().unwrap()[..], [Shown::Scope(_)]),
        "{:?}",
        ui.shown.lock().unwrap()
    );
    let records = import_records(&engine, "u1");
    assert_eq!(records.len(), 1);
    let agreed = &records[0];
    assert_eq!(
        (
            agreed.decision.as_str(),
            agreed.contract_version.as_deref(),
            agreed.scopes.clone(),
            agreed.at_ms
        ),
        (
            "agreed",
            Some("2"),
            Some(vec![
                "scope.userLocation".to_string(),
                "scope.record".to_string()
            ]),
            T0 - 10 * DAY
        ),
        "covering what version 2 declares, as a dialog's agreement would"
    );
}

/// An agreement to an older version is an old agreement: it covers the scopes
/// that version declared — the same as an agreement made here before the app's
/// contract changed — and, when the host did not keep them, its own version
/// only (the engine's rule for agreements recorded without their scopes).
#[test]
fn an_agreement_to_an_older_version_behaves_as_an_old_agreement() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree]);
    let (engine, _clock) = clocked(&db, ui.clone());
    // u0 agrees here to version 1, which declares location only.
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.userLocation"]))))
        .unwrap();
    assert!(block_on(engine.require_privacy_authorize(caller("u0", "wxA"))).ok);
    // Version 2 declares the microphone too.
    engine
        .register_manifest(
            "wxA".into(),
            manifest(Some(("2", &["scope.userLocation", "scope.record"]))),
        )
        .unwrap();
    let old = |user: &str, declared: Option<&[&str]>| ImportedPrivacyAgreement {
        declared_scopes: declared.map(|s| s.iter().map(|s| s.to_string()).collect()),
        ..agreement(user, "wxA", "1")
    };
    let location = |user: &str| entry(user, "wxA", "scope.userLocation", true);
    let report = engine
        .import_from_host(HostImport {
            grants: ["u0", "u1", "u2", "u3"].map(location).to_vec(),
            privacy_agreements: vec![
                old("u1", Some(&["scope.userLocation"])),
                old("u2", None),
                old("u3", Some(&["scope.userLocation", "scope.record"])),
            ],
            ..HostImport::default()
        })
        .unwrap();
    assert_eq!(report.privacy_agreements, counts(3, 0));
    // u1 is exactly u0: version 2 declares something new, location is covered.
    for user in ["u0", "u1"] {
        assert!(need_authorization(&engine, user), "{user}");
        assert_eq!(
            block_on(engine.ensure(caller(user, "wxA"), "getLocation".into())).json,
            r#"{"errMsg":"getLocation:ok"}"#,
            "{user}"
        );
    }
    assert_eq!(ui.dialogs(), 1, "only u0's own agreement");
    // u2's agreement names version 1 only: version 2 asks again, even for location.
    assert!(need_authorization(&engine, "u2"));
    ui.push(&[Answer::Disagree]);
    assert_eq!(
        block_on(engine.ensure(caller("u2", "wxA"), "getLocation".into())).json,
        r#"{"errMsg":"getLocation:fail privacy permission is not authorized","errno":104}"#
    );
    // u3's version 1 declared all that version 2 does: a reworded contract.
    assert!(!need_authorization(&engine, "u3"));
}

#[test]
fn kept_subscription_choices_answer_without_a_dialog() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let (engine, _clock) = clocked(&db, ui.clone());
    let report = engine
        .import_from_host(HostImport {
            subscription_choices: vec![
                ImportedSubscriptionChoice {
                    decided_at_ms: Some(T0 - DAY),
                    ..kept("u1", "wxA", "TMPL_A", SubscribeChoice::Accept)
                },
                kept("u1", "wxA", "TMPL_B", SubscribeChoice::Reject),
            ],
            ..HostImport::default()
        })
        .unwrap();
    assert_eq!(report.subscription_choices, counts(2, 0));
    assert_eq!(
        subscribe(&engine, "u1", json!(["TMPL_A", "TMPL_B"])),
        json!({"errMsg": "requestSubscribeMessage:ok", "TMPL_A": "accept", "TMPL_B": "reject"})
    );
    assert!(ui.subscribe_requests().is_empty());
    assert_eq!(
        subscriptions_setting(&engine, "u1"),
        json!({"mainSwitch": true, "itemSettings": {"TMPL_A": "accept", "TMPL_B": "reject"}})
    );
    let recorded: Vec<(Option<String>, String, Option<String>, i64)> =
        import_records(&engine, "u1")
            .into_iter()
            .map(|r| (r.template, r.decision, r.lifetime, r.at_ms))
            .collect();
    assert_eq!(
        recorded,
        [
            (
                Some("TMPL_A".into()),
                "subscribed".into(),
                Some("permanent".into()),
                T0 - DAY
            ),
            (
                Some("TMPL_B".into()),
                "declined".into(),
                Some("permanent".into()),
                T0
            ),
        ]
    );
}

#[test]
fn an_imported_main_switch_off_refuses_subscriptions_with_20004() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let (engine, _clock) = clocked(&db, ui.clone());
    let report = engine
        .import_from_host(HostImport {
            subscription_choices: vec![kept("u1", "wxA", "TMPL_A", SubscribeChoice::Accept)],
            subscription_switches: vec![
                ImportedSubscriptionSwitch {
                    decided_at_ms: Some(T0 - DAY),
                    ..switch("u1", "wxA", false)
                },
                switch("u2", "wxA", true),
            ],
            ..HostImport::default()
        })
        .unwrap();
    assert_eq!(report.subscription_switches, counts(2, 0));
    assert_eq!(
        subscribe(&engine, "u1", json!(["TMPL_A"])),
        json!({"errMsg": "requestSubscribeMessage:fail The main switch is switched off", "errCode": 20004, "errno": 20004})
    );
    assert!(ui.subscribe_requests().is_empty());
    // WeChat keeps the choices while the switch is off.
    assert_eq!(
        subscriptions_setting(&engine, "u1"),
        json!({"mainSwitch": false, "itemSettings": {"TMPL_A": "accept"}})
    );
    assert_eq!(subscriptions_setting(&engine, "u2")["mainSwitch"], true);
    let switched: Vec<(String, i64)> = import_records(&engine, "u1")
        .into_iter()
        .filter(|r| r.template.is_none())
        .map(|r| (r.decision, r.at_ms))
        .collect();
    assert_eq!(switched, [("subscriptions-off".to_string(), T0 - DAY)]);
}

/// One import holding one valid entry of each kind, for the bad ones to join.
fn valid_batch() -> HostImport {
    HostImport {
        grants: vec![entry("u1", "wxA", "scope.record", true)],
        privacy_agreements: vec![agreement("u1", "wxA", "1")],
        subscription_choices: vec![kept("u1", "wxA", "TMPL_A", SubscribeChoice::Accept)],
        subscription_switches: vec![switch("u1", "wxA", false)],
    }
}

#[test]
fn bad_input_of_any_kind_fails_the_whole_import_and_writes_nothing() {
    let db = TempDb::new();
    let (engine, _clock) = clocked(&db, ScriptedUi::new(&[]));
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    let head = engine.consent_log_head().unwrap();
    type Spoil = Box<dyn Fn(&mut HostImport)>;
    let cases: Vec<(Spoil, &str)> = vec![
        (
            Box::new(|b| {
                b.grants.push(ImportedGrant {
                    decided_at_ms: Some(T0 + HOUR),
                    ..entry("u1", "wxA", "scope.camera", true)
                })
            }),
            "import entry 1 of grants: decided_at_ms",
        ),
        (
            Box::new(|b| {
                b.grants.push(ImportedGrant {
                    expires_at_ms: Some(T0 + DAY),
                    ..entry("u1", "wxA", "scope.camera", false)
                })
            }),
            "a denial has no expires_at_ms",
        ),
        (
            Box::new(|b| {
                b.grants.push(ImportedGrant {
                    decided_at_ms: Some(T0 - HOUR),
                    expires_at_ms: Some(T0 - DAY),
                    ..entry("u1", "wxA", "scope.camera", true)
                })
            }),
            "is not after decided_at_ms",
        ),
        (
            Box::new(|b| b.grants.push(entry("u1", "wxA", "scope.userInfo", true))),
            "cannot be granted",
        ),
        (
            Box::new(|b| b.grants.push(entry("u1", "wxA", "scope.record", false))),
            "import entry 1 of grants: listed twice",
        ),
        (
            Box::new(|b| b.privacy_agreements.push(agreement("", "wxB", "1"))),
            "import entry 1 of privacy_agreements: invalid caller: user id",
        ),
        (
            Box::new(|b| b.privacy_agreements.push(agreement("u1", "wxB", "  "))),
            "not a contract version",
        ),
        (
            Box::new(|b| {
                b.privacy_agreements.push(ImportedPrivacyAgreement {
                    declared_scopes: Some(vec!["scope.nope".into()]),
                    ..agreement("u1", "wxB", "1")
                })
            }),
            "declared_scopes names an invalid scope",
        ),
        (
            Box::new(|b| b.privacy_agreements.push(agreement("u1", "wxA", "2"))),
            "import entry 1 of privacy_agreements: listed twice",
        ),
        (
            Box::new(|b| {
                b.privacy_agreements.push(ImportedPrivacyAgreement {
                    agreed_at_ms: Some(T0 + DAY),
                    ..agreement("u1", "wxB", "1")
                })
            }),
            "agreed_at_ms",
        ),
        (
            Box::new(|b| {
                b.subscription_choices
                    .push(kept("u1", "wxA", "TMPL B", SubscribeChoice::Accept))
            }),
            "import entry 1 of subscription_choices: \"TMPL B\" is not a template id",
        ),
        (
            Box::new(|b| {
                b.subscription_choices
                    .push(kept("u1", "wxA", "TMPL_C", SubscribeChoice::Ban))
            }),
            "only Accept or Reject",
        ),
        (
            Box::new(|b| {
                b.subscription_choices
                    .push(kept("u1", "wxA", "TMPL_A", SubscribeChoice::Reject))
            }),
            "import entry 1 of subscription_choices: listed twice",
        ),
        (
            Box::new(|b| {
                b.subscription_choices.push(ImportedSubscriptionChoice {
                    decided_at_ms: Some(-1),
                    ..kept("u1", "wxA", "TMPL_C", SubscribeChoice::Accept)
                })
            }),
            "before 1970",
        ),
        (
            Box::new(|b| b.subscription_switches.push(switch("u1", "", true))),
            "import entry 1 of subscription_switches: invalid caller: app id",
        ),
        (
            Box::new(|b| b.subscription_switches.push(switch("u1", "wxA", true))),
            "import entry 1 of subscription_switches: listed twice",
        ),
    ];
    for (spoil, says) in cases {
        let mut batch = valid_batch();
        spoil(&mut batch);
        let error = engine.import_from_host(batch).unwrap_err();
        assert!(
            matches!(error, miniapp_auth::AuthError::InvalidArgument { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(says), "{says:?} not in {error}");
    }
    // Nothing of any kind was written.
    assert_eq!(engine.consent_log_head().unwrap(), head);
    assert!(engine.list_users().unwrap().is_empty());
    assert!(need_authorization(&engine, "u1"));
    assert_eq!(
        subscriptions_setting(&engine, "u1"),
        json!({"mainSwitch": true, "itemSettings": {}})
    );
    // The same batch without the bad entry goes in whole.
    let report = engine.import_from_host(valid_batch()).unwrap();
    assert_eq!(
        report,
        HostImportReport {
            grants: counts(1, 0),
            grants_already_ended: 0,
            privacy_agreements: counts(1, 0),
            subscription_choices: counts(1, 0),
            subscription_switches: counts(1, 0),
        }
    );
}

fn chosen(tmpl_id: &str, choice: SubscribeChoice, keep: bool) -> SubscribeAnswer {
    SubscribeAnswer::Chosen {
        choices: vec![TemplateChoice {
            tmpl_id: tmpl_id.into(),
            choice,
        }],
        keep,
    }
}

/// What this database decided of each kind is newer than the host's old
/// store, and kept: an agreement or a disagreement here, the app reset here,
/// any answer to a template (kept or not), the main switch set here.
#[test]
fn decisions_held_here_are_kept_for_every_kind() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Agree, Answer::Disagree]);
    let (engine, _clock) = clocked(&db, ui.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    assert!(block_on(engine.require_privacy_authorize(caller("u1", "wxA"))).ok);
    assert!(!block_on(engine.require_privacy_authorize(caller("u2", "wxA"))).ok);
    engine.reset_app("wxA".into(), Some("u3".into())).unwrap();
    ui.push_subscribe(chosen("TMPL_A", SubscribeChoice::Accept, false));
    assert_eq!(
        subscribe(&engine, "u1", json!(["TMPL_A"]))["TMPL_A"],
        "accept"
    );
    ui.push_subscribe(chosen("TMPL_B", SubscribeChoice::Reject, true));
    assert_eq!(
        subscribe(&engine, "u1", json!(["TMPL_B"]))["TMPL_B"],
        "reject"
    );
    engine
        .set_subscriptions_main_switch("u1".into(), "wxA".into(), true)
        .unwrap();
    let report = engine
        .import_from_host(HostImport {
            privacy_agreements: ["u1", "u2", "u3", "u4"]
                .map(|user| agreement(user, "wxA", "1"))
                .to_vec(),
            subscription_choices: ["TMPL_A", "TMPL_B", "TMPL_C"]
                .map(|id| kept("u1", "wxA", id, SubscribeChoice::Accept))
                .to_vec(),
            subscription_switches: vec![
                switch("u1", "wxA", false),
                switch("u3", "wxA", false),
                switch("u4", "wxA", false),
            ],
            ..HostImport::default()
        })
        .unwrap();
    assert_eq!(
        report,
        HostImportReport {
            privacy_agreements: counts(1, 3),
            subscription_choices: counts(1, 2),
            subscription_switches: counts(1, 2),
            ..HostImportReport::default()
        }
    );
    // u2's disagreement and u3's reset stand; u4 had nothing here.
    assert!(!need_authorization(&engine, "u1"));
    assert!(need_authorization(&engine, "u2"));
    assert!(need_authorization(&engine, "u3"));
    assert!(!need_authorization(&engine, "u4"));
    assert_eq!(
        subscriptions_setting(&engine, "u1"),
        json!({"mainSwitch": true, "itemSettings": {"TMPL_B": "reject", "TMPL_C": "accept"}}),
        "TMPL_A was answered here without keeping it: asked again, as the user chose"
    );
    assert_eq!(subscriptions_setting(&engine, "u3")["mainSwitch"], true);
    assert_eq!(subscriptions_setting(&engine, "u4")["mainSwitch"], false);
}

#[test]
fn the_audit_chain_verifies_after_an_import() {
    let db = TempDb::new();
    let (engine, _clock) = clocked(&db, ScriptedUi::new(&[]));
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.camera".into(), true)
        .unwrap();
    let mut batch = valid_batch();
    batch.grants.push(ImportedGrant {
        decided_at_ms: Some(T0 - DAY),
        expires_at_ms: Some(T0 + DAY),
        plugin_id: Some("wxPlugin".into()),
        ..entry("u1", "wxA", "scope.camera", true)
    });
    batch.privacy_agreements.push(ImportedPrivacyAgreement {
        declared_scopes: Some(vec!["scope.record".into()]),
        agreed_at_ms: Some(T0 - 3 * DAY),
        ..agreement("u2", "wxA", "0")
    });
    engine.import_from_host(batch).unwrap();
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            None,
            "scope.bluetooth".into(),
            false,
        )
        .unwrap();
    let verified = engine.verify_consent_log().unwrap();
    assert!(verified.intact, "{verified:?}");
    assert!(verified.unmatched_rows.is_empty(), "{verified:?}");
    assert_eq!(import_records(&engine, "u1").len(), 5);
    // The CLI's audit, reading the file as a host's support tool would.
    let audit = |args: &[&str]| {
        std::process::Command::new(common::bridge::BIN)
            .arg("audit")
            .args(args)
            .args(["--db", &db.path()])
            .output()
            .unwrap()
    };
    let verify = audit(&["verify"]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let export = audit(&["export", "--user", "u2"]);
    assert!(export.status.success());
    let receipts: Value = serde_json::from_slice(&export.stdout).unwrap();
    let agreed = &receipts["receipts"][0];
    assert_eq!(
        (
            &agreed["decision"],
            &agreed["source"],
            &agreed["atMs"],
            &agreed["contractVersion"]
        ),
        (
            &json!("agreed"),
            &json!("import"),
            &json!(T0 - 3 * DAY),
            &json!("0")
        )
    );
}
