//! The merge of decisions from several devices (SPEC §10), as pure functions
//! beside the policy: which facts sync, what each is about ([`Subject`]), and
//! whether a fact arriving from another device takes effect here
//! ([`takes_effect`]) or a standing one survives an undo ([`survives`]).
//!
//! The rules, per (user, app, plugin, scope) — and likewise per app contract,
//! subscription template and main switch:
//! - the newest decision wins (by [`Stamp`], the hybrid logical clock);
//! - on a tie (the same stamp from two devices) the restrictive one wins — a
//!   denial over a grant — then the greater device id, so that every device
//!   picks the same;
//! - a revocation, reset or forget at t overrides every fact at or before t
//!   from any device (a reset: of its app; a forget: of its user);
//! - so an older grant never undoes a newer denial, revocation, reset or
//!   forget, whatever order the facts arrive in: the state every device
//!   reaches is the effect of the newest fact, whatever the order of arrival
//!   (`tests::every_order_of_arrival_ends_in_the_same_state`).

use super::hlc::Stamp;

/// When and where a fact was decided, and whether it restricts: what orders
/// two facts about the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The fact's stamp.
    pub stamp: Stamp,
    /// Whether it takes something away (a denial, revocation, disagreement,
    /// rejection, switch turned off, reset, forget).
    pub restrictive: bool,
    /// The device that decided it.
    pub device: String,
}

impl Version {
    /// Whether `self` wins over `other` (see the module's rules).
    pub fn newer_than(&self, other: &Version) -> bool {
        (self.stamp, self.restrictive, self.device.as_str())
            > (other.stamp, other.restrictive, other.device.as_str())
    }
}

/// What a synced fact decides, within its user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// One scope of an app (or of a plugin in it).
    Scope {
        /// The app.
        app: String,
        /// The plugin ("" for the app itself).
        plugin: String,
        /// The scope.
        scope: String,
    },
    /// The app's privacy contract: agreed (to some version).
    Agreement {
        /// The app.
        app: String,
    },
    /// A disagreement with the app's contract: kept in the log, changes no
    /// state (an agreement stands until another agreement, SPEC §4).
    Disagreement {
        /// The app.
        app: String,
    },
    /// A kept subscription choice of one template.
    Template {
        /// The app.
        app: String,
        /// The template.
        template: String,
    },
    /// The app's subscription main switch.
    MainSwitch {
        /// The app.
        app: String,
    },
    /// The whole app: a reset.
    App {
        /// The app.
        app: String,
    },
    /// The whole user: a forget.
    User,
}

impl Subject {
    /// The app the subject belongs to (`None` for the user as a whole).
    pub fn app(&self) -> Option<&str> {
        match self {
            Subject::Scope { app, .. }
            | Subject::Agreement { app }
            | Subject::Disagreement { app }
            | Subject::Template { app, .. }
            | Subject::MainSwitch { app }
            | Subject::App { app } => Some(app),
            Subject::User => None,
        }
    }
}

/// Whether a decision word takes something away (wins ties).
pub fn restrictive(decision: &str) -> bool {
    matches!(
        decision,
        "denied"
            | "revoked"
            | "disagreed"
            | "declined"
            | "subscriptions-off"
            | "reset"
            | "forgotten"
    )
}

/// Whether a record of `decision` (with `lifetime` and `source`) is a fact
/// every device shares. Synced: permanent and allow-until grants, denials,
/// revocations, agreements and disagreements, kept subscription choices and
/// the main switch, resets, forgets. Never (device facts): allow-once,
/// dismissals, expiry and auto-revoke (each device derives its own), a
/// subscription choice not kept, a template the host's server banned or
/// filtered, and anything applied from another device (it syncs from there).
pub fn synced(decision: &str, lifetime: Option<&str>, source: &str) -> bool {
    if source == "sync" || source == "auto-revoke" {
        return false;
    }
    match decision {
        "granted" => matches!(lifetime, Some("permanent" | "until")),
        "subscribed" | "declined" => lifetime == Some("permanent"),
        "denied" | "revoked" | "agreed" | "disagreed" | "subscriptions-on"
        | "subscriptions-off" | "reset" | "forgotten" => true,
        _ => false,
    }
}

/// Whether `incoming`, a fact about `subject`, takes effect here, given what
/// stands: the newest fact about the same subject, the app's newest reset and
/// the user's newest forget. A reset takes effect unless an equal or newer
/// reset or a newer forget stands; a forget, unless a newer forget does.
pub fn takes_effect(
    incoming: &Version,
    same_subject: Option<&Version>,
    app_reset: Option<&Version>,
    forgotten: Option<&Version>,
) -> bool {
    [same_subject, app_reset, forgotten]
        .into_iter()
        .flatten()
        .all(|standing| incoming.newer_than(standing))
}

/// Whether a standing fact survives an undo (a reset of its app or a forget
/// of its user) at `undo`: only if it is newer.
pub fn survives(fact: &Version, undo: &Version) -> bool {
    fact.newer_than(undo)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn version(wall_ms: i64, counter: u32, restrictive: bool, device: &str) -> Version {
        Version {
            stamp: Stamp { wall_ms, counter },
            restrictive,
            device: device.into(),
        }
    }

    #[test]
    fn the_newest_wins_whatever_it_decides() {
        let grant = version(10, 0, false, "a");
        let denial = version(9, 5, true, "b");
        assert!(grant.newer_than(&denial));
        assert!(!denial.newer_than(&grant));
    }

    #[test]
    fn on_a_tie_the_denial_wins_then_the_greater_device() {
        let grant = version(10, 0, false, "z");
        let denial = version(10, 0, true, "a");
        assert!(denial.newer_than(&grant));
        assert!(!grant.newer_than(&denial));
        let other = version(10, 0, true, "b");
        assert!(other.newer_than(&denial));
        assert!(
            !denial.newer_than(&denial),
            "a fact is not newer than itself"
        );
    }

    #[test]
    fn a_grant_at_or_before_a_reset_or_forget_does_not_take_effect() {
        let reset = version(10, 0, true, "a");
        for grant in [version(10, 0, false, "z"), version(9, 9, false, "z")] {
            assert!(!takes_effect(&grant, None, Some(&reset), None));
            assert!(!takes_effect(&grant, None, None, Some(&reset)));
            assert!(!survives(&grant, &reset));
        }
        let later = version(10, 1, false, "a");
        assert!(takes_effect(&later, None, Some(&reset), Some(&reset)));
        assert!(survives(&later, &reset));
    }

    #[test]
    fn only_decisions_every_device_shares_sync() {
        assert!(synced("granted", Some("permanent"), "dialog"));
        assert!(synced("granted", Some("until"), "settings"));
        assert!(!synced("granted", Some("once"), "dialog"));
        assert!(!synced("expired", None, "expiry"));
        assert!(!synced("revoked", None, "auto-revoke"));
        assert!(synced("revoked", None, "admin"));
        assert!(!synced("granted", Some("permanent"), "sync"));
        assert!(synced("subscribed", Some("permanent"), "dialog"));
        assert!(!synced("subscribed", Some("once"), "dialog"));
        assert!(!synced("banned", Some("permanent"), "dialog"));
        assert!(synced("forgotten", None, "admin"));
        assert!(synced("reset", None, "reset"));
    }

    // --- The whole merge, as a model: every order of arrival of a set of
    // facts ends in the same state, the effect of the newest ones.

    #[derive(Debug, Clone)]
    struct Fact {
        version: Version,
        subject: Subject,
        /// For a scope: granted (`true`) or denied/revoked.
        grants: bool,
    }

    /// What one device holds: per subject, the standing fact.
    #[derive(Debug, Default, Clone, PartialEq)]
    struct Device {
        standing: HashMap<Subject, (Version, bool)>,
        resets: HashMap<String, Version>,
        forgotten: Option<Version>,
    }

    impl Device {
        fn receive(&mut self, fact: &Fact) {
            let app_reset = fact.subject.app().and_then(|app| self.resets.get(app));
            let same = self.standing.get(&fact.subject).map(|(v, _)| v);
            let same = match fact.subject {
                Subject::App { ref app } => self.resets.get(app),
                Subject::User => self.forgotten.as_ref(),
                _ => same,
            };
            let app_reset = match fact.subject {
                Subject::App { .. } | Subject::User => None,
                _ => app_reset,
            };
            if !takes_effect(&fact.version, same, app_reset, self.forgotten.as_ref()) {
                return;
            }
            match &fact.subject {
                Subject::App { app } => {
                    self.standing.retain(|subject, (v, _)| {
                        subject.app() != Some(app) || survives(v, &fact.version)
                    });
                    self.resets.insert(app.clone(), fact.version.clone());
                }
                Subject::User => {
                    self.standing.retain(|_, (v, _)| survives(v, &fact.version));
                    self.resets.retain(|_, v| survives(v, &fact.version));
                    self.forgotten = Some(fact.version.clone());
                }
                subject => {
                    self.standing
                        .insert(subject.clone(), (fact.version.clone(), fact.grants));
                }
            }
        }

        /// What getSetting would say: the granted scopes.
        fn granted(&self) -> Vec<Subject> {
            let mut out: Vec<Subject> = self
                .standing
                .iter()
                .filter(|(_, (_, grants))| *grants)
                .map(|(s, _)| s.clone())
                .collect();
            out.sort_by_key(|s| format!("{s:?}"));
            out
        }
    }

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for rest in permutations(n - 1) {
            for at in 0..=rest.len() {
                let mut p = rest.clone();
                p.insert(at, n - 1);
                out.push(p);
            }
        }
        out
    }

    fn scope(app: &str, scope: &str) -> Subject {
        Subject::Scope {
            app: app.into(),
            plugin: String::new(),
            scope: scope.into(),
        }
    }

    /// Every order of arrival of six facts — grants and denials of two scopes
    /// in two apps, a reset and a forget, with ties between devices — ends
    /// in the same state on every device: 720 orders, for each of a range of
    /// stamp layouts.
    #[test]
    fn every_order_of_arrival_ends_in_the_same_state() {
        let layouts: [[i64; 6]; 5] = [
            [1, 2, 3, 4, 5, 6],
            [6, 5, 4, 3, 2, 1],
            [3, 3, 3, 3, 3, 3],
            [1, 4, 2, 4, 3, 2],
            [5, 1, 5, 2, 3, 5],
        ];
        for times in layouts {
            let facts = [
                Fact {
                    version: version(times[0], 0, false, "a"),
                    subject: scope("wxA", "scope.record"),
                    grants: true,
                },
                Fact {
                    version: version(times[1], 0, true, "b"),
                    subject: scope("wxA", "scope.record"),
                    grants: false,
                },
                Fact {
                    version: version(times[2], 0, false, "c"),
                    subject: scope("wxB", "scope.camera"),
                    grants: true,
                },
                Fact {
                    version: version(times[3], 0, true, "a"),
                    subject: Subject::App { app: "wxA".into() },
                    grants: false,
                },
                Fact {
                    version: version(times[4], 0, false, "b"),
                    subject: scope("wxA", "scope.camera"),
                    grants: true,
                },
                Fact {
                    version: version(times[5], 0, true, "c"),
                    subject: Subject::User,
                    grants: false,
                },
            ];
            let mut outcomes: Vec<Vec<Subject>> = Vec::new();
            for order in permutations(facts.len()) {
                let mut device = Device::default();
                for &i in &order {
                    device.receive(&facts[i]);
                    // Arriving twice changes nothing.
                    let before = device.clone();
                    device.receive(&facts[i]);
                    assert_eq!(before, device);
                }
                outcomes.push(device.granted());
            }
            assert!(
                outcomes.windows(2).all(|w| w[0] == w[1]),
                "times {times:?}: {:?}",
                outcomes.iter().collect::<std::collections::HashSet<_>>()
            );
            // And that state is the newest facts' effect: a grant stands only
            // if nothing restrictive at or after it overrides it.
            let forget = &facts[5].version;
            let reset = &facts[3].version;
            let expected_record = facts[0].version.newer_than(&facts[1].version)
                && survives(&facts[0].version, reset)
                && survives(&facts[0].version, forget);
            assert_eq!(
                outcomes[0].contains(&scope("wxA", "scope.record")),
                expected_record,
                "times {times:?}"
            );
        }
    }
}
