//! The consent log: an append-only, hash-chained record of every decision.
//!
//! Each row holds one record as canonical JSON, the hash of the row before it and
//! its own hash, `sha256(prev_hash || "\n" || record)`; a one-row head table holds
//! the last sequence number and hash. SQL triggers refuse updates and deletes.
//! [`verify`] recomputes the chain, so an edited record, a deleted one (in the
//! middle or at the end) or a reordered one is detected and named. What the chain
//! cannot detect is a consistent rewrite of the whole file; hosts that need that
//! can anchor [`Head`] elsewhere (`AuthEngine::consent_log_head`).

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Result;

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One decision as recorded (and exported as a consent receipt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRecord {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When, in ms since the Unix epoch.
    pub at_ms: i64,
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, if the decision was in a plugin's namespace.
    pub plugin_id: Option<String>,
    /// The scope; `None` for privacy-contract and whole-app decisions.
    pub scope: Option<String>,
    /// `granted`, `denied`, `revoked`, `expired`, `agreed`, `disagreed`, `reset`
    /// or `forgotten`.
    pub decision: String,
    /// For grants: `permanent`, `once` or `until`.
    pub lifetime: Option<String>,
    /// For `until` grants: when the grant ends.
    pub until_ms: Option<i64>,
    /// The purpose string the user saw.
    pub purpose: Option<String>,
    /// The privacy-contract version in force.
    pub contract_version: Option<String>,
    /// How: `dialog`, `settings`, `admin`, `auto-revoke`, `expiry` or `reset`.
    pub source: String,
    /// The hash of the record before (the chain link).
    #[serde(skip_deserializing, default)]
    pub prev_hash: String,
    /// This record's hash.
    #[serde(skip_deserializing, default)]
    pub hash: String,
}

/// A record about to be appended (the log assigns `seq` and the hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin.
    pub plugin_id: Option<String>,
    /// The scope.
    pub scope: Option<String>,
    /// What was decided.
    pub decision: &'static str,
    /// For grants: the lifetime.
    pub lifetime: Option<&'static str>,
    /// For `until` grants.
    pub until_ms: Option<i64>,
    /// The purpose string the user saw.
    pub purpose: Option<String>,
    /// The privacy-contract version in force.
    pub contract_version: Option<String>,
    /// How.
    pub source: &'static str,
}

impl NewRecord {
    /// A record without lifetime, purpose or contract version.
    pub fn bare(
        user_id: &str,
        app_id: &str,
        plugin_id: Option<String>,
        scope: Option<String>,
        decision: &'static str,
        source: &'static str,
    ) -> NewRecord {
        NewRecord {
            user_id: user_id.to_string(),
            app_id: app_id.to_string(),
            plugin_id,
            scope,
            decision,
            lifetime: None,
            until_ms: None,
            purpose: None,
            contract_version: None,
            source,
        }
    }
}

/// The end of the chain: the last sequence number and its hash.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Head {
    /// The last record's `seq` (0 for an empty log).
    pub seq: u64,
    /// The last record's hash ([`GENESIS`] for an empty log).
    pub hash: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogVerification {
    /// Whether every record and link checks out.
    pub intact: bool,
    /// How many records were read.
    pub records: u64,
    /// The first record that does not check out (its `seq`, or the position where
    /// one is missing).
    pub first_broken_seq: Option<u64>,
    /// What is wrong with it.
    pub problem: Option<String>,
}

fn hash(prev_hash: &str, record: &str) -> String {
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

/// The current head.
pub fn head(conn: &Connection) -> Result<Head> {
    let head = conn
        .prepare_cached("SELECT seq, hash FROM consent_head WHERE id = 1")?
        .query_row([], |r| {
            Ok(Head {
                seq: r.get::<_, i64>(0)? as u64,
                hash: r.get(1)?,
            })
        })
        .optional()?;
    Ok(head.unwrap_or(Head {
        seq: 0,
        hash: GENESIS.to_string(),
    }))
}

/// Appends records (inside the caller's transaction).
pub fn append(conn: &Connection, records: &[NewRecord], now_ms: i64) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let mut head = head(conn)?;
    for new in records {
        let record = ConsentRecord {
            seq: head.seq + 1,
            at_ms: now_ms,
            user_id: new.user_id.clone(),
            app_id: new.app_id.clone(),
            plugin_id: new.plugin_id.clone(),
            scope: new.scope.clone(),
            decision: new.decision.to_string(),
            lifetime: new.lifetime.map(str::to_string),
            until_ms: new.until_ms,
            purpose: new.purpose.clone(),
            contract_version: new.contract_version.clone(),
            source: new.source.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        let text = canonical(&record);
        let digest = hash(&head.hash, &text);
        conn.prepare_cached(
            "INSERT INTO consent_log (seq, user_id, record, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            record.seq as i64,
            record.user_id,
            text,
            head.hash,
            digest
        ])?;
        head = Head {
            seq: record.seq,
            hash: digest,
        };
    }
    conn.prepare_cached(
        "INSERT INTO consent_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![head.seq as i64, head.hash])?;
    Ok(())
}

/// The record as stored: JSON without the hash fields, fields in declaration order.
fn canonical(record: &ConsentRecord) -> String {
    let mut value = serde_json::to_value(record).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("prevHash");
        object.remove("hash");
    }
    value.to_string()
}

/// Reads the records of one user (or everyone), oldest first.
pub fn records(conn: &Connection, user_id: Option<&str>) -> Result<Vec<ConsentRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record, prev_hash, hash FROM consent_log WHERE ?1 IS NULL OR user_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![user_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (text, prev_hash, hash) = row?;
        // An unreadable record is skipped here; `verify` names it.
        if let Ok(mut record) = serde_json::from_str::<ConsentRecord>(&text) {
            record.prev_hash = prev_hash;
            record.hash = hash;
            out.push(record);
        }
    }
    Ok(out)
}

/// Walks the whole chain and reports the first record that does not check out.
pub fn verify(conn: &Connection) -> Result<LogVerification> {
    let mut stmt =
        conn.prepare("SELECT seq, record, prev_hash, hash FROM consent_log ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut expected_seq: u64 = 1;
    let mut prev = GENESIS.to_string();
    let mut count = 0u64;
    let broken = |seq: u64, count: u64, problem: String| LogVerification {
        intact: false,
        records: count,
        first_broken_seq: Some(seq),
        problem: Some(problem),
    };
    for row in rows {
        let (seq, text, prev_hash, stored_hash) = row?;
        count += 1;
        let seq = seq as u64;
        if seq != expected_seq {
            return Ok(broken(
                expected_seq,
                count,
                format!("record {expected_seq} is missing (found {seq} next)"),
            ));
        }
        if prev_hash != prev {
            return Ok(broken(
                seq,
                count,
                format!("record {seq} does not link to the record before it"),
            ));
        }
        if hash(&prev_hash, &text) != stored_hash {
            return Ok(broken(
                seq,
                count,
                format!("record {seq} was altered (its hash does not match)"),
            ));
        }
        match serde_json::from_str::<ConsentRecord>(&text) {
            Ok(record) if record.seq == seq => {}
            _ => {
                return Ok(broken(
                    seq,
                    count,
                    format!("record {seq} is not a valid record"),
                ))
            }
        }
        prev = stored_hash;
        expected_seq += 1;
    }
    let head = head(conn)?;
    if head.seq != expected_seq - 1 || head.hash != prev {
        return Ok(broken(
            expected_seq,
            count,
            format!(
                "the log ends at record {} but its head says {}: records were removed from the end",
                expected_seq - 1,
                head.seq
            ),
        ));
    }
    Ok(LogVerification {
        intact: true,
        records: count,
        first_broken_seq: None,
        problem: None,
    })
}
