internal import MiniAppAuthBindings

/// The engine's knobs. `EngineConfig()` is WeChat's behaviour (SPEC: anything
/// beyond WeChat is a host policy, off unless turned on); change the knobs you
/// need — a knob added later breaks no caller:
///
/// ```swift
/// var config = EngineConfig()
/// config.dialogTimeoutMs = 60_000
/// // or: EngineConfig { $0.dialogTimeoutMs = 60_000; $0.maxDismissals = 3 }
/// ```
///
/// Numbers are signed (`Int64` for milliseconds, `Int` for counts and days). A
/// negative one, or a count above `UInt32.max`, is refused when the engine
/// opens: `AuthEngine.open` and `AuthEngine.inMemory` throw
/// `MiniAppAuthError.invalidArgument` naming the knob, and nothing is opened.
public struct EngineConfig: Hashable, Sendable {
    /// How long a dialog may stay unanswered before the engine gives up on it:
    /// the call fails `dialog timed out` (errno 5), nothing is granted, the
    /// host's dialog task is cancelled. `0` waits forever. Default: 600 000 (10 minutes).
    public var dialogTimeoutMs: Int64
    /// `false` (default, WeChat): a denial is sticky. `true` (Alipay, Android): asked again until `maxDenials`.
    public var softDeny: Bool
    /// With `softDeny`, the denial after which a scope is not asked again. Default: 2.
    public var maxDenials: Int
    /// The dismissal embargo (a host policy; WeChat has none): dismissals in a row before a pause. Default: 0, off.
    public var maxDismissals: Int
    /// How long the dismissal embargo lasts. Default: 604 800 000 (7 days, Chrome).
    public var dismissalCooldownMs: Int64
    /// Grants unused for this many days are revoked by maintenance. Default: 0, never.
    public var autoRevokeUnusedDays: Int
    /// `false` (default, WeChat): grants survive a new contract version or purpose string. `true`: ask again.
    public var reconsentOnChange: Bool
    /// After a privacy refusal, gated calls fail at once (errno 104) for this long. Default: 10 000 (WeChat).
    public var privacyRefusalGapMs: Int64
    /// `false` (default): the privacy popup (`ConsentUi.askPrivacy`), then the
    /// consent dialog. `true` (WeChat since base library 3.4.2): a call that
    /// needs the agreement and leads to a consent dialog shows only that dialog,
    /// with the contract as a checkbox (`ConsentUi.askScopeWithPrivacy`); calls
    /// with no consent dialog keep the popup.
    public var combinedPrivacyDialog: Bool

    /// Every knob at its default: WeChat's behaviour. The defaults have one
    /// home, the core's `src/config.rs`; this reads them from there.
    public init() {
        let defaults = MiniAppAuthBindings.EngineConfig()
        dialogTimeoutMs = Int64(clamping: defaults.dialogTimeoutMs)
        softDeny = defaults.softDeny
        maxDenials = Int(defaults.maxDenials)
        maxDismissals = Int(defaults.maxDismissals)
        dismissalCooldownMs = Int64(clamping: defaults.dismissalCooldownMs)
        autoRevokeUnusedDays = Int(defaults.autoRevokeUnusedDays)
        reconsentOnChange = defaults.reconsentOnChange
        privacyRefusalGapMs = Int64(clamping: defaults.privacyRefusalGapMs)
        combinedPrivacyDialog = defaults.combinedPrivacyDialog
    }

    /// The defaults changed by `configure`: `EngineConfig { $0.dialogTimeoutMs = 60_000 }`.
    public init(_ configure: (inout EngineConfig) -> Void) {
        self.init()
        configure(&self)
    }
}
