// Scenarios for the host guide's and README's compiled Swift samples
// (docs/samples/ios/*.swift), and the check that the docs quote them verbatim.

import Foundation
import MiniAppAuth

/// The ```swift blocks right after a `<!-- compiled: PATH -->` line in README.md
/// and docs/host-guide.md (run.sh copies them next to the binary), with the path.
func quotedSamples(_ language: String) throws -> [(String, String)] {
    var found: [(String, String)] = []
    for doc in ["README.md", "docs/host-guide.md"] {
        let text = try String(contentsOfFile: doc, encoding: .utf8)
        var rest = Substring(text)
        while let marker = rest.range(of: "<!-- compiled: ") {
            rest = rest[marker.upperBound...]
            guard let end = rest.range(of: " -->") else { break }
            let path = String(rest[..<end.lowerBound])
            rest = rest[end.upperBound...]
            let fence = "\n```\(language)\n"
            guard !path.contains(" "), rest.hasPrefix(fence) else { continue }
            let body = rest.dropFirst(fence.count)
            guard let close = body.range(of: "```") else { break }
            found.append((path, String(body[..<close.lowerBound])))
            rest = body[close.upperBound...]
        }
    }
    return found
}

/// The UIKit lines' stand-in for the alert sample: records the alerts shown,
/// taps their buttons, counts the alerts taken down.
@MainActor
final class FakePresenter: AlertPresenter {
    private(set) var shown: [String] = []
    private(set) var dismissed = 0
    private var taps: [@MainActor (Int) -> Void] = []

    func present(title: String, message: String, buttons: [String],
                 tapped: @escaping @MainActor (Int) -> Void) -> (@MainActor () -> Void)? {
        shown.append("\(title) | \(message) | \(buttons.joined(separator: "/"))")
        taps.append(tapped)
        return { [weak self] in self?.dismissed += 1 }
    }

    /// The user taps button `index` of the oldest alert not tapped yet.
    func tap(_ index: Int) { taps.removeFirst()(index) }

    /// Waits (up to 10 s) until `count` alerts were shown.
    func waitForAlerts(_ count: Int) async throws {
        for _ in 0..<2000 where shown.count < count { try? await Task.sleep(nanoseconds: 5_000_000) }
        try expect(shown.count, count, "alerts shown")
    }
}

/// Forwards to another ConsentUi, counting the scope dialogs that returned or threw
/// (a dialog whose continuation leaked would never be counted).
final class Finishing: ConsentUi, @unchecked Sendable {
    private let lock = NSLock()
    private var _ended = 0
    let inner: any ConsentUi
    init(_ inner: any ConsentUi) { self.inner = inner }
    var ended: Int { lock.withLock { _ended } }

    func askScope(_ request: ScopeRequest) async throws -> ConsentDecision {
        defer { lock.withLock { _ended += 1 } }
        return try await inner.askScope(request)
    }
    func showSettings(_ request: SettingsRequest) async throws -> SettingsAnswer { try await inner.showSettings(request) }
    func askPrivacy(_ request: PrivacyRequest) async throws -> PrivacyDecision { try await inner.askPrivacy(request) }
    func showPrivacyContract(_ request: PrivacyRequest) async throws { try await inner.showPrivacyContract(request) }
    func askSubscribe(_ request: SubscribeRequest) async throws -> SubscribeAnswer { try await inner.askSubscribe(request) }
}

/// The sync sample's backend, in memory: a list of records per user, in commit
/// order; a cursor is a position in it; pages of `pageSize`. While `down`, every
/// call fails as a network would.
actor MemoryBackend: SyncTransport {
    struct Unreachable: Error {}
    private var lists: [String: [String]] = [:]
    private let pageSize: Int
    var down = false
    private(set) var pushes = 0

    init(pageSize: Int = 2) { self.pageSize = pageSize }

    func setDown(_ down: Bool) { self.down = down }

    func push(userId: String, records: [String]) async throws {
        if down { throw Unreachable() }
        lists[userId, default: []] += records
        pushes += 1
    }

    func pull(userId: String, cursor: String?) async throws -> (records: [String], nextCursor: String?) {
        if down { throw Unreachable() }
        let all = lists[userId] ?? []
        let from = min(cursor.flatMap { Int($0) } ?? 0, all.count)
        let page = Array(all[from..<min(from + pageSize, all.count)])
        return (page, String(from + page.count))
    }
}

/// A device's pull cursors, in memory (`UserDefaults` in an app).
final class MemoryCursors: PullCursors, @unchecked Sendable {
    private let lock = NSLock()
    private var cursors: [String: String?] = [:]
    func load(userId: String) -> String? { lock.withLock { cursors[userId] ?? nil } }
    func save(userId: String, cursor: String?) { lock.withLock { cursors[userId] = cursor } }
}

extension Scenarios {
    static func sampleScenarios() async {
        await scenario("the sync task: a decision on device A reaches device B through the backend; a down backend asks for a retry") {
            let backend = MemoryBackend()
            let (a, b) = (try await device(), try await device())
            let taskA = SyncTask(engine: a, transport: backend, cursors: MemoryCursors())
            let taskB = SyncTask(engine: b, transport: backend, cursors: MemoryCursors())
            for (scope, granted) in [("scope.record", true), ("scope.camera", false), ("scope.userLocation", true)] {
                try await a.setGrant(userId: "u1", appId: "wxA", scope: scope, granted: granted, pluginId: nil)
            }
            await backend.setDown(true)
            try expect(try await taskA.run(userId: "u1"), .retryLater, "A while the backend is down")
            try expect(try await a.syncState(userId: "u1").pending, 3, "nothing marked uploaded")
            await backend.setDown(false)
            try expect(try await taskA.run(userId: "u1"), .synced, "A's run")
            try expect(try await a.syncState(userId: "u1").pending, 0, "A's records marked uploaded")
            try expect(try await taskB.run(userId: "u1"), .synced, "B's run")
            let setting = await b.getSetting(me()).json
            for scope in [#""scope.record":true"#, #""scope.camera":false"#, #""scope.userLocation":true"#] {
                try expect(setting.contains(scope), true, "B's getSetting has \(scope): \(setting)")
            }
            try expect(Set(try await b.listGrants(userId: "u1").map(\.source)), [.sync], "B's grants came by sync")
            // B's turn: its denial goes up, A pulls it (its own records come back as duplicates).
            try await b.setGrant(userId: "u1", appId: "wxA", scope: "scope.record", granted: false, pluginId: nil)
            let pushes = await backend.pushes
            try expect(try await taskB.run(userId: "u1"), .synced, "B's second run")
            try expect(await backend.pushes, pushes + 1, "B pushed its denial")
            try expect(try await taskA.run(userId: "u1"), .synced, "A's second run")
            try expect(await a.getSetting(me()).json.contains(#""scope.record":false"#), true, "A's getSetting after B's denial")
            try expect(try await taskA.run(userId: "u1"), .synced, "a run with nothing new")
            try expect(await backend.pushes, pushes + 1, "nothing pushed when nothing waits")
        }

        await scenario("the docs quote the compiled Swift samples verbatim (README, host guide)") {
            let quoted = try quotedSamples("swift")
            let files = try FileManager.default.contentsOfDirectory(atPath: "docs/samples/ios")
                .filter { $0.hasSuffix(".swift") }.map { "docs/samples/ios/\($0)" }
            try expect(Set(quoted.map { $0.0 }), Set(files), "every compiled sample is quoted, and only those")
            for (path, block) in quoted {
                try expect(block, try String(contentsOfFile: path, encoding: .utf8), "the quote of \(path)")
            }
        }

        await scenario("README quick start: open, register, authorize, the bridge") {
            let results = try await quickStart(dbPath: tempDb(), dialogs: ScriptedUi("allow"), appJson: "{}", tapped: false)
            try expect(results, [OK, #"{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}"#])
        }

        await scenario("the alert ConsentUi (a @MainActor class): taps answer; a timeout takes the alert down and ends its wait") {
            let presenter = FakePresenter()
            let alerts = AlertConsentUi()
            alerts.presenter = presenter
            let ui = Finishing(alerts)
            let engine = try AuthEngine.inMemory(ui: ui, config: EngineConfig { $0.dialogTimeoutMs = 300 })
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            let asking = Task { await engine.auth("scope.record") }
            try await presenter.waitForAlerts(1)
            try expect(presenter.shown[0], "Demo: Demo guide | Read and agree to the app's privacy guide to go on. | Disagree/Agree")
            presenter.tap(1)
            try await presenter.waitForAlerts(2)
            try expect(presenter.shown[1].hasPrefix("Demo would like to use "), true, presenter.shown[1])
            try expect(presenter.shown[1].hasSuffix(" | Don't Allow/Allow"), true, presenter.shown[1])
            presenter.tap(1)
            try expect(await asking.value, OK)
            try expect(presenter.dismissed, 0, "alerts taken down by the engine")
            // Nobody taps: the engine gives up, the task is cancelled, the alert goes
            // and the continuation is resumed (the dialog ends).
            try expect(await engine.auth("scope.userLocation"), #"{"errMsg":"authorize:fail dialog timed out","errno":5}"#)
            for _ in 0..<2000 where presenter.dismissed == 0 || ui.ended < 2 { try? await Task.sleep(nanoseconds: 5_000_000) }
            try expect(presenter.dismissed, 1, "alerts taken down by the engine")
            try expect(ui.ended, 2, "scope dialogs that ended (the timed-out one included)")
            alerts.presenter = nil
            try expect(await engine.auth("scope.bluetooth", me("u1", "wxB")), HOST_FAILED, "no view controller")
        }

        await scenario("the alert ConsentUi's combined dialog: one alert whose allow agrees to the contract too") {
            let presenter = FakePresenter()
            let alerts = AlertConsentUi()
            alerts.presenter = presenter
            let engine = try AuthEngine.inMemory(ui: alerts, config: EngineConfig { $0.combinedPrivacyDialog = true })
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            let asking = Task { await engine.auth("scope.record") }
            try await presenter.waitForAlerts(1)
            try expect(presenter.shown[0].hasSuffix(" | Don't Allow/Agree to Demo guide and Allow"), true, presenter.shown[0])
            presenter.tap(1)
            try expect(await asking.value, OK)
            try expect(presenter.shown.count, 1, "no separate privacy alert")
            try expect(await engine.getPrivacySetting(me()).json.contains(#""needAuthorization":false"#), true, "agreed")
            alerts.presenter = nil
        }

        await scenario("the WKWebView bridge answers the allowed origin's main frame only, with the host's identity") {
            let engine = try AuthEngine.inMemory(ui: ScriptedUi("allow"))
            let bridge = MiniAppBridge(engine: engine, allowedOrigins: ["https://miniapp.example"], caller: { me(tap: true) })
            let call = #"{"api":"authorize","args":{"scope":"scope.record"}}"#
            let other = await bridge.reply(to: call, isMainFrame: true, origin: "https://evil.example")
            try expect(other.error, "not allowed")
            let frame = await bridge.reply(to: call, isMainFrame: false, origin: "https://miniapp.example")
            try expect(frame.error, "not allowed")
            let ok = await bridge.reply(to: call, isMainFrame: true, origin: "https://miniapp.example")
            try expect(ok.result, OK)
            let named = await bridge.reply(to: #"{"api":"getSetting","args":{},"user":"u2"}"#, isMainFrame: true, origin: "https://miniapp.example")
            try expect(named.result,
                #"{"errMsg":"getSetting:fail invalid request: unexpected field \"user\" (the caller's identity comes from the host)","errno":101}"#)
            try expect(try await engine.listGrants(userId: "u1").map { $0.scope }, ["scope.record"])
        }
    }
}
