//! The host's policy knobs ([`EngineConfig`]). Each default is written once, in
//! the table below: the macro turns it into both UniFFI's default (so Kotlin's
//! `EngineConfig()` and Swift's `EngineConfig()` get it) and
//! `EngineConfig::default()` (Rust hosts and the engine).

/// Declares [`EngineConfig`] from one table of `field: type = default`, so the
/// foreign defaults and the Rust `Default` cannot disagree.
macro_rules! engine_config {
    ($( $(#[doc = $doc:literal])* $field:ident : $ty:ty = $default:tt ),* $(,)?) => {
        /// How an engine behaves where hosts may reasonably differ. Every field has a
        /// default, so `EngineConfig::default()` (or `EngineConfig()` in Kotlin/Swift) is
        /// a complete configuration: WeChat's behaviour plus Chrome-style anti-fatigue.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
        pub struct EngineConfig {
            $(
                $(#[doc = $doc])*
                #[uniffi(default = $default)]
                pub $field: $ty,
            )*
        }

        impl Default for EngineConfig {
            fn default() -> Self {
                EngineConfig { $( $field: $default, )* }
            }
        }
    };
}

engine_config! {
    /// How long a dialog may stay unanswered before the engine gives up on it:
    /// the call fails `dialog timed out` (errno 5, WeChat's "time out"), nothing is granted, the
    /// host's dialog future is cancelled and the app's dialog slot is freed.
    /// `0` waits forever. Default: 600 000 (10 minutes).
    dialog_timeout_ms: u64 = 600000,
    /// `false` (default, WeChat): a denial is sticky — `authorize` fails at once
    /// until the settings page changes it. `true` (Alipay, Android): a denied
    /// scope may be asked again, until it has been denied `max_denials` times.
    soft_deny: bool = false,
    /// With `soft_deny`, the denial after which a scope is not asked again.
    /// Default: 2 (Android 11+: the second denial means "don't ask again").
    max_denials: u32 = 2,
    /// The dismissal embargo (a host policy; WeChat has none): after this many
    /// dismissals in a row a scope is not prompted for `dismissal_cooldown_ms`;
    /// calls fail at once (errno 1111). Default: 0, off (WeChat asks again
    /// every time); Chrome's permission embargo is 3.
    max_dismissals: u32 = 0,
    /// How long the dismissal embargo lasts. A decision on the settings page (or
    /// by the host's administration) lifts it. Default: 604 800 000 (7 days, Chrome).
    dismissal_cooldown_ms: u64 = 604800000,
    /// Grants unused for this many days are revoked (back to unasked) by
    /// `run_maintenance`. `0` (default) never revokes. Android revokes after
    /// about 90 days, Chrome after 60.
    auto_revoke_unused_days: u32 = 0,
    /// `false` (default, WeChat): grants and the privacy agreement survive a new
    /// contract version or a changed purpose string (a version declaring more
    /// scopes needs agreement for those only). `true`: any change of the
    /// contract version or of a scope's purpose string asks again.
    reconsent_on_change: bool = false,
    /// After the user refuses the privacy contract, gated calls fail at once
    /// (errno 104) for this long without a new prompt. Default: 10 000 (WeChat's
    /// official privacy popup, "默认间隔时间为10秒"); `0` asks again at once.
    privacy_refusal_gap_ms: u64 = 10000,
    /// `false` (default): the privacy popup (`ConsentUi::ask_privacy`) comes
    /// first, then the consent dialog. `true` (WeChat since base library 3.4.2,
    /// 2024-04): a call that needs the agreement and leads to a consent dialog
    /// shows that dialog only, with the contract as a checkbox
    /// (`ConsentUi::ask_scope_with_privacy`); one answer records both. Calls
    /// with no consent dialog (`requirePrivacyAuthorize`, a granted, denied or
    /// always-granted scope) keep the separate popup. See docs/behaviour.md.
    combined_privacy_dialog: bool = false,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_defaults() {
        let config = EngineConfig::default();
        assert_eq!(config.dialog_timeout_ms, 10 * 60 * 1000);
        assert!(!config.soft_deny);
        assert_eq!(config.max_denials, 2);
        assert_eq!(config.max_dismissals, 0);
        assert_eq!(config.dismissal_cooldown_ms, 7 * 24 * 60 * 60 * 1000);
        assert_eq!(config.auto_revoke_unused_days, 0);
        assert!(!config.reconsent_on_change);
        assert_eq!(config.privacy_refusal_gap_ms, 10_000);
        assert!(!config.combined_privacy_dialog);
    }
}
