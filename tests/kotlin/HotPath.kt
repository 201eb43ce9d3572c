// The hot path through the layer (issue #14): AuthEngine.caller / AuthEngine.scope
// and MiniAppCaller.authorize, which answers from the core's memory when it can
// and falls back to the full call otherwise. Its answers must be the full call's.

import com.miniappauth.*

fun hotPathScenarios() {
    scenario("hot path: allowed from memory, the answer equals the full call's, byte for byte") {
        val engine = AuthEngine.open(tempDb(), ScriptedUi("allow"))
        expect(engine.auth("scope.record"), OK)
        val record = engine.scope("scope.record")!!
        engine.caller("u1", "wxA").use { caller ->
            expect(caller.isAllowedNow(record), true, "allowed now, from memory")
            val fast = caller.authorize(record)
            val full = engine.authorize(me(), "scope.record")
            expect(fast, full, "the layer's ok result against the full call's")
            expect(fast.json, OK)
            expect(fast === MiniAppCaller.AUTHORIZE_OK, true, "answered without the async crossing")
        }
        expect(engine.scope("scope.record"), record, "the same number every time")
        expect(engine.scope("scope.nope"), null, "an unknown scope has no number")
        engine.close()
    }

    scenario("hot path: an unasked scope asks through the fallback, then answers from memory") {
        val ui = ScriptedUi("allow")
        val engine = AuthEngine.open(tempDb(), ui)
        val caller = engine.caller("u1", "wxA")
        val record = engine.scope("scope.record")!!
        expect(caller.isAllowedNow(record), false, "unasked: not allowed now")
        expect(caller.authorize(record).json, OK)
        expect(ui.shown, listOf("scope u1/wxA/- scope.record via authorize"), "the dialog, once")
        expect(caller.isAllowedNow(record), true, "after the dialog's grant")
        expect(caller.authorize(record), engine.authorize(me(), "scope.record"))
        expect(ui.shown.size, 1, "no second dialog")
        caller.close()
        engine.close()
    }

    scenario("hot path: a denied scope answers the full call's refusal") {
        val ui = ScriptedUi("deny")
        val engine = AuthEngine.open(tempDb(), ui)
        val caller = engine.caller("u1", "wxA")
        val camera = engine.scope("scope.camera")!!
        expect(caller.authorize(camera).json, DENY)
        expect(caller.isAllowedNow(camera), false)
        val again = caller.authorize(camera)
        expect(again, engine.authorize(me(), "scope.camera"), "the layer's refusal against the full call's")
        expect(again.errno, 103)
        expect(ui.shown.size, 1, "the denial is sticky: one dialog")
        // A plugin's caller is its own namespace: the app's decisions are not its.
        val plugin = engine.caller("u1", "wxA", "wxPlugin")
        expect(plugin.isAllowedNow(camera), false)
        try {
            engine.caller("", "wxA")
            throw AssertionError("an empty user id made a caller")
        } catch (e: MiniAppAuthException.InvalidArgument) {
        }
        engine.close()
    }

    scenario("hot path: another engine's denial on the same file is followed at once") {
        val path = tempDb()
        val engine = AuthEngine.open(path, ScriptedUi("allow"))
        val caller = engine.caller("u1", "wxA")
        val record = engine.scope("scope.record")!!
        expect(caller.authorize(record).json, OK)
        expect(caller.isAllowedNow(record), true)
        AuthEngine.open(path, ScriptedUi()).use { other -> other.setGrant("u1", "wxA", "scope.record", false) }
        expect(caller.isAllowedNow(record), false, "the other engine's denial, from memory")
        val answer = caller.authorize(record)
        expect(answer.json, DENY)
        expect(answer, engine.authorize(me(), "scope.record"))
        engine.setGrant("u1", "wxA", "scope.record", true)
        expect(caller.authorize(record).json, OK)
        caller.close()
        engine.close()
    }

    scenario("hot path: a guarded API's gate answers from memory what the full ensure would") {
        val ui = ScriptedUi("allow")
        val engine = AuthEngine.open(tempDb(), ui)
        val startRecord = engine.guardedApi("startRecord")!!
        expect(engine.guardedApi("startRecord"), startRecord, "the same number every time")
        expect(engine.guardedApi("noSuchApi"), null, "an API no scope guards has no number")
        engine.caller("u1", "wxA").use { caller ->
            expect(caller.isAllowedNow(startRecord), false, "unasked: not allowed now")
            expect(caller.ensure(startRecord).json, """{"errMsg":"startRecord:ok"}""")
            expect(ui.shown.size, 1, "the dialog, once")
            expect(caller.isAllowedNow(startRecord), true, "after the dialog's grant")
            val fast = caller.ensure(startRecord)
            expect(fast, engine.ensure(me(), "startRecord"), "the layer's ok result against the full call's")
            // A caller carries no tap: a tap-only API is always the full call's.
            val calendar = engine.guardedApi("addPhoneCalendar")!!
            engine.setGrant("u1", "wxA", "scope.addPhoneCalendar", true)
            expect(caller.isAllowedNow(calendar), false, "tap-only: never from memory")
            expect(caller.ensure(calendar), engine.ensure(me(), "addPhoneCalendar"))
            expect(caller.ensure(calendar).ok, false)
        }
        engine.close()
    }

    scenario("hot path: a privacy interface no scope guards (getClipboardData, the getPhoneNumber button)") {
        val ui = ScriptedUi("disagree")
        val engine = AuthEngine.open(tempDb(), ui)
        engine.registerManifest("wxA", """{"privacy":{"contractName":"Demo guide","version":"1","infos":["Clipboard","PhoneNumber"]}}""")
        val clipboard = engine.guardedApi("getClipboardData")!!
        val phone = engine.guardedApi("button.getPhoneNumber")!!
        val media = engine.guardedApi("chooseMedia")!!
        engine.caller("u1", "wxA").use { caller ->
            expect(caller.isAllowedNow(clipboard), false, "not agreed: not allowed now")
            expect(caller.ensure(media).json,
                """{"errMsg":"chooseMedia:fail api scope is not declared in the privacy agreement","errno":112}""")
            expect(caller.ensure(phone).json,
                """{"errMsg":"getPhoneNumber:fail privacy permission is not authorized","errno":104}""")
            expect(ui.shown, listOf("privacy wxA Demo guide v1 via button.getPhoneNumber"), "the privacy prompt only")
        }
        AuthEngine.open(tempDb(), ScriptedUi("agree")).use { other ->
            other.registerManifest("wxA", """{"privacy":{"contractName":"Demo guide","version":"1","infos":["PhoneNumber"]}}""")
            val button = other.guardedApi("button.getPhoneNumber")!!
            other.caller("u1", "wxA").use { caller ->
                expect(caller.ensure(button).json, """{"errMsg":"getPhoneNumber:ok"}""")
                expect(caller.isAllowedNow(button), true, "agreed: from memory")
                val fast = caller.ensure(button)
                expect(fast, other.ensure(me(), "button.getPhoneNumber"), "the layer's ok result against the full call's")
            }
            expect(other.consentRecords("u1").last().infos, listOf("PhoneNumber"), "the agreement's kinds, recorded")
        }
        engine.close()
    }
}
