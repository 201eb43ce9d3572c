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
use crate::policy::{self, PrivacyGate, Request, Verdict};
use crate::privacy_agreement::Gated;
use crate::privacy_interfaces::{kinds_listing, scopes_of_unguarded};
use crate::scopes::PLUGIN_SCOPES;
use crate::scopes::{ScopeCatalogue, ScopeDefinition, TAP_ONLY_APIS};

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
    /// `authorize` for the scope guarding it; a privacy interface no scope
    /// guards (`getClipboardData`, `button.getPhoneNumber`, ...): the privacy
    /// gate alone. It answers in that API's name.
    pub async fn ensure(&self, caller: &Caller, api: &str) -> ApiResult {
        let outcome = async {
            caller.validate()?;
            let snapshot = self.registry.snapshot(&caller.app_id);
            let (kinds, scopes) =
                match gating(api, caller, &snapshot.catalogue, &snapshot.manifest)? {
                    Gating::Scope(scope) => (Vec::new(), vec![scope]),
                    Gating::Kinds { kinds, scopes } => (kinds, scopes),
                };
            // A privacy interface no scope guards by name whose kinds have
            // scopes (`live-pusher`): what its contract does not declare fails
            // 112 before any dialog; the scopes' gates below ask for the
            // agreement — the separate popup, or the combined dialog where the
            // host turned it on, as for any interface with an authorization
            // dialog.
            if !kinds.is_empty()
                && !scopes.is_empty()
                && !snapshot.manifest.privacy_declares(Gated::Kinds(&kinds))
            {
                return Err(Failure::NotDeclaredInPrivacy);
            }
            // Each scope's gate, in turn (one for a guarded API; the
            // microphone and the camera for `live-pusher`).
            let ns = caller.namespace_ref();
            for scope in scopes {
                let scope = scope.clone();
                self.run_gate(
                    Request::GuardedApi,
                    api,
                    caller,
                    ns,
                    &scope,
                    &snapshot,
                    None,
                )
                .await?;
            }
            // The privacy gate for the kinds: all of it for an interface with
            // no authorization dialog (`getClipboardData`); after the scopes'
            // gates, whose agreement covers the kinds, nothing left to ask.
            if !kinds.is_empty() {
                self.privacy_gate_only(api, caller, &kinds, &snapshot.manifest)
                    .await?;
            }
            Ok(())
        };
        ApiResult::of_ensure(api, outcome.await)
    }

    /// `ensure` of `api` answered from memory: `Some` when the full call would
    /// allow it now — with the scope gating it and what is left to write about
    /// its grant ([`crate::gate::Upkeep`]), or `None` for a privacy interface
    /// no scope guards; `None` when it would not, or cannot be told without the
    /// database or a dialog (the full call answers). No I/O.
    pub(crate) fn ensure_allowed_from_cache(
        &self,
        caller: &Caller,
        api: &str,
    ) -> Option<Option<(Arc<ScopeDefinition>, Upkeep)>> {
        caller.validate().ok()?;
        let ns = caller.namespace_ref();
        let scope = {
            let registry = self.registry.read();
            let manifest = registry.manifest(&caller.app_id);
            match gating(api, caller, &registry.catalogue, manifest).ok()? {
                Gating::Scope(scope) => scope.clone(),
                // Gated by scopes too: the full call answers.
                Gating::Kinds { scopes, .. } if !scopes.is_empty() => return None,
                Gating::Kinds { kinds, .. } => {
                    let gated = Gated::Kinds(&kinds);
                    let declared = manifest.privacy_declares(gated);
                    let privacy = self.gate().cached_privacy(
                        &caller.user_id,
                        &caller.app_id,
                        manifest,
                        gated,
                    )?;
                    return policy::privacy_verdict(privacy, declared)
                        .is_none()
                        .then_some(None);
                }
            }
        };
        match self
            .gate()
            .cached_verdict(Request::GuardedApi, &caller.app_id, ns, &scope.name)?
        {
            (_, Upkeep::StoreEnd { .. }) => None,
            (Verdict::Allow, upkeep) => Some(Some((scope, upkeep))),
            _ => None,
        }
    }

    /// `wx.getPrivacySetting()`.
    pub async fn get_privacy_setting(&self, caller: &Caller) -> ApiResult {
        let api = "getPrivacySetting";
        let outcome = (|| {
            caller.validate()?;
            let manifest = self.registry.snapshot(&caller.app_id).manifest;
            let gate =
                self.gate()
                    .privacy(&caller.user_id, &caller.app_id, &manifest, Gated::Contract)?;
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
            match self.gate().privacy(
                &caller.user_id,
                &caller.app_id,
                &manifest,
                Gated::Contract,
            )? {
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
            if gate.privacy(&caller.user_id, &caller.app_id, &manifest, Gated::Contract)?
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

/// What gates an API before it runs: the scope guarding it, or — a privacy
/// interface no scope guards by name — the privacy gate for the kinds of
/// information listing it, then the gates of those kinds' scopes, if any.
pub(crate) enum Gating<'a> {
    /// The scope's gate, as `authorize` (and the privacy gate for the scope).
    Scope(&'a Arc<ScopeDefinition>),
    /// The privacy gate for these kinds, then each of these scopes' gates
    /// (none for `getClipboardData`; microphone and camera for `live-pusher`).
    Kinds {
        /// The kinds of information listing it.
        kinds: Vec<&'static str>,
        /// The scopes behind those kinds (`privacy_interfaces::scopes_of_unguarded`).
        scopes: Vec<&'a Arc<ScopeDefinition>>,
    },
}

/// What gates `api`, if anything does: the scope guarding it (a host's scope
/// included), else the kinds of information WeChat's guide lists it under.
pub(crate) fn gating_of<'a>(api: &str, catalogue: &'a ScopeCatalogue) -> Option<Gating<'a>> {
    if let Some(scope) = catalogue.scope_for_api(api) {
        return Some(Gating::Scope(scope));
    }
    let kinds = kinds_listing(api);
    let scopes = scopes_of_unguarded(api)
        .into_iter()
        .filter_map(|scope| catalogue.get(scope))
        .collect();
    (!kinds.is_empty()).then_some(Gating::Kinds { kinds, scopes })
}

/// What gates `api` (`ensure`'s checks before the gate): a private-info API
/// the manifest does not declare, and a tap-only API without a tap, are
/// refused; an API nothing gates is not supported.
pub(crate) fn gating<'a>(
    api: &str,
    caller: &Caller,
    catalogue: &'a ScopeCatalogue,
    manifest: &Manifest,
) -> Result<Gating<'a>, Failure> {
    let gating = gating_of(api, catalogue).ok_or(Failure::UnsupportedApi)?;
    if PRIVATE_INFO_APIS.contains(&api) && !manifest.declares_private_api(api) {
        return Err(Failure::NotInRequiredPrivateInfos);
    }
    if TAP_ONLY_APIS.contains(&api) && !caller.user_gesture {
        return Err(Failure::NeedsUserGesture);
    }
    Ok(gating)
}
