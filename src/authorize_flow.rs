//! One authorize-like call (`authorize`, `authorizeForMiniProgram`, a guarded
//! API's `ensure`), in order: the gate's verdict from the cache when it has
//! everything (an allowed call ends there), else from the store; then, as the
//! verdict says, the privacy dialog, the consent dialog — shared by concurrent
//! callers, one per (user, app) at a time, checked again once its slot is held —
//! and the user's answer stored through [`crate::decisions`] before the mini app
//! hears it.

use std::future::Future;
use std::pin::Pin;

use crate::admin_records::DecisionSource;
use crate::caller::Caller;
use crate::consent_ui::{PrivacyRequest, ScopeRequest};
use crate::decisions::{Decision, OpenedIn};
use crate::dialect::Failure;
use crate::dialog_slots::SlotGuard;
use crate::dialogs::Flight;
use crate::engine::Engine;
use crate::gate::Upkeep;
use crate::manifest::Manifest;
use crate::namespace::{Namespace, NamespaceRef};
use crate::policy::{self, DialogEffect, PrivacyGate, Request, Verdict};
use crate::privacy_agreement::Gated;
use crate::registry::Snapshot;
use crate::scopes::ScopeDefinition;

impl From<DialogEffect> for Decision {
    fn from(effect: DialogEffect) -> Self {
        match effect {
            DialogEffect::Grant(lifetime) => Decision::Grant(lifetime),
            DialogEffect::Deny => Decision::Deny,
            DialogEffect::Dismiss => Decision::Dismiss,
        }
    }
}

/// What one scope dialog is about: what asks, as which API, for whom, in
/// which namespace, for which scope, under which registration.
#[derive(Clone, Copy)]
pub(crate) struct Asked<'a> {
    /// What asks.
    pub request: Request,
    /// The API answering.
    pub api: &'a str,
    /// Who calls.
    pub caller: &'a Caller,
    /// The namespace of the scope.
    pub ns: &'a Namespace,
    /// The scope.
    pub scope: &'a ScopeDefinition,
    /// The app's registration.
    pub snapshot: &'a Snapshot,
}

impl Engine {
    /// `authorize`-like calls answered from memory alone, with no I/O — what a
    /// host's main thread may run inline: `Some` with the outcome when the cache
    /// has the verdict and nothing is left to write but a "last used" note
    /// (returned for the caller to hand to the I/O threads); `None` when the
    /// call needs the store, a dialog or to record an ended grant.
    pub(crate) fn authorize_from_cache(
        &self,
        caller: &Caller,
        ns: NamespaceRef<'_>,
        scope_name: &str,
    ) -> Option<(Result<(), Failure>, Upkeep)> {
        if let Err(failure) = caller.validate() {
            return Some((Err(failure), Upkeep::Nothing));
        }
        match self
            .gate()
            .cached_verdict(Request::Authorize, &caller.app_id, ns, scope_name)?
        {
            (_, Upkeep::StoreEnd { .. }) => None,
            (Verdict::Allow, upkeep) => Some((Ok(()), upkeep)),
            (Verdict::Refuse(failure), upkeep) => Some((Err(failure), upkeep)),
            _ => None,
        }
    }

    /// The whole authorize flow for `scope_name` in `ns`, answering as `api`.
    /// An allowed call copies nothing; the rest goes down the boxed full path
    /// (its state — dialogs, timers — would otherwise make the future of every
    /// call a kilobyte to move).
    pub(crate) async fn authorize_scope(
        &self,
        api: &str,
        caller: &Caller,
        ns: NamespaceRef<'_>,
        scope_name: &str,
    ) -> Result<(), Failure> {
        caller.validate()?;
        let gate = self.gate();
        let cached = gate.cached_verdict(Request::Authorize, &caller.app_id, ns, scope_name);
        if let Some((_, upkeep)) = cached {
            gate.keep_up(ns, scope_name, upkeep);
        }
        let full_path = match cached.map(|(verdict, _)| verdict) {
            Some(Verdict::Allow) => return Ok(()),
            Some(Verdict::Refuse(failure)) => return Err(failure),
            // A verdict that needs a dialog is handed forward, not worked out again.
            needs_more => self.full_path(api, caller, ns, scope_name, needs_more),
        };
        full_path.await
    }

    /// [`Self::authorize_scope`] past the cache, boxed.
    fn full_path<'a>(
        &'a self,
        api: &'a str,
        caller: &'a Caller,
        ns: NamespaceRef<'a>,
        scope_name: &'a str,
        verdict: Option<Verdict>,
    ) -> Pin<Box<impl Future<Output = Result<(), Failure>> + 'a>> {
        Box::pin(async move {
            let snapshot = self.registry.snapshot(&caller.app_id);
            let scope = snapshot
                .catalogue
                .get(scope_name)
                .cloned()
                .ok_or(Failure::InvalidScope)?;
            self.run_gate(
                Request::Authorize,
                api,
                caller,
                ns,
                &scope,
                &snapshot,
                verdict,
            )
            .await
        })
    }

    /// Acts on the gate's verdicts — answering, or showing a dialog and asking
    /// again — until one answers. `verdict` is one already made for this call.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn run_gate(
        &self,
        request: Request,
        api: &str,
        caller: &Caller,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
        snapshot: &Snapshot,
        mut verdict: Option<Verdict>,
    ) -> Result<(), Failure> {
        let mut privacy_asks = 0;
        loop {
            let now = match verdict.take() {
                Some(verdict) => verdict,
                None => self.gate().evaluate(request, ns, scope, snapshot)?,
            };
            match now {
                Verdict::Allow => return Ok(()),
                Verdict::Refuse(failure) => return Err(failure),
                Verdict::AskPrivacy => {
                    privacy_asks_left(&mut privacy_asks)?;
                    self.ask_privacy(api, caller, &snapshot.manifest).await?
                }
                Verdict::AskUser | Verdict::AskUserAndPrivacy => {
                    let ns = ns.to_owned();
                    let asked = Asked {
                        request,
                        api,
                        caller,
                        ns: &ns,
                        scope,
                        snapshot,
                    };
                    let flights = &self.dialogs;
                    let answer = if now == Verdict::AskUser {
                        flights
                            .consent_flight(&ns, &scope.name, self.lead_consent(asked))
                            .await
                    } else {
                        flights
                            .consent_flight(&ns, &scope.name, self.lead_combined(asked))
                            .await
                    };
                    if let Some(answer) = answer {
                        return answer;
                    }
                }
            }
        }
    }

    /// Where a scope dialog opens, once its leader holds the (user, app) slot
    /// and the gate still answers `expected` (another dialog, or the mini
    /// app's own agree button, may have decided while it waited): the slot,
    /// to hold until the answer is stored, and where the dialog opened.
    /// `Err`: the flight's outcome, with no dialog.
    pub(crate) async fn open_scope_dialog(
        &self,
        asked: Asked<'_>,
        expected: Verdict,
    ) -> Result<(SlotGuard<'_>, OpenedIn), Flight> {
        let caller = asked.caller;
        let slot = self.dialogs.slot(&caller.user_id, &caller.app_id).await;
        match self.gate().evaluate(
            asked.request,
            asked.ns.borrowed(),
            asked.scope,
            asked.snapshot,
        ) {
            Err(failure) => return Err(Flight::Done(Err(failure))),
            Ok(verdict) if verdict == expected => {}
            Ok(_) => return Err(Flight::Reevaluate),
        }
        match self.decisions().opened_in(&caller.user_id, &caller.app_id) {
            Ok(opened) => Ok((slot, opened)),
            Err(error) => Err(Flight::Done(Err(error.into()))),
        }
    }

    /// Whether (user, app) still has no agreement covering the app's contract:
    /// `false` once the mini app's own popup recorded it meanwhile (its agree
    /// button, `agreePrivacyAuthorization`) — then once is enough.
    pub(crate) fn agreement_still_needed(&self, caller: &Caller, manifest: &Manifest) -> bool {
        self.gate()
            .privacy(&caller.user_id, &caller.app_id, manifest, Gated::Contract)
            != Ok(PrivacyGate::Agreed)
    }

    /// The consent dialog, shown by the one caller leading the flight.
    async fn lead_consent(&self, asked: Asked<'_>) -> Flight {
        let (_slot, opened) = match self.open_scope_dialog(asked, Verdict::AskUser).await {
            Ok(opened) => opened,
            Err(flight) => return flight,
        };
        let Asked {
            api,
            caller,
            ns,
            scope,
            snapshot,
            ..
        } = asked;
        let manifest = &snapshot.manifest;
        let request = ScopeRequest::new(caller, manifest, scope, api, None);
        let asked = self.dialogs.ui().ask_scope(request);
        let asked = self
            .dialogs
            .call_host(&caller.app_id, Some(&scope.name), asked);
        let decision = match asked.await {
            Ok(decision) => decision,
            Err(failure) => return Flight::Done(Err(failure)),
        };
        let (effect, answer) = policy::after_consent(decision, self.clock.now_ms());
        let stored = self.decisions().store(
            ns,
            &[(&scope.name, effect.into())],
            DecisionSource::Dialog,
            manifest,
            Some(&opened),
        );
        if let Err(error) = stored {
            // The mini app hears only what is stored: never "ok" for a grant, nor
            // "auth deny" for a denial, that is not durable (and recorded), nor
            // either for an answer that outlived its run.
            return Flight::Done(Err(error.into()));
        }
        Flight::Done(answer)
    }

    /// The gate before a privacy interface no scope guards (`getClipboardData`,
    /// `chooseMedia`, the `getPhoneNumber` button), listed under `kinds`: the
    /// privacy gate alone — 112 when the contract does not declare every one
    /// of them, the privacy prompt when the user's agreement does not cover
    /// them (disagree: 104), ok once it does. No consent dialog: WeChat shows
    /// them none.
    pub(crate) async fn privacy_gate_only(
        &self,
        api: &str,
        caller: &Caller,
        kinds: &[&'static str],
        manifest: &Manifest,
    ) -> Result<(), Failure> {
        let gated = Gated::Kinds(kinds);
        let declared = manifest.privacy_declares(gated);
        let mut privacy_asks = 0;
        loop {
            let privacy = self
                .gate()
                .privacy(&caller.user_id, &caller.app_id, manifest, gated)?;
            match policy::privacy_verdict(privacy, declared) {
                None | Some(Verdict::Allow) => return Ok(()),
                Some(Verdict::AskPrivacy) => {
                    privacy_asks_left(&mut privacy_asks)?;
                    self.ask_privacy(api, caller, manifest).await?
                }
                Some(Verdict::Refuse(failure)) => return Err(failure),
                // Not a verdict of the privacy gate; these interfaces have no
                // consent dialog: refuse rather than let through.
                Some(Verdict::AskUser | Verdict::AskUserAndPrivacy) => {
                    return Err(Failure::PrivacyNotAuthorized)
                }
            }
        }
    }

    /// Asks for agreement to the app's privacy contract (one prompt for everyone
    /// who needs it at the same time).
    pub(crate) async fn ask_privacy(
        &self,
        api: &str,
        caller: &Caller,
        manifest: &Manifest,
    ) -> Result<(), Failure> {
        self.dialogs
            .privacy_flight(&caller.user_id, &caller.app_id, || {
                self.lead_privacy(api, caller, manifest)
            })
            .await
    }

    /// The privacy prompt, shown by the one caller leading the flight.
    async fn lead_privacy(&self, api: &str, caller: &Caller, manifest: &Manifest) -> Flight {
        let _slot = self.dialogs.slot(&caller.user_id, &caller.app_id).await;
        match self
            .gate()
            .privacy(&caller.user_id, &caller.app_id, manifest, Gated::Contract)
        {
            Err(failure) => return Flight::Done(Err(failure)),
            Ok(PrivacyGate::NotAgreed) => {}
            Ok(_) => return Flight::Reevaluate,
        }
        let Some(contract) = &manifest.privacy else {
            return Flight::Reevaluate;
        };
        let opened = match self.decisions().opened_in(&caller.user_id, &caller.app_id) {
            Ok(opened) => opened,
            Err(error) => return Flight::Done(Err(error.into())),
        };
        let request = PrivacyRequest::new(caller, manifest, contract, api);
        let asked = self.dialogs.ui().ask_privacy(request);
        let decision = match self.dialogs.call_host(&caller.app_id, None, asked).await {
            Ok(decision) => decision,
            Err(failure) => return Flight::Done(Err(failure)),
        };
        let (agreed, answer) = policy::after_privacy(decision);
        let app = caller.app_namespace();
        if agreed {
            if self.agreement_still_needed(caller, manifest) {
                let stored = self.decisions().store_agreement(
                    &app,
                    &contract.version,
                    manifest,
                    DecisionSource::Dialog.into(),
                    &opened,
                );
                if let Err(error) = stored {
                    return Flight::Done(Err(error.into()));
                }
            }
            self.privacy_refusals
                .agreed(&caller.user_id, &caller.app_id);
        } else {
            self.privacy_refusals
                .refused(&caller.user_id, &caller.app_id, self.clock.now_ms());
            // The answer stands even if its record cannot be written.
            let _ = self.decisions().record_disagreement(&app, manifest);
        }
        Flight::Done(answer)
    }
}

/// How many times one call may go to the privacy prompt: an agreement, then a
/// contract registered again meanwhile, is the most a real call meets. Past it
/// the call fails 104 rather than asking (or looping) again — a guard should
/// "covers the contract" and "covers this scope or kind" ever disagree.
const MAX_PRIVACY_ASKS_PER_CALL: u32 = 3;

/// Counts one more trip to the privacy prompt; `Err(104)` past the bound.
fn privacy_asks_left(asks: &mut u32) -> Result<(), Failure> {
    *asks += 1;
    if *asks > MAX_PRIVACY_ASKS_PER_CALL {
        return Err(Failure::PrivacyNotAuthorized);
    }
    Ok(())
}
