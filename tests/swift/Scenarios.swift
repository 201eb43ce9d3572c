// Swift scenarios: the hand-written layer (platforms/ios/Sources/MiniAppAuth,
// module MiniAppAuth) as an iOS host uses it — async methods, an async
// ConsentUi, MiniAppAuthError with lowerCamelCase cases, the AsyncStream of grant
// changes — driving the real library. Only the main-safety control
// (MainSafety.swift) imports the generated module (MiniAppAuthBindings).

import Foundation
import MiniAppAuth

/// The person in front of the dialog, scripted.
final class ScriptedUi: ConsentUi, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [String]
    private var _shown: [String] = []
    private var _held: [CheckedContinuation<ConsentDecision, Error>] = []
    var settingsAnswer: @Sendable (SettingsRequest) -> [ScopeSetting] = { $0.items }

    init(_ answers: String...) { self.answers = answers }
    init(_ answers: [String]) { self.answers = answers }

    private var _cancelled = 0
    var shown: [String] { lock.withLock { _shown } }
    var cancelledCount: Int { lock.withLock { _cancelled } }
    var heldCount: Int { lock.withLock { _held.count } }

    func release(_ decision: ConsentDecision) {
        let continuation = lock.withLock { _held.removeFirst() }
        continuation.resume(returning: decision)
    }

    private func record(_ line: String) -> String {
        lock.withLock {
            _shown.append(line)
            return answers.isEmpty ? "throw" : answers.removeFirst()
        }
    }

    /// A combined dialog: `allow+agree` ticks the privacy checkbox; `allow` leaves it unticked.
    func askScopeWithPrivacy(_ request: ScopeRequest) async throws -> CombinedDecision {
        let contract = request.privacyContract
        let answer = record("combined \(request.appId) \(request.scope) \(contract?.contractName ?? "-") v\(contract?.contractVersion ?? "-") via \(request.api)")
        let ticked = answer.hasSuffix("+agree")
        let decision: ConsentDecision
        switch ticked ? String(answer.dropLast("+agree".count)) : answer {
        case "allow": decision = .allow
        case "once": decision = .allowOnce
        case "deny": decision = .deny
        case "dismiss": decision = .dismiss
        default: throw DialogUnavailable("scripted crash (\(answer))")
        }
        return CombinedDecision(decision: decision, agreePrivacy: ticked)
    }

    func askScope(_ request: ScopeRequest) async throws -> ConsentDecision {
        switch record("scope \(request.userId)/\(request.appId) \(request.scope) via \(request.api)") {
        case "allow": return .allow
        case "once": return .allowOnce
        case "deny": return .deny
        case "dismiss": return .dismiss
        case "hold":
            // A host dialog that waits for the user, and is taken down when the
            // engine gives up on it (its Task is cancelled).
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let cancelled = lock.withLock {
                        if Task.isCancelled { return true }
                        _held.append(continuation)
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let continuation: CheckedContinuation<ConsentDecision, Error>? = lock.withLock {
                    _cancelled += 1
                    return _held.isEmpty ? nil : _held.removeLast()
                }
                continuation?.resume(throwing: CancellationError())
            }
        default: throw DialogUnavailable("scripted crash")
        }
    }

    func showSettings(_ request: SettingsRequest) async throws -> SettingsAnswer {
        _ = record("settings \(request.appId)")
        return SettingsAnswer(items: settingsAnswer(request), subscriptions: request.subscriptions)
    }

    func askPrivacy(_ request: PrivacyRequest) async throws -> PrivacyDecision {
        switch record("privacy \(request.appId) \(request.contractName) v\(request.contractVersion) via \(request.referrer)") {
        case "agree": return .agree
        case "disagree": return .disagree
        default: throw DialogUnavailable("scripted crash")
        }
    }

    func showPrivacyContract(_ request: PrivacyRequest) async throws {
        _ = record("contract \(request.appId)")
    }

    func askSubscribe(_ request: SubscribeRequest) async throws -> SubscribeAnswer {
        let all = { (choice: SubscribeChoice) in
            request.tmplIds.map { TemplateChoice(tmplId: $0, choice: choice) }
        }
        let answer = record("subscribe \(request.appId) \(request.tmplIds.joined(separator: ","))")
        switch answer {
        case "accept": return .chosen(choices: all(.accept), keep: false)
        case "acceptKeep": return .chosen(choices: all(.accept), keep: true)
        case "reject": return .chosen(choices: all(.reject), keep: false)
        case "appBanned": return .appBanned
        default:
            // "fail:20001": the host's server fails the call with WeChat's code.
            guard answer.hasPrefix("fail:"), let code = Int(answer.dropFirst(5)),
                  let failure = SubscribeFailure(errCode: code)
            else { throw DialogUnavailable("scripted crash") }
            return .failed(failure)
        }
    }
}

struct Failure: Error, CustomStringConvertible { let description: String }

func expect<T: Equatable>(_ actual: T, _ expected: T, _ what: String = "") throws {
    if actual != expected { throw Failure(description: "\(what): expected <\(expected)> but was <\(actual)>") }
}

func tempDb() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("miniapp-auth-swift-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("auth.db").path
}

func me(_ user: String = "u1", _ app: String = "wxA", plugin: String? = nil, tap: Bool = false) -> Caller {
    Caller(userId: user, appId: app, pluginId: plugin, userGesture: tap)
}

let OK = #"{"errMsg":"authorize:ok"}"#
let DENY = #"{"errMsg":"authorize:fail auth deny","errno":103}"#
let CANCELED = #"{"errMsg":"authorize:fail auth canceled","errno":1101}"#
let HOST_FAILED = #"{"errMsg":"authorize:fail host dialog failed","errno":1301}"#
let MANIFEST = #"{"name":"Demo","permission":{"scope.userLocation":{"desc":"Find shops near you"}},"requiredPrivateInfos":["getLocation"],"privacy":{"contractName":"Demo guide","version":"1","scopes":["scope.userLocation","scope.record"]}}"#

extension AuthEngine {
    func auth(_ scope: String, _ caller: Caller = me()) async -> String {
        await authorize(caller, scope: scope).json
    }
}

@main
@MainActor
struct Scenarios {
    static var passed = 0
    static var failed = 0

    static func scenario(_ name: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            passed += 1
            print("ok   \(name)")
        } catch {
            failed += 1
            print("FAIL \(name): \(error)")
        }
    }

    static func main() async {
        if CommandLine.arguments.contains("main-safety") || CommandLine.arguments.contains("main-safety-control") {
            if CommandLine.arguments.contains("main-safety-control") { await mainSafetyControl() } else { await mainSafety() }
            print("swift: \(passed) passed, \(failed) failed")
            exit(failed > 0 ? 1 : 0)
        }
        await scenario("allow, deny and dismiss answer with WeChat's exact strings") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("allow", "deny", "dismiss"))
            try expect(await engine.auth("scope.record"), OK)
            try expect(await engine.auth("scope.camera"), DENY)
            try expect(await engine.auth("scope.bluetooth"), CANCELED)
            let result = await engine.authorize(me(), scope: "scope.camera")
            try expect(result.ok, false)
            try expect(result.errno, 103)
            try expect(await engine.auth("scope.location"), #"{"errMsg":"authorize:fail invalid scope","errno":1102}"#)
        }

        await scenario("a denial is sticky and a grant needs no second dialog") {
            let ui = ScriptedUi("deny", "allow")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try expect(await engine.auth("scope.camera"), DENY)
            try expect(await engine.auth("scope.camera"), DENY)
            try expect(await engine.auth("scope.record"), OK)
            try expect(await engine.auth("scope.record"), OK)
            try expect(ui.shown.count, 2, "dialogs")
        }

        await scenario("getSetting reports decided scopes plus the always-true ones") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("allow", "deny"))
            _ = await engine.auth("scope.record")
            _ = await engine.auth("scope.camera")
            try expect(
                await engine.getSetting(me(), withSubscriptions: false).json,
                #"{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.camera":false,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}"#)
        }

        await scenario("WeChat's defaults: grants and the agreement survive a new contract version; userInfo reads true") {
            let ui = ScriptedUi("agree", "allow")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            try expect(await engine.auth("scope.record"), OK)
            try await engine.registerManifest(
                appId: "wxA",
                manifestJson: MANIFEST.replacingOccurrences(of: #""version":"1""#, with: #""version":"2""#))
            try expect(await engine.auth("scope.record"), OK)
            try expect(ui.shown.count, 2)
            try expect(await engine.getSetting(me(), withSubscriptions: false).json,
                #"{"errMsg":"getSetting:ok","authSetting":{"scope.address":true,"scope.invoice":true,"scope.invoiceTitle":true,"scope.record":true,"scope.userInfo":true}}"#)
        }

        await scenario("openSetting needs a tap, then moves scopes both ways") {
            let ui = ScriptedUi("allow", "deny")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            _ = await engine.auth("scope.record")
            _ = await engine.auth("scope.camera")
            try expect(
                await engine.openSetting(me()).json,
                #"{"errMsg":"openSetting:fail can only be invoked by user TAP gesture.","errno":1105}"#)
            ui.settingsAnswer = { page in
                page.items.map { ScopeSetting(scope: $0.scope, title: $0.title, granted: !$0.granted) }
            }
            try expect(await engine.openSetting(me(tap: true)).ok, true)
            try expect(await engine.auth("scope.camera"), OK)
            try expect(await engine.auth("scope.record"), DENY)
        }

        await scenario("the privacy gate asks first; disagreement fails 104, with no new prompt for 10 s") {
            let refused = #"{"errMsg":"authorize:fail privacy permission is not authorized","errno":104}"#
            let ui = ScriptedUi("disagree")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            try expect(await engine.auth("scope.record"), refused)
            try expect(await engine.auth("scope.record"), refused)
            try expect(ui.shown.map { String($0.split(separator: " ")[0]) }, ["privacy"])
            // Without the gap (privacyRefusalGapMs: 0) the next call asks again.
            let ui2 = ScriptedUi("disagree", "agree", "allow")
            let engine2 = try await AuthEngine.open(
                path: tempDb(), ui: ui2, config: EngineConfig { $0.privacyRefusalGapMs = 0 })
            try await engine2.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            try expect(await engine2.auth("scope.record"), refused)
            try expect(await engine2.auth("scope.record"), OK)
            try expect(ui2.shown.map { String($0.split(separator: " ")[0]) }, ["privacy", "privacy", "scope"])
            try expect(await engine2.auth("scope.camera"),
                #"{"errMsg":"authorize:fail api scope is not declared in the privacy agreement","errno":112}"#)
        }

        await scenario("the combined dialog (EngineConfig.combinedPrivacyDialog): one dialog, its checkbox, both records") {
            let refused = #"{"errMsg":"authorize:fail privacy permission is not authorized","errno":104}"#
            try expect(EngineConfig().combinedPrivacyDialog, false, "off by default")
            let ui = ScriptedUi("allow", "allow+agree", "agree")
            let engine = try await AuthEngine.open(
                path: tempDb(), ui: ui, config: EngineConfig { $0.combinedPrivacyDialog = true })
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            // An allow with the checkbox unticked grants nothing.
            try expect(await engine.auth("scope.record"), refused)
            try expect(try await engine.consentRecords(userId: "u1").count, 0, "nothing recorded")
            try expect(await engine.auth("scope.record"), OK)
            try expect(ui.shown, Array(repeating: "combined wxA scope.record Demo guide v1 via authorize", count: 2))
            try expect(try await engine.consentRecords(userId: "u1").map { "\($0.decision) \($0.scope ?? "-")" },
                ["granted scope.record", "agreed -"])
            // requirePrivacyAuthorize has no authorization dialog: the popup stays.
            try expect(await engine.requirePrivacyAuthorize(me("u2")).ok, true)
            try expect(ui.shown.last, "privacy wxA Demo guide v1 via requirePrivacyAuthorize")
        }

        await scenario("the mini app's own privacy popup: the referrer, and its agree button") {
            let ui = ScriptedUi("disagree")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            try expect(await engine.ensure(me(), api: "getLocation").json,
                #"{"errMsg":"getLocation:fail privacy permission is not authorized","errno":104}"#)
            try expect(ui.shown, ["privacy wxA Demo guide v1 via getLocation"])
            // The user taps the mini app's agree button: recorded at once, no host popup.
            try expect(await engine.agreePrivacyAuthorization(me(tap: true), buttonId: "agree-btn").json,
                #"{"errMsg":"agreePrivacyAuthorization:ok"}"#)
            try expect(await engine.getPrivacySetting(me()).json,
                #"{"errMsg":"getPrivacySetting:ok","needAuthorization":false,"privacyContractName":"Demo guide"}"#)
            try expect(try await engine.consentRecords(userId: "u1").last?.source, "privacy-button")
        }

        await scenario("subscription messages: per template, kept choices, WeChat's errCodes") {
            let ui = ScriptedUi("acceptKeep", "appBanned")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            let tap = me(tap: true)
            try expect(await engine.requestSubscribeMessage(me(), tmplIds: ["T1"]).json,
                #"{"errMsg":"requestSubscribeMessage:fail can only be invoked by user TAP gesture.","errno":1105}"#)
            try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T1", "T2"]).json,
                #"{"errMsg":"requestSubscribeMessage:ok","T1":"accept","T2":"accept"}"#)
            // Kept: answered without a dialog.
            try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T2"]).json,
                #"{"errMsg":"requestSubscribeMessage:ok","T2":"accept"}"#)
            try expect(ui.shown, ["subscribe wxA T1,T2"])
            try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T3"]).json,
                #"{"errMsg":"requestSubscribeMessage:fail This mini program was banned from subscribing messages","errCode":20005,"errno":20005}"#)
            try await engine.setSubscriptionsMainSwitch(userId: "u1", appId: "wxA", on: false)
            try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T1"]).json,
                #"{"errMsg":"requestSubscribeMessage:fail The main switch is switched off","errCode":20004,"errno":20004}"#)
        }

        // SPEC §4; WeChat's table (wx.requestSubscribeMessage.md, "错误码").
        await scenario("the host fails a subscription with WeChat's other codes: byte-exact, nothing kept or recorded") {
            let texts: [(Int, String)] = [
                (10002, "Request list fail"),
                (10003, "Request subscribe fail"),
                (10005, "Cannot show subscribe message UI"),
                (20001, "No template data return, verify the template id exist"),
                (20002, "Templates type must be same"),
                (20013, "Reject DeviceMsg Template"),
            ]
            try expect(SubscribeFailure.all.map(\.errCode), texts.map(\.0))
            let ui = ScriptedUi(texts.map { "fail:\($0.0)" } + ["acceptKeep"])
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            let tap = me(tap: true)
            for (code, text) in texts {
                try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T1"]).json,
                    #"{"errMsg":"requestSubscribeMessage:fail \#(text)","errCode":\#(code),"errno":\#(code)}"#)
            }
            try expect(try await engine.consentRecords(userId: "u1").count, 0, "records")
            try expect(await engine.requestSubscribeMessage(tap, tmplIds: ["T1"]).json,
                #"{"errMsg":"requestSubscribeMessage:ok","T1":"accept"}"#)
            try expect(ui.shown.count, texts.count + 1)
            // Only the host's codes name a failure: not the core's own, not 20005 (appBanned).
            for code in [0, 10001, 10004, 20003, 20004, 20005, 99999, -20001] {
                try expect(SubscribeFailure(errCode: code), nil, "\(code)")
            }
            try expect(SubscribeFailure(errCode: 20001), .noTemplateData)
        }

        await scenario("plugins: three scopes only, and their own namespace") {
            let ui = ScriptedUi("allow", "deny")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            let plugin = me(plugin: "wxPlugin")
            try expect(
                await engine.authorizeForMiniProgram(plugin, scope: "scope.userLocation").json,
                #"{"errMsg":"authorizeForMiniProgram:fail scope \"scope.userLocation\" is not supported to be authorized by plugin","errno":1106}"#)
            try expect(await engine.authorizeForMiniProgram(plugin, scope: "scope.camera").json,
                #"{"errMsg":"authorizeForMiniProgram:ok"}"#)
            // A plugin has no wx.authorize (WeChat: 在插件中使用：不支持): errno 100 at once.
            try expect(await engine.auth("scope.camera", plugin),
                #"{"errMsg":"authorize:fail api is not supported","errno":100}"#)
            // Its guarded APIs are its own namespace: asked again, and denied there only.
            try expect(await engine.ensure(plugin, api: "createVKSession").json,
                #"{"errMsg":"createVKSession:fail auth deny","errno":103}"#)
            try expect(await engine.auth("scope.camera"), OK)
        }

        await scenario("two users and two apps are isolated") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("allow", "deny", "dismiss"))
            try expect(await engine.auth("scope.record", me("u1", "wxA")), OK)
            try expect(await engine.auth("scope.record", me("u2", "wxA")), DENY)
            try expect(await engine.auth("scope.record", me("u1", "wxB")), CANCELED)
            try expect(await engine.auth("scope.record", me("u1", "wxA")), OK)
            try expect(try await engine.listGrants(userId: "u2", appId: nil).map { $0.state }, [.denied])
        }

        await scenario("concurrent tasks share one dialog") {
            let ui = ScriptedUi("hold")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            // Released only once the core says the five other calls joined the
            // one dialog (its debug log), so the count proves the sharing.
            let records = Records()
            _ = MiniAppAuthLog.setSink(maxLevel: .debug) { records.add($0) }
            let joined = { records.all.filter { $0.message.hasPrefix("a call joined the consent dialog already open") }.count }
            let results = await withTaskGroup(of: String.self) { group in
                for _ in 0..<6 { group.addTask { await engine.auth("scope.record") } }
                for _ in 0..<2000 where ui.heldCount == 0 || joined() < 5 { try? await Task.sleep(nanoseconds: 5_000_000) }
                _ = MiniAppAuthLog.setSink(maxLevel: .debug, nil)
                ui.release(.allow)
                var all: [String] = []
                for await r in group { all.append(r) }
                return all
            }
            try expect(joined(), 5, "calls that joined the one dialog")
            try expect(results, Array(repeating: OK, count: 6))
            try expect(ui.shown.count, 1, "dialogs")
        }

        await scenario("a ConsentUi that throws grants nothing and leaves nothing locked") {
            let ui = ScriptedUi("crash", "allow")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try expect(await engine.auth("scope.record"), HOST_FAILED)
            try expect(try await engine.listGrants(userId: "u1", appId: nil).count, 0)
            try expect(await engine.auth("scope.record"), OK)
        }

        await scenario("a dialog nobody answers times out, is cancelled and frees the app") {
            let ui = ScriptedUi("hold", "allow")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui, config: EngineConfig { $0.dialogTimeoutMs = 200 })
            try expect(await engine.auth("scope.record"), #"{"errMsg":"authorize:fail dialog timed out","errno":5}"#)
            for _ in 0..<500 where ui.cancelledCount == 0 { try? await Task.sleep(nanoseconds: 10_000_000) }
            try expect(ui.cancelledCount, 1, "host dialogs cancelled")
            try expect(await engine.auth("scope.camera"), OK)
        }

        await scenario("allow once lasts for the app's run; the consent log records it") {
            let ui = ScriptedUi("once", "deny")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try expect(await engine.auth("scope.record"), OK)
            try expect(await engine.auth("scope.record"), OK)
            try expect(try await engine.listGrants(userId: "u1", appId: nil).count, 0)
            try await engine.endAppRun(userId: "u1", appId: "wxA")
            try expect(await engine.auth("scope.record"), DENY)
            let records = try await engine.consentRecords(userId: "u1")
            try expect(records.map { "\($0.decision)/\($0.lifetime ?? "-")" }, ["granted/once", "denied/-"])
            try expect(try await engine.verifyConsentLog().intact, true)
        }

        await scenario("decisions persist after closing and reopening") {
            let path = tempDb()
            do {
                let engine = try await AuthEngine.open(path: path, ui: ScriptedUi("allow", "deny"))
                _ = await engine.auth("scope.record")
                _ = await engine.auth("scope.camera")
            }
            let ui = ScriptedUi()
            let engine = try await AuthEngine.open(path: path, ui: ui)
            try expect(await engine.auth("scope.record"), OK)
            try expect(await engine.auth("scope.camera"), DENY)
            try expect(ui.shown.count, 0, "dialogs after reopening")
        }

        await scenario("typed errors: a newer database, a bad manifest") {
            let path = tempDb()
            _ = try await AuthEngine.open(path: path, ui: ScriptedUi())
            // The engine closes when its last reference goes, which may be on the
            // layer's background queue a moment after open returned: wait for the
            // close (SQLite removes the -wal then), so the header edit is not
            // shadowed by a newer page 1 in the WAL.
            for _ in 0..<500 where FileManager.default.fileExists(atPath: path + "-wal") {
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            // The schema version is SQLite's user_version, at offset 60 of the header.
            let handle = FileHandle(forUpdatingAtPath: path)!
            handle.seek(toFileOffset: 60)
            handle.write(Data([0, 0, 0, 99]))
            handle.closeFile()
            do {
                _ = try await AuthEngine.open(path: path, ui: ScriptedUi())
            // The engine closes when its last reference goes, which may be on the
            // layer's background queue a moment after open returned: wait for the
            // close (SQLite removes the -wal then), so the header edit is not
            // shadowed by a newer page 1 in the WAL.
            for _ in 0..<500 where FileManager.default.fileExists(atPath: path + "-wal") {
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
                throw Failure(description: "a newer database was opened")
            } catch MiniAppAuthError.databaseTooNew(let found, let supported) {
                try expect(found, 99)
                try expect(supported, 4)
            }
            let engine = try AuthEngine.inMemory(ui: ScriptedUi())
            do {
                try await engine.registerManifest(appId: "wxA", manifestJson: #"{"requiredPrivateInfos":["getFuzzyLocation","getLocation"]}"#)
                throw Failure(description: "a bad manifest was accepted")
            } catch MiniAppAuthError.invalidManifest(let reason) {
                try expect(reason.contains("getFuzzyLocation"), true)
            }
        }

        await scenario("importGrants moves earlier decisions in, keeps what is decided, refuses bad input whole") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("deny"))
            try expect(await engine.auth("scope.camera"), DENY)
            let report = try await engine.importGrants([
                ImportedGrant(userId: "u1", appId: "wxA", pluginId: nil, scope: "scope.record", granted: true),
                ImportedGrant(userId: "u1", appId: "wxA", pluginId: nil, scope: "scope.camera", granted: true),
            ])
            try expect([report.imported, report.keptExisting], [1, 1], "imported, kept")
            try expect(await engine.auth("scope.record"), OK)
            try expect(await engine.auth("scope.camera"), DENY)
            try expect(try await engine.listGrants(userId: "u1").first { $0.scope == "scope.record" }?.source, .import)
            do {
                try await engine.importGrants([
                    ImportedGrant(userId: "u1", appId: "wxA", pluginId: nil, scope: "scope.bluetooth", granted: true),
                    ImportedGrant(userId: "u1", appId: "wxA", pluginId: nil, scope: "scope.nope", granted: true),
                ])
                throw Failure(description: "an unknown scope was imported")
            } catch MiniAppAuthError.invalidArgument(let reason) {
                try expect(reason.contains("import entry 1"), true, reason)
            }
            try expect(try await engine.listGrants(userId: "u1").map { $0.scope }.sorted(), ["scope.camera", "scope.record"])
        }

        await scenario("the bridge entry answers JSON for WKWebView") {
            let engine = try AuthEngine.inMemory(ui: ScriptedUi("allow"))
            try await engine.registerManifest(appId: "wxA", manifestJson: #"{"permission":{"scope.userLocation":{"desc":"Find shops"}},"requiredPrivateInfos":["getLocation"]}"#)
            try expect(await engine.handle(me(), callJson: #"{"api":"getLocation"}"#), #"{"errMsg":"getLocation:ok"}"#)
        }

        await layerTypeScenarios()
        await changeStreamScenarios()
        await lifecycleScenarios()
        await hostContractScenarios()
        await hotPathScenarios()
        await syncScenarios()
        await inspectionScenarios()
        await sampleScenarios()

        print("swift: \(passed) passed, \(failed) failed")
        if failed > 0 { exit(1) }
    }
}
