import Foundation
import MiniAppAuth

/// One scripted answer to a scope dialog, for `ScriptedConsentUi`:
/// `.allow`, `.allowOnce`, `.allowUntil(ms)`, `.deny`, `.dismiss` (the answers a
/// person gives), `.hold` (the dialog stays open until
/// `ScriptedConsentUi.release(_:)`, or until the engine takes it down) and
/// `.fail(_:)` (the dialog cannot be shown: the call answers `host dialog
/// failed`, errno 1301).
public struct ScriptedAnswer: Hashable, Sendable {
    enum Step: Hashable, Sendable {
        case answer(ConsentDecision)
        case hold
        case fail(String)
    }

    let step: Step

    /// The person answers `decision`.
    public static func answer(_ decision: ConsentDecision) -> ScriptedAnswer { ScriptedAnswer(step: .answer(decision)) }
    /// The person allows the scope.
    public static let allow = answer(.allow)
    /// The person allows it for this run of the app.
    public static let allowOnce = answer(.allowOnce)
    /// The person allows it until `untilMs` (ms since the epoch).
    public static func allowUntil(_ untilMs: Int64) -> ScriptedAnswer { answer(.allowUntil(untilMs: untilMs)) }
    /// The person denies it.
    public static let deny = answer(.deny)
    /// The person closes the dialog without deciding.
    public static let dismiss = answer(.dismiss)
    /// The dialog stays open until `ScriptedConsentUi.release(_:)` (or the engine takes it down).
    public static let hold = ScriptedAnswer(step: .hold)
    /// The dialog cannot be shown: `ScriptedConsentUi` throws `DialogUnavailable(message)`.
    public static func fail(_ message: String = "scripted: the dialog could not be shown") -> ScriptedAnswer {
        ScriptedAnswer(step: .fail(message))
    }
}

/// The person in front of the dialogs, scripted: a `ConsentUi` for a host's
/// unit tests, with a real engine (`Fixtures.inMemoryEngine`,
/// `AuthEngine.inMemory`) or in front of the host's own fakes. Scope dialogs
/// are answered in the order scripted (`init(_:)`, `enqueue(_:)`); with nothing
/// left a scope dialog fails (the call answers `host dialog failed`, 1301) — a
/// test never hangs on a dialog it did not expect. Every dialog shown is
/// remembered (`shown`, `scopeRequests`). Safe from any thread or task (its
/// state is behind a lock).
///
/// ```swift
/// let ui = ScriptedConsentUi(.allow, .deny, .hold)
/// let engine = try AuthEngine.inMemory(ui: ui)
/// ```
public final class ScriptedConsentUi: ConsentUi, Sendable {
    private struct State {
        var steps: [ScriptedAnswer] = []
        var shown: [String] = []
        var scopeRequests: [ScopeRequest] = []
        /// The held dialogs, oldest first, by id.
        var held: [(id: Int, continuation: CheckedContinuation<ConsentDecision, any Error>)] = []
        /// Held dialogs whose continuation is not stored yet.
        var starting: Set<Int> = []
        /// Of those, the ones taken down already.
        var cancelledEarly: Set<Int> = []
        var nextId = 0
        var cancelled = 0
        var privacyDecision: PrivacyDecision = .agree
        var ticksPrivacyCheckbox = true
        var settingsPage: @Sendable (SettingsRequest) -> SettingsAnswer = {
            SettingsAnswer(items: $0.items, subscriptions: $0.subscriptions)
        }
        var subscribe: @Sendable (SubscribeRequest) -> SubscribeAnswer = { request in
            .chosen(choices: request.tmplIds.map { TemplateChoice(tmplId: $0, choice: .accept) }, keep: false)
        }
    }

    private let state = Locked(State())

    /// A person who answers the scope dialogs in this order.
    public init(_ answers: ScriptedAnswer...) {
        state.withLock { $0.steps = answers }
    }

    /// A person who answers the scope dialogs in this order.
    public init(answers: [ScriptedAnswer]) {
        state.withLock { $0.steps = answers }
    }

    /// Adds answers after those still scripted; returns this object, for chaining.
    @discardableResult
    public func enqueue(_ answers: ScriptedAnswer...) -> ScriptedConsentUi {
        state.withLock { $0.steps += answers }
        return self
    }

    /// The answer to the privacy popup (`ConsentUi.askPrivacy`). Default: `.agree`.
    public var privacyDecision: PrivacyDecision {
        get { state.withLock { $0.privacyDecision } }
        set { state.withLock { $0.privacyDecision = newValue } }
    }

    /// Whether the person ticks the privacy checkbox of a combined dialog
    /// (`ConsentUi.askScopeWithPrivacy`; its scope decision is the next scripted
    /// answer). Default: ticked.
    public var ticksPrivacyCheckbox: Bool {
        get { state.withLock { $0.ticksPrivacyCheckbox } }
        set { state.withLock { $0.ticksPrivacyCheckbox = newValue } }
    }

    /// How the settings page is left. Default: as shown (nothing changed).
    public var settingsPage: @Sendable (SettingsRequest) -> SettingsAnswer {
        get { state.withLock { $0.settingsPage } }
        set { state.withLock { $0.settingsPage = newValue } }
    }

    /// The answer to a subscribe dialog. Default: every template accepted, not
    /// kept. The host's server failing the call: `failSubscriptions(with:)`.
    public var subscribe: @Sendable (SubscribeRequest) -> SubscribeAnswer {
        get { state.withLock { $0.subscribe } }
        set { state.withLock { $0.subscribe = newValue } }
    }

    /// Answers every subscribe dialog from now on as the host's server failing
    /// the call with one of WeChat's codes (`SubscribeAnswer.failed`).
    public func failSubscriptions(with failure: SubscribeFailure) {
        subscribe = { _ in .failed(failure) }
    }

    /// Every dialog shown, one line each, oldest first: `scope <app> <scope> via <api>`
    /// (a combined dialog's with ` +privacy v<version>`),
    /// `privacy <app> v<version> via <referrer>`, `settings <app>`, `contract <app>`,
    /// `subscribe <app> <ids, comma-separated>`.
    public var shown: [String] { state.withLock { $0.shown } }

    /// The scope dialogs shown, oldest first.
    public var scopeRequests: [ScopeRequest] { state.withLock { $0.scopeRequests } }

    /// How many held dialogs (`.hold`) are open now.
    public var heldCount: Int { state.withLock { $0.held.count } }

    /// How many held dialogs the engine took down before they were released (its
    /// dialog timeout, the mini app's call cancelled, the engine closed).
    public var cancelledCount: Int { state.withLock { $0.cancelled } }

    /// How many scripted answers are still waiting for a dialog.
    public var remainingAnswers: Int { state.withLock { $0.steps.count } }

    /// Answers the oldest held dialog with `decision`. Returns false (and does
    /// nothing) when no dialog is held.
    @discardableResult
    public func release(_ decision: ConsentDecision) -> Bool {
        guard let dialog = state.withLock({ $0.held.isEmpty ? nil : $0.held.removeFirst() }) else { return false }
        dialog.continuation.resume(returning: decision)
        return true
    }

    /// Records the dialog; the next scripted answer, if any.
    private func show(_ line: String, scope request: ScopeRequest? = nil) -> ScriptedAnswer? {
        state.withLock { state in
            state.shown.append(line)
            guard let request else { return nil }
            state.scopeRequests.append(request)
            return state.steps.isEmpty ? nil : state.steps.removeFirst()
        }
    }

    /// Answers the next scope dialog from the script.
    public func askScope(_ request: ScopeRequest) async throws -> ConsentDecision {
        try await answerScope(request)
    }

    /// Answers the next combined dialog: the scripted decision, the checkbox as
    /// `ticksPrivacyCheckbox` says.
    public func askScopeWithPrivacy(_ request: ScopeRequest) async throws -> CombinedDecision {
        let ticked = ticksPrivacyCheckbox
        return CombinedDecision(decision: try await answerScope(request), agreePrivacy: ticked)
    }

    private func answerScope(_ request: ScopeRequest) async throws -> ConsentDecision {
        let checkbox = request.privacyContract.map { " +privacy v\($0.contractVersion)" } ?? ""
        let line = "scope \(request.appId) \(request.scope) via \(request.api)\(checkbox)"
        guard let next = show(line, scope: request) else {
            throw DialogUnavailable("scripted: no answer left for \(request.scope)")
        }
        switch next.step {
        case .answer(let decision): return decision
        case .fail(let message): throw DialogUnavailable(message)
        case .hold: return try await hold()
        }
    }

    /// Waits for `release(_:)`; the task's cancellation (the engine took the
    /// dialog down) resumes it with `CancellationError`, exactly once.
    private func hold() async throws -> ConsentDecision {
        let id = state.withLock { state -> Int in
            state.nextId += 1
            state.starting.insert(state.nextId)
            return state.nextId
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let takenDown = state.withLock { state -> Bool in
                    state.starting.remove(id)
                    if state.cancelledEarly.remove(id) != nil { return true }
                    state.held.append((id, continuation))
                    return false
                }
                if takenDown { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<ConsentDecision, any Error>? in
                if let index = state.held.firstIndex(where: { $0.id == id }) {
                    state.cancelled += 1
                    return state.held.remove(at: index).continuation
                }
                // Not stored yet (the task was cancelled before it waited): the
                // operation finds this and does not wait. Already released: nothing.
                if state.starting.contains(id), state.cancelledEarly.insert(id).inserted {
                    state.cancelled += 1
                }
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Shows the settings page: `settingsPage` answers.
    public func showSettings(_ request: SettingsRequest) async throws -> SettingsAnswer {
        _ = show("settings \(request.appId)")
        return settingsPage(request)
    }

    /// Shows the privacy popup: `privacyDecision` answers.
    public func askPrivacy(_ request: PrivacyRequest) async throws -> PrivacyDecision {
        _ = show("privacy \(request.appId) v\(request.contractVersion) via \(request.referrer)")
        return privacyDecision
    }

    /// Shows the privacy contract, closed at once.
    public func showPrivacyContract(_ request: PrivacyRequest) async throws {
        _ = show("contract \(request.appId)")
    }

    /// Shows a subscribe dialog: `subscribe` answers.
    public func askSubscribe(_ request: SubscribeRequest) async throws -> SubscribeAnswer {
        _ = show("subscribe \(request.appId) \(request.tmplIds.joined(separator: ","))")
        return subscribe(request)
    }
}

/// A value behind a lock: the one place this module's mutable state is shared
/// between threads (what makes `ScriptedConsentUi` `Sendable`).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
