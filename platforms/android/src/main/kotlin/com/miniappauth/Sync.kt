// Sync across the user's devices (SPEC §10, issue #23): the layer's values of
// the engine's sync calls ([AuthEngine.syncOutgoing], [AuthEngine.syncApply],
// [AuthEngine.syncState]), converted from the generated ones here and nowhere
// else. Counts are `Long` (Java has no unsigned types). The host owns the
// transport; docs/host-guide.md, "Sync across devices", has a worker.

package com.miniappauth

import com.miniappauth.internal.SyncApplied as GSyncApplied
import com.miniappauth.internal.SyncBatch as GSyncBatch
import com.miniappauth.internal.SyncState as GSyncState

/**
 * A batch for the host's transport to upload ([AuthEngine.syncOutgoing]): this
 * device's records, each a JSON object as text the transport carries as is,
 * and the cursor that acknowledges them ([AuthEngine.syncMarkUploaded]) once
 * the backend has committed them.
 */
public class SyncBatch internal constructor(
    /** The records, oldest first; empty when nothing waits for upload. */
    public val records: List<String>,
    /** Hand it to [AuthEngine.syncMarkUploaded] once the backend has committed [records]. */
    public val cursor: String,
) {
    override fun equals(other: Any?): Boolean =
        other is SyncBatch && records == other.records && cursor == other.cursor

    override fun hashCode(): Int = java.util.Objects.hash(records, cursor)

    override fun toString(): String = "SyncBatch(records=${records.size} records, cursor=$cursor)"
}

/** What [AuthEngine.syncApply] did with a batch (SPEC §10's four counts). */
public class SyncApplied internal constructor(
    /** Records that took effect here (each in the consent log with source `sync`). */
    public val applied: Long,
    /** Records already here: this device's own, or applied before. */
    public val duplicates: Long,
    /** Records a newer fact here overrides (an older grant after a newer denial, reset or forget). */
    public val superseded: Long,
    /** Records from a newer core: kept as they came, not applied. */
    public val rejected: Long,
    /**
     * Records kept earlier (rejected then) that this core reads now — after an upgrade, or
     * the host registered their scope — applied with this batch (each also counted as
     * applied, duplicate or superseded).
     */
    public val released: Long,
) {
    override fun equals(other: Any?): Boolean =
        other is SyncApplied && applied == other.applied && duplicates == other.duplicates &&
            superseded == other.superseded && rejected == other.rejected && released == other.released

    override fun hashCode(): Int = java.util.Objects.hash(applied, duplicates, superseded, rejected, released)

    override fun toString(): String =
        "SyncApplied(applied=$applied, duplicates=$duplicates, superseded=$superseded, rejected=$rejected, " +
            "released=$released)"
}

/** Where a user's sync stands on this device ([AuthEngine.syncState]). */
public class SyncState internal constructor(
    /** This device's id (random, made with the database; in every record it sends). */
    public val deviceId: String,
    /** Its hybrid-logical-clock stamp (`<13-digit ms>-<6-digit counter>`). */
    public val clock: String,
    /** The user's records decided here and not yet acknowledged uploaded. */
    public val pending: Long,
    /** Records from a newer core kept for the user, not applied. */
    public val held: Long,
) {
    override fun equals(other: Any?): Boolean =
        other is SyncState && deviceId == other.deviceId && clock == other.clock &&
            pending == other.pending && held == other.held

    override fun hashCode(): Int = java.util.Objects.hash(deviceId, clock, pending, held)

    override fun toString(): String = "SyncState(deviceId=$deviceId, clock=$clock, pending=$pending, held=$held)"
}

internal fun GSyncBatch.toPublic(): SyncBatch = SyncBatch(records, cursor)

internal fun GSyncApplied.toPublic(): SyncApplied =
    SyncApplied(applied.toLong(), duplicates.toLong(), superseded.toLong(), rejected.toLong(), released.toLong())

internal fun GSyncState.toPublic(): SyncState = SyncState(deviceId, clock, pending.toLong(), held.toLong())
