//! Every upgrade step of the schema, frozen: the SQL each step ran and the
//! integrity checks it computed, written out literally, exactly as they were
//! when that version was current. A step must never change once released — a
//! file still at that version upgrades through it years later — so nothing here
//! refers to today's [`super::schema::SQL`] or today's `grant_row.rs`; when the
//! next version comes, add a step below and leave these alone. Each step runs
//! inside the migration's transaction.

use rusqlite::{params, Connection};

use crate::error::Result;

/// Schema 1 → 2: lifetimes, soft denial, use times, re-consent, the dismissal
/// embargo's counts, the consent log, and a per-row integrity check.
pub fn upgrade_1_to_2(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "ALTER TABLE grants ADD COLUMN expires_at INTEGER;
         ALTER TABLE grants ADD COLUMN denials INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE grants ADD COLUMN purpose TEXT;
         ALTER TABLE grants ADD COLUMN contract_version TEXT;
         ALTER TABLE grants ADD COLUMN last_used_at INTEGER;
         ALTER TABLE grants ADD COLUMN consent_known INTEGER NOT NULL DEFAULT 1;
         -- Version 1 did not keep the purpose string or contract version a
         -- decision was made under: such grants are not re-asked because
         -- of a change the store cannot see.
         UPDATE grants SET consent_known = 0;
         ALTER TABLE grants ADD COLUMN row_check TEXT NOT NULL DEFAULT '';",
    )?;
    // Written flush left: SQLite keeps each statement's text in sqlite_master.
    conn.execute_batch(
        "
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

CREATE TRIGGER consent_log_append_only_update BEFORE UPDATE ON consent_log
BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
CREATE TRIGGER consent_log_append_only_delete BEFORE DELETE ON consent_log
BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
",
    )?;
    seal_grant_rows_v2(conn)
}

/// What schema 2's row check covers: (user, app, plugin, scope, state,
/// expires_at, purpose, contract_version, consent_known).
type RowV2 = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
);

/// Computes schema 2's integrity check of every grant row.
fn seal_grant_rows_v2(conn: &Connection) -> Result<()> {
    let rows: Vec<RowV2> = conn
        .prepare(
            "SELECT user_id, app_id, plugin_id, scope, state, expires_at, purpose, contract_version,
                    consent_known FROM grants",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for row in rows {
        let check = row_check_v2(&row);
        let (user, app, plugin, scope, ..) = row;
        conn.execute(
            "UPDATE grants SET row_check = ?5
             WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
            params![user, app, plugin, scope, check],
        )?;
    }
    Ok(())
}

/// Schema 2's row check: the first 64 bits of SHA-256 over (user, app, plugin,
/// scope, state, expires_at, purpose, contract_version, consent_known), each
/// followed by 0x1f, absent values as "\0absent".
fn row_check_v2(
    (user, app, plugin, scope, state, expires, purpose, contract, known): &RowV2,
) -> String {
    use sha2::{Digest, Sha256};
    let absent = "\u{0}absent";
    let expires = expires.map(|t| t.to_string());
    let mut hasher = Sha256::new();
    for field in [
        user.as_str(),
        app,
        plugin,
        scope,
        &state.to_string(),
        expires.as_deref().unwrap_or(absent),
        purpose.as_deref().unwrap_or(absent),
        contract.as_deref().unwrap_or(absent),
        if *known != 0 { "1" } else { "0" },
    ] {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
