//! Every upgrade step of the schema, frozen: the SQL each step ran and the
//! integrity checks it computed, written out literally, exactly as they were
//! when that version was current. A step must never change once released — a
//! file still at that version upgrades through it years later — so nothing here
//! refers to today's [`super::schema::SQL`] or today's `grant_row.rs`; when the
//! next version comes, add a step below and leave these alone. Each step runs
//! inside the migration's transaction.

use std::collections::HashMap;

use rusqlite::{params, Connection};
use serde_json::Value;

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

/// Schema 2 → 3: every grant and agreement row names the consent record behind
/// it (`record_seq`, `record_hash`), the log names users by keyed pseudonym
/// (`user_keys`), and subscription messages get their tables (the main switch
/// and the kept choices of each (user, app), empty). The log is re-chained once with pseudonyms in place of user
/// ids — up to its first break, if it has one: the break stays exactly where it
/// was and is still reported, and nothing is appended to a broken log. A grant row is linked to the latest record about its scope; one
/// from before records were kept (schema 1: `consent_known` 0, no record) gets
/// a record with source `migration`. An agreement is linked to the latest
/// agreement record of its version, or gets a `migration` record when there is
/// no contract record at all (agreed or disagreed). A row whose
/// record does not say what it says grants nothing, and `audit verify` names it.
pub fn upgrade_2_to_3(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "ALTER TABLE grants ADD COLUMN record_seq INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE grants ADD COLUMN record_hash TEXT NOT NULL DEFAULT '';
         ALTER TABLE privacy_agreements ADD COLUMN record_seq INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE privacy_agreements ADD COLUMN record_hash TEXT NOT NULL DEFAULT '';
         DROP TRIGGER IF EXISTS consent_log_append_only_update;
         DROP TRIGGER IF EXISTS consent_log_append_only_delete;",
    )?;
    conn.execute_batch(
        "
CREATE TABLE user_keys (
    user_id TEXT NOT NULL PRIMARY KEY,
    secret  TEXT NOT NULL
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
",
    )?;
    conn.execute(
        "INSERT INTO user_keys (user_id, secret)
         SELECT user_id, lower(hex(randomblob(32))) FROM (
             SELECT user_id FROM consent_log WHERE user_id <> ''
             UNION SELECT user_id FROM grants
             UNION SELECT user_id FROM privacy_agreements)",
        [],
    )?;
    let secrets: HashMap<String, String> = conn
        .prepare("SELECT user_id, secret FROM user_keys")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let pseudonym = |user: &str| match secrets.get(user) {
        Some(secret) => pseudonym_v3(secret, user),
        None => String::new(),
    };
    let mut log = LogV3::read(conn)?;
    let verified = log.verified();
    log.pseudonymise(conn, &pseudonym, verified)?;
    // Nothing is appended to a broken log: it would end a cut-short chain
    // where its head says it ends, and make it verify.
    log.appendable = verified.1;
    link_grant_rows_v3(conn, &mut log, &pseudonym)?;
    link_agreement_rows_v3(conn, &mut log, &pseudonym)?;
    conn.execute_batch(
        "
CREATE TRIGGER consent_log_append_only_update BEFORE UPDATE ON consent_log
BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
CREATE TRIGGER consent_log_append_only_delete BEFORE DELETE ON consent_log
BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
",
    )?;
    Ok(())
}

/// Schema 3's pseudonym: "p-" and the first 128 bits, hex, of
/// SHA-256("miniapp-auth/pseudonym/1\n" ‖ secret ‖ "\n" ‖ user id).
fn pseudonym_v3(secret: &str, user_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"miniapp-auth/pseudonym/1\n");
    hasher.update(secret.as_bytes());
    hasher.update(b"\n");
    hasher.update(user_id.as_bytes());
    let digest = hasher.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("p-{hex}")
}

/// Schema 2's (and 3's) record hash: SHA-256 of prev_hash ‖ "\n" ‖ record, hex.
fn record_hash_v2(prev_hash: &str, record: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(record.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

const GENESIS_V2: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One record of the log as the migration reads and writes it.
struct RecordV3 {
    seq: i64,
    user_column: String,
    text: String,
    prev_hash: String,
    hash: String,
}

/// The whole log, in order, and its head (seq, hash).
struct LogV3 {
    records: Vec<RecordV3>,
    head: Option<(i64, String)>,
    /// Whether `migration` records may be appended (the log verified).
    appendable: bool,
}

impl LogV3 {
    fn read(conn: &Connection) -> Result<LogV3> {
        let records = conn
            .prepare("SELECT seq, user_id, record, prev_hash, hash FROM consent_log ORDER BY seq")?
            .query_map([], |r| {
                Ok(RecordV3 {
                    seq: r.get(0)?,
                    user_column: r.get(1)?,
                    text: r.get(2)?,
                    prev_hash: r.get(3)?,
                    hash: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let head = conn
            .query_row("SELECT seq, hash FROM consent_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .ok();
        Ok(LogV3 {
            records,
            head,
            appendable: false,
        })
    }

    /// How many leading records check out as schema 2 verified them, and
    /// whether the whole chain and its head do.
    fn verified(&self) -> (usize, bool) {
        let mut prev = GENESIS_V2.to_string();
        for (i, record) in self.records.iter().enumerate() {
            let readable = serde_json::from_str::<Value>(&record.text)
                .is_ok_and(|v| v["seq"].as_i64() == Some(record.seq));
            if record.seq != i as i64 + 1
                || record.prev_hash != prev
                || record_hash_v2(&record.prev_hash, &record.text) != record.hash
                || !readable
            {
                return (i, false);
            }
            prev = record.hash.clone();
        }
        // Records removed from the end show as a head further on.
        let head_matches = match (&self.head, self.records.last()) {
            (None, None) => true,
            (Some((seq, hash)), Some(last)) => *seq == last.seq && *hash == last.hash,
            (Some((seq, _)), None) => *seq == 0,
            (None, Some(_)) => false,
        };
        (self.records.len(), head_matches)
    }

    /// Re-chains the first `intact` records with their users' pseudonyms in
    /// place of ids. When that is not the whole log (or the head does not
    /// match), the break is kept exactly where it was: the records after it
    /// keep their text and links (and their users' ids), and the head is left
    /// alone, so the upgrade never makes a broken log verify.
    fn pseudonymise(
        &mut self,
        conn: &Connection,
        pseudonym: &dyn Fn(&str) -> String,
        (intact, whole): (usize, bool),
    ) -> Result<()> {
        let mut prev = GENESIS_V2.to_string();
        for record in &mut self.records[..intact] {
            let mut value: Value = serde_json::from_str(&record.text).unwrap_or_default();
            let subject = pseudonym(&record.user_column);
            value["userId"] = Value::String(subject.clone());
            record.text = value.to_string();
            record.user_column = subject;
            record.prev_hash = prev;
            record.hash = record_hash_v2(&record.prev_hash, &record.text);
            prev = record.hash.clone();
            conn.execute(
                "UPDATE consent_log SET user_id = ?2, record = ?3, prev_hash = ?4, hash = ?5 WHERE seq = ?1",
                params![record.seq, record.user_column, record.text, record.prev_hash, record.hash],
            )?;
        }
        if whole {
            if let Some(last) = self.records.last() {
                conn.execute(
                    "UPDATE consent_head SET seq = ?1, hash = ?2 WHERE id = 1",
                    params![last.seq, last.hash],
                )?;
            }
        }
        Ok(())
    }

    /// The latest record filed under `subject` about (app, plugin, scope)
    /// (`scope` `None`: the app's privacy contract) whose decision is one of
    /// `decisions`, parsed.
    fn latest(
        &self,
        subject: &str,
        app: &str,
        plugin: &str,
        scope: Option<&str>,
        decisions: &[&str],
    ) -> Option<(i64, String, Value)> {
        self.records.iter().rev().find_map(|record| {
            if record.user_column != subject {
                return None;
            }
            let value: Value = serde_json::from_str(&record.text).ok()?;
            let about = value["appId"].as_str() == Some(app)
                && value["pluginId"].as_str().unwrap_or("") == plugin
                && value["scope"].as_str() == scope
                && decisions.contains(&value["decision"].as_str().unwrap_or(""));
            about.then(|| (record.seq, record.hash.clone(), value))
        })
    }

    /// Appends a record of a decision stored before records were kept, in
    /// schema 2's record format; returns its (seq, hash) — `None` (nothing
    /// appended) when the log is broken.
    fn append_migrated(
        &mut self,
        conn: &Connection,
        fields: MigratedV3<'_>,
    ) -> Result<Option<(i64, String)>> {
        if !self.appendable {
            return Ok(None);
        }
        let seq = self.records.last().map_or(0, |r| r.seq) + 1;
        let prev_hash = self
            .records
            .last()
            .map_or(GENESIS_V2.to_string(), |r| r.hash.clone());
        let text = serde_json::json!({
            "seq": seq,
            "atMs": fields.at_ms,
            "userId": fields.subject,
            "appId": fields.app,
            "pluginId": (!fields.plugin.is_empty()).then_some(fields.plugin),
            "scope": fields.scope,
            "decision": fields.decision,
            "lifetime": fields.lifetime,
            "untilMs": fields.until_ms,
            "purpose": fields.purpose,
            "contractVersion": fields.contract_version,
            "source": "migration",
        })
        .to_string();
        let hash = record_hash_v2(&prev_hash, &text);
        conn.execute(
            "INSERT INTO consent_log (seq, user_id, record, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![seq, fields.subject, text, prev_hash, hash],
        )?;
        conn.execute(
            "INSERT INTO consent_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq, hash],
        )?;
        self.records.push(RecordV3 {
            seq,
            user_column: fields.subject.to_string(),
            text,
            prev_hash,
            hash: hash.clone(),
        });
        Ok(Some((seq, hash)))
    }
}

/// What a migration record says.
struct MigratedV3<'a> {
    at_ms: i64,
    subject: &'a str,
    app: &'a str,
    plugin: &'a str,
    scope: Option<&'a str>,
    decision: &'a str,
    lifetime: Option<&'a str>,
    until_ms: Option<i64>,
    purpose: Option<&'a str>,
    contract_version: Option<&'a str>,
}

/// A grants row as the 2 → 3 step reads it.
type GrantRowV3 = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    i64,
);

fn link_grant_rows_v3(
    conn: &Connection,
    log: &mut LogV3,
    pseudonym: &dyn Fn(&str) -> String,
) -> Result<()> {
    let rows: Vec<GrantRowV3> = conn
        .prepare(
            "SELECT user_id, app_id, plugin_id, scope, state, updated_at, expires_at, purpose,
                    contract_version, consent_known FROM grants",
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
                r.get(9)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (user, app, plugin, scope, state, updated_at, expires, purpose, contract, known) in rows {
        let subject = pseudonym(&user);
        let decision = if state == 1 { "granted" } else { "denied" };
        let any = ["granted", "denied", "revoked", "expired"];
        // Linked to the latest record about it, whatever that says: reading
        // the row then honours it only if the record backs it, and a recorded
        // denial stands against a row that says otherwise.
        let link = match log.latest(&subject, &app, &plugin, Some(&scope), &any) {
            Some((seq, hash, _)) => Some((seq, hash)),
            None if known == 0 => log.append_migrated(
                conn,
                MigratedV3 {
                    at_ms: updated_at,
                    subject: &subject,
                    app: &app,
                    plugin: &plugin,
                    scope: Some(&scope),
                    decision,
                    lifetime: (state == 1).then_some(if expires.is_some() {
                        "until"
                    } else {
                        "permanent"
                    }),
                    until_ms: expires,
                    purpose: purpose.as_deref(),
                    contract_version: contract.as_deref(),
                },
            )?,
            None => None,
        };
        if let Some((seq, hash)) = link {
            conn.execute(
                "UPDATE grants SET record_seq = ?5, record_hash = ?6
                 WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
                params![user, app, plugin, scope, seq, hash],
            )?;
        }
    }
    Ok(())
}

fn link_agreement_rows_v3(
    conn: &Connection,
    log: &mut LogV3,
    pseudonym: &dyn Fn(&str) -> String,
) -> Result<()> {
    let rows: Vec<(String, String, String, i64)> = conn
        .prepare("SELECT user_id, app_id, contract_version, agreed_at FROM privacy_agreements")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (user, app, version, agreed_at) in rows {
        let subject = pseudonym(&user);
        // The latest agreement to this version (a disagreement later with
        // another version's prompt leaves it standing, as schema 2 did).
        let agreed = log
            .latest(&subject, &app, "", None, &["agreed"])
            .filter(|(_, _, record)| record["contractVersion"].as_str() == Some(version.as_str()));
        let any_contract_record = log
            .latest(&subject, &app, "", None, &["agreed", "disagreed"])
            .is_some();
        let link = match agreed {
            Some((seq, hash, _)) => Some((seq, hash)),
            None if any_contract_record => None,
            None => log.append_migrated(
                conn,
                MigratedV3 {
                    at_ms: agreed_at,
                    subject: &subject,
                    app: &app,
                    plugin: "",
                    scope: None,
                    decision: "agreed",
                    lifetime: None,
                    until_ms: None,
                    purpose: None,
                    contract_version: Some(&version),
                },
            )?,
        };
        if let Some((seq, hash)) = link {
            conn.execute(
                "UPDATE privacy_agreements SET record_seq = ?3, record_hash = ?4
                 WHERE user_id = ?1 AND app_id = ?2",
                params![user, app, seq, hash],
            )?;
        }
    }
    Ok(())
}

/// Version 3 → 4 (issue #23, SPEC §10): the sync tables — this device's id,
/// pseudonym secret and hybrid-logical-clock stamp (`sync_device`), how far
/// each user's records were uploaded (`sync_uploaded`), the forget tombstones
/// that keep older facts from coming back (`sync_forgotten`) and records from
/// a newer core kept unapplied (`sync_held`). Nothing existing changes: a
/// record written before has no stamp and syncs at its own time; the clock
/// starts at the log's latest time, so that what this device decides next
/// is newer than anything it decided before; `legacy_through` marks where
/// the log stood (a record after it without a stamp is a device fact).
pub fn upgrade_3_to_4(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "
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
",
    )?;
    // The log's latest time and last record (read in Rust: the bundled
    // SQLite has no JSON functions).
    let mut latest_at: i64 = 0;
    let mut last_seq: i64 = 0;
    {
        let mut stmt = conn.prepare("SELECT seq, record FROM consent_log")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            last_seq = last_seq.max(row.get(0)?);
            let text: String = row.get(1)?;
            if let Some(at) = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("atMs").and_then(Value::as_i64))
            {
                latest_at = latest_at.max(at);
            }
        }
    }
    conn.execute(
        "INSERT INTO sync_device (id, device_id, secret, hlc_wall, hlc_counter, legacy_through)
         VALUES (1, 'd-' || lower(hex(randomblob(16))), lower(hex(randomblob(32))), ?1, 0, ?2)",
        params![latest_at, last_seq],
    )?;
    Ok(())
}
