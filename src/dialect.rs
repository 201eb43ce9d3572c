//! The WeChat result dialect (SPEC §4): every answer is a JSON object whose
//! `errMsg` is `"<api>:ok"` or `"<api>:fail <reason>"`, with `errno` on failure.
//! The reason strings and errno numbers here are the contract mini apps compare
//! against; the errno table of `docs/behaviour.md` mirrors [`Failure::errno`] and never
//! changes.

use serde_json::{Map, Value};

use crate::consent_ui::SubscribeFailure;

/// Why a mini-app call failed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Failure {
    /// The user denied the scope (now or earlier: a denial is sticky).
    AuthDeny,
    /// The user dismissed the dialog; the scope stays unasked.
    AuthCanceled,
    /// The scope name is not in the catalogue.
    InvalidScope,
    /// The manifest lacks the purpose string the scope needs.
    RequirePermissionDesc,
    /// The user has not agreed to (or disagreed with) the privacy contract.
    PrivacyNotAuthorized,
    /// The privacy contract does not declare the scope.
    NotDeclaredInPrivacy,
    /// The host app itself lacks the OS permission behind the scope.
    SystemPermissionDenied,
    /// The API needs a user tap (`openSetting`).
    NeedsUserGesture,
    /// `authorizeForMiniProgram` with a scope plugins may not request.
    NotSupportedForPlugin(String),
    /// The scope can only be granted on the settings page.
    SettingsOnly,
    /// The API is a private-info API missing from `requiredPrivateInfos`.
    NotInRequiredPrivateInfos,
    /// `authorizeForMiniProgram` called without a plugin identity.
    PluginOnly,
    /// `openPrivacyContract` for an app without a privacy contract.
    NoPrivacyContract,
    /// An argument had the wrong type or was missing (WeChat's wording).
    ParameterError(String),
    /// The bridge does not know this API.
    UnsupportedApi,
    /// The call JSON could not be understood.
    InvalidRequest(String),
    /// The caller identity the host supplied is not acceptable.
    InvalidCaller(String),
    /// The host's dialog failed (threw, or was torn down) before an answer.
    HostDialogFailed,
    /// The decision could not be read or made durable; nothing was granted.
    StorageUnavailable,
    /// The host did not answer the dialog within the configured time.
    DialogTimedOut,
    /// The dialog was answered after its app's run ended, or after the app was
    /// reset or its user forgotten (here or in another process): nothing was
    /// stored.
    DialogOutlivedItsRun,
    /// The host closed the engine (`close`/`shutdown`) before or while the call
    /// ran: its dialog, if one was open, was taken down; nothing was decided.
    EngineClosed,
    /// The host cancelled the call (a Swift `Task`, through
    /// [`crate::CallCancellation`]): its dialog was taken down; nothing was decided.
    CancelledByHost,
    /// The dismissal embargo ([`crate::embargo`]): the user dismissed the dialog
    /// too often; it is not shown for a while.
    UnderDismissalEmbargo,
    /// `requestSubscribeMessage` failed with one of WeChat's `errCode`s
    /// ([`SubscribeError`]).
    Subscribe(SubscribeError),
}

/// `requestSubscribeMessage`'s failures, with WeChat's `errCode`s and texts
/// (developers.weixin.qq.com …/api/open-api/subscribe-message/wx.requestSubscribeMessage.md,
/// the table "错误码": `errCode`, `errMsg`, 说明).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscribeError {
    /// 10001: `tmplIds` is empty.
    EmptyTemplateIds,
    /// 10004: a template id is not a template id.
    InvalidTemplateId,
    /// 20003: more templates than one call may ask about.
    TooManyTemplates,
    /// 20004: the user turned the app's subscription messages off.
    MainSwitchOff,
    /// 20005: the host's server bans the app from subscription messages.
    AppBanned,
    /// 10002, 10003, 10005, 20001, 20002, 20013: what the host's server or UI
    /// reports ([`SubscribeAnswer::Failed`](crate::SubscribeAnswer::Failed)).
    Host(SubscribeFailure),
}

impl From<SubscribeFailure> for SubscribeError {
    fn from(failure: SubscribeFailure) -> SubscribeError {
        SubscribeError::Host(failure)
    }
}

impl SubscribeError {
    /// WeChat's `errCode` (also the `errno`).
    pub fn code(self) -> i32 {
        match self {
            SubscribeError::EmptyTemplateIds => 10001,
            SubscribeError::InvalidTemplateId => 10004,
            SubscribeError::TooManyTemplates => 20003,
            SubscribeError::MainSwitchOff => 20004,
            SubscribeError::AppBanned => 20005,
            SubscribeError::Host(failure) => match failure {
                SubscribeFailure::RequestListFailed => 10002,
                SubscribeFailure::RequestSubscribeFailed => 10003,
                SubscribeFailure::CannotShowUi => 10005,
                SubscribeFailure::NoTemplateData => 20001,
                SubscribeFailure::TemplateTypesMixed => 20002,
                SubscribeFailure::DeviceMessageTemplate => 20013,
            },
        }
    }

    fn reason(self) -> &'static str {
        match self {
            SubscribeError::EmptyTemplateIds => "TmplIds can't be empty",
            SubscribeError::InvalidTemplateId => "Invalid template id",
            SubscribeError::TooManyTemplates => "Templates count out of max bounds",
            SubscribeError::MainSwitchOff => "The main switch is switched off",
            SubscribeError::AppBanned => "This mini program was banned from subscribing messages",
            SubscribeError::Host(failure) => match failure {
                SubscribeFailure::RequestListFailed => "Request list fail",
                SubscribeFailure::RequestSubscribeFailed => "Request subscribe fail",
                SubscribeFailure::CannotShowUi => "Cannot show subscribe message UI",
                SubscribeFailure::NoTemplateData => {
                    "No template data return, verify the template id exist"
                }
                SubscribeFailure::TemplateTypesMixed => "Templates type must be same",
                SubscribeFailure::DeviceMessageTemplate => "Reject DeviceMsg Template",
            },
        }
    }
}

impl Failure {
    /// The text after `"<api>:fail "`.
    pub fn reason(&self) -> String {
        match self {
            Failure::AuthDeny => "auth deny".into(),
            Failure::AuthCanceled => "auth canceled".into(),
            Failure::InvalidScope => "invalid scope".into(),
            Failure::RequirePermissionDesc => "require permission desc".into(),
            Failure::PrivacyNotAuthorized => "privacy permission is not authorized".into(),
            Failure::NotDeclaredInPrivacy => {
                "api scope is not declared in the privacy agreement".into()
            }
            Failure::SystemPermissionDenied => "system permission denied".into(),
            Failure::NeedsUserGesture => "can only be invoked by user TAP gesture.".into(),
            Failure::Subscribe(error) => error.reason().into(),
            Failure::NotSupportedForPlugin(scope) => {
                format!("scope \"{scope}\" is not supported to be authorized by plugin")
            }
            Failure::SettingsOnly => "scope can only be granted in the settings page".into(),
            Failure::NotInRequiredPrivateInfos => {
                "the api need to be declared in the requiredPrivateInfos field in app.json/ext.json"
                    .into()
            }
            Failure::PluginOnly => "can only be invoked by plugin".into(),
            Failure::NoPrivacyContract => "no privacy contract".into(),
            Failure::ParameterError(detail) => format!("parameter error: {detail}"),
            Failure::UnsupportedApi => "api is not supported".into(),
            Failure::InvalidRequest(detail) => format!("invalid request: {detail}"),
            Failure::InvalidCaller(detail) => format!("invalid caller: {detail}"),
            Failure::HostDialogFailed => "host dialog failed".into(),
            Failure::StorageUnavailable => "storage unavailable".into(),
            Failure::DialogTimedOut => "dialog timed out".into(),
            Failure::DialogOutlivedItsRun => "dialog outlived its run: the app's run ended, or the app or user was removed, before the answer".into(),
            Failure::EngineClosed => "engine closed".into(),
            Failure::CancelledByHost => "cancelled by the host".into(),
            Failure::UnderDismissalEmbargo => {
                "auth canceled: not asking again for a while after repeated dismissals".into()
            }
        }
    }

    /// The documented errno (`docs/behaviour.md`, "errno table").
    pub fn errno(&self) -> i32 {
        match self {
            Failure::AuthDeny => 103,
            Failure::PrivacyNotAuthorized => 104,
            Failure::NotDeclaredInPrivacy => 112,
            Failure::AuthCanceled => 1101,
            Failure::InvalidScope => 1102,
            Failure::RequirePermissionDesc => 1103,
            // WeChat's general errno table (PublicErrno): 3 "system permission denied".
            Failure::SystemPermissionDenied => 3,
            Failure::NeedsUserGesture => 1105,
            Failure::NotSupportedForPlugin(_) => 1106,
            Failure::SettingsOnly => 1107,
            Failure::NotInRequiredPrivateInfos => 1108,
            Failure::PluginOnly => 1109,
            Failure::NoPrivacyContract => 1110,
            // WeChat: 1001 "invalid request parameter", 100 "jsapi not supported",
            // 101 "jsapi invalid request data".
            Failure::ParameterError(_) => 1001,
            Failure::UnsupportedApi => 100,
            Failure::InvalidRequest(_) => 101,
            Failure::InvalidCaller(_) => 1204,
            Failure::HostDialogFailed => 1301,
            Failure::StorageUnavailable => 1302,
            // WeChat: 5 "time out".
            Failure::DialogTimedOut => 5,
            Failure::DialogOutlivedItsRun => 1304,
            // 1303 was "dialog timed out" until it took WeChat's 5: never reused.
            Failure::EngineClosed => 1305,
            Failure::CancelledByHost => 1306,
            Failure::UnderDismissalEmbargo => 1111,
            Failure::Subscribe(error) => error.code(),
        }
    }
}

/// The answer to one mini-app call, ready to hand to the mini app.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ApiResult {
    /// Whether `errMsg` ends in `:ok` (the mini app's `success` callback runs).
    pub ok: bool,
    /// `"<api>:ok"` or `"<api>:fail <reason>"`, byte-exact WeChat.
    pub err_msg: String,
    /// The errno on failure.
    pub errno: Option<i32>,
    /// The whole result object as JSON (`errMsg` first), to pass to the mini app.
    pub json: String,
}

impl ApiResult {
    /// `{"errMsg":"<api>:ok", ...extra}`.
    pub fn success(api: &str, extra: Map<String, Value>) -> ApiResult {
        let mut err_msg = String::with_capacity(api.len() + 3);
        err_msg.push_str(api);
        err_msg.push_str(":ok");
        let json = if extra.is_empty() {
            // The hot path (`authorize`): no object to build.
            json_object_with_err_msg(&err_msg)
        } else {
            let mut object = Map::new();
            object.insert("errMsg".into(), Value::String(err_msg.clone()));
            object.extend(extra);
            Value::Object(object).to_string()
        };
        ApiResult {
            ok: true,
            err_msg,
            errno: None,
            json,
        }
    }

    /// `{"errMsg":"<api>:fail <reason>","errno":N}`.
    pub fn failure(api: &str, failure: &Failure) -> ApiResult {
        let err_msg = format!("{api}:fail {}", failure.reason());
        let errno = failure.errno();
        let mut object = Map::new();
        object.insert("errMsg".into(), Value::String(err_msg.clone()));
        if let Failure::Subscribe(error) = failure {
            // WeChat reports these as `errCode`.
            object.insert("errCode".into(), Value::from(error.code()));
        }
        object.insert("errno".into(), Value::from(errno));
        ApiResult {
            ok: false,
            err_msg,
            errno: Some(errno),
            json: Value::Object(object).to_string(),
        }
    }

    /// `success` with the fields of `Ok`, `failure` for `Err`.
    pub fn from_fields(api: &str, outcome: Result<Map<String, Value>, Failure>) -> ApiResult {
        match outcome {
            Ok(extra) => ApiResult::success(api, extra),
            Err(f) => ApiResult::failure(api, &f),
        }
    }

    /// `success` (no extra fields) for `Ok`, `failure` for `Err`.
    pub fn from_outcome(api: &str, outcome: Result<(), Failure>) -> ApiResult {
        Self::from_fields(api, outcome.map(|()| Map::new()))
    }

    /// A guarded API's gate (`ensure`), answering in the API's name (a
    /// button's in its event's: [`crate::privacy_interfaces::answer_name`]) —
    /// or in `ensure`'s, when the name from outside the catalogue does not look
    /// like an API name (it is echoed only then).
    pub fn of_ensure(api: &str, outcome: Result<(), Failure>) -> ApiResult {
        let shown = if crate::scopes::is_api_name(api) {
            crate::privacy_interfaces::answer_name(api)
        } else {
            "ensure"
        };
        Self::from_outcome(shown, outcome)
    }
}

/// `{"errMsg":<err_msg as a JSON string>}`, without building a JSON value when
/// the message needs no escaping (API names are plain ASCII).
fn json_object_with_err_msg(err_msg: &str) -> String {
    const OPEN: &str = "{\"errMsg\":\"";
    const CLOSE: &str = "\"}";
    let plain = err_msg
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
    if !plain {
        return format!("{{\"errMsg\":{}}}", Value::String(err_msg.to_string()));
    }
    let mut json = String::with_capacity(OPEN.len() + err_msg.len() + CLOSE.len());
    json.push_str(OPEN);
    json.push_str(err_msg);
    json.push_str(CLOSE);
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_are_byte_exact() {
        assert_eq!(
            ApiResult::success("authorize", Map::new()).json,
            r#"{"errMsg":"authorize:ok"}"#
        );
        let mut extra = Map::new();
        extra.insert("authSetting".into(), Value::Object(Map::new()));
        assert_eq!(
            ApiResult::success("getSetting", extra).json,
            r#"{"errMsg":"getSetting:ok","authSetting":{}}"#
        );
        // The object-free path escapes like the object path.
        assert_eq!(
            ApiResult::success("a\"b\\c\u{7}é", Map::new()).json,
            r#"{"errMsg":"a\"b\\c\u0007é:ok"}"#
        );
        assert_eq!(
            ApiResult::failure("authorize", &Failure::AuthDeny).json,
            r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
        );
        assert_eq!(
            ApiResult::failure(
                "authorizeForMiniProgram",
                &Failure::NotSupportedForPlugin("scope.userLocation".into())
            )
            .err_msg,
            r#"authorizeForMiniProgram:fail scope "scope.userLocation" is not supported to be authorized by plugin"#
        );
    }
}
