//! Trips as rows of the `trips` table: the one place that knows its columns.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::db::{Params, rows_per_statement};
use crate::trips::error::TripError;
use crate::trips::model::{ExternalKey, Seats, Trip, TripId, TripState};
use crate::trips::request::TripDraft;

/// The columns of a trip, in the order [`trip`] reads and [`upsert`] writes them.
pub(super) const COLUMNS: &str = "id, operator, service_date, line, train_number, origin, \
     destination, departs_at, arrives_at, scheduled_arrives_at, seats, cars, collections, \
     state, timezone, feed_trip_id, revision, block_id";

const COLUMN_COUNT: usize = 18;

/// A stored trip and the generation of the write that last changed it.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    pub trip: Trip,
    pub revision: i64,
}

/// Reads one row selected with [`COLUMNS`].
pub(super) fn trip(row: &AnyRow) -> Result<Stored, TripError> {
    let service_date: NaiveDate = parse(row, "service_date", |s: &str| s.parse().ok())?;
    let feed_trip_id: Option<String> = row.try_get("feed_trip_id")?;
    let trip = Trip {
        id: TripId::new(u32::try_from(row.try_get::<i64, _>("id")?).map_err(corrupt("id"))?),
        service_date,
        line: row.try_get("line")?,
        train_number: row.try_get("train_number")?,
        origin: row.try_get("origin")?,
        destination: row.try_get("destination")?,
        departs_at: instant(row, "departs_at")?,
        arrives_at: instant(row, "arrives_at")?,
        scheduled_arrives_at: instant(row, "scheduled_arrives_at")?,
        seats: u32::try_from(row.try_get::<i64, _>("seats")?)
            .ok()
            .and_then(|n| Seats::new(n).ok())
            .ok_or_else(|| corrupt("seats")(()))?,
        cars: json(row, "cars")?,
        collections: json(row, "collections")?,
        state: parse(row, "state", |s: &str| match s {
            "scheduled" => Some(TripState::Scheduled),
            "cancelled" => Some(TripState::Cancelled),
            _ => None,
        })?,
        timezone: parse(row, "timezone", |s: &str| s.parse().ok())?,
        source: feed_trip_id.map(|feed_trip_id| ExternalKey {
            feed_trip_id,
            service_date,
        }),
        operator: Some(row.try_get("operator")?),
        block_id: row.try_get("block_id")?,
    };
    Ok(Stored {
        trip,
        revision: row.try_get("revision")?,
    })
}

/// Writes trips as they are now, new or changed, at `revision`: many rows
/// per statement (an import writes thousands).
pub(super) async fn upsert(
    conn: &mut AnyConnection,
    trips: &[&Trip],
    revision: i64,
) -> Result<(), TripError> {
    for chunk in trips.chunks(rows_per_statement(COLUMN_COUNT)) {
        let mut params = Params::on(conn);
        let sql = format!(
            "INSERT INTO trips ({COLUMNS}) VALUES {} ON CONFLICT (id) DO UPDATE SET \
             line = excluded.line, train_number = excluded.train_number, \
             origin = excluded.origin, destination = excluded.destination, \
             departs_at = excluded.departs_at, arrives_at = excluded.arrives_at, \
             scheduled_arrives_at = excluded.scheduled_arrives_at, seats = excluded.seats, \
             cars = excluded.cars, collections = excluded.collections, state = excluded.state, \
             timezone = excluded.timezone, revision = excluded.revision, \
             block_id = excluded.block_id",
            params.rows(chunk.len(), COLUMN_COUNT)
        );
        let mut query = sqlx::query(&sql).persistent(false);
        for trip in chunk {
            let operator = trip.operator.clone().ok_or_else(|| {
                TripError::invalid("operator", "a stored trip belongs to an operator")
            })?;
            query = query
                .bind(i64::from(trip.id.get()))
                .bind(operator)
                .bind(trip.service_date.to_string())
                .bind(trip.line.clone())
                .bind(trip.train_number.clone())
                .bind(trip.origin.clone())
                .bind(trip.destination.clone())
                .bind(trip.departs_at.timestamp())
                .bind(trip.arrives_at.timestamp())
                .bind(trip.scheduled_arrives_at.timestamp())
                .bind(i64::from(trip.seats.get()))
                .bind(to_json(&trip.cars))
                .bind(to_json(&trip.collections))
                .bind(state_name(trip.state).to_owned())
                .bind(trip.timezone.name().to_owned())
                .bind(trip.source.as_ref().map(|k| k.feed_trip_id.clone()))
                .bind(revision)
                .bind(trip.block_id.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The columns a live write sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LiveColumns {
    /// Departure, arrival and state.
    All,
    /// Arrival and state: the departure and its index are left alone (a
    /// third of the statement's cost on SQLite for 10,000 trips).
    ArrivalAndState,
}

/// Writes what a live timetable changes of trips already stored (their
/// departure, arrival and state, or `columns`) at `revision`: a narrow
/// update, many rows per statement, that leaves the other columns and
/// their indexes alone.
pub(super) async fn update_live(
    conn: &mut AnyConnection,
    trips: &[&Trip],
    revision: i64,
    columns: LiveColumns,
) -> Result<(), TripError> {
    for chunk in trips.chunks(rows_per_statement(4)) {
        let mut params = Params::on(conn);
        let departure = match columns {
            LiveColumns::All => "departs_at = v.column2, ",
            LiveColumns::ArrivalAndState => "",
        };
        // A VALUES list's columns are column1, column2… on both engines.
        let sql = format!(
            "UPDATE trips SET {departure}arrives_at = v.column3, \
             state = v.column4, revision = {} FROM (VALUES {}) AS v WHERE trips.id = v.column1",
            params.one(),
            params.rows(chunk.len(), 4)
        );
        let mut query = sqlx::query(&sql).persistent(false).bind(revision);
        for trip in chunk {
            query = query
                .bind(i64::from(trip.id.get()))
                .bind(trip.departs_at.timestamp())
                .bind(trip.arrives_at.timestamp())
                .bind(state_name(trip.state).to_owned());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// An instant as the database keeps it: whole Unix seconds.
pub(super) fn whole_seconds(instant: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(instant.timestamp(), 0).unwrap_or(instant)
}

/// A draft with its instants as the database keeps them, so that the trip a
/// write answers is the trip a later read finds.
pub(super) fn in_whole_seconds(draft: TripDraft) -> TripDraft {
    TripDraft {
        departs_at: whole_seconds(draft.departs_at),
        arrives_at: whole_seconds(draft.arrives_at),
        ..draft
    }
}

fn state_name(state: TripState) -> &'static str {
    match state {
        TripState::Scheduled => "scheduled",
        TripState::Cancelled => "cancelled",
    }
}

fn to_json(names: &Option<Vec<String>>) -> Option<String> {
    names
        .as_ref()
        .map(|n| serde_json::to_string(n).expect("a list of strings serializes"))
}

fn json(row: &AnyRow, column: &'static str) -> Result<Option<Vec<String>>, TripError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| serde_json::from_str(&t).map_err(corrupt(column)))
        .transpose()
}

fn instant(row: &AnyRow, column: &'static str) -> Result<DateTime<Utc>, TripError> {
    DateTime::from_timestamp(row.try_get(column)?, 0).ok_or_else(|| corrupt(column)(()))
}

fn parse<T>(
    row: &AnyRow,
    column: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, TripError> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| corrupt(column)(()))
}

fn corrupt<E>(column: &'static str) -> impl FnOnce(E) -> TripError {
    move |_| TripError::Storage(anyhow::anyhow!("the trips table holds an invalid {column}"))
}
