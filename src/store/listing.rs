//! Read-only administration — the grants of a user, the users with decisions,
//! the consent log's records, head and verification — and appending records that
//! change no state.

use rusqlite::params;

use super::consent_log::{self, LogPoint};
use super::grant_row::{self, GrantRow};
use super::pseudonyms;
use super::record_links::{self, LaterRecords, LinkedRecord, Owner, LINKED_COLUMNS};
use super::Store;
use crate::admin_records::Grant;
use crate::consent_record::{ConsentRecord, Head, LogVerification, NewRecord};
use crate::embargo::Dismissals;
use crate::error::Result;
use crate::namespace::NamespaceRef;

impl Store {
    /// Lists grants of a user, optionally of one app, in a stable order, as the
    /// engine honours them: damaged rows (see `grant_row.rs`) and grants no
    /// consent record backs (`record_links.rs`) are left out — they count as
    /// unasked.
    pub fn list(&self, user_id: &str, app_id: Option<&str>) -> Result<Vec<Grant>> {
        let inner = self.lock()?;
        let subject = pseudonyms::of(&inner.conn, user_id)?;
        // The records after the oldest grant's: what may decide a grant again.
        let oldest: Option<i64> = inner.conn.query_row(
            "SELECT MIN(record_seq) FROM grants WHERE user_id = ?1 AND state = 1",
            params![user_id],
            |r| r.get(0),
        )?;
        let later = match oldest {
            Some(seq) => LaterRecords::read(&inner.conn, subject.as_deref(), seq.max(0) as u64)?,
            None => LaterRecords::default(),
        };
        let mut stmt = inner.conn.prepare_cached(&format!(
            "SELECT g.app_id, g.plugin_id, {}, {LINKED_COLUMNS}
             FROM grants g LEFT JOIN consent_log c ON c.seq = g.record_seq
             WHERE g.user_id = ?1 AND (?2 IS NULL OR g.app_id = ?2)
             ORDER BY g.app_id, g.plugin_id, g.scope",
            grant_row::COLUMNS
        ))?;
        let rows = stmt.query_map(params![user_id, app_id], |r| {
            let app: String = r.get(0)?;
            let plugin: String = r.get(1)?;
            let row = GrantRow::from_row(r, 2)?;
            let linked = LinkedRecord::from_row(r, 2 + grant_row::COLUMN_COUNT)?;
            let ns = NamespaceRef::new(user_id, &app, Some(&plugin));
            let owner = Owner {
                ns,
                subject: subject.as_deref(),
            };
            let honoured = row
                .is_sound(ns)
                .then(|| record_links::honoured(&row, owner, linked.as_ref(), &later))
                .flatten();
            Ok(honoured.map(|stored| Grant {
                state: stored.state,
                expires_at_ms: stored.expires_at_ms,
                ..row.grant(ns)
            }))
        })?;
        Ok(rows.filter_map(|row| row.ok().flatten()).collect())
    }

    /// The dismissals in a row of every scope of `user_id` that has any:
    /// (app, plugin or `""`, scope, dismissals), in a stable order.
    pub fn dismissals_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<(String, String, String, Dismissals)>> {
        let inner = self.lock()?;
        let mut stmt = inner.conn.prepare_cached(
            "SELECT app_id, plugin_id, scope, dismissals, last_dismissed_at FROM prompt_fatigue
             WHERE user_id = ?1 ORDER BY app_id, plugin_id, scope",
        )?;
        let rows = stmt.query_map(params![user_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                Dismissals {
                    count: r.get::<_, i64>(3)?.clamp(0, u32::MAX as i64) as u32,
                    last_at_ms: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every user id with anything stored about them: a grant, an agreement,
    /// a dismissal count, or consent records (their pseudonym's key; a
    /// forgotten user's key is gone).
    pub fn users(&self) -> Result<Vec<String>> {
        let inner = self.lock()?;
        let mut stmt = inner.conn.prepare_cached(
            "SELECT user_id FROM grants UNION SELECT user_id FROM privacy_agreements
             UNION SELECT user_id FROM prompt_fatigue UNION SELECT user_id FROM user_keys
             ORDER BY 1",
        )?;
        let users = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(users)
    }

    /// Appends consent records that change no state (a disagreement).
    pub fn append_records(&self, records: &[NewRecord], now_ms: i64) -> Result<()> {
        self.through_door(&[], |passage| consent_log::append(passage, records, now_ms))
            .map(|_| ())
    }

    /// Whether the log holds, since `point`, a decision about `scope` in `ns`
    /// or a reset or forgetting that covers it (see
    /// `consent_log::decided_since`).
    pub fn decided_since(
        &self,
        ns: NamespaceRef<'_>,
        scope: &str,
        point: &LogPoint,
    ) -> Result<bool> {
        let inner = self.lock()?;
        consent_log::decided_since(&inner.conn, ns, scope, point)
    }

    /// Where the log stands now for `user_id` (see `consent_log::point_now`).
    /// A user without a pseudonym gets one (so that forgetting them meanwhile,
    /// in any process, is seen): a write that is not synced on its own — the
    /// decision's commit, later in the same WAL, makes both durable with one
    /// sync.
    pub fn log_point(&self, user_id: &str) -> Result<LogPoint> {
        {
            let inner = self.lock()?;
            if let Some(subject) = pseudonyms::of(&inner.conn, user_id)? {
                return Ok(LogPoint {
                    seq: consent_log::head(&inner.conn)?.seq,
                    subject: Some(subject),
                });
            }
        }
        self.through_door_unsynced(|passage| consent_log::point_now(passage, user_id))
    }

    /// How many times this store found another connection's commits (its
    /// cache dropped); what an allow-once grant was last checked against.
    pub fn external_commits(&self) -> u64 {
        self.cache.external_commits()
    }

    /// The user's allow-once answers still the last word on their scope
    /// (no later decision about it, reset of its app — for them or everyone —
    /// or forgetting): (app, plugin or `""`, scope, when). Never stored as
    /// grants, they are read from the log.
    pub fn allow_once_answers(&self, user_id: &str) -> Result<Vec<(String, String, String, i64)>> {
        let inner = self.lock()?;
        let subject = pseudonyms::of(&inner.conn, user_id)?;
        Ok(LaterRecords::read(&inner.conn, subject.as_deref(), 0)?.allow_once_answers(user_id))
    }

    /// The consent records of one user (or everyone), oldest first.
    pub fn consent_records(&self, user_id: Option<&str>) -> Result<Vec<ConsentRecord>> {
        let inner = self.lock()?;
        consent_log::records(&inner.conn, user_id)
    }

    /// Checks the whole consent log.
    pub fn verify_consent_log(&self) -> Result<LogVerification> {
        let inner = self.lock()?;
        consent_log::verify(&inner.conn)
    }

    /// The end of the consent log's chain.
    pub fn consent_log_head(&self) -> Result<Head> {
        let inner = self.lock()?;
        consent_log::head(&inner.conn)
    }
}
