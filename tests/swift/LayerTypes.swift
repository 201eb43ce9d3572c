// The layer's own types (issue #21, "a locked API"): EngineConfig's defaults
// come from the core and its signed knobs are checked; every record and enum
// crosses the boundary (Boundary.swift) both ways with its fields intact —
// host-made values out (ScopeDefinition, SettingsAnswer with its subscription
// part, ConsentDecision.allowUntil, OsPermissionStatus), the engine's values
// back (Grant, ConsentRecord, ConsentLogHead, LogVerification, SettingsRequest).

import Foundation
import MiniAppAuth

/// A ConsentUi whose settings page and scope answer the scenario sets, recording the requests.
final class RecordingUi: ConsentUi, @unchecked Sendable {
    private let lock = NSLock()
    private var _settings: [SettingsRequest] = []
    private var _scopes: [ScopeRequest] = []
    let decision: ConsentDecision
    let subscriptionsAnswer: @Sendable (SubscriptionsSetting?) -> SubscriptionsSetting?

    init(decision: ConsentDecision = .allow,
         subscriptionsAnswer: @escaping @Sendable (SubscriptionsSetting?) -> SubscriptionsSetting? = { $0 }) {
        self.decision = decision
        self.subscriptionsAnswer = subscriptionsAnswer
    }

    var settings: [SettingsRequest] { lock.withLock { _settings } }
    var scopes: [ScopeRequest] { lock.withLock { _scopes } }

    func askScope(_ request: ScopeRequest) async throws -> ConsentDecision {
        lock.withLock { _scopes.append(request) }
        return decision
    }
    func showSettings(_ request: SettingsRequest) async throws -> SettingsAnswer {
        lock.withLock { _settings.append(request) }
        return SettingsAnswer(items: request.items, subscriptions: subscriptionsAnswer(request.subscriptions))
    }
    func askPrivacy(_ request: PrivacyRequest) async throws -> PrivacyDecision { .agree }
    func showPrivacyContract(_ request: PrivacyRequest) async throws {}
    func askSubscribe(_ request: SubscribeRequest) async throws -> SubscribeAnswer {
        .chosen(choices: request.tmplIds.map { TemplateChoice(tmplId: $0, choice: .accept) }, keep: true)
    }
}

/// An OS permission probe answering `.denied` for one permission, recording what it was asked.
final class DenyingProbe: OsPermissionProbe, @unchecked Sendable {
    private let lock = NSLock()
    private var _asked: [OsPermission] = []
    let denied: OsPermission
    init(denying denied: OsPermission) { self.denied = denied }
    var asked: [OsPermission] { lock.withLock { _asked } }
    func status(_ permission: OsPermission) throws -> OsPermissionStatus {
        lock.withLock { _asked.append(permission) }
        return permission == denied ? .denied : .granted
    }
}

extension Scenarios {
    static func layerTypeScenarios() async {
        await scenario("EngineConfig(): WeChat's defaults, read from the core; settable knobs reach it") {
            let config = EngineConfig()
            try expect(config.dialogTimeoutMs, 600_000, "dialogTimeoutMs")
            try expect(config.softDeny, false, "softDeny")
            try expect(config.maxDenials, 2, "maxDenials")
            try expect(config.maxDismissals, 0, "maxDismissals")
            try expect(config.dismissalCooldownMs, 604_800_000, "dismissalCooldownMs")
            try expect(config.autoRevokeUnusedDays, 0, "autoRevokeUnusedDays")
            try expect(config.reconsentOnChange, false, "reconsentOnChange")
            try expect(config.privacyRefusalGapMs, 10_000, "privacyRefusalGapMs")
            var soft = EngineConfig()
            soft.softDeny = true
            try expect(EngineConfig { $0.softDeny = true }, soft, "the closure form and the var form")
            // softDeny with maxDenials 3: asked again after the first two denials.
            let ui = ScriptedUi("deny", "deny", "deny")
            let engine = try AuthEngine.inMemory(ui: ui, config: EngineConfig { $0.softDeny = true; $0.maxDenials = 3 })
            for _ in 0..<4 { try expect(await engine.auth("scope.camera"), DENY) }
            try expect(ui.shown.count, 3, "dialogs under softDeny, maxDenials 3")
        }

        await scenario("EngineConfig: a negative knob or a count past UInt32.max is refused; nothing is opened") {
            let path = tempDb()
            for (name, config) in [
                ("dialogTimeoutMs", EngineConfig { $0.dialogTimeoutMs = -1 }),
                ("maxDenials", EngineConfig { $0.maxDenials = -2 }),
                ("maxDismissals", EngineConfig { $0.maxDismissals = Int(UInt32.max) + 1 }),
                ("dismissalCooldownMs", EngineConfig { $0.dismissalCooldownMs = .min }),
                ("autoRevokeUnusedDays", EngineConfig { $0.autoRevokeUnusedDays = -1 }),
                ("privacyRefusalGapMs", EngineConfig { $0.privacyRefusalGapMs = -10_000 }),
            ] {
                do {
                    _ = try await AuthEngine.open(path: path, ui: ScriptedUi(), config: config)
                    throw Failure(description: "open took a bad \(name)")
                } catch MiniAppAuthError.invalidArgument(let reason) {
                    try expect(reason.hasPrefix("EngineConfig.\(name) must be between 0 and "), true, reason)
                }
                do {
                    _ = try AuthEngine.inMemory(ui: ScriptedUi(), config: config)
                    throw Failure(description: "inMemory took a bad \(name)")
                } catch MiniAppAuthError.invalidArgument {}
            }
            try expect(FileManager.default.fileExists(atPath: path), false, "a database file after the refusals")
            let largest = EngineConfig { $0.maxDismissals = Int(UInt32.max); $0.dialogTimeoutMs = .max }
            _ = try AuthEngine.inMemory(ui: ScriptedUi(), config: largest)
        }

        await scenario("a host scope's definition goes in and comes back field for field") {
            let engine = try AuthEngine.inMemory(ui: ScriptedUi("allow"))
            let definition = ScopeDefinition(
                name: "scope.hostScanner", title: "Scanner", description: "Scan codes with the host's scanner",
                guardedApis: ["hostScan"], osPermission: .camera, kind: .promptable, requiresPurpose: false)
            try engine.registerScope(definition)
            try expect(engine.scopes().first { $0.name == "scope.hostScanner" }, definition, "the registered scope")
            let background = engine.scopes().first { $0.name == "scope.userLocationBackground" }
            try expect(background?.kind, .settingsOnly, "a built-in scope's kind")
            try expect(background?.osPermission, .locationBackground, "a built-in scope's OS permission")
            try expect(engine.scopes().first { $0.name == "scope.userInfo" }?.kind, .neverPrompts)
            try expect(engine.scopes().first { $0.name == "scope.address" }?.kind, .alwaysGranted)
            try expect(await engine.ensure(me(), api: "hostScan").json, #"{"errMsg":"hostScan:ok"}"#)
            do {
                try engine.registerScope(ScopeDefinition(name: "scope.untitled", title: " ", description: "", guardedApis: []))
                throw Failure(description: "a scope without a title was registered")
            } catch MiniAppAuthError.invalidScope(let reason) {
                try expect(reason, "scope.untitled needs a title")
            }
        }

        await scenario("allowUntil, grants, the consent log: the engine's values with every field") {
            let until = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
            let ui = RecordingUi(decision: .allowUntil(untilMs: until))
            let engine = try AuthEngine.inMemory(ui: ui)
            try expect(await engine.auth("scope.record"), OK)
            try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.camera", granted: false, pluginId: "wxPlugin")
            let grants = try await engine.listGrants(userId: "u1").sorted { $0.scope < $1.scope }
            try expect(grants.map { "\($0.userId) \($0.appId) \($0.pluginId ?? "-") \($0.scope) \($0.state) \($0.source)" },
                       ["u1 wxA wxPlugin scope.camera denied admin", "u1 wxA - scope.record granted dialog"])
            try expect(grants[1].expiresAtMs, until, "the allow-until end")
            try expect(grants[1].updatedAtMs > 0, true, "updatedAtMs")
            try expect(ui.scopes.map { "\($0.userId) \($0.appId) \($0.scope) \($0.api) \($0.scopeTitle.isEmpty)" },
                       ["u1 wxA scope.record authorize false"])
            let records = try await engine.consentRecords()
            try expect(records.map(\.seq), [1, 2], "sequence numbers")
            try expect(records[0].untilMs, until, "the record's until")
            try expect(records[1].pluginId, "wxPlugin")
            try expect(records[1].prevHash, records[0].hash, "the chain")
            let head = try await engine.consentLogHead()
            try expect(head.seq, 2, "the head's seq")
            try expect(head.hash, records[1].hash, "the head's hash")
            let verification = try await engine.verifyConsentLog()
            try expect(verification.intact, true)
            try expect(verification.records, 2, "records checked")
            try expect(verification.firstBrokenSeq, nil)
            let maintenance = try await engine.runMaintenance()
            try expect([maintenance.revokedUnused, maintenance.removedExpired], [0, 0], "maintenance")
        }

        await scenario("the settings page's subscription part goes out and comes back (SubscriptionsSetting, TemplateChoice)") {
            let ui = RecordingUi(subscriptionsAnswer: { shown in
                shown.map { SubscriptionsSetting(mainSwitch: false, itemSettings: $0.itemSettings) }
            })
            let engine = try AuthEngine.inMemory(ui: ui)
            let tap = me(tap: true)
            try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T1"]).json,
                #"{"errMsg":"requestSubscribeMessage:ok","T1":"accept"}"#)
            try expect(await engine.openSetting(tap, withSubscriptions: true).ok, true)
            try expect(ui.settings.first?.subscriptions,
                       SubscriptionsSetting(mainSwitch: true, itemSettings: [TemplateChoice(tmplId: "T1", choice: .accept)]),
                       "the subscription part shown")
            try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T1"]).json,
                #"{"errMsg":"requestSubscribeMessage:fail The main switch is switched off","errCode":20004,"errno":20004}"#)
        }

        await scenario("the OS permission probe gets the layer's OsPermission and its status is obeyed") {
            let engine = try AuthEngine.inMemory(ui: ScriptedUi())
            try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.camera", granted: true)
            let probe = DenyingProbe(denying: .camera)
            engine.setOsPermissionProbe(probe)
            let answer = await engine.authorize(me(), scope: "scope.camera")
            try expect(answer.errno, 3, answer.json)
            try expect(probe.asked.contains(.camera), true, "asked about the camera")
            engine.setOsPermissionProbe(nil)
            try expect(await engine.auth("scope.camera"), OK)
        }
    }
}
