//! The mini-app APIs of SPEC §4 on the engine: `authorize`,
//! `authorizeForMiniProgram`, the guarded-API gate `ensure`, `getSetting`,
//! `openSetting` (the settings page), `getPrivacySetting`,
//! `requirePrivacyAuthorize` and `openPrivacyContract`. Each answers in the
//! WeChat dialect; the gate, the dialogs and the store are in [`crate::engine`].

use serde_json::{Map, Value};

use crate::caller::Caller;
use crate::consent_ui::{PrivacyRequest, ScopeSetting, SettingsRequest};
use crate::dialect::{ApiResult, Failure};
use crate::engine::{decide, read, record, storage, Engine, BACKGROUND_LOCATION_API};
use crate::manifest::PRIVATE_INFO_APIS;
use crate::policy::{self, GrantState, Lifetime, PrivacyGate};
use crate::scopes::{ScopeKind, PLUGIN_SCOPES};
use crate::store::consent_log::NewRecord;
use crate::store::{Change, DecisionSource, Namespace, NamespaceRef};

impl Engine {
    /// `wx.authorize({scope})`.
    pub async fn authorize(&self, caller: &Caller, scope: &str) -> ApiResult {
        let api = "authorize";
        ApiResult::from_outcome(
            api,
            self.authorize_in(api, caller, scope, caller.namespace_ref())
                .await,
        )
    }

    async fn authorize_in(
        &self,
        api: &str,
        caller: &Caller,
        scope: &str,
        ns: NamespaceRef<'_>,
    ) -> std::result::Result<(), Failure> {
        caller.validate()?;
        if let Some(answer) = self.answer_from_cache(caller, ns, scope) {
            return answer;
        }
        let scope = self.scope(scope).ok_or(Failure::InvalidScope)?;
        // Boxed: the full path's state (dialogs, timers) would otherwise make the
        // future of every call — most of which end above — a kilobyte to move.
        Box::pin(self.gate(api, caller, ns, &scope)).await
    }

    /// `wx.authorizeForMiniProgram({scope})`: a plugin asks, on behalf of the mini
    /// program, for one of three scopes; the grant is the app's own.
    pub async fn authorize_for_mini_program(&self, caller: &Caller, scope: &str) -> ApiResult {
        let api = "authorizeForMiniProgram";
        let outcome = async {
            caller.validate()?;
            if caller.plugin_id.is_none() {
                return Err(Failure::PluginOnly);
            }
            if !PLUGIN_SCOPES.contains(&scope) {
                return Err(match self.scope(scope) {
                    Some(_) => Failure::NotSupportedForPlugin(scope.to_string()),
                    None => Failure::InvalidScope,
                });
            }
            self.authorize_in(api, caller, scope, caller.app_namespace_ref())
                .await
        };
        ApiResult::from_outcome(api, outcome.await)
    }

    /// A guarded API (`getLocation`, `startRecord`, ...): the same gate as
    /// `authorize` for the scope guarding it, answering in that API's name.
    pub async fn ensure(&self, caller: &Caller, api: &str) -> ApiResult {
        let outcome = async {
            caller.validate()?;
            let scope = read(&self.registry)
                .catalogue
                .scope_for_api(api)
                .cloned()
                .ok_or(Failure::UnsupportedApi)?;
            if PRIVATE_INFO_APIS.contains(&api)
                && !self.manifest(&caller.app_id).declares_private_api(api)
            {
                return Err(Failure::NotInRequiredPrivateInfos);
            }
            self.gate(api, caller, caller.namespace_ref(), &scope).await
        };
        let outcome = outcome.await;
        // Names from outside the catalogue are echoed only when they look like API names.
        let shown = if crate::scopes::is_api_name(api) {
            api
        } else {
            "ensure"
        };
        ApiResult::from_outcome(shown, outcome)
    }

    /// The `authSetting` object of a namespace: decided scopes (as they stand
    /// now) and the always-true ones.
    fn auth_setting(
        &self,
        caller: &Caller,
        ns: &Namespace,
    ) -> std::result::Result<Map<String, Value>, Failure> {
        let stored = storage(self.store.namespace(ns))?;
        let manifest = self.manifest(&caller.app_id);
        let registry = read(&self.registry);
        let catalogue = &registry.catalogue;
        let mut setting = Map::new();
        for scope in catalogue.all() {
            let value = match scope.kind {
                ScopeKind::AlwaysGranted => true,
                ScopeKind::NeverPrompts => continue,
                _ => match self.effective_state(ns, &scope.name, &manifest, &stored) {
                    GrantState::Granted => true,
                    GrantState::Denied => false,
                    GrantState::Unasked => continue,
                },
            };
            setting.insert(scope.name.clone(), Value::Bool(value));
        }
        Ok(setting)
    }

    /// `wx.getSetting({withSubscriptions})`.
    pub async fn get_setting(&self, caller: &Caller, with_subscriptions: bool) -> ApiResult {
        let api = "getSetting";
        let outcome = (|| {
            caller.validate()?;
            let mut extra = Map::new();
            extra.insert(
                "authSetting".into(),
                Value::Object(self.auth_setting(caller, &caller.namespace())?),
            );
            if with_subscriptions {
                extra.insert(
                    "subscriptionsSetting".into(),
                    serde_json::json!({"mainSwitch": true, "itemSettings": {}}),
                );
            }
            Ok(extra)
        })();
        ApiResult::from_fields(api, outcome)
    }

    /// `wx.openSetting()`: needs a user tap; shows the settings page and applies
    /// what the user changed there.
    pub async fn open_setting(&self, caller: &Caller) -> ApiResult {
        let api = "openSetting";
        let outcome = self.open_setting_inner(caller).await.map(|setting| {
            let mut extra = Map::new();
            extra.insert("authSetting".into(), Value::Object(setting));
            extra
        });
        ApiResult::from_fields(api, outcome)
    }

    async fn open_setting_inner(
        &self,
        caller: &Caller,
    ) -> std::result::Result<Map<String, Value>, Failure> {
        caller.validate()?;
        if !caller.user_gesture {
            return Err(Failure::NeedsUserGesture);
        }
        let ns = caller.namespace();
        let _slot = self.slots.acquire(&caller.user_id, &caller.app_id).await;
        let manifest = self.manifest(&caller.app_id);
        let stored = storage(self.store.namespace(&ns))?;
        let knobs = self.knobs();
        let now = self.clock.now_ms();
        let shown: Vec<(String, String, GrantState)> = {
            let registry = read(&self.registry);
            let catalogue = &registry.catalogue;
            catalogue
                .all()
                .filter_map(|scope| {
                    let state = self.effective_state(&ns, &scope.name, &manifest, &stored);
                    // A scope under a dismissal embargo is listed (off), so that
                    // the user can still turn it on here.
                    let embargoed = knobs.max_dismissals > 0
                        && stored.fatigue.get(&scope.name).is_some_and(|f| {
                            f.dismissals >= knobs.max_dismissals
                                && now < f.last_dismissed_at_ms.saturating_add(knobs.cooldown_ms)
                        });
                    let listed = match scope.kind {
                        ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts => false,
                        ScopeKind::SettingsOnly => {
                            state != GrantState::Unasked
                                || manifest.declares_private_api(BACKGROUND_LOCATION_API)
                        }
                        ScopeKind::Promptable => state != GrantState::Unasked || embargoed,
                    };
                    listed.then(|| (scope.name.clone(), scope.title.clone(), state))
                })
                .collect()
        };
        let request = SettingsRequest {
            user_id: caller.user_id.clone(),
            app_id: caller.app_id.clone(),
            plugin_id: caller.plugin_id.clone(),
            app_name: self.app_name(caller, &manifest),
            items: shown
                .iter()
                .map(|(scope, title, state)| ScopeSetting {
                    scope: scope.clone(),
                    title: title.clone(),
                    granted: *state == GrantState::Granted,
                })
                .collect(),
        };
        let answered = self.dialog(self.ui.show_settings(request)).await?;
        let shown: Vec<(String, GrantState)> = shown
            .into_iter()
            .map(|(scope, _, state)| (scope, state))
            .collect();
        let answered: Vec<(String, bool)> =
            answered.into_iter().map(|s| (s.scope, s.granted)).collect();
        let changes = policy::settings_changes(&shown, &answered);
        if !changes.is_empty() {
            let stored: Vec<Change> = changes
                .iter()
                .map(|(scope, state)| decide(scope, *state, None, &manifest))
                .collect();
            let records: Vec<NewRecord> = changes
                .iter()
                .map(|(scope, state)| match state {
                    GrantState::Granted => record(
                        &ns,
                        Some(scope),
                        "granted",
                        Some(Lifetime::Permanent),
                        &manifest,
                        "settings",
                    ),
                    _ => record(&ns, Some(scope), "denied", None, &manifest, "settings"),
                })
                .collect();
            storage(self.store.apply(
                &ns,
                &stored,
                &records,
                DecisionSource::Settings,
                self.clock.now_ms(),
            ))?;
            for (scope, _) in &changes {
                self.session.revoke(&ns, scope);
            }
        }
        self.auth_setting(caller, &ns)
    }

    /// `wx.getPrivacySetting()`.
    pub async fn get_privacy_setting(&self, caller: &Caller) -> ApiResult {
        let api = "getPrivacySetting";
        let outcome = (|| {
            caller.validate()?;
            let manifest = self.manifest(&caller.app_id);
            let gate = self.privacy_gate(caller, &manifest)?;
            let mut extra = Map::new();
            extra.insert(
                "needAuthorization".into(),
                Value::Bool(gate == PrivacyGate::NotAgreed),
            );
            extra.insert(
                "privacyContractName".into(),
                Value::String(
                    manifest
                        .privacy
                        .as_ref()
                        .map(|c| c.contract_name.clone())
                        .unwrap_or_default(),
                ),
            );
            Ok(extra)
        })();
        ApiResult::from_fields(api, outcome)
    }

    /// `wx.requirePrivacyAuthorize()`: asks for agreement when it is needed.
    pub async fn require_privacy_authorize(&self, caller: &Caller) -> ApiResult {
        let api = "requirePrivacyAuthorize";
        let outcome = async {
            caller.validate()?;
            let manifest = self.manifest(&caller.app_id);
            match self.privacy_gate(caller, &manifest)? {
                PrivacyGate::NotAgreed => self.privacy_prompt(api, caller).await,
                _ => Ok(()),
            }
        };
        ApiResult::from_outcome(api, outcome.await)
    }

    /// `wx.openPrivacyContract()`: the host shows the contract.
    pub async fn open_privacy_contract(&self, caller: &Caller) -> ApiResult {
        let api = "openPrivacyContract";
        let outcome = async {
            caller.validate()?;
            let manifest = self.manifest(&caller.app_id);
            let contract = manifest.privacy.clone().ok_or(Failure::NoPrivacyContract)?;
            let _slot = self.slots.acquire(&caller.user_id, &caller.app_id).await;
            let request = PrivacyRequest {
                user_id: caller.user_id.clone(),
                app_id: caller.app_id.clone(),
                app_name: self.app_name(caller, &manifest),
                contract_name: contract.contract_name,
                contract_version: contract.version,
                api: api.to_string(),
            };
            self.dialog(self.ui.show_privacy_contract(request)).await
        };
        ApiResult::from_outcome(api, outcome.await)
    }
}
