//! What a user's agreement to an app's privacy contract covers (SPEC §3): the
//! scopes and kinds of information the contract declared when the user agreed.
//! A new version that only rewords the guide changes nothing; one that declares
//! more needs agreement for those only — unless the host asks again on any
//! change. The privacy gate (`gate.rs`, `policy::PrivacyGate`) asks
//! [`agreement_covers`].

use crate::manifest::PrivacyContract;
use crate::privacy_interfaces::Declaration;

/// What the privacy gate is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gated<'a> {
    /// The whole contract (`getPrivacySetting`, the privacy prompt itself).
    Contract,
    /// One scope (`authorize`, an API a scope guards).
    Scope(&'a str),
    /// A privacy interface no scope guards, by the kinds listing it (every one
    /// of them must be declared and agreed to).
    Kinds(&'a [&'static str]),
}

impl Gated<'_> {
    /// Whether `declared` declares it (the whole contract declares itself).
    pub fn declared_by(self, declared: &Declaration<'_>) -> bool {
        match self {
            Gated::Contract => true,
            Gated::Scope(scope) => declared.declares_scope(scope),
            Gated::Kinds(kinds) => kinds.iter().all(|kind| declared.declares_kind(kind)),
        }
    }
}

/// What a user agreed to of an app's privacy contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// The contract version.
    pub version: String,
    /// The scopes that version declared (`None`: an agreement recorded before
    /// they were kept; it covers the version it names).
    pub scopes: Option<Vec<String>>,
    /// The kinds of information that version declared (`None`: an agreement
    /// recorded before kinds were kept; it covers the kinds its scopes declare).
    pub infos: Option<Vec<String>>,
}

/// What an agreement being recorded covers, besides its version: the scopes
/// and kinds of information that version declared (`None`: not known — see
/// [`Agreement`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Covered {
    /// The scopes.
    pub scopes: Option<Vec<String>>,
    /// The kinds of information.
    pub infos: Option<Vec<String>>,
}

/// Whether `agreed` covers `gated` of the app's current `contract` (everything
/// it declares, for [`Gated::Contract`]). An agreement covers the scopes and
/// kinds declared when the user agreed: a new version that only rewords the
/// guide changes nothing, one that declares more needs agreement for those
/// only (SPEC §3; WeChat:
/// "对于旧版本已经有接口或组件，不需要重新同步；对于更新后产生的新的接口或组件，需要重新同步",
/// developers.weixin.qq.com …/framework/user-privacy/PrivacyAuthorize.html) —
/// unless the host asks again on any change (`reconsent_on_change`).
pub fn agreement_covers(
    agreed: &Agreement,
    contract: &PrivacyContract,
    gated: Gated<'_>,
    reconsent_on_change: bool,
) -> bool {
    if reconsent_on_change && agreed.version != contract.version {
        return false;
    }
    let Some(scopes) = &agreed.scopes else {
        return agreed.version == contract.version;
    };
    let covered = Declaration {
        scopes,
        infos: agreed.infos.as_deref().unwrap_or_default(),
    };
    match gated {
        Gated::Contract => covered.covers(&contract.declaration()),
        gated => gated.declared_by(&covered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agreement_covers_the_scopes_declared_when_agreed() {
        let contract = |version: &str, scopes: &[&str]| PrivacyContract {
            contract_name: "Guide".into(),
            version: version.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            infos: vec![],
        };
        let agreed = Agreement {
            version: "1".into(),
            scopes: Some(vec!["scope.record".into()]),
            infos: None,
        };
        let reworded = contract("2", &["scope.record"]);
        let more = contract("2", &["scope.record", "scope.camera"]);
        assert!(agreement_covers(
            &agreed,
            &reworded,
            Gated::Scope("scope.record"),
            false
        ));
        assert!(agreement_covers(&agreed, &reworded, Gated::Contract, false));
        assert!(agreement_covers(
            &agreed,
            &more,
            Gated::Scope("scope.record"),
            false
        ));
        assert!(!agreement_covers(
            &agreed,
            &more,
            Gated::Scope("scope.camera"),
            false
        ));
        assert!(!agreement_covers(&agreed, &more, Gated::Contract, false));
        assert!(!agreement_covers(
            &agreed,
            &reworded,
            Gated::Scope("scope.record"),
            true
        ));
        // An agreement recorded before scopes were kept covers its own version.
        let legacy = Agreement {
            version: "1".into(),
            scopes: None,
            infos: None,
        };
        assert!(agreement_covers(
            &legacy,
            &contract("1", &["scope.record"]),
            Gated::Contract,
            false
        ));
        assert!(!agreement_covers(
            &legacy,
            &reworded,
            Gated::Contract,
            false
        ));
    }

    #[test]
    fn an_agreement_covers_the_kinds_declared_when_agreed() {
        let strings = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let contract = |infos: &[&str]| PrivacyContract {
            contract_name: "Guide".into(),
            version: "2".into(),
            scopes: strings(&["scope.record"]),
            infos: strings(infos),
        };
        let agreed = Agreement {
            version: "1".into(),
            scopes: Some(strings(&["scope.record"])),
            infos: Some(strings(&["Clipboard"])),
        };
        let more = contract(&["Clipboard", "Album"]);
        assert!(agreement_covers(
            &agreed,
            &more,
            Gated::Kinds(&["Clipboard"]),
            false
        ));
        assert!(!agreement_covers(
            &agreed,
            &more,
            Gated::Kinds(&["Album"]),
            false
        ));
        assert!(!agreement_covers(&agreed, &more, Gated::Contract, false));
        assert!(agreement_covers(
            &agreed,
            &contract(&["Clipboard"]),
            Gated::Contract,
            false
        ));
        // scope.record declared the microphone: live-pusher needs the camera too.
        assert!(agreement_covers(
            &agreed,
            &more,
            Gated::Kinds(&["Record"]),
            false
        ));
        assert!(!agreement_covers(
            &agreed,
            &more,
            Gated::Kinds(&["Record", "Camera"]),
            false
        ));
        // Recorded before kinds were kept: covers what its scopes declare.
        let before_kinds = Agreement {
            infos: None,
            ..agreed
        };
        assert!(agreement_covers(
            &before_kinds,
            &more,
            Gated::Kinds(&["Record"]),
            false
        ));
        assert!(!agreement_covers(
            &before_kinds,
            &more,
            Gated::Kinds(&["Clipboard"]),
            false
        ));
    }
}
