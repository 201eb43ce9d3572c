//! `wx.requestSubscribeMessage({tmplIds})` (SPEC §4, §5): the user chooses, per
//! template, whether the app may send one message of it. WeChat's rules
//! (developers.weixin.qq.com …/api/open-api/subscribe-message/wx.requestSubscribeMessage.md):
//! only from a tap ("仅在点击行为时调用"); 1 to 5 template ids ("一次调用最多可订阅5条消息");
//! `errCode` 10001 / 10004 / 20003 / 20004 / 20005, and those only the host's
//! server knows of (10002 / 10003 / 10005 / 20001 / 20002 / 20013,
//! [`SubscribeAnswer::Failed`]); the result names each
//! template `accept`, `reject`, `ban` or `filter`; a choice the user kept
//! ("总是保持以上选择，不再询问") is answered without a dialog. Every answer is
//! in the consent log; kept choices are stored (`store/subscriptions.rs`).

use serde_json::{Map, Value};

use crate::admin_records::DecisionSource;
use crate::caller::Caller;
use crate::consent_record::{NewRecord, Recorded};
use crate::consent_ui::{
    SubscribeAnswer, SubscribeChoice, SubscribeRequest, SubscriptionsSetting, TemplateChoice,
};
use crate::decisions::OpenedIn;
use crate::dialect::{ApiResult, Failure, SubscribeError};
use crate::engine::Engine;
use crate::error::Result;
use crate::plugin_rules;
use crate::policy::Lifetime;
use crate::scopes::is_api_name;
use crate::store::{LogPoint, StillTrue};

/// How many templates one call may ask about (WeChat: 5 since 2023; it was 3).
pub const MAX_TEMPLATES: usize = 5;

/// WeChat's result word for a choice.
fn word(choice: SubscribeChoice) -> &'static str {
    match choice {
        SubscribeChoice::Accept => "accept",
        SubscribeChoice::Reject => "reject",
        SubscribeChoice::Ban => "ban",
        SubscribeChoice::Filter => "filter",
    }
}

/// The consent log's word for a choice.
fn recorded(choice: SubscribeChoice) -> Recorded {
    match choice {
        SubscribeChoice::Accept => Recorded::Subscribed,
        SubscribeChoice::Reject => Recorded::Declined,
        SubscribeChoice::Ban => Recorded::Banned,
        SubscribeChoice::Filter => Recorded::Filtered,
    }
}

/// Refuses what WeChat refuses before showing anything.
fn check_template_ids(tmpl_ids: &[String]) -> Result<(), Failure> {
    if tmpl_ids.is_empty() {
        return Err(Failure::Subscribe(SubscribeError::EmptyTemplateIds));
    }
    if tmpl_ids.len() > MAX_TEMPLATES {
        return Err(Failure::Subscribe(SubscribeError::TooManyTemplates));
    }
    if tmpl_ids.iter().any(|id| !is_api_name(id)) {
        return Err(Failure::Subscribe(SubscribeError::InvalidTemplateId));
    }
    Ok(())
}

impl Engine {
    /// `wx.requestSubscribeMessage({tmplIds})`.
    pub async fn request_subscribe_message(
        &self,
        caller: &Caller,
        tmpl_ids: &[String],
    ) -> ApiResult {
        let api = "requestSubscribeMessage";
        let outcome = self.subscribe(caller, tmpl_ids).await;
        ApiResult::from_fields(api, outcome)
    }

    async fn subscribe(
        &self,
        caller: &Caller,
        tmpl_ids: &[String],
    ) -> Result<Map<String, Value>, Failure> {
        caller.validate()?;
        plugin_rules::offered_to(caller, "requestSubscribeMessage")?;
        if !caller.user_gesture {
            return Err(Failure::NeedsUserGesture);
        }
        check_template_ids(tmpl_ids)?;
        let (user, app) = (&caller.user_id, &caller.app_id);
        let _slot = self.dialogs.slot(user, app).await;
        let settings = self.store.subscriptions(user, app)?;
        if !settings.main_switch {
            return Err(Failure::Subscribe(SubscribeError::MainSwitchOff));
        }
        let mut choices: Vec<(String, Option<SubscribeChoice>)> = Vec::new();
        for id in tmpl_ids {
            if !choices.iter().any(|(seen, _)| seen == id) {
                let kept = settings.kept(id).map(|accept| match accept {
                    true => SubscribeChoice::Accept,
                    false => SubscribeChoice::Reject,
                });
                choices.push((id.clone(), kept));
            }
        }
        let to_ask: Vec<String> = choices
            .iter()
            .filter(|(_, kept)| kept.is_none())
            .map(|(id, _)| id.clone())
            .collect();
        if !to_ask.is_empty() {
            let manifest = self.registry.snapshot(app).manifest;
            let request = SubscribeRequest {
                user_id: user.clone(),
                app_id: app.clone(),
                app_name: manifest.display_name(app),
                tmpl_ids: to_ask.clone(),
            };
            // Where the dialog opened: its answer counts only while that stands.
            let opened = self.decisions().opened_in(user, app)?;
            let answer = self
                .dialogs
                .call_host(app, None, self.dialogs.ui().ask_subscribe(request))
                .await?;
            let (answered, keep) = match answer {
                SubscribeAnswer::AppBanned => {
                    return Err(Failure::Subscribe(SubscribeError::AppBanned))
                }
                // Not the user's decision: nothing is kept or recorded.
                SubscribeAnswer::Failed { failure } => {
                    return Err(Failure::Subscribe(failure.into()))
                }
                SubscribeAnswer::Chosen { choices, keep } => (choices, keep),
            };
            let mut records = Vec::new();
            for (id, choice) in choices.iter_mut().filter(|(_, kept)| kept.is_none()) {
                // A template the dialog did not answer is not accepted.
                let made = answered
                    .iter()
                    .find(|c| &c.tmpl_id == id)
                    .map_or(SubscribeChoice::Reject, |c| c.choice);
                *choice = Some(made);
                records.push(self.subscription_record(caller, id, made, keep));
            }
            self.decisions()
                .store_subscriptions((user, app), &records, keep, &opened)?;
        }
        let mut fields = Map::new();
        for id in tmpl_ids {
            if let Some((_, Some(choice))) = choices.iter().find(|(seen, _)| seen == id) {
                fields.insert(id.clone(), Value::from(word(*choice)));
            }
        }
        Ok(fields)
    }

    /// The consent record of one template's choice.
    fn subscription_record(
        &self,
        caller: &Caller,
        tmpl_id: &str,
        choice: SubscribeChoice,
        keep: bool,
    ) -> NewRecord {
        let mut record = NewRecord::new(
            caller.app_namespace_ref(),
            None,
            recorded(choice),
            DecisionSource::Dialog,
        );
        record.template = Some(tmpl_id.to_string());
        let kept = keep && matches!(choice, SubscribeChoice::Accept | SubscribeChoice::Reject);
        record.lifetime = Some(if kept {
            Lifetime::Permanent
        } else {
            Lifetime::Once
        });
        record
    }

    /// Turns an app's subscription messages on or off for a user (the host's
    /// settings screen), with its record.
    pub fn set_subscriptions_main_switch(
        &self,
        user_id: &str,
        app_id: &str,
        on: bool,
        source: DecisionSource,
    ) -> Result<()> {
        self.store_main_switch((user_id, app_id), on, source, None)
    }

    /// Stores the main switch with its record — while the page it was changed
    /// on still stands (`opened`: no reset or forget since), if it was one.
    fn store_main_switch(
        &self,
        (user_id, app_id): (&str, &str),
        on: bool,
        source: DecisionSource,
        opened: Option<&LogPoint>,
    ) -> Result<()> {
        let app = crate::namespace::NamespaceRef::new(user_id, app_id, None);
        let record = NewRecord::new(app, None, Recorded::main_switch(on), source);
        self.store.set_subscriptions_switch(
            (user_id, app_id),
            on,
            record,
            self.clock.now_ms(),
            StillTrue::dialog_current(user_id, app_id, opened).as_slice(),
        )
    }

    /// The subscription part of the settings page, as it stands.
    pub fn subscriptions_page(
        &self,
        user_id: &str,
        app_id: &str,
    ) -> Result<SubscriptionsSetting, Failure> {
        let settings = self.store.subscriptions(user_id, app_id)?;
        Ok(SubscriptionsSetting {
            main_switch: settings.main_switch,
            item_settings: settings
                .kept
                .into_iter()
                .map(|(tmpl_id, accept)| TemplateChoice {
                    tmpl_id,
                    choice: if accept {
                        SubscribeChoice::Accept
                    } else {
                        SubscribeChoice::Reject
                    },
                })
                .collect(),
        })
    }

    /// Applies what the user changed in the subscription part of the settings
    /// page (`shown` → `left`): the main switch; a kept choice flipped between
    /// accept and reject, or taken off the list (asked again next time).
    /// Templates the page did not show, and `Ban`/`Filter`, change nothing.
    pub fn apply_subscriptions_page(
        &self,
        (user_id, app_id): (&str, &str),
        (shown, left): (&SubscriptionsSetting, &SubscriptionsSetting),
        opened: &OpenedIn,
    ) -> Result<(), Failure> {
        self.decisions().still_in_run((user_id, app_id), opened)?;
        if left.main_switch != shown.main_switch {
            self.store_main_switch(
                (user_id, app_id),
                left.main_switch,
                DecisionSource::Settings,
                Some(&opened.log),
            )?;
        }
        let app = crate::namespace::NamespaceRef::new(user_id, app_id, None);
        let mut changes = Vec::new();
        let mut records = Vec::new();
        for kept in &shown.item_settings {
            let now = left
                .item_settings
                .iter()
                .find(|c| c.tmpl_id == kept.tmpl_id);
            let change = match now.map(|c| c.choice) {
                None => None,
                Some(choice @ (SubscribeChoice::Accept | SubscribeChoice::Reject))
                    if choice != kept.choice =>
                {
                    Some(choice == SubscribeChoice::Accept)
                }
                Some(_) => continue,
            };
            let decision = change.map_or(Recorded::Revoked, Recorded::template_choice);
            let mut record = NewRecord::new(app, None, decision, DecisionSource::Settings);
            record.template = Some(kept.tmpl_id.clone());
            if change.is_some() {
                record.lifetime = Some(Lifetime::Permanent);
            }
            changes.push((kept.tmpl_id.clone(), change));
            records.push(record);
        }
        if !changes.is_empty() {
            self.store.change_kept_choices(
                (user_id, app_id),
                &changes,
                &records,
                self.clock.now_ms(),
                StillTrue::dialog_current(user_id, app_id, Some(&opened.log)).as_slice(),
            )?;
        }
        Ok(())
    }

    /// `subscriptionsSetting` of `getSetting`/`openSetting` `withSubscriptions`:
    /// the main switch and the kept choices.
    pub fn subscriptions_setting(&self, user_id: &str, app_id: &str) -> Result<Value, Failure> {
        let settings = self.store.subscriptions(user_id, app_id)?;
        let items: Map<String, Value> = settings
            .kept
            .iter()
            .map(|(id, accept)| {
                (
                    id.clone(),
                    Value::from(if *accept { "accept" } else { "reject" }),
                )
            })
            .collect();
        Ok(serde_json::json!({"mainSwitch": settings.main_switch, "itemSettings": items}))
    }
}
