// Where a user's scopes stand (SPEC §11, issue #24): the layer's values of
// [AuthEngine.scopeStandings], converted from the generated ones here and
// nowhere else.

package com.miniappauth

import com.miniappauth.internal.ScopeStanding as GScopeStanding
import com.miniappauth.internal.Standing as GStanding

/** One scope of a user with something stored about it, and where it stands now ([AuthEngine.scopeStandings]). */
public class ScopeStanding internal constructor(
    /** The app. */
    public val appId: String,
    /** The plugin, if the scope is in a plugin's namespace. */
    public val pluginId: String?,
    /** The scope. */
    public val scope: String,
    /** Where it stands. */
    public val standing: Standing,
    /** When a time-limited grant ends (ms since the epoch). */
    public val untilMs: Long?,
    /** When the grant was last used (to the hour), if it was. */
    public val lastUsedAtMs: Long?,
    /** Dismissals in a row of its dialog. */
    public val dismissals: Int,
    /** When it was last decided (the stored decision, or the allow-once answer), if it was. */
    public val decidedAtMs: Long?,
) {
    override fun equals(other: Any?): Boolean =
        other is ScopeStanding &&
            appId == other.appId &&
            pluginId == other.pluginId &&
            scope == other.scope &&
            standing == other.standing &&
            untilMs == other.untilMs &&
            lastUsedAtMs == other.lastUsedAtMs &&
            dismissals == other.dismissals &&
            decidedAtMs == other.decidedAtMs

    override fun hashCode(): Int =
        java.util.Objects.hash(appId, pluginId, scope, standing, untilMs, lastUsedAtMs, dismissals, decidedAtMs)

    override fun toString(): String =
        "ScopeStanding(appId=$appId, pluginId=$pluginId, scope=$scope, standing=$standing, untilMs=$untilMs, " +
            "lastUsedAtMs=$lastUsedAtMs, dismissals=$dismissals, decidedAtMs=$decidedAtMs)"
}

/** Where one scope stands now ([ScopeStanding.standing]). */
public enum class Standing {
    /** Granted, for good. */
    GRANTED,
    /** Denied. */
    DENIED,
    /**
     * The user's last answer was "allow once": it lasts the run it was given in
     * (this process's grant, or the consent log's last word on the scope).
     */
    ALLOW_ONCE,
    /** Granted until a time ([ScopeStanding.untilMs]) still to come. */
    UNTIL,
    /** Never decided, or no longer in force (an ended grant, a reset). */
    UNASKED,
    /** Not decided, and dismissed too often: no dialog until the cooldown ends ([EngineConfig.maxDismissals]). */
    EMBARGOED,
    /** Granted but unused for [EngineConfig.autoRevokeUnusedDays]: the next [AuthEngine.runMaintenance] revokes it. */
    DUE_FOR_AUTO_REVOKE,
}

internal fun GScopeStanding.toPublic(): ScopeStanding = ScopeStanding(
    appId,
    pluginId,
    scope,
    standing.toPublic(),
    untilMs,
    lastUsedAtMs,
    dismissals.toInt(),
    decidedAtMs,
)

internal fun GStanding.toPublic(): Standing = when (this) {
    GStanding.GRANTED -> Standing.GRANTED
    GStanding.DENIED -> Standing.DENIED
    GStanding.ALLOW_ONCE -> Standing.ALLOW_ONCE
    GStanding.UNTIL -> Standing.UNTIL
    GStanding.UNASKED -> Standing.UNASKED
    GStanding.EMBARGOED -> Standing.EMBARGOED
    GStanding.DUE_FOR_AUTO_REVOKE -> Standing.DUE_FOR_AUTO_REVOKE
}
