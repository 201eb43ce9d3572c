//! The CLI's reading commands (`grants list`, `grants export`, `audit export`,
//! `audit verify`) open the database read-only (SPEC §6): they never create,
//! migrate or quarantine a file; a missing, damaged or older file is a clear
//! error and a non-zero exit, and the file is left exactly as it was.

mod common;

use std::process::{Command, Output};

use common::bridge::BIN;
use common::*;

const READING: [&[&str]; 4] = [
    &["grants", "list"],
    &["grants", "export", "--user", "u1"],
    &["audit", "export"],
    &["audit", "verify"],
];

fn run(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .args(["--db", db])
        .output()
        .unwrap()
}

/// The names in the file's folder (no quarantined copy may appear).
fn folder(db: &str) -> Vec<String> {
    let dir = std::path::Path::new(db).parent().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_missing_file_is_an_error_and_is_not_created() {
    let db = TempDb::new();
    let path = db.path();
    for args in READING {
        let out = run(args, &path);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("does not exist"), "{args:?}: {err}");
        assert!(!std::path::Path::new(&path).exists(), "{args:?} created it");
    }
}

#[test]
fn a_damaged_file_is_an_error_and_is_left_as_it_was() {
    let db = TempDb::new();
    let path = db.path();
    std::fs::write(&path, b"this is not an SQLite database, though it is long enough to look like one at a glance; it is not").unwrap();
    let before = std::fs::read(&path).unwrap();
    let names = folder(&path);
    for args in READING {
        let out = run(args, &path);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: a clear error");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{args:?} changed it");
        assert_eq!(folder(&path), names, "{args:?} moved it aside");
    }
}

#[test]
fn an_older_file_is_not_migrated_by_a_reading_command() {
    let db = TempDb::new();
    db.raw()
        .execute_batch(include_str!("fixtures/schema-v1.sql"))
        .unwrap();
    for args in READING {
        let out = run(args, &db.path());
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("schema version 1"), "{args:?}: {err}");
        let version: i64 = db
            .raw()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1, "{args:?} migrated it");
    }
}

#[test]
fn a_current_file_is_read_and_left_unchanged() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[Answer::Allow]));
    assert!(block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).ok);
    drop(engine);
    let before = std::fs::read(db.path()).unwrap();
    let listed = run(&["grants", "list"], &db.path());
    assert_eq!(listed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("scope.record"));
    let verified = run(&["audit", "verify"], &db.path());
    assert_eq!(verified.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verified.stdout).contains(r#""intact":true"#));
    assert_eq!(std::fs::read(db.path()).unwrap(), before);
}
