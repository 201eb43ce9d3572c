package com.example.host

import com.miniappauth.AuthEngine
import com.miniappauth.Caller
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch

/**
 * The WebView bridge without the WebView: what `WebViewCompat.addWebMessageListener`'s
 * listener calls (see the host guide for those few Android lines). A message is
 * `"<id>\n<call JSON>"`; the reply is `"<id>\n<result JSON>"`, posted back through
 * the listener's `JavaScriptReplyProxy`.
 *
 * The WebView injects the `miniAppAuth` object only into frames whose origin is in
 * the allow-list given to `addWebMessageListener`; this checks again (and refuses
 * sub-frames), so a listener registered with a broader rule by mistake still
 * answers no one else. The caller's identity is the host's ([caller]: its
 * session, the app it opened, whether a tap just happened), never the page's.
 * The page's calls go through [AuthEngine.handlePageCall], which refuses the
 * runtime's own `agreePrivacyAuthorization`: only the host's renderer of the
 * agree button reports that tap (with [AuthEngine.agreePrivacyAuthorization]),
 * or a mini app could agree for the user on any tap.
 */
class MiniAppBridge(
    private val engine: AuthEngine,
    private val scope: CoroutineScope,
    private val allowedOrigins: Set<String>,
    private val caller: () -> Caller,
) {
    fun onPostMessage(sourceOrigin: String, isMainFrame: Boolean, message: String?, reply: (String) -> Unit) {
        if (!isMainFrame || sourceOrigin !in allowedOrigins) return // not the mini app's frame: no answer at all
        val text = message ?: return
        val newline = text.indexOf('\n')
        if (newline <= 0) return
        val id = text.substring(0, newline)
        val callJson = text.substring(newline + 1)
        val who = caller() // now, on the main thread, while the tap is still current
        scope.launch {
            reply("$id\n${engine.handlePageCall(who, callJson)}")
        }
    }
}
