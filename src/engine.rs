//! The engine behind [`crate::AuthEngine`]: the named parts one database's
//! authorization needs, put together — the [`Registry`] (scopes, manifests, OS
//! probe), the [`Store`], this process's [`AllowOnceGrants`], the [`Dialogs`] —
//! and the views that work across them for one call: the [`Gate`] (facts →
//! verdict) and [`Decisions`] (a decision → stored state). The mini-app APIs
//! (`mini_app_api.rs`, `authorize_flow.rs`, `settings_page.rs`) and
//! administration (`admin.rs`) are thin orchestration over these parts.

use std::sync::Arc;

use crate::allow_once::AllowOnceGrants;
use crate::caller_handle::Numbering;
use crate::clock::{Clock, NeverBack};
use crate::config::EngineConfig;
use crate::consent_ui::{ConsentUi, OsPermissionProbe};
use crate::decisions::Decisions;
use crate::dialogs::Dialogs;
use crate::error::Result;
use crate::gate::Gate;
use crate::grant_watch::GrantWatch;
use crate::main_safe::UseNotes;
use crate::manifest::Manifest;
use crate::policy::Knobs;
use crate::privacy_refusals::PrivacyRefusals;
use crate::registry::Registry;
use crate::scopes::ScopeDefinition;
use crate::store::Store;

/// The authorization engine of one database.
pub(crate) struct Engine {
    pub registry: Registry,
    pub store: Store,
    pub allow_once: AllowOnceGrants,
    pub privacy_refusals: PrivacyRefusals,
    pub dialogs: Dialogs,
    pub clock: Arc<dyn Clock>,
    pub config: EngineConfig,
    pub knobs: Knobs,
    pub watch: GrantWatch,
    /// Scope numbers for `CallerHandle::authorize_cached`.
    pub scope_numbers: Numbering,
    /// Guarded-API numbers for `CallerHandle::ensure_cached`.
    pub api_numbers: Numbering,
    pub use_notes: UseNotes,
}

impl Engine {
    /// An engine over `store`, asking `ui`, configured by `config`, reading time
    /// from `clock` (never going back: see [`NeverBack`]).
    /// Closes the engine (the host's `close`/`shutdown`): every open dialog
    /// ends — taken down on the host's side, its call answering `engine
    /// closed` — every grant observation ends, and the file is closed (after
    /// a transaction under way). From then on nothing is read or written:
    /// mini-app calls answer `engine closed` (1305), administration fails
    /// `AuthError::Closed`. Closing again does nothing.
    pub fn shut_down(&self) {
        self.dialogs.close();
        self.watch.close();
        self.store.close();
    }

    /// Whether [`Self::shut_down`] was called.
    pub fn is_closed(&self) -> bool {
        self.dialogs.is_closed()
    }

    pub fn new(
        store: Store,
        ui: Arc<dyn ConsentUi>,
        config: EngineConfig,
        clock: Arc<dyn Clock>,
    ) -> Engine {
        Engine {
            registry: Registry::default(),
            watch: GrantWatch::new(store.commits().clone()),
            scope_numbers: Numbering::default(),
            api_numbers: Numbering::default(),
            use_notes: UseNotes::default(),
            store,
            allow_once: AllowOnceGrants::default(),
            privacy_refusals: PrivacyRefusals::default(),
            dialogs: Dialogs::new(ui, config.dialog_timeout_ms),
            clock: Arc::new(NeverBack::new(clock)),
            knobs: Knobs::from_config(&config),
            config,
        }
    }

    /// The gate, for one call.
    pub fn gate(&self) -> Gate<'_> {
        Gate {
            store: &self.store,
            allow_once: &self.allow_once,
            privacy_refusals: &self.privacy_refusals,
            registry: &self.registry,
            clock: &*self.clock,
            knobs: self.knobs,
        }
    }

    /// The decision step, for one call.
    pub fn decisions(&self) -> Decisions<'_> {
        Decisions {
            store: &self.store,
            allow_once: &self.allow_once,
            clock: &*self.clock,
        }
    }

    /// Registers (or replaces) an app's manifest. Allow-once grants given under
    /// the old one end: the user is asked again.
    pub fn install_manifest(&self, app_id: &str, manifest: Manifest) -> Result<()> {
        self.registry.install_manifest(app_id, manifest)?;
        self.allow_once.end(None, Some(app_id));
        Ok(())
    }

    /// Adds a host scope to the catalogue.
    pub fn register_scope(&self, def: ScopeDefinition) -> Result<()> {
        self.registry.register_scope(def)
    }

    /// Sets (or removes) the OS-permission probe.
    pub fn set_os_permission_probe(&self, probe: Option<Arc<dyn OsPermissionProbe>>) {
        self.registry.set_os_permission_probe(probe)
    }
}
