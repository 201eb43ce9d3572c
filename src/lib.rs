//! miniapp-auth: the authorization core super-app hosts embed so that mini apps
//! calling `wx.authorize`, `wx.getSetting`, `wx.openSetting` and the privacy APIs
//! get exactly WeChat's behaviour.
//!
//! This file holds only the public API: [`AuthEngine`], a thin shell whose methods
//! each call the engine inside and convert its errors, and the types it takes and
//! returns. It is the only door: every module is private. UniFFI exports it to
//! Kotlin and Swift; Rust hosts and the `miniapp-auth` CLI use it directly.
//! `docs/walkthrough.md` follows one call through the modules behind it.

#![warn(missing_docs)]

mod admin;
mod admin_records;
mod allow_once;
mod authorize_flow;
mod caller;
mod caller_handle;
mod clock;
mod closing;
mod combined_dialog;
mod commit_wait;
mod config;
mod consent_record;
mod consent_ui;
mod decisions;
mod dialect;
mod dialog_slots;
mod dialogs;
mod embargo;
mod engine;
mod error;
mod explain;
mod fast_map;
// The FFI benchmarks' floors: in the `ffi-bench` build they measure against,
// and in debug builds (the suites' library, which the benchmarks' smoke run
// uses); never in a shipped (release) build.
#[cfg(any(feature = "ffi-bench", debug_assertions))]
mod ffi_bench;
mod gate;
mod grant_import;
mod grant_watch;
mod io_threads;
mod json_call;
mod log_sink;
mod main_safe;
mod manifest;
mod metrics;
mod mini_app_api;
mod namespace;
mod plugin_rules;
mod policy;
mod privacy_agreement;
mod privacy_interfaces;
mod privacy_refusals;
mod registry;
mod scopes;
mod settings_page;
mod single_flight;
mod standings;
mod store;
mod subscribe_flow;
mod sync;
mod sync_calls;
#[cfg(feature = "test-hooks")]
mod test_hooks;
mod timer;

use std::sync::Arc;

use closing::unless_cancelled;
use main_safe::on_io_threads;

pub use admin_records::{DecisionSource, Grant, MaintenanceReport};
pub use caller::Caller;
pub use caller_handle::CallerHandle;
pub use clock::{Clock, ManualClock, SystemClock};
pub use closing::CallCancellation;
pub use config::EngineConfig;
pub use consent_record::{ConsentRecord, Head, LogVerification};
pub use consent_ui::{
    CombinedDecision, ConsentUi, ContractToAgree, NoDialogs, OsPermissionProbe, PrivacyRequest,
    ScopeRequest, ScopeSetting, SettingsAnswer, SettingsRequest, SubscribeAnswer, SubscribeChoice,
    SubscribeFailure, SubscribeRequest, SubscriptionsSetting, TemplateChoice,
};
pub use dialect::ApiResult;
pub use error::{AuthError, HostError};
pub use explain::{ExplainedFact, ExplainedVerdict, Explanation};
pub use grant_import::{
    HostImport, HostImportReport, ImportReport, ImportedGrant, ImportedPrivacyAgreement,
    ImportedSubscriptionChoice, ImportedSubscriptionSwitch,
};
pub use grant_watch::{GrantObservation, GrantObserver};
pub use log_sink::{set_log_sink, LogLevel, LogRecord, LogSink};
pub use metrics::{
    set_metrics_sink, DialogAnswer, DialogKind, MetricEvent, MetricName, MetricsSink,
};
pub use policy::{ConsentDecision, GrantState, OsPermissionStatus, PrivacyDecision};
pub use scopes::{OsPermission, ScopeDefinition, ScopeKind};
pub use standings::{ScopeStanding, Standing};
pub use sync_calls::{SyncApplied, SyncBatch, SyncState, MAX_BATCH as MAX_SYNC_BATCH};

/// The parser behind `register_manifest`, for this project's manifest fuzz
/// target (feature `test-hooks` only; not an API for hosts).
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub use test_hooks::{
    before_next_door_passage, crash_after_next_forget_commit, crash_before_next_commit,
    flush_metrics, set_open_lock_wait, stop_inside_next_open_lock, stores_closed_on, Manifest,
    ScopeCatalogue, WatchTally,
};

/// The database schema version this build writes (and the newest it opens).
pub const SCHEMA_VERSION: i64 = store::schema::VERSION;

uniffi::setup_scaffolding!();

/// The authorization engine a host creates once per database. Every mini-app
/// call goes through one of its async methods, which always answer with an
/// [`ApiResult`] in the WeChat dialect; host-side operations raise [`AuthError`].
#[derive(uniffi::Object)]
pub struct AuthEngine {
    inner: Arc<engine::Engine>,
}

#[uniffi::export]
impl AuthEngine {
    /// Opens (creating if needed) the database at `db_path` and answers dialogs
    /// through `ui`, configured by `config` (defaults when `None`). A corrupt file
    /// is moved aside and a clean one started; a file from a newer version is
    /// refused untouched.
    #[uniffi::constructor(default(config = None))]
    pub fn open(
        db_path: String,
        ui: Arc<dyn ConsentUi>,
        config: Option<EngineConfig>,
    ) -> Result<Arc<Self>, AuthError> {
        Ok(Arc::new(Self::open_with_clock(
            &db_path,
            ui,
            config,
            Arc::new(SystemClock),
        )?))
    }

    /// Opens an existing database for reading only — administration screens,
    /// audits, exports: it is never created, migrated or quarantined, and a
    /// missing, damaged, older or newer file is an error that leaves it as it
    /// was. It shows no dialogs; anything that would write fails. `config`
    /// (defaults when `None`) is the host's policy, for what reading answers
    /// by it: [`Self::explain`], [`Self::scope_standings`].
    #[uniffi::constructor(default(config = None))]
    pub fn open_read_only(
        db_path: String,
        config: Option<EngineConfig>,
    ) -> Result<Arc<Self>, AuthError> {
        let store = store::Store::open_read_only(std::path::Path::new(&db_path))?;
        Ok(Arc::new(AuthEngine {
            inner: Arc::new(engine::Engine::new(
                store,
                Arc::new(NoDialogs),
                config.unwrap_or_default(),
                Arc::new(SystemClock),
            )),
        }))
    }

    /// An engine over a private in-memory database (tests, guest sessions).
    #[uniffi::constructor(default(config = None))]
    pub fn in_memory(
        ui: Arc<dyn ConsentUi>,
        config: Option<EngineConfig>,
    ) -> Result<Arc<Self>, AuthError> {
        let store = store::Store::open_in_memory()?;
        Ok(Arc::new(AuthEngine {
            inner: Arc::new(engine::Engine::new(
                store,
                ui,
                config.unwrap_or_default(),
                Arc::new(SystemClock),
            )),
        }))
    }

    /// Where a corrupt database was moved when this engine opened it, if it was.
    pub fn quarantined_path(&self) -> Option<String> {
        self.inner
            .store
            .quarantined()
            .map(|p| p.display().to_string())
    }

    /// Registers (or replaces) an app's manifest: app.json-shaped JSON with `name`,
    /// `permission`, `requiredPrivateInfos` and `privacy`. An app never registered
    /// acts as one with an empty manifest.
    pub fn register_manifest(
        &self,
        app_id: String,
        manifest_json: String,
    ) -> Result<(), AuthError> {
        let manifest = self.inner.registry.parse_manifest(&manifest_json)?;
        Ok(self.inner.install_manifest(&app_id, manifest)?)
    }

    /// Adds a host-defined scope next to the built-in ones.
    pub fn register_scope(&self, definition: ScopeDefinition) -> Result<(), AuthError> {
        Ok(self.inner.register_scope(definition)?)
    }

    /// Every scope the engine knows, built-in and host-defined.
    pub fn scopes(&self) -> Vec<ScopeDefinition> {
        self.inner.registry.catalogue().all().cloned().collect()
    }

    /// Installs (or removes, with `None`) the probe of the host's OS permissions.
    pub fn set_os_permission_probe(&self, probe: Option<Arc<dyn OsPermissionProbe>>) {
        self.inner.set_os_permission_probe(probe)
    }

    /// `wx.authorize({scope})`.
    pub async fn authorize(&self, caller: Caller, scope: String) -> ApiResult {
        main_safe::authorize(&self.inner, caller, scope).await
    }

    /// `wx.getSetting({withSubscriptions})`.
    pub async fn get_setting(&self, caller: Caller, with_subscriptions: bool) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.get_setting(&caller, with_subscriptions).await
        })
        .await
    }

    /// `wx.openSetting({withSubscriptions})`: fails unless `caller.user_gesture`.
    /// With subscriptions, the page also shows (and may switch) the app's
    /// subscription messages, and the result carries `subscriptionsSetting`.
    #[uniffi::method(default(with_subscriptions = false))]
    pub async fn open_setting(&self, caller: Caller, with_subscriptions: bool) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.open_setting(&caller, with_subscriptions).await
        })
        .await
    }

    /// `wx.authorizeForMiniProgram({scope})`, from a plugin.
    pub async fn authorize_for_mini_program(&self, caller: Caller, scope: String) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.authorize_for_mini_program(&caller, &scope).await
        })
        .await
    }

    /// `wx.getPrivacySetting()`.
    pub async fn get_privacy_setting(&self, caller: Caller) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.get_privacy_setting(&caller).await
        })
        .await
    }

    /// `wx.requirePrivacyAuthorize()`.
    pub async fn require_privacy_authorize(&self, caller: Caller) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.require_privacy_authorize(&caller).await
        })
        .await
    }

    /// The mini app's own privacy popup was agreed to: the user tapped its
    /// `<button open-type="agreePrivacyAuthorization">` (`button_id`, if the
    /// runtime passes it on). Made by the runtime that rendered the button, with
    /// the tap in `caller`; recorded like any other agreement.
    pub async fn agree_privacy_authorization(
        &self,
        caller: Caller,
        button_id: Option<String>,
    ) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.agree_privacy_authorization(&caller, button_id.as_deref())
                .await
        })
        .await
    }

    /// `wx.requestSubscribeMessage({tmplIds})`: asks the user (through
    /// `ConsentUi::ask_subscribe`, for the templates without a kept choice)
    /// whether the app may send one message of each; needs a tap.
    pub async fn request_subscribe_message(
        &self,
        caller: Caller,
        tmpl_ids: Vec<String>,
    ) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.request_subscribe_message(&caller, &tmpl_ids).await
        })
        .await
    }

    /// Turns an app's subscription messages on or off for a user (the host's
    /// own settings screen); recorded in the consent log. Off, the app's
    /// `requestSubscribeMessage` fails with errCode 20004.
    pub fn set_subscriptions_main_switch(
        &self,
        user_id: String,
        app_id: String,
        on: bool,
    ) -> Result<(), AuthError> {
        crate::caller::validate_id("user id", &user_id).map_err(crate::error::Error::from)?;
        crate::caller::validate_id("app id", &app_id).map_err(crate::error::Error::from)?;
        Ok(self.inner.set_subscriptions_main_switch(
            &user_id,
            &app_id,
            on,
            DecisionSource::Admin,
        )?)
    }

    /// `wx.openPrivacyContract()`.
    pub async fn open_privacy_contract(&self, caller: Caller) -> ApiResult {
        on_io_threads(&self.inner, |e| async move {
            e.open_privacy_contract(&caller).await
        })
        .await
    }

    /// The gate in front of a guarded API (`getLocation`, `startRecord`, ...): call
    /// it before running the API; the result is named after `api`.
    pub async fn ensure(&self, caller: Caller, api: String) -> ApiResult {
        main_safe::ensure(&self.inner, caller, api).await
    }

    /// The bridge: answers a mini app's call given as JSON (`{"api", "args"}`) with
    /// the result JSON. The identity is `caller`, never the payload.
    pub async fn handle(&self, caller: Caller, call_json: String) -> String {
        self.answer_text(caller, &call_json, false, None).await.json
    }

    /// The bridge for a page script's calls (the mini app's own `wx.*`): as
    /// [`Self::handle`], except that the runtime's own calls are refused —
    /// `agreePrivacyAuthorization` answers `api is not supported` (100): only
    /// the runtime that rendered the agree button reports its tap, through
    /// [`Self::agree_privacy_authorization`].
    /// `cancellation` (Swift's layer): as for [`Self::handle_cancellable`].
    #[uniffi::method(default(cancellation = None))]
    pub async fn handle_page_call(
        &self,
        caller: Caller,
        call_json: String,
        cancellation: Option<Arc<CallCancellation>>,
    ) -> String {
        self.answer_text(caller, &call_json, true, cancellation.as_deref())
            .await
            .json
    }

    /// [`Self::handle`], cancellable from outside, answering the whole
    /// [`ApiResult`]: cancelling `cancellation` ends the call and its dialog
    /// (the host's dialog future dropped, the dialog slot freed, nothing
    /// decided) and the call answers `cancelled by the host` (errno 1306).
    /// For Swift's layer, whose generated async calls never pass a `Task`'s
    /// cancellation on to the core; Kotlin's coroutines cancel calls themselves.
    pub async fn handle_cancellable(
        &self,
        caller: Caller,
        call_json: String,
        cancellation: Arc<CallCancellation>,
    ) -> ApiResult {
        self.answer_text(caller, &call_json, false, Some(&cancellation))
            .await
    }

    /// [`Self::ensure`], cancellable from outside as [`Self::handle_cancellable`] is.
    pub async fn ensure_cancellable(
        &self,
        caller: Caller,
        api: String,
        cancellation: Arc<CallCancellation>,
    ) -> ApiResult {
        let shown = api.clone();
        let call = main_safe::ensure(&self.inner, caller, api);
        unless_cancelled(&cancellation, call, |f| {
            ApiResult::of_ensure(&shown, Err(f))
        })
        .await
    }

    /// Lists a user's grants, optionally of one app.
    pub fn list_grants(
        &self,
        user_id: String,
        app_id: Option<String>,
    ) -> Result<Vec<Grant>, AuthError> {
        Ok(self.inner.list_grants(&user_id, app_id.as_deref())?)
    }

    /// Every user with anything stored about them in the database: a
    /// decision, a privacy agreement, a dismissal count or consent records (an
    /// allow-once answer, a subscription choice). A forgotten user is not listed.
    pub fn list_users(&self) -> Result<Vec<String>, AuthError> {
        Ok(self.inner.list_users()?)
    }

    /// Sets one scope to granted or denied (the host's own settings screen).
    pub fn set_grant(
        &self,
        user_id: String,
        app_id: String,
        plugin_id: Option<String>,
        scope: String,
        granted: bool,
    ) -> Result<(), AuthError> {
        Ok(self
            .inner
            .set_grant(&user_id, &app_id, plugin_id.as_deref(), &scope, granted)?)
    }

    /// Imports grants and denials from the host's earlier permission store:
    /// [`Self::import_from_host`] with `grants` only, reporting their counts.
    pub fn import_grants(&self, grants: Vec<ImportedGrant>) -> Result<ImportReport, AuthError> {
        Ok(self.inner.import_grants(grants)?)
    }

    /// Imports everything the host's earlier permission store holds — grants
    /// and denials (with their decision times and allow-until ends), privacy
    /// agreements (with the contract version agreed to), kept subscription
    /// choices and subscription main switches. Every entry is checked first:
    /// bad input fails the whole import, naming the entry, and changes
    /// nothing. Each entry whose key this database never decided is stored
    /// with the source `import` and a consent record at the time the user
    /// decided; one it did decide (newer than the host's store) is kept.
    pub fn import_from_host(&self, entries: HostImport) -> Result<HostImportReport, AuthError> {
        Ok(self.inner.import_from_host(&entries)?)
    }

    /// Forgets one decision; the scope is unasked again.
    pub fn revoke_grant(
        &self,
        user_id: String,
        app_id: String,
        plugin_id: Option<String>,
        scope: String,
    ) -> Result<(), AuthError> {
        Ok(self
            .inner
            .revoke_grant(&user_id, &app_id, plugin_id.as_deref(), &scope)?)
    }

    /// Resets an app (as on its deletion) for one user, or for all with `None`:
    /// its grants, its plugins' grants and the privacy agreement. Returns the
    /// number of grants removed.
    pub fn reset_app(&self, app_id: String, user_id: Option<String>) -> Result<u64, AuthError> {
        Ok(self.inner.reset_app(&app_id, user_id.as_deref())?)
    }

    /// Forgets a user's decisions (logout, account removal): grants, dismissal
    /// counts, privacy agreements and allow-once grants. The consent log keeps the
    /// user's records (it is the append-only evidence). Returns the number of
    /// grants removed.
    pub fn forget_user(&self, user_id: String) -> Result<u64, AuthError> {
        Ok(self.inner.forget_user(&user_id)?)
    }

    /// Ends a run of an app (the user closed it): its allow-once grants end.
    pub fn end_app_run(&self, user_id: String, app_id: String) -> Result<(), AuthError> {
        Ok(self.inner.end_app_run(&user_id, &app_id)?)
    }

    /// Housekeeping the host triggers (at start-up, daily): removes ended
    /// time-limited grants and revokes grants unused for
    /// `EngineConfig::auto_revoke_unused_days`, recording each.
    pub fn run_maintenance(&self) -> Result<MaintenanceReport, AuthError> {
        Ok(self.inner.run_maintenance()?)
    }

    /// The consent records of one user, or of everyone with `None`, oldest first
    /// (consent receipts).
    pub fn consent_records(
        &self,
        user_id: Option<String>,
    ) -> Result<Vec<ConsentRecord>, AuthError> {
        Ok(self.inner.consent_records(user_id.as_deref())?)
    }

    /// The result `api` called by `caller` would get now, and the rule that
    /// decides it — the log line behind "why no dialog" (SPEC §11). `scope`
    /// names the scope for `authorize` and `authorizeForMiniProgram`; any
    /// other `api` is a guarded API (`getLocation`, `getClipboardData`, ...),
    /// explained as `ensure` would decide it. It runs the same gate as the
    /// call, writes nothing and shows no dialog. (An allow-once grant is
    /// seen only by the engine that holds it.)
    pub fn explain(
        &self,
        caller: Caller,
        api: String,
        scope: Option<String>,
    ) -> Result<Explanation, AuthError> {
        Ok(self.inner.explain(&caller, &api, scope.as_deref())?)
    }

    /// Where every scope of `user_id` with anything stored about it stands
    /// now — granted, denied, allowed once, granted until a time, unasked,
    /// under the dismissal embargo, due for auto-revoke — by app, plugin and
    /// scope (a scope not listed is unasked). Read only.
    pub fn scope_standings(&self, user_id: String) -> Result<Vec<ScopeStanding>, AuthError> {
        Ok(self.inner.scope_standings(&user_id)?)
    }

    /// Checks the consent log's hash chain and names the first broken record.
    pub fn verify_consent_log(&self) -> Result<LogVerification, AuthError> {
        Ok(self.inner.verify_consent_log()?)
    }

    /// The consent log's last sequence number and hash, for anchoring elsewhere.
    pub fn consent_log_head(&self) -> Result<Head, AuthError> {
        Ok(self.inner.consent_log_head()?)
    }

    /// Sync (SPEC §10): up to `limit` (1-10,000) of the user's decisions made
    /// on this device that every device shares and that were not yet
    /// acknowledged uploaded, oldest first, each a JSON object as text for the
    /// host's transport to carry as is, and the cursor to hand to
    /// [`Self::sync_mark_uploaded`] once the host's backend has committed
    /// them. Empty when nothing waits. Nothing is marked until then: a batch
    /// asked for again is the same batch.
    pub fn sync_outgoing(&self, user_id: String, limit: u32) -> Result<SyncBatch, AuthError> {
        let (records, cursor) = self.inner.sync_outgoing(&user_id, limit)?;
        Ok(SyncBatch {
            records: records.iter().map(|r| r.to_string()).collect(),
            cursor,
        })
    }

    /// Sync: acknowledges the user's records up to `cursor` (from
    /// [`Self::sync_outgoing`]) as uploaded. Acknowledging again, or an older
    /// cursor, changes nothing.
    pub fn sync_mark_uploaded(&self, user_id: String, cursor: String) -> Result<(), AuthError> {
        Ok(self.inner.sync_mark_uploaded(&user_id, &cursor)?)
    }

    /// Sync: applies other devices' records for the user (JSON objects as
    /// text, as the backend returned them), in one durable transaction: per
    /// (app, plugin, scope) — and contract, template, main switch — the newest
    /// decision wins, a denial on a tie; a reset or forget overrides every
    /// older fact; an older grant never undoes a newer denial. Each record
    /// that takes effect enters the consent log with source `sync` and its
    /// origin device. Applying a batch again changes nothing. A record that
    /// is not valid JSON or breaks the record format fails the whole batch
    /// (`InvalidArgument`, naming it) and nothing changes; one from a newer
    /// core is kept, not applied (`rejected`).
    pub fn sync_apply(
        &self,
        user_id: String,
        records: Vec<String>,
    ) -> Result<SyncApplied, AuthError> {
        let values = records
            .iter()
            .enumerate()
            .map(|(at, text)| {
                serde_json::from_str(text).map_err(|e| AuthError::InvalidArgument {
                    reason: format!("record {at} of the batch is not JSON: {e}"),
                })
            })
            .collect::<Result<Vec<serde_json::Value>, AuthError>>()?;
        Ok(self.inner.sync_apply(&user_id, &values)?)
    }

    /// Sync: where the user's sync stands on this device (its id and clock,
    /// records waiting for upload, records kept from a newer core).
    pub fn sync_state(&self, user_id: String) -> Result<SyncState, AuthError> {
        Ok(self.inner.sync_state(&user_id)?)
    }

    /// Sync: forgets how far the user's records were uploaded, so that the
    /// next batches send them all again — after the host disconnected this
    /// device from its backend, or the backend lost data (it takes each
    /// record id once, so nothing is stored twice).
    pub fn sync_reset_uploads(&self, user_id: String) -> Result<(), AuthError> {
        Ok(self.inner.sync_reset_uploads(&user_id)?)
    }

    /// Closes the engine, before returning: every open dialog is taken down
    /// (the host's dialog future cancelled; the mini app's call answers
    /// `engine closed`, errno 1305), every grant observation ends (its
    /// observer told `observation_ended`), and the database file is closed —
    /// after a write under way, which stays. Later calls answer `engine
    /// closed` (mini-app calls) or fail `AuthError::Closed`. Calling it again
    /// does nothing. The layers' `close()` calls it on the calling thread and
    /// `shutdown()` on an I/O thread (closing checkpoints the WAL: disk I/O).
    pub fn shut_down(&self) {
        self.inner.shut_down();
    }

    /// Whether [`Self::shut_down`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// A handle for one caller identity (user, app, optional plugin), checked
    /// once here, for the hot path: `CallerHandle::authorize_cached` with a
    /// scope number ([`Self::scope_number`]) crosses the FFI with primitives only.
    pub fn caller_handle(
        &self,
        user_id: String,
        app_id: String,
        plugin_id: Option<String>,
    ) -> Result<Arc<CallerHandle>, AuthError> {
        let caller = Caller {
            user_id,
            app_id,
            plugin_id,
            user_gesture: false,
        };
        caller.validate().map_err(crate::error::Error::from)?;
        Ok(Arc::new(CallerHandle::new(&self.inner, caller)))
    }

    /// The number `CallerHandle`'s calls name `scope` by (the same for the
    /// engine's life), or `None` when the engine knows no such scope (register
    /// a host scope before numbering it).
    pub fn scope_number(&self, scope: String) -> Option<u32> {
        let known = self.inner.registry.read().catalogue.get(&scope).is_some();
        known.then(|| self.inner.scope_numbers.number(&scope))
    }

    /// The number `CallerHandle::ensure_cached` and `CallerHandle::ensure` name
    /// guarded API `api` by (`getLocation`, `startRecord`, a host scope's API,
    /// a privacy interface no scope guards such as `getClipboardData` or
    /// `button.getPhoneNumber`; the same for the engine's life), or `None` when
    /// nothing the engine knows gates it.
    pub fn api_number(&self, api: String) -> Option<u32> {
        let known = mini_app_api::gating_of(&api, &self.inner.registry.read().catalogue).is_some();
        known.then(|| self.inner.api_numbers.number(&api))
    }

    /// What `ensure` of `api` answers when its gate allows it, word for word
    /// (`{"errMsg":"getClipboardData:ok"}`; a button in its event's name,
    /// `button.getPhoneNumber` → `getPhoneNumber:ok`): what the layers' hot
    /// path answers without crossing again.
    pub fn ensure_ok(&self, api: String) -> ApiResult {
        ApiResult::of_ensure(&api, Ok(()))
    }

    /// Tells `observer` a user's grants now and after every change, whatever
    /// made it (a dialog, the settings page, administration, an ended grant,
    /// another process), on the core's watch thread, until the returned
    /// observation is cancelled or dropped.
    pub fn observe_grants(
        &self,
        user_id: String,
        observer: Arc<dyn GrantObserver>,
    ) -> Result<Arc<GrantObservation>, AuthError> {
        crate::caller::validate_id("user id", &user_id).map_err(crate::error::Error::from)?;
        if self.inner.is_closed() {
            return Err(AuthError::Closed);
        }
        Ok(Arc::new(self.inner.watch.observe(
            &self.inner,
            user_id,
            observer,
        )))
    }
}

impl AuthEngine {
    /// Blocks until the database's commit count — this engine's commits and
    /// the other connections' (processes') it found — is past `seen`, or
    /// `timeout_ms` passed; returns the count then (a tool showing the file
    /// live calls it in a loop, from a thread that may block: the
    /// inspector's refresh). Reads nothing else, writes nothing.
    pub fn wait_for_commit(&self, seen: u64, timeout_ms: u32) -> Result<u64, AuthError> {
        let timeout = std::time::Duration::from_millis(u64::from(timeout_ms));
        Ok(self.inner.wait_for_commit(seen, timeout)?)
    }

    /// [`Self::sync_outgoing`] with the records as JSON values (Rust hosts,
    /// the CLI's bridge).
    pub fn sync_outgoing_values(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<(Vec<serde_json::Value>, String), AuthError> {
        Ok(self.inner.sync_outgoing(user_id, limit)?)
    }

    /// [`Self::sync_apply`] for records already parsed (Rust hosts, the CLI's
    /// bridge).
    pub fn sync_apply_values(
        &self,
        user_id: &str,
        records: &[serde_json::Value],
    ) -> Result<SyncApplied, AuthError> {
        Ok(self.inner.sync_apply(user_id, records)?)
    }

    /// Opens the database at `db_path` with an injected clock (Rust hosts, tests).
    pub fn open_with_clock(
        db_path: &str,
        ui: Arc<dyn ConsentUi>,
        config: Option<EngineConfig>,
        clock: Arc<dyn Clock>,
    ) -> Result<AuthEngine, AuthError> {
        if db_path.trim().is_empty() || db_path.contains('\0') {
            return Err(AuthError::InvalidArgument {
                reason: "the database path must not be empty (use in_memory for no file)".into(),
            });
        }
        let store = store::Store::open(std::path::Path::new(db_path))?;
        Ok(AuthEngine {
            inner: Arc::new(engine::Engine::new(
                store,
                ui,
                config.unwrap_or_default(),
                clock,
            )),
        })
    }

    /// The JSON entry for a call already decoded from JSON (`{"api", "args"}`):
    /// what [`Self::handle`] does after parsing, for Rust hosts that parsed the
    /// call themselves (the CLI's JSON-lines bridge).
    pub async fn handle_value(&self, caller: Caller, call: serde_json::Value) -> ApiResult {
        self.answer_read(caller, json_call::read_value(call), false, None)
            .await
    }

    /// [`Self::handle_value`] for a page script's call: as
    /// [`Self::handle_page_call`], the runtime's own calls are refused (the
    /// CLI's bridge, for a line that does not say `"from":"runtime"`).
    pub async fn handle_page_value(&self, caller: Caller, call: serde_json::Value) -> ApiResult {
        self.answer_read(caller, json_call::read_value(call), true, None)
            .await
    }

    /// The answer to a call already decoded from JSON if memory alone gives it
    /// (`authorize` the cache answers, a guarded API's gate allowing now), with
    /// no I/O on this thread (a "last used" note goes to the core's I/O
    /// threads, as for every cached answer); `None` otherwise, and then no
    /// dialog and no work was started (a malformed call is answered: its
    /// refusal needs no I/O either). For
    /// Rust hosts that budget their threads: the CLI's bridge answers these
    /// whatever its calls in flight.
    pub fn answer_from_memory(
        &self,
        caller: &Caller,
        call: serde_json::Value,
    ) -> Option<ApiResult> {
        let (api, args) = match json_call::read_value(call) {
            Ok(call) => call,
            Err(refused) => return Some(refused),
        };
        json_call::answer_from_memory(&self.inner, caller, &api, &args)
    }

    /// A bridge call as JSON text, answered as [`Self::answer_read`] does.
    async fn answer_text(
        &self,
        caller: Caller,
        call_json: &str,
        from_a_page: bool,
        cancellation: Option<&CallCancellation>,
    ) -> ApiResult {
        let call = json_call::read_text(call_json);
        self.answer_read(caller, call, from_a_page, cancellation)
            .await
    }

    /// The one way a bridge call is answered: a call that could not be read
    /// answers its refusal; `from_a_page`, a runtime-only API is refused
    /// ([`json_call::refused_from_a_page`]); then [`Self::answer_now`], ended
    /// early — `cancelled by the host` — if `cancellation` is cancelled first.
    async fn answer_read(
        &self,
        caller: Caller,
        call: json_call::ReadCall,
        from_a_page: bool,
        cancellation: Option<&CallCancellation>,
    ) -> ApiResult {
        let (api, args) = match call {
            Ok(call) => call,
            Err(refused) => return refused,
        };
        if from_a_page {
            if let Some(refused) = json_call::refused_from_a_page(&api) {
                return refused;
            }
        }
        let Some(cancellation) = cancellation else {
            return self.answer_now(caller, api, args).await;
        };
        let shown = api.clone();
        let answer = self.answer_now(caller, api, args);
        unless_cancelled(cancellation, answer, |f| ApiResult::failure(&shown, &f)).await
    }

    /// A call read from JSON, answered from memory on this thread when it can be
    /// (`authorize` the cache answers, a guarded API's gate allowing now), else
    /// on the core's I/O threads.
    async fn answer_now(
        &self,
        caller: Caller,
        api: String,
        args: serde_json::Map<String, serde_json::Value>,
    ) -> ApiResult {
        if let Some(answer) = json_call::answer_from_memory(&self.inner, &caller, &api, &args) {
            return answer;
        }
        on_io_threads(&self.inner, |e| async move {
            json_call::answer(&e, &caller, api, args).await
        })
        .await
    }

    /// Registers (or replaces) an app's manifest already decoded from JSON (see
    /// [`Self::register_manifest`]).
    pub fn register_manifest_value(
        &self,
        app_id: &str,
        manifest: serde_json::Value,
    ) -> Result<(), AuthError> {
        let manifest = self.inner.registry.manifest_from_value(manifest)?;
        Ok(self.inner.install_manifest(app_id, manifest)?)
    }
}
