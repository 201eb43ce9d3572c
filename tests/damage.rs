//! Damaged and foreign files (issue #5): truncated files, flipped bits, files
//! that are not databases, a newer version, a read-only file system and a full
//! disk. Each gives a clear error or a quarantine-and-restart — never a panic,
//! never a silent wipe, never a grant the user did not give.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::*;
use miniapp_auth::{AuthEngine, AuthError};

const SCOPES: [&str; 4] = [
    "scope.record",
    "scope.camera",
    "scope.bluetooth",
    "scope.werun",
];

/// Ten users with a mix of grants, denials and unasked scopes. Returns what was
/// decided, by (user, scope).
fn populate(db: &TempDb) -> BTreeMap<(String, String), bool> {
    let engine = db.open(ScriptedUi::new(&[]));
    let mut decided = BTreeMap::new();
    for u in 0..10 {
        for (i, scope) in SCOPES.iter().enumerate() {
            let user = format!("user{u}");
            match (u + i) % 3 {
                0 => continue,
                n => {
                    let granted = n == 1;
                    engine
                        .set_grant(user.clone(), "wxA".into(), None, scope.to_string(), granted)
                        .unwrap();
                    decided.insert((user, scope.to_string()), granted);
                }
            }
        }
    }
    drop(engine);
    decided
}

/// What the engine grants now, by (user, scope), via getSetting.
fn granted_now(engine: &AuthEngine) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for u in 0..10 {
        let user = format!("user{u}");
        let result = block_on(engine.get_setting(caller(&user, "wxA"), false));
        if !result.ok {
            continue; // storage unavailable: nothing granted
        }
        for scope in SCOPES {
            if auth_setting(&result.json).get(scope) == Some(&serde_json::Value::Bool(true)) {
                out.push((user.clone(), scope.to_string()));
            }
        }
    }
    out
}

#[test]
fn flipped_bits_never_grant_what_was_not_granted() {
    let template = TempDb::new();
    let decided = populate(&template);
    let bytes = std::fs::read(template.path()).unwrap();
    let mut rng = Rng::seeded("flipped_bits", 0x5eed_f11b);
    let mut quarantined = 0;
    let mut storage_errors = 0;
    const FLIPS: usize = 300;
    for _ in 0..FLIPS {
        let db = TempDb::new();
        let mut damaged = bytes.clone();
        let at = rng.below(damaged.len() as u64) as usize;
        damaged[at] ^= 1 << rng.below(8);
        std::fs::write(db.path(), &damaged).unwrap();
        let engine = match AuthEngine::open(db.path(), ScriptedUi::new(&[]), None) {
            Ok(engine) => engine,
            Err(e) => {
                // A clear error, and the file is still there, untouched.
                assert!(!e.to_string().is_empty());
                assert!(std::fs::read(db.path()).unwrap() == damaged);
                storage_errors += 1;
                continue;
            }
        };
        if engine.quarantined_path().is_some() {
            quarantined += 1;
        }
        for (user, scope) in granted_now(&engine) {
            assert_eq!(
                decided.get(&(user.clone(), scope.clone())),
                Some(&true),
                "byte {at} flipped: {user} {scope} became granted"
            );
        }
    }
    eprintln!("{FLIPS} flips: {quarantined} quarantined, {storage_errors} refused with an error, none granted anything new");
}

#[test]
fn a_truncated_file_is_quarantined() {
    let template = TempDb::new();
    populate(&template);
    let bytes = std::fs::read(template.path()).unwrap();
    assert!(bytes.len() > 8192, "the database spans several pages");
    for keep in [bytes.len() / 2, 4096, 100] {
        let db = TempDb::new();
        std::fs::write(db.path(), &bytes[..keep]).unwrap();
        let engine = db.open(ScriptedUi::new(&[]));
        let aside = engine.quarantined_path().expect("quarantined");
        assert_eq!(std::fs::read(aside).unwrap().len(), keep, "kept as it was");
        assert!(granted_now(&engine).is_empty(), "starts clean");
    }
}

#[test]
fn files_that_are_not_databases_are_quarantined_never_wiped() {
    for content in [
        b"not a database at all, just text\n".repeat(200),
        vec![0u8; 4096],
        vec![0xff; 5000],
        b"SQLite format 3\0"
            .iter()
            .copied()
            .chain([0x42; 2000])
            .collect(),
    ] {
        let db = TempDb::new();
        std::fs::write(db.path(), &content).unwrap();
        let engine = db.open(ScriptedUi::new(&[]));
        match engine.quarantined_path() {
            Some(aside) => assert!(std::fs::read(aside).unwrap() == content),
            // An all-zero page is an empty database to SQLite: nothing to keep.
            None => assert!(content.iter().all(|b| *b == 0)),
        }
        assert!(granted_now(&engine).is_empty());
    }
}

fn mount(args: &[&str]) -> bool {
    Command::new("mount")
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The tests that mount file systems run one at a time. Run together in one
/// process, the read-only remount test and the full-disk test made the full-disk
/// test's first write after space returned fail `database or disk is full` (3 of
/// 30 runs of those two with the turns taken away; 0 of 30 for the full-disk test
/// beside the other full-disk test; 0 of 40 alone). What it is, measured on
/// 2026-11-29 with the failure instrumented: SQLite's write got `SQLITE_FULL`
/// (13) from the kernel on the freshly emptied tmpfs while `df` showed 932 KiB
/// of 1 MiB free, and the same engine's next write, at once, succeeded — a
/// transient refusal by the kernel while another tmpfs was being mounted or
/// remounted, not a state the refused writes leave behind (the engine was
/// reopened, nothing of it carried over, and the retry wrote). The test depended
/// on the kernel freeing space synchronously beside concurrent mounts; taking
/// turns removes that dependency (0 of 15 runs with the turns).
static MOUNTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Holds the mounting tests' turn.
fn mounting_turn() -> std::sync::MutexGuard<'static, ()> {
    MOUNTS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `body` with a fresh tmpfs of `size` mounted on a temp dir and the path
/// of a database in it, then unmounts it, even when `body` fails (root only:
/// elsewhere it says so and checks nothing).
fn on_a_small_disk(
    size: &str,
    body: impl FnOnce(&std::path::Path, String) + std::panic::UnwindSafe,
) {
    if !can_mount() {
        return;
    }
    let _turn = mounting_turn();
    let dir = tempfile::tempdir().unwrap();
    mount_tmpfs(dir.path(), size);
    let path = dir.path().join("auth.db").display().to_string();
    let outcome = std::panic::catch_unwind(|| body(dir.path(), path));
    umount(dir.path());
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Mounts a tmpfs of `size` on `dir`.
fn mount_tmpfs(dir: &std::path::Path, size: &str) {
    let options = format!("size={size}");
    assert!(mount(&[
        "-t",
        "tmpfs",
        "-o",
        &options,
        "tmpfs",
        dir.to_str().unwrap()
    ]));
}

fn umount(dir: &std::path::Path) {
    let _ = Command::new("umount").arg(dir).status();
}

/// Root is needed to mount the small file systems these tests use. Without it
/// they say so and check nothing; CI runs as root.
fn can_mount() -> bool {
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if !root {
        eprintln!("not root: cannot mount a test file system; this test checks nothing here");
    }
    root
}

#[test]
fn a_read_only_file_system_gives_a_clear_error_and_changes_nothing() {
    if !can_mount() {
        return;
    }
    let _turn = mounting_turn();
    let dir = tempfile::tempdir().unwrap();
    mount_tmpfs(dir.path(), "4m");
    let path = dir.path().join("auth.db").display().to_string();
    {
        let engine =
            AuthEngine::open(path.clone(), ScriptedUi::new(&[Answer::Allow]), None).unwrap();
        assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    }
    let before = std::fs::read(&path).unwrap();
    assert!(mount(&["-o", "remount,ro", dir.path().to_str().unwrap()]));
    let result = AuthEngine::open(path.clone(), ScriptedUi::new(&[]), None);
    let after = std::fs::read(&path).unwrap();
    umount(dir.path());
    let err = result
        .err()
        .expect("a read-only database cannot be opened for decisions");
    assert!(matches!(err, AuthError::Storage { .. }), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("read"), "{err}");
    assert!(after == before, "unchanged");
}

#[test]
fn a_full_disk_refuses_the_grant_and_keeps_what_was_acknowledged() {
    on_a_small_disk("1m", |dir, path| {
        let ui = ScriptedUi::new(&[Answer::Allow; 5]);
        let engine = AuthEngine::open(path.clone(), ui.clone(), None).unwrap();
        assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
        let filler = fill(dir);
        let mut refused = 0;
        for scope in [
            "scope.camera",
            "scope.bluetooth",
            "scope.werun",
            "scope.addPhoneContact",
        ] {
            let result = block_on(engine.authorize(caller("u1", "wxA"), scope.to_string()));
            if !result.ok {
                assert_eq!(result.errno, Some(1302), "{}", result.json);
                refused += 1;
            }
        }
        assert!(refused > 0, "the disk was full");
        drop(engine);
        std::fs::remove_file(&filler).unwrap();
        let engine =
            AuthEngine::open(path.clone(), ScriptedUi::new(&[Answer::Allow]), None).unwrap();
        let grants = engine.list_grants("u1".into(), None).unwrap();
        assert!(
            grants.iter().any(|g| g.scope == "scope.record"),
            "acknowledged: kept"
        );
        assert!(engine.verify_consent_log().unwrap().intact);
        assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.addPhoneContact".into())).ok);
    });
}

/// Fills the file system under `dir` (halving the chunk until nothing fits).
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    let filler = dir.join("filler");
    let mut size = 1usize << 20;
    while size > 0 {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&filler)
            .unwrap();
        if std::io::Write::write_all(&mut file, &vec![0u8; size])
            .and_then(|_| file.sync_all())
            .is_err()
        {
            size /= 2;
        }
    }
    filler
}

#[test]
fn on_a_full_disk_a_denial_is_stored_or_the_call_fails() {
    let scopes = [
        "scope.camera",
        "scope.bluetooth",
        "scope.werun",
        "scope.addPhoneContact",
    ];
    on_a_small_disk("1m", |dir, path| {
        let answers = [
            Answer::Allow,
            Answer::Deny,
            Answer::Deny,
            Answer::Deny,
            Answer::Deny,
        ];
        let engine = AuthEngine::open(path.clone(), ScriptedUi::new(&answers), None).unwrap();
        assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
        let filler = fill(dir);
        let probe = std::fs::write(dir.join("probe"), [0u8; 4096]);
        assert!(probe.is_err(), "the disk is full");
        let mut heard_denied = Vec::new();
        for scope in scopes {
            let result = block_on(engine.authorize(caller("u1", "wxA"), scope.to_string()));
            match result.errno {
                Some(103) => heard_denied.push(scope),
                Some(1302) => {}
                other => panic!("{scope}: {other:?} {}", result.json),
            }
        }
        drop(engine);
        std::fs::remove_file(&filler).unwrap();
        // Every denial the mini app heard is stored: it answers at once, no dialog.
        let ui = ScriptedUi::new(&[]);
        let engine = AuthEngine::open(path.clone(), ui.clone(), None).unwrap();
        for scope in heard_denied {
            let result = block_on(engine.authorize(caller("u1", "wxA"), scope.to_string()));
            assert_eq!(
                result.errno,
                Some(103),
                "{scope}: heard denied, then {}",
                result.json
            );
        }
        assert_eq!(ui.dialogs(), 0, "a heard denial was not stored");
    });
}
