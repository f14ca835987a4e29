//! `GET /api/v1/publisher/reports`, `/reports.csv` and `GET /api/v1/operator/dashboard`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{Operator, Publisher};
use crate::error::AppError;
use crate::http::extract::ApiQuery;
use crate::reports::dashboard;
use crate::reports::table::{Grouping, SUPPRESS_BELOW, publisher_report};
use crate::usage::{Counters, MAX_REPORT_ROWS};

/// The span of a report when `from` is not given.
const DEFAULT_DAYS: i64 = 30;

/// The report and dashboard routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/publisher/reports", get(report_json))
        .route("/api/v1/publisher/reports.csv", get(report_csv))
        .route("/api/v1/operator/dashboard", get(dashboard_json))
}

#[derive(Deserialize)]
struct ReportQuery {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    group: Option<String>,
}

struct ReportRequest {
    from: NaiveDate,
    to: NaiveDate,
    grouping: Grouping,
}

impl ReportQuery {
    /// Defaults: the last 30 days up to today (UTC), grouped by title.
    fn parse(self) -> Result<ReportRequest, AppError> {
        let invalid = |detail: String| AppError::bad_request("report-query-invalid", detail);
        let to = self.to.unwrap_or_else(|| Utc::now().date_naive());
        let from = self.from.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
        if from > to {
            return Err(invalid(format!("`from` ({from}) is after `to` ({to}).")));
        }
        let grouping =
            Grouping::parse(self.group.as_deref().unwrap_or("title")).map_err(invalid)?;
        Ok(ReportRequest { from, to, grouping })
    }
}

/// A publisher's grouped counts over the request's days, this process's
/// latest counts included.
async fn report_groups(
    state: &AppState,
    publisher: &str,
    request: &ReportRequest,
) -> Result<Vec<(Vec<String>, Counters)>, AppError> {
    state.0.flush_usage().await;
    let groups = state
        .usage
        .report(
            publisher,
            &request.from.to_string(),
            &request.to.to_string(),
            &request.grouping.groups(),
        )
        .await?;
    if groups.len() > MAX_REPORT_ROWS {
        return Err(AppError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "report-too-large",
            format!(
                "This report would have more than {MAX_REPORT_ROWS} rows: group by month, \
                 or ask for a shorter range."
            ),
        ));
    }
    Ok(groups)
}

async fn report_json(
    State(state): State<AppState>,
    Publisher(account): Publisher,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Json<Value>, AppError> {
    let request = query.parse()?;
    let groups = report_groups(&state, &account.id, &request).await?;
    let (rows, totals) = publisher_report(&groups, &request.grouping);
    Ok(Json(json!({
        "from": request.from,
        "to": request.to,
        "group": request.grouping.dimensions(),
        "suppressed_below": SUPPRESS_BELOW,
        "rows": rows,
        "totals": totals,
    })))
}

async fn report_csv(
    State(state): State<AppState>,
    Publisher(account): Publisher,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, AppError> {
    let request = query.parse()?;
    let groups = report_groups(&state, &account.id, &request).await?;
    let (rows, _) = publisher_report(&groups, &request.grouping);
    let body = crate::reports::csv::render(&request.grouping, &rows)?;
    let disposition = format!(
        "attachment; filename=\"trajet-report-{}-{}.csv\"",
        request.from, request.to
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/csv; charset=utf-8; header=present".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
struct DashboardQuery {
    date: Option<NaiveDate>,
}

/// The operator's dashboard: its own trips, and the scans and titles read on them.
async fn dashboard_json(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiQuery(query): ApiQuery<DashboardQuery>,
) -> Result<Json<Value>, AppError> {
    let now = Utc::now();
    let date = query.date.unwrap_or_else(|| now.date_naive());
    let window = |t: &crate::trips::Trip| t.window(&state.config);
    let trips = dashboard::trips_of(
        state.trips.trips_of(&operator.id, date).await?,
        state
            .trips
            .trips_of(&operator.id, dashboard::previous_day(date))
            .await?,
        window,
        now,
    );
    let mut entries = Vec::with_capacity(trips.len());
    for trip in &trips {
        let status = dashboard::status(trip, &window(trip), now);
        let live = match status {
            dashboard::Status::Running => live_sessions(&state, trip).await,
            _ => Some(0),
        };
        entries.push(dashboard::trip_entry(trip, status, live));
    }
    state.0.flush_usage().await;
    let read = state
        .usage
        .titles_read(&operator.id, &date.to_string())
        .await?;
    let first = dashboard::first_hour(now);
    let hours = state
        .usage
        .scans_per_hour(&operator.id, first, first + 24 * 3600)
        .await?;
    let mut top = dashboard::top_titles(read, 10);
    let (catalog, accounts) = (state.catalog.titles(), state.accounts.all());
    dashboard::name_titles(
        &mut top,
        |id| {
            crate::catalog::title::TitleId::parse(id)
                .and_then(|id| catalog.get(&id).map(|t| t.summary.title.clone()))
        },
        |id| accounts.iter().find(|a| a.id == id).map(|a| a.name.clone()),
    );
    Ok(Json(json!({
        "now": now.to_rfc3339(),
        "date": date,
        "trips": entries,
        "scans_per_hour": dashboard::hour_bars(&hours, first),
        "top_titles": top,
        "suppressed_below": SUPPRESS_BELOW,
    })))
}

/// Live sessions of a running trip; `None` (shown as unknown) when the store fails,
/// so a session store outage does not take the whole dashboard down.
async fn live_sessions(state: &AppState, trip: &crate::trips::Trip) -> Option<u64> {
    match state.sessions.live_sessions(trip.id.get()).await {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(trip = %trip.id, error = %e, "live sessions unknown for the dashboard");
            None
        }
    }
}
