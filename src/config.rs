//! The host's policy knobs, with their defaults and where each default comes from.

/// How an engine behaves where hosts may reasonably differ. Every field has a
/// default, so `EngineConfig::default()` (or `EngineConfig()` in Kotlin/Swift) is
/// a complete configuration: WeChat's behaviour plus Chrome-style anti-fatigue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EngineConfig {
    /// How long a dialog may stay unanswered before the engine gives up on it:
    /// the call fails `dialog timed out` (errno 1303), nothing is granted, the
    /// host's dialog future is cancelled and the app's dialog slot is freed.
    /// `0` waits forever. Default: 600 000 (10 minutes).
    #[uniffi(default = 600000)]
    pub dialog_timeout_ms: u64,
    /// `false` (default, WeChat): a denial is sticky — `authorize` fails at once
    /// until the settings page changes it. `true` (Alipay, Android): a denied
    /// scope may be asked again, until it has been denied `max_denials` times.
    #[uniffi(default = false)]
    pub soft_deny: bool,
    /// With `soft_deny`, the denial after which a scope is not asked again.
    /// Default: 2 (Android 11+: the second denial means "don't ask again").
    #[uniffi(default = 2)]
    pub max_denials: u32,
    /// After this many dismissals in a row a scope is not prompted for
    /// `dismissal_cooldown_ms`; calls fail at once (errno 1111). `0` turns it off.
    /// Default: 3 (Chrome's permission embargo).
    #[uniffi(default = 3)]
    pub max_dismissals: u32,
    /// How long the embargo after `max_dismissals` lasts. A decision on the
    /// settings page (or by the host's administration) lifts it.
    /// Default: 604 800 000 (7 days, Chrome).
    #[uniffi(default = 604800000)]
    pub dismissal_cooldown_ms: u64,
    /// Grants unused for this many days are revoked (back to unasked) by
    /// `run_maintenance`. `0` (default) never revokes. Android revokes after
    /// about 90 days, Chrome after 60.
    #[uniffi(default = 0)]
    pub auto_revoke_unused_days: u32,
}

/// The default of [`EngineConfig::dialog_timeout_ms`].
pub const DEFAULT_DIALOG_TIMEOUT_MS: u64 = 600_000;
/// The default of [`EngineConfig::max_denials`].
pub const DEFAULT_MAX_DENIALS: u32 = 2;
/// The default of [`EngineConfig::max_dismissals`].
pub const DEFAULT_MAX_DISMISSALS: u32 = 3;
/// The default of [`EngineConfig::dismissal_cooldown_ms`].
pub const DEFAULT_DISMISSAL_COOLDOWN_MS: u64 = 7 * 24 * 60 * 60 * 1000;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            dialog_timeout_ms: DEFAULT_DIALOG_TIMEOUT_MS,
            soft_deny: false,
            max_denials: DEFAULT_MAX_DENIALS,
            max_dismissals: DEFAULT_MAX_DISMISSALS,
            dismissal_cooldown_ms: DEFAULT_DISMISSAL_COOLDOWN_MS,
            auto_revoke_unused_days: 0,
        }
    }
}
