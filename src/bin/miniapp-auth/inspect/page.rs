//! The layout every page shares (head, nav, the data's time of reading and
//! the log head), the static script and stylesheet, and small helpers the
//! views use: URL encoding and UTC times.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::header;
use axum::response::{Html, IntoResponse};
use maud::{html, Markup, DOCTYPE};

use super::{Failure, Inspector};

/// The stylesheet, served at `static/inspector.css`.
const STYLESHEET: &str = include_str!("static/inspector.css");

/// The one script, served at `static/inspector.js`.
const SCRIPT: &str = include_str!("static/inspector.js");

/// `GET static/inspector.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
}

/// `GET static/inspector.js`.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
}

/// When the page's data was read and the consent log's head then.
pub struct Reading {
    /// When, in ms since the Unix epoch.
    pub at_ms: i64,
    /// The log's last `seq`.
    pub head_seq: u64,
    /// The log's last hash.
    pub head_hash: String,
    /// The file's commit count as this engine had seen it before the data
    /// was read: the page's event stream starts from it, so that a commit
    /// made while the page was being read still reloads it.
    pub commits: u64,
}

impl Reading {
    /// Reads the clock and the log head (call it before reading the data).
    pub fn now(inspector: &Inspector) -> Result<Reading, Failure> {
        let head = inspector
            .engine
            .consent_log_head()
            .map_err(Failure::engine)?;
        // The count now, without waiting (the head's read looked for other
        // processes' commits).
        let commits = inspector
            .engine
            .wait_for_commit(u64::MAX, 0)
            .map_err(Failure::engine)?;
        Ok(Reading {
            at_ms: now_ms(),
            head_seq: head.seq,
            head_hash: head.hash,
            commits,
        })
    }
}

/// The time now in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A page: the shared layout around `body`, titled `title` (also its `<h1>`).
pub fn layout(inspector: &Inspector, reading: &Reading, title: &str, body: Markup) -> Html<String> {
    let base = inspector.base();
    let hash_start: String = reading.head_hash.chars().take(12).collect();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — miniapp-auth inspector" }
                link rel="stylesheet" href={ (base) "static/inspector.css" };
                script src={ (base) "static/inspector.js" } defer {}
            }
            body data-base=(base) data-commits=(reading.commits) {
                header {
                    nav aria-label="Inspector" {
                        ul {
                            li { a href=(base) { "Matrix" } }
                            li { a href={ (base) "why" } { "Why" } }
                            li { a href={ (base) "exports" } { "Exports" } }
                        }
                    }
                    p id="reading" {
                        "Read at "
                        time id="read-at" datetime=(utc_time(reading.at_ms)) { (utc_time(reading.at_ms)) }
                        " · log head "
                        span id="log-head" data-seq=(reading.head_seq) data-hash=(reading.head_hash) {
                            "seq " (reading.head_seq) ", hash " code { (hash_start) }
                        }
                        @if inspector.csrf.is_some() {
                            " · " strong { "writes allowed" }
                        } @else {
                            " · read-only"
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string())
}

/// `value` percent-encoded for a URL query value or path segment.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A query string from pairs (values encoded; `None` values left out).
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name}={}", encode(v))))
        .collect();
    parts.join("&")
}

/// Epoch milliseconds as an ISO 8601 UTC time, `2026-12-07T21:49:39.123Z`.
pub fn utc_time(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_are_civil_dates() {
        assert_eq!(utc_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc_time(1_796_680_179_123), "2026-12-07T21:49:39.123Z");
        assert_eq!(utc_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn encoding_leaves_only_unreserved_characters() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(
            query(&[
                ("user", Some("u 1")),
                ("plugin", None),
                ("app", Some("wxA"))
            ]),
            "user=u%201&app=wxA"
        );
    }
}
