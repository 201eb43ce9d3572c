// Sync across devices through the Swift layer (SPEC §10, issue #23): two
// engines on two database files are two devices; what one hands out
// (syncOutgoing), the other applies (syncApply) — no backend in between.

import MiniAppAuth

/// A device: an engine on a file of its own, with the test manifest registered.
func device() async throws -> AuthEngine {
    let engine = try await AuthEngine.open(path: tempDb(), ui: ScriptedUi())
    try await engine.registerManifest(appId: "wxA", manifestJson: MANIFEST)
    return engine
}

/// The four counts of a `SyncApplied`, to compare in one go.
func counts(_ applied: SyncApplied) -> [Int64] {
    [applied.applied, applied.duplicates, applied.superseded, applied.rejected]
}

extension Scenarios {
    static func syncScenarios() async {
        await scenario("sync: a grant on one device reaches the other; again is all duplicates; marked, nothing waits") {
            let (phone, tablet) = (try await device(), try await device())
            try await phone.setGrant(userId: "u1", appId: "wxA", scope: "scope.record", granted: true, pluginId: nil)
            try expect(try await phone.syncState(userId: "u1").pending, 1, "the phone's pending records before upload")
            let batch = try await phone.syncOutgoing(userId: "u1", limit: 100)
            try expect(batch.records.count, 1, "the phone's outgoing records")
            try expect(try await phone.syncOutgoing(userId: "u1", limit: 100), batch, "asked again before marking: the same batch")

            try expect(counts(try await tablet.syncApply(userId: "u1", records: batch.records)), [1, 0, 0, 0], "applied")
            try expect(await tablet.getSetting(me()).json.contains(#""scope.record":true"#), true, "the tablet's getSetting")
            try expect(try await tablet.listGrants(userId: "u1").map(\.source), [.sync], "the tablet's grant's source")
            let applied = try await tablet.consentRecords(userId: "u1").last!
            try expect(applied.source, "sync", "the applied record's source")
            try expect(applied.device, try await phone.syncState(userId: "u1").deviceId, "the applied record names the phone")
            try expect(applied.hlc, try await phone.consentRecords(userId: "u1").last!.hlc, "the decision's stamp travels with it")
            try expect(applied.originSeq != nil, true, "the applied record has its seq on the phone")
            try expect(try await phone.consentRecords(userId: "u1").last!.device, nil, "the phone's own record: decided here")

            try expect(counts(try await tablet.syncApply(userId: "u1", records: batch.records)), [0, 1, 0, 0], "applied again")
            try expect(try await tablet.syncState(userId: "u1").pending, 0, "an applied record is not the tablet's to upload")

            try await phone.syncMarkUploaded(userId: "u1", cursor: batch.cursor)
            try expect(try await phone.syncOutgoing(userId: "u1", limit: 100).records, [], "after marking")
            try expect(try await phone.syncState(userId: "u1").pending, 0, "the phone's pending records after marking")
            try await phone.syncResetUploads(userId: "u1")
            try expect(try await phone.syncOutgoing(userId: "u1", limit: 100).records, batch.records, "after a reset: sent again")
        }

        await scenario("sync: a broken record fails the batch with invalidArgument and changes nothing") {
            let (phone, tablet) = (try await device(), try await device())
            try await phone.setGrant(userId: "u1", appId: "wxA", scope: "scope.record", granted: true, pluginId: nil)
            let good = try await phone.syncOutgoing(userId: "u1", limit: 100).records[0]
            let head = try await tablet.consentLogHead()
            let before = await tablet.getSetting(me()).json
            for broken in [#"{"format":1,"id":"d-x:1"}"#, "{", #""not an object""#] {
                do {
                    try await tablet.syncApply(userId: "u1", records: [good, broken])
                    throw Failure(description: "\(broken) was applied")
                } catch MiniAppAuthError.invalidArgument(let reason) {
                    try expect(reason.contains("record 1"), true, "\(broken): \(reason)")
                }
                try expect(try await tablet.consentLogHead(), head, "\(broken): the tablet's log")
                try expect(await tablet.getSetting(me()).json, before, "\(broken): the tablet's settings")
            }
            for limit in [0, -1, 10_001, Int.max] {
                do {
                    _ = try await phone.syncOutgoing(userId: "u1", limit: limit)
                    throw Failure(description: "limit \(limit) was taken")
                } catch MiniAppAuthError.invalidArgument(let reason) {
                    try expect(reason.contains("limit"), true, reason)
                }
            }
            do {
                try await phone.syncMarkUploaded(userId: "u1", cursor: "soon")
                throw Failure(description: "a made-up cursor was taken")
            } catch MiniAppAuthError.invalidArgument(let reason) {
                try expect(reason.contains("cursor"), true, reason)
            }
            try expect(try await phone.syncState(userId: "u1").pending, 1, "nothing marked")
        }
    }
}
