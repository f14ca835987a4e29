//! The passenger API: every route takes a `Passenger` (a live session) and
//! serves only what the excerpt of a title offered on the trip allows.
//!
//! `catalog` lists what the trip offers, `content` serves a title's parts,
//! `progress` keeps the reading position, and `respond` builds the responses
//! (caching, ETags, security headers) they share.

mod catalog;
mod content;
mod progress;
mod respond;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use super::library::Servable;
use super::manifest;
use crate::app::AppState;
use crate::auth::Passenger;
use crate::catalog::title::{TitleId, TitleRecord};
use crate::error::AppError;
use crate::trips::Trip;
use crate::usage::{Event, UsageKey};

/// The passenger routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", get(catalog::session))
        .route("/api/v1/catalog", get(catalog::catalog))
        .route("/opds/v2/catalog", get(catalog::opds))
        .route("/api/v1/titles/{id}/manifest", get(content::manifest_route))
        .route("/api/v1/titles/{id}/positions", get(content::positions))
        .route("/api/v1/titles/{id}/chapters/{n}", get(content::chapter))
        .route(
            "/api/v1/titles/{id}/resources/{resource}",
            get(content::resource),
        )
        .route("/api/v1/titles/{id}/cover", get(content::cover))
        .route("/api/v1/titles/{id}/locked", get(content::locked))
        .route(
            "/api/v1/titles/{id}/progression",
            get(progress::get_progression).put(progress::put_progression),
        )
        .route("/api/v1/titles/{id}/offer", get(catalog::offer))
}

fn seconds_left(p: &Passenger) -> i64 {
    (p.session.expires_at - chrono::Utc::now().timestamp()).max(0)
}

fn expires_at(p: &Passenger) -> String {
    chrono::DateTime::from_timestamp(p.session.expires_at, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// Whether a title is offered on a trip: live, and chosen by the trip's
/// collections, else by its line's choice, else offered everywhere (`crate::lines`).
fn offered(state: &AppState, record: &TitleRecord, trip: &Trip) -> bool {
    record.settings.live
        && state
            .lines
            .offers(trip, &record.publisher, &record.settings.collections)
}

fn offered_titles(state: &AppState, trip: &Trip) -> Vec<Arc<TitleRecord>> {
    let mut titles: Vec<Arc<TitleRecord>> = state
        .catalog
        .titles()
        .values()
        .filter(|r| offered(state, r, trip))
        .cloned()
        .collect();
    titles.sort_by(|a, b| a.summary.title.cmp(&b.summary.title));
    titles
}

/// A title the passenger may read: offered on the trip, live, with its servable form.
async fn title_for(
    state: &AppState,
    passenger: &Passenger,
    id: &str,
) -> Result<Arc<Servable>, AppError> {
    let not_found = || AppError::not_found("This title is not offered on your trip.");
    if !TitleId::is_valid(id) {
        return Err(not_found());
    }
    let record = state.catalog.title(id).ok_or_else(not_found)?;
    if !record.settings.live {
        let gone = AppError::gone("title-withdrawn", "This title is no longer available.");
        return Err(with_offer(gone, &record));
    }
    if !offered(state, &record, &passenger.trip) {
        return Err(not_found());
    }
    Ok(state.library.servable(&state.catalog, record).await?)
}

fn with_offer(error: AppError, record: &TitleRecord) -> AppError {
    match &record.settings.offer_url {
        Some(_) => error.with_extra(
            "offer_url",
            format!("{}offer", manifest::title_base(record.id.as_str())),
        ),
        None => error,
    }
}

fn excerpt_limit(record: &TitleRecord) -> AppError {
    with_offer(
        AppError::forbidden(
            "excerpt-limit",
            "This part of the book is beyond the excerpt offered during your trip.",
        ),
        record,
    )
}

fn usage_key(passenger: &Passenger, record: &TitleRecord) -> UsageKey {
    let mut key = crate::sessions::scan::trip_usage_key(&passenger.trip);
    key.title = record.id.to_string();
    key.publisher = record.publisher.clone();
    key
}

/// Counts an event once per session (per `what`); a store failure loses the count, not the request.
async fn count_once(
    state: &AppState,
    passenger: &Passenger,
    record: &TitleRecord,
    what: &str,
    event: Event,
) {
    if let Ok(Some(1)) = state.sessions.incr_counter(passenger.id, what, 1).await {
        state.usage.record(usage_key(passenger, record), event);
    }
}
