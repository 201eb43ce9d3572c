//! What an import asks of a key before it writes, inside the transaction that
//! writes ([`super::StillTrue::Undecided`]): has this database ever decided
//! it? A decision held here — stored now, or since taken back here (revoked,
//! ended, the app reset) — is newer than the host's old store, so the import
//! keeps it; an import run again brings back nothing the user took back.

use rusqlite::Connection;

use crate::consent_record::ConsentRecord;
use crate::error::Result;
use crate::namespace::NamespaceRef;
use crate::store::consent_log;
use crate::store::{agreements, namespace_read, subscriptions};

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
    /// The privacy contract of (user, app) (agreed or disagreed).
    Agreement(NamespaceRef<'a>),
    /// One subscription template of (user, app) (any answer to it).
    KeptChoice {
        /// The user and app (no plugin).
        app: NamespaceRef<'a>,
        /// The template id.
        tmpl_id: &'a str,
    },
    /// The subscription main switch of (user, app).
    MainSwitch(NamespaceRef<'a>),
}

impl DecisionKey<'_> {
    /// Whether this database decided the key: a decision stored as the engine
    /// reads it (a grant row no record backs is undecided; a denial is a
    /// decision), or a record about it in the consent log under the user's
    /// pseudonym now — any answer, a revocation or expiry, the app reset.
    pub fn decided_in(&self, conn: &Connection) -> Result<bool> {
        let stored = match *self {
            DecisionKey::Scope { ns, scope } => {
                namespace_read::load(conn, ns)?.grants.get(scope).is_some()
            }
            DecisionKey::Agreement(app) => {
                agreements::backed_agreement(conn, app.user_id, app.app_id)?.is_some()
            }
            DecisionKey::KeptChoice { app, tmpl_id } => {
                subscriptions::read(conn, app.user_id, app.app_id)?
                    .kept(tmpl_id)
                    .is_some()
            }
            DecisionKey::MainSwitch(app) => {
                subscriptions::stored_main_switch(conn, app.user_id, app.app_id)?.is_some()
            }
        };
        let app = self.app();
        Ok(stored
            || consent_log::ever(conn, app.user_id, app.app_id, |record| {
                self.decided_by(record)
            })?)
    }

    /// The (user, app) the key belongs to.
    fn app(&self) -> NamespaceRef<'_> {
        match *self {
            DecisionKey::Scope { ns, .. } => ns,
            DecisionKey::Agreement(app)
            | DecisionKey::KeptChoice { app, .. }
            | DecisionKey::MainSwitch(app) => app,
        }
    }

    /// Whether `record`, of the key's user and app, decides the key (a reset
    /// of the app is asked by `consent_log::ever` itself).
    fn decided_by(&self, record: &ConsentRecord) -> bool {
        let whole_app = record.scope.is_none() && record.template.is_none();
        match *self {
            DecisionKey::Scope { ns, scope } => {
                record.plugin_id.as_deref().unwrap_or("") == ns.plugin_id
                    && record.scope.as_deref() == Some(scope)
            }
            DecisionKey::Agreement(_) => {
                whole_app && matches!(record.decision.as_str(), "agreed" | "disagreed")
            }
            DecisionKey::KeptChoice { tmpl_id, .. } => record.template.as_deref() == Some(tmpl_id),
            DecisionKey::MainSwitch(_) => {
                whole_app
                    && matches!(
                        record.decision.as_str(),
                        "subscriptions-on" | "subscriptions-off"
                    )
            }
        }
    }
}

impl std::fmt::Display for DecisionKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let app = self.app();
        let (user, app) = (app.user_id, app.app_id);
        match self {
            DecisionKey::Scope { scope, .. } => write!(f, "{scope} of user {user} in app {app}"),
            DecisionKey::Agreement(_) => {
                write!(f, "the privacy contract of app {app} for user {user}")
            }
            DecisionKey::KeptChoice { tmpl_id, .. } => {
                write!(f, "template {tmpl_id} of app {app} for user {user}")
            }
            DecisionKey::MainSwitch(_) => {
                write!(
                    f,
                    "the subscription main switch of app {app} for user {user}"
                )
            }
        }
    }
}
