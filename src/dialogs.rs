//! The machinery around the host's dialogs: one dialog per (user, app) at a time
//! (`dialog_slots.rs`), concurrent callers asking the same question sharing one
//! dialog (`single_flight.rs`), and the wrapper every call into the host's
//! [`ConsentUi`] goes through (`call_host`: a timeout, and a host error or panic
//! granting nothing). What a dialog asks and what its answer stores are the
//! callers' (`authorize_flow.rs`, `settings_page.rs`, `mini_app_api.rs`).
//!
//! No lock is held while the host is called: the slot and the flight are async
//! and released when the call finishes or its future is dropped.

use std::future::Future;
use std::sync::Arc;

use crate::consent_ui::ConsentUi;
use crate::dialect::Failure;
use crate::dialog_slots::{DialogSlots, SlotGuard};
use crate::error::HostError;
use crate::namespace::Namespace;
use crate::single_flight::{Joined, SingleFlight};
use crate::timer;

/// What the log says (at debug level) when a call joins a consent dialog
/// another call opened: how a host's test sees that calls share one dialog.
pub(crate) const JOINED_A_DIALOG: &str = "a call joined the consent dialog already open";

/// What a dialog's flight tells everyone waiting on it.
#[derive(Debug, Clone)]
pub(crate) enum Flight {
    /// The answer for everyone.
    Done(Result<(), Failure>),
    /// Things changed while waiting for the slot: evaluate again.
    Reevaluate,
}

/// The host's dialogs and the machinery around them.
pub(crate) struct Dialogs {
    ui: Arc<dyn ConsentUi>,
    timeout_ms: u64,
    slots: DialogSlots,
    consent_flights: SingleFlight<(Namespace, String), Flight>,
    privacy_flights: SingleFlight<(String, String), Flight>,
}

impl Dialogs {
    /// Dialogs shown by `ui`, each given up after `timeout_ms` (`0`: never).
    pub fn new(ui: Arc<dyn ConsentUi>, timeout_ms: u64) -> Dialogs {
        Dialogs {
            ui,
            timeout_ms,
            slots: DialogSlots::default(),
            consent_flights: SingleFlight::default(),
            privacy_flights: SingleFlight::default(),
        }
    }

    /// The host's dialogs.
    pub fn ui(&self) -> &dyn ConsentUi {
        &*self.ui
    }

    /// Waits until no other dialog of (user, app) is open, then holds the slot.
    pub async fn slot(&self, user_id: &str, app_id: &str) -> SlotGuard<'_> {
        self.slots.acquire(user_id, app_id).await
    }

    /// Runs `lead` once for everyone asking about `scope` in `ns` at the same
    /// time; `None` means "evaluate again". A follower whose leader was dropped
    /// evaluates again too (and may lead the next flight).
    pub async fn consent_flight(
        &self,
        ns: &Namespace,
        scope: &str,
        lead: impl Future<Output = Flight>,
    ) -> Option<Result<(), Failure>> {
        let flight = match self.consent_flights.join((ns.clone(), scope.to_string())) {
            Joined::Follower(waiting) => {
                // The signal that calls share one dialog (the hosts' tests wait for it).
                log::debug!("{JOINED_A_DIALOG} for {scope}");
                waiting.await.unwrap_or(Flight::Reevaluate)
            }
            Joined::Leader(leader) => {
                let flight = lead.await;
                leader.finish(flight.clone());
                flight
            }
        };
        match flight {
            Flight::Done(answer) => Some(answer),
            Flight::Reevaluate => None,
        }
    }

    /// Runs `lead()` once for everyone needing (user, app)'s privacy agreement at
    /// the same time; a follower whose leader was dropped joins the next flight.
    pub async fn privacy_flight<F: Future<Output = Flight>>(
        &self,
        user_id: &str,
        app_id: &str,
        lead: impl Fn() -> F,
    ) -> Result<(), Failure> {
        loop {
            let key = (user_id.to_string(), app_id.to_string());
            let flight = match self.privacy_flights.join(key) {
                Joined::Follower(waiting) => match waiting.await {
                    Ok(flight) => flight,
                    Err(_) => continue,
                },
                Joined::Leader(leader) => {
                    let flight = lead().await;
                    leader.finish(flight.clone());
                    flight
                }
            };
            return match flight {
                Flight::Done(answer) => answer,
                Flight::Reevaluate => Ok(()),
            };
        }
    }

    /// Waits for the host's answer to a dialog, at most the configured timeout.
    /// A host error, a panicking (Rust) host and a timeout all grant nothing; on
    /// timeout the dialog's future is dropped, which cancels it on the host's side.
    pub async fn call_host<T>(
        &self,
        dialog: impl Future<Output = Result<T, HostError>>,
    ) -> Result<T, Failure> {
        use futures::FutureExt;
        let dialog = std::panic::AssertUnwindSafe(dialog)
            .catch_unwind()
            .map(|caught| {
                caught.unwrap_or_else(|_| {
                    Err(HostError::Failed {
                        reason: "the dialog panicked".into(),
                    })
                })
            });
        let dialog = std::pin::pin!(dialog);
        let answer = match self.timeout_ms {
            0 => dialog.await,
            ms => {
                let deadline = timer::sleep(std::time::Duration::from_millis(ms));
                match futures::future::select(dialog, deadline).await {
                    futures::future::Either::Left((answer, _)) => answer,
                    futures::future::Either::Right(_) => {
                        log::warn!("a dialog got no answer within {ms} ms: it decided nothing");
                        return Err(Failure::DialogTimedOut);
                    }
                }
            }
        };
        answer.map_err(|error| {
            log::warn!("the host's dialog failed ({error}): it decided nothing");
            Failure::HostDialogFailed
        })
    }

    #[cfg(feature = "test-hooks")]
    /// How many dialogs are open or waited for (tests: nothing may leak).
    pub fn open(&self) -> usize {
        self.consent_flights.in_flight() + self.privacy_flights.in_flight() + self.slots.allocated()
    }

    #[cfg(feature = "test-hooks")]
    /// How many callers wait on another caller's dialog (tests).
    pub fn followers(&self) -> usize {
        self.consent_flights.followers() + self.privacy_flights.followers()
    }
}
