//! A one-way "closed" signal that futures can wait on: the engine's (its host
//! closed it: every open dialog ends, SPEC §5) and a host call's
//! ([`CallCancellation`]: a Swift `Task` cancelled, which UniFFI's generated
//! Swift never passes on to the core). Closing wakes every waiter at once; a
//! waiter that starts after it is ready at once.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::dialect::Failure;

/// The signal.
#[derive(Default)]
pub(crate) struct Closing {
    closed: AtomicBool,
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    next: u64,
    wakers: HashMap<u64, Waker>,
}

impl Closing {
    /// Closes: every waiter is woken. Closing again does nothing.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut self.lock().wakers);
        for waker in wakers.into_values() {
            waker.wake();
        }
    }

    /// Whether it is closed.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Ready once closed.
    pub fn closed(&self) -> Closed<'_> {
        Closed {
            closing: self,
            id: None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The future of [`Closing::closed`]; dropping it forgets its waker.
pub(crate) struct Closed<'a> {
    closing: &'a Closing,
    id: Option<u64>,
}

impl Future for Closed<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.closing.is_closed() {
            return Poll::Ready(());
        }
        let mut waiters = self.closing.lock();
        // Looked at again under the lock: a close between the two looks has
        // taken the wakers already and would never wake this one.
        if self.closing.is_closed() {
            return Poll::Ready(());
        }
        let id = *self.id.get_or_insert_with(|| {
            waiters.next += 1;
            waiters.next
        });
        waiters.wakers.insert(id, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Closed<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.closing.lock().wakers.remove(&id);
        }
    }
}

/// A host's handle on one mini-app call, to cancel it from outside: Swift's
/// layer makes one per call and cancels it when the caller's `Task` is
/// cancelled (Kotlin's coroutines cancel the call themselves). Cancelling ends
/// the call's dialog as the host's own cancellation would — the host's dialog
/// future is dropped (cancelled on its side), the dialog slot freed, nothing
/// decided — and the call answers `cancelled by the host` (errno 1306).
#[derive(Default, uniffi::Object)]
pub struct CallCancellation {
    closing: Closing,
}

#[uniffi::export]
impl CallCancellation {
    /// A cancellation not yet cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<CallCancellation> {
        Arc::default()
    }

    /// Cancels the call (if it is still running; it answers at once).
    pub fn cancel(&self) {
        self.closing.close();
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.closing.is_closed()
    }
}

impl CallCancellation {
    /// Ready once cancelled.
    pub(crate) fn cancelled(&self) -> Closed<'_> {
        self.closing.closed()
    }
}

/// `call`'s answer — unless `cancellation` is cancelled first: then `call` is
/// dropped (its dialog taken down, its slot freed) and the answer is
/// `cancelled(Failure::CancelledByHost)`.
pub(crate) async fn unless_cancelled<T>(
    cancellation: &CallCancellation,
    call: impl Future<Output = T>,
    cancelled: impl FnOnce(Failure) -> T,
) -> T {
    if cancellation.is_cancelled() {
        return cancelled(Failure::CancelledByHost);
    }
    let call = std::pin::pin!(call);
    match futures::future::select(call, cancellation.cancelled()).await {
        futures::future::Either::Left((answer, _)) => answer,
        futures::future::Either::Right(_) => {
            log::info!("the host cancelled a call: its dialog, if open, decided nothing");
            cancelled(Failure::CancelledByHost)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    #[test]
    fn a_waiter_is_woken_by_the_close_and_a_late_one_is_ready_at_once() {
        let closing = Arc::new(Closing::default());
        let waiting = {
            let closing = closing.clone();
            std::thread::spawn(move || futures::executor::block_on(closing.closed()))
        };
        while closing.lock().wakers.is_empty() {
            std::thread::yield_now();
        }
        closing.close();
        waiting.join().unwrap();
        assert!(closing.closed().now_or_never().is_some());
    }

    #[test]
    fn a_dropped_waiter_leaves_no_waker_behind() {
        let closing = Closing::default();
        {
            let mut waiter = closing.closed();
            assert!((&mut waiter).now_or_never().is_none());
            assert_eq!(closing.lock().wakers.len(), 1);
        }
        assert!(closing.lock().wakers.is_empty());
    }
}
