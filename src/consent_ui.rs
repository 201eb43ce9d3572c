//! The host's side of the conversation (SPEC §5): the [`ConsentUi`] the host
//! implements with its own native dialogs, the optional [`OsPermissionProbe`], and
//! the records that carry everything a dialog needs to render.
//!
//! The engine never calls these while holding a lock. A method that returns an
//! error (a thrown exception in Kotlin/Swift) completes the mini app's call with a
//! failure and grants nothing; a call whose future is dropped (a cancelled
//! coroutine or Task) releases everything it held.

use crate::caller::Caller;
use crate::error::HostError;
use crate::manifest::{Manifest, PrivacyContract};
use crate::policy::{ConsentDecision, OsPermissionStatus, PrivacyDecision};
use crate::scopes::{OsPermission, ScopeDefinition};

/// A consent dialog for one scope.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScopeRequest {
    /// The signed-in user.
    pub user_id: String,
    /// The mini app.
    pub app_id: String,
    /// The plugin asking, when a plugin asks.
    pub plugin_id: Option<String>,
    /// The app's display name (the app id when the manifest has none).
    pub app_name: String,
    /// The scope, e.g. `scope.record`.
    pub scope: String,
    /// The scope's title, e.g. "Microphone".
    pub scope_title: String,
    /// What the scope allows.
    pub scope_description: String,
    /// The app's purpose string for this scope, if its manifest gives one.
    pub purpose: Option<String>,
    /// The API that triggered the dialog (`authorize`, `getLocation`, ...).
    pub api: String,
    /// The privacy contract to agree to on this dialog (a checkbox), when the
    /// host asked for the combined dialog (`EngineConfig::combined_privacy_dialog`)
    /// and the user has not agreed to it yet: set only in the request of
    /// [`ConsentUi::ask_scope_with_privacy`], `None` in [`ConsentUi::ask_scope`]'s.
    pub privacy_contract: Option<ContractToAgree>,
}

impl ScopeRequest {
    /// The consent dialog about `scope` for `caller`, triggered by `api`, with
    /// the contract to agree to on it (`privacy_contract`, a combined dialog).
    pub(crate) fn new(
        caller: &Caller,
        manifest: &Manifest,
        scope: &ScopeDefinition,
        api: &str,
        privacy_contract: Option<ContractToAgree>,
    ) -> ScopeRequest {
        ScopeRequest {
            user_id: caller.user_id.clone(),
            app_id: caller.app_id.clone(),
            plugin_id: caller.plugin_id.clone(),
            app_name: manifest.display_name(&caller.app_id),
            scope: scope.name.clone(),
            scope_title: scope.title.clone(),
            scope_description: scope.description.clone(),
            purpose: manifest.purpose(&scope.name).map(str::to_string),
            api: api.to_string(),
            privacy_contract,
        }
    }
}

/// The privacy contract a combined consent dialog asks the user to agree to
/// (WeChat's "隐私勾选" on the authorization dialog, base library 3.4.2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContractToAgree {
    /// The contract's name (the host shows it next to the checkbox).
    pub contract_name: String,
    /// The contract's version.
    pub contract_version: String,
}

impl From<&PrivacyContract> for ContractToAgree {
    fn from(contract: &PrivacyContract) -> Self {
        ContractToAgree {
            contract_name: contract.contract_name.clone(),
            contract_version: contract.version.clone(),
        }
    }
}

/// The answer to a combined consent dialog: the decision about the scope and
/// whether the user ticked the privacy contract's checkbox. An allow counts
/// only with the checkbox ticked (WeChat's allow button needs it): an allow
/// without it grants nothing (docs/behaviour.md, "The combined dialog").
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct CombinedDecision {
    /// The decision about the scope.
    pub decision: ConsentDecision,
    /// Whether the user ticked "I agree to the privacy contract".
    pub agree_privacy: bool,
}

/// One row of the settings page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScopeSetting {
    /// The scope.
    pub scope: String,
    /// Its title.
    pub title: String,
    /// Whether the switch is on.
    pub granted: bool,
}

/// The settings page of one app.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SettingsRequest {
    /// The signed-in user.
    pub user_id: String,
    /// The mini app.
    pub app_id: String,
    /// The plugin whose settings these are, if any.
    pub plugin_id: Option<String>,
    /// The app's display name.
    pub app_name: String,
    /// The switches, as they stand now.
    pub items: Vec<ScopeSetting>,
    /// With `openSetting({withSubscriptions: true})`: the app's subscription
    /// messages — the main switch and the kept choices — to show and switch too.
    pub subscriptions: Option<SubscriptionsSetting>,
}

/// The subscription part of a settings page: the main switch and the choices
/// the user kept (accept or reject; taking one off the list means "ask again").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SubscriptionsSetting {
    /// Whether the app may ask at all.
    pub main_switch: bool,
    /// The kept choices (`Accept` or `Reject`).
    pub item_settings: Vec<TemplateChoice>,
}

/// What the user left the settings page at.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SettingsAnswer {
    /// The switches.
    pub items: Vec<ScopeSetting>,
    /// The subscription part, when the page showed one (`None` keeps it as it was).
    pub subscriptions: Option<SubscriptionsSetting>,
}

impl SettingsAnswer {
    /// The page left as it was shown.
    pub fn unchanged(request: &SettingsRequest) -> SettingsAnswer {
        SettingsAnswer {
            items: request.items.clone(),
            subscriptions: request.subscriptions.clone(),
        }
    }
}

/// One `requestSubscribeMessage` call the user is asked about: the templates
/// without a kept choice.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SubscribeRequest {
    /// The signed-in user.
    pub user_id: String,
    /// The mini app.
    pub app_id: String,
    /// The app's display name.
    pub app_name: String,
    /// The template ids to choose for, in the mini app's order.
    pub tmpl_ids: Vec<String>,
}

/// What became of one template (WeChat's result words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SubscribeChoice {
    /// The user accepted: the app may send one message of it.
    Accept,
    /// The user rejected it.
    Reject,
    /// The host's server banned the template.
    Ban,
    /// The host's server filtered it out (a template of the same title).
    Filter,
}

/// The choice for one template.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TemplateChoice {
    /// The template id.
    pub tmpl_id: String,
    /// What became of it.
    pub choice: SubscribeChoice,
}

/// The host's answer to a subscribe dialog.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SubscribeAnswer {
    /// Per template (a template left out counts as rejected); `keep`: the user
    /// ticked "always keep this choice" — accepted and rejected templates are
    /// answered from it from then on, without a dialog.
    Chosen {
        /// The choices.
        choices: Vec<TemplateChoice>,
        /// "Always keep this choice, don't ask again."
        keep: bool,
    },
    /// The host's server bans the app from subscription messages (errCode 20005).
    AppBanned,
    /// The host fails the call with one of WeChat's codes only its server can
    /// know of (SPEC §4): the mini app's `fail` gets WeChat's `errMsg` and
    /// `errCode`. Not the user's decision: nothing is kept or recorded, and
    /// the next call asks again.
    Failed {
        /// Which of WeChat's failures.
        failure: SubscribeFailure,
    },
}

/// A `requestSubscribeMessage` failure the host reports
/// ([`SubscribeAnswer::Failed`]): WeChat's codes that depend on its server or
/// its UI (developers.weixin.qq.com …/wx.requestSubscribeMessage.md, "错误码").
/// The core's own checks (10001, 10004, 20003, 20004) are not among them, nor
/// the app ban (20005, [`SubscribeAnswer::AppBanned`]). The text and code each
/// answers with are in [`crate::dialect`]. Open: a release may add a code
/// WeChat documents (a `match` over it needs a `_` arm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum SubscribeFailure {
    /// 10002: fetching the template list failed (WeChat: "网络问题，请求消息列表失败").
    RequestListFailed,
    /// 10003: sending the subscription failed (WeChat: "网络问题，订阅请求发送失败").
    RequestSubscribeFailed,
    /// 10005: the dialog cannot be shown, e.g. the app went to the background
    /// (WeChat: "无法展示 UI，一般是小程序这个时候退后台了导致的").
    CannotShowUi,
    /// 20001: no such template, or not of the kind asked for (WeChat: "没有模板数据").
    NoTemplateData,
    /// 20002: one-time and long-term templates in one call (WeChat: "模板消息类型
    /// 既有一次性的又有永久的").
    TemplateTypesMixed,
    /// 20013: a device-message template, which this API may not subscribe to
    /// (WeChat: "不允许通过该接口订阅设备消息").
    DeviceMessageTemplate,
}

impl SubscribeFailure {
    /// Every failure a host may report.
    pub const ALL: [SubscribeFailure; 6] = [
        SubscribeFailure::RequestListFailed,
        SubscribeFailure::RequestSubscribeFailed,
        SubscribeFailure::CannotShowUi,
        SubscribeFailure::NoTemplateData,
        SubscribeFailure::TemplateTypesMixed,
        SubscribeFailure::DeviceMessageTemplate,
    ];

    /// WeChat's `errCode` for it.
    pub fn err_code(self) -> u32 {
        crate::dialect::SubscribeError::from(self)
            .code()
            .unsigned_abs()
    }

    /// The failure WeChat's `errCode` names, or `None` for a code a host may
    /// not report (unknown, one of the core's own checks, or 20005).
    pub fn from_err_code(err_code: u32) -> Option<SubscribeFailure> {
        Self::ALL.into_iter().find(|f| f.err_code() == err_code)
    }
}

/// A privacy-contract prompt or display.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PrivacyRequest {
    /// The signed-in user.
    pub user_id: String,
    /// The mini app.
    pub app_id: String,
    /// The app's display name.
    pub app_name: String,
    /// The contract's name.
    pub contract_name: String,
    /// The contract's version.
    pub contract_version: String,
    /// The API that needs the agreement (`authorize`, `getLocation`,
    /// `requirePrivacyAuthorize`, …): WeChat's `eventInfo.referrer`, which a
    /// host passes on when it lets the mini app's own popup ask
    /// (`MiniAppAuth.dispatchNeedPrivacyAuthorization`).
    pub referrer: String,
}

impl PrivacyRequest {
    /// The prompt or display of `contract`, the privacy contract of `manifest`,
    /// for `caller`, triggered by `api`.
    pub(crate) fn new(
        caller: &Caller,
        manifest: &Manifest,
        contract: &PrivacyContract,
        api: &str,
    ) -> PrivacyRequest {
        PrivacyRequest {
            user_id: caller.user_id.clone(),
            app_id: caller.app_id.clone(),
            app_name: manifest.display_name(&caller.app_id),
            contract_name: contract.contract_name.clone(),
            contract_version: contract.version.clone(),
            referrer: api.to_string(),
        }
    }
}

/// The host's native dialogs. Implemented in Kotlin (`suspend fun`) or Swift
/// (`async`); each answer completes a waiting mini-app call.
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait ConsentUi: Send + Sync {
    /// Asks the user about one scope for one app.
    async fn ask_scope(&self, request: ScopeRequest) -> Result<ConsentDecision, HostError>;
    /// Asks the user about one scope for one app and, on the same dialog, to
    /// agree to the app's privacy contract (`request.privacy_contract`, shown
    /// as a checkbox): only with `EngineConfig::combined_privacy_dialog`.
    async fn ask_scope_with_privacy(
        &self,
        request: ScopeRequest,
    ) -> Result<CombinedDecision, HostError>;
    /// Shows the app's settings page; returns the switches (and, when shown, the
    /// subscription part) as the user left them.
    async fn show_settings(&self, request: SettingsRequest) -> Result<SettingsAnswer, HostError>;
    /// Asks the user to agree to the app's privacy contract.
    async fn ask_privacy(&self, request: PrivacyRequest) -> Result<PrivacyDecision, HostError>;
    /// Shows the app's privacy contract; returns when the user closes it.
    async fn show_privacy_contract(&self, request: PrivacyRequest) -> Result<(), HostError>;
    /// Asks the user about the templates of one `requestSubscribeMessage` call
    /// (only those without a kept choice); the host marks templates its server
    /// bans or filters.
    async fn ask_subscribe(&self, request: SubscribeRequest) -> Result<SubscribeAnswer, HostError>;
}

/// Optional: reports whether the host app itself holds an OS permission.
#[uniffi::export(foreign)]
pub trait OsPermissionProbe: Send + Sync {
    /// The host's current OS-level state of `permission`.
    fn status(&self, permission: OsPermission) -> Result<OsPermissionStatus, HostError>;
}

/// A `ConsentUi` for processes that never show dialogs (administration tools):
/// every dialog fails, so nothing is ever granted through it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDialogs;

#[async_trait::async_trait]
impl ConsentUi for NoDialogs {
    async fn ask_scope(&self, _request: ScopeRequest) -> Result<ConsentDecision, HostError> {
        Err(no_dialogs())
    }
    async fn ask_scope_with_privacy(
        &self,
        _request: ScopeRequest,
    ) -> Result<CombinedDecision, HostError> {
        Err(no_dialogs())
    }
    async fn show_settings(&self, _request: SettingsRequest) -> Result<SettingsAnswer, HostError> {
        Err(no_dialogs())
    }
    async fn ask_privacy(&self, _request: PrivacyRequest) -> Result<PrivacyDecision, HostError> {
        Err(no_dialogs())
    }
    async fn show_privacy_contract(&self, _request: PrivacyRequest) -> Result<(), HostError> {
        Err(no_dialogs())
    }
    async fn ask_subscribe(
        &self,
        _request: SubscribeRequest,
    ) -> Result<SubscribeAnswer, HostError> {
        Err(no_dialogs())
    }
}

fn no_dialogs() -> HostError {
    HostError::Failed {
        reason: "this process shows no dialogs".into(),
    }
}
