//! A title's parts: manifest, positions, chapters, resources and cover,
//! each within the excerpt, from memory or the content pack.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use super::respond::{
    EncodingTag, ShortText, content_response, json_with_type, not_modified, not_modified_response,
    set_private_cache,
};
use super::{count_once, excerpt_limit, title_for};
use crate::app::AppState;
use crate::auth::Passenger;
use crate::catalog::media_type::OPAQUE;
use crate::catalog::pack::Encoding;
use crate::error::AppError;
use crate::http::extract::{ApiPath, ApiRawPath};
use crate::reader::library::{Accepted, Body as Prepared, Part, Servable};
use crate::reader::manifest::{self, WEBPUB};
use crate::usage::Event;

pub(super) async fn manifest_route(
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

pub(super) async fn positions(
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

pub(super) async fn chapter(
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

pub(super) async fn resource(
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
    let media_type = HeaderValue::from_static(s.resource_type(r).unwrap_or(OPAQUE));
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

pub(super) async fn cover(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    let Some(thumbnail) = s.publication.thumbnail else {
        return Err(AppError::not_found("This title has no cover."));
    };
    let pack = crate::publications::file_key(
        &s.record.id,
        &s.record.version,
        crate::catalog::prepare::CONTENT_PACK,
    );
    let bytes = state
        .catalog
        .store()
        .publications()
        .get_span(&pack, thumbnail.content.identity)
        .await?;
    let etag = format!("\"cover-{}\"", s.tag);
    let body = Prepared {
        bytes,
        encoding: Encoding::Identity,
    };
    let media_type = HeaderValue::from_static(manifest::cover_type(&s));
    Ok(content_response(body, media_type, &etag, &passenger))
}

pub(super) async fn locked(
    State(state): State<AppState>,
    passenger: Passenger,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let s = title_for(&state, &passenger, &id).await?;
    Err(excerpt_limit(&s.record))
}

async fn load(
    state: &AppState,
    s: &Arc<Servable>,
    accepted: Accepted,
    part: Part,
) -> Result<Prepared, AppError> {
    // Hot bodies come from memory; a miss fetches one span of the pack (a
    // read off the async workers, or one range request to the bucket).
    let body = match state.library.cached(s, part, accepted) {
        Ok(body) => body,
        Err(miss) => Some(
            state
                .library
                .fetch(state.catalog.store().publications(), miss)
                .await?,
        ),
    };
    body.ok_or_else(|| AppError::not_found("No such content."))
}

/// What the content routes read of the request headers: the encodings the
/// client accepts and its `If-None-Match` (taking the `HeaderMap` would copy
/// every header of every request).
pub(super) struct ContentRequest {
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
