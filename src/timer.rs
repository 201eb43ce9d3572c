//! Timeouts without an async runtime: one lazily started background thread wakes
//! [`Sleep`] futures at their deadlines. The engine races each host dialog against
//! one, so a host that never answers cannot hold a (user, app) forever.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

struct Alarm {
    fired: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

struct Pending {
    deadline: Instant,
    sequence: u64,
    alarm: Weak<Alarm>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.sequence) == (other.deadline, other.sequence)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.sequence).cmp(&(other.deadline, other.sequence))
    }
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<Pending>>,
    sequence: u64,
}

struct TimerThread {
    queue: Mutex<Queue>,
    changed: Condvar,
}

fn timer() -> &'static TimerThread {
    static TIMER: OnceLock<&'static TimerThread> = OnceLock::new();
    TIMER.get_or_init(|| {
        let timer: &'static TimerThread = Box::leak(Box::new(TimerThread {
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("miniapp-auth-timer".into())
            .spawn(move || timer.run())
            .expect("spawning the timer thread");
        timer
    })
}

impl TimerThread {
    fn run(&self) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let now = Instant::now();
            match queue.heap.peek() {
                None => {
                    queue = self.changed.wait(queue).unwrap_or_else(|p| p.into_inner());
                }
                Some(Reverse(next)) if next.deadline <= now => {
                    let Some(Reverse(due)) = queue.heap.pop() else {
                        continue;
                    };
                    if let Some(alarm) = due.alarm.upgrade() {
                        alarm.fired.store(true, Ordering::SeqCst);
                        let waker = alarm.waker.lock().unwrap_or_else(|p| p.into_inner()).take();
                        if let Some(waker) = waker {
                            waker.wake();
                        }
                    }
                }
                Some(Reverse(next)) => {
                    let wait = next.deadline - now;
                    queue = self
                        .changed
                        .wait_timeout(queue, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }

    fn schedule(&self, deadline: Instant, alarm: &Arc<Alarm>) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.sequence += 1;
        let sequence = queue.sequence;
        // The thread sleeps until the earliest deadline; it needs waking only
        // when this one comes first (dialog timeouts are all "now + the same
        // duration", so usually it does not: no wake-up per dialog).
        let earliest = queue
            .heap
            .peek()
            .is_none_or(|Reverse(next)| deadline < next.deadline);
        queue.heap.push(Reverse(Pending {
            deadline,
            sequence,
            alarm: Arc::downgrade(alarm),
        }));
        if earliest {
            self.changed.notify_one();
        }
    }
}

/// A future that completes after a duration.
pub struct Sleep {
    alarm: Arc<Alarm>,
}

/// Completes after `duration` (measured on the monotonic clock).
pub fn sleep(duration: Duration) -> Sleep {
    let alarm = Arc::new(Alarm {
        fired: AtomicBool::new(false),
        waker: Mutex::new(None),
    });
    timer().schedule(Instant::now() + duration, &alarm);
    Sleep { alarm }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.alarm.fired.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        *self.alarm.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
        // The timer may have fired between the check and storing the waker.
        if self.alarm.fired.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_complete_in_deadline_order() {
        let started = Instant::now();
        futures::executor::block_on(async {
            let long = sleep(Duration::from_millis(60));
            let short = sleep(Duration::from_millis(10));
            short.await;
            assert!(started.elapsed() >= Duration::from_millis(10));
            long.await;
        });
        assert!(started.elapsed() >= Duration::from_millis(60));
    }
}
