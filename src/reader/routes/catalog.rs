//! What the trip offers: the session, the catalog (JSON and OPDS) and the
//! titles' offer links.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::respond::json_with_type;
use super::{expires_at, manifest, offered_titles, seconds_left, usage_key};
use crate::app::AppState;
use crate::auth::Passenger;
use crate::catalog::title::TitleId;
use crate::error::AppError;
use crate::http::extract::ApiPath;
use crate::http::pages::ForPeople;
use crate::lang::Lang;
use crate::sessions::scan::set_passenger_cookies;
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

/// The trip and the session's end, as of now. The reader asks again every
/// half minute, so a delay reaches an open reader; the cookies are set again
/// to the session's current end (a cookie set at the scan would expire at the
/// old arrival and cut a delayed passenger off).
pub(super) async fn session(State(state): State<AppState>, passenger: Passenger) -> Response {
    let left = seconds_left(&passenger);
    let mut response = Json(json!({
        "trip": trip_summary(&passenger.trip),
        "opened_at": chrono::DateTime::from_timestamp(passenger.session.opened_at, 0).map(|t| t.to_rfc3339()),
        "expires_at": expires_at(&passenger),
        "seconds_left": left,
    }))
    .into_response();
    let headers = response.headers_mut();
    set_passenger_cookies(
        headers,
        passenger.id,
        passenger.trip.id,
        left,
        state.config.cookie_secure,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
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
///
/// People follow this link from pages, so a title without an offer (or gone)
/// answers a page in their language, never problem+json.
pub(super) async fn offer(
    State(state): State<AppState>,
    headers: HeaderMap,
    passenger: Result<Passenger, AppError>,
    ApiPath(id): ApiPath<String>,
) -> Response {
    offer_redirect(&state, passenger, &id).unwrap_or_else(|error| {
        let mut page = error.into_response();
        page.extensions_mut()
            .insert(ForPeople(Lang::from_headers(&headers)));
        page
    })
}

fn offer_redirect(
    state: &AppState,
    passenger: Result<Passenger, AppError>,
    id: &str,
) -> Result<Response, AppError> {
    let not_found = || {
        AppError::new(
            StatusCode::NOT_FOUND,
            "offer-unavailable",
            "This title has no offer link.",
        )
    };
    let title_id = TitleId::parse(id).ok_or_else(not_found)?;
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
