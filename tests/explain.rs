//! `AuthEngine::explain` (SPEC §11's "why"): the result it says a call would
//! get now is the result the call then gets, in every state a random walk of
//! answers reaches under each host policy; it names the rule; it writes
//! nothing; and `scope_standings` puts each scope into the word the inspector
//! shows.

mod common;

use common::*;
use miniapp_auth::{AuthEngine, Clock, EngineConfig, ExplainedVerdict, ManualClock, Standing};
use std::sync::Arc;

/// The calls the walk makes: `authorize` of a scope, or a guarded API.
const CALLS: &[(&str, Option<&str>)] = &[
    ("authorize", Some("scope.record")),
    ("authorize", Some("scope.camera")),
    ("authorize", Some("scope.userLocation")),
    ("authorize", Some("scope.bluetooth")),
    ("authorize", Some("scope.address")),
    ("authorize", Some("scope.nonexistent")),
    ("getLocation", None),
    ("startRecord", None),
    ("getClipboardData", None),
    ("getWeRunData", None),
    ("authorizeForMiniProgram", Some("scope.record")),
    ("authorizeForMiniProgram", Some("scope.userLocation")),
];

/// Runs the call `explain` was asked about.
fn call(engine: &AuthEngine, who: &miniapp_auth::Caller, api: &str, scope: Option<&str>) -> String {
    let result = match (api, scope) {
        ("authorizeForMiniProgram", Some(scope)) => {
            block_on(engine.authorize_for_mini_program(who.clone(), scope.into()))
        }
        (_, Some(scope)) => block_on(engine.authorize(who.clone(), scope.into())),
        (_, None) => block_on(engine.ensure(who.clone(), api.into())),
    };
    result.json
}

fn walk(config: EngineConfig, seed: u64) {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let clock: Arc<ManualClock> = clock();
    let engine = db.open_clocked(ui.clone(), config, clock.clone());
    let contract = manifest(Some(("1", &["scope.userLocation", "scope.record"])));
    engine
        .register_manifest_value("wxP", serde_json::from_str(&contract).unwrap())
        .unwrap();
    engine
        .register_manifest_value("wxA", serde_json::from_str(&manifest(None)).unwrap())
        .unwrap();
    let mut rng = Rng::seeded("explain walk", seed);
    let consent = [
        Answer::Allow,
        Answer::AllowOnce,
        Answer::AllowUntil(0),
        Answer::Deny,
        Answer::Dismiss,
    ];
    let mut verdicts = std::collections::BTreeSet::new();
    for step in 0..400 {
        let user = ["u1", "u2"][rng.below(2) as usize];
        let app = ["wxA", "wxP"][rng.below(2) as usize];
        // Now and then from inside a plugin (authorize is refused there;
        // authorizeForMiniProgram needs it), or from a tap.
        let mut who = caller(user, app);
        if rng.below(4) == 0 {
            who.plugin_id = Some("wxPlugin".into());
        }
        who.user_gesture = rng.below(3) == 0;
        let (api, scope) = CALLS[rng.below(CALLS.len() as u64) as usize];
        let explained = engine
            .explain(who.clone(), api.into(), scope.map(str::to_string))
            .unwrap();
        verdicts.insert(format!("{:?}/{}", explained.verdict, explained.rule));
        // The person's answers, should a dialog come.
        let mut answer = consent[rng.below(consent.len() as u64) as usize];
        if let Answer::AllowUntil(_) = answer {
            answer = Answer::AllowUntil(clock.now_ms() + HOUR);
        }
        let privacy = [Answer::Agree, Answer::Disagree][rng.below(2) as usize];
        match explained.verdict {
            ExplainedVerdict::AskPrivacy => ui.push(&[privacy, answer]),
            _ => ui.push(&[answer]),
        }
        ui.push_ticks(&[rng.below(2) == 0]);
        let shown_before = ui.shown.lock().unwrap().len();
        let got = call(&engine, &who, api, scope);
        let shown = ui.shown.lock().unwrap()[shown_before..].to_vec();
        let context = format!("step {step}: {user} {app} {api} {scope:?}: {explained:?}");
        match explained.verdict {
            ExplainedVerdict::Allow | ExplainedVerdict::Refuse => {
                let said = explained
                    .result
                    .as_ref()
                    .expect("a result without a dialog");
                assert_eq!(got, said.json, "{context}");
                assert!(shown.is_empty(), "{context}: no dialog, yet {shown:?}");
            }
            ExplainedVerdict::AskUser => {
                assert!(explained.result.is_none(), "{context}");
                assert!(
                    matches!(shown.first(), Some(Shown::Scope(_))),
                    "{context}: {shown:?}"
                );
            }
            ExplainedVerdict::AskUserAndPrivacy => {
                assert!(
                    matches!(shown.first(), Some(Shown::Scope(_))),
                    "{context}: {shown:?}"
                );
            }
            ExplainedVerdict::AskPrivacy => {
                assert!(
                    matches!(shown.first(), Some(Shown::Privacy(_))),
                    "{context}: {shown:?}"
                );
            }
        }
        ui.clear_answers();
        if rng.below(5) == 0 {
            assert!(clock.advance(rng.below(3 * DAY as u64) as i64));
        }
        if rng.below(40) == 0 {
            engine.end_app_run(user.into(), app.into()).unwrap();
        }
    }
    // The walk reached the states it is about (a walk that never left
    // "not decided" would prove little).
    for expected in [
        "Allow/granted",
        "Refuse/unknown-scope",
        "AskUser/not-decided",
        "Refuse/not-offered-to-plugins",
        "Refuse/plugins-only",
    ] {
        assert!(
            verdicts.contains(expected),
            "{expected} never reached: {verdicts:?}"
        );
    }
}

#[test]
fn explain_says_what_the_call_then_does_under_wechat_defaults() {
    walk(EngineConfig::default(), 1);
}

#[test]
fn explain_says_what_the_call_then_does_with_soft_denial_and_the_embargo() {
    let config = EngineConfig {
        soft_deny: true,
        max_denials: 2,
        max_dismissals: 2,
        dismissal_cooldown_ms: DAY as u64,
        ..EngineConfig::default()
    };
    walk(config, 2);
}

#[test]
fn explain_says_what_the_call_then_does_with_the_combined_dialog() {
    let config = EngineConfig {
        combined_privacy_dialog: true,
        privacy_refusal_gap_ms: 0,
        ..EngineConfig::default()
    };
    walk(config, 3);
}

#[test]
fn explain_names_the_rule_and_its_facts() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Deny]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    block_on(engine.authorize(me.clone(), "scope.record".into()));
    let why = engine
        .explain(me.clone(), "authorize".into(), Some("scope.record".into()))
        .unwrap();
    assert_eq!(why.verdict, ExplainedVerdict::Refuse);
    assert_eq!(why.rule, "denied");
    assert_eq!(why.result.unwrap().err_msg, "authorize:fail auth deny");
    let fact = |name: &str| {
        why.facts
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.clone())
    };
    assert_eq!(fact("stored decision").as_deref(), Some("denied"));
    assert_eq!(fact("denial policy").as_deref(), Some("sticky (WeChat)"));
    // getLocation without a purpose string for it: refused before any dialog.
    let why = engine
        .explain(me.clone(), "getLocation".into(), None)
        .unwrap();
    assert_eq!(why.rule, "private-info-not-declared");
    assert_eq!(why.scope, None);
    // authorize without a scope is a typed error, not a verdict.
    assert!(engine.explain(me, "authorize".into(), None).is_err());
}

#[test]
fn explaining_writes_nothing_not_even_a_grants_use() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let clock = clock();
    let engine = db.open_clocked(ui, EngineConfig::default(), clock.clone());
    let me = caller("u1", "wxA");
    block_on(engine.authorize(me.clone(), "scope.record".into()));
    assert!(clock.advance(30 * DAY));
    let used =
        |engine: &AuthEngine| engine.list_grants("u1".into(), None).unwrap()[0].last_used_at_ms;
    let before = used(&engine);
    let files = || {
        let dir = db.dir.path();
        ["auth.db", "auth.db-wal"].map(|f| std::fs::read(dir.join(f)).unwrap_or_default())
    };
    let bytes = files();
    for _ in 0..3 {
        let why = engine
            .explain(me.clone(), "authorize".into(), Some("scope.record".into()))
            .unwrap();
        assert_eq!(why.rule, "granted");
        engine
            .explain(me.clone(), "startRecord".into(), None)
            .unwrap();
    }
    assert_eq!(used(&engine), before, "explain noted a use");
    assert!(files() == bytes, "explain changed the file");
    // The call itself notes the use (so the check above could fail).
    block_on(engine.authorize(me, "scope.record".into()));
    eventually("the call notes the use", || used(&engine) != before);
}

#[test]
fn a_read_only_engine_explains_by_the_hosts_policy() {
    let db = TempDb::new();
    let config = EngineConfig {
        max_dismissals: 1,
        ..EngineConfig::default()
    };
    let engine = db.open_with(ScriptedUi::new(&[Answer::Dismiss]), config.clone());
    block_on(engine.authorize(caller("u1", "wxA"), "scope.camera".into()));
    engine.shut_down();
    let ask = |config: Option<EngineConfig>| {
        let reader = AuthEngine::open_read_only(db.path(), config).unwrap();
        let why = reader
            .explain(
                caller("u1", "wxA"),
                "authorize".into(),
                Some("scope.camera".into()),
            )
            .unwrap();
        let standing = reader.scope_standings("u1".into()).unwrap()[0].standing;
        (why.rule, standing)
    };
    assert_eq!(
        ask(Some(config)),
        ("dismissal-embargo".to_string(), Standing::Embargoed)
    );
    assert_eq!(ask(None), ("not-decided".to_string(), Standing::Unasked));
}

#[test]
fn standings_put_every_state_into_one_word() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let clock = clock();
    let config = EngineConfig {
        max_dismissals: 1,
        auto_revoke_unused_days: 30,
        ..EngineConfig::default()
    };
    let engine = db.open_clocked(ui.clone(), config, clock.clone());
    let me = caller("u1", "wxA");
    // Decided long ago, never used since: due for auto-revoke by now.
    ui.push(&[Answer::Allow]);
    block_on(engine.authorize(me.clone(), "scope.bluetooth".into()));
    assert!(clock.advance(40 * DAY));
    let now = clock.now_ms();
    ui.push(&[
        Answer::Allow,
        Answer::Deny,
        Answer::AllowOnce,
        Answer::AllowUntil(now + DAY),
        Answer::Dismiss,
    ]);
    for scope in [
        "scope.record",
        "scope.camera",
        "scope.werun",
        "scope.writePhotosAlbum",
        "scope.addPhoneContact",
    ] {
        block_on(engine.authorize(me.clone(), scope.into()));
    }
    let words: Vec<(String, &str)> = engine
        .scope_standings("u1".into())
        .unwrap()
        .into_iter()
        .map(|s| (s.scope, s.standing.as_str()))
        .collect();
    let expected = [
        ("scope.addPhoneContact", "embargoed"),
        ("scope.bluetooth", "due-for-auto-revoke"),
        ("scope.camera", "denied"),
        ("scope.record", "granted"),
        ("scope.werun", "allow-once"),
        ("scope.writePhotosAlbum", "until"),
    ];
    let expected: Vec<(String, &str)> = expected.iter().map(|(s, w)| (s.to_string(), *w)).collect();
    assert_eq!(words, expected);
    // Maintenance revokes exactly what was due.
    let report = engine.run_maintenance().unwrap();
    assert_eq!(report.revoked_unused, 1);
    // Another process's engine sees the allow-once answer from the log (the
    // answer lasts the run it was given in; the inspector shows it as the
    // last word); a reset of the app ends it there too.
    let reader = AuthEngine::open_read_only(db.path(), None).unwrap();
    let werun = |e: &AuthEngine| {
        e.scope_standings("u1".into())
            .unwrap()
            .into_iter()
            .find(|s| s.scope == "scope.werun")
            .map(|s| s.standing)
    };
    assert_eq!(werun(&reader), Some(Standing::AllowOnce));
    engine.reset_app("wxA".into(), Some("u1".into())).unwrap();
    assert_eq!(werun(&reader), None);
    // Time passes: the until-grant ends.
    assert!(clock.advance(2 * DAY));
    assert!(engine.scope_standings("u1".into()).unwrap().is_empty());
}

#[test]
fn wait_for_commit_wakes_on_another_process_commit() {
    let db = TempDb::new();
    let writer = db.open(ScriptedUi::new(&[]));
    writer
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    let reader = AuthEngine::open_read_only(db.path(), None).unwrap();
    let seen = reader.wait_for_commit(0, 0).unwrap();
    // Nothing committed: the wait times out with the same count.
    assert_eq!(reader.wait_for_commit(seen, 300).unwrap(), seen);
    let path = db.path();
    let other = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let engine = AuthEngine::open(path, ScriptedUi::new(&[]), None).unwrap();
        engine
            .set_grant(
                "u1".into(),
                "wxA".into(),
                None,
                "scope.camera".into(),
                false,
            )
            .unwrap();
    });
    let after = reader.wait_for_commit(seen, 20_000).unwrap();
    assert!(after > seen);
    other.join().unwrap();
}

#[test]
fn the_bridges_explain_op_answers_what_its_next_call_gets() {
    let db = TempDb::new();
    let mut bridge = common::bridge::Bridge::start(&db.path());
    let explain = r#"{"id":1,"op":"explain","user":"u1","app":"wxA","call":{"api":"authorize","args":{"scope":"scope.record"}}}"#;
    bridge.send(explain);
    let said = bridge.recv();
    assert_eq!(said["explanation"]["verdict"], "ask-user", "{said}");
    assert_eq!(said["explanation"]["rule"], "not-decided");
    bridge.send(
        r#"{"id":2,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.record"}}"#,
    );
    let event = bridge.recv();
    assert_eq!(
        event["event"], "consent",
        "the dialog explain announced: {event}"
    );
    bridge.decide(&event, "deny");
    assert_eq!(
        bridge.recv()["result"]["errMsg"],
        "authorize:fail auth deny"
    );
    bridge.send(&explain.replace(r#""id":1"#, r#""id":3"#));
    let said = bridge.recv();
    assert_eq!(said["explanation"]["rule"], "denied");
    bridge.send(
        r#"{"id":4,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.record"}}"#,
    );
    let got = bridge.recv();
    assert_eq!(got["result"], said["explanation"]["result"]);
    // A malformed explain line: an error naming what it needs; the bridge goes on.
    bridge.send(r#"{"id":5,"op":"explain","user":"u1","app":"wxA","call":"authorize"}"#);
    let error = bridge.recv();
    assert!(
        error["error"].as_str().unwrap().contains("explain needs"),
        "{error}"
    );
    let (_, status) = bridge.finish();
    assert_eq!(status, 0);
}

#[test]
fn users_with_only_a_dismissal_or_an_allow_once_answer_are_listed() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Dismiss, Answer::AllowOnce]);
    let engine = db.open(ui);
    block_on(engine.authorize(caller("dismisser", "wxA"), "scope.camera".into()));
    block_on(engine.authorize(caller("oncer", "wxA"), "scope.camera".into()));
    assert_eq!(engine.list_users().unwrap(), ["dismisser", "oncer"]);
    engine.forget_user("oncer".into()).unwrap();
    assert_eq!(engine.list_users().unwrap(), ["dismisser"]);
}

#[test]
fn an_app_reset_for_every_user_ends_an_allow_once_answer_in_the_standings() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[Answer::AllowOnce]));
    block_on(engine.authorize(caller("u1", "wxB"), "scope.camera".into()));
    let reader = AuthEngine::open_read_only(db.path(), None).unwrap();
    let standings = || reader.scope_standings("u1".into()).unwrap();
    assert_eq!(standings()[0].standing, Standing::AllowOnce);
    // A reset of wxB for every user: one record filed for everyone.
    engine.reset_app("wxB".into(), None).unwrap();
    assert!(standings().is_empty(), "{:?}", standings());
}

#[test]
fn standings_follow_reconsent_on_a_changed_purpose_string() {
    let db = TempDb::new();
    let config = EngineConfig {
        reconsent_on_change: true,
        ..EngineConfig::default()
    };
    let engine = db.open_with(ScriptedUi::new(&[Answer::Allow]), config.clone());
    engine
        .register_manifest("wxA".into(), manifest(None))
        .unwrap();
    block_on(engine.authorize(caller("u1", "wxA"), "scope.userLocation".into()));
    let reader = AuthEngine::open_read_only(db.path(), Some(config)).unwrap();
    let word = |manifest_json: String| {
        reader
            .register_manifest("wxA".into(), manifest_json)
            .unwrap();
        let standing = reader.scope_standings("u1".into()).unwrap()[0].standing;
        let why = reader
            .explain(
                caller("u1", "wxA"),
                "authorize".into(),
                Some("scope.userLocation".into()),
            )
            .unwrap();
        (standing, why.rule)
    };
    assert_eq!(
        word(manifest(None)),
        (Standing::Granted, "granted".to_string())
    );
    let changed = manifest(None).replace("Find shops near you", "Track you everywhere");
    assert_eq!(
        word(changed),
        (Standing::Unasked, "not-decided".to_string())
    );
}
