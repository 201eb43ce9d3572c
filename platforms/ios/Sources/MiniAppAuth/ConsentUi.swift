import Foundation
internal import MiniAppAuthBindings

/// The host's native dialogs, in the layer's own types (requests in, answers
/// out). The engine calls these from its own threads: a `@MainActor` class may
/// conform — its methods then run on the main actor, where UIKit is — or hop
/// there yourself (`await MainActor.run { … }`).
///
/// Each answer completes a waiting mini-app call. Throwing any error completes
/// the mini app's call with `host dialog failed` (errno 1301) and grants
/// nothing. When the engine gives up on a dialog (its timeout, the mini app's
/// call cancelled, the engine closed), the task running the method is
/// cancelled: take the alert down in `withTaskCancellationHandler`, and resume
/// any continuation the method awaits (once) so the task can end.
///
/// For tests, MiniAppAuthTesting's `ScriptedConsentUi` answers from a script.
public protocol ConsentUi: AnyObject, Sendable {
    /// Asks the user about one scope for one app.
    func askScope(_ request: ScopeRequest) async throws -> ConsentDecision
    /// Shows the app's settings page; returns the switches as the user left them.
    func showSettings(_ request: SettingsRequest) async throws -> SettingsAnswer
    /// Asks the user to agree to the app's privacy contract.
    func askPrivacy(_ request: PrivacyRequest) async throws -> PrivacyDecision
    /// Shows the app's privacy contract; returns when the user closes it.
    func showPrivacyContract(_ request: PrivacyRequest) async throws
    /// Asks about the templates of one `requestSubscribeMessage` call (those without a kept choice).
    func askSubscribe(_ request: SubscribeRequest) async throws -> SubscribeAnswer
    /// With `EngineConfig.combinedPrivacyDialog` only: asks about one scope and,
    /// on the same dialog, to agree to the app's privacy contract
    /// (`request.privacyContract`, a checkbox; WeChat's allow button needs it
    /// ticked). The default shows `askScope`'s dialog and reports the checkbox
    /// unticked, so an allow grants nothing: a host that turns the option on
    /// implements this.
    func askScopeWithPrivacy(_ request: ScopeRequest) async throws -> CombinedDecision
}

extension ConsentUi {
    /// `askScope`'s dialog, the checkbox unticked (an allow grants nothing).
    public func askScopeWithPrivacy(_ request: ScopeRequest) async throws -> CombinedDecision {
        CombinedDecision(decision: try await askScope(request), agreePrivacy: false)
    }
}

/// Optional: whether the host app itself holds an OS permission
/// (`AuthEngine.setOsPermissionProbe`). A probe that throws is ignored.
public protocol OsPermissionProbe: AnyObject, Sendable {
    /// The host app's current OS-level state of `permission` (called on a core
    /// thread, synchronously: answer from what the app already knows).
    func status(_ permission: OsPermission) throws -> OsPermissionStatus
}

/// What a `ConsentUi` may throw when it cannot show or complete a dialog.
public struct DialogUnavailable: Error, Sendable, LocalizedError {
    /// Why, in words (it reaches the core's log, not the mini app).
    public let reason: String
    /// A dialog that could not be shown, and why.
    public init(_ reason: String) { self.reason = reason }
    /// `reason`.
    public var errorDescription: String? { reason }
}

/// The generated protocol, implemented over the host's `ConsentUi`: requests
/// and answers are converted at the boundary (Boundary.swift), and whatever the
/// host throws becomes the core's `HostError` with a readable reason.
final class ConsentUiAdapter: MiniAppAuthBindings.ConsentUi, Sendable {
    let ui: any ConsentUi
    init(_ ui: any ConsentUi) { self.ui = ui }

    func askScope(request: GScopeRequest) async throws -> GConsentDecision {
        try await host { try await ui.askScope(ScopeRequest(request)).generated }
    }
    func askScopeWithPrivacy(request: GScopeRequest) async throws -> GCombinedDecision {
        try await host { try await ui.askScopeWithPrivacy(ScopeRequest(request)).generated }
    }
    func showSettings(request: GSettingsRequest) async throws -> GSettingsAnswer {
        try await host { try await ui.showSettings(SettingsRequest(request)).generated }
    }
    func askPrivacy(request: GPrivacyRequest) async throws -> GPrivacyDecision {
        try await host { try await ui.askPrivacy(PrivacyRequest(request)).generated }
    }
    func showPrivacyContract(request: GPrivacyRequest) async throws {
        try await host { try await ui.showPrivacyContract(PrivacyRequest(request)) }
    }
    func askSubscribe(request: GSubscribeRequest) async throws -> GSubscribeAnswer {
        try await host { try await ui.askSubscribe(SubscribeRequest(request)).generated }
    }
}

final class OsPermissionProbeAdapter: MiniAppAuthBindings.OsPermissionProbe, Sendable {
    let probe: any OsPermissionProbe
    init(_ probe: any OsPermissionProbe) { self.probe = probe }
    func status(permission: GOsPermission) throws -> GOsPermissionStatus {
        do { return try probe.status(OsPermission(permission)).generated } catch { throw HostError.Failed(reason: describe(error)) }
    }
}

private func host<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as HostError {
        throw error
    } catch {
        throw HostError.Failed(reason: describe(error))
    }
}

private func describe(_ error: any Error) -> String {
    (error as? LocalizedError)?.errorDescription ?? String(describing: error)
}
