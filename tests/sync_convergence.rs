//! Sync through the reference backend, a real PostgreSQL server (SPEC §10,
//! issue #23; `./test.sh sync` starts it): three devices — three engines on
//! three files, clocks an hour apart — make random decisions of every kind
//! and exchange them through `docs/sync/push.sql` and `pull.sql` with
//! batches partial, duplicated, reordered, lost and retried. After
//! quiescence every device answers getSetting and getPrivacySetting alike,
//! and the state is the newest facts' effect as an oracle written here
//! computes it from every record ever sent: no denial, revocation, reset or
//! forget undone by an older grant. Also: a forget leaves only its
//! tombstone on the backend; a device killed between the backend's commit
//! and `sync_mark_uploaded` stores nothing twice; the bridge's ops from two
//! bridge processes.
//!
//! Each test needs the server: `#[ignore]`d for plain `cargo test`, run by
//! `./test.sh sync` (`--include-ignored`, skipping the `child_` helpers).

mod common;

use std::collections::BTreeMap;

use common::devices::{Device, APPS};
use common::sync_backend::PgBackend;
use common::*;
use serde_json::{json, Value};

const SCOPES: [&str; 3] = ["scope.record", "scope.camera", "scope.userLocation"];

/// A user id no other run of these tests used (the server outlives a run).
fn fresh_user(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{what}-{}-{nanos}@example.com", std::process::id())
}

/// One device and what its host keeps: the pull cursor, and batches held
/// back (a transport that reorders).
struct Host {
    device: Device,
    cursor: String,
    delayed: Vec<Vec<Value>>,
}

impl Host {
    fn new(skew_ms: i64) -> Host {
        Host {
            device: Device::new(skew_ms),
            cursor: "0".into(),
            delayed: Vec::new(),
        }
    }
}

/// Every record any device ever sent, by id: the oracle's input.
#[derive(Default)]
struct Sent(BTreeMap<String, Value>);

impl Sent {
    fn note(&mut self, records: &[Value]) {
        for r in records {
            self.0
                .insert(r["id"].as_str().unwrap().to_string(), r.clone());
        }
    }

    /// What getSetting must say of (app, scope) after quiescence: the effect
    /// of the newest fact about it, unless a newer reset of its app or
    /// forget of its user overrides it. Ties: the restrictive fact, then the
    /// greater device (SPEC §10).
    fn expected(&self, app: &str, scope: &str) -> Option<bool> {
        let restrictive = |r: &Value| {
            matches!(
                r["decision"].as_str().unwrap(),
                "denied" | "revoked" | "reset" | "forgotten"
            )
        };
        let order = |r: &Value| {
            (
                r["hlc"].as_str().unwrap().to_string(),
                restrictive(r),
                r["device"].as_str().unwrap().to_string(),
            )
        };
        let newest = self
            .0
            .values()
            .filter(|r| r["app"] == app && r["scope"] == scope)
            .max_by_key(|r| order(r))?;
        let overridden = self.0.values().any(|r| {
            let undoes =
                (r["decision"] == "reset" && r["app"] == app) || r["decision"] == "forgotten";
            undoes && order(r) > order(newest)
        });
        if overridden {
            return None;
        }
        match newest["decision"].as_str().unwrap() {
            "granted" => Some(true),
            "denied" => Some(false),
            _ => None,
        }
    }
}

/// Uploads what `host` has pending through the backend, with the faults
/// `rng` picks: a lost push (nothing stored, nothing marked), a push done
/// twice, a push the backend committed but the device never marked (it
/// died first; the batch goes again).
fn upload(host: &Host, backend: &PgBackend, user: &str, rng: &mut Rng, sent: &mut Sent) {
    let limit = 1 + rng.below(4) as u32;
    let (records, cursor) = host
        .device
        .engine
        .sync_outgoing_values(user, limit)
        .unwrap();
    if records.is_empty() {
        return;
    }
    sent.note(&records);
    match rng.below(6) {
        0 => {} // lost on the way
        1 => {
            backend.push(user, &records);
            backend.push(user, &records);
            host.device
                .engine
                .sync_mark_uploaded(user.into(), cursor)
                .unwrap();
        }
        2 => {
            backend.push(user, &records); // committed; the mark never came
        }
        _ => {
            backend.push(user, &records);
            host.device
                .engine
                .sync_mark_uploaded(user.into(), cursor)
                .unwrap();
        }
    }
}

/// Pulls for `host` with the faults `rng` picks: a batch lost (the cursor
/// stays), applied twice, held back and applied later (after newer ones).
fn download(host: &mut Host, backend: &PgBackend, user: &str, rng: &mut Rng) {
    let limit = 1 + rng.below(5) as u32;
    let (records, next) = backend.pull(user, &host.cursor, limit);
    match rng.below(8) {
        0 => return, // lost: pulled again next time
        1 => {
            host.device.apply(user, &records);
            host.device.apply(user, &records);
        }
        2 => host.delayed.push(records),
        3 if !host.delayed.is_empty() => {
            let late = host.delayed.remove(0);
            host.device.apply(user, &records);
            host.device.apply(user, &late);
        }
        _ => {
            host.device.apply(user, &records);
        }
    }
    host.cursor = next;
}

/// One random decision on `host`.
fn decide(host: &Host, user: &str, rng: &mut Rng) {
    let device = &host.device;
    let app = APPS[rng.below(APPS.len() as u64) as usize];
    let scope = SCOPES[rng.below(SCOPES.len() as u64) as usize];
    match rng.below(20) {
        0..=6 => device.set(user, app, scope, true),
        7..=10 => device.set(user, app, scope, false),
        11..=12 => device
            .engine
            .revoke_grant(user.into(), app.into(), None, scope.into())
            .unwrap(),
        13 => {
            device
                .engine
                .reset_app(app.into(), Some(user.into()))
                .unwrap();
        }
        14 => {
            device.engine.forget_user(user.into()).unwrap();
        }
        15..=16 => {
            device.ui.push(&[Answer::Agree]);
            block_on(device.engine.require_privacy_authorize(caller(user, app)));
        }
        _ => device
            .engine
            .set_subscriptions_main_switch(user.into(), app.into(), rng.below(2) == 0)
            .unwrap(),
    }
}

/// Brings every device up to date: everything pending uploaded, everything
/// on the backend pulled (from the start again: all of it duplicates or
/// superseded but the new), twice.
fn quiesce(hosts: &mut [Host], backend: &PgBackend, user: &str, sent: &mut Sent) {
    for _ in 0..2 {
        for host in hosts.iter() {
            let records = host.device.upload(user);
            sent.note(&records);
            backend.push(user, &records);
        }
        for host in hosts.iter_mut() {
            for late in std::mem::take(&mut host.delayed) {
                host.device.apply(user, &late);
            }
            let mut cursor = "0".to_string();
            loop {
                let (records, next) = backend.pull(user, &cursor, 50);
                if records.is_empty() {
                    break;
                }
                host.device.apply(user, &records);
                cursor = next;
            }
            host.cursor = cursor;
        }
    }
}

#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn three_devices_converge_through_postgres_whatever_the_transport_does() {
    let backend = PgBackend::from_env();
    for round in 0..4 {
        let mut rng = Rng::seeded("sync_convergence", 23 + round);
        let user = fresh_user(&format!("converge{round}"));
        let mut hosts = vec![Host::new(-HOUR), Host::new(0), Host::new(HOUR)];
        let mut sent = Sent::default();
        for _ in 0..150 {
            let at = rng.below(3) as usize;
            match rng.below(10) {
                0..=3 => decide(&hosts[at], &user, &mut rng),
                4..=5 => upload(&hosts[at], &backend, &user, &mut rng, &mut sent),
                6..=7 => download(&mut hosts[at], &backend, &user, &mut rng),
                _ => {
                    let ms = rng.below(3_000) as i64;
                    hosts[at].device.wait(ms);
                }
            }
        }
        quiesce(&mut hosts, &backend, &user, &mut sent);
        let first = hosts[0].device.everything(&user);
        for host in &hosts[1..] {
            assert_eq!(
                host.device.everything(&user),
                first,
                "round {round}: devices differ"
            );
        }
        for app in APPS {
            let settings = hosts[0].device.settings(&user, app);
            for scope in SCOPES {
                assert_eq!(
                    settings["authSetting"][scope].as_bool(),
                    sent.expected(app, scope),
                    "round {round}: {app} {scope}: {settings}"
                );
            }
        }
        for host in &hosts {
            let verified = host.device.engine.verify_consent_log().unwrap();
            assert!(verified.intact, "round {round}: {verified:?}");
        }
    }
}

/// A forget on one device: the backend keeps only the tombstone; every
/// device forgets; every chain verifies; nothing of the user's decisions
/// left anywhere.
#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn a_forget_leaves_only_its_tombstone_on_the_backend_and_reaches_every_device() {
    let backend = PgBackend::from_env();
    let user = fresh_user("forget");
    let devices = [Device::new(0), Device::new(30_000), Device::new(-30_000)];
    for (i, device) in devices.iter().enumerate() {
        device.set(&user, APPS[i % 2], SCOPES[i], true);
        backend.push(&user, &device.upload(&user));
    }
    for device in &devices {
        device.apply(&user, &backend.pull(&user, "0", 100).0);
    }
    devices[1].wait(120_000);
    devices[1].engine.forget_user(user.clone()).unwrap();
    backend.push(&user, &devices[1].upload(&user));
    let stored = backend.records_of(&user);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["record"]["decision"], "forgotten");
    // A device that was offline pushes its older decision now: dropped.
    devices[2].set(&user, "wxB", "scope.record", true);
    let late = devices[2].upload(&user);
    assert!(late[0]["hlc"].as_str() < stored[0]["hlc"].as_str());
    assert_eq!(backend.push(&user, &late), 0);
    for device in &devices {
        device.apply(&user, &backend.pull(&user, "0", 100).0);
        assert!(device
            .engine
            .list_grants(user.clone(), None)
            .unwrap()
            .is_empty());
        assert!(device.engine.verify_consent_log().unwrap().intact);
        assert_eq!(device.everything(&user), devices[0].everything(&user));
    }
}

const CRASH_DB: &str = "MINIAPP_AUTH_SYNC_CRASH_DB";
const CRASH_USER: &str = "MINIAPP_AUTH_SYNC_CRASH_USER";

/// A device process killed after the backend committed its batch and
/// before `sync_mark_uploaded`: the next run sends the batch again, the
/// backend takes nothing twice, the other device applies each record once.
#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn a_device_killed_between_the_backends_commit_and_the_mark_stores_nothing_twice() {
    let backend = PgBackend::from_env();
    let user = fresh_user("crash");
    let (phone, tablet) = (Device::new(0), Device::new(0));
    for scope in SCOPES {
        phone.set(&user, "wxA", scope, true);
    }
    phone.engine.shut_down();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_push_and_die", "--nocapture"])
        .env(CRASH_DB, phone.db.path())
        .env(CRASH_USER, &user)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&child.stdout);
    assert!(
        said.contains("pushed"),
        "{said}{}",
        String::from_utf8_lossy(&child.stderr)
    );
    assert!(!child.status.success(), "the child was killed");
    assert_eq!(backend.records_of(&user).len(), 3);
    let phone =
        miniapp_auth::AuthEngine::open(phone.db.path(), ScriptedUi::new(&[]), None).unwrap();
    let (again, cursor) = phone.sync_outgoing_values(&user, 100).unwrap();
    assert_eq!(again.len(), 3, "not marked: sent again");
    assert_eq!(
        backend.push(&user, &again),
        0,
        "the backend takes each id once"
    );
    phone.sync_mark_uploaded(user.clone(), cursor).unwrap();
    assert_eq!(backend.records_of(&user).len(), 3);
    let (pulled, _) = backend.pull(&user, "0", 100);
    let done = tablet.apply(&user, &pulled);
    assert_eq!((done.applied, done.duplicates), (3, 0));
}

#[test]
#[ignore = "run in a process of its own by a_device_killed_between_the_backends_commit_…"]
fn child_push_and_die() {
    let path = std::env::var(CRASH_DB).expect("started by the test above");
    let user = std::env::var(CRASH_USER).unwrap();
    let backend = PgBackend::from_env();
    let engine = miniapp_auth::AuthEngine::open(path, ScriptedUi::new(&[]), None).unwrap();
    let (records, _cursor) = engine.sync_outgoing_values(&user, 100).unwrap();
    backend.push(&user, &records);
    println!("pushed");
    // Killed before the mark, as a host process can be.
    std::process::abort();
}

/// The bridge's ops (SPEC §10, exactly): two bridge processes on two files,
/// the records carried between them through the backend as the lines gave
/// them.
#[test]
#[ignore = "needs PostgreSQL: ./test.sh sync"]
fn the_bridge_ops_carry_a_decision_between_two_bridge_processes() {
    let backend = PgBackend::from_env();
    let user = fresh_user("bridge");
    let (dir_a, dir_b) = (fast_tempdir(), fast_tempdir());
    let db_a = dir_a.path().join("a.db").display().to_string();
    let db_b = dir_b.path().join("b.db").display().to_string();
    common::bridge::cli_set_grant(&db_a, &user, "wxA", "scope.record", "granted");
    let mut a = common::bridge::Bridge::start(&db_a);
    let mut b = common::bridge::Bridge::start(&db_b);
    let ask = |bridge: &mut common::bridge::Bridge, line: Value| {
        bridge.send(&line.to_string());
        bridge.recv()
    };
    let out = ask(
        &mut a,
        json!({"id": 2, "op": "syncOutgoing", "user": user, "limit": 100}),
    );
    let records: Vec<Value> = out["records"].as_array().unwrap().clone();
    assert_eq!(records.len(), 1, "{out}");
    assert_eq!(backend.push(&user, &records), 1);
    let marked = ask(
        &mut a,
        json!({"id": 3, "op": "syncUploaded", "user": user, "cursor": out["cursor"]}),
    );
    assert_eq!(marked, json!({"id": 3, "ok": true}));
    let again = ask(
        &mut a,
        json!({"id": 4, "op": "syncOutgoing", "user": user, "limit": 100}),
    );
    assert_eq!(again["records"], json!([]));
    let (pulled, _) = backend.pull(&user, "0", 100);
    let applied = ask(
        &mut b,
        json!({"id": 5, "op": "syncApply", "user": user, "records": pulled}),
    );
    assert_eq!(
        applied,
        json!({"id": 5, "applied": 1, "duplicates": 0, "superseded": 0, "rejected": 0})
    );
    let twice = ask(
        &mut b,
        json!({"id": 6, "op": "syncApply", "user": user, "records": pulled}),
    );
    assert_eq!(twice["duplicates"], 1);
    let setting = ask(
        &mut b,
        json!({"id": 7, "user": user, "app": "wxA", "api": "getSetting", "args": {}}),
    );
    assert_eq!(
        setting["result"]["authSetting"]["scope.record"], true,
        "{setting}"
    );
    let broken = ask(
        &mut b,
        json!({"id": 8, "op": "syncApply", "user": user, "records": [{"format": 1}]}),
    );
    assert!(
        broken["error"].as_str().unwrap().contains("record 0"),
        "{broken}"
    );
    let limit = ask(
        &mut b,
        json!({"id": 9, "op": "syncOutgoing", "user": user, "limit": 0}),
    );
    assert!(
        limit["error"].as_str().unwrap().contains("limit"),
        "{limit}"
    );
}

/// Keeps the oracle honest: it tells a grant from a denial, a newer reset
/// from an older one.
#[test]
fn the_oracle_reads_the_newest_fact() {
    let record = |id: &str, hlc: &str, decision: &str, scope: Option<&str>| json!({"id": id, "hlc": hlc, "device": "d-a", "app": "wxA", "scope": scope, "decision": decision});
    let mut sent = Sent::default();
    sent.note(&[
        record(
            "d-a:1",
            "0000000000001-000000",
            "granted",
            Some("scope.record"),
        ),
        record(
            "d-a:2",
            "0000000000002-000000",
            "denied",
            Some("scope.camera"),
        ),
        record("d-a:3", "0000000000003-000000", "reset", None),
        record(
            "d-a:4",
            "0000000000004-000000",
            "granted",
            Some("scope.camera"),
        ),
    ]);
    assert_eq!(sent.expected("wxA", "scope.record"), None);
    assert_eq!(sent.expected("wxA", "scope.camera"), Some(true));
    assert_eq!(sent.expected("wxA", "scope.userLocation"), None);
}
