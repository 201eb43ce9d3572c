// Closing an engine and cancelling a call through the layer (issue #21):
// close() with a dialog open takes the dialog down (the host's task cancelled)
// and answers the mini app's call; grantChanges streams finish; the file's
// descriptors go; later calls answer `engine closed` or throw
// MiniAppAuthError.closed; cancelling a call's Task reaches the core.

import Foundation
import MiniAppAuth

let ENGINE_CLOSED = #"{"errMsg":"authorize:fail engine closed","errno":1305}"#
let CANCELLED_BY_HOST = #"{"errMsg":"authorize:fail cancelled by the host","errno":1306}"#

/// This process's descriptors on the database file or its -wal.
func descriptorsOn(_ path: String) -> [String] {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
        .filter { $0 == path || $0 == path + "-wal" }
}

/// Waits (up to 10 s) until `condition` holds.
func waitUntil(_ what: String, _ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<2000 {
        if condition() { return }
        try? await Task.sleep(nanoseconds: 5_000_000)
    }
    throw Failure(description: "gave up waiting until \(what)")
}

/// Milliseconds since `start`.
func msSince(_ start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000
}

extension Scenarios {
    static func lifecycleScenarios() async {
        await scenario("close() with a dialog open: the dialog is taken down, the call answers, the stream finishes, the file closes") {
            let path = tempDb()
            let ui = ScriptedUi("hold")
            let engine = try await AuthEngine.open(path: path, ui: ui)
            let stream = try engine.grantChanges(userId: "u1")
            let collecting = Task { var count = 0; for await _ in stream { count += 1 }; return count }
            let asking = Task { await engine.auth("scope.record") }
            try await waitUntil("the dialog is open") { ui.heldCount == 1 }
            try expect(descriptorsOn(path).isEmpty, false, "the file open before closing")
            engine.close()
            // Before close() returned.
            try expect(ui.cancelledCount, 1, "the host's dialog task cancelled")
            try expect(descriptorsOn(path), [], "descriptors left on the file")
            try expect(await asking.value, ENGINE_CLOSED)
            let told = await collecting.value // the stream finished: the loop ended
            try expect(told >= 1, true, "the stream told the grants before it finished")
            try expect(engine.isClosed, true)
        }

        await scenario("after shutdown(): mini-app calls answer 1305, the throwing methods throw .closed") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi())
            try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.record", granted: true)
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            let record = engine.scope("scope.record")!
            try expect(caller.isAllowedNow(record), true)
            await engine.shutdown()
            engine.close() // again: nothing happens
            try expect(caller.isAllowedNow(record), false)
            try expect(await caller.authorize(record).json, ENGINE_CLOSED)
            try expect(await engine.auth("scope.record"), ENGINE_CLOSED)
            try expect(await engine.handle(me(), callJson: #"{"api":"getSetting","args":{}}"#),
                #"{"errMsg":"getSetting:fail engine closed","errno":1305}"#)
            do {
                _ = try await engine.listGrants(userId: "u1")
                throw Failure(description: "listGrants after close did not throw")
            } catch MiniAppAuthError.closed {}
            do {
                _ = try engine.grantChanges(userId: "u1")
                throw Failure(description: "grantChanges after close did not throw")
            } catch MiniAppAuthError.closed {}
        }

        await scenario("cancelling a call's Task reaches the core: the dialog is taken down and the slot freed") {
            let ui = ScriptedUi("hold", "hold", "deny")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            // The engine's own call, then the hot path's full call.
            let asking = Task { await engine.auth("scope.record") }
            try await waitUntil("the dialog is open") { ui.heldCount == 1 }
            var start = DispatchTime.now()
            asking.cancel()
            try expect(await asking.value, CANCELLED_BY_HOST)
            try await waitUntil("the host's dialog is cancelled") { ui.cancelledCount == 1 }
            let engineCall = msSince(start)
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            let record = engine.scope("scope.record")!
            let hot = Task { await caller.authorize(record).json }
            try await waitUntil("the second dialog is open") { ui.heldCount == 1 }
            start = DispatchTime.now()
            hot.cancel()
            try expect(await hot.value, CANCELLED_BY_HOST)
            try await waitUntil("the host's second dialog is cancelled") { ui.cancelledCount == 2 }
            let hotCall = msSince(start)
            // The slot is free and nothing was decided: the next call asks.
            try expect(await engine.auth("scope.record"), DENY)
            try expect(ui.shown.count, 3, "dialogs shown")
            print(String(format: "     cancel to dialog taken down: %.1f ms (engine call), %.1f ms (hot path)", engineCall, hotCall))
        }
    }
}
