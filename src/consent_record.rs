//! The consent log's records (SPEC §9): what the host reads back
//! ([`ConsentRecord`], the chain's [`Head`], a [`LogVerification`]) and the typed
//! vocabulary a record is written in ([`Recorded`], [`RecordSource`],
//! [`NewRecord`]). The words stored are fixed: they are part of the file format
//! and of every exported consent receipt.

use serde::{Deserialize, Serialize};

use crate::admin_records::DecisionSource;
use crate::manifest::Manifest;
use crate::namespace::NamespaceRef;
use crate::policy::Lifetime;
use crate::privacy_agreement::Covered;

/// One decision as recorded (and exported as a consent receipt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRecord {
    /// Position in the log, from 1.
    pub seq: u64,
    /// When, in ms since the Unix epoch.
    pub at_ms: i64,
    /// The user; empty when the record is about every user, or its user was
    /// forgotten (then only [`ConsentRecord::subject`] names them, and no
    /// longer ties to anyone).
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, if the decision was in a plugin's namespace.
    pub plugin_id: Option<String>,
    /// The scope; `None` for privacy-contract and whole-app decisions.
    pub scope: Option<String>,
    /// `granted`, `denied`, `revoked`, `expired`, `agreed`, `disagreed`, `reset`,
    /// `forgotten`; for subscription messages `subscribed`, `declined`,
    /// `banned`, `filtered` (a template; `lifetime` `permanent` when the user
    /// kept the choice, else `once`), `subscriptions-on`, `subscriptions-off`
    /// (the app's main switch).
    pub decision: String,
    /// For grants: `permanent`, `once` or `until`.
    pub lifetime: Option<String>,
    /// For `until` grants: when the grant ends.
    pub until_ms: Option<i64>,
    /// The purpose string the user saw.
    pub purpose: Option<String>,
    /// The privacy-contract version in force.
    pub contract_version: Option<String>,
    /// For an agreement: the scopes the contract declared, which the agreement
    /// covers (absent in records written before this was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// For an agreement: the kinds of information the contract declared
    /// (WeChat's `privacy_key`s), which the agreement covers too (absent in
    /// records written before kinds were kept, and when it declared none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infos: Option<Vec<String>>,
    /// For a subscription decision: the template id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// How: `dialog`, `settings`, `admin`, `auto-revoke`, `expiry`, `reset`,
    /// `privacy-button` (the mini app's own agree button), `sync` (decided
    /// on another device: [`ConsentRecord::device`]), or `migration` (a
    /// decision stored before its version kept records).
    pub source: String,
    /// For a decision every device shares (SPEC §10): when it was decided, on
    /// the hybrid logical clock that orders decisions across devices
    /// (`<13-digit ms>-<6-digit counter>`). Absent on device facts and on
    /// records written before sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hlc: Option<String>,
    /// For a record applied from another device (`source` `sync`): the
    /// device that decided. Absent: decided on this device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// For a record applied from another device: its `seq` in that device's
    /// log (with [`ConsentRecord::device`], the synced record's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_seq: Option<u64>,
    /// The hash of the record before (the chain link).
    #[serde(skip_deserializing, default)]
    pub prev_hash: String,
    /// This record's hash.
    #[serde(skip_deserializing, default)]
    pub hash: String,
    /// The pseudonym the log files the user under (empty for every user): what
    /// the hashed record says in place of `userId`. To recompute `hash` from an
    /// exported record, put it back as `userId` and leave out `prevHash`,
    /// `hash` and `subject`.
    #[serde(skip_deserializing, default)]
    pub subject: String,
}

/// The end of the chain: the last sequence number and its hash.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Head {
    /// The last record's `seq` (0 for an empty log).
    pub seq: u64,
    /// The last record's hash (64 zeros for an empty log).
    pub hash: String,
}

/// What verifying the log found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogVerification {
    /// Whether every record and link checks out.
    pub intact: bool,
    /// How many records were read.
    pub records: u64,
    /// The first record that does not check out (its `seq`, or the position where
    /// one is missing).
    pub first_broken_seq: Option<u64>,
    /// What is wrong with it.
    pub problem: Option<String>,
    /// Every stored grant or agreement that no consent record backs (each
    /// described: table, user, app, scope); such rows grant nothing.
    pub unmatched_rows: Vec<String>,
}

/// What a record says was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A grant (its lifetime rides along in [`NewRecord::lifetime`]).
    Granted,
    /// A denial.
    Denied,
    /// A decision forgotten: by the host, or by auto-revoke.
    Revoked,
    /// A time-limited grant that ended.
    Expired,
    /// Agreement to the app's privacy contract.
    Agreed,
    /// Disagreement with it.
    Disagreed,
    /// The app was reset (deleted) for the user.
    Reset,
    /// The user was forgotten.
    Forgotten,
    /// A subscription template accepted.
    Subscribed,
    /// A subscription template rejected.
    Declined,
    /// A subscription template the host's server banned.
    Banned,
    /// A subscription template the host's server filtered out.
    Filtered,
    /// The app's subscription messages switched on.
    SubscriptionsOn,
    /// The app's subscription messages switched off.
    SubscriptionsOff,
}

impl Recorded {
    /// The decision stored as `word` (`None`: not a word this core writes).
    pub fn from_word(word: &str) -> Option<Recorded> {
        [
            Recorded::Granted,
            Recorded::Denied,
            Recorded::Revoked,
            Recorded::Expired,
            Recorded::Agreed,
            Recorded::Disagreed,
            Recorded::Reset,
            Recorded::Forgotten,
            Recorded::Subscribed,
            Recorded::Declined,
            Recorded::Banned,
            Recorded::Filtered,
            Recorded::SubscriptionsOn,
            Recorded::SubscriptionsOff,
        ]
        .into_iter()
        .find(|r| r.as_str() == word)
    }

    /// An app's subscription main switch turned `on` or off.
    pub fn main_switch(on: bool) -> Recorded {
        match on {
            true => Recorded::SubscriptionsOn,
            false => Recorded::SubscriptionsOff,
        }
    }

    /// A subscription template accepted (`true`) or rejected.
    pub fn template_choice(accept: bool) -> Recorded {
        match accept {
            true => Recorded::Subscribed,
            false => Recorded::Declined,
        }
    }

    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Recorded::Granted => "granted",
            Recorded::Denied => "denied",
            Recorded::Revoked => "revoked",
            Recorded::Expired => "expired",
            Recorded::Agreed => "agreed",
            Recorded::Disagreed => "disagreed",
            Recorded::Reset => "reset",
            Recorded::Forgotten => "forgotten",
            Recorded::Subscribed => "subscribed",
            Recorded::Declined => "declined",
            Recorded::Banned => "banned",
            Recorded::Filtered => "filtered",
            Recorded::SubscriptionsOn => "subscriptions-on",
            Recorded::SubscriptionsOff => "subscriptions-off",
        }
    }
}

/// How a recorded decision came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSource {
    /// A decision the user or host made ([`DecisionSource`]).
    Decision(DecisionSource),
    /// Maintenance: a time-limited grant ended.
    Expiry,
    /// Maintenance: a grant unused too long.
    AutoRevoke,
    /// The app was reset (deleted).
    Reset,
    /// The mini app's own privacy popup: a tap on its agree button
    /// (`agreePrivacyAuthorization`).
    PrivacyButton,
    /// Decided on another device, applied here by sync (SPEC §10).
    Sync,
}

impl RecordSource {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordSource::Decision(source) => source.as_str(),
            RecordSource::Expiry => "expiry",
            RecordSource::AutoRevoke => "auto-revoke",
            RecordSource::Reset => "reset",
            RecordSource::PrivacyButton => "privacy-button",
            RecordSource::Sync => "sync",
        }
    }
}

impl RecordSource {
    /// The source stored as `word` (an unknown word reads as
    /// [`DecisionSource::parse`] reads it).
    pub fn from_word(word: &str) -> RecordSource {
        match word {
            "expiry" => RecordSource::Expiry,
            "auto-revoke" => RecordSource::AutoRevoke,
            "reset" => RecordSource::Reset,
            "privacy-button" => RecordSource::PrivacyButton,
            "sync" => RecordSource::Sync,
            other => RecordSource::Decision(DecisionSource::parse(other)),
        }
    }
}

impl From<DecisionSource> for RecordSource {
    fn from(source: DecisionSource) -> Self {
        RecordSource::Decision(source)
    }
}

/// A record about to be appended (the log assigns `seq` and the hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin.
    pub plugin_id: Option<String>,
    /// The scope.
    pub scope: Option<String>,
    /// What was decided.
    pub decision: Recorded,
    /// For grants: the lifetime.
    pub lifetime: Option<Lifetime>,
    /// The purpose string the user saw.
    pub purpose: Option<String>,
    /// The privacy-contract version in force.
    pub contract_version: Option<String>,
    /// For an agreement: the scopes the contract declared.
    pub scopes: Option<Vec<String>>,
    /// For an agreement: the kinds of information the contract declared
    /// (`None` when it declared none: the record reads as before kinds).
    pub infos: Option<Vec<String>>,
    /// For a subscription decision: the template id.
    pub template: Option<String>,
    /// How.
    pub source: RecordSource,
    /// Where a synced fact was stamped already (`None`: stamped when appended,
    /// if it is a fact every device shares): a record applied from another
    /// device, or a fact kept across a reset or forget it outlived.
    pub synced: Option<SyncedOrigin>,
    /// A fact of this device only, though its kind syncs: an app reset for
    /// every user of the device (the app deleted from it), never stamped nor
    /// sent.
    pub device_only: bool,
}

/// The stamp (and, from another device, the origin) a record keeps when
/// appended (SPEC §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedOrigin {
    /// When it was decided, on the hybrid logical clock.
    pub stamp: crate::sync::Stamp,
    /// The device that decided it and its `seq` there; `None` for this
    /// device's own fact.
    pub from: Option<(String, u64)>,
}

impl NewRecord {
    /// A record of `decision` in `ns` (about `scope`, or the whole app), without
    /// lifetime, purpose or contract version.
    pub fn new(
        ns: NamespaceRef<'_>,
        scope: Option<&str>,
        decision: Recorded,
        source: impl Into<RecordSource>,
    ) -> NewRecord {
        NewRecord {
            user_id: ns.user_id.to_string(),
            app_id: ns.app_id.to_string(),
            plugin_id: (!ns.plugin_id.is_empty()).then(|| ns.plugin_id.to_string()),
            scope: scope.map(str::to_string),
            decision,
            lifetime: None,
            purpose: None,
            contract_version: None,
            scopes: None,
            infos: None,
            template: None,
            source: source.into(),
            synced: None,
            device_only: false,
        }
    }

    /// The same record, saying what the user saw under `manifest`: the purpose
    /// string of its scope and the privacy-contract version.
    pub fn seen_under(mut self, manifest: &Manifest) -> NewRecord {
        self.purpose = self
            .scope
            .as_deref()
            .and_then(|s| manifest.purpose(s))
            .map(str::to_string);
        self.contract_version = manifest.privacy.as_ref().map(|c| c.version.clone());
        self
    }

    /// The same record, of an agreement covering the scopes and kinds of
    /// information `manifest`'s contract declares.
    pub fn covering_declared_scopes(self, manifest: &Manifest) -> NewRecord {
        let covered = manifest.privacy.as_ref().map(|c| c.covered());
        self.covering(covered.unwrap_or_default())
    }

    /// The same record, of an agreement covering `covered`.
    pub fn covering(mut self, covered: Covered) -> NewRecord {
        self.scopes = covered.scopes;
        self.infos = covered.infos;
        self
    }

    /// The same record, of a grant lasting `lifetime`.
    pub fn lasting(mut self, lifetime: Lifetime) -> NewRecord {
        self.lifetime = Some(lifetime);
        self
    }

    /// The lifetime word stored and, for `until`, its end.
    pub fn lifetime_fields(&self) -> (Option<&'static str>, Option<i64>) {
        match self.lifetime {
            None => (None, None),
            Some(Lifetime::Permanent) => (Some("permanent"), None),
            Some(Lifetime::Once) => (Some("once"), None),
            Some(Lifetime::Until(at)) => (Some("until"), Some(at)),
        }
    }
}
