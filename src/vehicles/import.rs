//! CSV imports of the vehicle domain: train sets (`vehicle_id,label,car,seats`,
//! one line per car) and rosters (`service_date,vehicle_id,block_id,trip_id`).
//! Like the GTFS import, good lines are taken and each bad one is reported
//! with its line number and reason; nothing is written half-way.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::assign::Actor;
use super::error::VehicleError;
use super::model::{CarSeats, NewVehicleRequest, VehicleDraft, VehicleNumber};
use super::store::{Saved, VehicleStore};
use crate::trips::TripId;

/// The most lines one import may have.
pub const MAX_LINES: usize = 100_000;

/// A line that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    /// The line number in the file (the header is line 1).
    pub line: u64,
    /// The vehicle the line names, when it names one.
    pub vehicle_id: Option<String>,
    /// A stable machine code: `vehicle-unknown`, `block-unknown`, …
    pub code: &'static str,
    /// What is wrong, in words.
    pub reason: String,
}

/// What a vehicle import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VehicleImport {
    /// Sets registered.
    pub created: usize,
    /// Sets whose name or cars changed.
    pub updated: usize,
    /// Lines not taken.
    pub skipped: Vec<SkippedLine>,
}

/// One roster line: a vehicle runs a block, or a trip, on a service date.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RosterLine {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub service_date: String,
    /// The operator's vehicle id.
    #[serde(default)]
    pub vehicle_id: String,
    /// A GTFS block id (or empty).
    #[serde(default)]
    pub block_id: Option<String>,
    /// A GTFS trip id or trajet's trip id (or empty).
    #[serde(default)]
    pub trip_id: Option<String>,
}

/// What a roster import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RosterImport {
    /// Lines read.
    pub lines: usize,
    /// Lines taken.
    pub assigned: usize,
    /// Trips whose planned vehicles changed.
    pub trips_changed: usize,
    /// Lines not taken.
    pub skipped: Vec<SkippedLine>,
}

/// The rows of a CSV body by line number: each parsed, or why not.
pub type CsvRows<T> = Vec<(u64, Result<T, String>)>;

/// Reads a CSV body into rows of named fields, with line numbers.
fn rows<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<CsvRows<T>, VehicleError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    // A byte-order mark before the first header would hide its name.
    let headers = reader
        .headers()
        .map_err(|e| VehicleError::invalid("csv", format!("the header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect::<csv::StringRecord>();
    reader.set_headers(headers.clone());
    let mut out = Vec::new();
    for record in reader.records() {
        if out.len() >= MAX_LINES {
            return Err(VehicleError::invalid(
                "csv",
                format!("more than {MAX_LINES} lines; split the file"),
            ));
        }
        let (line, row) = match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                (
                    line,
                    r.deserialize(Some(&headers)).map_err(|e| e.to_string()),
                )
            }
            Err(e) => (e.position().map_or(0, |p| p.line()), Err(e.to_string())),
        };
        out.push((line, row));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct VehicleLine {
    vehicle_id: String,
    #[serde(default)]
    label: String,
    car: String,
    seats: String,
}

/// Parses a vehicles CSV into drafts (one per vehicle id, its lines
/// grouped) and the lines skipped; a vehicle with a bad line is skipped whole.
pub fn parse_vehicles(body: &[u8]) -> Result<(Vec<VehicleDraft>, Vec<SkippedLine>), VehicleError> {
    let mut skipped = Vec::new();
    // Vehicle id → (first line, label, cars, broken).
    let mut sets: Vec<(String, u64, String, Vec<CarSeats>, bool)> = Vec::new();
    for (line, row) in rows::<VehicleLine>(body)? {
        let row = match row {
            Ok(row) => row,
            Err(reason) => {
                skipped.push(skip(line, None, "line-invalid", reason));
                continue;
            }
        };
        let index = match sets.iter().position(|s| s.0 == row.vehicle_id) {
            Some(i) => i,
            None => {
                sets.push((
                    row.vehicle_id.clone(),
                    line,
                    String::new(),
                    Vec::new(),
                    false,
                ));
                sets.len() - 1
            }
        };
        let set = &mut sets[index];
        if set.2.is_empty() {
            set.2 = row.label.clone();
        }
        match row.seats.parse::<u32>() {
            Ok(seats) => set.3.push(CarSeats {
                car: row.car,
                seats,
            }),
            Err(_) => {
                set.4 = true;
                let reason = format!("seats `{}` is not a number", row.seats);
                skipped.push(skip(line, Some(&row.vehicle_id), "seats-invalid", reason));
            }
        }
    }
    let mut drafts = Vec::new();
    for (id, line, label, cars, broken) in sets {
        if broken {
            continue;
        }
        let request = NewVehicleRequest {
            id: Some(id.clone()),
            label: Some(label),
            cars: Some(cars),
        };
        match request.parse() {
            Ok(draft) => drafts.push(draft),
            Err(e) => skipped.push(skip(line, Some(&id), e.code(), e.to_string())),
        }
    }
    skipped.sort_by_key(|s| s.line);
    Ok((drafts, skipped))
}

/// Parses a roster CSV into its lines.
pub fn parse_roster(body: &[u8]) -> Result<CsvRows<RosterLine>, VehicleError> {
    rows::<RosterLine>(body)
}

impl VehicleStore {
    /// Registers or updates the vehicles of a CSV, reporting the lines skipped.
    pub async fn import_vehicles(
        &self,
        operator: &str,
        body: &[u8],
    ) -> Result<VehicleImport, VehicleError> {
        let (drafts, skipped) = parse_vehicles(body)?;
        let saved = self.save_all(operator, &drafts).await?;
        Ok(VehicleImport {
            created: saved.iter().filter(|s| **s == Saved::Created).count(),
            updated: saved.iter().filter(|s| **s == Saved::Updated).count(),
            skipped,
        })
    }

    /// Applies a roster: each good line assigns its vehicle to the trips of
    /// its block (or to its trip) on its service date, as the plan; several
    /// lines on one trip couple their sets. A trip the roster names gets
    /// exactly the roster's vehicles as its plan.
    pub async fn import_roster(
        &self,
        operator: &str,
        lines: Vec<(u64, Result<RosterLine, String>)>,
        actor: Actor<'_>,
    ) -> Result<RosterImport, VehicleError> {
        let fleet = self.fleet();
        let mut report = RosterImport {
            lines: lines.len(),
            ..RosterImport::default()
        };
        let mut plan: BTreeMap<TripId, Vec<VehicleNumber>> = BTreeMap::new();
        for (line, row) in lines {
            let row = match row {
                Ok(row) => row,
                Err(reason) => {
                    report
                        .skipped
                        .push(skip(line, None, "line-invalid", reason));
                    continue;
                }
            };
            let vehicle = row.vehicle_id.trim();
            let refused = |code, reason: String| skip(line, Some(vehicle), code, reason);
            let Ok(date) = NaiveDate::parse_from_str(row.service_date.trim(), "%Y-%m-%d") else {
                let reason = format!(
                    "service_date `{}` is not a date like 2026-12-07",
                    row.service_date
                );
                report.skipped.push(refused("date-invalid", reason));
                continue;
            };
            let Some(found) = fleet.by_ref(operator, vehicle) else {
                let reason = format!("vehicle `{vehicle}` is not registered (or was retired)");
                report.skipped.push(refused("vehicle-unknown", reason));
                continue;
            };
            let block = row
                .block_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            let trip = row
                .trip_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            let trips = match (block, trip) {
                (Some(block), None) => {
                    let ids = self.trips_of_block(operator, date, block).await?;
                    if ids.is_empty() {
                        let reason = format!("no trip of block `{block}` runs on {date}");
                        report.skipped.push(refused("block-unknown", reason));
                        continue;
                    }
                    ids
                }
                (None, Some(trip)) => match self.trip_by_feed_id(operator, date, trip).await? {
                    Some(id) => vec![id],
                    None => {
                        let reason = format!("no trip `{trip}` runs on {date}");
                        report.skipped.push(refused("trip-unknown", reason));
                        continue;
                    }
                },
                _ => {
                    let reason = "give either a block_id or a trip_id".to_owned();
                    report.skipped.push(refused("block-or-trip", reason));
                    continue;
                }
            };
            for id in trips {
                let vehicles = plan.entry(id).or_default();
                if !vehicles.contains(&found.number) {
                    vehicles.push(found.number);
                }
            }
            report.assigned += 1;
        }
        let plan: Vec<_> = plan.into_iter().collect();
        report.trips_changed = self.assign_plan(&plan, actor).await?;
        Ok(report)
    }

    async fn trips_of_block(
        &self,
        operator: &str,
        date: NaiveDate,
        block: &str,
    ) -> Result<Vec<TripId>, VehicleError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM trips WHERE operator = $1 AND service_date = $2 AND block_id = $3 \
             ORDER BY departs_at",
        )
        .bind(operator.to_owned())
        .bind(date.to_string())
        .bind(block.to_owned())
        .fetch_all(self.db.pool())
        .await?;
        Ok(ids
            .into_iter()
            .filter_map(|i| u32::try_from(i).ok())
            .map(TripId::new)
            .collect())
    }

    /// The trip a roster names: by the feed's trip id, else by trajet's id.
    async fn trip_by_feed_id(
        &self,
        operator: &str,
        date: NaiveDate,
        trip: &str,
    ) -> Result<Option<TripId>, VehicleError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM trips WHERE operator = $1 AND service_date = $2 \
             AND (feed_trip_id = $3 OR CAST(id AS TEXT) = $3)",
        )
        .bind(operator.to_owned())
        .bind(date.to_string())
        .bind(trip.to_owned())
        .fetch_optional(self.db.pool())
        .await?;
        Ok(id.and_then(|i| u32::try_from(i).ok()).map(TripId::new))
    }
}

fn skip(line: u64, vehicle: Option<&str>, code: &'static str, reason: String) -> SkippedLine {
    SkippedLine {
        line,
        vehicle_id: vehicle.map(str::to_owned),
        code,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_one_set_are_grouped_and_bad_lines_reported() {
        let csv = "vehicle_id,label,car,seats\n\
                   24571,Regio 2N 24571,1,80\n\
                   24571,,2,96\n\
                   24533,Regio 2N 24533,1,eighty\n\
                   24533,,2,96\n\
                   30001,X,Z,10\n";
        let (drafts, skipped) = parse_vehicles(csv.as_bytes()).unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].label, "Regio 2N 24571");
        assert_eq!(drafts[0].cars.len(), 2);
        let lines: Vec<(u64, &str)> = skipped.iter().map(|s| (s.line, s.code)).collect();
        assert_eq!(lines, vec![(4, "seats-invalid"), (6, "vehicle-invalid")]);
    }

    #[test]
    fn a_roster_csv_reads_its_lines_with_numbers() {
        let csv = "\u{feff}service_date,vehicle_id,block_id,trip_id\n2026-12-07,24571,B1,\n";
        let rows = parse_roster(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        let (line, row) = &rows[0];
        assert_eq!(*line, 2);
        let row = row.as_ref().unwrap();
        assert_eq!(row.block_id.as_deref(), Some("B1"));
        assert!(row.trip_id.as_deref().unwrap_or_default().is_empty());
    }
}
