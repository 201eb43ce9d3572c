// The host-facing data types of the Kotlin layer.
@file:Suppress("unused")

package com.miniappauth

/*
 * Why type aliases and not wrappers: the generated records are Kotlin data
 * classes of `val`s (uniffi.toml: `generate_immutable_records`) holding only
 * strings, numbers, lists and other such records — no native handle, nothing to
 * close — and the generated enums and sealed classes are plain Kotlin values.
 * Wrapping each would copy every field twice on every call and give hosts nothing
 * the generated class does not already give them (equals, hashCode, copy,
 * destructuring). So the layer re-exports them under `com.miniappauth` with the
 * same names; hosts never import `com.miniappauth.internal`. The two sealed
 * classes hosts construct, [ConsentDecision] and [SubscribeAnswer], are the
 * layer's own (Answers.kt: Kotlin cannot reach a sealed class's subclasses
 * through an alias). What the layer does
 * wrap is everything with behaviour: the engine ([AuthEngine], AutoCloseable),
 * the dialogs hosts implement ([ConsentUi], [OsPermissionProbe]), the errors
 * ([MiniAppAuthException]), the change stream ([AuthEngine.grantChanges]) and
 * the log sink ([LogSink]).
 */

/** Who calls: the signed-in user, the mini app, the plugin (if any), and whether a tap just happened. Always the host's, never the mini app's. */
typealias Caller = com.miniappauth.internal.Caller

/** A mini-app call's answer in WeChat's dialect: [ApiResult.json] goes back to the mini app as is. */
typealias ApiResult = com.miniappauth.internal.ApiResult

/** The engine's knobs (dialog timeout, soft denial, lifetimes, …); every field has a default. */
typealias EngineConfig = com.miniappauth.internal.EngineConfig

/** One stored decision (administration). */
typealias Grant = com.miniappauth.internal.Grant
typealias GrantState = com.miniappauth.internal.GrantState
typealias DecisionSource = com.miniappauth.internal.DecisionSource
typealias MaintenanceReport = com.miniappauth.internal.MaintenanceReport
typealias ImportedGrant = com.miniappauth.internal.ImportedGrant
typealias ImportReport = com.miniappauth.internal.ImportReport

/** The consent log: records, its head (for anchoring elsewhere), its verification. */
typealias ConsentRecord = com.miniappauth.internal.ConsentRecord
typealias ConsentLogHead = com.miniappauth.internal.Head
typealias LogVerification = com.miniappauth.internal.LogVerification

/** Scopes: built-in and host-defined. */
typealias ScopeDefinition = com.miniappauth.internal.ScopeDefinition
typealias ScopeKind = com.miniappauth.internal.ScopeKind
typealias OsPermission = com.miniappauth.internal.OsPermission
typealias OsPermissionStatus = com.miniappauth.internal.OsPermissionStatus

/** What the dialogs receive and answer (see [ConsentUi]). */
typealias ScopeRequest = com.miniappauth.internal.ScopeRequest
typealias SettingsRequest = com.miniappauth.internal.SettingsRequest
typealias SettingsAnswer = com.miniappauth.internal.SettingsAnswer
typealias ScopeSetting = com.miniappauth.internal.ScopeSetting
typealias SubscriptionsSetting = com.miniappauth.internal.SubscriptionsSetting
typealias PrivacyRequest = com.miniappauth.internal.PrivacyRequest
typealias PrivacyDecision = com.miniappauth.internal.PrivacyDecision
typealias SubscribeRequest = com.miniappauth.internal.SubscribeRequest
typealias SubscribeChoice = com.miniappauth.internal.SubscribeChoice
typealias TemplateChoice = com.miniappauth.internal.TemplateChoice
