// FFI benchmark (issues #6, #14), Kotlin on the JVM through JNA. In one process,
// interleaved rounds, medians, every case beside its floors:
//   (a) a hand-written map lookup (ConcurrentHashMap.get) — no FFI at all
//   (b) the cheapest crossing: a sync export, no argument → Boolean (ffiBenchBool)
//   (c) the record crossing: a sync export, Caller + String → ApiResult (ffiBenchSyncNoop)
//   (d) the same made async: a suspend call (ffiBenchNoop, authorize's exact signature)
//   (e) authorize on a granted scope today: AuthEngine.authorize(caller, scope), suspend
//   (f) the caller handle's cached answer alone: one Int in, Boolean out (authorizeCached)
//   (g) the layer's hot path: MiniAppCaller.authorize(scope) on a granted scope
//   (h) a guarded API's gate today: AuthEngine.ensure(caller, "startRecord"), suspend
//   (i) the layer's gate: MiniAppCaller.ensure(GuardedApi) on a granted scope
// The floors (b)–(d) exist only in builds with the `ffi-bench` feature.
// Target (#14): (g) ≤ 2× (b), computed from this run (median of per-round ratios).
//   benches/ffi/run.sh kotlin            the measurement
//   benches/ffi/run.sh kotlin --smoke    a few calls, to prove it still runs

import com.miniappauth.ApiResult
import com.miniappauth.AuthEngine
import com.miniappauth.Caller
import com.miniappauth.toGenerated
import com.miniappauth.ConsentDecision
import com.miniappauth.ConsentUi
import com.miniappauth.PrivacyDecision
import com.miniappauth.PrivacyRequest
import com.miniappauth.ScopeRequest
import com.miniappauth.SettingsAnswer
import com.miniappauth.SettingsRequest
import com.miniappauth.SubscribeAnswer
import com.miniappauth.SubscribeRequest
import java.nio.file.Files
import java.util.concurrent.ConcurrentHashMap
import kotlinx.coroutines.runBlocking

/** A person who allows everything (the benchmark's one dialog). */
class AllowAll : ConsentUi {
    override suspend fun askScope(request: ScopeRequest): ConsentDecision = ConsentDecision.Allow
    override suspend fun showSettings(request: SettingsRequest) = SettingsAnswer(request.items, request.subscriptions)
    override suspend fun askPrivacy(request: PrivacyRequest) = PrivacyDecision.AGREE
    override suspend fun showPrivacyContract(request: PrivacyRequest) {}
    override suspend fun askSubscribe(request: SubscribeRequest): SubscribeAnswer = SubscribeAnswer.AppBanned
}

fun median(values: List<Double>) = values.sorted()[values.size / 2]

val names = listOf(
    "(a) hand-written map: ConcurrentHashMap.get",
    "(b) UniFFI sync, no argument -> Boolean",
    "(c) UniFFI sync, Caller + String -> ApiResult",
    "(d) UniFFI async (suspend), Caller + String -> ApiResult",
    "(e) authorize today: AuthEngine.authorize, granted",
    "(f) CallerHandle.authorizeCached(Int) alone",
    "(g) the layer: MiniAppCaller.authorize(Scope), granted",
    "(h) the gate today: AuthEngine.ensure(caller, api), granted",
    "(i) the layer: MiniAppCaller.ensure(GuardedApi), granted",
)

/** [calls] calls of [body], µs per call; inlined, so each case is its own loop. */
inline fun timed(calls: Int, body: () -> Boolean): Double {
    val start = System.nanoTime()
    repeat(calls) { if (!body()) error("a call answered false") }
    return (System.nanoTime() - start).toDouble() / calls / 1000.0
}

fun main(args: Array<String>): Unit = runBlocking {
    val smoke = "--smoke" in args
    val rounds = if (smoke) 2 else 21
    val roundMillis = 60.0 // each case's share of a round, once calibrated
    val dir = Files.createTempDirectory("miniapp-auth-ffi-bench")
    val engine = AuthEngine.openBlocking(dir.resolve("bench.db").toString(), AllowAll())
    engine.registerManifest("wxBench", """{"permission":{"scope.userLocation":{"desc":"Benchmark"}}}""")
    val generated = engine.generated
    val caller = Caller(userId = "bench-user", appId = "wxBench")
    // The floors cross with the generated record (the layer converts its own at the boundary).
    val generatedCaller = caller.toGenerated()
    check(engine.authorize(caller, "scope.record").errMsg == "authorize:ok")
    val miniApp = engine.caller("bench-user", "wxBench")
    val scope = engine.scope("scope.record")!!
    val handle = generated.callerHandle("bench-user", "wxBench", null)
    val number = scope.number.toUInt()
    check(miniApp.authorize(scope) == engine.authorize(caller, "scope.record"))
    val startRecord = engine.guardedApi("startRecord")!!
    check(miniApp.ensure(startRecord) == engine.ensure(caller, "startRecord"))
    check(miniApp.ensure(startRecord).ok)
    val map = ConcurrentHashMap<String, Boolean>()
    for (i in 0 until 1000) map["user$i/wxApp$i/-/scope.record"] = i % 2 == 0
    map["bench-user/wxBench/-/scope.record"] = true
    val key = "bench-user/wxBench/-/scope.record"

    suspend fun time(case: Int, calls: Int): Double = when (case) {
        0 -> timed(calls) { map[key] == true }
        1 -> timed(calls) { generated.ffiBenchBool() }
        2 -> timed(calls) { generated.ffiBenchSyncNoop(generatedCaller, "scope.record").ok }
        3 -> timed(calls) { generated.ffiBenchNoop(generatedCaller, "scope.record").ok }
        4 -> timed(calls) { engine.authorize(caller, "scope.record").ok }
        5 -> timed(calls) { handle.authorizeCached(number) }
        6 -> timed(calls) { miniApp.authorize(scope).ok }
        7 -> timed(calls) { engine.ensure(caller, "startRecord").ok }
        else -> timed(calls) { miniApp.ensure(startRecord).ok }
    }

    // Calibration (also the JIT's warm-up): calls per round so each case takes
    // about roundMillis (the map needs millions, the async crossing hundreds).
    val calls = IntArray(names.size) { case ->
        if (smoke) 200 else {
            time(case, 2_000)
            val perCall = time(case, 2_000)
            (roundMillis * 1000.0 / perCall).toInt().coerceIn(200, 5_000_000)
        }
    }
    val samples = List(names.size) { mutableListOf<Double>() }
    // The order rotates every round so no case always follows the same one.
    for (round in 0 until rounds) {
        for (i in names.indices) {
            val case = (i + round) % names.size
            samples[case].add(time(case, calls[case]))
        }
    }
    val medians = samples.map(::median)
    fun ratio(case: Int, floor: Int) = median(samples[case].indices.map { samples[case][it] / samples[floor][it] })

    if (smoke) {
        // A cold JVM and 200 calls: the figures would mean nothing.
        println("ffi: kotlin: smoke run ok (${names.size} cases crossed ${rounds * 200} times each; not a measurement)")
    } else {
        println("ffi: kotlin: JVM ${System.getProperty("java.version")}, ${rounds} interleaved rounds of ~${roundMillis.toInt()} ms a case, medians; ratios are medians of per-round ratios")
        println("ffi: kotlin: %-58s %10s %8s %8s".format("call", "µs/call", "× (b)", "× (c)"))
        for (case in names.indices) {
            println("ffi: kotlin: %-58s %10.3f %8.2f %8.2f".format(names[case], medians[case], ratio(case, 1), ratio(case, 2)))
        }
        val r = ratio(6, 1)
        println("ffi: kotlin: target: the layer's authorize (g) ≤ 2× the no-argument sync crossing (b): %.2f× — %s"
            .format(r, if (r <= 2.0) "met" else "not met"))
        val e = ratio(4, 1)
        println("ffi: kotlin: (authorize today (e) is %.1f× (b); the layer's authorize is %.1f× faster than it)"
            .format(e, medians[4] / medians[6]))
        println("ffi: kotlin: the layer's gate (i) is %.2f× (b); the gate today (h) %.1f× (b)"
            .format(ratio(8, 1), ratio(7, 1)))
    }
    miniApp.close()
    handle.close()
    engine.close()
    dir.toFile().deleteRecursively()
}
