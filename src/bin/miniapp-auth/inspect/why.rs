//! `GET /<token>/why`: for a user, app and API (and scope, plugin, tap), what
//! the core would answer now and the rule that decides — from the core's own
//! read-only `explain`, never a copy of its rules. A plain GET form (works
//! without JavaScript) above the answer; `why.json` gives the same
//! explanation as JSON for the script.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup};
use miniapp_auth::Caller;
use serde::Deserialize;
use serde_json::{json, Value};

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

/// The core's explanation, as the page shows it.
pub struct Explained {
    /// The API asked about.
    pub api: String,
    /// The scope, for `authorize`-like APIs.
    pub scope: Option<String>,
    /// `allow`, `refuse`, `ask-privacy`, `ask-user` or `ask-user-and-privacy`.
    pub verdict: String,
    /// The answer now (errMsg, errno, whole JSON) when no dialog is needed.
    pub result: Option<(String, Option<i32>, String)>,
    /// The deciding rule's id.
    pub rule: String,
    /// The rule as a sentence.
    pub because: String,
    /// The facts the rule read.
    pub facts: Vec<(String, String)>,
}

impl Explained {
    /// What `<output id="why-result">` says: the errMsg the mini app would
    /// get, or which dialog would be shown.
    pub fn shown(&self) -> String {
        match (&self.result, self.verdict.as_str()) {
            (Some((err_msg, _, _)), _) => err_msg.clone(),
            (None, "ask-privacy") => "would ask for the privacy agreement".into(),
            (None, "ask-user-and-privacy") => {
                "would ask for the privacy agreement and show the consent dialog".into()
            }
            (None, _) => "would show the consent dialog".into(),
        }
    }

    /// The explanation as `why.json` gives it.
    pub fn to_json(&self) -> Value {
        json!({
            "api": self.api,
            "scope": self.scope,
            "verdict": self.verdict,
            "result": self.result.as_ref().map(|(err_msg, errno, json)| json!({
                "errMsg": err_msg,
                "errno": errno,
                "json": json,
            })),
            "rule": self.rule,
            "because": self.because,
            "facts": self.facts.iter().map(|(name, value)| json!({"name": name, "value": value})).collect::<Vec<_>>(),
            "shown": self.shown(),
        })
    }
}

/// Asks the core why (its read-only `explain`: the real gate, nothing written).
fn explain(inspector: &Inspector, asked: &WhyQuery) -> Result<Explained, Failure> {
    let scope = (!asked.scope.is_empty()).then(|| asked.scope.clone());
    let explanation = inspector
        .engine
        .explain(asked.caller(), asked.api.clone(), scope)
        .map_err(|e| Failure::bad_request(e.to_string()))?;
    Ok(Explained {
        api: explanation.api,
        scope: explanation.scope,
        verdict: explanation.verdict.as_str().to_string(),
        result: explanation.result.map(|r| (r.err_msg, r.errno, r.json)),
        rule: explanation.rule,
        because: explanation.because,
        facts: explanation
            .facts
            .into_iter()
            .map(|f| (f.name, f.value))
            .collect(),
    })
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
        let body = html! {
            (form(inspector, &asked))
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
pub fn answer_section(explained: &Explained) -> Markup {
    html! {
        section id="why" data-verdict=(explained.verdict) data-rule=(explained.rule) {
            h2 { "Answer now" }
            p { "The app would get: " output id="why-result" { (explained.shown()) } }
            p id="why-because" { "Rule " code id="why-rule" { (explained.rule) } ": " (explained.because) }
            dl id="why-facts" {
                @for (name, value) in &explained.facts {
                    dt { (name) } dd { (value) }
                }
            }
        }
    }
}
