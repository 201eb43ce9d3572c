//! The state machine of one (user, app, scope) — SPEC §3 — as pure functions of
//! the facts the engine gathered. No I/O, no clock, no locks: the engine reads the
//! facts, asks [`explain`] what to do (and which rule decides), shows a dialog when told to, and feeds the
//! answer to [`after_consent`] / [`after_privacy`] / [`settings_changes`].

use crate::config::EngineConfig;
use crate::dialect::Failure;
use crate::embargo::{DismissalEmbargo, Dismissals};
use crate::scopes::ScopeKind;

/// The stored decision for one (user, app[, plugin], scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum GrantState {
    /// Never decided (no row).
    Unasked,
    /// The user allowed it.
    Granted,
    /// The user denied it.
    Denied,
}

impl GrantState {
    /// The state's word (`unasked`, `granted`, `denied`), as the CLI and
    /// `explain` write it.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Unasked => "unasked",
            GrantState::Granted => "granted",
            GrantState::Denied => "denied",
        }
    }
}

/// Where the privacy gate stands for the app (for one scope, or for its whole
/// contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivacyGate {
    /// The app has no privacy contract: no gate.
    NoContract,
    /// The user's agreement covers it.
    Agreed,
    /// The user's agreement does not cover it (none, or one to a contract that
    /// declared less).
    NotAgreed,
    /// Not covered, and the user refused the contract moments ago: no prompt
    /// until the gap is over (WeChat's 10 s).
    RefusedRecently,
}

/// What the host reports about its own OS permission behind a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OsPermissionStatus {
    /// The host app holds the permission (or the OS will ask when it is used).
    Granted,
    /// The host app lacks it: calls fail `system permission denied`.
    Denied,
    /// Not known (no probe, or the scope has no OS permission).
    Unknown,
}

/// What asks for the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `authorize` (or `authorizeForMiniProgram`) names the scope.
    Authorize,
    /// A guarded API (`getLocation`, `chooseAddress`, ...) is about to run.
    /// (A privacy interface no scope guards — `getClipboardData`,
    /// `chooseLocation` — passes the privacy gate alone: [`privacy_verdict`].)
    GuardedApi,
}

/// Everything [`explain`] needs to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// What asks.
    pub request: Request,
    /// How the scope behaves.
    pub kind: ScopeKind,
    /// The stored decision.
    pub state: GrantState,
    /// Whether the scope needs a purpose string in the manifest.
    pub purpose_required: bool,
    /// Whether the manifest gives one.
    pub purpose_present: bool,
    /// The privacy gate.
    pub privacy: PrivacyGate,
    /// Whether the app's privacy contract declares the scope (ignored without a contract).
    pub declared_in_contract: bool,
    /// The host's OS permission.
    pub os: OsPermissionStatus,
    /// How many times in a row the user denied the scope.
    pub denials: u32,
    /// The dismissals in a row of the scope's dialog, if any.
    pub dismissals: Option<Dismissals>,
    /// Now.
    pub now_ms: i64,
    /// The host's knobs.
    pub knobs: Knobs,
}

/// What to do with an authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Succeed without a dialog.
    Allow,
    /// Fail without a dialog.
    Refuse(Failure),
    /// Ask for agreement to the privacy contract, then evaluate again.
    AskPrivacy,
    /// Show the consent dialog.
    AskUser,
    /// Show the consent dialog with the privacy contract on it, to agree to
    /// with the same answer (`combined_privacy_dialog`; WeChat since base
    /// library 3.4.2).
    AskUserAndPrivacy,
}

/// The user's answer to a consent dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentDecision {
    /// Allow the scope, permanently.
    Allow,
    /// Allow the scope until the host ends this app's run (`end_app_run`) or the
    /// process ends; never written to disk as granted.
    AllowOnce,
    /// Allow the scope until `until_ms` (milliseconds since the Unix epoch).
    AllowUntil {
        /// When the grant ends.
        until_ms: i64,
    },
    /// Deny the scope (sticky, or soft under `EngineConfig::soft_deny`).
    Deny,
    /// Closed the dialog without deciding.
    Dismiss,
}

/// How long a grant lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Until changed on the settings page or by the host.
    Permanent,
    /// For this run of the app only (memory, never disk).
    Once,
    /// Until this time (ms since the Unix epoch).
    Until(i64),
}

/// What a consent dialog's answer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogEffect {
    /// Record a grant with this lifetime.
    Grant(Lifetime),
    /// Record a denial.
    Deny,
    /// Record a dismissal (the scope stays unasked).
    Dismiss,
}

/// A stored decision as the policy needs to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing<'a> {
    /// Granted or denied.
    pub state: GrantState,
    /// When a time-limited grant ends.
    pub expires_at_ms: Option<i64>,
    /// The purpose string the user saw when deciding.
    pub purpose_seen: Option<&'a str>,
    /// The privacy-contract version in force when deciding.
    pub contract_seen: Option<&'a str>,
    /// Whether the two above were recorded (not for decisions migrated from an
    /// older schema, which are then not re-asked on a change).
    pub consent_known: bool,
}

/// The host's knobs the policy applies (from `EngineConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knobs {
    /// Denied scopes may be asked again (until `max_denials`).
    pub soft_deny: bool,
    /// With `soft_deny`: the denial after which the scope is not asked again.
    pub max_denials: u32,
    /// The dismissal embargo.
    pub embargo: DismissalEmbargo,
    /// Ask again when the contract version or a purpose string changes.
    pub reconsent_on_change: bool,
    /// How long after a privacy refusal no new privacy prompt is shown.
    pub privacy_refusal_gap_ms: i64,
    /// The privacy agreement is asked on the consent dialog itself, where one
    /// follows ([`Verdict::AskUserAndPrivacy`]).
    pub combined_privacy_dialog: bool,
}

impl Knobs {
    /// The knobs `config` sets.
    pub fn from_config(config: &EngineConfig) -> Knobs {
        Knobs {
            soft_deny: config.soft_deny,
            max_denials: config.max_denials,
            embargo: DismissalEmbargo::from_config(config),
            reconsent_on_change: config.reconsent_on_change,
            privacy_refusal_gap_ms: config.privacy_refusal_gap_ms.min(i64::MAX as u64) as i64,
            combined_privacy_dialog: config.combined_privacy_dialog,
        }
    }
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs::from_config(&EngineConfig::default())
    }
}

/// Soft denial's count: denials in a row of a scope after it is decided
/// `decided`, given the stored decision before (its state and count). Only a
/// denial following a denial adds up; anything else starts over.
pub fn denials_in_a_row(before: Option<(GrantState, u32)>, decided: GrantState) -> u32 {
    match (decided, before) {
        (GrantState::Denied, Some((GrantState::Denied, denials))) => denials.saturating_add(1),
        (GrantState::Denied, _) => 1,
        _ => 0,
    }
}

/// The state a scope is in now: an allow-once grant of this run; else the stored
/// decision, except that a time-limited grant that has ended counts as unasked,
/// and — only when the host asks again on any change (`reconsent_on_change`;
/// WeChat keeps grants until the app is deleted) — so does a grant given under a
/// purpose string or privacy-contract version that has since changed.
pub fn current_state(
    stored: Option<Standing<'_>>,
    granted_for_this_run: bool,
    now_ms: i64,
    purpose_now: Option<&str>,
    contract_now: Option<&str>,
    reconsent_on_change: bool,
) -> GrantState {
    if granted_for_this_run {
        return GrantState::Granted;
    }
    let Some(stored) = stored else {
        return GrantState::Unasked;
    };
    if stored.state != GrantState::Granted {
        return stored.state;
    }
    let expired = stored.expires_at_ms.is_some_and(|end| now_ms >= end);
    let reconsent = reconsent_on_change && stored.consent_known;
    let purpose_changed = reconsent && stored.purpose_seen != purpose_now;
    let contract_changed =
        reconsent && contract_now.is_some() && stored.contract_seen != contract_now;
    if expired || purpose_changed || contract_changed {
        GrantState::Unasked
    } else {
        GrantState::Granted
    }
}

/// The user's answer to a privacy-contract prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PrivacyDecision {
    /// Agreed to the contract.
    Agree,
    /// Disagreed.
    Disagree,
}

/// The privacy contract's gate: a scope the contract does not declare is
/// refused; without agreement to the contract, it is asked for first.
fn privacy_gate(f: &Facts) -> Option<(Verdict, Rule)> {
    privacy_explained(f.privacy, f.declared_in_contract)
}

/// The privacy contract's gate on its own, for a scope or for a privacy
/// interface no scope guards (`getClipboardData`, `chooseMedia`, the
/// `getPhoneNumber` button — WeChat shows them no authorization dialog): what
/// the contract does not declare (`declared`) is refused (errno 112); without
/// agreement it is asked for first, and refused (errno 104) within the gap
/// after a refusal; `None`: the gate lets it through.
pub fn privacy_verdict(privacy: PrivacyGate, declared: bool) -> Option<Verdict> {
    privacy_explained(privacy, declared).map(|(verdict, _)| verdict)
}

/// [`privacy_verdict`] and the rule that decided it.
pub fn privacy_explained(privacy: PrivacyGate, declared: bool) -> Option<(Verdict, Rule)> {
    if privacy != PrivacyGate::NoContract && !declared {
        return Some((
            Verdict::Refuse(Failure::NotDeclaredInPrivacy),
            Rule::NotDeclaredInContract,
        ));
    }
    match privacy {
        PrivacyGate::NotAgreed => Some((Verdict::AskPrivacy, Rule::PrivacyNotAgreed)),
        PrivacyGate::RefusedRecently => Some((
            Verdict::Refuse(Failure::PrivacyNotAuthorized),
            Rule::PrivacyRefusedRecently,
        )),
        PrivacyGate::NoContract | PrivacyGate::Agreed => None,
    }
}

/// Whether a denied scope may be asked again.
fn may_ask_again_after_denial(f: &Facts) -> bool {
    f.knobs.soft_deny && f.denials < f.knobs.max_denials
}

/// [`explain`]'s verdict alone (the policy's own tests).
#[cfg(test)]
pub fn evaluate(f: &Facts) -> Verdict {
    explain(f).0
}

/// Decides an `authorize` (or guarded-API) request. The order of the gates is:
/// withdrawn/ungated scopes, purpose string, privacy contract, the stored
/// decision (a denial is sticky unless the host chose soft denial), the host's
/// OS permission, a grant, settings-only scopes, the dismissal embargo
/// ([`crate::embargo`]), then the dialog.
///
/// An ungated scope's own APIs (`chooseAddress`, `chooseInvoice`,
/// `chooseInvoiceTitle`) still pass the privacy contract's gate: WeChat's
/// privacy guide (2023-09) lists them among the APIs that need the agreement.
///
/// With the verdict, the rule that decided it (what `AuthEngine::explain`
/// reports: the log line behind "why no dialog").
#[inline]
pub fn explain(f: &Facts) -> (Verdict, Rule) {
    let (verdict, rule) = evaluate_two_step(f);
    if verdict == Verdict::AskPrivacy && f.knobs.combined_privacy_dialog {
        // WeChat since base library 3.4.2: "有授权弹窗的隐私接口(例如 wx.getLocation),
        // 将不会再弹官方隐私弹窗,而是在授权弹窗上增加“隐私勾选”;无授权弹窗的隐私接口
        // (如 wx.getClipboardData),将继续保留原来的官方隐私弹窗" (基础库更新日志 v3.4.2).
        // A call leads to a consent dialog when it would once the agreement is given.
        let agreed = Facts {
            privacy: PrivacyGate::Agreed,
            ..*f
        };
        if evaluate_two_step(&agreed).0 == Verdict::AskUser {
            return (Verdict::AskUserAndPrivacy, Rule::CombinedDialog);
        }
    }
    (verdict, rule)
}

/// The rule of [`explain`] that decided a verdict, in the order the gates
/// are passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The scope never prompts (allowed without consent).
    NeverPrompts,
    /// The scope is granted to every app: `authorize` succeeds.
    AlwaysGranted,
    /// The scope needs a purpose string the manifest does not give.
    PurposeMissing,
    /// The app's privacy contract does not declare the scope.
    NotDeclaredInContract,
    /// The user has not agreed to the app's privacy contract (for this scope).
    PrivacyNotAgreed,
    /// The user refused the privacy contract moments ago.
    PrivacyRefusedRecently,
    /// The user denied the scope and a denial is final here.
    Denied,
    /// The host reports its own OS permission denied.
    OsPermissionDenied,
    /// The user granted the scope (and it is still in force).
    Granted,
    /// The scope is changed only from the settings page.
    SettingsOnly,
    /// The user dismissed the dialog too often; no dialog until the cooldown ends.
    DismissalEmbargo,
    /// The user denied the scope, and the host's soft denial lets it be asked again.
    AskAgainAfterDenial,
    /// Never decided: the consent dialog.
    NotDecided,
    /// The combined dialog: consent with the privacy contract's checkbox.
    CombinedDialog,
}

impl Rule {
    /// The rule's stable name (kebab-case), for logs and tools.
    pub fn id(self) -> &'static str {
        match self {
            Rule::NeverPrompts => "never-prompts",
            Rule::AlwaysGranted => "always-granted",
            Rule::PurposeMissing => "purpose-string-missing",
            Rule::NotDeclaredInContract => "not-declared-in-privacy-contract",
            Rule::PrivacyNotAgreed => "privacy-agreement-needed",
            Rule::PrivacyRefusedRecently => "privacy-refused-moments-ago",
            Rule::Denied => "denied",
            Rule::OsPermissionDenied => "system-permission-denied",
            Rule::Granted => "granted",
            Rule::SettingsOnly => "settings-only",
            Rule::DismissalEmbargo => "dismissal-embargo",
            Rule::AskAgainAfterDenial => "ask-again-after-denial",
            Rule::NotDecided => "not-decided",
            Rule::CombinedDialog => "combined-privacy-dialog",
        }
    }

    /// The rule in one sentence.
    pub fn because(self) -> &'static str {
        match self {
            Rule::NeverPrompts => "the scope needs no consent: it never prompts",
            Rule::AlwaysGranted => "the scope is granted to every app",
            Rule::PurposeMissing => {
                "the scope needs a purpose string (permission.desc) the manifest does not give"
            }
            Rule::NotDeclaredInContract => "the app's privacy contract does not declare it",
            Rule::PrivacyNotAgreed => {
                "the user has not agreed to the app's privacy contract for it: the privacy prompt comes first"
            }
            Rule::PrivacyRefusedRecently => {
                "the user refused the privacy contract moments ago: no prompt until the gap is over"
            }
            Rule::Denied => "the user denied it, and a denial is final (only openSetting changes it)",
            Rule::OsPermissionDenied => "the host app lacks the OS permission behind the scope",
            Rule::Granted => "the user granted it and the grant is in force",
            Rule::SettingsOnly => "the scope is changed only from the settings page",
            Rule::DismissalEmbargo => {
                "the user dismissed the dialog too often: no dialog until the cooldown ends"
            }
            Rule::AskAgainAfterDenial => {
                "the user denied it, and the host's soft denial asks again (denials below the limit)"
            }
            Rule::NotDecided => "the user never decided: the consent dialog",
            Rule::CombinedDialog => {
                "not decided and the privacy contract not agreed: one dialog asks both (combined dialog)"
            }
        }
    }
}

/// [`explain`] with the privacy popup always a step of its own.
#[inline]
fn evaluate_two_step(f: &Facts) -> (Verdict, Rule) {
    match (f.kind, f.request) {
        (ScopeKind::NeverPrompts, _) => return (Verdict::Allow, Rule::NeverPrompts),
        (ScopeKind::AlwaysGranted, Request::Authorize) => {
            return (Verdict::Allow, Rule::AlwaysGranted);
        }
        (ScopeKind::AlwaysGranted, Request::GuardedApi) => {
            return privacy_gate(f).unwrap_or((Verdict::Allow, Rule::AlwaysGranted));
        }
        _ => {}
    }
    if f.purpose_required && !f.purpose_present {
        return (
            Verdict::Refuse(Failure::RequirePermissionDesc),
            Rule::PurposeMissing,
        );
    }
    if let Some(decided) = privacy_gate(f) {
        return decided;
    }
    if f.state == GrantState::Denied && !may_ask_again_after_denial(f) {
        return (Verdict::Refuse(Failure::AuthDeny), Rule::Denied);
    }
    if f.os == OsPermissionStatus::Denied {
        return (
            Verdict::Refuse(Failure::SystemPermissionDenied),
            Rule::OsPermissionDenied,
        );
    }
    if f.state == GrantState::Granted {
        return (Verdict::Allow, Rule::Granted);
    }
    if f.kind == ScopeKind::SettingsOnly {
        return (Verdict::Refuse(Failure::SettingsOnly), Rule::SettingsOnly);
    }
    if f.knobs.embargo.bars(f.dismissals.as_ref(), f.now_ms) {
        return (
            Verdict::Refuse(Failure::UnderDismissalEmbargo),
            Rule::DismissalEmbargo,
        );
    }
    match f.state {
        GrantState::Denied => (Verdict::AskUser, Rule::AskAgainAfterDenial),
        _ => (Verdict::AskUser, Rule::NotDecided),
    }
}

/// What a consent dialog's answer records, and the answer to the mini app. An
/// `AllowUntil` whose time has already passed lasts for this run only.
pub fn after_consent(
    decision: ConsentDecision,
    now_ms: i64,
) -> (DialogEffect, Result<(), Failure>) {
    match decision {
        ConsentDecision::Allow => (DialogEffect::Grant(Lifetime::Permanent), Ok(())),
        ConsentDecision::AllowOnce => (DialogEffect::Grant(Lifetime::Once), Ok(())),
        ConsentDecision::AllowUntil { until_ms } if until_ms > now_ms => {
            (DialogEffect::Grant(Lifetime::Until(until_ms)), Ok(()))
        }
        ConsentDecision::AllowUntil { .. } => (DialogEffect::Grant(Lifetime::Once), Ok(())),
        ConsentDecision::Deny => (DialogEffect::Deny, Err(Failure::AuthDeny)),
        ConsentDecision::Dismiss => (DialogEffect::Dismiss, Err(Failure::AuthCanceled)),
    }
}

/// Whether to record agreement after a privacy prompt, and the answer.
pub fn after_privacy(decision: PrivacyDecision) -> (bool, Result<(), Failure>) {
    match decision {
        PrivacyDecision::Agree => (true, Ok(())),
        PrivacyDecision::Disagree => (false, Err(Failure::PrivacyNotAuthorized)),
    }
}

/// What a combined dialog's answer (`EngineConfig::combined_privacy_dialog`)
/// records — the effect on the scope, if any, and whether the agreement to
/// the privacy contract — and the answer to the mini app:
/// - an allow with the checkbox ticked: the grant and the agreement;
/// - an allow without it: nothing (a grant needs the agreement; WeChat's allow
///   button cannot be pressed unticked), the call fails `privacy permission is
///   not authorized`;
/// - a denial: the denial, and the agreement if the checkbox was ticked;
/// - a dismissal: the dismissal only (a tick on a closed dialog agrees to nothing).
pub fn after_combined(
    decision: ConsentDecision,
    agree_privacy: bool,
    now_ms: i64,
) -> (Option<DialogEffect>, bool, Result<(), Failure>) {
    let (effect, answer) = after_consent(decision, now_ms);
    match effect {
        DialogEffect::Grant(_) if !agree_privacy => {
            (None, false, Err(Failure::PrivacyNotAuthorized))
        }
        DialogEffect::Grant(_) => (Some(effect), true, answer),
        DialogEffect::Deny => (Some(effect), agree_privacy, answer),
        DialogEffect::Dismiss => (Some(effect), false, answer),
    }
}

/// The changes a settings page makes: for each scope shown on the page (with its
/// state before), the state the user left it in. Scopes not shown are ignored, an
/// untouched unasked scope stays unasked, and nothing else changes.
pub fn settings_changes(
    shown: &[(String, GrantState)],
    answered: &[(String, bool)],
) -> Vec<(String, GrantState)> {
    let mut changes = Vec::new();
    for (scope, before) in shown {
        // The last answer for a scope wins; scopes the host omitted keep their state.
        let Some((_, granted)) = answered.iter().rev().find(|(s, _)| s == scope) else {
            continue;
        };
        let after = if *granted {
            GrantState::Granted
        } else if *before == GrantState::Unasked {
            GrantState::Unasked
        } else {
            GrantState::Denied
        };
        if after != *before {
            changes.push((scope.clone(), after));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_KINDS: [ScopeKind; 4] = [
        ScopeKind::Promptable,
        ScopeKind::SettingsOnly,
        ScopeKind::NeverPrompts,
        ScopeKind::AlwaysGranted,
    ];
    const ALL_STATES: [GrantState; 3] =
        [GrantState::Unasked, GrantState::Granted, GrantState::Denied];
    const ALL_GATES: [PrivacyGate; 4] = [
        PrivacyGate::NoContract,
        PrivacyGate::Agreed,
        PrivacyGate::NotAgreed,
        PrivacyGate::RefusedRecently,
    ];
    const ALL_REQUESTS: [Request; 2] = [Request::Authorize, Request::GuardedApi];
    const ALL_OS: [OsPermissionStatus; 3] = [
        OsPermissionStatus::Granted,
        OsPermissionStatus::Denied,
        OsPermissionStatus::Unknown,
    ];

    /// Every combination of facts, checked against the rules written out longhand.
    #[test]
    fn evaluate_matches_the_spec_for_every_combination() {
        let knob_sets = [
            Knobs::default(),
            Knobs {
                soft_deny: true,
                ..Knobs::default()
            },
            Knobs {
                embargo: DismissalEmbargo {
                    max_dismissals: 0,
                    ..DismissalEmbargo::default()
                },
                ..Knobs::default()
            },
            Knobs {
                combined_privacy_dialog: true,
                ..Knobs::default()
            },
        ];
        let now = 1_000_000;
        let mut checked = 0;
        for kind in ALL_KINDS {
            for state in ALL_STATES {
                for privacy in ALL_GATES {
                    for os in ALL_OS {
                        for bits in 0..8u8 {
                            let (purpose_required, purpose_present, declared_in_contract) =
                                (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
                            for denials in [0, 1, 2] {
                                for (dismissals, last) in [
                                    (0, None),
                                    (2, Some(now - 10)),
                                    (3, Some(now - 10)),
                                    (3, Some(0)),
                                ] {
                                    for (knobs, request) in knob_sets
                                        .into_iter()
                                        .flat_map(|k| ALL_REQUESTS.map(|r| (k, r)))
                                    {
                                        let f = Facts {
                                            request,
                                            kind,
                                            state,
                                            purpose_required,
                                            purpose_present,
                                            privacy,
                                            declared_in_contract,
                                            os,
                                            denials,
                                            dismissals: last.map(|last_at_ms| Dismissals {
                                                count: dismissals,
                                                last_at_ms,
                                            }),
                                            now_ms: now,
                                            knobs,
                                        };
                                        check(&f);
                                        checked += 1;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 3 * 4 * 3 * 8 * 3 * 4 * 4 * 2);
    }

    fn check(f: &Facts) {
        let mut expected = expected_two_step(f);
        // The combined dialog: the agreement is asked on the consent dialog
        // when the call would show one once agreed; else the popup stays.
        if expected == Verdict::AskPrivacy
            && f.knobs.combined_privacy_dialog
            && expected_two_step(&Facts {
                privacy: PrivacyGate::Agreed,
                ..*f
            }) == Verdict::AskUser
        {
            expected = Verdict::AskUserAndPrivacy;
        }
        let ungated = matches!(f.kind, ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts);
        let v = evaluate(f);
        assert_eq!(v, expected, "{f:?}");
        // Safety: a gated scope is allowed only when granted.
        if v == Verdict::Allow && !ungated {
            assert_eq!(f.state, GrantState::Granted, "{f:?}");
        }
        // Sticky deny never shows a dialog.
        if f.state == GrantState::Denied && !f.knobs.soft_deny {
            assert_ne!(v, Verdict::AskUser, "{f:?}");
            assert_ne!(v, Verdict::AskUserAndPrivacy, "{f:?}");
        }
        // The combined dialog is shown only with the knob, only where the
        // agreement is missing.
        if v == Verdict::AskUserAndPrivacy {
            assert!(f.knobs.combined_privacy_dialog, "{f:?}");
            assert_eq!(f.privacy, PrivacyGate::NotAgreed, "{f:?}");
        }
    }

    /// The verdict of the two-step flow, written out longhand.
    fn expected_two_step(f: &Facts) -> Verdict {
        let ungated = matches!(f.kind, ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts);
        let privacy_applies = f.kind != ScopeKind::NeverPrompts
            && !(f.kind == ScopeKind::AlwaysGranted && f.request == Request::Authorize);
        let soft_retry = f.knobs.soft_deny && f.denials < f.knobs.max_denials;
        let embargo = f.knobs.embargo.max_dismissals > 0
            && f.dismissals.is_some_and(|d| {
                d.count >= f.knobs.embargo.max_dismissals
                    && f.now_ms < d.last_at_ms + f.knobs.embargo.duration_ms
            });
        let privacy_refused = f.privacy != PrivacyGate::NoContract && !f.declared_in_contract;
        if !privacy_applies {
            Verdict::Allow
        } else if !ungated && f.purpose_required && !f.purpose_present {
            Verdict::Refuse(Failure::RequirePermissionDesc)
        } else if privacy_refused {
            Verdict::Refuse(Failure::NotDeclaredInPrivacy)
        } else if f.privacy == PrivacyGate::NotAgreed {
            Verdict::AskPrivacy
        } else if f.privacy == PrivacyGate::RefusedRecently {
            Verdict::Refuse(Failure::PrivacyNotAuthorized)
        } else if ungated {
            Verdict::Allow
        } else if f.state == GrantState::Denied && !soft_retry {
            Verdict::Refuse(Failure::AuthDeny)
        } else if f.os == OsPermissionStatus::Denied {
            Verdict::Refuse(Failure::SystemPermissionDenied)
        } else if f.state == GrantState::Granted {
            Verdict::Allow
        } else if f.kind == ScopeKind::SettingsOnly {
            Verdict::Refuse(Failure::SettingsOnly)
        } else if embargo {
            Verdict::Refuse(Failure::UnderDismissalEmbargo)
        } else {
            Verdict::AskUser
        }
    }

    #[test]
    fn the_privacy_gate_alone_refuses_what_is_undeclared_and_asks_for_agreement() {
        for privacy in ALL_GATES {
            for declared in [false, true] {
                let expected = match (privacy, declared) {
                    (PrivacyGate::NoContract, _) | (PrivacyGate::Agreed, true) => None,
                    (_, false) => Some(Verdict::Refuse(Failure::NotDeclaredInPrivacy)),
                    (PrivacyGate::NotAgreed, true) => Some(Verdict::AskPrivacy),
                    (PrivacyGate::RefusedRecently, true) => {
                        Some(Verdict::Refuse(Failure::PrivacyNotAuthorized))
                    }
                };
                assert_eq!(privacy_verdict(privacy, declared), expected);
            }
        }
    }

    #[test]
    fn current_state_expires_and_asks_again_when_what_the_user_saw_changed() {
        let granted = |expires, purpose, contract| Standing {
            state: GrantState::Granted,
            expires_at_ms: expires,
            purpose_seen: purpose,
            contract_seen: contract,
            consent_known: true,
        };
        // With the host policy that asks again on any change.
        let g = |s: Standing<'_>, now, p, c| current_state(Some(s), false, now, p, c, true);
        assert_eq!(
            g(granted(None, Some("a"), Some("1")), 5, Some("a"), Some("1")),
            GrantState::Granted
        );
        assert_eq!(
            g(granted(Some(10), None, None), 9, None, None),
            GrantState::Granted
        );
        assert_eq!(
            g(granted(Some(10), None, None), 10, None, None),
            GrantState::Unasked
        );
        assert_eq!(
            g(granted(None, Some("a"), None), 5, Some("b"), None),
            GrantState::Unasked
        );
        assert_eq!(
            g(granted(None, None, None), 5, Some("b"), None),
            GrantState::Unasked
        );
        assert_eq!(
            g(granted(None, None, Some("1")), 5, None, Some("2")),
            GrantState::Unasked
        );
        // A contract that went away asks nothing new.
        assert_eq!(
            g(granted(None, None, Some("1")), 5, None, None),
            GrantState::Granted
        );
        // Denials stand whatever changed.
        let denied = Standing {
            state: GrantState::Denied,
            ..granted(None, Some("a"), Some("1"))
        };
        assert_eq!(g(denied, 5, Some("b"), Some("2")), GrantState::Denied);
        assert_eq!(
            current_state(None, true, 5, None, None, true),
            GrantState::Granted
        );
        assert_eq!(
            current_state(None, false, 5, None, None, true),
            GrantState::Unasked
        );
        // WeChat's default: grants stand through changes; only the end of a
        // time-limited grant ends it.
        let wechat = |s: Standing<'_>, now, p, c| current_state(Some(s), false, now, p, c, false);
        assert_eq!(
            wechat(granted(None, Some("a"), Some("1")), 5, Some("b"), Some("2")),
            GrantState::Granted
        );
        assert_eq!(
            wechat(granted(Some(10), Some("a"), None), 10, Some("a"), None),
            GrantState::Unasked
        );
    }

    #[test]
    fn soft_deny_counts_denials_in_a_row() {
        use GrantState::*;
        assert_eq!(denials_in_a_row(None, Denied), 1);
        assert_eq!(denials_in_a_row(Some((Denied, 1)), Denied), 2);
        assert_eq!(denials_in_a_row(Some((Granted, 0)), Denied), 1);
        assert_eq!(denials_in_a_row(Some((Denied, 2)), Granted), 0);
        assert_eq!(denials_in_a_row(Some((Denied, u32::MAX)), Denied), u32::MAX);
    }

    #[test]
    fn dialog_answers() {
        let now = 100;
        assert_eq!(
            after_consent(ConsentDecision::Allow, now),
            (DialogEffect::Grant(Lifetime::Permanent), Ok(()))
        );
        assert_eq!(
            after_consent(ConsentDecision::AllowOnce, now),
            (DialogEffect::Grant(Lifetime::Once), Ok(()))
        );
        assert_eq!(
            after_consent(ConsentDecision::AllowUntil { until_ms: 200 }, now),
            (DialogEffect::Grant(Lifetime::Until(200)), Ok(()))
        );
        assert_eq!(
            after_consent(ConsentDecision::AllowUntil { until_ms: 100 }, now),
            (DialogEffect::Grant(Lifetime::Once), Ok(()))
        );
        assert_eq!(
            after_consent(ConsentDecision::Deny, now),
            (DialogEffect::Deny, Err(Failure::AuthDeny))
        );
        assert_eq!(
            after_consent(ConsentDecision::Dismiss, now),
            (DialogEffect::Dismiss, Err(Failure::AuthCanceled))
        );
        assert_eq!(after_privacy(PrivacyDecision::Agree), (true, Ok(())));
        assert_eq!(
            after_privacy(PrivacyDecision::Disagree),
            (false, Err(Failure::PrivacyNotAuthorized))
        );
    }

    #[test]
    fn settings_page_changes_only_what_it_showed() {
        let shown = vec![
            ("scope.record".to_string(), GrantState::Denied),
            ("scope.camera".to_string(), GrantState::Granted),
            (
                "scope.userLocationBackground".to_string(),
                GrantState::Unasked,
            ),
            ("scope.werun".to_string(), GrantState::Granted),
        ];
        let answered = vec![
            ("scope.record".to_string(), true),
            ("scope.camera".to_string(), false),
            ("scope.userLocationBackground".to_string(), false),
            ("scope.bluetooth".to_string(), true), // not shown: ignored
        ];
        assert_eq!(
            settings_changes(&shown, &answered),
            vec![
                ("scope.record".to_string(), GrantState::Granted),
                ("scope.camera".to_string(), GrantState::Denied),
            ]
        );
    }
}
