//! The trip store's contract, on SQLite and on PostgreSQL.

use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};

use super::{OPERATOR, draft, utc};
use crate::db::testing::on_both_databases;
use crate::db::{Database, Domain};
use crate::trips::model::{ExternalKey, TripId, TripState};
use crate::trips::request::TripDraft;
use crate::trips::{ImportCounts, Trip, TripError, TripStore};

async fn open(db: &Database) -> TripStore {
    TripStore::open(db.clone()).await.unwrap()
}

/// A second process on the same database: its own pool, its own index.
async fn other_process(db: &Database, dir: &Path) -> (Database, TripStore) {
    let other = crate::db::testing::second_process(db, dir).await;
    let store = open(&other).await;
    (other, store)
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

/// A trip running now: among the current days in memory.
fn running_now() -> TripDraft {
    let departs_at = Utc::now() - Duration::minutes(10);
    TripDraft {
        service_date: departs_at.date_naive(),
        departs_at,
        arrives_at: departs_at + Duration::hours(1),
        ..draft()
    }
}

async fn created_trips_survive_a_reopen_with_distinct_ids(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let a = store.create(OPERATOR, draft()).await.unwrap();
    let b = store.create(OPERATOR, draft()).await.unwrap();
    assert_ne!(a.id, b.id);
    let store = open(&db).await;
    assert_eq!(store.get(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.list(a.service_date).await.unwrap().len(), 2);
    assert_eq!(store.get(TripId::new(999)).await.unwrap(), None);
}

async fn a_day_lists_its_trips_by_departure(db: Database, _dir: &Path) {
    let store = open(&db).await;
    store
        .import_batch(
            OPERATOR,
            vec![
                imported("late", 1, 90),
                imported("early", 1, 0),
                imported("other-day", 2, 0),
            ],
        )
        .await
        .unwrap();
    let day = store
        .list(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        .await
        .unwrap();
    let keys: Vec<_> = day
        .iter()
        .map(|t| t.source.as_ref().unwrap().feed_trip_id.as_str())
        .collect();
    assert_eq!(keys, ["early", "late"]);
}

/// Today's trips are in memory for the passenger's path; last month's are
/// read from the database, and listed the same way.
async fn current_trips_are_in_memory_and_older_ones_in_the_database(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let now = store.create(OPERATOR, running_now()).await.unwrap();
    let old = store.create(OPERATOR, draft()).await.unwrap();
    assert_eq!(store.shared(now.id).map(|t| t.id), Some(now.id));
    assert!(
        store.shared(old.id).is_none(),
        "a trip of 2026-11-28 is not current"
    );
    assert_eq!(store.get(old.id).await.unwrap(), Some(old.clone()));
    let store = open(&db).await;
    assert_eq!(
        store.shared(now.id).map(|t| Trip::clone(&t)),
        Some(now.clone())
    );
    assert_eq!(
        store.trips_of(OPERATOR, now.service_date).await.unwrap(),
        vec![now.clone()]
    );
    assert_eq!(
        store.trips_of(OPERATOR, old.service_date).await.unwrap(),
        vec![old.clone()]
    );
    assert!(
        store
            .trips_of("op-other", old.service_date)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.trip_of("op-other", old.id).await.unwrap(), None);
}

async fn later_arrival_extends_and_earlier_arrival_is_recorded_without_extending(
    db: Database,
    _dir: &Path,
) {
    let store = open(&db).await;
    let trip = store.create(OPERATOR, draft()).await.unwrap();
    let later = store
        .update_arrival(trip.id, trip.arrives_at + Duration::minutes(20), OPERATOR)
        .await
        .unwrap();
    assert!(later.extends_window);
    assert_eq!(later.previous_arrival, trip.arrives_at);
    let earlier = store
        .update_arrival(trip.id, trip.arrives_at - Duration::minutes(5), OPERATOR)
        .await
        .unwrap();
    assert!(!earlier.extends_window);
    let stored = open(&db).await.get(trip.id).await.unwrap().unwrap();
    assert_eq!(stored.arrives_at, trip.arrives_at - Duration::minutes(5));
    assert_eq!(stored.scheduled_arrives_at, trip.arrives_at);
}

async fn arrival_before_departure_and_unknown_trips_are_refused(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let trip = store.create(OPERATOR, draft()).await.unwrap();
    let refused = store
        .update_arrival(trip.id, trip.departs_at, OPERATOR)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "trip-invalid");
    let unknown = store.cancel(TripId::new(4242), OPERATOR).await.unwrap_err();
    assert_eq!(unknown.code(), "trip-not-found");
}

async fn cancelling_is_durable_idempotent_and_freezes_the_arrival(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let trip = store.create(OPERATOR, running_now()).await.unwrap();
    let cancelled = store.cancel(trip.id, OPERATOR).await.unwrap();
    assert_eq!(cancelled.state, TripState::Cancelled);
    assert!(
        store.shared(trip.id).unwrap().is_cancelled(),
        "seen at once"
    );
    let generation = db.generations().await.unwrap().of(Domain::Trips);
    assert_eq!(
        store.cancel(trip.id, OPERATOR).await.unwrap().state,
        TripState::Cancelled
    );
    assert_eq!(
        db.generations().await.unwrap().of(Domain::Trips),
        generation,
        "cancelling again writes nothing"
    );
    assert!(
        open(&db)
            .await
            .get(trip.id)
            .await
            .unwrap()
            .unwrap()
            .is_cancelled()
    );
    let refused = store
        .update_arrival(trip.id, trip.arrives_at + Duration::hours(1), OPERATOR)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, TripError::Cancelled(id) if id == trip.id),
        "{refused:?}"
    );
}

async fn collections_are_set_and_reset(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let trip = store.create(OPERATOR, draft()).await.unwrap();
    store
        .set_collections(trip.id, Some(vec!["polars".into()]), OPERATOR)
        .await
        .unwrap();
    let reopened = open(&db).await.get(trip.id).await.unwrap().unwrap();
    assert_eq!(reopened.collections, Some(vec!["polars".to_owned()]));
    store
        .set_collections(trip.id, None, OPERATOR)
        .await
        .unwrap();
    let reopened = open(&db).await.get(trip.id).await.unwrap().unwrap();
    assert_eq!(reopened.collections, None);
}

/// Who changed what, and in which order.
async fn history_records_each_change_with_its_author(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let trip = store.create(OPERATOR, draft()).await.unwrap();
    let later = trip.arrives_at + Duration::minutes(20);
    store
        .update_arrival(trip.id, later, "op-late")
        .await
        .unwrap();
    store.cancel(trip.id, "op-cancel").await.unwrap();
    store.cancel(trip.id, "op-again").await.unwrap();
    let history = store.history(trip.id).await.unwrap();
    let who: Vec<_> = history.iter().map(|e| e.actor.as_str()).collect();
    assert_eq!(who, [OPERATOR, "op-late", "op-cancel"]);
    assert!(history.iter().all(|e| e.source == "api"));
    assert_eq!(
        history[1].change["arrives_at"]["to"],
        serde_json::to_value(later).unwrap()
    );
    assert_eq!(history[2].change["state"], "cancelled");
    assert!(store.history(TripId::new(4242)).await.unwrap().is_empty());
}

async fn import_upserts_by_feed_key(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let batch = vec![imported("A", 1, 0), imported("B", 1, 30)];
    let counts = |created, updated, unchanged| ImportCounts {
        created,
        updated,
        unchanged,
    };
    assert_eq!(
        store.import_batch(OPERATOR, batch.clone()).await.unwrap(),
        counts(2, 0, 0)
    );
    let ids = |trips: Vec<crate::trips::Trip>| trips.iter().map(|t| t.id).collect::<Vec<_>>();
    let before = ids(store.list(batch[0].service_date).await.unwrap());
    let generation = db.generations().await.unwrap().of(Domain::Trips);
    assert_eq!(
        store.import_batch(OPERATOR, batch.clone()).await.unwrap(),
        counts(0, 0, 2)
    );
    assert_eq!(
        db.generations().await.unwrap().of(Domain::Trips),
        generation,
        "an import that changes nothing writes nothing"
    );
    let moved = vec![imported("A", 1, 5), batch[1].clone()];
    assert_eq!(
        store.import_batch(OPERATOR, moved).await.unwrap(),
        counts(0, 1, 1)
    );
    let after = ids(store.list(batch[0].service_date).await.unwrap());
    assert_eq!(
        before, after,
        "re-import keeps the ids that seat codes carry"
    );
    let history = store.history(before[0]).await.unwrap();
    let sources: Vec<_> = history.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(sources, ["import", "import"], "created, then rescheduled");
}

async fn import_keeps_what_the_operator_changed(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let feed = imported("A", 1, 0);
    store
        .import_batch(OPERATOR, vec![feed.clone()])
        .await
        .unwrap();
    let id = store.list(feed.service_date).await.unwrap()[0].id;
    store
        .update_arrival(id, feed.arrives_at + Duration::minutes(40), OPERATOR)
        .await
        .unwrap();
    store.cancel(id, OPERATOR).await.unwrap();
    let again = store.import_batch(OPERATOR, vec![feed.clone()]).await;
    assert_eq!(again.unwrap().unchanged, 1);
    let trip = store.get(id).await.unwrap().unwrap();
    assert_eq!(
        (trip.state, trip.arrives_at),
        (
            TripState::Cancelled,
            feed.arrives_at + Duration::minutes(40)
        )
    );
}

/// Another operator importing the same feed gets trips of its own.
async fn imports_of_two_operators_stay_apart(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let feed = vec![imported("A", 1, 0)];
    store.import_batch(OPERATOR, feed.clone()).await.unwrap();
    let theirs = store.import_batch("op-other", feed.clone()).await.unwrap();
    assert_eq!(theirs.created, 1);
    let day = store.list(feed[0].service_date).await.unwrap();
    assert_eq!(day.len(), 2);
    assert_ne!(day[0].id, day[1].id);
}

async fn import_without_feed_keys_is_refused(db: Database, _dir: &Path) {
    let refused = open(&db)
        .await
        .import_batch(OPERATOR, vec![draft()])
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "trip-invalid");
}

/// Thousands of trips over two days: one write, one generation.
async fn a_large_import_is_one_write(db: Database, _dir: &Path) {
    let store = open(&db).await;
    let batch: Vec<_> = (0..3000)
        .map(|i| imported(&format!("T{i}"), 1 + (i % 2) as u32, i64::from(i % 600)))
        .collect();
    let counts = store.import_batch(OPERATOR, batch).await.unwrap();
    assert_eq!(counts.created, 3000);
    assert_eq!(db.generations().await.unwrap().of(Domain::Trips), 1);
    let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut ids: Vec<_> = store
        .list(first)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    ids.extend(
        store
            .list(first.succ_opt().unwrap())
            .await
            .unwrap()
            .iter()
            .map(|t| t.id),
    );
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3000);
}

/// The CLI (another process) writes; the service sees it after a refresh,
/// which reads nothing when nothing changed.
async fn another_process_sees_changes_after_refresh(db: Database, dir: &Path) {
    let server = open(&db).await;
    let (cli_db, cli) = other_process(&db, dir).await;
    assert!(
        !server
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    let trip = cli.create(OPERATOR, running_now()).await.unwrap();
    assert!(server.shared(trip.id).is_none());
    assert!(
        server
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    assert_eq!(
        server.shared(trip.id).map(|t| Trip::clone(&t)),
        Some(trip.clone())
    );
    assert!(
        !server
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap(),
        "nothing changed since"
    );
    cli.cancel(trip.id, OPERATOR).await.unwrap();
    assert!(
        server
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    assert!(server.shared(trip.id).unwrap().is_cancelled());
    cli_db.close().await;
}

/// A refresh that read a trip before this process changed it does not undo
/// the change in memory.
async fn a_stale_refresh_never_undoes_a_local_write(db: Database, dir: &Path) {
    let server = open(&db).await;
    let (cli_db, cli) = other_process(&db, dir).await;
    let trip = cli.create(OPERATOR, running_now()).await.unwrap();
    let before_cancel = db.generations().await.unwrap();
    server.cancel(trip.id, OPERATOR).await.unwrap();
    // The generations read before the cancel: the refresh reads the row as
    // the cancel left it, and may not put an older one back.
    server.refresh(&before_cancel).await.unwrap();
    assert!(server.shared(trip.id).unwrap().is_cancelled());
    cli_db.close().await;
}

async fn writers_in_two_processes_never_reuse_an_id(db: Database, dir: &Path) {
    let server = open(&db).await;
    let (cli_db, cli) = other_process(&db, dir).await;
    let a = server.create(OPERATOR, draft()).await.unwrap();
    let b = cli.create(OPERATOR, draft()).await.unwrap();
    let c = server.create(OPERATOR, draft()).await.unwrap();
    assert!(a.id != b.id && b.id != c.id && a.id != c.id);
    assert_eq!(open(&db).await.list(a.service_date).await.unwrap().len(), 3);
    cli_db.close().await;
}

/// Creates from many tasks at once and an import from another process all
/// land, each with its own id.
async fn concurrent_writers_all_land(db: Database, dir: &Path) {
    let store = std::sync::Arc::new(open(&db).await);
    let (cli_db, cli) = other_process(&db, dir).await;
    let creates: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..5 {
                    ids.push(store.create(OPERATOR, draft()).await.unwrap().id);
                }
                ids
            })
        })
        .collect();
    let batch: Vec<_> = (0..500).map(|i| imported(&format!("T{i}"), 1, i)).collect();
    let counts = cli.import_batch(OPERATOR, batch).await.unwrap();
    assert_eq!(counts.created, 500);
    let mut ids = Vec::new();
    for task in creates {
        ids.extend(task.await.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(store.list(draft().service_date).await.unwrap().len(), 20);
    let imported_day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let imported_ids = store.list(imported_day).await.unwrap();
    assert_eq!(imported_ids.len(), 500);
    assert!(imported_ids.iter().all(|t| !ids.contains(&t.id)));
    cli_db.close().await;
}

on_both_databases!(
    created_trips_survive_a_reopen_with_distinct_ids,
    a_day_lists_its_trips_by_departure,
    current_trips_are_in_memory_and_older_ones_in_the_database,
    later_arrival_extends_and_earlier_arrival_is_recorded_without_extending,
    arrival_before_departure_and_unknown_trips_are_refused,
    cancelling_is_durable_idempotent_and_freezes_the_arrival,
    collections_are_set_and_reset,
    history_records_each_change_with_its_author,
    import_upserts_by_feed_key,
    import_keeps_what_the_operator_changed,
    imports_of_two_operators_stay_apart,
    import_without_feed_keys_is_refused,
    a_large_import_is_one_write,
    another_process_sees_changes_after_refresh,
    a_stale_refresh_never_undoes_a_local_write,
    writers_in_two_processes_never_reuse_an_id,
    concurrent_writers_all_land,
);
