// Moving a host's own store in (`AuthEngine.importFromHost`): every kind of
// decision it holds — grants with their time and allow-until end
// (`ImportedGrant`), privacy agreements with the contract version, kept
// subscription choices and main switches. Each entry is checked before
// anything is written; a decision this database already made is kept; each
// entry gets an `import` consent record. Times are ms since the Unix epoch;
// `nil` is "now". Converted to the generated records here, nowhere else.

internal import MiniAppAuthBindings

/// A user's agreement to one version of an app's privacy contract, from the host's old store.
public struct ImportedPrivacyAgreement: Hashable, Sendable {
    /// The user.
    public var userId: String
    /// The app.
    public var appId: String
    /// The contract version agreed to.
    public var contractVersion: String
    /// The scopes that version declared, if kept (a later version declaring more asks for the new ones only).
    public var declaredScopes: [String]?
    /// When the user agreed; `nil`: now.
    public var agreedAtMs: Int64?

    /// One agreement to import.
    public init(userId: String, appId: String, contractVersion: String, declaredScopes: [String]? = nil, agreedAtMs: Int64? = nil) {
        self.userId = userId
        self.appId = appId
        self.contractVersion = contractVersion
        self.declaredScopes = declaredScopes
        self.agreedAtMs = agreedAtMs
    }
}

/// A subscription choice the user kept ("always"), from the host's old store.
public struct ImportedSubscriptionChoice: Hashable, Sendable {
    /// The user.
    public var userId: String
    /// The app.
    public var appId: String
    /// The template id.
    public var tmplId: String
    /// `.accept` or `.reject`.
    public var choice: SubscribeChoice
    /// When the user chose; `nil`: now.
    public var decidedAtMs: Int64?

    /// One kept choice to import.
    public init(userId: String, appId: String, tmplId: String, choice: SubscribeChoice, decidedAtMs: Int64? = nil) {
        self.userId = userId
        self.appId = appId
        self.tmplId = tmplId
        self.choice = choice
        self.decidedAtMs = decidedAtMs
    }
}

/// A user's subscription main switch of one app, from the host's old store.
public struct ImportedSubscriptionSwitch: Hashable, Sendable {
    /// The user.
    public var userId: String
    /// The app.
    public var appId: String
    /// On or off (off: the app's `requestSubscribeMessage` fails 20004).
    public var on: Bool
    /// When the user switched it; `nil`: now.
    public var decidedAtMs: Int64?

    /// One main switch to import.
    public init(userId: String, appId: String, on: Bool, decidedAtMs: Int64? = nil) {
        self.userId = userId
        self.appId = appId
        self.on = on
        self.decidedAtMs = decidedAtMs
    }
}

/// Everything a host's old store holds, imported together; each list may be empty.
public struct HostImport: Hashable, Sendable {
    /// Grants and denials of scopes.
    public var grants: [ImportedGrant]
    /// Agreements to apps' privacy contracts.
    public var privacyAgreements: [ImportedPrivacyAgreement]
    /// Kept subscription choices.
    public var subscriptionChoices: [ImportedSubscriptionChoice]
    /// Subscription main switches.
    public var subscriptionSwitches: [ImportedSubscriptionSwitch]

    /// An import of what is given.
    public init(grants: [ImportedGrant] = [], privacyAgreements: [ImportedPrivacyAgreement] = [],
                subscriptionChoices: [ImportedSubscriptionChoice] = [], subscriptionSwitches: [ImportedSubscriptionSwitch] = []) {
        self.grants = grants
        self.privacyAgreements = privacyAgreements
        self.subscriptionChoices = subscriptionChoices
        self.subscriptionSwitches = subscriptionSwitches
    }
}

/// What `AuthEngine.importFromHost` did, per kind.
public struct HostImportReport: Hashable, Sendable {
    /// Grants and denials.
    public let grants: ImportReport
    /// Allow-until grants not imported because they had already ended.
    public let grantsAlreadyEnded: Int64
    /// Privacy agreements.
    public let privacyAgreements: ImportReport
    /// Kept subscription choices.
    public let subscriptionChoices: ImportReport
    /// Subscription main switches.
    public let subscriptionSwitches: ImportReport

    package init(grants: ImportReport, grantsAlreadyEnded: Int64, privacyAgreements: ImportReport,
                 subscriptionChoices: ImportReport, subscriptionSwitches: ImportReport) {
        self.grants = grants
        self.grantsAlreadyEnded = grantsAlreadyEnded
        self.privacyAgreements = privacyAgreements
        self.subscriptionChoices = subscriptionChoices
        self.subscriptionSwitches = subscriptionSwitches
    }
}

extension HostImport {
    var generated: MiniAppAuthBindings.HostImport {
        MiniAppAuthBindings.HostImport(
            grants: grants.map(\.generated),
            privacyAgreements: privacyAgreements.map {
                MiniAppAuthBindings.ImportedPrivacyAgreement(
                    userId: $0.userId, appId: $0.appId, contractVersion: $0.contractVersion,
                    declaredScopes: $0.declaredScopes, agreedAtMs: $0.agreedAtMs)
            },
            subscriptionChoices: subscriptionChoices.map {
                MiniAppAuthBindings.ImportedSubscriptionChoice(
                    userId: $0.userId, appId: $0.appId, tmplId: $0.tmplId, choice: $0.choice.generated,
                    decidedAtMs: $0.decidedAtMs)
            },
            subscriptionSwitches: subscriptionSwitches.map {
                MiniAppAuthBindings.ImportedSubscriptionSwitch(
                    userId: $0.userId, appId: $0.appId, on: $0.on, decidedAtMs: $0.decidedAtMs)
            })
    }
}

extension HostImportReport {
    init(_ g: MiniAppAuthBindings.HostImportReport) {
        self.init(
            grants: ImportReport(g.grants), grantsAlreadyEnded: Int64(clamping: g.grantsAlreadyEnded),
            privacyAgreements: ImportReport(g.privacyAgreements), subscriptionChoices: ImportReport(g.subscriptionChoices),
            subscriptionSwitches: ImportReport(g.subscriptionSwitches))
    }
}
