package com.miniappauth

import com.miniappauth.internal.AuthException

/**
 * What the engine's host-side operations (opening, registering, administration)
 * throw. Mini-app calls never throw: they answer in WeChat's dialect
 * ([ApiResult]). Each subclass carries a readable [message]; none carries
 * personal data beyond what the host passed in.
 */
public sealed class MiniAppAuthException(message: String, cause: Throwable?) : Exception(message, cause) {
    /** The database could not be opened, read or written; retrying may help (after freeing disk space, say). */
    public class Storage(public val reason: String, cause: Throwable? = null) :
        MiniAppAuthException("miniapp-auth storage error: $reason", cause)

    /** The file was written by a newer version of this library; it was left untouched. */
    public class DatabaseTooNew(public val found: Long, public val supported: Long, cause: Throwable? = null) :
        MiniAppAuthException(
            "the database has schema version $found, newer than this library's $supported; " +
                "it was left untouched (upgrade the library or use another file)",
            cause,
        )

    /** An app manifest was rejected; nothing was registered. */
    public class InvalidManifest(public val reason: String, cause: Throwable? = null) :
        MiniAppAuthException("invalid manifest: $reason", cause)

    /** A scope name or definition was rejected; nothing changed. */
    public class InvalidScope(public val reason: String, cause: Throwable? = null) :
        MiniAppAuthException("invalid scope: $reason", cause)

    /** An argument (a user or app id, a path, …) was rejected; nothing changed. */
    public class InvalidArgument(public val reason: String, cause: Throwable? = null) :
        MiniAppAuthException("invalid argument: $reason", cause)

    /** The engine was closed ([AuthEngine.close], [AuthEngine.shutdown]); nothing changed. Open a new one. */
    public class Closed(cause: Throwable? = null) :
        MiniAppAuthException("the engine was closed", cause)
}

/** The generated exception as the layer's: the same facts, a readable message, the original as the cause. */
internal fun AuthException.toPublic(): MiniAppAuthException = when (this) {
    is AuthException.Storage -> MiniAppAuthException.Storage(reason, this)
    is AuthException.DatabaseTooNew -> MiniAppAuthException.DatabaseTooNew(found, supported, this)
    is AuthException.InvalidManifest -> MiniAppAuthException.InvalidManifest(reason, this)
    is AuthException.InvalidScope -> MiniAppAuthException.InvalidScope(reason, this)
    is AuthException.InvalidArgument -> MiniAppAuthException.InvalidArgument(reason, this)
    is AuthException.Closed -> MiniAppAuthException.Closed(this)
}

/** Runs a generated call, rethrowing its [AuthException] as a [MiniAppAuthException]. */
internal inline fun <T> translated(block: () -> T): T =
    try {
        block()
    } catch (e: AuthException) {
        throw e.toPublic()
    }
