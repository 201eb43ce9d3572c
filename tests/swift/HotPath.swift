// The hot path through the layer (issue #14): AuthEngine.caller / AuthEngine.scope
// and MiniAppCaller.authorize, which answers from the core's memory when it can
// (on the caller's actor: these scenarios run on the main actor) and falls back
// to the full call otherwise. Its answers must be the full call's.

import Foundation
import MiniAppAuth

extension Scenarios {
    static func hotPathScenarios() async {
        await scenario("hot path: allowed from memory, the answer equals the full call's, byte for byte") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("allow"))
            try expect(await engine.auth("scope.record"), OK)
            guard let record = engine.scope("scope.record") else { throw Failure(description: "scope.record has no number") }
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            try expect(caller.isAllowedNow(record), true, "allowed now, from memory")
            let fast = await caller.authorize(record)
            let full = await engine.authorize(me(), scope: "scope.record")
            try expect(fast, full, "the layer's ok result against the full call's")
            try expect(fast.json, OK)
            try expect(engine.scope("scope.record"), record, "the same number every time")
            try expect(engine.scope("scope.nope"), nil, "an unknown scope has no number")
        }

        await scenario("hot path: an unasked scope asks through the fallback, then answers from memory") {
            let ui = ScriptedUi("allow")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            let record = engine.scope("scope.record")!
            try expect(caller.isAllowedNow(record), false, "unasked: not allowed now")
            try expect(await caller.authorize(record).json, OK)
            try expect(ui.shown.count, 1, "the dialog, once")
            try expect(caller.isAllowedNow(record), true, "after the dialog's grant")
            let full = await engine.authorize(me(), scope: "scope.record")
            try expect(await caller.authorize(record), full)
            try expect(ui.shown.count, 1, "no second dialog")
        }

        await scenario("hot path: a denied scope answers the full call's refusal") {
            let ui = ScriptedUi("deny")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            let camera = engine.scope("scope.camera")!
            try expect(await caller.authorize(camera).json, DENY)
            try expect(caller.isAllowedNow(camera), false)
            let again = await caller.authorize(camera)
            let full = await engine.authorize(me(), scope: "scope.camera")
            try expect(again, full, "the layer's refusal against the full call's")
            try expect(again.errno, 103)
            try expect(ui.shown.count, 1, "the denial is sticky: one dialog")
            let plugin = try engine.caller(userId: "u1", appId: "wxA", pluginId: "wxPlugin")
            try expect(plugin.isAllowedNow(camera), false, "a plugin's own namespace")
            do {
                _ = try engine.caller(userId: "", appId: "wxA")
                throw Failure(description: "an empty user id made a caller")
            } catch MiniAppAuthError.invalidArgument {}
        }

        await scenario("hot path: another engine's denial on the same file is followed at once") {
            let path = tempDb()
            let engine = try await AuthEngine.open(path: path, ui: ScriptedUi("allow"))
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            let record = engine.scope("scope.record")!
            try expect(await caller.authorize(record).json, OK)
            try expect(caller.isAllowedNow(record), true)
            do {
                let other = try await AuthEngine.open(path: path, ui: ScriptedUi())
                try await other.setGrant(userId: "u1", appId: "wxA", scope: "scope.record", granted: false)
            }
            try expect(caller.isAllowedNow(record), false, "the other engine's denial, from memory")
            let answer = await caller.authorize(record)
            try expect(answer.json, DENY)
            let full = await engine.authorize(me(), scope: "scope.record")
            try expect(answer, full)
            try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.record", granted: true)
            try expect(await caller.authorize(record).json, OK)
        }

        await scenario("hot path: a guarded API's gate answers from memory what the full ensure would") {
            let ui = ScriptedUi("allow")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            guard let startRecord = engine.guardedApi("startRecord") else { throw Failure(description: "startRecord has no number") }
            try expect(engine.guardedApi("startRecord"), startRecord, "the same number every time")
            try expect(engine.guardedApi("noSuchApi"), nil, "an API no scope guards has no number")
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            try expect(caller.isAllowedNow(startRecord), false, "unasked: not allowed now")
            try expect(await caller.ensure(startRecord).json, #"{"errMsg":"startRecord:ok"}"#)
            try expect(ui.shown.count, 1, "the dialog, once")
            try expect(caller.isAllowedNow(startRecord), true, "after the dialog's grant")
            let fast = await caller.ensure(startRecord)
            let full = await engine.ensure(me(), api: "startRecord")
            try expect(fast, full, "the layer's ok result against the full call's")
            // A caller carries no tap: a tap-only API is always the full call's.
            let calendar = engine.guardedApi("addPhoneCalendar")!
            try await engine.setGrant(userId: "u1", appId: "wxA", scope: "scope.addPhoneCalendar", granted: true)
            try expect(caller.isAllowedNow(calendar), false, "tap-only: never from memory")
            let refused = await caller.ensure(calendar)
            try expect(refused, await engine.ensure(me(), api: "addPhoneCalendar"))
            try expect(refused.ok, false)
        }

        await scenario("hot path: a privacy interface no scope guards (getClipboardData, the getPhoneNumber button)") {
            let ui = ScriptedUi("disagree")
            let engine = try await AuthEngine.open(path: tempDb(), ui: ui)
            try await engine.registerManifest(
                appId: "wxA", manifestJson: #"{"privacy":{"contractName":"Demo guide","version":"1","infos":["Clipboard","PhoneNumber"]}}"#)
            guard let clipboard = engine.guardedApi("getClipboardData"),
                let phone = engine.guardedApi("button.getPhoneNumber"),
                let media = engine.guardedApi("chooseMedia")
            else { throw Failure(description: "a privacy interface has no number") }
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            try expect(caller.isAllowedNow(clipboard), false, "not agreed: not allowed now")
            try expect(
                await caller.ensure(media).json,
                #"{"errMsg":"chooseMedia:fail api scope is not declared in the privacy agreement","errno":112}"#)
            try expect(
                await caller.ensure(phone).json,
                #"{"errMsg":"getPhoneNumber:fail privacy permission is not authorized","errno":104}"#)
            try expect(ui.shown, ["privacy wxA Demo guide v1 via button.getPhoneNumber"], "the privacy prompt only")
            let other = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("agree"))
            try await other.registerManifest(
                appId: "wxA", manifestJson: #"{"privacy":{"contractName":"Demo guide","version":"1","infos":["PhoneNumber"]}}"#)
            let button = other.guardedApi("button.getPhoneNumber")!
            let agreed = try other.caller(userId: "u1", appId: "wxA")
            try expect(await agreed.ensure(button).json, #"{"errMsg":"getPhoneNumber:ok"}"#)
            try expect(agreed.isAllowedNow(button), true, "agreed: from memory")
            let fast = await agreed.ensure(button)
            try expect(fast, await other.ensure(me(), api: "button.getPhoneNumber"), "the layer's ok result against the full call's")
            try expect(try await other.consentRecords(userId: "u1").last?.infos, ["PhoneNumber"], "the agreement's kinds, recorded")
        }

        await scenario("hot path: off the main actor too (a detached task)") {
            let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi("allow"))
            let caller = try engine.caller(userId: "u1", appId: "wxA")
            let record = engine.scope("scope.record")!
            let answers = await Task.detached { [caller] in
                [await caller.authorize(record), await caller.authorize(record)]
            }.value
            try expect(answers.map(\.json), [OK, OK])
            try expect(answers[1], MiniAppCaller.authorizeOk)
        }
    }
}
