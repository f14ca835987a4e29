//! A live feed's effects on the trip store, on SQLite and on PostgreSQL:
//! one write per fetch, histories with the source `realtime`, the fall-back
//! to the schedule.

use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};

use super::{OPERATOR, draft};
use crate::db::Database;
use crate::db::testing::on_both_databases;
use crate::trips::live::{AddedTrip, FeedTripRef, LiveEffect, LiveUpdate, Prediction};
use crate::trips::model::{ExternalKey, Seats, TripState};
use crate::trips::request::TripDraft;
use crate::trips::{LiveOptions, Trip, TripStore};

fn options() -> LiveOptions {
    LiveOptions {
        timezone: chrono_tz::Europe::Paris,
        seats: Seats::new(400).unwrap(),
        unmatched_shown: 2,
    }
}

/// Imported trips `T0`, `T1`… running now (today's service date).
async fn running(store: &TripStore, count: usize) -> Vec<Trip> {
    let now = Utc::now();
    let date = now.date_naive();
    let drafts = (0..count)
        .map(|n| TripDraft {
            service_date: date,
            departs_at: now - Duration::minutes(10),
            arrives_at: now + Duration::minutes(50),
            source: Some(ExternalKey {
                feed_trip_id: format!("T{n}"),
                service_date: date,
            }),
            ..draft()
        })
        .collect();
    store.import_batch(OPERATOR, drafts).await.unwrap();
    let mut trips = store.trips_of(OPERATOR, date).await.unwrap();
    trips.sort_by_key(|t| t.source.as_ref().unwrap().feed_trip_id.clone());
    trips
}

fn on(trip: &Trip, effect: LiveEffect) -> LiveUpdate {
    let key = trip.source.clone().unwrap();
    LiveUpdate {
        trip: FeedTripRef {
            trip_id: key.feed_trip_id,
            service_date: Some(key.service_date),
        },
        effect,
    }
}

fn unknown(name: &str) -> LiveUpdate {
    LiveUpdate {
        trip: FeedTripRef {
            trip_id: name.into(),
            service_date: None,
        },
        effect: LiveEffect::Arrival(Prediction::Delay(60)),
    }
}

async fn a_delay_moves_the_arrival_and_is_kept_in_the_history(db: Database, _dir: &Path) {
    let store = TripStore::open(db.clone()).await.unwrap();
    let trips = running(&store, 2).await;
    let scheduled = trips[0].arrives_at;
    let updates = [
        on(&trips[0], LiveEffect::Arrival(Prediction::Delay(600))),
        unknown("GHOST-1"),
        unknown("GHOST-2"),
        unknown("GHOST-3"),
    ];
    let report = store
        .apply_live(OPERATOR, &updates, options(), Utc::now())
        .await
        .unwrap();
    assert_eq!(report.applied, 1);
    assert_eq!(report.later.len(), 1);
    assert_eq!(
        report.later[0].arrives_at,
        scheduled + Duration::minutes(10)
    );
    assert_eq!((report.unmatched, report.unmatched_sample.len()), (3, 2));
    assert_eq!(
        store.shared(trips[0].id).unwrap().arrives_at,
        scheduled + Duration::minutes(10)
    );
    // The database has it too (another process reads it).
    let reread = TripStore::open(db.clone()).await.unwrap();
    assert_eq!(
        reread.get(trips[0].id).await.unwrap().unwrap().arrives_at,
        scheduled + Duration::minutes(10)
    );
    let history = store.history(trips[0].id).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.source, "realtime");
    assert_eq!(
        last.change["arrives_at"]["to"],
        serde_json::json!(scheduled + Duration::minutes(10))
    );
    // The same feed again changes nothing.
    let again = store
        .apply_live(OPERATOR, &updates, options(), Utc::now())
        .await
        .unwrap();
    assert!(again.later.is_empty());
    assert_eq!(
        store.history(trips[0].id).await.unwrap().len(),
        history.len()
    );
}

async fn an_earlier_prediction_never_goes_before_the_schedule(db: Database, _dir: &Path) {
    let store = TripStore::open(db).await.unwrap();
    let trips = running(&store, 1).await;
    let scheduled = trips[0].arrives_at;
    let late = [on(&trips[0], LiveEffect::Arrival(Prediction::Delay(900)))];
    store
        .apply_live(OPERATOR, &late, options(), Utc::now())
        .await
        .unwrap();
    // Less late: the arrival comes back, and no session extends.
    let less = [on(&trips[0], LiveEffect::Arrival(Prediction::Delay(300)))];
    let report = store
        .apply_live(OPERATOR, &less, options(), Utc::now())
        .await
        .unwrap();
    assert!(report.later.is_empty());
    assert_eq!(
        store.shared(trips[0].id).unwrap().arrives_at,
        scheduled + Duration::minutes(5)
    );
    // Early: the scheduled arrival stays.
    let early = [on(
        &trips[0],
        LiveEffect::Arrival(Prediction::At(scheduled - Duration::minutes(8))),
    )];
    store
        .apply_live(OPERATOR, &early, options(), Utc::now())
        .await
        .unwrap();
    assert_eq!(store.shared(trips[0].id).unwrap().arrives_at, scheduled);
}

async fn a_cancellation_cancels_once(db: Database, _dir: &Path) {
    let store = TripStore::open(db).await.unwrap();
    let trips = running(&store, 1).await;
    let cancel = [on(&trips[0], LiveEffect::Cancelled)];
    let report = store
        .apply_live(OPERATOR, &cancel, options(), Utc::now())
        .await
        .unwrap();
    assert_eq!(report.cancelled, vec![trips[0].id]);
    assert_eq!(
        store.shared(trips[0].id).unwrap().state,
        TripState::Cancelled
    );
    let again = store
        .apply_live(OPERATOR, &cancel, options(), Utc::now())
        .await
        .unwrap();
    assert!(again.cancelled.is_empty());
    // A cancelled trip's later delays change nothing.
    let late = [on(&trips[0], LiveEffect::Arrival(Prediction::Delay(900)))];
    let report = store
        .apply_live(OPERATOR, &late, options(), Utc::now())
        .await
        .unwrap();
    assert!(report.later.is_empty());
}

async fn added_and_duplicated_trips_appear_once(db: Database, _dir: &Path) {
    let store = TripStore::open(db.clone()).await.unwrap();
    let trips = running(&store, 1).await;
    let now = Utc::now();
    let today = now.date_naive();
    let added = LiveUpdate {
        trip: FeedTripRef {
            trip_id: "EXTRA-1".into(),
            service_date: Some(today),
        },
        effect: LiveEffect::Added(AddedTrip {
            line: "TER-1".into(),
            train_number: "EXTRA-1".into(),
            origin: "Clermont".into(),
            destination: "Lyon".into(),
            departs_at: now,
            arrives_at: now + Duration::hours(1),
        }),
    };
    let duplicated = on(
        &trips[0],
        LiveEffect::Duplicated {
            trip_id: "T0-bis".into(),
            service_date: today,
            start_seconds: 20 * 3600,
        },
    );
    let updates = [added, duplicated];
    let report = store
        .apply_live(OPERATOR, &updates, options(), now)
        .await
        .unwrap();
    assert_eq!(report.added, 2);
    let day = store.trips_of(OPERATOR, today).await.unwrap();
    let extra = day
        .iter()
        .find(|t| t.train_number == "EXTRA-1")
        .expect("the added trip");
    assert_eq!(
        (extra.origin.as_str(), extra.seats.get()),
        ("Clermont", 400)
    );
    let copy = day
        .iter()
        .find(|t| t.source.as_ref().unwrap().feed_trip_id == "T0-bis")
        .expect("the duplicated trip");
    assert_eq!(
        copy.arrives_at - copy.departs_at,
        trips[0].arrives_at - trips[0].departs_at
    );
    assert_eq!(copy.line, trips[0].line);
    let history = store.history(extra.id).await.unwrap();
    assert_eq!(history[0].source, "realtime");
    // Applying the same feed again adds nothing.
    let again = store
        .apply_live(OPERATOR, &updates, options(), now)
        .await
        .unwrap();
    assert_eq!(again.added, 0);
    assert_eq!(
        store.trips_of(OPERATOR, today).await.unwrap().len(),
        day.len()
    );
    // The added trip announced 10 minutes later: its departure moves in the
    // database (written apart from the arrivals-only updates), with another
    // trip's delay in the same fetch.
    let later = LiveUpdate {
        effect: LiveEffect::Added(AddedTrip {
            line: "TER-1".into(),
            train_number: "EXTRA-1".into(),
            origin: "Clermont".into(),
            destination: "Lyon".into(),
            departs_at: now + Duration::minutes(10),
            arrives_at: now + Duration::minutes(70),
        }),
        ..updates[0].clone()
    };
    let delayed = on(&trips[0], LiveEffect::Arrival(Prediction::Delay(300)));
    store
        .apply_live(OPERATOR, &[later, delayed], options(), now)
        .await
        .unwrap();
    let stored = TripStore::open(db).await.unwrap();
    let moved = stored.get(extra.id).await.unwrap().unwrap();
    assert_eq!(
        moved.departs_at.timestamp(),
        (now + Duration::minutes(10)).timestamp()
    );
    assert_eq!(
        moved.arrives_at.timestamp(),
        (now + Duration::minutes(70)).timestamp()
    );
    let late = stored.get(trips[0].id).await.unwrap().unwrap();
    assert_eq!(late.departs_at, trips[0].departs_at);
    assert_eq!(late.arrives_at, trips[0].arrives_at + Duration::minutes(5));
}

async fn a_stale_feed_puts_back_the_schedule_of_what_it_set_only(db: Database, _dir: &Path) {
    let store = TripStore::open(db).await.unwrap();
    let trips = running(&store, 2).await;
    let updates = [
        on(&trips[0], LiveEffect::Arrival(Prediction::Delay(600))),
        on(&trips[1], LiveEffect::Arrival(Prediction::Delay(600))),
    ];
    store
        .apply_live(OPERATOR, &updates, options(), Utc::now())
        .await
        .unwrap();
    // The operator sets trip 1's arrival by hand: it is theirs now.
    let by_hand = trips[1].arrives_at + Duration::minutes(30);
    store
        .update_arrival(trips[1].id, by_hand, OPERATOR)
        .await
        .unwrap();
    let back = store.fall_back_to_schedule(OPERATOR).await.unwrap();
    assert_eq!(
        back.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![trips[0].id]
    );
    assert_eq!(
        store.shared(trips[0].id).unwrap().arrives_at,
        trips[0].arrives_at
    );
    assert_eq!(store.shared(trips[1].id).unwrap().arrives_at, by_hand);
    let history = store.history(trips[0].id).await.unwrap();
    assert_eq!(history.last().unwrap().change["reason"], "feed-stale");
    // Once is enough.
    assert!(
        store
            .fall_back_to_schedule(OPERATOR)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn another_operators_trips_and_other_days_are_unmatched(db: Database, _dir: &Path) {
    let store = TripStore::open(db).await.unwrap();
    let trips = running(&store, 1).await;
    let far = FeedTripRef {
        trip_id: "T0".into(),
        service_date: Some(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
    };
    let updates = [
        LiveUpdate {
            trip: far,
            effect: LiveEffect::Cancelled,
        },
        on(&trips[0], LiveEffect::Cancelled),
    ];
    let report = store
        .apply_live("op-other", &updates, options(), Utc::now())
        .await
        .unwrap();
    assert_eq!((report.applied, report.unmatched), (0, 2));
    assert_eq!(
        store.shared(trips[0].id).unwrap().state,
        TripState::Scheduled
    );
}

/// Everything of one fetch, or nothing: a write that fails mid-way (here, a
/// trip row that cannot be written) leaves every trip as it was.
async fn a_fetch_that_fails_mid_way_changes_nothing(db: Database, _dir: &Path) {
    let store = TripStore::open(db.clone()).await.unwrap();
    let trips = running(&store, 2).await;
    // A trigger-free way to make the second statement fail on both engines:
    // drop the table the last step writes.
    sqlx::query("DROP TABLE realtime_trips")
        .execute(db.pool())
        .await
        .unwrap();
    let updates = [
        on(&trips[0], LiveEffect::Cancelled),
        on(&trips[1], LiveEffect::Arrival(Prediction::Delay(600))),
    ];
    assert!(
        store
            .apply_live(OPERATOR, &updates, options(), Utc::now())
            .await
            .is_err()
    );
    let reread = TripStore::open(db).await.unwrap();
    for trip in &trips {
        let now = reread.get(trip.id).await.unwrap().unwrap();
        assert_eq!(
            (now.state, now.arrives_at),
            (TripState::Scheduled, trip.arrives_at)
        );
        assert_eq!(store.shared(trip.id).unwrap().state, TripState::Scheduled);
        assert_eq!(
            reread.history(trip.id).await.unwrap().len(),
            1,
            "only the import"
        );
    }
}

/// The store finds a feed's trips in its memory; a change another process
/// committed since (a cancellation by the CLI or another instance, which
/// this store has not reloaded yet) is seen all the same: the feed's delay
/// does not revive the cancelled trip, and the other's new arrival is the
/// base of what the feed changes.
async fn a_feed_sees_what_another_process_committed_just_before(db: Database, dir: &Path) {
    let store = TripStore::open(db.clone()).await.unwrap();
    let trips = running(&store, 2).await;
    let other = TripStore::open(crate::db::testing::second_process(&db, dir).await)
        .await
        .unwrap();
    other.cancel(trips[0].id, OPERATOR).await.unwrap();
    assert_eq!(
        store.shared(trips[0].id).unwrap().state,
        TripState::Scheduled,
        "not reloaded yet"
    );
    let updates = [
        on(&trips[0], LiveEffect::Arrival(Prediction::Delay(600))),
        on(&trips[1], LiveEffect::Arrival(Prediction::Delay(300))),
    ];
    let report = store
        .apply_live(OPERATOR, &updates, options(), Utc::now())
        .await
        .unwrap();
    assert_eq!(report.applied, 2);
    assert_eq!(
        report.later.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![trips[1].id]
    );
    let reread = TripStore::open(db).await.unwrap();
    let cancelled = reread.get(trips[0].id).await.unwrap().unwrap();
    assert_eq!(
        (cancelled.state, cancelled.arrives_at),
        (TripState::Cancelled, trips[0].arrives_at)
    );
    assert_eq!(
        store.shared(trips[0].id).unwrap().state,
        TripState::Cancelled
    );
    let late = reread.get(trips[1].id).await.unwrap().unwrap();
    assert_eq!(late.arrives_at, trips[1].arrives_at + Duration::minutes(5));
}

on_both_databases!(
    a_feed_sees_what_another_process_committed_just_before,
    a_delay_moves_the_arrival_and_is_kept_in_the_history,
    an_earlier_prediction_never_goes_before_the_schedule,
    a_cancellation_cancels_once,
    added_and_duplicated_trips_appear_once,
    a_stale_feed_puts_back_the_schedule_of_what_it_set_only,
    another_operators_trips_and_other_days_are_unmatched,
    a_fetch_that_fails_mid_way_changes_nothing,
);
