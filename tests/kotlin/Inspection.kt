// The inspector's reads through the Kotlin layer (SPEC §11, issue #24) on a
// real database file: explain ("why no dialog"), scopeStandings, and a
// read-only engine opened with the host's policy (openReadOnly(path, config)).

import com.miniappauth.*

/** One line per standing, to compare a user's standings in one go. */
fun List<ScopeStanding>.lines(): List<String> =
    map { "${it.appId} ${it.pluginId ?: "-"} ${it.scope} ${it.standing} dismissals=${it.dismissals}" }

/** The value of the fact [name] of an explanation, if it has one. */
fun Explanation.fact(name: String): String? = facts.firstOrNull { it.name == name }?.value

fun inspectionScenarios() {
    scenario("explain: a denial from the dialog is refused with no dialog, rule 'denied'; scopeStandings says denied") {
        val ui = ScriptedUi("deny")
        val engine = AuthEngine.open(tempDb(), ui)
        expect(engine.auth("scope.record"), DENY)

        val why = engine.explain(me(), "authorize", "scope.record")
        expect(why.api, "authorize", "the API")
        expect(why.scope, "scope.record", "the scope")
        expect(why.verdict, ExplainedVerdict.REFUSE, "the verdict")
        expect(why.rule, "denied", "the rule")
        expect(why.result?.errMsg, "authorize:fail auth deny", "the answer now")
        expect(why.result?.json, engine.auth("scope.record"), "the answer now is the call's answer")
        expect(why.fact("stored decision"), "denied", "the stored decision")
        check(why.because.isNotBlank()) { "the rule in a sentence: $why" }

        val unasked = engine.explain(me(), "authorize", "scope.camera")
        expect(unasked.verdict, ExplainedVerdict.ASK_USER, "an unasked scope's verdict")
        expect(unasked.rule, "not-decided", "an unasked scope's rule")
        expect(unasked.result, null, "a dialog is needed: no answer now")
        try {
            engine.explain(me(), "authorize")
            throw AssertionError("explaining authorize without a scope answered")
        } catch (e: MiniAppAuthException.InvalidArgument) {
            check(e.reason.contains("needs a scope")) { e.reason }
        }
        expect(ui.shown.size, 1, "dialogs: the denial's only (explaining shows none)")

        val standings = engine.scopeStandings("u1")
        expect(standings.lines(), listOf("wxA - scope.record DENIED dismissals=0"), "u1's standings")
        check(standings.single().decidedAtMs != null) { "when it was denied: $standings" }
        expect(engine.scopeStandings("u2"), emptyList<ScopeStanding>(), "a user with nothing stored")
        engine.close()
    }

    scenario("openReadOnly(path, config): the host's maxDismissals = 1 makes one dismissal the embargo") {
        val path = tempDb()
        AuthEngine.open(path, ScriptedUi("dismiss")).use { engine -> expect(engine.auth("scope.record"), CANCELED) }
        val policy = EngineConfig { maxDismissals = 1 }

        val embargoed = AuthEngine.openReadOnly(path, policy).use { reader ->
            expect(reader.scopeStandings("u1").lines(), listOf("wxA - scope.record EMBARGOED dismissals=1"), "standings")
            reader.explain(me(), "authorize", "scope.record")
        }
        expect(embargoed.rule, "dismissal-embargo", "the rule")
        expect(embargoed.verdict, ExplainedVerdict.REFUSE, "the verdict")
        expect(embargoed.result?.errno, 1111, "the embargo's errno")
        expect(embargoed.fact("dismissals in a row"), "1", "the dismissals fact")

        // By the default policy (no embargo) the same file is a dialog to show.
        AuthEngine.openReadOnly(path).use { reader ->
            val why = reader.explain(me(), "authorize", "scope.record")
            expect(why.rule to why.verdict, "not-decided" to ExplainedVerdict.ASK_USER, "by the defaults")
            expect(reader.scopeStandings("u1").lines(), listOf("wxA - scope.record UNASKED dismissals=1"), "by the defaults")
        }

        // A writing engine under the same policy answers the call as explained, with no dialog.
        val ui = ScriptedUi()
        AuthEngine.open(path, ui, policy).use { engine ->
            expect(engine.auth("scope.record"), embargoed.result?.json, "the call's answer is the explained one")
        }
        expect(ui.shown.size, 0, "dialogs under the embargo")
    }
}
