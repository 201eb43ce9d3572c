import MiniAppAuth

/// Small fixtures for a host's unit tests: callers, manifests (app.json-shaped
/// JSON, as `AuthEngine.registerManifest` takes it), in-memory engines, and
/// the values a fake `MiniAppAuthEngine` of the host's own returns (results
/// worded as the engine words them, grants).
public enum Fixtures {
    /// A caller; a plugin and a tap only when said.
    public static func caller(
        userId: String = "u1", appId: String = "wxTestApp", pluginId: String? = nil, userGesture: Bool = false
    ) -> Caller {
        Caller(userId: userId, appId: appId, pluginId: pluginId, userGesture: userGesture)
    }

    /// A manifest: the app's `name`, a purpose string per scope (`purposes`:
    /// `permission.<scope>.desc`), the private-info APIs it declares, and — when
    /// `privacyContract` is given — a privacy contract of that name and
    /// `privacyVersion` declaring `privacyScopes` and the kinds of information
    /// `privacyInfos` (WeChat's `privacy_key`s: `Clipboard`, `Album`, …). Keys in a fixed order (the
    /// purposes sorted by scope), so the same arguments give the same text.
    public static func manifest(
        name: String = "Test app",
        purposes: [String: String] = [:],
        requiredPrivateInfos: [String] = [],
        privacyContract: String? = nil,
        privacyVersion: String = "1",
        privacyScopes: [String] = [],
        privacyInfos: [String] = []
    ) -> String {
        var json = "{\"name\":" + quoted(name)
        json += ",\"permission\":{"
        json += purposes.keys.sorted().map { quoted($0) + ":{\"desc\":" + quoted(purposes[$0]!) + "}" }.joined(separator: ",")
        json += "},\"requiredPrivateInfos\":[" + requiredPrivateInfos.map(quoted).joined(separator: ",") + "]"
        if let privacyContract {
            json += ",\"privacy\":{\"contractName\":" + quoted(privacyContract)
            json += ",\"version\":" + quoted(privacyVersion)
            json += ",\"scopes\":[" + privacyScopes.map(quoted).joined(separator: ",") + "]"
            if !privacyInfos.isEmpty {
                json += ",\"infos\":[" + privacyInfos.map(quoted).joined(separator: ",") + "]"
            }
            json += "}"
        }
        return json + "}"
    }

    /// An engine over a private in-memory database, asking `ui` (by default a
    /// `ScriptedConsentUi` with nothing scripted: every scope dialog fails).
    public static func inMemoryEngine(ui: any ConsentUi = ScriptedConsentUi(), config: EngineConfig? = nil) throws -> AuthEngine {
        try AuthEngine.inMemory(ui: ui, config: config)
    }

    /// `<api>:ok`, worded as the engine words it (`{"errMsg":"<api>:ok"}`), for a fake engine.
    public static func okResult(_ api: String) -> ApiResult {
        ApiResult(ok: true, errMsg: "\(api):ok", errno: nil, json: "{\"errMsg\":" + quoted("\(api):ok") + "}")
    }

    /// `<api>:fail <reason>` with `errno` (docs/behaviour.md's table), worded as
    /// the engine words it, for a fake engine: `failResult("authorize", "auth deny", errno: 103)`.
    public static func failResult(_ api: String, _ reason: String, errno: Int) -> ApiResult {
        let errMsg = "\(api):fail \(reason)"
        return ApiResult(ok: false, errMsg: errMsg, errno: errno, json: "{\"errMsg\":" + quoted(errMsg) + ",\"errno\":\(errno)}")
    }

    /// A stored decision, for a fake engine's `listGrants` or `grantChanges`:
    /// granted by a dialog at 0 ms, never used, with no end, unless said.
    public static func grant(
        userId: String = "u1", appId: String = "wxTestApp", pluginId: String? = nil, scope: String,
        state: GrantState = .granted, source: DecisionSource = .dialog, updatedAtMs: Int64 = 0,
        expiresAtMs: Int64? = nil, lastUsedAtMs: Int64? = nil
    ) -> Grant {
        Grant(
            userId: userId, appId: appId, pluginId: pluginId, scope: scope, state: state, source: source,
            updatedAtMs: updatedAtMs, expiresAtMs: expiresAtMs, lastUsedAtMs: lastUsedAtMs)
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
