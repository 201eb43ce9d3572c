//! The combined dialog (`EngineConfig::combined_privacy_dialog`; WeChat since
//! base library 3.4.2): when a call needs the user's agreement to the app's
//! privacy contract and leads to a consent dialog (the policy's
//! [`Verdict::AskUserAndPrivacy`]), that dialog alone is shown, with the
//! contract as a checkbox ([`ConsentUi::ask_scope_with_privacy`]), and its one
//! answer is stored — the decision and the agreement, each with its consent
//! record — in one transaction ([`crate::decisions::Decisions::store_with_agreement`]).
//! Calls with no consent dialog keep the separate popup (`authorize_flow.rs`).
//!
//! [`ConsentUi::ask_scope_with_privacy`]: crate::ConsentUi::ask_scope_with_privacy

use crate::authorize_flow::Asked;
use crate::consent_ui::{ContractToAgree, ScopeRequest};
use crate::dialogs::Flight;
use crate::engine::Engine;
use crate::policy::{self, Verdict};

impl Engine {
    /// The combined dialog, shown by the one caller leading the scope's flight.
    pub(crate) async fn lead_combined(&self, asked: Asked<'_>) -> Flight {
        let (_slot, opened) = match self
            .open_scope_dialog(asked, Verdict::AskUserAndPrivacy)
            .await
        {
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
        let Some(contract) = &manifest.privacy else {
            return Flight::Reevaluate;
        };
        let dialog = ScopeRequest::new(
            caller,
            manifest,
            scope,
            api,
            Some(ContractToAgree::from(contract)),
        );
        let asked = self.dialogs.ui().ask_scope_with_privacy(dialog);
        let answer = match self
            .dialogs
            .call_host(&caller.app_id, Some(&scope.name), asked)
            .await
        {
            Ok(answer) => answer,
            Err(failure) => return Flight::Done(Err(failure)),
        };
        let (effect, agreed, outcome) =
            policy::after_combined(answer.decision, answer.agree_privacy, self.clock.now_ms());
        let Some(effect) = effect else {
            // An allow without the agreement: nothing is stored.
            return Flight::Done(outcome);
        };
        let still_needed = agreed && self.agreement_still_needed(caller, manifest);
        let decided = [(scope.name.as_str(), effect.into())];
        let stored = if still_needed {
            self.decisions()
                .store_with_agreement(ns, decided[0], manifest, &opened)
        } else {
            self.decisions().store(
                ns,
                &decided,
                crate::admin_records::DecisionSource::Dialog,
                manifest,
                Some(&opened),
            )
        };
        if let Err(error) = stored {
            // The mini app hears only what is stored (as for a consent dialog).
            return Flight::Done(Err(error.into()));
        }
        if agreed {
            self.privacy_refusals
                .agreed(&caller.user_id, &caller.app_id);
        }
        Flight::Done(outcome)
    }
}
