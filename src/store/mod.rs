//! The decision store (SPEC §8): grants, privacy agreements, dismissal counts and
//! the consent log in SQLite, with an in-memory cache per (user, app, plugin)
//! kept coherent with the file.
//!
//! Every write is one IMMEDIATE transaction committed with `synchronous=FULL`
//! before the caller returns, so an acknowledged decision survives a crash or power
//! cut; its consent record is appended in the same transaction. Reads come from
//! the cache; before each read the store checks whether another connection
//! (another process) committed — a lock-free look at the mapped WAL-index header
//! (`change_probe`), and `PRAGMA data_version` only when that header moved — and
//! drops the cache when one did. The connection is behind a mutex; the cache is
//! behind a sharded read-write lock, so cached reads on different threads do not
//! contend, and only a thread holding the connection changes the cache.

mod change_probe;
pub mod consent_log;
mod db;
mod namespace;
pub mod schema;
mod scope_map;

pub use namespace::{Namespace, NamespaceKey, NamespaceRef};
pub use scope_map::ScopeMap;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::error::Result;
use crate::fast_map::FastMap;
use crate::policy::GrantState;
use consent_log::{ConsentRecord, Head, LogVerification, NewRecord};

/// How often at most a grant's last use is written: uses are recorded in memory
/// and reach the file only when the stored time is older than this, so a busy
/// grant costs one write an hour, not one per call.
pub const USE_RESOLUTION_MS: i64 = 60 * 60 * 1000;

/// How many namespaces the cache holds before it starts over (a host serving
/// many users and apps must not grow without bound).
pub const CACHE_NAMESPACES: usize = 4096;

/// How a stored decision was made.
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
    /// The name used in the database and the consent log.
    pub fn as_str(self) -> &'static str {
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
    /// When a time-limited grant ends (`None`: it does not).
    pub expires_at_ms: Option<i64>,
    /// When the grant was last used (to the hour), if it was.
    pub last_used_at_ms: Option<i64>,
}

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

/// Dismissals in a row of one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fatigue {
    /// How many.
    pub dismissals: u32,
    /// The last one.
    pub last_dismissed_at_ms: i64,
}

/// Everything stored about one namespace (cached).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceState {
    /// Decisions by scope.
    pub grants: ScopeMap<StoredGrant>,
    /// Dismissal counts by scope.
    pub fatigue: ScopeMap<Fatigue>,
}

/// One change to a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Store a decision; clears the scope's dismissal count.
    Decide {
        /// The scope.
        scope: String,
        /// Granted or denied.
        state: GrantState,
        /// When a time-limited grant ends.
        expires_at_ms: Option<i64>,
        /// The purpose string the user saw.
        purpose: Option<String>,
        /// The privacy-contract version in force.
        contract_version: Option<String>,
    },
    /// Forget the decision (back to unasked); clears the dismissal count.
    Forget {
        /// The scope.
        scope: String,
    },
    /// Count a dismissal.
    Dismiss {
        /// The scope.
        scope: String,
    },
}

/// What maintenance removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct MaintenanceReport {
    /// Grants revoked because they were not used for the configured time.
    pub revoked_unused: u64,
    /// Time-limited grants removed because they had ended.
    pub removed_expired: u64,
}

/// The connection and what the store knows about it; one thread at a time.
struct Inner {
    conn: Connection,
    data_version: i64,
}

/// What the store has read, kept coherent with the file. Read without the
/// connection's lock on the hot path (each thread on its own shard of the
/// lock); changed only by a thread holding the connection.
#[derive(Default)]
struct Cache {
    namespaces: FastMap<Namespace, Arc<NamespaceState>>,
    /// Agreed privacy-contract versions, by (user, app) as a namespace without a plugin.
    agreements: FastMap<Namespace, Option<String>>,
}

/// The SQLite-backed store with its cache. Lock order: `inner`, then `cache`.
pub struct Store {
    inner: Mutex<Inner>,
    cache: ShardedLock<Cache>,
    probe: change_probe::ChangeProbe,
    quarantined: Option<PathBuf>,
}

const STATE_GRANTED: i64 = 1;
const STATE_DENIED: i64 = 2;

/// The integrity check of one grant row: the first 64 bits of SHA-256 over the
/// fields that decide what the row grants. A row whose check does not match was
/// damaged (a flipped bit can turn a stored 2, "denied", into 1, "granted") and
/// is treated as unasked. It guards against corruption, not deliberate edits
/// (the consent log detects those).
#[allow(clippy::too_many_arguments)]
fn row_check(
    ns: &Namespace,
    scope: &str,
    state: i64,
    expires_at_ms: Option<i64>,
    purpose: Option<&str>,
    contract_version: Option<&str>,
    consent_known: bool,
) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let absent = "\u{0}absent";
    let expires = expires_at_ms.map(|t| t.to_string());
    for field in [
        ns.user_id.as_str(),
        ns.app_id.as_str(),
        ns.plugin_id.as_str(),
        scope,
        &state.to_string(),
        expires.as_deref().unwrap_or(absent),
        purpose.unwrap_or(absent),
        contract_version.unwrap_or(absent),
        if consent_known { "1" } else { "0" },
    ] {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Computes the check of every grant row (the upgrade from schema 1).
pub(crate) fn seal_all_rows(conn: &Connection) -> Result<()> {
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
        i64,
    );
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT user_id, app_id, plugin_id, scope, state, expires_at, purpose, contract_version,
                    consent_known FROM grants",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (user, app, plugin, scope, state, expires, purpose, contract, known) in rows {
        let ns = Namespace {
            user_id: user,
            app_id: app,
            plugin_id: plugin,
        };
        let check = row_check(
            &ns,
            &scope,
            state,
            expires,
            purpose.as_deref(),
            contract.as_deref(),
            known != 0,
        );
        conn.execute(
            "UPDATE grants SET row_check = ?5
             WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
            params![ns.user_id, ns.app_id, ns.plugin_id, scope, check],
        )?;
    }
    Ok(())
}

/// Anything unreadable means "ask again", never "granted".
fn state_from_sql(value: i64) -> GrantState {
    match value {
        STATE_GRANTED => GrantState::Granted,
        STATE_DENIED => GrantState::Denied,
        _ => GrantState::Unasked,
    }
}

fn load_namespace(conn: &Connection, ns: &Namespace) -> Result<NamespaceState> {
    if conn.is_autocommit() {
        // One read transaction for both queries (a consistent view, and half the
        // file locking of two autocommit reads).
        let tx = conn.unchecked_transaction()?;
        let state = read_namespace(&tx, ns)?;
        tx.commit()?;
        return Ok(state);
    }
    read_namespace(conn, ns)
}

/// [`load_namespace`]'s queries, in the caller's transaction.
fn read_namespace(conn: &Connection, ns: &Namespace) -> Result<NamespaceState> {
    let mut state = NamespaceState::default();
    let mut stmt = conn.prepare_cached(
        "SELECT scope, state, expires_at, denials, purpose, contract_version, last_used_at,
                consent_known, row_check
         FROM grants WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3",
    )?;
    let rows = stmt.query_map(params![ns.user_id, ns.app_id, ns.plugin_id], |r| {
        let raw_state: i64 = r.get(1)?;
        Ok((
            r.get::<_, String>(0)?,
            raw_state,
            StoredGrant {
                state: state_from_sql(raw_state),
                expires_at_ms: r.get(2)?,
                denials: r.get::<_, i64>(3)?.clamp(0, u32::MAX as i64) as u32,
                purpose: r.get(4)?,
                contract_version: r.get(5)?,
                last_used_at_ms: r.get(6)?,
                consent_known: r.get::<_, i64>(7)? != 0,
            },
            r.get::<_, String>(8)?,
        ))
    })?;
    for row in rows {
        // A row that cannot even be read as its types is damaged: skip it.
        let Ok((scope, raw_state, grant, check)) = row else {
            continue;
        };
        let intact = check
            == row_check(
                ns,
                &scope,
                raw_state,
                grant.expires_at_ms,
                grant.purpose.as_deref(),
                grant.contract_version.as_deref(),
                grant.consent_known,
            );
        // Anything unreadable or damaged means "ask again", never "granted".
        if intact && grant.state != GrantState::Unasked {
            state.grants.insert(scope, grant);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT scope, dismissals, last_dismissed_at FROM prompt_fatigue
         WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3",
    )?;
    let rows = stmt.query_map(params![ns.user_id, ns.app_id, ns.plugin_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Fatigue {
                dismissals: r.get::<_, i64>(1)?.clamp(0, u32::MAX as i64) as u32,
                last_dismissed_at_ms: r.get(2)?,
            },
        ))
    })?;
    for row in rows {
        let (scope, fatigue) = row?;
        state.fatigue.insert(scope, fatigue);
    }
    state.grants.shrink_to_fit();
    state.fatigue.shrink_to_fit();
    Ok(state)
}

/// Applies one change inside `tx`, and to `cached` when the namespace is cached.
fn apply_change(
    tx: &Transaction<'_>,
    ns: &Namespace,
    change: &Change,
    source: DecisionSource,
    now_ms: i64,
    current: &mut NamespaceState,
) -> Result<()> {
    let clear_fatigue = |scope: &str| -> Result<()> {
        tx.prepare_cached(
            "DELETE FROM prompt_fatigue WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
        )?
        .execute(params![ns.user_id, ns.app_id, ns.plugin_id, scope])?;
        Ok(())
    };
    match change {
        Change::Decide {
            scope,
            state,
            expires_at_ms,
            purpose,
            contract_version,
        } => {
            let (value, denials) = match state {
                GrantState::Denied => {
                    let before = current
                        .grants
                        .get(scope)
                        .filter(|g| g.state == GrantState::Denied)
                        .map_or(0, |g| g.denials);
                    (STATE_DENIED, before.saturating_add(1))
                }
                _ => (STATE_GRANTED, 0),
            };
            tx.prepare_cached(
                "INSERT INTO grants (user_id, app_id, plugin_id, scope, state, source, updated_at,
                                     expires_at, denials, purpose, contract_version, last_used_at,
                                     consent_known, row_check)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, 1, ?12)
                 ON CONFLICT (user_id, app_id, plugin_id, scope) DO UPDATE SET
                     state = excluded.state, source = excluded.source,
                     updated_at = excluded.updated_at, expires_at = excluded.expires_at,
                     denials = excluded.denials, purpose = excluded.purpose,
                     contract_version = excluded.contract_version, last_used_at = NULL,
                     consent_known = 1, row_check = excluded.row_check",
            )?
            .execute(params![
                ns.user_id,
                ns.app_id,
                ns.plugin_id,
                scope,
                value,
                source.as_str(),
                now_ms,
                expires_at_ms,
                denials,
                purpose,
                contract_version,
                row_check(
                    ns,
                    scope,
                    value,
                    *expires_at_ms,
                    purpose.as_deref(),
                    contract_version.as_deref(),
                    true
                )
            ])?;
            clear_fatigue(scope)?;
            current.grants.insert(
                scope.clone(),
                StoredGrant {
                    state: *state,
                    expires_at_ms: *expires_at_ms,
                    denials,
                    purpose: purpose.clone(),
                    contract_version: contract_version.clone(),
                    last_used_at_ms: None,
                    consent_known: true,
                },
            );
            current.fatigue.remove(scope);
        }
        Change::Forget { scope } => {
            tx.prepare_cached(
                "DELETE FROM grants WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
            )?
            .execute(params![ns.user_id, ns.app_id, ns.plugin_id, scope])?;
            clear_fatigue(scope)?;
            current.grants.remove(scope);
            current.fatigue.remove(scope);
        }
        Change::Dismiss { scope } => {
            let dismissals = current
                .fatigue
                .get(scope)
                .map_or(0, |f| f.dismissals)
                .saturating_add(1);
            tx.prepare_cached(
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
                dismissals,
                now_ms
            ])?;
            current.fatigue.insert(
                scope.clone(),
                Fatigue {
                    dismissals,
                    last_dismissed_at_ms: now_ms,
                },
            );
        }
    }
    Ok(())
}

impl Store {
    /// Opens the database file at `path` (see `db::open_file`).
    pub fn open(path: &Path) -> Result<Store> {
        let opened = db::open_file(path)?;
        Self::from_connection(opened.conn, opened.quarantined, Some(path.to_path_buf()))
    }

    /// A private in-memory store.
    pub fn open_in_memory() -> Result<Store> {
        Self::from_connection(db::open_in_memory()?, None, None)
    }

    fn from_connection(
        conn: Connection,
        quarantined: Option<PathBuf>,
        path: Option<PathBuf>,
    ) -> Result<Store> {
        let data_version = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
        Ok(Store {
            inner: Mutex::new(Inner { conn, data_version }),
            cache: ShardedLock::new(Cache::default()),
            probe: change_probe::ChangeProbe::new(path),
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
        if self.probe.unchanged() {
            return Ok(inner);
        }
        let header = self.probe.read();
        if header.as_ref().is_some_and(|h| self.probe.matches(h)) {
            return Ok(inner);
        }
        let version: i64 = inner
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        if version != inner.data_version {
            inner.data_version = version;
            let mut cache = self.cache_mut(&inner);
            cache.namespaces.clear();
            cache.agreements.clear();
        }
        // Only now, with the stale entries gone, may the lock-free check pass.
        if let Some(header) = header {
            self.probe.remember(&header);
        }
        Ok(inner)
    }

    /// The cache, for reading.
    fn cache(&self) -> ShardedLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The cache, for changing; `_held` proves the connection is locked (the
    /// lock order, and what keeps a load and its insertion atomic).
    fn cache_mut(&self, _held: &Inner) -> ShardedLockWriteGuard<'_, Cache> {
        self.cache.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `body` in one IMMEDIATE transaction and commits it (durably); returns
    /// the still-locked store so the caller can update the cache to match.
    fn write<T>(
        &self,
        body: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<(MutexGuard<'_, Inner>, T)> {
        let mut inner = self.lock()?;
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = body(&tx)?;
        tx.commit()?;
        Ok((inner, out))
    }

    /// Everything stored about one namespace (cached).
    /// The hot path: no lock but the cache's read lock when nothing was
    /// committed since the store last looked and the namespace is cached.
    pub fn namespace(&self, ns: &(impl NamespaceKey + ?Sized)) -> Result<Arc<NamespaceState>> {
        let key = ns.key();
        if self.probe.unchanged() {
            if let Some(cached) = self.cache().namespaces.get(&key as &dyn NamespaceKey) {
                return Ok(cached.clone());
            }
        }
        let inner = self.lock()?;
        self.cached(&inner, key)
    }

    /// Runs `read` on a cached namespace and, with `with_agreement`, the
    /// privacy-contract version its user agreed to for its app, under the
    /// cache's read lock and without the connection. `None` when either is not
    /// cached or another connection may have committed since the store last
    /// looked: the caller then goes through [`Self::namespace`].
    pub fn read_cached<T>(
        &self,
        ns: NamespaceRef<'_>,
        with_agreement: bool,
        read: impl FnOnce(&NamespaceState, Option<&str>) -> T,
    ) -> Option<T> {
        if !self.probe.unchanged() {
            return None;
        }
        let cache = self.cache();
        let stored = cache.namespaces.get(&ns as &dyn NamespaceKey)?;
        let agreed = if with_agreement {
            let key = NamespaceRef::new(ns.user_id, ns.app_id, None);
            cache.agreements.get(&key as &dyn NamespaceKey)?.as_deref()
        } else {
            None
        };
        Some(read(stored, agreed))
    }

    fn cached(&self, inner: &Inner, ns: NamespaceRef<'_>) -> Result<Arc<NamespaceState>> {
        if let Some(cached) = self.cache().namespaces.get(&ns as &dyn NamespaceKey) {
            return Ok(cached.clone());
        }
        let ns = ns.to_owned();
        let state = Arc::new(load_namespace(&inner.conn, &ns)?);
        self.remember(inner, &ns, state.clone());
        Ok(state)
    }

    /// Puts a namespace in the cache, starting over when it is full.
    fn remember(&self, inner: &Inner, ns: &Namespace, state: Arc<NamespaceState>) {
        let mut cache = self.cache_mut(inner);
        if cache.namespaces.len() >= CACHE_NAMESPACES && !cache.namespaces.contains_key(ns) {
            cache.namespaces.clear();
        }
        cache.namespaces.insert(ns.clone(), state);
    }

    /// Applies changes to one namespace and appends their consent records, in one
    /// durable transaction.
    pub fn apply(
        &self,
        ns: &Namespace,
        changes: &[Change],
        records: &[NewRecord],
        source: DecisionSource,
        now_ms: i64,
    ) -> Result<()> {
        let (inner, current) = self.write(|tx| {
            // Read inside the transaction, not from the cache: another process may
            // have written since (denial and dismissal counts must not be lost).
            let mut current = load_namespace(tx, ns)?;
            for change in changes {
                apply_change(tx, ns, change, source, now_ms, &mut current)?;
            }
            consent_log::append(tx, records, now_ms)?;
            Ok(current)
        })?;
        self.remember(&inner, ns, Arc::new(current));
        Ok(())
    }

    /// Appends consent records that change no state (a disagreement).
    pub fn record(&self, records: &[NewRecord], now_ms: i64) -> Result<()> {
        self.write(|tx| consent_log::append(tx, records, now_ms))
            .map(|_| ())
    }

    /// Notes that a grant was used. Writes only when the stored time is older than
    /// [`USE_RESOLUTION_MS`]; failures are ignored (use times are advisory).
    pub fn note_use(&self, ns: &(impl NamespaceKey + ?Sized), scope: &str, now_ms: i64) {
        let ns = ns.key();
        let Ok(inner) = self.lock() else {
            return;
        };
        let Ok(state) = self.cached(&inner, ns) else {
            return;
        };
        let Some(grant) = state.grants.get(scope) else {
            return;
        };
        if !grant.use_note_due(now_ms) {
            return;
        }
        let written = inner
            .conn
            .prepare_cached(
                "UPDATE grants SET last_used_at = ?5
                 WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![ns.user_id, ns.app_id, ns.plugin_id, scope, now_ms])
            });
        if written.is_ok() {
            let mut updated = (*state).clone();
            if let Some(grant) = updated.grants.get_mut(scope) {
                grant.last_used_at_ms = Some(now_ms);
            }
            self.remember(&inner, &ns.to_owned(), Arc::new(updated));
        }
    }

    /// Whether the user agreed to exactly `version` of the app's contract
    /// (copies nothing when the answer is cached).
    pub fn has_agreed(&self, user_id: &str, app_id: &str, version: &str) -> Result<bool> {
        let answer = |agreed: Option<&str>| agreed == Some(version);
        let key = NamespaceRef::new(user_id, app_id, None);
        if self.probe.unchanged() {
            if let Some(cached) = self.cache().agreements.get(&key as &dyn NamespaceKey) {
                return Ok(answer(cached.as_deref()));
            }
        }
        let inner = self.lock()?;
        if let Some(cached) = self.cache().agreements.get(&key as &dyn NamespaceKey) {
            return Ok(answer(cached.as_deref()));
        }
        let agreed: Option<String> = inner
            .conn
            .prepare_cached(
                "SELECT contract_version FROM privacy_agreements WHERE user_id = ?1 AND app_id = ?2",
            )?
            .query_row(params![user_id, app_id], |r| r.get(0))
            .optional()?;
        let out = answer(agreed.as_deref());
        let mut cache = self.cache_mut(&inner);
        if cache.agreements.len() >= CACHE_NAMESPACES {
            cache.agreements.clear();
        }
        cache.agreements.insert(key.to_owned(), agreed);
        Ok(out)
    }

    /// Records agreement to a contract version, durably, with its consent record.
    pub fn set_agreed_version(
        &self,
        user_id: &str,
        app_id: &str,
        version: &str,
        record: NewRecord,
        now_ms: i64,
    ) -> Result<()> {
        let (inner, ()) = self.write(|tx| {
            tx.execute(
                "INSERT INTO privacy_agreements (user_id, app_id, contract_version, agreed_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, app_id)
                 DO UPDATE SET contract_version = excluded.contract_version, agreed_at = excluded.agreed_at",
                params![user_id, app_id, version, now_ms],
            )?;
            consent_log::append(tx, &[record], now_ms)
        })?;
        self.cache_mut(&inner).agreements.insert(
            Namespace::new(user_id, app_id, None),
            Some(version.to_string()),
        );
        Ok(())
    }

    /// Lists grants of a user, optionally of one app, in a stable order. Damaged
    /// rows (see `row_check`) are left out: they count as unasked.
    pub fn list(&self, user_id: &str, app_id: Option<&str>) -> Result<Vec<Grant>> {
        let inner = self.lock()?;
        let mut stmt = inner.conn.prepare_cached(
            "SELECT app_id, plugin_id, scope, state, source, updated_at, expires_at, last_used_at,
                    purpose, contract_version, consent_known, row_check
             FROM grants WHERE user_id = ?1 AND (?2 IS NULL OR app_id = ?2)
             ORDER BY app_id, plugin_id, scope",
        )?;
        let rows = stmt.query_map(params![user_id, app_id], |r| {
            let ns = Namespace {
                user_id: user_id.to_string(),
                app_id: r.get(0)?,
                plugin_id: r.get(1)?,
            };
            let scope: String = r.get(2)?;
            let raw_state: i64 = r.get(3)?;
            let expires_at_ms: Option<i64> = r.get(6)?;
            let purpose: Option<String> = r.get(8)?;
            let contract: Option<String> = r.get(9)?;
            let known = r.get::<_, i64>(10)? != 0;
            let intact = r.get::<_, String>(11)?
                == row_check(
                    &ns,
                    &scope,
                    raw_state,
                    expires_at_ms,
                    purpose.as_deref(),
                    contract.as_deref(),
                    known,
                );
            Ok(intact.then(|| Grant {
                user_id: ns.user_id.clone(),
                plugin_id: ns.plugin(),
                app_id: ns.app_id,
                scope,
                state: state_from_sql(raw_state),
                source: DecisionSource::parse(&r.get::<_, String>(4).unwrap_or_default()),
                updated_at_ms: r.get(5).unwrap_or_default(),
                expires_at_ms,
                last_used_at_ms: r.get(7).unwrap_or_default(),
            }))
        })?;
        Ok(rows
            .filter_map(|row| row.ok().flatten())
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
    /// (`None`): grants of the app and its plugins, dismissal counts and the
    /// privacy agreement; a `reset` record per (user, app) affected. Returns how
    /// many grants were removed.
    pub fn reset_app(&self, user_id: Option<&str>, app_id: &str, now_ms: i64) -> Result<u64> {
        let (inner, removed) = self.write(|tx| {
            let users: Vec<String> = tx
                .prepare(
                    "SELECT user_id FROM grants WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2)
                     UNION SELECT user_id FROM privacy_agreements WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2)
                     UNION SELECT user_id FROM prompt_fatigue WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2)
                     ORDER BY 1",
                )?
                .query_map(params![app_id, user_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let removed = tx.execute(
                "DELETE FROM grants WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2)",
                params![app_id, user_id],
            )?;
            for table in ["privacy_agreements", "prompt_fatigue"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2)"),
                    params![app_id, user_id],
                )?;
            }
            let records: Vec<NewRecord> = users
                .iter()
                .map(|user| NewRecord::bare(user, app_id, None, None, "reset", "reset"))
                .collect();
            consent_log::append(tx, &records, now_ms)?;
            Ok(removed as u64)
        })?;
        let mut cache = self.cache_mut(&inner);
        cache
            .namespaces
            .retain(|ns, _| !(ns.app_id == app_id && user_id.is_none_or(|u| ns.user_id == u)));
        cache
            .agreements
            .retain(|key, _| !(key.app_id == app_id && user_id.is_none_or(|u| key.user_id == u)));
        Ok(removed)
    }

    /// Forgets a user's decisions (grants, dismissal counts, agreements) and
    /// records that it did. The consent log keeps the user's earlier records: it
    /// is the evidence of what was consented to, and it is append-only. Returns
    /// how many grants were removed.
    pub fn forget_user(&self, user_id: &str, now_ms: i64) -> Result<u64> {
        let (inner, removed) = self.write(|tx| {
            let removed = tx.execute("DELETE FROM grants WHERE user_id = ?1", params![user_id])?;
            for table in ["privacy_agreements", "prompt_fatigue"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE user_id = ?1"),
                    params![user_id],
                )?;
            }
            let record = NewRecord::bare(user_id, "", None, None, "forgotten", "admin");
            consent_log::append(tx, &[record], now_ms)?;
            Ok(removed as u64)
        })?;
        let mut cache = self.cache_mut(&inner);
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
        let (inner, report) = self.write(|tx| {
            let mut records = Vec::new();
            let mut remove = |sql: &str,
                              at: i64,
                              decision: &'static str,
                              source: &'static str|
             -> Result<u64> {
                let rows: Vec<(String, String, String, String)> = tx
                    .prepare(sql)?
                    .query_map(params![at], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                for (user, app, plugin, scope) in &rows {
                    tx.prepare_cached(
                        "DELETE FROM grants WHERE user_id = ?1 AND app_id = ?2 AND plugin_id = ?3 AND scope = ?4",
                    )?
                    .execute(params![user, app, plugin, scope])?;
                    let plugin = (!plugin.is_empty()).then(|| plugin.clone());
                    records.push(NewRecord::bare(
                        user,
                        app,
                        plugin,
                        Some(scope.clone()),
                        decision,
                        source,
                    ));
                }
                Ok(rows.len() as u64)
            };
            let removed_expired = remove(
                "SELECT user_id, app_id, plugin_id, scope FROM grants
                 WHERE state = 1 AND expires_at IS NOT NULL AND expires_at <= ?1",
                now_ms,
                "expired",
                "expiry",
            )?;
            let revoked_unused = match unused_before_ms {
                Some(before) => remove(
                    "SELECT user_id, app_id, plugin_id, scope FROM grants
                     WHERE state = 1 AND COALESCE(last_used_at, updated_at) < ?1",
                    before,
                    "revoked",
                    "auto-revoke",
                )?,
                None => 0,
            };
            consent_log::append(tx, &records, now_ms)?;
            Ok(MaintenanceReport {
                revoked_unused,
                removed_expired,
            })
        })?;
        if report.revoked_unused + report.removed_expired > 0 {
            self.cache_mut(&inner).namespaces.clear();
        }
        Ok(report)
    }

    /// The consent records of one user (or everyone), oldest first.
    pub fn consent_records(&self, user_id: Option<&str>) -> Result<Vec<ConsentRecord>> {
        let inner = self.lock()?;
        consent_log::records(&inner.conn, user_id)
    }

    /// Checks the whole consent log.
    pub fn verify_consent_log(&self) -> Result<LogVerification> {
        let inner = self.lock()?;
        consent_log::verify(&inner.conn)
    }

    /// The end of the consent log's chain.
    pub fn consent_log_head(&self) -> Result<Head> {
        let inner = self.lock()?;
        consent_log::head(&inner.conn)
    }
}
