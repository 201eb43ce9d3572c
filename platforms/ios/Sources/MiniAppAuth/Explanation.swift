// "Why no dialog" (SPEC §11, issue #24): the layer's values of
// `AuthEngine.explain` — the result a call would get now and the rule that
// decides it — converted from the generated ones here and nowhere else.

internal import MiniAppAuthBindings

/// The result the core would give a call now, and why (`AuthEngine.explain`):
/// the call's `verdict`, the `rule` that decides it with the `facts` it was
/// applied to, and — when no dialog is needed — the mini app's answer (`result`).
public struct Explanation: Hashable, Sendable {
    /// The API explained (`authorize`, `getLocation`, …).
    public let api: String
    /// The scope it was decided on (the one named, or the one guarding the API);
    /// `nil` for an API no scope guards.
    public let scope: String?
    /// What the call would do.
    public let verdict: ExplainedVerdict
    /// The mini app's answer now, when no dialog is needed (`.allow`, `.refuse`).
    public let result: ApiResult?
    /// The rule that decides (kebab-case, stable: `denied`, `dismissal-embargo`,
    /// `privacy-agreement-needed`, `not-decided`, … — docs/inspector.md lists them).
    public let rule: String
    /// The rule in one sentence.
    public let because: String
    /// The facts the rule was applied to, in the order the core gives them.
    public let facts: [ExplainedFact]

    package init(
        api: String, scope: String?, verdict: ExplainedVerdict, result: ApiResult?, rule: String, because: String,
        facts: [ExplainedFact]
    ) {
        self.api = api
        self.scope = scope
        self.verdict = verdict
        self.result = result
        self.rule = rule
        self.because = because
        self.facts = facts
    }
}

/// One fact a decision was made on (`Explanation.facts`), as a name and a value, both text.
public struct ExplainedFact: Hashable, Sendable {
    /// What the fact is (`stored decision`, `privacy contract`, …).
    public let name: String
    /// Its value.
    public let value: String

    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// What an explained call would do now (`Explanation.verdict`).
public enum ExplainedVerdict: Hashable, Sendable {
    /// Succeed without a dialog.
    case allow
    /// Fail without a dialog.
    case refuse
    /// Ask for agreement to the app's privacy contract first.
    case askPrivacy
    /// Show the consent dialog.
    case askUser
    /// Show the consent dialog with the privacy contract's checkbox on it.
    case askUserAndPrivacy
}

extension Explanation {
    init(_ g: MiniAppAuthBindings.Explanation) {
        self.init(
            api: g.api, scope: g.scope, verdict: ExplainedVerdict(g.verdict), result: g.result.map(ApiResult.init),
            rule: g.rule, because: g.because, facts: g.facts.map { ExplainedFact(name: $0.name, value: $0.value) })
    }
}

extension ExplainedVerdict {
    init(_ g: MiniAppAuthBindings.ExplainedVerdict) {
        switch g {
        case .allow: self = .allow
        case .refuse: self = .refuse
        case .askPrivacy: self = .askPrivacy
        case .askUser: self = .askUser
        case .askUserAndPrivacy: self = .askUserAndPrivacy
        }
    }
}
