//! `GET /api/v1/publisher/titles/{id}/cover`: the cover thumbnail of one of the
//! publisher's own titles, live or withdrawn, for the console's titles table.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::own;
use crate::app::AppState;
use crate::auth::Publisher;
use crate::catalog::prepare::CONTENT_PACK;
use crate::error::AppError;
use crate::http::extract::ApiPath;

/// The thumbnail prepared at ingestion; `404` for a title without a cover or
/// that is not the publisher's.
pub async fn cover(
    State(state): State<AppState>,
    publisher: Publisher,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let record = own(&state, &publisher, &id)?;
    if !record.summary.thumbnail {
        return Err(AppError::not_found("This title has no cover."));
    }
    let store = state.catalog.store();
    let publication = store.publication(&record.id, &record.version).await?;
    let thumbnail = publication
        .thumbnail
        .ok_or_else(|| anyhow::anyhow!("the summary of {} names a missing thumbnail", record.id))?;
    let pack = crate::publications::file_key(&record.id, &record.version, CONTENT_PACK);
    let bytes = store
        .publications()
        .get_span(&pack, thumbnail.content.identity)
        .await?;
    let png = thumbnail.png;
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    let media_type = if png { "image/png" } else { "image/jpeg" };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    // The console asks with the version in the URL, so a short private cache is safe.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(response)
}
