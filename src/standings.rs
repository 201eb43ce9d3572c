//! Where each scope of a user stands now, in one word per (app, plugin, scope)
//! — the inspector's matrix (SPEC §11): granted, denied, allowed once, granted
//! until a time, unasked, under the dismissal embargo, or due for auto-revoke.
//! Read only; the words come from the rules' own homes: the stored grants as
//! administration lists them (`Store::list`), the embargo's `bars`, the
//! auto-revoke cut-off `run_maintenance` uses, and the consent log for an
//! allow-once answer (never stored as a grant: it lasts one run), judged by the
//! latest-record rule of `record_links::LaterRecords`.

use std::collections::BTreeMap;

use crate::admin_records::Grant;
use crate::engine::Engine;
use crate::error::Result;
use crate::namespace::NamespaceRef;
use crate::policy::GrantState;

/// Where one scope stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Standing {
    /// Granted, for good.
    Granted,
    /// Denied.
    Denied,
    /// The user's last answer was "allow once": it lasts the run it was given
    /// in (this process's grant, or the log's last word on the scope).
    AllowOnce,
    /// Granted until a time (`ScopeStanding::until_ms`) still to come.
    Until,
    /// Never decided, or no longer in force (an ended grant, a reset).
    Unasked,
    /// Not decided, and dismissed too often: no dialog until the cooldown ends.
    Embargoed,
    /// Granted but unused for `auto_revoke_unused_days`: the next
    /// `run_maintenance` revokes it.
    DueForAutoRevoke,
}

impl Standing {
    /// The word for it (kebab-case), as the inspector shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Granted => "granted",
            Standing::Denied => "denied",
            Standing::AllowOnce => "allow-once",
            Standing::Until => "until",
            Standing::Unasked => "unasked",
            Standing::Embargoed => "embargoed",
            Standing::DueForAutoRevoke => "due-for-auto-revoke",
        }
    }
}

/// One scope of a user, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScopeStanding {
    /// The app.
    pub app_id: String,
    /// The plugin, if the scope is in a plugin's namespace.
    pub plugin_id: Option<String>,
    /// The scope.
    pub scope: String,
    /// Where it stands.
    pub standing: Standing,
    /// When a time-limited grant ends.
    pub until_ms: Option<i64>,
    /// When the grant was last used (to the hour), if it was.
    pub last_used_at_ms: Option<i64>,
    /// Dismissals in a row of its dialog.
    pub dismissals: u32,
    /// When it was last decided (the stored decision, or the allow-once
    /// answer), if it was.
    pub decided_at_ms: Option<i64>,
}

/// The key of one scope: (app, plugin or `""`, scope).
type Key = (String, String, String);

/// What is known of one scope before it is put into one word.
#[derive(Default)]
struct Known {
    grant: Option<Grant>,
    dismissals: Option<crate::embargo::Dismissals>,
    /// When the log's last word on the scope was an allow-once answer.
    allowed_once_at: Option<i64>,
}

impl Engine {
    /// Whether a stored grant is asked for again now because its purpose
    /// string or contract version changed since (only when the host turned
    /// `reconsent_on_change` on): the gate's own state of the scope.
    fn asks_again(&self, ns: NamespaceRef<'_>, scope: &str, now_ms: i64) -> bool {
        if !self.knobs.reconsent_on_change {
            return false;
        }
        let Ok(stored) = self.store.namespace(&ns) else {
            return false;
        };
        let manifest = self.registry.snapshot(ns.app_id).manifest;
        let grant = stored.grants.get(scope);
        let state =
            self.gate()
                .state_from(ns, scope, grant, manifest.purpose(scope), &manifest, now_ms);
        grant.is_some() && state == GrantState::Unasked
    }

    /// Where every scope of `user_id` with anything stored about it stands now
    /// (a scope with nothing stored is unasked), by app, plugin and scope.
    pub fn scope_standings(&self, user_id: &str) -> Result<Vec<ScopeStanding>> {
        crate::caller::validate_id("user id", user_id)?;
        let now_ms = self.clock.now_ms();
        let mut known: BTreeMap<Key, Known> = BTreeMap::new();
        for grant in self.store.list(user_id, None)? {
            let key = (
                grant.app_id.clone(),
                grant.plugin_id.clone().unwrap_or_default(),
                grant.scope.clone(),
            );
            known.entry(key).or_default().grant = Some(grant);
        }
        for (app, plugin, scope, dismissals) in self.store.dismissals_of(user_id)? {
            known.entry((app, plugin, scope)).or_default().dismissals = Some(dismissals);
        }
        for (app, plugin, scope, at) in self.store.allow_once_answers(user_id)? {
            known
                .entry((app, plugin, scope))
                .or_default()
                .allowed_once_at = Some(at);
        }
        let unused_before = self.unused_before(now_ms);
        let embargo = self.knobs.embargo;
        Ok(known
            .into_iter()
            .map(|((app_id, plugin, scope), known)| {
                let plugin_id = (!plugin.is_empty()).then_some(plugin);
                let ns = NamespaceRef::new(user_id, &app_id, plugin_id.as_deref());
                let allowed_here = self.allow_once.has(&ns, &scope);
                let grant = known.grant.as_ref();
                // An allow-once answer after the stored decision is the last word.
                let once_is_last = known
                    .allowed_once_at
                    .is_some_and(|at| grant.is_none_or(|g| at >= g.updated_at_ms));
                let standing = match grant {
                    _ if allowed_here => Standing::AllowOnce,
                    _ if once_is_last => Standing::AllowOnce,
                    Some(g) if g.state == GrantState::Denied => Standing::Denied,
                    Some(g) if g.state == GrantState::Granted => {
                        let ended = g.expires_at_ms.is_some_and(|end| now_ms >= end)
                            || self.asks_again(ns, &scope, now_ms);
                        let unused = g.last_used_at_ms.unwrap_or(g.updated_at_ms);
                        if ended {
                            Standing::Unasked
                        } else if unused_before.is_some_and(|cutoff| unused < cutoff) {
                            Standing::DueForAutoRevoke
                        } else if g.expires_at_ms.is_some() {
                            Standing::Until
                        } else {
                            Standing::Granted
                        }
                    }
                    _ if embargo.bars(known.dismissals.as_ref(), now_ms) => Standing::Embargoed,
                    _ => Standing::Unasked,
                };
                ScopeStanding {
                    standing,
                    until_ms: grant.and_then(|g| g.expires_at_ms),
                    last_used_at_ms: grant.and_then(|g| g.last_used_at_ms),
                    dismissals: known.dismissals.map_or(0, |d| d.count),
                    decided_at_ms: match once_is_last {
                        true => known.allowed_once_at,
                        false => grant.map(|g| g.updated_at_ms),
                    },
                    app_id,
                    plugin_id,
                    scope,
                }
            })
            .collect())
    }
}
