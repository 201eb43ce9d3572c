//! A cached answer never outlives a change made through another connection:
//! after a second engine on the same file (another process, as far as SQLite is
//! concerned) changes a decision, the first engine's very next call — which
//! takes the cached path whenever it can — answers from the change.

mod common;

use common::*;
use futures::executor::block_on;

#[test]
fn a_change_through_another_connection_is_seen_on_the_next_call() {
    let db = TempDb::new();
    let manifest_json = manifest(Some(("1", &["scope.record"])));
    let reader_ui = ScriptedUi::new(&[Answer::Agree, Answer::Allow]);
    let reader = db.open(reader_ui.clone());
    let writer = db.open(ScriptedUi::new(&[]));
    for engine in [&reader, &writer] {
        engine
            .register_manifest("wxA".into(), manifest_json.clone())
            .unwrap();
    }
    let ask = || block_on(reader.authorize(caller("u1", "wxA"), "scope.record".into())).err_msg;
    assert_eq!(ask(), "authorize:ok");
    assert_eq!(ask(), "authorize:ok", "now answered from the cache");
    for round in 0..300 {
        let granted = round % 2 == 1;
        writer
            .set_grant(
                "u1".into(),
                "wxA".into(),
                None,
                "scope.record".into(),
                granted,
            )
            .unwrap();
        let expected = if granted {
            "authorize:ok"
        } else {
            "authorize:fail auth deny"
        };
        assert_eq!(ask(), expected, "round {round}");
        assert_eq!(ask(), expected, "round {round}, cached");
    }
    // Only the two first dialogs (privacy agreement, then the scope) were shown.
    assert_eq!(reader_ui.shown.lock().unwrap().len(), 2);
}
