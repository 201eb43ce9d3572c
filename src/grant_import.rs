//! Bulk import of everything an existing host's permission store holds (a
//! super-app moving onto this core): grants and denials (with when they were
//! made, and an allow-until end), privacy-contract agreements (with the
//! version agreed to), kept subscription choices and subscription main
//! switches — so that no user is asked again what they already answered.
//!
//! Every entry is checked before anything is written, and bad input fails the
//! whole import. Each entry is then written through the one door with its
//! consent record (source `import`, at the time the user decided), only if this
//! database never decided its key — asked inside the transaction that writes
//! (`StillTrue::Undecided`): a decision held here is newer than the host's old
//! store, and is kept.

use std::collections::HashSet;

use crate::admin_records::DecisionSource;
use crate::caller::Caller;
use crate::consent_ui::SubscribeChoice;
use crate::decisions::Decision;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::manifest::is_contract_version;
use crate::namespace::NamespaceRef;
use crate::policy::Lifetime;
use crate::privacy_agreement::Covered;
use crate::scopes::is_api_name;

/// How far ahead of the engine's clock a time from the host's old store may
/// be (the two clocks may differ a little): a time up to this far ahead is
/// taken as now; a later one is refused.
pub const CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// One decision about a scope from the host's old store.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedGrant {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, for a grant in a plugin's namespace.
    pub plugin_id: Option<String>,
    /// The scope (a known, grantable scope).
    pub scope: String,
    /// Granted (`true`) or denied.
    pub granted: bool,
    /// When the user decided, in ms since the Unix epoch (`None`: now). It
    /// becomes the grant's `updated_at_ms` and its consent record's `at_ms`.
    #[uniffi(default = None)]
    pub decided_at_ms: Option<i64>,
    /// For a grant allowed until a time (the core's allow-until lifetime):
    /// when it ends, in ms since the Unix epoch (`None`: a permanent grant). A
    /// denial has none. A grant that has already ended when its turn comes is
    /// not imported (counted in `HostImportReport::grants_already_ended`).
    #[uniffi(default = None)]
    pub expires_at_ms: Option<i64>,
}

/// A user's agreement to one version of an app's privacy contract, from the
/// host's old store.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedPrivacyAgreement {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The contract version the user agreed to.
    pub contract_version: String,
    /// The scopes that version declared, if the host kept them: the agreement
    /// covers those (as an agreement made here covers what its version
    /// declared), so a later version declaring more asks for the new ones
    /// only. `None`: the scopes (and kinds of information) of the app's
    /// registered contract when it is this version; otherwise the agreement
    /// covers its own version only (a different version asks again).
    #[uniffi(default = None)]
    pub declared_scopes: Option<Vec<String>>,
    /// When the user agreed, in ms since the Unix epoch (`None`: now).
    #[uniffi(default = None)]
    pub agreed_at_ms: Option<i64>,
}

/// A subscription-message choice the user kept ("always keep this choice")
/// in the host's old store: the app's `requestSubscribeMessage` answers the
/// template from it without a dialog.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedSubscriptionChoice {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The template id (as `requestSubscribeMessage` takes it).
    pub tmpl_id: String,
    /// `Accept` or `Reject` (`Ban` and `Filter` are the host server's word
    /// about a template, never a kept choice).
    pub choice: SubscribeChoice,
    /// When the user chose, in ms since the Unix epoch (`None`: now).
    #[uniffi(default = None)]
    pub decided_at_ms: Option<i64>,
}

/// A user's subscription main switch of one app, from the host's old store
/// (off: the app's `requestSubscribeMessage` fails with errCode 20004).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportedSubscriptionSwitch {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// On (`true`) or off.
    pub on: bool,
    /// When the user switched it, in ms since the Unix epoch (`None`: now).
    #[uniffi(default = None)]
    pub decided_at_ms: Option<i64>,
}

/// Everything a host's old store holds, imported together
/// (`AuthEngine::import_from_host`). Each list may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct HostImport {
    /// Grants and denials of scopes.
    #[uniffi(default)]
    pub grants: Vec<ImportedGrant>,
    /// Agreements to apps' privacy contracts.
    #[uniffi(default)]
    pub privacy_agreements: Vec<ImportedPrivacyAgreement>,
    /// Kept subscription-message choices.
    #[uniffi(default)]
    pub subscription_choices: Vec<ImportedSubscriptionChoice>,
    /// Subscription main switches.
    #[uniffi(default)]
    pub subscription_switches: Vec<ImportedSubscriptionSwitch>,
}

/// What an import did with the entries of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    /// Entries stored, each with an `import` consent record.
    pub imported: u64,
    /// Entries skipped because this database already decided their key (a
    /// decision stored here, or one taken back here: revoked, ended, the app
    /// reset) — newer than the host's old store.
    pub kept_existing: u64,
}

/// What `AuthEngine::import_from_host` did, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
pub struct HostImportReport {
    /// Grants and denials.
    pub grants: ImportReport,
    /// Allow-until grants not imported because they had already ended (an
    /// ended grant is unasked: there is nothing to bring in).
    pub grants_already_ended: u64,
    /// Privacy-contract agreements.
    pub privacy_agreements: ImportReport,
    /// Kept subscription choices.
    pub subscription_choices: ImportReport,
    /// Subscription main switches.
    pub subscription_switches: ImportReport,
}

impl ImportReport {
    /// Counts one entry: stored, or kept out by a decision held here.
    fn count(&mut self, stored: bool) {
        match stored {
            true => self.imported += 1,
            false => self.kept_existing += 1,
        }
    }
}

/// The time a host's entry gives (`None`: now), checked: not before 1970, not
/// later than [`CLOCK_SKEW_MS`] ahead of `now` (up to that, taken as now).
fn time_of(what: &str, at: Option<i64>, now: i64) -> std::result::Result<i64, String> {
    match at {
        None => Ok(now),
        Some(at) if at < 0 => Err(format!("{what} {at} is before 1970")),
        Some(at) if at > now.saturating_add(CLOCK_SKEW_MS) => Err(format!(
            "{what} {at} is in the future (the engine's clock says {now})"
        )),
        Some(at) => Ok(at.min(now)),
    }
}

/// The ids of an entry, checked as a caller's are: why not, if refused.
fn check_ids(
    user_id: &str,
    app_id: &str,
    plugin_id: Option<&str>,
) -> std::result::Result<(), String> {
    let caller = Caller {
        user_id: user_id.to_string(),
        app_id: app_id.to_string(),
        plugin_id: plugin_id.map(str::to_string),
        user_gesture: false,
    };
    caller.validate().map_err(|failure| failure.reason())
}

/// An error naming entry `i` of `kind`.
fn entry_error(kind: &str, i: usize, problem: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("import entry {i} of {kind}: {problem}"))
}

/// Refuses a key listed twice in one kind.
fn once<K: std::hash::Hash + Eq>(seen: &mut HashSet<K>, key: K) -> std::result::Result<(), String> {
    match seen.insert(key) {
        true => Ok(()),
        false => Err("listed twice (its key is in an earlier entry)".into()),
    }
}

/// A grant entry, checked: its decision and when it was made.
struct CheckedGrant {
    decision: Decision,
    at_ms: i64,
}

impl Engine {
    /// Imports `grants` only (see [`Engine::import_from_host`]).
    pub fn import_grants(&self, grants: Vec<ImportedGrant>) -> Result<ImportReport> {
        let batch = HostImport {
            grants,
            ..HostImport::default()
        };
        Ok(self.import_from_host(&batch)?.grants)
    }

    /// Imports everything in `batch` (see the module docs). Bad input — an
    /// invalid id, an unknown or ungrantable scope, a key listed twice, a time
    /// in the future, a template id `requestSubscribeMessage` would refuse, … —
    /// is an error naming the entry, before anything is written.
    pub fn import_from_host(&self, batch: &HostImport) -> Result<HostImportReport> {
        let now = self.clock.now_ms();
        let grants = self.check_grants(&batch.grants, now)?;
        let agreements = self.check_agreements(&batch.privacy_agreements, now)?;
        let choices = check_choices(&batch.subscription_choices, now)?;
        let switches = check_switches(&batch.subscription_switches, now)?;
        let mut report = HostImportReport::default();
        let decisions = self.decisions();
        for (grant, checked) in batch.grants.iter().zip(grants) {
            if let Decision::Grant(Lifetime::Until(end)) = checked.decision {
                // Ended while the host read its store, or before: as unasked.
                if end <= self.clock.now_ms() {
                    report.grants_already_ended += 1;
                    continue;
                }
            }
            let ns =
                Self::admin_namespace(&grant.user_id, &grant.app_id, grant.plugin_id.as_deref())?;
            let manifest = self.registry.snapshot(&grant.app_id).manifest;
            let stored = decisions.store_if_undecided(
                &ns,
                (&grant.scope, checked.decision),
                (DecisionSource::Import, checked.at_ms),
                &manifest,
            )?;
            report.grants.count(stored);
        }
        for (agreement, (covered, at_ms)) in batch.privacy_agreements.iter().zip(agreements) {
            let app = NamespaceRef::new(&agreement.user_id, &agreement.app_id, None);
            let stored = decisions.store_agreement_if_undecided(
                app,
                (&agreement.contract_version, covered),
                at_ms,
            )?;
            report.privacy_agreements.count(stored);
        }
        for (switch, at_ms) in batch.subscription_switches.iter().zip(switches) {
            let app = NamespaceRef::new(&switch.user_id, &switch.app_id, None);
            let stored = decisions.store_main_switch_if_undecided(app, switch.on, at_ms)?;
            report.subscription_switches.count(stored);
        }
        for (choice, at_ms) in batch.subscription_choices.iter().zip(choices) {
            let app = NamespaceRef::new(&choice.user_id, &choice.app_id, None);
            let accept = choice.choice == SubscribeChoice::Accept;
            let stored =
                decisions.keep_choice_if_undecided(app, (&choice.tmpl_id, accept), at_ms)?;
            report.subscription_choices.count(stored);
        }
        Ok(report)
    }

    /// Checks every grant entry: its ids and scope, its key once, its times
    /// (an end after the decision; none for a denial).
    fn check_grants(&self, grants: &[ImportedGrant], now: i64) -> Result<Vec<CheckedGrant>> {
        let mut seen = HashSet::new();
        let mut checked = Vec::with_capacity(grants.len());
        for (i, grant) in grants.iter().enumerate() {
            let entry = |e: &dyn std::fmt::Display| entry_error("grants", i, e);
            check_ids(&grant.user_id, &grant.app_id, grant.plugin_id.as_deref())
                .map_err(|e| entry(&e))?;
            self.decidable_scope(&grant.scope).map_err(|e| entry(&e))?;
            let key = (
                &grant.user_id,
                &grant.app_id,
                &grant.plugin_id,
                &grant.scope,
            );
            once(&mut seen, key).map_err(|e| entry(&e))?;
            let at_ms =
                time_of("decided_at_ms", grant.decided_at_ms, now).map_err(|e| entry(&e))?;
            let decision = match (grant.granted, grant.expires_at_ms) {
                (true, None) => Decision::Grant(Lifetime::Permanent),
                (true, Some(end)) if end <= at_ms => {
                    return Err(entry(&format!(
                        "expires_at_ms {end} is not after decided_at_ms {at_ms}"
                    )))
                }
                (true, Some(end)) => Decision::Grant(Lifetime::Until(end)),
                (false, None) => Decision::Deny,
                (false, Some(_)) => {
                    return Err(entry(&"a denial has no expires_at_ms (only a grant ends)"))
                }
            };
            checked.push(CheckedGrant { decision, at_ms });
        }
        Ok(checked)
    }

    /// Checks every agreement entry — ids, contract version, declared scopes
    /// (known ones), its (user, app) once, its time — and gives the scopes and
    /// kinds the agreement covers (see
    /// [`ImportedPrivacyAgreement::declared_scopes`]) and when it was made.
    fn check_agreements(
        &self,
        agreements: &[ImportedPrivacyAgreement],
        now: i64,
    ) -> Result<Vec<(Covered, i64)>> {
        let mut seen = HashSet::new();
        let mut checked = Vec::with_capacity(agreements.len());
        for (i, agreement) in agreements.iter().enumerate() {
            let entry = |e: &dyn std::fmt::Display| entry_error("privacy_agreements", i, e);
            check_ids(&agreement.user_id, &agreement.app_id, None).map_err(|e| entry(&e))?;
            if !is_contract_version(&agreement.contract_version) {
                return Err(entry(&format!(
                    "{:?} is not a contract version (1-64 bytes, not blank)",
                    agreement.contract_version
                )));
            }
            let covered = match &agreement.declared_scopes {
                Some(scopes) => {
                    let registry = self.registry.read();
                    if let Some(unknown) = scopes
                        .iter()
                        .find(|s| registry.catalogue.get(s.as_str()).is_none())
                    {
                        return Err(entry(&format!(
                            "declared_scopes names an invalid scope {unknown:?}"
                        )));
                    }
                    Covered {
                        scopes: Some(scopes.clone()),
                        infos: None,
                    }
                }
                // What a dialog would record for this version, if it is the
                // registered one; else the agreement covers its own version.
                None => self
                    .registry
                    .snapshot(&agreement.app_id)
                    .manifest
                    .privacy
                    .as_ref()
                    .filter(|c| c.version == agreement.contract_version)
                    .map(|c| c.covered())
                    .unwrap_or_default(),
            };
            once(&mut seen, (&agreement.user_id, &agreement.app_id)).map_err(|e| entry(&e))?;
            let at_ms =
                time_of("agreed_at_ms", agreement.agreed_at_ms, now).map_err(|e| entry(&e))?;
            checked.push((covered, at_ms));
        }
        Ok(checked)
    }
}

/// Checks every kept-choice entry — ids, a template id `requestSubscribeMessage`
/// takes (else 10004 there), accept or reject, its key once — and gives when
/// each was made.
fn check_choices(choices: &[ImportedSubscriptionChoice], now: i64) -> Result<Vec<i64>> {
    let mut seen = HashSet::new();
    let mut checked = Vec::with_capacity(choices.len());
    for (i, choice) in choices.iter().enumerate() {
        let entry = |e: &dyn std::fmt::Display| entry_error("subscription_choices", i, e);
        check_ids(&choice.user_id, &choice.app_id, None).map_err(|e| entry(&e))?;
        if !is_api_name(&choice.tmpl_id) {
            return Err(entry(&format!(
                "{:?} is not a template id (letters, digits, '.', '_', '-')",
                choice.tmpl_id
            )));
        }
        if !matches!(
            choice.choice,
            SubscribeChoice::Accept | SubscribeChoice::Reject
        ) {
            return Err(entry(&"only Accept or Reject can be a kept choice"));
        }
        once(
            &mut seen,
            (&choice.user_id, &choice.app_id, &choice.tmpl_id),
        )
        .map_err(|e| entry(&e))?;
        checked.push(time_of("decided_at_ms", choice.decided_at_ms, now).map_err(|e| entry(&e))?);
    }
    Ok(checked)
}

/// Checks every main-switch entry — ids, its (user, app) once — and gives when
/// each was switched.
fn check_switches(switches: &[ImportedSubscriptionSwitch], now: i64) -> Result<Vec<i64>> {
    let mut seen = HashSet::new();
    let mut checked = Vec::with_capacity(switches.len());
    for (i, switch) in switches.iter().enumerate() {
        let entry = |e: &dyn std::fmt::Display| entry_error("subscription_switches", i, e);
        check_ids(&switch.user_id, &switch.app_id, None).map_err(|e| entry(&e))?;
        once(&mut seen, (&switch.user_id, &switch.app_id)).map_err(|e| entry(&e))?;
        checked.push(time_of("decided_at_ms", switch.decided_at_ms, now).map_err(|e| entry(&e))?);
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_from_the_old_store_is_now_at_most() {
        let now = 1_767_225_600_000;
        assert_eq!(time_of("t", None, now), Ok(now));
        assert_eq!(time_of("t", Some(now - 1), now), Ok(now - 1));
        assert_eq!(time_of("t", Some(now + CLOCK_SKEW_MS), now), Ok(now));
        assert!(time_of("t", Some(now + CLOCK_SKEW_MS + 1), now).is_err());
        assert!(time_of("t", Some(-1), now).is_err());
        assert_eq!(time_of("t", Some(0), now), Ok(0));
    }
}
