//! The changes of each trip, who made them and when (`trip_changes`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{AnyConnection, Row as _};

use super::TripStore;
use crate::db::{Params, rows_per_statement};
use crate::trips::error::TripError;
use crate::trips::model::TripId;

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An operator's request with an API key.
    Api,
    /// An operator's request from the signed-in console.
    Console,
    /// A GTFS import (the API's or the command line's).
    Import,
    /// The operator's GTFS-Realtime feed.
    Realtime,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Console => "console",
            Source::Import => "import",
            Source::Realtime => "realtime",
        }
    }
}

/// Who makes a change: an operator's account, and through what.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The operator's account id.
    pub account: &'a str,
    /// The API, the console, an import or the live feed.
    pub source: Source,
}

impl<'a> Actor<'a> {
    /// `account` acting through `source`.
    pub fn new(account: &'a str, source: Source) -> Self {
        Self { account, source }
    }
}

/// A bare account id acts through the API.
impl<'a> From<&'a str> for Actor<'a> {
    fn from(account: &'a str) -> Self {
        Self::new(account, Source::Api)
    }
}

impl<'a> From<&'a String> for Actor<'a> {
    fn from(account: &'a String) -> Self {
        Self::new(account, Source::Api)
    }
}

/// One change to record: what happened to which trip.
#[derive(Debug, Clone)]
pub(super) struct Change {
    pub trip: TripId,
    pub detail: Value,
}

/// One entry of a trip's history, as `GET /trips/{id}/history` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TripHistoryEntry {
    /// When the change committed.
    pub at: DateTime<Utc>,
    /// `api`, `console`, `import` or `realtime`.
    pub source: String,
    /// The account that made it.
    pub actor: String,
    /// What changed, e.g. `{"arrives_at": {"from": …, "to": …}}`.
    pub change: Value,
}

/// Appends changes made by `actor` now, in the write's transaction.
pub(super) async fn record(
    conn: &mut AnyConnection,
    revision: i64,
    actor: &str,
    source: Source,
    changes: &[Change],
) -> Result<(), TripError> {
    let now = Utc::now().timestamp();
    for chunk in changes.chunks(rows_per_statement(6)) {
        let mut params = Params::on(conn);
        let sql = format!(
            "INSERT INTO trip_changes (trip_id, revision, changed_at, actor, source, detail) \
             VALUES {}",
            params.rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql).persistent(false);
        for change in chunk {
            query = query
                .bind(i64::from(change.trip.get()))
                .bind(revision)
                .bind(now)
                .bind(actor.to_owned())
                .bind(source.name().to_owned())
                .bind(change.detail.to_string());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends one change of a trip made by a write of another domain (which
/// vehicles run it): `revision` is the trips generation that write took
/// (`crate::db::Write::also_bump`), so the history stays in commit order.
/// `source` is `api`, `console`, `import` or `realtime`.
pub async fn record_change(
    conn: &mut AnyConnection,
    revision: i64,
    actor: &str,
    source: &str,
    trip: TripId,
    detail: &Value,
) -> Result<(), TripError> {
    sqlx::query(
        "INSERT INTO trip_changes (trip_id, revision, changed_at, actor, source, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(i64::from(trip.get()))
    .bind(revision)
    .bind(Utc::now().timestamp())
    .bind(actor.to_owned())
    .bind(source.to_owned())
    .bind(detail.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

impl TripStore {
    /// The changes of one trip, oldest first.
    pub async fn history(&self, id: TripId) -> Result<Vec<TripHistoryEntry>, TripError> {
        let rows = sqlx::query(
            "SELECT changed_at, actor, source, detail FROM trip_changes WHERE trip_id = $1 \
             ORDER BY revision",
        )
        .bind(i64::from(id.get()))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let detail: String = row.try_get("detail")?;
                Ok(TripHistoryEntry {
                    at: DateTime::from_timestamp(row.try_get("changed_at")?, 0).unwrap_or_default(),
                    source: row.try_get("source")?,
                    actor: row.try_get("actor")?,
                    change: serde_json::from_str(&detail).unwrap_or(Value::String(detail)),
                })
            })
            .collect()
    }
}
