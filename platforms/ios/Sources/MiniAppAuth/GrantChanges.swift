internal import MiniAppAuthBindings

extension AuthEngine {
    /// A user's grants, now and after every change, whatever made it: a dialog,
    /// the settings page, administration, a grant that ended, another engine or
    /// process on the same file. Each element is the user's whole list (as
    /// `listGrants` gives it); a slow consumer only misses intermediate states —
    /// it always gets the latest (the stream buffers the newest one).
    ///
    /// The stream starts one observation in the core (its watch thread reads the
    /// grants); ending the iteration — `break`, the task cancelled, the stream
    /// released — cancels it. Closing the engine finishes the stream: a
    /// `for await` loop ends.
    ///
    /// Throws `MiniAppAuthError.invalidArgument` for an invalid user id and
    /// `MiniAppAuthError.closed` after the engine was closed.
    public func grantChanges(userId: String) throws -> AsyncStream<[Grant]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [Grant].self, bufferingPolicy: .bufferingNewest(1))
        let observation = try translated {
            try engine.observeGrants(userId: userId, observer: StreamObserver(continuation))
        }
        continuation.onTermination = { _ in observation.cancel() }
        return stream
    }
}

/// The generated observer, feeding an AsyncStream (called on the core's watch thread).
private final class StreamObserver: GrantObserver, Sendable {
    let continuation: AsyncStream<[Grant]>.Continuation
    init(_ continuation: AsyncStream<[Grant]>.Continuation) { self.continuation = continuation }
    func grantsChanged(userId: String, grants: [MiniAppAuthBindings.Grant]) { continuation.yield(grants.map(Grant.init)) }
    func observationEnded() { continuation.finish() }
}
