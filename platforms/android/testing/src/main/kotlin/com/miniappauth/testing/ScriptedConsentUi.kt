package com.miniappauth.testing

import com.miniappauth.CombinedDecision
import com.miniappauth.ConsentDecision
import com.miniappauth.ConsentUi
import com.miniappauth.DialogUnavailableException
import com.miniappauth.PrivacyDecision
import com.miniappauth.PrivacyRequest
import com.miniappauth.ScopeRequest
import com.miniappauth.SettingsAnswer
import com.miniappauth.SettingsRequest
import com.miniappauth.SubscribeAnswer
import com.miniappauth.SubscribeChoice
import com.miniappauth.SubscribeFailure
import com.miniappauth.SubscribeRequest
import com.miniappauth.TemplateChoice
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred

/**
 * The person in front of the dialogs, scripted: a [ConsentUi] for a host's unit
 * tests, with a real engine ([com.miniappauth.AuthEngine.inMemory]) or in
 * front of the host's own fakes. Scope dialogs are answered in the order
 * queued ([thenAnswer], [thenHold], [thenFail]); with nothing queued a scope
 * dialog fails (the call answers `host dialog failed`, 1301) — a test never
 * hangs on a dialog it did not expect. Every dialog shown is remembered
 * ([shown], [scopeRequests]). Thread-safe.
 *
 * ```kotlin
 * val ui = ScriptedConsentUi().thenAnswer(ConsentDecision.Allow).thenAnswer(ConsentDecision.Deny)
 * val engine = AuthEngine.inMemory(ui)
 * ```
 */
public class ScriptedConsentUi : ConsentUi {
    private sealed interface Step {
        data class Answer(val decision: ConsentDecision) : Step
        data object Hold : Step
        data class Fail(val message: String) : Step
    }

    private val lock = Any()
    private val steps = ArrayDeque<Step>()
    private val shownLines = mutableListOf<String>()
    private val scopeRequestList = mutableListOf<ScopeRequest>()
    private val heldDialogs = mutableListOf<CompletableDeferred<ConsentDecision>>()
    private var cancelledCount = 0

    /**
     * Whether the person ticks the privacy checkbox of a combined dialog
     * ([ConsentUi.askScopeWithPrivacy]; its scope decision is the next queued answer).
     * Default: ticked.
     */
    @Volatile
    public var ticksPrivacyCheckbox: Boolean = true

    /** The answer to the privacy popup ([ConsentUi.askPrivacy]). Default: agree. */
    @Volatile
    public var privacyDecision: PrivacyDecision = PrivacyDecision.AGREE

    /** How the settings page is left. Default: as shown (nothing changed). */
    @Volatile
    public var settingsPage: (SettingsRequest) -> SettingsAnswer = { SettingsAnswer(it.items, it.subscriptions) }

    /**
     * The answer to a subscribe dialog. Default: every template accepted, not
     * kept. The host's server failing the call: [failSubscriptionsWith].
     */
    @Volatile
    public var subscribe: (SubscribeRequest) -> SubscribeAnswer = { request ->
        SubscribeAnswer.Chosen(request.tmplIds.map { TemplateChoice(it, SubscribeChoice.ACCEPT) }, keep = false)
    }

    /**
     * Answers every subscribe dialog from now on as the host's server failing
     * the call with one of WeChat's codes ([SubscribeAnswer.Failed]).
     */
    public fun failSubscriptionsWith(failure: SubscribeFailure): ScriptedConsentUi =
        apply { subscribe = { SubscribeAnswer.Failed(failure) } }

    /** Queues the answer to the next scope dialog. */
    public fun thenAnswer(decision: ConsentDecision): ScriptedConsentUi = apply { synchronized(lock) { steps.addLast(Step.Answer(decision)) } }

    /** Queues a scope dialog that stays open until [release] — or until the engine takes it down (counted in [cancelled]). */
    public fun thenHold(): ScriptedConsentUi = apply { synchronized(lock) { steps.addLast(Step.Hold) } }

    /** Queues a scope dialog that cannot be shown (throws [DialogUnavailableException]: the call answers 1301). */
    @JvmOverloads
    public fun thenFail(message: String = "scripted: the dialog could not be shown"): ScriptedConsentUi =
        apply { synchronized(lock) { steps.addLast(Step.Fail(message)) } }

    /** Every dialog shown, one line each (`scope <app> <scope> via <api>`, a combined dialog's with ` +privacy v<version>`, `privacy <app> v<version>`, `settings <app>`, `contract <app>`, `subscribe <app> <ids>`). */
    public val shown: List<String> get() = synchronized(lock) { shownLines.toList() }

    /** The scope dialogs shown, in order. */
    public val scopeRequests: List<ScopeRequest> get() = synchronized(lock) { scopeRequestList.toList() }

    /** How many held dialogs are open now. */
    public val held: Int get() = synchronized(lock) { heldDialogs.size }

    /** How many dialogs the engine took down before they were answered (a timeout, a cancelled call, the engine closed). */
    public val cancelled: Int get() = synchronized(lock) { cancelledCount }

    /** Answers the oldest held dialog. Throws [IllegalStateException] when none is held. */
    public fun release(decision: ConsentDecision) {
        val dialog = synchronized(lock) { heldDialogs.removeFirstOrNull() } ?: throw IllegalStateException("no dialog is held")
        dialog.complete(decision)
    }

    override suspend fun askScope(request: ScopeRequest): ConsentDecision = answerScope(request)

    override suspend fun askScopeWithPrivacy(request: ScopeRequest): CombinedDecision {
        val ticked = ticksPrivacyCheckbox
        return CombinedDecision(answerScope(request), agreePrivacy = ticked)
    }

    private suspend fun answerScope(request: ScopeRequest): ConsentDecision {
        val checkbox = request.privacyContract?.let { " +privacy v${it.contractVersion}" } ?: ""
        val step = synchronized(lock) {
            shownLines.add("scope ${request.appId} ${request.scope} via ${request.api}$checkbox")
            scopeRequestList.add(request)
            steps.removeFirstOrNull()
        } ?: throw DialogUnavailableException("scripted: no answer queued for ${request.scope}")
        return when (step) {
            is Step.Answer -> step.decision
            is Step.Fail -> throw DialogUnavailableException(step.message)
            Step.Hold -> {
                val dialog = CompletableDeferred<ConsentDecision>()
                synchronized(lock) { heldDialogs.add(dialog) }
                try {
                    dialog.await()
                } catch (e: CancellationException) {
                    synchronized(lock) {
                        heldDialogs.remove(dialog)
                        cancelledCount++
                    }
                    throw e
                }
            }
        }
    }

    override suspend fun showSettings(request: SettingsRequest): SettingsAnswer {
        synchronized(lock) { shownLines.add("settings ${request.appId}") }
        return settingsPage(request)
    }

    override suspend fun askPrivacy(request: PrivacyRequest): PrivacyDecision {
        synchronized(lock) { shownLines.add("privacy ${request.appId} v${request.contractVersion}") }
        return privacyDecision
    }

    override suspend fun showPrivacyContract(request: PrivacyRequest) {
        synchronized(lock) { shownLines.add("contract ${request.appId}") }
    }

    override suspend fun askSubscribe(request: SubscribeRequest): SubscribeAnswer {
        synchronized(lock) { shownLines.add("subscribe ${request.appId} ${request.tmplIds.joinToString(",")}") }
        return subscribe(request)
    }
}
