import MiniAppAuth

/// The host's sync backend as the task sees it: HTTP to the host's server in the
/// app, a list in tests. Whatever it throws is taken as the network's failure.
protocol SyncTransport: Sendable {
    /// Uploads `records`; returns once the backend has committed them.
    func push(userId: String, records: [String]) async throws
    /// The user's records after `cursor` (nil: from the first), a page of them, and
    /// the cursor after that page; `records` empty: nothing more.
    func pull(userId: String, cursor: String?) async throws -> (records: [String], nextCursor: String?)
}

/// Where the task keeps how far it pulled, per user: `UserDefaults` in the app.
protocol PullCursors: Sendable {
    func load(userId: String) -> String?
    func save(userId: String, cursor: String?)
}

/// How a run ended: `task.setTaskCompleted(success:)` and when to ask again.
enum SyncOutcome: Sendable {
    case synced
    /// The network or the backend failed: schedule the next refresh sooner.
    case retryLater
}

/// What the app's `BGAppRefreshTask` handler runs (see the host guide for the
/// few lines that need BackgroundTasks): uploads what this device decided, then
/// applies what the user's other devices did. Every engine call is `async` and
/// main-safe. An engine error (the database) is thrown, not retried.
struct SyncTask: Sendable {
    let engine: AuthEngine
    let transport: any SyncTransport
    let cursors: any PullCursors

    func run(userId: String) async throws -> SyncOutcome {
        do {
            try await upload(userId)
            try await download(userId)
            return .synced
        } catch let error as MiniAppAuthError {
            throw error
        } catch {
            return .retryLater // the transport's error, or the task expired (cancelled)
        }
    }

    private func upload(_ userId: String) async throws {
        while true {
            let batch = try await engine.syncOutgoing(userId: userId, limit: 500)
            if batch.records.isEmpty { return }
            try await transport.push(userId: userId, records: batch.records) // returned: committed
            // Marked only now: a crash before this line uploads the batch again,
            // and the backend takes each record id once.
            try await engine.syncMarkUploaded(userId: userId, cursor: batch.cursor)
        }
    }

    private func download(_ userId: String) async throws {
        while true {
            let page = try await transport.pull(userId: userId, cursor: cursors.load(userId: userId))
            if page.records.isEmpty { return }
            try await engine.syncApply(userId: userId, records: page.records) // one transaction, durable
            // The pull cursor is kept only after syncApply returned: a crash
            // between the pull and here pulls the page again next time, and
            // applying it again changes nothing (its records are duplicates). Kept
            // before, a crash would skip the page for good.
            cursors.save(userId: userId, cursor: page.nextCursor)
        }
    }
}
