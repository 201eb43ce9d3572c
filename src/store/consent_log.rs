//! The consent log: an append-only, hash-chained record of every decision.
//!
//! Each row holds one record as canonical JSON, the hash of the row before it and
//! its own hash, `sha256(prev_hash || "\n" || record)`; a one-row head table holds
//! the last sequence number and hash. SQL triggers refuse updates and deletes.
//! [`verify`] recomputes the chain, so an edited record, a deleted one (in the
//! middle or at the end) or a reordered one is detected and named. What the chain
//! cannot detect is a consistent rewrite of the whole file; hosts that need that
//! can anchor [`Head`] elsewhere (`AuthEngine::consent_log_head`).
//!
//! Records name users by pseudonym (`pseudonyms.rs`): the `user_id` column and
//! the record's `userId` hold it; readers put the user's id back for users not
//! forgotten. Grant and agreement rows link to their records (`record_links.rs`).

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::door::Passage;
use super::pseudonyms;
use super::record_links::{self, Link};
use super::sync_device::Device;
use crate::admin_records::DecisionSource;
use crate::consent_record::{ConsentRecord, Head, LogVerification, NewRecord, RecordSource};
use crate::error::Result;
use crate::namespace::NamespaceRef;
use crate::sync::{merge, Stamp};

/// Where the log stood for one user at some moment: its last record, and the
/// pseudonym the user had then (`None`: none yet). What happened to the user
/// since is read from there: records filed under that pseudonym after `seq`,
/// and — if the pseudonym is gone — that the user was forgotten.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogPoint {
    /// The log's last record then.
    pub seq: u64,
    /// The user's pseudonym then.
    pub subject: Option<String>,
}

/// Where the log stands now for `user_id`, giving the user a pseudonym if they
/// have none (so that forgetting them later is seen).
pub fn point_now(passage: &Passage<'_>, user_id: &str) -> Result<LogPoint> {
    Ok(LogPoint {
        seq: head(passage)?.seq,
        subject: Some(pseudonyms::of_or_new(passage, user_id)?),
    })
}

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A record's hash: `sha256(prev_hash || "\n" || record)`, hex.
pub fn hash(prev_hash: &str, record: &str) -> String {
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

/// Appends records (inside the caller's transaction), each filed under its
/// user's pseudonym (made if needed); returns where each landed.
pub fn append(passage: &Passage<'_>, records: &[NewRecord], now_ms: i64) -> Result<Vec<Link>> {
    Ok(append_stamped(passage, records, now_ms)?
        .into_iter()
        .map(|(link, _)| link)
        .collect())
}

/// [`append`], also returning each record's sync stamp: a fact every device
/// shares (SPEC §10) is stamped here, on this device's hybrid logical clock —
/// so every writer's records are — unless it came stamped (applied from
/// another device, or kept across an undo it outlived), when the clock only
/// notes its stamp. The clock is stored in the same transaction.
pub fn append_stamped(
    passage: &Passage<'_>,
    records: &[NewRecord],
    now_ms: i64,
) -> Result<Vec<(Link, Option<Stamp>)>> {
    let mut links = Vec::with_capacity(records.len());
    if records.is_empty() {
        return Ok(links);
    }
    let mut head = head(passage)?;
    let mut device: Option<Device> = None;
    for new in records {
        let subject = pseudonyms::of_or_new(passage, &new.user_id)?;
        let (lifetime, until_ms) = new.lifetime_fields();
        let source = new.source.as_str();
        let (stamp, from) = match &new.synced {
            Some(origin) => {
                let clock = match &mut device {
                    Some(clock) => clock,
                    none => none.insert(Device::read_or_make(passage)?),
                };
                clock.receive(origin.stamp, now_ms);
                (Some(origin.stamp), origin.from.clone())
            }
            None if new.user_id != pseudonyms::EVERYONE
                && !new.device_only
                && merge::synced(new.decision.as_str(), lifetime, source) =>
            {
                let clock = match &mut device {
                    Some(clock) => clock,
                    none => none.insert(Device::read_or_make(passage)?),
                };
                if new.source == RecordSource::Decision(DecisionSource::Import) {
                    // An import is the host's old decision, made when the
                    // user made it (`now_ms` is that time): stamped then, so
                    // that a newer decision on another device stays newer.
                    (Some(Stamp::legacy(now_ms)), None)
                } else {
                    (Some(clock.stamp(now_ms)), None)
                }
            }
            None => (None, None),
        };
        let (device_id, origin_seq) = from.unzip();
        let record = ConsentRecord {
            seq: head.seq + 1,
            at_ms: now_ms,
            user_id: subject,
            app_id: new.app_id.clone(),
            plugin_id: new.plugin_id.clone(),
            scope: new.scope.clone(),
            decision: new.decision.as_str().to_string(),
            lifetime: lifetime.map(str::to_string),
            until_ms,
            purpose: new.purpose.clone(),
            contract_version: new.contract_version.clone(),
            scopes: new.scopes.clone(),
            infos: new.infos.clone(),
            template: new.template.clone(),
            source: source.to_string(),
            hlc: stamp.map(|s| s.to_string()),
            device: device_id,
            origin_seq,
            prev_hash: String::new(),
            hash: String::new(),
            subject: String::new(),
        };
        let text = canonical(&record);
        let digest = hash(&head.hash, &text);
        passage.insert_record(record.seq, &record.user_id, &text, &head.hash, &digest)?;
        links.push((
            Link {
                seq: record.seq,
                hash: digest.clone(),
            },
            stamp,
        ));
        head = Head {
            seq: record.seq,
            hash: digest,
        };
    }
    passage.set_head(head.seq, &head.hash)?;
    if let Some(device) = device {
        device.keep_clock(passage)?;
    }
    Ok(links)
}

/// The record as stored: JSON without the hash fields and `subject` (the
/// pseudonym is in `userId`), fields in declaration order.
fn canonical(record: &ConsentRecord) -> String {
    let mut value = serde_json::to_value(record).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("prevHash");
        object.remove("hash");
        object.remove("subject");
    }
    value.to_string()
}

/// Whether, since `point`, `user_id` was forgotten (the pseudonym they had then
/// is gone), or any record after it of the user — or of every user (a record
/// naming no user) — satisfies `matches`. Reads only those records (the
/// by-user index); an unreadable record matches nothing here (`verify` names it).
fn any_since(
    conn: &Connection,
    user_id: &str,
    point: &LogPoint,
    matches: impl Fn(&ConsentRecord) -> bool,
) -> Result<bool> {
    let now = pseudonyms::of(conn, user_id)?;
    if point.subject.is_some() && now != point.subject {
        return Ok(true);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT record FROM consent_log WHERE user_id IN (?1, '') AND seq > ?2 ORDER BY seq",
    )?;
    let subject = now.unwrap_or_default();
    let mut rows = stmt.query(params![subject, point.seq as i64])?;
    while let Some(row) = rows.next()? {
        let text: String = row.get(0)?;
        if serde_json::from_str::<ConsentRecord>(&text).is_ok_and(|record| matches(&record)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether `record` undoes everything of (its user, `app_id`): the app reset
/// for that user or every user, or the user forgotten.
fn undoes(record: &ConsentRecord, app_id: &str) -> bool {
    match record.decision.as_str() {
        "reset" => record.app_id == app_id,
        "forgotten" => true,
        _ => false,
    }
}

/// Whether, since `point`, the log says (user, app) was undone.
pub fn undone_since(
    conn: &Connection,
    user_id: &str,
    app_id: &str,
    point: &LogPoint,
) -> Result<bool> {
    any_since(conn, user_id, point, |record| undoes(record, app_id))
}

/// Whether the log holds, under `user_id`'s pseudonym now or naming every
/// user, a record of app `app_id` that `matches`, or one resetting the app:
/// whether this database ever decided what `matches` asks about (an import's
/// "undecided", `door/undecided.rs`).
pub fn ever(
    conn: &Connection,
    user_id: &str,
    app_id: &str,
    matches: impl Fn(&ConsentRecord) -> bool,
) -> Result<bool> {
    any_since(conn, user_id, &LogPoint::default(), |record| {
        undoes(record, app_id) || (record.app_id == app_id && matches(record))
    })
}

/// Whether, since `point`, the log holds a decision about `scope` in `ns`
/// (granted, denied, revoked, expired), or says its app was reset or its user
/// forgotten: what ends an allow-once grant given at `point`.
pub fn decided_since(
    conn: &Connection,
    ns: NamespaceRef<'_>,
    scope: &str,
    point: &LogPoint,
) -> Result<bool> {
    any_since(conn, ns.user_id, point, |record| {
        undoes(record, ns.app_id)
            || (record.app_id == ns.app_id
                && record.plugin_id.as_deref().unwrap_or("") == ns.plugin_id
                && record.scope.as_deref() == Some(scope))
    })
}

/// Reads the records of one user (or everyone), oldest first, each naming its
/// user by id again when the user is not forgotten.
pub fn records(conn: &Connection, user_id: Option<&str>) -> Result<Vec<ConsentRecord>> {
    let subject = match user_id {
        None => None,
        Some(user_id) => match pseudonyms::of(conn, user_id)? {
            Some(subject) => Some(subject),
            // Forgotten, or never recorded: nothing names them.
            None => return Ok(Vec::new()),
        },
    };
    // One user's records through the log's index on (user_id, seq), naming
    // only them; everyone's, with every pseudonym's user.
    let users = match (&subject, user_id) {
        (Some(subject), Some(user_id)) => {
            std::collections::HashMap::from([(subject.clone(), user_id.to_string())])
        }
        _ => pseudonyms::users_by_pseudonym(conn)?,
    };
    let mut stmt = conn.prepare_cached(match subject {
        Some(_) => {
            "SELECT record, prev_hash, hash FROM consent_log WHERE user_id = ?1 ORDER BY seq"
        }
        None => "SELECT record, prev_hash, hash FROM consent_log ORDER BY seq",
    })?;
    let rows = stmt.query_map(rusqlite::params_from_iter(subject.iter()), |r| {
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
            record.subject = std::mem::take(&mut record.user_id);
            record.user_id = users.get(&record.subject).cloned().unwrap_or_default();
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
    let unmatched_rows = record_links::unmatched_rows(conn)?;
    let broken = |seq: u64, count: u64, problem: String| LogVerification {
        intact: false,
        records: count,
        first_broken_seq: Some(seq),
        problem: Some(problem),
        unmatched_rows: unmatched_rows.clone(),
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
        intact: unmatched_rows.is_empty(),
        records: count,
        first_broken_seq: None,
        problem: None,
        unmatched_rows,
    })
}
