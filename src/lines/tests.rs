use std::path::Path;

use chrono::{TimeZone, Utc};

use crate::db::Database;
use crate::lines::{CollectionRef, LineCollections, TitleOffer, is_offered};
use crate::trips::{Seats, Trip, TripId, TripState};

fn trip(line: &str, collections: Option<&[&str]>) -> Trip {
    let departs = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
    Trip {
        id: TripId::new(1),
        service_date: departs.date_naive(),
        line: line.into(),
        train_number: "1".into(),
        origin: "A".into(),
        destination: "B".into(),
        departs_at: departs,
        arrives_at: departs,
        scheduled_arrives_at: departs,
        seats: Seats::new(10).unwrap(),
        cars: None,
        collections: collections.map(|c| c.iter().map(|s| s.to_string()).collect()),
        state: TripState::Scheduled,
        timezone: chrono_tz::Europe::Paris,
        source: None,
        operator: Some("op-a".into()),
        block_id: None,
    }
}

fn entry(publisher: &str, collection: Option<&str>) -> CollectionRef {
    CollectionRef {
        publisher: publisher.into(),
        collection: collection.map(Into::into),
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn without_any_choice_every_live_title_is_offered_everywhere() {
    let title = TitleOffer {
        publisher: "p",
        collections: &[],
    };
    assert!(is_offered(&title, &trip("TER 17", None), None));
}

#[test]
fn a_line_choice_offers_the_named_collections_of_the_named_publishers_only() {
    let polar = strings(&["polar"]);
    let kids = strings(&["jeunesse"]);
    let choice = [entry("p", Some("polar")), entry("q", None)];
    let t = trip("TER 17", None);
    let offered = |publisher, collections: &[String]| {
        is_offered(
            &TitleOffer {
                publisher,
                collections,
            },
            &t,
            Some(&choice),
        )
    };
    assert!(offered("p", &polar));
    assert!(!offered("p", &kids), "another collection of p");
    assert!(!offered("r", &polar), "the same name at another publisher");
    assert!(offered("q", &kids), "every title of q");
    assert!(offered("q", &[]));
    assert!(
        !is_offered(
            &TitleOffer {
                publisher: "p",
                collections: &polar
            },
            &t,
            Some(&[])
        ),
        "an empty choice offers nothing"
    );
}

#[test]
fn a_trips_own_collections_win_over_its_lines_choice() {
    let kids = strings(&["jeunesse"]);
    let choice = [entry("p", Some("polar"))];
    let title = TitleOffer {
        publisher: "p",
        collections: &kids,
    };
    assert!(is_offered(
        &title,
        &trip("TER 17", Some(&["jeunesse"])),
        Some(&choice)
    ));
    assert!(!is_offered(&title, &trip("TER 17", Some(&["polar"])), None));
}

async fn choices_are_durable_and_reset_to_offering_everything(db: Database, _dir: &Path) {
    let store = LineCollections::open(db.clone()).await.unwrap();
    let t = trip("TER 17", None);
    let polar = strings(&["polar"]);
    store
        .set(
            "op-a",
            "TER 17",
            Some(vec![entry("p", Some("polar")), entry("p", Some("polar"))]),
        )
        .await
        .unwrap();
    assert_eq!(
        store.choice("op-a", "TER 17").unwrap().len(),
        1,
        "duplicates are merged"
    );
    assert!(store.offers(&t, "p", &polar));
    assert!(!store.offers(&t, "q", &polar));
    assert!(
        store.offers(&trip("TER 52", None), "q", &polar),
        "other lines are untouched"
    );
    assert!(
        !store
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap(),
        "its own write needs no reload"
    );

    let reopened = LineCollections::open(db.clone()).await.unwrap();
    assert!(
        !reopened.offers(&t, "q", &polar),
        "the choice survives a restart"
    );
    reopened.set("op-a", "TER 17", None).await.unwrap();
    assert!(reopened.offers(&t, "q", &polar));
    assert!(
        store.choice("op-a", "TER 17").is_some(),
        "another instance holds its copy until it refreshes"
    );
    assert!(
        store
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    assert!(
        store.choice("op-a", "TER 17").is_none(),
        "another instance sees the reset"
    );
}

async fn an_empty_choice_offers_nothing_and_is_kept_apart_from_no_choice(
    db: Database,
    _dir: &Path,
) {
    let store = LineCollections::open(db.clone()).await.unwrap();
    store.set("op-a", "TER 17", Some(Vec::new())).await.unwrap();
    let reopened = LineCollections::open(db).await.unwrap();
    assert_eq!(reopened.choice("op-a", "TER 17"), Some(Vec::new()));
    assert!(!reopened.offers(&trip("TER 17", None), "p", &[]));
}

async fn an_operators_choice_applies_to_its_own_trips_only(db: Database, _dir: &Path) {
    let store = LineCollections::open(db).await.unwrap();
    let polar = strings(&["polar"]);
    store
        .set("op-b", "TER 17", Some(vec![entry("p", Some("polar"))]))
        .await
        .unwrap();
    let ours = trip("TER 17", None);
    let theirs = Trip {
        operator: Some("op-b".into()),
        ..trip("TER 17", None)
    };
    assert!(!store.offers(&theirs, "q", &polar));
    assert!(
        store.offers(&ours, "q", &polar),
        "op-b's choice for its line of the same name leaves op-a's trips alone"
    );
    assert_eq!(store.choice("op-a", "TER 17"), None);
    assert!(store.all("op-a").is_empty());
    assert_eq!(store.all("op-b").len(), 1);
}

crate::db::testing::on_both_databases!(
    choices_are_durable_and_reset_to_offering_everything,
    an_empty_choice_offers_nothing_and_is_kept_apart_from_no_choice,
    an_operators_choice_applies_to_its_own_trips_only
);
