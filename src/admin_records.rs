//! The records administration hands the host: a stored decision ([`Grant`]),
//! how it was made ([`DecisionSource`]), and what maintenance removed
//! ([`MaintenanceReport`]).

use crate::policy::GrantState;

/// How a stored decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DecisionSource {
    /// A consent dialog.
    Dialog,
    /// The app's settings page.
    Settings,
    /// The host's administration API or CLI.
    Admin,
    /// Imported from the host's earlier permission store (`import_grants`).
    Import,
    /// Decided on another of the user's devices, applied here by sync
    /// (`sync_apply`, SPEC §10).
    Sync,
}

impl DecisionSource {
    /// The name used in the database and the consent log.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionSource::Dialog => "dialog",
            DecisionSource::Settings => "settings",
            DecisionSource::Admin => "admin",
            DecisionSource::Import => "import",
            DecisionSource::Sync => "sync",
        }
    }

    /// The source named `s` in the database (an unknown name reads as `Admin`).
    pub(crate) fn parse(s: &str) -> DecisionSource {
        match s {
            "dialog" => DecisionSource::Dialog,
            "settings" => DecisionSource::Settings,
            "import" => DecisionSource::Import,
            "sync" => DecisionSource::Sync,
            _ => DecisionSource::Admin,
        }
    }
}

/// One stored decision, as administration lists it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Grant {
    /// The user.
    pub user_id: String,
    /// The app.
    pub app_id: String,
    /// The plugin, if the grant is in a plugin's namespace.
    pub plugin_id: Option<String>,
    /// The scope.
    pub scope: String,
    /// Granted or denied (unasked scopes have no row).
    pub state: GrantState,
    /// How it was decided.
    pub source: DecisionSource,
    /// When, in milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
    /// When a time-limited grant ends (`None`: it does not).
    pub expires_at_ms: Option<i64>,
    /// When the grant was last used (to the hour), if it was.
    pub last_used_at_ms: Option<i64>,
}

/// What maintenance removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct MaintenanceReport {
    /// Grants revoked because they were not used for the configured time.
    pub revoked_unused: u64,
    /// Time-limited grants removed because they had ended.
    pub removed_expired: u64,
}
