//! `GET /<token>/apps/<app>`: the app's manifest (given with `--manifest`)
//! against what was asked and what stands now: one row per scope the manifest
//! declares or the log shows asked or decided, with the purpose string
//! declared, the users ever asked, and the users granted and denied now.
//! With `--allow-writes`, forms to change a grant and to reset the app.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::response::Html;
use maud::{html, Markup};
use miniapp_auth::Standing;

use super::matrix::cells_of;
use super::page::{encode, layout, Reading};
use super::writes::hidden_fields;
use super::{blocking, Failure, Inspector, Shared};

/// How many users a cell names before it only counts the rest.
const USERS_NAMED: usize = 10;

/// `GET /<token>/apps/<app>`.
pub async fn page(
    State(shared): State<Shared>,
    Path(app): Path<String>,
) -> Result<Html<String>, Failure> {
    blocking(&shared, move |inspector| render(inspector, &app)).await
}

/// What the page counts for one scope.
#[derive(Default)]
struct ScopeLine {
    /// The manifest's purpose string, when it declares the scope.
    declared: Option<String>,
    /// Users with a consent record of this scope in this app.
    asked: BTreeSet<String>,
    /// Users whose standing grants now: granted, until, or due for
    /// auto-revoke (it grants until maintenance revokes it).
    granted: BTreeSet<String>,
    /// Users whose standing is denied.
    denied: BTreeSet<String>,
}

/// The app view of `app`.
fn render(inspector: &Inspector, app: &str) -> Result<Html<String>, Failure> {
    let reading = Reading::now(inspector)?;
    let engine = &inspector.engine;
    let manifest = inspector.manifests.get(app);
    let mut lines: BTreeMap<String, ScopeLine> = BTreeMap::new();
    if let Some(permission) = manifest
        .and_then(|m| m.get("permission"))
        .and_then(|p| p.as_object())
    {
        for (scope, entry) in permission {
            let desc = entry
                .get("desc")
                .and_then(|d| d.as_str())
                .unwrap_or_default();
            lines.entry(scope.clone()).or_default().declared = Some(desc.to_string());
        }
    }
    for record in engine.consent_records(None).map_err(Failure::engine)? {
        if record.app_id != app || record.user_id.is_empty() {
            continue;
        }
        if let Some(scope) = record.scope {
            lines.entry(scope).or_default().asked.insert(record.user_id);
        }
    }
    for user in engine.list_users().map_err(Failure::engine)? {
        for cell in cells_of(inspector, &user)? {
            if cell.app != app {
                continue;
            }
            let line = lines.entry(cell.scope).or_default();
            match cell.standing {
                // Not allow-once: that answer lasts the run it was given in
                // (the matrix shows it as the last answer, not a grant now).
                Standing::Granted | Standing::Until | Standing::DueForAutoRevoke => {
                    line.granted.insert(user.clone());
                }
                Standing::Denied => {
                    line.denied.insert(user.clone());
                }
                _ => {}
            }
        }
    }
    let name = manifest
        .and_then(|m| m.get("name"))
        .and_then(|n| n.as_str());
    let title = match name {
        Some(name) => format!("{name} ({app})"),
        None => format!("App {app}"),
    };
    let base = inspector.base();
    // The count, then the first users (each linking to their timeline).
    let users = |set: &BTreeSet<String>| -> Markup {
        html! {
            (set.len())
            @if !set.is_empty() {
                ": "
                @for (i, user) in set.iter().take(USERS_NAMED).enumerate() {
                    @if i > 0 { ", " }
                    a href={ (base) "users/" (encode(user)) } { (user) }
                }
                @if set.len() > USERS_NAMED {
                    ", and " (set.len() - USERS_NAMED) " more"
                }
            }
        }
    };
    let body = html! {
        @if manifest.is_none() {
            p id="no-manifest" { "no manifest given (start the inspector with --manifest " (app) "=FILE.json to compare)" }
        }
        table id="app-scopes" {
            caption { "Declared, asked and decided, by scope" }
            thead {
                tr {
                    th scope="col" { "Scope" }
                    th scope="col" { "Declared (purpose string)" }
                    th scope="col" { "Asked (users)" }
                    th scope="col" { "Granted now" }
                    th scope="col" { "Denied now" }
                }
            }
            tbody {
                @for (scope, line) in &lines {
                    tr data-scope=(scope) {
                        th scope="row" { code { (scope) } }
                        td class="declared" {
                            @match &line.declared {
                                Some(desc) => (desc),
                                None => em { "not declared" },
                            }
                        }
                        td class="asked" { (users(&line.asked)) }
                        td class="granted" { (users(&line.granted)) }
                        td class="denied" { (users(&line.denied)) }
                    }
                }
            }
        }
        @if inspector.csrf.is_some() {
            (write_forms(inspector, app))
        }
    };
    Ok(layout(inspector, &reading, &title, body))
}

/// The forms that change this app's grants (only with `--allow-writes`).
fn write_forms(inspector: &Inspector, app: &str) -> Markup {
    let base = inspector.base();
    let back = format!("{base}apps/{}", encode(app));
    html! {
        h2 { "Change a decision" }
        form id="grant-form" method="post" action={ (base) "grants" } {
            (hidden_fields(inspector, &back))
            input type="hidden" name="app" value=(app);
            label for="grant-user" { "User" }
            input id="grant-user" name="user" required;
            label for="grant-plugin" { "Plugin (empty: the app itself)" }
            input id="grant-plugin" name="plugin";
            label for="grant-scope" { "Scope" }
            input id="grant-scope" name="scope" required;
            label for="grant-action" { "Action" }
            select id="grant-action" name="action" {
                option value="grant" { "grant" }
                option value="deny" { "deny" }
                option value="revoke" { "revoke (unasked again)" }
            }
            button type="submit" { "Apply" }
        }
        h2 { "Reset the app" }
        form id="reset-form" method="post" action={ (base) "apps/" (encode(app)) "/reset" } {
            (hidden_fields(inspector, &back))
            label for="reset-user" { "User (empty: every user)" }
            input id="reset-user" name="user";
            button type="submit" { "Reset" }
        }
    }
}
