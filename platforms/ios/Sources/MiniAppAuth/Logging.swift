import MiniAppAuthBindings

/// One record of the core's log: its `level`, `target` (a module path) and `message`.
public typealias LogRecord = MiniAppAuthBindings.LogRecord
/// How much a record matters: `.error`, `.warn`, `.info`, `.debug`, `.trace`.
public typealias LogLevel = MiniAppAuthBindings.LogLevel

/// The core's log, process-wide (every engine).
public enum MiniAppAuthLog {
    /// Sends the core's records up to `maxLevel` to `sink` (called on whichever
    /// thread logged, often a core thread: keep it quick); `nil` stops them.
    /// Returns false when another Rust logger was installed in this process
    /// first: the records go there instead.
    /// `MiniAppAuthLog.setSink(maxLevel: .info) { record in os_log("%{public}@", record.message) }`
    @discardableResult
    public static func setSink(maxLevel: LogLevel = .info, _ sink: (@Sendable (LogRecord) -> Void)?) -> Bool {
        setLogSink(sink: sink.map { ClosureSink($0) }, maxLevel: maxLevel)
    }
}

private final class ClosureSink: LogSink, Sendable {
    let sink: @Sendable (LogRecord) -> Void
    init(_ sink: @escaping @Sendable (LogRecord) -> Void) { self.sink = sink }
    func log(record: LogRecord) { sink(record) }
}
