//! The JSON entry (SPEC §5, "Bridge"): one entry that takes a mini app's call as
//! JSON (`{"api": "...", "args": {...}}`) with the caller identity supplied by the
//! host, routes it to the engine, and answers with the §4 result JSON. Identity
//! in the payload is refused, never believed. (The CLI's JSON-lines `bridge`
//! command is a host built on it.)

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::caller::Caller;
use crate::dialect::{ApiResult, Failure};
use crate::engine::Engine;
use crate::main_safe::{authorize_from_memory, ensure_allowed_from_memory};
use crate::scopes::is_api_name;

/// The longest call JSON accepted, in bytes.
pub const MAX_CALL_BYTES: usize = 64 * 1024;

/// The name failures carry when the call's API cannot be read.
const UNREADABLE_API: &str = "bridge";

/// WeChat's name for a JSON value's type in parameter errors.
fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "Undefined",
        Some(Value::Null) => "Null",
        Some(Value::Bool(_)) => "Boolean",
        Some(Value::Number(_)) => "Number",
        Some(Value::String(_)) => "String",
        Some(Value::Array(_)) => "Array",
        Some(Value::Object(_)) => "Object",
    }
}

fn string_arg<'a>(args: &'a Map<String, Value>, name: &str) -> Result<&'a str, Failure> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s),
        other => Err(Failure::ParameterError(format!(
            "parameter.{name} should be String instead of {};",
            type_name(other)
        ))),
    }
}

/// `tmplIds`: an array (else a parameter error); an entry that is not a string
/// is an invalid template id (WeChat's 10004).
fn template_ids(args: &Map<String, Value>) -> Result<Vec<String>, Failure> {
    match args.get("tmplIds") {
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| match id {
                Value::String(s) => Ok(s.clone()),
                _ => Err(Failure::Subscribe(
                    crate::dialect::SubscribeError::InvalidTemplateId,
                )),
            })
            .collect(),
        other => Err(Failure::ParameterError(format!(
            "parameter.tmplIds should be Array instead of {};",
            type_name(other)
        ))),
    }
}

fn optional_string_arg<'a>(
    args: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        other => Err(Failure::ParameterError(format!(
            "parameter.{name} should be String instead of {};",
            type_name(other)
        ))),
    }
}

fn optional_bool_arg(args: &Map<String, Value>, name: &str) -> Result<bool, Failure> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        other => Err(Failure::ParameterError(format!(
            "parameter.{name} should be Boolean instead of {};",
            type_name(other)
        ))),
    }
}

/// A failure of the call named `api`, for a request that could not be understood.
fn refuse(api: &str, detail: String) -> (String, Failure) {
    (api.to_string(), Failure::InvalidRequest(detail))
}

/// Reads the call's text as JSON.
fn parse_text(call_json: &str) -> Result<Value, (String, Failure)> {
    if call_json.len() > MAX_CALL_BYTES {
        return Err(refuse(
            UNREADABLE_API,
            format!("larger than {MAX_CALL_BYTES} bytes"),
        ));
    }
    serde_json::from_str(call_json).map_err(|e| refuse(UNREADABLE_API, format!("not JSON ({e})")))
}

/// Reads `{"api", "args"}`; anything else (identity fields included) is refused.
fn parse_call(value: Value) -> Result<(String, Map<String, Value>), (String, Failure)> {
    let Value::Object(mut call) = value else {
        return Err(refuse(
            UNREADABLE_API,
            "the call must be a JSON object".into(),
        ));
    };
    let api = match call.remove("api") {
        Some(Value::String(api)) if is_api_name(&api) => api,
        Some(Value::String(_)) => {
            return Err(refuse(UNREADABLE_API, "api is not a valid API name".into()))
        }
        other => {
            return Err(refuse(
                UNREADABLE_API,
                format!(
                    "api should be String instead of {}",
                    type_name(other.as_ref())
                ),
            ))
        }
    };
    let args = match call.remove("args") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(args)) => args,
        Some(other) => {
            return Err(refuse(
                &api,
                format!(
                    "args should be Object instead of {}",
                    type_name(Some(&other))
                ),
            ))
        }
    };
    if let Some(field) = call.keys().next() {
        return Err(refuse(
            &api,
            format!("unexpected field {field:?} (the caller's identity comes from the host)"),
        ));
    }
    Ok((api, args))
}

/// A call read from JSON: its API and arguments, or the answer to bad input.
pub type ReadCall = Result<(String, Map<String, Value>), ApiResult>;

/// Reads one call given as JSON text. Never panics on any input.
pub fn read_text(call_json: &str) -> ReadCall {
    read_value(parse_text(call_json).map_err(|(api, failure)| ApiResult::failure(&api, &failure))?)
}

/// Reads one call already decoded from JSON (a host that parsed it, like the
/// CLI's JSON-lines bridge, does not serialise it again).
pub fn read_value(call: Value) -> ReadCall {
    parse_call(call).map_err(|(api, failure)| ApiResult::failure(&api, &failure))
}

/// The APIs [`answer`] routes by name; any other name is a guarded API's gate.
const NAMED_APIS: &[&str] = &[
    "authorize",
    "authorizeForMiniProgram",
    "getSetting",
    "openSetting",
    "getPrivacySetting",
    "requirePrivacyAuthorize",
    "openPrivacyContract",
    "requestSubscribeMessage",
    "agreePrivacyAuthorization",
];

/// The calls only the runtime makes, never a page script: the tap on a
/// rendered `<button open-type="agreePrivacyAuthorization">` is reported by
/// the runtime that rendered it (WeChat: only that button agrees). A bridge
/// carrying the page's own calls refuses them ([`refused_from_a_page`]).
const RUNTIME_ONLY_APIS: &[&str] = &["agreePrivacyAuthorization"];

/// A page script's call of a runtime-only API answers as an API the page
/// does not have (`api is not supported`, 100) — so a mini app cannot agree
/// for the user on any tap; `None` for every other call.
pub fn refused_from_a_page(api: &str) -> Option<ApiResult> {
    RUNTIME_ONLY_APIS
        .contains(&api)
        .then(|| ApiResult::failure(api, &Failure::UnsupportedApi))
}

/// The answer [`answer`] would give, told from memory without I/O, when it can
/// be: `authorize` the cache answers (or its missing scope), a guarded API's
/// gate allowing now. `None`:
/// [`answer`] must run (on the core's I/O threads).
pub fn answer_from_memory(
    engine: &Arc<Engine>,
    caller: &Caller,
    api: &str,
    args: &Map<String, Value>,
) -> Option<ApiResult> {
    if api == "authorize" {
        let scope = match string_arg(args, "scope") {
            Ok(scope) => scope,
            Err(failure) => return Some(ApiResult::failure(api, &failure)),
        };
        let outcome = authorize_from_memory(engine, caller, scope)?;
        return Some(ApiResult::from_outcome(api, outcome));
    }
    if NAMED_APIS.contains(&api) {
        return None;
    }
    ensure_allowed_from_memory(engine, caller, api).then(|| ApiResult::of_ensure(api, Ok(())))
}

/// Answers one call read by [`read_text`] or [`read_value`]; bad arguments
/// change nothing.
pub async fn answer(
    engine: &Engine,
    caller: &Caller,
    api: String,
    args: Map<String, Value>,
) -> ApiResult {
    let param = |result: Result<ApiResult, Failure>| match result {
        Ok(answer) => answer,
        Err(failure) => ApiResult::failure(&api, &failure),
    };
    match api.as_str() {
        "authorize" => param(match string_arg(&args, "scope") {
            Ok(scope) => Ok(engine.authorize(caller, scope).await),
            Err(f) => Err(f),
        }),
        "authorizeForMiniProgram" => param(match string_arg(&args, "scope") {
            Ok(scope) => Ok(engine.authorize_for_mini_program(caller, scope).await),
            Err(f) => Err(f),
        }),
        "getSetting" => param(match optional_bool_arg(&args, "withSubscriptions") {
            Ok(with) => Ok(engine.get_setting(caller, with).await),
            Err(f) => Err(f),
        }),
        "openSetting" => param(match optional_bool_arg(&args, "withSubscriptions") {
            Ok(with) => Ok(engine.open_setting(caller, with).await),
            Err(f) => Err(f),
        }),
        "getPrivacySetting" => engine.get_privacy_setting(caller).await,
        "requirePrivacyAuthorize" => engine.require_privacy_authorize(caller).await,
        "openPrivacyContract" => engine.open_privacy_contract(caller).await,
        "requestSubscribeMessage" => param(match template_ids(&args) {
            Ok(ids) => Ok(engine.request_subscribe_message(caller, &ids).await),
            Err(f) => Err(f),
        }),
        "agreePrivacyAuthorization" => param(match optional_string_arg(&args, "buttonId") {
            Ok(button) => Ok(engine.agree_privacy_authorization(caller, button).await),
            Err(f) => Err(f),
        }),
        guarded => engine.ensure(caller, guarded).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_identity_in_the_payload() {
        let (api, failure) =
            parse_text(r#"{"api":"authorize","args":{"scope":"scope.record"},"app":"wxB"}"#)
                .and_then(parse_call)
                .unwrap_err();
        assert_eq!(api, "authorize");
        assert!(failure.reason().contains("\"app\""), "{}", failure.reason());
    }

    #[test]
    fn parameter_errors_use_wechats_wording() {
        let args: Map<String, Value> = serde_json::from_str(r#"{"scope":5}"#).unwrap();
        assert_eq!(
            string_arg(&args, "scope").unwrap_err().reason(),
            "parameter error: parameter.scope should be String instead of Number;"
        );
        assert_eq!(
            string_arg(&Map::new(), "scope").unwrap_err().reason(),
            "parameter error: parameter.scope should be String instead of Undefined;"
        );
    }
}
