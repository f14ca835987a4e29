//! The operator's live timetable settings and state (SPEC §3):
//! `PUT|GET|DELETE /api/v1/operator/realtime`, and
//! `POST /api/v1/operator/realtime/fetch` (fetch every feed now). The only
//! file of the realtime domain that knows HTTP.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::json;

use super::feeds::{self, FeedSettings, Kind, SettingsError, SettingsRequest};
use super::state::{self, FeedState};
use crate::app::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::http::extract::ApiJson;

/// Routes under `/api/v1/operator/realtime`; every handler needs an operator.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/operator/realtime",
            get(show).put(set).delete(remove),
        )
        .route("/api/v1/operator/realtime/fetch", post(fetch_now))
}

/// The settings (header names only) and the live state of each feed.
async fn show(
    State(state): State<AppState>,
    Operator(operator): Operator,
) -> Result<Response, AppError> {
    let settings = feeds::load(&state.db, &state.realtime.master, &operator.id).await?;
    Ok(axum::Json(view(&state, &operator.id, settings.as_ref()).await?).into_response())
}

/// Sets the feeds; their first fetch starts at once.
async fn set(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiJson(request): ApiJson<SettingsRequest>,
) -> Result<Response, AppError> {
    let stored = feeds::load(&state.db, &state.realtime.master, &operator.id).await?;
    let settings = request.parse(stored.as_ref().map(|s| &s.headers))?;
    settings
        .check_addresses(state.config.realtime.allow_private_feeds)
        .await?;
    feeds::save(&state.db, &state.realtime.master, &operator.id, &settings).await?;
    state.realtime.changed(&operator.id);
    tracing::info!(operator = %operator.id, "realtime feeds set");
    Ok(axum::Json(view(&state, &operator.id, Some(&settings)).await?).into_response())
}

/// Stops following the feeds. Trips keep what the feeds set.
async fn remove(
    State(state): State<AppState>,
    Operator(operator): Operator,
) -> Result<Response, AppError> {
    feeds::delete(&state.db, &operator.id).await?;
    state::forget(&state.db, &operator.id).await?;
    state.realtime.changed(&operator.id);
    Ok(axum::Json(view(&state, &operator.id, None).await?).into_response())
}

/// Fetches and applies every feed now (waiting for a round in progress),
/// then answers the state: the console's "fetch now".
async fn fetch_now(
    State(state): State<AppState>,
    Operator(operator): Operator,
) -> Result<Response, AppError> {
    let settings = feeds::load(&state.db, &state.realtime.master, &operator.id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::NOT_FOUND,
                "realtime-not-set",
                "No GTFS-Realtime feed is set: PUT /api/v1/operator/realtime first.",
            )
        })?;
    // On the background thread, like the poller's rounds: a national feed
    // fetched now must not slow the passengers down either.
    let (app, operator_id, fetched) = (state.0.clone(), operator.id.clone(), settings.clone());
    state
        .background
        .spawn(async move { app.realtime.fetch_now(&app, &operator_id, &fetched).await })
        .await
        .map_err(|e| anyhow::anyhow!("the fetch stopped: {e}"))?;
    Ok(axum::Json(view(&state, &operator.id, Some(&settings)).await?).into_response())
}

async fn view(
    state: &AppState,
    operator: &str,
    settings: Option<&FeedSettings>,
) -> anyhow::Result<serde_json::Value> {
    let now = Utc::now();
    let mut feeds = Vec::new();
    if let Some(settings) = settings {
        for kind in Kind::ALL {
            let Some(url) = settings.url(kind) else {
                continue;
            };
            let mut feed = state::load(&state.db, operator, kind).await?;
            if feed.url != url {
                feed = FeedState {
                    url: url.to_owned(),
                    ..FeedState::default()
                };
            }
            feeds.push(feed.public(kind, now));
        }
    }
    Ok(json!({
        "settings": settings.map(FeedSettings::public),
        "feeds": feeds,
    }))
}

impl From<SettingsError> for AppError {
    fn from(error: SettingsError) -> Self {
        let errors = json!([{"field": error.field, "detail": error.reason}]);
        AppError::unprocessable("realtime-invalid", error.to_string())
            .with_extra("field", error.field)
            .with_extra("errors", errors)
    }
}
