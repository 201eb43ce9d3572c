package com.miniappauth

import com.miniappauth.internal.AuthEngine as GeneratedEngine
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.future.future
import kotlinx.coroutines.withContext

/**
 * The authorization engine of one database: what an Android host creates once
 * (in its Application or a DI singleton) and closes when done. Host code may
 * depend on [MiniAppAuthEngine], the interface it implements, to unit-test
 * itself with a fake.
 *
 * Every function is main-safe: a `suspend fun` may be awaited from
 * `Dispatchers.Main`; the core does its disk work on its own threads. Mini-app
 * calls ([authorize], [getSetting], [openSetting], …, and the bridge's [handle])
 * never throw: they answer in WeChat's dialect ([ApiResult.json] goes back to the
 * mini app as is), also after [close] (`engine closed`, errno 1305). Opening,
 * registering and administration throw a [MiniAppAuthException]. Cancelling the
 * coroutine of a mini-app call releases its dialog (the host's [ConsentUi]
 * coroutine is cancelled too).
 *
 * Java callers: [open] and [inMemory] have blocking `@JvmStatic` forms
 * ([openBlocking]), and the bridge entry has a `CompletableFuture` form
 * ([handleFuture]); a [ConsentUi] is written in Kotlin (its methods suspend).
 */
public class AuthEngine private constructor(private val engine: GeneratedEngine) : MiniAppAuthEngine {

    public companion object {
        /**
         * Opens (creating if needed) the database at [path], answering dialogs through [ui].
         * A corrupt file is moved aside ([quarantinedPath]) and a fresh one started; a file of a
         * newer library is refused untouched ([MiniAppAuthException.DatabaseTooNew]).
         */
        @JvmStatic
        public suspend fun open(path: String, ui: ConsentUi, config: EngineConfig? = null): AuthEngine =
            withContext(Dispatchers.IO) { openBlocking(path, ui, config) }

        /** [open] for Java and for code already off the main thread: blocks while the file is opened. */
        @JvmStatic
        @JvmOverloads
        @Throws(MiniAppAuthException::class)
        public fun openBlocking(path: String, ui: ConsentUi, config: EngineConfig? = null): AuthEngine =
            translated { AuthEngine(GeneratedEngine.open(path, ConsentUiAdapter(ui), config?.toGenerated())) }

        /**
         * Opens an existing file for reading only (audits, a settings screen): never created, migrated or
         * quarantined; no dialogs; anything that would write throws. It answers by the default policy: to
         * [explain] or list [scopeStandings] by the host's, pass its [EngineConfig] to the other form.
         */
        @JvmStatic
        public suspend fun openReadOnly(path: String): AuthEngine = openReadOnly(path, null)

        /**
         * [openReadOnly] with the host's policy: [config] (the defaults with `null`) is what [explain] and
         * [scopeStandings] answer by — pass the [EngineConfig] the host's writing engine was opened with
         * (its dismissal embargo, soft denial, auto-revoke).
         */
        @JvmStatic
        public suspend fun openReadOnly(path: String, config: EngineConfig?): AuthEngine =
            withContext(Dispatchers.IO) { translated { AuthEngine(GeneratedEngine.openReadOnly(path, config?.toGenerated())) } }

        /** An engine over a private in-memory database (guest sessions, tests). */
        @JvmStatic
        @JvmOverloads
        @Throws(MiniAppAuthException::class)
        public fun inMemory(ui: ConsentUi, config: EngineConfig? = null): AuthEngine =
            translated { AuthEngine(GeneratedEngine.inMemory(ConsentUiAdapter(ui), config?.toGenerated())) }
    }

    /** Where a corrupt database was moved when this engine opened it, if it was. */
    public val quarantinedPath: String? get() = engine.quarantinedPath()

    // ----- the mini app's calls (never throw) ------------------------------------

    override suspend fun authorize(caller: Caller, scope: String): ApiResult =
        engine.authorize(caller.toGenerated(), scope).toPublic()

    /**
     * The hot path's caller ([MiniAppCaller]): the identity is checked once here
     * (no I/O); make one per (user, app, plugin) when the mini app starts and
     * gate its guarded calls with [MiniAppCaller.authorize] and a [Scope] from
     * [scope]. Throws [MiniAppAuthException.InvalidArgument] for a malformed id.
     */
    @JvmOverloads
    @Throws(MiniAppAuthException::class)
    public fun caller(userId: String, appId: String, pluginId: String? = null): MiniAppCaller =
        translated { MiniAppCaller(engine.callerHandle(userId, appId, pluginId), userId, appId, pluginId) }

    /**
     * [name] resolved once for [MiniAppCaller]'s calls, or `null` when the engine
     * knows no such scope (register a host scope first). Resolve each scope once
     * and keep it.
     */
    public fun scope(name: String): Scope? = engine.scopeNumber(name)?.let { Scope(it.toInt()) }

    /**
     * The guarded API [name] (`getLocation`, `startRecord`, a host scope's API,
     * or a privacy interface no scope guards: `getClipboardData`,
     * `button.getPhoneNumber`) resolved once for [MiniAppCaller.ensure], or
     * `null` when nothing the engine knows gates it. Resolve each API once and keep it.
     */
    public fun guardedApi(name: String): GuardedApi? =
        engine.apiNumber(name)?.let { GuardedApi(it.toInt(), name, engine.ensureOk(name).toPublic()) }

    override suspend fun getSetting(caller: Caller, withSubscriptions: Boolean): ApiResult =
        engine.getSetting(caller.toGenerated(), withSubscriptions).toPublic()

    override suspend fun openSetting(caller: Caller, withSubscriptions: Boolean): ApiResult =
        engine.openSetting(caller.toGenerated(), withSubscriptions).toPublic()

    override suspend fun authorizeForMiniProgram(caller: Caller, scope: String): ApiResult =
        engine.authorizeForMiniProgram(caller.toGenerated(), scope).toPublic()

    override suspend fun getPrivacySetting(caller: Caller): ApiResult =
        engine.getPrivacySetting(caller.toGenerated()).toPublic()

    override suspend fun requirePrivacyAuthorize(caller: Caller): ApiResult =
        engine.requirePrivacyAuthorize(caller.toGenerated()).toPublic()

    override suspend fun agreePrivacyAuthorization(caller: Caller, buttonId: String?): ApiResult =
        engine.agreePrivacyAuthorization(caller.toGenerated(), buttonId).toPublic()

    override suspend fun requestSubscribeMessage(caller: Caller, tmplIds: List<String>): ApiResult =
        engine.requestSubscribeMessage(caller.toGenerated(), tmplIds).toPublic()

    override suspend fun openPrivacyContract(caller: Caller): ApiResult =
        engine.openPrivacyContract(caller.toGenerated()).toPublic()

    override suspend fun ensure(caller: Caller, api: String): ApiResult =
        engine.ensure(caller.toGenerated(), api).toPublic()

    override suspend fun handle(caller: Caller, callJson: String): String =
        engine.handle(caller.toGenerated(), callJson)

    /**
     * The bridge for a page script's calls (the mini app's own `wx.*`): as [handle], but the
     * runtime's own `agreePrivacyAuthorization` is refused (`api is not supported`, 100) — only
     * the host's renderer of the agree button reports that tap, with [agreePrivacyAuthorization].
     */
    public suspend fun handlePageCall(caller: Caller, callJson: String): String =
        engine.handlePageCall(caller.toGenerated(), callJson)

    /** [handle] for Java: completes on the core's threads. */
    public fun handleFuture(caller: Caller, callJson: String): CompletableFuture<String> =
        @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
        GlobalScope.future { handle(caller, callJson) }

    // ----- registration -------------------------------------------------------------

    override suspend fun registerManifest(appId: String, manifestJson: String): Unit =
        admin { engine.registerManifest(appId, manifestJson) }

    /** Adds a host-defined scope next to the built-in ones. */
    @Throws(MiniAppAuthException::class)
    public fun registerScope(definition: ScopeDefinition): Unit = translated { engine.registerScope(definition.toGenerated()) }

    /** Every scope the engine knows, built-in and host-defined. */
    public fun scopes(): List<ScopeDefinition> = engine.scopes().map { it.toPublic() }

    /** Installs (or, with `null`, removes) the probe of the host app's OS permissions. */
    public fun setOsPermissionProbe(probe: OsPermissionProbe?) {
        engine.setOsPermissionProbe(probe?.let(::OsPermissionProbeAdapter))
    }

    // ----- administration (suspend; main-safe) ------------------------------------------

    override suspend fun listGrants(userId: String, appId: String?): List<Grant> =
        admin { engine.listGrants(userId, appId).map { it.toPublic() } }

    /** Every user with a decision or an agreement in the database. */
    public suspend fun listUsers(): List<String> = admin { engine.listUsers() }

    override suspend fun setGrant(userId: String, appId: String, scope: String, granted: Boolean, pluginId: String?): Unit =
        admin { engine.setGrant(userId, appId, pluginId, scope, granted) }

    override suspend fun revokeGrant(userId: String, appId: String, scope: String, pluginId: String?): Unit =
        admin { engine.revokeGrant(userId, appId, pluginId, scope) }

    override suspend fun resetApp(appId: String, userId: String?): Long =
        admin { engine.resetApp(appId, userId).toLong() }

    override suspend fun forgetUser(userId: String): Long = admin { engine.forgetUser(userId).toLong() }

    override suspend fun endAppRun(userId: String, appId: String): Unit = admin { engine.endAppRun(userId, appId) }

    /** Housekeeping (at start-up, daily): ended and unused grants go, each recorded. */
    public suspend fun runMaintenance(): MaintenanceReport = admin { engine.runMaintenance().toPublic() }

    /** The consent records of one user, or of everyone with `null`, oldest first. */
    public suspend fun consentRecords(userId: String? = null): List<ConsentRecord> =
        admin { engine.consentRecords(userId).map { it.toPublic() } }

    /**
     * The result [api] called by [caller] would get now, and the rule that decides it — why the
     * mini app saw, or did not see, a dialog (the inspector's "why no dialog", SPEC §11). [scope]
     * names the scope for `authorize` and `authorizeForMiniProgram` (without one they throw
     * [MiniAppAuthException.InvalidArgument]); any other [api] is a guarded API (`getLocation`,
     * `getClipboardData`, …), explained as [ensure] would decide it. It runs the same gate as the
     * call, writes nothing (not even a grant's use) and shows no dialog; the verdict is the
     * engine's policy ([EngineConfig]; for a read-only engine, the one given to [openReadOnly]).
     * An allow-once grant is seen only by the engine that holds it.
     */
    public suspend fun explain(caller: Caller, api: String, scope: String? = null): Explanation =
        admin { engine.explain(caller.toGenerated(), api, scope).toPublic() }

    /**
     * Where every scope of [userId] with anything stored about it stands now — granted, denied,
     * allowed once, granted until a time, under the dismissal embargo, due for auto-revoke — by
     * app, plugin and scope (a scope not listed is unasked). Read only.
     */
    public suspend fun scopeStandings(userId: String): List<ScopeStanding> =
        admin { engine.scopeStandings(userId).map { it.toPublic() } }

    /** Checks the consent log's hash chain. */
    public suspend fun verifyConsentLog(): LogVerification = admin { engine.verifyConsentLog().toPublic() }

    /** The consent log's last sequence number and hash, for anchoring outside the file. */
    public suspend fun consentLogHead(): ConsentLogHead = admin { engine.consentLogHead().toPublic() }

    /**
     * Moves the host's earlier permission decisions in: each not yet decided here is stored
     * (source `import`, with a consent record); one this database holds is kept. Every entry
     * is checked first — bad input changes nothing ([MiniAppAuthException.InvalidArgument]).
     */
    public suspend fun importGrants(grants: List<ImportedGrant>): ImportReport =
        admin { engine.importGrants(grants.map { it.toGenerated() }).toPublic() }

    /**
     * Moves everything the host's old store holds in ([HostImport]): grants with their decision
     * time and allow-until end, privacy agreements with the contract version, kept subscription
     * choices and main switches. Every entry is checked first — bad input changes nothing
     * ([MiniAppAuthException.InvalidArgument], naming the entry); a key this database ever
     * decided is kept (it is newer than the old store); each entry stored gets an `import`
     * consent record. docs/security.md, "Importing a host's store".
     */
    public suspend fun importFromHost(entries: HostImport): HostImportReport =
        admin { engine.importFromHost(entries.toGenerated()).toPublic() }

    /** Turns an app's subscription messages on or off for a user (recorded in the consent log). */
    public suspend fun setSubscriptionsMainSwitch(userId: String, appId: String, on: Boolean): Unit =
        admin { engine.setSubscriptionsMainSwitch(userId, appId, on) }

    // ----- sync across the user's devices (SPEC §10; suspend, main-safe) -------------

    /**
     * Up to [limit] (1 to 10,000) of the user's decisions made on this device that every device
     * shares and that were not yet acknowledged uploaded, oldest first, for the host's transport
     * to carry as is. Empty when nothing waits. Nothing is marked uploaded until
     * [syncMarkUploaded] with the batch's cursor: asked again, the same batch comes back.
     * A limit out of range throws [MiniAppAuthException.InvalidArgument].
     */
    public suspend fun syncOutgoing(userId: String, limit: Int): SyncBatch {
        if (limit < 0) throw MiniAppAuthException.InvalidArgument("limit must be 1-10000, not $limit")
        return admin { engine.syncOutgoing(userId, limit.toUInt()).toPublic() }
    }

    /**
     * Acknowledges the user's records up to [cursor] (a [SyncBatch.cursor]) as uploaded: call it
     * once the backend has committed the batch. Again, or with an older cursor, changes nothing.
     */
    public suspend fun syncMarkUploaded(userId: String, cursor: String): Unit =
        admin { engine.syncMarkUploaded(userId, cursor) }

    /**
     * Applies other devices' records for the user (JSON objects as text, as the backend returned
     * them) in one durable transaction: the newest decision per key wins (a denial on a tie), a
     * reset or forget overrides every older fact. Each record that takes effect enters the consent
     * log with source `sync` and its origin device. Applying a batch again changes nothing
     * (all [SyncApplied.duplicates]). A record that is not JSON or breaks the record format fails
     * the whole batch ([MiniAppAuthException.InvalidArgument], naming it) and nothing changes; one
     * from a newer core is kept, not applied ([SyncApplied.rejected]).
     */
    public suspend fun syncApply(userId: String, records: List<String>): SyncApplied =
        admin { engine.syncApply(userId, records).toPublic() }

    /** Where the user's sync stands on this device: its id and clock, records waiting for upload, records held. */
    public suspend fun syncState(userId: String): SyncState = admin { engine.syncState(userId).toPublic() }

    /**
     * Forgets how far the user's records were uploaded: the next [syncOutgoing] batches send them
     * all again — after the host disconnected this device from its backend, or the backend lost
     * data (it takes each record id once, so nothing is stored twice).
     */
    public suspend fun syncResetUploads(userId: String): Unit = admin { engine.syncResetUploads(userId) }

    // ----- observing and closing ------------------------------------------------------

    override fun grantChanges(userId: String): Flow<List<Grant>> = grantChangesOf(engine, userId)

    /**
     * Closes the engine before returning, on the calling thread — from the main
     * thread, use [shutdown]: every open dialog is taken down (its [ConsentUi]
     * coroutine cancelled; the mini app's call answers `engine closed`, errno
     * 1305), every [grantChanges] flow completes, and the database file and its
     * WAL are closed (the WAL checkpointed; a write under way finishes first).
     * After it, mini-app calls answer `engine closed` and administration throws
     * [MiniAppAuthException.Closed]; closing again does nothing. (The process's
     * shared descriptor of the file's `-shm` goes when the engine is collected.)
     */
    override fun close() {
        engine.shutDown()
    }

    /** [close], main-safe: the closing (the WAL's checkpoint, its fsync) happens off the calling thread. */
    override suspend fun shutdown(): Unit = withContext(Dispatchers.IO) { close() }

    override val isClosed: Boolean get() = engine.isClosed()

    /** The generated object, for this project's benchmarks and tests only. */
    internal val generated: GeneratedEngine get() = engine

    /**
     * An administration call: the core's blocking form, run on [Dispatchers.IO] (as
     * application-services' layers do), never on the caller's thread.
     */
    private suspend inline fun <T> admin(crossinline block: () -> T): T =
        withContext(Dispatchers.IO) { translated(block) }
}
