// FFI benchmark (issue #6), Swift: `authorize` on a granted scope beside
// `ffiBenchNoop`, the same signature doing nothing (only in builds with the
// `ffi-bench` feature), called alternately in one run. What `authorize` costs
// beyond the no-op is our work; the no-op is the bare crossing.
//   benches/ffi/run.sh swift            the measurement
//   benches/ffi/run.sh swift --smoke    a few calls, to prove it still runs

import Foundation

/// A person who allows everything (the benchmark's one dialog).
final class AllowAll: ConsentUi, @unchecked Sendable {
    func askScope(request: ScopeRequest) async throws -> ConsentDecision { .allow }
    func showSettings(request: SettingsRequest) async throws -> SettingsAnswer {
        SettingsAnswer(items: request.items, subscriptions: request.subscriptions)
    }
    func askPrivacy(request: PrivacyRequest) async throws -> PrivacyDecision { .agree }
    func showPrivacyContract(request: PrivacyRequest) async throws {}
    func askSubscribe(request: SubscribeRequest) async throws -> SubscribeAnswer { .appBanned }
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

@main
struct FfiBench {
    static func main() async throws {
        let smoke = CommandLine.arguments.contains("--smoke")
        let calls = smoke ? 200 : 20_000
        let rounds = smoke ? 2 : 21
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("miniapp-auth-ffi-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let engine = try AuthEngine.open(dbPath: dir.appendingPathComponent("bench.db").path, ui: AllowAll())
        try engine.registerManifest(
            appId: "wxBench", manifestJson: #"{"permission":{"scope.userLocation":{"desc":"Benchmark"}}}"#)
        let caller = Caller(userId: "bench-user", appId: "wxBench", pluginId: nil, userGesture: false)
        let first = await engine.authorize(caller: caller, scope: "scope.record")
        precondition(first.errMsg == "authorize:ok", first.errMsg)

        let clock = ContinuousClock()
        func microseconds(_ d: Duration) -> Double {
            Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
        }
        func perCall(_ call: () async -> ApiResult) async -> Double {
            let start = clock.now
            for _ in 0..<calls {
                let r = await call()
                precondition(r.ok)
            }
            return microseconds(clock.now - start) / Double(calls)
        }
        func timeNoop() async -> Double {
            await perCall { await engine.ffiBenchNoop(caller: caller, scope: "scope.record") }
        }
        func timeAuthorize() async -> Double {
            await perCall { await engine.authorize(caller: caller, scope: "scope.record") }
        }
        var noop: [Double] = []
        var authorize: [Double] = []
        // Round 0 warms up; the order alternates so neither always goes first.
        for round in 0...rounds {
            let n: Double
            let a: Double
            if round % 2 == 0 {
                n = await timeNoop()
                a = await timeAuthorize()
            } else {
                a = await timeAuthorize()
                n = await timeNoop()
            }
            if round > 0 {
                noop.append(n)
                authorize.append(a)
            }
        }
        let n = median(noop)
        let a = median(authorize)
        if smoke {
            // 200 calls: the figures would mean nothing.
            print("ffi: swift: smoke run ok (both calls crossed \(rounds * calls) times; not a measurement)")
        } else {
            print(String(
                format: "ffi: swift: authorize %.2f µs/call, no-op crossing %.2f µs/call, our work adds %.0f%% (target ≤ 50%%); median of %d rounds of %d calls",
                a, n, (a - n) / n * 100, rounds, calls))
        }
    }
}
