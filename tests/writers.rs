//! Every writer passes the one door (issue #20, SPEC §8): this test reads every
//! Rust file of the crate and fails when an SQL statement that changes a
//! guarded table — grants, dismissal counts, privacy agreements, subscription
//! settings, user keys, the consent log or its head — lives outside
//! `src/store/door/`, where each is a method of the door's `Passage` and so
//! runs only inside the door's checked transaction. A statement whose table is
//! built at run time (`DELETE FROM {table}`) counts as touching every table.
//!
//! The one exception is named with its reason: the frozen schema upgrade steps
//! (`src/store/schema_history.rs`), which run once inside the open's own
//! migration transaction, before any engine can read or write the file.

use std::path::{Path, PathBuf};

/// The tables whose every change must pass the door.
const GUARDED: [&str; 13] = [
    "grants",
    "prompt_fatigue",
    "privacy_agreements",
    "subscription_switches",
    "subscription_choices",
    "user_keys",
    "consent_log",
    "consent_head",
    "pending_erasure",
    "sync_device",
    "sync_uploaded",
    "sync_forgotten",
    "sync_held",
];

/// Where such statements may live.
const DOOR: &str = "src/store/door/";

/// Files allowed to hold them anyway, each with why.
const EXCEPTIONS: [(&str, &str); 1] = [(
    "src/store/schema_history.rs",
    "frozen upgrade steps: run once in the open's migration transaction, before any engine reads the file",
)];

/// The guarded table a statement starting at `verb` changes, if any: `None`
/// when it changes none. A table named at run time (`{…}`) is reported as such.
fn changed_table(after_verb: &str) -> Option<String> {
    let target = after_verb.trim_start();
    let name: String = target
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '{' || *c == '}' || *c == '.')
        .collect();
    let bare = name.rsplit('.').next().unwrap_or(&name);
    if bare.starts_with('{') {
        return Some(format!("{name} (a table named at run time)"));
    }
    GUARDED.contains(&bare).then(|| bare.to_string())
}

/// Every statement in `text` that changes a guarded table: (line, table).
fn writes_in(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let upper = line.to_uppercase();
        for verb in [
            "INSERT INTO",
            "INSERT OR REPLACE INTO",
            "INSERT OR IGNORE INTO",
            "REPLACE INTO",
            "DELETE FROM",
            "UPDATE",
        ] {
            let mut from = 0;
            while let Some(at) = upper[from..].find(verb) {
                let start = from + at;
                let end = start + verb.len();
                from = end;
                // A whole word, not a part of one (`UPDATED`, `ON UPDATE`
                // of a trigger, `DO UPDATE SET` of an upsert).
                let before = upper[..start].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let prefix = upper[..start].trim_end();
                if verb == "REPLACE INTO" && prefix.ends_with("OR") {
                    continue; // `INSERT OR REPLACE INTO`, counted once
                }
                if verb == "UPDATE"
                    && (prefix.ends_with("DO")
                        || prefix.ends_with("BEFORE")
                        || prefix.ends_with("AFTER"))
                {
                    continue;
                }
                if upper[end..]
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_whitespace())
                {
                    continue;
                }
                if let Some(table) = changed_table(&line[end..]) {
                    if verb == "UPDATE"
                        && !upper[end..].contains(" SET")
                        && !text_continues_with_set(text, n)
                    {
                        continue;
                    }
                    found.push((n + 1, table));
                }
            }
        }
    }
    found
}

/// Whether an `UPDATE <table>` on line `n` is followed by `SET` on the next line.
fn text_continues_with_set(text: &str, n: usize) -> bool {
    text.lines()
        .nth(n + 1)
        .is_some_and(|next| next.trim_start().to_uppercase().starts_with("SET"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_scanner_sees_each_form_of_writer() {
    let sample = r#"
        conn.execute("DELETE FROM grants WHERE user_id = ?1", [])?;
        conn.execute("INSERT INTO user_keys (user_id) VALUES (?1)", [])?;
        conn.execute("INSERT OR REPLACE INTO main.privacy_agreements SELECT 1", [])?;
        conn.execute(&format!("DELETE FROM {table} WHERE user_id = ?1"), [])?;
        "UPDATE subscription_choices
         SET choice = 'accept'"
        "UPDATE grants SET last_used_at = ?5"
        "INSERT INTO consent_head (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET seq = 1"
        "CREATE TRIGGER t BEFORE UPDATE ON consent_log BEGIN SELECT 1; END"
        "SELECT updated_at FROM grants"
        "INSERT INTO temp_table VALUES (1)"
    "#;
    let tables: Vec<String> = writes_in(sample).into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        tables,
        [
            "grants",
            "user_keys",
            "privacy_agreements",
            "{table} (a table named at run time)",
            "subscription_choices",
            "grants",
            "consent_head",
        ]
    );
}

#[test]
fn every_statement_that_changes_a_guarded_table_lives_in_the_door() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let mut outside = Vec::new();
    let mut inside = 0;
    for file in &files {
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        let writes = writes_in(&text);
        if relative.starts_with(DOOR) {
            inside += writes.len();
            continue;
        }
        if EXCEPTIONS.iter().any(|(path, _)| *path == relative) {
            continue;
        }
        for (line, table) in writes {
            outside.push(format!("{relative}:{line}: changes {table}"));
        }
    }
    assert!(
        outside.is_empty(),
        "statements that change a guarded table outside {DOOR} (move each into the door's Passage):\n{}",
        outside.join("\n")
    );
    // The door holds the writers (a scanner that found none would prove nothing).
    assert!(inside >= 15, "only {inside} writers found in {DOOR}");
}
