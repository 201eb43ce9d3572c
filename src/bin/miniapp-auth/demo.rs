//! `miniapp-auth demo`: a simulated host running a sample mini app ("Demo Shop").
//! A person answers its consent, privacy and settings dialogs in the terminal, or
//! `--answers` answers them unattended. It runs the seed page's sample (first as
//! written, with its non-WeChat `scope.location`, then with `scope.record`), a
//! location call behind the privacy gate, a sticky denial, and the settings page.

use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use miniapp_auth::{
    ApiResult, AuthEngine, Caller, CombinedDecision, ConsentDecision, ConsentUi, HostError,
    PrivacyDecision, PrivacyRequest, ScopeRequest, SettingsAnswer, SettingsRequest,
    SubscribeAnswer, SubscribeChoice, SubscribeRequest, TemplateChoice,
};
use serde_json::Value;

use crate::args::{engine_config, Args, CONFIG_OPTIONS};

const APP_ID: &str = "wxdemo0001";
const USER_ID: &str = "demo-user";
const MANIFEST: &str = r#"{
  "name": "Demo Shop",
  "permission": {"scope.userLocation": {"desc": "Find the shop nearest to you"}},
  "requiredPrivateInfos": ["getLocation"],
  "privacy": {"contractName": "Demo Shop privacy guide", "version": "1",
              "scopes": ["scope.userLocation", "scope.record", "scope.camera", "scope.writePhotosAlbum"]}
}"#;

/// The settings page's switches after `answer` (`keep`, or `scope=on|off`
/// joined by `+`), or why it cannot be read: every change is read before any
/// is applied.
fn settings_changes(
    shown: &[miniapp_auth::ScopeSetting],
    answer: &str,
) -> Result<Vec<miniapp_auth::ScopeSetting>, String> {
    let mut items = shown.to_vec();
    for change in answer.split('+').filter(|c| !c.is_empty() && *c != "keep") {
        let Some((scope, value)) = change.split_once('=') else {
            return Err(format!("{change:?} is not scope=on or scope=off"));
        };
        let granted = match value {
            "on" => true,
            "off" => false,
            _ => return Err(format!("{scope} can be on or off, not {value:?}")),
        };
        match items.iter_mut().find(|i| i.scope == scope) {
            Some(item) => item.granted = granted,
            None => return Err(format!("{scope} is not on this page")),
        }
    }
    Ok(items)
}

/// Answers dialogs from the `--answers` list, or from the terminal.
struct TerminalUi {
    scripted: Option<Mutex<VecDeque<String>>>,
}

impl TerminalUi {
    fn next_answer(&self, prompt: &str) -> String {
        print!("    {prompt} > ");
        let _ = std::io::stdout().flush();
        let answer = match &self.scripted {
            Some(queue) => queue
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop_front()
                .unwrap_or_default(),
            None => {
                let mut line = String::new();
                let _ = std::io::stdin().lock().read_line(&mut line);
                line.trim().to_string()
            }
        };
        if self.scripted.is_some() {
            println!("{answer}");
        }
        answer
    }
}

#[async_trait::async_trait]
impl ConsentUi for TerminalUi {
    async fn ask_scope(&self, r: ScopeRequest) -> Result<ConsentDecision, HostError> {
        show_scope_dialog(&r);
        loop {
            let answer = self.next_answer("allow / once / deny / dismiss");
            match consent_answer(&answer) {
                Some(decision) => return Ok(decision),
                None => println!("    (unknown answer {answer:?})"),
            }
        }
    }

    async fn ask_scope_with_privacy(&self, r: ScopeRequest) -> Result<CombinedDecision, HostError> {
        // WeChat since base library 3.4.2: the authorization dialog carries the
        // privacy agreement as a checkbox ("隐私勾选"); no separate popup.
        show_scope_dialog(&r);
        if let Some(contract) = &r.privacy_contract {
            println!(
                "  │ [ ] I have read and agree to \"{}\" (version {})",
                contract.contract_name, contract.contract_version
            );
        }
        loop {
            let answer = self.next_answer("allow / once / deny / dismiss, +agree to tick the box");
            let (decision, ticked) = match answer.strip_suffix("+agree") {
                Some(decision) => (decision, true),
                None => (answer.as_str(), false),
            };
            match consent_answer(decision) {
                Some(decision) => {
                    return Ok(CombinedDecision {
                        decision,
                        agree_privacy: ticked,
                    })
                }
                None => println!("    (unknown answer {answer:?})"),
            }
        }
    }

    async fn show_settings(&self, r: SettingsRequest) -> Result<SettingsAnswer, HostError> {
        println!("  ┌ Settings of {}", r.app_name);
        for item in &r.items {
            let switch = if item.granted { "on " } else { "off" };
            println!("  │ [{switch}] {} ({})", item.title, item.scope);
        }
        // An answer it cannot read changes nothing: it is asked again.
        let items = loop {
            let answer = self.next_answer("keep, or scope=on|off[+scope=on|off]");
            match settings_changes(&r.items, &answer) {
                Ok(items) => break items,
                Err(why) => println!("    (cannot read {answer:?}: {why}; nothing was changed)"),
            }
        };
        Ok(SettingsAnswer {
            items,
            subscriptions: r.subscriptions.clone(),
        })
    }

    async fn ask_privacy(&self, r: PrivacyRequest) -> Result<PrivacyDecision, HostError> {
        println!(
            "  ┌ Before using {}, please read \"{}\" (version {})",
            r.app_name, r.contract_name, r.contract_version
        );
        loop {
            match self.next_answer("agree / disagree").as_str() {
                "agree" | "y" => return Ok(PrivacyDecision::Agree),
                "disagree" | "n" | "" => return Ok(PrivacyDecision::Disagree),
                other => println!("    (unknown answer {other:?})"),
            }
        }
    }

    async fn ask_subscribe(&self, r: SubscribeRequest) -> Result<SubscribeAnswer, HostError> {
        println!(
            "  ┌ {} would like to send you messages: {}",
            r.app_name,
            r.tmpl_ids.join(", ")
        );
        loop {
            let answer = self.next_answer("accept / reject [keep]");
            let (choice, keep) = match answer.split_once(' ') {
                Some((choice, "keep")) => (choice.to_string(), true),
                _ => (answer, false),
            };
            let choice = match choice.as_str() {
                "accept" | "a" => SubscribeChoice::Accept,
                "reject" | "r" | "" => SubscribeChoice::Reject,
                other => {
                    println!("    (unknown answer {other:?})");
                    continue;
                }
            };
            let choices = r
                .tmpl_ids
                .iter()
                .map(|tmpl_id| TemplateChoice {
                    tmpl_id: tmpl_id.clone(),
                    choice,
                })
                .collect();
            return Ok(SubscribeAnswer::Chosen { choices, keep });
        }
    }

    async fn show_privacy_contract(&self, r: PrivacyRequest) -> Result<(), HostError> {
        println!(
            "  ┌ [showing \"{}\" v{}]",
            r.contract_name, r.contract_version
        );
        Ok(())
    }
}

/// Prints a consent dialog's text.
fn show_scope_dialog(r: &ScopeRequest) {
    println!(
        "  ┌ {} asks to use: {} ({})",
        r.app_name, r.scope_title, r.scope
    );
    if let Some(purpose) = &r.purpose {
        println!("  │ purpose: {purpose}");
    }
    println!("  │ triggered by: {}", r.api);
}

/// A consent dialog's answer as typed, if it is one.
fn consent_answer(answer: &str) -> Option<ConsentDecision> {
    match answer {
        "allow" | "a" => Some(ConsentDecision::Allow),
        "once" | "o" => Some(ConsentDecision::AllowOnce),
        "deny" | "d" => Some(ConsentDecision::Deny),
        "dismiss" | "x" | "" => Some(ConsentDecision::Dismiss),
        _ => None,
    }
}

fn show(call: &str, result: &ApiResult) {
    println!("{call}\n  → {}", result.json);
}

fn has_grant(result: &ApiResult, scope: &str) -> bool {
    serde_json::from_str::<Value>(&result.json)
        .ok()
        .and_then(|v| v["authSetting"][scope].as_bool())
        .unwrap_or(false)
}

/// Runs the demo.
pub fn run(argv: &[String]) -> Result<(), String> {
    let mut options = vec!["db", "answers"];
    options.extend_from_slice(CONFIG_OPTIONS);
    let args = Args::parse(argv, &options)?;
    let config = engine_config(&args)?;
    let combined = config.combined_privacy_dialog;
    let scripted = args.get("answers").map(|list| {
        Mutex::new(
            list.split(',')
                .map(|a| a.trim().to_string())
                .collect::<VecDeque<_>>(),
        )
    });
    let ui = Arc::new(TerminalUi { scripted });
    let engine = match args.get("db") {
        Some(db) => AuthEngine::open(db.to_string(), ui, Some(config)),
        None => AuthEngine::in_memory(ui, Some(config)),
    }
    .map_err(|e| e.to_string())?;
    engine
        .register_manifest(APP_ID.into(), MANIFEST.into())
        .map_err(|e| e.to_string())?;
    let me = Caller::new(USER_ID, APP_ID);
    futures::executor::block_on(async {
        println!("== Demo Shop ({APP_ID}) as {USER_ID}\n");
        if combined {
            println!("(--combined-privacy-dialog true: a consent dialog carries the privacy contract as a checkbox; answer e.g. allow+agree)\n");
        }
        show(
            "wx.getPrivacySetting()",
            &engine.get_privacy_setting(me.clone()).await,
        );

        println!("\n-- The seed page's sample, as written (scope.location is not a WeChat scope):");
        let setting = engine.get_setting(me.clone(), false).await;
        show("wx.getSetting()", &setting);
        if !has_grant(&setting, "scope.location") {
            show(
                "wx.authorize({scope: 'scope.location'})",
                &engine.authorize(me.clone(), "scope.location".into()).await,
            );
        }

        println!("\n-- The same sample with scope.record:");
        let setting = engine.get_setting(me.clone(), false).await;
        show("wx.getSetting()", &setting);
        if !has_grant(&setting, "scope.record") {
            let result = engine.authorize(me.clone(), "scope.record".into()).await;
            show("wx.authorize({scope: 'scope.record'})", &result);
            if result.ok {
                show(
                    "wx.startRecord()  [host gate]",
                    &engine.ensure(me.clone(), "startRecord".into()).await,
                );
            }
        }

        println!("\n-- Location, behind the privacy gate:");
        show(
            "wx.getLocation()  [host gate]",
            &engine.ensure(me.clone(), "getLocation".into()).await,
        );

        println!("\n-- The camera, asked twice (a denial is sticky: no second dialog):");
        for _ in 0..2 {
            show(
                "wx.authorize({scope: 'scope.camera'})",
                &engine.authorize(me.clone(), "scope.camera".into()).await,
            );
        }

        println!("\n-- The settings page:");
        show(
            "wx.openSetting()  [no tap]",
            &engine.open_setting(me.clone(), false).await,
        );
        show(
            "wx.openSetting()  [from a tap]",
            &engine.open_setting(me.clone().with_tap(), false).await,
        );
        show(
            "wx.getSetting()",
            &engine.get_setting(me.clone(), false).await,
        );

        println!("\n-- Subscription messages (from a tap; \"accept keep\" keeps the choice):");
        let templates = vec!["ORDER_SHIPPED".to_string(), "PRICE_DROP".to_string()];
        for _ in 0..2 {
            show(
                "wx.requestSubscribeMessage({tmplIds: ['ORDER_SHIPPED', 'PRICE_DROP']})",
                &engine
                    .request_subscribe_message(me.clone().with_tap(), templates.clone())
                    .await,
            );
        }
        show(
            "wx.getSetting({withSubscriptions: true})",
            &engine.get_setting(me.clone(), true).await,
        );

        println!(
            "\n-- Another user agrees in the mini app's own privacy popup (its agree button):"
        );
        let other = Caller::new("demo-user-2", APP_ID);
        show(
            "<button open-type=\"agreePrivacyAuthorization\"> tapped",
            &engine
                .agree_privacy_authorization(other.clone().with_tap(), Some("agree-btn".into()))
                .await,
        );
        show(
            "wx.getPrivacySetting()",
            &engine.get_privacy_setting(other).await,
        );
    });
    Ok(())
}
