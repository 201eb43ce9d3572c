//! What of a host's call runs on the host's own thread, and what goes to the
//! core's I/O threads (SPEC §5, "main-safe"). A call answered from memory —
//! `authorize` on a scope whose verdict the cache holds — answers inline, with
//! any "last used" note it leaves handed to the I/O threads; every other
//! mini-app call runs on the I/O threads ([`crate::io_threads`]) while the
//! host's thread only awaits. (Administration is blocking; the Kotlin and Swift
//! layers run it off the caller's thread.) [`crate::AuthEngine`] and
//! [`crate::CallerHandle`] use it.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use crate::caller::Caller;
use crate::dialect::{ApiResult, Failure};
use crate::engine::Engine;
use crate::gate::Upkeep;
use crate::io_threads;
use crate::namespace::{Namespace, NamespaceRef};
use crate::plugin_rules;

/// `authorize` answered from memory, without I/O, when it can be; a "last
/// used" note it leaves goes to the I/O threads.
pub(crate) fn authorize_from_memory(
    engine: &Arc<Engine>,
    caller: &Caller,
    scope: &str,
) -> Option<Result<(), Failure>> {
    if plugin_rules::offered_to(caller, "authorize").is_err() {
        return None; // the full call refuses it: nothing to answer from memory
    }
    let ns = caller.namespace_ref();
    let (outcome, upkeep) = engine.authorize_from_cache(caller, ns, scope)?;
    if upkeep != Upkeep::Nothing {
        engine.use_notes.leave(engine, ns, scope, upkeep);
    }
    Some(outcome)
}

/// Whether `ensure` of `api` allows now, told from memory without I/O; a "last
/// used" note it leaves goes to the I/O threads. `false`: the full call answers.
pub(crate) fn ensure_allowed_from_memory(engine: &Arc<Engine>, caller: &Caller, api: &str) -> bool {
    let Some(allowed) = engine.ensure_allowed_from_cache(caller, api) else {
        return false;
    };
    if let Some((scope, upkeep)) = allowed.filter(|(_, upkeep)| *upkeep != Upkeep::Nothing) {
        engine
            .use_notes
            .leave(engine, caller.namespace_ref(), &scope.name, upkeep);
    }
    true
}

/// The "last used" notes answers from memory leave, written on the I/O threads
/// by one writer at a time in the order the calls were answered — so a grant's
/// note is its first use in the hour, as when it was written inline — and at
/// most one waiting per grant (a burst of calls before the note lands queues one).
#[derive(Default)]
pub(crate) struct UseNotes {
    queue: Mutex<NoteQueue>,
}

#[derive(Default)]
struct NoteQueue {
    waiting: VecDeque<(Namespace, String, Upkeep)>,
    writing: bool,
}

impl UseNotes {
    /// Leaves a note about `scope` in `ns` for the I/O threads.
    fn leave(&self, engine: &Arc<Engine>, ns: NamespaceRef<'_>, scope: &str, upkeep: Upkeep) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if queue
            .waiting
            .iter()
            .any(|(waiting, name, _)| waiting.borrowed() == ns && name == scope)
        {
            return;
        }
        queue
            .waiting
            .push_back((ns.to_owned(), scope.to_owned(), upkeep));
        if !queue.writing {
            queue.writing = true;
            let engine = engine.clone();
            io_threads::detach(move || engine.use_notes.write_all(&engine));
        }
    }

    /// Writes the waiting notes, oldest first, until none is left.
    fn write_all(&self, engine: &Engine) {
        loop {
            let next = {
                let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
                match queue.waiting.pop_front() {
                    Some(note) => note,
                    None => {
                        queue.writing = false;
                        return;
                    }
                }
            };
            let (ns, scope, upkeep) = next;
            engine.gate().keep_up(ns.borrowed(), &scope, upkeep);
        }
    }
}

/// `authorize`: from memory on the caller's thread when it can be, else in
/// full on the I/O threads.
pub(crate) async fn authorize(engine: &Arc<Engine>, caller: Caller, scope: String) -> ApiResult {
    if let Some(outcome) = authorize_from_memory(engine, &caller, &scope) {
        return ApiResult::from_outcome("authorize", outcome);
    }
    on_io_threads(
        engine,
        |e| async move { e.authorize(&caller, &scope).await },
    )
    .await
}

/// `ensure` of `api` (a guarded API's gate): from memory on the caller's thread
/// when it allows now, else in full on the I/O threads.
pub(crate) async fn ensure(engine: &Arc<Engine>, caller: Caller, api: String) -> ApiResult {
    if ensure_allowed_from_memory(engine, &caller, &api) {
        return ApiResult::of_ensure(&api, Ok(()));
    }
    on_io_threads(engine, |e| async move { e.ensure(&caller, &api).await }).await
}

/// Runs `call` with the engine on the core's I/O threads and awaits its answer.
/// The call's future is boxed, so the thread pool's machinery exists once per
/// answer type rather than once per API (it weighed on the shipped library).
pub(crate) async fn on_io_threads<T, F>(
    engine: &Arc<Engine>,
    call: impl FnOnce(Arc<Engine>) -> F,
) -> T
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let work: Pin<Box<dyn Future<Output = T> + Send>> = Box::pin(call(engine.clone()));
    io_threads::run(work).await
}
