//! The gate: gathers the facts about one (user, app[, plugin], scope) — the
//! stored decision, allow-once grants, the manifest, the privacy agreement, the
//! host's OS permission — and asks [`crate::policy::explain`] for a verdict
//! (and the rule behind it). It is the policy's only caller. When it lets a
//! call through it notes the grant's use (for auto-revoke); when it only
//! explains (`Gate::explain`) it writes nothing.
//!
//! It reads the facts from one of two places:
//! - [`Gate::cached_verdict`]: when nothing was committed since the store last
//!   looked and the namespace is cached, everything is borrowed under read locks
//!   that each thread takes on its own shard — no copies, no shared counters, so
//!   an allowed call scales across threads;
//! - [`Gate::evaluate`]: reads through the store, loading what is not cached.
//!
//! Both ask the host's OS-permission probe (host code) holding no lock, and only
//! when its answer can change the verdict.

use std::sync::Arc;

use crate::allow_once::AllowOnceGrants;
use crate::clock::Clock;
use crate::consent_ui::OsPermissionProbe;
use crate::dialect::Failure;
use crate::manifest::Manifest;
use crate::metrics::{self, MetricEvent, MetricName};
use crate::namespace::NamespaceRef;
use crate::policy::{
    self, Facts, GrantState, Knobs, OsPermissionStatus, PrivacyGate, Request, Rule, Standing,
    Verdict,
};
use crate::privacy_agreement::{agreement_covers, Agreement, Gated};
use crate::privacy_refusals::PrivacyRefusals;
use crate::registry::{Registry, Snapshot};
use crate::scopes::{OsPermission, ScopeDefinition, ScopeKind};
use crate::store::{NamespaceState, Store, StoredGrant};

/// The parts the gate reads, borrowed from the engine for one call.
pub(crate) struct Gate<'e> {
    /// Stored decisions and agreements.
    pub store: &'e Store,
    /// This process's allow-once grants.
    pub allow_once: &'e AllowOnceGrants,
    /// Recent privacy refusals (the no-prompt gap).
    pub privacy_refusals: &'e PrivacyRefusals,
    /// Scopes, manifests, OS probe.
    pub registry: &'e Registry,
    /// Now.
    pub clock: &'e dyn Clock,
    /// The host's policy knobs.
    pub knobs: Knobs,
}

/// What one evaluation is about: what asks, in whose namespace, for which scope.
#[derive(Clone, Copy)]
struct Asked<'a> {
    request: Request,
    ns: NamespaceRef<'a>,
    scope: &'a ScopeDefinition,
}

/// What the host's probe says of `permission`. A probe that fails, or panics
/// (a Rust host), tells us nothing (and is counted: [`MetricName::ProbeFailed`]).
fn ask_probe(
    probe: Option<Arc<dyn OsPermissionProbe>>,
    permission: OsPermission,
) -> OsPermissionStatus {
    match probe {
        Some(probe) => {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| probe.status(permission)))
                .ok()
                .and_then(Result::ok)
                .unwrap_or_else(|| {
                    metrics::record(|| MetricEvent::of(MetricName::ProbeFailed));
                    OsPermissionStatus::Unknown
                })
        }
        None => OsPermissionStatus::Unknown,
    }
}

/// Where the privacy gate stands for `gated`, given what the user agreed to
/// (`agreement()`, read only when the app has a contract) and whether they
/// refused it moments ago (`refused_recently()`, asked only when the agreement
/// does not cover it).
fn privacy_with<A: std::ops::Deref<Target = Agreement>>(
    manifest: &Manifest,
    gated: Gated<'_>,
    knobs: &Knobs,
    agreement: impl FnOnce() -> Result<Option<A>, Failure>,
    refused_recently: impl FnOnce() -> bool,
) -> Result<PrivacyGate, Failure> {
    let Some(contract) = &manifest.privacy else {
        return Ok(PrivacyGate::NoContract);
    };
    let covered = agreement()?.is_some_and(|agreed| {
        agreement_covers(&agreed, contract, gated, knobs.reconsent_on_change)
    });
    Ok(if covered {
        PrivacyGate::Agreed
    } else if refused_recently() {
        PrivacyGate::RefusedRecently
    } else {
        PrivacyGate::NotAgreed
    })
}

/// The policy's verdict on `facts` and the rule that decided it, asking the
/// host about its OS permission (`os_status`) only when that can change the
/// answer (then put into `facts`: what was decided on). Call it holding no
/// lock: the probe is host code. `facts` is borrowed, not moved in and out:
/// the hot path copies nothing.
#[inline(always)]
fn verdict(facts: &mut Facts, os_status: impl FnOnce() -> OsPermissionStatus) -> (Verdict, Rule) {
    let decided = policy::explain(facts);
    if matches!(
        decided.0,
        Verdict::Allow | Verdict::AskUser | Verdict::AskUserAndPrivacy
    ) && !matches!(
        facts.kind,
        ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts
    ) {
        let os = os_status();
        if os != OsPermissionStatus::Unknown {
            facts.os = os;
            return policy::explain(facts);
        }
    }
    decided
}

impl Gate<'_> {
    /// Where the privacy gate of the caller's app stands for its user, for
    /// `gated`.
    pub fn privacy(
        &self,
        user_id: &str,
        app_id: &str,
        manifest: &Manifest,
        gated: Gated<'_>,
    ) -> Result<PrivacyGate, Failure> {
        privacy_with(
            manifest,
            gated,
            &self.knobs,
            || Ok(self.store.agreement(user_id, app_id)?),
            || self.refused_recently(user_id, app_id),
        )
    }

    /// Where the privacy gate stands for `gated` from the cache alone, without
    /// I/O: `None` when the agreement is not cached.
    pub fn cached_privacy(
        &self,
        user_id: &str,
        app_id: &str,
        manifest: &Manifest,
        gated: Gated<'_>,
    ) -> Option<PrivacyGate> {
        let agreed = match &manifest.privacy {
            Some(_) => self.store.cached_agreement(user_id, app_id)?,
            None => None,
        };
        privacy_with(
            manifest,
            gated,
            &self.knobs,
            || Ok(agreed),
            || self.refused_recently(user_id, app_id),
        )
        .ok()
    }

    /// Whether the user refused the app's contract within the no-prompt gap.
    fn refused_recently(&self, user_id: &str, app_id: &str) -> bool {
        self.privacy_refusals.within_gap(
            user_id,
            app_id,
            self.clock.now_ms(),
            self.knobs.privacy_refusal_gap_ms,
        )
    }

    /// Ends the allow-once grants of `ns` that a decision stored since by
    /// another connection (another process, another engine) replaced: a
    /// denial, a revocation, a reset or a forgetting there ends them here, on
    /// the next call. Checked only when another connection committed.
    pub fn recheck_allow_once(&self, ns: NamespaceRef<'_>) -> Result<(), Failure> {
        if !self.allow_once.any() {
            return Ok(());
        }
        let commits = self.store.external_commits();
        for (scope, given) in self.allow_once.unchecked(&ns, commits) {
            let owned = ns.to_owned();
            if self.store.decided_since(ns, &scope, &given)? {
                self.allow_once.revoke(&owned, &scope);
            } else {
                self.allow_once.checked(&owned, &scope, commits);
            }
        }
        Ok(())
    }

    /// The state of `scope` in `ns` at `now_ms`: allow-once, expiry and
    /// re-consent applied to what is stored.
    pub fn state_of(
        &self,
        ns: NamespaceRef<'_>,
        scope: &str,
        manifest: &Manifest,
        stored: &NamespaceState,
        now_ms: i64,
    ) -> GrantState {
        let grant = stored.grants.get(scope);
        let state = self.state_from(ns, scope, grant, manifest.purpose(scope), manifest, now_ms);
        self.keep_up(ns, scope, Upkeep::of(grant, now_ms).if_allowed(false));
        state
    }

    /// [`Self::state_of`], given the scope's stored grant and the manifest's
    /// purpose string for it (looked up once per evaluation). Writes nothing.
    pub fn state_from(
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
            self.allow_once.has(&ns, scope),
            now_ms,
            purpose,
            manifest.privacy.as_ref().map(|c| c.version.as_str()),
            self.knobs.reconsent_on_change,
        )
    }

    /// The facts the policy decides on (the OS permission still unknown), and
    /// what is left to write about the scope's stored grant.
    fn facts(
        &self,
        Asked { request, ns, scope }: Asked<'_>,
        manifest: &Manifest,
        stored: &NamespaceState,
        privacy: PrivacyGate,
        now_ms: i64,
    ) -> (Facts, Upkeep) {
        let grant = stored.grants.get(&scope.name);
        let purpose = manifest.purpose(&scope.name);
        let facts = Facts {
            request,
            kind: scope.kind,
            state: self.state_from(ns, &scope.name, grant, purpose, manifest, now_ms),
            purpose_required: scope.requires_purpose,
            purpose_present: purpose.is_some(),
            privacy,
            declared_in_contract: manifest.privacy_declares(Gated::Scope(&scope.name)),
            os: OsPermissionStatus::Unknown,
            denials: grant
                .filter(|g| g.state == GrantState::Denied)
                .map_or(0, |g| g.denials),
            dismissals: stored.dismissals.get(&scope.name).copied(),
            now_ms,
            knobs: self.knobs,
        };
        (facts, Upkeep::of(grant, now_ms))
    }

    /// Writes what a look at a stored grant left to write (after every lock is
    /// released): its use, when the call was allowed and a note is due; that it
    /// ended, once seen ended.
    #[inline(always)]
    pub fn keep_up(&self, ns: NamespaceRef<'_>, scope: &str, upkeep: Upkeep) {
        match upkeep {
            Upkeep::Nothing => {}
            Upkeep::NoteUse(now_ms) => self.store.note_use(ns, scope, now_ms),
            Upkeep::StoreEnd { ends_at_ms, now_ms } => {
                self.store.note_expired(ns, scope, ends_at_ms, now_ms)
            }
        }
    }

    /// The verdict on `authorize` of `scope_name` in `ns` from the cache alone,
    /// with what is left to write about the grant ([`Self::keep_up`]: the caller
    /// writes it inline, or hands it to the core's I/O threads); `None` when
    /// something it needs is not cached (the caller then [`Self::evaluate`]s).
    /// An unknown scope is refused here. It does no I/O.
    pub fn cached_verdict(
        &self,
        request: Request,
        app_id: &str,
        ns: NamespaceRef<'_>,
        scope_name: &str,
    ) -> Option<(Verdict, Upkeep)> {
        if self.allow_once.any()
            && self
                .allow_once
                .is_unchecked(&ns, scope_name, self.store.external_commits())
        {
            // Another process committed since: the grant is checked on the full path.
            return None;
        }
        let now_ms = self.clock.now_ms();
        let (facts, os_question, upkeep) = {
            let registry = self.registry.read();
            let Some(scope) = registry.catalogue.get(scope_name) else {
                return Some((Verdict::Refuse(Failure::InvalidScope), Upkeep::Nothing));
            };
            let manifest = registry.manifest(app_id);
            let (facts, upkeep) =
                self.store
                    .read_cached(ns, manifest.privacy.is_some(), |stored, agreed| {
                        let privacy = privacy_with(
                            manifest,
                            Gated::Scope(&scope.name),
                            &self.knobs,
                            || Ok(agreed),
                            || self.refused_recently(ns.user_id, ns.app_id),
                        )
                        .ok()?;
                        let asked = Asked { request, ns, scope };
                        Some(self.facts(asked, manifest, stored, privacy, now_ms))
                    })??;
            // The probe is asked (if at all) after the lock is released.
            let os_question = scope
                .os_permission
                .map(|permission| (registry.os_probe.clone(), permission));
            (facts, os_question, upkeep)
        };
        let mut facts = facts;
        let (verdict, _) = verdict(&mut facts, || match os_question {
            Some((probe, permission)) => ask_probe(probe, permission),
            None => OsPermissionStatus::Unknown,
        });
        let upkeep = upkeep.if_allowed(verdict == Verdict::Allow);
        Some((verdict, upkeep))
    }

    /// The verdict on `request` for `scope` in `ns`, reading through the store.
    pub fn evaluate(
        &self,
        request: Request,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
        snapshot: &Snapshot,
    ) -> Result<Verdict, Failure> {
        let (verdict, _, _, upkeep, _) = self.decide(request, ns, scope, snapshot)?;
        self.keep_up(
            ns,
            &scope.name,
            upkeep.if_allowed(verdict == Verdict::Allow),
        );
        Ok(verdict)
    }

    /// [`Self::evaluate`] writing nothing — not even a grant's use or its end
    /// (`AuthEngine::explain`): the verdict, the rule that decided it and the
    /// facts it decided on, with the stored decision they came from.
    pub fn explain(
        &self,
        request: Request,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
        snapshot: &Snapshot,
    ) -> Result<(Verdict, Rule, Facts, Option<StoredGrant>), Failure> {
        let (verdict, rule, facts, _, stored) = self.decide(request, ns, scope, snapshot)?;
        Ok((
            verdict,
            rule,
            facts,
            stored.grants.get(&scope.name).cloned(),
        ))
    }

    /// What [`Self::evaluate`] and [`Self::explain`] share: the facts read
    /// through the store, the verdict, what is left to write, and the stored
    /// namespace read.
    #[allow(clippy::type_complexity)]
    fn decide(
        &self,
        request: Request,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
        snapshot: &Snapshot,
    ) -> Result<(Verdict, Rule, Facts, Upkeep, Arc<NamespaceState>), Failure> {
        let now_ms = self.clock.now_ms();
        let manifest = &snapshot.manifest;
        let stored = self.store.namespace(&ns)?;
        self.recheck_allow_once(ns)?;
        let privacy = self.privacy(ns.user_id, ns.app_id, manifest, Gated::Scope(&scope.name))?;
        let asked = Asked { request, ns, scope };
        let (mut facts, upkeep) = self.facts(asked, manifest, &stored, privacy, now_ms);
        let (verdict, rule) = verdict(&mut facts, || match scope.os_permission {
            Some(permission) => ask_probe(snapshot.os_probe.clone(), permission),
            None => OsPermissionStatus::Unknown,
        });
        Ok((verdict, rule, facts, upkeep, stored))
    }
}

/// What a look at a stored grant leaves to write once the locks are released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upkeep {
    /// Nothing to write.
    Nothing,
    /// Its use at this time is due to be written (if the call is allowed).
    NoteUse(i64),
    /// A time-limited grant was seen ended: store that (issue #11 item 12 — a
    /// clock set back later, in any process, must not revive it).
    StoreEnd { ends_at_ms: i64, now_ms: i64 },
}

impl Upkeep {
    #[inline(always)]
    fn of(grant: Option<&StoredGrant>, now_ms: i64) -> Upkeep {
        let Some(grant) = grant else {
            return Upkeep::Nothing;
        };
        match grant.expires_at_ms {
            Some(ends_at_ms) if grant.state == GrantState::Granted && now_ms >= ends_at_ms => {
                Upkeep::StoreEnd { ends_at_ms, now_ms }
            }
            _ if grant.use_note_due(now_ms) => Upkeep::NoteUse(now_ms),
            _ => Upkeep::Nothing,
        }
    }

    /// What is left once the call's verdict is known: a use is noted only for
    /// an allowed call.
    #[inline(always)]
    fn if_allowed(self, allowed: bool) -> Upkeep {
        match self {
            Upkeep::NoteUse(_) if !allowed => Upkeep::Nothing,
            other => other,
        }
    }
}
