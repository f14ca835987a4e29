//! GTFS-Realtime benchmark helper (scripts/bench_realtime.sh), through
//! trajet's own library:
//!
//! - `realtime_bench setup DATA_DIR FEED_DIR TRIPS`: imports TRIPS trips of
//!   today for a new operator (feed ids `T0`…), writes two TripUpdates feeds
//!   naming every trip with 12 stops each (`a.pb`: 5 min late, `b.pb`:
//!   10 min late) and prints the operator's API key on the last line.
//! - `realtime_bench apply DATA_DIR FEED_DIR`: in this process, decodes and
//!   applies `a.pb`, `a.pb` again, then `b.pb`, and prints one JSON line per
//!   apply with the process CPU time it took (decode + one database write;
//!   the SQLite worker thread's CPU is this process's too).

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use prost::Message as _;
use trajet::accounts::{Accounts, Role};
use trajet::db::Database;
use trajet::realtime::decode;
use trajet::realtime::proto::{
    FeedEntity, FeedHeader, FeedMessage, TripDescriptor, TripUpdate, trip_update,
};
use trajet::trips::{ExternalKey, LiveOptions, Seats, TripDraft, TripStore};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match args.as_slice() {
        ["setup", data, feeds, trips] => {
            runtime.block_on(setup(Path::new(data), Path::new(feeds), trips.parse()?))
        }
        ["apply", data, feeds] => runtime.block_on(apply(Path::new(data), Path::new(feeds))),
        _ => bail!("usage: realtime_bench setup DATA_DIR FEED_DIR TRIPS | apply DATA_DIR FEED_DIR"),
    }
}

async fn open(data: &Path) -> anyhow::Result<Database> {
    let (config, _) = trajet::config::Config::load()?;
    Database::open(&config.database, data).await
}

async fn setup(data: &Path, feeds: &Path, trips: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(data)?;
    std::fs::create_dir_all(feeds)?;
    let db = open(data).await?;
    let (account, key) = Accounts::open(&db)
        .await?
        .create_with_key(Role::Operator, "Bench rail")
        .await?;
    let now = Utc::now();
    let date = now.date_naive();
    let drafts: Vec<TripDraft> = (0..trips)
        .map(|n| {
            let departs_at = now - Duration::minutes(30) + Duration::seconds((n % 600) as i64);
            TripDraft {
                service_date: date,
                line: format!("Line {}", n % 40),
                train_number: format!("{}", 10_000 + n),
                origin: "Clermont-Ferrand".into(),
                destination: "Lyon Part-Dieu".into(),
                departs_at,
                arrives_at: departs_at + Duration::hours(2),
                seats: Seats::new(400).expect("valid"),
                cars: None,
                collections: None,
                timezone: chrono_tz::Europe::Paris,
                source: Some(ExternalKey {
                    feed_trip_id: format!("T{n}"),
                    service_date: date,
                }),
                block_id: None,
            }
        })
        .collect();
    TripStore::open(db.clone())
        .await?
        .import_batch(&account.id, drafts)
        .await?;
    for (name, delay) in [("a.pb", 300), ("b.pb", 600)] {
        let bytes = feed(trips, date, delay).encode_to_vec();
        std::fs::write(feeds.join(name), &bytes)?;
        eprintln!("{name}: {} bytes, {trips} trips", bytes.len());
    }
    db.close().await;
    println!("{key}");
    Ok(())
}

/// A feed naming every trip, 12 stops each (times and delays), as producers
/// of rail networks publish them.
fn feed(trips: usize, date: chrono::NaiveDate, delay: i32) -> FeedMessage {
    let now = Utc::now().timestamp();
    let entity = (0..trips)
        .map(|n| {
            let stops = (0..12)
                .map(|s| {
                    let event = trip_update::StopTimeEvent {
                        delay: Some(delay),
                        time: Some(now + 600 * s + i64::from(delay)),
                        ..Default::default()
                    };
                    trip_update::StopTimeUpdate {
                        stop_sequence: Some(s as u32 + 1),
                        stop_id: Some(format!(
                            "StopArea:OCE87{:06}",
                            (n * 7 + s as usize) % 999_999
                        )),
                        arrival: Some(event),
                        departure: Some(event),
                        ..Default::default()
                    }
                })
                .collect();
            FeedEntity {
                id: format!("E{n}"),
                trip_update: Some(TripUpdate {
                    trip: TripDescriptor {
                        trip_id: Some(format!("T{n}")),
                        start_date: Some(date.format("%Y%m%d").to_string()),
                        route_id: Some(format!("R{}", n % 40)),
                        schedule_relationship: Some(0),
                        ..Default::default()
                    },
                    stop_time_update: stops,
                    timestamp: Some(now as u64),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    FeedMessage {
        header: FeedHeader {
            gtfs_realtime_version: "2.0".into(),
            incrementality: Some(0),
            timestamp: Some(now as u64),
            feed_version: None,
        },
        entity,
    }
}

async fn apply(data: &Path, feeds: &Path) -> anyhow::Result<()> {
    let db = open(data).await?;
    let operator: String = sqlx::query_scalar("SELECT id FROM accounts WHERE name = 'Bench rail'")
        .fetch_one(db.pool())
        .await
        .context("run `realtime_bench setup` first")?;
    let store = TripStore::open(db.clone()).await?;
    let options = LiveOptions {
        timezone: chrono_tz::Europe::Paris,
        seats: Seats::new(400).expect("valid"),
        unmatched_shown: 20,
    };
    // Then the feeds in turn, each moving every trip: the steady state of a
    // server applying feed after feed (the first apply also pays for this
    // process's memory being touched for the first time).
    for (run, name) in [
        ("first", "a.pb"),
        ("unchanged", "a.pb"),
        ("all-changed", "b.pb"),
        ("all-changed", "a.pb"),
        ("all-changed", "b.pb"),
        ("all-changed", "a.pb"),
    ] {
        let bytes = std::fs::read(feeds.join(name))?;
        let cpu = cpu_seconds();
        let wall = std::time::Instant::now();
        let decoded = decode::decode(&bytes)?;
        let decode_cpu = cpu_seconds() - cpu;
        let report = store
            .apply_live(&operator, &decoded.updates, options, Utc::now())
            .await?;
        let cpu = cpu_seconds() - cpu;
        println!(
            "{{\"run\": \"{run}\", \"bytes\": {}, \"entities\": {}, \"applied\": {}, \"later\": {}, \"decode_cpu_ms\": {:.1}, \"cpu_ms\": {:.1}, \"wall_ms\": {:.1}}}",
            bytes.len(),
            decoded.entities,
            report.applied,
            report.later.len(),
            decode_cpu * 1e3,
            cpu * 1e3,
            wall.elapsed().as_secs_f64() * 1e3
        );
    }
    db.close().await;
    Ok(())
}

/// This process's CPU time (every thread, the SQLite worker's included).
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given; the clock id is valid.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}
