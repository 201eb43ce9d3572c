// The host-facing data types of the Swift layer.
//
// Why type aliases and not wrappers: the generated records and enums are
// immutable value types (uniffi.toml: `generate_immutable_records`), `Sendable`,
// `Equatable` and `Hashable`, holding only strings, numbers, arrays and other
// such values — no native handle. Wrapping each would copy every field twice on
// every call and give hosts nothing new. So this module re-exports them under
// the same names; hosts `import MiniAppAuth` and never the generated
// `MiniAppAuthBindings`. What this module does wrap is everything with
// behaviour: the engine (`AuthEngine`), the dialogs hosts implement
// (`ConsentUi`, `OsPermissionProbe`), the errors (`MiniAppAuthError`, with
// lowerCamelCase cases), the change stream (`AuthEngine.grantChanges`) and the
// log sink.

import MiniAppAuthBindings

/// Who calls: the user, the mini app, the plugin (if any), and whether a tap just happened. Always the host's.
public typealias Caller = MiniAppAuthBindings.Caller
/// A mini-app call's answer in WeChat's dialect: `json` goes back to the mini app as is.
public typealias ApiResult = MiniAppAuthBindings.ApiResult
/// The engine's knobs (dialog timeout, soft denial, lifetimes, …); every field has a default.
public typealias EngineConfig = MiniAppAuthBindings.EngineConfig

public typealias Grant = MiniAppAuthBindings.Grant
public typealias GrantState = MiniAppAuthBindings.GrantState
public typealias DecisionSource = MiniAppAuthBindings.DecisionSource
public typealias MaintenanceReport = MiniAppAuthBindings.MaintenanceReport
public typealias ImportedGrant = MiniAppAuthBindings.ImportedGrant
public typealias ImportReport = MiniAppAuthBindings.ImportReport

public typealias ConsentRecord = MiniAppAuthBindings.ConsentRecord
public typealias ConsentLogHead = MiniAppAuthBindings.Head
public typealias LogVerification = MiniAppAuthBindings.LogVerification

public typealias ScopeDefinition = MiniAppAuthBindings.ScopeDefinition
public typealias ScopeKind = MiniAppAuthBindings.ScopeKind
public typealias OsPermission = MiniAppAuthBindings.OsPermission
public typealias OsPermissionStatus = MiniAppAuthBindings.OsPermissionStatus

public typealias ScopeRequest = MiniAppAuthBindings.ScopeRequest
public typealias ConsentDecision = MiniAppAuthBindings.ConsentDecision
public typealias SettingsRequest = MiniAppAuthBindings.SettingsRequest
public typealias SettingsAnswer = MiniAppAuthBindings.SettingsAnswer
public typealias ScopeSetting = MiniAppAuthBindings.ScopeSetting
public typealias SubscriptionsSetting = MiniAppAuthBindings.SubscriptionsSetting
public typealias PrivacyRequest = MiniAppAuthBindings.PrivacyRequest
public typealias PrivacyDecision = MiniAppAuthBindings.PrivacyDecision
public typealias SubscribeRequest = MiniAppAuthBindings.SubscribeRequest
public typealias SubscribeAnswer = MiniAppAuthBindings.SubscribeAnswer
public typealias SubscribeChoice = MiniAppAuthBindings.SubscribeChoice
public typealias TemplateChoice = MiniAppAuthBindings.TemplateChoice
