//! `GET /<token>/events`: server-sent events. `event: commit` with the file's
//! commit count each time the file sees a commit (this process's or
//! another's); a comment every 15 s keeps the stream open.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{Inspector, Shared};

/// How long one wait for a commit lasts before a keep-alive comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The file's commit count now (what the stream compares against).
fn commits(inspector: &Inspector) -> Option<u64> {
    inspector.engine.consent_log_head().ok().map(|h| h.seq)
}

/// Waits up to [`KEEP_ALIVE`] for the count to pass `seen`; the count then.
fn wait_for_commit(inspector: &Inspector, seen: u64) -> Option<u64> {
    let deadline = std::time::Instant::now() + KEEP_ALIVE;
    loop {
        let now = commits(inspector)?;
        if now != seen || std::time::Instant::now() >= deadline {
            return Some(now);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// `GET /<token>/events`.
pub async fn events(State(shared): State<Shared>) -> Response {
    let start = {
        let shared = shared.clone();
        tokio::task::spawn_blocking(move || commits(&shared))
            .await
            .ok()
            .flatten()
            .unwrap_or(0)
    };
    let stream = futures::stream::unfold((shared, start), |(shared, seen)| async move {
        let waiting = shared.clone();
        let now = tokio::task::spawn_blocking(move || wait_for_commit(&waiting, seen))
            .await
            .ok()
            .flatten()?;
        let chunk = match now != seen {
            true => format!("event: commit\ndata: {now}\n\n"),
            false => ": keep-alive\n\n".to_string(),
        };
        Some((Ok::<_, Infallible>(chunk), (shared, now)))
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
