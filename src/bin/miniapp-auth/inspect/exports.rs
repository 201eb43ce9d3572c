//! The exports: every consent record as NDJSON, the consent-receipt document
//! exactly as `audit export` prints it, and every stored grant as CSV (quoted,
//! and safe to open in a spreadsheet: a cell starting with `=`, `+`, `-` or
//! `@` is prefixed with `'`). `GET /<token>/exports` links them.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::page::{layout, Reading};
use super::{blocking, Failure, Inspector, Shared};
use crate::receipts::receipt_text;

/// The CSV export's header line.
pub const CSV_HEADER: &str =
    "user,app,plugin,scope,state,source,updated_at_ms,expires_at_ms,last_used_at_ms";

/// `?user=U` of the receipts export.
#[derive(Deserialize)]
pub struct ReceiptsQuery {
    /// Only this user's receipts (all when absent or empty).
    user: Option<String>,
}

/// `GET /<token>/exports`: the links.
pub async fn page(State(shared): State<Shared>) -> Result<Html<String>, Failure> {
    blocking(&shared, |inspector| {
        let reading = Reading::now(inspector)?;
        let base = inspector.base();
        let body = html! {
            ul id="exports" {
                li { a href={ (base) "export/records.ndjson" } { "Consent records (NDJSON)" }
                     ": one consent record per line, oldest first." }
                li { a href={ (base) "export/receipts.json" } { "Consent receipts (JSON)" }
                     ": the document " code { "miniapp-auth audit export" } " prints." }
                li { a href={ (base) "export/grants.csv" } { "Stored grants (CSV)" }
                     ": every user's grants and denials." }
            }
            form id="receipts-form" method="get" action={ (base) "export/receipts.json" } {
                label for="receipts-user" { "Receipts of one user" }
                input id="receipts-user" name="user" required;
                button type="submit" { "Export" }
            }
        };
        Ok(layout(inspector, &reading, "Exports", body))
    })
    .await
}

/// A download of `content_type` with its `Content-Disposition`.
fn download(content_type: &'static str, disposition: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// `GET /<token>/export/records.ndjson`.
pub async fn records(State(shared): State<Shared>) -> Result<Response, Failure> {
    blocking(&shared, |inspector| {
        let records = inspector
            .engine
            .consent_records(None)
            .map_err(Failure::engine)?;
        let mut body = String::new();
        for record in &records {
            body.push_str(&serde_json::to_string(record).map_err(Failure::engine)?);
            body.push('\n');
        }
        Ok(download(
            "application/x-ndjson",
            "inline; filename=\"records.ndjson\"",
            body,
        ))
    })
    .await
}

/// `GET /<token>/export/receipts.json[?user=U]`.
pub async fn receipts(
    State(shared): State<Shared>,
    Query(asked): Query<ReceiptsQuery>,
) -> Result<Response, Failure> {
    blocking(&shared, move |inspector| {
        let user = asked.user.as_deref().filter(|u| !u.is_empty());
        let text = receipt_text(&inspector.engine, user).map_err(Failure::engine)?;
        Ok(download(
            "application/json; charset=utf-8",
            "inline; filename=\"receipts.json\"",
            text,
        ))
    })
    .await
}

/// `GET /<token>/export/grants.csv`.
pub async fn grants_csv(State(shared): State<Shared>) -> Result<Response, Failure> {
    blocking(&shared, |inspector| {
        Ok(download(
            "text/csv; charset=utf-8",
            "inline; filename=\"grants.csv\"",
            grants_text(inspector)?,
        ))
    })
    .await
}

/// Every stored grant as CSV text (header first, CRLF line ends).
fn grants_text(inspector: &Inspector) -> Result<String, Failure> {
    let engine = &inspector.engine;
    let mut out = format!("{CSV_HEADER}\r\n");
    let users = engine.list_users().map_err(Failure::engine)?;
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    for user in users {
        for g in engine.list_grants(user, None).map_err(Failure::engine)? {
            let cells = [
                g.user_id,
                g.app_id,
                g.plugin_id.unwrap_or_default(),
                g.scope,
                g.state.as_str().to_string(),
                g.source.as_str().to_string(),
                g.updated_at_ms.to_string(),
                number(g.expires_at_ms),
                number(g.last_used_at_ms),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    Ok(out)
}

/// One CSV cell: text a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) prefixed with `'`, then quoted when it holds a
/// comma, a quote or a line break (quotes doubled).
pub fn csv_cell(text: &str) -> String {
    let safe = match text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{text}"),
        false => text.to_string(),
    };
    match safe.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", safe.replace('"', "\"\"")),
        false => safe,
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("@x"), "'@x");
    }
}
