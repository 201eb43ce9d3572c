package com.miniappauth

import kotlinx.coroutines.CancellationException
import com.miniappauth.internal.ConsentUi as GeneratedConsentUi
import com.miniappauth.internal.HostException as GeneratedHostException
import com.miniappauth.internal.OsPermissionProbe as GeneratedOsPermissionProbe

/**
 * The host's native dialogs. The engine calls these from its own threads; switch
 * to the main thread yourself (`withContext(Dispatchers.Main)`) to show a dialog.
 *
 * Each answer completes a waiting mini-app call. Throwing any exception (for
 * example [DialogUnavailableException] when there is no Activity to show it in)
 * completes the mini app's call with `host dialog failed` (errno 1301) and grants
 * nothing. When the engine gives up on a dialog (its timeout, or the mini app's
 * call was cancelled), the coroutine running the method is cancelled: take the
 * dialog down in `invokeOnCancellation` / a `finally` block.
 *
 * A dialog that must survive Activity recreation keeps its pending answer outside
 * the Activity (a ViewModel or the Application): see docs/samples/android.
 */
interface ConsentUi {
    /** Asks the user about one scope for one app. */
    suspend fun askScope(request: ScopeRequest): ConsentDecision

    /** Shows the app's settings page; returns the switches as the user left them. */
    suspend fun showSettings(request: SettingsRequest): SettingsAnswer

    /** Asks the user to agree to the app's privacy contract. */
    suspend fun askPrivacy(request: PrivacyRequest): PrivacyDecision

    /** Shows the app's privacy contract; returns when the user closes it. */
    suspend fun showPrivacyContract(request: PrivacyRequest)

    /** Asks about the templates of one `requestSubscribeMessage` call (those without a kept choice). */
    suspend fun askSubscribe(request: SubscribeRequest): SubscribeAnswer
}

/** Optional: whether the host app itself holds an OS permission. A probe that throws is ignored. */
fun interface OsPermissionProbe {
    fun status(permission: OsPermission): OsPermissionStatus
}

/** What a [ConsentUi] may throw when it cannot show or complete a dialog; its message is logged by the engine. */
class DialogUnavailableException(message: String) : Exception(message)

/** The generated interface, implemented over the host's [ConsentUi]. */
internal class ConsentUiAdapter(private val ui: ConsentUi) : GeneratedConsentUi {
    override suspend fun askScope(request: ScopeRequest) = host { ui.askScope(request).toGenerated() }
    override suspend fun showSettings(request: SettingsRequest) = host { ui.showSettings(request) }
    override suspend fun askPrivacy(request: PrivacyRequest) = host { ui.askPrivacy(request) }
    override suspend fun showPrivacyContract(request: PrivacyRequest) = host { ui.showPrivacyContract(request) }
    override suspend fun askSubscribe(request: SubscribeRequest) = host { ui.askSubscribe(request).toGenerated() }
}

internal class OsPermissionProbeAdapter(private val probe: OsPermissionProbe) : GeneratedOsPermissionProbe {
    override fun status(permission: OsPermission): OsPermissionStatus =
        try {
            probe.status(permission)
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
