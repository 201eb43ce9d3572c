//! Privacy-contract agreements: which version of an app's contract each user
//! agreed to (`privacy_agreements`), cached like the namespaces.

use rusqlite::{params, OptionalExtension};

use super::consent_log;
use super::namespace_state::agreement_in;
use super::Store;
use crate::consent_record::NewRecord;
use crate::error::Result;
use crate::namespace::Namespace;

impl Store {
    /// Whether the user agreed to exactly `version` of the app's contract
    /// (copies nothing when the answer is cached).
    pub fn has_agreed(&self, user_id: &str, app_id: &str, version: &str) -> Result<bool> {
        let answer = |agreed: Option<&str>| agreed == Some(version);
        if let Some(entries) = self.cache.fresh() {
            if let Some(agreed) = agreement_in(&entries, user_id, app_id) {
                return Ok(answer(agreed));
            }
        }
        let inner = self.lock()?;
        if let Some(agreed) = agreement_in(&self.cache.read(), user_id, app_id) {
            return Ok(answer(agreed));
        }
        let agreed: Option<String> = inner
            .conn
            .prepare_cached(
                "SELECT contract_version FROM privacy_agreements WHERE user_id = ?1 AND app_id = ?2",
            )?
            .query_row(params![user_id, app_id], |r| r.get(0))
            .optional()?;
        let out = answer(agreed.as_deref());
        self.cache
            .remember_agreement(&inner, Namespace::new(user_id, app_id, None), agreed);
        Ok(out)
    }

    /// Records agreement to a contract version, durably, with its consent record
    /// — unless the app was reset or the user forgotten after consent record
    /// `unless_undone_since` (see [`Store::apply`]).
    pub fn set_agreed_version(
        &self,
        user_id: &str,
        app_id: &str,
        version: &str,
        record: NewRecord,
        now_ms: i64,
        unless_undone_since: Option<u64>,
    ) -> Result<()> {
        let (inner, ()) = self.write(|tx| {
            if let Some(seq) = unless_undone_since {
                if consent_log::undone_since(tx, user_id, app_id, seq)? {
                    return Err(crate::error::Error::DecisionOutlived);
                }
            }
            tx.execute(
                "INSERT INTO privacy_agreements (user_id, app_id, contract_version, agreed_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, app_id)
                 DO UPDATE SET contract_version = excluded.contract_version, agreed_at = excluded.agreed_at",
                params![user_id, app_id, version, now_ms],
            )?;
            consent_log::append(tx, &[record], now_ms).map(|_| ())
        })?;
        self.cache.remember_agreement(
            &inner,
            Namespace::new(user_id, app_id, None),
            Some(version.to_string()),
        );
        Ok(())
    }
}
