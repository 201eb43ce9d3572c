//! Sync across the user's devices (SPEC §10, issue #23), its pure parts: the
//! core syncs facts, not state — the consent records it already writes.
//!
//! | file | concept |
//! |---|---|
//! | `hlc.rs` | the hybrid logical clock's [`Stamp`] |
//! | `merge.rs` | which facts sync and which wins (pure functions beside the policy) |
//! | `wire.rs` | a synced record as the transport carries it |
//!
//! The engine's sync calls are `src/sync_calls.rs`; the store's side — the
//! device and its clock, the merge's view of a user read from the log,
//! applying through the door, upload progress — is `store/sync_*.rs`.

pub(crate) mod hlc;
pub(crate) mod merge;
pub(crate) mod wire;

pub(crate) use hlc::Stamp;
