//! `GET /api/v1/operator/lines` and `GET|PUT|DELETE /api/v1/operator/lines/{line}/collections`.

use std::collections::BTreeSet;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::accounts::Role;
use crate::app::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiPath};
use crate::lines::offer::CollectionRef;

/// Most entries a line's choice may hold.
const MAX_ENTRIES: usize = 500;
/// Longest line or collection name accepted.
const MAX_NAME: usize = 200;
/// Days around today whose trips name the lines listed to operators.
const LINES_FROM_DAYS: std::ops::RangeInclusive<i64> = -7..=60;

/// The line routes (operator only).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operator/lines", get(list))
        .route(
            "/api/v1/operator/lines/{line}/collections",
            get(show).put(choose).delete(reset),
        )
}

/// The operator's known lines (of its trips around today and of its choices),
/// each with its choice, and the publishers with their collections.
async fn list(
    State(state): State<AppState>,
    Operator(operator): Operator,
) -> Result<Json<Value>, AppError> {
    let choices = state.lines.all(&operator.id);
    let today = Utc::now().date_naive();
    let mut names: BTreeSet<String> = choices.keys().cloned().collect();
    for offset in LINES_FROM_DAYS {
        for trip in state
            .trips
            .trips_of(&operator.id, today + Duration::days(offset))
            .await?
        {
            names.insert(trip.line);
        }
    }
    let lines: Vec<Value> = names
        .into_iter()
        .map(|line| json!({"line": line, "collections": choices.get(&line)}))
        .collect();
    // Each publisher with the collections its titles are in, for the console's choices.
    let titles = state.catalog.titles();
    let publishers: Vec<Value> = state
        .accounts
        .all()
        .into_iter()
        .filter(|a| a.role == Role::Publisher)
        .map(|a| {
            let collections: BTreeSet<&String> = titles
                .values()
                .filter(|t| t.publisher == a.id)
                .flat_map(|t| &t.settings.collections)
                .collect();
            json!({"id": a.id, "name": a.name, "collections": collections})
        })
        .collect();
    Ok(Json(json!({"lines": lines, "publishers": publishers})))
}

fn line_name(raw: String) -> Result<String, AppError> {
    let line = raw.trim().to_owned();
    if line.is_empty() || line.chars().count() > MAX_NAME {
        return Err(AppError::bad_request(
            "line-invalid",
            format!("A line name has 1 to {MAX_NAME} characters."),
        ));
    }
    Ok(line)
}

async fn show(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiPath(line): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    let line = line_name(line)?;
    let choice = state.lines.choice(&operator.id, &line);
    Ok(Json(json!({"line": line, "collections": choice})))
}

#[derive(Deserialize)]
struct Choice {
    collections: Vec<CollectionRef>,
}

/// Checks a choice: bounded, names trimmed and non-empty, publishers known.
fn checked(state: &AppState, choice: Choice) -> Result<Vec<CollectionRef>, AppError> {
    let invalid = |detail: String| AppError::unprocessable("line-collections-invalid", detail);
    if choice.collections.len() > MAX_ENTRIES {
        return Err(invalid(format!(
            "A line offers at most {MAX_ENTRIES} collections."
        )));
    }
    let publishers: BTreeSet<String> = state
        .accounts
        .all()
        .into_iter()
        .filter(|a| a.role == Role::Publisher)
        .map(|a| a.id)
        .collect();
    let mut out = Vec::with_capacity(choice.collections.len());
    for (i, entry) in choice.collections.into_iter().enumerate() {
        if !publishers.contains(&entry.publisher) {
            return Err(invalid(format!(
                "Entry {}: there is no publisher with the id {:?}.",
                i + 1,
                entry.publisher
            )));
        }
        let collection = entry.collection.map(|c| c.trim().to_owned());
        if collection
            .as_ref()
            .is_some_and(|c| c.is_empty() || c.chars().count() > MAX_NAME)
        {
            return Err(invalid(format!(
                "Entry {}: a collection name has 1 to {MAX_NAME} characters; leave it out to offer all of the publisher's titles.",
                i + 1
            )));
        }
        out.push(CollectionRef {
            publisher: entry.publisher,
            collection,
        });
    }
    Ok(out)
}

async fn choose(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiPath(line): ApiPath<String>,
    ApiJson(choice): ApiJson<Choice>,
) -> Result<Json<Value>, AppError> {
    let line = line_name(line)?;
    let refs = checked(&state, choice)?;
    state.lines.set(&operator.id, &line, Some(refs)).await?;
    tracing::info!(operator = %operator.id, %line, "line collections chosen");
    Ok(Json(
        json!({"line": line, "collections": state.lines.choice(&operator.id, &line)}),
    ))
}

async fn reset(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiPath(line): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    let line = line_name(line)?;
    state.lines.set(&operator.id, &line, None).await?;
    tracing::info!(operator = %operator.id, %line, "line collections reset: every live title offered");
    Ok(Json(json!({"line": line, "collections": Value::Null})))
}
