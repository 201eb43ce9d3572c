//! The engine: holds the host's registry (scopes, manifests, OS probe), the
//! store and the dialog machinery; shows the host's dialogs when the gate
//! (`gate.rs`: facts → [`crate::policy`] verdict) says so — one at a time per
//! (user, app), shared by concurrent callers — and makes every decision durable
//! before answering. The mini-app APIs built on it are in `mini_app_api.rs`,
//! administration in `admin.rs`.
//!
//! No lock is held while the host is called: the store and registry locks are
//! released before any `ConsentUi` call; the per-(user, app) dialog slot and the
//! single-flight entry are async and released when the call finishes or is dropped.

use std::sync::Arc;

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};

use crate::caller::Caller;
use crate::clock::Clock;
use crate::config::EngineConfig;
use crate::consent_ui::{ConsentUi, OsPermissionProbe, PrivacyRequest, ScopeRequest};
use crate::dialect::Failure;
use crate::dialog_slots::DialogSlots;
use crate::error::{Error, Result};
use crate::fast_map::FastMap;
use crate::manifest::Manifest;
use crate::policy::{self, DialogEffect, GrantState, Knobs, Lifetime, PrivacyGate, Verdict};
use crate::scopes::{ScopeCatalogue, ScopeDefinition};
use crate::session::SessionGrants;
use crate::single_flight::{Joined, SingleFlight};
use crate::store::consent_log::NewRecord;
use crate::store::{Change, DecisionSource, Namespace, Store};
use crate::timer;

/// The API whose dialog reveals background location on the settings page.
pub(crate) const BACKGROUND_LOCATION_API: &str = "startLocationUpdateBackground";

/// What a dialog flight tells everyone waiting on it.
#[derive(Debug, Clone)]
enum Flight {
    /// The answer for everyone.
    Done(std::result::Result<(), Failure>),
    /// Things changed while waiting for the slot: evaluate again.
    Reevaluate,
}

/// What the host registers: the scope catalogue, the apps' manifests and the
/// OS-permission probe. Behind one sharded lock, so an allowed call reads all
/// three with one (thread-local) acquisition.
pub(crate) struct Registry {
    pub(crate) catalogue: ScopeCatalogue,
    pub(crate) manifests: FastMap<String, Arc<Manifest>>,
    pub(crate) os_probe: Option<Arc<dyn OsPermissionProbe>>,
}

/// The authorization engine behind [`crate::AuthEngine`].
pub struct Engine {
    pub(crate) store: Store,
    pub(crate) registry: ShardedLock<Registry>,
    pub(crate) ui: Arc<dyn ConsentUi>,
    consent_flights: SingleFlight<(Namespace, String), Flight>,
    privacy_flights: SingleFlight<(String, String), Flight>,
    pub(crate) slots: DialogSlots,
    pub(crate) session: SessionGrants,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: EngineConfig,
}

/// Reads a registry. Sharded: each thread locks its own shard, so readers on
/// different threads share no cache line (the hot path scales).
pub(crate) fn read<T>(lock: &ShardedLock<T>) -> ShardedLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

/// Changes a registry (rare: registration).
fn write<T>(lock: &ShardedLock<T>) -> ShardedLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn storage<T>(result: Result<T>) -> std::result::Result<T, Failure> {
    result.map_err(|_| Failure::StorageUnavailable)
}

/// A consent record for a decision in `ns`.
pub(crate) fn record(
    ns: &Namespace,
    scope: Option<&str>,
    decision: &'static str,
    lifetime: Option<Lifetime>,
    manifest: &Manifest,
    source: &'static str,
) -> NewRecord {
    let mut new = NewRecord::bare(
        &ns.user_id,
        &ns.app_id,
        ns.plugin(),
        scope.map(str::to_string),
        decision,
        source,
    );
    (new.lifetime, new.until_ms) = match lifetime {
        None => (None, None),
        Some(Lifetime::Permanent) => (Some("permanent"), None),
        Some(Lifetime::Once) => (Some("once"), None),
        Some(Lifetime::Until(at)) => (Some("until"), Some(at)),
    };
    new.purpose = scope.and_then(|s| manifest.purpose(s)).map(str::to_string);
    new.contract_version = manifest.privacy.as_ref().map(|c| c.version.clone());
    new
}

/// The `Change` that stores a decision made under `manifest` now.
pub(crate) fn decide(
    scope: &str,
    state: GrantState,
    expires_at_ms: Option<i64>,
    manifest: &Manifest,
) -> Change {
    Change::Decide {
        scope: scope.to_string(),
        state,
        expires_at_ms,
        purpose: manifest.purpose(scope).map(str::to_string),
        contract_version: manifest.privacy.as_ref().map(|c| c.version.clone()),
    }
}

impl Engine {
    /// An engine over `store`, asking `ui`, configured by `config`, reading time
    /// from `clock`.
    pub fn new(
        store: Store,
        ui: Arc<dyn ConsentUi>,
        config: EngineConfig,
        clock: Arc<dyn Clock>,
    ) -> Engine {
        Engine {
            store,
            registry: ShardedLock::new(Registry {
                catalogue: ScopeCatalogue::builtin(),
                manifests: FastMap::default(),
                os_probe: None,
            }),
            ui,
            consent_flights: SingleFlight::default(),
            privacy_flights: SingleFlight::default(),
            slots: DialogSlots::default(),
            session: SessionGrants::default(),
            clock,
            config,
        }
    }

    pub(crate) fn knobs(&self) -> Knobs {
        Knobs {
            soft_deny: self.config.soft_deny,
            max_denials: self.config.max_denials,
            max_dismissals: self.config.max_dismissals,
            cooldown_ms: self.config.dismissal_cooldown_ms.min(i64::MAX as u64) as i64,
        }
    }

    /// Waits for a host dialog, at most `dialog_timeout_ms`. A host error, a
    /// panicking (Rust) host and a timeout all grant nothing; on timeout the
    /// dialog's future is dropped, which cancels it on the host's side.
    pub(crate) async fn dialog<T>(
        &self,
        dialog: impl std::future::Future<Output = std::result::Result<T, crate::HostError>>,
    ) -> std::result::Result<T, Failure> {
        use futures::FutureExt;
        let dialog = std::panic::AssertUnwindSafe(dialog)
            .catch_unwind()
            .map(|caught| {
                caught.unwrap_or_else(|_| {
                    Err(crate::HostError::Failed {
                        reason: "the dialog panicked".into(),
                    })
                })
            });
        let dialog = std::pin::pin!(dialog);
        let answer = match self.config.dialog_timeout_ms {
            0 => dialog.await,
            ms => {
                let deadline = timer::sleep(std::time::Duration::from_millis(ms));
                match futures::future::select(dialog, deadline).await {
                    futures::future::Either::Left((answer, _)) => answer,
                    futures::future::Either::Right(_) => return Err(Failure::DialogTimedOut),
                }
            }
        };
        answer.map_err(|_| Failure::HostDialogFailed)
    }

    /// The store (administration, tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    // ----- registration -------------------------------------------------------

    /// Registers (or replaces) an app's manifest from app.json-shaped JSON.
    pub fn register_manifest(&self, app_id: &str, manifest_json: &str) -> Result<()> {
        let manifest = Manifest::parse(manifest_json, &read(&self.registry).catalogue)?;
        self.install_manifest(app_id, manifest)
    }

    /// Registers an already-parsed manifest.
    pub fn install_manifest(&self, app_id: &str, manifest: Manifest) -> Result<()> {
        crate::caller::validate_id("app id", app_id)
            .map_err(|f| Error::InvalidArgument(f.reason()))?;
        write(&self.registry)
            .manifests
            .insert(app_id.to_string(), Arc::new(manifest));
        // Allow-once grants were given under the old manifest: ask again.
        self.session.end(None, Some(app_id));
        Ok(())
    }

    /// The catalogue (for parsing manifests elsewhere).
    pub fn catalogue(&self) -> ScopeCatalogue {
        read(&self.registry).catalogue.clone()
    }

    /// Adds a host scope to the catalogue.
    pub fn register_scope(&self, def: ScopeDefinition) -> Result<()> {
        write(&self.registry).catalogue.register(def)
    }

    /// Sets (or removes) the OS-permission probe.
    pub fn set_os_permission_probe(&self, probe: Option<Arc<dyn OsPermissionProbe>>) {
        write(&self.registry).os_probe = probe;
    }

    pub(crate) fn manifest(&self, app_id: &str) -> Arc<Manifest> {
        read(&self.registry)
            .manifests
            .get(app_id)
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn scope(&self, name: &str) -> Option<Arc<ScopeDefinition>> {
        read(&self.registry).catalogue.get(name).cloned()
    }

    pub(crate) fn app_name(&self, caller: &Caller, manifest: &Manifest) -> String {
        manifest
            .name
            .clone()
            .unwrap_or_else(|| caller.app_id.clone())
    }

    pub(crate) async fn consent_prompt(
        &self,
        api: &str,
        caller: &Caller,
        ns: &Namespace,
        scope: &ScopeDefinition,
    ) -> Option<std::result::Result<(), Failure>> {
        let flight = match self.consent_flights.join((ns.clone(), scope.name.clone())) {
            Joined::Follower(waiting) => waiting.await.unwrap_or(Flight::Reevaluate),
            Joined::Leader(leader) => {
                let flight = self.lead_consent(api, caller, ns, scope).await;
                leader.finish(flight.clone());
                flight
            }
        };
        match flight {
            Flight::Done(answer) => Some(answer),
            Flight::Reevaluate => None,
        }
    }

    async fn lead_consent(
        &self,
        api: &str,
        caller: &Caller,
        ns: &Namespace,
        scope: &ScopeDefinition,
    ) -> Flight {
        let _slot = self.slots.acquire(&caller.user_id, &caller.app_id).await;
        match self.evaluate(caller, ns, scope) {
            Err(failure) => return Flight::Done(Err(failure)),
            Ok(Verdict::AskUser) => {}
            Ok(_) => return Flight::Reevaluate,
        }
        let manifest = self.manifest(&caller.app_id);
        let request = ScopeRequest {
            user_id: caller.user_id.clone(),
            app_id: caller.app_id.clone(),
            plugin_id: caller.plugin_id.clone(),
            app_name: self.app_name(caller, &manifest),
            scope: scope.name.clone(),
            scope_title: scope.title.clone(),
            scope_description: scope.description.clone(),
            purpose: manifest.purpose(&scope.name).map(str::to_string),
            api: api.to_string(),
        };
        let decision = match self.dialog(self.ui.ask_scope(request)).await {
            Ok(decision) => decision,
            Err(failure) => return Flight::Done(Err(failure)),
        };
        let now = self.clock.now_ms();
        let (effect, answer) = policy::after_consent(decision, now);
        let name = scope.name.as_str();
        let written = match effect {
            DialogEffect::Grant(Lifetime::Once) => {
                // The newest decision wins: a stored decision it replaces (a grant
                // under an older contract, a soft denial) is forgotten, so nothing
                // outlives this run.
                let written = self.store.apply(
                    ns,
                    &[Change::Forget {
                        scope: name.to_string(),
                    }],
                    &[record(
                        ns,
                        Some(name),
                        "granted",
                        Some(Lifetime::Once),
                        &manifest,
                        "dialog",
                    )],
                    DecisionSource::Dialog,
                    now,
                );
                if written.is_ok() {
                    self.session.grant(ns, name);
                }
                written
            }
            DialogEffect::Grant(lifetime) => {
                let until = match lifetime {
                    Lifetime::Until(at) => Some(at),
                    _ => None,
                };
                self.store.apply(
                    ns,
                    &[decide(name, GrantState::Granted, until, &manifest)],
                    &[record(
                        ns,
                        Some(name),
                        "granted",
                        Some(lifetime),
                        &manifest,
                        "dialog",
                    )],
                    DecisionSource::Dialog,
                    now,
                )
            }
            DialogEffect::Deny => self.store.apply(
                ns,
                &[decide(name, GrantState::Denied, None, &manifest)],
                &[record(ns, Some(name), "denied", None, &manifest, "dialog")],
                DecisionSource::Dialog,
                now,
            ),
            DialogEffect::Dismiss => self.store.apply(
                ns,
                &[Change::Dismiss {
                    scope: name.to_string(),
                }],
                &[],
                DecisionSource::Dialog,
                now,
            ),
        };
        if written.is_err() && answer.is_ok() {
            // Never say "ok" for a grant that is not durable (or not recorded).
            return Flight::Done(Err(Failure::StorageUnavailable));
        }
        Flight::Done(answer)
    }

    pub(crate) async fn privacy_prompt(
        &self,
        api: &str,
        caller: &Caller,
    ) -> std::result::Result<(), Failure> {
        loop {
            let key = (caller.user_id.clone(), caller.app_id.clone());
            let flight = match self.privacy_flights.join(key) {
                Joined::Follower(waiting) => match waiting.await {
                    Ok(flight) => flight,
                    Err(_) => continue,
                },
                Joined::Leader(leader) => {
                    let flight = self.lead_privacy(api, caller).await;
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

    async fn lead_privacy(&self, api: &str, caller: &Caller) -> Flight {
        let _slot = self.slots.acquire(&caller.user_id, &caller.app_id).await;
        let manifest = self.manifest(&caller.app_id);
        match self.privacy_gate(caller, &manifest) {
            Err(failure) => return Flight::Done(Err(failure)),
            Ok(PrivacyGate::NotAgreed) => {}
            Ok(_) => return Flight::Reevaluate,
        }
        let Some(contract) = manifest.privacy.clone() else {
            return Flight::Reevaluate;
        };
        let request = PrivacyRequest {
            user_id: caller.user_id.clone(),
            app_id: caller.app_id.clone(),
            app_name: self.app_name(caller, &manifest),
            contract_name: contract.contract_name.clone(),
            contract_version: contract.version.clone(),
            api: api.to_string(),
        };
        let decision = match self.dialog(self.ui.ask_privacy(request)).await {
            Ok(decision) => decision,
            Err(failure) => return Flight::Done(Err(failure)),
        };
        let (agreed, answer) = policy::after_privacy(decision);
        let now = self.clock.now_ms();
        let app = caller.app_namespace();
        if agreed {
            let written = self.store.set_agreed_version(
                &caller.user_id,
                &caller.app_id,
                &contract.version,
                record(&app, None, "agreed", None, &manifest, "dialog"),
                now,
            );
            if written.is_err() {
                return Flight::Done(Err(Failure::StorageUnavailable));
            }
        } else {
            // The answer stands even if its record cannot be written.
            let _ = self.store.record(
                &[record(&app, None, "disagreed", None, &manifest, "dialog")],
                now,
            );
        }
        Flight::Done(answer)
    }

    /// How many dialogs are open or waited for (tests: nothing may leak).
    pub fn open_flights(&self) -> usize {
        self.consent_flights.in_flight() + self.privacy_flights.in_flight() + self.slots.allocated()
    }
}
