//! The core's own threads for disk I/O (SPEC §5, "main-safe"). A host awaits the
//! engine's async methods from its main/UI thread, and UniFFI polls the Rust
//! future on whatever thread resumes the host's coroutine or task — the main
//! thread. So every call that may touch SQLite (a read the cache cannot answer,
//! a commit and its fsync) runs here instead: [`run`] hands the future to a small
//! pool of named threads and returns a future that only waits for its answer.
//! What can be answered from memory (a cached verdict) never comes here.
//!
//! Dropping the future [`run`] returns (the host cancelled its coroutine) drops
//! the work on the pool at its next await, as if it had run inline; a panic in
//! the work is resumed in the awaiting future, as if it had run inline.

use std::future::Future;
use std::sync::OnceLock;

use futures::executor::ThreadPool;
use futures::future::{FutureExt, RemoteHandle};
use futures::task::SpawnExt;

/// How many I/O threads the process runs (shared by every engine). Each
/// engine's connection is used by one thread at a time, so more would only wait.
const IO_THREADS: usize = 2;

/// The name of the core's I/O threads, as the OS and debuggers show them.
pub(crate) const THREAD_NAME: &str = "miniapp-auth-io";

fn pool() -> &'static ThreadPool {
    static POOL: OnceLock<ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        ThreadPool::builder()
            .pool_size(IO_THREADS)
            .name_prefix(format!("{THREAD_NAME}-"))
            .create()
            .expect("the core's I/O threads could not be started")
    })
}

/// Runs `work` on the core's I/O threads; the returned future waits for its
/// output (and cancels it when dropped).
pub(crate) fn run<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> RemoteHandle<T> {
    let (task, handle) = work.remote_handle();
    // The pool only refuses a task once it is shut down, which a static pool never is.
    pool().spawn(task).expect("the core's I/O threads are gone");
    handle
}

/// Starts `work` on the core's I/O threads without waiting for it (upkeep that
/// no caller needs to see finish: a grant's "last used" note).
pub(crate) fn detach(work: impl FnOnce() + Send + 'static) {
    run(async move { work() }).forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_a_named_io_thread_and_answers() {
        let name = futures::executor::block_on(run(async {
            std::thread::current().name().map(str::to_owned)
        }));
        assert!(name.unwrap().starts_with(THREAD_NAME));
        assert_ne!(std::thread::current().name(), Some(THREAD_NAME));
    }

    #[test]
    fn a_dropped_handle_cancels_the_work() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let pending = run(async move {
            let _tx = tx; // dropped when the work is dropped
            futures::future::pending::<()>().await
        });
        drop(pending);
        // The sender is dropped once the pool sees the cancellation.
        assert_eq!(
            rx.recv_timeout(std::time::Duration::from_secs(5)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
        );
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            futures::executor::block_on(run(async { panic!("inside") }))
        });
        assert!(caught.is_err());
    }
}
