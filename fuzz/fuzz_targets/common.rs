//! What the targets share: one in-memory engine whose dialogs all fail (so no
//! input can be granted anything), and the check every answer must pass.

use std::sync::{Arc, OnceLock};

use miniapp_auth::{AuthEngine, NoDialogs};

pub fn engine() -> &'static AuthEngine {
    static ENGINE: OnceLock<Arc<AuthEngine>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine = AuthEngine::in_memory(Arc::new(NoDialogs), None).unwrap();
        engine
            .register_manifest(
                "wxFuzz".into(),
                r#"{"name":"Fuzz","permission":{"scope.userLocation":{"desc":"Fuzzing"}},
                    "requiredPrivateInfos":["getLocation"],
                    "privacy":{"contractName":"Guide","version":"1","scopes":["scope.record"]}}"#
                    .into(),
            )
            .unwrap();
        engine
    })
}

/// Every answer is a JSON object whose errMsg is `<api>:ok` or `<api>:fail <reason>`,
/// and nothing is ever granted (the dialogs all fail).
pub fn check_answer(answer: &str) {
    let value: serde_json::Value = serde_json::from_str(answer).expect("answers are JSON");
    let err_msg = value["errMsg"].as_str().expect("answers have errMsg");
    assert!(err_msg.contains(":ok") || err_msg.contains(":fail "), "{err_msg}");
    if err_msg.ends_with(":fail") {
        panic!("a failure without a reason: {err_msg}");
    }
}
