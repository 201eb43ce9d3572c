//! Subscription messages (SPEC §4–§6): each (user, app)'s main switch and the
//! choices the user kept ("always keep this choice"). Both change only with
//! their consent records, in one transaction, and each row names its record
//! like a grant does (`record_links.rs`): a kept acceptance — the only row that
//! lets something through without asking — counts only if its record says so.
//! Not cached: `requestSubscribeMessage` is rare and needs a tap.

use rusqlite::{params, Connection, OptionalExtension};

use super::consent_log::{self, LogPoint};
use super::door::StillTrue;
use super::pseudonyms;
use super::record_links::{self, LaterRecords, Link, LinkedRecord, Owner, LINKED_COLUMNS};
use super::Store;
use crate::consent_record::{NewRecord, Recorded};
use crate::error::Result;
use crate::namespace::NamespaceRef;

/// One (user, app)'s subscription settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriptions {
    /// Whether the app may ask at all (the user's main switch; on unless turned off).
    pub main_switch: bool,
    /// The kept choices, by template id: `true` accept, `false` reject.
    pub kept: Vec<(String, bool)>,
}

impl Subscriptions {
    /// The kept choice of `tmpl_id`, if any.
    pub fn kept(&self, tmpl_id: &str) -> Option<bool> {
        self.kept
            .iter()
            .find(|(id, _)| id == tmpl_id)
            .map(|(_, accept)| *accept)
    }
}

/// A kept choice as stored, with the record it names.
struct ChoiceRow {
    tmpl_id: String,
    accept: bool,
    link: Link,
    linked: Option<LinkedRecord>,
}

fn choice_rows(conn: &Connection, user_id: &str, app_id: &str) -> Result<Vec<ChoiceRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT s.tmpl_id, s.choice, s.record_seq, s.record_hash, {LINKED_COLUMNS}
         FROM subscription_choices s LEFT JOIN consent_log c ON c.seq = s.record_seq
         WHERE s.user_id = ?1 AND s.app_id = ?2 ORDER BY s.tmpl_id"
    ))?;
    let rows = stmt.query_map(params![user_id, app_id], |r| {
        Ok(ChoiceRow {
            tmpl_id: r.get(0)?,
            accept: r.get::<_, String>(1)? == "accept",
            link: Link {
                seq: r.get::<_, i64>(2)?.max(0) as u64,
                hash: r.get(3)?,
            },
            linked: LinkedRecord::from_row(r, 4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a kept choice's record backs it.
fn backed(conn: &Connection, user_id: &str, app_id: &str, row: &ChoiceRow) -> Result<bool> {
    let subject = pseudonyms::of(conn, user_id)?;
    let owner = Owner {
        ns: NamespaceRef::new(user_id, app_id, None),
        subject: subject.as_deref(),
    };
    let later = LaterRecords::read(conn, owner.subject, row.link.seq)?;
    Ok(record_links::kept_choice_backed(
        &row.tmpl_id,
        row.accept,
        &row.link,
        owner,
        row.linked.as_ref(),
        &later,
    ))
}

/// The main switch of (user, app) as stored, if the user ever set it.
pub(super) fn stored_main_switch(
    conn: &Connection,
    user_id: &str,
    app_id: &str,
) -> Result<Option<bool>> {
    Ok(conn
        .prepare_cached(
            "SELECT main_switch FROM subscription_switches WHERE user_id = ?1 AND app_id = ?2",
        )?
        .query_row(params![user_id, app_id], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|on| on != 0))
}

/// The subscription settings of (user, app) (see [`Store::subscriptions`]).
pub(super) fn read(conn: &Connection, user_id: &str, app_id: &str) -> Result<Subscriptions> {
    let main_switch = stored_main_switch(conn, user_id, app_id)?.unwrap_or(true);
    let mut kept = Vec::new();
    for row in choice_rows(conn, user_id, app_id)? {
        if !row.accept || backed(conn, user_id, app_id, &row)? {
            kept.push((row.tmpl_id, row.accept));
        }
    }
    Ok(Subscriptions { main_switch, kept })
}

/// Every kept choice no record backs, described for `audit verify`.
pub(super) fn unmatched_rows(conn: &Connection) -> Result<Vec<String>> {
    let pairs: Vec<(String, String)> = conn
        .prepare("SELECT DISTINCT user_id, app_id FROM subscription_choices ORDER BY 1, 2")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (user, app) in pairs {
        for row in choice_rows(conn, &user, &app)? {
            if !backed(conn, &user, &app, &row)? {
                out.push(format!(
                    "subscription_choices row (user {user}, app {app}, template {}): no consent record says so",
                    row.tmpl_id
                ));
            }
        }
    }
    Ok(out)
}

impl Store {
    /// The subscription settings of (user, app), as far as the consent log backs
    /// them: a kept acceptance without its record is left out (asked again); a
    /// kept rejection stands either way (it lets nothing through).
    pub fn subscriptions(&self, user_id: &str, app_id: &str) -> Result<Subscriptions> {
        let inner = self.lock()?;
        read(&inner.conn, user_id, app_id)
    }

    /// Records the answers of one subscribe dialog (`records`, one per template,
    /// with its template and decision) and, with `keep`, keeps the accepted and
    /// rejected ones — one durable transaction, written only if the app was
    /// not reset nor the user forgotten since the dialog opened (`opened`).
    pub fn record_subscriptions(
        &self,
        (user_id, app_id): (&str, &str),
        records: &[NewRecord],
        keep: bool,
        now_ms: i64,
        opened: &LogPoint,
    ) -> Result<()> {
        let still_true = StillTrue::dialog_current(user_id, app_id, Some(opened));
        self.through_door(still_true.as_slice(), |passage| {
            let links = consent_log::append(passage, records, now_ms)?;
            if !keep {
                return Ok(());
            }
            for (record, link) in records.iter().zip(links) {
                let choice = match record.decision {
                    Recorded::Subscribed => "accept",
                    Recorded::Declined => "reject",
                    _ => continue,
                };
                let Some(tmpl_id) = &record.template else {
                    continue;
                };
                passage.upsert_kept_choice((user_id, app_id, tmpl_id), choice, &link)?;
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Changes kept choices (the settings page, an import): `Some(accept)`
    /// keeps that choice, `None` forgets it (asked again); each change with its
    /// record (`records`, in the same order) at `at_ms`, in one durable
    /// transaction — written only while every `still_true` holds (the page's
    /// app not reset nor its user forgotten since it opened; an import's key
    /// undecided).
    pub fn change_kept_choices(
        &self,
        (user_id, app_id): (&str, &str),
        changes: &[(String, Option<bool>)],
        records: &[NewRecord],
        at_ms: i64,
        still_true: &[StillTrue<'_>],
    ) -> Result<()> {
        self.through_door(still_true, |passage| {
            let links = consent_log::append(passage, records, at_ms)?;
            for ((tmpl_id, change), link) in changes.iter().zip(links) {
                match change {
                    None => passage.delete_kept_choice((user_id, app_id, tmpl_id))?,
                    Some(accept) => {
                        let choice = if *accept { "accept" } else { "reject" };
                        passage.upsert_kept_choice((user_id, app_id, tmpl_id), choice, &link)?;
                    }
                }
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Turns the app's subscription messages on or off for the user, with its
    /// record at `at_ms` — while every `still_true` holds (a settings page
    /// still standing; an import's key undecided).
    pub fn set_subscriptions_switch(
        &self,
        (user_id, app_id): (&str, &str),
        on: bool,
        record: NewRecord,
        at_ms: i64,
        still_true: &[StillTrue<'_>],
    ) -> Result<()> {
        self.through_door(still_true, |passage| {
            let links = consent_log::append(passage, &[record], at_ms)?;
            let link = links.into_iter().next().unwrap_or_default();
            passage.upsert_main_switch((user_id, app_id), on, &link)
        })
        .map(|_| ())
    }
}
