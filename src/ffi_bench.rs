//! The floors of the FFI benchmarks (`benches/ffi/`), compiled with the
//! `ffi-bench` feature (the release build they measure) and in debug builds (the
//! suites' library, which their smoke run uses) — never in a shipped, release
//! build. Each crosses the FFI and
//! does nothing else, so timing them beside `authorize` (and beside the caller
//! handle's primitive-only calls) from Kotlin and Swift separates the cost of
//! crossing the FFI from the cost of our work:
//! - [`AuthEngine::ffi_bench_noop`] has exactly the signature of
//!   [`AuthEngine::authorize`] (the engine handle, a `Caller`, a scope string, an
//!   async `ApiResult`) and returns the same ok result, built the same way;
//! - [`AuthEngine::ffi_bench_sync_noop`] is the same call made synchronously (the
//!   record crossing without the async machinery);
//! - [`AuthEngine::ffi_bench_bool`] takes nothing and returns a `bool` (the
//!   cheapest crossing there is: the floor of a primitive-only call).

use serde_json::Map;

use crate::{ApiResult, AuthEngine, Caller};

#[uniffi::export]
impl AuthEngine {
    /// Crosses the FFI like `authorize` and does nothing else (benchmarks only).
    pub async fn ffi_bench_noop(&self, caller: Caller, scope: String) -> ApiResult {
        std::hint::black_box((&caller, &scope));
        ApiResult::success("authorize", Map::new())
    }

    /// Crosses the FFI like `authorize` would if it were synchronous — a
    /// `Caller` and a scope string in, the same ok `ApiResult` out — and does
    /// nothing else (benchmarks only).
    pub fn ffi_bench_sync_noop(&self, caller: Caller, scope: String) -> ApiResult {
        std::hint::black_box((&caller, &scope));
        ApiResult::success("authorize", Map::new())
    }

    /// Crosses the FFI with no argument and returns `true` (benchmarks only):
    /// the floor of a call carrying primitives only.
    pub fn ffi_bench_bool(&self) -> bool {
        std::hint::black_box(true)
    }
}
