use std::fs;

use chrono::{Duration, NaiveDate};

use super::{OPERATOR, draft, utc};
use crate::data_dir::DataDir;
use crate::trips::model::{ExternalKey, TripId, TripState};
use crate::trips::request::TripDraft;
use crate::trips::{ImportCounts, TripError, TripStore};

fn open(dir: &tempfile::TempDir) -> TripStore {
    TripStore::open(&DataDir::open(dir.path()).unwrap()).unwrap()
}

fn imported(feed_trip_id: &str, day: u32, minute: i64) -> TripDraft {
    let service_date = NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
    let departs_at = utc(&format!("2026-12-{day:02}T06:00:00Z")) + Duration::minutes(minute);
    TripDraft {
        service_date,
        departs_at,
        arrives_at: departs_at + Duration::minutes(70),
        source: Some(ExternalKey {
            feed_trip_id: feed_trip_id.into(),
            service_date,
        }),
        ..draft()
    }
}

#[test]
fn created_trips_survive_a_reopen_with_distinct_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = {
        let store = open(&dir);
        (
            store.create(OPERATOR, draft()).unwrap(),
            store.create(OPERATOR, draft()).unwrap(),
        )
    };
    assert_ne!(a.id, b.id);
    let store = open(&dir);
    assert_eq!(store.get(a.id), Some(a.clone()));
    assert_eq!(store.list(a.service_date).len(), 2);
    assert_eq!(store.get(TripId::new(999)), None);
}

#[test]
fn a_day_lists_its_trips_by_departure() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store
        .import_batch(
            OPERATOR,
            vec![
                imported("late", 1, 90),
                imported("early", 1, 0),
                imported("other-day", 2, 0),
            ],
        )
        .unwrap();
    let day = store.list(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    let keys: Vec<_> = day
        .iter()
        .map(|t| t.source.as_ref().unwrap().feed_trip_id.as_str())
        .collect();
    assert_eq!(keys, ["early", "late"]);
}

#[test]
fn later_arrival_extends_and_earlier_arrival_is_recorded_without_extending() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let trip = store.create(OPERATOR, draft()).unwrap();
    let later = store
        .update_arrival(trip.id, trip.arrives_at + Duration::minutes(20))
        .unwrap();
    assert!(later.extends_window);
    assert_eq!(later.previous_arrival, trip.arrives_at);
    let earlier = store
        .update_arrival(trip.id, trip.arrives_at - Duration::minutes(5))
        .unwrap();
    assert!(!earlier.extends_window);
    let stored = open(&dir).get(trip.id).unwrap();
    assert_eq!(stored.arrives_at, trip.arrives_at - Duration::minutes(5));
    assert_eq!(stored.scheduled_arrives_at, trip.arrives_at);
}

#[test]
fn arrival_before_departure_and_unknown_trips_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let trip = store.create(OPERATOR, draft()).unwrap();
    assert_eq!(
        store
            .update_arrival(trip.id, trip.departs_at)
            .unwrap_err()
            .code(),
        "trip-invalid"
    );
    assert_eq!(
        store.cancel(TripId::new(4242)).unwrap_err().code(),
        "trip-not-found"
    );
}

#[test]
fn cancelling_is_durable_idempotent_and_freezes_the_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let trip = store.create(OPERATOR, draft()).unwrap();
    assert_eq!(store.cancel(trip.id).unwrap().state, TripState::Cancelled);
    assert_eq!(store.cancel(trip.id).unwrap().state, TripState::Cancelled);
    assert!(open(&dir).get(trip.id).unwrap().is_cancelled());
    let refused = store
        .update_arrival(trip.id, trip.arrives_at + Duration::hours(1))
        .unwrap_err();
    assert!(
        matches!(refused, TripError::Cancelled(id) if id == trip.id),
        "{refused:?}"
    );
}

#[test]
fn collections_are_set_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let trip = store.create(OPERATOR, draft()).unwrap();
    store
        .set_collections(trip.id, Some(vec!["polars".into()]))
        .unwrap();
    assert_eq!(
        open(&dir).get(trip.id).unwrap().collections,
        Some(vec!["polars".to_owned()])
    );
    store.set_collections(trip.id, None).unwrap();
    assert_eq!(open(&dir).get(trip.id).unwrap().collections, None);
}

#[test]
fn import_upserts_by_feed_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let batch = vec![imported("A", 1, 0), imported("B", 1, 30)];
    assert_eq!(
        store.import_batch(OPERATOR, batch.clone()).unwrap(),
        ImportCounts {
            created: 2,
            updated: 0,
            unchanged: 0
        }
    );
    let ids: Vec<_> = store
        .list(batch[0].service_date)
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(
        store.import_batch(OPERATOR, batch.clone()).unwrap(),
        ImportCounts {
            created: 0,
            updated: 0,
            unchanged: 2
        }
    );
    let moved = vec![imported("A", 1, 5), batch[1].clone()];
    assert_eq!(
        store.import_batch(OPERATOR, moved).unwrap(),
        ImportCounts {
            created: 0,
            updated: 1,
            unchanged: 1
        }
    );
    let after: Vec<_> = store
        .list(batch[0].service_date)
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, after, "re-import keeps the ids that seat codes carry");
}

#[test]
fn import_keeps_what_the_operator_changed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let feed = imported("A", 1, 0);
    store.import_batch(OPERATOR, vec![feed.clone()]).unwrap();
    let id = store.list(feed.service_date)[0].id;
    store
        .update_arrival(id, feed.arrives_at + Duration::minutes(40))
        .unwrap();
    store.cancel(id).unwrap();
    assert_eq!(
        store
            .import_batch(OPERATOR, vec![feed.clone()])
            .unwrap()
            .unchanged,
        1
    );
    let trip = store.get(id).unwrap();
    assert_eq!(
        (trip.state, trip.arrives_at),
        (
            TripState::Cancelled,
            feed.arrives_at + Duration::minutes(40)
        )
    );
}

#[test]
fn import_without_feed_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        open(&dir)
            .import_batch(OPERATOR, vec![draft()])
            .unwrap_err()
            .code(),
        "trip-invalid"
    );
}

#[test]
fn a_large_import_is_one_commit_with_one_file_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let batch: Vec<_> = (0..3000)
        .map(|i| imported(&format!("T{i}"), 1 + (i % 2) as u32, i64::from(i % 600)))
        .collect();
    assert_eq!(store.import_batch(OPERATOR, batch).unwrap().created, 3000);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("trips/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["generation"], 1);
    assert_eq!(
        fs::read_dir(dir.path().join("trips/days")).unwrap().count(),
        2
    );
}

#[test]
fn another_process_sees_changes_after_reload_if_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, cli) = (open(&dir), open(&dir));
    assert!(!server.reload_if_changed().unwrap());
    let trip = cli.create(OPERATOR, draft()).unwrap();
    assert_eq!(server.get(trip.id), None);
    assert!(server.reload_if_changed().unwrap());
    assert_eq!(server.get(trip.id), Some(trip.clone()));
    assert!(
        !server.reload_if_changed().unwrap(),
        "nothing changed since"
    );
    cli.cancel(trip.id).unwrap();
    assert!(server.reload_if_changed().unwrap());
    assert!(server.get(trip.id).unwrap().is_cancelled());
}

#[test]
fn writers_in_two_processes_never_reuse_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let (server, cli) = (open(&dir), open(&dir));
    let a = server.create(OPERATOR, draft()).unwrap();
    let b = cli.create(OPERATOR, draft()).unwrap();
    let c = server.create(OPERATOR, draft()).unwrap();
    assert!(a.id != b.id && b.id != c.id && a.id != c.id);
    assert_eq!(open(&dir).list(a.service_date).len(), 3);
}

#[test]
fn leftovers_of_an_interrupted_commit_are_removed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let trip = open(&dir).create(OPERATOR, draft()).unwrap();
    let stray = dir.path().join("trips/days/2026-11-28.99.json");
    fs::write(&stray, b"{\"half\":").unwrap();
    let store = open(&dir);
    assert!(!stray.exists());
    assert_eq!(store.get(trip.id), Some(trip));
}

#[test]
fn concurrent_creates_from_threads_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(open(&dir));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..5)
                    .map(|_| store.create(OPERATOR, draft()).unwrap().id)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(open(&dir).list(draft().service_date).len(), 20);
}
