// Main safety (SPEC §5): every call a host makes through the layer, awaited from
// a "main" thread, must leave that thread free of database I/O. On Linux the main
// actor has no fixed thread (dispatch_main() exits the process's main thread and
// the main queue is drained by pool threads), so the stand-in for iOS's main
// thread is an actor whose executor is one dedicated thread named "main". This
// only makes the calls and prints that thread's Linux thread id; tests/swift/run.sh
// runs it (`scenarios main-safety`) under strace from outside the Swift root, and
// scripts/check-main-thread-io.py fails it if that thread did any pread64,
// pwrite64, fsync or fdatasync on the database files.

import Foundation
import MiniAppAuth
import MiniAppAuthBindings // the control only

/// This thread's Linux thread id ("/proc/thread-self" links to "PID/task/TID").
func nativeTid() -> String {
    let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? "?"
    return String(link.split(separator: "/").last ?? "?")
}

/// A serial executor that runs every job on one dedicated thread.
final class SingleThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var _tid = ""
    var tid: String { condition.lock(); defer { condition.unlock() }; return _tid }

    init(name: String) {
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            condition.lock(); _tid = nativeTid(); condition.unlock()
            started.signal()
            while true {
                condition.lock()
                while jobs.isEmpty { condition.wait() }
                let job = jobs.removeFirst()
                condition.unlock()
                job.runSynchronously(on: asUnownedSerialExecutor())
            }
        }
        thread.name = name
        thread.start()
        started.wait()
    }

    func enqueue(_ job: UnownedJob) {
        condition.lock(); jobs.append(job); condition.signal(); condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}

let mainExecutor = SingleThreadExecutor(name: "main")

/// The host's "main thread": between its awaits, its code runs on `mainExecutor`'s thread.
actor MainThread {
    nonisolated var unownedExecutor: UnownedSerialExecutor { mainExecutor.asUnownedSerialExecutor() }
    private(set) var steps: [String] = []
    private func step(_ name: String) { steps.append(name) }

    func calls() async throws {
        let tid = mainExecutor.tid
        try expect(nativeTid(), tid, "on the \"main\" thread")
        let path = tempDb()
        let engine = try await AuthEngine.open(path: path, ui: ScriptedUi("agree", "allow"))
        step("open")
        try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
        step("registerManifest")
        try expect(await engine.auth("scope.record"), OK, "authorize with a dialog and its commit")
        try expect(await engine.auth("scope.record"), OK, "authorize, granted")
        step("authorize")
        try expect(await engine.getSetting(me()).ok, true, "getSetting")
        step("getSetting")
        let second = try await AuthEngine.open(path: path, ui: ScriptedUi())
        try expect(await second.getSetting(me()).json, await engine.getSetting(me()).json, "a second engine reads the same")
        try expect(await second.auth("scope.record"), OK, "the second engine's authorize")
        step("second engine")
        try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.userLocation", granted: true)
        try await engine.revokeGrant(userId: "u1", appId: "wxA", scope: "scope.userLocation")
        try expect(try await engine.listGrants(userId: "u1").map { $0.scope }, ["scope.record"], "listGrants")
        try expect(try await engine.listUsers(), ["u1"], "listUsers")
        try await engine.setSubscriptionsMainSwitch(userId: "u1", appId: "wxA", on: false)
        try expect(try await engine.consentRecords(userId: "u1").isEmpty, false, "consentRecords")
        try expect(try await engine.verifyConsentLog().intact, true, "verifyConsentLog")
        _ = try await engine.consentLogHead()
        try expect(try await engine.explain(me(), api: "authorize", scope: "scope.record").rule, "granted", "explain")
        try expect(try await engine.scopeStandings(userId: "u1").map(\.standing), [.granted], "scopeStandings")
        _ = try await engine.runMaintenance()
        try await engine.endAppRun(userId: "u1", appId: "wxA")
        try expect(try await engine.resetApp(appId: "wxA", userId: "u1"), 1, "resetApp")
        try expect(try await engine.forgetUser(userId: "u1"), 0, "forgetUser")
        step("administration")
        let batch = try await engine.syncOutgoing(userId: "u1", limit: 100)
        try expect(batch.records.isEmpty, false, "syncOutgoing")
        try expect(try await second.syncApply(userId: "u1", records: batch.records).duplicates, Int64(batch.records.count),
                   "syncApply (the same device's file: duplicates)")
        try await engine.syncMarkUploaded(userId: "u1", cursor: batch.cursor)
        try expect(try await engine.syncState(userId: "u1").pending, 0, "syncState")
        try await engine.syncResetUploads(userId: "u1")
        step("sync")
        for await grants in try engine.grantChanges(userId: "u1") {
            try expect(grants, [], "the first value of grantChanges (all forgotten)")
            break
        }
        step("grantChanges")
        try expect(nativeTid(), tid, "still on the \"main\" thread")
    }
}

extension Scenarios {
    static func mainSafety() async {
        let main = MainThread()
        await scenario("main-safety calls made from the \"main\" thread") { try await main.calls() }
        print("main-safety: main thread tid \(mainExecutor.tid) (\(await main.steps.joined(separator: ", ")))")
    }
}

/// The control: the generated (not the layer's) blocking open, called on
/// "main" on purpose, so the runner can show that the check does see database
/// I/O on that thread when there is some.
actor MainThreadControl {
    nonisolated var unownedExecutor: UnownedSerialExecutor { mainExecutor.asUnownedSerialExecutor() }

    func blockingCalls(path: String) throws {
        let engine = try MiniAppAuthBindings.AuthEngine.openReadOnly(dbPath: path) // reads the file here
        _ = try engine.listGrants(userId: "u1", appId: nil) // and here
    }
}

extension Scenarios {
    static func mainSafetyControl() async {
        await scenario("main-safety control: blocking calls on \"main\" on purpose") {
            let path = tempDb()
            let engine = try await AuthEngine.open(path: path, ui: ScriptedUi("allow"))
            try expect(await engine.auth("scope.record"), OK)
            try await MainThreadControl().blockingCalls(path: path)
        }
        print("main-safety: main thread tid \(mainExecutor.tid) (control)")
    }
}
