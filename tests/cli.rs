//! The `miniapp-auth` binary over real pipes: the JSON-lines bridge protocol of
//! SPEC §6 (calls, `register`, dialog events answered by `prompt` lines, other
//! lines served while a dialog is open, malformed lines, clean end of input),
//! grant administration, and the unattended demo.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use common::bridge::{Bridge, BIN};

fn db_in(dir: &tempfile::TempDir) -> String {
    dir.path().join("bridge.db").display().to_string()
}

fn register_line(id: u32) -> String {
    json!({"id": id, "op": "register", "app": "wxA", "manifest": {
        "name": "Demo",
        "permission": {"scope.userLocation": {"desc": "Find shops near you"}},
        "requiredPrivateInfos": ["getLocation"],
        "privacy": {"contractName": "Demo guide", "version": "1",
                    "scopes": ["scope.userLocation", "scope.record"]}
    }})
    .to_string()
}

#[test]
fn the_bridge_speaks_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let mut bridge = Bridge::start(&db_in(&dir));
    bridge.send(&register_line(1));
    assert_eq!(bridge.recv(), json!({"id": 1, "ok": true}));

    // A call that needs the privacy prompt, then the consent dialog.
    bridge.send(r#"{"id":2,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.record"},"tap":false}"#);
    let privacy = bridge.recv();
    assert_eq!(privacy["event"], "privacy");
    assert_eq!(privacy["privacyContractName"], "Demo guide");
    assert_eq!(
        (privacy["user"].as_str(), privacy["app"].as_str()),
        (Some("u1"), Some("wxA"))
    );

    // While the dialog is open, other lines are served.
    bridge.send(r#"{"id":3,"user":"u1","app":"wxB","api":"getSetting"}"#);
    let other = bridge.recv();
    assert_eq!(other["id"], 3);
    assert_eq!(other["result"]["errMsg"], "getSetting:ok");
    bridge.send("this is not json");
    assert!(bridge.recv()["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    bridge.decide(&privacy, "maybe");
    let bad = bridge.recv();
    assert_eq!(bad["prompt"], privacy["prompt"]);
    assert!(bad["error"].as_str().unwrap().contains("agree"));

    bridge.decide(&privacy, "agree");
    let consent = bridge.recv();
    assert_eq!(consent["event"], "consent");
    assert_eq!(consent["scope"], "scope.record");
    assert_eq!(consent["api"], "authorize");
    assert_eq!(consent["appName"], "Demo");
    bridge.decide(&consent, "allow");
    assert_eq!(
        bridge.recv(),
        json!({"id": 2, "result": {"errMsg": "authorize:ok"}})
    );

    // A denial through a guarded API, with its name in the result.
    bridge.send(r#"{"id":4,"user":"u1","app":"wxA","api":"getLocation"}"#);
    let consent = bridge.recv();
    assert_eq!(consent["desc"], "Find shops near you");
    bridge.decide(&consent, "deny");
    assert_eq!(
        bridge.recv(),
        json!({"id": 4, "result": {"errMsg": "getLocation:fail auth deny", "errno": 103}})
    );

    // The settings page.
    bridge.send(r#"{"id":5,"user":"u1","app":"wxA","api":"openSetting"}"#);
    assert_eq!(
        bridge.recv(),
        json!({"id": 5, "result": {"errMsg": "openSetting:fail can only be invoked by user TAP gesture.", "errno": 1105}})
    );
    bridge.send(r#"{"id":6,"user":"u1","app":"wxA","api":"openSetting","tap":true}"#);
    let settings = bridge.recv();
    assert_eq!(settings["event"], "settings");
    assert_eq!(
        settings["authSetting"],
        json!({"scope.record": true, "scope.userLocation": false})
    );
    bridge.send(&format!(
        r#"{{"prompt":{},"authSetting":{{"scope.record":true,"scope.userLocation":true}}}}"#,
        settings["prompt"]
    ));
    let opened = bridge.recv();
    assert_eq!(opened["id"], 6);
    assert_eq!(opened["result"]["authSetting"]["scope.userLocation"], true);

    // Identity comes from the line, never from args; payload identity is refused.
    bridge.send(r#"{"id":7,"user":"u2","app":"wxA","api":"getSetting"}"#);
    let u2 = bridge.recv();
    assert!(u2["result"]["authSetting"].get("scope.record").is_none());

    let (rest, code) = bridge.finish();
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(code, 0);

    // Everything acknowledged is in the file.
    let out = Command::new(BIN)
        .args(["grants", "list", "--db", &db_in(&dir), "--user", "u1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let grants: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(String, String, String)> = grants
        .iter()
        .map(|g| {
            (
                g["scope"].as_str().unwrap().to_string(),
                g["state"].as_str().unwrap().to_string(),
                g["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("scope.record".into(), "granted".into(), "dialog".into()),
            (
                "scope.userLocation".into(),
                "granted".into(),
                "settings".into()
            ),
        ]
    );
}

#[test]
fn malformed_lines_get_errors_and_the_bridge_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut bridge = Bridge::start(&db_in(&dir));
    let cases: &[(&str, &str)] = &[
        ("[1,2]", "a line must be a JSON object"),
        (r#"{"id":1}"#, "a line must be a call"),
        (
            r#"{"id":2,"app":"wxA","api":"authorize"}"#,
            "a call needs \"user\"",
        ),
        (
            r#"{"id":3,"user":5,"app":"wxA","api":"authorize"}"#,
            "user must be a string",
        ),
        (
            r#"{"id":4,"user":"u","app":"wxA","api":"getSetting","tap":"yes"}"#,
            "tap must be",
        ),
        (
            r#"{"id":5,"op":"register","app":"wxA","manifest":{"requiredPrivateInfos":["getFuzzyLocation","getLocation"]}}"#,
            "invalid manifest",
        ),
        (r#"{"id":6,"op":"explode"}"#, "unknown op"),
        (r#"{"prompt":99,"decision":"allow"}"#, "no open prompt 99"),
    ];
    for (line, expected) in cases {
        bridge.send(line);
        let answer = bridge.recv();
        let error = answer["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{line}: {answer}"));
        assert!(error.contains(expected), "{line}: {error}");
    }
    bridge.send_bytes(b"{\"id\":7,\xff\xfe}\n");
    assert_eq!(bridge.recv()["error"], "line is not valid UTF-8");
    // Call-level errors come back as WeChat results.
    bridge.send(r#"{"id":8,"user":"u1","app":"wxA","api":"authorize","args":{"scope":5}}"#);
    assert_eq!(
        bridge.recv(),
        json!({"id": 8, "result": {"errMsg": "authorize:fail parameter error: parameter.scope should be String instead of Number;", "errno": 1001}})
    );
    bridge.send(
        r#"{"id":9,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.nope"}}"#,
    );
    assert_eq!(
        bridge.recv(),
        json!({"id": 9, "result": {"errMsg": "authorize:fail invalid scope", "errno": 1102}})
    );
    bridge.send(r#"{"id":10,"user":"u1","app":"wxA","api":"deleteEverything"}"#);
    assert_eq!(
        bridge.recv(),
        json!({"id": 10, "result": {"errMsg": "deleteEverything:fail api is not supported", "errno": 100}})
    );
    bridge.send(r#"{"id":11,"user":"","app":"wxA","api":"getSetting"}"#);
    assert_eq!(bridge.recv()["result"]["errno"], 1204);
    // And it still works.
    bridge.send(r#"{"id":12,"user":"u1","app":"wxA","api":"getPrivacySetting"}"#);
    assert_eq!(
        bridge.recv(),
        json!({"id": 12, "result": {"errMsg": "getPrivacySetting:ok", "needAuthorization": false, "privacyContractName": ""}})
    );
    let (rest, code) = bridge.finish();
    assert!(rest.is_empty());
    assert_eq!(code, 0);
    let out = Command::new(BIN)
        .args(["grants", "list", "--db", &db_in(&dir)])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "no bad line changed anything");
}

#[test]
fn end_of_input_with_a_dialog_open_grants_nothing_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut bridge = Bridge::start(&db_in(&dir));
    bridge.send(
        r#"{"id":1,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.camera"}}"#,
    );
    assert_eq!(bridge.recv()["event"], "consent");
    let (rest, code) = bridge.finish();
    assert_eq!(code, 0);
    assert_eq!(
        rest,
        vec![
            json!({"id": 1, "result": {"errMsg": "authorize:fail host dialog failed", "errno": 1301}})
        ]
    );
    let out = Command::new(BIN)
        .args(["grants", "list", "--db", &db_in(&dir)])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
}

#[test]
fn grants_administration_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    assert_eq!(
        run(&[
            "grants",
            "set",
            "--db",
            &db,
            "--user",
            "u1",
            "--app",
            "wxA",
            "--scope",
            "scope.record",
            "--state",
            "granted"
        ])
        .0,
        0
    );
    assert_eq!(
        run(&[
            "grants",
            "set",
            "--db",
            &db,
            "--user",
            "u1",
            "--app",
            "wxB",
            "--scope",
            "scope.camera",
            "--state",
            "denied"
        ])
        .0,
        0
    );
    let (code, out, _) = run(&["grants", "export", "--db", &db, "--user", "u1"]);
    assert_eq!(code, 0);
    let export: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(export["user"], "u1");
    assert_eq!(export["grants"].as_array().unwrap().len(), 2);
    assert_eq!(
        run(&[
            "grants",
            "revoke",
            "--db",
            &db,
            "--user",
            "u1",
            "--app",
            "wxA",
            "--scope",
            "scope.record"
        ])
        .0,
        0
    );
    let (_, out, _) = run(&["grants", "list", "--db", &db]);
    assert_eq!(out.lines().count(), 1);
    let (code, out, _) = run(&["grants", "reset", "--db", &db, "--app", "wxB"]);
    assert_eq!((code, out.trim()), (0, r#"{"removed":1}"#));
    // Bad input: a clear error, exit 2, nothing changed.
    let (code, _, err) = run(&[
        "grants",
        "set",
        "--db",
        &db,
        "--user",
        "u1",
        "--app",
        "wxA",
        "--scope",
        "scope.location",
        "--state",
        "granted",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid scope"), "{err}");
    let (code, _, err) = run(&["grants", "list"]);
    assert_eq!(code, 2);
    assert!(err.contains("--db is required"), "{err}");
    let (code, _, err) = run(&["grants", "list", "--db", &db, "--bogus", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown option --bogus"), "{err}");
    assert!(run(&["grants", "list", "--db", &db]).1.is_empty());
}

/// What `demo --answers ANSWERS` prints (it must succeed).
fn demo_unattended(answers: &str) -> String {
    let out = Command::new(BIN)
        .args(["demo", "--answers", answers])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "demo --answers {answers}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_demo_runs_unattended() {
    let text =
        demo_unattended("agree,allow,allow,deny,scope.camera=on+scope.record=off,accept keep");
    for expected in [
        r#"→ {"errMsg":"authorize:fail invalid scope","errno":1102}"#,
        r#"→ {"errMsg":"startRecord:ok"}"#,
        r#"→ {"errMsg":"getLocation:ok"}"#,
        r#"→ {"errMsg":"authorize:fail auth deny","errno":103}"#,
        r#"→ {"errMsg":"openSetting:fail can only be invoked by user TAP gesture.","errno":1105}"#,
        r#""scope.camera":true"#,
        r#""scope.record":false"#,
        r#"→ {"errMsg":"requestSubscribeMessage:ok","ORDER_SHIPPED":"accept","PRICE_DROP":"accept"}"#,
        r#""subscriptionsSetting":{"mainSwitch":true,"itemSettings":{"ORDER_SHIPPED":"accept","PRICE_DROP":"accept"}}"#,
        r#"→ {"errMsg":"agreePrivacyAuthorization:ok"}"#,
        r#""needAuthorization":false"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    // The sticky denial showed one camera dialog, not two; the kept
    // subscription choice one subscribe dialog, not two.
    assert_eq!(text.matches("asks to use: Camera").count(), 1, "{text}");
    assert_eq!(
        text.matches("would like to send you messages").count(),
        1,
        "{text}"
    );
}

/// The demo with `--combined-privacy-dialog true` (issue #22 item 7): the
/// first consent dialog carries the privacy contract as a checkbox, and
/// `allow+agree` answers both; no separate privacy prompt is shown.
#[test]
fn the_demo_shows_the_combined_dialog() {
    let out = Command::new(BIN)
        .args([
            "demo",
            "--combined-privacy-dialog",
            "true",
            "--answers",
            "allow+agree,allow,deny,keep,accept keep",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        r#"[ ] I have read and agree to "Demo Shop privacy guide" (version 1)"#,
        r#"→ {"errMsg":"authorize:ok"}"#,
        r#"→ {"errMsg":"startRecord:ok"}"#,
        r#"→ {"errMsg":"getLocation:ok"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    assert!(!text.contains("please read"), "no separate popup:\n{text}");
    assert_eq!(text.matches("I have read and agree").count(), 1, "{text}");
}

/// Bad input changes nothing (#20): a command the CLI cannot read is refused
/// before the database is opened — not even the file is created.
#[test]
fn a_grants_command_it_cannot_read_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("auth.db").display().to_string();
    for argv in [
        &[
            "grants",
            "set",
            "--db",
            &db,
            "--user",
            "u1",
            "--app",
            "wxA",
            "--scope",
            "scope.camera",
            "--state",
            "maybe",
        ][..],
        &[
            "grants", "set", "--db", &db, "--user", "u1", "--app", "wxA", "--state", "granted",
        ][..],
        &["grants", "frobnicate", "--db", &db][..],
    ] {
        let out = Command::new(BIN).args(argv).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{argv:?}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).is_empty(),
            "{argv:?}: a clear error"
        );
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "{argv:?} created a file"
        );
    }
}

/// Bad input changes nothing (#20): a settings answer the demo cannot read
/// (`maybe`) used to be applied as "off" without a word.
#[test]
fn the_demo_refuses_a_settings_answer_it_cannot_read_and_changes_nothing() {
    let text = demo_unattended(
        "agree,allow,allow,deny,scope.camera=on+scope.record=maybe,keep,accept keep",
    );
    assert!(
        text.contains(r#"(cannot read "scope.camera=on+scope.record=maybe": scope.record can be on or off, not "maybe"; nothing was changed)"#),
        "{text}"
    );
    assert!(text.contains(r#""scope.record":true"#), "{text}");
    assert!(text.contains(r#""scope.camera":false"#), "{text}");
}

#[test]
fn an_over_long_line_is_refused_without_being_kept_and_the_bridge_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut bridge = Bridge::start(&db_in(&dir));
    let huge = format!(
        r#"{{"id":1,"user":"u1","app":"wxA","api":"getSetting","pad":"{}"}}"#,
        "x".repeat(600_000)
    );
    bridge.send(&huge);
    assert_eq!(bridge.recv(), json!({"error": "line too long"}));
    bridge.send(r#"{"id":2,"user":"u1","app":"wxA","api":"getSetting"}"#);
    assert_eq!(bridge.recv()["id"], 2);
    assert_eq!(bridge.finish().1, 0);
}

#[test]
fn several_bridge_processes_share_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(&dir);
    const PROCESSES: usize = 4;
    const USERS_EACH: usize = 10;
    let workers: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut bridge = Bridge::start(&db);
                for u in 0..USERS_EACH {
                    let user = format!("p{p}-u{u}");
                    bridge.send(&format!(
                        r#"{{"id":{u},"user":"{user}","app":"wxShared","api":"authorize","args":{{"scope":"scope.record"}}}}"#
                    ));
                    let event = bridge.recv();
                    assert_eq!(event["event"], "consent", "{event}");
                    bridge.decide(&event, "allow");
                    assert_eq!(bridge.recv()["result"]["errMsg"], "authorize:ok");
                }
                bridge.finish().1
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), 0);
    }
    let out = Command::new(BIN)
        .args(["grants", "list", "--db", &db])
        .output()
        .unwrap();
    assert!(out.status.success());
    let granted = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains(r#""state":"granted""#))
        .count();
    assert_eq!(granted, PROCESSES * USERS_EACH, "no write was lost");
}

#[test]
fn the_demo_takes_answers_from_a_person_at_the_terminal() {
    let mut child = Command::new(BIN)
        .args(["demo"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // What a person types: agree, allow the microphone, dismiss location, then an
    // unknown answer (asked again) and deny for the camera, keep the settings.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"agree\nallow\ndismiss\nperhaps\ndeny\nkeep\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#"→ {"errMsg":"startRecord:ok"}"#), "{text}");
    assert!(
        text.contains(r#"→ {"errMsg":"getLocation:fail auth canceled","errno":1101}"#),
        "{text}"
    );
    assert!(text.contains(r#"(unknown answer "perhaps")"#), "{text}");
    assert!(
        text.contains(r#"→ {"errMsg":"authorize:fail auth deny","errno":103}"#),
        "{text}"
    );
}

#[test]
fn an_unanswered_prompt_times_out_is_cancelled_and_grants_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["bridge", "--db", &db_in(&dir), "--dialog-timeout-ms", "100"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> Value { serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap() };
    writeln!(
        stdin,
        r#"{{"id":1,"user":"u1","app":"wxA","api":"authorize","args":{{"scope":"scope.record"}}}}"#
    )
    .unwrap();
    let event = next();
    assert_eq!(event["event"], "consent");
    assert_eq!(
        next(),
        json!({"event": "cancelled", "prompt": event["prompt"]})
    );
    assert_eq!(
        next(),
        json!({"id": 1, "result": {"errMsg": "authorize:fail dialog timed out", "errno": 5}})
    );
    // A late answer finds the prompt closed and changes nothing.
    writeln!(
        stdin,
        r#"{{"prompt":{},"decision":"allow"}}"#,
        event["prompt"]
    )
    .unwrap();
    assert_eq!(
        next()["error"],
        format!("no open prompt {}", event["prompt"])
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let out = Command::new(BIN)
        .args(["grants", "list", "--db", &db_in(&dir)])
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
}
