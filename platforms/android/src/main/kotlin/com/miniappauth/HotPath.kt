// The hot path shaped for the FFI crossing (issue #14): a caller made once per
// (user, app, plugin), scopes and guarded APIs resolved once to small numbers,
// and an authorize (and a guarded API's gate, ensure) that answers from the
// core's memory with one primitive-only crossing.

package com.miniappauth

import com.miniappauth.internal.CallerHandle

/**
 * A scope the engine knows, resolved once by [AuthEngine.scope] to the number
 * the hot path carries across the FFI instead of its name. Valid for the engine
 * that resolved it (the same number for that engine's life).
 */
@JvmInline
public value class Scope internal constructor(internal val number: Int)

/**
 * A guarded API (`getLocation`, `startRecord`, …) resolved once by
 * [AuthEngine.guardedApi] to the number [MiniAppCaller.ensure] carries across
 * the FFI instead of its name. Valid for the engine that resolved it.
 */
public class GuardedApi internal constructor(
    internal val number: Int,
    public val name: String,
    /** What `ensure` answers when the gate allows, as the core words it (`{"errMsg":"getPhoneNumber:ok"}` for `button.getPhoneNumber`). */
    internal val ok: ApiResult,
) {

    override fun equals(other: Any?): Boolean = other is GuardedApi && other.number == number
    override fun hashCode(): Int = number.hashCode()
    override fun toString(): String = "GuardedApi($name)"
}

/**
 * One caller identity — user, mini app, optional plugin — made once by
 * [AuthEngine.caller] and kept for as long as that mini app runs, for the calls a
 * host makes before every guarded API: [authorize], [ensure] and [isAllowedNow]
 * cross the FFI with a number only, where [AuthEngine.authorize] carries a [Caller] record
 * and a string each way (on the JVM, JNA's per-call marshalling of those costs
 * far more than the decision). [close] it when the mini app goes (or let the
 * cleaner do it).
 */
public class MiniAppCaller internal constructor(
    private val handle: CallerHandle,
    public val userId: String,
    public val appId: String,
    public val pluginId: String?,
) : AutoCloseable {

    /**
     * `true` when `wx.authorize` of [scope] answers `authorize:ok` right now from
     * the core's memory — no dialog, no I/O, main-safe, one crossing carrying a
     * number. `false` says nothing more: the answer may be a refusal, a dialog or
     * need the database ([authorize] finds out).
     */
    public fun isAllowedNow(scope: Scope): Boolean = handle.authorizeCached(scope.number.toUInt())

    /**
     * `wx.authorize({scope})` for this caller, the same answer as
     * [AuthEngine.authorize]: when the scope is allowed now it is answered
     * without suspending ([isAllowedNow], then [AUTHORIZE_OK] built here), else
     * the full call is awaited (dialogs, the database, every refusal).
     */
    public suspend fun authorize(scope: Scope): ApiResult =
        if (handle.authorizeCached(scope.number.toUInt())) AUTHORIZE_OK else handle.authorize(scope.number.toUInt()).toPublic()

    /**
     * `true` when the gate before [api] allows it right now from the core's
     * memory (what [ensure] would answer `<api>:ok` to) — no dialog, no I/O,
     * main-safe, one crossing carrying a number. `false` says nothing more.
     */
    public fun isAllowedNow(api: GuardedApi): Boolean = handle.ensureCached(api.number.toUInt())

    /**
     * The gate before the guarded API [api] for this caller — call it before
     * running the API — the same answer as [AuthEngine.ensure]: without
     * suspending when allowed now, else the full call (dialogs, the database,
     * every refusal). A handle carries no tap, so a tap-only API
     * (`addPhoneCalendar`) always takes [AuthEngine.ensure] with the tap.
     */
    public suspend fun ensure(api: GuardedApi): ApiResult =
        if (handle.ensureCached(api.number.toUInt())) api.ok else handle.ensure(api.number.toUInt()).toPublic()

    /** Frees the native handle now (calls after this throw). */
    override fun close() {
        handle.close()
    }

    public companion object {
        /**
         * What `authorize` answers when it allows: the core's ok result, byte for
         * byte (the scenarios compare it with the full call's).
         */
        @JvmField
        public val AUTHORIZE_OK: ApiResult =
            ApiResult(ok = true, errMsg = "authorize:ok", errno = null, json = """{"errMsg":"authorize:ok"}""")
    }
}
