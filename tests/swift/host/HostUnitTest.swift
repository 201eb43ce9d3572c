// A host team's unit test (issue #21, "test seams"): host code written against
// the MiniAppAuthEngine protocol, tested twice — with the real engine
// (Fixtures.inMemoryEngine) and MiniAppAuthTesting's ScriptedConsentUi, and with
// a fake engine of the host's own — plus ScriptedConsentUi's own script (each
// answer, hold and release, a dialog the engine takes down, a failure) and the
// fixtures. It imports only the two modules a host's test target gets; it is a
// module of its own (tests/swift/run.sh), in Swift 5 and Swift 6 language modes.

import MiniAppAuth
import MiniAppAuthTesting

// MARK: the host's own code under test

/// Opens the camera only when the mini app may use it.
@MainActor
final class CameraButton {
    private let engine: any MiniAppAuthEngine
    private let caller: Caller
    private(set) var opened = 0

    init(engine: any MiniAppAuthEngine, caller: Caller) {
        self.engine = engine
        self.caller = caller
    }

    /// The mini app's button was tapped: ask, and open the camera if allowed.
    func tap() async -> String {
        let answer = await engine.authorize(caller, scope: "scope.camera")
        if answer.ok { opened += 1 }
        return answer.errMsg
    }
}

/// The host's own permissions screen for one app: a row per decided scope; a switch turns one off.
struct PermissionsScreen: Sendable {
    let engine: any MiniAppAuthEngine
    let userId: String
    let appId: String

    func rows() async throws -> [String] {
        try await engine.listGrants(userId: userId, appId: appId)
            .map { "\($0.scope): \($0.state == .granted ? "on" : "off")" }.sorted()
    }

    func turnOff(_ scope: String) async throws {
        try await engine.setGrant(userId: userId, appId: appId, scope: scope, granted: false)
    }

    /// The first list the change stream gives.
    func firstChange() async throws -> [String] {
        for await grants in try engine.grantChanges(userId: userId) {
            return grants.map { "\($0.appId) \($0.scope)" }.sorted()
        }
        return []
    }
}

/// A fake engine of the host's own: allows the scopes it was given, holds a fixed list of grants.
final class AllowingEngine: MiniAppAuthEngine {
    let allowed: Set<String>
    let grants: [Grant]

    init(allowing allowed: Set<String>, grants: [Grant] = []) {
        self.allowed = allowed
        self.grants = grants
    }

    private func result(_ api: String, _ ok: Bool) -> ApiResult {
        ok ? Fixtures.okResult(api) : Fixtures.failResult(api, "auth deny", errno: 103)
    }

    func authorize(_ caller: Caller, scope: String) async -> ApiResult { result("authorize", allowed.contains(scope)) }
    func getSetting(_ caller: Caller, withSubscriptions: Bool) async -> ApiResult { result("getSetting", true) }
    func openSetting(_ caller: Caller, withSubscriptions: Bool) async -> ApiResult { result("openSetting", true) }
    func authorizeForMiniProgram(_ caller: Caller, scope: String) async -> ApiResult {
        result("authorizeForMiniProgram", allowed.contains(scope))
    }
    func getPrivacySetting(_ caller: Caller) async -> ApiResult { result("getPrivacySetting", true) }
    func requirePrivacyAuthorize(_ caller: Caller) async -> ApiResult { result("requirePrivacyAuthorize", true) }
    func agreePrivacyAuthorization(_ caller: Caller, buttonId: String?) async -> ApiResult {
        result("agreePrivacyAuthorization", true)
    }
    func requestSubscribeMessage(_ caller: Caller, tmplIds: [String]) async -> ApiResult { result("requestSubscribeMessage", true) }
    func openPrivacyContract(_ caller: Caller) async -> ApiResult { result("openPrivacyContract", true) }
    func ensure(_ caller: Caller, api: String) async -> ApiResult { result(api, true) }
    func handle(_ caller: Caller, callJson: String) async -> String { result("handle", true).json }
    func registerManifest(appId: String, manifestJson: String) async throws {}
    func listGrants(userId: String, appId: String?) async throws -> [Grant] {
        grants.filter { $0.userId == userId && (appId == nil || $0.appId == appId) }
    }
    func setGrant(userId: String, appId: String, scope: String, granted: Bool, pluginId: String?) async throws {}
    func revokeGrant(userId: String, appId: String, scope: String, pluginId: String?) async throws {}
    func resetApp(appId: String, userId: String?) async throws -> Int64 { 0 }
    func forgetUser(userId: String) async throws -> Int64 { 0 }
    func endAppRun(userId: String, appId: String) async throws {}
    func grantChanges(userId: String) throws -> AsyncStream<[Grant]> {
        let mine = grants.filter { $0.userId == userId }
        return AsyncStream { continuation in
            continuation.yield(mine)
            continuation.finish()
        }
    }
    func close() {}
    func shutdown() async {}
    var isClosed: Bool { false }
}

// MARK: the test runner

struct Failure: Error, CustomStringConvertible { let description: String }

func expect<T: Equatable>(_ actual: T, _ expected: T, _ what: String = "") throws {
    if actual != expected { throw Failure(description: "\(what): expected <\(expected)> but was <\(actual)>") }
}

/// Waits (up to 10 s) until `condition` holds.
func waitUntil(_ what: String, _ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<2000 {
        if condition() { return }
        try? await Task.sleep(nanoseconds: 5_000_000)
    }
    throw Failure(description: "gave up waiting until \(what)")
}

let OK = "authorize:ok"
let DENY_JSON = #"{"errMsg":"authorize:fail auth deny","errno":103}"#

@main
@MainActor
struct HostUnitTest {
    static var passed = 0
    static var failed = 0

    static func check(_ name: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            passed += 1
            print("ok   host: \(name)")
        } catch {
            failed += 1
            print("FAIL host: \(name): \(error)")
        }
    }

    static func main() async {
        await check("the real engine with ScriptedConsentUi: allow, then the grant stands without a dialog") {
            let ui = ScriptedConsentUi(.allow)
            let engine = try Fixtures.inMemoryEngine(ui: ui)
            try await engine.registerManifest(appId: "wxTestApp", manifestJson: Fixtures.manifest(purposes: ["scope.camera": "Scan codes"]))
            let button = CameraButton(engine: engine, caller: Fixtures.caller())
            try expect(await button.tap(), OK, "first tap")
            try expect(await button.tap(), OK, "second tap")
            try expect(button.opened, 2, "camera opened")
            try expect(ui.shown, ["scope wxTestApp scope.camera via authorize"], "dialogs")
            try expect(ui.scopeRequests.first?.purpose, "Scan codes", "the purpose string the dialog showed")
        }

        await check("the real engine with the combined dialog: ScriptedConsentUi ticks the privacy checkbox") {
            let ui = ScriptedConsentUi(.allow, .allow)
            ui.ticksPrivacyCheckbox = false
            let engine = try Fixtures.inMemoryEngine(ui: ui, config: EngineConfig { $0.combinedPrivacyDialog = true })
            try await engine.registerManifest(
                appId: "wxTestApp",
                manifestJson: Fixtures.manifest(privacyContract: "Test guide", privacyScopes: ["scope.camera"]))
            let button = CameraButton(engine: engine, caller: Fixtures.caller())
            try expect(await button.tap(), "authorize:fail privacy permission is not authorized", "unticked")
            ui.ticksPrivacyCheckbox = true
            try expect(await button.tap(), OK, "ticked")
            try expect(ui.shown, Array(repeating: "scope wxTestApp scope.camera via authorize +privacy v1", count: 2), "dialogs")
            try expect(ui.scopeRequests.last?.privacyContract?.contractName, "Test guide", "the checkbox's contract")
        }

        await check("the real engine: a denial keeps the camera shut, and is sticky") {
            let ui = ScriptedConsentUi(.deny)
            let engine = try Fixtures.inMemoryEngine(ui: ui)
            let button = CameraButton(engine: engine, caller: Fixtures.caller())
            try expect(await button.tap(), "authorize:fail auth deny", "first tap")
            try expect(await button.tap(), "authorize:fail auth deny", "second tap")
            try expect(button.opened, 0, "camera opened")
            try expect(ui.shown.count, 1, "dialogs")
        }

        await check("the real engine: the permissions screen lists, turns off and follows changes") {
            let engine = try Fixtures.inMemoryEngine(ui: ScriptedConsentUi(.allow, .allow))
            _ = await engine.authorize(Fixtures.caller(), scope: "scope.camera")
            _ = await engine.authorize(Fixtures.caller(), scope: "scope.record")
            let screen = PermissionsScreen(engine: engine, userId: "u1", appId: "wxTestApp")
            try expect(try await screen.rows(), ["scope.camera: on", "scope.record: on"])
            try await screen.turnOff("scope.camera")
            try expect(try await screen.rows(), ["scope.camera: off", "scope.record: on"])
            try expect(try await screen.firstChange(), ["wxTestApp scope.camera", "wxTestApp scope.record"])
        }

        await check("a fake engine of the host's own, through the same protocol") {
            let fake = AllowingEngine(
                allowing: ["scope.camera"],
                grants: [Fixtures.grant(scope: "scope.camera"), Fixtures.grant(scope: "scope.record", state: .denied)])
            let button = CameraButton(engine: fake, caller: Fixtures.caller())
            try expect(await button.tap(), OK, "tap")
            try expect(button.opened, 1, "camera opened")
            let denied = CameraButton(engine: AllowingEngine(allowing: []), caller: Fixtures.caller())
            try expect(await denied.tap(), "authorize:fail auth deny", "tap, not allowed")
            try expect(denied.opened, 0)
            let screen = PermissionsScreen(engine: fake, userId: "u1", appId: "wxTestApp")
            try expect(try await screen.rows(), ["scope.camera: on", "scope.record: off"])
            try expect(try await screen.firstChange(), ["wxTestApp scope.camera", "wxTestApp scope.record"])
        }

        await check("Fixtures' results are worded as the engine words them, byte for byte") {
            let engine = try Fixtures.inMemoryEngine(ui: ScriptedConsentUi(.allow, .deny))
            try expect(await engine.authorize(Fixtures.caller(), scope: "scope.record"), Fixtures.okResult("authorize"))
            let refused = await engine.authorize(Fixtures.caller(), scope: "scope.camera")
            try expect(refused, Fixtures.failResult("authorize", "auth deny", errno: 103))
            try expect(refused.json, DENY_JSON)
            try expect(await engine.ensure(Fixtures.caller(), api: "startRecord"), Fixtures.okResult("startRecord"))
        }

        await check("ScriptedConsentUi: allow, allowOnce, allowUntil, deny, dismiss, in order; nothing left fails the dialog") {
            let ui = ScriptedConsentUi(.allow, .allowOnce)
            ui.enqueue(.allowUntil(4_102_444_800_000), .deny, .dismiss)
            let engine = try Fixtures.inMemoryEngine(ui: ui)
            let me = Fixtures.caller()
            let answers = [
                await engine.authorize(me, scope: "scope.record"),
                await engine.authorize(me, scope: "scope.camera"),
                await engine.authorize(me, scope: "scope.bluetooth"),
                await engine.authorize(me, scope: "scope.addPhoneContact"),
                await engine.authorize(me, scope: "scope.writePhotosAlbum"),
                await engine.authorize(me, scope: "scope.werun"),
            ]
            try expect(answers.map(\.errno), [nil, nil, nil, 103, 1101, 1301], "errnos")
            try expect(ui.remainingAnswers, 0, "answers left")
            let grants = try await engine.listGrants(userId: "u1")
            try expect(grants.map(\.scope).sorted(), ["scope.addPhoneContact", "scope.bluetooth", "scope.record"],
                       "stored (allow once is not)")
            try expect(grants.first { $0.scope == "scope.bluetooth" }?.expiresAtMs, 4_102_444_800_000)
            try expect(ui.scopeRequests.map(\.scope), ["scope.record", "scope.camera", "scope.bluetooth",
                                                       "scope.addPhoneContact", "scope.writePhotosAlbum", "scope.werun"])
            try expect(ui.shown.last, "scope wxTestApp scope.werun via authorize")
        }

        await check("ScriptedConsentUi: .fail throws DialogUnavailable: the call answers 1301 and grants nothing") {
            let ui = ScriptedConsentUi(.fail("the screen is locked"), .allow)
            let engine = try Fixtures.inMemoryEngine(ui: ui)
            try expect(await engine.authorize(Fixtures.caller(), scope: "scope.record").errMsg,
                       "authorize:fail host dialog failed")
            try expect(try await engine.listGrants(userId: "u1").count, 0, "grants")
            try expect(await engine.authorize(Fixtures.caller(), scope: "scope.record").errMsg, OK)
        }

        await check("ScriptedConsentUi: .hold waits for release(_:)") {
            let ui = ScriptedConsentUi(.hold)
            let engine = try Fixtures.inMemoryEngine(ui: ui)
            try expect(ui.release(.allow), false, "release with nothing held")
            let asking = Task { await engine.authorize(Fixtures.caller(), scope: "scope.record").errMsg }
            try await waitUntil("the dialog is held") { ui.heldCount == 1 }
            try? await Task.sleep(nanoseconds: 50_000_000)
            try expect(ui.heldCount, 1, "still held: nobody answered")
            try expect(ui.release(.allow), true, "release")
            try expect(await asking.value, OK)
            try expect(ui.heldCount, 0, "held after the release")
            try expect(ui.cancelledCount, 0, "cancelled")
        }

        await check("ScriptedConsentUi: a held dialog the engine takes down (timeout, cancelled call, close) is counted") {
            let ui = ScriptedConsentUi(.hold, .hold, .hold)
            let engine = try Fixtures.inMemoryEngine(ui: ui, config: EngineConfig { $0.dialogTimeoutMs = 200 })
            try expect(await engine.authorize(Fixtures.caller(), scope: "scope.record").errMsg, "authorize:fail dialog timed out")
            try await waitUntil("the timed-out dialog is counted") { ui.cancelledCount == 1 }
            try expect(ui.heldCount, 0, "held after the timeout")
            let patient = try Fixtures.inMemoryEngine(ui: ui)
            let asking = Task { await patient.authorize(Fixtures.caller(), scope: "scope.record").errMsg }
            try await waitUntil("the second dialog is held") { ui.heldCount == 1 }
            asking.cancel()
            try expect(await asking.value, "authorize:fail cancelled by the host")
            try await waitUntil("the cancelled dialog is counted") { ui.cancelledCount == 2 }
            let closing = Task { await patient.authorize(Fixtures.caller(), scope: "scope.camera").errMsg }
            try await waitUntil("the third dialog is held") { ui.heldCount == 1 }
            await patient.shutdown()
            try expect(await closing.value, "authorize:fail engine closed")
            try expect(ui.cancelledCount, 3, "cancelled")
            try expect(ui.heldCount, 0, "held")
            try expect(ui.release(.allow), false, "release after all were taken down")
        }

        await check("Fixtures.manifest's kinds of information: getClipboardData passes the privacy gate alone") {
            let ui = ScriptedConsentUi()
            let engine = try Fixtures.inMemoryEngine(ui: ui)
            try await engine.registerManifest(
                appId: "wxTestApp", manifestJson: Fixtures.manifest(privacyContract: "Shop guide", privacyInfos: ["Clipboard"]))
            try expect(await engine.ensure(Fixtures.caller(), api: "getClipboardData").json, #"{"errMsg":"getClipboardData:ok"}"#, "agreed, then ok")
            try expect(await engine.ensure(Fixtures.caller(), api: "chooseMedia").errno, 112, "Album is not declared")
            try expect(ui.shown, ["privacy wxTestApp v1 via getClipboardData"], "the privacy popup, no consent dialog")
            try expect(
                Fixtures.manifest(privacyContract: "G", privacyInfos: ["Clipboard"]),
                #"{"name":"Test app","permission":{},"requiredPrivateInfos":[],"privacy":{"contractName":"G","version":"1","scopes":[],"infos":["Clipboard"]}}"#)
        }

        await check("ScriptedConsentUi: privacy, settings and subscribe answers; Fixtures.manifest's contract") {
            let ui = ScriptedConsentUi(.allow)
            ui.privacyDecision = .disagree
            let engine = try Fixtures.inMemoryEngine(ui: ui, config: EngineConfig { $0.privacyRefusalGapMs = 0 })
            try await engine.registerManifest(appId: "wxTestApp", manifestJson: Fixtures.manifest(
                name: "Shop \"1\"", privacyContract: "Shop guide", privacyVersion: "3", privacyScopes: ["scope.record"]))
            let me = Fixtures.caller(userGesture: true)
            try expect(await engine.authorize(me, scope: "scope.record").errno, 104, "privacy refused")
            ui.privacyDecision = .agree
            try expect(await engine.authorize(me, scope: "scope.record").errMsg, OK)
            ui.settingsPage = { page in SettingsAnswer(items: page.items.map { ScopeSetting(scope: $0.scope, title: $0.title, granted: false) }) }
            try expect(await engine.openSetting(me).ok, true, "openSetting")
            try expect(try await engine.listGrants(userId: "u1").map(\.state), [.denied], "after the settings page")
            try expect(await engine.requestSubscribeMessage(me, tmplIds: ["T1", "T2"]).json,
                       #"{"errMsg":"requestSubscribeMessage:ok","T1":"accept","T2":"accept"}"#)
            ui.subscribe = { _ in .appBanned }
            try expect(await engine.requestSubscribeMessage(me, tmplIds: ["T3"]).errno, 20005)
            // The host's server fails the call with one of WeChat's codes.
            ui.failSubscriptions(with: .noTemplateData)
            try expect(await engine.requestSubscribeMessage(me, tmplIds: ["T4"]).json,
                #"{"errMsg":"requestSubscribeMessage:fail No template data return, verify the template id exist","errCode":20001,"errno":20001}"#)
            try expect(ui.shown, [
                "privacy wxTestApp v3 via authorize", "privacy wxTestApp v3 via authorize",
                "scope wxTestApp scope.record via authorize", "settings wxTestApp",
                "subscribe wxTestApp T1,T2", "subscribe wxTestApp T3", "subscribe wxTestApp T4",
            ])
            try expect(Fixtures.manifest(), #"{"name":"Test app","permission":{},"requiredPrivateInfos":[]}"#)
            try expect(Fixtures.manifest(purposes: ["scope.record": "b", "scope.camera": "a\n"], requiredPrivateInfos: ["getLocation"]),
                       #"{"name":"Test app","permission":{"scope.camera":{"desc":"a\n"},"scope.record":{"desc":"b"}},"requiredPrivateInfos":["getLocation"]}"#)
        }

        // No Foundation here (a host test target imports the two modules only),
        // so no exit(1): tests/swift/run.sh fails the run on this line's count.
        // (An error thrown out of main would trap before stdout is flushed.)
        print("swift: \(passed) passed, \(failed) failed (the host's unit test)")
    }
}
