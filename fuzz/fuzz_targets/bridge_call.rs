//! Fuzzes the bridge entry: any bytes as the call JSON, with a host-supplied caller.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use miniapp_auth::Caller;

fuzz_target!(|data: &[u8]| {
    let call = String::from_utf8_lossy(data).into_owned();
    let caller = Caller::new("fuzz-user", "wxFuzz").with_tap();
    let answer = futures::executor::block_on(common::engine().handle(caller, call));
    common::check_answer(&answer);
    let grants = common::engine().list_grants("fuzz-user".into(), None).unwrap();
    assert!(grants.iter().all(|g| g.state != miniapp_auth::GrantState::Granted));
});
