// The inspector's reads through the Swift layer (SPEC §11, issue #24) on a real
// database file: explain ("why no dialog"), scopeStandings, and a read-only
// engine opened with the host's policy (openReadOnly(path:config:)).

import MiniAppAuth

/// One line per standing, to compare a user's standings in one go.
func lines(_ standings: [ScopeStanding]) -> [String] {
    standings.map { "\($0.appId) \($0.pluginId ?? "-") \($0.scope) \($0.standing) dismissals=\($0.dismissals)" }
}

extension Explanation {
    /// The value of the fact `name`, if it has one.
    func fact(_ name: String) -> String? { facts.first { $0.name == name }?.value }
}

extension Scenarios {
    static func inspectionScenarios() async {
        await scenario("explain: a denial from the dialog is refused with no dialog, rule 'denied'; scopeStandings says denied") {
            let ui = ScriptedUi("deny")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try expect(await engine.auth("scope.record"), DENY)

            let why = try await engine.explain(me(), api: "authorize", scope: "scope.record")
            try expect(why.api, "authorize", "the API")
            try expect(why.scope, "scope.record", "the scope")
            try expect(why.verdict, .refuse, "the verdict")
            try expect(why.rule, "denied", "the rule")
            try expect(why.result?.errMsg, "authorize:fail auth deny", "the answer now")
            try expect(why.result?.json, await engine.auth("scope.record"), "the answer now is the call's answer")
            try expect(why.fact("stored decision"), "denied", "the stored decision")
            try expect(why.because.isEmpty, false, "the rule in a sentence")

            let unasked = try await engine.explain(me(), api: "authorize", scope: "scope.camera")
            try expect(unasked.verdict, .askUser, "an unasked scope's verdict")
            try expect(unasked.rule, "not-decided", "an unasked scope's rule")
            try expect(unasked.result, nil, "a dialog is needed: no answer now")
            do {
                _ = try await engine.explain(me(), api: "authorize")
                throw Failure(description: "explaining authorize without a scope answered")
            } catch MiniAppAuthError.invalidArgument(let reason) {
                try expect(reason.contains("needs a scope"), true, reason)
            }
            try expect(ui.shown.count, 1, "dialogs: the denial's only (explaining shows none)")

            let standings = try await engine.scopeStandings(userId: "u1")
            try expect(lines(standings), ["wxA - scope.record denied dismissals=0"], "u1's standings")
            try expect(standings.first?.decidedAtMs != nil, true, "when it was denied")
            try expect(try await engine.scopeStandings(userId: "u2"), [], "a user with nothing stored")
            await engine.shutdown()
        }

        await scenario("openReadOnly(path:config:): the host's maxDismissals = 1 makes one dismissal the embargo") {
            let path = tempDb()
            let writer = try await AuthEngine.open(path: path, ui: ScriptedUi("dismiss"))
            try expect(await writer.auth("scope.record"), CANCELED)
            await writer.shutdown()
            let policy = EngineConfig { $0.maxDismissals = 1 }

            let reader = try await AuthEngine.openReadOnly(path: path, config: policy)
            try expect(lines(try await reader.scopeStandings(userId: "u1")), ["wxA - scope.record embargoed dismissals=1"], "standings")
            let embargoed = try await reader.explain(me(), api: "authorize", scope: "scope.record")
            await reader.shutdown()
            try expect(embargoed.rule, "dismissal-embargo", "the rule")
            try expect(embargoed.verdict, .refuse, "the verdict")
            try expect(embargoed.result?.errno, 1111, "the embargo's errno")
            try expect(embargoed.fact("dismissals in a row"), "1", "the dismissals fact")

            // By the default policy (no embargo) the same file is a dialog to show.
            let byDefaults = try await AuthEngine.openReadOnly(path: path)
            let why = try await byDefaults.explain(me(), api: "authorize", scope: "scope.record")
            try expect(why.rule, "not-decided", "the rule by the defaults")
            try expect(why.verdict, .askUser, "the verdict by the defaults")
            try expect(lines(try await byDefaults.scopeStandings(userId: "u1")), ["wxA - scope.record unasked dismissals=1"], "by the defaults")
            await byDefaults.shutdown()

            // A writing engine under the same policy answers the call as explained, with no dialog.
            let ui = ScriptedUi()
            let engine = try await AuthEngine.open(path: path, ui: ui, config: policy)
            try expect(await engine.auth("scope.record"), embargoed.result?.json, "the call's answer is the explained one")
            try expect(ui.shown.count, 0, "dialogs under the embargo")
            await engine.shutdown()
        }
    }
}
