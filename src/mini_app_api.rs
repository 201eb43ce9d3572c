//! The mini-app APIs of SPEC §4 that gate a scope or the privacy contract:
//! `authorize`, `authorizeForMiniProgram`, a guarded API's `ensure`,
//! `getPrivacySetting`, `requirePrivacyAuthorize` and `openPrivacyContract`. Each
//! checks its arguments, runs the flow (`authorize_flow.rs`) and answers in the
//! WeChat dialect. The settings APIs are in `settings_page.rs`.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::caller::Caller;
use crate::consent_record::RecordSource;
use crate::consent_ui::PrivacyRequest;
use crate::dialect::{ApiResult, Failure};
use crate::engine::Engine;
use crate::gate::Upkeep;
use crate::manifest::{Manifest, PRIVATE_INFO_APIS};
use crate::plugin_rules;
use crate::policy::{PrivacyGate, Request, Verdict};
use crate::scopes::PLUGIN_SCOPES;
use crate::scopes::{privacy_only_scope, ScopeCatalogue, ScopeDefinition, TAP_ONLY_APIS};

impl Engine {
    /// `wx.authorize({scope})`.
    pub async fn authorize(&self, caller: &Caller, scope: &str) -> ApiResult {
        let api = "authorize";
        let outcome = match caller
            .validate()
            .and_then(|()| plugin_rules::offered_to(caller, api))
        {
            Ok(()) => {
                self.authorize_scope(api, caller, caller.namespace_ref(), scope)
                    .await
            }
            Err(failure) => Err(failure),
        };
        ApiResult::from_outcome(api, outcome)
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
                return Err(match self.registry.read().catalogue.get(scope) {
                    Some(_) => Failure::NotSupportedForPlugin(scope.to_string()),
                    None => Failure::InvalidScope,
                });
            }
            self.authorize_scope(api, caller, caller.app_namespace_ref(), scope)
                .await
        };
        ApiResult::from_outcome(api, outcome.await)
    }

    /// A guarded API (`getLocation`, `startRecord`, ...): the same gate as
    /// `authorize` for the scope guarding it, answering in that API's name.
    pub async fn ensure(&self, caller: &Caller, api: &str) -> ApiResult {
        let outcome = async {
            caller.validate()?;
            let snapshot = self.registry.snapshot(&caller.app_id);
            let (scope, request) =
                guarded_scope(api, caller, &snapshot.catalogue, &snapshot.manifest)?;
            let scope = scope.clone();
            let ns = caller.namespace_ref();
            self.run_gate(request, api, caller, ns, &scope, &snapshot, None)
                .await
        };
        ApiResult::of_ensure(api, outcome.await)
    }

    /// `ensure` of `api` answered from memory: `Some` with the scope gating it
    /// and what is left to write about its grant ([`crate::gate::Upkeep`]) when
    /// the full call would allow it now; `None` when it would not, or cannot be
    /// told without the database or a dialog (the full call answers). No I/O.
    pub(crate) fn ensure_allowed_from_cache(
        &self,
        caller: &Caller,
        api: &str,
    ) -> Option<(Arc<ScopeDefinition>, Upkeep)> {
        caller.validate().ok()?;
        let ns = caller.namespace_ref();
        let (scope, request) = {
            let registry = self.registry.read();
            let manifest = registry.manifest(&caller.app_id);
            let (scope, request) =
                guarded_scope(api, caller, &registry.catalogue, manifest).ok()?;
            (scope.clone(), request)
        };
        match self
            .gate()
            .cached_verdict(request, &caller.app_id, ns, &scope.name)?
        {
            (_, Upkeep::StoreEnd { .. }) => None,
            (Verdict::Allow, upkeep) => Some((scope, upkeep)),
            _ => None,
        }
    }

    /// `wx.getPrivacySetting()`.
    pub async fn get_privacy_setting(&self, caller: &Caller) -> ApiResult {
        let api = "getPrivacySetting";
        let outcome = (|| {
            caller.validate()?;
            let manifest = self.registry.snapshot(&caller.app_id).manifest;
            let gate = self
                .gate()
                .privacy(&caller.user_id, &caller.app_id, &manifest, None)?;
            let mut extra = Map::new();
            extra.insert(
                "needAuthorization".into(),
                Value::Bool(matches!(
                    gate,
                    PrivacyGate::NotAgreed | PrivacyGate::RefusedRecently
                )),
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
            let manifest = self.registry.snapshot(&caller.app_id).manifest;
            match self
                .gate()
                .privacy(&caller.user_id, &caller.app_id, &manifest, None)?
            {
                PrivacyGate::NotAgreed => self.ask_privacy(api, caller, &manifest).await,
                PrivacyGate::RefusedRecently => Err(Failure::PrivacyNotAuthorized),
                PrivacyGate::NoContract | PrivacyGate::Agreed => Ok(()),
            }
        };
        ApiResult::from_outcome(api, outcome.await)
    }

    /// `agreePrivacyAuthorization`: the user tapped the mini app's own agree
    /// button (`<button open-type="agreePrivacyAuthorization">`; the runtime
    /// that rendered it makes the call, with the tap). A tap is required and the
    /// app must have a contract; the agreement is recorded like any other
    /// (source `privacy-button`) unless it is already covered. `button_id` is the
    /// button's id, which WeChat hands to the listener's `resolve`; the core
    /// needs nothing of it.
    pub async fn agree_privacy_authorization(
        &self,
        caller: &Caller,
        _button_id: Option<&str>,
    ) -> ApiResult {
        let api = "agreePrivacyAuthorization";
        let outcome = (|| {
            caller.validate()?;
            if !caller.user_gesture {
                return Err(Failure::NeedsUserGesture);
            }
            let manifest = self.registry.snapshot(&caller.app_id).manifest;
            let contract = manifest
                .privacy
                .as_ref()
                .ok_or(Failure::NoPrivacyContract)?;
            let gate = self.gate();
            if gate.privacy(&caller.user_id, &caller.app_id, &manifest, None)?
                != PrivacyGate::Agreed
            {
                let decisions = self.decisions();
                let opened = decisions.opened_in(&caller.user_id, &caller.app_id)?;
                decisions.store_agreement(
                    &caller.app_namespace(),
                    &contract.version,
                    &manifest,
                    RecordSource::PrivacyButton,
                    &opened,
                )?;
            }
            self.privacy_refusals
                .agreed(&caller.user_id, &caller.app_id);
            Ok(())
        })();
        ApiResult::from_outcome(api, outcome)
    }

    /// `wx.openPrivacyContract()`: the host shows the contract.
    pub async fn open_privacy_contract(&self, caller: &Caller) -> ApiResult {
        let api = "openPrivacyContract";
        let outcome = async {
            caller.validate()?;
            let manifest = self.registry.snapshot(&caller.app_id).manifest;
            let contract = manifest
                .privacy
                .as_ref()
                .ok_or(Failure::NoPrivacyContract)?;
            let _slot = self.dialogs.slot(&caller.user_id, &caller.app_id).await;
            let request = PrivacyRequest::new(caller, &manifest, contract, api);
            let shown = self.dialogs.ui().show_privacy_contract(request);
            self.dialogs.call_host(&caller.app_id, None, shown).await
        };
        ApiResult::from_outcome(api, outcome.await)
    }
}

/// The scope gating `api` and how, if any scope does: a privacy-only API by the
/// scope its contract declares, any other by the scope guarding it.
pub(crate) fn gating_scope<'a>(
    api: &str,
    catalogue: &'a ScopeCatalogue,
) -> Option<(&'a Arc<ScopeDefinition>, Request)> {
    match privacy_only_scope(api) {
        Some(declared_as) => Some((catalogue.get(declared_as)?, Request::PrivacyOnly)),
        None => Some((catalogue.scope_for_api(api)?, Request::GuardedApi)),
    }
}

/// The scope gating `api` and how (`ensure`'s checks before the gate): a
/// privacy-only API by the scope its contract declares, any other by the scope
/// guarding it; a private-info API the manifest does not declare, and a tap-only
/// API without a tap, are refused.
fn guarded_scope<'a>(
    api: &str,
    caller: &Caller,
    catalogue: &'a ScopeCatalogue,
    manifest: &Manifest,
) -> Result<(&'a Arc<ScopeDefinition>, Request), Failure> {
    let (scope, request) = gating_scope(api, catalogue).ok_or(Failure::UnsupportedApi)?;
    if PRIVATE_INFO_APIS.contains(&api) && !manifest.declares_private_api(api) {
        return Err(Failure::NotInRequiredPrivateInfos);
    }
    if TAP_ONLY_APIS.contains(&api) && !caller.user_gesture {
        return Err(Failure::NeedsUserGesture);
    }
    Ok((scope, request))
}
