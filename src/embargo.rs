//! The dismissal embargo — the one home of the rule (Chrome's
//! `PermissionDecisionAutoBlocker`): after `max_dismissals` dismissals in a row a
//! scope is not prompted again for a while, and calls fail at once (errno 1111).
//! A decision (dialog, settings page, administration) clears the count. The
//! count lives in the `prompt_fatigue` table; this module says how it grows and
//! when it bars a prompt, and the policy, the settings page and the store all ask
//! it.

use crate::config::EngineConfig;

/// Dismissals in a row of one scope, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dismissals {
    /// How many in a row.
    pub count: u32,
    /// When the last one was (ms since the Unix epoch).
    pub last_at_ms: i64,
}

impl Dismissals {
    /// The count after one more dismissal at `now_ms`.
    pub fn after_one_more(previous: Option<&Dismissals>, now_ms: i64) -> Dismissals {
        Dismissals {
            count: previous.map_or(0, |d| d.count).saturating_add(1),
            last_at_ms: now_ms,
        }
    }
}

/// The host's embargo settings (from [`EngineConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DismissalEmbargo {
    /// Dismissals in a row that start an embargo (`0`: never).
    pub max_dismissals: u32,
    /// How long the embargo lasts.
    pub duration_ms: i64,
}

impl DismissalEmbargo {
    /// The embargo `config` asks for.
    pub fn from_config(config: &EngineConfig) -> DismissalEmbargo {
        DismissalEmbargo {
            max_dismissals: config.max_dismissals,
            duration_ms: config.dismissal_cooldown_ms.min(i64::MAX as u64) as i64,
        }
    }

    /// Whether `dismissals` bar the scope's prompt at `now_ms`.
    pub fn bars(self, dismissals: Option<&Dismissals>, now_ms: i64) -> bool {
        self.max_dismissals > 0
            && dismissals.is_some_and(|d| {
                d.count >= self.max_dismissals
                    && now_ms < d.last_at_ms.saturating_add(self.duration_ms)
            })
    }
}

impl Default for DismissalEmbargo {
    fn default() -> Self {
        DismissalEmbargo::from_config(&EngineConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_from_the_nth_dismissal_until_the_duration_ends() {
        let embargo = DismissalEmbargo {
            max_dismissals: 3,
            duration_ms: 100,
        };
        let mut d = None;
        for now in [10, 20] {
            d = Some(Dismissals::after_one_more(d.as_ref(), now));
            assert!(!embargo.bars(d.as_ref(), now));
        }
        d = Some(Dismissals::after_one_more(d.as_ref(), 30));
        assert_eq!(d.map(|d| d.count), Some(3));
        assert!(embargo.bars(d.as_ref(), 30));
        assert!(embargo.bars(d.as_ref(), 129));
        assert!(!embargo.bars(d.as_ref(), 130));
        let off = DismissalEmbargo {
            max_dismissals: 0,
            ..embargo
        };
        assert!(!off.bars(d.as_ref(), 30));
        assert!(!embargo.bars(None, 30));
    }
}
