package com.miniappauth

import com.miniappauth.internal.AuthEngine as GeneratedEngine
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.future.future
import kotlinx.coroutines.withContext

/**
 * The authorization engine of one database: what an Android host creates once
 * (in its Application or a DI singleton) and closes when done.
 *
 * Every function is main-safe: a `suspend fun` may be awaited from
 * `Dispatchers.Main`; the core does its disk work on its own threads. Mini-app
 * calls ([authorize], [getSetting], [openSetting], …, and the bridge's [handle])
 * never throw: they answer in WeChat's dialect ([ApiResult.json] goes back to the
 * mini app as is). Opening, registering and administration throw a
 * [MiniAppAuthException]. Cancelling the coroutine of a mini-app call releases
 * its dialog (the host's [ConsentUi] coroutine is cancelled too).
 *
 * Java callers: [open] and [inMemory] have blocking `@JvmStatic` forms
 * ([openBlocking]), and the bridge entry has a `CompletableFuture` form
 * ([handleFuture]); a [ConsentUi] is written in Kotlin (its methods suspend).
 */
class AuthEngine private constructor(private val engine: GeneratedEngine) : AutoCloseable {

    companion object {
        /**
         * Opens (creating if needed) the database at [path], answering dialogs through [ui].
         * A corrupt file is moved aside ([quarantinedPath]) and a fresh one started; a file of a
         * newer library is refused untouched ([MiniAppAuthException.DatabaseTooNew]).
         */
        @JvmStatic
        suspend fun open(path: String, ui: ConsentUi, config: EngineConfig? = null): AuthEngine =
            withContext(Dispatchers.IO) { translated { AuthEngine(GeneratedEngine.open(path, ConsentUiAdapter(ui), config)) } }

        /** [open] for Java and for code already off the main thread: blocks while the file is opened. */
        @JvmStatic
        @JvmOverloads
        @Throws(MiniAppAuthException::class)
        fun openBlocking(path: String, ui: ConsentUi, config: EngineConfig? = null): AuthEngine =
            translated { AuthEngine(GeneratedEngine.open(path, ConsentUiAdapter(ui), config)) }

        /** Opens an existing file for reading only (audits, a settings screen): never created, migrated or quarantined; no dialogs. */
        @JvmStatic
        suspend fun openReadOnly(path: String): AuthEngine =
            withContext(Dispatchers.IO) { translated { AuthEngine(GeneratedEngine.openReadOnly(path)) } }

        /** An engine over a private in-memory database (guest sessions, tests). */
        @JvmStatic
        @JvmOverloads
        @Throws(MiniAppAuthException::class)
        fun inMemory(ui: ConsentUi, config: EngineConfig? = null): AuthEngine =
            translated { AuthEngine(GeneratedEngine.inMemory(ConsentUiAdapter(ui), config)) }
    }

    /** Where a corrupt database was moved when this engine opened it, if it was. */
    val quarantinedPath: String? get() = engine.quarantinedPath()

    // ----- the mini app's calls (never throw) ------------------------------------

    /** `wx.authorize({scope})`. */
    suspend fun authorize(caller: Caller, scope: String): ApiResult = engine.authorize(caller, scope)

    /**
     * The hot path's caller ([MiniAppCaller]): the identity is checked once here
     * (no I/O); make one per (user, app, plugin) when the mini app starts and
     * gate its guarded calls with [MiniAppCaller.authorize] and a [Scope] from
     * [scope]. Throws [MiniAppAuthException.InvalidArgument] for a malformed id.
     */
    @JvmOverloads
    @Throws(MiniAppAuthException::class)
    fun caller(userId: String, appId: String, pluginId: String? = null): MiniAppCaller =
        translated { MiniAppCaller(engine.callerHandle(userId, appId, pluginId), userId, appId, pluginId) }

    /**
     * [name] resolved once for [MiniAppCaller]'s calls, or `null` when the engine
     * knows no such scope (register a host scope first). Resolve each scope once
     * and keep it.
     */
    fun scope(name: String): Scope? = engine.scopeNumber(name)?.let(::Scope)

    /**
     * The guarded API [name] (`getLocation`, `startRecord`, a host scope's API)
     * resolved once for [MiniAppCaller.ensure], or `null` when no scope the
     * engine knows guards it. Resolve each API once and keep it.
     */
    fun guardedApi(name: String): GuardedApi? = engine.apiNumber(name)?.let { GuardedApi(it, name) }

    /** `wx.getSetting({withSubscriptions})`. */
    suspend fun getSetting(caller: Caller, withSubscriptions: Boolean = false): ApiResult =
        engine.getSetting(caller, withSubscriptions)

    /** `wx.openSetting({withSubscriptions})`: needs `caller.userGesture`. */
    suspend fun openSetting(caller: Caller, withSubscriptions: Boolean = false): ApiResult =
        engine.openSetting(caller, withSubscriptions)

    /** `wx.authorizeForMiniProgram({scope})`, from a plugin. */
    suspend fun authorizeForMiniProgram(caller: Caller, scope: String): ApiResult =
        engine.authorizeForMiniProgram(caller, scope)

    /** `wx.getPrivacySetting()`. */
    suspend fun getPrivacySetting(caller: Caller): ApiResult = engine.getPrivacySetting(caller)

    /** `wx.requirePrivacyAuthorize()`. */
    suspend fun requirePrivacyAuthorize(caller: Caller): ApiResult = engine.requirePrivacyAuthorize(caller)

    /** The mini app's `<button open-type="agreePrivacyAuthorization">` was tapped (the runtime's call, not the mini app's). */
    suspend fun agreePrivacyAuthorization(caller: Caller, buttonId: String? = null): ApiResult =
        engine.agreePrivacyAuthorization(caller, buttonId)

    /** `wx.requestSubscribeMessage({tmplIds})`: needs a tap. */
    suspend fun requestSubscribeMessage(caller: Caller, tmplIds: List<String>): ApiResult =
        engine.requestSubscribeMessage(caller, tmplIds)

    /** `wx.openPrivacyContract()`. */
    suspend fun openPrivacyContract(caller: Caller): ApiResult = engine.openPrivacyContract(caller)

    /** The gate in front of a guarded API (`getLocation`, `startRecord`, …): call it before running the API. */
    suspend fun ensure(caller: Caller, api: String): ApiResult = engine.ensure(caller, api)

    /**
     * The bridge: a mini app's call as JSON (`{"api","args"}`) in, the result JSON out.
     * The identity is [caller] — the host's — never the payload's.
     */
    suspend fun handle(caller: Caller, callJson: String): String = engine.handle(caller, callJson)

    /** [handle] for Java: completes on the core's threads. */
    fun handleFuture(caller: Caller, callJson: String): CompletableFuture<String> =
        @OptIn(kotlinx.coroutines.DelicateCoroutinesApi::class)
        GlobalScope.future { handle(caller, callJson) }

    // ----- registration -------------------------------------------------------------

    /** Registers (or replaces) an app's manifest: app.json-shaped JSON (`name`, `permission`, `requiredPrivateInfos`, `privacy`). */
    suspend fun registerManifest(appId: String, manifestJson: String): Unit =
        admin { engine.registerManifest(appId, manifestJson) }

    /** Adds a host-defined scope next to the built-in ones. */
    @Throws(MiniAppAuthException::class)
    fun registerScope(definition: ScopeDefinition): Unit = translated { engine.registerScope(definition) }

    /** Every scope the engine knows, built-in and host-defined. */
    fun scopes(): List<ScopeDefinition> = engine.scopes()

    /** Installs (or, with `null`, removes) the probe of the host app's OS permissions. */
    fun setOsPermissionProbe(probe: OsPermissionProbe?) {
        engine.setOsPermissionProbe(probe?.let(::OsPermissionProbeAdapter))
    }

    // ----- administration (suspend; main-safe) ------------------------------------------

    /** A user's grants, optionally of one app. */
    suspend fun listGrants(userId: String, appId: String? = null): List<Grant> =
        admin { engine.listGrants(userId, appId) }

    /** Every user with a decision or an agreement in the database. */
    suspend fun listUsers(): List<String> = admin { engine.listUsers() }

    /** Sets one scope to granted or denied (the host's own settings screen). */
    suspend fun setGrant(userId: String, appId: String, scope: String, granted: Boolean, pluginId: String? = null): Unit =
        admin { engine.setGrant(userId, appId, pluginId, scope, granted) }

    /** Forgets one decision: the scope is unasked again. */
    suspend fun revokeGrant(userId: String, appId: String, scope: String, pluginId: String? = null): Unit =
        admin { engine.revokeGrant(userId, appId, pluginId, scope) }

    /** Resets an app as on its deletion, for one user or (with `null`) all; returns the grants removed. */
    suspend fun resetApp(appId: String, userId: String? = null): Long =
        admin { engine.resetApp(appId, userId).toLong() }

    /** Forgets a user (logout, account removal); the consent log keeps its records. Returns the grants removed. */
    suspend fun forgetUser(userId: String): Long = admin { engine.forgetUser(userId).toLong() }

    /** The user closed the app: its allow-once grants end. */
    suspend fun endAppRun(userId: String, appId: String): Unit = admin { engine.endAppRun(userId, appId) }

    /** Housekeeping (at start-up, daily): ended and unused grants go, each recorded. */
    suspend fun runMaintenance(): MaintenanceReport = admin { engine.runMaintenance() }

    /** The consent records of one user, or of everyone with `null`, oldest first. */
    suspend fun consentRecords(userId: String? = null): List<ConsentRecord> = admin { engine.consentRecords(userId) }

    /** Checks the consent log's hash chain. */
    suspend fun verifyConsentLog(): LogVerification = admin { engine.verifyConsentLog() }

    /** The consent log's last sequence number and hash, for anchoring outside the file. */
    suspend fun consentLogHead(): ConsentLogHead = admin { engine.consentLogHead() }

    /**
     * Moves the host's earlier permission decisions in: each not yet decided here is stored
     * (source `import`, with a consent record); one this database holds is kept. Every entry
     * is checked first — bad input changes nothing ([MiniAppAuthException.InvalidArgument]).
     */
    suspend fun importGrants(grants: List<ImportedGrant>): ImportReport = admin { engine.importGrants(grants) }

    /** Turns an app's subscription messages on or off for a user (recorded in the consent log). */
    suspend fun setSubscriptionsMainSwitch(userId: String, appId: String, on: Boolean): Unit =
        admin { engine.setSubscriptionsMainSwitch(userId, appId, on) }

    /**
     * Closes the engine now rather than when the cleaner gets to it: the database
     * is closed (its WAL checkpointed) before this returns, on the calling thread —
     * from the main thread, use [shutdown]. Calls after this throw.
     */
    override fun close() {
        engine.close()
    }

    /** [close], main-safe: the closing (the WAL's checkpoint, its fsync) happens off the calling thread. */
    suspend fun shutdown(): Unit = withContext(Dispatchers.IO) { close() }

    /** The generated object, for this project's benchmarks and tests only. */
    internal val generated: GeneratedEngine get() = engine

    /**
     * An administration call: the core's blocking form, run on [Dispatchers.IO] (as
     * application-services' layers do), never on the caller's thread.
     */
    private suspend inline fun <T> admin(crossinline block: () -> T): T =
        withContext(Dispatchers.IO) { translated(block) }
}
