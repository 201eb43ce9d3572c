/// What a host's code calls on an engine, as a protocol: code written against
/// it can be unit-tested with a fake of the host's own, or with a real
/// `AuthEngine` over `AuthEngine.inMemory(ui:config:)` and MiniAppAuthTesting's
/// `ScriptedConsentUi` (docs/host-guide.md, "Unit-testing host code").
/// `AuthEngine` is the one implementation this library ships; opening
/// (`AuthEngine.open`, …), the hot path (`AuthEngine.caller`) and the rest of
/// administration stay on it. The same calls as Kotlin's `MiniAppAuthEngine`.
///
/// Mini-app calls never throw: they answer in WeChat's dialect. Administration
/// throws `MiniAppAuthError`. Every method is main-safe. The defaults
/// (`withSubscriptions: false`, `pluginId: nil`, …) are in the extension below,
/// so a conforming type implements each call once, with every parameter.
public protocol MiniAppAuthEngine: Sendable {
    /// `wx.authorize({scope})`.
    func authorize(_ caller: Caller, scope: String) async -> ApiResult
    /// `wx.getSetting({withSubscriptions})`.
    func getSetting(_ caller: Caller, withSubscriptions: Bool) async -> ApiResult
    /// `wx.openSetting({withSubscriptions})`: needs `caller.userGesture`.
    func openSetting(_ caller: Caller, withSubscriptions: Bool) async -> ApiResult
    /// `wx.authorizeForMiniProgram({scope})`, from a plugin.
    func authorizeForMiniProgram(_ caller: Caller, scope: String) async -> ApiResult
    /// `wx.getPrivacySetting()`.
    func getPrivacySetting(_ caller: Caller) async -> ApiResult
    /// `wx.requirePrivacyAuthorize()`.
    func requirePrivacyAuthorize(_ caller: Caller) async -> ApiResult
    /// The mini app's `<button open-type="agreePrivacyAuthorization">` was tapped (the runtime's call, not the mini app's).
    func agreePrivacyAuthorization(_ caller: Caller, buttonId: String?) async -> ApiResult
    /// `wx.requestSubscribeMessage({tmplIds})`: needs a tap.
    func requestSubscribeMessage(_ caller: Caller, tmplIds: [String]) async -> ApiResult
    /// `wx.openPrivacyContract()`.
    func openPrivacyContract(_ caller: Caller) async -> ApiResult
    /// The gate in front of a guarded API (`getLocation`, `startRecord`, …): call it before running the API.
    func ensure(_ caller: Caller, api: String) async -> ApiResult
    /// The bridge: a mini app's call as JSON (`{"api","args"}`) in, the result JSON out; the identity is `caller`.
    func handle(_ caller: Caller, callJson: String) async -> String

    /// Registers (or replaces) an app's manifest: app.json-shaped JSON.
    func registerManifest(appId: String, manifestJson: String) async throws
    /// A user's grants, of one app or (with `nil`) all.
    func listGrants(userId: String, appId: String?) async throws -> [Grant]
    /// Sets one scope to granted or denied (the host's own settings screen).
    func setGrant(userId: String, appId: String, scope: String, granted: Bool, pluginId: String?) async throws
    /// Forgets one decision: the scope is unasked again.
    func revokeGrant(userId: String, appId: String, scope: String, pluginId: String?) async throws
    /// Resets an app as on its deletion, for one user or (with `nil`) all; returns the grants removed.
    @discardableResult
    func resetApp(appId: String, userId: String?) async throws -> Int64
    /// Forgets a user (logout, account removal); returns the grants removed.
    @discardableResult
    func forgetUser(userId: String) async throws -> Int64
    /// The user closed the app: its allow-once grants end.
    func endAppRun(userId: String, appId: String) async throws

    /// A user's grants, now and after every change; finishes when the engine closes.
    func grantChanges(userId: String) throws -> AsyncStream<[Grant]>

    /// Closes the engine on the calling thread (see `AuthEngine.close()`); from the main actor use `shutdown()`.
    func close()
    /// Closes the engine off the calling thread; returns when it is closed.
    func shutdown() async
    /// Whether the engine was closed.
    var isClosed: Bool { get }
}

extension MiniAppAuthEngine {
    /// `wx.getSetting()`, without the subscription part.
    public func getSetting(_ caller: Caller) async -> ApiResult {
        await getSetting(caller, withSubscriptions: false)
    }

    /// `wx.openSetting()`, without the subscription part: needs `caller.userGesture`.
    public func openSetting(_ caller: Caller) async -> ApiResult {
        await openSetting(caller, withSubscriptions: false)
    }

    /// The agree button was tapped; the button has no id.
    public func agreePrivacyAuthorization(_ caller: Caller) async -> ApiResult {
        await agreePrivacyAuthorization(caller, buttonId: nil)
    }

    /// All of a user's grants, every app's.
    public func listGrants(userId: String) async throws -> [Grant] {
        try await listGrants(userId: userId, appId: nil)
    }

    /// Sets one scope of the app itself (no plugin) to granted or denied.
    public func setGrant(userId: String, appId: String, scope: String, granted: Bool) async throws {
        try await setGrant(userId: userId, appId: appId, scope: scope, granted: granted, pluginId: nil)
    }

    /// Forgets one decision of the app itself (no plugin).
    public func revokeGrant(userId: String, appId: String, scope: String) async throws {
        try await revokeGrant(userId: userId, appId: appId, scope: scope, pluginId: nil)
    }

    /// Resets an app for every user, as on its deletion; returns the grants removed.
    @discardableResult
    public func resetApp(appId: String) async throws -> Int64 {
        try await resetApp(appId: appId, userId: nil)
    }
}
