//! The host's policy knobs, with their defaults.

/// How an engine behaves where hosts may reasonably differ. Every field has a
/// default, so `EngineConfig::default()` (or `EngineConfig()` in Kotlin/Swift) is
/// a complete configuration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EngineConfig {
    /// How long a dialog may stay unanswered before the engine gives up on it:
    /// the call fails `dialog timed out` (errno 1303), nothing is granted, the
    /// host's dialog future is cancelled and the app's dialog slot is freed.
    /// `0` waits forever. Default: 600 000 (10 minutes).
    #[uniffi(default = 600000)]
    pub dialog_timeout_ms: u64,
}

/// The default of [`EngineConfig::dialog_timeout_ms`].
pub const DEFAULT_DIALOG_TIMEOUT_MS: u64 = 600_000;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            dialog_timeout_ms: DEFAULT_DIALOG_TIMEOUT_MS,
        }
    }
}
