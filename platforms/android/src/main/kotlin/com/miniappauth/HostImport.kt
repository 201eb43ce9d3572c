package com.miniappauth

import com.miniappauth.internal.HostImport as GHostImport
import com.miniappauth.internal.HostImportReport as GHostImportReport
import com.miniappauth.internal.ImportedPrivacyAgreement as GImportedPrivacyAgreement
import com.miniappauth.internal.ImportedSubscriptionChoice as GImportedSubscriptionChoice
import com.miniappauth.internal.ImportedSubscriptionSwitch as GImportedSubscriptionSwitch

/*
 * Moving a host's own store in ([AuthEngine.importFromHost]): every kind of
 * decision it holds — grants with their time and allow-until end, privacy
 * agreements with the contract version, kept subscription choices and main
 * switches. Each entry is checked before anything is written; a decision this
 * database already made is kept; each entry gets an `import` consent record.
 * Times are ms since the Unix epoch; `null` is "now".
 */

/** A user's agreement to one version of an app's privacy contract, from the host's old store. */
public class ImportedPrivacyAgreement @JvmOverloads public constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The contract version agreed to. */
    public val contractVersion: String,
    /** The scopes that version declared, if kept (a later version declaring more asks for the new ones only). */
    public val declaredScopes: List<String>? = null,
    /** When the user agreed; `null`: now. */
    public val agreedAtMs: Long? = null,
) {
    override fun equals(other: Any?): Boolean =
        other is ImportedPrivacyAgreement && userId == other.userId && appId == other.appId &&
            contractVersion == other.contractVersion && declaredScopes == other.declaredScopes && agreedAtMs == other.agreedAtMs

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, contractVersion, declaredScopes, agreedAtMs)

    override fun toString(): String =
        "ImportedPrivacyAgreement(userId=$userId, appId=$appId, contractVersion=$contractVersion, declaredScopes=$declaredScopes, agreedAtMs=$agreedAtMs)"
}

/** A subscription choice the user kept ("always"), from the host's old store. */
public class ImportedSubscriptionChoice @JvmOverloads public constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** The template id. */
    public val tmplId: String,
    /** [SubscribeChoice.ACCEPT] or [SubscribeChoice.REJECT]. */
    public val choice: SubscribeChoice,
    /** When the user chose; `null`: now. */
    public val decidedAtMs: Long? = null,
) {
    override fun equals(other: Any?): Boolean =
        other is ImportedSubscriptionChoice && userId == other.userId && appId == other.appId &&
            tmplId == other.tmplId && choice == other.choice && decidedAtMs == other.decidedAtMs

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, tmplId, choice, decidedAtMs)

    override fun toString(): String =
        "ImportedSubscriptionChoice(userId=$userId, appId=$appId, tmplId=$tmplId, choice=$choice, decidedAtMs=$decidedAtMs)"
}

/** A user's subscription main switch of one app, from the host's old store. */
public class ImportedSubscriptionSwitch @JvmOverloads public constructor(
    /** The user. */
    public val userId: String,
    /** The app. */
    public val appId: String,
    /** On or off (off: the app's `requestSubscribeMessage` fails 20004). */
    public val on: Boolean,
    /** When the user switched it; `null`: now. */
    public val decidedAtMs: Long? = null,
) {
    override fun equals(other: Any?): Boolean =
        other is ImportedSubscriptionSwitch && userId == other.userId && appId == other.appId &&
            on == other.on && decidedAtMs == other.decidedAtMs

    override fun hashCode(): Int = java.util.Objects.hash(userId, appId, on, decidedAtMs)

    override fun toString(): String = "ImportedSubscriptionSwitch(userId=$userId, appId=$appId, on=$on, decidedAtMs=$decidedAtMs)"
}

/** Everything a host's old store holds, imported together; each list may be empty. */
public class HostImport @JvmOverloads public constructor(
    /** Grants and denials of scopes. */
    public val grants: List<ImportedGrant> = emptyList(),
    /** Agreements to apps' privacy contracts. */
    public val privacyAgreements: List<ImportedPrivacyAgreement> = emptyList(),
    /** Kept subscription choices. */
    public val subscriptionChoices: List<ImportedSubscriptionChoice> = emptyList(),
    /** Subscription main switches. */
    public val subscriptionSwitches: List<ImportedSubscriptionSwitch> = emptyList(),
) {
    override fun equals(other: Any?): Boolean =
        other is HostImport && grants == other.grants && privacyAgreements == other.privacyAgreements &&
            subscriptionChoices == other.subscriptionChoices && subscriptionSwitches == other.subscriptionSwitches

    override fun hashCode(): Int = java.util.Objects.hash(grants, privacyAgreements, subscriptionChoices, subscriptionSwitches)

    override fun toString(): String =
        "HostImport(grants=$grants, privacyAgreements=$privacyAgreements, subscriptionChoices=$subscriptionChoices, subscriptionSwitches=$subscriptionSwitches)"
}

/** What [AuthEngine.importFromHost] did, per kind. */
public class HostImportReport internal constructor(
    /** Grants and denials. */
    public val grants: ImportReport,
    /** Allow-until grants not imported because they had already ended. */
    public val grantsAlreadyEnded: Long,
    /** Privacy agreements. */
    public val privacyAgreements: ImportReport,
    /** Kept subscription choices. */
    public val subscriptionChoices: ImportReport,
    /** Subscription main switches. */
    public val subscriptionSwitches: ImportReport,
) {
    override fun equals(other: Any?): Boolean =
        other is HostImportReport && grants == other.grants && grantsAlreadyEnded == other.grantsAlreadyEnded &&
            privacyAgreements == other.privacyAgreements && subscriptionChoices == other.subscriptionChoices &&
            subscriptionSwitches == other.subscriptionSwitches

    override fun hashCode(): Int =
        java.util.Objects.hash(grants, grantsAlreadyEnded, privacyAgreements, subscriptionChoices, subscriptionSwitches)

    override fun toString(): String =
        "HostImportReport(grants=$grants, grantsAlreadyEnded=$grantsAlreadyEnded, privacyAgreements=$privacyAgreements, " +
            "subscriptionChoices=$subscriptionChoices, subscriptionSwitches=$subscriptionSwitches)"
}

internal fun ImportedPrivacyAgreement.toGenerated(): GImportedPrivacyAgreement =
    GImportedPrivacyAgreement(userId, appId, contractVersion, declaredScopes, agreedAtMs)

internal fun ImportedSubscriptionChoice.toGenerated(): GImportedSubscriptionChoice =
    GImportedSubscriptionChoice(userId, appId, tmplId, choice.toGenerated(), decidedAtMs)

internal fun ImportedSubscriptionSwitch.toGenerated(): GImportedSubscriptionSwitch =
    GImportedSubscriptionSwitch(userId, appId, on, decidedAtMs)

internal fun HostImport.toGenerated(): GHostImport = GHostImport(
    grants.map { it.toGenerated() },
    privacyAgreements.map { it.toGenerated() },
    subscriptionChoices.map { it.toGenerated() },
    subscriptionSwitches.map { it.toGenerated() },
)

internal fun GHostImportReport.toPublic(): HostImportReport = HostImportReport(
    grants.toPublic(), grantsAlreadyEnded.toLong(), privacyAgreements.toPublic(),
    subscriptionChoices.toPublic(), subscriptionSwitches.toPublic(),
)
