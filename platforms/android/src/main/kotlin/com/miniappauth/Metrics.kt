package com.miniappauth

import com.miniappauth.internal.MetricEvent as GMetricEvent
import com.miniappauth.internal.MetricsSink as GeneratedMetricsSink
import com.miniappauth.internal.setMetricsSink

/** What a [MetricEvent] counts. */
public enum class MetricName {
    DIALOG_SHOWN, DIALOG_ANSWERED, DIALOG_TIMED_OUT, DIALOG_CANCELLED, DIALOG_FAILED, PROBE_FAILED,
    OBSERVER_FAILED, DATABASE_QUARANTINED, STORE_FAILED, COMMIT, EVENTS_DROPPED,
}

/** Which dialog a dialog event is about. */
public enum class DialogKind { SCOPE, PRIVACY, PRIVACY_CONTRACT, SETTINGS, SUBSCRIBE }

/** How a dialog was answered. */
public enum class DialogAnswer { ALLOW, ALLOW_ONCE, ALLOW_UNTIL, DENY, DISMISS, AGREE, DISAGREE, CHOSEN, APP_BANNED, CLOSED, FAILED }

/**
 * One count of the core's metrics: [name], how many ([count]), how long
 * ([durationUs], for a dialog the user's time, for a commit its own), and
 * which app, scope, dialog and answer. Never a user id, a path or a message:
 * built to be uploaded (docs/security.md).
 */
public class MetricEvent internal constructor(
    /** What it counts. */
    public val name: MetricName,
    /** How many (1, or the events dropped). */
    public val count: Long,
    /** How long, in microseconds, where it has a duration. */
    public val durationUs: Long?,
    /** The mini app, where there is one. */
    public val appId: String?,
    /** The scope, where there is one. */
    public val scope: String?,
    /** The dialog, for a dialog event. */
    public val dialog: DialogKind?,
    /** The answer, for an answered dialog. */
    public val answer: DialogAnswer?,
) {
    override fun equals(other: Any?): Boolean =
        other is MetricEvent && name == other.name && count == other.count && durationUs == other.durationUs &&
            appId == other.appId && scope == other.scope && dialog == other.dialog && answer == other.answer

    override fun hashCode(): Int = java.util.Objects.hash(name, count, durationUs, appId, scope, dialog, answer)

    override fun toString(): String =
        "MetricEvent(name=$name, count=$count, durationUs=$durationUs, appId=$appId, scope=$scope, dialog=$dialog, answer=$answer)"
}

/** Where the host wants the core's metrics (its analytics); called on the core's metrics thread, never on a call's path. */
public fun interface MetricsSink {
    /** Called with each event. */
    public fun record(event: MetricEvent)
}

/** The core's metrics, process-wide (every engine), beside [MiniAppAuthLog]. */
public object MiniAppAuthMetrics {
    /** Sends the core's metric events to [sink]; `null` stops them. A sink that throws loses its event, never a call. */
    @JvmStatic
    public fun setSink(sink: MetricsSink?) {
        setMetricsSink(sink?.let(::MetricsSinkAdapter))
    }
}

private class MetricsSinkAdapter(private val sink: MetricsSink) : GeneratedMetricsSink {
    override fun record(event: GMetricEvent) {
        try {
            sink.record(event.toPublic())
        } catch (e: Exception) {
            // A sink that throws loses its event, never the core's call.
        }
    }
}

internal fun GMetricEvent.toPublic(): MetricEvent = MetricEvent(
    MetricName.valueOf(name.name), count, durationUs, appId, scope,
    dialog?.let { DialogKind.valueOf(it.name) }, answer?.let { DialogAnswer.valueOf(it.name) },
)
