package com.miniappauth.testing

import com.miniappauth.ApiResult
import com.miniappauth.AuthEngine
import com.miniappauth.Caller
import com.miniappauth.ConsentUi
import com.miniappauth.EngineConfig

/**
 * Small fixtures for a host's unit tests: callers, manifests (app.json-shaped
 * JSON, as [AuthEngine.registerManifest] takes it) and in-memory engines.
 */
public object Fixtures {
    /** A caller; a tap only when [userGesture]. */
    @JvmStatic
    @JvmOverloads
    public fun caller(userId: String = "u1", appId: String = "wxTestApp", pluginId: String? = null, userGesture: Boolean = false): Caller =
        Caller(userId, appId, pluginId, userGesture)

    /**
     * A manifest: the app's [name], a purpose string per scope ([purposes]:
     * `permission.<scope>.desc`), the private-info APIs it declares, and — when
     * [privacyContract] is given — a privacy contract of that name and
     * [privacyVersion] declaring [privacyScopes] and the kinds of information
     * [privacyInfos] (WeChat's `privacy_key`s: `Clipboard`, `Album`, …).
     */
    @JvmStatic
    @JvmOverloads
    public fun manifest(
        name: String = "Test app",
        purposes: Map<String, String> = emptyMap(),
        requiredPrivateInfos: List<String> = emptyList(),
        privacyContract: String? = null,
        privacyVersion: String = "1",
        privacyScopes: List<String> = emptyList(),
        privacyInfos: List<String> = emptyList(),
    ): String = buildString {
        append("{\"name\":").append(quoted(name))
        append(",\"permission\":{")
        append(purposes.entries.joinToString(",") { (scope, desc) -> "${quoted(scope)}:{\"desc\":${quoted(desc)}}" })
        append("},\"requiredPrivateInfos\":[").append(requiredPrivateInfos.joinToString(",", transform = ::quoted)).append("]")
        if (privacyContract != null) {
            append(",\"privacy\":{\"contractName\":").append(quoted(privacyContract))
            append(",\"version\":").append(quoted(privacyVersion))
            append(",\"scopes\":[").append(privacyScopes.joinToString(",", transform = ::quoted)).append("]")
            if (privacyInfos.isNotEmpty()) {
                append(",\"infos\":[").append(privacyInfos.joinToString(",", transform = ::quoted)).append("]")
            }
            append("}")
        }
        append("}")
    }

    /** An engine over a private in-memory database, asking [ui]. */
    @JvmStatic
    @JvmOverloads
    public fun inMemoryEngine(ui: ConsentUi = ScriptedConsentUi(), config: EngineConfig? = null): AuthEngine =
        AuthEngine.inMemory(ui, config)

    /** `<api>:ok`, worded as the engine words it, for a fake [com.miniappauth.MiniAppAuthEngine]. */
    @JvmStatic
    public fun okResult(api: String): ApiResult =
        ApiResult(ok = true, errMsg = "$api:ok", errno = null, json = "{\"errMsg\":${quoted("$api:ok")}}")

    /** `<api>:fail <reason>` with [errno] (docs/behaviour.md's table), for a fake engine. */
    @JvmStatic
    public fun failResult(api: String, reason: String, errno: Int): ApiResult {
        val errMsg = "$api:fail $reason"
        return ApiResult(ok = false, errMsg = errMsg, errno = errno, json = "{\"errMsg\":${quoted(errMsg)},\"errno\":$errno}")
    }

    private fun quoted(text: String): String = buildString {
        append('"')
        for (c in text) {
            when {
                c == '"' -> append("\\\"")
                c == '\\' -> append("\\\\")
                c < ' ' -> append("\\u%04x".format(c.code))
                else -> append(c)
            }
        }
        append('"')
    }
}
