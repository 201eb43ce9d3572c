// The hot path shaped for the FFI crossing (issue #14): a caller made once per
// (user, app, plugin), scopes resolved once to small numbers, and an authorize
// that answers from the core's memory with one synchronous, primitive-only
// crossing — without leaving the caller's actor.

internal import MiniAppAuthBindings

/// A scope the engine knows, resolved once by `AuthEngine.scope(_:)` to the
/// number the hot path carries across the FFI instead of its name. Valid for the
/// engine that resolved it (the same number for that engine's life). Two are
/// equal when they are the same scope of the same engine.
public struct Scope: Hashable, Sendable {
    /// The engine's number for the scope (not public: only the engine reads it).
    let number: UInt32

    init(number: UInt32) { self.number = number }
}

/// A guarded API (`getLocation`, `startRecord`, …) resolved once by
/// `AuthEngine.guardedApi(_:)` to the number `MiniAppCaller.ensure(_:)` carries
/// across the FFI instead of its name. Valid for the engine that resolved it.
/// Two are equal when the engine gave them the same number.
public struct GuardedApi: Hashable, Sendable {
    /// The engine's number for the API (not public: only the engine reads it).
    let number: UInt32
    /// The API's name.
    public let name: String
    /// What `ensure` answers when the gate allows, as the core words it.
    let ok: ApiResult

    /// `ok`: what the core's `ensure` answers when the gate allows (a button
    /// in its event's name: `button.getPhoneNumber` → `getPhoneNumber:ok`).
    init(number: UInt32, name: String, ok: ApiResult) {
        self.number = number
        self.name = name
        self.ok = ok
    }

    /// Whether `a` and `b` are the same API (the same number).
    public static func == (a: GuardedApi, b: GuardedApi) -> Bool { a.number == b.number }
    /// Hashes the number.
    public func hash(into hasher: inout Hasher) { hasher.combine(number) }
}

/// One caller identity — user, mini app, optional plugin — made once by
/// `AuthEngine.caller(userId:appId:pluginId:)` and kept while that mini app runs,
/// for the calls a host makes before every guarded API: `authorize(_:)`,
/// `ensure(_:)` and `isAllowedNow(_:)` cross the FFI with a number only, where
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
        // The calling Task's cancellation ends the call and its dialog in the core.
        let cancellation = CallCancellation()
        return await withTaskCancellationHandler {
            ApiResult(await handle.authorizeCancellable(scope: scope.number, cancellation: cancellation))
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// `true` when the gate before `api` allows it right now from the core's
    /// memory (what `ensure(_:)` would answer `<api>:ok` to) — no dialog, no
    /// I/O, safe on the main thread, one synchronous crossing carrying a number.
    /// `false` says nothing more.
    public func isAllowedNow(_ api: GuardedApi) -> Bool {
        handle.ensureCached(api: api.number)
    }

    /// The gate before the guarded API `api` for this caller — call it before
    /// running the API — the same answer as `AuthEngine.ensure(_:api:)`, on the
    /// caller's actor: at once when allowed now, else the full call (dialogs,
    /// the database, every refusal). A handle carries no tap, so a tap-only API
    /// (`addPhoneCalendar`) always takes `AuthEngine.ensure(_:api:)` with the tap.
    public func ensure(_ api: GuardedApi, isolation: isolated (any Actor)? = #isolation) async -> ApiResult {
        if handle.ensureCached(api: api.number) {
            return api.ok
        }
        let cancellation = CallCancellation()
        return await withTaskCancellationHandler {
            ApiResult(await handle.ensureCancellable(api: api.number, cancellation: cancellation))
        } onCancel: {
            cancellation.cancel()
        }
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

    /// The guarded API `name` (`getLocation`, `startRecord`, a host scope's API,
    /// or a privacy interface no scope guards: `getClipboardData`,
    /// `button.getPhoneNumber`) resolved once for `MiniAppCaller.ensure(_:)`, or
    /// `nil` when nothing the engine knows gates it. Resolve each API once and keep it.
    public func guardedApi(_ name: String) -> GuardedApi? {
        engine.apiNumber(api: name).map { GuardedApi(number: $0, name: name, ok: ApiResult(engine.ensureOk(api: name))) }
    }
}
