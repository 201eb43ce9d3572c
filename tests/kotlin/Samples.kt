// Scenarios for the host guide's and README's compiled Kotlin samples
// (docs/samples/android/*.kt), and the check that the docs quote them verbatim.

import com.example.host.ConsentDialogs
import com.example.host.MiniAppBridge
import com.example.host.PullCursors
import com.example.host.Pulled
import com.example.host.SyncOutcome
import com.example.host.SyncTransport
import com.example.host.SyncWorker
import com.example.host.quickStart
import com.miniappauth.*
import java.io.File
import kotlinx.coroutines.*
import kotlinx.coroutines.flow.first

/** The repository, for reading the docs (run.sh passes it). */
val repoRoot: File get() = File(System.getProperty("miniapp.auth.root") ?: error("-Dminiapp.auth.root is not set"))

/**
 * Every ```kotlin / ```swift block right after a `<!-- compiled: PATH -->` line in
 * README.md and docs/host-guide.md, with the file it quotes.
 */
fun quotedSamples(language: String): List<Pair<String, String>> =
    listOf("README.md", "docs/host-guide.md").flatMap { doc ->
        val text = File(repoRoot, doc).readText()
        Regex("<!-- compiled: ([^ ]+) -->\\n```$language\\n(.*?)```", RegexOption.DOT_MATCHES_ALL)
            .findAll(text).map { it.groupValues[1] to it.groupValues[2] }.toList()
    }

/**
 * The sync sample's backend, in memory: a list of records per user, in commit order; a
 * cursor is a position in it; pages of [pageSize]. While [down], every call fails as a
 * network would ([java.io.IOException]).
 */
class MemoryBackend(private val pageSize: Int = 2) : SyncTransport {
    private val lists = mutableMapOf<String, MutableList<String>>()
    @Volatile var down = false
    var pushes = 0

    private fun reachable() { if (down) throw java.io.IOException("the backend is unreachable") }

    override suspend fun push(userId: String, records: List<String>) {
        reachable()
        synchronized(lists) { lists.getOrPut(userId) { mutableListOf() } += records }
        pushes++
    }

    override suspend fun pull(userId: String, cursor: String?): Pulled {
        reachable()
        val all = synchronized(lists) { lists[userId].orEmpty().toList() }
        val from = cursor?.toInt() ?: 0
        val page = all.drop(from).take(pageSize)
        return Pulled(page, (from + page.size).toString())
    }
}

/** A device's pull cursors, in memory (DataStore in an app). */
class MemoryCursors : PullCursors {
    private val cursors = mutableMapOf<String, String?>()
    override fun load(userId: String): String? = cursors[userId]
    override fun save(userId: String, cursor: String?) { cursors[userId] = cursor }
}

fun sampleScenarios() {
    scenario("the docs quote the compiled Kotlin samples verbatim (README, host guide)") {
        val quoted = quotedSamples("kotlin")
        val files = File(repoRoot, "docs/samples/android").listFiles { f -> f.name.endsWith(".kt") }!!.map { "docs/samples/android/${it.name}" }
        expect(quoted.map { it.first }.toSet(), files.toSet(), "every compiled sample is quoted, and only those")
        for ((path, block) in quoted) expect(block, File(repoRoot, path).readText(), "the quote of $path")
        // The host guide's own hint that a snippet is not compiled is there too.
        check(File(repoRoot, "docs/host-guide.md").readText().contains("not compiled")) { "the guide says what is not compiled" }
    }

    scenario("README quick start: open, register, authorize, the bridge") {
        val (authorized, setting) = quickStart(tempDb(), ScriptedUi("allow"), "{}", tapped = false)
        expect(authorized, OK)
        expect(setting, """{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}""")
    }

    scenario("the sync worker: a decision on device A reaches device B through the backend; a down backend asks for a retry") {
        val backend = MemoryBackend()
        val (a, b) = device() to device()
        val (workerA, workerB) = SyncWorker(a, backend, MemoryCursors()) to SyncWorker(b, backend, MemoryCursors())
        a.setGrant("u1", "wxA", "scope.record", true)
        a.setGrant("u1", "wxA", "scope.camera", false)
        a.setGrant("u1", "wxA", "scope.userLocation", true)
        backend.down = true
        expect(workerA.doWork("u1"), SyncOutcome.RETRY, "A while the backend is down")
        expect(a.syncState("u1").pending, 3L, "nothing marked uploaded")
        backend.down = false
        expect(workerA.doWork("u1"), SyncOutcome.SUCCESS, "A's run")
        expect(a.syncState("u1").pending, 0L, "A's records marked uploaded")
        expect(workerB.doWork("u1"), SyncOutcome.SUCCESS, "B's run")
        val setting = b.getSetting(me(), false).json
        for (scope in listOf("\"scope.record\":true", "\"scope.camera\":false", "\"scope.userLocation\":true")) {
            check(setting.contains(scope)) { "B's getSetting has no $scope: $setting" }
        }
        expect(b.listGrants("u1").map { it.source }.toSet(), setOf(DecisionSource.SYNC), "B's grants came by sync")
        // B's turn: its denial goes up, A pulls it (its own records come back as duplicates).
        b.setGrant("u1", "wxA", "scope.record", false)
        val pushes = backend.pushes
        expect(workerB.doWork("u1"), SyncOutcome.SUCCESS, "B's second run")
        expect(backend.pushes, pushes + 1, "B pushed its denial")
        expect(workerA.doWork("u1"), SyncOutcome.SUCCESS, "A's second run")
        check(a.getSetting(me(), false).json.contains("\"scope.record\":false")) { "A still grants scope.record" }
        expect(workerA.doWork("u1"), SyncOutcome.SUCCESS, "a run with nothing new")
        expect(backend.pushes, pushes + 1, "nothing pushed when nothing waits")
    }

    scenario("the dialog holder survives Activity recreation: the second Activity's answer completes the same call") {
        val dialogs = ConsentDialogs()
        val engine = AuthEngine.open(tempDb(), dialogs, EngineConfig { dialogTimeoutMs = 60_000 })
        val started = System.nanoTime()
        coroutineScope {
            val call = async(Dispatchers.Default) { engine.authorize(me(), "scope.record").json }
            // The first Activity shows the dialog, then is destroyed (rotation) before the user answers.
            val firstActivity = launch {
                val shown = dialogs.pending.first { it.isNotEmpty() }.first()
                check(shown is ConsentDialogs.Pending.Scope && shown.request.scope == "scope.record") { "shown: $shown" }
                awaitCancellation() // the dialog is up until the Activity goes
            }
            delay(100)
            val before = dialogs.pending.value.single()
            firstActivity.cancelAndJoin()
            delay(100)
            expect(call.isActive, true, "the call still waits after the first Activity is gone")
            // The recreated Activity finds the same request pending and the user answers there.
            val again = dialogs.pending.first { it.isNotEmpty() }.single()
            expect(again.id, before.id, "the same request")
            dialogs.answer(again as ConsentDialogs.Pending.Scope, ConsentDecision.Allow)
            expect(call.await(), OK)
        }
        val seconds = (System.nanoTime() - started) / 1e9
        check(seconds < 10) { "took $seconds s, as if it had waited for the 60 s dialog timeout" }
        expect(dialogs.pending.value, emptyList<ConsentDialogs.Pending>(), "nothing pending after the answer")
        expect(engine.authorize(me(), "scope.record").json, OK)
        // When the engine gives up (its timeout), the request leaves the list: the Activity takes the dialog down.
        val quick = AuthEngine.open(tempDb(), dialogs, EngineConfig { dialogTimeoutMs = 200 })
        expect(quick.authorize(me(), "scope.camera").json, """{"errMsg":"authorize:fail dialog timed out","errno":5}""")
        withTimeout(5_000) { dialogs.pending.first { it.isEmpty() } }
        // An app's screen shows that app's dialogs only.
        val two = AuthEngine.open(tempDb(), dialogs, EngineConfig { dialogTimeoutMs = 60_000 })
        coroutineScope {
            val a = async(Dispatchers.Default) { two.authorize(me(app = "wxA"), "scope.record").json }
            val b = async(Dispatchers.Default) { two.authorize(me(app = "wxB"), "scope.record").json }
            withTimeout(5_000) { dialogs.pending.first { it.size == 2 } }
            val forB = dialogs.pendingFor("wxB").first().single() as ConsentDialogs.Pending.Scope
            expect(forB.request.appId, "wxB", "wxB's screen")
            dialogs.answer(forB, ConsentDecision.Deny)
            expect(b.await(), DENY)
            expect(dialogs.pendingFor("wxB").first(), emptyList<ConsentDialogs.Pending>(), "wxB's screen after")
            val forA = dialogs.pendingFor("wxA").first().single() as ConsentDialogs.Pending.Scope
            dialogs.answer(forA, ConsentDecision.Allow)
            expect(a.await(), OK)
        }
    }

    scenario("the dialog holder's combined dialog: the privacy checkbox on the consent dialog") {
        val dialogs = ConsentDialogs()
        val engine = AuthEngine.open(tempDb(), dialogs, EngineConfig { combinedPrivacyDialog = true })
        engine.registerManifest("wxA", MANIFEST)
        coroutineScope {
            val call = async(Dispatchers.Default) { engine.authorize(me(), "scope.record").json }
            val shown = withTimeout(5_000) { dialogs.pending.first { it.isNotEmpty() }.single() }
            check(shown is ConsentDialogs.Pending.ScopeWithPrivacy) { "shown: $shown" }
            expect(shown.request.privacyContract?.contractName, "Demo guide", "the checkbox's contract")
            dialogs.answer(shown, ConsentDecision.Allow, agreePrivacy = true)
            expect(call.await(), OK)
        }
        expect(engine.getPrivacySetting(me()).json.contains("\"needAuthorization\":false"), true, "agreed")
    }

    scenario("the WebView bridge answers the allowed origin's main frame only, with the host's identity") {
        val engine = AuthEngine.inMemory(ScriptedUi("allow"))
        coroutineScope {
            val replies = kotlinx.coroutines.channels.Channel<String>(16)
            val bridge = MiniAppBridge(engine, this, setOf("https://miniapp.example"), { me(tap = true) })
            bridge.onPostMessage("https://evil.example", true, "1\n{\"api\":\"authorize\",\"args\":{\"scope\":\"scope.record\"}}") { replies.trySend(it) }
            bridge.onPostMessage("https://miniapp.example", false, "2\n{\"api\":\"authorize\",\"args\":{\"scope\":\"scope.record\"}}") { replies.trySend(it) }
            bridge.onPostMessage("https://miniapp.example", true, "3\n{\"api\":\"authorize\",\"args\":{\"scope\":\"scope.record\"}}") { replies.trySend(it) }
            expect(replies.receive(), "3\n$OK", "the allowed main frame's reply")
            bridge.onPostMessage("https://miniapp.example", true, "4\n{\"api\":\"getSetting\",\"args\":{},\"user\":\"u2\"}") { replies.trySend(it) }
            expect(
                replies.receive(),
                "4\n{\"errMsg\":\"getSetting:fail invalid request: unexpected field \\\"user\\\" (the caller's identity comes from the host)\",\"errno\":101}",
                "a payload naming a user",
            )
            // The page cannot agree to the privacy contract for the user: the runtime's call only.
            bridge.onPostMessage("https://miniapp.example", true, "5\n{\"api\":\"agreePrivacyAuthorization\",\"args\":{}}") { replies.trySend(it) }
            expect(replies.receive(), "5\n{\"errMsg\":\"agreePrivacyAuthorization:fail api is not supported\",\"errno\":100}", "a page's agree")
            delay(100)
            expect(replies.tryReceive().getOrNull(), null, "no reply to another origin or a sub-frame")
        }
        expect(engine.listGrants("u1").map { it.scope }, listOf("scope.record"))
    }
}
