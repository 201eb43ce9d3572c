internal import MiniAppAuthBindings

/// One record of the core's log.
public struct LogRecord: Hashable, Sendable {
    /// How much it matters.
    public let level: LogLevel
    /// The module path that logged it (`miniapp_auth::…`).
    public let target: String
    /// The message.
    public let message: String

    package init(level: LogLevel, target: String, message: String) {
        self.level = level
        self.target = target
        self.message = message
    }
}

/// The core's log, process-wide (every engine).
public enum MiniAppAuthLog {
    /// Sends the core's records up to `maxLevel` to `sink` (called on whichever
    /// thread logged, often a core thread: keep it quick); `nil` stops them.
    /// Returns false when another Rust logger was installed in this process
    /// first: the records go there instead.
    /// `MiniAppAuthLog.setSink(maxLevel: .info) { record in os_log("%{public}@", record.message) }`
    @discardableResult
    public static func setSink(maxLevel: LogLevel = .info, _ sink: (@Sendable (LogRecord) -> Void)?) -> Bool {
        setLogSink(sink: sink.map { ClosureSink($0) }, maxLevel: maxLevel.generated)
    }
}

/// The generated sink over the host's closure (the record converted at the boundary).
private final class ClosureSink: LogSink, Sendable {
    let sink: @Sendable (LogRecord) -> Void
    init(_ sink: @escaping @Sendable (LogRecord) -> Void) { self.sink = sink }
    func log(record: MiniAppAuthBindings.LogRecord) { sink(LogRecord(record)) }
}
