package com.miniappauth

import com.miniappauth.internal.AuthEngine as GeneratedEngine
import com.miniappauth.internal.Grant as GGrant
import com.miniappauth.internal.GrantObserver
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * [AuthEngine.grantChanges]: a user's grants, now and after every change,
 * whatever made it: a dialog, the settings page, administration, a grant that
 * ended, another engine or process on the same file. Each value is the user's
 * whole list (as [AuthEngine.listGrants] gives it), so a slow collector only
 * misses intermediate states — it always gets the latest (the flow is conflated).
 *
 * Collecting starts one observation in the core (its watch thread reads the
 * grants; nothing runs on the collector's thread but the hand-over); cancelling
 * the collection — leaving the screen's scope, `take(n)`, `first { … }` — cancels
 * that observation. Closing the engine ([AuthEngine.close], [AuthEngine.shutdown])
 * completes the flow: a collector's `collect` returns (a logout screen does not hang).
 *
 * Throws [MiniAppAuthException.InvalidArgument] on collection for an invalid user
 * id, and [MiniAppAuthException.Closed] when collected after the engine was closed.
 */
internal fun grantChangesOf(engine: GeneratedEngine, userId: String): Flow<List<Grant>> = callbackFlow {
    val observation = translated {
        engine.observeGrants(userId, object : GrantObserver {
            override fun grantsChanged(userId: String, grants: List<GGrant>) {
                trySend(grants.map { it.toPublic() }) // on the core's watch thread; conflated, never blocks it
            }

            override fun observationEnded() {
                channel.close() // the engine closed: the flow completes
            }
        })
    }
    awaitClose {
        observation.cancel()
        observation.close()
    }
}.buffer(Channel.CONFLATED)
