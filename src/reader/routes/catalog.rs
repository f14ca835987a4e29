//! What the trip offers: the session, the catalog (JSON and OPDS) and the
//! titles' offer links.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::respond::json_with_type;
use super::{expires_at, manifest, offered_titles, seconds_left, usage_key};
use crate::app::AppState;
use crate::auth::Passenger;
use crate::catalog::title::TitleId;
use crate::error::AppError;
use crate::http::extract::ApiPath;
use crate::trips::Trip;
use crate::usage::Event;

/// The trip as a passenger sees it.
fn trip_summary(trip: &Trip) -> Value {
    json!({
        "id": trip.id,
        "line": trip.line,
        "train_number": trip.train_number,
        "origin": trip.origin,
        "destination": trip.destination,
        "service_date": trip.service_date,
        "departs_at": trip.departs_at.to_rfc3339(),
        "arrives_at": trip.arrives_at.to_rfc3339(),
        "timezone": trip.timezone.name(),
    })
}

pub(super) async fn session(passenger: Passenger) -> Json<Value> {
    Json(json!({
        "trip": trip_summary(&passenger.trip),
        "opened_at": chrono::DateTime::from_timestamp(passenger.session.opened_at, 0).map(|t| t.to_rfc3339()),
        "expires_at": expires_at(&passenger),
        "seconds_left": seconds_left(&passenger),
    }))
}

pub(super) async fn catalog(State(state): State<AppState>, passenger: Passenger) -> Json<Value> {
    let left = seconds_left(&passenger);
    let titles: Vec<Value> = offered_titles(&state, &passenger.trip)
        .iter()
        .map(|r| manifest::catalog_entry(r, left))
        .collect();
    Json(
        json!({"trip": trip_summary(&passenger.trip), "expires_at": expires_at(&passenger), "seconds_left": left, "titles": titles}),
    )
}

pub(super) async fn opds(State(state): State<AppState>, passenger: Passenger) -> Response {
    let until = expires_at(&passenger);
    let publications: Vec<Value> = offered_titles(&state, &passenger.trip)
        .iter()
        .map(|r| manifest::opds_publication(r, &until))
        .collect();
    let title = format!(
        "{} · {} → {}",
        passenger.trip.line, passenger.trip.origin, passenger.trip.destination
    );
    let feed = json!({
        "metadata": {"title": title, "numberOfItems": publications.len()},
        "links": [{"rel": "self", "href": "/opds/v2/catalog", "type": "application/opds+json"}],
        "publications": publications,
    });
    json_with_type(&feed, "application/opds+json")
}

/// The offer outlives the session: after the trip the passenger can still
/// follow it (SPEC passenger 4); the click is counted only with a live session.
pub(super) async fn offer(
    State(state): State<AppState>,
    passenger: Result<Passenger, AppError>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::not_found("This title has no offer link.");
    let title_id = TitleId::parse(&id).ok_or_else(not_found)?;
    // The offer stays reachable for a withdrawn title: the passenger may still buy it.
    let record = state.catalog.title(&title_id).ok_or_else(not_found)?;
    let url = record.settings.offer_url.clone().ok_or_else(not_found)?;
    if let Ok(passenger) = &passenger {
        state
            .usage
            .record(usage_key(passenger, &record), Event::OfferClick);
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
