// The host-facing data types of the Swift layer: the layer's own structs and
// enums, not the generated ones (SPEC §5, "a dependency a team can take";
// issue #21). Written once from the generated records' fields, kept by hand
// since; Boundary.swift converts them to and from the generated ones, nowhere
// else does.
//
// Types a host makes (`Caller`, `EngineConfig`, `ImportedGrant`, `ScopeSetting`,
// `SettingsAnswer`, `SubscriptionsSetting`, `TemplateChoice`, `ScopeDefinition`)
// have `var` properties and explicit public initialisers: a field added later
// comes with a new initialiser (the old ones stay) and breaks no caller. Types
// the engine hands out have `let` properties and package-level initialisers
// (only this package — the engine, and MiniAppAuthTesting's fixtures — makes
// them). No unsigned type is public: counts and sequence numbers are `Int64`
// (as Kotlin's `Long`), small numbers `Int`.

/// Who calls: the signed-in user, the mini app, the plugin (if any), and
/// whether a tap just happened. Always the host's, never the mini app's.
public struct Caller: Hashable, Sendable {
    /// The signed-in user.
    public var userId: String
    /// The mini app.
    public var appId: String
    /// The plugin calling, if any.
    public var pluginId: String?
    /// Whether the call follows a tap (`openSetting`, `requestSubscribeMessage` need one).
    public var userGesture: Bool

    /// A caller; no plugin and no tap unless said.
    public init(userId: String, appId: String, pluginId: String? = nil, userGesture: Bool = false) {
        self.userId = userId
        self.appId = appId
        self.pluginId = pluginId
        self.userGesture = userGesture
    }
}

/// A mini-app call's answer in WeChat's dialect: `json` goes back to the mini app as is.
public struct ApiResult: Hashable, Sendable {
    /// Whether `errMsg` ends in `:ok` (the mini app's `success` callback runs).
    public let ok: Bool
    /// `"<api>:ok"` or `"<api>:fail <reason>"`, byte-exact WeChat.
    public let errMsg: String
    /// The errno on failure (docs/behaviour.md lists them).
    public let errno: Int?
    /// The whole result object as JSON, for the mini app.
    public let json: String

    package init(ok: Bool, errMsg: String, errno: Int?, json: String) {
        self.ok = ok
        self.errMsg = errMsg
        self.errno = errno
        self.json = json
    }
}

/// One stored decision (administration).
public struct Grant: Hashable, Sendable {
    /// The user.
    public let userId: String
    /// The app.
    public let appId: String
    /// The plugin, for a decision in a plugin's namespace.
    public let pluginId: String?
    /// The scope.
    public let scope: String
    /// Granted or denied.
    public let state: GrantState
    /// What made the decision.
    public let source: DecisionSource
    /// When it was made (ms since the epoch).
    public let updatedAtMs: Int64
    /// When a time-limited grant ends.
    public let expiresAtMs: Int64?
    /// When a mini app last used it (to the hour).
    public let lastUsedAtMs: Int64?

    package init(
        userId: String, appId: String, pluginId: String?, scope: String, state: GrantState,
        source: DecisionSource, updatedAtMs: Int64, expiresAtMs: Int64?, lastUsedAtMs: Int64?
    ) {
        self.userId = userId
        self.appId = appId
        self.pluginId = pluginId
        self.scope = scope
        self.state = state
        self.source = source
        self.updatedAtMs = updatedAtMs
        self.expiresAtMs = expiresAtMs
        self.lastUsedAtMs = lastUsedAtMs
    }
}

/// One record of the consent log (hash-chained; see docs/reliability.md).
public struct ConsentRecord: Hashable, Sendable {
    /// Its place in the log.
    public let seq: Int64
    /// When (ms since the epoch).
    public let atMs: Int64
    /// The user.
    public let userId: String
    /// The app.
    public let appId: String
    /// The plugin, if any.
    public let pluginId: String?
    /// The scope, for a scope decision.
    public let scope: String?
    /// What was decided.
    public let decision: String
    /// How long a grant lasts.
    public let lifetime: String?
    /// The end of an allow-until grant.
    public let untilMs: Int64?
    /// The purpose string the user saw.
    public let purpose: String?
    /// The privacy contract version, for an agreement.
    public let contractVersion: String?
    /// The scopes a contract declares.
    public let scopes: [String]?
    /// The kinds of information a contract declares (WeChat's `privacy_key`s), for an agreement.
    public let infos: [String]?
    /// The template, for a subscription choice.
    public let template: String?
    /// What made it (dialog, settings, admin, import, sync, …).
    public let source: String
    /// The previous record's hash.
    public let prevHash: String
    /// This record's hash.
    public let hash: String
    /// The user's pseudonymous subject.
    public let subject: String
    /// For a decision every device shares (SPEC §10): when it was decided, on the hybrid
    /// logical clock that orders decisions across devices (`<13-digit ms>-<6-digit counter>`).
    public let hlc: String?
    /// For a record applied from another device (source `sync`): the device that decided. `nil`: decided here.
    public let device: String?
    /// For a record applied from another device: its `seq` in that device's log.
    public let originSeq: Int64?

    package init(
        seq: Int64, atMs: Int64, userId: String, appId: String, pluginId: String?, scope: String?,
        decision: String, lifetime: String?, untilMs: Int64?, purpose: String?, contractVersion: String?,
        scopes: [String]?, infos: [String]?, template: String?, source: String, prevHash: String, hash: String,
        subject: String, hlc: String? = nil, device: String? = nil, originSeq: Int64? = nil
    ) {
        self.seq = seq
        self.atMs = atMs
        self.userId = userId
        self.appId = appId
        self.pluginId = pluginId
        self.scope = scope
        self.decision = decision
        self.lifetime = lifetime
        self.untilMs = untilMs
        self.purpose = purpose
        self.contractVersion = contractVersion
        self.scopes = scopes
        self.infos = infos
        self.template = template
        self.source = source
        self.prevHash = prevHash
        self.hash = hash
        self.subject = subject
        self.hlc = hlc
        self.device = device
        self.originSeq = originSeq
    }
}

/// The consent log's last sequence number and hash, for anchoring outside the file.
public struct ConsentLogHead: Hashable, Sendable {
    /// The last record's sequence number.
    public let seq: Int64
    /// Its hash.
    public let hash: String

    package init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }
}

/// What an import did (`AuthEngine.importGrants`).
public struct ImportReport: Hashable, Sendable {
    /// Decisions stored, each with an `import` consent record.
    public let imported: Int64
    /// Entries skipped because the database already held a decision for them.
    public let keptExisting: Int64

    package init(imported: Int64, keptExisting: Int64) {
        self.imported = imported
        self.keptExisting = keptExisting
    }
}

/// What checking the consent log found.
public struct LogVerification: Hashable, Sendable {
    /// Whether the whole chain verifies.
    public let intact: Bool
    /// How many records were checked.
    public let records: Int64
    /// The first record that does not verify.
    public let firstBrokenSeq: Int64?
    /// What is wrong, in words.
    public let problem: String?
    /// Rows no record backs, as `audit verify` names them.
    public let unmatchedRows: [String]

    package init(intact: Bool, records: Int64, firstBrokenSeq: Int64?, problem: String?, unmatchedRows: [String]) {
        self.intact = intact
        self.records = records
        self.firstBrokenSeq = firstBrokenSeq
        self.problem = problem
        self.unmatchedRows = unmatchedRows
    }
}

/// What housekeeping did (`AuthEngine.runMaintenance`).
public struct MaintenanceReport: Hashable, Sendable {
    /// Grants revoked for disuse.
    public let revokedUnused: Int64
    /// Ended grants removed.
    public let removedExpired: Int64

    package init(revokedUnused: Int64, removedExpired: Int64) {
        self.revokedUnused = revokedUnused
        self.removedExpired = removedExpired
    }
}

/// What a scope dialog shows (`ConsentUi.askScope`).
public struct ScopeRequest: Hashable, Sendable {
    /// The user.
    public let userId: String
    /// The app.
    public let appId: String
    /// The plugin asking, if any.
    public let pluginId: String?
    /// The app's name.
    public let appName: String
    /// The scope.
    public let scope: String
    /// Its title.
    public let scopeTitle: String
    /// Its description.
    public let scopeDescription: String
    /// The app's purpose string for it, if declared.
    public let purpose: String?
    /// The API that asked.
    public let api: String
    /// The privacy contract to agree to on this dialog, as a checkbox: set only
    /// in `ConsentUi.askScopeWithPrivacy`'s request (`EngineConfig.combinedPrivacyDialog`).
    public let privacyContract: ContractToAgree?

    package init(
        userId: String, appId: String, pluginId: String?, appName: String, scope: String,
        scopeTitle: String, scopeDescription: String, purpose: String?, api: String,
        privacyContract: ContractToAgree? = nil
    ) {
        self.userId = userId
        self.appId = appId
        self.pluginId = pluginId
        self.appName = appName
        self.scope = scope
        self.scopeTitle = scopeTitle
        self.scopeDescription = scopeDescription
        self.purpose = purpose
        self.api = api
        self.privacyContract = privacyContract
    }
}

/// What the settings page shows (`ConsentUi.showSettings`).
public struct SettingsRequest: Hashable, Sendable {
    /// The user.
    public let userId: String
    /// The app.
    public let appId: String
    /// The plugin, if any.
    public let pluginId: String?
    /// The app's name.
    public let appName: String
    /// A switch per scope the app was answered about.
    public let items: [ScopeSetting]
    /// The subscription part, when asked for.
    public let subscriptions: SubscriptionsSetting?

    package init(
        userId: String, appId: String, pluginId: String?, appName: String, items: [ScopeSetting],
        subscriptions: SubscriptionsSetting?
    ) {
        self.userId = userId
        self.appId = appId
        self.pluginId = pluginId
        self.appName = appName
        self.items = items
        self.subscriptions = subscriptions
    }
}

/// What the privacy popup or the contract page shows (`ConsentUi.askPrivacy`, `ConsentUi.showPrivacyContract`).
public struct PrivacyRequest: Hashable, Sendable {
    /// The user.
    public let userId: String
    /// The app.
    public let appId: String
    /// The app's name.
    public let appName: String
    /// The contract's name.
    public let contractName: String
    /// Its version.
    public let contractVersion: String
    /// The API that led here (WeChat's `eventInfo.referrer`).
    public let referrer: String

    package init(userId: String, appId: String, appName: String, contractName: String, contractVersion: String, referrer: String) {
        self.userId = userId
        self.appId = appId
        self.appName = appName
        self.contractName = contractName
        self.contractVersion = contractVersion
        self.referrer = referrer
    }
}

/// What a subscribe dialog asks (`ConsentUi.askSubscribe`).
public struct SubscribeRequest: Hashable, Sendable {
    /// The user.
    public let userId: String
    /// The app.
    public let appId: String
    /// The app's name.
    public let appName: String
    /// The templates to ask about.
    public let tmplIds: [String]

    package init(userId: String, appId: String, appName: String, tmplIds: [String]) {
        self.userId = userId
        self.appId = appId
        self.appName = appName
        self.tmplIds = tmplIds
    }
}

/// One decision from the host's old store (`AuthEngine.importGrants`).
public struct ImportedGrant: Hashable, Sendable {
    /// The user.
    public var userId: String
    /// The app.
    public var appId: String
    /// The plugin, for a decision in its namespace.
    public var pluginId: String?
    /// A known, grantable scope.
    public var scope: String
    /// Granted or denied.
    public var granted: Bool
    /// When the user decided (ms since the epoch); `nil`: now.
    public var decidedAtMs: Int64?
    /// For a grant allowed until a time: when it ends (ms since the epoch); `nil`: permanent. A denial has none.
    public var expiresAtMs: Int64?

    /// One decision to import (decided now, permanent).
    public init(userId: String, appId: String, pluginId: String? = nil, scope: String, granted: Bool) {
        self.init(userId: userId, appId: appId, pluginId: pluginId, scope: scope, granted: granted,
                  decidedAtMs: nil, expiresAtMs: nil)
    }

    /// One decision to import, with when it was made and, for an allow-until grant, when it ends.
    public init(userId: String, appId: String, pluginId: String? = nil, scope: String, granted: Bool,
                decidedAtMs: Int64?, expiresAtMs: Int64? = nil) {
        self.userId = userId
        self.appId = appId
        self.pluginId = pluginId
        self.scope = scope
        self.granted = granted
        self.decidedAtMs = decidedAtMs
        self.expiresAtMs = expiresAtMs
    }
}

/// One switch of the settings page.
public struct ScopeSetting: Hashable, Sendable {
    /// The scope.
    public var scope: String
    /// Its title.
    public var title: String
    /// On or off.
    public var granted: Bool

    /// A switch.
    public init(scope: String, title: String, granted: Bool) {
        self.scope = scope
        self.title = title
        self.granted = granted
    }
}

/// How the user left the settings page.
public struct SettingsAnswer: Hashable, Sendable {
    /// The switches as left.
    public var items: [ScopeSetting]
    /// The subscription part as left (when shown).
    public var subscriptions: SubscriptionsSetting?

    /// The page as left.
    public init(items: [ScopeSetting], subscriptions: SubscriptionsSetting? = nil) {
        self.items = items
        self.subscriptions = subscriptions
    }
}

/// The subscription part of the settings page.
public struct SubscriptionsSetting: Hashable, Sendable {
    /// The app's subscription messages on or off.
    public var mainSwitch: Bool
    /// The kept choice per template.
    public var itemSettings: [TemplateChoice]

    /// The subscription part.
    public init(mainSwitch: Bool, itemSettings: [TemplateChoice]) {
        self.mainSwitch = mainSwitch
        self.itemSettings = itemSettings
    }
}

/// The choice for one template.
public struct TemplateChoice: Hashable, Sendable {
    /// The template.
    public var tmplId: String
    /// Accepted, rejected, banned or filtered.
    public var choice: SubscribeChoice

    /// A template's choice.
    public init(tmplId: String, choice: SubscribeChoice) {
        self.tmplId = tmplId
        self.choice = choice
    }
}

/// A scope: built-in, or the host's own (`AuthEngine.registerScope`).
public struct ScopeDefinition: Hashable, Sendable {
    /// Its name (`scope.*`).
    public var name: String
    /// What dialogs call it.
    public var title: String
    /// What it lets the app do.
    public var description: String
    /// The APIs it gates.
    public var guardedApis: [String]
    /// The OS permission behind it, if any.
    public var osPermission: OsPermission?
    /// How it may be asked for.
    public var kind: ScopeKind
    /// Whether the manifest must say why (`permission.<scope>.desc`).
    public var requiresPurpose: Bool

    /// A scope definition; promptable, with no OS permission and no purpose required unless said.
    public init(
        name: String, title: String, description: String, guardedApis: [String],
        osPermission: OsPermission? = nil, kind: ScopeKind = .promptable, requiresPurpose: Bool = false
    ) {
        self.name = name
        self.title = title
        self.description = description
        self.guardedApis = guardedApis
        self.osPermission = osPermission
        self.kind = kind
        self.requiresPurpose = requiresPurpose
    }
}

/// The user's answer to a scope dialog (`ConsentUi.askScope`).
public enum ConsentDecision: Hashable, Sendable {
    /// Allow the scope, permanently.
    case allow
    /// Allow it for this run of the app only (`AuthEngine.endAppRun` or the process ending ends it); never written to disk.
    case allowOnce
    /// Allow it until `untilMs` (milliseconds since the Unix epoch).
    case allowUntil(untilMs: Int64)
    /// Deny it (sticky, or soft under `EngineConfig.softDeny`).
    case deny
    /// The dialog was closed without a decision.
    case dismiss
}

/// The privacy contract a combined consent dialog asks the user to agree to (its checkbox).
public struct ContractToAgree: Hashable, Sendable {
    /// The contract's name, shown next to the checkbox.
    public let contractName: String
    /// Its version.
    public let contractVersion: String

    package init(contractName: String, contractVersion: String) {
        self.contractName = contractName
        self.contractVersion = contractVersion
    }
}

/// The answer to a combined dialog (`ConsentUi.askScopeWithPrivacy`): the
/// decision about the scope and whether the user ticked the privacy contract's
/// checkbox. An allow counts only with it ticked (WeChat's allow button needs
/// it): an allow without it grants nothing and the call fails 104.
public struct CombinedDecision: Hashable, Sendable {
    /// The decision about the scope.
    public var decision: ConsentDecision
    /// Whether the user ticked "I agree to the privacy contract".
    public var agreePrivacy: Bool

    /// An answer to a combined dialog.
    public init(decision: ConsentDecision, agreePrivacy: Bool) {
        self.decision = decision
        self.agreePrivacy = agreePrivacy
    }
}

/// The host's answer to a subscribe dialog (`ConsentUi.askSubscribe`). A host
/// makes these; a release may add answers, so a `switch` over one needs a
/// `default`.
public enum SubscribeAnswer: Hashable, Sendable {
    /// Per template (a template left out counts as rejected); `keep`: "always keep this choice".
    case chosen(choices: [TemplateChoice], keep: Bool)
    /// The host's server bans the app from subscription messages (errCode 20005).
    case appBanned
    /// The host fails the call with one of WeChat's codes only its server or UI
    /// knows of: the mini app's `fail` gets WeChat's `errMsg` and `errCode`. Not
    /// the user's decision: nothing is kept or recorded.
    case failed(SubscribeFailure)
}

/// A `requestSubscribeMessage` failure the host reports (`SubscribeAnswer.failed`):
/// one of WeChat's codes only its server or UI knows of (developers.weixin.qq.com
/// …/wx.requestSubscribeMessage.md, "错误码"); the mini app gets WeChat's text
/// and `errCode`. Open: the static members are every value there is, and a
/// release may add one. The core's own checks (10001, 10004, 20003, 20004) are
/// not among them, nor the app ban (20005, `SubscribeAnswer.appBanned`).
public struct SubscribeFailure: Hashable, Sendable, CustomStringConvertible {
    enum Kind: Hashable, Sendable {
        case requestListFailed, requestSubscribeFailed, cannotShowUi
        case noTemplateData, templateTypesMixed, deviceMessageTemplate
    }

    let kind: Kind
    /// WeChat's `errCode`.
    public let errCode: Int

    private init(_ kind: Kind, errCode: Int) {
        self.kind = kind
        self.errCode = errCode
    }

    /// 10002 "Request list fail": fetching the template list failed.
    public static let requestListFailed = SubscribeFailure(.requestListFailed, errCode: 10002)
    /// 10003 "Request subscribe fail": sending the subscription failed.
    public static let requestSubscribeFailed = SubscribeFailure(.requestSubscribeFailed, errCode: 10003)
    /// 10005 "Cannot show subscribe message UI": e.g. the app went to the background.
    public static let cannotShowUi = SubscribeFailure(.cannotShowUi, errCode: 10005)
    /// 20001 "No template data return, verify the template id exist": no such
    /// template, or not of the kind asked for.
    public static let noTemplateData = SubscribeFailure(.noTemplateData, errCode: 20001)
    /// 20002 "Templates type must be same": one-time and long-term templates in one call.
    public static let templateTypesMixed = SubscribeFailure(.templateTypesMixed, errCode: 20002)
    /// 20013 "Reject DeviceMsg Template": a device-message template, which this
    /// API may not subscribe to.
    public static let deviceMessageTemplate = SubscribeFailure(.deviceMessageTemplate, errCode: 20013)

    /// Every failure a host may report.
    public static let all: [SubscribeFailure] = [
        .requestListFailed, .requestSubscribeFailed, .cannotShowUi,
        .noTemplateData, .templateTypesMixed, .deviceMessageTemplate,
    ]

    /// The failure WeChat's `errCode` names; `nil` for a code a host may not
    /// report (unknown, one of the core's own checks, or 20005).
    public init?(errCode: Int) {
        guard let failure = Self.all.first(where: { $0.errCode == errCode }) else { return nil }
        self = failure
    }

    /// `SubscribeFailure(errCode: N)`.
    public var description: String { "SubscribeFailure(errCode: \(errCode))" }
}

/// A stored decision's state.
public enum GrantState: Hashable, Sendable {
    /// Never decided (or revoked).
    case unasked
    /// Allowed.
    case granted
    /// Denied.
    case denied
}

/// What made a decision.
public enum DecisionSource: Hashable, Sendable {
    /// A consent dialog.
    case dialog
    /// The app's settings page.
    case settings
    /// The host's administration API (`setGrant`, …) or the CLI.
    case admin
    /// Imported from the host's earlier permission store (`AuthEngine.importGrants`).
    case `import`
    /// Decided on another of the user's devices, applied here by `AuthEngine.syncApply` (SPEC §10).
    case sync
}

/// How much a log record matters, most to least.
public enum LogLevel: Hashable, Sendable {
    /// Something failed: a write refused, a host callback that threw.
    case error
    /// Something the host should look at: a database moved aside, a dialog timed out.
    case warn
    /// What happened of note: an engine opened, a migration, maintenance.
    case info
    /// Detail for debugging.
    case debug
    /// Everything.
    case trace
}

/// An OS permission a scope may need.
public enum OsPermission: Hashable, Sendable {
    /// Location while in use.
    case location
    /// Location in the background ("always").
    case locationBackground
    /// The microphone.
    case microphone
    /// The camera.
    case camera
    /// Bluetooth.
    case bluetooth
    /// Adding to the photo library.
    case photoLibraryAdd
    /// The address book.
    case contacts
    /// The calendar.
    case calendar
}

/// Whether the host app holds an OS permission (`OsPermissionProbe`).
public enum OsPermissionStatus: Hashable, Sendable {
    /// The host app holds the permission (or the OS will ask when it is used).
    case granted
    /// The host app lacks it: calls fail `system permission denied`.
    case denied
    /// Not known (no probe, or the scope has no OS permission).
    case unknown
}

/// The answer to the privacy popup (`ConsentUi.askPrivacy`).
public enum PrivacyDecision: Hashable, Sendable {
    /// The user agreed to the contract.
    case agree
    /// The user refused it.
    case disagree
}

/// How a scope may be asked for.
public enum ScopeKind: Hashable, Sendable {
    /// `authorize` may show the consent dialog.
    case promptable
    /// Only the settings page can grant it (`scope.userLocationBackground`).
    case settingsOnly
    /// Withdrawn: `authorize` succeeds without a dialog and stores nothing (`scope.userInfo`).
    case neverPrompts
    /// No longer gated: always reported granted (`scope.address`, `scope.invoice`, `scope.invoiceTitle`).
    case alwaysGranted
}

/// A template's choice.
public enum SubscribeChoice: Hashable, Sendable {
    /// Accepted.
    case accept
    /// Rejected.
    case reject
    /// Banned by the host's server.
    case ban
    /// Filtered by the host's server.
    case filter
}
