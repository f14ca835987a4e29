//! The small GTFS files (agencies with their time zones, routes with their
//! line names and types) and the trips that run in the range.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use chrono_tz::Tz;

use super::calendar::Services;
use super::error::{GtfsError, Skipped, SkippedRow};
use super::table::Table;
use super::{ImportOptions, is_rail};

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
    /// `block_id`: the trips one vehicle runs in a row (empty: none).
    pub block_id: Option<String>,
    pub line: u64,
}

/// Reads `agency.txt`: at least one agency, each with a known time zone.
pub fn agencies(mut table: Table<impl Read>) -> Result<Agencies, GtfsError> {
    let (id, zone) = (table.column("agency_id"), table.require("agency_timezone")?);
    let mut default = None;
    let mut by_id = HashMap::new();
    while let Some(row) = table.next_row()? {
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
    mut table: Table<impl Read>,
    agencies: &Agencies,
    skipped: &mut Skipped,
) -> Result<HashMap<String, Route>, GtfsError> {
    let (id, kind) = (table.require("route_id")?, table.require("route_type")?);
    let (short, long, agency) = (
        table.column("route_short_name"),
        table.column("route_long_name"),
        table.column("agency_id"),
    );
    let mut routes = HashMap::new();
    while let Some(row) = table.next_row()? {
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
                code: "route-type-invalid",
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

/// The trips of `trips.txt` that run in the range, and what was left out.
pub struct Selection {
    /// The trips to import, in file order.
    pub trips: Vec<FeedTrip>,
    /// Trips of the range on routes that are not rail (left out on purpose).
    pub other_route_types: usize,
}

/// Reads `trips.txt`, keeping only the trips that run in the range on a
/// wanted route type: memory grows with the trips imported, not with the
/// rows of the feed. A trip of an undefined service or route is skipped; a
/// `trip_id` repeated among the trips kept is skipped on its later lines.
/// Refuses the feed once the kept trips run more often than `max_trips`.
pub fn trips(
    mut table: Table<impl Read>,
    routes: &HashMap<String, Route>,
    services: &Services,
    options: &ImportOptions,
    skipped: &mut Skipped,
) -> Result<Selection, GtfsError> {
    let (route, service, id) = (
        table.require("route_id")?,
        table.require("service_id")?,
        table.require("trip_id")?,
    );
    let short = table.column("trip_short_name");
    let block = table.column("block_id");
    let mut kept: HashSet<String> = HashSet::new();
    let mut selection = Selection {
        trips: Vec::new(),
        other_route_types: 0,
    };
    let mut runs = 0;
    while let Some(row) = table.next_row()? {
        let (trip_id, service_id, route_id) = (row.get(id), row.get(service), row.get(route));
        let skip = |code, reason: String| SkippedRow {
            file: "trips.txt",
            line: row.line,
            trip_id: Some(trip_id.to_owned()),
            code,
            reason,
        };
        if trip_id.is_empty() {
            skipped.push(skip("trip-id-empty", "trip_id is empty".into()));
            continue;
        }
        if !services.is_defined(service_id) {
            skipped.push(skip(
                "service-undefined",
                format!(
                    "service_id {service_id:?} is in neither calendar.txt nor calendar_dates.txt"
                ),
            ));
            continue;
        }
        let dates = services.dates(service_id).count();
        if dates == 0 {
            // Does not run in the range: nothing to import, nothing wrong.
            continue;
        }
        let Some(found) = routes.get(route_id) else {
            skipped.push(skip(
                "route-undefined",
                format!("route_id {route_id:?} is not a usable route of routes.txt"),
            ));
            continue;
        };
        if !(options.all_route_types || is_rail(found.route_type)) {
            selection.other_route_types += 1;
            continue;
        }
        if kept.contains(trip_id) {
            let reason = "trip_id already appears on an earlier line";
            skipped.push(skip("trip-id-repeated", reason.into()));
            continue;
        }
        runs += dates;
        super::build::check_count(runs, options)?;
        kept.insert(trip_id.to_owned());
        let train_number = Some(row.get(short))
            .filter(|s| !s.is_empty())
            .unwrap_or(trip_id);
        selection.trips.push(FeedTrip {
            trip_id: trip_id.to_owned(),
            route_id: route_id.to_owned(),
            service_id: service_id.to_owned(),
            train_number: train_number.to_owned(),
            block_id: Some(row.get(block).trim())
                .filter(|b| !b.is_empty())
                .map(str::to_owned),
            line: row.line,
        });
    }
    Ok(selection)
}
