//! `POST /api/v1/operator/trips/import?from=&to=`: a GTFS zip as the body
//! (`application/zip`) or as the file of a `multipart/form-data` form.
//!
//! Imports take turns (one at a time by default): each holds its feed and
//! the trips of its range in memory for a few seconds, and a second one at
//! once would only double the peak. A further import waits briefly for its
//! turn, then gets a `503` with `Retry-After`; its body is not read before
//! its turn comes.

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::gtfs::{GtfsError, ImportError, ImportOptions, import};
use super::model::Seats;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::app::AppState;
use crate::auth::Operator;
use crate::config::GtfsLimits;
use crate::error::AppError;
use crate::http::extract::ApiQuery;
use crate::http::upload::Upload;

#[derive(Deserialize)]
pub(super) struct ImportQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// Import buses and every other route type too.
    #[serde(default)]
    all_route_types: bool,
    /// Seats of each imported trip (GTFS does not say); 400 when absent.
    seats: Option<u32>,
}

/// Imports the feed off the async workers and answers the counts and the
/// skipped rows; a refused feed is a `422` naming file, line and reason.
pub(super) async fn import_feed(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiQuery(query): ApiQuery<ImportQuery>,
    request: Request,
) -> Result<Response, AppError> {
    let options = options(&query, &state.config.gtfs)?;
    state.limits.upload(&operator)?;
    let turn = state.gtfs_imports.turn().await.ok_or_else(busy)?;
    let bytes = feed_bytes(&state, request).await?;
    let imported = import(&state.trips, &operator.id, Cursor::new(bytes), &options).await;
    drop(turn);
    let report = imported.map_err(|e| match e {
        ImportError::Gtfs(e) => gtfs_problem(e),
        ImportError::Store(e) => e.into(),
    })?;
    tracing::info!(
        created = report.created,
        updated = report.updated,
        skipped = report.skipped,
        "GTFS feed imported"
    );
    Ok(axum::Json(report).into_response())
}

/// How long a client turned away is asked to wait.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// The turns of GTFS imports: a few at once, the others wait a little.
#[derive(Debug)]
pub struct ImportGate {
    turns: Arc<Semaphore>,
    wait: Duration,
}

impl ImportGate {
    /// `concurrent_imports` turns, waited for at most `queue_wait`.
    pub fn new(limits: &GtfsLimits) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(limits.concurrent_imports)),
            wait: limits.queue_wait,
        }
    }

    /// A turn to import, held until dropped; `None` when none came in time.
    pub async fn turn(&self) -> Option<OwnedSemaphorePermit> {
        let turn = self.turns.clone().acquire_owned();
        tokio::time::timeout(self.wait, turn).await.ok()?.ok()
    }
}

fn busy() -> AppError {
    AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "gtfs-import-busy",
        format!(
            "Another GTFS import is running; send this one again in {} seconds.",
            RETRY_AFTER.as_secs()
        ),
    )
    .with_retry_after(RETRY_AFTER)
}

fn options(query: &ImportQuery, limits: &GtfsLimits) -> Result<ImportOptions, AppError> {
    let missing = |name| {
        AppError::bad_request(
            "gtfs-import-invalid",
            format!(
                "Give the service dates to import: ?from=YYYY-MM-DD&to=YYYY-MM-DD ({name} is missing)."
            ),
        )
    };
    let mut options = ImportOptions::new(
        query.from.ok_or_else(|| missing("from"))?,
        query.to.ok_or_else(|| missing("to"))?,
    );
    options.all_route_types = query.all_route_types;
    options.limits = limits.clone();
    if let Some(seats) = query.seats {
        options.default_seats =
            Seats::new(seats).map_err(|reason| super::TripError::invalid("seats", reason))?;
    }
    Ok(options)
}

async fn feed_bytes(state: &AppState, request: Request) -> Result<Bytes, AppError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "multipart/form-data" => {
            let mut form = Multipart::from_request(request, state)
                .await
                .map_err(|e| AppError::bad_request("invalid-multipart", e.body_text()))?;
            while let Some(field) = form
                .next_field()
                .await
                .map_err(|e| Upload::Feed.multipart_problem(e))?
            {
                if field.file_name().is_some() || field.name() == Some("file") {
                    return field
                        .bytes()
                        .await
                        .map_err(|e| Upload::Feed.multipart_problem(e));
                }
            }
            Err(AppError::unprocessable(
                "gtfs-missing",
                "The form holds no file: send the GTFS zip as a file field.",
            ))
        }
        "application/zip" | "application/x-zip-compressed" | "application/octet-stream" => {
            axum::body::to_bytes(request.into_body(), usize::MAX)
                .await
                .map_err(|e| Upload::Feed.body_problem(&e))
        }
        _ => Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send the GTFS feed as `Content-Type: application/zip`, or as a file in `multipart/form-data`.",
        )),
    }
}

/// A refused feed as problem+json, with `file`, `line`, `reason`, `entry` and
/// `limit` (and `whole_feed`) members when known; a file or feed over its
/// inflated size cap is a `413`.
fn gtfs_problem(error: GtfsError) -> AppError {
    let status = match error {
        GtfsError::Request(_) => StatusCode::BAD_REQUEST,
        GtfsError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut problem = AppError::new(status, error.code(), error.to_string());
    if let Some(file) = error.file() {
        problem = problem.with_extra("file", file);
    }
    if let Some(line) = error.line() {
        problem = problem.with_extra("line", line);
    }
    // The specifics apart, so that a console can word the refusal in its own language.
    match &error {
        GtfsError::Invalid { reason, .. } => problem.with_extra("reason", reason.as_str()),
        GtfsError::UnsafeEntry { name, .. } => problem.with_extra("entry", name.as_str()),
        GtfsError::TooLarge {
            limit, whole_feed, ..
        } => problem
            .with_extra("limit", *limit)
            .with_extra("whole_feed", *whole_feed),
        _ => problem,
    }
}
