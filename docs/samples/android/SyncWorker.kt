package com.example.host

import com.miniappauth.AuthEngine
import java.io.IOException

/** The host's sync backend as the worker sees it: HTTP to the host's server in the app, a list in tests. */
interface SyncTransport {
    /** Uploads [records]; returns once the backend has committed them, throws an [IOException] otherwise. */
    suspend fun push(userId: String, records: List<String>)

    /** The user's records after [cursor] (`null`: from the first), a page of them, and the cursor after that page. */
    suspend fun pull(userId: String, cursor: String?): Pulled
}

/** A page of the backend's records ([SyncTransport.pull]); [records] empty: nothing more. */
class Pulled(val records: List<String>, val nextCursor: String?)

/** Where the worker keeps how far it pulled, per user: DataStore or SharedPreferences in the app. */
interface PullCursors {
    fun load(userId: String): String?
    fun save(userId: String, cursor: String?)
}

/** What [SyncWorker.doWork] asks WorkManager for: `Result.success()` or `Result.retry()`. */
enum class SyncOutcome { SUCCESS, RETRY }

/**
 * The body of a WorkManager `CoroutineWorker.doWork()` (see the host guide for
 * the few lines that need WorkManager): uploads what this device decided, then
 * applies what the user's other devices did. Every engine call is main-safe;
 * WorkManager runs it on a background dispatcher anyway. An engine error (the
 * database) is thrown, not retried: WorkManager counts it a failure.
 */
class SyncWorker(
    private val engine: AuthEngine,
    private val transport: SyncTransport,
    private val cursors: PullCursors,
) {
    suspend fun doWork(userId: String): SyncOutcome =
        try {
            upload(userId)
            download(userId)
            SyncOutcome.SUCCESS
        } catch (e: IOException) {
            SyncOutcome.RETRY // the network or the backend: WorkManager backs off and runs it again
        }

    private suspend fun upload(userId: String) {
        while (true) {
            val batch = engine.syncOutgoing(userId, limit = 500)
            if (batch.records.isEmpty()) return
            transport.push(userId, batch.records) // returned: the backend has committed them
            // Marked only now: a crash before this line uploads the batch again,
            // and the backend takes each record id once.
            engine.syncMarkUploaded(userId, batch.cursor)
        }
    }

    private suspend fun download(userId: String) {
        while (true) {
            val page = transport.pull(userId, cursors.load(userId))
            if (page.records.isEmpty()) return
            engine.syncApply(userId, page.records) // one transaction, durable when it returns
            // The pull cursor is kept only after syncApply returned: a crash
            // between the pull and here pulls the page again next time, and
            // applying it again changes nothing (its records are duplicates). Kept
            // before, a crash would skip the page for good.
            cursors.save(userId, page.nextCursor)
        }
    }
}
