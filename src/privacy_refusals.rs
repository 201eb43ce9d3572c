//! When each (user, app) last refused its privacy contract, in this process:
//! for a while after a refusal (`privacy_refusal_gap_ms`, WeChat's 10 s) gated
//! calls fail 104 at once instead of prompting again — WeChat's official privacy
//! popup does the same ("如果用户拒绝，则在拒绝之后的x秒内，都不会再唤起…默认间隔时间为10秒").
//! Like WeChat's, the gap lives in the running process only.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::fast_map::FastMap;

/// The refusals still inside their gap, by (user, app).
#[derive(Default)]
pub(crate) struct PrivacyRefusals {
    at: Mutex<FastMap<(String, String), i64>>,
    /// Whether any refusal is remembered (no lock on the hot path otherwise).
    any: AtomicBool,
}

impl PrivacyRefusals {
    fn lock(&self) -> std::sync::MutexGuard<'_, FastMap<(String, String), i64>> {
        self.at.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The user refused the app's contract at `now_ms`.
    pub fn refused(&self, user_id: &str, app_id: &str, now_ms: i64) {
        let mut at = self.lock();
        at.insert((user_id.to_string(), app_id.to_string()), now_ms);
        self.any.store(true, Ordering::Release);
    }

    /// The user agreed: no gap any more.
    pub fn agreed(&self, user_id: &str, app_id: &str) {
        if self.any.load(Ordering::Acquire) {
            self.lock()
                .remove(&(user_id.to_string(), app_id.to_string()));
        }
    }

    /// Whether the user refused the app's contract less than `gap_ms` before
    /// `now_ms`. Refusals whose gap is over are forgotten on the way.
    pub fn within_gap(&self, user_id: &str, app_id: &str, now_ms: i64, gap_ms: i64) -> bool {
        if gap_ms <= 0 || !self.any.load(Ordering::Acquire) {
            return false;
        }
        let mut at = self.lock();
        at.retain(|_, refused_at| now_ms < refused_at.saturating_add(gap_ms));
        if at.is_empty() {
            self.any.store(false, Ordering::Release);
        }
        at.contains_key(&(user_id.to_string(), app_id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_holds_for_the_gap_and_for_its_user_and_app_only() {
        let refusals = PrivacyRefusals::default();
        assert!(!refusals.within_gap("u1", "wxA", 0, 10_000));
        refusals.refused("u1", "wxA", 1_000);
        assert!(refusals.within_gap("u1", "wxA", 10_999, 10_000));
        assert!(!refusals.within_gap("u2", "wxA", 5_000, 10_000));
        assert!(!refusals.within_gap("u1", "wxB", 5_000, 10_000));
        assert!(
            !refusals.within_gap("u1", "wxA", 5_000, 0),
            "a gap of 0 is off"
        );
        assert!(!refusals.within_gap("u1", "wxA", 11_000, 10_000));
        refusals.refused("u1", "wxA", 20_000);
        refusals.agreed("u1", "wxA");
        assert!(!refusals.within_gap("u1", "wxA", 20_001, 10_000));
    }
}
