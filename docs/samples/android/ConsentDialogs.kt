package com.example.host

import com.miniappauth.CombinedDecision
import com.miniappauth.ConsentDecision
import com.miniappauth.ConsentUi
import com.miniappauth.PrivacyDecision
import com.miniappauth.PrivacyRequest
import com.miniappauth.ScopeRequest
import com.miniappauth.SettingsAnswer
import com.miniappauth.SettingsRequest
import com.miniappauth.SubscribeAnswer
import com.miniappauth.SubscribeRequest
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.update

/**
 * The dialogs the engine is waiting on, held outside any Activity: the host's
 * [ConsentUi], created with the engine (in the Application, or a ViewModel the
 * Activity shares). Each request waits on a [CompletableDeferred] keyed by the
 * request; an Activity shows whatever is [pending] and calls [answer]. When the
 * Activity is recreated (rotation, dark mode, …) its dialog goes with it, but
 * the request stays here: the new Activity shows it again, and its answer
 * completes the same suspended call — no waiting for the dialog timeout.
 * When the engine gives up (its timeout, the mini app went away, the engine
 * closed) the request leaves [pending], and the Activity takes its dialog down.
 * An Activity shows its own mini app's dialogs only ([pendingFor]): another
 * app's request waits for that app's screen.
 */
class ConsentDialogs : ConsentUi {
    /** One dialog the engine is waiting on. */
    sealed class Pending {
        abstract val id: Long
        abstract val appId: String
        internal abstract val answer: CompletableDeferred<*>

        class Scope(override val id: Long, val request: ScopeRequest) : Pending() {
            override val appId get() = request.appId
            override val answer = CompletableDeferred<ConsentDecision>()
        }
        /**
         * A consent dialog with the privacy contract as a checkbox
         * (`EngineConfig { combinedPrivacyDialog = true }`): "I have read and agree to
         * [ScopeRequest.privacyContract]"; keep its allow button disabled until ticked.
         */
        class ScopeWithPrivacy(override val id: Long, val request: ScopeRequest) : Pending() {
            override val appId get() = request.appId
            override val answer = CompletableDeferred<CombinedDecision>()
        }
        class Settings(override val id: Long, val request: SettingsRequest) : Pending() {
            override val appId get() = request.appId
            override val answer = CompletableDeferred<SettingsAnswer>()
        }
        class Privacy(override val id: Long, val request: PrivacyRequest) : Pending() {
            override val appId get() = request.appId
            override val answer = CompletableDeferred<PrivacyDecision>()
        }
        class Contract(override val id: Long, val request: PrivacyRequest) : Pending() {
            override val appId get() = request.appId
            override val answer = CompletableDeferred<Unit>()
        }
        class Subscribe(override val id: Long, val request: SubscribeRequest) : Pending() {
            override val appId get() = request.appId
            override val answer = CompletableDeferred<SubscribeAnswer>()
        }
    }

    private val ids = AtomicLong()
    private val waiting = MutableStateFlow<List<Pending>>(emptyList())

    /** The dialogs waiting for the user, oldest first: show the first one. */
    val pending: StateFlow<List<Pending>> = waiting.asStateFlow()

    /** The dialogs of one mini app ([appId]), oldest first: what that app's screen shows. */
    fun pendingFor(appId: String): Flow<List<Pending>> = pending.map { list -> list.filter { it.appId == appId } }

    fun answer(dialog: Pending.Scope, decision: ConsentDecision) = dialog.answer.complete(decision)
    fun answer(dialog: Pending.ScopeWithPrivacy, decision: ConsentDecision, agreePrivacy: Boolean) =
        dialog.answer.complete(CombinedDecision(decision, agreePrivacy))
    fun answer(dialog: Pending.Settings, answer: SettingsAnswer) = dialog.answer.complete(answer)
    fun answer(dialog: Pending.Privacy, decision: PrivacyDecision) = dialog.answer.complete(decision)
    fun closed(dialog: Pending.Contract) = dialog.answer.complete(Unit)
    fun answer(dialog: Pending.Subscribe, answer: SubscribeAnswer) = dialog.answer.complete(answer)

    override suspend fun askScope(request: ScopeRequest): ConsentDecision =
        wait(Pending.Scope(ids.incrementAndGet(), request)) { it.answer.await() }

    override suspend fun askScopeWithPrivacy(request: ScopeRequest): CombinedDecision =
        wait(Pending.ScopeWithPrivacy(ids.incrementAndGet(), request)) { it.answer.await() }

    override suspend fun showSettings(request: SettingsRequest): SettingsAnswer =
        wait(Pending.Settings(ids.incrementAndGet(), request)) { it.answer.await() }

    override suspend fun askPrivacy(request: PrivacyRequest): PrivacyDecision =
        wait(Pending.Privacy(ids.incrementAndGet(), request)) { it.answer.await() }

    override suspend fun showPrivacyContract(request: PrivacyRequest) =
        wait(Pending.Contract(ids.incrementAndGet(), request)) { it.answer.await() }

    override suspend fun askSubscribe(request: SubscribeRequest): SubscribeAnswer =
        wait(Pending.Subscribe(ids.incrementAndGet(), request)) { it.answer.await() }

    /** Lists [dialog] while [awaitAnswer] waits; cancelled (engine timeout) or answered, it leaves the list. */
    private suspend fun <P : Pending, T> wait(dialog: P, awaitAnswer: suspend (P) -> T): T {
        waiting.update { it + dialog }
        try {
            return awaitAnswer(dialog)
        } finally {
            waiting.update { list -> list.filter { it.id != dialog.id } }
        }
    }
}
