package com.miniappauth

import kotlinx.coroutines.CancellationException
import com.miniappauth.internal.ConsentUi as GeneratedConsentUi
import com.miniappauth.internal.HostException as GeneratedHostException
import com.miniappauth.internal.OsPermission as GOsPermission
import com.miniappauth.internal.OsPermissionProbe as GeneratedOsPermissionProbe
import com.miniappauth.internal.OsPermissionStatus as GOsPermissionStatus
import com.miniappauth.internal.PrivacyRequest as GPrivacyRequest
import com.miniappauth.internal.ScopeRequest as GScopeRequest
import com.miniappauth.internal.SettingsRequest as GSettingsRequest
import com.miniappauth.internal.SubscribeRequest as GSubscribeRequest

/**
 * The host's native dialogs. The engine calls these from its own threads; switch
 * to the main thread yourself (`withContext(Dispatchers.Main)`) to show a dialog.
 *
 * Each answer completes a waiting mini-app call. Throwing any exception (for
 * example [DialogUnavailableException] when there is no Activity to show it in)
 * completes the mini app's call with `host dialog failed` (errno 1301) and grants
 * nothing. When the engine gives up on a dialog (its timeout, the mini app's call
 * was cancelled, or the engine was closed), the coroutine running the method is
 * cancelled: take the dialog down in `invokeOnCancellation` / a `finally` block.
 *
 * A dialog that must survive Activity recreation keeps its pending answer outside
 * the Activity (a ViewModel or the Application): see docs/samples/android.
 */
public interface ConsentUi {
    /** Asks the user about one scope for one app. */
    public suspend fun askScope(request: ScopeRequest): ConsentDecision

    /**
     * With `EngineConfig.combinedPrivacyDialog` only: asks about one scope and, on the
     * same dialog, to agree to the app's privacy contract ([ScopeRequest.privacyContract],
     * a checkbox; WeChat's allow button needs it ticked). The default shows [askScope]'s
     * dialog and reports the checkbox unticked, so an allow grants nothing: a host
     * that turns the option on overrides this.
     */
    public suspend fun askScopeWithPrivacy(request: ScopeRequest): CombinedDecision =
        CombinedDecision(askScope(request), agreePrivacy = false)

    /** Shows the app's settings page; returns the switches as the user left them. */
    public suspend fun showSettings(request: SettingsRequest): SettingsAnswer

    /** Asks the user to agree to the app's privacy contract. */
    public suspend fun askPrivacy(request: PrivacyRequest): PrivacyDecision

    /** Shows the app's privacy contract; returns when the user closes it. */
    public suspend fun showPrivacyContract(request: PrivacyRequest)

    /** Asks about the templates of one `requestSubscribeMessage` call (those without a kept choice). */
    public suspend fun askSubscribe(request: SubscribeRequest): SubscribeAnswer
}

/** Optional: whether the host app itself holds an OS permission. A probe that throws is ignored. */
public fun interface OsPermissionProbe {
    /** The host app's state of [permission]. */
    public fun status(permission: OsPermission): OsPermissionStatus
}

/** What a [ConsentUi] may throw when it cannot show or complete a dialog; its message is logged by the engine. */
public class DialogUnavailableException(message: String) : Exception(message)

/** The generated interface, implemented over the host's [ConsentUi]. */
internal class ConsentUiAdapter(private val ui: ConsentUi) : GeneratedConsentUi {
    override suspend fun askScope(request: GScopeRequest) = host { ui.askScope(request.toPublic()).toGenerated() }
    override suspend fun askScopeWithPrivacy(request: GScopeRequest) =
        host { ui.askScopeWithPrivacy(request.toPublic()).toGenerated() }
    override suspend fun showSettings(request: GSettingsRequest) = host { ui.showSettings(request.toPublic()).toGenerated() }
    override suspend fun askPrivacy(request: GPrivacyRequest) = host { ui.askPrivacy(request.toPublic()).toGenerated() }
    override suspend fun showPrivacyContract(request: GPrivacyRequest) = host { ui.showPrivacyContract(request.toPublic()) }
    override suspend fun askSubscribe(request: GSubscribeRequest) = host { ui.askSubscribe(request.toPublic()).toGenerated() }
}

internal class OsPermissionProbeAdapter(private val probe: OsPermissionProbe) : GeneratedOsPermissionProbe {
    override fun status(permission: GOsPermission): GOsPermissionStatus =
        try {
            probe.status(permission.toPublic()).toGenerated()
        } catch (e: Exception) {
            throw GeneratedHostException.Failed(describe(e))
        }
}

/** Runs a host callback; whatever it throws (but cancellation) becomes the core's HostError with a readable reason. */
private suspend inline fun <T> host(block: () -> T): T =
    try {
        block()
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        throw GeneratedHostException.Failed(describe(e))
    }

private fun describe(e: Exception): String = e.message ?: e.javaClass.simpleName
