// The core's metrics (counts and durations of dialogs, timeouts, quarantines,
// commits) for the host's own pipeline, beside the log sink: the layer's own
// types, converted from the generated ones here.

internal import MiniAppAuthBindings

/// What a `MetricEvent` counts.
public enum MetricName: Hashable, Sendable {
    case dialogShown, dialogAnswered, dialogTimedOut, dialogCancelled, dialogFailed, probeFailed
    case observerFailed, databaseQuarantined, storeFailed, commit, eventsDropped
}

/// Which dialog a dialog event is about.
public enum DialogKind: Hashable, Sendable {
    case scope, privacy, privacyContract, settings, subscribe
}

/// How a dialog was answered.
public enum DialogAnswer: Hashable, Sendable {
    case allow, allowOnce, allowUntil, deny, dismiss, agree, disagree, chosen, appBanned, closed
    /// The host failed a subscription with one of WeChat's codes.
    case failed
}

/// One count of the core's metrics: `name`, how many (`count`), how long
/// (`durationUs`, microseconds: for a dialog the user's time, for a commit its
/// own), and which app, scope, dialog and answer. Never a user id, a path or a
/// message: built to be uploaded.
public struct MetricEvent: Hashable, Sendable {
    /// What it counts.
    public let name: MetricName
    /// How many (1, or the events dropped).
    public let count: Int64
    /// How long, in microseconds, where it has a duration.
    public let durationUs: Int64?
    /// The mini app, where there is one.
    public let appId: String?
    /// The scope, where there is one.
    public let scope: String?
    /// The dialog, for a dialog event.
    public let dialog: DialogKind?
    /// The answer, for an answered dialog.
    public let answer: DialogAnswer?

    package init(name: MetricName, count: Int64, durationUs: Int64?, appId: String?, scope: String?,
                 dialog: DialogKind?, answer: DialogAnswer?) {
        self.name = name
        self.count = count
        self.durationUs = durationUs
        self.appId = appId
        self.scope = scope
        self.dialog = dialog
        self.answer = answer
    }
}

/// The core's metrics, process-wide (every engine), beside `MiniAppAuthLog`.
public enum MiniAppAuthMetrics {
    /// Sends the core's metric events to `sink` (called on the core's metrics
    /// thread, never on a call's path); `nil` stops them.
    /// `MiniAppAuthMetrics.setSink { event in analytics.count(event) }`
    public static func setSink(_ sink: (@Sendable (MetricEvent) -> Void)?) {
        setMetricsSink(sink: sink.map { ClosureMetricsSink($0) })
    }
}

/// The generated sink over the host's closure.
private final class ClosureMetricsSink: MetricsSink, Sendable {
    let sink: @Sendable (MetricEvent) -> Void
    init(_ sink: @escaping @Sendable (MetricEvent) -> Void) { self.sink = sink }
    func record(event: MiniAppAuthBindings.MetricEvent) { sink(MetricEvent(event)) }
}

extension MetricEvent {
    init(_ g: MiniAppAuthBindings.MetricEvent) {
        self.init(
            name: MetricName(g.name), count: g.count, durationUs: g.durationUs, appId: g.appId, scope: g.scope,
            dialog: g.dialog.map(DialogKind.init), answer: g.answer.map(DialogAnswer.init))
    }
}

extension MetricName {
    init(_ g: MiniAppAuthBindings.MetricName) {
        switch g {
        case .dialogShown: self = .dialogShown
        case .dialogAnswered: self = .dialogAnswered
        case .dialogTimedOut: self = .dialogTimedOut
        case .dialogCancelled: self = .dialogCancelled
        case .dialogFailed: self = .dialogFailed
        case .probeFailed: self = .probeFailed
        case .observerFailed: self = .observerFailed
        case .databaseQuarantined: self = .databaseQuarantined
        case .storeFailed: self = .storeFailed
        case .commit: self = .commit
        case .eventsDropped: self = .eventsDropped
        }
    }
}

extension DialogKind {
    init(_ g: MiniAppAuthBindings.DialogKind) {
        switch g {
        case .scope: self = .scope
        case .privacy: self = .privacy
        case .privacyContract: self = .privacyContract
        case .settings: self = .settings
        case .subscribe: self = .subscribe
        }
    }
}

extension DialogAnswer {
    init(_ g: MiniAppAuthBindings.DialogAnswer) {
        switch g {
        case .allow: self = .allow
        case .allowOnce: self = .allowOnce
        case .allowUntil: self = .allowUntil
        case .deny: self = .deny
        case .dismiss: self = .dismiss
        case .agree: self = .agree
        case .disagree: self = .disagree
        case .chosen: self = .chosen
        case .appBanned: self = .appBanned
        case .closed: self = .closed
        case .failed: self = .failed
        }
    }
}
