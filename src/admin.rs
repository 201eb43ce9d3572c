//! The host's administration of decisions, as thin orchestration: listing,
//! setting and revoking grants (stored through [`crate::decisions`] like any
//! other decision), resetting an app, forgetting a user, ending an app's run,
//! maintenance (expiry and auto-revoke), and reading the consent log. Each
//! change is recorded in the consent log in the same transaction.

use crate::admin_records::{DecisionSource, Grant, MaintenanceReport};
use crate::caller::{validate_id, Caller};
use crate::consent_record::{ConsentRecord, Head, LogVerification};
use crate::decisions::Decision;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::namespace::Namespace;
use crate::scopes::ScopeKind;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Engine {
    pub(crate) fn admin_namespace(
        user_id: &str,
        app_id: &str,
        plugin_id: Option<&str>,
    ) -> Result<Namespace> {
        let caller = Caller {
            user_id: user_id.to_string(),
            app_id: app_id.to_string(),
            plugin_id: plugin_id.map(str::to_string),
            user_gesture: false,
        };
        caller.validate()?;
        Ok(caller.namespace())
    }

    pub(crate) fn decidable_scope(&self, scope: &str) -> Result<()> {
        match self.registry.read().catalogue.get(scope).map(|s| s.kind) {
            Some(ScopeKind::Promptable | ScopeKind::SettingsOnly) => Ok(()),
            Some(_) => Err(Error::InvalidScope(format!(
                "{scope} cannot be granted or revoked"
            ))),
            None => Err(Error::InvalidScope(format!("{scope} is not a known scope"))),
        }
    }

    /// Stores a `decision` about one scope made outside any dialog (`source`:
    /// administration or an import).
    pub(crate) fn decision_from(
        &self,
        user_id: &str,
        app_id: &str,
        plugin_id: Option<&str>,
        scope: &str,
        decision: Decision,
        source: DecisionSource,
    ) -> Result<()> {
        let ns = Self::admin_namespace(user_id, app_id, plugin_id)?;
        self.decidable_scope(scope)?;
        let manifest = self.registry.snapshot(app_id).manifest;
        self.decisions()
            .store(&ns, &[(scope, decision)], source, &manifest, None)
    }

    /// Lists a user's grants, optionally of one app.
    pub fn list_grants(&self, user_id: &str, app_id: Option<&str>) -> Result<Vec<Grant>> {
        validate_id("user id", user_id)?;
        self.store.list(user_id, app_id)
    }

    /// Every user with anything stored about them (`Store::users`).
    pub fn list_users(&self) -> Result<Vec<String>> {
        self.store.users()
    }

    /// Sets one scope to granted or denied (the host's own settings screen).
    pub fn set_grant(
        &self,
        user_id: &str,
        app_id: &str,
        plugin_id: Option<&str>,
        scope: &str,
        granted: bool,
    ) -> Result<()> {
        let decision = match granted {
            true => Decision::Grant(crate::policy::Lifetime::Permanent),
            false => Decision::Deny,
        };
        self.decision_from(
            user_id,
            app_id,
            plugin_id,
            scope,
            decision,
            DecisionSource::Admin,
        )
    }

    /// Forgets one decision: the scope is unasked again.
    pub fn revoke_grant(
        &self,
        user_id: &str,
        app_id: &str,
        plugin_id: Option<&str>,
        scope: &str,
    ) -> Result<()> {
        self.decision_from(
            user_id,
            app_id,
            plugin_id,
            scope,
            Decision::Revoke,
            DecisionSource::Admin,
        )
    }

    /// Resets an app for one user or all users (as on app deletion).
    pub fn reset_app(&self, app_id: &str, user_id: Option<&str>) -> Result<u64> {
        validate_id("app id", app_id)?;
        if let Some(user) = user_id {
            validate_id("user id", user)?;
        }
        let removed = self.store.reset_app(user_id, app_id, self.clock.now_ms())?;
        self.allow_once.end(user_id, Some(app_id));
        Ok(removed)
    }

    /// Forgets a user's decisions (logout, account removal).
    pub fn forget_user(&self, user_id: &str) -> Result<u64> {
        validate_id("user id", user_id)?;
        let removed = self.store.forget_user(user_id, self.clock.now_ms())?;
        self.allow_once.end(Some(user_id), None);
        Ok(removed)
    }

    /// Ends a run of an app: its allow-once grants (and its plugins') are gone.
    pub fn end_app_run(&self, user_id: &str, app_id: &str) -> Result<()> {
        validate_id("user id", user_id)?;
        validate_id("app id", app_id)?;
        self.allow_once.end(Some(user_id), Some(app_id));
        Ok(())
    }

    /// Removes ended time-limited grants and, when `auto_revoke_unused_days` is
    /// set, revokes grants unused that long; each removal is recorded.
    pub fn run_maintenance(&self) -> Result<MaintenanceReport> {
        let now = self.clock.now_ms();
        self.store.maintenance(now, self.unused_before(now))
    }

    /// Auto-revoke's cut-off at `now`: a grant last used (or, never used,
    /// decided) before it is revoked by maintenance; `None` when the host
    /// turned auto-revoke off.
    pub(crate) fn unused_before(&self, now: i64) -> Option<i64> {
        match self.config.auto_revoke_unused_days {
            0 => None,
            days => Some(now.saturating_sub(i64::from(days) * DAY_MS)),
        }
    }

    /// The consent records of one user (or everyone), oldest first.
    pub fn consent_records(&self, user_id: Option<&str>) -> Result<Vec<ConsentRecord>> {
        if let Some(user) = user_id {
            validate_id("user id", user)?;
        }
        self.store.consent_records(user_id)
    }

    /// Checks the consent log's hash chain.
    pub fn verify_consent_log(&self) -> Result<LogVerification> {
        self.store.verify_consent_log()
    }

    /// The consent log's last sequence number and hash (to anchor elsewhere).
    pub fn consent_log_head(&self) -> Result<Head> {
        self.store.consent_log_head()
    }
}
