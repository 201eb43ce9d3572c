//! The scope catalogue (SPEC §2): WeChat's built-in scopes with their titles, the
//! APIs they guard and the OS permission behind them, plus the scopes a host
//! registers itself. Any other name is an invalid scope.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::fast_map::FastMap;

/// The OS-level permission the host app itself needs before a scope can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OsPermission {
    /// Location while in use.
    Location,
    /// Location in the background ("always").
    LocationBackground,
    /// The microphone.
    Microphone,
    /// The camera.
    Camera,
    /// Bluetooth.
    Bluetooth,
    /// Adding to the photo library.
    PhotoLibraryAdd,
    /// The address book.
    Contacts,
    /// The calendar.
    Calendar,
}

/// How a scope behaves when a mini app asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScopeKind {
    /// `authorize` may show the consent dialog.
    Promptable,
    /// Only the settings page can grant it (`scope.userLocationBackground`).
    SettingsOnly,
    /// Withdrawn: `authorize` succeeds without a dialog and stores nothing (`scope.userInfo`).
    NeverPrompts,
    /// No longer gated: always reported granted (`scope.address`, `scope.invoice`, `scope.invoiceTitle`).
    AlwaysGranted,
}

/// One scope as the catalogue knows it. Hosts register their own with
/// [`crate::AuthEngine::register_scope`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScopeDefinition {
    /// The scope name mini apps use, e.g. `scope.record`.
    pub name: String,
    /// A short title for dialogs and the settings page, e.g. "Microphone".
    pub title: String,
    /// One sentence saying what the scope allows.
    pub description: String,
    /// The mini-app APIs this scope guards, e.g. `startRecord`.
    pub guarded_apis: Vec<String>,
    /// The OS permission the host needs for it, if any.
    pub os_permission: Option<OsPermission>,
    /// How `authorize` treats it.
    pub kind: ScopeKind,
    /// Whether the manifest must give a purpose string (`permission[scope].desc`).
    pub requires_purpose: bool,
}

/// The scopes an engine knows: the built-in ones and the host's own.
#[derive(Debug, Clone)]
pub struct ScopeCatalogue {
    /// In name order (settings pages and `getSetting` list them so).
    scopes: BTreeMap<String, Arc<ScopeDefinition>>,
    /// The same definitions by name, for the hot path's lookup.
    by_name: FastMap<String, Arc<ScopeDefinition>>,
}

/// The longest scope name or API name accepted.
pub const MAX_NAME_LEN: usize = 128;

struct Builtin {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    apis: &'static [&'static str],
    os: Option<OsPermission>,
    kind: ScopeKind,
    requires_purpose: bool,
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "scope.userLocation",
        title: "Precise location",
        description: "Get your precise location",
        apis: &[
            "getLocation",
            "startLocationUpdate",
            "onLocationChange",
            "MapContext.moveToLocation",
        ],
        os: Some(OsPermission::Location),
        kind: ScopeKind::Promptable,
        requires_purpose: true,
    },
    Builtin {
        name: "scope.userFuzzyLocation",
        title: "Approximate location",
        description: "Get your approximate location",
        apis: &["getFuzzyLocation"],
        os: Some(OsPermission::Location),
        kind: ScopeKind::Promptable,
        requires_purpose: true,
    },
    Builtin {
        name: "scope.userLocationBackground",
        title: "Location in the background",
        description: "Get your location while the mini app is in the background",
        apis: &["startLocationUpdateBackground"],
        os: Some(OsPermission::LocationBackground),
        kind: ScopeKind::SettingsOnly,
        requires_purpose: true,
    },
    Builtin {
        name: "scope.record",
        title: "Microphone",
        description: "Record audio with your microphone",
        apis: &["startRecord", "RecorderManager.start", "joinVoIPChat"],
        os: Some(OsPermission::Microphone),
        kind: ScopeKind::Promptable,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.camera",
        title: "Camera",
        description: "Use your camera",
        apis: &["camera", "createVKSession"],
        os: Some(OsPermission::Camera),
        kind: ScopeKind::Promptable,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.bluetooth",
        title: "Bluetooth",
        description: "Use Bluetooth",
        apis: &["openBluetoothAdapter", "createBLEPeripheralServer"],
        os: Some(OsPermission::Bluetooth),
        kind: ScopeKind::Promptable,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.writePhotosAlbum",
        title: "Save to album",
        description: "Save images and videos to your photo album",
        apis: &["saveImageToPhotosAlbum", "saveVideoToPhotosAlbum"],
        os: Some(OsPermission::PhotoLibraryAdd),
        kind: ScopeKind::Promptable,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.addPhoneContact",
        title: "Contacts",
        description: "Add contacts to your address book",
        apis: &["addPhoneContact"],
        os: Some(OsPermission::Contacts),
        kind: ScopeKind::Promptable,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.addPhoneCalendar",
        title: "Calendar",
        description: "Add events to your calendar",
        apis: &["addPhoneCalendar", "addPhoneRepeatCalendar"],
        os: Some(OsPermission::Calendar),
        kind: ScopeKind::Promptable,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.werun",
        title: "WeRun steps",
        description: "Get your WeRun step count",
        apis: &["getWeRunData"],
        os: None,
        kind: ScopeKind::Promptable,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.address",
        title: "Shipping address",
        description: "Choose one of your shipping addresses",
        apis: &["chooseAddress"],
        os: None,
        kind: ScopeKind::AlwaysGranted,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.invoice",
        title: "Invoice",
        description: "Choose one of your invoices",
        apis: &["chooseInvoice"],
        os: None,
        kind: ScopeKind::AlwaysGranted,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.invoiceTitle",
        title: "Invoice title",
        description: "Choose one of your invoice titles",
        apis: &["chooseInvoiceTitle"],
        os: None,
        kind: ScopeKind::AlwaysGranted,
        requires_purpose: false,
    },
    Builtin {
        name: "scope.userInfo",
        title: "User info",
        description: "Your nickname and avatar (withdrawn: anonymous data only)",
        apis: &["getUserInfo"],
        os: None,
        kind: ScopeKind::NeverPrompts,
        requires_purpose: false,
    },
];

/// Guarded APIs that only a user's tap may call (besides `openSetting`,
/// `requestSubscribeMessage` and `agreePrivacyAuthorization`): "限制：仅在点击行为时调用"
/// (developers.weixin.qq.com …/api/device/calendar/wx.addPhoneCalendar.md and
/// wx.addPhoneRepeatCalendar.md).
pub const TAP_ONLY_APIS: &[&str] = &["addPhoneCalendar", "addPhoneRepeatCalendar"];

/// The scopes `authorizeForMiniProgram` accepts (SPEC §4).
pub const PLUGIN_SCOPES: &[&str] = &["scope.record", "scope.writePhotosAlbum", "scope.camera"];

impl Default for ScopeCatalogue {
    fn default() -> Self {
        Self::builtin()
    }
}

impl ScopeCatalogue {
    /// The built-in WeChat catalogue.
    pub fn builtin() -> Self {
        let scopes = BUILTINS
            .iter()
            .map(|b| {
                let def = ScopeDefinition {
                    name: b.name.to_string(),
                    title: b.title.to_string(),
                    description: b.description.to_string(),
                    guarded_apis: b.apis.iter().map(|a| a.to_string()).collect(),
                    os_permission: b.os,
                    kind: b.kind,
                    requires_purpose: b.requires_purpose,
                };
                (def.name.clone(), Arc::new(def))
            })
            .collect();
        ScopeCatalogue::from_ordered(scopes)
    }

    fn from_ordered(scopes: BTreeMap<String, Arc<ScopeDefinition>>) -> Self {
        let by_name = scopes
            .iter()
            .map(|(name, def)| (name.clone(), def.clone()))
            .collect();
        ScopeCatalogue { scopes, by_name }
    }

    /// The definition of `name`, or `None` for an invalid scope.
    pub fn get(&self, name: &str) -> Option<&Arc<ScopeDefinition>> {
        self.by_name.get(name)
    }

    /// Whether `name` is a built-in WeChat scope.
    pub fn is_builtin(name: &str) -> bool {
        BUILTINS.iter().any(|b| b.name == name)
    }

    /// The scope guarding `api`, if any.
    pub fn scope_for_api(&self, api: &str) -> Option<&Arc<ScopeDefinition>> {
        self.scopes
            .values()
            .find(|d| d.guarded_apis.iter().any(|a| a == api))
    }

    /// Every scope, in name order.
    pub fn all(&self) -> impl Iterator<Item = &ScopeDefinition> {
        self.scopes.values().map(|def| &**def)
    }

    /// Adds (or replaces) a host scope. Built-in scopes cannot be replaced, and an
    /// API may be guarded by one scope only.
    pub fn register(&mut self, def: ScopeDefinition) -> Result<()> {
        validate_name(&def.name, "scope name")?;
        if Self::is_builtin(&def.name) {
            return Err(Error::InvalidScope(format!(
                "{} is a built-in scope and cannot be redefined",
                def.name
            )));
        }
        if def.title.trim().is_empty() {
            return Err(Error::InvalidScope(format!("{} needs a title", def.name)));
        }
        for api in &def.guarded_apis {
            validate_name(api, "api name")?;
            if let Some(other) = self.scope_for_api(api) {
                if other.name != def.name {
                    return Err(Error::InvalidScope(format!(
                        "api {api} is already guarded by {}",
                        other.name
                    )));
                }
            }
        }
        if matches!(def.kind, ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts) {
            return Err(Error::InvalidScope(format!(
                "{}: host scopes must be Promptable or SettingsOnly",
                def.name
            )));
        }
        let def = Arc::new(def);
        self.by_name.insert(def.name.clone(), def.clone());
        self.scopes.insert(def.name.clone(), def);
        Ok(())
    }
}

/// Whether `name` looks like a scope or API name: 1-[`MAX_NAME_LEN`] ASCII
/// letters, digits, `.`, `_` or `-`.
pub fn is_api_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn validate_name(name: &str, what: &str) -> Result<()> {
    if is_api_name(name) {
        Ok(())
    } else {
        Err(Error::InvalidScope(format!(
            "{what} must be 1-{MAX_NAME_LEN} ASCII letters, digits, '.', '_' or '-'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_maps_apis_to_scopes() {
        let c = ScopeCatalogue::builtin();
        assert_eq!(
            c.scope_for_api("getLocation").unwrap().name,
            "scope.userLocation"
        );
        assert_eq!(c.scope_for_api("startRecord").unwrap().name, "scope.record");
        assert!(
            c.get("scope.location").is_none(),
            "the seed's scope is not WeChat's"
        );
        assert_eq!(
            c.get("scope.userLocationBackground").unwrap().kind,
            ScopeKind::SettingsOnly
        );
    }

    #[test]
    fn host_scopes_cannot_shadow_builtins_or_steal_apis() {
        let mut c = ScopeCatalogue::builtin();
        let mut def = ScopeDefinition {
            name: "scope.record".into(),
            title: "x".into(),
            description: String::new(),
            guarded_apis: vec![],
            os_permission: None,
            kind: ScopeKind::Promptable,
            requires_purpose: false,
        };
        assert!(c.register(def.clone()).is_err());
        def.name = "host.nfc".into();
        def.guarded_apis = vec!["startRecord".into()];
        assert!(c.register(def.clone()).is_err());
        def.guarded_apis = vec!["startHCE".into()];
        c.register(def).unwrap();
        assert_eq!(c.scope_for_api("startHCE").unwrap().name, "host.nfc");
    }
}
