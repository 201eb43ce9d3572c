import Foundation
internal import MiniAppAuthBindings

/// The authorization engine of one database: what an iOS host creates once and
/// keeps for the app's life (it is freed when the last reference goes).
///
/// Every method is main-safe: it may be awaited from the main actor; the core
/// does its disk work on its own threads. Mini-app calls (`authorize`,
/// `getSetting`, `openSetting`, …, and the bridge's `handle`) never throw: they
/// answer in WeChat's dialect (`ApiResult.json` goes back to the mini app as
/// is). Opening, registering and administration throw `MiniAppAuthError`.
///
/// Cancelling the `Task` of a mini-app call that may show a dialog ends the
/// call and takes its dialog down (the host's `ConsentUi` task is cancelled,
/// the app's dialog slot freed, nothing decided); the call answers `cancelled
/// by the host` (errno 1306). `close()` / `shutdown()` close the engine: see
/// there.
///
/// Host code may depend on `MiniAppAuthEngine`, the protocol this class
/// conforms to, to unit-test itself with a fake (or with `inMemory` and
/// MiniAppAuthTesting's `ScriptedConsentUi`).
public final class AuthEngine: MiniAppAuthEngine {
    /// The generated engine, held by a reference of our own that only the
    /// background queue gives back (see `deinit`).
    private let held: Unmanaged<MiniAppAuthBindings.AuthEngine>
    var engine: MiniAppAuthBindings.AuthEngine { held.takeUnretainedValue() }

    init(_ engine: MiniAppAuthBindings.AuthEngine) { held = Unmanaged.passRetained(engine) }

    /// The last release closes the database (the WAL's checkpoint and fsync): it
    /// happens on a background queue, never on the thread that let go (the main
    /// thread, often). This object's reference is never released here — it is
    /// only given back on the queue — so the queue's release is the last one
    /// unless a call is still under way (its own reference then goes last, on
    /// the thread that awaited it). A stored strong reference would be released
    /// here after `deinit` returns and race the queue's release.
    deinit {
        let held = self.held
        blockingQueue.async { held.release() }
    }

    /// Opens (creating if needed) the database at `path`, answering dialogs through `ui`.
    /// A corrupt file is moved aside (`quarantinedPath`) and a fresh one started; a file
    /// of a newer library is refused untouched (`MiniAppAuthError.databaseTooNew`). A
    /// `config` with a negative knob is refused (`MiniAppAuthError.invalidArgument`).
    public static func open(path: String, ui: any ConsentUi, config: EngineConfig? = nil) async throws -> AuthEngine {
        let ui = ConsentUiAdapter(ui)
        let config = try config?.generated()
        return try await offCaller {
            AuthEngine(try MiniAppAuthBindings.AuthEngine.open(dbPath: path, ui: ui, config: config))
        }
    }

    /// Opens an existing file for reading only (audits, a settings screen): never
    /// created, migrated or quarantined; no dialogs; anything that would write
    /// throws. It answers by the default policy: to `explain` or list
    /// `scopeStandings` by the host's, pass its `EngineConfig` to
    /// `openReadOnly(path:config:)`.
    public static func openReadOnly(path: String) async throws -> AuthEngine {
        try await openReadOnly(path: path, config: nil)
    }

    /// `openReadOnly(path:)` with the host's policy: `config` (the defaults with
    /// `nil`) is what `explain` and `scopeStandings` answer by — pass the
    /// `EngineConfig` the host's writing engine was opened with (its dismissal
    /// embargo, soft denial, auto-revoke). A `config` with a negative knob is
    /// refused (`MiniAppAuthError.invalidArgument`).
    public static func openReadOnly(path: String, config: EngineConfig?) async throws -> AuthEngine {
        let config = try config?.generated()
        return try await offCaller {
            AuthEngine(try MiniAppAuthBindings.AuthEngine.openReadOnly(dbPath: path, config: config))
        }
    }

    /// An engine over a private in-memory database (guest sessions, tests). A
    /// `config` with a negative knob is refused (`MiniAppAuthError.invalidArgument`).
    public static func inMemory(ui: any ConsentUi, config: EngineConfig? = nil) throws -> AuthEngine {
        let config = try config?.generated()
        return try translated {
            AuthEngine(try MiniAppAuthBindings.AuthEngine.inMemory(ui: ConsentUiAdapter(ui), config: config))
        }
    }

    /// Where a corrupt database was moved when this engine opened it, if it was.
    public var quarantinedPath: String? { engine.quarantinedPath() }

    // MARK: the mini app's calls (never throw)

    /// `wx.authorize({scope})`.
    public func authorize(_ caller: Caller, scope: String) async -> ApiResult {
        await cancellable(caller, api: "authorize", args: ["scope": scope])
    }

    /// `wx.getSetting({withSubscriptions})`.
    public func getSetting(_ caller: Caller, withSubscriptions: Bool) async -> ApiResult {
        ApiResult(await engine.getSetting(caller: caller.generated, withSubscriptions: withSubscriptions))
    }

    /// `wx.openSetting({withSubscriptions})`: needs `caller.userGesture`.
    public func openSetting(_ caller: Caller, withSubscriptions: Bool) async -> ApiResult {
        await cancellable(caller, api: "openSetting", args: ["withSubscriptions": withSubscriptions])
    }

    /// `wx.authorizeForMiniProgram({scope})`, from a plugin.
    public func authorizeForMiniProgram(_ caller: Caller, scope: String) async -> ApiResult {
        await cancellable(caller, api: "authorizeForMiniProgram", args: ["scope": scope])
    }

    /// `wx.getPrivacySetting()`.
    public func getPrivacySetting(_ caller: Caller) async -> ApiResult {
        ApiResult(await engine.getPrivacySetting(caller: caller.generated))
    }

    /// `wx.requirePrivacyAuthorize()`.
    public func requirePrivacyAuthorize(_ caller: Caller) async -> ApiResult {
        await cancellable(caller, api: "requirePrivacyAuthorize", args: [:])
    }

    /// The mini app's `<button open-type="agreePrivacyAuthorization">` was tapped (the runtime's call).
    public func agreePrivacyAuthorization(_ caller: Caller, buttonId: String?) async -> ApiResult {
        ApiResult(await engine.agreePrivacyAuthorization(caller: caller.generated, buttonId: buttonId))
    }

    /// `wx.requestSubscribeMessage({tmplIds})`: needs a tap.
    public func requestSubscribeMessage(_ caller: Caller, tmplIds: [String]) async -> ApiResult {
        await cancellable(caller, api: "requestSubscribeMessage", args: ["tmplIds": tmplIds])
    }

    /// `wx.openPrivacyContract()`.
    public func openPrivacyContract(_ caller: Caller) async -> ApiResult {
        await cancellable(caller, api: "openPrivacyContract", args: [:])
    }

    /// The gate in front of a guarded API (`getLocation`, `startRecord`, …).
    public func ensure(_ caller: Caller, api: String) async -> ApiResult {
        let caller = caller.generated
        return ApiResult(await withCancellation { [engine] cancellation in
            await engine.ensureCancellable(caller: caller, api: api, cancellation: cancellation)
        })
    }

    /// The bridge: a mini app's call as JSON (`{"api","args"}`) in, the result JSON out.
    /// The identity is `caller` — the host's — never the payload's.
    public func handle(_ caller: Caller, callJson: String) async -> String {
        let caller = caller.generated
        return await withCancellation { [engine] cancellation in
            await engine.handleCancellable(caller: caller, callJson: callJson, cancellation: cancellation)
        }.json
    }

    /// The bridge for a page script's calls (the mini app's own `wx.*`): as `handle`, but the
    /// runtime's own `agreePrivacyAuthorization` is refused (`api is not supported`, 100) — only
    /// the host's renderer of the agree button reports that tap, with `agreePrivacyAuthorization`.
    public func handlePageCall(_ caller: Caller, callJson: String) async -> String {
        let caller = caller.generated
        return await withCancellation { [engine] cancellation in
            await engine.handlePageCall(caller: caller, callJson: callJson, cancellation: cancellation)
        }
    }

    /// A call that may show a dialog, as the bridge's JSON, cancelled in the
    /// core when the calling `Task` is (UniFFI's generated Swift does not pass
    /// a `Task`'s cancellation on to the core).
    private func cancellable(_ caller: Caller, api: String, args: [String: any Sendable]) async -> ApiResult {
        let call: [String: Any] = ["api": api, "args": args]
        // Strings, booleans and string arrays: always serialisable.
        let data = try! JSONSerialization.data(withJSONObject: call)
        let callJson = String(decoding: data, as: UTF8.self)
        let caller = caller.generated
        return ApiResult(await withCancellation { [engine] cancellation in
            await engine.handleCancellable(caller: caller, callJson: callJson, cancellation: cancellation)
        })
    }

    /// Runs `call` with a `CallCancellation` that the calling `Task`'s
    /// cancellation cancels.
    private func withCancellation<T>(_ call: (CallCancellation) async -> T) async -> T {
        let cancellation = CallCancellation()
        return await withTaskCancellationHandler {
            await call(cancellation)
        } onCancel: {
            cancellation.cancel()
        }
    }

    // MARK: closing

    /// Closes the engine before returning, on the calling thread — from the
    /// main actor use `shutdown()`: every open dialog is taken down (its
    /// `ConsentUi` task cancelled; the mini app's call answers `engine closed`,
    /// errno 1305), every `grantChanges` stream finishes, and the database file
    /// and its WAL are closed (the WAL checkpointed; a write under way finishes
    /// first). After it, mini-app calls answer `engine closed` and the throwing
    /// methods throw `MiniAppAuthError.closed`; closing again does nothing. A
    /// per-user database can be deleted once it returns. (The process's shared
    /// descriptor of the file's `-shm` goes when the engine is released.)
    public func close() {
        engine.shutDown()
    }

    /// `close()`, main-safe: the closing (the WAL's checkpoint, its fsync)
    /// happens off the calling thread; returns when it is done.
    public func shutdown() async {
        _ = try? await offCaller { [engine] in engine.shutDown() }
    }

    /// Whether `close()` or `shutdown()` was called.
    public var isClosed: Bool { engine.isClosed() }

    // MARK: registration

    /// Registers (or replaces) an app's manifest (app.json-shaped JSON).
    public func registerManifest(appId: String, manifestJson: String) async throws {
        try await offCaller { [engine] in try engine.registerManifest(appId: appId, manifestJson: manifestJson) }
    }

    /// Adds a host-defined scope next to the built-in ones.
    public func registerScope(_ definition: ScopeDefinition) throws {
        try translated { try engine.registerScope(definition: definition.generated) }
    }

    /// Every scope the engine knows.
    public func scopes() -> [ScopeDefinition] { engine.scopes().map(ScopeDefinition.init) }

    /// Installs (or, with `nil`, removes) the probe of the host app's OS permissions.
    public func setOsPermissionProbe(_ probe: (any OsPermissionProbe)?) {
        engine.setOsPermissionProbe(probe: probe.map { OsPermissionProbeAdapter($0) })
    }

    // MARK: administration (async; main-safe)

    /// A user's grants, optionally of one app.
    public func listGrants(userId: String, appId: String?) async throws -> [Grant] {
        try await offCaller { [engine] in try engine.listGrants(userId: userId, appId: appId).map(Grant.init) }
    }

    /// Every user with a decision or an agreement in the database.
    public func listUsers() async throws -> [String] {
        try await offCaller { [engine] in try engine.listUsers() }
    }

    /// Sets one scope to granted or denied (the host's own settings screen).
    public func setGrant(userId: String, appId: String, scope: String, granted: Bool, pluginId: String?) async throws {
        try await offCaller { [engine] in
            try engine.setGrant(userId: userId, appId: appId, pluginId: pluginId, scope: scope, granted: granted)
        }
    }

    /// Forgets one decision: the scope is unasked again.
    public func revokeGrant(userId: String, appId: String, scope: String, pluginId: String?) async throws {
        try await offCaller { [engine] in try engine.revokeGrant(userId: userId, appId: appId, pluginId: pluginId, scope: scope) }
    }

    /// Resets an app as on its deletion, for one user or (with `nil`) all; returns the grants removed.
    @discardableResult
    public func resetApp(appId: String, userId: String?) async throws -> Int64 {
        try await offCaller { [engine] in Int64(clamping: try engine.resetApp(appId: appId, userId: userId)) }
    }

    /// Forgets a user (logout, account removal); the consent log keeps its records.
    @discardableResult
    public func forgetUser(userId: String) async throws -> Int64 {
        try await offCaller { [engine] in Int64(clamping: try engine.forgetUser(userId: userId)) }
    }

    /// The user closed the app: its allow-once grants end.
    public func endAppRun(userId: String, appId: String) async throws {
        try await offCaller { [engine] in try engine.endAppRun(userId: userId, appId: appId) }
    }

    /// Housekeeping (at start-up, daily): ended and unused grants go, each recorded.
    public func runMaintenance() async throws -> MaintenanceReport {
        try await offCaller { [engine] in MaintenanceReport(try engine.runMaintenance()) }
    }

    /// The consent records of one user, or of everyone with `nil`, oldest first.
    public func consentRecords(userId: String? = nil) async throws -> [ConsentRecord] {
        try await offCaller { [engine] in try engine.consentRecords(userId: userId).map(ConsentRecord.init) }
    }

    /// The result `api` called by `caller` would get now, and the rule that
    /// decides it — why the mini app saw, or did not see, a dialog (the
    /// inspector's "why no dialog", SPEC §11). `scope` names the scope for
    /// `authorize` and `authorizeForMiniProgram` (without one they throw
    /// `MiniAppAuthError.invalidArgument`); any other `api` is a guarded API
    /// (`getLocation`, `getClipboardData`, …), explained as `ensure` would
    /// decide it. It runs the same gate as the call, writes nothing (not even a
    /// grant's use) and shows no dialog; the verdict is the engine's policy
    /// (`EngineConfig`; for a read-only engine, the one given to
    /// `openReadOnly(path:config:)`). An allow-once grant is seen only by the
    /// engine that holds it.
    public func explain(_ caller: Caller, api: String, scope: String? = nil) async throws -> Explanation {
        let caller = caller.generated
        return try await offCaller { [engine] in Explanation(try engine.explain(caller: caller, api: api, scope: scope)) }
    }

    /// Where every scope of `userId` with anything stored about it stands now —
    /// granted, denied, allowed once, granted until a time, under the dismissal
    /// embargo, due for auto-revoke — by app, plugin and scope (a scope not
    /// listed is unasked). Read only.
    public func scopeStandings(userId: String) async throws -> [ScopeStanding] {
        try await offCaller { [engine] in try engine.scopeStandings(userId: userId).map(ScopeStanding.init) }
    }

    /// Checks the consent log's hash chain.
    public func verifyConsentLog() async throws -> LogVerification {
        try await offCaller { [engine] in LogVerification(try engine.verifyConsentLog()) }
    }

    /// The consent log's last sequence number and hash, for anchoring outside the file.
    public func consentLogHead() async throws -> ConsentLogHead {
        try await offCaller { [engine] in ConsentLogHead(try engine.consentLogHead()) }
    }

    /// Moves the host's earlier permission decisions in: each not yet decided here is stored
    /// (source `import`, with a consent record); one this database holds is kept. Every entry
    /// is checked first — bad input changes nothing (`MiniAppAuthError.invalidArgument`).
    @discardableResult
    public func importGrants(_ grants: [ImportedGrant]) async throws -> ImportReport {
        let grants = grants.map(\.generated)
        return try await offCaller { [engine] in ImportReport(try engine.importGrants(grants: grants)) }
    }

    /// Moves everything the host's old store holds in (`HostImport`): grants with their decision
    /// time and allow-until end, privacy agreements with the contract version, kept subscription
    /// choices and main switches. Every entry is checked first — bad input changes nothing
    /// (`MiniAppAuthError.invalidArgument`, naming the entry); a key this database ever decided is
    /// kept; each entry stored gets an `import` consent record.
    @discardableResult
    public func importFromHost(_ entries: HostImport) async throws -> HostImportReport {
        let entries = entries.generated
        return try await offCaller { [engine] in HostImportReport(try engine.importFromHost(entries: entries)) }
    }

    /// Turns an app's subscription messages on or off for a user.
    public func setSubscriptionsMainSwitch(userId: String, appId: String, on: Bool) async throws {
        try await offCaller { [engine] in try engine.setSubscriptionsMainSwitch(userId: userId, appId: appId, on: on) }
    }

    // MARK: sync across the user's devices (SPEC §10; async, main-safe)

    /// Up to `limit` (1 to 10,000) of the user's decisions made on this device that every device
    /// shares and that were not yet acknowledged uploaded, oldest first, for the host's transport
    /// to carry as is. Empty when nothing waits. Nothing is marked uploaded until
    /// `syncMarkUploaded` with the batch's cursor: asked again, the same batch comes back. A limit
    /// out of range throws `MiniAppAuthError.invalidArgument`.
    public func syncOutgoing(userId: String, limit: Int) async throws -> SyncBatch {
        guard let limit = UInt32(exactly: limit) else {
            throw MiniAppAuthError.invalidArgument(reason: "limit must be 1-10000, not \(limit)")
        }
        return try await offCaller { [engine] in SyncBatch(try engine.syncOutgoing(userId: userId, limit: limit)) }
    }

    /// Acknowledges the user's records up to `cursor` (a `SyncBatch.cursor`) as uploaded: call it
    /// once the backend has committed the batch. Again, or with an older cursor, changes nothing.
    public func syncMarkUploaded(userId: String, cursor: String) async throws {
        try await offCaller { [engine] in try engine.syncMarkUploaded(userId: userId, cursor: cursor) }
    }

    /// Applies other devices' records for the user (JSON objects as text, as the backend returned
    /// them) in one durable transaction: the newest decision per key wins (a denial on a tie), a
    /// reset or forget overrides every older fact. Each record that takes effect enters the consent
    /// log with source `sync` and its origin device. Applying a batch again changes nothing (all
    /// `duplicates`). A record that is not JSON or breaks the record format fails the whole batch
    /// (`MiniAppAuthError.invalidArgument`, naming it) and nothing changes; one from a newer core
    /// is kept, not applied (`rejected`).
    @discardableResult
    public func syncApply(userId: String, records: [String]) async throws -> SyncApplied {
        try await offCaller { [engine] in SyncApplied(try engine.syncApply(userId: userId, records: records)) }
    }

    /// Where the user's sync stands on this device: its id and clock, records waiting for upload, records held.
    public func syncState(userId: String) async throws -> SyncState {
        try await offCaller { [engine] in SyncState(try engine.syncState(userId: userId)) }
    }

    /// Forgets how far the user's records were uploaded: the next `syncOutgoing` batches send them
    /// all again — after the host disconnected this device from its backend, or the backend lost
    /// data (it takes each record id once, so nothing is stored twice).
    public func syncResetUploads(userId: String) async throws {
        try await offCaller { [engine] in try engine.syncResetUploads(userId: userId) }
    }
}

/// Runs blocking work of the core on a background queue, never on the caller's thread.
private let blockingQueue = DispatchQueue(label: "com.miniappauth.blocking", qos: .userInitiated, attributes: .concurrent)

func offCaller<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        blockingQueue.async { continuation.resume(with: Result { try translated(body) }) }
    }
}
