//! Reading one namespace from the file: its grant rows, each honoured only as
//! far as its consent record backs it (`record_links.rs`), and its dismissal
//! counts, into a [`NamespaceState`]. Read by the store (then cached) and by the
//! door's checks, inside the transaction that writes.

use rusqlite::{params, Connection};

use super::grant_row::{self, GrantRow};
use super::namespace_state::NamespaceState;
use super::pseudonyms;
use super::record_links::{self, LaterRecords, LinkedRecord, Owner, LINKED_COLUMNS};
use crate::embargo::Dismissals;
use crate::error::Result;
use crate::namespace::NamespaceRef;
use crate::policy;

/// Loads `ns`, in one read transaction unless the caller is in one already.
pub(super) fn load(conn: &Connection, ns: NamespaceRef<'_>) -> Result<NamespaceState> {
    if conn.is_autocommit() {
        // One read transaction for both queries (a consistent view, and half the
        // file locking of two autocommit reads).
        let tx = conn.unchecked_transaction()?;
        let state = read(&tx, ns)?;
        tx.commit()?;
        return Ok(state);
    }
    read(conn, ns)
}

/// A namespace's grant rows, each with the consent record it names.
fn grants_with_records_sql() -> String {
    format!(
        "SELECT {}, {LINKED_COLUMNS} FROM grants g LEFT JOIN consent_log c ON c.seq = g.record_seq
         WHERE g.user_id = ?1 AND g.app_id = ?2 AND g.plugin_id = ?3",
        grant_row::COLUMNS
    )
}

/// [`load`]'s queries, in the caller's transaction. Each grant row is read with
/// the consent record it names, and honoured only as far as that record backs
/// it (`record_links.rs`).
fn read(conn: &Connection, ns: NamespaceRef<'_>) -> Result<NamespaceState> {
    let mut state = NamespaceState::default();
    let subject = pseudonyms::of(conn, ns.user_id)?;
    let owner = Owner {
        ns,
        subject: subject.as_deref(),
    };
    let mut stmt = conn.prepare_cached(&grants_with_records_sql())?;
    let rows = stmt.query_map(params![ns.user_id, ns.app_id, ns.plugin_id], |r| {
        Ok((
            GrantRow::from_row(r, 0)?,
            LinkedRecord::from_row(r, grant_row::COLUMN_COUNT)?,
        ))
    })?;
    // A row that cannot even be read as its types is damaged: skipped.
    let rows: Vec<(GrantRow, Option<LinkedRecord>)> = rows
        .filter_map(|row| row.ok())
        .filter(|(row, _)| row.is_sound(ns))
        .collect();
    // Only a grant needs the records after its own (a denial grants nothing
    // either way): read once, from the oldest grant's record on.
    let later = match rows
        .iter()
        .filter(|(row, _)| row.grant_state() == policy::GrantState::Granted)
        .map(|(row, _)| row.link.seq)
        .min()
    {
        Some(oldest) => LaterRecords::read(conn, owner.subject, oldest)?,
        None => LaterRecords::default(),
    };
    for (row, linked) in rows {
        if let Some(grant) = record_links::honoured(&row, owner, linked.as_ref(), &later) {
            state.grants.insert(row.scope, grant);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT scope, dismissals, last_dismissed_at FROM prompt_fatigue
         WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3",
    )?;
    let rows = stmt.query_map(params![ns.user_id, ns.app_id, ns.plugin_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Dismissals {
                count: r.get::<_, i64>(1)?.clamp(0, u32::MAX as i64) as u32,
                last_at_ms: r.get(2)?,
            },
        ))
    })?;
    for row in rows {
        let (scope, dismissals) = row?;
        state.dismissals.insert(scope, dismissals);
    }
    state.grants.shrink_to_fit();
    state.dismissals.shrink_to_fit();
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_another_namespace_reuses_the_prepared_statement() {
        let conn = crate::store::db::open_in_memory().unwrap();
        for user in ["alice", "bob", "carol"] {
            read(&conn, NamespaceRef::new(user, "wxapp", None)).unwrap();
        }
        // SQLite re-prepares (parses and plans again) a statement whose plan
        // may depend on a bound value when that value changes, unless the
        // query planner's stability guarantee is on: every call for a new
        // user paid a parse (a sixth of the reference model's time).
        let stmt = conn.prepare_cached(&grants_with_records_sql()).unwrap();
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }
}
