//! `GET /<token>/users/<user>`: one user's consent records, oldest first, each
//! marked by the chain check (verified, the first broken one, after the
//! break), and the user's stored rows no record backs, worded as
//! `audit verify` words them.

use axum::extract::{Path, State};
use axum::response::Html;
use maud::html;
use miniapp_auth::LogVerification;

use super::page::{encode, layout, utc_time, Reading};
use super::{blocking, Failure, Inspector, Shared};

/// `GET /<token>/users/<user>`.
pub async fn page(
    State(shared): State<Shared>,
    Path(user): Path<String>,
) -> Result<Html<String>, Failure> {
    blocking(&shared, move |inspector| render(inspector, &user)).await
}

/// A check of the whole consent log and the file state it was made on.
pub struct ChainCheck {
    /// The file's commit count, the log head's seq and hash when it was made.
    made_on: (u64, u64, String),
    /// What it found.
    found: LogVerification,
}

/// The consent log's check, made again only when the file saw a commit (this
/// process's or another's) or its head moved since the last one: the state
/// the page's `reading` (read before its data) found.
fn verification(inspector: &Inspector, reading: &Reading) -> Result<LogVerification, Failure> {
    let engine = &inspector.engine;
    let now = (reading.commits, reading.head_seq, reading.head_hash.clone());
    let mut kept = inspector
        .chain_check
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(check) = kept.as_ref().filter(|c| c.made_on == now) {
        return Ok(check.found.clone());
    }
    let found = engine.verify_consent_log().map_err(Failure::engine)?;
    *kept = Some(ChainCheck {
        made_on: now,
        found: found.clone(),
    });
    Ok(found)
}

/// Where a record stands in the chain check.
fn chain_mark(seq: u64, first_broken: Option<u64>) -> &'static str {
    match first_broken {
        Some(broken) if seq == broken => "broken",
        Some(broken) if seq > broken => "after-break",
        _ => "verified",
    }
}

/// The timeline of `user`.
fn render(inspector: &Inspector, user: &str) -> Result<Html<String>, Failure> {
    let reading = Reading::now(inspector)?;
    let engine = &inspector.engine;
    let records = engine
        .consent_records(Some(user.to_string()))
        .map_err(Failure::engine)?;
    let verification = verification(inspector, &reading)?;
    let broken = verification.first_broken_seq;
    let chain_intact = broken.is_none();
    // Each row as `audit verify` names it: "<table> row (user <id>, app …":
    // the table's name, then this user's id, from the start (a user id that
    // holds another's "(user …" is not theirs).
    let owner = format!(" row (user {user}, app ");
    let unbacked: Vec<&String> = verification
        .unmatched_rows
        .iter()
        .filter(|row| {
            row.split_once(" row (user ").is_some_and(|(table, _)| {
                !table.contains(' ') && row[table.len()..].starts_with(&owner)
            })
        })
        .collect();
    let base = inspector.base();
    let body = html! {
        p id="chain-status" data-intact=(chain_intact) {
            @if let Some(seq) = broken {
                "The consent log is broken at record " (seq) ": "
                (verification.problem.as_deref().unwrap_or("")) ". Records from there on are not verified."
            } @else {
                "The consent log's chain checks out: " (verification.records) " records verified."
            }
        }
        @if !unbacked.is_empty() {
            h2 { "Stored rows no consent record backs" }
            ul id="unbacked" {
                @for row in &unbacked { li { (row) } }
            }
        }
        h2 { "Consent records" }
        @if records.is_empty() {
            p { "No consent records for this user." }
        }
        ol id="timeline" {
            @for r in &records {
                @let mark = chain_mark(r.seq, broken);
                li data-seq=(r.seq) data-chain=(mark) class={ "chain-" (mark) } {
                    span class="chain" { (mark) }
                    " #" (r.seq) " "
                    time datetime=(utc_time(r.at_ms)) { (utc_time(r.at_ms)) }
                    " "
                    strong class="decision" { (r.decision) }
                    @if let Some(lifetime) = &r.lifetime { " (" (lifetime) ")" }
                    @if let Some(scope) = &r.scope { " " code { (scope) } }
                    @if let Some(template) = &r.template { " template " code { (template) } }
                    " in "
                    a href={ (base) "apps/" (encode(&r.app_id)) } { (r.app_id) }
                    @if let Some(plugin) = &r.plugin_id { " plugin " (plugin) }
                    dl {
                        dt { "source" } dd class="source" { (r.source) }
                        @if let Some(until) = r.until_ms { dt { "until" } dd { (utc_time(until)) } }
                        dt { "purpose seen" } dd class="purpose" { (r.purpose.as_deref().unwrap_or("—")) }
                        dt { "contract version" } dd class="contract" { (r.contract_version.as_deref().unwrap_or("—")) }
                        dt { "device" } dd class="device" { (r.device.as_deref().unwrap_or("this device")) }
                        dt { "hlc" } dd class="hlc" { (r.hlc.as_deref().unwrap_or("—")) }
                    }
                }
            }
        }
    };
    Ok(layout(
        inspector,
        &reading,
        &format!("Consent log of {user}"),
        body,
    ))
}
