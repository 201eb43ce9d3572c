// Closing an engine through the layer (issue #21): close() with a dialog open
// takes the dialog down (the host's coroutine cancelled) and answers the mini
// app's call; grantChanges flows complete; the file's descriptors go; later
// calls answer `engine closed` (mini-app calls) or throw
// MiniAppAuthException.Closed (administration) — never IllegalStateException.

import com.miniappauth.*
import java.io.File
import kotlinx.coroutines.*
import kotlinx.coroutines.flow.toList

const val ENGINE_CLOSED = """{"errMsg":"authorize:fail engine closed","errno":1305}"""

/** This process's descriptors on the database file or its -wal. */
fun descriptorsOn(path: String): List<String> =
    File("/proc/self/fd").listFiles()!!.mapNotNull { fd ->
        runCatching { fd.canonicalPath }.getOrNull()
    }.filter { it == path || it == "$path-wal" }

fun lifecycleScenarios() {
    scenario("close() with a dialog open: the dialog is taken down, the call answers, the stream completes, the file closes") {
        val path = File(tempDb()).canonicalPath
        val ui = ScriptedUi("hold")
        val engine = AuthEngine.open(path, ui)
        coroutineScope {
            val stream = async(Dispatchers.Default) { engine.grantChanges("u1").toList() }
            val asking = async(Dispatchers.Default) { engine.auth("scope.record") }
            withTimeout(10_000) { while (ui.held.isEmpty()) delay(5) }
            check(descriptorsOn(path).isNotEmpty()) { "the file is not open" }
            engine.close()
            // Before close() returned: the host's dialog coroutine is cancelled (its own
            // cleanup — the catch block counting `cancelled` — runs next, on its dispatcher).
            expect(ui.heldJobs.single().isCancelled, true, "the host's dialog coroutine cancelled")
            expect(descriptorsOn(path), emptyList<String>(), "descriptors left on the file")
            expect(asking.await(), ENGINE_CLOSED)
            withTimeout(5_000) { while (ui.cancelled.get() < 1) delay(1) }
            // The stream completed (a collector on a logout screen does not hang).
            withTimeout(5_000) { stream.await() }
        }
        expect(engine.isClosed, true)
    }

    scenario("after shutdown(): mini-app calls answer 1305, administration and new streams throw Closed") {
        val engine = AuthEngine.open(tempDb(), ScriptedUi())
        engine.setGrant("u1", "wxA", "scope.record", true)
        val caller = engine.caller("u1", "wxA")
        val record = engine.scope("scope.record")!!
        expect(caller.isAllowedNow(record), true)
        engine.shutdown()
        engine.close() // again: nothing happens
        expect(caller.isAllowedNow(record), false)
        expect(caller.authorize(record).json, ENGINE_CLOSED)
        expect(engine.auth("scope.record"), ENGINE_CLOSED)
        expect(engine.handle(me(), """{"api":"getSetting","args":{}}"""),
            """{"errMsg":"getSetting:fail engine closed","errno":1305}""")
        for ((what, call) in listOf<Pair<String, suspend () -> Unit>>(
            "listGrants" to { engine.listGrants("u1") },
            "setGrant" to { engine.setGrant("u1", "wxA", "scope.camera", true) },
            "grantChanges" to { engine.grantChanges("u1").toList() },
        )) {
            try {
                call()
                throw AssertionError("$what after close did not throw")
            } catch (e: MiniAppAuthException.Closed) {
                expect(e.message, "the engine was closed", what)
            }
        }
    }
}

fun cancellationScenarios() {
    scenario("cancelling a call's coroutine reaches the core: the dialog is taken down and the slot freed") {
        val ui = ScriptedUi("hold", "deny")
        val engine = AuthEngine.open(tempDb(), ui)
        coroutineScope {
            val asking = launch(Dispatchers.Default) { engine.auth("scope.record") }
            withTimeout(10_000) { while (ui.held.isEmpty()) delay(5) }
            val start = System.nanoTime()
            asking.cancelAndJoin()
            withTimeout(10_000) { while (ui.cancelled.get() < 1) delay(1) }
            val ms = (System.nanoTime() - start) / 1e6
            // The slot is free and nothing was decided: the next call asks.
            expect(engine.auth("scope.record"), """{"errMsg":"authorize:fail auth deny","errno":103}""")
            expect(ui.shown.size, 2, "dialogs shown")
            println("     cancel to dialog taken down: %.1f ms".format(ms))
        }
    }
}
