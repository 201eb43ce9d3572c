//! What an import asks of a key before it writes, inside the transaction that
//! writes ([`super::StillTrue::Undecided`]): has this database ever decided
//! it? A decision held here — stored now, or since taken back here (revoked,
//! ended, the app reset) — is newer than the host's old store, so the import
//! keeps it; an import run again brings back nothing the user took back.

use rusqlite::Connection;

use crate::error::Result;
use crate::namespace::NamespaceRef;
use crate::store::consent_log::{self, LogPoint};
use crate::store::namespace_read;

/// One thing a user decides, as an import names it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DecisionKey<'a> {
    /// A scope of a namespace (a grant or a denial).
    Scope {
        /// The namespace.
        ns: NamespaceRef<'a>,
        /// The scope.
        scope: &'a str,
    },
}

impl DecisionKey<'_> {
    /// Whether this database decided the key: a decision stored as the engine
    /// reads it (not even a denial; a row no record backs is undecided), or a
    /// record about it in the consent log under the user's pseudonym now —
    /// any decision, a revocation or expiry, the app reset.
    pub fn decided_in(&self, conn: &Connection) -> Result<bool> {
        match *self {
            DecisionKey::Scope { ns, scope } => {
                Ok(namespace_read::load(conn, ns)?.grants.get(scope).is_some()
                    || consent_log::decided_since(conn, ns, scope, &LogPoint::default())?)
            }
        }
    }
}

impl std::fmt::Display for DecisionKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecisionKey::Scope { ns, scope } => {
                write!(f, "{scope} of user {} in app {}", ns.user_id, ns.app_id)
            }
        }
    }
}
