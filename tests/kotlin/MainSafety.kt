// Main safety (SPEC §5): every call a host makes through the layer, awaited from
// a single-thread dispatcher named "main" (a stand-in for Dispatchers.Main), must
// leave that thread free of database I/O. This program only makes the calls and
// prints the "main" thread's Linux thread id; tests/kotlin/run.sh runs it under
// strace and scripts/check-main-thread-io.py fails it if that thread did any
// pread64, pwrite64, fsync or fdatasync on the database files.

import com.miniappauth.*
import java.nio.file.Files
import java.nio.file.Paths
import kotlinx.coroutines.*
import kotlinx.coroutines.flow.first

object MainSafety {
    /** This thread's Linux thread id ("/proc/thread-self" links to "PID/task/TID"). */
    private fun nativeTid(): String = Files.readSymbolicLink(Paths.get("/proc/thread-self")).fileName.toString()

    @OptIn(DelicateCoroutinesApi::class, ExperimentalCoroutinesApi::class)
    @JvmStatic
    fun main(args: Array<String>) {
        if ("control" in args) return control()
        val main = newSingleThreadContext("main")
        var tid = ""
        val steps = mutableListOf<String>()
        try {
            runBlocking(main) {
                tid = nativeTid()
                val path = tempDb()
                val ui = ScriptedUi("agree", "allow")
                val engine = AuthEngine.open(path, ui)
                steps += "open"
                engine.registerManifest("wxA", MANIFEST)
                steps += "registerManifest"
                expect(engine.auth("scope.record"), OK, "authorize with a dialog (privacy agreement, then allow) and its commit")
                expect(engine.auth("scope.record"), OK, "authorize, granted")
                expect(engine.auth("scope.camera"), """{"errMsg":"authorize:fail api scope is not declared in the privacy agreement","errno":112}""")
                steps += "authorize"
                expect(engine.getSetting(me(), false).ok, true, "getSetting")
                steps += "getSetting"
                // A second engine on the same file: its first reads miss every cache.
                val second = AuthEngine.open(path, ScriptedUi())
                expect(second.getSetting(me(), false).json, engine.getSetting(me(), false).json, "a second engine reads the same")
                expect(second.auth("scope.record"), OK, "the second engine's authorize")
                steps += "second engine"
                engine.setGrant("u1", "wxA", "scope.userLocation", true)
                engine.revokeGrant("u1", "wxA", "scope.userLocation")
                expect(engine.listGrants("u1").map { it.scope }, listOf("scope.record"), "listGrants")
                expect(engine.listUsers(), listOf("u1"), "listUsers")
                engine.setSubscriptionsMainSwitch("u1", "wxA", false)
                expect(engine.consentRecords("u1").isNotEmpty(), true, "consentRecords")
                expect(engine.verifyConsentLog().intact, true, "verifyConsentLog")
                engine.consentLogHead()
                expect(engine.explain(me(), "authorize", "scope.record").rule, "granted", "explain")
                expect(engine.scopeStandings("u1").map { it.standing }, listOf(Standing.GRANTED), "scopeStandings")
                engine.runMaintenance()
                engine.endAppRun("u1", "wxA")
                expect(engine.resetApp("wxA", "u1"), 1L, "resetApp")
                expect(engine.forgetUser("u1"), 0L, "forgetUser")
                steps += "administration"
                val batch = engine.syncOutgoing("u1", 100)
                expect(batch.records.isNotEmpty(), true, "syncOutgoing")
                expect(second.syncApply("u1", batch.records).duplicates, batch.records.size.toLong(), "syncApply (the same device's file: duplicates)")
                engine.syncMarkUploaded("u1", batch.cursor)
                expect(engine.syncState("u1").pending, 0L, "syncState")
                engine.syncResetUploads("u1")
                steps += "sync"
                expect(engine.grantChanges("u1").first(), emptyList<Grant>(), "the first value of grantChanges (all forgotten)")
                steps += "grantChanges"
                second.shutdown()
                engine.shutdown()
            }
            println("main-safety: main thread tid $tid")
            println("ok   main-safety calls made from the \"main\" thread: ${steps.joinToString(", ")}")
        } catch (e: Throwable) {
            println("main-safety: main thread tid $tid")
            println("FAIL main-safety calls from the \"main\" thread (after ${steps.joinToString(", ")}): $e")
            kotlin.system.exitProcess(1)
        } finally {
            main.close()
        }
    }

    /**
     * The control: blocking calls made on "main" on purpose (openBlocking, then
     * close(), which checkpoints), so the runner can show that the check does
     * see database I/O on that thread when there is some.
     */
    @OptIn(DelicateCoroutinesApi::class, ExperimentalCoroutinesApi::class)
    private fun control() {
        val main = newSingleThreadContext("main")
        val tid = runBlocking(main) {
            val engine = AuthEngine.openBlocking(tempDb(), ScriptedUi())
            engine.registerManifest("wxA", MANIFEST)
            engine.close()
            nativeTid()
        }
        main.close()
        println("main-safety: main thread tid $tid")
        println("ok   main-safety control: blocking calls on \"main\" on purpose")
    }
}
