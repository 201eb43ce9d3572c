//! Several devices of one user, for the sync tests (SPEC §10): each device an
//! engine on its own database file, on its own manual clock (skewed as a
//! real device's may be), answering dialogs from its own script.

use std::sync::Arc;

use miniapp_auth::{AuthEngine, EngineConfig, ManualClock, SyncApplied};
use serde_json::Value;

use super::{block_on, caller, ScriptedUi, TempDb, T0};

/// One device.
pub struct Device {
    pub db: TempDb,
    pub clock: Arc<ManualClock>,
    pub ui: Arc<ScriptedUi>,
    pub engine: AuthEngine,
    config: EngineConfig,
}

/// The apps every device registers: one with a privacy contract.
pub const APPS: [&str; 2] = ["wxA", "wxB"];

impl Device {
    /// A device whose clock reads `T0 + skew_ms`.
    pub fn new(skew_ms: i64) -> Device {
        Device::with_config(skew_ms, EngineConfig::default())
    }

    /// A device with a host configuration.
    pub fn with_config(skew_ms: i64, config: EngineConfig) -> Device {
        let db = TempDb::new();
        let clock = Arc::new(ManualClock::new(T0 + skew_ms));
        let ui = ScriptedUi::new(&[]);
        let engine = db.open_clocked(ui.clone(), config.clone(), clock.clone());
        let device = Device {
            db,
            clock,
            ui,
            engine,
            config,
        };
        device.register();
        device
    }

    fn register(&self) {
        for app in APPS {
            self.engine
                .register_manifest(
                    app.into(),
                    super::manifest(Some((
                        "1",
                        &["scope.record", "scope.userLocation", "scope.camera"],
                    ))),
                )
                .unwrap();
        }
    }

    /// Closes the engine and opens the file again, on `clock` (a restart).
    pub fn restart(&mut self, clock: Arc<ManualClock>) {
        self.engine.shut_down();
        self.clock = clock;
        self.engine =
            self.db
                .open_clocked(self.ui.clone(), self.config.clone(), self.clock.clone());
        self.register();
    }

    /// Everything this device has for `user` not yet uploaded, marked
    /// uploaded (as a host does once its backend committed it).
    pub fn upload(&self, user: &str) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let (records, cursor) = self.engine.sync_outgoing_values(user, 7).unwrap();
            if records.is_empty() {
                return all;
            }
            all.extend(records);
            self.engine.sync_mark_uploaded(user.into(), cursor).unwrap();
        }
    }

    /// Applies `records` for `user`.
    pub fn apply(&self, user: &str, records: &[Value]) -> SyncApplied {
        self.engine.sync_apply_values(user, records).unwrap()
    }

    /// What `wx.getSetting` answers `user` in `app`, with subscriptions.
    pub fn settings(&self, user: &str, app: &str) -> Value {
        let call = r#"{"api":"getSetting","args":{"withSubscriptions":true}}"#;
        let result = block_on(self.engine.handle(caller(user, app), call.into()));
        let mut json: Value = serde_json::from_str(&result).unwrap();
        json.as_object_mut().unwrap().remove("errMsg");
        json
    }

    /// What `wx.getPrivacySetting` answers `user` in `app` (whether an
    /// agreement is needed).
    pub fn privacy(&self, user: &str, app: &str) -> Value {
        let call = r#"{"api":"getPrivacySetting","args":{}}"#;
        let result = block_on(self.engine.handle(caller(user, app), call.into()));
        let mut json: Value = serde_json::from_str(&result).unwrap();
        json.as_object_mut().unwrap().remove("errMsg");
        json
    }

    /// Everything a user sees of their decisions in every app.
    pub fn everything(&self, user: &str) -> Vec<Value> {
        APPS.iter()
            .flat_map(|app| [self.settings(user, app), self.privacy(user, app)])
            .collect()
    }

    /// Sets a scope granted or denied from the host's settings screen.
    pub fn set(&self, user: &str, app: &str, scope: &str, granted: bool) {
        self.engine
            .set_grant(user.into(), app.into(), None, scope.into(), granted)
            .unwrap();
    }

    /// Moves the device's clock on.
    pub fn wait(&self, ms: i64) {
        assert!(self.clock.advance(ms));
    }
}

/// Uploads `from`'s records for `user` and applies them on `to`.
pub fn carry(from: &Device, to: &Device, user: &str) -> SyncApplied {
    let records = from.upload(user);
    to.apply(user, &records)
}
