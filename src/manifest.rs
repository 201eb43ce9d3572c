//! App manifests (SPEC §1): what the host knows about a mini app from its package —
//! display name, `permission` purpose strings and `requiredPrivateInfos` as in
//! `app.json`, and its privacy contract. Parsed with serde, validated against the
//! scope catalogue; an invalid manifest is rejected whole.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::privacy_agreement::{Covered, Gated};
use crate::privacy_interfaces::{info_kind, Declaration};
use crate::scopes::ScopeCatalogue;

/// WeChat's limit on a purpose string (`permission[scope].desc`), in characters.
pub const MAX_PURPOSE_CHARS: usize = 30;
/// The longest manifest JSON accepted, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// The longest privacy-contract version accepted, in bytes.
pub const MAX_CONTRACT_VERSION_BYTES: usize = 64;

/// Whether `version` can name a privacy-contract version: not blank, at most
/// [`MAX_CONTRACT_VERSION_BYTES`].
pub fn is_contract_version(version: &str) -> bool {
    !version.trim().is_empty() && version.len() <= MAX_CONTRACT_VERSION_BYTES
}

/// The APIs an app must list in `requiredPrivateInfos` before it may call them.
pub const PRIVATE_INFO_APIS: &[&str] = &[
    "getFuzzyLocation",
    "getLocation",
    "onLocationChange",
    "startLocationUpdate",
    "startLocationUpdateBackground",
    "chooseAddress",
    "choosePoi",
    "chooseLocation",
];

/// Precise-location APIs that may not be declared together with `getFuzzyLocation`.
const PRECISE_LOCATION_APIS: &[&str] = &[
    "getLocation",
    "onLocationChange",
    "startLocationUpdate",
    "startLocationUpdateBackground",
];

/// A mini app's privacy contract (its privacy guide).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrivacyContract {
    /// The contract's display name, e.g. "Demo privacy guide".
    pub contract_name: String,
    /// Its version; a new version needs the user's agreement again.
    pub version: String,
    /// The scopes the contract declares; others fail errno 112.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The kinds of information it declares, by WeChat's `privacy_key`
    /// (`Clipboard`, `Album`, `PhoneNumber`, …: [`crate::privacy_interfaces`]);
    /// a privacy interface of a kind not declared fails errno 112.
    #[serde(default)]
    pub infos: Vec<String>,
}

impl PrivacyContract {
    /// What it declares, scopes and kinds together.
    pub fn declaration(&self) -> Declaration<'_> {
        Declaration {
            scopes: &self.scopes,
            infos: &self.infos,
        }
    }

    /// What an agreement to it covers, as its record keeps it: its scopes, and
    /// its kinds when it declares any (a contract declaring none is recorded
    /// as before kinds were kept).
    pub fn covered(&self) -> Covered {
        Covered {
            scopes: Some(self.scopes.clone()),
            infos: (!self.infos.is_empty()).then(|| self.infos.clone()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PurposeJson {
    desc: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestJson {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    permission: BTreeMap<String, PurposeJson>,
    #[serde(default)]
    required_private_infos: Vec<String>,
    #[serde(default)]
    privacy: Option<PrivacyContract>,
}

/// A validated manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Display name shown in dialogs; the app id when the manifest has none.
    pub name: Option<String>,
    /// Purpose strings by scope.
    pub purposes: BTreeMap<String, String>,
    /// Declared private-info APIs.
    pub required_private_infos: Vec<String>,
    /// The privacy contract, if the app has one.
    pub privacy: Option<PrivacyContract>,
}

impl Manifest {
    /// Parses and validates app.json-shaped JSON against `catalogue`.
    pub fn parse(json: &str, catalogue: &ScopeCatalogue) -> Result<Manifest> {
        if json.len() > MAX_MANIFEST_BYTES {
            return Err(Error::InvalidManifest(format!(
                "larger than {MAX_MANIFEST_BYTES} bytes"
            )));
        }
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| Error::InvalidManifest(e.to_string()))?;
        Self::from_value(value, catalogue)
    }

    /// Parses an already-decoded JSON value (the bridge's `register` line).
    pub fn from_value(value: serde_json::Value, catalogue: &ScopeCatalogue) -> Result<Manifest> {
        if !value.is_object() {
            return Err(Error::InvalidManifest(
                "a manifest must be a JSON object".into(),
            ));
        }
        let raw: ManifestJson =
            serde_json::from_value(value).map_err(|e| Error::InvalidManifest(e.to_string()))?;
        Self::from_raw(raw, catalogue)
    }

    fn from_raw(raw: ManifestJson, catalogue: &ScopeCatalogue) -> Result<Manifest> {
        let bad = |m: String| Err(Error::InvalidManifest(m));
        if let Some(name) = &raw.name {
            if name.trim().is_empty() || name.chars().count() > 64 || name.contains('\0') {
                return bad("name must be 1-64 characters".into());
            }
        }
        let mut purposes = BTreeMap::new();
        for (scope, purpose) in raw.permission {
            if catalogue.get(&scope).is_none() {
                return bad(format!("permission names an invalid scope {scope:?}"));
            }
            let desc = purpose.desc.trim();
            if desc.is_empty() || desc.chars().count() > MAX_PURPOSE_CHARS || desc.contains('\0') {
                return bad(format!(
                    "permission[{scope:?}].desc must be 1-{MAX_PURPOSE_CHARS} characters"
                ));
            }
            purposes.insert(scope, desc.to_string());
        }
        for api in &raw.required_private_infos {
            if !PRIVATE_INFO_APIS.contains(&api.as_str()) {
                return bad(format!("requiredPrivateInfos names an unknown api {api:?}"));
            }
        }
        let declares = |api: &str| raw.required_private_infos.iter().any(|a| a == api);
        if declares("getFuzzyLocation") {
            if let Some(precise) = PRECISE_LOCATION_APIS.iter().find(|a| declares(a)) {
                return bad(format!(
                    "requiredPrivateInfos may not declare both getFuzzyLocation and {precise}"
                ));
            }
        }
        if let Some(contract) = &raw.privacy {
            if contract.contract_name.trim().is_empty() || contract.version.trim().is_empty() {
                return bad("privacy needs a contractName and a version".into());
            }
            if !is_contract_version(&contract.version)
                || contract.contract_name.chars().count() > 128
            {
                return bad("privacy contractName or version too long".into());
            }
            for scope in &contract.scopes {
                if catalogue.get(scope).is_none() {
                    return bad(format!("privacy.scopes names an invalid scope {scope:?}"));
                }
            }
            for kind in &contract.infos {
                if info_kind(kind).is_none() {
                    return bad(format!(
                        "privacy.infos names an unknown kind of information {kind:?}"
                    ));
                }
            }
        }
        Ok(Manifest {
            name: raw.name,
            purposes,
            required_private_infos: raw.required_private_infos,
            privacy: raw.privacy,
        })
    }

    /// The purpose string for `scope`, if the manifest gives one.
    pub fn purpose(&self, scope: &str) -> Option<&str> {
        self.purposes.get(scope).map(String::as_str)
    }

    /// The app's display name: `name`, or the app id when the manifest has none.
    pub fn display_name(&self, app_id: &str) -> String {
        self.name.clone().unwrap_or_else(|| app_id.to_string())
    }

    /// Whether the privacy contract declares `gated` (everything counts as
    /// declared without a contract: then nothing is gated).
    pub fn privacy_declares(&self, gated: Gated<'_>) -> bool {
        self.privacy
            .as_ref()
            .is_none_or(|contract| gated.declared_by(&contract.declaration()))
    }

    /// Whether `requiredPrivateInfos` declares `api`.
    pub fn declares_private_api(&self, api: &str) -> bool {
        self.required_private_infos.iter().any(|a| a == api)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Manifest> {
        Manifest::parse(json, &ScopeCatalogue::builtin())
    }

    #[test]
    fn parses_an_app_json_shaped_manifest() {
        let m = parse(
            r#"{"name":"Demo","permission":{"scope.userLocation":{"desc":"Find shops near you"}},
               "requiredPrivateInfos":["getLocation"],
               "privacy":{"contractName":"Demo guide","version":"1","scopes":["scope.userLocation"]}}"#,
        )
        .unwrap();
        assert_eq!(m.purpose("scope.userLocation"), Some("Find shops near you"));
        assert!(m.declares_private_api("getLocation"));
        assert_eq!(m.privacy.unwrap().version, "1");
    }

    #[test]
    fn a_contract_declares_kinds_of_information_by_wechats_privacy_key() {
        let m = parse(
            r#"{"privacy":{"contractName":"G","version":"1","infos":["Clipboard","Album"]}}"#,
        )
        .unwrap();
        let contract = m.privacy.unwrap();
        assert_eq!(contract.infos, ["Clipboard", "Album"]);
        assert!(contract.declaration().declares_kind("Album"));
        assert!(!contract.declaration().declares_kind("PhoneNumber"));
    }

    #[test]
    fn rejects_fuzzy_and_precise_location_together() {
        let err = parse(r#"{"requiredPrivateInfos":["getFuzzyLocation","getLocation"]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("getFuzzyLocation and getLocation"), "{err}");
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in [
            "[]",
            "{",
            r#"{"permission":{"scope.location":{"desc":"x"}}}"#,
            r#"{"permission":{"scope.userLocation":{"desc":""}}}"#,
            r#"{"permission":{"scope.userLocation":{"desc":"0123456789012345678901234567890"}}}"#,
            r#"{"requiredPrivateInfos":["getPhoneNumber"]}"#,
            r#"{"privacy":{"contractName":"x","version":""}}"#,
            r#"{"privacy":{"contractName":"x","version":"1","scopes":["scope.nope"]}}"#,
            r#"{"privacy":{"contractName":"x","version":"1","infos":["clipboard"]}}"#,
            r#"{"privacy":{"contractName":"x","version":"1","infos":"Clipboard"}}"#,
            r#"{"name":5}"#,
        ] {
            assert!(parse(bad).is_err(), "accepted {bad}");
        }
    }
}
