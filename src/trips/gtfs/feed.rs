//! The small GTFS files: agencies (time zones), routes (line names and
//! types), stops (names) and trips.

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;

use super::error::{GtfsError, SkippedRow};
use super::table::Table;

/// The agencies' time zones, by `agency_id`, and the feed's default.
pub struct Agencies {
    default: Tz,
    by_id: HashMap<String, Tz>,
}

impl Agencies {
    /// The time zone of a route's agency; the first agency's when the route
    /// names none or an unknown one (GTFS requires one zone per feed anyway).
    pub fn zone(&self, agency_id: &str) -> Tz {
        self.by_id.get(agency_id).copied().unwrap_or(self.default)
    }
}

/// A route, as far as trips need it.
pub struct Route {
    /// `route_short_name`, else `route_long_name`, else `route_id`.
    pub line: String,
    /// The GTFS `route_type`.
    pub route_type: u32,
    /// The agency's time zone.
    pub zone: Tz,
}

/// A row of `trips.txt`.
pub struct FeedTrip {
    pub trip_id: String,
    pub route_id: String,
    pub service_id: String,
    /// `trip_short_name` (the public train number), else `trip_id`.
    pub train_number: String,
    pub line: u64,
}

/// Reads `agency.txt`: at least one agency, each with a known time zone.
pub fn agencies(text: &str) -> Result<Agencies, GtfsError> {
    let mut table = Table::new("agency.txt", text)?;
    let (id, zone) = (table.column("agency_id"), table.require("agency_timezone")?);
    let mut default = None;
    let mut by_id = HashMap::new();
    for row in table.rows() {
        let row = row?;
        let name = row.get(zone);
        let tz: Tz = name.parse().map_err(|_| {
            GtfsError::invalid(
                "agency.txt",
                row.line,
                format!("agency_timezone {name:?} is not an IANA time zone"),
            )
        })?;
        default.get_or_insert(tz);
        by_id.insert(row.get(id).to_owned(), tz);
    }
    let default =
        default.ok_or_else(|| GtfsError::invalid("agency.txt", 2, "the feed names no agency"))?;
    Ok(Agencies { default, by_id })
}

/// Reads `routes.txt`; a route whose type is not a number is skipped.
pub fn routes(
    text: &str,
    agencies: &Agencies,
    skipped: &mut Vec<SkippedRow>,
) -> Result<HashMap<String, Route>, GtfsError> {
    let mut table = Table::new("routes.txt", text)?;
    let (id, kind) = (table.require("route_id")?, table.require("route_type")?);
    let (short, long, agency) = (
        table.column("route_short_name"),
        table.column("route_long_name"),
        table.column("agency_id"),
    );
    let mut routes = HashMap::new();
    for row in table.rows() {
        let row = row?;
        let Ok(route_type) = row.get(kind).parse() else {
            let reason = format!(
                "route {} has route_type {:?}, not a number",
                row.get(id),
                row.get(kind)
            );
            skipped.push(SkippedRow {
                file: "routes.txt",
                line: row.line,
                trip_id: None,
                reason,
            });
            continue;
        };
        let line = [row.get(short), row.get(long), row.get(id)]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or_default();
        let route = Route {
            line: line.to_owned(),
            route_type,
            zone: agencies.zone(row.get(agency)),
        };
        routes.insert(row.get(id).to_owned(), route);
    }
    Ok(routes)
}

/// Reads `stops.txt` into stop names; a stop without a name takes its
/// station's, else its id.
pub fn stops(text: &str) -> Result<HashMap<String, String>, GtfsError> {
    let mut table = Table::new("stops.txt", text)?;
    let (id, name, parent) = (
        table.require("stop_id")?,
        table.column("stop_name"),
        table.column("parent_station"),
    );
    let mut names = HashMap::new();
    let mut unnamed = Vec::new();
    for row in table.rows() {
        let row = row?;
        match row.get(name) {
            "" => unnamed.push((row.get(id).to_owned(), row.get(parent).to_owned())),
            named => drop(names.insert(row.get(id).to_owned(), named.to_owned())),
        }
    }
    for (stop, station) in unnamed {
        let name = names.get(&station).cloned().unwrap_or_else(|| stop.clone());
        names.insert(stop, name);
    }
    Ok(names)
}

/// Reads `trips.txt`; a repeated `trip_id` is skipped.
pub fn trips(text: &str, skipped: &mut Vec<SkippedRow>) -> Result<Vec<FeedTrip>, GtfsError> {
    let mut table = Table::new("trips.txt", text)?;
    let (route, service, id) = (
        table.require("route_id")?,
        table.require("service_id")?,
        table.require("trip_id")?,
    );
    let short = table.column("trip_short_name");
    let mut seen = HashSet::new();
    let mut trips = Vec::new();
    for row in table.rows() {
        let row = row?;
        let trip_id = row.get(id).to_owned();
        if trip_id.is_empty() || !seen.insert(trip_id.clone()) {
            let reason = if trip_id.is_empty() {
                "trip_id is empty"
            } else {
                "trip_id already appears on an earlier line"
            };
            skipped.push(SkippedRow {
                file: "trips.txt",
                line: row.line,
                trip_id: Some(trip_id),
                reason: reason.to_owned(),
            });
            continue;
        }
        let train_number = Some(row.get(short))
            .filter(|s| !s.is_empty())
            .unwrap_or(&trip_id)
            .to_owned();
        trips.push(FeedTrip {
            route_id: row.get(route).to_owned(),
            service_id: row.get(service).to_owned(),
            train_number,
            trip_id,
            line: row.line,
        });
    }
    Ok(trips)
}
