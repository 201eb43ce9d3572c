//! The JSON-lines protocol of `miniapp-auth bridge` (SPEC §6), parsed: what one
//! input line asks for, or the error line it earns. Pure (no I/O, no engine) and
//! written against the library's public API only, so the fuzzer
//! (`fuzz/fuzz_targets/json_lines.rs`) compiles this same file.

use miniapp_auth::{
    Caller, CombinedDecision, ConsentDecision, PrivacyDecision, ScopeSetting, SettingsAnswer,
    SubscribeAnswer, SubscribeChoice, SubscribeFailure, SubscriptionsSetting, TemplateChoice,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A line's `id` as it was sent (raw JSON text of any JSON value), echoed
/// exactly in every reply to it.
pub type RawId = Box<str>;

/// Whose call a line carries (`"from"`): the mini app's page script — the
/// default, whose calls may not include the runtime's own
/// (`agreePrivacyAuthorization`: the mini app claiming a tap on its agree
/// button, SPEC §7) — or the host's runtime, which reports that tap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFrom {
    /// `"from":"page"`, or no `from`: `AuthEngine::handle_page_value`.
    Page,
    /// `"from":"runtime"`: `AuthEngine::handle_value`.
    Runtime,
}

/// One input line, understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A mini-app call to run with the line's identity.
    Call {
        /// The `id` to echo.
        id: Option<RawId>,
        /// The identity (the bridge process is the host).
        caller: Caller,
        /// `{"api", "args"}` for `AuthEngine::handle_value`, taken from the line
        /// as parsed (never serialised and parsed again).
        call: Value,
        /// Who makes it: the mini app's page (the default) or the runtime.
        from: CallFrom,
    },
    /// An operation on the bridge itself.
    Op {
        /// The `id` to echo.
        id: Option<RawId>,
        /// Which.
        op: Op,
    },
    /// An answer to an open dialog; its fields are read by the dialog's kind
    /// ([`consent_decision`], [`privacy_decision`], [`auth_setting`]).
    Answer {
        /// The prompt number.
        prompt: u64,
        /// The whole line.
        fields: Map<String, Value>,
    },
}

/// The bridge's own operations.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Register an app's manifest.
    Register {
        /// The app.
        app: String,
        /// Its app.json-shaped manifest.
        manifest: Value,
    },
    /// End a run of an app (allow-once grants end).
    EndRun {
        /// The user.
        user: String,
        /// The app.
        app: String,
    },
    /// Run maintenance.
    Maintenance,
    /// Move the manual clock forward.
    AdvanceClock {
        /// By how much.
        ms: i64,
    },
    /// Why a call would get the result it gets now (`AuthEngine::explain`).
    Explain {
        /// Who calls.
        caller: Caller,
        /// The API.
        api: String,
        /// The scope, for `authorize` and `authorizeForMiniProgram`.
        scope: Option<String>,
    },
    /// Sync (SPEC §10): this device's records for the user not yet uploaded.
    SyncOutgoing {
        /// The user.
        user: String,
        /// At most this many (1-10,000).
        limit: u32,
    },
    /// Sync: the user's records up to `cursor` were uploaded.
    SyncUploaded {
        /// The user.
        user: String,
        /// The cursor `syncOutgoing` gave.
        cursor: String,
    },
    /// Sync: apply other devices' records for the user.
    SyncApply {
        /// The user.
        user: String,
        /// The records, JSON objects as the transport carried them.
        records: Vec<Value>,
    },
}

/// The error line a bad input line earns.
#[derive(Debug, Clone, PartialEq)]
pub struct LineError {
    /// The line's `id`, where one could be read.
    pub id: Option<RawId>,
    /// The line's `prompt`, where one could be read.
    pub prompt: Option<Value>,
    /// What is wrong.
    pub message: String,
}

impl LineError {
    /// `{"id"?, "prompt"?, "error"}`.
    pub fn to_line(&self) -> String {
        let mut line = Map::new();
        if let Some(prompt) = &self.prompt {
            line.insert("prompt".into(), prompt.clone());
        }
        line.insert("error".into(), Value::String(self.message.clone()));
        reply_line(self.id.as_deref(), &line)
    }
}

/// A reply line: `body`'s fields after `"id"` (when the line had one), the id
/// written exactly as it was sent.
pub fn reply_line(id: Option<&str>, body: &Map<String, Value>) -> String {
    let body = Value::Object(body.clone()).to_string();
    match id {
        None => body,
        Some(id) if body == "{}" => format!("{{\"id\":{id}}}"),
        Some(id) => format!("{{\"id\":{id},{}", &body[1..]),
    }
}

/// The raw text of a line's `id`, when it has exactly one.
fn raw_id(text: &str) -> Option<RawId> {
    #[derive(Deserialize)]
    struct IdOnly<'a> {
        #[serde(borrow)]
        id: Option<&'a RawValue>,
    }
    let id = serde_json::from_str::<IdOnly<'_>>(text).ok()?.id?;
    Some(id.get().into())
}

/// The three kinds of line, by the field that marks each.
const KINDS: [&str; 3] = ["api", "op", "prompt"];

fn string_field(line: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match line.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

fn required(line: &Map<String, Value>, name: &str, what: &str) -> Result<String, String> {
    string_field(line, name)?.ok_or_else(|| format!("{what} needs \"{name}\""))
}

/// Parses one line (without its newline). `Ok(None)` for a blank line.
pub fn parse_line(bytes: &[u8]) -> Result<Option<Line>, Box<LineError>> {
    let error = |message: String| {
        Box::new(LineError {
            id: None,
            prompt: None,
            message,
        })
    };
    let text = std::str::from_utf8(bytes).map_err(|_| error("line is not valid UTF-8".into()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let line = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(line)) => line,
        Ok(_) => return Err(error("a line must be a JSON object".into())),
        Err(e) => return Err(error(format!("invalid JSON: {e}"))),
    };
    let id = raw_id(text);
    let prompt_field = line.get("prompt").cloned();
    let fail = |message: String| {
        Box::new(LineError {
            id: id.clone(),
            prompt: prompt_field.clone(),
            message,
        })
    };
    if KINDS
        .iter()
        .filter(|kind| line.contains_key(**kind))
        .count()
        > 1
    {
        return Err(fail(
            "a line mixes a call (\"api\"), an op (\"op\") and a prompt answer (\"prompt\"): send each on a line of its own".into(),
        ));
    }
    if line.contains_key("prompt") {
        let prompt = line
            .get("prompt")
            .and_then(Value::as_u64)
            .ok_or_else(|| fail("prompt must be a positive integer".into()))?;
        return Ok(Some(Line::Answer {
            prompt,
            fields: line,
        }));
    }
    if line.contains_key("op") {
        let op = parse_op(&line).map_err(fail)?;
        return Ok(Some(Line::Op { id, op }));
    }
    if line.contains_key("api") {
        let caller = parse_caller(&line).map_err(fail)?;
        let from = match line.get("from") {
            None | Some(Value::Null) => CallFrom::Page,
            Some(Value::String(from)) if from == "page" => CallFrom::Page,
            Some(Value::String(from)) if from == "runtime" => CallFrom::Runtime,
            Some(_) => return Err(fail(r#"from must be "page" or "runtime""#.into())),
        };
        let mut line = line;
        let mut call = Map::new();
        // Moved, not copied: the call reaches the engine as parsed here.
        for field in ["api", "args"] {
            if let Some(value) = line.remove(field) {
                call.insert(field.into(), value);
            }
        }
        return Ok(Some(Line::Call {
            id,
            caller,
            call: Value::Object(call),
            from,
        }));
    }
    Err(fail(
        "a line must be a call (\"api\"), an op (\"op\") or a prompt answer (\"prompt\")".into(),
    ))
}

/// What an `explain` op must carry.
const EXPLAIN_NEEDS: &str =
    r#"explain needs "call": {"api": "<name>", "args": {"scope": "<scope>"}} (args for authorize)"#;

fn parse_op(line: &Map<String, Value>) -> Result<Op, String> {
    match line.get("op").and_then(Value::as_str) {
        Some("register") => Ok(Op::Register {
            app: required(line, "app", "register")?,
            manifest: line
                .get("manifest")
                .cloned()
                .ok_or("register needs \"manifest\"")?,
        }),
        Some("endRun") => Ok(Op::EndRun {
            user: required(line, "user", "endRun")?,
            app: required(line, "app", "endRun")?,
        }),
        Some("maintenance") => Ok(Op::Maintenance),
        Some("advanceClock") => Ok(Op::AdvanceClock {
            ms: line
                .get("ms")
                .and_then(Value::as_i64)
                .filter(|ms| *ms >= 0)
                .ok_or("advanceClock needs \"ms\": a non-negative number")?,
        }),
        Some("syncOutgoing") => Ok(Op::SyncOutgoing {
            user: required(line, "user", "syncOutgoing")?,
            limit: line
                .get("limit")
                .and_then(Value::as_u64)
                .and_then(|limit| u32::try_from(limit).ok())
                .filter(|limit| (1..=miniapp_auth::MAX_SYNC_BATCH as u32).contains(limit))
                .ok_or(format!(
                    "syncOutgoing needs \"limit\": a number 1-{}",
                    miniapp_auth::MAX_SYNC_BATCH
                ))?,
        }),
        Some("explain") => {
            // The call explained, shaped as a call line's own fields
            // (`{"api", "args": {"scope"}}`): a line carries one kind only.
            let call = match line.get("call") {
                Some(Value::Object(call)) => call,
                _ => return Err(EXPLAIN_NEEDS.into()),
            };
            let api = match call.get("api") {
                Some(Value::String(api)) => api.clone(),
                _ => return Err(EXPLAIN_NEEDS.into()),
            };
            let scope = match call.get("args").map(|args| args.get("scope")) {
                None | Some(None) | Some(Some(Value::Null)) => None,
                Some(Some(Value::String(scope))) => Some(scope.clone()),
                Some(Some(_)) => return Err("explain: call.args.scope must be a string".into()),
            };
            Ok(Op::Explain {
                caller: parse_caller(line)?,
                api,
                scope,
            })
        }
        Some("syncUploaded") => Ok(Op::SyncUploaded {
            user: required(line, "user", "syncUploaded")?,
            cursor: required(line, "cursor", "syncUploaded")?,
        }),
        Some("syncApply") => Ok(Op::SyncApply {
            user: required(line, "user", "syncApply")?,
            records: match line.get("records") {
                Some(Value::Array(records)) => records.clone(),
                _ => return Err("syncApply needs \"records\": an array of record objects".into()),
            },
        }),
        _ => Err(
            "unknown op (known: \"register\", \"endRun\", \"maintenance\", \"advanceClock\", \"explain\", \"syncOutgoing\", \"syncUploaded\", \"syncApply\")"
                .into(),
        ),
    }
}

fn parse_caller(line: &Map<String, Value>) -> Result<Caller, String> {
    let user_id = required(line, "user", "a call")?;
    let app_id = required(line, "app", "a call")?;
    let plugin_id = string_field(line, "plugin")?;
    let user_gesture = match line.get("tap") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(tap)) => *tap,
        Some(_) => return Err("tap must be true or false".into()),
    };
    Ok(Caller {
        user_id,
        app_id,
        plugin_id,
        user_gesture,
    })
}

/// The answer to a consent dialog: `allow`, `allowOnce`, `allowUntil` with
/// `until` (epoch ms), `deny` or `dismiss`.
pub fn consent_decision(fields: &Map<String, Value>) -> Option<ConsentDecision> {
    match fields.get("decision")?.as_str()? {
        "allow" => Some(ConsentDecision::Allow),
        "allowOnce" => Some(ConsentDecision::AllowOnce),
        "allowUntil" => Some(ConsentDecision::AllowUntil {
            until_ms: fields.get("until")?.as_i64()?,
        }),
        "deny" => Some(ConsentDecision::Deny),
        "dismiss" => Some(ConsentDecision::Dismiss),
        _ => None,
    }
}

/// The answer to a combined consent dialog (a `consent` event with a
/// `privacyContract`): a consent decision and `agreePrivacy` (the checkbox:
/// `true` or `false`; absent: not ticked).
pub fn combined_decision(fields: &Map<String, Value>) -> Option<CombinedDecision> {
    let agree_privacy = match fields.get("agreePrivacy") {
        None => false,
        Some(ticked) => ticked.as_bool()?,
    };
    Some(CombinedDecision {
        decision: consent_decision(fields)?,
        agree_privacy,
    })
}

/// The answer to a privacy prompt: `agree` or `disagree`.
pub fn privacy_decision(fields: &Map<String, Value>) -> Option<PrivacyDecision> {
    match fields.get("decision")?.as_str()? {
        "agree" => Some(PrivacyDecision::Agree),
        "disagree" => Some(PrivacyDecision::Disagree),
        _ => None,
    }
}

/// The answer to a subscribe dialog: `{"subscriptions": {tmplId: "accept" |
/// "reject" | "ban" | "filter"}, "keep": bool}` (keep optional),
/// `{"appBanned": true}`, or `{"errCode": N}` with one of WeChat's codes a
/// host may fail the call with ([`SubscribeFailure`]) and nothing else.
pub fn subscribe_answer(fields: &Map<String, Value>) -> Option<SubscribeAnswer> {
    if let Some(code) = fields.get("errCode") {
        let alone = !["subscriptions", "keep", "appBanned"]
            .iter()
            .any(|other| fields.contains_key(*other));
        let failure = u32::try_from(code.as_u64()?)
            .ok()
            .and_then(SubscribeFailure::from_err_code)?;
        return alone.then_some(SubscribeAnswer::Failed { failure });
    }
    if fields.get("appBanned").and_then(Value::as_bool) == Some(true) {
        return Some(SubscribeAnswer::AppBanned);
    }
    let all = [
        SubscribeChoice::Accept,
        SubscribeChoice::Reject,
        SubscribeChoice::Ban,
        SubscribeChoice::Filter,
    ];
    let choices = template_choices(fields.get("subscriptions")?, &all)?;
    let keep = match fields.get("keep") {
        None => false,
        Some(keep) => keep.as_bool()?,
    };
    Some(SubscribeAnswer::Chosen { choices, keep })
}

/// What a subscribe answer must look like: the bridge's error line for one
/// that does not.
pub fn subscribe_answer_expected() -> String {
    let codes: Vec<String> = SubscribeFailure::ALL
        .iter()
        .map(|failure| failure.err_code().to_string())
        .collect();
    format!(
        "subscriptions must be an object of template id: \"accept\"|\"reject\"|\"ban\"|\"filter\" (with \"keep\": true|false), or \"appBanned\": true, or \"errCode\" alone: one of {}",
        codes.join(", ")
    )
}

/// The answer to a settings page: `authSetting` (see [`auth_setting`]) and,
/// when the page showed subscriptions, optionally `subscriptionsSetting`
/// (`{mainSwitch, itemSettings: {tmplId: "accept"|"reject"}}`; left out, they
/// stay as they were).
pub fn settings_answer(fields: &Map<String, Value>) -> Option<SettingsAnswer> {
    let items = auth_setting(fields)?;
    let subscriptions = match fields.get("subscriptionsSetting") {
        None => None,
        Some(value) => Some(subscriptions_setting(value)?),
    };
    Some(SettingsAnswer {
        items,
        subscriptions,
    })
}

fn subscriptions_setting(value: &Value) -> Option<SubscriptionsSetting> {
    let object = value.as_object()?;
    let main_switch = object.get("mainSwitch")?.as_bool()?;
    let kept = [SubscribeChoice::Accept, SubscribeChoice::Reject];
    let item_settings = match object.get("itemSettings") {
        None => Vec::new(),
        Some(items) => template_choices(items, &kept)?,
    };
    Some(SubscriptionsSetting {
        main_switch,
        item_settings,
    })
}

/// WeChat's word for a subscription choice.
fn choice_word(choice: SubscribeChoice) -> &'static str {
    match choice {
        SubscribeChoice::Accept => "accept",
        SubscribeChoice::Reject => "reject",
        SubscribeChoice::Ban => "ban",
        SubscribeChoice::Filter => "filter",
    }
}

/// `{tmplId: word}` as choices, each word one of `allowed`'s.
fn template_choices(value: &Value, allowed: &[SubscribeChoice]) -> Option<Vec<TemplateChoice>> {
    value
        .as_object()?
        .iter()
        .map(|(tmpl_id, word)| {
            let word = word.as_str()?;
            let choice = *allowed.iter().find(|c| choice_word(**c) == word)?;
            Some(TemplateChoice {
                tmpl_id: tmpl_id.clone(),
                choice,
            })
        })
        .collect()
}

/// A settings page's subscription part as the bridge shows it (WeChat's
/// `subscriptionsSetting` shape).
pub fn subscriptions_json(setting: &SubscriptionsSetting) -> Value {
    let items: Map<String, Value> = setting
        .item_settings
        .iter()
        .map(|c| (c.tmpl_id.clone(), Value::from(choice_word(c.choice))))
        .collect();
    serde_json::json!({"mainSwitch": setting.main_switch, "itemSettings": items})
}

/// The answer to a settings page: `authSetting`, an object of scope: bool.
pub fn auth_setting(fields: &Map<String, Value>) -> Option<Vec<ScopeSetting>> {
    fields
        .get("authSetting")?
        .as_object()?
        .iter()
        .map(|(scope, granted)| {
            Some(ScopeSetting {
                scope: scope.clone(),
                title: String::new(),
                granted: granted.as_bool()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_of_line() {
        let call = parse_line(br#"{"id":1,"user":"u","app":"a","api":"getSetting","tap":true}"#)
            .unwrap()
            .unwrap();
        match call {
            Line::Call {
                id, caller, call, ..
            } => {
                assert_eq!(id.as_deref(), Some("1"));
                assert!(caller.user_gesture);
                assert_eq!(call.to_string(), r#"{"api":"getSetting"}"#);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_line(br#"{"id":2,"op":"maintenance"}"#).unwrap(),
            Some(Line::Op {
                id: Some("2".into()),
                op: Op::Maintenance
            })
        );
        assert_eq!(parse_line(b"   ").unwrap(), None);
        let err = parse_line(br#"{"id":3,"user":5,"app":"a","api":"x"}"#).unwrap_err();
        assert_eq!(err.id.as_deref(), Some("3"));
        assert_eq!(err.message, "user must be a string");
    }
}
