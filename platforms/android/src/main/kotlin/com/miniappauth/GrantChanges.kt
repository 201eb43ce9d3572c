package com.miniappauth

import com.miniappauth.internal.GrantObserver
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * A user's grants, now and after every change, whatever made it: a dialog, the
 * settings page, administration, a grant that ended, another engine or process
 * on the same file. Each value is the user's whole list (as [AuthEngine.listGrants]
 * gives it), so a slow collector only misses intermediate states — it always
 * gets the latest (the flow is conflated).
 *
 * Collecting starts one observation in the core (its watch thread reads the
 * grants; nothing runs on the collector's thread but the hand-over); cancelling
 * the collection — leaving the screen's scope, `take(n)`, `first { … }` — cancels
 * that observation. Closing the engine stops the updates.
 *
 * Throws [MiniAppAuthException.InvalidArgument] on collection for an invalid user id.
 */
fun AuthEngine.grantChanges(userId: String): Flow<List<Grant>> = callbackFlow {
    val observation = translated {
        generated.observeGrants(userId, object : GrantObserver {
            override fun grantsChanged(userId: String, grants: List<Grant>) {
                trySend(grants) // called on the core's watch thread; conflated, never blocks it
            }
        })
    }
    awaitClose {
        observation.cancel()
        observation.close()
    }
}.buffer(Channel.CONFLATED)
