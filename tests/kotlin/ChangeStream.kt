// The change stream (AuthEngine.grantChanges, a Flow) and the log sink, through
// the layer.

import com.miniappauth.*
import java.io.File
import java.util.Collections
import kotlinx.coroutines.*
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList

/** How many of the core's grant-watch threads ("miniapp-auth-watch", 15 chars in comm) this process has. */
fun watchThreads(): Int =
    File("/proc/self/task").listFiles()!!.count { task ->
        runCatching { File(task, "comm").readText().trim() }.getOrDefault("") == "miniapp-auth-wa"
    }

fun List<Grant>.summary(): List<String> = map { "${it.appId}:${it.scope}:${it.state}" }.sorted()

fun changeStreamScenarios() {
    scenario("grantChanges: a dialog, administration and a second engine on the same file; cancelling ends the observation") {
        val path = tempDb()
        val engine = AuthEngine.open(path, ScriptedUi("allow"))
        val seen = Channel<List<String>>(Channel.UNLIMITED)
        coroutineScope {
            val collecting = launch(Dispatchers.Default) {
                engine.grantChanges("u1").collect { seen.send(it.summary()) }
            }
            suspend fun until(what: String, wanted: List<String>) = withTimeout(10_000) {
                while (true) { if (seen.receive() == wanted) break }
            }.also { println("     seen: $what") }
            until("the grants as they are (none)", emptyList())
            expect(watchThreads(), 1, "the core's watch thread while collecting")
            // A dialog.
            expect(engine.auth("scope.record"), OK)
            until("the dialog's grant", listOf("wxA:scope.record:GRANTED"))
            // Administration: set, then revoke.
            engine.setGrant("u1", "wxA", "scope.camera", false)
            until("the host's set", listOf("wxA:scope.camera:DENIED", "wxA:scope.record:GRANTED"))
            engine.revokeGrant("u1", "wxA", "scope.record")
            until("the host's revoke", listOf("wxA:scope.camera:DENIED"))
            // A second engine on the same file (as another process would be).
            AuthEngine.open(path, ScriptedUi()).use { other ->
                other.setGrant("u1", "wxB", "scope.bluetooth", true)
            }
            until("the second engine's write", listOf("wxA:scope.camera:DENIED", "wxB:scope.bluetooth:GRANTED"))
            // Another user's change is not this user's stream: u1 is told nothing new.
            engine.setGrant("u2", "wxA", "scope.camera", true)
            delay(600)
            expect(seen.tryReceive().getOrNull(), null, "a value after another user's change")
            // Cancelling the collection cancels the observation: the watch thread ends.
            collecting.cancelAndJoin()
            withTimeout(5_000) { while (watchThreads() > 0) delay(20) }
            engine.setGrant("u1", "wxA", "scope.camera", true)
            delay(600) // more than the watch's 250 ms look at other writers
            val after = generateSequence { seen.tryReceive().getOrNull() }.toList()
            check(after.none { it.contains("wxA:scope.camera:GRANTED") }) { "a change arrived after cancelling: $after" }
        }
        // take(1) ends its own collection too.
        expect(engine.grantChanges("u1").take(1).toList().single().summary(),
            listOf("wxA:scope.camera:GRANTED", "wxB:scope.bluetooth:GRANTED"))
        withTimeout(5_000) { while (watchThreads() > 0) delay(20) }
        try {
            engine.grantChanges("").first()
            throw AssertionError("an empty user id was observed")
        } catch (e: MiniAppAuthException.InvalidArgument) {
            check(e.message!!.startsWith("invalid argument: ")) { e.message!! }
        }
    }

    scenario("the log sink (a lambda) gets the core's records; null stops them") {
        val records = Collections.synchronizedList(mutableListOf<LogRecord>())
        expect(MiniAppAuthLog.setSink(LogLevel.DEBUG) { records.add(it) }, true, "installed")
        val ui = ScriptedUi("hold")
        val engine = AuthEngine.open(tempDb(), ui, EngineConfig { dialogTimeoutMs = 100 })
        expect(engine.auth("scope.record"), """{"errMsg":"authorize:fail dialog timed out","errno":5}""")
        withTimeout(5_000) { while (records.none { it.level == LogLevel.WARN }) delay(10) }
        val warning = records.first { it.level == LogLevel.WARN }
        check(warning.target.startsWith("miniapp_auth")) { warning.target }
        check(warning.message.isNotBlank())
        expect(MiniAppAuthLog.setSink(LogLevel.DEBUG, null), true, "removed")
        val count = records.size
        val ui2 = ScriptedUi("hold")
        val engine2 = AuthEngine.open(tempDb(), ui2, EngineConfig { dialogTimeoutMs = 100 })
        expect(engine2.auth("scope.record"), """{"errMsg":"authorize:fail dialog timed out","errno":5}""")
        delay(200)
        expect(records.size, count, "records after the sink was removed")
        println("     a record: ${warning.level} ${warning.target}: ${warning.message}")
    }
}

fun metricsScenarios() {
    scenario("the metrics sink (a lambda) gets a dialog's events with the layer's types; null stops them") {
        val events = Collections.synchronizedList(mutableListOf<MetricEvent>())
        MiniAppAuthMetrics.setSink { events.add(it) }
        try {
            val engine = AuthEngine.open(tempDb(), ScriptedUi("allow"))
            expect(engine.authorize(me(app = "wxMetrics"), "scope.record").json, OK)
            withTimeout(5_000) { while (events.none { it.name == MetricName.DIALOG_ANSWERED }) delay(10) }
            val shown = events.single { it.name == MetricName.DIALOG_SHOWN && it.appId == "wxMetrics" }
            expect(shown.dialog, DialogKind.SCOPE, "shown dialog")
            expect(shown.scope, "scope.record", "shown scope")
            val answered = events.single { it.name == MetricName.DIALOG_ANSWERED && it.appId == "wxMetrics" }
            expect(answered.answer, DialogAnswer.ALLOW, "answer")
            check((answered.durationUs ?: -1) >= 0) { "a duration: $answered" }
            check(events.any { it.name == MetricName.COMMIT }) { "no commit event: $events" }
        } finally {
            MiniAppAuthMetrics.setSink(null)
        }
        delay(200) // a delivery already under way when the sink was removed may still land
        val count = events.size
        val engine = AuthEngine.open(tempDb(), ScriptedUi("deny"))
        engine.authorize(me(app = "wxMetrics2"), "scope.record")
        delay(200)
        expect(events.size, count, "events after the sink was removed")
    }
}
