//! The settings APIs of SPEC §4: `getSetting` (the `authSetting` object) and
//! `openSetting` (the app's settings page: which switches it shows, and what the
//! user's changes there store).

use serde_json::{Map, Value};

use crate::admin_records::DecisionSource;
use crate::caller::Caller;
use crate::consent_ui::{ScopeSetting, SettingsRequest};
use crate::decisions::Decision;
use crate::dialect::{ApiResult, Failure};
use crate::engine::Engine;
use crate::namespace::Namespace;
use crate::plugin_rules;
use crate::policy::{self, GrantState};
use crate::registry::Snapshot;
use crate::scopes::ScopeKind;

/// The API whose declaration reveals background location on the settings page.
const BACKGROUND_LOCATION_API: &str = "startLocationUpdateBackground";

impl Engine {
    /// The `authSetting` object of a namespace: decided scopes (as they stand
    /// now) and the always-true ones.
    fn auth_setting(
        &self,
        ns: &Namespace,
        snapshot: &Snapshot,
    ) -> Result<Map<String, Value>, Failure> {
        let stored = self.store.namespace(ns)?;
        let gate = self.gate();
        gate.recheck_allow_once(ns.borrowed())?;
        let now = self.clock.now_ms();
        let mut setting = Map::new();
        for scope in snapshot.catalogue.all() {
            let value = match scope.kind {
                // WeChat reports the withdrawn scope.userInfo as true ever since
                // 2021-04 ("会直接读取到scope.userInfo为true",
                // developers.weixin.qq.com/community/develop/doc/000cacfa20ce88df04cb468bc52801).
                ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts => true,
                _ => match gate.state_of(
                    ns.borrowed(),
                    &scope.name,
                    &snapshot.manifest,
                    &stored,
                    now,
                ) {
                    GrantState::Granted => true,
                    GrantState::Denied => false,
                    GrantState::Unasked => continue,
                },
            };
            setting.insert(scope.name.clone(), Value::Bool(value));
        }
        Ok(setting)
    }

    /// `wx.getSetting({withSubscriptions})`.
    pub async fn get_setting(&self, caller: &Caller, with_subscriptions: bool) -> ApiResult {
        let api = "getSetting";
        let outcome = (|| {
            caller.validate()?;
            let snapshot = self.registry.snapshot(&caller.app_id);
            let mut extra = Map::new();
            extra.insert(
                "authSetting".into(),
                Value::Object(self.auth_setting(&caller.namespace(), &snapshot)?),
            );
            // From a plugin, also the host app's own settings (WeChat 2.14.0+:
            // "miniprogramAuthSetting … 内容等于当前小程序 getSetting 的结果（不含订阅状态）",
            // developers.weixin.qq.com …/api/open-api/setting/wx.getSetting.md).
            if caller.plugin_id.is_some() {
                let app = Namespace::new(&caller.user_id, &caller.app_id, None);
                extra.insert(
                    "miniprogramAuthSetting".into(),
                    Value::Object(self.auth_setting(&app, &snapshot)?),
                );
            }
            if plugin_rules::shows_subscriptions(caller, with_subscriptions) {
                extra.insert(
                    "subscriptionsSetting".into(),
                    self.subscriptions_setting(&caller.user_id, &caller.app_id)?,
                );
            }
            Ok(extra)
        })();
        ApiResult::from_fields(api, outcome)
    }

    /// `wx.openSetting({withSubscriptions})`: needs a user tap; shows the
    /// settings page and applies what the user changed there (with
    /// subscriptions, also the main switch and the kept choices).
    pub async fn open_setting(&self, caller: &Caller, with_subscriptions: bool) -> ApiResult {
        let api = "openSetting";
        let with_subscriptions = plugin_rules::shows_subscriptions(caller, with_subscriptions);
        let outcome = async {
            let setting = self.open_setting_page(caller, with_subscriptions).await?;
            let mut extra = Map::new();
            extra.insert("authSetting".into(), Value::Object(setting));
            if with_subscriptions {
                extra.insert(
                    "subscriptionsSetting".into(),
                    self.subscriptions_setting(&caller.user_id, &caller.app_id)?,
                );
            }
            Ok(extra)
        };
        ApiResult::from_fields(api, outcome.await)
    }

    async fn open_setting_page(
        &self,
        caller: &Caller,
        with_subscriptions: bool,
    ) -> Result<Map<String, Value>, Failure> {
        caller.validate()?;
        if !caller.user_gesture {
            return Err(Failure::NeedsUserGesture);
        }
        let ns = caller.namespace();
        let _slot = self.dialogs.slot(&caller.user_id, &caller.app_id).await;
        let snapshot = self.registry.snapshot(&caller.app_id);
        let manifest = &snapshot.manifest;
        let shown = self.settings_items(&ns, &snapshot)?;
        let request = SettingsRequest {
            user_id: caller.user_id.clone(),
            app_id: caller.app_id.clone(),
            plugin_id: caller.plugin_id.clone(),
            app_name: manifest.display_name(&caller.app_id),
            items: shown
                .iter()
                .map(|(scope, title, state)| ScopeSetting {
                    scope: scope.clone(),
                    title: title.clone(),
                    granted: *state == GrantState::Granted,
                })
                .collect(),
            subscriptions: match with_subscriptions {
                true => Some(self.subscriptions_page(&caller.user_id, &caller.app_id)?),
                false => None,
            },
        };
        let subscriptions_shown = request.subscriptions.clone();
        // Where the page opened: what the user leaves on it counts only while
        // that stands (not after the app was reset or the user forgotten).
        let opened = self
            .decisions()
            .opened_in(&caller.user_id, &caller.app_id)?;
        let page = self.dialogs.ui().show_settings(request);
        let answer = self.dialogs.call_host(&caller.app_id, None, page).await?;
        if let (Some(shown), Some(left)) = (subscriptions_shown, answer.subscriptions) {
            self.apply_subscriptions_page(
                (&caller.user_id, &caller.app_id),
                (&shown, &left),
                &opened,
            )?;
        }
        let answered = answer.items;
        let shown: Vec<(String, GrantState)> = shown
            .into_iter()
            .map(|(scope, _, state)| (scope, state))
            .collect();
        let answered: Vec<(String, bool)> =
            answered.into_iter().map(|s| (s.scope, s.granted)).collect();
        let changes = policy::settings_changes(&shown, &answered);
        if !changes.is_empty() {
            let decisions: Vec<(&str, Decision)> = changes
                .iter()
                .map(|(scope, state)| (scope.as_str(), Decision::to_state(*state)))
                .collect();
            self.decisions().store(
                &ns,
                &decisions,
                DecisionSource::Settings,
                manifest,
                Some(&opened),
            )?;
        }
        self.auth_setting(&ns, &snapshot)
    }

    /// The switches the settings page shows — (scope, title, state now) — in
    /// catalogue order: decided scopes; a promptable scope under the dismissal
    /// embargo (off, so the user can still turn it on here); background location
    /// when decided or when the app declares the API that needs it.
    fn settings_items(
        &self,
        ns: &Namespace,
        snapshot: &Snapshot,
    ) -> Result<Vec<(String, String, GrantState)>, Failure> {
        let stored = self.store.namespace(ns)?;
        let gate = self.gate();
        gate.recheck_allow_once(ns.borrowed())?;
        let now = self.clock.now_ms();
        let manifest = &snapshot.manifest;
        Ok(snapshot
            .catalogue
            .all()
            .filter_map(|scope| {
                let state = gate.state_of(ns.borrowed(), &scope.name, manifest, &stored, now);
                let embargoed = self
                    .knobs
                    .embargo
                    .bars(stored.dismissals.get(&scope.name), now);
                let listed = match scope.kind {
                    ScopeKind::AlwaysGranted | ScopeKind::NeverPrompts => false,
                    ScopeKind::SettingsOnly => {
                        state != GrantState::Unasked
                            || manifest.declares_private_api(BACKGROUND_LOCATION_API)
                    }
                    ScopeKind::Promptable => state != GrantState::Unasked || embargoed,
                };
                listed.then(|| (scope.name.clone(), scope.title.clone(), state))
            })
            .collect())
    }
}
