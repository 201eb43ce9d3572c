//! What the host registers — the scope catalogue, the apps' manifests and the
//! OS-permission probe — behind one sharded lock. A call reads it once: the hot
//! path borrows everything under the read lock ([`Registry::read`]), any other
//! call takes a [`Snapshot`] and works from that.

use std::sync::{Arc, LazyLock};

use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};

use crate::consent_ui::OsPermissionProbe;
use crate::error::{Error, Result};
use crate::fast_map::FastMap;
use crate::manifest::Manifest;
use crate::scopes::{ScopeCatalogue, ScopeDefinition};

/// The manifest of an app that registered none.
static NO_MANIFEST: LazyLock<Arc<Manifest>> = LazyLock::new(Arc::default);

/// Everything registered.
pub(crate) struct Registered {
    /// The scopes: built-in and the host's own.
    pub catalogue: Arc<ScopeCatalogue>,
    /// Manifests by app id.
    pub manifests: FastMap<String, Arc<Manifest>>,
    /// The host's OS-permission probe.
    pub os_probe: Option<Arc<dyn OsPermissionProbe>>,
}

impl Registered {
    /// The app's manifest (an empty one if it registered none).
    #[inline(always)]
    pub fn manifest(&self, app_id: &str) -> &Arc<Manifest> {
        match self.manifests.get(app_id) {
            Some(manifest) => manifest,
            None => &NO_MANIFEST,
        }
    }
}

/// What one call works from: the registry as it stood when the call began.
pub(crate) struct Snapshot {
    /// The scopes.
    pub catalogue: Arc<ScopeCatalogue>,
    /// The calling app's manifest.
    pub manifest: Arc<Manifest>,
    /// The host's OS-permission probe.
    pub os_probe: Option<Arc<dyn OsPermissionProbe>>,
}

/// The registry. Sharded: each thread locks its own shard to read, so readers on
/// different threads share no cache line (the hot path scales); registration,
/// which is rare, locks them all.
pub(crate) struct Registry {
    lock: ShardedLock<Registered>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            lock: ShardedLock::new(Registered {
                catalogue: Arc::new(ScopeCatalogue::builtin()),
                manifests: FastMap::default(),
                os_probe: None,
            }),
        }
    }
}

impl Registry {
    /// Borrows everything registered (the hot path; hold it briefly and never
    /// across a call into the host).
    pub fn read(&self) -> ShardedLockReadGuard<'_, Registered> {
        self.lock.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> ShardedLockWriteGuard<'_, Registered> {
        self.lock.write().unwrap_or_else(|p| p.into_inner())
    }

    /// What a call of `app_id` works from.
    pub fn snapshot(&self, app_id: &str) -> Snapshot {
        let registered = self.read();
        Snapshot {
            catalogue: registered.catalogue.clone(),
            manifest: registered.manifest(app_id).clone(),
            os_probe: registered.os_probe.clone(),
        }
    }

    /// The scopes.
    pub fn catalogue(&self) -> Arc<ScopeCatalogue> {
        self.read().catalogue.clone()
    }

    /// Parses app.json-shaped JSON against the catalogue.
    pub fn parse_manifest(&self, manifest_json: &str) -> Result<Manifest> {
        Manifest::parse(manifest_json, &self.read().catalogue)
    }

    /// Parses an already-decoded manifest against the catalogue.
    pub fn manifest_from_value(&self, manifest: serde_json::Value) -> Result<Manifest> {
        Manifest::from_value(manifest, &self.read().catalogue)
    }

    /// Registers (or replaces) an app's manifest.
    pub fn install_manifest(&self, app_id: &str, manifest: Manifest) -> Result<()> {
        crate::caller::validate_id("app id", app_id).map_err(Error::from)?;
        self.write()
            .manifests
            .insert(app_id.to_string(), Arc::new(manifest));
        Ok(())
    }

    /// Adds a host scope to the catalogue.
    pub fn register_scope(&self, def: ScopeDefinition) -> Result<()> {
        let mut registered = self.write();
        let mut catalogue = (*registered.catalogue).clone();
        catalogue.register(def)?;
        registered.catalogue = Arc::new(catalogue);
        Ok(())
    }

    /// Sets (or removes) the OS-permission probe.
    pub fn set_os_permission_probe(&self, probe: Option<Arc<dyn OsPermissionProbe>>) {
        self.write().os_probe = probe;
    }
}
