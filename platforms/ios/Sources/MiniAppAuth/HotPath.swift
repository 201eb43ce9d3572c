// The hot path shaped for the FFI crossing (issue #14): a caller made once per
// (user, app, plugin), scopes resolved once to small numbers, and an authorize
// that answers from the core's memory with one synchronous, primitive-only
// crossing — without leaving the caller's actor.

import MiniAppAuthBindings

/// A scope the engine knows, resolved once by `AuthEngine.scope(_:)` to the
/// number the hot path carries across the FFI instead of its name. Valid for the
/// engine that resolved it (the same number for that engine's life).
public struct Scope: Hashable, Sendable {
    /// The engine's number for the scope.
    public let number: UInt32

    init(number: UInt32) { self.number = number }
}

/// One caller identity — user, mini app, optional plugin — made once by
/// `AuthEngine.caller(userId:appId:pluginId:)` and kept while that mini app runs,
/// for the calls a host makes before every guarded API: `authorize(_:)` and
/// `isAllowedNow(_:)` cross the FFI with a number only, where
/// `AuthEngine.authorize(_:scope:)` carries a `Caller` record and a string each
/// way, and always suspends.
public final class MiniAppCaller: Sendable {
    let handle: MiniAppAuthBindings.CallerHandle
    /// The signed-in user.
    public let userId: String
    /// The mini app.
    public let appId: String
    /// The plugin, if a plugin calls.
    public let pluginId: String?

    init(_ handle: MiniAppAuthBindings.CallerHandle, userId: String, appId: String, pluginId: String?) {
        self.handle = handle
        self.userId = userId
        self.appId = appId
        self.pluginId = pluginId
    }

    /// What `authorize` answers when it allows: the core's ok result, byte for
    /// byte (the scenarios compare it with the full call's).
    public static let authorizeOk = ApiResult(
        ok: true, errMsg: "authorize:ok", errno: nil, json: #"{"errMsg":"authorize:ok"}"#)

    /// `true` when `wx.authorize` of `scope` answers `authorize:ok` right now from
    /// the core's memory — no dialog, no I/O, safe on the main thread, one
    /// synchronous crossing carrying a number. `false` says nothing more: the
    /// answer may be a refusal, a dialog or need the database (`authorize(_:)`
    /// finds out).
    public func isAllowedNow(_ scope: Scope) -> Bool {
        handle.authorizeCached(scope: scope.number)
    }

    /// `wx.authorize({scope})` for this caller, the same answer as
    /// `AuthEngine.authorize(_:scope:)`. It runs on the caller's actor (the
    /// `isolation` parameter, filled in by the compiler): when the scope is
    /// allowed now it answers at once — from the main actor too, with no hop to
    /// another executor and back — else it awaits the full call (dialogs, the
    /// database, every refusal).
    public func authorize(_ scope: Scope, isolation: isolated (any Actor)? = #isolation) async -> ApiResult {
        if handle.authorizeCached(scope: scope.number) {
            return MiniAppCaller.authorizeOk
        }
        return await handle.authorize(scope: scope.number)
    }
}

extension AuthEngine {
    /// The hot path's caller (`MiniAppCaller`): the identity is checked once here
    /// (no I/O); make one per (user, app, plugin) when the mini app starts and
    /// gate its guarded calls with `MiniAppCaller.authorize(_:)` and a `Scope`
    /// from `scope(_:)`. Throws `MiniAppAuthError.invalidArgument` for a
    /// malformed id.
    public func caller(userId: String, appId: String, pluginId: String? = nil) throws -> MiniAppCaller {
        try translated {
            MiniAppCaller(
                try engine.callerHandle(userId: userId, appId: appId, pluginId: pluginId),
                userId: userId, appId: appId, pluginId: pluginId)
        }
    }

    /// `name` resolved once for `MiniAppCaller`'s calls, or `nil` when the engine
    /// knows no such scope (register a host scope first). Resolve each scope once
    /// and keep it.
    public func scope(_ name: String) -> Scope? {
        engine.scopeNumber(scope: name).map(Scope.init(number:))
    }
}
