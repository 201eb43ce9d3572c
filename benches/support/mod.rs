//! What the benchmarks share: a person who allows everything, and database files
//! filled with other users' grants.

use std::sync::Arc;

use futures::executor::block_on;
use miniapp_auth::{
    AuthEngine, Caller, ConsentDecision, ConsentUi, HostError, PrivacyDecision, PrivacyRequest,
    ScopeRequest, SettingsAnswer, SettingsRequest, SubscribeAnswer, SubscribeChoice,
    SubscribeRequest, TemplateChoice,
};

/// A person who allows everything at once.
pub struct AllowAll;

#[async_trait::async_trait]
impl ConsentUi for AllowAll {
    async fn ask_scope(&self, _: ScopeRequest) -> Result<ConsentDecision, HostError> {
        Ok(ConsentDecision::Allow)
    }
    async fn ask_scope_with_privacy(
        &self,
        _: ScopeRequest,
    ) -> Result<miniapp_auth::CombinedDecision, HostError> {
        Ok(miniapp_auth::CombinedDecision {
            decision: ConsentDecision::Allow,
            agree_privacy: true,
        })
    }
    async fn show_settings(&self, r: SettingsRequest) -> Result<SettingsAnswer, HostError> {
        Ok(SettingsAnswer::unchanged(&r))
    }
    async fn ask_privacy(&self, _: PrivacyRequest) -> Result<PrivacyDecision, HostError> {
        Ok(PrivacyDecision::Agree)
    }
    async fn show_privacy_contract(&self, _: PrivacyRequest) -> Result<(), HostError> {
        Ok(())
    }
    async fn ask_subscribe(&self, r: SubscribeRequest) -> Result<SubscribeAnswer, HostError> {
        Ok(SubscribeAnswer::Chosen {
            choices: r
                .tmpl_ids
                .into_iter()
                .map(|tmpl_id| TemplateChoice {
                    tmpl_id,
                    choice: SubscribeChoice::Accept,
                })
                .collect(),
            keep: false,
        })
    }
}

/// Scopes a file is filled with.
pub const FILL_SCOPES: [&str; 8] = [
    "scope.record",
    "scope.camera",
    "scope.bluetooth",
    "scope.writePhotosAlbum",
    "scope.addPhoneContact",
    "scope.addPhoneCalendar",
    "scope.werun",
    "scope.userFuzzyLocation",
];

/// Creates the database at `path` with `me`'s grant of `scope.record` (made
/// through the engine) and `n` grants of other users (inserted directly, in one
/// transaction), checkpointed so that opening it reads the main file.
pub fn file_with_grants(path: &str, me: &Caller, n: u64) {
    {
        let engine = AuthEngine::open(path.to_string(), Arc::new(AllowAll), None).unwrap();
        assert!(block_on(engine.authorize(me.clone(), "scope.record".into())).ok);
    }
    let mut conn = rusqlite::Connection::open(path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO grants (user_id, app_id, plugin_id, scope, state, source, updated_at, row_check)
                 VALUES (?1, ?2, '', ?3, 1, 'dialog', 0, '')",
            )
            .unwrap();
        for i in 0..n {
            let scope = FILL_SCOPES[(i % 8) as usize];
            insert
                .execute(rusqlite::params![
                    format!("user{}", i / 8),
                    format!("wx{}", i % 97),
                    scope
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
}
