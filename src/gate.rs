//! The gate every authorize-like call goes through: gather the facts (stored
//! decision, allow-once grants, manifest, privacy agreement, OS permission), ask
//! [`crate::policy`] for a verdict, and act on it — answer, or show a dialog
//! (`engine.rs`) and evaluate again.
//!
//! The facts come from one of two places, through the same [`Engine::facts`]:
//! - the cached path ([`Engine::answer_from_cache`]): when nothing was committed
//!   since the store last looked and the namespace is cached, everything is
//!   borrowed under read locks that each thread takes on its own shard — no
//!   copies, no shared counters, so an allowed call scales across threads;
//! - the full path ([`Engine::gate`]): reads through the store (loading what is
//!   not cached) and handles the verdicts that need a dialog.
//!
//! Both call the host's OS-permission probe (host code) holding no lock.

use std::sync::{Arc, LazyLock};

use crate::caller::Caller;
use crate::consent_ui::OsPermissionProbe;
use crate::dialect::Failure;
use crate::engine::{read, storage, Engine};
use crate::manifest::Manifest;
use crate::policy::{self, Facts, GrantState, OsPermissionStatus, PrivacyGate, Standing, Verdict};
use crate::scopes::{OsPermission, ScopeDefinition, ScopeKind};
use crate::store::{Namespace, NamespaceRef, NamespaceState, StoredGrant};

/// The manifest of an app that registered none.
static NO_MANIFEST: LazyLock<Manifest> = LazyLock::new(Manifest::default);

/// One evaluation of the gate: the verdict, whether the scope's stored grant
/// should have a use written, and the time it was made at.
struct Evaluation {
    verdict: Verdict,
    use_note_due: bool,
    now_ms: i64,
}

/// What the host's probe says of `permission`. A probe that fails, or panics
/// (a Rust host), tells us nothing.
fn ask_probe(
    probe: Option<Arc<dyn OsPermissionProbe>>,
    permission: OsPermission,
) -> OsPermissionStatus {
    match probe {
        Some(probe) => {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| probe.status(permission)))
                .ok()
                .and_then(Result::ok)
                .unwrap_or(OsPermissionStatus::Unknown)
        }
        None => OsPermissionStatus::Unknown,
    }
}

/// Whether the privacy gate is open, given how to ask whether the user agreed
/// to a contract version.
fn privacy_gate_with(
    manifest: &Manifest,
    agreed_to: impl FnOnce(&str) -> std::result::Result<bool, Failure>,
) -> std::result::Result<PrivacyGate, Failure> {
    let Some(contract) = &manifest.privacy else {
        return Ok(PrivacyGate::NoContract);
    };
    Ok(if agreed_to(&contract.version)? {
        PrivacyGate::Agreed
    } else {
        PrivacyGate::NotAgreed
    })
}

impl Engine {
    /// Whether the caller's user agreed to the app's current privacy contract.
    pub(crate) fn privacy_gate(
        &self,
        caller: &Caller,
        manifest: &Manifest,
    ) -> std::result::Result<PrivacyGate, Failure> {
        privacy_gate_with(manifest, |version| {
            storage(
                self.store
                    .has_agreed(&caller.user_id, &caller.app_id, version),
            )
        })
    }

    fn os_status(&self, permission: Option<OsPermission>) -> OsPermissionStatus {
        let Some(permission) = permission else {
            return OsPermissionStatus::Unknown;
        };
        let probe = read(&self.registry).os_probe.clone();
        ask_probe(probe, permission)
    }

    /// The state of `scope` in `ns` now (allow-once, expiry and re-consent
    /// applied), with its stored details.
    pub(crate) fn effective_state(
        &self,
        ns: &Namespace,
        scope: &str,
        manifest: &Manifest,
        stored: &NamespaceState,
    ) -> GrantState {
        let grant = stored.grants.get(scope);
        let purpose = manifest.purpose(scope);
        self.state_at(
            ns.borrowed(),
            scope,
            grant,
            purpose,
            manifest,
            self.clock.now_ms(),
        )
    }

    /// [`Self::effective_state`] at `now_ms`, from the scope's stored grant and
    /// the manifest's current purpose string for it.
    fn state_at(
        &self,
        ns: NamespaceRef<'_>,
        scope: &str,
        grant: Option<&StoredGrant>,
        purpose: Option<&str>,
        manifest: &Manifest,
        now_ms: i64,
    ) -> GrantState {
        let grant = grant.map(|g| Standing {
            state: g.state,
            expires_at_ms: g.expires_at_ms,
            purpose_seen: g.purpose.as_deref(),
            contract_seen: g.contract_version.as_deref(),
            consent_known: g.consent_known,
        });
        policy::current_state(
            grant,
            self.session.has(&ns, scope),
            now_ms,
            purpose,
            manifest.privacy.as_ref().map(|c| c.version.as_str()),
        )
    }

    /// The facts the policy decides on (the OS permission still unknown), and
    /// whether the scope's stored grant is due to have a use written.
    fn facts(
        &self,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
        manifest: &Manifest,
        stored: &NamespaceState,
        privacy: PrivacyGate,
        now_ms: i64,
    ) -> (Facts, bool) {
        let grant = stored.grants.get(&scope.name);
        let purpose = manifest.purpose(&scope.name);
        let state = self.state_at(ns, &scope.name, grant, purpose, manifest, now_ms);
        let declared_in_contract = manifest
            .privacy
            .as_ref()
            .is_none_or(|c| c.scopes.contains(&scope.name));
        let fatigue = stored.fatigue.get(&scope.name);
        let facts = Facts {
            kind: scope.kind,
            state,
            purpose_required: scope.requires_purpose,
            purpose_present: purpose.is_some(),
            privacy,
            declared_in_contract,
            os: OsPermissionStatus::Unknown,
            denials: grant
                .filter(|g| g.state == GrantState::Denied)
                .map_or(0, |g| g.denials),
            dismissals: fatigue.map_or(0, |f| f.dismissals),
            last_dismissed_at_ms: fatigue.map(|f| f.last_dismissed_at_ms),
            now_ms,
            knobs: self.knobs(),
        };
        (facts, grant.is_some_and(|g| g.use_note_due(now_ms)))
    }

    /// The policy's verdict on `facts`, asking the host about its OS permission
    /// (`os_status`) only when that can change the answer. Call it holding no
    /// lock: the probe is host code.
    fn verdict(&self, facts: Facts, os_status: impl FnOnce() -> OsPermissionStatus) -> Verdict {
        let verdict = policy::evaluate(&facts);
        if matches!(verdict, Verdict::Allow | Verdict::AskUser)
            && !matches!(
                facts.kind,
                ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts
            )
        {
            let os = os_status();
            if os != OsPermissionStatus::Unknown {
                return policy::evaluate(&Facts { os, ..facts });
            }
        }
        verdict
    }

    pub(crate) fn evaluate(
        &self,
        caller: &Caller,
        ns: &Namespace,
        scope: &ScopeDefinition,
    ) -> std::result::Result<Verdict, Failure> {
        self.evaluate_now(caller, ns.borrowed(), scope)
            .map(|e| e.verdict)
    }

    /// [`Self::evaluate`], with whether a use is due to be written and the time it
    /// used (the gate notes a use from them without reading the store again).
    fn evaluate_now(
        &self,
        caller: &Caller,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
    ) -> std::result::Result<Evaluation, Failure> {
        let now_ms = self.clock.now_ms();
        let manifest = self.manifest(&caller.app_id);
        let stored = storage(self.store.namespace(&ns))?;
        let privacy = self.privacy_gate(caller, &manifest)?;
        let (facts, use_note_due) = self.facts(ns, scope, &manifest, &stored, privacy, now_ms);
        Ok(Evaluation {
            verdict: self.verdict(facts, || self.os_status(scope.os_permission)),
            use_note_due,
            now_ms,
        })
    }

    /// The answer for `scope_name` in `ns` when the verdict needs no dialog and
    /// everything it depends on is cached; `None` sends the call down the full
    /// path ([`Self::gate`]), which decides the same way.
    pub(crate) fn answer_from_cache(
        &self,
        caller: &Caller,
        ns: NamespaceRef<'_>,
        scope_name: &str,
    ) -> Option<std::result::Result<(), Failure>> {
        let now_ms = self.clock.now_ms();
        let (facts, os_question, use_note_due) = {
            let registry = read(&self.registry);
            let Some(scope) = registry.catalogue.get(scope_name) else {
                return Some(Err(Failure::InvalidScope));
            };
            let manifest = registry
                .manifests
                .get(&caller.app_id)
                .map_or(&*NO_MANIFEST, |m| &**m);
            let (facts, use_note_due) = self.store.read_cached(
                ns,
                manifest.privacy.is_some(),
                |stored, agreed_version| {
                    let privacy =
                        privacy_gate_with(manifest, |version| Ok(agreed_version == Some(version)))
                            .ok()?;
                    Some(self.facts(ns, scope, manifest, stored, privacy, now_ms))
                },
            )??;
            // The probe is asked (if at all) after the lock is released.
            let os_question = scope
                .os_permission
                .map(|permission| (registry.os_probe.clone(), permission));
            (facts, os_question, use_note_due)
        };
        let os_status = || match os_question {
            Some((probe, permission)) => ask_probe(probe, permission),
            None => OsPermissionStatus::Unknown,
        };
        match self.verdict(facts, os_status) {
            Verdict::Allow => {
                if use_note_due {
                    self.store.note_use(&ns, scope_name, now_ms);
                }
                Some(Ok(()))
            }
            Verdict::Refuse(failure) => Some(Err(failure)),
            Verdict::AskPrivacy | Verdict::AskUser => None,
        }
    }

    /// The whole authorize flow for `scope` in namespace `ns`, answering as `api`.
    /// An allowed call copies nothing; the namespace is copied only for a dialog.
    pub(crate) async fn gate(
        &self,
        api: &str,
        caller: &Caller,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
    ) -> std::result::Result<(), Failure> {
        loop {
            let evaluation = self.evaluate_now(caller, ns, scope)?;
            match evaluation.verdict {
                Verdict::Allow => {
                    if evaluation.use_note_due {
                        self.store.note_use(&ns, &scope.name, evaluation.now_ms);
                    }
                    return Ok(());
                }
                Verdict::Refuse(failure) => return Err(failure),
                Verdict::AskPrivacy => self.privacy_prompt(api, caller).await?,
                Verdict::AskUser => {
                    let owned = ns.to_owned();
                    if let Some(answer) = self.consent_prompt(api, caller, &owned, scope).await {
                        return answer;
                    }
                }
            }
        }
    }
}
