// Where a user's scopes stand (SPEC §11, issue #24): the layer's values of
// `AuthEngine.scopeStandings`, converted from the generated ones here and
// nowhere else.

internal import MiniAppAuthBindings

/// One scope of a user with something stored about it, and where it stands now
/// (`AuthEngine.scopeStandings`).
public struct ScopeStanding: Hashable, Sendable {
    /// The app.
    public let appId: String
    /// The plugin, if the scope is in a plugin's namespace.
    public let pluginId: String?
    /// The scope.
    public let scope: String
    /// Where it stands.
    public let standing: Standing
    /// When a time-limited grant ends (ms since the epoch).
    public let untilMs: Int64?
    /// When the grant was last used (to the hour), if it was.
    public let lastUsedAtMs: Int64?
    /// Dismissals in a row of its dialog.
    public let dismissals: Int
    /// When it was last decided (the stored decision, or the allow-once answer), if it was.
    public let decidedAtMs: Int64?

    package init(
        appId: String, pluginId: String?, scope: String, standing: Standing, untilMs: Int64?, lastUsedAtMs: Int64?,
        dismissals: Int, decidedAtMs: Int64?
    ) {
        self.appId = appId
        self.pluginId = pluginId
        self.scope = scope
        self.standing = standing
        self.untilMs = untilMs
        self.lastUsedAtMs = lastUsedAtMs
        self.dismissals = dismissals
        self.decidedAtMs = decidedAtMs
    }
}

/// Where one scope stands now (`ScopeStanding.standing`).
public enum Standing: Hashable, Sendable {
    /// Granted, for good.
    case granted
    /// Denied.
    case denied
    /// The user's last answer was "allow once": it lasts the run it was given in
    /// (this process's grant, or the consent log's last word on the scope).
    case allowOnce
    /// Granted until a time (`ScopeStanding.untilMs`) still to come.
    case until
    /// Never decided, or no longer in force (an ended grant, a reset).
    case unasked
    /// Not decided, and dismissed too often: no dialog until the cooldown ends
    /// (`EngineConfig.maxDismissals`).
    case embargoed
    /// Granted but unused for `EngineConfig.autoRevokeUnusedDays`: the next
    /// `AuthEngine.runMaintenance()` revokes it.
    case dueForAutoRevoke
}

extension ScopeStanding {
    init(_ g: MiniAppAuthBindings.ScopeStanding) {
        self.init(
            appId: g.appId, pluginId: g.pluginId, scope: g.scope, standing: Standing(g.standing), untilMs: g.untilMs,
            lastUsedAtMs: g.lastUsedAtMs, dismissals: Int(clamping: g.dismissals), decidedAtMs: g.decidedAtMs)
    }
}

extension Standing {
    init(_ g: MiniAppAuthBindings.Standing) {
        switch g {
        case .granted: self = .granted
        case .denied: self = .denied
        case .allowOnce: self = .allowOnce
        case .until: self = .until
        case .unasked: self = .unasked
        case .embargoed: self = .embargoed
        case .dueForAutoRevoke: self = .dueForAutoRevoke
        }
    }
}
