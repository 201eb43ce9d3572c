//! Every SQL statement that changes a guarded table (grants, dismissal counts,
//! privacy agreements, subscription settings, user keys, the consent log and
//! its head, and sync's device clock, upload progress, tombstones and held
//! records), each a method of the door's [`Passage`]: the only place in the
//! crate such a statement may live (`tests/writers.rs` checks).

use rusqlite::params;

use super::Passage;
use crate::embargo::Dismissals;
use crate::error::Result;
use crate::namespace::NamespaceRef;
use crate::store::grant_row::GrantRow;
use crate::store::record_links::Link;

/// The tables besides `grants` that hold a user's state in an app: what
/// resetting the app or forgetting the user removes.
pub(in crate::store) const APP_TABLES: [&str; 4] = [
    "privacy_agreements",
    "prompt_fatigue",
    "subscription_switches",
    "subscription_choices",
];

/// `<table> WHERE …`: the rows of app `?1` for user `?2` (`one_user`) or for
/// every user. The per-user form leads with `user_id`, the first column of
/// every table's key, so it reads that user's rows only, however many users the
/// file holds; a single form with `?2 IS NULL OR user_id = ?2` read every row
/// of every table (the reference model's runs grew slower with each user).
pub(in crate::store) fn app_rows(table: &str, one_user: bool) -> String {
    if one_user {
        format!("{table} WHERE user_id = ?2 AND app_id = ?1")
    } else {
        format!("{table} WHERE app_id = ?1 AND ?2 IS NULL")
    }
}

impl Passage<'_> {
    /// Appends one record row to the consent log.
    pub fn insert_record(
        &self,
        seq: u64,
        subject: &str,
        text: &str,
        prev_hash: &str,
        hash: &str,
    ) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO consent_log (seq, user_id, record, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![seq as i64, subject, text, prev_hash, hash])?;
        Ok(())
    }

    /// Moves the log's head.
    pub fn set_head(&self, seq: u64, hash: &str) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO consent_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )?
        .execute(params![seq as i64, hash])?;
        Ok(())
    }

    /// Gives `user_id` a new random pseudonym secret (from SQLite's
    /// cryptographically seeded generator).
    pub fn new_user_key(&self, user_id: &str) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO user_keys (user_id, secret) VALUES (?1, lower(hex(randomblob(32))))",
        )?
        .execute(params![user_id])?;
        Ok(())
    }

    /// Destroys `user_id`'s pseudonym secret.
    pub fn delete_user_key(&self, user_id: &str) -> Result<()> {
        self.execute("DELETE FROM user_keys WHERE user_id = ?1", params![user_id])?;
        Ok(())
    }

    /// Inserts or replaces the row of `row.scope` in `ns`, with its check.
    pub fn upsert_grant(&self, ns: NamespaceRef<'_>, row: &GrantRow) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO grants (user_id, app_id, plugin_id, scope, state, source, updated_at,
                                 expires_at, denials, purpose, contract_version, last_used_at,
                                 consent_known, row_check, record_seq, record_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (user_id, app_id, plugin_id, scope) DO UPDATE SET
                 state = excluded.state, source = excluded.source,
                 updated_at = excluded.updated_at, expires_at = excluded.expires_at,
                 denials = excluded.denials, purpose = excluded.purpose,
                 contract_version = excluded.contract_version,
                 last_used_at = excluded.last_used_at,
                 consent_known = excluded.consent_known, row_check = excluded.row_check,
                 record_seq = excluded.record_seq, record_hash = excluded.record_hash",
        )?
        .execute(params![
            ns.user_id,
            ns.app_id,
            ns.plugin_id,
            row.scope,
            row.state,
            row.source,
            row.updated_at_ms,
            row.expires_at_ms,
            row.denials,
            row.purpose,
            row.contract_version,
            row.last_used_at_ms,
            row.consent_known as i64,
            row.check(ns),
            row.link.seq as i64,
            row.link.hash,
        ])?;
        Ok(())
    }

    /// Removes the row of `scope` in `ns`, if there is one.
    pub fn delete_grant(&self, ns: NamespaceRef<'_>, scope: &str) -> Result<()> {
        self.prepare_cached(
            "DELETE FROM grants WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
        )?
        .execute(params![ns.user_id, ns.app_id, ns.plugin_id, scope])?;
        Ok(())
    }

    /// Removes the time-limited grant of `scope` in `ns` only if it is still
    /// the one ending at `ends_at_ms`; whether it was.
    pub fn delete_grant_ending_at(
        &self,
        ns: NamespaceRef<'_>,
        scope: &str,
        ends_at_ms: i64,
    ) -> Result<bool> {
        let removed = self
            .prepare_cached(
                "DELETE FROM grants WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3
                 AND scope = ?4 AND state = 1 AND expires_at = ?5",
            )?
            .execute(params![
                ns.user_id,
                ns.app_id,
                ns.plugin_id,
                scope,
                ends_at_ms
            ])?;
        Ok(removed > 0)
    }

    /// Notes when the grant of `scope` in `ns` was last used (advisory: what
    /// auto-revoke reads; it changes nothing the grant allows).
    pub fn note_grant_used(&self, ns: NamespaceRef<'_>, scope: &str, at_ms: i64) -> Result<()> {
        self.prepare_cached(
            "UPDATE grants SET last_used_at = ?5
             WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
        )?
        .execute(params![ns.user_id, ns.app_id, ns.plugin_id, scope, at_ms])?;
        Ok(())
    }

    /// Clears the dismissal count of `scope` in `ns`.
    pub fn clear_dismissals(&self, ns: NamespaceRef<'_>, scope: &str) -> Result<()> {
        self.prepare_cached(
            "DELETE FROM prompt_fatigue WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
        )?
        .execute(params![ns.user_id, ns.app_id, ns.plugin_id, scope])?;
        Ok(())
    }

    /// Stores the dismissal count of `scope` in `ns`.
    pub fn set_dismissals(
        &self,
        ns: NamespaceRef<'_>,
        scope: &str,
        dismissals: &Dismissals,
    ) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO prompt_fatigue (user_id, app_id, plugin_id, scope, dismissals, last_dismissed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, app_id, plugin_id, scope) DO UPDATE SET
                 dismissals = excluded.dismissals, last_dismissed_at = excluded.last_dismissed_at",
        )?
        .execute(params![
            ns.user_id,
            ns.app_id,
            ns.plugin_id,
            scope,
            dismissals.count,
            dismissals.last_at_ms
        ])?;
        Ok(())
    }

    /// Stores (user, app)'s agreement to contract `version`, linked to its record.
    pub fn upsert_agreement(
        &self,
        (user_id, app_id): (&str, &str),
        version: &str,
        at_ms: i64,
        link: &Link,
    ) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO privacy_agreements (user_id, app_id, contract_version, agreed_at,
                                             record_seq, record_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, app_id)
             DO UPDATE SET contract_version = excluded.contract_version, agreed_at = excluded.agreed_at,
                           record_seq = excluded.record_seq, record_hash = excluded.record_hash",
        )?
        .execute(params![user_id, app_id, version, at_ms, link.seq as i64, link.hash])?;
        Ok(())
    }

    /// Keeps `choice` (`accept`/`reject`) of (user, app, template), linked to
    /// its record.
    pub fn upsert_kept_choice(
        &self,
        (user_id, app_id, tmpl_id): (&str, &str, &str),
        choice: &str,
        link: &Link,
    ) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO subscription_choices (user_id, app_id, tmpl_id, choice, record_seq, record_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, app_id, tmpl_id) DO UPDATE SET
                 choice = excluded.choice, record_seq = excluded.record_seq,
                 record_hash = excluded.record_hash",
        )?
        .execute(params![user_id, app_id, tmpl_id, choice, link.seq as i64, link.hash])?;
        Ok(())
    }

    /// Forgets the kept choice of (user, app, template).
    pub fn delete_kept_choice(&self, (user_id, app_id, tmpl_id): (&str, &str, &str)) -> Result<()> {
        self.prepare_cached(
            "DELETE FROM subscription_choices WHERE user_id = ?1 AND app_id = ?2 AND tmpl_id = ?3",
        )?
        .execute(params![user_id, app_id, tmpl_id])?;
        Ok(())
    }

    /// Sets (user, app)'s subscription main switch, linked to its record.
    pub fn upsert_main_switch(
        &self,
        (user_id, app_id): (&str, &str),
        on: bool,
        link: &Link,
    ) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO subscription_switches (user_id, app_id, main_switch, record_seq, record_hash)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (user_id, app_id) DO UPDATE SET
                 main_switch = excluded.main_switch, record_seq = excluded.record_seq,
                 record_hash = excluded.record_hash",
        )?
        .execute(params![user_id, app_id, on as i64, link.seq as i64, link.hash])?;
        Ok(())
    }

    /// Removes everything of app `app_id` for `user_id` (or every user):
    /// grants (its plugins' too) and [`APP_TABLES`]. Returns how many grants.
    pub fn delete_app_rows(&self, app_id: &str, user_id: Option<&str>) -> Result<u64> {
        let one_user = user_id.is_some();
        let removed = self.execute(
            &format!("DELETE FROM {}", app_rows("grants", one_user)),
            params![app_id, user_id],
        )?;
        for table in APP_TABLES {
            self.execute(
                &format!("DELETE FROM {}", app_rows(table, one_user)),
                params![app_id, user_id],
            )?;
        }
        Ok(removed as u64)
    }

    /// Makes this device's sync row: a random id and tombstone secret (from
    /// SQLite's cryptographically seeded generator), its clock at zero.
    pub fn make_sync_device(&self) -> Result<()> {
        self.execute(
            "INSERT OR IGNORE INTO sync_device (id, device_id, secret, hlc_wall, hlc_counter)
             VALUES (1, 'd-' || lower(hex(randomblob(16))), lower(hex(randomblob(32))), 0, 0)",
            [],
        )?;
        Ok(())
    }

    /// Stores this device's hybrid-logical-clock stamp — only ever forward:
    /// a writer holding an older reading cannot move it back.
    pub fn set_sync_clock(&self, last: crate::sync::Stamp) -> Result<()> {
        self.prepare_cached(
            "UPDATE sync_device SET hlc_wall = ?1, hlc_counter = ?2
             WHERE id = 1 AND (hlc_wall, hlc_counter) < (?1, ?2)",
        )?
        .execute(params![last.wall_ms, i64::from(last.counter)])?;
        Ok(())
    }

    /// Notes that the records of `subject` up to `seq` were uploaded (never
    /// moving back).
    pub fn set_uploaded_through(&self, subject: &str, seq: u64) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO sync_uploaded (subject, through_seq) VALUES (?1, ?2)
             ON CONFLICT (subject) DO UPDATE SET through_seq = max(through_seq, excluded.through_seq)",
        )?
        .execute(params![subject, seq as i64])?;
        Ok(())
    }

    /// Forgets how far `subject`'s records were uploaded (all go again), and
    /// whether the forget tombstone `tag` was.
    pub fn reset_uploaded(&self, subject: Option<&str>, tag: &str) -> Result<()> {
        self.execute(
            "DELETE FROM sync_uploaded WHERE subject = ?1",
            params![subject],
        )?;
        self.execute(
            "UPDATE sync_forgotten SET uploaded = 0 WHERE tag = ?1",
            params![tag],
        )?;
        Ok(())
    }

    /// Files a forget tombstone under `tag` (keeping the newest).
    pub fn upsert_tombstone(
        &self,
        tag: &str,
        stamp: crate::sync::Stamp,
        device: &str,
        record_seq: u64,
        uploaded: bool,
    ) -> Result<()> {
        self.prepare_cached(
            "INSERT INTO sync_forgotten (tag, hlc, device, record_seq, uploaded)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tag) DO UPDATE SET hlc = excluded.hlc, device = excluded.device,
                 record_seq = excluded.record_seq, uploaded = excluded.uploaded
             WHERE (excluded.hlc, excluded.device) > (sync_forgotten.hlc, sync_forgotten.device)",
        )?
        .execute(params![
            tag,
            stamp.to_string(),
            device,
            record_seq as i64,
            uploaded as i64
        ])?;
        Ok(())
    }

    /// Notes that this device's forget filed under `tag` was uploaded, and
    /// lets go of where its record is (nothing in the tombstone then points
    /// at the forgotten pseudonym's records).
    pub fn set_tombstone_uploaded(&self, tag: &str) -> Result<()> {
        self.prepare_cached(
            "UPDATE sync_forgotten SET uploaded = 1, record_seq = 0 WHERE tag = ?1",
        )?
        .execute(params![tag])?;
        Ok(())
    }

    /// Keeps a record from a newer core, as it came, unapplied.
    pub fn hold_record(&self, subject: &str, record_id: &str, record: &str) -> Result<bool> {
        let added = self
            .prepare_cached(
                "INSERT OR IGNORE INTO sync_held (subject, record_id, record) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![subject, record_id, record])?;
        Ok(added > 0)
    }

    /// Stops keeping a held record (it was applied).
    pub fn release_held(&self, subject: &str, record_id: &str) -> Result<()> {
        self.prepare_cached("DELETE FROM sync_held WHERE subject = ?1 AND record_id = ?2")?
            .execute(params![subject, record_id])?;
        Ok(())
    }

    /// Removes what sync keeps of `subject` (a forgotten user's pseudonym):
    /// upload progress and held records.
    pub fn delete_sync_rows_of(&self, subject: &str) -> Result<()> {
        self.execute(
            "DELETE FROM sync_uploaded WHERE subject = ?1",
            params![subject],
        )?;
        self.execute("DELETE FROM sync_held WHERE subject = ?1", params![subject])?;
        Ok(())
    }

    /// Removes every row of `user_id` but their key. Returns how many grants.
    pub fn delete_user_rows(&self, user_id: &str) -> Result<u64> {
        let removed = self.execute("DELETE FROM grants WHERE user_id = ?1", params![user_id])?;
        for table in APP_TABLES {
            self.execute(
                &format!("DELETE FROM {table} WHERE user_id = ?1"),
                params![user_id],
            )?;
        }
        Ok(removed as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan for `sql`, one line per step.
    fn plan(sql: &str) -> String {
        let conn = crate::store::db::open_in_memory().unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps: Vec<String> = stmt
            .query_map(params!["wxapp", "user"], |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        steps.join("\n")
    }

    #[test]
    fn resetting_an_app_for_one_user_reads_only_that_users_rows() {
        for table in std::iter::once("grants").chain(APP_TABLES) {
            for sql in [
                format!("DELETE FROM {}", app_rows(table, true)),
                format!("SELECT user_id FROM {}", app_rows(table, true)),
            ] {
                let plan = plan(&sql);
                assert!(
                    plan.contains("SEARCH") && !plan.contains("SCAN"),
                    "{sql}: {plan}"
                );
            }
        }
    }
}
