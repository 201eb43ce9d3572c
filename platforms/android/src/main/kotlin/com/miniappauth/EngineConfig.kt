package com.miniappauth

import com.miniappauth.internal.EngineConfig as GEngineConfig

/**
 * The engine's knobs; every one has WeChat's default (SPEC: anything beyond
 * WeChat is a host policy, off unless turned on). Made with a builder, so a
 * knob added later breaks no caller:
 *
 * ```kotlin
 * val config = EngineConfig { dialogTimeoutMs = 60_000; maxDismissals = 3 }
 * ```
 * ```java
 * EngineConfig config = new EngineConfig.Builder().dialogTimeoutMs(60_000).build();
 * ```
 * Numbers are `Long`/`Int` (Java has no unsigned types); a negative one is
 * refused by [build][Builder.build] with [IllegalArgumentException].
 */
public class EngineConfig private constructor(builder: Builder) {
    /**
     * How long a dialog may stay unanswered before the engine gives up on it: the
     * call fails `dialog timed out` (errno 5), nothing is granted, the host's
     * dialog coroutine is cancelled. `0` waits forever. Default: 600 000 (10 minutes).
     */
    public val dialogTimeoutMs: Long = builder.dialogTimeoutMs

    /** `false` (default, WeChat): a denial is sticky. `true` (Alipay, Android): asked again until [maxDenials]. */
    public val softDeny: Boolean = builder.softDeny

    /** With [softDeny], the denial after which a scope is not asked again. Default: 2. */
    public val maxDenials: Int = builder.maxDenials

    /** The dismissal embargo (a host policy; WeChat has none): dismissals in a row before a pause. Default: 0, off. */
    public val maxDismissals: Int = builder.maxDismissals

    /** How long the dismissal embargo lasts. Default: 604 800 000 (7 days, Chrome). */
    public val dismissalCooldownMs: Long = builder.dismissalCooldownMs

    /** Grants unused for this many days are revoked by maintenance. Default: 0, never. */
    public val autoRevokeUnusedDays: Int = builder.autoRevokeUnusedDays

    /** `false` (default, WeChat): grants survive a new contract version or purpose string. `true`: ask again. */
    public val reconsentOnChange: Boolean = builder.reconsentOnChange

    /** After a privacy refusal, gated calls fail at once (errno 104) for this long. Default: 10 000 (WeChat). */
    public val privacyRefusalGapMs: Long = builder.privacyRefusalGapMs

    /**
     * `false` (default): the privacy popup ([ConsentUi.askPrivacy]), then the consent
     * dialog. `true` (WeChat since base library 3.4.2): a call that needs the
     * agreement and leads to a consent dialog shows only that dialog, with the
     * contract as a checkbox ([ConsentUi.askScopeWithPrivacy]); calls with no
     * consent dialog keep the popup.
     */
    public val combinedPrivacyDialog: Boolean = builder.combinedPrivacyDialog

    /** A builder starting from these values. */
    public fun toBuilder(): Builder = Builder().also {
        it.dialogTimeoutMs = dialogTimeoutMs
        it.softDeny = softDeny
        it.maxDenials = maxDenials
        it.maxDismissals = maxDismissals
        it.dismissalCooldownMs = dismissalCooldownMs
        it.autoRevokeUnusedDays = autoRevokeUnusedDays
        it.reconsentOnChange = reconsentOnChange
        it.privacyRefusalGapMs = privacyRefusalGapMs
        it.combinedPrivacyDialog = combinedPrivacyDialog
    }

    override fun equals(other: Any?): Boolean = other is EngineConfig && toGenerated() == other.toGenerated()

    override fun hashCode(): Int = toGenerated().hashCode()

    override fun toString(): String =
        "EngineConfig(dialogTimeoutMs=$dialogTimeoutMs, softDeny=$softDeny, maxDenials=$maxDenials, " +
            "maxDismissals=$maxDismissals, dismissalCooldownMs=$dismissalCooldownMs, " +
            "autoRevokeUnusedDays=$autoRevokeUnusedDays, reconsentOnChange=$reconsentOnChange, " +
            "privacyRefusalGapMs=$privacyRefusalGapMs, combinedPrivacyDialog=$combinedPrivacyDialog)"

    /** Builds an [EngineConfig]; every knob starts at its default. */
    public class Builder {
        /** See [EngineConfig.dialogTimeoutMs]. */
        public var dialogTimeoutMs: Long = DEFAULTS.dialogTimeoutMs.toLong()

        /** See [EngineConfig.softDeny]. */
        public var softDeny: Boolean = DEFAULTS.softDeny

        /** See [EngineConfig.maxDenials]. */
        public var maxDenials: Int = DEFAULTS.maxDenials.toInt()

        /** See [EngineConfig.maxDismissals]. */
        public var maxDismissals: Int = DEFAULTS.maxDismissals.toInt()

        /** See [EngineConfig.dismissalCooldownMs]. */
        public var dismissalCooldownMs: Long = DEFAULTS.dismissalCooldownMs.toLong()

        /** See [EngineConfig.autoRevokeUnusedDays]. */
        public var autoRevokeUnusedDays: Int = DEFAULTS.autoRevokeUnusedDays.toInt()

        /** See [EngineConfig.reconsentOnChange]. */
        public var reconsentOnChange: Boolean = DEFAULTS.reconsentOnChange

        /** See [EngineConfig.privacyRefusalGapMs]. */
        public var privacyRefusalGapMs: Long = DEFAULTS.privacyRefusalGapMs.toLong()

        /** See [EngineConfig.combinedPrivacyDialog]. */
        public var combinedPrivacyDialog: Boolean = DEFAULTS.combinedPrivacyDialog

        /** Sets [dialogTimeoutMs] (Java's chained form). */
        public fun dialogTimeoutMs(value: Long): Builder = apply { dialogTimeoutMs = value }

        /** Sets [softDeny]. */
        public fun softDeny(value: Boolean): Builder = apply { softDeny = value }

        /** Sets [maxDenials]. */
        public fun maxDenials(value: Int): Builder = apply { maxDenials = value }

        /** Sets [maxDismissals]. */
        public fun maxDismissals(value: Int): Builder = apply { maxDismissals = value }

        /** Sets [dismissalCooldownMs]. */
        public fun dismissalCooldownMs(value: Long): Builder = apply { dismissalCooldownMs = value }

        /** Sets [autoRevokeUnusedDays]. */
        public fun autoRevokeUnusedDays(value: Int): Builder = apply { autoRevokeUnusedDays = value }

        /** Sets [reconsentOnChange]. */
        public fun reconsentOnChange(value: Boolean): Builder = apply { reconsentOnChange = value }

        /** Sets [privacyRefusalGapMs]. */
        public fun privacyRefusalGapMs(value: Long): Builder = apply { privacyRefusalGapMs = value }

        /** Sets [combinedPrivacyDialog]. */
        public fun combinedPrivacyDialog(value: Boolean): Builder = apply { combinedPrivacyDialog = value }

        /** The configuration; throws [IllegalArgumentException] for a negative number. */
        public fun build(): EngineConfig {
            for ((name, value) in listOf(
                "dialogTimeoutMs" to dialogTimeoutMs, "maxDenials" to maxDenials.toLong(),
                "maxDismissals" to maxDismissals.toLong(), "dismissalCooldownMs" to dismissalCooldownMs,
                "autoRevokeUnusedDays" to autoRevokeUnusedDays.toLong(), "privacyRefusalGapMs" to privacyRefusalGapMs,
            )) {
                require(value >= 0) { "EngineConfig.$name must not be negative (was $value)" }
            }
            return EngineConfig(this)
        }
    }

    private companion object {
        /** The core's defaults (one home: src/config.rs). */
        val DEFAULTS: GEngineConfig = GEngineConfig()
    }
}

/** An [EngineConfig] from the defaults and [configure]: `EngineConfig { dialogTimeoutMs = 60_000 }`. */
public fun EngineConfig(configure: EngineConfig.Builder.() -> Unit): EngineConfig =
    EngineConfig.Builder().apply(configure).build()

internal fun EngineConfig.toGenerated(): GEngineConfig = GEngineConfig(
    dialogTimeoutMs.toULong(), softDeny, maxDenials.toUInt(), maxDismissals.toUInt(),
    dismissalCooldownMs.toULong(), autoRevokeUnusedDays.toUInt(), reconsentOnChange, privacyRefusalGapMs.toULong(),
    combinedPrivacyDialog,
)
