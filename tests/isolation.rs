//! Isolation (SPEC §1, §9): grants never cross users, apps or plugins; plugins
//! have their own namespace; `authorizeForMiniProgram` is limited to three scopes.

mod common;

use common::*;

#[test]
fn grants_never_cross_users_or_apps() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Deny, Answer::Dismiss]);
    let engine = db.open(ui.clone());
    let ok = r#"{"errMsg":"authorize:ok"}"#;
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json,
        ok
    );
    // Another user of the same app, and the same user in another app, are asked.
    assert_eq!(
        block_on(engine.authorize(caller("u2", "wxA"), "scope.record".into())).json,
        r#"{"errMsg":"authorize:fail auth deny","errno":103}"#
    );
    assert!(!block_on(engine.authorize(caller("u1", "wxB"), "scope.record".into())).ok);
    assert_eq!(ui.dialogs(), 3);
    assert_eq!(
        block_on(engine.authorize(caller("u1", "wxA"), "scope.record".into())).json,
        ok
    );
    let u1_b = block_on(engine.get_setting(caller("u1", "wxB"), false));
    assert!(!auth_setting(&u1_b.json).contains_key("scope.record"));
    // Ids that only look alike stay apart.
    assert!(!block_on(engine.get_setting(caller("u1 ", "wxA"), false))
        .json
        .contains("scope.record"));
}

#[test]
fn plugins_have_their_own_namespace() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow, Answer::Deny]);
    let engine = db.open(ui.clone());
    let app = caller("u1", "wxA");
    let plugin = caller("u1", "wxA").with_plugin("wxPlugin1");
    assert!(block_on(engine.authorize(app.clone(), "scope.camera".into())).ok);
    // The plugin is asked for itself (through the guarded API: a plugin has
    // no wx.authorize), and its denial does not touch the app.
    assert_eq!(
        block_on(engine.ensure(plugin.clone(), "createVKSession".into())).json,
        r#"{"errMsg":"createVKSession:fail auth deny","errno":103}"#
    );
    assert_eq!(
        ui.scope_dialogs()[1].plugin_id.as_deref(),
        Some("wxPlugin1")
    );
    assert_eq!(
        auth_setting(&block_on(engine.get_setting(app, false)).json)["scope.camera"],
        true
    );
    assert_eq!(
        auth_setting(&block_on(engine.get_setting(plugin, false)).json)["scope.camera"],
        false
    );
}

#[test]
fn authorize_for_mini_program_rows() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[Answer::Allow]);
    let engine = db.open(ui.clone());
    let plugin = caller("u1", "wxA").with_plugin("wxPlugin1");
    assert_eq!(
        block_on(engine.authorize_for_mini_program(plugin.clone(), "scope.userLocation".into()))
            .json,
        r#"{"errMsg":"authorizeForMiniProgram:fail scope \"scope.userLocation\" is not supported to be authorized by plugin","errno":1106}"#
    );
    assert_eq!(
        block_on(engine.authorize_for_mini_program(plugin.clone(), "scope.nope".into())).json,
        r#"{"errMsg":"authorizeForMiniProgram:fail invalid scope","errno":1102}"#
    );
    assert_eq!(
        block_on(engine.authorize_for_mini_program(caller("u1", "wxA"), "scope.record".into()))
            .json,
        r#"{"errMsg":"authorizeForMiniProgram:fail can only be invoked by plugin","errno":1109}"#
    );
    assert_eq!(ui.dialogs(), 0);
    assert_eq!(
        block_on(engine.authorize_for_mini_program(plugin.clone(), "scope.record".into())).json,
        r#"{"errMsg":"authorizeForMiniProgram:ok"}"#
    );
    let asked = &ui.scope_dialogs()[0];
    assert_eq!(
        (asked.api.as_str(), asked.plugin_id.as_deref()),
        ("authorizeForMiniProgram", Some("wxPlugin1"))
    );
    // The grant is the mini program's own (that is what the API is for) …
    assert_eq!(
        auth_setting(&block_on(engine.get_setting(caller("u1", "wxA"), false)).json)
            ["scope.record"],
        true
    );
    // … not the plugin's.
    assert!(
        !auth_setting(&block_on(engine.get_setting(plugin, false)).json)
            .contains_key("scope.record")
    );
    for scope in ["scope.writePhotosAlbum", "scope.camera"] {
        ui.push(&[Answer::Dismiss]);
        assert_eq!(
            block_on(
                engine
                    .authorize_for_mini_program(caller("u1", "wxA").with_plugin("p"), scope.into())
            )
            .json,
            r#"{"errMsg":"authorizeForMiniProgram:fail auth canceled","errno":1101}"#
        );
    }
}

#[test]
fn resetting_an_app_or_forgetting_a_user_touches_nothing_else() {
    let db = TempDb::new();
    let ui = ScriptedUi::new(&[
        Answer::Agree,
        Answer::Allow,
        Answer::Agree,
        Answer::Allow,
        Answer::Allow,
        Answer::Allow,
    ]);
    let engine = db.open(ui.clone());
    engine
        .register_manifest("wxA".into(), manifest(Some(("1", &["scope.record"]))))
        .unwrap();
    for (user, app) in [("u1", "wxA"), ("u2", "wxA"), ("u1", "wxB")] {
        assert!(block_on(engine.authorize(caller(user, app), "scope.record".into())).ok);
    }
    assert!(block_on(engine.ensure(caller("u1", "wxA").with_plugin("p"), "startRecord".into())).ok);
    assert_eq!(
        engine.reset_app("wxA".into(), Some("u1".into())).unwrap(),
        2
    );
    // u1's wxA is unasked again, privacy agreement included.
    assert_eq!(
        block_on(engine.get_privacy_setting(caller("u1", "wxA"))).json,
        r#"{"errMsg":"getPrivacySetting:ok","needAuthorization":true,"privacyContractName":"Demo guide"}"#
    );
    assert!(engine
        .list_grants("u1".into(), Some("wxA".into()))
        .unwrap()
        .is_empty());
    assert_eq!(engine.list_grants("u2".into(), None).unwrap().len(), 1);
    assert_eq!(engine.list_grants("u1".into(), None).unwrap().len(), 1);
    assert_eq!(engine.forget_user("u1".into()).unwrap(), 1);
    assert!(engine.list_grants("u1".into(), None).unwrap().is_empty());
    assert_eq!(engine.list_grants("u2".into(), None).unwrap().len(), 1);
    // Reset for every user (app deleted from the device).
    assert_eq!(engine.reset_app("wxA".into(), None).unwrap(), 1);
    assert!(engine.list_grants("u2".into(), None).unwrap().is_empty());
}
