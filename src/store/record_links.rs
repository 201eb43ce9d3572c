//! The link from each stored grant and agreement to the consent record behind it
//! (issue #11, SPEC §8): a row is honoured only if the consent log holds the
//! decision it says was made.
//!
//! Every `grants` and `privacy_agreements` row names its record (`record_seq`,
//! `record_hash`), written in the same transaction. Reading a row reads its
//! record too (one join on the log's primary key) and checks that the record is
//! there, that its hash is its own (recomputed) and the one the row names, and
//! that it says what the row says, about the same user (by pseudonym), app,
//! plugin and scope. A grant without such a record grants nothing; a denial
//! stays a denial (it grants nothing either way), and a row whose record says
//! "denied" is a denial whatever the row says. `audit verify` names every row
//! without a matching record.
//!
//! The latest record rules (issue #20): a row is honoured only if the record it
//! links to is the latest decision for its key — no later record of the same
//! user about the same scope (agreement, template) and no later reset of the
//! app or forgetting of the user ([`LaterRecords`]). A row copied before a
//! revocation or reset and put back afterwards links to a genuine record, but
//! not the latest: it grants nothing, and `audit verify` names it.
//!
//! What this does not stop: someone who can rewrite the file can also append a
//! well-formed record to the chain (the hashes are keyless). README
//! "Tamper evidence" says how a host closes that.

use rusqlite::{Connection, Row};

use super::consent_log;
use super::grant_row::{GrantRow, StoredGrant, COLUMNS, COLUMN_COUNT};
use super::pseudonyms;
use crate::consent_record::ConsentRecord;
use crate::error::Result;
use crate::namespace::NamespaceRef;
use crate::policy::GrantState;

/// Which consent record a row stands on: its sequence number and hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    /// The record's `seq` (0: none).
    pub seq: u64,
    /// The record's hash.
    pub hash: String,
}

/// The log row a link points to, as the row's query joined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedRecord {
    text: String,
    prev_hash: String,
    hash: String,
    /// The `user_id` column: the pseudonym the record is filed under.
    subject: String,
}

/// The joined log columns a row query selects after its own (`c` is
/// `consent_log`, joined on `c.seq = record_seq`).
pub const LINKED_COLUMNS: &str = "c.record, c.prev_hash, c.hash, c.user_id";

impl LinkedRecord {
    /// Reads [`LINKED_COLUMNS`] starting at `at`; `None` when the join found no
    /// record.
    pub fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<LinkedRecord>> {
        let text: Option<String> = r.get(at)?;
        let Some(text) = text else { return Ok(None) };
        Ok(Some(LinkedRecord {
            text,
            prev_hash: r.get(at + 1)?,
            hash: r.get(at + 2)?,
            subject: r.get(at + 3)?,
        }))
    }
}

/// Whose row it is: the namespace and the user's pseudonym (if they have one).
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// The row's namespace (an agreement's has no plugin).
    pub ns: NamespaceRef<'a>,
    /// The user's pseudonym.
    pub subject: Option<&'a str>,
}

/// The record behind `link`, if the link holds: the record exists, its hash is
/// its own and the one the row names, and it is about `owner` (`scope`).
fn record_behind(
    link: &Link,
    linked: Option<&LinkedRecord>,
    owner: Owner<'_>,
    scope: Option<&str>,
) -> Option<ConsentRecord> {
    let linked = linked?;
    let subject = owner.subject?;
    // (A link with no record, `seq` 0, joins none; records start at 1, and
    // the record must name the link's `seq` below.)
    if linked.hash != link.hash
        || consent_log::hash(&linked.prev_hash, &linked.text) != linked.hash
        || linked.subject != subject
    {
        return None;
    }
    let record: ConsentRecord = serde_json::from_str(&linked.text).ok()?;
    let about_owner = record.seq == link.seq
        && record.user_id == subject
        && record.app_id == owner.ns.app_id
        && record.plugin_id.as_deref().unwrap_or("") == owner.ns.plugin_id
        && record.scope.as_deref() == scope;
    about_owner.then_some(record)
}

/// What a row decides, for the latest-record rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key<'a> {
    /// A `grants` row: the scope of its namespace.
    Grant(&'a str),
    /// A `privacy_agreements` row: the app's contract.
    Agreement,
    /// A `subscription_choices` row: a template of the app.
    KeptChoice(&'a str),
}

/// The records a row's record may have been followed by: the owner's (filed
/// under their pseudonym) and every user's (app resets for everyone), after
/// some point, oldest first.
#[derive(Debug, Default)]
pub struct LaterRecords {
    records: Vec<ConsentRecord>,
}

impl LaterRecords {
    /// The records filed under `subject` or every user after record `after_seq`
    /// (none for a user without a pseudonym: nothing of theirs can be backed).
    /// Reads only those records (the by-user index). An unreadable record is
    /// left out here (`verify` names it).
    pub fn read(conn: &Connection, subject: Option<&str>, after_seq: u64) -> Result<LaterRecords> {
        let Some(subject) = subject else {
            return Ok(LaterRecords::default());
        };
        let mut stmt = conn.prepare_cached(
            "SELECT record FROM consent_log WHERE user_id IN (?1, '') AND seq > ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(rusqlite::params![subject, after_seq as i64])?;
        let mut records = Vec::new();
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            if let Ok(record) = serde_json::from_str::<ConsentRecord>(&text) {
                records.push(record);
            }
        }
        Ok(LaterRecords { records })
    }

    /// The allow-once answers of `user_id` among these records that are still
    /// the last word on their scope — no later record decides it again
    /// ([`Self::decide_after`]) — as (app, plugin or `""`, scope, when).
    pub fn allow_once_answers(&self, user_id: &str) -> Vec<(String, String, String, i64)> {
        let once =
            |r: &&ConsentRecord| r.decision == "granted" && r.lifetime.as_deref() == Some("once");
        self.records
            .iter()
            .filter(once)
            .filter_map(|r| {
                let scope = r.scope.as_deref()?;
                let plugin = r.plugin_id.as_deref().unwrap_or("");
                let ns = NamespaceRef::new(user_id, &r.app_id, Some(plugin));
                (!self.decide_after(r.seq, ns, Key::Grant(scope))).then(|| {
                    (
                        r.app_id.clone(),
                        plugin.to_string(),
                        scope.to_string(),
                        r.at_ms,
                    )
                })
            })
            .collect()
    }

    /// Whether a record after `seq` decides `key` of `ns` again: one about
    /// the same key, a reset of the app, or the user forgotten.
    pub fn decide_after(&self, seq: u64, ns: NamespaceRef<'_>, key: Key<'_>) -> bool {
        self.records.iter().any(|r| {
            r.seq > seq
                && match r.decision.as_str() {
                    "forgotten" => true,
                    "reset" => r.app_id == ns.app_id,
                    decision => {
                        r.app_id == ns.app_id
                            && match key {
                                Key::Grant(scope) => {
                                    r.plugin_id.as_deref().unwrap_or("") == ns.plugin_id
                                        && r.scope.as_deref() == Some(scope)
                                }
                                // A disagreement with another version's prompt
                                // leaves an agreement standing (SPEC §4).
                                Key::Agreement => decision == "agreed" && r.scope.is_none(),
                                Key::KeptChoice(template) => {
                                    r.template.as_deref() == Some(template)
                                }
                            }
                    }
                }
        })
    }
}

/// How far the consent log backs a `grants` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// Its record says exactly what it says, and is the latest for its key.
    Matches,
    /// Its record says what it says, but a later record decides its key.
    Superseded,
    /// Its record is a denial of the scope, whatever the row says.
    RecordIsADenial,
    /// No record says what it says.
    Missing,
}

/// How far the consent log backs `row` of `owner`.
pub fn grant_backing(
    row: &GrantRow,
    owner: Owner<'_>,
    linked: Option<&LinkedRecord>,
    later: &LaterRecords,
) -> Backing {
    let Some(record) = record_behind(&row.link, linked, owner, Some(&row.scope)) else {
        return Backing::Missing;
    };
    let says_the_same = match (record.decision.as_str(), row.grant_state()) {
        ("denied", GrantState::Denied) => row.expires_at_ms.is_none(),
        ("granted", GrantState::Granted) => {
            matches!(record.lifetime.as_deref(), Some("permanent" | "until"))
                && record.until_ms == row.expires_at_ms
        }
        _ => false,
    } && record.purpose == row.purpose
        && record.contract_version == row.contract_version;
    match record.decision.as_str() {
        _ if says_the_same && later.decide_after(record.seq, owner.ns, Key::Grant(&row.scope)) => {
            Backing::Superseded
        }
        _ if says_the_same => Backing::Matches,
        "denied" => Backing::RecordIsADenial,
        _ => Backing::Missing,
    }
}

/// What a sound (row check intact) `grants` row is honoured as: itself when its
/// record backs it; a denial when its record is one, or when it is one itself
/// (a denial grants nothing); otherwise — no record says so, or a later
/// record decides it — nothing (unasked).
pub fn honoured(
    row: &GrantRow,
    owner: Owner<'_>,
    linked: Option<&LinkedRecord>,
    later: &LaterRecords,
) -> Option<StoredGrant> {
    match grant_backing(row, owner, linked, later) {
        Backing::Matches => Some(row.stored_grant()),
        Backing::RecordIsADenial => Some(StoredGrant {
            state: GrantState::Denied,
            expires_at_ms: None,
            ..row.stored_grant()
        }),
        Backing::Missing | Backing::Superseded if row.grant_state() == GrantState::Denied => {
            Some(row.stored_grant())
        }
        Backing::Missing | Backing::Superseded => None,
    }
}

/// The `agreed` record of `version` behind an agreement of `owner`'s app
/// contract, if the link holds, the record says so and no later record
/// decides the agreement again.
pub fn agreement_record(
    version: &str,
    link: &Link,
    owner: Owner<'_>,
    linked: Option<&LinkedRecord>,
    later: &LaterRecords,
) -> Option<ConsentRecord> {
    record_behind(link, linked, owner, None).filter(|record| {
        record.decision == "agreed"
            && record.contract_version.as_deref() == Some(version)
            && !later.decide_after(record.seq, owner.ns, Key::Agreement)
    })
}

/// Whether a kept subscription choice (`accept` of `tmpl_id`, or rejection) of
/// `owner`'s app is backed by its record: the user's own choice of that
/// template, kept ("permanent"), and the latest about it.
pub fn kept_choice_backed(
    tmpl_id: &str,
    accept: bool,
    link: &Link,
    owner: Owner<'_>,
    linked: Option<&LinkedRecord>,
    later: &LaterRecords,
) -> bool {
    record_behind(link, linked, owner, None).is_some_and(|record| {
        record.template.as_deref() == Some(tmpl_id)
            && record.decision == if accept { "subscribed" } else { "declined" }
            && record.lifetime.as_deref() == Some("permanent")
            && !later.decide_after(record.seq, owner.ns, Key::KeptChoice(tmpl_id))
    })
}

/// Every `grants`, `privacy_agreements` and `subscription_choices` row that no
/// consent record backs, described for `audit verify`.
pub fn unmatched_rows(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT g.user_id, g.app_id, g.plugin_id, {COLUMNS}, {LINKED_COLUMNS}
         FROM grants g LEFT JOIN consent_log c ON c.seq = g.record_seq
         ORDER BY g.user_id, g.app_id, g.plugin_id, g.scope"
    ))?;
    let mut rows = stmt.query([])?;
    // The rows come user by user: each user's pseudonym and records are read
    // once, for all of their rows (not once per row: a user with 100 grants
    // would read their log 100 times).
    let mut user_read: Option<(String, Option<String>, LaterRecords)> = None;
    while let Some(r) = rows.next()? {
        let (user, app, plugin): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if user_read.as_ref().is_none_or(|(read, _, _)| *read != user) {
            let subject = pseudonyms::of(conn, &user)?;
            let later = LaterRecords::read(conn, subject.as_deref(), 0)?;
            user_read = Some((user.clone(), subject, later));
        }
        let Some((_, subject, later)) = &user_read else {
            unreachable!("read above")
        };
        let ns = NamespaceRef::new(&user, &app, Some(&plugin));
        let described = |what: &str| {
            let plugin = if plugin.is_empty() {
                String::new()
            } else {
                format!(", plugin {plugin}")
            };
            format!("grants row (user {user}, app {app}{plugin}, {what})")
        };
        let Ok(row) = GrantRow::from_row(r, 3) else {
            out.push(described("unreadable"));
            continue;
        };
        let owner = Owner {
            ns,
            subject: subject.as_deref(),
        };
        let linked = LinkedRecord::from_row(r, 3 + COLUMN_COUNT)?;
        if !row.is_sound(ns) {
            out.push(described(&format!(
                "{}: its row check does not match",
                row.scope
            )));
        } else {
            let why = match grant_backing(&row, owner, linked.as_ref(), later) {
                Backing::Matches => continue,
                Backing::Superseded => "a later record decides it",
                Backing::RecordIsADenial | Backing::Missing => "no consent record says so",
            };
            out.push(described(&format!(
                "{} {}: {why}",
                row.scope,
                match row.grant_state() {
                    GrantState::Granted => "granted",
                    _ => "denied",
                }
            )));
        }
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT a.user_id, a.app_id, a.contract_version, a.record_seq, a.record_hash, {LINKED_COLUMNS}
         FROM privacy_agreements a LEFT JOIN consent_log c ON c.seq = a.record_seq
         ORDER BY a.user_id, a.app_id"
    ))?;
    let mut rows = stmt.query([])?;
    let mut user_read: Option<(String, Option<String>, LaterRecords)> = None;
    while let Some(r) = rows.next()? {
        let (user, app, version): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if user_read.as_ref().is_none_or(|(read, _, _)| *read != user) {
            let subject = pseudonyms::of(conn, &user)?;
            let later = LaterRecords::read(conn, subject.as_deref(), 0)?;
            user_read = Some((user.clone(), subject, later));
        }
        let Some((_, subject, later)) = &user_read else {
            unreachable!("read above")
        };
        let link = Link {
            seq: r.get::<_, i64>(3)?.max(0) as u64,
            hash: r.get(4)?,
        };
        let owner = Owner {
            ns: NamespaceRef::new(&user, &app, None),
            subject: subject.as_deref(),
        };
        let linked = LinkedRecord::from_row(r, 5)?;
        if agreement_record(&version, &link, owner, linked.as_ref(), later).is_none() {
            out.push(format!(
                "privacy_agreements row (user {user}, app {app}, version {version}): no consent record says so"
            ));
        }
    }
    out.extend(super::subscriptions::unmatched_rows(conn)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Every check of a row's link, each killed by a row an attacker could
    //! write (issue #20's mutation sample found no test writing a link): a
    //! genuine link copied onto another user's, app's, plugin's or scope's
    //! forged row; a record edited in place; an expiry emptied; an agreement
    //! linked to a disagreement; a kept choice linked to another template; and
    //! the latest-record rule for each kind of row.

    use super::*;
    use crate::policy::GrantState;
    use serde_json::{json, Value};

    const ME: &str = "p-me";

    /// A record as the log stores it: its text, the hash before it, its hash.
    fn record(seq: u64, fields: Value) -> LinkedRecord {
        let mut value = json!({
            "seq": seq, "atMs": 1, "userId": ME, "appId": "wxA", "pluginId": null,
            "scope": "scope.record", "decision": "granted", "lifetime": "permanent",
            "untilMs": null, "purpose": null, "contractVersion": null, "source": "dialog"
        });
        for (key, v) in fields.as_object().unwrap() {
            value[key] = v.clone();
        }
        let text = value.to_string();
        let prev_hash = consent_log::GENESIS.to_string();
        let hash = consent_log::hash(&prev_hash, &text);
        LinkedRecord {
            text,
            prev_hash,
            hash,
            subject: value["userId"].as_str().unwrap().to_string(),
        }
    }

    fn link_to(seq: u64, linked: &LinkedRecord) -> Link {
        Link {
            seq,
            hash: linked.hash.clone(),
        }
    }

    fn row(state: i64, expires_at_ms: Option<i64>, link: Link) -> GrantRow {
        GrantRow {
            scope: "scope.record".into(),
            state,
            source: "dialog".into(),
            updated_at_ms: 1,
            expires_at_ms,
            denials: 0,
            purpose: None,
            contract_version: None,
            last_used_at_ms: None,
            consent_known: true,
            row_check: String::new(),
            link,
        }
    }

    fn owner<'a>(user: &'a str, app: &'a str, plugin: Option<&'a str>) -> Owner<'a> {
        Owner {
            ns: NamespaceRef::new(user, app, plugin),
            subject: Some(ME),
        }
    }

    fn backing(row: &GrantRow, owner: Owner<'_>, linked: &LinkedRecord) -> Backing {
        grant_backing(row, owner, Some(linked), &LaterRecords::default())
    }

    #[test]
    fn a_genuine_link_backs_its_row() {
        let linked = record(7, json!({}));
        let granted = row(1, None, link_to(7, &linked));
        assert_eq!(
            backing(&granted, owner("u1", "wxA", None), &linked),
            Backing::Matches
        );
    }

    #[test]
    fn a_genuine_link_copied_onto_another_owners_forged_row_backs_nothing() {
        let linked = record(7, json!({}));
        let granted = row(1, None, link_to(7, &linked));
        for other in [
            owner("u1", "wxB", None),
            owner("u1", "wxA", Some("wxplugin")),
            Owner {
                subject: Some("p-someone-else"),
                ..owner("u2", "wxA", None)
            },
            Owner {
                subject: None,
                ..owner("u2", "wxA", None)
            },
        ] {
            assert_eq!(
                backing(&granted, other, &linked),
                Backing::Missing,
                "{other:?}"
            );
        }
        let mut other_scope = granted.clone();
        other_scope.scope = "scope.camera".into();
        assert_eq!(
            backing(&other_scope, owner("u1", "wxA", None), &linked),
            Backing::Missing
        );
        // A record filed under another pseudonym (its column), whatever its text says.
        let mut refiled = linked.clone();
        refiled.subject = "p-someone-else".into();
        assert_eq!(
            backing(&granted, owner("u1", "wxA", None), &refiled),
            Backing::Missing
        );
        // A record about a plugin backs no row of the app itself, and back.
        let of_plugin = record(7, json!({"pluginId": "wxplugin"}));
        let row_of_app = row(1, None, link_to(7, &of_plugin));
        assert_eq!(
            backing(&row_of_app, owner("u1", "wxA", None), &of_plugin),
            Backing::Missing
        );
        assert_eq!(
            backing(
                &row_of_app,
                owner("u1", "wxA", Some("wxplugin")),
                &of_plugin
            ),
            Backing::Matches
        );
    }

    #[test]
    fn a_record_edited_in_place_backs_nothing() {
        let denied = record(7, json!({"decision": "denied", "lifetime": null}));
        // Edited from a denial into a permanent grant, its hash left as it
        // was: but for the hash, it would back the forged row.
        let rewritten = record(7, json!({}));
        let granted = row(1, None, link_to(7, &denied));
        let mut edited = denied.clone();
        edited.text = rewritten.text.clone();
        assert_eq!(
            backing(&granted, owner("u1", "wxA", None), &edited),
            Backing::Missing
        );
        let relinked = row(1, None, link_to(7, &rewritten));
        assert_eq!(
            backing(&relinked, owner("u1", "wxA", None), &rewritten),
            Backing::Matches,
            "the edit is a well-formed grant: only the hash tells it apart"
        );
        // Its hash recomputed too: no longer the one the row names.
        edited.hash = consent_log::hash(&edited.prev_hash, &edited.text);
        assert_eq!(
            backing(&granted, owner("u1", "wxA", None), &edited),
            Backing::Missing
        );
        // A link with no sequence, or to another sequence than the record's.
        let linked = record(7, json!({}));
        for seq in [0, 8] {
            let forged = row(1, None, link_to(seq, &linked));
            assert_eq!(
                backing(&forged, owner("u1", "wxA", None), &linked),
                Backing::Missing
            );
        }
    }

    #[test]
    fn an_expiry_emptied_or_moved_backs_nothing() {
        let until = record(7, json!({"lifetime": "until", "untilMs": 86_400_000}));
        let day = row(1, Some(86_400_000), link_to(7, &until));
        assert_eq!(
            backing(&day, owner("u1", "wxA", None), &until),
            Backing::Matches
        );
        for expires in [None, Some(86_400_001)] {
            let forged = row(1, expires, link_to(7, &until));
            assert_eq!(
                backing(&forged, owner("u1", "wxA", None), &until),
                Backing::Missing,
                "{expires:?}"
            );
        }
        // An allow-once record backs no stored grant.
        let once = record(7, json!({"lifetime": "once"}));
        let kept = row(1, None, link_to(7, &once));
        assert_eq!(
            backing(&kept, owner("u1", "wxA", None), &once),
            Backing::Missing
        );
        // Nor one whose purpose or contract differ from what the user saw.
        let seen = record(
            7,
            json!({"purpose": "Record a memo", "contractVersion": "2"}),
        );
        let mut forged = row(1, None, link_to(7, &seen));
        forged.purpose = Some("Record a memo".into());
        assert_eq!(
            backing(&forged, owner("u1", "wxA", None), &seen),
            Backing::Missing
        );
        forged.contract_version = Some("2".into());
        assert_eq!(
            backing(&forged, owner("u1", "wxA", None), &seen),
            Backing::Matches
        );
        forged.purpose = None;
        assert_eq!(
            backing(&forged, owner("u1", "wxA", None), &seen),
            Backing::Missing
        );
    }

    #[test]
    fn a_denial_stays_a_denial_backed_or_not() {
        let denied = record(7, json!({"decision": "denied", "lifetime": null}));
        let flipped = row(1, None, link_to(7, &denied));
        let me = owner("u1", "wxA", None);
        assert_eq!(backing(&flipped, me, &denied), Backing::RecordIsADenial);
        let later = LaterRecords::default();
        let honoured_as = |row: &GrantRow, linked: Option<&LinkedRecord>| {
            honoured(row, me, linked, &later).map(|g| g.state)
        };
        assert_eq!(
            honoured_as(&flipped, Some(&denied)),
            Some(GrantState::Denied)
        );
        let unbacked_denial = row(2, None, Link::default());
        assert_eq!(
            honoured_as(&unbacked_denial, None),
            Some(GrantState::Denied)
        );
        let unbacked_grant = row(1, None, Link::default());
        assert_eq!(honoured_as(&unbacked_grant, None), None);
        let denial_backed = row(2, None, link_to(7, &denied));
        assert_eq!(backing(&denial_backed, me, &denied), Backing::Matches);
        // A denial row with an expiry is not what a denial record says.
        let odd = row(2, Some(5), link_to(7, &denied));
        assert_eq!(backing(&odd, me, &denied), Backing::RecordIsADenial);
        // A grant row with an expiry whose record is a denial is the lasting
        // denial the record says (no expiry that would end it, so no
        // dialog once the forged time passes).
        let timed = row(1, Some(5), link_to(7, &denied));
        let honoured_timed = honoured(&timed, me, Some(&denied), &later).unwrap();
        assert_eq!(
            (honoured_timed.state, honoured_timed.expires_at_ms),
            (GrantState::Denied, None)
        );
    }

    fn later(records: &[Value]) -> LaterRecords {
        LaterRecords {
            records: records
                .iter()
                .map(|r| serde_json::from_str(&record(0, r.clone()).text).unwrap())
                .collect(),
        }
    }

    #[test]
    fn a_later_record_about_the_key_supersedes_a_grant() {
        let linked = record(7, json!({}));
        let granted = row(1, None, link_to(7, &linked));
        let me = owner("u1", "wxA", None);
        let superseded = |records: &[Value]| {
            grant_backing(&granted, me, Some(&linked), &later(records)) == Backing::Superseded
        };
        assert!(superseded(&[
            json!({"seq": 8, "decision": "revoked", "lifetime": null})
        ]));
        assert!(superseded(&[
            json!({"seq": 8, "decision": "granted", "lifetime": "once"})
        ]));
        assert!(superseded(&[
            json!({"seq": 9, "decision": "reset", "scope": null, "lifetime": null})
        ]));
        assert!(superseded(&[
            json!({"seq": 9, "decision": "reset", "userId": "", "scope": null})
        ]));
        assert!(superseded(&[
            json!({"seq": 9, "decision": "forgotten", "appId": "", "scope": null})
        ]));
        // Not by what is about something else, or came before.
        assert!(!superseded(&[
            json!({"seq": 8, "decision": "revoked", "scope": "scope.camera"})
        ]));
        assert!(!superseded(&[
            json!({"seq": 8, "decision": "revoked", "appId": "wxB"})
        ]));
        assert!(!superseded(&[
            json!({"seq": 8, "decision": "revoked", "pluginId": "wxplugin"})
        ]));
        assert!(!superseded(&[
            json!({"seq": 8, "decision": "reset", "appId": "wxB", "scope": null})
        ]));
        assert!(!superseded(&[json!({"seq": 6, "decision": "revoked"})]));
        assert!(!superseded(&[json!({"seq": 7, "decision": "revoked"})]));
        assert!(!superseded(&[]));
        // Honoured as nothing; a superseded denial stays a denial.
        let revoked = later(&[json!({"seq": 8, "decision": "revoked", "lifetime": null})]);
        assert_eq!(honoured(&granted, me, Some(&linked), &revoked), None);
        let denied = record(7, json!({"decision": "denied", "lifetime": null}));
        let denial = row(2, None, link_to(7, &denied));
        assert_eq!(
            honoured(&denial, me, Some(&denied), &revoked).map(|g| g.state),
            Some(GrantState::Denied)
        );
    }

    #[test]
    fn an_agreement_counts_only_on_its_own_latest_agreed_record() {
        let agreed = record(
            7,
            json!({"scope": null, "decision": "agreed", "lifetime": null, "contractVersion": "3"}),
        );
        let me = owner("u1", "wxA", None);
        let none = LaterRecords::default();
        let link = link_to(7, &agreed);
        assert!(agreement_record("3", &link, me, Some(&agreed), &none).is_some());
        assert!(agreement_record("4", &link, me, Some(&agreed), &none).is_none());
        let disagreed = record(
            7,
            json!({"scope": null, "decision": "disagreed", "lifetime": null, "contractVersion": "3"}),
        );
        let link = link_to(7, &disagreed);
        assert!(agreement_record("3", &link, me, Some(&disagreed), &none).is_none());
        // Another user's agreement.
        let link = link_to(7, &agreed);
        let stranger = Owner {
            subject: Some("p-someone-else"),
            ..owner("u2", "wxA", None)
        };
        assert!(agreement_record("3", &link, stranger, Some(&agreed), &none).is_none());
        // Superseded by a later agreement or a reset; not by a disagreement.
        let after = |records: &[Value]| {
            agreement_record("3", &link, me, Some(&agreed), &later(records)).is_some()
        };
        assert!(!after(&[
            json!({"seq": 8, "scope": null, "decision": "agreed", "contractVersion": "4"})
        ]));
        assert!(!after(&[
            json!({"seq": 8, "scope": null, "decision": "reset"})
        ]));
        assert!(after(&[
            json!({"seq": 8, "scope": null, "decision": "disagreed", "contractVersion": "4"})
        ]));
        assert!(after(&[
            json!({"seq": 8, "scope": null, "decision": "agreed", "appId": "wxB"})
        ]));
        assert!(after(&[json!({"seq": 8, "decision": "granted"})]));
    }

    #[test]
    fn a_kept_choice_counts_only_on_its_own_templates_latest_kept_record() {
        let subscribed = record(
            7,
            json!({"scope": null, "decision": "subscribed", "template": "T1"}),
        );
        let me = owner("u1", "wxA", None);
        let none = LaterRecords::default();
        let link = link_to(7, &subscribed);
        assert!(kept_choice_backed(
            "T1",
            true,
            &link,
            me,
            Some(&subscribed),
            &none
        ));
        assert!(!kept_choice_backed(
            "T2",
            true,
            &link,
            me,
            Some(&subscribed),
            &none
        ));
        assert!(!kept_choice_backed(
            "T1",
            false,
            &link,
            me,
            Some(&subscribed),
            &none
        ));
        let once = record(
            7,
            json!({"scope": null, "decision": "subscribed", "template": "T1", "lifetime": "once"}),
        );
        let link_once = link_to(7, &once);
        assert!(!kept_choice_backed(
            "T1",
            true,
            &link_once,
            me,
            Some(&once),
            &none
        ));
        let declined = record(
            7,
            json!({"scope": null, "decision": "declined", "template": "T1"}),
        );
        let link_declined = link_to(7, &declined);
        assert!(kept_choice_backed(
            "T1",
            false,
            &link_declined,
            me,
            Some(&declined),
            &none
        ));
        assert!(!kept_choice_backed(
            "T1",
            true,
            &link_declined,
            me,
            Some(&declined),
            &none
        ));
        let after = |records: &[Value]| {
            kept_choice_backed("T1", true, &link, me, Some(&subscribed), &later(records))
        };
        assert!(!after(&[
            json!({"seq": 8, "scope": null, "decision": "revoked", "template": "T1"})
        ]));
        assert!(!after(&[
            json!({"seq": 8, "scope": null, "decision": "reset"})
        ]));
        assert!(after(&[
            json!({"seq": 8, "scope": null, "decision": "revoked", "template": "T2"})
        ]));
    }
}
