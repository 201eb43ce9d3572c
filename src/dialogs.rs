//! The machinery around the host's dialogs: one dialog per (user, app) at a time
//! (`dialog_slots.rs`), concurrent callers asking the same question sharing one
//! dialog (`single_flight.rs`), and the wrapper every call into the host's
//! [`ConsentUi`] goes through (`call_host`: a timeout, a host error or panic
//! granting nothing, and each dialog's metrics: shown, then how it ended). What a dialog asks and what its answer stores are the
//! callers' (`authorize_flow.rs`, `settings_page.rs`, `mini_app_api.rs`).
//!
//! No lock is held while the host is called: the slot and the flight are async
//! and released when the call finishes or its future is dropped.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use crate::closing::Closing;
use crate::consent_ui::ConsentUi;
use crate::dialect::Failure;
use crate::dialog_slots::{DialogSlots, SlotGuard};
use crate::error::HostError;
use crate::metrics::{self, Answered, DialogAnswer, DialogKind, MetricEvent, MetricName};
use crate::namespace::Namespace;
use crate::single_flight::{Joined, SingleFlight};
use crate::timer;

/// What the log says (at debug level) when a call joins a consent dialog
/// another call opened: how a host's test sees that calls share one dialog.
pub(crate) const JOINED_A_DIALOG: &str = "a call joined the consent dialog already open";

/// How long closing waits for the open dialogs to be dropped.
const CLOSING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The calls into the host under way.
#[derive(Default)]
struct InHost {
    count: std::sync::Mutex<usize>,
    none: std::sync::Condvar,
}

impl InHost {
    fn lock(&self) -> std::sync::MutexGuard<'_, usize> {
        self.count.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enter(&self) -> InHostGuard<'_> {
        *self.lock() += 1;
        InHostGuard(self)
    }

    /// Waits until no call is under way, at most `limit`; whether none is.
    fn wait_for_none(&self, limit: std::time::Duration) -> bool {
        let count = self.lock();
        let (count, _) = self
            .none
            .wait_timeout_while(count, limit, |count| *count > 0)
            .unwrap_or_else(|p| p.into_inner());
        *count == 0
    }
}

struct InHostGuard<'a>(&'a InHost);

impl Drop for InHostGuard<'_> {
    fn drop(&mut self) {
        let mut count = self.0.lock();
        *count -= 1;
        if *count == 0 {
            self.0.none.notify_all();
        }
    }
}

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
    /// Closed when the host closes the engine: every dialog ends.
    closing: Closing,
    /// How many calls into the host are under way (closing waits for none).
    in_host: InHost,
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
            closing: Closing::default(),
            in_host: InHost::default(),
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

    /// Ends every open dialog (each answers `engine closed`, its future
    /// dropped — cancelled on the host's side) and every later one at once.
    pub fn close(&self) {
        self.closing.close();
        // Each open dialog wakes and is dropped on the thread that polls it;
        // its host-side cancellation happens then. Closing returns after it.
        if !self.in_host.wait_for_none(CLOSING_WAIT) {
            log::warn!(
                "closing: a dialog was not taken down within {} ms (is the engine closed from inside a dialog?)",
                CLOSING_WAIT.as_millis()
            );
        }
    }

    /// Whether [`Self::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closing.is_closed()
    }

    /// Waits for the host's answer to a dialog about `app_id` (and `scope`, for
    /// a scope dialog), at most the configured timeout and only while the
    /// engine is open. A host error, a panicking (Rust) host, a timeout and the
    /// engine's closing all grant nothing; on timeout or closing the dialog's
    /// future is dropped, which cancels it on the host's side. Every dialog's
    /// metrics are recorded here: shown, then how it ended (closing: cancelled).
    pub async fn call_host<T: Answered>(
        &self,
        app_id: &str,
        scope: Option<&str>,
        dialog: impl Future<Output = Result<T, HostError>>,
    ) -> Result<T, Failure> {
        // Declared first, dropped last: counted until the dialog is dropped.
        let _in_host = self.in_host.enter();
        if self.closing.is_closed() {
            return Err(Failure::EngineClosed);
        }
        let dialog = std::pin::pin!(self.call_host_open(app_id, scope, dialog));
        match futures::future::select(dialog, self.closing.closed()).await {
            futures::future::Either::Left((answer, _)) => answer,
            futures::future::Either::Right(_) => {
                log::info!("the engine closed with a dialog open: it decided nothing");
                Err(Failure::EngineClosed)
            }
        }
    }

    async fn call_host_open<T: Answered>(
        &self,
        app_id: &str,
        scope: Option<&str>,
        dialog: impl Future<Output = Result<T, HostError>>,
    ) -> Result<T, Failure> {
        use futures::FutureExt;
        let mut shown = ShownDialog::new(T::DIALOG, app_id, scope);
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
                        shown.ended(MetricName::DialogTimedOut, None);
                        log::warn!("a dialog got no answer within {ms} ms: it decided nothing");
                        return Err(Failure::DialogTimedOut);
                    }
                }
            }
        };
        match answer {
            Ok(answer) => {
                shown.ended(MetricName::DialogAnswered, Some(answer.answer()));
                Ok(answer)
            }
            Err(error) => {
                shown.ended(MetricName::DialogFailed, None);
                log::warn!("the host's dialog failed ({error}): it decided nothing");
                Err(Failure::HostDialogFailed)
            }
        }
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

/// A dialog handed to the host, for its metrics: recorded as shown when made,
/// and as cancelled when dropped before it ended otherwise (the call's future
/// dropped while the host had it).
struct ShownDialog<'a> {
    dialog: DialogKind,
    app_id: &'a str,
    scope: Option<&'a str>,
    since: Instant,
    ended: bool,
}

impl<'a> ShownDialog<'a> {
    fn new(dialog: DialogKind, app_id: &'a str, scope: Option<&'a str>) -> ShownDialog<'a> {
        let shown = ShownDialog {
            dialog,
            app_id,
            scope,
            since: Instant::now(),
            ended: false,
        };
        metrics::record(|| shown.event(MetricName::DialogShown));
        shown
    }

    fn event(&self, name: MetricName) -> MetricEvent {
        MetricEvent {
            app_id: Some(self.app_id.to_string()),
            scope: self.scope.map(str::to_string),
            dialog: Some(self.dialog),
            ..MetricEvent::of(name)
        }
    }

    /// How the dialog ended (`answer`: for an answered one).
    fn ended(&mut self, name: MetricName, answer: Option<DialogAnswer>) {
        self.ended = true;
        let took = self.since.elapsed();
        metrics::record(|| MetricEvent {
            answer,
            ..self.event(name).took(took)
        });
    }
}

impl Drop for ShownDialog<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.ended(MetricName::DialogCancelled, None);
        }
    }
}
