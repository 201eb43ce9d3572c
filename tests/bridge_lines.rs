//! The JSON-lines bridge's framing (SPEC §6), over the real binary and real
//! pipes: a line that mixes kinds is malformed and changes nothing; a reply
//! echoes its `id` exactly as it was sent; the manual clock cannot be wound
//! into negative time.

mod common;

use common::bridge::{Bridge, BIN};
use common::TempDb;
use serde_json::{json, Value};

/// A call needing a dialog, its event, and the prompt it opened.
fn open_dialog(bridge: &mut Bridge) -> Value {
    bridge.send(
        r#"{"id":1,"user":"u1","app":"wxA","api":"authorize","args":{"scope":"scope.record"}}"#,
    );
    let event = bridge.recv();
    assert_eq!(event["event"], "consent", "{event}");
    event
}

#[test]
fn a_line_mixing_a_call_with_a_prompt_or_an_op_is_malformed_and_changes_nothing() {
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    let event = open_dialog(&mut bridge);
    let prompt = event["prompt"].clone();
    // A call that also answers someone else's dialog.
    bridge.send(
        &json!({"id": 2, "user": "u1", "app": "wxA", "api": "authorize",
                "args": {"scope": "scope.camera"}, "prompt": prompt, "decision": "allow"})
        .to_string(),
    );
    let reply = bridge.recv();
    assert_eq!(reply["id"], 2, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("mixes"),
        "{reply}"
    );
    // A call that also carries an op.
    bridge.send(r#"{"id":3,"op":"endRun","user":"u1","app":"wxA","api":"getSetting"}"#);
    let reply = bridge.recv();
    assert_eq!(reply["id"], 3, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("mixes"),
        "{reply}"
    );
    // An op that also answers a dialog.
    bridge.send(
        &json!({"id": 4, "op": "maintenance", "prompt": prompt, "decision": "allow"}).to_string(),
    );
    let reply = bridge.recv();
    assert_eq!(reply["id"], 4, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("mixes"),
        "{reply}"
    );
    // The dialog is still open, and its own answer still decides it.
    bridge.send(&json!({"prompt": prompt, "decision": "deny"}).to_string());
    let answer = bridge.recv();
    assert_eq!(
        answer,
        json!({"id": 1, "result": {"errMsg": "authorize:fail auth deny", "errno": 103}})
    );
    let (rest, code) = bridge.finish();
    assert_eq!((rest, code), (vec![], 0));
    // Nothing was granted by the mixed lines.
    let out = std::process::Command::new(BIN)
        .args(["grants", "list", "--db", &db.path(), "--user", "u1"])
        .output()
        .unwrap();
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(!listed.contains("scope.camera"), "{listed}");
    assert!(listed.contains(r#""state":"denied""#), "{listed}");
}

#[test]
fn replies_echo_the_id_exactly_as_sent() {
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    for id in [
        r#"{"seq":7,"tab":"a"}"#,
        r#"[1,"two",null]"#,
        "123456789012345678901234567890",
        "-0.000001",
        r#""text id""#,
        "1.0",
    ] {
        bridge.send(&format!(
            r#"{{"id":{id},"user":"u1","app":"wxA","api":"getPrivacySetting"}}"#
        ));
        let line = bridge.recv_line();
        assert!(
            line.starts_with(&format!(r#"{{"id":{id},"result":"#)),
            "sent id {id}, got {line}"
        );
        bridge.send(&format!(r#"{{"id":{id},"op":"maintenance"}}"#));
        let line = bridge.recv_line();
        assert!(
            line.starts_with(&format!(r#"{{"id":{id},"#)),
            "sent id {id}, got {line}"
        );
        bridge.send(&format!(r#"{{"id":{id},"op":"explode"}}"#));
        let line = bridge.recv_line();
        assert!(
            line.starts_with(&format!(r#"{{"id":{id},"error":"#)),
            "sent id {id}, got {line}"
        );
    }
    assert_eq!(bridge.finish().1, 0);
}

#[test]
fn the_manual_clock_never_wraps_into_negative_time() {
    let db = TempDb::new();
    let mut bridge = Bridge::start_with(&db.path(), &["--clock-start-ms", "1000"]);
    let max = i64::MAX.to_string();
    bridge.send(&format!(r#"{{"id":1,"op":"advanceClock","ms":{max}}}"#));
    let reply = bridge.recv();
    assert!(reply["error"].is_string(), "{reply}");
    bridge.send(r#"{"id":2,"op":"advanceClock","ms":5}"#);
    let reply = bridge.recv();
    assert_eq!(reply, json!({"id": 2, "ok": true, "nowMs": 1005}));
    assert_eq!(bridge.finish().1, 0);
}

/// How many calls of one app the bridge keeps in flight at once (docs/cli.md).
const IN_FLIGHT: usize = 64;

/// How many calls of every app together (docs/cli.md).
const IN_FLIGHT_IN_ALL: usize = 1024;

/// The real bridge in a 4 GiB address space (`ulimit -v`), and its input.
fn bridge_in_4_gib(db: &TempDb) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 4194304 && exec {BIN} bridge --db {}",
            db.path()
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

/// 3,000 calls waiting on one dialog, in a 4 GiB address space: each call had a
/// thread with a default-sized stack, a spawn failed and the bridge panicked,
/// losing every pending call. Now the calls in flight are bounded (per app:
/// this flood is one app's), the rest are refused at once with an error line,
/// and the bridge stays up.
#[test]
fn a_flood_of_pending_calls_is_bounded_and_the_bridge_stays_up() {
    use std::io::{BufRead, Write};
    let db = TempDb::new();
    let (mut child, mut stdin) = bridge_in_4_gib(&db);
    let calls = 3000;
    let writer = std::thread::spawn(move || {
        for id in 1..=calls {
            writeln!(
                stdin,
                r#"{{"id":{id},"user":"u1","app":"wxA","api":"authorize","args":{{"scope":"scope.record"}}}}"#
            )
            .unwrap();
        }
        stdin
    });
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> Value {
        let line = lines.next().expect("the bridge is still up").unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let mut prompt = None;
    let mut refused = 0;
    while refused < calls - IN_FLIGHT {
        let line = next();
        if line["event"] == "consent" {
            prompt = Some(line["prompt"].clone());
        } else {
            assert!(
                line["error"].as_str().unwrap().contains("in flight"),
                "{line}"
            );
            assert!(line["id"].is_u64(), "{line}");
            refused += 1;
        }
    }
    // Every call past the bound was refused; the rest wait for the one dialog.
    let mut stdin = writer.join().unwrap();
    let prompt = match prompt {
        Some(prompt) => prompt,
        None => next()["prompt"].clone(),
    };
    writeln!(stdin, "{}", json!({"prompt": prompt, "decision": "allow"})).unwrap();
    for _ in 0..IN_FLIGHT {
        let line = next();
        assert_eq!(line["result"]["errMsg"], "authorize:ok", "{line}");
    }
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "the bridge stayed up and ended cleanly"
    );
}

/// 3,000 calls of 3,000 apps, each waiting on its own dialog, in a 4 GiB
/// address space: past the bound on every app's calls together the rest are
/// refused at once, and the bridge stays up and ends cleanly.
#[test]
fn calls_of_many_apps_are_bounded_in_all_and_the_bridge_stays_up() {
    use std::io::{BufRead, Write};
    let db = TempDb::new();
    let (mut child, mut stdin) = bridge_in_4_gib(&db);
    let calls = 3000;
    let writer = std::thread::spawn(move || {
        for id in 1..=calls {
            writeln!(
                stdin,
                r#"{{"id":{id},"user":"u{id}","app":"wx{id}","api":"authorize","args":{{"scope":"scope.record"}}}}"#
            )
            .unwrap();
        }
        stdin
    });
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut dialogs, mut refused) = (0, 0);
    while dialogs + refused < calls {
        let line = lines.next().expect("the bridge is still up").unwrap();
        let line: Value = serde_json::from_str(&line).unwrap();
        if line["event"] == "consent" {
            dialogs += 1;
        } else {
            let error = line["error"].as_str().unwrap_or_else(|| panic!("{line}"));
            assert!(
                error.contains(&format!("in flight ({IN_FLIGHT_IN_ALL})")),
                "{line}"
            );
            refused += 1;
        }
    }
    assert_eq!(dialogs, IN_FLIGHT_IN_ALL);
    // Closing the input abandons the open dialogs: each call answers, and the
    // bridge ends cleanly.
    drop(writer.join().unwrap());
    let answered = lines
        .map(|line| serde_json::from_str::<Value>(&line.unwrap()).unwrap())
        .filter(|line| line.get("result").is_some())
        .count();
    assert_eq!(answered, IN_FLIGHT_IN_ALL);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// SPEC §4: the host fails a subscription with one of WeChat's codes only its
/// server knows of — `{"prompt":N,"errCode":20001}` — and the mini app gets
/// WeChat's result (wx.requestSubscribeMessage.md, "错误码": 20001 "No
/// template data return, verify the template id exist"). A code the host may
/// not report, or a failure mixed with choices, is the bridge's error line and
/// leaves the prompt open.
#[test]
fn a_subscribe_prompt_answered_with_an_err_code_fails_the_call_byte_exact() {
    let db = TempDb::new();
    let mut bridge = Bridge::start(&db.path());
    bridge.send(
        r#"{"id":1,"user":"u1","app":"wxA","tap":true,"api":"requestSubscribeMessage","args":{"tmplIds":["TMPL_A"]}}"#,
    );
    let event = bridge.recv();
    assert_eq!(event["event"], "subscribe", "{event}");
    let prompt = event["prompt"].clone();
    for bad in [
        json!({"prompt": prompt, "errCode": 20005}),
        json!({"prompt": prompt, "errCode": 10001}),
        json!({"prompt": prompt, "errCode": 99999}),
        json!({"prompt": prompt, "errCode": "20001"}),
        json!({"prompt": prompt, "errCode": 20001.5}),
        json!({"prompt": prompt, "errCode": -20001}),
        json!({"prompt": prompt, "errCode": 20001, "subscriptions": {"TMPL_A": "accept"}}),
        json!({"prompt": prompt, "errCode": 20001, "appBanned": true}),
    ] {
        bridge.send(&bad.to_string());
        let reply = bridge.recv();
        assert_eq!(reply["prompt"], prompt, "{bad} → {reply}");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("errCode") && error.contains("20001") && error.contains("20013"),
            "{bad} → {reply}"
        );
    }
    // Still open: the good answer decides it.
    bridge.send(&json!({"prompt": prompt, "errCode": 20001}).to_string());
    assert_eq!(
        bridge.recv_line(),
        r#"{"id":1,"result":{"errMsg":"requestSubscribeMessage:fail No template data return, verify the template id exist","errCode":20001,"errno":20001}}"#
    );
    let (rest, code) = bridge.finish();
    assert_eq!((rest, code), (vec![], 0));
    // Nothing was recorded.
    let out = std::process::Command::new(BIN)
        .args(["audit", "export", "--db", &db.path(), "--user", "u1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let log = String::from_utf8(out.stdout).unwrap();
    assert!(!log.contains("TMPL_A"), "{log}");
}
