//! The state machine of one (user, app, scope) — SPEC §3 — as pure functions of
//! the facts the engine gathered. No I/O, no clock, no locks: the engine reads the
//! facts, asks [`evaluate`] what to do, shows a dialog when told to, and feeds the
//! answer to [`after_consent`] / [`after_privacy`] / [`settings_changes`].

use crate::dialect::Failure;
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

/// Where the privacy gate stands for the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivacyGate {
    /// The app has no privacy contract: no gate.
    NoContract,
    /// The user agreed to the current contract version.
    Agreed,
    /// The user has not agreed to the current version.
    NotAgreed,
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

/// Everything [`evaluate`] needs to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
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
}

/// The user's answer to a consent dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentDecision {
    /// Allow the scope.
    Allow,
    /// Deny the scope (sticky).
    Deny,
    /// Closed the dialog without deciding.
    Dismiss,
}

/// The user's answer to a privacy-contract prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PrivacyDecision {
    /// Agreed to the contract.
    Agree,
    /// Disagreed.
    Disagree,
}

/// Decides an `authorize` (or guarded-API) request. The order of the gates is:
/// withdrawn/ungated scopes, purpose string, privacy contract, the stored
/// decision (a denial is sticky), the host's OS permission, then the dialog.
pub fn evaluate(f: &Facts) -> Verdict {
    if matches!(f.kind, ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts) {
        return Verdict::Allow;
    }
    if f.purpose_required && !f.purpose_present {
        return Verdict::Refuse(Failure::RequirePermissionDesc);
    }
    if f.privacy != PrivacyGate::NoContract && !f.declared_in_contract {
        return Verdict::Refuse(Failure::NotDeclaredInPrivacy);
    }
    if f.privacy == PrivacyGate::NotAgreed {
        return Verdict::AskPrivacy;
    }
    if f.state == GrantState::Denied {
        return Verdict::Refuse(Failure::AuthDeny);
    }
    if f.os == OsPermissionStatus::Denied {
        return Verdict::Refuse(Failure::SystemPermissionDenied);
    }
    match (f.state, f.kind) {
        (GrantState::Granted, _) => Verdict::Allow,
        (_, ScopeKind::SettingsOnly) => Verdict::Refuse(Failure::SettingsOnly),
        _ => Verdict::AskUser,
    }
}

/// The state to store after a consent dialog (`None`: store nothing) and the answer.
pub fn after_consent(decision: ConsentDecision) -> (Option<GrantState>, Result<(), Failure>) {
    match decision {
        ConsentDecision::Allow => (Some(GrantState::Granted), Ok(())),
        ConsentDecision::Deny => (Some(GrantState::Denied), Err(Failure::AuthDeny)),
        ConsentDecision::Dismiss => (None, Err(Failure::AuthCanceled)),
    }
}

/// Whether to record agreement after a privacy prompt, and the answer.
pub fn after_privacy(decision: PrivacyDecision) -> (bool, Result<(), Failure>) {
    match decision {
        PrivacyDecision::Agree => (true, Ok(())),
        PrivacyDecision::Disagree => (false, Err(Failure::PrivacyNotAuthorized)),
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
    const ALL_GATES: [PrivacyGate; 3] = [
        PrivacyGate::NoContract,
        PrivacyGate::Agreed,
        PrivacyGate::NotAgreed,
    ];
    const ALL_OS: [OsPermissionStatus; 3] = [
        OsPermissionStatus::Granted,
        OsPermissionStatus::Denied,
        OsPermissionStatus::Unknown,
    ];

    /// Every combination of facts, checked against the rules written out longhand.
    #[test]
    fn evaluate_matches_the_spec_for_every_combination() {
        let mut checked = 0;
        for kind in ALL_KINDS {
            for state in ALL_STATES {
                for privacy in ALL_GATES {
                    for os in ALL_OS {
                        for purpose_required in [false, true] {
                            for purpose_present in [false, true] {
                                for declared_in_contract in [false, true] {
                                    let f = Facts {
                                        kind,
                                        state,
                                        purpose_required,
                                        purpose_present,
                                        privacy,
                                        declared_in_contract,
                                        os,
                                    };
                                    let v = evaluate(&f);
                                    let ungated = matches!(
                                        kind,
                                        ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts
                                    );
                                    let expected = if ungated {
                                        Verdict::Allow
                                    } else if purpose_required && !purpose_present {
                                        Verdict::Refuse(Failure::RequirePermissionDesc)
                                    } else if privacy != PrivacyGate::NoContract
                                        && !declared_in_contract
                                    {
                                        Verdict::Refuse(Failure::NotDeclaredInPrivacy)
                                    } else if privacy == PrivacyGate::NotAgreed {
                                        Verdict::AskPrivacy
                                    } else if state == GrantState::Denied {
                                        Verdict::Refuse(Failure::AuthDeny)
                                    } else if os == OsPermissionStatus::Denied {
                                        Verdict::Refuse(Failure::SystemPermissionDenied)
                                    } else if state == GrantState::Granted {
                                        Verdict::Allow
                                    } else if kind == ScopeKind::SettingsOnly {
                                        Verdict::Refuse(Failure::SettingsOnly)
                                    } else {
                                        Verdict::AskUser
                                    };
                                    assert_eq!(v, expected, "{f:?}");
                                    // Safety: never allow what was denied or never granted
                                    // for a gated scope.
                                    if v == Verdict::Allow && !ungated {
                                        assert_eq!(state, GrantState::Granted, "{f:?}");
                                    }
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 4 * 3 * 3 * 3 * 8);
    }

    #[test]
    fn dialog_answers() {
        assert_eq!(
            after_consent(ConsentDecision::Allow),
            (Some(GrantState::Granted), Ok(()))
        );
        assert_eq!(
            after_consent(ConsentDecision::Deny),
            (Some(GrantState::Denied), Err(Failure::AuthDeny))
        );
        assert_eq!(
            after_consent(ConsentDecision::Dismiss),
            (None, Err(Failure::AuthCanceled))
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
