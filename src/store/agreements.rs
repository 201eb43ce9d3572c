//! Privacy-contract agreements: which version of an app's contract each user
//! agreed to (`privacy_agreements`), cached like the namespaces. An agreement
//! counts only if the `agreed` record it names backs it (`record_links.rs`).

use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};

use super::consent_log;
use super::door::StillTrue;
use super::namespace_state::agreement_in;
use super::pseudonyms;
use super::record_links::{self, LaterRecords, Link, LinkedRecord, Owner, LINKED_COLUMNS};
use super::Store;
use crate::consent_record::NewRecord;
use crate::error::Result;
use crate::namespace::Namespace;
use crate::privacy_agreement::Agreement;

impl Store {
    /// What the user agreed to of the app's contract, if anything.
    pub fn agreement(&self, user_id: &str, app_id: &str) -> Result<Option<Arc<Agreement>>> {
        if let Some(agreed) = self.cached_agreement(user_id, app_id) {
            return Ok(agreed);
        }
        let inner = self.lock()?;
        if let Some(agreed) = agreement_in(&self.cache.read(), user_id, app_id) {
            return Ok(agreed.cloned());
        }
        let agreed = backed_agreement(&inner.conn, user_id, app_id)?.map(Arc::new);
        self.cache.remember_agreement(
            &inner,
            Namespace::new(user_id, app_id, None),
            agreed.clone(),
        );
        Ok(agreed)
    }

    /// [`Self::agreement`] from the cache alone, without I/O: `None` when it is
    /// not cached or another connection may have committed since the store
    /// last looked.
    pub fn cached_agreement(&self, user_id: &str, app_id: &str) -> Option<Option<Arc<Agreement>>> {
        let entries = self.cache.fresh()?;
        agreement_in(&entries, user_id, app_id).map(|agreed| agreed.cloned())
    }

    /// Records agreement to a contract version at `at_ms`, durably, with its
    /// consent record — while every `still_true` holds (see [`Store::apply`]).
    pub fn set_agreed_version(
        &self,
        (user_id, app_id): (&str, &str),
        version: &str,
        record: NewRecord,
        at_ms: i64,
        still_true: &[StillTrue<'_>],
    ) -> Result<()> {
        let (scopes, infos) = (record.scopes.clone(), record.infos.clone());
        let (written, ()) = self.through_door(still_true, |passage| {
            let links = consent_log::append(passage, &[record], at_ms)?;
            let link = links.into_iter().next().unwrap_or_default();
            passage.upsert_agreement((user_id, app_id), version, at_ms, &link)
        })?;
        let agreed = Agreement {
            version: version.to_string(),
            scopes,
            infos,
        };
        if written.current {
            self.cache.remember_agreement(
                &written.inner,
                Namespace::new(user_id, app_id, None),
                Some(Arc::new(agreed)),
            );
        }
        Ok(())
    }
}

/// What (user, app) agreed to, if an `agreed` record backs the stored
/// agreement (the record also says which scopes it covers); an agreement no
/// record backs counts as none.
pub(super) fn backed_agreement(
    conn: &Connection,
    user_id: &str,
    app_id: &str,
) -> Result<Option<Agreement>> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT a.contract_version, a.record_seq, a.record_hash, {LINKED_COLUMNS}
             FROM privacy_agreements a LEFT JOIN consent_log c ON c.seq = a.record_seq
             WHERE a.user_id = ?1 AND a.app_id = ?2"
        ))?
        .query_row(params![user_id, app_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Link {
                    seq: r.get::<_, i64>(1)?.max(0) as u64,
                    hash: r.get(2)?,
                },
                LinkedRecord::from_row(r, 3)?,
            ))
        })
        .optional()?;
    let Some((version, link, linked)) = row else {
        return Ok(None);
    };
    let subject = pseudonyms::of(conn, user_id)?;
    let owner = Owner {
        ns: crate::namespace::NamespaceRef::new(user_id, app_id, None),
        subject: subject.as_deref(),
    };
    let later = LaterRecords::read(conn, owner.subject, link.seq)?;
    Ok(
        record_links::agreement_record(&version, &link, owner, linked.as_ref(), &later).map(
            |record| Agreement {
                version,
                scopes: record.scopes,
                infos: record.infos,
            },
        ),
    )
}
