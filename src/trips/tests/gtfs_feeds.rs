//! GTFS rules on small feeds written here, one rule per test.

use std::io::{Cursor, Write};

use chrono::NaiveDate;
use zip::write::{SimpleFileOptions, ZipWriter};

use super::utc;
use crate::trips::gtfs::{FeedTrips, GtfsError, ImportOptions, read_feed};

const AGENCY: &str = "agency_id,agency_name,agency_url,agency_timezone\nSNCF,SNCF,https://sncf.example,Europe/Paris\n";
const ROUTES: &str = "route_id,agency_id,route_short_name,route_long_name,route_type\n\
                      TER,SNCF,TER,,2\nBUS,SNCF,,Car 12,3\nIC,SNCF,,Intercités,102\n";
const TRIPS: &str =
    "route_id,service_id,trip_id,trip_short_name\nTER,WK,t1,17423\nBUS,WK,b1,\nIC,WK,ic1,4051\n";
const STOPS: &str =
    "stop_id,stop_name,parent_station\nCF,Clermont-Ferrand,\nLY,,LYS\nLYS,Lyon Part-Dieu,\n";
const STOP_TIMES: &str = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n\
                          t1,,11:29:00,CF,1\nt1,12:41:00,,LY,2\nb1,07:00:00,07:00:00,CF,1\nb1,08:00:00,08:00:00,LY,2\n\
                          ic1,23:50:00,23:50:00,CF,10\nic1,25:05:00,25:05:00,LY,20\n";
const CALENDAR: &str = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n\
                        WK,1,1,1,1,1,0,0,20261101,20261231\n";

fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, body) in files {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(body.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The base feed with some files replaced (an empty body removes the file).
fn feed(changes: &[(&str, &str)]) -> Vec<u8> {
    let base = [
        ("agency.txt", AGENCY),
        ("routes.txt", ROUTES),
        ("trips.txt", TRIPS),
        ("stops.txt", STOPS),
        ("stop_times.txt", STOP_TIMES),
        ("calendar.txt", CALENDAR),
    ];
    let mut files: Vec<(&str, &str)> = base
        .iter()
        .map(|&(n, b)| (n, changes.iter().find(|c| c.0 == n).map_or(b, |c| c.1)))
        .collect();
    files.extend(
        changes
            .iter()
            .filter(|c| !base.iter().any(|b| b.0 == c.0))
            .copied(),
    );
    files.retain(|f| !f.1.is_empty());
    zip(&files)
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Monday 2026-11-30 only.
fn options() -> ImportOptions {
    ImportOptions::new(day("2026-11-30"), day("2026-11-30"))
}

fn read(bytes: Vec<u8>, options: &ImportOptions) -> Result<FeedTrips, GtfsError> {
    read_feed(Cursor::new(bytes), options)
}

#[test]
fn rail_routes_only_unless_every_type_is_asked_for() {
    let rail = read(feed(&[]), &options()).unwrap();
    let numbers: Vec<_> = rail.trips.iter().map(|t| t.train_number.as_str()).collect();
    assert_eq!(
        (numbers, rail.other_route_types),
        (vec!["17423", "4051"], 1)
    );
    let all = read(
        feed(&[]),
        &ImportOptions {
            all_route_types: true,
            ..options()
        },
    )
    .unwrap();
    assert_eq!((all.trips.len(), all.other_route_types), (3, 0));
    assert_eq!(
        all.trips[1].train_number, "b1",
        "a trip without trip_short_name is numbered by its trip_id"
    );
}

#[test]
fn trip_runs_from_first_departure_to_last_arrival_in_the_agency_zone() {
    let trips = read(feed(&[]), &options()).unwrap().trips;
    let ter = &trips[0];
    assert_eq!(
        (ter.departs_at, ter.arrives_at),
        (utc("2026-11-30T10:29:00Z"), utc("2026-11-30T11:41:00Z"))
    );
    assert_eq!(
        (ter.line.as_str(), ter.origin.as_str()),
        ("TER", "Clermont-Ferrand")
    );
    assert_eq!(
        ter.destination, "Lyon Part-Dieu",
        "a stop without a name takes its station's"
    );
    let night = &trips[1];
    assert_eq!(
        (night.line.as_str(), night.service_date),
        ("Intercités", day("2026-11-30"))
    );
    assert_eq!(
        night.arrives_at,
        utc("2026-12-01T00:05:00Z"),
        "25:05:00 is 01:05 the next morning"
    );
    assert_eq!(night.source.as_ref().unwrap().feed_trip_id, "ic1");
    assert_eq!(night.seats.get(), 400);
}

#[test]
fn calendar_dates_alone_define_service() {
    let dates = "service_id,date,exception_type\nWK,20261130,1\n";
    let trips = read(
        feed(&[("calendar.txt", ""), ("calendar_dates.txt", dates)]),
        &options(),
    )
    .unwrap()
    .trips;
    assert_eq!(trips.len(), 2);
}

#[test]
fn frequency_based_trips_become_one_trip_per_run() {
    let freq = "trip_id,start_time,end_time,headway_secs\nt1,06:00:00,07:00:00,1200\n";
    let trips = read(feed(&[("frequencies.txt", freq)]), &options())
        .unwrap()
        .trips;
    let runs: Vec<_> = trips.iter().filter(|t| t.train_number == "17423").collect();
    let keys: Vec<_> = runs
        .iter()
        .map(|t| t.source.as_ref().unwrap().feed_trip_id.as_str())
        .collect();
    assert_eq!(keys, ["t1@06:00:00", "t1@06:20:00", "t1@06:40:00"]);
    assert_eq!(
        (runs[2].departs_at, runs[2].arrives_at),
        (utc("2026-11-30T05:40:00Z"), utc("2026-11-30T06:52:00Z"))
    );
}

#[test]
fn bad_rows_skip_their_trip_and_name_file_line_and_reason() {
    let trips = "route_id,service_id,trip_id,trip_short_name\nTER,WK,t1,17423\nTER,WK,nostops,1\nGONE,WK,x,2\nTER,NONE,y,3\nIC,WK,ic1,4051\n";
    let times = STOP_TIMES.replace("ic1,25:05:00,25:05:00,LY,20", "ic1,25:5:00,25:05:00,LY,20");
    let read = read(
        feed(&[("trips.txt", trips), ("stop_times.txt", &times)]),
        &options(),
    )
    .unwrap();
    assert_eq!(read.trips.len(), 1);
    let rows: Vec<_> = read
        .skipped
        .rows
        .iter()
        .map(|s| (s.file, s.line, s.trip_id.as_deref().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            ("stop_times.txt", 7, "ic1"),
            ("trips.txt", 3, "nostops"),
            ("trips.txt", 4, "x"),
            ("trips.txt", 5, "y")
        ]
    );
    let reasons: Vec<_> = read
        .skipped
        .rows
        .iter()
        .map(|s| s.reason.as_str())
        .collect();
    assert!(
        reasons[0].contains("25:5:00") && reasons[1].contains("no stop_times"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].contains("GONE") && reasons[3].contains("NONE"),
        "{reasons:?}"
    );
}

#[test]
fn broken_feeds_are_refused_with_file_line_and_reason() {
    let bad_zone = AGENCY.replace("Europe/Paris", "Europe/Atlantis");
    let error = read(feed(&[("agency.txt", &bad_zone)]), &options()).unwrap_err();
    assert_eq!(
        (error.code(), error.file(), error.line()),
        ("gtfs-invalid", Some("agency.txt"), Some(2))
    );
    assert!(error.to_string().contains("Europe/Atlantis"), "{error}");
    let no_column = read(
        feed(&[("stop_times.txt", "trip_id,stop_id\nt1,CF\n")]),
        &options(),
    )
    .unwrap_err();
    assert_eq!(
        no_column.to_string(),
        "stop_times.txt line 1: required column stop_sequence is missing from the header"
    );
    let missing = read(feed(&[("stops.txt", "")]), &options()).unwrap_err();
    assert_eq!(
        (missing.code(), missing.file()),
        ("gtfs-invalid", Some("stops.txt"))
    );
}

#[test]
fn unusable_date_ranges_are_refused() {
    let backwards = ImportOptions::new(day("2026-12-02"), day("2026-12-01"));
    assert_eq!(
        read(feed(&[]), &backwards).unwrap_err().code(),
        "gtfs-import-invalid"
    );
    let too_long = ImportOptions::new(day("2026-01-01"), day("2027-01-02"));
    assert_eq!(
        read(feed(&[]), &too_long).unwrap_err().code(),
        "gtfs-import-invalid"
    );
    let capped = ImportOptions {
        limits: crate::config::GtfsLimits {
            max_trips: 1,
            ..Default::default()
        },
        ..options()
    };
    assert_eq!(
        read(feed(&[]), &capped).unwrap_err().code(),
        "gtfs-import-invalid"
    );
}
