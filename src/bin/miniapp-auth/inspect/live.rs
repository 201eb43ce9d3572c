//! `GET /<token>/events`: server-sent events. `event: commit` with the file's
//! commit count each time the file sees a commit (this process's or
//! another's, from the core's `wait_for_commit`, on the blocking pool); a
//! comment every 15 s keeps the stream open.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Inspector, Shared};

/// How many event streams may be open at once: each waits on a thread of the
/// blocking pool, which the views need too (a browser keeps 6 connections per
/// origin, one a tab).
pub const MAX_STREAMS: usize = 16;

/// One open stream's place among [`MAX_STREAMS`], given back when the stream
/// ends (the client went away).
struct StreamSlot(Shared);

impl StreamSlot {
    fn take(shared: &Shared) -> Option<StreamSlot> {
        let open = shared.streams.fetch_add(1, Ordering::SeqCst);
        if open >= MAX_STREAMS {
            shared.streams.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(StreamSlot(shared.clone()))
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The event stream's query.
#[derive(serde::Deserialize)]
pub struct Since {
    /// The commit count to report commits after.
    since: Option<u64>,
}

/// How long one wait for a commit lasts before a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Waits up to `wait` for the file's commit count to pass `seen` (the core's
/// `wait_for_commit`); the count then (`None` once the engine fails or closes).
fn wait_for_commit(inspector: &Inspector, seen: u64, wait: Duration) -> Option<u64> {
    let timeout_ms = u32::try_from(wait.as_millis()).unwrap_or(u32::MAX);
    inspector.engine.wait_for_commit(seen, timeout_ms).ok()
}

/// `GET /<token>/events[?since=N]`: from `since` (the commit count the page
/// was read at: `data-commits`), else from now.
pub async fn events(State(shared): State<Shared>, Query(from): Query<Since>) -> Response {
    let Some(slot) = StreamSlot::take(&shared) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("too many event streams open ({MAX_STREAMS}); close another view"),
        )
            .into_response();
    };
    let start = match from.since {
        Some(since) => since,
        None => {
            let shared = shared.clone();
            tokio::task::spawn_blocking(move || wait_for_commit(&shared, u64::MAX, Duration::ZERO))
                .await
                .ok()
                .flatten()
                .unwrap_or(0)
        }
    };
    let stream =
        futures::stream::unfold((shared, start, slot), |(shared, seen, slot)| async move {
            let waiting = shared.clone();
            let now =
                tokio::task::spawn_blocking(move || wait_for_commit(&waiting, seen, KEEP_ALIVE))
                    .await
                    .ok()
                    .flatten()?;
            let chunk = match now != seen {
                true => format!("event: commit\ndata: {now}\n\n"),
                false => ": keep-alive\n\n".to_string(),
            };
            Some((Ok::<_, Infallible>(chunk), (shared, now, slot)))
        });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
