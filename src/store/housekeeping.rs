//! Housekeeping: resetting an app (as on its deletion), forgetting a user, and
//! maintenance (ended time-limited grants, auto-revoke of unused ones). Each
//! runs in one durable transaction that also appends a consent record per
//! decision it undoes, and drops what the cache holds of what it touched.

use rusqlite::params;

use super::consent_log;
use super::door::{app_rows, APP_TABLES};
use super::pseudonyms;
use super::sync_device::Device;
use super::Store;
use crate::admin_records::{DecisionSource, MaintenanceReport};
use crate::consent_record::{NewRecord, RecordSource, Recorded};
use crate::error::Result;
use crate::namespace::NamespaceRef;

/// The users with anything stored in app `?1` (only `?2` with `one_user`).
fn users_of_app_sql(one_user: bool) -> String {
    let selects: Vec<String> = std::iter::once("grants")
        .chain(APP_TABLES)
        .map(|table| format!("SELECT user_id FROM {}", app_rows(table, one_user)))
        .collect();
    format!("{} ORDER BY 1", selects.join(" UNION "))
}

impl Store {
    /// Forgets everything about an app for one user (`Some`) or for every user
    /// (`None`): grants of the app and its plugins, dismissal counts, the
    /// privacy agreement and subscription settings; a `reset` record per (user, app) affected. Returns how
    /// many grants were removed.
    pub fn reset_app(&self, user_id: Option<&str>, app_id: &str, now_ms: i64) -> Result<u64> {
        let (written, removed) = self.through_door(&[], |passage| {
            let users: Vec<String> = passage
                .prepare(&users_of_app_sql(user_id.is_some()))?
                .query_map(params![app_id, user_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let removed = passage.delete_app_rows(app_id, user_id)?;
            // A record per user whose decisions went; for one user, that user's
            // even when nothing was stored; for everyone, also one naming no
            // user ("every user"), so that a dialog still open anywhere learns of
            // the reset (`consent_log::undone_since`).
            let mut users = users;
            match user_id {
                Some(user) if !users.iter().any(|u| u == user) => users.push(user.to_string()),
                Some(_) => {}
                None => users.push(String::new()),
            }
            let records: Vec<NewRecord> = users
                .iter()
                .map(|user| {
                    let app = NamespaceRef::new(user, app_id, None);
                    let mut record =
                        NewRecord::new(app, None, Recorded::Reset, RecordSource::Reset);
                    // The app deleted from this device for every user is this
                    // device's fact; a user's own reset syncs (SPEC §10).
                    record.device_only = user_id.is_none();
                    record
                })
                .collect();
            consent_log::append(passage, &records, now_ms)?;
            Ok(removed)
        })?;
        let mut cache = self.cache.write(&written.inner);
        cache
            .namespaces
            .retain(|ns, _| !(ns.app_id == app_id && user_id.is_none_or(|u| ns.user_id == u)));
        cache
            .agreements
            .retain(|key, _| !(key.app_id == app_id && user_id.is_none_or(|u| key.user_id == u)));
        Ok(removed)
    }

    /// Forgets a user's decisions (grants, dismissal counts, agreements) and
    /// records that it did, then destroys the user's pseudonym secret: the
    /// consent log keeps every record (the evidence of what was consented to;
    /// it is append-only, and still verifies), but none of them names the user
    /// any more. Returns how many grants were removed.
    pub fn forget_user(&self, user_id: &str, now_ms: i64) -> Result<u64> {
        if let Some(path) = &self.path {
            super::db::begin_erasure(path)?;
        }
        let (written, removed) = self.through_door(&[], |passage| {
            let removed = passage.delete_user_rows(user_id)?;
            let everyone = NamespaceRef::new(user_id, "", None);
            let record = NewRecord::new(everyone, None, Recorded::Forgotten, DecisionSource::Admin);
            let subject = pseudonyms::of(passage, user_id)?;
            let appended = consent_log::append_stamped(passage, &[record], now_ms)?;
            // The tombstone every other device learns the forget from (SPEC
            // §10), and that keeps older facts about the id from coming back.
            if let Some((link, Some(stamp))) = appended.first() {
                let device = Device::read_or_make(passage)?;
                let tag = device.forgotten_tag(user_id);
                passage.upsert_tombstone(&tag, *stamp, &device.id, link.seq, false)?;
            }
            if let Some(subject) = subject {
                passage.delete_sync_rows_of(&subject)?;
            }
            pseudonyms::forget(passage, user_id)?;
            Ok(removed)
        })?;
        #[cfg(feature = "test-hooks")]
        crate::test_hooks::maybe_crash_after_forget_commit();
        // The deleted rows were zeroed (`secure_delete`) in the pages this
        // commit wrote; the -wal still holds earlier versions of them, and the
        // main file its old pages, until checkpointed: do it now, and truncate.
        if let Some(path) = &self.path {
            super::db::finish_erasure(&written.inner.conn, path);
        }
        let mut cache = self.cache.write(&written.inner);
        cache.namespaces.retain(|ns, _| ns.user_id != user_id);
        cache.agreements.retain(|key, _| key.user_id != user_id);
        Ok(removed)
    }

    /// Removes ended time-limited grants and (with `unused_before_ms`) grants last
    /// used (or, never used, decided) before that time; one consent record each.
    pub fn maintenance(
        &self,
        now_ms: i64,
        unused_before_ms: Option<i64>,
    ) -> Result<MaintenanceReport> {
        let (written, report) = self.through_door(&[], |passage| {
            let mut records = Vec::new();
            let mut remove =
                |sql: &str, at: i64, decision: Recorded, source: RecordSource| -> Result<u64> {
                    let rows: Vec<(String, String, String, String)> = passage
                        .prepare(sql)?
                        .query_map(params![at], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                        })?
                        .collect::<rusqlite::Result<_>>()?;
                    for (user, app, plugin, scope) in &rows {
                        let ns = NamespaceRef::new(user, app, Some(plugin));
                        passage.delete_grant(ns, scope)?;
                        records.push(NewRecord::new(ns, Some(scope), decision, source));
                    }
                    Ok(rows.len() as u64)
                };
            let removed_expired = remove(
                "SELECT user_id, app_id, plugin_id, scope FROM grants
                 WHERE state = 1 AND expires_at IS NOT NULL AND expires_at <= ?1",
                now_ms,
                Recorded::Expired,
                RecordSource::Expiry,
            )?;
            let revoked_unused = match unused_before_ms {
                Some(before) => remove(
                    "SELECT user_id, app_id, plugin_id, scope FROM grants
                     WHERE state = 1 AND COALESCE(last_used_at, updated_at) < ?1",
                    before,
                    Recorded::Revoked,
                    RecordSource::AutoRevoke,
                )?,
                None => 0,
            };
            consent_log::append(passage, &records, now_ms)?;
            Ok(MaintenanceReport {
                revoked_unused,
                removed_expired,
            })
        })?;
        if report.revoked_unused + report.removed_expired > 0 {
            self.cache.write(&written.inner).namespaces.clear();
        }
        Ok(report)
    }

    /// Stores that the time-limited grant of `scope` in `ns`, ending at
    /// `ends_at_ms`, was seen ended at `now_ms`: the row is removed with an
    /// `expired` record, as maintenance would, so that no later process on a
    /// clock set back revives it. Best effort (the engine's clock never goes
    /// back within the process either way); nothing happens if the row changed.
    pub fn note_expired(&self, ns: NamespaceRef<'_>, scope: &str, ends_at_ms: i64, now_ms: i64) {
        if now_ms < ends_at_ms {
            return;
        }
        let written = self.through_door(&[], |passage| {
            let removed = passage.delete_grant_ending_at(ns, scope, ends_at_ms)?;
            if removed {
                let record =
                    NewRecord::new(ns, Some(scope), Recorded::Expired, RecordSource::Expiry);
                consent_log::append(passage, &[record], now_ms)?;
            }
            Ok(removed)
        });
        if let Ok((written, true)) = written {
            let key = ns.to_owned();
            self.cache.write(&written.inner).namespaces.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_one_users_apps_reads_only_that_users_rows() {
        let conn = crate::store::db::open_in_memory().unwrap();
        let sql = format!("EXPLAIN QUERY PLAN {}", users_of_app_sql(true));
        let mut stmt = conn.prepare(&sql).unwrap();
        let plan: Vec<String> = stmt
            .query_map(params!["wxapp", "user"], |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!plan.join("\n").contains("SCAN"), "{plan:?}");
    }
}
