package com.miniappauth

import kotlinx.coroutines.flow.Flow

/**
 * What a host's code calls on an engine, as an interface: code written against
 * it can be unit-tested with a fake of the host's own, or with a real
 * [AuthEngine] over [AuthEngine.inMemory] and the testing artifact's
 * `ScriptedConsentUi` (docs/host-guide.md, "Unit-testing host code").
 * [AuthEngine] is the one implementation this library ships; the static
 * factories ([AuthEngine.open], …) stay on it.
 *
 * Mini-app calls never throw: they answer in WeChat's dialect. Administration
 * throws [MiniAppAuthException]. Every function is main-safe.
 */
public interface MiniAppAuthEngine : AutoCloseable {
    /** `wx.authorize({scope})`. */
    public suspend fun authorize(caller: Caller, scope: String): ApiResult

    /** `wx.getSetting({withSubscriptions})`. */
    public suspend fun getSetting(caller: Caller, withSubscriptions: Boolean = false): ApiResult

    /** `wx.openSetting({withSubscriptions})`: needs `caller.userGesture`. */
    public suspend fun openSetting(caller: Caller, withSubscriptions: Boolean = false): ApiResult

    /** `wx.authorizeForMiniProgram({scope})`, from a plugin. */
    public suspend fun authorizeForMiniProgram(caller: Caller, scope: String): ApiResult

    /** `wx.getPrivacySetting()`. */
    public suspend fun getPrivacySetting(caller: Caller): ApiResult

    /** `wx.requirePrivacyAuthorize()`. */
    public suspend fun requirePrivacyAuthorize(caller: Caller): ApiResult

    /** The mini app's `<button open-type="agreePrivacyAuthorization">` was tapped (the runtime's call, not the mini app's). */
    public suspend fun agreePrivacyAuthorization(caller: Caller, buttonId: String? = null): ApiResult

    /** `wx.requestSubscribeMessage({tmplIds})`: needs a tap. */
    public suspend fun requestSubscribeMessage(caller: Caller, tmplIds: List<String>): ApiResult

    /** `wx.openPrivacyContract()`. */
    public suspend fun openPrivacyContract(caller: Caller): ApiResult

    /** The gate in front of a guarded API (`getLocation`, `startRecord`, …): call it before running the API. */
    public suspend fun ensure(caller: Caller, api: String): ApiResult

    /** The bridge: a mini app's call as JSON (`{"api","args"}`) in, the result JSON out; the identity is [caller]. */
    public suspend fun handle(caller: Caller, callJson: String): String

    /** Registers (or replaces) an app's manifest: app.json-shaped JSON. */
    public suspend fun registerManifest(appId: String, manifestJson: String)

    /** A user's grants, optionally of one app. */
    public suspend fun listGrants(userId: String, appId: String? = null): List<Grant>

    /** Sets one scope to granted or denied (the host's own settings screen). */
    public suspend fun setGrant(userId: String, appId: String, scope: String, granted: Boolean, pluginId: String? = null)

    /** Forgets one decision: the scope is unasked again. */
    public suspend fun revokeGrant(userId: String, appId: String, scope: String, pluginId: String? = null)

    /** Resets an app as on its deletion, for one user or (with `null`) all; returns the grants removed. */
    public suspend fun resetApp(appId: String, userId: String? = null): Long

    /** Forgets a user (logout, account removal). Returns the grants removed. */
    public suspend fun forgetUser(userId: String): Long

    /** The user closed the app: its allow-once grants end. */
    public suspend fun endAppRun(userId: String, appId: String)

    /** A user's grants, now and after every change; completes when the engine closes. */
    public fun grantChanges(userId: String): Flow<List<Grant>>

    /** Closes the engine main-safely (see [AuthEngine.close]). */
    public suspend fun shutdown()

    /** Whether the engine was closed. */
    public val isClosed: Boolean
}
