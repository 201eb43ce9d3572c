package com.miniappauth

import com.miniappauth.internal.CombinedDecision as GeneratedCombinedDecision
import com.miniappauth.internal.ConsentDecision as GeneratedConsentDecision
import com.miniappauth.internal.SubscribeAnswer as GeneratedSubscribeAnswer

/*
 * The two answers a ConsentUi returns that are sealed classes in the generated
 * code; like every type of the layer (Types.kt) they are the layer's own,
 * converted at the boundary.
 */

/** The user's answer to a scope dialog ([ConsentUi.askScope]). */
public sealed interface ConsentDecision {
    /** Allow the scope, permanently. */
    public data object Allow : ConsentDecision

    /** Allow it for this run of the app only ([AuthEngine.endAppRun] or the process ending ends it); never written to disk. */
    public data object AllowOnce : ConsentDecision

    /** Allow it until [untilMs] (milliseconds since the Unix epoch). */
    public data class AllowUntil(val untilMs: Long) : ConsentDecision

    /** Deny it (sticky, or soft under `EngineConfig.softDeny`). */
    public data object Deny : ConsentDecision

    /** The dialog was closed without a decision. */
    public data object Dismiss : ConsentDecision
}

/**
 * The answer to a combined dialog ([ConsentUi.askScopeWithPrivacy]): the decision
 * about the scope and whether the user ticked the privacy contract's checkbox. An
 * allow counts only with it ticked (WeChat's allow button needs it): an allow
 * without it grants nothing and the call fails 104.
 */
public class CombinedDecision(
    /** The decision about the scope. */
    public val decision: ConsentDecision,
    /** Whether the user ticked "I agree to the privacy contract". */
    public val agreePrivacy: Boolean,
) {
    override fun equals(other: Any?): Boolean =
        other is CombinedDecision && decision == other.decision && agreePrivacy == other.agreePrivacy

    override fun hashCode(): Int = java.util.Objects.hash(decision, agreePrivacy)

    override fun toString(): String = "CombinedDecision(decision=$decision, agreePrivacy=$agreePrivacy)"
}

/**
 * The host's answer to a subscribe dialog ([ConsentUi.askSubscribe]). A host
 * makes these; a release may add answers, so a `when` over one needs an `else`.
 */
public sealed interface SubscribeAnswer {
    /** Per template (a template left out counts as rejected); [keep]: "always keep this choice". */
    public data class Chosen(val choices: List<TemplateChoice>, val keep: Boolean) : SubscribeAnswer

    /** The host's server bans the app from subscription messages (errCode 20005). */
    public data object AppBanned : SubscribeAnswer

    /**
     * The host fails the call with one of WeChat's codes only its server or UI
     * knows of ([SubscribeFailure]): the mini app's `fail` gets WeChat's `errMsg`
     * and `errCode`. Not the user's decision: nothing is kept or recorded.
     */
    public class Failed public constructor(
        /** Which of WeChat's failures. */
        public val failure: SubscribeFailure,
    ) : SubscribeAnswer {
        override fun equals(other: Any?): Boolean = other is Failed && failure == other.failure

        override fun hashCode(): Int = failure.hashCode()

        override fun toString(): String = "Failed(failure=$failure)"
    }
}

internal fun ConsentDecision.toGenerated(): GeneratedConsentDecision = when (this) {
    ConsentDecision.Allow -> GeneratedConsentDecision.Allow
    ConsentDecision.AllowOnce -> GeneratedConsentDecision.AllowOnce
    is ConsentDecision.AllowUntil -> GeneratedConsentDecision.AllowUntil(untilMs)
    ConsentDecision.Deny -> GeneratedConsentDecision.Deny
    ConsentDecision.Dismiss -> GeneratedConsentDecision.Dismiss
}

internal fun CombinedDecision.toGenerated(): GeneratedCombinedDecision =
    GeneratedCombinedDecision(decision.toGenerated(), agreePrivacy)

internal fun SubscribeAnswer.toGenerated(): GeneratedSubscribeAnswer = when (this) {
    is SubscribeAnswer.Chosen -> GeneratedSubscribeAnswer.Chosen(choices.map { it.toGenerated() }, keep)
    SubscribeAnswer.AppBanned -> GeneratedSubscribeAnswer.AppBanned
    is SubscribeAnswer.Failed -> GeneratedSubscribeAnswer.Failed(failure.toGenerated())
}
