import MiniAppAuth

/// What the app's UI does to show one alert: `UIAlertController` in the app (see
/// the host guide for those few UIKit lines), a stand-in in tests.
@MainActor
protocol AlertPresenter: AnyObject {
    /// Shows an alert; calls `tapped(i)` when the user taps `buttons[i]`. Returns
    /// what takes the alert down, or nil when nothing could be shown.
    func present(title: String, message: String, buttons: [String],
                 tapped: @escaping @MainActor (Int) -> Void) -> (@MainActor () -> Void)?
}

/// The host's dialogs as alerts. A `@MainActor` class: the engine's calls run on
/// the main actor, where UIKit is — no `@unchecked Sendable`, no hop of its own.
@MainActor
final class AlertConsentUi: ConsentUi {
    weak var presenter: AlertPresenter?

    func askScope(_ request: ScopeRequest) async throws -> ConsentDecision {
        let tapped = try await alert(title: "\(request.appName) would like to use \(request.scopeTitle)",
                                     message: request.purpose ?? request.scopeDescription,
                                     buttons: ["Don't Allow", "Allow"])
        return tapped == 1 ? .allow : .deny
    }

    /// The combined dialog (`EngineConfig.combinedPrivacyDialog`): an alert has no
    /// checkbox, so its allow button says it agrees to the contract too (WeChat's
    /// allow cannot be pressed with the box unticked).
    func askScopeWithPrivacy(_ request: ScopeRequest) async throws -> CombinedDecision {
        let contract = request.privacyContract?.contractName ?? "the privacy guide"
        let tapped = try await alert(title: "\(request.appName) would like to use \(request.scopeTitle)",
                                     message: request.purpose ?? request.scopeDescription,
                                     buttons: ["Don't Allow", "Agree to \(contract) and Allow"])
        return CombinedDecision(decision: tapped == 1 ? .allow : .deny, agreePrivacy: tapped == 1)
    }

    func askPrivacy(_ request: PrivacyRequest) async throws -> PrivacyDecision {
        let tapped = try await alert(title: "\(request.appName): \(request.contractName)",
                                     message: "Read and agree to the app's privacy guide to go on.",
                                     buttons: ["Disagree", "Agree"])
        return tapped == 1 ? .agree : .disagree
    }

    func showPrivacyContract(_ request: PrivacyRequest) async throws {
        _ = try await alert(title: request.contractName, message: "Version \(request.contractVersion)", buttons: ["Close"])
    }

    func askSubscribe(_ request: SubscribeRequest) async throws -> SubscribeAnswer {
        let tapped = try await alert(title: "\(request.appName) would like to send you messages",
                                     message: "\(request.tmplIds.count) kind(s) of message", buttons: ["Cancel", "Allow"])
        let choice: SubscribeChoice = tapped == 1 ? .accept : .reject
        return .chosen(choices: request.tmplIds.map { TemplateChoice(tmplId: $0, choice: choice) }, keep: false)
    }

    func showSettings(_ request: SettingsRequest) async throws -> SettingsAnswer {
        // A settings page is a screen of its own, not an alert: push it and
        // resume the same way (once, on a tap or on cancellation).
        throw DialogUnavailable("the settings page is not an alert")
    }

    /// Shows one alert; the index of the button tapped. When the engine gives up
    /// (its timeout, the mini app's call cancelled, the engine closed) the task is
    /// cancelled: the alert goes and the wait ends with `CancellationError` —
    /// the continuation is resumed exactly once, by whichever comes first.
    private func alert(title: String, message: String, buttons: [String]) async throws -> Int {
        let pending = PendingAlert()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard pending.wait(continuation) else { return } // cancelled already
                guard let dismiss = presenter?.present(title: title, message: message, buttons: buttons,
                                                       tapped: { pending.finish(.success($0)) }) else {
                    return pending.finish(.failure(DialogUnavailable("no view controller to present on")))
                }
                pending.dismiss = dismiss
            }
        } onCancel: {
            Task { @MainActor in pending.cancel() }
        }
    }
}

/// One alert's continuation, resumed once: by a tap, a failure or the task's cancellation.
@MainActor
final class PendingAlert {
    private var continuation: CheckedContinuation<Int, any Error>?
    private var cancelled = false
    var dismiss: (@MainActor () -> Void)?

    /// Keeps `continuation` for the answer; false (and resumed) when cancelled already.
    func wait(_ continuation: CheckedContinuation<Int, any Error>) -> Bool {
        if cancelled { continuation.resume(throwing: CancellationError()) } else { self.continuation = continuation }
        return !cancelled
    }

    func finish(_ result: Result<Int, any Error>) {
        guard let continuation else { return } // resumed already
        self.continuation = nil
        dismiss = nil
        continuation.resume(with: result)
    }

    func cancel() {
        cancelled = true
        dismiss?() // take the alert down
        finish(.failure(CancellationError()))
    }
}
