//! The host's administration of decisions: listing, setting and revoking grants,
//! resetting an app, forgetting a user, ending an app's run, maintenance
//! (expiry and auto-revoke), and the consent log. Each change is recorded in the
//! consent log in the same transaction.

use crate::caller::{validate_id, Caller};
use crate::engine::{decide, record, Engine};
use crate::error::{Error, Result};
use crate::policy::{GrantState, Lifetime};
use crate::scopes::ScopeKind;
use crate::store::consent_log::{ConsentRecord, Head, LogVerification, NewRecord};
use crate::store::{Change, DecisionSource, Grant, MaintenanceReport, Namespace};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn invalid(what: &str, id: &str) -> Result<()> {
    validate_id(what, id).map_err(|f| Error::InvalidArgument(f.reason()))
}

impl Engine {
    fn admin_namespace(user_id: &str, app_id: &str, plugin_id: Option<&str>) -> Result<Namespace> {
        let caller = Caller {
            user_id: user_id.to_string(),
            app_id: app_id.to_string(),
            plugin_id: plugin_id.map(str::to_string),
            user_gesture: false,
        };
        caller
            .validate()
            .map_err(|f| Error::InvalidArgument(f.reason()))?;
        Ok(caller.namespace())
    }

    fn decidable_scope(&self, scope: &str) -> Result<()> {
        match self.scope(scope).map(|s| s.kind) {
            Some(ScopeKind::Promptable | ScopeKind::SettingsOnly) => Ok(()),
            Some(_) => Err(Error::InvalidScope(format!(
                "{scope} cannot be granted or revoked"
            ))),
            None => Err(Error::InvalidScope(format!("{scope} is not a known scope"))),
        }
    }

    /// Lists a user's grants, optionally of one app.
    pub fn list_grants(&self, user_id: &str, app_id: Option<&str>) -> Result<Vec<Grant>> {
        invalid("user id", user_id)?;
        self.store.list(user_id, app_id)
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
        let ns = Self::admin_namespace(user_id, app_id, plugin_id)?;
        self.decidable_scope(scope)?;
        let manifest = self.manifest(app_id);
        let (state, decision, lifetime) = if granted {
            (GrantState::Granted, "granted", Some(Lifetime::Permanent))
        } else {
            (GrantState::Denied, "denied", None)
        };
        let change = decide(scope, state, None, &manifest);
        let record = record(&ns, Some(scope), decision, lifetime, &manifest, "admin");
        self.admin_change(&ns, scope, change, record)
    }

    /// Stores one administrative change with its consent record; it replaces
    /// any allow-once grant of the scope.
    fn admin_change(
        &self,
        ns: &Namespace,
        scope: &str,
        change: Change,
        record: NewRecord,
    ) -> Result<()> {
        self.store.apply(
            ns,
            &[change],
            &[record],
            DecisionSource::Admin,
            self.clock.now_ms(),
        )?;
        self.session.revoke(ns, scope);
        Ok(())
    }

    /// Forgets one decision: the scope is unasked again.
    pub fn revoke_grant(
        &self,
        user_id: &str,
        app_id: &str,
        plugin_id: Option<&str>,
        scope: &str,
    ) -> Result<()> {
        let ns = Self::admin_namespace(user_id, app_id, plugin_id)?;
        self.decidable_scope(scope)?;
        let manifest = self.manifest(app_id);
        let change = Change::Forget {
            scope: scope.to_string(),
        };
        let record = record(&ns, Some(scope), "revoked", None, &manifest, "admin");
        self.admin_change(&ns, scope, change, record)
    }

    /// Resets an app for one user or all users (as on app deletion).
    pub fn reset_app(&self, app_id: &str, user_id: Option<&str>) -> Result<u64> {
        invalid("app id", app_id)?;
        if let Some(user) = user_id {
            invalid("user id", user)?;
        }
        let removed = self.store.reset_app(user_id, app_id, self.clock.now_ms())?;
        self.session.end(user_id, Some(app_id));
        Ok(removed)
    }

    /// Forgets a user's decisions (logout, account removal).
    pub fn forget_user(&self, user_id: &str) -> Result<u64> {
        invalid("user id", user_id)?;
        let removed = self.store.forget_user(user_id, self.clock.now_ms())?;
        self.session.end(Some(user_id), None);
        Ok(removed)
    }

    /// Ends a run of an app: its allow-once grants (and its plugins') are gone.
    pub fn end_app_run(&self, user_id: &str, app_id: &str) -> Result<()> {
        invalid("user id", user_id)?;
        invalid("app id", app_id)?;
        self.session.end(Some(user_id), Some(app_id));
        Ok(())
    }

    /// Removes ended time-limited grants and, when `auto_revoke_unused_days` is
    /// set, revokes grants unused that long; each removal is recorded.
    pub fn run_maintenance(&self) -> Result<MaintenanceReport> {
        let now = self.clock.now_ms();
        let unused_before = match self.config.auto_revoke_unused_days {
            0 => None,
            days => Some(now.saturating_sub(i64::from(days) * DAY_MS)),
        };
        self.store.maintenance(now, unused_before)
    }

    /// The consent records of one user (or everyone), oldest first.
    pub fn consent_records(&self, user_id: Option<&str>) -> Result<Vec<ConsentRecord>> {
        if let Some(user) = user_id {
            invalid("user id", user)?;
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
