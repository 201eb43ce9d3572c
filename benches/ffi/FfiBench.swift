// FFI benchmark (issues #6, #14), Swift. In one process, interleaved rounds,
// medians, every case beside its floors, each measured twice: off the main actor
// (a detached task, the global executor) and from the main actor (the async
// main's loop; on Linux libdispatch drains the main queue — the main actor's
// executor — on a worker thread after dispatch_main, so the check is
// MainActor.preconditionIsolated, not Thread.isMainThread):
//   (a) a hand-written map lookup: a Dictionary behind an NSLock — no FFI at all
//   (b) the cheapest crossing: a sync export, no argument → Bool (ffiBenchBool)
//   (c) the record crossing: a sync export, Caller + String → ApiResult (ffiBenchSyncNoop)
//   (d) the same made async, awaited (ffiBenchNoop, authorize's exact signature)
//   (e) authorize on a granted scope today: AuthEngine.authorize(_:scope:), awaited
//   (f) the caller handle's cached answer alone: a UInt32 in, Bool out (isAllowedNow)
//   (g) the layer's hot path: MiniAppCaller.authorize(_:) on a granted scope, awaited
//   (h) a guarded API's gate today: AuthEngine.ensure(_:api:) ("startRecord"), awaited
//   (i) the layer's gate: MiniAppCaller.ensure(_:) on a granted scope, awaited
// The floors (b)–(d) exist only in builds with the `ffi-bench` feature.
// Targets (#14): (g) ≤ 2× (c), off the main actor and from it, computed from
// this run (medians of per-round ratios).
//   benches/ffi/run.sh swift            the measurement
//   benches/ffi/run.sh swift --smoke    a few calls, to prove it still runs

import Foundation
import MiniAppAuth
import MiniAppAuthBindings

/// A person who allows everything, for the layer's engine (in the layer's own
/// types; this file imports both modules, which name their types alike).
final class AllowAll: MiniAppAuth.ConsentUi, @unchecked Sendable {
    func askScope(_ request: MiniAppAuth.ScopeRequest) async throws -> MiniAppAuth.ConsentDecision { .allow }
    func showSettings(_ request: MiniAppAuth.SettingsRequest) async throws -> MiniAppAuth.SettingsAnswer {
        MiniAppAuth.SettingsAnswer(items: request.items, subscriptions: request.subscriptions)
    }
    func askPrivacy(_ request: MiniAppAuth.PrivacyRequest) async throws -> MiniAppAuth.PrivacyDecision { .agree }
    func showPrivacyContract(_ request: MiniAppAuth.PrivacyRequest) async throws {}
    func askSubscribe(_ request: MiniAppAuth.SubscribeRequest) async throws -> MiniAppAuth.SubscribeAnswer { .appBanned }
}

/// The same for the generated engine the floors are called on (in the generated types).
final class AllowAllGenerated: MiniAppAuthBindings.ConsentUi, @unchecked Sendable {
    func askScope(request: MiniAppAuthBindings.ScopeRequest) async throws -> MiniAppAuthBindings.ConsentDecision { .allow }
    func showSettings(request: MiniAppAuthBindings.SettingsRequest) async throws -> MiniAppAuthBindings.SettingsAnswer {
        MiniAppAuthBindings.SettingsAnswer(items: request.items, subscriptions: request.subscriptions)
    }
    func askPrivacy(request: MiniAppAuthBindings.PrivacyRequest) async throws -> MiniAppAuthBindings.PrivacyDecision { .agree }
    func showPrivacyContract(request: MiniAppAuthBindings.PrivacyRequest) async throws {}
    func askSubscribe(request: MiniAppAuthBindings.SubscribeRequest) async throws -> MiniAppAuthBindings.SubscribeAnswer { .appBanned }
    func askScopeWithPrivacy(request: MiniAppAuthBindings.ScopeRequest) async throws -> MiniAppAuthBindings.CombinedDecision {
        MiniAppAuthBindings.CombinedDecision(decision: .allow, agreePrivacy: true)
    }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let names = [
    "(a) hand-written map: Dictionary behind an NSLock",
    "(b) UniFFI sync, no argument -> Bool",
    "(c) UniFFI sync, Caller + String -> ApiResult",
    "(d) UniFFI async, Caller + String -> ApiResult, awaited",
    "(e) authorize today: AuthEngine.authorize, granted",
    "(f) MiniAppCaller.isAllowedNow(Scope) alone",
    "(g) the layer: MiniAppCaller.authorize(Scope), granted",
    "(h) the gate today: AuthEngine.ensure(_:api:), granted",
    "(i) the layer: MiniAppCaller.ensure(GuardedApi), granted",
]

final class Bench: @unchecked Sendable {
    let engine: MiniAppAuth.AuthEngine
    let floors: MiniAppAuthBindings.AuthEngine
    /// The floors' caller (the generated record) and the layer's, the same identity.
    let caller: MiniAppAuthBindings.Caller
    let layerCaller: MiniAppAuth.Caller
    let miniApp: MiniAppCaller
    let scope: Scope
    let startRecord: GuardedApi
    let lock = NSLock()
    var map: [String: Bool] = [:]
    let key = "bench-user/wxBench/-/scope.record"
    let clock = ContinuousClock()

    init(engine: MiniAppAuth.AuthEngine, floors: MiniAppAuthBindings.AuthEngine) throws {
        self.engine = engine
        self.floors = floors
        caller = MiniAppAuthBindings.Caller(userId: "bench-user", appId: "wxBench", pluginId: nil, userGesture: false)
        layerCaller = MiniAppAuth.Caller(userId: "bench-user", appId: "wxBench")
        miniApp = try engine.caller(userId: "bench-user", appId: "wxBench")
        scope = engine.scope("scope.record")!
        startRecord = engine.guardedApi("startRecord")!
        for i in 0..<1000 { map["user\(i)/wxApp\(i)/-/scope.record"] = i % 2 == 0 }
        map[key] = true
    }

    @inline(__always) func lookup() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return map[key] == true
    }

    /// `calls` calls of case `c`, µs per call, on `actor` (the main actor, or
    /// nil: the global executor).
    func time(_ c: Int, _ calls: Int, on actor: isolated (any Actor)?) async -> Double {
        let start = clock.now
        switch c {
        case 0: for _ in 0..<calls { precondition(lookup()) }
        case 1: for _ in 0..<calls { precondition(floors.ffiBenchBool()) }
        case 2: for _ in 0..<calls { precondition(floors.ffiBenchSyncNoop(caller: caller, scope: "scope.record").ok) }
        case 3: for _ in 0..<calls { let r = await floors.ffiBenchNoop(caller: caller, scope: "scope.record"); precondition(r.ok) }
        case 4: for _ in 0..<calls { let r = await engine.authorize(layerCaller, scope: "scope.record"); precondition(r.ok) }
        case 5: for _ in 0..<calls { precondition(miniApp.isAllowedNow(scope)) }
        case 6: for _ in 0..<calls { let r = await miniApp.authorize(scope); precondition(r.ok) }
        case 7: for _ in 0..<calls { let r = await engine.ensure(layerCaller, api: "startRecord"); precondition(r.ok) }
        default: for _ in 0..<calls { let r = await miniApp.ensure(startRecord); precondition(r.ok) }
        }
        let d = clock.now - start
        // Still on the main actor after every await (checked, not assumed).
        if actor != nil { MainActor.preconditionIsolated("the main-actor case left the main actor") }
        return (Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12) / Double(calls)
    }
}

@main
struct FfiBench {
    @MainActor
    static func main() async throws {
        let smoke = CommandLine.arguments.contains("--smoke")
        let rounds = smoke ? 2 : 21
        let roundMillis = 40.0 // each case's share of a round, once calibrated
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("miniapp-auth-ffi-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let engine = try await MiniAppAuth.AuthEngine.open(path: dir.appendingPathComponent("bench.db").path, ui: AllowAll())
        try await engine.registerManifest(
            appId: "wxBench", manifestJson: #"{"permission":{"scope.userLocation":{"desc":"Benchmark"}}}"#)
        let floors = try MiniAppAuthBindings.AuthEngine.inMemory(ui: AllowAllGenerated(), config: nil)
        let bench = try Bench(engine: engine, floors: floors)
        let first = await engine.authorize(bench.layerCaller, scope: "scope.record")
        precondition(first.errMsg == "authorize:ok", first.errMsg)
        let viaLayer = await bench.miniApp.authorize(bench.scope)
        precondition(viaLayer == first, "the layer's answer differs from the full call's")
        let gate = await engine.ensure(bench.layerCaller, api: "startRecord")
        let gateViaLayer = await bench.miniApp.ensure(bench.startRecord)
        precondition(gate.ok && gateViaLayer == gate, "the layer's gate differs from the full call's")

        // Off the main actor: a detached task on the global executor.
        func off(_ c: Int, _ calls: Int) async -> Double {
            await Task.detached { await bench.time(c, calls, on: nil) }.value
        }
        func main(_ c: Int, _ calls: Int) async -> Double {
            await bench.time(c, calls, on: MainActor.shared)
        }
        // Calibration (and warm-up): calls per round so a case takes about roundMillis.
        var calls = [Int](repeating: 200, count: names.count)
        if !smoke {
            for c in names.indices {
                _ = await off(c, 2_000)
                let perCall = await off(c, 2_000)
                calls[c] = min(max(Int(roundMillis * 1000 / perCall), 200), 5_000_000)
            }
        }
        var offSamples = [[Double]](repeating: [], count: names.count)
        var mainSamples = [[Double]](repeating: [], count: names.count)
        // The order rotates every round, and off/on the main actor alternate.
        for round in 0..<rounds {
            for i in names.indices {
                let c = (i + round) % names.count
                if (i + round) % 2 == 0 {
                    offSamples[c].append(await off(c, calls[c]))
                    mainSamples[c].append(await main(c, calls[c]))
                } else {
                    mainSamples[c].append(await main(c, calls[c]))
                    offSamples[c].append(await off(c, calls[c]))
                }
            }
        }
        func ratio(_ s: [[Double]], _ c: Int, _ floor: Int) -> Double {
            median(s[c].indices.map { s[c][$0] / s[floor][$0] })
        }
        if smoke {
            // 200 calls: the figures would mean nothing.
            print("ffi: swift: smoke run ok (\(names.count) cases crossed \(rounds * 200) times each, off and on the main actor; not a measurement)")
        } else {
            print("ffi: swift: \(rounds) interleaved rounds of ~\(Int(roundMillis)) ms a case, medians; ratios are medians of per-round ratios")
            print("ffi: swift: " + "call".padding(toLength: 56, withPad: " ", startingAt: 0)
                + "  off main: µs/call  × (c)   on main: µs/call  × (c)")
            for c in names.indices {
                print("ffi: swift: " + names[c].padding(toLength: 56, withPad: " ", startingAt: 0) + String(
                    format: "  %17.3f %6.2f   %16.3f %6.2f",
                    median(offSamples[c]), ratio(offSamples, c, 2), median(mainSamples[c]), ratio(mainSamples, c, 2)))
            }
            let offRatio = ratio(offSamples, 6, 2)
            let mainRatio = ratio(mainSamples, 6, 2)
            print(String(format: "ffi: swift: target: the layer's authorize (g) ≤ 2× the record sync crossing (c), off the main actor: %.2f× — %@",
                         offRatio, offRatio <= 2 ? "met" : "not met"))
            print(String(format: "ffi: swift: target: the layer's authorize (g) ≤ 2× the record sync crossing (c), from the main actor: %.2f× — %@",
                         mainRatio, mainRatio <= 2 ? "met" : "not met"))
            print(String(format: "ffi: swift: (authorize today (e) is %.1f× (c) off the main actor and %.1f× from it)",
                         ratio(offSamples, 4, 2), ratio(mainSamples, 4, 2)))
            print(String(format: "ffi: swift: the layer's gate (i) is %.2f× (c) off the main actor and %.2f× from it; the gate today (h) %.1f× and %.1f×",
                         ratio(offSamples, 8, 2), ratio(mainSamples, 8, 2), ratio(offSamples, 7, 2), ratio(mainSamples, 7, 2)))
        }
    }
}
