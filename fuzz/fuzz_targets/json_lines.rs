//! Fuzzes the JSON-lines protocol: any line is parsed into a call, an op, an
//! answer or an error line; calls are then answered by the engine.
#![no_main]

mod common;
// The CLI's own parser, this very file (it uses the library's public API only).
#[path = "../../src/bin/miniapp-auth/protocol.rs"]
#[allow(dead_code)]
mod protocol;

use libfuzzer_sys::fuzz_target;
use protocol::Line;

fuzz_target!(|data: &[u8]| {
    match protocol::parse_line(data) {
        Ok(Some(Line::Call { caller, call, .. })) => {
            let answer = futures::executor::block_on(common::engine().handle_value(caller, call));
            common::check_answer(&answer.json);
        }
        Ok(Some(Line::Answer { fields, .. })) => {
            let _ = protocol::consent_decision(&fields);
            let _ = protocol::privacy_decision(&fields);
            let _ = protocol::auth_setting(&fields);
        }
        Ok(_) => {}
        Err(error) => {
            assert!(!error.message.is_empty());
            let _ = error.to_line();
        }
    }
});
