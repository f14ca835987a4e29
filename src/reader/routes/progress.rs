//! Reading progress: the saved position, and the usage a save reports.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{count_once, title_for, usage_key};
use crate::app::AppState;
use crate::auth::Passenger;
use crate::error::AppError;
use crate::http::extract::ApiPath;
use crate::reader::library::Servable;
use crate::reader::progression;
use crate::sessions::Saved;
use crate::usage::Event;

pub(super) async fn get_progression(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    match state
        .sessions
        .progress(passenger.id, s.record.id.as_str())
        .await?
    {
        Some(document) => {
            let mut response = (StatusCode::OK, document).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

pub(super) async fn put_progression(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    let checked =
        progression::check(&body, |n| s.allows_chapter(n)).map_err(|e| match e.code() {
            "excerpt-limit" => AppError::bad_request("excerpt-limit", e.to_string()),
            code => AppError::bad_request(code, e.to_string()),
        })?;
    let stored = state
        .sessions
        .progress(passenger.id, s.record.id.as_str())
        .await?;
    let seconds = progression::reading_seconds(stored.as_deref(), checked.modified_ms);
    match state
        .sessions
        .save_progress(
            passenger.id,
            s.record.id.as_str(),
            checked.modified_ms,
            &checked.document,
        )
        .await?
    {
        Saved::Stale => {
            return Err(AppError::conflict(
                "progression-stale",
                "A newer reading position is already saved.",
            ));
        }
        Saved::NoSession => {
            return Err(AppError::unauthorized(
                "session-required",
                "Your reading session has ended.",
            ));
        }
        Saved::Saved => {}
    }
    record_reading(&state, &passenger, &s, &checked, seconds).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Usage from a progression save: a chapter reached, reading time, the end of the excerpt.
async fn record_reading(
    state: &AppState,
    passenger: &Passenger,
    s: &Servable,
    checked: &progression::CheckedProgression,
    seconds: u64,
) {
    let id = s.record.id.as_str();
    count_once(
        state,
        passenger,
        &s.record,
        &format!("ch:{id}:{}", checked.chapter),
        Event::ChapterRead,
    )
    .await;
    if seconds > 0 {
        state
            .usage
            .record(usage_key(passenger, &s.record), Event::ReadingTime(seconds));
    }
    let last = s.record.excerpt.excerpt.chapters().last().map(|c| c.index);
    let doc: Option<progression::Progression> = serde_json::from_str(&checked.document).ok();
    let at_end = doc.map(|d| {
        d.locator.locations.progression.unwrap_or(0.0) >= 0.97
            || d.locator.locations.total_progression.unwrap_or(0.0) >= 0.99
    });
    if last == Some(checked.chapter) && at_end == Some(true) {
        count_once(
            state,
            passenger,
            &s.record,
            &format!("fin:{id}"),
            Event::ExcerptFinished,
        )
        .await;
    }
}
