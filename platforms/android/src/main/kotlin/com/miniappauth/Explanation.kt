// "Why no dialog" (SPEC §11, issue #24): the layer's values of
// [AuthEngine.explain] — the result a call would get now and the rule that
// decides it — converted from the generated ones here and nowhere else.

package com.miniappauth

import com.miniappauth.internal.ExplainedFact as GExplainedFact
import com.miniappauth.internal.ExplainedVerdict as GExplainedVerdict
import com.miniappauth.internal.Explanation as GExplanation

/**
 * The result the core would give a call now, and why ([AuthEngine.explain]):
 * the call's [verdict], the [rule] that decides it with the [facts] it was
 * applied to, and — when no dialog is needed — the mini app's answer ([result]).
 */
public class Explanation internal constructor(
    /** The API explained (`authorize`, `getLocation`, …). */
    public val api: String,
    /** The scope it was decided on (the one named, or the one guarding the API); `null` for an API no scope guards. */
    public val scope: String?,
    /** What the call would do. */
    public val verdict: ExplainedVerdict,
    /** The mini app's answer now, when no dialog is needed ([ExplainedVerdict.ALLOW], [ExplainedVerdict.REFUSE]). */
    public val result: ApiResult?,
    /**
     * The rule that decides (kebab-case, stable: `denied`, `dismissal-embargo`,
     * `privacy-agreement-needed`, `not-decided`, … — docs/inspector.md lists them).
     */
    public val rule: String,
    /** The rule in one sentence. */
    public val because: String,
    /** The facts the rule was applied to, in the order the core gives them. */
    public val facts: List<ExplainedFact>,
) {
    override fun equals(other: Any?): Boolean =
        other is Explanation &&
            api == other.api &&
            scope == other.scope &&
            verdict == other.verdict &&
            result == other.result &&
            rule == other.rule &&
            because == other.because &&
            facts == other.facts

    override fun hashCode(): Int = java.util.Objects.hash(api, scope, verdict, result, rule, because, facts)

    override fun toString(): String =
        "Explanation(api=$api, scope=$scope, verdict=$verdict, result=$result, rule=$rule, because=$because, facts=$facts)"
}

/** One fact a decision was made on ([Explanation.facts]), as a name and a value, both text. */
public class ExplainedFact internal constructor(
    /** What the fact is (`stored decision`, `privacy contract`, …). */
    public val name: String,
    /** Its value. */
    public val value: String,
) {
    override fun equals(other: Any?): Boolean =
        other is ExplainedFact && name == other.name && value == other.value

    override fun hashCode(): Int = java.util.Objects.hash(name, value)

    override fun toString(): String = "ExplainedFact(name=$name, value=$value)"
}

/** What an explained call would do now ([Explanation.verdict]). */
public enum class ExplainedVerdict {
    /** Succeed without a dialog. */
    ALLOW,
    /** Fail without a dialog. */
    REFUSE,
    /** Ask for agreement to the app's privacy contract first. */
    ASK_PRIVACY,
    /** Show the consent dialog. */
    ASK_USER,
    /** Show the consent dialog with the privacy contract's checkbox on it. */
    ASK_USER_AND_PRIVACY,
}

internal fun GExplanation.toPublic(): Explanation =
    Explanation(api, scope, verdict.toPublic(), result?.toPublic(), rule, because, facts.map { it.toPublic() })

internal fun GExplainedFact.toPublic(): ExplainedFact = ExplainedFact(name, value)

internal fun GExplainedVerdict.toPublic(): ExplainedVerdict = when (this) {
    GExplainedVerdict.ALLOW -> ExplainedVerdict.ALLOW
    GExplainedVerdict.REFUSE -> ExplainedVerdict.REFUSE
    GExplainedVerdict.ASK_PRIVACY -> ExplainedVerdict.ASK_PRIVACY
    GExplainedVerdict.ASK_USER -> ExplainedVerdict.ASK_USER
    GExplainedVerdict.ASK_USER_AND_PRIVACY -> ExplainedVerdict.ASK_USER_AND_PRIVACY
}
