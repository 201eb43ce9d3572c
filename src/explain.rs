//! `explain`: for one caller and API, the result the core would give now and
//! the rule that decides it — the log line behind "why no dialog" (SPEC §11's
//! "why"). It runs the real gate (`Gate::explain`, the same facts and
//! `policy::explain` as every call), writes nothing (not even a grant's use or
//! its end), shows no dialog and asks no one but the host's OS probe.

use crate::caller::Caller;
use crate::dialect::{ApiResult, Failure};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::mini_app_api::{gating, Gating};
use crate::namespace::NamespaceRef;
use crate::plugin_rules;
use crate::policy::{
    self, Facts, GrantState, OsPermissionStatus, PrivacyGate, Request, Rule, Verdict,
};
use crate::privacy_agreement::Gated;
use crate::registry::Snapshot;
use crate::scopes::{ScopeDefinition, PLUGIN_SCOPES};
use crate::store::StoredGrant;

/// What the call would do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExplainedVerdict {
    /// Succeed without a dialog.
    Allow,
    /// Fail without a dialog.
    Refuse,
    /// Ask for agreement to the app's privacy contract first.
    AskPrivacy,
    /// Show the consent dialog.
    AskUser,
    /// Show the consent dialog with the privacy contract's checkbox on it.
    AskUserAndPrivacy,
}

impl ExplainedVerdict {
    /// The verdict's name (kebab-case), for logs and tools.
    pub fn as_str(self) -> &'static str {
        match self {
            ExplainedVerdict::Allow => "allow",
            ExplainedVerdict::Refuse => "refuse",
            ExplainedVerdict::AskPrivacy => "ask-privacy",
            ExplainedVerdict::AskUser => "ask-user",
            ExplainedVerdict::AskUserAndPrivacy => "ask-user-and-privacy",
        }
    }
}

/// One fact the decision was made on, as a name and a value (both text).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExplainedFact {
    /// What the fact is (`stored decision`, `privacy contract`, ...).
    pub name: String,
    /// Its value.
    pub value: String,
}

/// The result the core would give a call now, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Explanation {
    /// The API explained.
    pub api: String,
    /// The scope it was decided on (the one named, or the one guarding the API).
    pub scope: Option<String>,
    /// What the call would do.
    pub verdict: ExplainedVerdict,
    /// The mini app's answer now, when no dialog is needed (allow, refuse).
    pub result: Option<ApiResult>,
    /// The rule that decides (kebab-case, stable: `denied`, `dismissal-embargo`,
    /// `privacy-agreement-needed`, `not-decided`, ... — docs/inspector.md lists them).
    pub rule: String,
    /// The rule in one sentence.
    pub because: String,
    /// The facts the rule was applied to.
    pub facts: Vec<ExplainedFact>,
}

impl Explanation {
    /// The explanation as JSON (the bridge's `explain` op, the inspector's
    /// `why.json`): `{"api", "scope", "verdict", "result", "rule", "because",
    /// "facts": [{"name", "value"}]}`, `result` being the mini app's result
    /// object (`{"errMsg": ...}`) or `null` when a dialog comes first.
    pub fn to_json(&self) -> serde_json::Value {
        let result = self.result.as_ref().map(|result| {
            serde_json::from_str::<serde_json::Value>(&result.json)
                .unwrap_or_else(|_| serde_json::Value::String(result.json.clone()))
        });
        serde_json::json!({
            "api": self.api,
            "scope": self.scope,
            "verdict": self.verdict.as_str(),
            "result": result,
            "rule": self.rule,
            "because": self.because,
            "facts": self
                .facts
                .iter()
                .map(|f| serde_json::json!({"name": f.name, "value": f.value}))
                .collect::<Vec<_>>(),
        })
    }
}

/// What was explained, before it is put into words.
struct Explained {
    verdict: Verdict,
    rule: &'static str,
    because: &'static str,
    scope: Option<String>,
    facts: Vec<ExplainedFact>,
}

impl Explained {
    /// A call refused before any gate (its checks of the caller and the API).
    fn refused_early(failure: Failure, rule: &'static str, because: &'static str) -> Explained {
        Explained {
            verdict: Verdict::Refuse(failure),
            rule,
            because,
            scope: None,
            facts: Vec::new(),
        }
    }

    /// The policy's verdict and rule on a scope.
    fn of_rule(verdict: Verdict, rule: Rule, scope: &str, facts: Vec<ExplainedFact>) -> Explained {
        Explained {
            verdict,
            rule: rule.id(),
            because: rule.because(),
            scope: Some(scope.to_string()),
            facts,
        }
    }
}

fn fact(name: &str, value: impl Into<String>) -> ExplainedFact {
    ExplainedFact {
        name: name.to_string(),
        value: value.into(),
    }
}

/// The facts `policy::explain` decided on, in words.
fn facts_in_words(facts: &Facts, stored: Option<&StoredGrant>) -> Vec<ExplainedFact> {
    let mut words = vec![fact("state now", facts.state.as_str())];
    match stored {
        Some(grant) => {
            words.push(fact("stored decision", grant.state.as_str()));
            if let Some(until) = grant.expires_at_ms {
                words.push(fact("granted until (ms)", until.to_string()));
            }
            if let Some(used) = grant.last_used_at_ms {
                words.push(fact("last used (ms)", used.to_string()));
            }
        }
        None if facts.state == GrantState::Granted => words.push(fact(
            "stored decision",
            "none (allowed once in this process's run)",
        )),
        None => words.push(fact("stored decision", "none")),
    }
    words.push(fact("denials in a row", facts.denials.to_string()));
    if let Some(dismissals) = facts.dismissals {
        words.push(fact("dismissals in a row", dismissals.count.to_string()));
        words.push(fact(
            "last dismissal (ms)",
            dismissals.last_at_ms.to_string(),
        ));
    }
    let privacy = match facts.privacy {
        PrivacyGate::NoContract => "no contract",
        PrivacyGate::Agreed => "agreed",
        PrivacyGate::NotAgreed => "not agreed",
        PrivacyGate::RefusedRecently => "refused moments ago",
    };
    words.push(fact("privacy contract", privacy));
    if facts.privacy != PrivacyGate::NoContract {
        words.push(fact(
            "declared in the contract",
            yes_no(facts.declared_in_contract),
        ));
    }
    words.push(fact(
        "purpose string",
        match (facts.purpose_required, facts.purpose_present) {
            (_, true) => "given",
            (true, false) => "missing (required)",
            (false, false) => "not needed",
        },
    ));
    let os = match facts.os {
        OsPermissionStatus::Granted => "granted",
        OsPermissionStatus::Denied => "denied",
        OsPermissionStatus::Unknown => "not known",
    };
    words.push(fact("host's OS permission", os));
    let knobs = &facts.knobs;
    words.push(fact(
        "denial policy",
        match knobs.soft_deny {
            true => format!("soft (asked again until {} denials)", knobs.max_denials),
            false => "sticky (WeChat)".to_string(),
        },
    ));
    if knobs.embargo.max_dismissals > 0 {
        words.push(fact(
            "dismissal embargo",
            format!(
                "after {} dismissals, for {} ms",
                knobs.embargo.max_dismissals, knobs.embargo.duration_ms
            ),
        ));
    }
    words.push(fact("now (ms)", facts.now_ms.to_string()));
    words
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

impl Engine {
    /// The result `api` called by `caller` (with `scope` for `authorize` and
    /// `authorizeForMiniProgram`) would get now, and the rule that decides —
    /// without writing anything or showing a dialog.
    pub fn explain(&self, caller: &Caller, api: &str, scope: Option<&str>) -> Result<Explanation> {
        let explained = self.explained(caller, api, scope)?;
        let outcome = match &explained.verdict {
            Verdict::Allow => Some(Ok(())),
            Verdict::Refuse(failure) => Some(Err(failure.clone())),
            Verdict::AskPrivacy | Verdict::AskUser | Verdict::AskUserAndPrivacy => None,
        };
        let authorizing = matches!(api, "authorize" | "authorizeForMiniProgram");
        let result = outcome.map(|outcome| match authorizing {
            true => ApiResult::from_outcome(api, outcome),
            false => ApiResult::of_ensure(api, outcome),
        });
        let verdict = match explained.verdict {
            Verdict::Allow => ExplainedVerdict::Allow,
            Verdict::Refuse(_) => ExplainedVerdict::Refuse,
            Verdict::AskPrivacy => ExplainedVerdict::AskPrivacy,
            Verdict::AskUser => ExplainedVerdict::AskUser,
            Verdict::AskUserAndPrivacy => ExplainedVerdict::AskUserAndPrivacy,
        };
        Ok(Explanation {
            api: api.to_string(),
            scope: explained.scope,
            verdict,
            result,
            rule: explained.rule.to_string(),
            because: explained.because.to_string(),
            facts: explained.facts,
        })
    }

    /// The call's checks in the order the API makes them, then the gate's.
    fn explained(&self, caller: &Caller, api: &str, scope: Option<&str>) -> Result<Explained> {
        if let Err(failure) = caller.validate() {
            return Ok(Explained::refused_early(
                failure,
                "invalid-caller",
                "the user, app or plugin id is not valid",
            ));
        }
        let snapshot = self.registry.snapshot(&caller.app_id);
        match api {
            "authorize" | "authorizeForMiniProgram" => {
                let scope = scope.ok_or_else(|| {
                    Error::InvalidArgument(format!("explaining {api} needs a scope"))
                })?;
                let ns = match api {
                    "authorize" => {
                        if let Err(failure) = plugin_rules::offered_to(caller, api) {
                            return Ok(Explained::refused_early(
                                failure,
                                "not-offered-to-plugins",
                                "a plugin may not call authorize (authorizeForMiniProgram instead)",
                            ));
                        }
                        caller.namespace_ref()
                    }
                    _ => {
                        if caller.plugin_id.is_none() {
                            return Ok(Explained::refused_early(
                                Failure::PluginOnly,
                                "plugins-only",
                                "only a plugin may call authorizeForMiniProgram",
                            ));
                        }
                        if !PLUGIN_SCOPES.contains(&scope)
                            && snapshot.catalogue.get(scope).is_some()
                        {
                            return Ok(Explained::refused_early(
                                Failure::NotSupportedForPlugin(scope.to_string()),
                                "not-offered-to-plugins",
                                "authorizeForMiniProgram offers only scope.record, scope.writePhotosAlbum and scope.camera",
                            ));
                        }
                        caller.app_namespace_ref()
                    }
                };
                let Some(definition) = snapshot.catalogue.get(scope).cloned() else {
                    return Ok(Explained::refused_early(
                        Failure::InvalidScope,
                        "unknown-scope",
                        "no scope of that name is registered",
                    ));
                };
                self.explain_gate(Request::Authorize, ns, &definition, &snapshot)
            }
            _ => self.explain_guarded(caller, api, &snapshot),
        }
    }

    /// A guarded API: the scope guarding it, or the privacy gate of the kinds
    /// of information listing it (then their scopes' gates), as `ensure`.
    fn explain_guarded(
        &self,
        caller: &Caller,
        api: &str,
        snapshot: &Snapshot,
    ) -> Result<Explained> {
        let gating = match gating(api, caller, &snapshot.catalogue, &snapshot.manifest) {
            Ok(gating) => gating,
            Err(failure) => {
                let (rule, because) = match failure {
                    Failure::UnsupportedApi => {
                        ("unsupported-api", "nothing gates an API of that name here")
                    }
                    Failure::NotInRequiredPrivateInfos => (
                        "private-info-not-declared",
                        "the manifest's requiredPrivateInfos does not list the API",
                    ),
                    Failure::NeedsUserGesture => {
                        ("needs-user-tap", "the API runs only from a user's tap")
                    }
                    _ => ("api-check", "the API's own checks refuse the call"),
                };
                return Ok(Explained::refused_early(failure, rule, because));
            }
        };
        let (kinds, scopes) = match gating {
            Gating::Scope(scope) => (Vec::new(), vec![scope.clone()]),
            Gating::Kinds { kinds, scopes } => (kinds, scopes.into_iter().cloned().collect()),
        };
        if !kinds.is_empty()
            && !scopes.is_empty()
            && !snapshot.manifest.privacy_declares(Gated::Kinds(&kinds))
        {
            return Ok(Explained::refused_early(
                Failure::NotDeclaredInPrivacy,
                Rule::NotDeclaredInContract.id(),
                Rule::NotDeclaredInContract.because(),
            ));
        }
        let ns = caller.namespace_ref();
        let mut last = None;
        for scope in &scopes {
            let explained = self.explain_gate(Request::GuardedApi, ns, scope, snapshot)?;
            if explained.verdict != Verdict::Allow {
                return Ok(explained);
            }
            last = Some(explained);
        }
        if kinds.is_empty() {
            return last.ok_or_else(|| Error::InvalidArgument(format!("nothing gates {api}")));
        }
        let gated = Gated::Kinds(&kinds);
        let declared = snapshot.manifest.privacy_declares(gated);
        let privacy = self
            .gate()
            .privacy(&caller.user_id, &caller.app_id, &snapshot.manifest, gated)
            .map_err(failure_as_error)?;
        let facts = vec![fact("kinds of information", kinds.join(", "))];
        Ok(match policy::privacy_explained(privacy, declared) {
            Some((verdict, rule)) => Explained {
                verdict,
                rule: rule.id(),
                because: rule.because(),
                scope: None,
                facts,
            },
            None => {
                let (rule, because) = match privacy {
                    PrivacyGate::NoContract => (
                        "no-privacy-contract",
                        "no authorization dialog gates the API, and the app has no privacy contract",
                    ),
                    _ => (
                        "privacy-agreed",
                        "no authorization dialog gates the API, and the user agreed to the privacy contract",
                    ),
                };
                Explained {
                    verdict: Verdict::Allow,
                    rule,
                    because,
                    scope: None,
                    facts,
                }
            }
        })
    }

    /// The gate's verdict on one scope, through `Gate::explain`.
    fn explain_gate(
        &self,
        request: Request,
        ns: NamespaceRef<'_>,
        scope: &ScopeDefinition,
        snapshot: &Snapshot,
    ) -> Result<Explained> {
        let (verdict, rule, facts, stored) = self
            .gate()
            .explain(request, ns, scope, snapshot)
            .map_err(failure_as_error)?;
        let words = facts_in_words(&facts, stored.as_ref());
        Ok(Explained::of_rule(verdict, rule, &scope.name, words))
    }
}

/// A gate's failure to read (storage, a closed engine) is the explain call's
/// error, not a verdict.
fn failure_as_error(failure: Failure) -> Error {
    match failure {
        Failure::EngineClosed => Error::Closed,
        other => Error::Io(std::io::Error::other(other.reason())),
    }
}
