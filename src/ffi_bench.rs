//! The floor of the FFI benchmarks (`benches/ffi/`), compiled only with the
//! `ffi-bench` feature — never in the shipped library. It has exactly the
//! signature of [`AuthEngine::authorize`] (the engine handle, a `Caller`, a
//! scope string, an async `ApiResult`) and returns the same ok result, built the
//! same way, without deciding anything: timing it beside `authorize` from Kotlin
//! and Swift separates the cost of crossing the FFI from the cost of our work.

use serde_json::Map;

use crate::{ApiResult, AuthEngine, Caller};

#[uniffi::export]
impl AuthEngine {
    /// Crosses the FFI like `authorize` and does nothing else (benchmarks only).
    pub async fn ffi_bench_noop(&self, caller: Caller, scope: String) -> ApiResult {
        std::hint::black_box((&caller, &scope));
        ApiResult::success("authorize", Map::new())
    }
}
