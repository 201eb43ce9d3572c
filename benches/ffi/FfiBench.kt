// FFI benchmark (issue #6), Kotlin on the JVM through JNA: `authorize` on a
// granted scope beside `ffiBenchNoop`, the same signature doing nothing (only in
// builds with the `ffi-bench` feature), called alternately in one run. What
// `authorize` costs beyond the no-op is our work; the no-op is the bare crossing.
//   benches/ffi/run.sh kotlin            the measurement
//   benches/ffi/run.sh kotlin --smoke    a few calls, to prove it still runs

import com.miniappauth.internal.*
import java.nio.file.Files
import kotlinx.coroutines.runBlocking

/** A person who allows everything (the benchmark's one dialog). */
class AllowAll : ConsentUi {
    override suspend fun askScope(request: ScopeRequest) = ConsentDecision.Allow
    override suspend fun showSettings(request: SettingsRequest) = SettingsAnswer(request.items, request.subscriptions)
    override suspend fun askPrivacy(request: PrivacyRequest) = PrivacyDecision.AGREE
    override suspend fun showPrivacyContract(request: PrivacyRequest) {}
    override suspend fun askSubscribe(request: SubscribeRequest): SubscribeAnswer = SubscribeAnswer.AppBanned
}

fun median(values: List<Double>) = values.sorted()[values.size / 2]

fun main(args: Array<String>): Unit = runBlocking {
    val smoke = "--smoke" in args
    val calls = if (smoke) 200 else 20_000
    val rounds = if (smoke) 2 else 21
    val dir = Files.createTempDirectory("miniapp-auth-ffi-bench")
    val engine = AuthEngine.open(dir.resolve("bench.db").toString(), AllowAll())
    engine.registerManifest("wxBench", """{"permission":{"scope.userLocation":{"desc":"Benchmark"}}}""")
    val caller = Caller(userId = "bench-user", appId = "wxBench")
    check(engine.authorize(caller, "scope.record").errMsg == "authorize:ok")

    suspend fun perCall(call: suspend () -> ApiResult): Double {
        val start = System.nanoTime()
        repeat(calls) { check(call().ok) }
        return (System.nanoTime() - start).toDouble() / calls / 1000.0
    }
    val noop = mutableListOf<Double>()
    val authorize = mutableListOf<Double>()
    // Round 0 warms the JIT up; the order alternates so neither always goes first.
    for (round in 0..rounds) {
        val timeNoop = suspend { perCall { engine.ffiBenchNoop(caller, "scope.record") } }
        val timeAuthorize = suspend { perCall { engine.authorize(caller, "scope.record") } }
        val (n, a) = if (round % 2 == 0) {
            val n = timeNoop(); Pair(n, timeAuthorize())
        } else {
            val a = timeAuthorize(); Pair(timeNoop(), a)
        }
        if (round > 0) { noop.add(n); authorize.add(a) }
    }
    val n = median(noop)
    val a = median(authorize)
    val added = (a - n) / n * 100
    if (smoke) {
        // A cold JVM and 200 calls: the figures would mean nothing.
        println("ffi: kotlin: smoke run ok (both calls crossed ${rounds * calls} times; not a measurement)")
    } else {
        println("ffi: kotlin: authorize %.2f µs/call, no-op crossing %.2f µs/call, our work adds %.0f%% (target ≤ 50%%); median of %d rounds of %d calls"
            .format(a, n, added, rounds, calls))
    }
    engine.destroy()
    dir.toFile().deleteRecursively()
}
