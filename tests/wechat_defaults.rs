//! WeChat's defaults (issue #12, SPEC §2, §4, §9), each checked against the
//! official behaviour it follows (sources in the test names' comments).

mod common;

use common::*;
use miniapp_auth::{EngineConfig, HostError, OsPermission, OsPermissionProbe, OsPermissionStatus};

/// getSetting reports `"scope.userInfo": true` always — WeChat since the
/// 2021-04 getUserInfo change ("若开发者调用wx.getSetting接口请求用户的授权状态，
/// 会直接读取到scope.userInfo为true", developers.weixin.qq.com/community/develop/doc/000cacfa20ce88df04cb468bc52801);
/// the classic login template branches on it.
#[test]
fn get_setting_always_reports_user_info_true() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    let setting = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert_eq!(
        auth_setting(&setting.json)["scope.userInfo"],
        true,
        "{}",
        setting.json
    );
    // Also from a plugin, and for an app never seen.
    let plugin = block_on(engine.get_setting(caller("u2", "wxNew").with_plugin("p1"), false));
    assert_eq!(
        auth_setting(&plugin.json)["scope.userInfo"],
        true,
        "{}",
        plugin.json
    );
}

/// Since 2022-06-13 chooseLocation and choosePoi "将不再需要用户授权
/// scope.userLocation" (developers.weixin.qq.com/community/develop/doc/0008884ad0c4a860e6ed4f5d256001),
/// but must still be declared in requiredPrivateInfos (…/000a02f2c5026891650e7f40351c01).
#[test]
fn choose_location_and_choose_poi_need_no_location_grant_since_2022_06_13() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest(
            "wxA".into(),
            r#"{"requiredPrivateInfos":["chooseLocation","choosePoi"]}"#.into(),
        )
        .unwrap();
    let me = caller("u1", "wxA");
    for api in ["chooseLocation", "choosePoi"] {
        assert_eq!(
            block_on(engine.ensure(me.clone(), api.into())).json,
            format!(r#"{{"errMsg":"{api}:ok"}}"#)
        );
    }
    assert_eq!(ui.dialogs(), 0, "no location dialog");
    // Not declared: still refused.
    let undeclared = block_on(engine.ensure(caller("u1", "wxB"), "chooseLocation".into()));
    assert!(!undeclared.ok, "{}", undeclared.json);
    // A location denial does not stop them either.
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            None,
            "scope.userLocation".into(),
            false,
        )
        .unwrap();
    assert!(block_on(engine.ensure(me, "chooseLocation".into())).ok);
}

/// A `permission` desc is required for fuzzy and background location as for
/// precise location (WeChat's authorize guide: "需要授权 scope.userLocation、
/// scope.userLocationBackground 时必须配置地理位置用途说明"; fuzzy location likewise).
#[test]
fn fuzzy_and_background_location_need_a_purpose_string() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    let me = caller("u1", "wxA");
    for scope in ["scope.userFuzzyLocation", "scope.userLocationBackground"] {
        assert_eq!(
            block_on(engine.authorize(me.clone(), scope.into())).json,
            r#"{"errMsg":"authorize:fail require permission desc","errno":1103}"#,
            "{scope}"
        );
    }
    assert_eq!(ui.dialogs(), 0);
    engine
        .register_manifest(
            "wxA".into(),
            r#"{"permission":{"scope.userFuzzyLocation":{"desc":"Shops near you"}}}"#.into(),
        )
        .unwrap();
    assert!(block_on(engine.authorize(me, "scope.userFuzzyLocation".into())).ok);
    assert_eq!(
        ui.scope_dialogs()[0].purpose.as_deref(),
        Some("Shops near you")
    );
}

/// addPhoneCalendar and addPhoneRepeatCalendar: "限制：仅在点击行为时调用"
/// (…/api/device/calendar/wx.addPhoneCalendar.md, wx.addPhoneRepeatCalendar.md).
#[test]
fn calendar_apis_need_a_tap() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    for api in ["addPhoneCalendar", "addPhoneRepeatCalendar"] {
        assert_eq!(
            block_on(engine.ensure(caller("u1", "wxA"), api.into())).json,
            format!(
                r#"{{"errMsg":"{api}:fail can only be invoked by user TAP gesture.","errno":1105}}"#
            )
        );
    }
    assert_eq!(ui.dialogs(), 0);
    assert!(block_on(engine.ensure(caller("u1", "wxA").with_tap(), "addPhoneCalendar".into())).ok);
    assert!(
        block_on(engine.ensure(
            caller("u1", "wxA").with_tap(),
            "addPhoneRepeatCalendar".into()
        ))
        .ok,
        "one grant covers both"
    );
    assert_eq!(ui.dialogs(), 1);
}

/// WeChat has no dismissal embargo: a dismissed dialog is asked again next
/// time, however often (the embargo is a host policy, off by default).
#[test]
fn dismissals_never_bar_a_prompt_by_default() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Dismiss; 6]);
    let engine = db.open(ui.clone());
    assert_eq!(EngineConfig::default().max_dismissals, 0);
    for _ in 0..6 {
        assert_eq!(
            block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json,
            r#"{"errMsg":"authorize:fail auth canceled","errno":1101}"#
        );
    }
    assert_eq!(ui.dialogs(), 6);
}

struct NoMicrophone;
impl OsPermissionProbe for NoMicrophone {
    fn status(&self, permission: OsPermission) -> Result<OsPermissionStatus, HostError> {
        Ok(match permission {
            OsPermission::Microphone => OsPermissionStatus::Denied,
            _ => OsPermissionStatus::Granted,
        })
    }
}

/// WeChat's published errno numbers where it has one for the meaning
/// (PublicErrno: 3 system permission denied, 5 time out, 100 not supported,
/// 101 invalid request data, 1001 invalid request parameter).
#[test]
fn wechat_errno_numbers_where_wechat_has_one() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Hold]);
    let config = EngineConfig {
        dialog_timeout_ms: 50,
        ..EngineConfig::default()
    };
    let engine = db.open_with(ui.clone(), config);
    engine.set_os_permission_probe(Some(std::sync::Arc::new(NoMicrophone)));
    let me = caller("u1", "wxA");
    assert_eq!(
        block_on(engine.authorize(me.clone(), "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail system permission denied","errno":3}"#
    );
    let timed_out = block_on(engine.authorize(me.clone(), "scope.camera".into()));
    assert_eq!(timed_out.errno, Some(5), "{}", timed_out.json);
    let unsupported =
        block_on(engine.handle(me.clone(), r#"{"api":"makeCoffee","args":{}}"#.into()));
    assert!(unsupported.contains(r#""errno":100"#), "{unsupported}");
    let bad_request = block_on(engine.handle(me.clone(), "[1,2]".into()));
    assert!(bad_request.contains(r#""errno":101"#), "{bad_request}");
    let bad_parameter =
        block_on(engine.handle(me, r#"{"api":"authorize","args":{"scope":7}}"#.into()));
    assert!(bad_parameter.contains(r#""errno":1001"#), "{bad_parameter}");
}

/// From a plugin, getSetting's `authSetting` is the plugin's and
/// `miniprogramAuthSetting` the host app's ("2.14.0 起返回值中有
/// miniprogramAuthSetting 字段，内容等于当前小程序 getSetting 的结果（不含订阅状态）",
/// developers.weixin.qq.com …/api/open-api/setting/wx.getSetting.md).
#[test]
fn a_plugins_get_setting_carries_the_host_apps_settings() {
    let db = TempDb::new();
    let engine = db.open(ScriptedUi::new(&[]));
    engine
        .set_grant("u1".into(), "wxA".into(), None, "scope.record".into(), true)
        .unwrap();
    engine
        .set_grant(
            "u1".into(),
            "wxA".into(),
            Some("p1".into()),
            "scope.camera".into(),
            false,
        )
        .unwrap();
    let from_plugin = block_on(engine.get_setting(caller("u1", "wxA").with_plugin("p1"), true));
    let json: serde_json::Value = serde_json::from_str(&from_plugin.json).unwrap();
    assert_eq!(json["authSetting"]["scope.camera"], false, "{json}");
    assert!(json["authSetting"].get("scope.record").is_none(), "{json}");
    assert_eq!(
        json["miniprogramAuthSetting"]["scope.record"], true,
        "{json}"
    );
    assert!(
        json["miniprogramAuthSetting"].get("scope.camera").is_none(),
        "{json}"
    );
    let from_app = block_on(engine.get_setting(caller("u1", "wxA"), false));
    assert!(
        !from_app.json.contains("miniprogramAuthSetting"),
        "{}",
        from_app.json
    );
}
