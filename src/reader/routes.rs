//! The passenger API: every route takes a `Passenger` (a live session) and
//! serves only what the excerpt of a title offered on the trip allows.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::library::{Accepted, Body as Prepared, Part, Servable};
use super::manifest::{self, WEBPUB};
use super::progression;
use crate::app::AppState;
use crate::auth::Passenger;
use crate::catalog::pack::Encoding;
use crate::catalog::title::{TitleId, TitleRecord};
use crate::error::AppError;
use crate::http::extract::{ApiPath, ApiRawPath};
use crate::sessions::Saved;
use crate::trips::Trip;
use crate::usage::{Event, UsageKey};

/// Content-Security-Policy of served chapters and resources: no script, nothing remote.
const CONTENT_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// The passenger routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/session", get(session))
        .route("/api/v1/catalog", get(catalog))
        .route("/opds/v2/catalog", get(opds))
        .route("/api/v1/titles/{id}/manifest", get(manifest_route))
        .route("/api/v1/titles/{id}/positions", get(positions))
        .route("/api/v1/titles/{id}/chapters/{n}", get(chapter))
        .route("/api/v1/titles/{id}/resources/{resource}", get(resource))
        .route("/api/v1/titles/{id}/cover", get(cover))
        .route("/api/v1/titles/{id}/locked", get(locked))
        .route(
            "/api/v1/titles/{id}/progression",
            get(get_progression).put(put_progression),
        )
        .route("/api/v1/titles/{id}/offer", get(offer))
}

/// The trip as a passenger sees it.
pub fn trip_summary(trip: &Trip) -> Value {
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

fn seconds_left(p: &Passenger) -> i64 {
    (p.session.expires_at - chrono::Utc::now().timestamp()).max(0)
}

fn expires_at(p: &Passenger) -> String {
    chrono::DateTime::from_timestamp(p.session.expires_at, 0)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

async fn session(passenger: Passenger) -> Json<Value> {
    Json(json!({
        "trip": trip_summary(&passenger.trip),
        "opened_at": chrono::DateTime::from_timestamp(passenger.session.opened_at, 0).map(|t| t.to_rfc3339()),
        "expires_at": expires_at(&passenger),
        "seconds_left": seconds_left(&passenger),
    }))
}

/// Whether a title is offered on a trip: live, and chosen by the trip's
/// collections, else by its line's choice, else offered everywhere (`crate::lines`).
pub fn offered(state: &AppState, record: &TitleRecord, trip: &Trip) -> bool {
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

async fn catalog(State(state): State<AppState>, passenger: Passenger) -> Json<Value> {
    let left = seconds_left(&passenger);
    let titles: Vec<Value> = offered_titles(&state, &passenger.trip)
        .iter()
        .map(|r| manifest::catalog_entry(r, left))
        .collect();
    Json(
        json!({"trip": trip_summary(&passenger.trip), "expires_at": expires_at(&passenger), "seconds_left": left, "titles": titles}),
    )
}

async fn opds(State(state): State<AppState>, passenger: Passenger) -> Response {
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
    let cached = state.library.servable(&state.catalog, record.clone());
    match cached {
        Ok(s) => Ok(s),
        Err(_) => {
            let (state, record) = (state.clone(), record.clone());
            let built =
                tokio::task::spawn_blocking(move || state.library.servable(&state.catalog, record))
                    .await;
            Ok(built.map_err(anyhow::Error::from)??)
        }
    }
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

async fn manifest_route(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    count_once(
        &state,
        &passenger,
        &s.record,
        &format!("open:{id}"),
        Event::TitleOpened,
    )
    .await;
    let etag = format!("\"m-{}\"", s.tag);
    if not_modified(headers.get(header::IF_NONE_MATCH), &etag) {
        return Ok(not_modified_response(&etag, &passenger));
    }
    let mut response = json_with_type(&manifest::manifest(&s), WEBPUB);
    set_private_cache(response.headers_mut(), &etag, &passenger);
    Ok(response)
}

async fn positions(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    Ok(json_with_type(
        &manifest::positions(&s),
        "application/vnd.readium.position-list+json",
    ))
}

async fn chapter(
    State(state): State<AppState>,
    passenger: Passenger,
    path: ApiRawPath,
    request: ContentRequest,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, path.get("id")).await?;
    let n: usize = path
        .get("n")
        .parse()
        .map_err(|_| AppError::not_found("No such chapter."))?;
    if n >= s.publication.chapters.len() {
        return Err(AppError::not_found("No such chapter."));
    }
    if !s.allows_chapter(n) {
        return Err(excerpt_limit(&s.record));
    }
    let etag = ShortText::format(format_args!(
        "\"c{n}-{}-{}\"",
        s.tag,
        request.accepted.tag()
    ));
    if not_modified(request.if_none_match.as_ref(), &etag) {
        return Ok(not_modified_response(&etag, &passenger));
    }
    let body = load(&state, &s, request.accepted, Part::Chapter(n)).await?;
    state.metrics.chapters_served.inc();
    Ok(content_response(
        body,
        HeaderValue::from_static("application/xhtml+xml; charset=utf-8"),
        &etag,
        &passenger,
    ))
}

async fn resource(
    State(state): State<AppState>,
    passenger: Passenger,
    path: ApiRawPath,
    request: ContentRequest,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, path.get("id")).await?;
    let r: usize = path
        .get("resource")
        .strip_prefix('r')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| AppError::not_found("No such resource."))?;
    if r >= s.publication.resources.len() {
        return Err(AppError::not_found("No such resource."));
    }
    if !s.allows_resource(r) {
        return Err(excerpt_limit(&s.record));
    }
    let media_type = s
        .resource_type(r)
        .and_then(|t| HeaderValue::from_str(t).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let etag = ShortText::format(format_args!(
        "\"r{r}-{}-{}\"",
        s.tag,
        request.accepted.tag()
    ));
    if not_modified(request.if_none_match.as_ref(), &etag) {
        return Ok(not_modified_response(&etag, &passenger));
    }
    let body = load(&state, &s, request.accepted, Part::Resource(r)).await?;
    Ok(content_response(body, media_type, &etag, &passenger))
}

async fn cover(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    let Some(thumbnail) = s.publication.thumbnail else {
        return Err(AppError::not_found("This title has no cover."));
    };
    let path = state
        .catalog
        .store()
        .version_dir(&s.record.id, &s.record.version)
        .join(crate::catalog::prepare::CONTENT_PACK);
    let bytes = tokio::task::spawn_blocking(move || {
        crate::catalog::pack::read(&path, thumbnail.content.identity)
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(anyhow::Error::from)?;
    let etag = format!("\"cover-{}\"", s.tag);
    let body = Prepared {
        bytes: Bytes::from(bytes),
        encoding: Encoding::Identity,
    };
    let media_type = HeaderValue::from_static(manifest::cover_type(&s));
    Ok(content_response(body, media_type, &etag, &passenger))
}

async fn locked(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    Err(excerpt_limit(&s.record))
}

async fn get_progression(
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

async fn put_progression(
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

/// The offer outlives the session: after the trip the passenger can still
/// follow it (SPEC passenger 4); the click is counted only with a live session.
async fn offer(
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

async fn load(
    state: &AppState,
    s: &Arc<Servable>,
    accepted: Accepted,
    part: Part,
) -> Result<Prepared, AppError> {
    // Hot bodies come from memory on the async worker; a miss reads a span of
    // the pack file off the async workers.
    let body = match state
        .library
        .content(s, part, accepted, false)
        .map_err(anyhow::Error::from)?
    {
        Some(body) => Some(body),
        None => {
            let (state, s) = (state.clone(), s.clone());
            tokio::task::spawn_blocking(move || state.library.content(&s, part, accepted, true))
                .await
                .map_err(anyhow::Error::from)?
                .map_err(anyhow::Error::from)?
        }
    };
    body.ok_or_else(|| AppError::not_found("No such content."))
}

/// What the content routes read of the request headers: the encodings the
/// client accepts and its `If-None-Match` (taking the `HeaderMap` would copy
/// every header of every request).
struct ContentRequest {
    accepted: Accepted,
    if_none_match: Option<HeaderValue>,
}

impl<S: Send + Sync> FromRequestParts<S> for ContentRequest {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let accepted = Accepted::from_header(
            parts
                .headers
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok()),
        );
        Ok(ContentRequest {
            accepted,
            if_none_match: parts.headers.get(header::IF_NONE_MATCH).cloned(),
        })
    }
}

trait EncodingTag {
    fn tag(&self) -> &'static str;
}

impl EncodingTag for Accepted {
    /// The encoding this client will get, as part of the ETag (a strong ETag differs per encoding).
    fn tag(&self) -> &'static str {
        if self.brotli {
            "br"
        } else if self.gzip {
            "gz"
        } else {
            "id"
        }
    }
}

fn not_modified(if_none_match: Option<&HeaderValue>, etag: &str) -> bool {
    if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
}

fn not_modified_response(etag: &str, passenger: &Passenger) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    set_private_cache(response.headers_mut(), etag, passenger);
    response
}

/// Private cache, never longer than the session lives.
fn set_private_cache(headers: &mut HeaderMap, etag: &str, passenger: &Passenger) {
    let max_age = seconds_left(passenger).min(3600);
    let cache = ShortText::format(format_args!("private, max-age={max_age}"));
    if let Ok(v) = HeaderValue::from_str(&cache) {
        headers.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
}

fn content_response(
    body: Prepared,
    media_type: HeaderValue,
    etag: &str,
    passenger: &Passenger,
) -> Response {
    let mut response = Response::new(Body::from(body.bytes));
    let headers = response.headers_mut();
    // Room for these headers and the middleware's (ten in all), so the map is allocated once.
    *headers = HeaderMap::with_capacity(12);
    headers.insert(header::CONTENT_TYPE, media_type);
    match body.encoding {
        Encoding::Brotli => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
        Encoding::Gzip => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Encoding::Identity => {}
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_CSP),
    );
    set_private_cache(headers, etag, passenger);
    response
}

fn json_with_type(value: &Value, media_type: &'static str) -> Response {
    let mut response = (
        StatusCode::OK,
        serde_json::to_vec(value).unwrap_or_default(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

/// Text formatted on the stack when it is short (ETags, Cache-Control values
/// of the content routes), so building a header value copies it once.
enum ShortText {
    Stack { bytes: [u8; 120], len: usize },
    Heap(String),
}

impl ShortText {
    fn format(args: std::fmt::Arguments<'_>) -> ShortText {
        let mut text = ShortText::Stack {
            bytes: [0; 120],
            len: 0,
        };
        if std::fmt::Write::write_fmt(&mut text, args).is_err() {
            return ShortText::Heap(args.to_string());
        }
        text
    }
}

impl std::fmt::Write for ShortText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        match self {
            ShortText::Stack { bytes, len } => {
                let end = *len + s.len();
                bytes
                    .get_mut(*len..end)
                    .ok_or(std::fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                *len = end;
                Ok(())
            }
            ShortText::Heap(text) => {
                text.push_str(s);
                Ok(())
            }
        }
    }
}

impl std::ops::Deref for ShortText {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            // Only whole `&str`s were copied in, so the bytes are UTF-8.
            ShortText::Stack { bytes, len } => std::str::from_utf8(&bytes[..*len]).unwrap_or(""),
            ShortText::Heap(text) => text,
        }
    }
}
