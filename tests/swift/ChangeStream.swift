// The change stream (AuthEngine.grantChanges, an AsyncStream) and the log sink,
// through the layer.

import Foundation
import MiniAppAuth

/// How many of the core's grant-watch threads ("miniapp-auth-watch", 15 chars in comm) this process has.
func watchThreads() -> Int {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.filter { task in
        let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .whitespacesAndNewlines) == "miniapp-auth-wa"
    }.count
}

func summary(_ grants: [Grant]) -> [String] { grants.map { "\($0.appId):\($0.scope):\($0.state)" }.sorted() }

/// What a collecting task has seen, shared with the scenario.
final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[String]] = []
    private var read = 0
    func append(_ value: [String]) { lock.withLock { values.append(value) } }
    /// The values not yet looked at, marking them looked at.
    func unread() -> [[String]] { lock.withLock { defer { read = values.count }; return Array(values[read...]) } }
}

/// Waits (up to 10 s) until the stream has shown `wanted`.
func until(_ seen: Seen, _ wanted: [String], _ what: String) async throws {
    for _ in 0..<1000 {
        if seen.unread().contains(wanted) { print("     seen: \(what)"); return }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    throw Failure(description: "never saw \(what): \(wanted)")
}

func waitForNoWatchThread() async throws {
    for _ in 0..<500 where watchThreads() > 0 { try? await Task.sleep(nanoseconds: 10_000_000) }
    try expect(watchThreads(), 0, "the core's watch threads after the stream ended")
}

final class Records: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [LogRecord] = []
    func add(_ record: LogRecord) { lock.withLock { list.append(record) } }
    var all: [LogRecord] { lock.withLock { list } }
}

extension Scenarios {
    static func changeStreamScenarios() async {
        await scenario("grantChanges: a dialog, administration and a second engine on the same file; ending the iteration ends the observation") {
            let path = tempDb()
            let engine = try await AuthEngine.open(path: path, ui: ScriptedUi("allow"))
            let stream = try engine.grantChanges(userId: "u1")
            let seen = Seen()
            let collecting = Task { for await grants in stream { seen.append(summary(grants)) } }
            try await until(seen, [], "the grants as they are (none)")
            try expect(watchThreads(), 1, "the core's watch thread while iterating")
            try expect(await engine.auth("scope.record"), OK)
            try await until(seen, ["wxA:scope.record:granted"], "the dialog's grant")
            try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.camera", granted: false)
            try await until(seen, ["wxA:scope.camera:denied", "wxA:scope.record:granted"], "the host's set")
            try await engine.revokeGrant(userId: "u1", appId: "wxA", scope: "scope.record")
            try await until(seen, ["wxA:scope.camera:denied"], "the host's revoke")
            do {
                let other = try await AuthEngine.open(path: path, ui: ScriptedUi())
                try await other.setGrant(userId: "u1", appId: "wxB", scope: "scope.bluetooth", granted: true)
            }
            try await until(seen, ["wxA:scope.camera:denied", "wxB:scope.bluetooth:granted"], "the second engine's write")
            // Another user's change is not this user's stream: u1 is told nothing new.
            try await engine.setGrant(userId: "u2", appId: "wxA", scope: "scope.camera", granted: true)
            try? await Task.sleep(nanoseconds: 600_000_000)
            try expect(seen.unread(), [], "values after another user's change")
            // Cancelling the iterating task ends the observation: the watch thread ends.
            collecting.cancel()
            await collecting.value
            try await waitForNoWatchThread()
            try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.camera", granted: true)
            try? await Task.sleep(nanoseconds: 600_000_000)
            try expect(seen.unread(), [], "values after the iteration ended")
            // `break` ends it too.
            for await grants in try engine.grantChanges(userId: "u1") {
                try expect(summary(grants), ["wxA:scope.camera:granted", "wxB:scope.bluetooth:granted"])
                break
            }
            try await waitForNoWatchThread()
            do {
                _ = try engine.grantChanges(userId: "")
                throw Failure(description: "an empty user id was observed")
            } catch MiniAppAuthError.invalidArgument(let reason) {
                try expect(reason.isEmpty, false)
            }
        }

        await scenario("the log sink (a closure) gets the core's records; nil stops them") {
            let records = Records()
            try expect(MiniAppAuthLog.setSink(maxLevel: .debug) { records.add($0) }, true, "installed")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("hold"), config: EngineConfig { $0.dialogTimeoutMs = 100 })
            try expect(await engine.auth("scope.record"), #"{"errMsg":"authorize:fail dialog timed out","errno":5}"#)
            for _ in 0..<500 where !records.all.contains(where: { $0.level == .warn }) {
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            guard let warning = records.all.first(where: { $0.level == .warn }) else {
                throw Failure(description: "no warning logged")
            }
            try expect(warning.target.hasPrefix("miniapp_auth"), true, warning.target)
            try expect(MiniAppAuthLog.setSink(maxLevel: .debug, nil), true, "removed")
            let count = records.all.count
            let engine2 = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("hold"), config: EngineConfig { $0.dialogTimeoutMs = 100 })
            try expect(await engine2.auth("scope.record"), #"{"errMsg":"authorize:fail dialog timed out","errno":5}"#)
            try? await Task.sleep(nanoseconds: 200_000_000)
            try expect(records.all.count, count, "records after the sink was removed")
            print("     a record: \(warning.level) \(warning.target): \(warning.message)")
        }
    }
}
