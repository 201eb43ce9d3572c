//! What WeChat does not offer plugins (SPEC §4 "(plugins)"), kept in the core
//! so that every host and binding gets it: `wx.authorize` ("在插件中使用：不支持";
//! a plugin asks with `authorizeForMiniProgram`, developers.weixin.qq.com
//! …/api/open-api/authorize/wx.authorize.html) and subscription messages
//! (wx.getSetting: `withSubscriptions` has no effect in plugins, "插件暂无订阅消息",
//! and `miniprogramAuthSetting` holds no subscription state). The guarded APIs,
//! `authorizeForMiniProgram`, getSetting and openSetting stay available.

use crate::caller::Caller;
use crate::dialect::Failure;

/// The mini-app APIs a plugin does not have.
const ABSENT_IN_PLUGINS: &[&str] = &["authorize", "requestSubscribeMessage"];

/// `Err(UnsupportedApi)` (errno 100) when `caller` is a plugin and `api` is one
/// WeChat does not offer plugins; asked before anything else is looked at, so
/// such a call shows no dialog and changes nothing.
pub(crate) fn offered_to(caller: &Caller, api: &str) -> Result<(), Failure> {
    if caller.plugin_id.is_some() && ABSENT_IN_PLUGINS.contains(&api) {
        return Err(Failure::UnsupportedApi);
    }
    Ok(())
}

/// Whether getSetting/openSetting show subscription state for `caller` when it
/// asked for it (`with_subscriptions`): never for a plugin.
pub(crate) fn shows_subscriptions(caller: &Caller, with_subscriptions: bool) -> bool {
    with_subscriptions && caller.plugin_id.is_none()
}
