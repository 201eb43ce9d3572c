// The boundary: the one place the layer's types (Types.swift, EngineConfig.swift)
// are converted to and from the generated ones (module MiniAppAuthBindings).
// `init(_ generated:)` makes the layer's value from the generated one; `generated`
// gives the generated value of one a host made. Unsigned numbers become signed
// here (a count or sequence number past Int64.max cannot occur; clamped, never a
// trap); signed knobs are checked before they become unsigned.
//
// Every file of the layer imports the generated module `internal` (SE-0409):
// the compiler then refuses any public declaration that names a generated type
// ("cannot be declared public because its parameter uses an internal type").

internal import MiniAppAuthBindings

// The generated types, under names that cannot be mistaken for the layer's.
typealias GApiResult = MiniAppAuthBindings.ApiResult
typealias GCaller = MiniAppAuthBindings.Caller
typealias GConsentDecision = MiniAppAuthBindings.ConsentDecision
typealias GCombinedDecision = MiniAppAuthBindings.CombinedDecision
typealias GConsentRecord = MiniAppAuthBindings.ConsentRecord
typealias GDecisionSource = MiniAppAuthBindings.DecisionSource
typealias GEngineConfig = MiniAppAuthBindings.EngineConfig
typealias GGrant = MiniAppAuthBindings.Grant
typealias GGrantState = MiniAppAuthBindings.GrantState
typealias GHead = MiniAppAuthBindings.Head
typealias GImportReport = MiniAppAuthBindings.ImportReport
typealias GImportedGrant = MiniAppAuthBindings.ImportedGrant
typealias GLogLevel = MiniAppAuthBindings.LogLevel
typealias GLogRecord = MiniAppAuthBindings.LogRecord
typealias GLogVerification = MiniAppAuthBindings.LogVerification
typealias GMaintenanceReport = MiniAppAuthBindings.MaintenanceReport
typealias GOsPermission = MiniAppAuthBindings.OsPermission
typealias GOsPermissionStatus = MiniAppAuthBindings.OsPermissionStatus
typealias GPrivacyDecision = MiniAppAuthBindings.PrivacyDecision
typealias GPrivacyRequest = MiniAppAuthBindings.PrivacyRequest
typealias GScopeDefinition = MiniAppAuthBindings.ScopeDefinition
typealias GScopeKind = MiniAppAuthBindings.ScopeKind
typealias GScopeRequest = MiniAppAuthBindings.ScopeRequest
typealias GScopeSetting = MiniAppAuthBindings.ScopeSetting
typealias GSettingsAnswer = MiniAppAuthBindings.SettingsAnswer
typealias GSettingsRequest = MiniAppAuthBindings.SettingsRequest
typealias GSubscribeAnswer = MiniAppAuthBindings.SubscribeAnswer
typealias GSubscribeChoice = MiniAppAuthBindings.SubscribeChoice
typealias GSubscribeFailure = MiniAppAuthBindings.SubscribeFailure
typealias GSubscribeRequest = MiniAppAuthBindings.SubscribeRequest
typealias GSubscriptionsSetting = MiniAppAuthBindings.SubscriptionsSetting
typealias GTemplateChoice = MiniAppAuthBindings.TemplateChoice

// MARK: records the engine hands out

extension ApiResult {
    init(_ g: GApiResult) {
        self.init(ok: g.ok, errMsg: g.errMsg, errno: g.errno.map(Int.init), json: g.json)
    }
}

extension Grant {
    init(_ g: GGrant) {
        self.init(
            userId: g.userId, appId: g.appId, pluginId: g.pluginId, scope: g.scope, state: GrantState(g.state),
            source: DecisionSource(g.source), updatedAtMs: g.updatedAtMs, expiresAtMs: g.expiresAtMs,
            lastUsedAtMs: g.lastUsedAtMs)
    }
}

extension ConsentRecord {
    init(_ g: GConsentRecord) {
        self.init(
            seq: Int64(clamping: g.seq), atMs: g.atMs, userId: g.userId, appId: g.appId, pluginId: g.pluginId,
            scope: g.scope, decision: g.decision, lifetime: g.lifetime, untilMs: g.untilMs, purpose: g.purpose,
            contractVersion: g.contractVersion, scopes: g.scopes, infos: g.infos, template: g.template, source: g.source,
            prevHash: g.prevHash, hash: g.hash, subject: g.subject, hlc: g.hlc, device: g.device,
            originSeq: g.originSeq.map { Int64(clamping: $0) })
    }
}

extension ConsentLogHead {
    init(_ g: GHead) {
        self.init(seq: Int64(clamping: g.seq), hash: g.hash)
    }
}

extension ImportReport {
    init(_ g: GImportReport) {
        self.init(imported: Int64(clamping: g.imported), keptExisting: Int64(clamping: g.keptExisting))
    }
}

extension LogVerification {
    init(_ g: GLogVerification) {
        self.init(
            intact: g.intact, records: Int64(clamping: g.records), firstBrokenSeq: g.firstBrokenSeq.map { Int64(clamping: $0) },
            problem: g.problem, unmatchedRows: g.unmatchedRows)
    }
}

extension MaintenanceReport {
    init(_ g: GMaintenanceReport) {
        self.init(revokedUnused: Int64(clamping: g.revokedUnused), removedExpired: Int64(clamping: g.removedExpired))
    }
}

extension ScopeRequest {
    init(_ g: GScopeRequest) {
        self.init(
            userId: g.userId, appId: g.appId, pluginId: g.pluginId, appName: g.appName, scope: g.scope,
            scopeTitle: g.scopeTitle, scopeDescription: g.scopeDescription, purpose: g.purpose, api: g.api,
            privacyContract: g.privacyContract.map {
                ContractToAgree(contractName: $0.contractName, contractVersion: $0.contractVersion)
            })
    }
}

extension SettingsRequest {
    init(_ g: GSettingsRequest) {
        self.init(
            userId: g.userId, appId: g.appId, pluginId: g.pluginId, appName: g.appName,
            items: g.items.map(ScopeSetting.init), subscriptions: g.subscriptions.map(SubscriptionsSetting.init))
    }
}

extension PrivacyRequest {
    init(_ g: GPrivacyRequest) {
        self.init(
            userId: g.userId, appId: g.appId, appName: g.appName, contractName: g.contractName,
            contractVersion: g.contractVersion, referrer: g.referrer)
    }
}

extension SubscribeRequest {
    init(_ g: GSubscribeRequest) {
        self.init(userId: g.userId, appId: g.appId, appName: g.appName, tmplIds: g.tmplIds)
    }
}

extension LogRecord {
    init(_ g: GLogRecord) {
        self.init(level: LogLevel(g.level), target: g.target, message: g.message)
    }
}

// MARK: records a host makes (both ways: requests carry them out, answers bring them back)

extension Caller {
    var generated: GCaller {
        GCaller(userId: userId, appId: appId, pluginId: pluginId, userGesture: userGesture)
    }
}

extension ImportedGrant {
    var generated: GImportedGrant {
        GImportedGrant(
            userId: userId, appId: appId, pluginId: pluginId, scope: scope, granted: granted,
            decidedAtMs: decidedAtMs, expiresAtMs: expiresAtMs)
    }
}

extension ScopeSetting {
    init(_ g: GScopeSetting) {
        self.init(scope: g.scope, title: g.title, granted: g.granted)
    }

    var generated: GScopeSetting { GScopeSetting(scope: scope, title: title, granted: granted) }
}

extension SettingsAnswer {
    var generated: GSettingsAnswer {
        GSettingsAnswer(items: items.map(\.generated), subscriptions: subscriptions?.generated)
    }
}

extension SubscriptionsSetting {
    init(_ g: GSubscriptionsSetting) {
        self.init(mainSwitch: g.mainSwitch, itemSettings: g.itemSettings.map(TemplateChoice.init))
    }

    var generated: GSubscriptionsSetting {
        GSubscriptionsSetting(mainSwitch: mainSwitch, itemSettings: itemSettings.map(\.generated))
    }
}

extension TemplateChoice {
    init(_ g: GTemplateChoice) {
        self.init(tmplId: g.tmplId, choice: SubscribeChoice(g.choice))
    }

    var generated: GTemplateChoice { GTemplateChoice(tmplId: tmplId, choice: choice.generated) }
}

extension ScopeDefinition {
    init(_ g: GScopeDefinition) {
        self.init(
            name: g.name, title: g.title, description: g.description, guardedApis: g.guardedApis,
            osPermission: g.osPermission.map(OsPermission.init), kind: ScopeKind(g.kind),
            requiresPurpose: g.requiresPurpose)
    }

    var generated: GScopeDefinition {
        GScopeDefinition(
            name: name, title: title, description: description, guardedApis: guardedApis,
            osPermission: osPermission?.generated, kind: kind.generated, requiresPurpose: requiresPurpose)
    }
}

extension EngineConfig {
    /// The generated configuration; throws `MiniAppAuthError.invalidArgument`
    /// for a negative knob or a count that does not fit the core's 32 bits.
    func generated() throws -> GEngineConfig {
        func ms(_ name: String, _ value: Int64) throws -> UInt64 {
            guard let ms = UInt64(exactly: value) else { throw refused(name, value) }
            return ms
        }
        func count(_ name: String, _ value: Int) throws -> UInt32 {
            guard let count = UInt32(exactly: value) else { throw refused(name, Int64(value)) }
            return count
        }
        func refused(_ name: String, _ value: Int64) -> MiniAppAuthError {
            .invalidArgument(reason: "EngineConfig.\(name) must be between 0 and \(name.hasSuffix("Ms") ? String(Int64.max) : String(UInt32.max)) (was \(value))")
        }
        return GEngineConfig(
            dialogTimeoutMs: try ms("dialogTimeoutMs", dialogTimeoutMs),
            softDeny: softDeny,
            maxDenials: try count("maxDenials", maxDenials),
            maxDismissals: try count("maxDismissals", maxDismissals),
            dismissalCooldownMs: try ms("dismissalCooldownMs", dismissalCooldownMs),
            autoRevokeUnusedDays: try count("autoRevokeUnusedDays", autoRevokeUnusedDays),
            reconsentOnChange: reconsentOnChange,
            privacyRefusalGapMs: try ms("privacyRefusalGapMs", privacyRefusalGapMs),
            combinedPrivacyDialog: combinedPrivacyDialog)
    }
}

// MARK: answers a host gives

extension ConsentDecision {
    var generated: GConsentDecision {
        switch self {
        case .allow: return .allow
        case .allowOnce: return .allowOnce
        case .allowUntil(let untilMs): return .allowUntil(untilMs: untilMs)
        case .deny: return .deny
        case .dismiss: return .dismiss
        }
    }
}

extension CombinedDecision {
    var generated: GCombinedDecision {
        GCombinedDecision(decision: decision.generated, agreePrivacy: agreePrivacy)
    }
}

extension SubscribeAnswer {
    var generated: GSubscribeAnswer {
        switch self {
        case .chosen(let choices, let keep): return .chosen(choices: choices.map(\.generated), keep: keep)
        case .appBanned: return .appBanned
        case .failed(let failure): return .failed(failure: failure.generated)
        }
    }
}

extension SubscribeFailure {
    var generated: GSubscribeFailure {
        switch kind {
        case .requestListFailed: return .requestListFailed
        case .requestSubscribeFailed: return .requestSubscribeFailed
        case .cannotShowUi: return .cannotShowUi
        case .noTemplateData: return .noTemplateData
        case .templateTypesMixed: return .templateTypesMixed
        case .deviceMessageTemplate: return .deviceMessageTemplate
        }
    }
}

// MARK: plain enums

extension GrantState {
    init(_ g: GGrantState) {
        switch g {
        case .unasked: self = .unasked
        case .granted: self = .granted
        case .denied: self = .denied
        }
    }
}

extension DecisionSource {
    init(_ g: GDecisionSource) {
        switch g {
        case .dialog: self = .dialog
        case .settings: self = .settings
        case .admin: self = .admin
        case .import: self = .import
        case .sync: self = .sync
        }
    }
}

extension LogLevel {
    init(_ g: GLogLevel) {
        switch g {
        case .error: self = .error
        case .warn: self = .warn
        case .info: self = .info
        case .debug: self = .debug
        case .trace: self = .trace
        }
    }

    var generated: GLogLevel {
        switch self {
        case .error: return .error
        case .warn: return .warn
        case .info: return .info
        case .debug: return .debug
        case .trace: return .trace
        }
    }
}

extension OsPermission {
    init(_ g: GOsPermission) {
        switch g {
        case .location: self = .location
        case .locationBackground: self = .locationBackground
        case .microphone: self = .microphone
        case .camera: self = .camera
        case .bluetooth: self = .bluetooth
        case .photoLibraryAdd: self = .photoLibraryAdd
        case .contacts: self = .contacts
        case .calendar: self = .calendar
        }
    }

    var generated: GOsPermission {
        switch self {
        case .location: return .location
        case .locationBackground: return .locationBackground
        case .microphone: return .microphone
        case .camera: return .camera
        case .bluetooth: return .bluetooth
        case .photoLibraryAdd: return .photoLibraryAdd
        case .contacts: return .contacts
        case .calendar: return .calendar
        }
    }
}

extension OsPermissionStatus {
    var generated: GOsPermissionStatus {
        switch self {
        case .granted: return .granted
        case .denied: return .denied
        case .unknown: return .unknown
        }
    }
}

extension PrivacyDecision {
    var generated: GPrivacyDecision {
        switch self {
        case .agree: return .agree
        case .disagree: return .disagree
        }
    }
}

extension ScopeKind {
    init(_ g: GScopeKind) {
        switch g {
        case .promptable: self = .promptable
        case .settingsOnly: self = .settingsOnly
        case .neverPrompts: self = .neverPrompts
        case .alwaysGranted: self = .alwaysGranted
        }
    }

    var generated: GScopeKind {
        switch self {
        case .promptable: return .promptable
        case .settingsOnly: return .settingsOnly
        case .neverPrompts: return .neverPrompts
        case .alwaysGranted: return .alwaysGranted
        }
    }
}

extension SubscribeChoice {
    init(_ g: GSubscribeChoice) {
        switch g {
        case .accept: self = .accept
        case .reject: self = .reject
        case .ban: self = .ban
        case .filter: self = .filter
        }
    }

    var generated: GSubscribeChoice {
        switch self {
        case .accept: return .accept
        case .reject: return .reject
        case .ban: return .ban
        case .filter: return .filter
        }
    }
}
