//! The hot path shaped for the FFI crossing (issue #14). From Kotlin every
//! crossing allocates JNA objects per string and record argument and result, so
//! a host that gates every guarded call pays more for the crossing than for the
//! decision. A [`CallerHandle`] is made once per (user, app, plugin) and scopes
//! and guarded APIs are numbered once ([`Numbering`]); the hot call then carries
//! only primitives: [`CallerHandle::authorize_cached`] (and
//! [`CallerHandle::ensure_cached`], the gate before a guarded API) answers `true`
//! when the call is allowed now from memory alone — no I/O, no dialog, nothing to
//! write but a "last used" note (handed to the core's I/O threads) — and `false`
//! when the host must make the full call ([`CallerHandle::authorize`],
//! [`CallerHandle::ensure`]: async, every guarantee), which the first call after
//! a write may always need.

use std::sync::{Arc, RwLock, Weak};

use crate::closing::{unless_cancelled, CallCancellation};

use crate::caller::Caller;
use crate::dialect::{ApiResult, Failure};
use crate::engine::Engine;
use crate::fast_map::FastMap;
use crate::main_safe::{authorize, authorize_from_memory, ensure, ensure_allowed_from_memory};

/// Numbers for names (scopes, guarded APIs) for [`CallerHandle`]: assigned to a
/// known name on first use, never reused (so at most as many as the engine ever
/// knew).
#[derive(Default)]
pub(crate) struct Numbering {
    numbered: RwLock<Numbered>,
}

#[derive(Default)]
struct Numbered {
    names: Vec<Arc<str>>,
    numbers: FastMap<Arc<str>, u32>,
}

impl Numbering {
    /// The number of `name` (numbering it now if it has none).
    pub fn number(&self, name: &str) -> u32 {
        if let Some(&n) = self.read().numbers.get(name) {
            return n;
        }
        let mut numbered = self.numbered.write().unwrap_or_else(|p| p.into_inner());
        if let Some(&n) = numbered.numbers.get(name) {
            return n;
        }
        let n = numbered.names.len() as u32;
        let name: Arc<str> = Arc::from(name);
        numbered.names.push(name.clone());
        numbered.numbers.insert(name, n);
        n
    }

    /// The name numbered `n`, if any.
    pub fn name(&self, n: u32) -> Option<Arc<str>> {
        self.read().names.get(n as usize).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Numbered> {
        self.numbered.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// One caller identity (user, app, plugin) of an engine, for the hot path:
/// made by `AuthEngine::caller_handle`, checked once there. It does not keep
/// the engine open: the engine's last reference closes the database (a WAL
/// checkpoint), and a handle a host lets go of on its main thread must never
/// be that reference. Once the engine is gone, `authorize_cached` is false and
/// `authorize` fails with `storage unavailable`. While a call of the handle
/// runs it holds the engine ([`Held`]); if the host lets go of the engine
/// meanwhile, the call's release is the last one, and the close it makes runs
/// on the core's I/O threads, never inside the call.
#[derive(uniffi::Object)]
pub struct CallerHandle {
    engine: Weak<Engine>,
    caller: Caller,
}

/// The engine, held for one call of a handle. Letting go of it never closes
/// the database on the caller's thread: if it is the last reference
/// (`Arc::into_inner` tells atomically), the engine is dropped — the database
/// closed — on the core's I/O threads (issue #20, finding 5: the cached call,
/// documented never to do I/O, ran the checkpoint, fsync and WAL deletion
/// when the host dropped the engine on another thread meanwhile).
pub(crate) struct Held(Option<Arc<Engine>>);

impl Held {
    /// The engine behind `weak`, if it is still open.
    pub fn of(weak: &Weak<Engine>) -> Option<Held> {
        weak.upgrade().map(|engine| Held(Some(engine)))
    }
}

impl std::ops::Deref for Held {
    type Target = Arc<Engine>;

    fn deref(&self) -> &Arc<Engine> {
        self.0.as_ref().expect("held until dropped")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(engine) = self.0.take().and_then(Arc::into_inner) else {
            return;
        };
        crate::io_threads::detach(move || drop(engine));
    }
}

impl CallerHandle {
    /// The engine, held for the call, and the name of guarded API number
    /// `api` (empty when unknown: the full call answers it); or, the engine
    /// gone, the answer `ensure` gives then.
    fn guarded_api(&self, api: u32) -> Result<(Held, String), ApiResult> {
        let Some(engine) = Held::of(&self.engine) else {
            return Err(ApiResult::from_outcome(
                "ensure",
                Err(Failure::StorageUnavailable),
            ));
        };
        let name = engine
            .api_numbers
            .name(api)
            .map(|name| name.to_string())
            .unwrap_or_default();
        Ok((engine, name))
    }

    /// A handle for `caller` (already validated) in `engine`.
    pub(crate) fn new(engine: &Arc<Engine>, caller: Caller) -> CallerHandle {
        CallerHandle {
            engine: Arc::downgrade(engine),
            caller,
        }
    }
}

#[uniffi::export]
impl CallerHandle {
    /// `true`: `authorize` of scope number `scope` answers `authorize:ok` now,
    /// from memory, with nothing done on this thread but the lookup. `false`:
    /// make the full call ([`Self::authorize`]) — the answer may be a refusal,
    /// need a dialog or need the database. Never does I/O.
    pub fn authorize_cached(&self, scope: u32) -> bool {
        let Some(engine) = Held::of(&self.engine) else {
            return false;
        };
        let Some(name) = engine.scope_numbers.name(scope) else {
            return false;
        };
        matches!(
            authorize_from_memory(&engine, &self.caller, &name),
            Some(Ok(()))
        )
    }

    /// `wx.authorize` of scope number `scope` for this caller, in full (the
    /// same as `AuthEngine::authorize`); an unknown number fails as an
    /// invalid scope.
    pub async fn authorize(&self, scope: u32) -> ApiResult {
        let Some(engine) = Held::of(&self.engine) else {
            return ApiResult::from_outcome("authorize", Err(Failure::StorageUnavailable));
        };
        let name = engine
            .scope_numbers
            .name(scope)
            .map(|name| name.to_string())
            .unwrap_or_default();
        authorize(&engine, self.caller.clone(), name).await
    }

    /// [`Self::authorize`], cancellable from outside (Swift's layer: the
    /// calling `Task`'s cancellation) as `AuthEngine::handle_cancellable` is.
    pub async fn authorize_cancellable(
        &self,
        scope: u32,
        cancellation: Arc<CallCancellation>,
    ) -> ApiResult {
        let call = self.authorize(scope);
        unless_cancelled(&cancellation, call, |f| ApiResult::failure("authorize", &f)).await
    }

    /// `true`: the gate before guarded API number `api` (`AuthEngine::api_number`)
    /// allows it now — `ensure` answers `<api>:ok` — told from memory, with
    /// nothing done on this thread but the lookup. `false`: make the full call
    /// ([`Self::ensure`]). Never does I/O.
    pub fn ensure_cached(&self, api: u32) -> bool {
        let Some(engine) = Held::of(&self.engine) else {
            return false;
        };
        let Some(name) = engine.api_numbers.name(api) else {
            return false;
        };
        ensure_allowed_from_memory(&engine, &self.caller, &name)
    }

    /// The gate before guarded API number `api`, in full (the same as
    /// `AuthEngine::ensure`); an unknown number fails as an unsupported API.
    pub async fn ensure(&self, api: u32) -> ApiResult {
        match self.guarded_api(api) {
            Ok((engine, name)) => ensure(&engine, self.caller.clone(), name).await,
            Err(gone) => gone,
        }
    }

    /// [`Self::ensure`], cancellable from outside as [`Self::authorize_cancellable`] is.
    pub async fn ensure_cancellable(
        &self,
        api: u32,
        cancellation: Arc<CallCancellation>,
    ) -> ApiResult {
        let (engine, name) = match self.guarded_api(api) {
            Ok(found) => found,
            Err(gone) => return gone,
        };
        let shown = name.clone();
        let call = ensure(&engine, self.caller.clone(), name);
        unless_cancelled(&cancellation, call, |f| {
            ApiResult::of_ensure(&shown, Err(f))
        })
        .await
    }
}
