//! `GET /<token>/why`: for a user, app and API (and scope, plugin, tap), what
//! the core would answer now and the rule that decides — from the core's own
//! read-only `explain`, never a copy of its rules. A plain GET form (works
//! without JavaScript) above the answer; `why.json` gives the same
//! explanation as JSON (`Explanation::to_json`, as the bridge's `explain` op
//! gives it) for the script.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};
use miniapp_auth::{Caller, ExplainedVerdict, Explanation};
use serde::Deserialize;

use super::page::{layout, Reading};
use super::{blocking, Failure, Inspector, Shared};

/// The why's query: `?user=U&app=A&api=API[&scope=S][&plugin=P][&tap=1]`.
#[derive(Deserialize, Default, Clone)]
pub struct WhyQuery {
    /// The user.
    #[serde(default)]
    user: String,
    /// The app.
    #[serde(default)]
    app: String,
    /// The API (`authorize`, `authorizeForMiniProgram`, a guarded API).
    #[serde(default)]
    api: String,
    /// The scope (for `authorize`-like APIs; may be empty).
    #[serde(default)]
    scope: String,
    /// The plugin calling (may be empty).
    #[serde(default)]
    plugin: String,
    /// `1` when the call comes from a tap.
    #[serde(default)]
    tap: String,
}

impl WhyQuery {
    /// Whether the form was filled in (user, app and API given).
    fn is_asked(&self) -> bool {
        !self.user.is_empty() && !self.app.is_empty() && !self.api.is_empty()
    }

    /// The caller the query names.
    fn caller(&self) -> Caller {
        Caller {
            user_id: self.user.clone(),
            app_id: self.app.clone(),
            plugin_id: (!self.plugin.is_empty()).then(|| self.plugin.clone()),
            user_gesture: matches!(self.tap.as_str(), "1" | "true" | "on"),
        }
    }
}

/// What `<output id="why-result">` says: the errMsg the mini app would get,
/// or which dialog would come first (inspector.js words it the same way).
pub fn shown(explanation: &Explanation) -> String {
    match (&explanation.result, explanation.verdict) {
        (Some(result), _) => result.err_msg.clone(),
        (None, ExplainedVerdict::AskPrivacy) => "would ask for the privacy agreement".into(),
        (None, ExplainedVerdict::AskUserAndPrivacy) => {
            "would ask for the privacy agreement and show the consent dialog".into()
        }
        (None, _) => "would show the consent dialog".into(),
    }
}

/// Asks the core why (its read-only `explain`: the real gate, nothing written).
fn explain(inspector: &Inspector, asked: &WhyQuery) -> Result<Explanation, Failure> {
    let scope = (!asked.scope.is_empty()).then(|| asked.scope.clone());
    inspector
        .engine
        .explain(asked.caller(), asked.api.clone(), scope)
        .map_err(|e| Failure::bad_request(e.to_string()))
}

/// `GET /<token>/why`.
pub async fn page(
    State(shared): State<Shared>,
    Query(asked): Query<WhyQuery>,
) -> Result<Html<String>, Failure> {
    blocking(&shared, move |inspector| {
        let reading = Reading::now(inspector)?;
        let answer = match asked.is_asked() {
            true => Some(explain(inspector, &asked)),
            false => None,
        };
        let unregistered = !asked.app.is_empty() && !inspector.manifests.contains_key(&asked.app);
        let body = html! {
            (form(inspector, &asked))
            @if unregistered {
                p id="why-no-manifest" {
                    "No manifest was given for " code { (asked.app) } " (" code { "--manifest " (asked.app) "=FILE" }
                    "): the answer is the one an app with an empty manifest gets — no purpose strings, \
                     no privacy contract. A host that registered one may answer otherwise."
                }
            }
            @match answer {
                Some(Ok(explained)) => (answer_section(&explained)),
                Some(Err(failure)) => section id="why" data-verdict="" data-rule="" {
                    p class="error" { (failure.message) }
                },
                None => section id="why" data-verdict="" data-rule="" hidden {},
            }
        };
        Ok(layout(inspector, &reading, "Why", body))
    })
    .await
}

/// `GET /<token>/why.json`.
pub async fn json(
    State(shared): State<Shared>,
    Query(asked): Query<WhyQuery>,
) -> Result<Response, Failure> {
    if !asked.is_asked() {
        return Err(Failure::bad_request("user, app and api are required"));
    }
    blocking(&shared, move |inspector| {
        let explained = explain(inspector, &asked)?;
        Ok((
            [(header::CONTENT_TYPE, "application/json")],
            explained.to_json().to_string(),
        )
            .into_response())
    })
    .await
}

/// The GET form.
fn form(inspector: &Inspector, asked: &WhyQuery) -> Markup {
    let tap = matches!(asked.tap.as_str(), "1" | "true" | "on");
    html! {
        form id="why-form" method="get" action={ (inspector.base()) "why" } {
            label for="why-user" { "User" }
            input id="why-user" name="user" required value=(asked.user);
            label for="why-app" { "App" }
            input id="why-app" name="app" required value=(asked.app);
            label for="why-api" { "API" }
            input id="why-api" name="api" required list="why-apis" value=(if asked.api.is_empty() { "authorize" } else { &asked.api });
            datalist id="why-apis" {
                option value="authorize" {}
                option value="authorizeForMiniProgram" {}
                option value="getLocation" {}
                option value="getClipboardData" {}
            }
            label for="why-scope" { "Scope (authorize)" }
            input id="why-scope" name="scope" value=(asked.scope);
            label for="why-plugin" { "Plugin (optional)" }
            input id="why-plugin" name="plugin" value=(asked.plugin);
            label for="why-tap" { "Called from a tap" }
            input id="why-tap" name="tap" type="checkbox" value="1" checked[tap];
            button type="submit" { "Explain" }
        }
    }
}

/// The answer: the verdict, what the app would get, the rule and its facts.
pub fn answer_section(explained: &Explanation) -> Markup {
    html! {
        section id="why" data-verdict=(explained.verdict.as_str()) data-rule=(explained.rule) {
            h2 { "Answer now" }
            p { "The app would get: " output id="why-result" { (shown(explained)) } }
            p id="why-because" { "Rule " code id="why-rule" { (explained.rule) } ": " (explained.because) }
            dl id="why-facts" {
                @for fact in &explained.facts {
                    dt { (fact.name) } dd { (fact.value) }
                }
            }
        }
    }
}
