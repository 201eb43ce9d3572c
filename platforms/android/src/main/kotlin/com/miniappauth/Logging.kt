package com.miniappauth

import com.miniappauth.internal.LogSink as GeneratedLogSink
import com.miniappauth.internal.LogRecord as GLogRecord
import com.miniappauth.internal.setLogSink

/**
 * Where the host wants the core's log records (Logcat, its crash reporter, …).
 * Called on whichever thread logged (often a core thread): keep it quick and
 * thread-safe. A lambda will do: `MiniAppAuthLog.setSink { Log.i("miniapp-auth", it.message) }`.
 */
public fun interface LogSink {
    /** Called with each record. */
    public fun log(record: LogRecord)
}

/** The core's log, process-wide (every engine). */
public object MiniAppAuthLog {
    /**
     * Sends the core's records up to [maxLevel] to [sink]; `null` stops them.
     * Returns false when another Rust logger was installed in this process first
     * (a host that also embeds other Rust code): the records go there instead.
     */
    @JvmStatic
    @JvmOverloads
    public fun setSink(maxLevel: LogLevel = LogLevel.INFO, sink: LogSink?): Boolean =
        setLogSink(sink?.let(::LogSinkAdapter), maxLevel.toGenerated())
}

private class LogSinkAdapter(private val sink: LogSink) : GeneratedLogSink {
    override fun log(record: GLogRecord) {
        try {
            sink.log(record.toPublic())
        } catch (e: Exception) {
            // A sink that throws loses its record, never the core's call.
        }
    }
}
