//! What a user's agreement to an app's privacy contract covers (SPEC §3): the
//! scopes the contract declared when the user agreed. A new version that only
//! rewords the guide changes nothing; one that declares more needs agreement
//! for those only — unless the host asks again on any change. The privacy gate
//! (`gate.rs`, `policy::PrivacyGate`) asks [`agreement_covers`].

use crate::manifest::PrivacyContract;

/// What a user agreed to of an app's privacy contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    /// The contract version.
    pub version: String,
    /// The scopes that version declared (`None`: an agreement recorded before
    /// they were kept; it covers the version it names).
    pub scopes: Option<Vec<String>>,
}

/// Whether `agreed` covers `scope` of the app's current `contract` (every
/// scope it declares, for `None`). An agreement covers the scopes declared when
/// the user agreed: a new version that only rewords the guide changes nothing,
/// one that declares more needs agreement for those only (SPEC §3; WeChat:
/// "对于旧版本已经有接口或组件，不需要重新同步；对于更新后产生的新的接口或组件，需要重新同步",
/// developers.weixin.qq.com …/framework/user-privacy/PrivacyAuthorize.html) —
/// unless the host asks again on any change (`reconsent_on_change`).
pub fn agreement_covers(
    agreed: &Agreement,
    contract: &PrivacyContract,
    scope: Option<&str>,
    reconsent_on_change: bool,
) -> bool {
    if reconsent_on_change && agreed.version != contract.version {
        return false;
    }
    let covered = |scope: &str| match &agreed.scopes {
        Some(scopes) => scopes.iter().any(|s| s == scope),
        None => agreed.version == contract.version,
    };
    match scope {
        Some(scope) => covered(scope),
        None => contract.scopes.iter().all(|s| covered(s)),
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
        };
        let agreed = Agreement {
            version: "1".into(),
            scopes: Some(vec!["scope.record".into()]),
        };
        let reworded = contract("2", &["scope.record"]);
        let more = contract("2", &["scope.record", "scope.camera"]);
        assert!(agreement_covers(
            &agreed,
            &reworded,
            Some("scope.record"),
            false
        ));
        assert!(agreement_covers(&agreed, &reworded, None, false));
        assert!(agreement_covers(
            &agreed,
            &more,
            Some("scope.record"),
            false
        ));
        assert!(!agreement_covers(
            &agreed,
            &more,
            Some("scope.camera"),
            false
        ));
        assert!(!agreement_covers(&agreed, &more, None, false));
        assert!(!agreement_covers(
            &agreed,
            &reworded,
            Some("scope.record"),
            true
        ));
        // An agreement recorded before scopes were kept covers its own version.
        let legacy = Agreement {
            version: "1".into(),
            scopes: None,
        };
        assert!(agreement_covers(
            &legacy,
            &contract("1", &["scope.record"]),
            None,
            false
        ));
        assert!(!agreement_covers(&legacy, &reworded, None, false));
    }
}
