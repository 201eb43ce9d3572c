//! The database schema: [`VERSION`] and the full current [`SQL`], written out
//! literally, and the forward migrations (one step at a time, each frozen in
//! `schema_history.rs`) run in one IMMEDIATE transaction keyed on `PRAGMA user_version`.
//! A file from a newer version is refused, never rewritten.

use rusqlite::{Connection, TransactionBehavior};

use super::schema_history;
use crate::error::{Error, Result};

/// The schema version this build writes.
pub const VERSION: i64 = 4;

/// The whole current schema, as a fresh database gets it.
pub const SQL: &str = "
CREATE TABLE grants (
    user_id          TEXT    NOT NULL,
    app_id           TEXT    NOT NULL,
    plugin_id        TEXT    NOT NULL DEFAULT '',
    scope            TEXT    NOT NULL,
    state            INTEGER NOT NULL CHECK (state IN (1, 2)),
    source           TEXT    NOT NULL,
    updated_at       INTEGER NOT NULL,
    expires_at       INTEGER,
    denials          INTEGER NOT NULL DEFAULT 0,
    purpose          TEXT,
    contract_version TEXT,
    last_used_at     INTEGER,
    consent_known    INTEGER NOT NULL DEFAULT 1,
    row_check        TEXT    NOT NULL DEFAULT '',
    record_seq       INTEGER NOT NULL DEFAULT 0,
    record_hash      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, app_id, plugin_id, scope)
) WITHOUT ROWID;

CREATE TABLE privacy_agreements (
    user_id          TEXT    NOT NULL,
    app_id           TEXT    NOT NULL,
    contract_version TEXT    NOT NULL,
    agreed_at        INTEGER NOT NULL,
    record_seq       INTEGER NOT NULL DEFAULT 0,
    record_hash      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, app_id)
) WITHOUT ROWID;

CREATE TABLE subscription_switches (
    user_id     TEXT    NOT NULL,
    app_id      TEXT    NOT NULL,
    main_switch INTEGER NOT NULL CHECK (main_switch IN (0, 1)),
    record_seq  INTEGER NOT NULL DEFAULT 0,
    record_hash TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, app_id)
) WITHOUT ROWID;

CREATE TABLE subscription_choices (
    user_id     TEXT    NOT NULL,
    app_id      TEXT    NOT NULL,
    tmpl_id     TEXT    NOT NULL,
    choice      TEXT    NOT NULL CHECK (choice IN ('accept', 'reject')),
    record_seq  INTEGER NOT NULL DEFAULT 0,
    record_hash TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, app_id, tmpl_id)
) WITHOUT ROWID;

CREATE TABLE user_keys (
    user_id TEXT NOT NULL PRIMARY KEY,
    secret  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE prompt_fatigue (
    user_id           TEXT    NOT NULL,
    app_id            TEXT    NOT NULL,
    plugin_id         TEXT    NOT NULL DEFAULT '',
    scope             TEXT    NOT NULL,
    dismissals        INTEGER NOT NULL,
    last_dismissed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, app_id, plugin_id, scope)
) WITHOUT ROWID;

CREATE TABLE consent_log (
    seq       INTEGER PRIMARY KEY,
    user_id   TEXT NOT NULL,
    record    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX consent_log_by_user ON consent_log (user_id, seq);

CREATE TABLE consent_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE sync_device (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    device_id   TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    hlc_wall    INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    legacy_through INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sync_uploaded (
    subject     TEXT    NOT NULL PRIMARY KEY,
    through_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sync_forgotten (
    tag        TEXT    NOT NULL PRIMARY KEY,
    hlc        TEXT    NOT NULL,
    device     TEXT    NOT NULL,
    record_seq INTEGER NOT NULL,
    uploaded   INTEGER NOT NULL CHECK (uploaded IN (0, 1))
) WITHOUT ROWID;

CREATE TABLE sync_held (
    subject   TEXT NOT NULL,
    record_id TEXT NOT NULL,
    record    TEXT NOT NULL,
    PRIMARY KEY (subject, record_id)
) WITHOUT ROWID;

CREATE TRIGGER consent_log_append_only_update BEFORE UPDATE ON consent_log
BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
CREATE TRIGGER consent_log_append_only_delete BEFORE DELETE ON consent_log
BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
";

/// The tables this schema owns (a version-0 file holding other tables is foreign).
const OUR_TABLES: &[&str] = &[
    "grants",
    "privacy_agreements",
    "prompt_fatigue",
    "consent_log",
    "consent_head",
    "user_keys",
    "subscription_switches",
    "subscription_choices",
    "sync_device",
    "sync_uploaded",
    "sync_forgotten",
    "sync_held",
];

/// Reads `PRAGMA user_version`.
pub fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Refuses, without writing to it, a file written by a newer version or a
/// version-0 file that holds some other program's tables. Returns the version.
pub fn check_compatible(conn: &Connection, label: &str) -> Result<i64> {
    let found = user_version(conn)?;
    if found > VERSION {
        return Err(Error::DatabaseTooNew {
            found,
            supported: VERSION,
        });
    }
    if found == 0 {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
        let tables: Vec<String> = stmt
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if tables.iter().any(|t| !OUR_TABLES.contains(&t.as_str())) {
            return Err(Error::ForeignDatabase(label.to_string()));
        }
    }
    Ok(found)
}

/// Brings the schema to [`VERSION`]: creates it in an empty file, or upgrades one
/// version at a time. Safe when several processes open the same file at once.
pub fn migrate(conn: &mut Connection, label: &str) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = check_compatible(&tx, label)?;
    if found == VERSION {
        return Ok(());
    }
    if found == 0 {
        tx.execute_batch(SQL)?;
    } else {
        for from in found..VERSION {
            log::info!(
                "upgrading the database schema from version {from} to {}",
                from + 1
            );
            upgrade_from(&tx, from)?;
        }
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

/// One upgrade step, from `version` to `version + 1`: each step's SQL (and the
/// integrity checks it computes) is frozen in `schema_history.rs`, so a later
/// change to [`SQL`] cannot change what an old file is upgraded through.
fn upgrade_from(conn: &Connection, version: i64) -> Result<()> {
    match version {
        1 => schema_history::upgrade_1_to_2(conn),
        2 => schema_history::upgrade_2_to_3(conn),
        3 => schema_history::upgrade_3_to_4(conn),
        _ => Err(Error::InvalidArgument(format!(
            "no upgrade path from schema version {version}"
        ))),
    }
}
