//! `GET /<token>/`: the user × app × scope matrix. One row per (user, app,
//! plugin) with any stored state, one cell per scope naming its standing
//! (granted, denied, allow-once, until, unasked, embargoed,
//! due-for-auto-revoke) in words, with details in its title; 20 users a page,
//! filtered by user and app on the server.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Html;
use maud::{html, Markup};
use miniapp_auth::{ScopeKind, Standing};
use serde::Deserialize;

use super::page::{encode, layout, query, utc_time, Reading};
use super::{blocking, Failure, Inspector, Shared};

/// Users shown on one page.
pub const PAGE_SIZE: usize = 20;

/// The matrix's query: `?page=N&user=U&app=A`.
#[derive(Deserialize, Default)]
pub struct MatrixQuery {
    /// The page, from 1 (the first when absent).
    page: Option<String>,
    /// Only users whose id contains this.
    user: Option<String>,
    /// Only rows whose app id contains this.
    app: Option<String>,
}

/// One cell: where a scope of (user, app, plugin) stands.
pub struct Cell {
    /// The app.
    pub app: String,
    /// The plugin, if the state is in a plugin's namespace.
    pub plugin: Option<String>,
    /// The scope.
    pub scope: String,
    /// Where it stands (its `data-state` word: `Standing::as_str`).
    pub standing: Standing,
    /// Details for the title: since when, until when, last used.
    pub details: String,
}

/// Every (app, plugin, scope) of `user` with stored state, as the core's
/// `scope_standings` puts it.
pub fn cells_of(inspector: &Inspector, user: &str) -> Result<Vec<Cell>, Failure> {
    let standings = inspector
        .engine
        .scope_standings(user.to_string())
        .map_err(Failure::engine)?;
    Ok(standings
        .into_iter()
        .map(|s| {
            let mut details = vec![label(s.standing.as_str()).to_string()];
            if let Some(at) = s.decided_at_ms {
                details.push(format!("decided {}", utc_time(at)));
            }
            if let Some(until) = s.until_ms {
                details.push(format!("until {}", utc_time(until)));
            }
            if let Some(used) = s.last_used_at_ms {
                details.push(format!("last used {}", utc_time(used)));
            }
            if s.dismissals > 0 {
                details.push(format!("dismissed {} times in a row", s.dismissals));
            }
            Cell {
                app: s.app_id,
                plugin: s.plugin_id,
                scope: s.scope,
                standing: s.standing,
                details: details.join(", "),
            }
        })
        .collect())
}

/// A matrix row: (user, app, plugin).
type RowKey = (String, String, Option<String>);

/// The words a cell shows for its state.
fn label(state: &str) -> &str {
    match state {
        "due-for-auto-revoke" => "due for auto-revoke",
        other => other,
    }
}

/// `GET /<token>/`.
pub async fn page(
    State(shared): State<Shared>,
    Query(asked): Query<MatrixQuery>,
) -> Result<Html<String>, Failure> {
    blocking(&shared, move |inspector| render(inspector, &asked)).await
}

/// The matrix page asked for.
fn render(inspector: &Inspector, asked: &MatrixQuery) -> Result<Html<String>, Failure> {
    let reading = Reading::now(inspector)?;
    let engine = &inspector.engine;
    let user_filter = asked.user.as_deref().filter(|u| !u.is_empty());
    let app_filter = asked.app.as_deref().filter(|a| !a.is_empty());
    // In order already (the core sorts them).
    let mut users = engine.list_users().map_err(Failure::engine)?;
    users.retain(|u| user_filter.is_none_or(|f| u.contains(f)));
    let pages = users.len().div_ceil(PAGE_SIZE).max(1);
    let page: usize = match asked.page.as_deref() {
        None | Some("") => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|n| (1..=pages).contains(n))
            .ok_or_else(|| Failure::bad_request(format!("no page {p:?} (1 to {pages})")))?,
    };
    let first = (page - 1) * PAGE_SIZE;
    let shown = &users[first.min(users.len())..(first + PAGE_SIZE).min(users.len())];
    // Rows: (user, app, plugin) → scope → cell.
    let mut rows: Vec<(RowKey, BTreeMap<String, Cell>)> = Vec::new();
    // The columns: the scopes a user decides (an always-granted or
    // never-prompting scope has no decision to show), then any other scope
    // the file holds (a host scope this process has not registered).
    let mut scopes: Vec<String> = engine
        .scopes()
        .into_iter()
        .filter(|s| matches!(s.kind, ScopeKind::Promptable | ScopeKind::SettingsOnly))
        .map(|s| s.name)
        .collect();
    for user in shown {
        let mut by_row: BTreeMap<(String, Option<String>), BTreeMap<String, Cell>> =
            BTreeMap::new();
        for cell in cells_of(inspector, user)? {
            if app_filter.is_some_and(|f| !cell.app.contains(f)) {
                continue;
            }
            if !scopes.contains(&cell.scope) {
                scopes.push(cell.scope.clone());
            }
            by_row
                .entry((cell.app.clone(), cell.plugin.clone()))
                .or_default()
                .insert(cell.scope.clone(), cell);
        }
        rows.extend(
            by_row
                .into_iter()
                .map(|((app, plugin), cells)| ((user.clone(), app, plugin), cells)),
        );
    }
    let base = inspector.base();
    let link_with = |page: usize| {
        let page = page.to_string();
        format!(
            "{base}?{}",
            query(&[
                ("page", Some(&page)),
                ("user", user_filter),
                ("app", app_filter),
            ])
        )
    };
    let summary = match shown.len() {
        0 => format!("users 0 of {}", users.len()),
        n => format!("users {}–{} of {}", first + 1, first + n, users.len()),
    };
    let body = html! {
        form id="matrix-filters" method="get" action=(base) {
            label for="filter-user" { "User" }
            input id="filter-user" name="user" type="search" value=[user_filter];
            label for="filter-app" { "App" }
            input id="filter-app" name="app" type="search" value=[app_filter];
            button type="submit" { "Filter" }
        }
        p id="matrix-summary" { (summary) }
        (pagination(page, pages, &link_with))
        @if rows.is_empty() {
            p id="matrix-empty" { "No stored decisions match." }
        } @else {
            div class="table-scroll" {
                table id="matrix" {
                    caption { "Where each scope stands, by user, app and plugin" }
                    thead {
                        tr {
                            th scope="col" { "User" }
                            th scope="col" { "App" }
                            th scope="col" { "Plugin" }
                            @for scope in &scopes {
                                th scope="col" data-scope=(scope) { (scope.strip_prefix("scope.").unwrap_or(scope)) }
                            }
                        }
                    }
                    tbody {
                        @for ((user, app, plugin), cells) in &rows {
                            tr data-user=(user) data-app=(app) data-plugin=(plugin.as_deref().unwrap_or("")) {
                                th scope="row" { a href={ "users/" (encode(user)) } { (user) } }
                                td { a href={ "apps/" (encode(app)) } { (app) } }
                                td { (plugin.as_deref().unwrap_or("")) }
                                @for scope in &scopes {
                                    (cell(user, app, plugin.as_deref(), scope, cells.get(scope)))
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(inspector, &reading, "Decisions", body))
}

/// One scope's cell, linking to why the call would be answered as it would
/// (links relative to the matrix, served at `/<token>/`).
fn cell(user: &str, app: &str, plugin: Option<&str>, scope: &str, stored: Option<&Cell>) -> Markup {
    let (state, details) = match stored {
        Some(c) => (c.standing.as_str(), c.details.clone()),
        None => ("unasked", "unasked: nothing stored".to_string()),
    };
    let why = format!(
        "why?{}",
        query(&[
            ("user", Some(user)),
            ("app", Some(app)),
            ("api", Some("authorize")),
            ("scope", Some(scope)),
            ("plugin", plugin),
        ])
    );
    html! {
        td data-scope=(scope) data-state=(state) title=(details) {
            a href=(why) { (label(state)) }
        }
    }
}

/// The previous/next links (a `<nav>` naming the page).
fn pagination(page: usize, pages: usize, link: &dyn Fn(usize) -> String) -> Markup {
    html! {
        @if pages > 1 {
            nav class="pages" aria-label="Pages" {
                @if page > 1 { a rel="prev" href=(link(page - 1)) { "← previous" } " " }
                span { "page " (page) " of " (pages) }
                @if page < pages { " " a rel="next" href=(link(page + 1)) { "next →" } }
            }
        }
    }
}
