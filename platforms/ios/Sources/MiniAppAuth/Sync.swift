// Sync across the user's devices (SPEC §10, issue #23): the layer's values of
// the engine's sync calls (`AuthEngine.syncOutgoing`, `syncApply`,
// `syncState`), converted from the generated ones here and nowhere else.
// Counts are `Int64` (the layer names no unsigned type). The host owns the
// transport; docs/host-guide.md, "Sync across devices", has a task.

internal import MiniAppAuthBindings

/// A batch for the host's transport to upload (`AuthEngine.syncOutgoing`): this
/// device's records, each a JSON object as text the transport carries as is,
/// and the cursor that acknowledges them (`AuthEngine.syncMarkUploaded`) once
/// the backend has committed them.
public struct SyncBatch: Hashable, Sendable {
    /// The records, oldest first; empty when nothing waits for upload.
    public let records: [String]
    /// Hand it to `syncMarkUploaded` once the backend has committed `records`.
    public let cursor: String

    package init(records: [String], cursor: String) {
        self.records = records
        self.cursor = cursor
    }
}

/// What `AuthEngine.syncApply` did with a batch (SPEC §10's four counts).
public struct SyncApplied: Hashable, Sendable {
    /// Records that took effect here (each in the consent log with source `sync`).
    public let applied: Int64
    /// Records already here: this device's own, or applied before.
    public let duplicates: Int64
    /// Records a newer fact here overrides (an older grant after a newer denial, reset or forget).
    public let superseded: Int64
    /// Records from a newer core: kept as they came, not applied.
    public let rejected: Int64
    /// Records kept earlier (rejected then) that this core reads now — after an upgrade,
    /// or the host registered their scope — applied with this batch (each also counted
    /// as applied, duplicate or superseded).
    public let released: Int64

    package init(applied: Int64, duplicates: Int64, superseded: Int64, rejected: Int64, released: Int64 = 0) {
        self.applied = applied
        self.duplicates = duplicates
        self.superseded = superseded
        self.rejected = rejected
        self.released = released
    }
}

/// Where a user's sync stands on this device (`AuthEngine.syncState`).
public struct SyncState: Hashable, Sendable {
    /// This device's id (random, made with the database; in every record it sends).
    public let deviceId: String
    /// Its hybrid-logical-clock stamp (`<13-digit ms>-<6-digit counter>`).
    public let clock: String
    /// The user's records decided here and not yet acknowledged uploaded.
    public let pending: Int64
    /// Records from a newer core kept for the user, not applied.
    public let held: Int64

    package init(deviceId: String, clock: String, pending: Int64, held: Int64) {
        self.deviceId = deviceId
        self.clock = clock
        self.pending = pending
        self.held = held
    }
}

extension SyncBatch {
    init(_ g: MiniAppAuthBindings.SyncBatch) {
        self.init(records: g.records, cursor: g.cursor)
    }
}

extension SyncApplied {
    init(_ g: MiniAppAuthBindings.SyncApplied) {
        self.init(
            applied: Int64(clamping: g.applied), duplicates: Int64(clamping: g.duplicates),
            superseded: Int64(clamping: g.superseded), rejected: Int64(clamping: g.rejected),
            released: Int64(clamping: g.released))
    }
}

extension SyncState {
    init(_ g: MiniAppAuthBindings.SyncState) {
        self.init(deviceId: g.deviceId, clock: g.clock, pending: Int64(clamping: g.pending), held: Int64(clamping: g.held))
    }
}
