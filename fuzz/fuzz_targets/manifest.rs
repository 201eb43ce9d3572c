//! Fuzzes the manifest parser: any text is accepted or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use miniapp_auth::{Manifest, ScopeCatalogue};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(manifest) = Manifest::parse(text, &ScopeCatalogue::builtin()) {
            // What was accepted obeys the rules.
            for purpose in manifest.purposes.values() {
                assert!(!purpose.is_empty() && purpose.chars().count() <= 30);
            }
            let fuzzy = manifest.declares_private_api("getFuzzyLocation");
            assert!(!(fuzzy && manifest.declares_private_api("getLocation")));
        }
    }
});
