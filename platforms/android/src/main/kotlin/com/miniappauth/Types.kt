// The host-facing data types of the Kotlin layer: the layer's own classes, not
// the generated ones (SPEC §5, "a dependency a team can take"; issue #21).
// Written once from the generated records' fields, kept by hand since.
//
// Why classes and not data classes: a data class's `copy` and `componentN`
// change with every field, so adding one would break host code compiled
// against an earlier version. Types the engine hands out have internal
// constructors (only the engine makes them) and may gain properties; types a
// host makes keep every public constructor they ever had (a new field comes
// with a new overload) — see the stability policy in docs/host-guide.md.
// Counts and sequence numbers are `Long` (Java has no unsigned types).
// Every type converts to and from the generated one at the boundary
// (internal `toPublic()` / `toGenerated()`), nowhere else.

package com.miniappauth

import com.miniappauth.internal.ApiResult as GApiResult

import com.miniappauth.internal.Caller as GCaller
import com.miniappauth.internal.Head as GConsentLogHead
import com.miniappauth.internal.ConsentRecord as GConsentRecord
import com.miniappauth.internal.DecisionSource as GDecisionSource
import com.miniappauth.internal.Grant as GGrant
import com.miniappauth.internal.GrantState as GGrantState
import com.miniappauth.internal.ImportReport as GImportReport
import com.miniappauth.internal.ImportedGrant as GImportedGrant
import com.miniappauth.internal.LogLevel as GLogLevel
import com.miniappauth.internal.LogRecord as GLogRecord
import com.miniappauth.internal.LogVerification as GLogVerification
import com.miniappauth.internal.MaintenanceReport as GMaintenanceReport
import com.miniappauth.internal.OsPermission as GOsPermission
import com.miniappauth.internal.OsPermissionStatus as GOsPermissionStatus
import com.miniappauth.internal.PrivacyDecision as GPrivacyDecision
import com.miniappauth.internal.PrivacyRequest as GPrivacyRequest
import com.miniappauth.internal.ScopeDefinition as GScopeDefinition
import com.miniappauth.internal.ScopeKind as GScopeKind
import com.miniappauth.internal.ScopeRequest as GScopeRequest
import com.miniappauth.internal.ScopeSetting as GScopeSetting
import com.miniappauth.internal.SettingsAnswer as GSettingsAnswer
import com.miniappauth.internal.SettingsRequest as GSettingsRequest
import com.miniappauth.internal.SubscribeChoice as GSubscribeChoice
import com.miniappauth.internal.SubscribeFailure as GSubscribeFailure
import com.miniappauth.internal.SubscribeRequest as GSubscribeRequest
import com.miniappauth.internal.SubscriptionsSetting as GSubscriptionsSetting
import com.miniappauth.internal.TemplateChoice as GTemplateChoice

/** A mini-app call's answer in WeChat's dialect: [json] goes back to the mini app as is. */
public class ApiResult internal constructor(
    /** Whether `errMsg` ends in `:ok` (the mini app's `success` callback runs). */
    public val ok: Boolean,
    /** `"<api>:ok"` or `"<api>:fail <reason>"`, byte-exact WeChat. */
    public val errMsg: String,
    /** The errno on failure (docs/behaviour.md lists them). */
    public val errno: Int?,
    /** The whole result object as JSON, for the mini app. */
    public val json: String,
) {
    override fun equals(other: Any?): Boolean =
        other is ApiResult &&
            ok == other.ok &&
            errMsg == other.errMsg &&
            errno == other.errno &&
            json == other.json

    override fun hashCode(): Int = java.util.Objects.hash(ok, errMsg, errno, json)

    override fun toString(): String = "ApiResult(ok=$ok, errMsg=$errMsg, errno=$errno, json=$json)"
}

/** One stored decision (administration). */
public class Grant internal constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The plugin, for a decision in a plugin's namespace. */
    public val pluginId: String?,
    /** The scope. */
    public val scope: String,
    /** Granted or denied. */
    public val state: GrantState,
    /** What made the decision. */
    public val source: DecisionSource,
    /** When it was made (ms since the epoch). */
    public val updatedAtMs: Long,
    /** When a time-limited grant ends. */
    public val expiresAtMs: Long?,
    /** When a mini app last used it (to the hour). */
    public val lastUsedAtMs: Long?,
) {
    override fun equals(other: Any?): Boolean =
        other is Grant &&
            userId == other.userId &&
            appId == other.appId &&
            pluginId == other.pluginId &&
            scope == other.scope &&
            state == other.state &&
            source == other.source &&
            updatedAtMs == other.updatedAtMs &&
            expiresAtMs == other.expiresAtMs &&
            lastUsedAtMs == other.lastUsedAtMs

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, pluginId, scope, state, source, updatedAtMs, expiresAtMs, lastUsedAtMs)

    override fun toString(): String = "Grant(userId=$userId, appId=$appId, pluginId=$pluginId, scope=$scope, state=$state, source=$source, updatedAtMs=$updatedAtMs, expiresAtMs=$expiresAtMs, lastUsedAtMs=$lastUsedAtMs)"
}

/** One record of the consent log (hash-chained; see docs/reliability.md). */
public class ConsentRecord internal constructor(
    /** Its place in the log. */
    public val seq: Long,
    /** When (ms since the epoch). */
    public val atMs: Long,
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The plugin, if any. */
    public val pluginId: String?,
    /** The scope, for a scope decision. */
    public val scope: String?,
    /** What was decided. */
    public val decision: String,
    /** How long a grant lasts. */
    public val lifetime: String?,
    /** The end of an allow-until grant. */
    public val untilMs: Long?,
    /** The purpose string the user saw. */
    public val purpose: String?,
    /** The privacy contract version, for an agreement. */
    public val contractVersion: String?,
    /** The scopes a contract declares. */
    public val scopes: List<String>?,
    /** The kinds of information a contract declares (WeChat's `privacy_key`s), for an agreement. */
    public val infos: List<String>?,
    /** The template, for a subscription choice. */
    public val template: String?,
    /** What made it (dialog, settings, admin, import, sync, …). */
    public val source: String,
    /** The previous record's hash. */
    public val prevHash: String,
    /** This record's hash. */
    public val hash: String,
    /** The user's pseudonymous subject. */
    public val subject: String,
    /**
     * For a decision every device shares (SPEC §10): when it was decided, on the hybrid
     * logical clock that orders decisions across devices (`<13-digit ms>-<6-digit counter>`).
     */
    public val hlc: String?,
    /** For a record applied from another device (source `sync`): the device that decided. `null`: decided here. */
    public val device: String?,
    /** For a record applied from another device: its [seq] in that device's log. */
    public val originSeq: Long?,
) {
    override fun equals(other: Any?): Boolean =
        other is ConsentRecord &&
            seq == other.seq &&
            atMs == other.atMs &&
            userId == other.userId &&
            appId == other.appId &&
            pluginId == other.pluginId &&
            scope == other.scope &&
            decision == other.decision &&
            lifetime == other.lifetime &&
            untilMs == other.untilMs &&
            purpose == other.purpose &&
            contractVersion == other.contractVersion &&
            scopes == other.scopes &&
            infos == other.infos &&
            template == other.template &&
            source == other.source &&
            prevHash == other.prevHash &&
            hash == other.hash &&
            subject == other.subject &&
            hlc == other.hlc &&
            device == other.device &&
            originSeq == other.originSeq

    override fun hashCode(): Int = java.util.Objects.hash(seq, atMs, userId, appId, pluginId, scope, decision, lifetime, untilMs, purpose, contractVersion, scopes, infos, template, source, prevHash, hash, subject, hlc, device, originSeq)

    override fun toString(): String = "ConsentRecord(seq=$seq, atMs=$atMs, userId=$userId, appId=$appId, pluginId=$pluginId, scope=$scope, decision=$decision, lifetime=$lifetime, untilMs=$untilMs, purpose=$purpose, contractVersion=$contractVersion, scopes=$scopes, infos=$infos, template=$template, source=$source, prevHash=$prevHash, hash=$hash, subject=$subject, hlc=$hlc, device=$device, originSeq=$originSeq)"
}

/** The consent log's last sequence number and hash, for anchoring outside the file. */
public class ConsentLogHead internal constructor(
    /** The last record's sequence number. */
    public val seq: Long,
    /** Its hash. */
    public val hash: String,
) {
    override fun equals(other: Any?): Boolean =
        other is ConsentLogHead &&
            seq == other.seq &&
            hash == other.hash

    override fun hashCode(): Int = java.util.Objects.hash(seq, hash)

    override fun toString(): String = "ConsentLogHead(seq=$seq, hash=$hash)"
}

/** What an import did. */
public class ImportReport internal constructor(
    /** Decisions stored, each with an `import` consent record. */
    public val imported: Long,
    /** Entries skipped because the database already held a decision for them. */
    public val keptExisting: Long,
) {
    override fun equals(other: Any?): Boolean =
        other is ImportReport &&
            imported == other.imported &&
            keptExisting == other.keptExisting

    override fun hashCode(): Int = java.util.Objects.hash(imported, keptExisting)

    override fun toString(): String = "ImportReport(imported=$imported, keptExisting=$keptExisting)"
}

/** What checking the consent log found. */
public class LogVerification internal constructor(
    /** Whether the whole chain verifies. */
    public val intact: Boolean,
    /** How many records were checked. */
    public val records: Long,
    /** The first record that does not verify. */
    public val firstBrokenSeq: Long?,
    /** What is wrong, in words. */
    public val problem: String?,
    /** Rows no record backs, as `audit verify` names them. */
    public val unmatchedRows: List<String>,
) {
    override fun equals(other: Any?): Boolean =
        other is LogVerification &&
            intact == other.intact &&
            records == other.records &&
            firstBrokenSeq == other.firstBrokenSeq &&
            problem == other.problem &&
            unmatchedRows == other.unmatchedRows

    override fun hashCode(): Int = java.util.Objects.hash(intact, records, firstBrokenSeq, problem, unmatchedRows)

    override fun toString(): String = "LogVerification(intact=$intact, records=$records, firstBrokenSeq=$firstBrokenSeq, problem=$problem, unmatchedRows=$unmatchedRows)"
}

/** What housekeeping did. */
public class MaintenanceReport internal constructor(
    /** Grants revoked for disuse. */
    public val revokedUnused: Long,
    /** Ended grants removed. */
    public val removedExpired: Long,
) {
    override fun equals(other: Any?): Boolean =
        other is MaintenanceReport &&
            revokedUnused == other.revokedUnused &&
            removedExpired == other.removedExpired

    override fun hashCode(): Int = java.util.Objects.hash(revokedUnused, removedExpired)

    override fun toString(): String = "MaintenanceReport(revokedUnused=$revokedUnused, removedExpired=$removedExpired)"
}

/** What a scope dialog shows ([ConsentUi.askScope]). */
public class ScopeRequest internal constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The plugin asking, if any. */
    public val pluginId: String?,
    /** The app's name. */
    public val appName: String,
    /** The scope. */
    public val scope: String,
    /** Its title. */
    public val scopeTitle: String,
    /** Its description. */
    public val scopeDescription: String,
    /** The app's purpose string for it, if declared. */
    public val purpose: String?,
    /** The API that asked. */
    public val api: String,
    /**
     * The privacy contract to agree to on this dialog, as a checkbox: set only in
     * [ConsentUi.askScopeWithPrivacy]'s request (`EngineConfig.combinedPrivacyDialog`).
     */
    public val privacyContract: ContractToAgree? = null,
) {
    override fun equals(other: Any?): Boolean =
        other is ScopeRequest &&
            userId == other.userId &&
            appId == other.appId &&
            pluginId == other.pluginId &&
            appName == other.appName &&
            scope == other.scope &&
            scopeTitle == other.scopeTitle &&
            scopeDescription == other.scopeDescription &&
            purpose == other.purpose &&
            api == other.api &&
            privacyContract == other.privacyContract

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, pluginId, appName, scope, scopeTitle, scopeDescription, purpose, api, privacyContract)

    override fun toString(): String = "ScopeRequest(userId=$userId, appId=$appId, pluginId=$pluginId, appName=$appName, scope=$scope, scopeTitle=$scopeTitle, scopeDescription=$scopeDescription, purpose=$purpose, api=$api, privacyContract=$privacyContract)"
}

/** The privacy contract a combined consent dialog asks the user to agree to (its checkbox). */
public class ContractToAgree internal constructor(
    /** The contract's name, shown next to the checkbox. */
    public val contractName: String,
    /** Its version. */
    public val contractVersion: String,
) {
    override fun equals(other: Any?): Boolean =
        other is ContractToAgree && contractName == other.contractName && contractVersion == other.contractVersion

    override fun hashCode(): Int = java.util.Objects.hash(contractName, contractVersion)

    override fun toString(): String = "ContractToAgree(contractName=$contractName, contractVersion=$contractVersion)"
}

/** What the settings page shows ([ConsentUi.showSettings]). */
public class SettingsRequest internal constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The plugin, if any. */
    public val pluginId: String?,
    /** The app's name. */
    public val appName: String,
    /** A switch per scope the app was answered about. */
    public val items: List<ScopeSetting>,
    /** The subscription part, when asked for. */
    public val subscriptions: SubscriptionsSetting?,
) {
    override fun equals(other: Any?): Boolean =
        other is SettingsRequest &&
            userId == other.userId &&
            appId == other.appId &&
            pluginId == other.pluginId &&
            appName == other.appName &&
            items == other.items &&
            subscriptions == other.subscriptions

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, pluginId, appName, items, subscriptions)

    override fun toString(): String = "SettingsRequest(userId=$userId, appId=$appId, pluginId=$pluginId, appName=$appName, items=$items, subscriptions=$subscriptions)"
}

/** What the privacy popup or the contract page shows. */
public class PrivacyRequest internal constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The app's name. */
    public val appName: String,
    /** The contract's name. */
    public val contractName: String,
    /** Its version. */
    public val contractVersion: String,
    /** The API that led here. */
    public val referrer: String,
) {
    override fun equals(other: Any?): Boolean =
        other is PrivacyRequest &&
            userId == other.userId &&
            appId == other.appId &&
            appName == other.appName &&
            contractName == other.contractName &&
            contractVersion == other.contractVersion &&
            referrer == other.referrer

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, appName, contractName, contractVersion, referrer)

    override fun toString(): String = "PrivacyRequest(userId=$userId, appId=$appId, appName=$appName, contractName=$contractName, contractVersion=$contractVersion, referrer=$referrer)"
}

/** What a subscribe dialog asks ([ConsentUi.askSubscribe]). */
public class SubscribeRequest internal constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The app's name. */
    public val appName: String,
    /** The templates to ask about. */
    public val tmplIds: List<String>,
) {
    override fun equals(other: Any?): Boolean =
        other is SubscribeRequest &&
            userId == other.userId &&
            appId == other.appId &&
            appName == other.appName &&
            tmplIds == other.tmplIds

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, appName, tmplIds)

    override fun toString(): String = "SubscribeRequest(userId=$userId, appId=$appId, appName=$appName, tmplIds=$tmplIds)"
}

/** One record of the core's log. */
public class LogRecord internal constructor(
    /** How much it matters. */
    public val level: LogLevel,
    /** The module path that logged it. */
    public val target: String,
    /** The message. */
    public val message: String,
) {
    override fun equals(other: Any?): Boolean =
        other is LogRecord &&
            level == other.level &&
            target == other.target &&
            message == other.message

    override fun hashCode(): Int = java.util.Objects.hash(level, target, message)

    override fun toString(): String = "LogRecord(level=$level, target=$target, message=$message)"
}

/** Who calls: the signed-in user, the mini app, the plugin (if any), and whether a tap just happened. Always the host's, never the mini app's. */
public class Caller @JvmOverloads public constructor(
    /** The signed-in user. */
    public val userId: String,
    /** The mini app. */
    public val appId: String,
    /** The plugin calling, if any. */
    public val pluginId: String? = null,
    /** Whether the call follows a tap (openSetting, requestSubscribeMessage need one). */
    public val userGesture: Boolean = false,
) {
    override fun equals(other: Any?): Boolean =
        other is Caller &&
            userId == other.userId &&
            appId == other.appId &&
            pluginId == other.pluginId &&
            userGesture == other.userGesture

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, pluginId, userGesture)

    override fun toString(): String = "Caller(userId=$userId, appId=$appId, pluginId=$pluginId, userGesture=$userGesture)"
}

/** One decision from the host's old store ([AuthEngine.importGrants]). */
public class ImportedGrant @JvmOverloads public constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The plugin, for a decision in its namespace. */
    public val pluginId: String?,
    /** A known, grantable scope. */
    public val scope: String,
    /** Granted or denied. */
    public val granted: Boolean,
    /** When the user decided (ms since the epoch); `null`: now. */
    public val decidedAtMs: Long? = null,
    /** For a grant allowed until a time: when it ends (ms since the epoch); `null`: permanent. A denial has none. */
    public val expiresAtMs: Long? = null,
) {
    override fun equals(other: Any?): Boolean =
        other is ImportedGrant &&
            userId == other.userId &&
            appId == other.appId &&
            pluginId == other.pluginId &&
            scope == other.scope &&
            granted == other.granted &&
            decidedAtMs == other.decidedAtMs &&
            expiresAtMs == other.expiresAtMs

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, pluginId, scope, granted, decidedAtMs, expiresAtMs)

    override fun toString(): String =
        "ImportedGrant(userId=$userId, appId=$appId, pluginId=$pluginId, scope=$scope, granted=$granted, " +
            "decidedAtMs=$decidedAtMs, expiresAtMs=$expiresAtMs)"
}

/** One switch of the settings page. */
public class ScopeSetting public constructor(
    /** The scope. */
    public val scope: String,
    /** Its title. */
    public val title: String,
    /** On or off. */
    public val granted: Boolean,
) {
    override fun equals(other: Any?): Boolean =
        other is ScopeSetting &&
            scope == other.scope &&
            title == other.title &&
            granted == other.granted

    override fun hashCode(): Int = java.util.Objects.hash(scope, title, granted)

    override fun toString(): String = "ScopeSetting(scope=$scope, title=$title, granted=$granted)"
}

/** How the user left the settings page. */
public class SettingsAnswer @JvmOverloads public constructor(
    /** The switches as left. */
    public val items: List<ScopeSetting>,
    /** The subscription part as left (when shown). */
    public val subscriptions: SubscriptionsSetting? = null,
) {
    override fun equals(other: Any?): Boolean =
        other is SettingsAnswer &&
            items == other.items &&
            subscriptions == other.subscriptions

    override fun hashCode(): Int = java.util.Objects.hash(items, subscriptions)

    override fun toString(): String = "SettingsAnswer(items=$items, subscriptions=$subscriptions)"
}

/** The subscription part of the settings page. */
public class SubscriptionsSetting public constructor(
    /** The app's subscription messages on or off. */
    public val mainSwitch: Boolean,
    /** The kept choice per template. */
    public val itemSettings: List<TemplateChoice>,
) {
    override fun equals(other: Any?): Boolean =
        other is SubscriptionsSetting &&
            mainSwitch == other.mainSwitch &&
            itemSettings == other.itemSettings

    override fun hashCode(): Int = java.util.Objects.hash(mainSwitch, itemSettings)

    override fun toString(): String = "SubscriptionsSetting(mainSwitch=$mainSwitch, itemSettings=$itemSettings)"
}

/** The choice for one template. */
public class TemplateChoice public constructor(
    /** The template. */
    public val tmplId: String,
    /** Accepted, rejected, banned or filtered. */
    public val choice: SubscribeChoice,
) {
    override fun equals(other: Any?): Boolean =
        other is TemplateChoice &&
            tmplId == other.tmplId &&
            choice == other.choice

    override fun hashCode(): Int = java.util.Objects.hash(tmplId, choice)

    override fun toString(): String = "TemplateChoice(tmplId=$tmplId, choice=$choice)"
}

/** A scope: built-in, or the host's own ([AuthEngine.registerScope]). */
public class ScopeDefinition @JvmOverloads public constructor(
    /** Its name (`scope.*`). */
    public val name: String,
    /** What dialogs call it. */
    public val title: String,
    /** What it lets the app do. */
    public val description: String,
    /** The APIs it gates. */
    public val guardedApis: List<String>,
    /** The OS permission behind it, if any. */
    public val osPermission: OsPermission? = null,
    /** How it may be asked for. */
    public val kind: ScopeKind = ScopeKind.PROMPTABLE,
    /** Whether the manifest must say why (`permission.<scope>.desc`). */
    public val requiresPurpose: Boolean = false,
) {
    override fun equals(other: Any?): Boolean =
        other is ScopeDefinition &&
            name == other.name &&
            title == other.title &&
            description == other.description &&
            guardedApis == other.guardedApis &&
            osPermission == other.osPermission &&
            kind == other.kind &&
            requiresPurpose == other.requiresPurpose

    override fun hashCode(): Int = java.util.Objects.hash(name, title, description, guardedApis, osPermission, kind, requiresPurpose)

    override fun toString(): String = "ScopeDefinition(name=$name, title=$title, description=$description, guardedApis=$guardedApis, osPermission=$osPermission, kind=$kind, requiresPurpose=$requiresPurpose)"
}

/** A stored decision's state. */
public enum class GrantState { UNASKED, GRANTED, DENIED }

/** What made a decision. */
public enum class DecisionSource {
    /** A consent dialog. */
    DIALOG,
    /** The app's settings page. */
    SETTINGS,
    /** The host's administration API ([AuthEngine.setGrant], …) or the CLI. */
    ADMIN,
    /** Imported from the host's earlier permission store ([AuthEngine.importFromHost]). */
    IMPORT,
    /** Decided on another of the user's devices, applied here by [AuthEngine.syncApply] (SPEC §10). */
    SYNC,
}

/** How much a log record matters, most to least. */
public enum class LogLevel { ERROR, WARN, INFO, DEBUG, TRACE }

/** An OS permission a scope may need. */
public enum class OsPermission { LOCATION, LOCATION_BACKGROUND, MICROPHONE, CAMERA, BLUETOOTH, PHOTO_LIBRARY_ADD, CONTACTS, CALENDAR }

/** Whether the host app holds an OS permission. */
public enum class OsPermissionStatus { GRANTED, DENIED, UNKNOWN }

/** The answer to the privacy popup. */
public enum class PrivacyDecision { AGREE, DISAGREE }

/** How a scope may be asked for. */
public enum class ScopeKind { PROMPTABLE, SETTINGS_ONLY, NEVER_PROMPTS, ALWAYS_GRANTED }

/** A template's choice. */
public enum class SubscribeChoice { ACCEPT, REJECT, BAN, FILTER }

/**
 * A `requestSubscribeMessage` failure the host reports ([SubscribeAnswer.Failed]):
 * one of WeChat's codes only its server or UI knows of (developers.weixin.qq.com
 * …/wx.requestSubscribeMessage.md, "错误码"); the mini app gets WeChat's text
 * and [errCode]. Open: the constants below are every value there is, and a
 * release may add one (a `when` over it needs an `else`). The core's own checks
 * (10001, 10004, 20003, 20004) are not among them, nor the app ban (20005,
 * [SubscribeAnswer.AppBanned]).
 */
public class SubscribeFailure private constructor(
    /** WeChat's `errCode`. */
    public val errCode: Int,
    private val kind: Kind,
) {
    /** Which one, for the boundary ([toGenerated]). */
    private enum class Kind { REQUEST_LIST_FAILED, REQUEST_SUBSCRIBE_FAILED, CANNOT_SHOW_UI, NO_TEMPLATE_DATA, TEMPLATE_TYPES_MIXED, DEVICE_MESSAGE_TEMPLATE }

    internal fun toGenerated(): GSubscribeFailure = when (kind) {
        Kind.REQUEST_LIST_FAILED -> GSubscribeFailure.REQUEST_LIST_FAILED
        Kind.REQUEST_SUBSCRIBE_FAILED -> GSubscribeFailure.REQUEST_SUBSCRIBE_FAILED
        Kind.CANNOT_SHOW_UI -> GSubscribeFailure.CANNOT_SHOW_UI
        Kind.NO_TEMPLATE_DATA -> GSubscribeFailure.NO_TEMPLATE_DATA
        Kind.TEMPLATE_TYPES_MIXED -> GSubscribeFailure.TEMPLATE_TYPES_MIXED
        Kind.DEVICE_MESSAGE_TEMPLATE -> GSubscribeFailure.DEVICE_MESSAGE_TEMPLATE
    }

    override fun equals(other: Any?): Boolean = other is SubscribeFailure && errCode == other.errCode

    override fun hashCode(): Int = errCode

    override fun toString(): String = "SubscribeFailure(errCode=$errCode)"

    public companion object {
        /** 10002 "Request list fail": fetching the template list failed. */
        @JvmField
        public val REQUEST_LIST_FAILED: SubscribeFailure = SubscribeFailure(10002, Kind.REQUEST_LIST_FAILED)

        /** 10003 "Request subscribe fail": sending the subscription failed. */
        @JvmField
        public val REQUEST_SUBSCRIBE_FAILED: SubscribeFailure = SubscribeFailure(10003, Kind.REQUEST_SUBSCRIBE_FAILED)

        /** 10005 "Cannot show subscribe message UI": e.g. the app went to the background. */
        @JvmField
        public val CANNOT_SHOW_UI: SubscribeFailure = SubscribeFailure(10005, Kind.CANNOT_SHOW_UI)

        /** 20001 "No template data return, verify the template id exist": no such template, or not of the kind asked for. */
        @JvmField
        public val NO_TEMPLATE_DATA: SubscribeFailure = SubscribeFailure(20001, Kind.NO_TEMPLATE_DATA)

        /** 20002 "Templates type must be same": one-time and long-term templates in one call. */
        @JvmField
        public val TEMPLATE_TYPES_MIXED: SubscribeFailure = SubscribeFailure(20002, Kind.TEMPLATE_TYPES_MIXED)

        /** 20013 "Reject DeviceMsg Template": a device-message template, which this API may not subscribe to. */
        @JvmField
        public val DEVICE_MESSAGE_TEMPLATE: SubscribeFailure = SubscribeFailure(20013, Kind.DEVICE_MESSAGE_TEMPLATE)

        /** Every failure a host may report. */
        @JvmField
        public val ALL: List<SubscribeFailure> = listOf(
            REQUEST_LIST_FAILED, REQUEST_SUBSCRIBE_FAILED, CANNOT_SHOW_UI,
            NO_TEMPLATE_DATA, TEMPLATE_TYPES_MIXED, DEVICE_MESSAGE_TEMPLATE,
        )

        /**
         * The failure WeChat's [errCode] names, or `null` for a code a host may
         * not report (unknown, one of the core's own checks, or 20005).
         */
        @JvmStatic
        public fun fromErrCode(errCode: Int): SubscribeFailure? = ALL.firstOrNull { it.errCode == errCode }
    }
}

// ----- the boundary --------------------------------------------------------------

internal fun GApiResult.toPublic(): ApiResult = ApiResult(
    `ok`,
    `errMsg`,
    `errno`,
    `json`,
)

internal fun GGrant.toPublic(): Grant = Grant(
    `userId`,
    `appId`,
    `pluginId`,
    `scope`,
    `state`.toPublic(),
    `source`.toPublic(),
    `updatedAtMs`,
    `expiresAtMs`,
    `lastUsedAtMs`,
)

internal fun GConsentRecord.toPublic(): ConsentRecord = ConsentRecord(
    `seq`.toLong(),
    `atMs`,
    `userId`,
    `appId`,
    `pluginId`,
    `scope`,
    `decision`,
    `lifetime`,
    `untilMs`,
    `purpose`,
    `contractVersion`,
    `scopes`,
    `infos`,
    `template`,
    `source`,
    `prevHash`,
    `hash`,
    `subject`,
    `hlc`,
    `device`,
    `originSeq`?.toLong(),
)

internal fun GConsentLogHead.toPublic(): ConsentLogHead = ConsentLogHead(
    `seq`.toLong(),
    `hash`,
)

internal fun GImportReport.toPublic(): ImportReport = ImportReport(
    `imported`.toLong(),
    `keptExisting`.toLong(),
)

internal fun GLogVerification.toPublic(): LogVerification = LogVerification(
    `intact`,
    `records`.toLong(),
    `firstBrokenSeq`?.toLong(),
    `problem`,
    `unmatchedRows`,
)

internal fun GMaintenanceReport.toPublic(): MaintenanceReport = MaintenanceReport(
    `revokedUnused`.toLong(),
    `removedExpired`.toLong(),
)

internal fun GScopeRequest.toPublic(): ScopeRequest = ScopeRequest(
    `userId`,
    `appId`,
    `pluginId`,
    `appName`,
    `scope`,
    `scopeTitle`,
    `scopeDescription`,
    `purpose`,
    `api`,
    `privacyContract`?.let { ContractToAgree(it.contractName, it.contractVersion) },
)

internal fun GSettingsRequest.toPublic(): SettingsRequest = SettingsRequest(
    `userId`,
    `appId`,
    `pluginId`,
    `appName`,
    `items`.map { it.toPublic() },
    `subscriptions`?.toPublic(),
)

internal fun GPrivacyRequest.toPublic(): PrivacyRequest = PrivacyRequest(
    `userId`,
    `appId`,
    `appName`,
    `contractName`,
    `contractVersion`,
    `referrer`,
)

internal fun GSubscribeRequest.toPublic(): SubscribeRequest = SubscribeRequest(
    `userId`,
    `appId`,
    `appName`,
    `tmplIds`,
)

internal fun GLogRecord.toPublic(): LogRecord = LogRecord(
    `level`.toPublic(),
    `target`,
    `message`,
)

internal fun GCaller.toPublic(): Caller = Caller(`userId`, `appId`, `pluginId`, `userGesture`)

internal fun Caller.toGenerated(): GCaller = GCaller(`userId`, `appId`, `pluginId`, `userGesture`)

internal fun GImportedGrant.toPublic(): ImportedGrant =
    ImportedGrant(`userId`, `appId`, `pluginId`, `scope`, `granted`, `decidedAtMs`, `expiresAtMs`)

internal fun ImportedGrant.toGenerated(): GImportedGrant =
    GImportedGrant(`userId`, `appId`, `pluginId`, `scope`, `granted`, `decidedAtMs`, `expiresAtMs`)

internal fun GScopeSetting.toPublic(): ScopeSetting = ScopeSetting(`scope`, `title`, `granted`)

internal fun ScopeSetting.toGenerated(): GScopeSetting = GScopeSetting(`scope`, `title`, `granted`)

internal fun GSettingsAnswer.toPublic(): SettingsAnswer = SettingsAnswer(`items`.map { it.toPublic() }, `subscriptions`?.toPublic())

internal fun SettingsAnswer.toGenerated(): GSettingsAnswer = GSettingsAnswer(`items`.map { it.toGenerated() }, `subscriptions`?.toGenerated())

internal fun GSubscriptionsSetting.toPublic(): SubscriptionsSetting = SubscriptionsSetting(`mainSwitch`, `itemSettings`.map { it.toPublic() })

internal fun SubscriptionsSetting.toGenerated(): GSubscriptionsSetting = GSubscriptionsSetting(`mainSwitch`, `itemSettings`.map { it.toGenerated() })

internal fun GTemplateChoice.toPublic(): TemplateChoice = TemplateChoice(`tmplId`, `choice`.toPublic())

internal fun TemplateChoice.toGenerated(): GTemplateChoice = GTemplateChoice(`tmplId`, `choice`.toGenerated())

internal fun GScopeDefinition.toPublic(): ScopeDefinition = ScopeDefinition(`name`, `title`, `description`, `guardedApis`, `osPermission`?.toPublic(), `kind`.toPublic(), `requiresPurpose`)

internal fun ScopeDefinition.toGenerated(): GScopeDefinition = GScopeDefinition(`name`, `title`, `description`, `guardedApis`, `osPermission`?.toGenerated(), `kind`.toGenerated(), `requiresPurpose`)

internal fun GGrantState.toPublic(): GrantState = when (this) {
    GGrantState.UNASKED -> GrantState.UNASKED
    GGrantState.GRANTED -> GrantState.GRANTED
    GGrantState.DENIED -> GrantState.DENIED
}

internal fun GrantState.toGenerated(): GGrantState = when (this) {
    GrantState.UNASKED -> GGrantState.UNASKED
    GrantState.GRANTED -> GGrantState.GRANTED
    GrantState.DENIED -> GGrantState.DENIED
}

internal fun GDecisionSource.toPublic(): DecisionSource = when (this) {
    GDecisionSource.DIALOG -> DecisionSource.DIALOG
    GDecisionSource.SETTINGS -> DecisionSource.SETTINGS
    GDecisionSource.ADMIN -> DecisionSource.ADMIN
    GDecisionSource.IMPORT -> DecisionSource.IMPORT
    GDecisionSource.SYNC -> DecisionSource.SYNC
}

internal fun DecisionSource.toGenerated(): GDecisionSource = when (this) {
    DecisionSource.DIALOG -> GDecisionSource.DIALOG
    DecisionSource.SETTINGS -> GDecisionSource.SETTINGS
    DecisionSource.ADMIN -> GDecisionSource.ADMIN
    DecisionSource.IMPORT -> GDecisionSource.IMPORT
    DecisionSource.SYNC -> GDecisionSource.SYNC
}

internal fun GLogLevel.toPublic(): LogLevel = when (this) {
    GLogLevel.ERROR -> LogLevel.ERROR
    GLogLevel.WARN -> LogLevel.WARN
    GLogLevel.INFO -> LogLevel.INFO
    GLogLevel.DEBUG -> LogLevel.DEBUG
    GLogLevel.TRACE -> LogLevel.TRACE
}

internal fun LogLevel.toGenerated(): GLogLevel = when (this) {
    LogLevel.ERROR -> GLogLevel.ERROR
    LogLevel.WARN -> GLogLevel.WARN
    LogLevel.INFO -> GLogLevel.INFO
    LogLevel.DEBUG -> GLogLevel.DEBUG
    LogLevel.TRACE -> GLogLevel.TRACE
}

internal fun GOsPermission.toPublic(): OsPermission = when (this) {
    GOsPermission.LOCATION -> OsPermission.LOCATION
    GOsPermission.LOCATION_BACKGROUND -> OsPermission.LOCATION_BACKGROUND
    GOsPermission.MICROPHONE -> OsPermission.MICROPHONE
    GOsPermission.CAMERA -> OsPermission.CAMERA
    GOsPermission.BLUETOOTH -> OsPermission.BLUETOOTH
    GOsPermission.PHOTO_LIBRARY_ADD -> OsPermission.PHOTO_LIBRARY_ADD
    GOsPermission.CONTACTS -> OsPermission.CONTACTS
    GOsPermission.CALENDAR -> OsPermission.CALENDAR
}

internal fun OsPermission.toGenerated(): GOsPermission = when (this) {
    OsPermission.LOCATION -> GOsPermission.LOCATION
    OsPermission.LOCATION_BACKGROUND -> GOsPermission.LOCATION_BACKGROUND
    OsPermission.MICROPHONE -> GOsPermission.MICROPHONE
    OsPermission.CAMERA -> GOsPermission.CAMERA
    OsPermission.BLUETOOTH -> GOsPermission.BLUETOOTH
    OsPermission.PHOTO_LIBRARY_ADD -> GOsPermission.PHOTO_LIBRARY_ADD
    OsPermission.CONTACTS -> GOsPermission.CONTACTS
    OsPermission.CALENDAR -> GOsPermission.CALENDAR
}

internal fun GOsPermissionStatus.toPublic(): OsPermissionStatus = when (this) {
    GOsPermissionStatus.GRANTED -> OsPermissionStatus.GRANTED
    GOsPermissionStatus.DENIED -> OsPermissionStatus.DENIED
    GOsPermissionStatus.UNKNOWN -> OsPermissionStatus.UNKNOWN
}

internal fun OsPermissionStatus.toGenerated(): GOsPermissionStatus = when (this) {
    OsPermissionStatus.GRANTED -> GOsPermissionStatus.GRANTED
    OsPermissionStatus.DENIED -> GOsPermissionStatus.DENIED
    OsPermissionStatus.UNKNOWN -> GOsPermissionStatus.UNKNOWN
}

internal fun GPrivacyDecision.toPublic(): PrivacyDecision = when (this) {
    GPrivacyDecision.AGREE -> PrivacyDecision.AGREE
    GPrivacyDecision.DISAGREE -> PrivacyDecision.DISAGREE
}

internal fun PrivacyDecision.toGenerated(): GPrivacyDecision = when (this) {
    PrivacyDecision.AGREE -> GPrivacyDecision.AGREE
    PrivacyDecision.DISAGREE -> GPrivacyDecision.DISAGREE
}

internal fun GScopeKind.toPublic(): ScopeKind = when (this) {
    GScopeKind.PROMPTABLE -> ScopeKind.PROMPTABLE
    GScopeKind.SETTINGS_ONLY -> ScopeKind.SETTINGS_ONLY
    GScopeKind.NEVER_PROMPTS -> ScopeKind.NEVER_PROMPTS
    GScopeKind.ALWAYS_GRANTED -> ScopeKind.ALWAYS_GRANTED
}

internal fun ScopeKind.toGenerated(): GScopeKind = when (this) {
    ScopeKind.PROMPTABLE -> GScopeKind.PROMPTABLE
    ScopeKind.SETTINGS_ONLY -> GScopeKind.SETTINGS_ONLY
    ScopeKind.NEVER_PROMPTS -> GScopeKind.NEVER_PROMPTS
    ScopeKind.ALWAYS_GRANTED -> GScopeKind.ALWAYS_GRANTED
}

internal fun GSubscribeChoice.toPublic(): SubscribeChoice = when (this) {
    GSubscribeChoice.ACCEPT -> SubscribeChoice.ACCEPT
    GSubscribeChoice.REJECT -> SubscribeChoice.REJECT
    GSubscribeChoice.BAN -> SubscribeChoice.BAN
    GSubscribeChoice.FILTER -> SubscribeChoice.FILTER
}

internal fun SubscribeChoice.toGenerated(): GSubscribeChoice = when (this) {
    SubscribeChoice.ACCEPT -> GSubscribeChoice.ACCEPT
    SubscribeChoice.REJECT -> GSubscribeChoice.REJECT
    SubscribeChoice.BAN -> GSubscribeChoice.BAN
    SubscribeChoice.FILTER -> GSubscribeChoice.FILTER
}
