//! WeChat's privacy interfaces (SPEC §3): the kinds of information a privacy
//! contract declares, each with the scopes behind it and the APIs and components
//! it gates, as WeChat's guide lists them ("隐私接口与对应的处理的信息关系",
//! developers.weixin.qq.com/miniprogram/dev/framework/user-privacy/miniprogram-intro.html);
//! and [`Declaration`], what a contract declares (or an agreement covers) in
//! scopes and kinds — the one home of how the two map onto each other.
//!
//! A kind is named by WeChat's own identifier for it, the `privacy_key` of the
//! privacy-guide settings (developers.weixin.qq.com/doc/oplatform/openApi/OpenApiDoc/miniprogram-management/privacy-management/setPrivacySetting.html:
//! `UserInfo`, `Location`, `Clipboard`, …). An interface is named as a host
//! gates it: an API by its name (`getClipboardData`, `RecorderManager.start`), a
//! button by `button.<open-type>` and the nickname input by `input.nickname` —
//! the names WeChat's `onNeedPrivacyAuthorization` gives components in
//! `eventInfo.referrer` ("button.getPhoneNumber") — and any other component by
//! its tag (`camera`, `live-pusher`).

/// One kind of information a privacy contract can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoKind {
    /// WeChat's `privacy_key`, e.g. `Clipboard`.
    pub name: &'static str,
    /// What the guide says the developer does with it, in WeChat's words.
    pub information: &'static str,
    /// The scopes behind it: declaring the kind declares them, and declaring
    /// one of them declares the kind.
    pub scopes: &'static [&'static str],
    /// The APIs and components the guide lists for it (those a scope guards are
    /// gated through the scope; the rest by the privacy gate alone).
    pub interfaces: &'static [&'static str],
}

const fn kind(
    name: &'static str,
    information: &'static str,
    scopes: &'static [&'static str],
    interfaces: &'static [&'static str],
) -> InfoKind {
    InfoKind {
        name,
        information,
        scopes,
        interfaces,
    }
}

/// Every kind of information WeChat's privacy guide knows, in the guide's order.
/// The last seven gate no interface: a developer declares them for what it
/// collects itself. The guide's withdrawn interfaces (`getUserProfile`,
/// `<button open-type="userInfo">`, "已回收": they return anonymous data) are
/// left out; `getUserInfo` keeps `scope.userInfo`'s answer (ok, no dialog).
pub const INFO_KINDS: &[InfoKind] = &[
    kind(
        "UserInfo",
        "收集你的昵称、头像",
        &["scope.userInfo"],
        &["button.chooseAvatar", "input.nickname"],
    ),
    kind(
        "Location",
        "收集你的位置信息",
        &[
            "scope.userLocation",
            "scope.userFuzzyLocation",
            "scope.userLocationBackground",
        ],
        &[
            "getLocation",
            "startLocationUpdate",
            "startLocationUpdateBackground",
            "getFuzzyLocation",
            "MapContext.moveToLocation",
        ],
    ),
    kind(
        "ChooseLocation",
        "收集你选择的位置信息",
        &[],
        &["choosePoi", "chooseLocation"],
    ),
    kind(
        "Address",
        "收集你的地址",
        &["scope.address"],
        &["chooseAddress"],
    ),
    kind(
        "Invoice",
        "收集你的发票信息",
        &["scope.invoice", "scope.invoiceTitle"],
        &["chooseInvoiceTitle", "chooseInvoice"],
    ),
    kind(
        "RunData",
        "收集你的微信运动步数",
        &["scope.werun"],
        &["getWeRunData"],
    ),
    kind(
        "PhoneNumber",
        "收集你的手机号",
        &[],
        &["button.getPhoneNumber", "button.getRealtimePhoneNumber"],
    ),
    kind(
        "LicensePlate",
        "收集你的车牌号",
        &[],
        &["chooseLicensePlate"],
    ),
    kind(
        "Album",
        "收集你选中的照片或视频信息",
        &[],
        &["chooseImage", "chooseMedia", "chooseVideo"],
    ),
    kind(
        "MessageFile",
        "收集你选中的文件",
        &[],
        &["chooseMessageFile"],
    ),
    kind(
        "Record",
        "访问你的麦克风",
        &["scope.record"],
        &[
            "startRecord",
            "RecorderManager.start",
            "live-pusher",
            "joinVoIPChat",
        ],
    ),
    kind(
        "Camera",
        "访问你的摄像头",
        &["scope.camera"],
        &["createVKSession", "camera", "live-pusher", "voip-room"],
    ),
    kind(
        "BlueTooth",
        "访问你的蓝牙",
        &["scope.bluetooth"],
        &["openBluetoothAdapter", "createBLEPeripheralServer"],
    ),
    kind(
        "AlbumWriteOnly",
        "使用你的相册（仅写入）权限",
        &["scope.writePhotosAlbum"],
        &["saveImageToPhotosAlbum", "saveVideoToPhotosAlbum"],
    ),
    kind(
        "Contact",
        "使用你的通讯录（仅写入）权限",
        &["scope.addPhoneContact"],
        &["addPhoneContact"],
    ),
    kind(
        "CalendarWriteOnly",
        "使用你的日历（仅写入）权限",
        &["scope.addPhoneCalendar"],
        &["addPhoneRepeatCalendar", "addPhoneCalendar"],
    ),
    kind(
        "Accelerometer",
        "调用你的加速传感器",
        &[],
        &["startAccelerometer"],
    ),
    kind("Compass", "调用你的磁场传感器", &[], &["startCompass"]),
    kind(
        "DeviceMotion",
        "调用你的方向传感器",
        &[],
        &["startDeviceMotionListening"],
    ),
    kind(
        "Gyroscope",
        "调用你的陀螺仪传感器",
        &[],
        &["startGyroscope"],
    ),
    kind(
        "Clipboard",
        "读取你的剪切板",
        &[],
        &["setClipboardData", "getClipboardData"],
    ),
    kind("DeviceInfo", "收集你的设备信息", &[], &[]),
    kind("Email", "收集你的邮箱", &[], &[]),
    kind("EXIDNumber", "收集你的身份证号码", &[], &[]),
    kind("EXOrderInfo", "收集你的订单信息", &[], &[]),
    kind("EXUserPublishContent", "收集你的发布内容", &[], &[]),
    kind("EXUserFollowAcct", "收集你的所关注账号", &[], &[]),
    kind("EXUserOpLog", "收集你的操作日志", &[], &[]),
];

/// Kinds a contract written before kinds existed declared through a scope: this
/// project took `scope.userLocation`'s declaration for `chooseLocation` and
/// `choosePoi` (WeChat's `ChooseLocation`), and such a contract keeps declaring
/// them. (Declaring `ChooseLocation` does not declare `scope.userLocation`.)
const EARLIER_DECLARATIONS: &[(&str, &str)] = &[("scope.userLocation", "ChooseLocation")];

/// The kind named `name`, if WeChat's guide knows it.
pub fn info_kind(name: &str) -> Option<&'static InfoKind> {
    INFO_KINDS.iter().find(|kind| kind.name == name)
}

/// The kinds that list `interface` (a component may be listed under two:
/// `live-pusher` needs the microphone and the camera). Empty when it is not a
/// privacy interface.
pub fn kinds_listing(interface: &str) -> Vec<&'static str> {
    INFO_KINDS
        .iter()
        .filter(|kind| kind.interfaces.contains(&interface))
        .map(|kind| kind.name)
        .collect()
}

/// The scopes gating `interface` when no scope guards it by name: the first
/// scope of each kind listing it that has scopes — `live-pusher` needs
/// `scope.record` and `scope.camera` (WeChat's live-pusher page: 需要用户授权
/// scope.camera、scope.record), `voip-room` `scope.camera`. Empty for an
/// interface the privacy gate alone gates (`getClipboardData`).
pub fn scopes_of_unguarded(interface: &str) -> Vec<&'static str> {
    INFO_KINDS
        .iter()
        .filter(|kind| kind.interfaces.contains(&interface))
        .filter_map(|kind| kind.scopes.first().copied())
        .collect()
}

/// The name a result gives `interface`: a button answers in its event's name,
/// as WeChat's does (`button.getPhoneNumber` → `getPhoneNumber:fail …`); any
/// other interface in its own.
pub fn answer_name(interface: &str) -> &str {
    interface.strip_prefix("button.").unwrap_or(interface)
}

/// The kind a scope belongs to, if any.
fn kind_of_scope(scope: &str) -> Option<&'static str> {
    INFO_KINDS
        .iter()
        .find(|kind| kind.scopes.contains(&scope))
        .map(|kind| kind.name)
}

/// What a privacy contract declares, or what an agreement to one covers: scopes
/// and kinds of information, each declaring the other as [`InfoKind::scopes`]
/// says.
#[derive(Debug, Clone, Copy)]
pub struct Declaration<'a> {
    /// The scopes listed (`privacy.scopes`).
    pub scopes: &'a [String],
    /// The kinds listed (`privacy.infos`).
    pub infos: &'a [String],
}

impl Declaration<'_> {
    /// Whether it declares `scope`: listed, or the kind it belongs to is.
    pub fn declares_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
            || kind_of_scope(scope).is_some_and(|kind| self.infos.iter().any(|k| k == kind))
    }

    /// Whether it declares the kind `kind`: listed, or one of its scopes is (or
    /// a scope that declared it before kinds existed).
    pub fn declares_kind(&self, kind: &str) -> bool {
        self.infos.iter().any(|k| k == kind)
            || self.scopes.iter().any(|scope| {
                kind_of_scope(scope) == Some(kind)
                    || EARLIER_DECLARATIONS
                        .iter()
                        .any(|(s, k)| s == scope && *k == kind)
            })
    }

    /// Every scope it declares: those listed, and those of the kinds listed.
    fn declared_scopes(&self) -> impl Iterator<Item = &str> + '_ {
        let of_kinds = self
            .infos
            .iter()
            .filter_map(|kind| info_kind(kind))
            .flat_map(|kind| kind.scopes.iter().copied());
        self.scopes.iter().map(String::as_str).chain(of_kinds)
    }

    /// Every kind it declares: those listed, those of the scopes listed, and
    /// those a listed scope declared before kinds existed.
    fn declared_kinds(&self) -> impl Iterator<Item = &str> + '_ {
        let of_scopes = self.scopes.iter().flat_map(|scope| {
            let earlier = EARLIER_DECLARATIONS
                .iter()
                .filter(move |(s, _)| s == scope)
                .map(|(_, kind)| *kind);
            kind_of_scope(scope).into_iter().chain(earlier)
        });
        self.infos.iter().map(String::as_str).chain(of_scopes)
    }

    /// Whether it declares everything `other` declares — every scope and kind
    /// `other` declares in either form, so that "covers the contract" and
    /// "covers this scope (or kind) of it" never disagree.
    pub fn covers(&self, other: &Declaration<'_>) -> bool {
        other.declared_scopes().all(|s| self.declares_scope(s))
            && other.declared_kinds().all(|k| self.declares_kind(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_are_unique_and_interfaces_look_like_api_names() {
        for (i, kind) in INFO_KINDS.iter().enumerate() {
            assert!(
                INFO_KINDS[i + 1..].iter().all(|k| k.name != kind.name),
                "{} twice",
                kind.name
            );
            for interface in kind.interfaces {
                assert!(crate::scopes::is_api_name(interface), "{interface}");
            }
            for scope in kind.scopes {
                assert!(
                    crate::scopes::ScopeCatalogue::is_builtin(scope),
                    "{scope} is not a built-in scope"
                );
            }
        }
        assert_eq!(kinds_listing("live-pusher"), ["Record", "Camera"]);
        assert_eq!(kinds_listing("getClipboardData"), ["Clipboard"]);
        assert!(kinds_listing("getSystemInfo").is_empty());
    }

    #[test]
    fn scopes_and_kinds_declare_each_other() {
        let scopes = strings(&["scope.record", "scope.userLocation"]);
        let infos = strings(&["Clipboard", "Camera"]);
        let declared = Declaration {
            scopes: &scopes,
            infos: &infos,
        };
        assert!(
            declared.declares_kind("Record"),
            "scope.record declares Record"
        );
        assert!(declared.declares_kind("Location"));
        assert!(declared.declares_kind("ChooseLocation"), "as before kinds");
        assert!(
            declared.declares_scope("scope.camera"),
            "Camera declares it"
        );
        assert!(declared.declares_kind("Clipboard"));
        assert!(!declared.declares_kind("Album"));
        assert!(!declared.declares_scope("scope.bluetooth"));
        // Not transitive: scope.userLocation does not declare fuzzy location.
        assert!(!declared.declares_scope("scope.userFuzzyLocation"));
        let only_choose = strings(&["ChooseLocation"]);
        let declared = Declaration {
            scopes: &[],
            infos: &only_choose,
        };
        assert!(!declared.declares_scope("scope.userLocation"));
    }

    /// Covering a declaration means covering each scope and kind it declares,
    /// whichever form either is written in (a call looped forever where the
    /// two disagreed).
    #[test]
    fn covering_the_whole_is_covering_each_part() {
        let forms: Vec<(Vec<String>, Vec<String>)> = vec![
            (strings(&["scope.userLocation"]), vec![]),
            (vec![], strings(&["Location"])),
            (vec![], strings(&["ChooseLocation"])),
            (strings(&["scope.record"]), strings(&["Camera"])),
            (vec![], strings(&["Record", "Camera"])),
            (strings(&["scope.invoice"]), vec![]),
            (vec![], strings(&["Invoice", "Clipboard"])),
        ];
        let scopes_and_kinds: Vec<&str> = INFO_KINDS
            .iter()
            .flat_map(|kind| kind.scopes.iter().copied().chain([kind.name]))
            .collect();
        for (agreed_scopes, agreed_infos) in &forms {
            let agreed = Declaration {
                scopes: agreed_scopes,
                infos: agreed_infos,
            };
            for (scopes, infos) in &forms {
                let contract = Declaration { scopes, infos };
                if !agreed.covers(&contract) {
                    continue;
                }
                for item in &scopes_and_kinds {
                    if item.starts_with("scope.") {
                        assert!(
                            !contract.declares_scope(item) || agreed.declares_scope(item),
                            "{agreed:?} covers {contract:?} but not its {item}"
                        );
                    } else {
                        assert!(
                            !contract.declares_kind(item) || agreed.declares_kind(item),
                            "{agreed:?} covers {contract:?} but not its {item}"
                        );
                    }
                }
            }
        }
    }

    /// An interface WeChat lists under a kind that has scopes is guarded by one
    /// of them, or the catalogue gates it by the kinds' scopes (`live-pusher`,
    /// `voip-room`): never by the privacy agreement alone.
    #[test]
    fn interfaces_of_kinds_with_scopes_are_gated_by_a_scope() {
        let catalogue = crate::scopes::ScopeCatalogue::default();
        for kind in INFO_KINDS.iter().filter(|kind| !kind.scopes.is_empty()) {
            for interface in kind.interfaces {
                match catalogue.scope_for_api(interface) {
                    Some(scope) => assert!(
                        INFO_KINDS
                            .iter()
                            .filter(|k| k.interfaces.contains(interface))
                            .any(|k| k.scopes.contains(&scope.name.as_str())),
                        "{interface} is guarded by {} outside its kinds",
                        scope.name
                    ),
                    None => assert!(!scopes_of_unguarded(interface).is_empty(), "{interface}"),
                }
            }
        }
        assert_eq!(
            scopes_of_unguarded("live-pusher"),
            ["scope.record", "scope.camera"]
        );
        assert!(scopes_of_unguarded("getClipboardData").is_empty());
    }

    #[test]
    fn buttons_answer_in_their_events_name() {
        assert_eq!(answer_name("button.getPhoneNumber"), "getPhoneNumber");
        assert_eq!(answer_name("getClipboardData"), "getClipboardData");
        assert_eq!(answer_name("input.nickname"), "input.nickname");
    }
}
