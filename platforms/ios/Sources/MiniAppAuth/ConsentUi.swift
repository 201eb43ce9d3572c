import Foundation
import MiniAppAuthBindings

/// The host's native dialogs. The engine calls these from its own threads; hop
/// to the main actor yourself (`await MainActor.run { … }`) to present UI.
///
/// Each answer completes a waiting mini-app call. Throwing any error completes
/// the mini app's call with `host dialog failed` (errno 1301) and grants
/// nothing. When the engine gives up on a dialog (its timeout), the task running
/// the method is cancelled: take the alert down in `withTaskCancellationHandler`.
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
}

/// Optional: whether the host app itself holds an OS permission. A probe that throws is ignored.
public protocol OsPermissionProbe: AnyObject, Sendable {
    func status(_ permission: OsPermission) throws -> OsPermissionStatus
}

/// What a `ConsentUi` may throw when it cannot show or complete a dialog.
public struct DialogUnavailable: Error, Sendable, LocalizedError {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var errorDescription: String? { reason }
}

/// The generated protocol, implemented over the host's `ConsentUi`: whatever the
/// host throws becomes the core's `HostError` with a readable reason.
final class ConsentUiAdapter: MiniAppAuthBindings.ConsentUi, Sendable {
    let ui: any ConsentUi
    init(_ ui: any ConsentUi) { self.ui = ui }

    func askScope(request: ScopeRequest) async throws -> ConsentDecision {
        try await host { try await ui.askScope(request) }
    }
    func showSettings(request: SettingsRequest) async throws -> SettingsAnswer {
        try await host { try await ui.showSettings(request) }
    }
    func askPrivacy(request: PrivacyRequest) async throws -> PrivacyDecision {
        try await host { try await ui.askPrivacy(request) }
    }
    func showPrivacyContract(request: PrivacyRequest) async throws {
        try await host { try await ui.showPrivacyContract(request) }
    }
    func askSubscribe(request: SubscribeRequest) async throws -> SubscribeAnswer {
        try await host { try await ui.askSubscribe(request) }
    }
}

final class OsPermissionProbeAdapter: MiniAppAuthBindings.OsPermissionProbe, Sendable {
    let probe: any OsPermissionProbe
    init(_ probe: any OsPermissionProbe) { self.probe = probe }
    func status(permission: OsPermission) throws -> OsPermissionStatus {
        do { return try probe.status(permission) } catch { throw HostError.Failed(reason: describe(error)) }
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
