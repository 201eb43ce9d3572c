//! The decision store (SPEC §8): grants and privacy agreements in SQLite, with an
//! in-memory cache per (user, app, plugin) kept coherent with the file.
//!
//! Every write is one IMMEDIATE transaction committed with `synchronous=FULL`
//! before the caller returns, so an acknowledged decision survives a crash or power
//! cut. Reads come from the cache; before each read the store asks SQLite for
//! `PRAGMA data_version`, which changes when another connection (another process)
//! committed, and drops the cache when it did.

mod db;
pub mod schema;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::Result;
use crate::policy::GrantState;

/// Whose grants: one (user, app) or one plugin inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Namespace {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, or `""` for the app itself.
    pub plugin_id: String,
}

impl Namespace {
    /// The app's own namespace (`plugin_id` empty) or a plugin's.
    pub fn new(user_id: &str, app_id: &str, plugin_id: Option<&str>) -> Self {
        Namespace {
            user_id: user_id.to_string(),
            app_id: app_id.to_string(),
            plugin_id: plugin_id.unwrap_or_default().to_string(),
        }
    }
}

/// How a decision was made (kept with the grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DecisionSource {
    /// A consent dialog.
    Dialog,
    /// The app's settings page.
    Settings,
    /// The host's administration API or CLI.
    Admin,
}

impl DecisionSource {
    fn as_str(self) -> &'static str {
        match self {
            DecisionSource::Dialog => "dialog",
            DecisionSource::Settings => "settings",
            DecisionSource::Admin => "admin",
        }
    }

    fn parse(s: &str) -> DecisionSource {
        match s {
            "dialog" => DecisionSource::Dialog,
            "settings" => DecisionSource::Settings,
            _ => DecisionSource::Admin,
        }
    }
}

/// One stored decision, as administration lists it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Grant {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, if the grant is in a plugin's namespace.
    pub plugin_id: Option<String>,
    /// The scope.
    pub scope: String,
    /// Granted or denied (unasked scopes have no row).
    pub state: GrantState,
    /// How it was decided.
    pub source: DecisionSource,
    /// When, in milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
}

/// The decided scopes of one namespace.
pub type Decisions = BTreeMap<String, GrantState>;

struct Inner {
    conn: Connection,
    data_version: i64,
    grants: HashMap<Namespace, Arc<Decisions>>,
    agreements: HashMap<(String, String), Option<String>>,
}

/// The SQLite-backed store with its cache.
pub struct Store {
    inner: Mutex<Inner>,
    quarantined: Option<PathBuf>,
}

const STATE_GRANTED: i64 = 1;
const STATE_DENIED: i64 = 2;

fn state_to_sql(state: GrantState) -> Option<i64> {
    match state {
        GrantState::Granted => Some(STATE_GRANTED),
        GrantState::Denied => Some(STATE_DENIED),
        GrantState::Unasked => None,
    }
}

/// Anything unreadable means "ask again", never "granted".
fn state_from_sql(value: i64) -> GrantState {
    match value {
        STATE_GRANTED => GrantState::Granted,
        STATE_DENIED => GrantState::Denied,
        _ => GrantState::Unasked,
    }
}

impl Store {
    /// Opens the database file at `path` (see `db::open_file`).
    pub fn open(path: &Path) -> Result<Store> {
        let opened = db::open_file(path)?;
        Self::from_connection(opened.conn, opened.quarantined)
    }

    /// A private in-memory store.
    pub fn open_in_memory() -> Result<Store> {
        Self::from_connection(db::open_in_memory()?, None)
    }

    fn from_connection(conn: Connection, quarantined: Option<PathBuf>) -> Result<Store> {
        let data_version = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
        Ok(Store {
            inner: Mutex::new(Inner {
                conn,
                data_version,
                grants: HashMap::new(),
                agreements: HashMap::new(),
            }),
            quarantined,
        })
    }

    /// Where a corrupt file was moved when this store opened, if it was.
    pub fn quarantined(&self) -> Option<&Path> {
        self.quarantined.as_deref()
    }

    /// Locks the connection and drops the cache if another connection committed.
    fn lock(&self) -> Result<MutexGuard<'_, Inner>> {
        // A panic elsewhere cannot leave the data inconsistent (writes are
        // transactions), so a poisoned lock is still usable.
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let version: i64 = inner
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        if version != inner.data_version {
            inner.data_version = version;
            inner.grants.clear();
            inner.agreements.clear();
        }
        Ok(inner)
    }

    /// The decisions of one namespace (cached).
    pub fn decisions(&self, ns: &Namespace) -> Result<Arc<Decisions>> {
        let mut inner = self.lock()?;
        if let Some(cached) = inner.grants.get(ns) {
            return Ok(cached.clone());
        }
        let mut decisions = Decisions::new();
        {
            let mut stmt = inner.conn.prepare_cached(
                "SELECT scope, state FROM grants WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3",
            )?;
            let rows = stmt.query_map(params![ns.user_id, ns.app_id, ns.plugin_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (scope, state) = row?;
                let state = state_from_sql(state);
                if state != GrantState::Unasked {
                    decisions.insert(scope, state);
                }
            }
        }
        let decisions = Arc::new(decisions);
        inner.grants.insert(ns.clone(), decisions.clone());
        Ok(decisions)
    }

    /// The stored state of one scope.
    pub fn state(&self, ns: &Namespace, scope: &str) -> Result<GrantState> {
        Ok(self
            .decisions(ns)?
            .get(scope)
            .copied()
            .unwrap_or(GrantState::Unasked))
    }

    /// Stores decisions for one namespace in one durable transaction;
    /// `GrantState::Unasked` deletes the row.
    pub fn set_states(
        &self,
        ns: &Namespace,
        changes: &[(String, GrantState)],
        source: DecisionSource,
        now_ms: i64,
    ) -> Result<()> {
        let mut inner = self.lock()?;
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (scope, state) in changes {
            match state_to_sql(*state) {
                Some(value) => {
                    tx.prepare_cached(
                        "INSERT INTO grants (user_id, app_id, plugin_id, scope, state, source, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT (user_id, app_id, plugin_id, scope)
                         DO UPDATE SET state = excluded.state, source = excluded.source,
                                       updated_at = excluded.updated_at",
                    )?
                    .execute(params![
                        ns.user_id,
                        ns.app_id,
                        ns.plugin_id,
                        scope,
                        value,
                        source.as_str(),
                        now_ms
                    ])?;
                }
                None => {
                    tx.prepare_cached(
                        "DELETE FROM grants WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
                    )?
                    .execute(params![ns.user_id, ns.app_id, ns.plugin_id, scope])?;
                }
            }
        }
        tx.commit()?;
        if let Some(cached) = inner.grants.get_mut(ns) {
            let decisions = Arc::make_mut(cached);
            for (scope, state) in changes {
                match state {
                    GrantState::Unasked => decisions.remove(scope),
                    other => decisions.insert(scope.clone(), *other),
                };
            }
        }
        Ok(())
    }

    /// The privacy-contract version the user agreed to for an app, if any.
    pub fn agreed_version(&self, user_id: &str, app_id: &str) -> Result<Option<String>> {
        let mut inner = self.lock()?;
        let key = (user_id.to_string(), app_id.to_string());
        if let Some(cached) = inner.agreements.get(&key) {
            return Ok(cached.clone());
        }
        let version: Option<String> = inner
            .conn
            .prepare_cached(
                "SELECT contract_version FROM privacy_agreements WHERE user_id = ?1 AND app_id = ?2",
            )?
            .query_row(params![user_id, app_id], |r| r.get(0))
            .optional()?;
        inner.agreements.insert(key, version.clone());
        Ok(version)
    }

    /// Records agreement to a contract version, durably.
    pub fn set_agreed_version(
        &self,
        user_id: &str,
        app_id: &str,
        version: &str,
        now_ms: i64,
    ) -> Result<()> {
        let mut inner = self.lock()?;
        inner.conn.execute(
            "INSERT INTO privacy_agreements (user_id, app_id, contract_version, agreed_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id, app_id)
             DO UPDATE SET contract_version = excluded.contract_version, agreed_at = excluded.agreed_at",
            params![user_id, app_id, version, now_ms],
        )?;
        inner.agreements.insert(
            (user_id.to_string(), app_id.to_string()),
            Some(version.to_string()),
        );
        Ok(())
    }

    /// Lists grants of a user, optionally of one app, in a stable order.
    pub fn list(&self, user_id: &str, app_id: Option<&str>) -> Result<Vec<Grant>> {
        let inner = self.lock()?;
        let mut stmt = inner.conn.prepare_cached(
            "SELECT user_id, app_id, plugin_id, scope, state, source, updated_at FROM grants
             WHERE user_id = ?1 AND (?2 IS NULL OR app_id = ?2)
             ORDER BY app_id, plugin_id, scope",
        )?;
        let rows = stmt.query_map(params![user_id, app_id], |r| {
            let plugin: String = r.get(2)?;
            Ok(Grant {
                user_id: r.get(0)?,
                app_id: r.get(1)?,
                plugin_id: (!plugin.is_empty()).then_some(plugin),
                scope: r.get(3)?,
                state: state_from_sql(r.get(4)?),
                source: DecisionSource::parse(&r.get::<_, String>(5)?),
                updated_at_ms: r.get(6)?,
            })
        })?;
        Ok(rows
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|g| g.state != GrantState::Unasked)
            .collect())
    }

    /// Every user id with at least one grant or agreement.
    pub fn users(&self) -> Result<Vec<String>> {
        let inner = self.lock()?;
        let mut stmt = inner.conn.prepare_cached(
            "SELECT user_id FROM grants UNION SELECT user_id FROM privacy_agreements ORDER BY 1",
        )?;
        let users = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(users)
    }

    /// Forgets everything about an app for one user (`Some`) or for every user
    /// (`None`): grants of the app and its plugins, and the privacy agreement.
    /// Returns how many grants were removed.
    pub fn reset_app(&self, user_id: Option<&str>, app_id: &str) -> Result<u64> {
        let mut inner = self.lock()?;
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let removed = tx.execute(
            "DELETE FROM grants WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2)",
            params![app_id, user_id],
        )?;
        tx.execute(
            "DELETE FROM privacy_agreements WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2)",
            params![app_id, user_id],
        )?;
        tx.commit()?;
        inner
            .grants
            .retain(|ns, _| !(ns.app_id == app_id && user_id.is_none_or(|u| ns.user_id == u)));
        inner
            .agreements
            .retain(|(u, a), _| !(a == app_id && user_id.is_none_or(|user| u == user)));
        Ok(removed as u64)
    }

    /// Forgets everything about a user. Returns how many grants were removed.
    pub fn forget_user(&self, user_id: &str) -> Result<u64> {
        let mut inner = self.lock()?;
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let removed = tx.execute("DELETE FROM grants WHERE user_id = ?1", params![user_id])?;
        tx.execute(
            "DELETE FROM privacy_agreements WHERE user_id = ?1",
            params![user_id],
        )?;
        tx.commit()?;
        inner.grants.retain(|ns, _| ns.user_id != user_id);
        inner.agreements.retain(|(u, _), _| u != user_id);
        Ok(removed as u64)
    }
}
