//! The POST handlers (only with `--allow-writes`): change one grant, or reset
//! an app. Each goes through the engine's administration calls — the one
//! door, which records it with source `admin` — and answers 303 to the view
//! the form was on.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::guard::check_write;
use super::{blocking, Failure, Inspector, Shared};

/// The hidden fields every write form carries: the CSRF token and the view
/// to return to.
pub fn hidden_fields(inspector: &Inspector, back: &str) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(inspector.csrf.as_deref().unwrap_or(""));
        input type="hidden" name="back" value=(back);
    }
}

/// `POST /<token>/grants`'s fields.
#[derive(Deserialize)]
pub struct GrantForm {
    /// The CSRF token (the hidden field).
    #[serde(default)]
    csrf: String,
    /// The view to return to (the hidden field).
    #[serde(default)]
    back: String,
    /// The user.
    #[serde(default)]
    user: String,
    /// The app.
    #[serde(default)]
    app: String,
    /// The plugin (empty: the app itself).
    #[serde(default)]
    plugin: String,
    /// The scope.
    #[serde(default)]
    scope: String,
    /// `grant`, `deny` or `revoke`.
    #[serde(default)]
    action: String,
}

/// `POST /<token>/apps/<app>/reset`'s fields.
#[derive(Deserialize)]
pub struct ResetForm {
    /// The CSRF token (the hidden field).
    #[serde(default)]
    csrf: String,
    /// The view to return to (the hidden field).
    #[serde(default)]
    back: String,
    /// The user (empty: every user).
    #[serde(default)]
    user: String,
}

/// 303 to `back` when it is a view of this server, else to the matrix.
fn see_other(inspector: &Inspector, back: &str) -> Response {
    let base = inspector.base();
    let target = match back.starts_with(&base) && !back.contains("//") && !back.contains('\\') {
        true => back.to_string(),
        false => base,
    };
    (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response()
}

/// The form of a write, once [`check_write`] lets it through (a body that is
/// not a form has no CSRF field: refused as one without).
fn read_form<T>(
    inspector: &Inspector,
    headers: &HeaderMap,
    form: Result<Form<T>, FormRejection>,
    csrf: impl Fn(&T) -> &String,
) -> Result<T, Failure> {
    let form = form.ok().map(|Form(f)| f);
    check_write(
        inspector,
        headers,
        form.as_ref().map(|f| csrf(f).as_str()).unwrap_or(""),
    )?;
    form.ok_or_else(|| Failure::bad_request("the body is not a form"))
}

/// `Some(text)` unless empty.
fn given(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// `POST /<token>/grants`: action `grant`, `deny` or `revoke`.
pub async fn grant(
    State(shared): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<GrantForm>, FormRejection>,
) -> Result<Response, Failure> {
    let form = read_form(&shared, &headers, form, |f: &GrantForm| &f.csrf)?;
    blocking(&shared, move |inspector| {
        let engine = &inspector.engine;
        let plugin = given(&form.plugin);
        let (user, app, scope) = (form.user.clone(), form.app.clone(), form.scope.clone());
        let done = match form.action.as_str() {
            "grant" => engine.set_grant(user, app, plugin, scope, true),
            "deny" => engine.set_grant(user, app, plugin, scope, false),
            "revoke" => engine.revoke_grant(user, app, plugin, scope),
            other => {
                return Err(Failure::bad_request(format!(
                    "action must be grant, deny or revoke, not {other:?}"
                )))
            }
        };
        done.map_err(|e| Failure::bad_request(e.to_string()))?;
        Ok(see_other(inspector, &form.back))
    })
    .await
}

/// `POST /<token>/apps/<app>/reset`: the app's grants and agreement, for one
/// user or every user.
pub async fn reset_app(
    State(shared): State<Shared>,
    Path(app): Path<String>,
    headers: HeaderMap,
    form: Result<Form<ResetForm>, FormRejection>,
) -> Result<Response, Failure> {
    let form = read_form(&shared, &headers, form, |f: &ResetForm| &f.csrf)?;
    blocking(&shared, move |inspector| {
        inspector
            .engine
            .reset_app(app, given(&form.user))
            .map_err(|e| Failure::bad_request(e.to_string()))?;
        Ok(see_other(inspector, &form.back))
    })
    .await
}
