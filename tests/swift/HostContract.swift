// The rest of the host contract through the Swift layer (issue #21): importing
// every kind of decision a host has, the metrics sink, and the bridge for page
// scripts refusing the runtime's own agree.

import Foundation
import MiniAppAuth

/// What a metrics sink got, shared with the scenario.
final class Events: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [MetricEvent] = []
    func add(_ event: MetricEvent) { lock.withLock { list.append(event) } }
    var all: [MetricEvent] { lock.withLock { list } }
}

extension Scenarios {
    static func hostContractScenarios() async {
        await scenario("importFromHost brings every kind of decision: times, an allow-until end, agreements, kept choices, main switches") {
            let ui = ScriptedUi()
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let decided = now - 86_400_000, until = now + 3_600_000
            let report = try await engine.importFromHost(HostImport(
                grants: [
                    ImportedGrant(userId: "u1", appId: "wxA", scope: "scope.userLocation", granted: true, decidedAtMs: decided),
                    ImportedGrant(userId: "u1", appId: "wxA", scope: "scope.record", granted: true, decidedAtMs: decided, expiresAtMs: until),
                ],
                privacyAgreements: [ImportedPrivacyAgreement(userId: "u1", appId: "wxA", contractVersion: "1", agreedAtMs: decided)],
                subscriptionChoices: [ImportedSubscriptionChoice(userId: "u1", appId: "wxA", tmplId: "tmplA", choice: .accept, decidedAtMs: decided)],
                subscriptionSwitches: [ImportedSubscriptionSwitch(userId: "u1", appId: "wxB", on: false, decidedAtMs: decided)]))
            try expect(report.grants.imported, 2, "grants")
            try expect(report.privacyAgreements.imported, 1, "agreements")
            try expect(report.subscriptionChoices.imported, 1, "choices")
            try expect(report.subscriptionSwitches.imported, 1, "switches")
            try expect(await engine.getPrivacySetting(me()).json.contains(#""needAuthorization":false"#), true, "privacy agreed")
            try expect(await engine.auth("scope.userLocation"), OK)
            try expect(await engine.requestSubscribeMessage(me(tap: true), tmplIds: ["tmplA"]).json,
                #"{"errMsg":"requestSubscribeMessage:ok","tmplA":"accept"}"#)
            try expect(await engine.requestSubscribeMessage(me("u1", "wxB", tap: true), tmplIds: ["tmplA"]).errno, 20004, "wxB off")
            try expect(ui.shown, [], "dialogs")
            let record = try await engine.listGrants(userId: "u1").first { $0.scope == "scope.record" }
            try expect(record?.updatedAtMs, decided, "the decision time")
            try expect(record?.expiresAtMs, until, "the allow-until end")
            do {
                _ = try await engine.importFromHost(HostImport(subscriptionChoices: [
                    ImportedSubscriptionChoice(userId: "u2", appId: "wxA", tmplId: "tmplA", choice: .ban)]))
                throw Failure(description: "a banned template was imported as a kept choice")
            } catch MiniAppAuthError.invalidArgument(let reason) {
                try expect(reason.contains("import entry 0 of subscription_choices"), true, reason)
            }
        }

        await scenario("the metrics sink (a closure) gets a dialog's events with the layer's types; nil stops them") {
            let events = Events()
            MiniAppAuthMetrics.setSink { events.add($0) }
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("allow"))
            try expect(await engine.authorize(me("u1", "wxMetrics"), scope: "scope.record").json, OK)
            try await waitUntil("the answered event") { events.all.contains { $0.name == .dialogAnswered } }
            MiniAppAuthMetrics.setSink(nil)
            let shown = events.all.filter { $0.name == .dialogShown && $0.appId == "wxMetrics" }
            try expect(shown.count, 1, "shown once")
            try expect(shown.first?.dialog, .scope, "the dialog")
            try expect(events.all.first { $0.name == .dialogAnswered }?.answer, .allow, "the answer")
            try? await Task.sleep(nanoseconds: 200_000_000) // a delivery under way may still land
            let count = events.all.count
            let other = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("deny"))
            _ = await other.authorize(me("u1", "wxMetrics2"), scope: "scope.record")
            try? await Task.sleep(nanoseconds: 200_000_000)
            try expect(events.all.count, count, "events after the sink was removed")
        }

        await scenario("the bridge for page scripts refuses the runtime's own agree; everything else as handle") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("deny"))
            try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
            try expect(await engine.handlePageCall(me(tap: true), callJson: #"{"api":"agreePrivacyAuthorization","args":{}}"#),
                #"{"errMsg":"agreePrivacyAuthorization:fail api is not supported","errno":100}"#)
            try expect(await engine.getPrivacySetting(me()).json.contains(#""needAuthorization":true"#), true, "nothing agreed")
            try expect(await engine.handlePageCall(me("u1", "wxB"), callJson: #"{"api":"authorize","args":{"scope":"scope.record"}}"#), DENY)
        }
    }
}
