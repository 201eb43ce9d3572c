//! One row of the `grants` table as a type: read with [`GrantRow::from_row`],
//! written with [`GrantRow::upsert`] (from a [`Decided`]), cached as a
//! [`StoredGrant`], and guarded by its integrity check.
//!
//! The check is the first 64 bits of SHA-256 over the fields that decide what the
//! row grants. A row whose check does not match was damaged (a flipped bit can
//! turn a stored 2, "denied", into 1, "granted") and counts as unasked. It guards
//! against corruption, not deliberate edits: those the row's [`Link`] to its
//! consent record catches (`record_links.rs`).
//! Schema upgrades compute the check of the version they produce with their own
//! frozen copy (`schema_history.rs`).

use rusqlite::Row;

use super::record_links::Link;
use crate::admin_records::{DecisionSource, Grant};
use crate::namespace::NamespaceRef;
use crate::policy::GrantState;

/// How often at most a grant's last use is written: uses are recorded in memory
/// and reach the file only when the stored time is older than this, so a busy
/// grant costs one write an hour, not one per call.
pub const USE_RESOLUTION_MS: i64 = 60 * 60 * 1000;

/// `state` as stored.
const STATE_GRANTED: i64 = 1;
const STATE_DENIED: i64 = 2;

/// The columns [`GrantRow::from_row`] reads, in order (after any the query puts
/// first).
pub const COLUMNS: &str = "scope, state, source, updated_at, expires_at, denials, purpose,
    contract_version, last_used_at, consent_known, row_check, record_seq, record_hash";

/// How many columns [`COLUMNS`] names (where a query's next columns start).
pub const COLUMN_COUNT: usize = 13;

/// A stored decision with what the policy needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGrant {
    /// Granted or denied.
    pub state: GrantState,
    /// When a time-limited grant ends.
    pub expires_at_ms: Option<i64>,
    /// Denials in a row (for soft denial).
    pub denials: u32,
    /// The purpose string the user saw.
    pub purpose: Option<String>,
    /// The privacy-contract version in force when decided.
    pub contract_version: Option<String>,
    /// Last use, to [`USE_RESOLUTION_MS`].
    pub last_used_at_ms: Option<i64>,
    /// Whether `purpose` and `contract_version` were recorded (false for grants
    /// migrated from schema 1, which are then not re-asked on a change).
    pub consent_known: bool,
}

impl StoredGrant {
    /// Whether a use at `now_ms` should be written: the stored last use is
    /// missing or older than [`USE_RESOLUTION_MS`].
    pub fn use_note_due(&self, now_ms: i64) -> bool {
        self.last_used_at_ms
            .is_none_or(|used| now_ms - used >= USE_RESOLUTION_MS)
    }
}

/// A decision to store for one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The scope.
    pub scope: String,
    /// Granted or denied.
    pub state: GrantState,
    /// When a time-limited grant ends.
    pub expires_at_ms: Option<i64>,
    /// The purpose string the user saw.
    pub purpose: Option<String>,
    /// The privacy-contract version in force.
    pub contract_version: Option<String>,
}

/// One row of `grants`, as stored (the namespace is the query's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub scope: String,
    /// As stored: 1 granted, 2 denied; anything else reads as unasked.
    pub state: i64,
    pub source: String,
    pub updated_at_ms: i64,
    pub expires_at_ms: Option<i64>,
    /// Denials in a row (soft denial).
    pub denials: u32,
    /// The purpose string the user saw.
    pub purpose: Option<String>,
    /// The privacy-contract version in force when decided.
    pub contract_version: Option<String>,
    pub last_used_at_ms: Option<i64>,
    /// Whether `purpose` and `contract_version` were recorded (not for rows
    /// migrated from schema 1).
    pub consent_known: bool,
    pub row_check: String,
    /// The consent record behind the row (`record_links.rs`).
    pub link: Link,
}

/// Anything unreadable means "ask again", never "granted".
fn state_from_sql(value: i64) -> GrantState {
    match value {
        STATE_GRANTED => GrantState::Granted,
        STATE_DENIED => GrantState::Denied,
        _ => GrantState::Unasked,
    }
}

impl GrantRow {
    /// The stored state and denial count of `scope` in `ns`, as the row says
    /// (not checked against its record: for the soft-denial count of the
    /// decision that replaces it), as a [`StoredGrant`] holding only those.
    pub fn stored_state(
        conn: &rusqlite::Connection,
        ns: NamespaceRef<'_>,
        scope: &str,
    ) -> crate::error::Result<Option<StoredGrant>> {
        use rusqlite::OptionalExtension;
        let row = conn
            .prepare_cached(
                "SELECT state, denials FROM grants
                 WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
            )?
            .query_row(
                rusqlite::params![ns.user_id, ns.app_id, ns.plugin_id, scope],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?;
        Ok(row.map(|(state, denials)| StoredGrant {
            state: state_from_sql(state),
            expires_at_ms: None,
            denials: denials.clamp(0, i64::from(u32::MAX)) as u32,
            purpose: None,
            contract_version: None,
            last_used_at_ms: None,
            consent_known: true,
        }))
    }

    /// The row that stores `decided` in its scope now, the `denials`-th denial in
    /// a row (its check is computed when written).
    pub fn decided(
        decided: &Decided,
        source: DecisionSource,
        now_ms: i64,
        denials: u32,
    ) -> GrantRow {
        GrantRow {
            scope: decided.scope.clone(),
            state: match decided.state {
                GrantState::Denied => STATE_DENIED,
                _ => STATE_GRANTED,
            },
            source: source.as_str().to_string(),
            updated_at_ms: now_ms,
            expires_at_ms: decided.expires_at_ms,
            denials,
            purpose: decided.purpose.clone(),
            contract_version: decided.contract_version.clone(),
            last_used_at_ms: None,
            consent_known: true,
            row_check: String::new(),
            link: Link::default(),
        }
    }

    /// Reads [`COLUMNS`] starting at column `at`.
    pub fn from_row(r: &Row<'_>, at: usize) -> rusqlite::Result<GrantRow> {
        Ok(GrantRow {
            scope: r.get(at)?,
            state: r.get(at + 1)?,
            source: r.get(at + 2)?,
            updated_at_ms: r.get(at + 3)?,
            expires_at_ms: r.get(at + 4)?,
            denials: r.get::<_, i64>(at + 5)?.clamp(0, u32::MAX as i64) as u32,
            purpose: r.get(at + 6)?,
            contract_version: r.get(at + 7)?,
            last_used_at_ms: r.get(at + 8)?,
            consent_known: r.get::<_, i64>(at + 9)? != 0,
            row_check: r.get(at + 10)?,
            link: Link {
                seq: r.get::<_, i64>(at + 11)?.max(0) as u64,
                hash: r.get(at + 12)?,
            },
        })
    }

    /// The integrity check of this row in `ns`.
    pub fn check(&self, ns: NamespaceRef<'_>) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        let absent = "\u{0}absent";
        let expires = self.expires_at_ms.map(|t| t.to_string());
        for field in [
            ns.user_id,
            ns.app_id,
            ns.plugin_id,
            &self.scope,
            &self.state.to_string(),
            expires.as_deref().unwrap_or(absent),
            self.purpose.as_deref().unwrap_or(absent),
            self.contract_version.as_deref().unwrap_or(absent),
            if self.consent_known { "1" } else { "0" },
        ] {
            hasher.update(field.as_bytes());
            hasher.update([0x1f]);
        }
        hasher.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether the row is intact and decided: anything damaged or unreadable
    /// means "ask again", never "granted".
    pub fn is_sound(&self, ns: NamespaceRef<'_>) -> bool {
        self.row_check == self.check(ns) && self.grant_state() != GrantState::Unasked
    }

    /// Granted, denied, or (unreadable) unasked.
    pub fn grant_state(&self) -> GrantState {
        state_from_sql(self.state)
    }

    /// What the policy needs of the row.
    pub fn stored_grant(&self) -> StoredGrant {
        StoredGrant {
            state: self.grant_state(),
            expires_at_ms: self.expires_at_ms,
            denials: self.denials,
            purpose: self.purpose.clone(),
            contract_version: self.contract_version.clone(),
            last_used_at_ms: self.last_used_at_ms,
            consent_known: self.consent_known,
        }
    }

    /// The row as administration lists it.
    pub fn grant(self, ns: NamespaceRef<'_>) -> Grant {
        Grant {
            user_id: ns.user_id.to_string(),
            app_id: ns.app_id.to_string(),
            plugin_id: (!ns.plugin_id.is_empty()).then(|| ns.plugin_id.to_string()),
            state: self.grant_state(),
            source: DecisionSource::parse(&self.source),
            updated_at_ms: self.updated_at_ms,
            expires_at_ms: self.expires_at_ms,
            last_used_at_ms: self.last_used_at_ms,
            scope: self.scope,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_count_matches_the_columns() {
        assert_eq!(COLUMNS.split(',').count(), COLUMN_COUNT);
    }
}
