// Sync across devices through the Kotlin layer (SPEC §10, issue #23): two
// engines on two database files are two devices; what one hands out
// (syncOutgoing), the other applies (syncApply) — no backend in between.

import com.miniappauth.*

/** A device: an engine on a file of its own, with the test manifest registered. */
suspend fun device(): AuthEngine = AuthEngine.open(tempDb(), ScriptedUi()).also { it.registerManifest("wxA", MANIFEST) }

/** The four counts of a [SyncApplied], to compare in one go. */
fun SyncApplied.counts(): List<Long> = listOf(applied, duplicates, superseded, rejected)

fun syncScenarios() {
    scenario("sync: a grant on one device reaches the other; again is all duplicates; marked, nothing waits") {
        val (phone, tablet) = device() to device()
        phone.setGrant("u1", "wxA", "scope.record", true)
        expect(phone.syncState("u1").pending, 1L, "the phone's pending records before upload")
        val batch = phone.syncOutgoing("u1", 100)
        expect(batch.records.size, 1, "the phone's outgoing records")
        expect(phone.syncOutgoing("u1", 100), batch, "asked again before marking: the same batch")

        expect(tablet.syncApply("u1", batch.records).counts(), listOf(1L, 0L, 0L, 0L), "applied")
        expect(tablet.getSetting(me(), false).json.contains("\"scope.record\":true"), true, "the tablet's getSetting")
        expect(tablet.listGrants("u1").single().source, DecisionSource.SYNC, "the tablet's grant's source")
        val applied = tablet.consentRecords("u1").last()
        expect(applied.source, "sync", "the applied record's source")
        expect(applied.device, phone.syncState("u1").deviceId, "the applied record names the phone")
        expect(applied.hlc, phone.consentRecords("u1").last().hlc, "the decision's stamp travels with it")
        check(applied.originSeq != null) { "the applied record has its seq on the phone: $applied" }
        expect(phone.consentRecords("u1").last().device, null, "the phone's own record: decided here")

        expect(tablet.syncApply("u1", batch.records).counts(), listOf(0L, 1L, 0L, 0L), "applied again")
        expect(tablet.syncState("u1").pending, 0L, "an applied record is not the tablet's to upload")

        phone.syncMarkUploaded("u1", batch.cursor)
        expect(phone.syncOutgoing("u1", 100).records, emptyList<String>(), "after marking")
        expect(phone.syncState("u1").pending, 0L, "the phone's pending records after marking")
        phone.syncResetUploads("u1")
        expect(phone.syncOutgoing("u1", 100).records, batch.records, "after a reset: sent again")
    }

    scenario("sync: a broken record fails the batch with InvalidArgument and changes nothing") {
        val (phone, tablet) = device() to device()
        phone.setGrant("u1", "wxA", "scope.record", true)
        val good = phone.syncOutgoing("u1", 100).records.single()
        val head = tablet.consentLogHead()
        val before = tablet.getSetting(me(), false).json
        for (broken in listOf("""{"format":1,"id":"d-x:1"}""", "{", "\"not an object\"")) {
            try {
                tablet.syncApply("u1", listOf(good, broken))
                throw AssertionError("$broken was applied")
            } catch (e: MiniAppAuthException.InvalidArgument) {
                check(e.reason.contains("record 1")) { "$broken: ${e.reason}" }
            }
            expect(tablet.consentLogHead(), head, "$broken: the tablet's log")
            expect(tablet.getSetting(me(), false).json, before, "$broken: the tablet's settings")
        }
        for (limit in listOf(0, -1, 10_001)) {
            try {
                phone.syncOutgoing("u1", limit)
                throw AssertionError("limit $limit was taken")
            } catch (e: MiniAppAuthException.InvalidArgument) {
                check(e.reason.contains("limit")) { e.reason }
            }
        }
        try {
            phone.syncMarkUploaded("u1", "soon")
            throw AssertionError("a made-up cursor was taken")
        } catch (e: MiniAppAuthException.InvalidArgument) {
            check(e.reason.contains("cursor")) { e.reason }
        }
        expect(phone.syncState("u1").pending, 1L, "nothing marked")
    }
}
