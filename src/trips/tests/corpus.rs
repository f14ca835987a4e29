//! Every GTFS feed of the shared corpus (`../shared/corpus/gtfs`, or
//! `$TRAJET_CORPUS/gtfs`), with the answer each one must get.
//!
//! Expected counts were worked out from the files by hand (`unzip -p`, `grep`,
//! `awk`), as the comments show, and cross-checked with a separate throwaway
//! Python reading of the same files.

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{OPERATOR, utc};
use crate::trips::TripStore;
use crate::trips::gtfs::{ImportOptions, ImportReport, import};

/// The corpus's GTFS folder, or `None` when the corpus is missing (the skip is recorded).
fn corpus() -> Option<PathBuf> {
    Some(crate::external::corpus()?.join("gtfs"))
}

/// A feed that imports, and what it must give.
struct Valid {
    file: &'static str,
    from: &'static str,
    to: &'static str,
    all_route_types: bool,
    created: usize,
    skipped: usize,
    other_route_types: usize,
}

#[rustfmt::skip]
const VALID: [Valid; 10] = [
    // trips.txt by service and route: Saturday 36 rail + 29 shuttle (route type 3), Sunday 32 + 29,
    // Weekday 92 rail. Sat 28 May: 36; Sun 29: 32; Memorial Day 30 May, weekday service removed
    // and Sunday's added (calendar_dates): 32; Tue 31: 92. Total 192; 58 shuttle trips left out.
    Valid { file: "caltrain-2016-rail.zip", from: "2016-05-28", to: "2016-05-31", all_route_types: false, created: 192, skipped: 0, other_route_types: 58 },
    // Weekday 92 rail × 5 days + Saturday 28 (the "Saturday" service runs daily in calendar.txt,
    // calendar_dates removes every other day) + Sunday 24 = 512; 22 + 22 shuttle trips left out.
    Valid { file: "caltrain-2017-rail-extra-files.zip", from: "2017-07-24", to: "2017-07-30", all_route_types: false, created: 512, skipped: 0, other_route_types: 44 },
    // Services A1 (662 trips, weekdays), A2 (100, Saturdays), A3 (169, weekends), A4 (17, Sundays)
    // run that week: 948 trips, of which only BNSF_BN1200_V4_A (A1) has stop_times: 5 weekdays.
    Valid { file: "metra-rail-in-subfolder.zip", from: "2023-12-11", to: "2023-12-17", all_route_types: false, created: 5, skipped: 947, other_route_types: 0 },
    // All 11 trips are buses (route_type 3).
    Valid { file: "google-sample-feed.zip", from: "2007-06-04", to: "2007-06-10", all_route_types: false, created: 0, skipped: 0, other_route_types: 11 },
    // FULLW (7 trips) runs daily but not on 4 June (calendar_dates): 6 days; WE (4 trips) Sat+Sun.
    // Frequencies: STBA 06:00–22:00 every 30 min = 32 runs; CITY1 and CITY2 each 4+12+12+18+6 = 52
    // runs. FULLW per day: 4 plain + 32 + 52 + 52 = 140, × 6 = 840; WE 4 × 2 = 8. Total 848.
    Valid { file: "google-sample-feed.zip", from: "2007-06-04", to: "2007-06-10", all_route_types: true, created: 848, skipped: 0, other_route_types: 0 },
    // The one trip names route "route1"; routes.txt defines "1" (and "invalid_type").
    Valid { file: "gtfs-structures-basic.zip", from: "2017-01-01", to: "2017-01-15", all_route_types: true, created: 0, skipped: 1, other_route_types: 0 },
    Valid { file: "gtfs-structures-utf8-bom.zip", from: "2017-01-01", to: "2017-01-15", all_route_types: true, created: 0, skipped: 1, other_route_types: 0 },
    Valid { file: "gtfs-structures-subdirectory.zip", from: "2017-01-01", to: "2017-01-15", all_route_types: true, created: 0, skipped: 1, other_route_types: 0 },
    // One bus trip per service: 56449760 Sun–Thu 23–27 Feb (25, 26, 27 Feb in range),
    // 56449767 Wed 28 Feb, 56449751 Thu 1 Mar; 56449780 starts 4 Mar. Total 5.
    Valid { file: "israel-route-2126-hebrew.zip", from: "2018-02-23", to: "2018-03-01", all_route_types: true, created: 5, skipped: 0, other_route_types: 0 },
    // FULLW only on 4 June (140 runs as in the sample feed), WE only on 5 June (4 trips).
    Valid { file: "only-calendar-dates.zip", from: "2007-06-04", to: "2007-06-05", all_route_types: true, created: 144, skipped: 0, other_route_types: 0 },
];

/// A feed refused as a whole: file, code, file at fault, line and a word of the reason.
type Refusal = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<u64>,
    &'static str,
);

#[rustfmt::skip]
const INVALID: [Refusal; 7] = [
    // routes.txt line 5 ends with CR CR LF.
    ("bad-eol.zip", "gtfs-invalid", Some("routes.txt"), Some(5), "carriage return"),
    // The header of agency.txt ends with "badheader\xEC".
    ("bad-utf8.zip", "gtfs-invalid", Some("agency.txt"), Some(1), "UTF-8"),
    // stops.txt line 9: "E NULL to the right\0NULL to the left".
    ("contains-null-bytes.zip", "gtfs-invalid", Some("stops.txt"), Some(9), "NUL"),
    ("utf16-encoded.zip", "gtfs-invalid", Some("agency.txt"), Some(1), "UTF-16"),
    ("not-a-zip.zip", "gtfs-not-zip", None, None, "zip"),
    ("missing-calendar-and-dates.zip", "gtfs-invalid", Some("calendar.txt"), None, "calendar_dates.txt"),
    ("gtfs-macosx-dotdot-entries.zip", "gtfs-unsafe-entry", None, None, "../agency.txt"),
];

type Outcome = (
    TripStore,
    Result<ImportReport, crate::trips::gtfs::ImportError>,
    tempfile::TempDir,
);

/// A store on a fresh SQLite database (the feeds are the subject here; the
/// store's contract runs on both databases in `store.rs`).
async fn store(data: &Path) -> TripStore {
    TripStore::open(crate::db::testing::sqlite(data).await)
        .await
        .unwrap()
}

async fn run(dir: &Path, file: &str, options: &ImportOptions) -> Outcome {
    let data = tempfile::tempdir().unwrap();
    let store = store(data.path()).await;
    let report = import(
        &store,
        OPERATOR,
        File::open(dir.join(file)).unwrap(),
        options,
    )
    .await;
    (store, report, data)
}

fn options(from: &str, to: &str, all_route_types: bool) -> ImportOptions {
    ImportOptions {
        all_route_types,
        ..ImportOptions::new(from.parse().unwrap(), to.parse().unwrap())
    }
}

#[test]
fn every_corpus_feed_has_an_expected_answer() {
    let Some(dir) = corpus() else { return };
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        let known = VALID.iter().any(|v| v.file == name)
            || INVALID.iter().any(|i| i.0 == name)
            || name == "undefined-stop.zip";
        assert!(known, "{name} has no expected answer in this test");
    }
}

#[tokio::test]
async fn valid_corpus_feeds_import_the_trips_they_hold_and_reimport_changes_nothing() {
    let Some(dir) = corpus() else { return };
    for v in &VALID {
        let options = options(v.from, v.to, v.all_route_types);
        let (store, report, _data) = run(&dir, v.file, &options).await;
        let report = report.unwrap_or_else(|e| panic!("{}: {e}", v.file));
        let got = (
            report.created,
            report.updated,
            report.unchanged,
            report.skipped,
            report.other_route_types,
        );
        assert_eq!(
            got,
            (v.created, 0, 0, v.skipped, v.other_route_types),
            "{}: {:?}",
            v.file,
            report.skipped_rows.first()
        );
        let again = import(
            &store,
            OPERATOR,
            File::open(dir.join(v.file)).unwrap(),
            &options,
        )
        .await
        .unwrap();
        assert_eq!(
            (again.created, again.updated, again.unchanged),
            (0, 0, v.created),
            "{}: re-import",
            v.file
        );
        let mut stored = 0;
        for day in options.from.iter_days().take_while(|d| *d <= options.to) {
            stored += store.list(day).await.unwrap().len();
        }
        assert_eq!(stored, v.created, "{}", v.file);
    }
}

#[tokio::test]
async fn broken_corpus_feeds_are_refused_naming_file_line_and_reason() {
    let Some(dir) = corpus() else { return };
    for (file, code, in_file, line, word) in INVALID {
        let (store, report, _data) =
            run(&dir, file, &options("2007-01-01", "2007-12-31", true)).await;
        let error = match report {
            Err(crate::trips::gtfs::ImportError::Gtfs(e)) => e,
            other => panic!("{file}: expected a refusal, got {other:?}"),
        };
        assert_eq!(
            (error.code(), error.file(), error.line()),
            (code, in_file, line),
            "{file}: {error}"
        );
        assert!(error.to_string().contains(word), "{file}: {error}");
        assert_eq!(
            store.list("2007-06-04".parse().unwrap()).await.unwrap(),
            vec![],
            "{file}: nothing stored"
        );
    }
}

#[tokio::test]
async fn undefined_stop_skips_only_its_trip_and_names_the_row() {
    let Some(dir) = corpus() else { return };
    // CITY2's third stop (stop_times.txt line 11) is NADAR, absent from stops.txt. The other
    // 10 trips import: per weekday FULLW runs 4 plain + 32 STBA + 52 CITY1 = 88 (CITY2 gone),
    // weekends add WE's 4: 88 × 7 + 4 × 2 = 624 for 1–7 January 2008.
    let (_, report, _data) = run(
        &dir,
        "undefined-stop.zip",
        &options("2008-01-01", "2008-01-07", true),
    )
    .await;
    let report = report.unwrap();
    assert_eq!((report.created, report.skipped), (624, 1));
    let row = &report.skipped_rows[0];
    assert_eq!(
        (row.file, row.line, row.trip_id.as_deref()),
        ("stop_times.txt", 11, Some("CITY2"))
    );
    assert!(row.reason.contains("NADAR"), "{}", row.reason);
}

#[tokio::test]
async fn caltrain_after_midnight_trip_ends_on_the_next_morning() {
    let Some(dir) = corpus() else { return };
    // Train 454 (trip 454a, Saturday): San Francisco 24:01:00 → San Jose Diridon 25:39:00, PDT (UTC−7).
    let (store, report, _data) = run(
        &dir,
        "caltrain-2016-rail.zip",
        &options("2016-05-28", "2016-05-28", false),
    )
    .await;
    report.unwrap();
    let trips = store
        .list(NaiveDate::from_ymd_opt(2016, 5, 28).unwrap())
        .await
        .unwrap();
    let t = trips.iter().find(|t| t.train_number == "454").unwrap();
    assert_eq!(
        (t.departs_at, t.arrives_at),
        (utc("2016-05-29T07:01:00Z"), utc("2016-05-29T08:39:00Z"))
    );
    assert_eq!(
        (t.line.as_str(), t.origin.as_str(), t.destination.as_str()),
        (
            "Local",
            "San Francisco Caltrain",
            "San Jose Diridon Caltrain"
        )
    );
    assert_eq!(t.timezone.name(), "America/Los_Angeles");
}

#[tokio::test]
async fn metra_feed_in_a_subfolder_with_padded_values_reads_its_names_and_times() {
    let Some(dir) = corpus() else { return };
    let (store, report, _data) = run(
        &dir,
        "metra-rail-in-subfolder.zip",
        &options("2023-12-11", "2023-12-11", false),
    )
    .await;
    report.unwrap();
    let trips = store
        .list(NaiveDate::from_ymd_opt(2023, 12, 11).unwrap())
        .await
        .unwrap();
    let t = &trips[0];
    // BNSF_BN1200_V4_A: AURORA 04:00:01 → CUS 05:12:00, CST (UTC−6).
    assert_eq!(
        (t.departs_at, t.arrives_at),
        (utc("2023-12-11T10:00:01Z"), utc("2023-12-11T11:12:00Z"))
    );
    assert_eq!(
        (t.line.as_str(), t.origin.as_str(), t.destination.as_str()),
        ("BNSF", "Aurora", "Chicago Union Station")
    );
}

#[tokio::test]
async fn zip_slip_feed_writes_nothing_anywhere() {
    let Some(dir) = corpus() else { return };
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("a/b/data");
    std::fs::create_dir_all(&data).unwrap();
    let store = store(&data).await;
    let before = files_under(root.path());
    let error = import(
        &store,
        OPERATOR,
        File::open(dir.join("gtfs-macosx-dotdot-entries.zip")).unwrap(),
        &options("2017-01-01", "2017-01-15", true),
    )
    .await;
    assert_eq!(error.unwrap_err().code(), "gtfs-unsafe-entry");
    assert_eq!(
        files_under(root.path()),
        before,
        "the import created or removed files"
    );
    for place in [data.as_path(), Path::new(".")] {
        assert!(!place.join("../agency.txt").exists() && !place.join("../macosx").exists());
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        }
        found.push(path);
    }
    found.sort();
    found
}
