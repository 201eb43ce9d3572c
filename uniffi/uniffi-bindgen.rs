//! The `uniffi-bindgen` command of this workspace: generates Kotlin and Swift
//! bindings from the built `miniapp_auth` library (library mode).

fn main() {
    uniffi::uniffi_bindgen_main()
}
