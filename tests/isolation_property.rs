//! Isolation as a property (issue #5): whatever sequence of calls one identity
//! makes — as the same user in another app, another user of the same app, or a
//! plugin of the same app — the state another identity sees is unchanged.

mod common;

use common::*;
use miniapp_auth::{AuthEngine, Caller, ScopeSetting};
use proptest::prelude::*;

const SCOPES: [&str; 4] = [
    "scope.record",
    "scope.camera",
    "scope.bluetooth",
    "scope.werun",
];

/// The API each of [`SCOPES`] guards, as a plugin (which has no `authorize`) asks.
const GUARDED_APIS: [&str; 4] = [
    "startRecord",
    "createVKSession",
    "openBluetoothAdapter",
    "getWeRunData",
];

/// The identities that act; the protected one is ("victim", "wxV", no plugin).
fn actor(i: usize) -> Caller {
    match i % 5 {
        0 => Caller::new("victim", "wxOther"),
        1 => Caller::new("attacker", "wxV"),
        2 => Caller::new("victim", "wxV").with_plugin("plugin1"),
        3 => Caller::new("victim ", "wxV"),
        _ => Caller::new("victim", "wxV ").with_plugin("wxV"),
    }
}

#[derive(Debug, Clone)]
enum Act {
    Authorize(usize, usize, u8),
    ForMiniProgramAsOtherPlugin(usize),
    Settings(usize),
    Admin(usize, usize, bool),
    Reset(usize),
    EndRun(usize),
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        (0..5usize, 0..4usize, 0..3u8).prop_map(|(a, s, d)| Act::Authorize(a, s, d)),
        (0..4usize).prop_map(Act::ForMiniProgramAsOtherPlugin),
        (0..5usize).prop_map(Act::Settings),
        (0..5usize, 0..4usize, any::<bool>()).prop_map(|(a, s, g)| Act::Admin(a, s, g)),
        (0..5usize).prop_map(Act::Reset),
        (0..5usize).prop_map(Act::EndRun),
    ]
}

/// Everything the victim can observe.
fn observe(engine: &AuthEngine) -> (String, String, Vec<String>) {
    let victim = Caller::new("victim", "wxV");
    let setting = block_on(engine.get_setting(victim.clone(), true)).json;
    let privacy = block_on(engine.get_privacy_setting(victim)).json;
    let grants = engine
        .list_grants("victim".into(), Some("wxV".into()))
        .unwrap()
        .into_iter()
        .filter(|g| g.plugin_id.is_none())
        .map(|g| format!("{} {:?}", g.scope, g.state))
        .collect();
    (setting, privacy, grants)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_identity_reaches_anothers_state(acts in prop::collection::vec(act(), 1..20)) {
        let db = TempDb::new();
        let ui = ScriptedUi::new(&[]);
        let engine = db.open(ui.clone());
        // The victim has decided some things.
        let victim = Caller::new("victim", "wxV");
        ui.push(&[Answer::Allow, Answer::Deny, Answer::AllowOnce]);
        block_on(engine.authorize(victim.clone(), "scope.record".into()));
        block_on(engine.authorize(victim.clone(), "scope.camera".into()));
        block_on(engine.authorize(victim, "scope.werun".into()));
        let before = observe(&engine);
        ui.on_settings(|page| page.items.iter().map(|i| ScopeSetting { granted: !i.granted, ..i.clone() }).collect());
        for a in &acts {
            match a {
                Act::Authorize(who, scope, decision) => {
                    ui.push(&[[Answer::Allow, Answer::Deny, Answer::AllowOnce][*decision as usize]]);
                    let who = actor(*who);
                    if who.plugin_id.is_some() {
                        // A plugin has no wx.authorize (SPEC §4): it is asked
                        // through the guarded API itself.
                        block_on(engine.ensure(who, GUARDED_APIS[*scope].into()));
                    } else {
                        block_on(engine.authorize(who, SCOPES[*scope].into()));
                    }
                }
                Act::ForMiniProgramAsOtherPlugin(scope) => {
                    // A plugin of another app asking "for the mini program".
                    ui.push(&[Answer::Allow]);
                    let plugin = Caller::new("victim", "wxOther").with_plugin("plugin1");
                    block_on(engine.authorize_for_mini_program(plugin, SCOPES[*scope].into()));
                }
                Act::Settings(who) => {
                    block_on(engine.open_setting(actor(*who).with_tap(), false));
                }
                Act::Admin(who, scope, granted) => {
                    let c = actor(*who);
                    engine.set_grant(c.user_id, c.app_id, c.plugin_id, SCOPES[*scope].into(), *granted).unwrap();
                }
                Act::Reset(who) => {
                    let c = actor(*who);
                    if c.user_id == "victim" && c.app_id == "wxV" {
                        continue; // resetting the victim's own app is the victim's business
                    }
                    engine.reset_app(c.app_id, Some(c.user_id)).unwrap();
                }
                Act::EndRun(who) => {
                    let c = actor(*who);
                    if c.user_id == "victim" && c.app_id == "wxV" {
                        continue;
                    }
                    engine.end_app_run(c.user_id, c.app_id).unwrap();
                }
            }
            prop_assert_eq!(observe(&engine), before.clone(), "after {:?}", a);
        }
    }
}
