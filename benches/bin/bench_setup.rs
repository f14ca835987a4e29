//! Prepares what the load scripts need, through trajet's own library:
//!
//! - `bench_setup trip DATA_DIR OUT_FILE MINUTES SEATS CARS`: creates a trip that
//!   left a minute ago and arrives in MINUTES (its window closes then when the
//!   server runs with `TRAJET_WINDOW_AFTER_MINUTES=0`), mints the seat codes of
//!   seats 1..=SEATS in cars 1..=CARS, and writes one token per line to
//!   OUT_FILE. Prints the trip id. The server picks the trip up within a second.
//! - `bench_setup vehicle-trip DATA_DIR OUT_FILE MINUTES SEATS CARS`: the
//!   same trip, run by a train set of CARS cars of SEATS seats registered for
//!   it (assigned by the API's own call); writes the set's vehicle codes
//!   (labels printed once) one per line to OUT_FILE. Prints the trip id.
//! - `bench_setup chapter EPUB ENTRY OUT_FILE`: sanitizes one chapter of an
//!   EPUB as ingestion would and writes the XHTML trajet serves for it.
//! - `bench_setup ingest DATA_DIR PUBLISHER COUNT EPUB`: ingests EPUB COUNT
//!   times as publisher PUBLISHER and prints a JSON line with the CPU seconds of
//!   the first ingestion and this process's peak RSS (run one book per process).

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use trajet::catalog::Catalog;
use trajet::catalog::sanitize::{RefTarget, sanitize_chapter};
use trajet::catalog::title::Settings;
use trajet::config::Config;
use trajet::data_dir::DataDir;
use trajet::db::Database;
use trajet::seat_codes::{Car, Claims, KeyStore, Seat, Window, mint, unix_now};
use trajet::trips::{Seats, TripDraft, TripStore};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["trip", data, out, minutes, seats, cars] => trip(
            Path::new(data),
            Path::new(out),
            minutes.parse()?,
            seats.parse()?,
            cars.parse()?,
        ),
        ["vehicle-trip", data, out, minutes, seats, cars] => vehicle_trip(
            Path::new(data),
            Path::new(out),
            minutes.parse()?,
            seats.parse()?,
            cars.parse()?,
        ),
        ["chapter", epub, entry, out] => chapter(Path::new(epub), entry, Path::new(out)),
        ["ingest", data, publisher, count, epub] => {
            ingest(Path::new(data), publisher, count.parse()?, Path::new(epub))
        }
        _ => bail!(
            "usage: bench_setup trip DATA_DIR OUT_FILE MINUTES SEATS CARS\n       bench_setup vehicle-trip DATA_DIR OUT_FILE MINUTES SEATS CARS\n       bench_setup chapter EPUB ENTRY OUT_FILE\n       bench_setup ingest DATA_DIR PUBLISHER COUNT EPUB"
        ),
    }
}

/// The signing keys of the service's database (`DATABASE_URL`, else the
/// SQLite file of the data directory), as the server will load them.
fn signing_keys(data: &DataDir) -> anyhow::Result<std::sync::Arc<trajet::seat_codes::Keyring>> {
    let (config, _) = trajet::config::Config::load()?;
    tokio::runtime::Runtime::new()?.block_on(async {
        let db = trajet::db::Database::open(&config.database, data.root()).await?;
        let master = config.database.master_key_file(data.root());
        Ok(KeyStore::open(&db, &master, unix_now()).await?.keyring())
    })
}

fn trip(data: &Path, out: &Path, minutes: i64, seats: u16, cars: u8) -> anyhow::Result<()> {
    let data = DataDir::open(data).context("opening the data directory")?;
    let (trip, departs_at, arrives_at) = bench_trip(&data, minutes, seats)?;
    let keys = signing_keys(&data)?;
    let window = Window::from_unix_seconds(departs_at.timestamp(), arrives_at.timestamp())?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for car in 1..=cars {
        for seat in 1..=seats {
            let claims = Claims {
                trip: trip.id.get(),
                seat: Seat(seat),
                car: Car(car),
                window,
            };
            writeln!(file, "{}", mint(&keys, &claims, unix_now())?)?;
        }
    }
    file.flush()?;
    println!("{}", trip.id.get());
    Ok(())
}

/// A trip run by a train set registered for it, and the set's labels.
fn vehicle_trip(data: &Path, out: &Path, minutes: i64, seats: u16, cars: u8) -> anyhow::Result<()> {
    use trajet::vehicles::model::{CarSeats, NewVehicleRequest};
    use trajet::vehicles::{Actor, Source, VehicleStore};
    let data = DataDir::open(data).context("opening the data directory")?;
    let (trip, _, _) = bench_trip(&data, minutes, seats)?;
    let keys = signing_keys(&data)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let labels = runtime.block_on(async {
        let (config, _) = trajet::config::Config::load()?;
        let db = trajet::db::Database::open(&config.database, data.root()).await?;
        let trips = TripStore::open(db.clone()).await?;
        let vehicles = VehicleStore::open(db.clone()).await?;
        let set = format!("V{}", trip.id.get());
        let request = NewVehicleRequest {
            id: Some(set.clone()),
            label: None,
            cars: Some(
                (1..=cars)
                    .map(|c| CarSeats {
                        car: c.to_string(),
                        seats: u32::from(seats),
                    })
                    .collect(),
            ),
        };
        let vehicle = vehicles.create("op-bench", request.parse()?).await?;
        let actor = Actor {
            account: "op-bench",
            via: "api",
        };
        vehicles
            .assign(&trips, "op-bench", trip.id, &[set], Source::Api, actor)
            .await?;
        let fleet = vehicles.fleet();
        let mut labels = Vec::new();
        for car in 1..=cars {
            for seat in 1..=seats {
                let label = trajet::vehicles::codes::label(
                    &keys,
                    &fleet,
                    &vehicle,
                    Car(car),
                    Seat(seat),
                    "",
                );
                labels.push(label);
            }
        }
        db.close().await;
        anyhow::Ok(labels)
    })?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for label in labels {
        writeln!(file, "{}", label.url.rsplit('/').next().unwrap_or_default())?;
    }
    file.flush()?;
    println!("{}", trip.id.get());
    Ok(())
}

/// A trip of the bench's operator that left a minute ago and arrives in `minutes`.
fn bench_trip(
    data: &DataDir,
    minutes: i64,
    seats: u16,
) -> anyhow::Result<(
    trajet::trips::Trip,
    chrono::DateTime<Utc>,
    chrono::DateTime<Utc>,
)> {
    let departs_at = Utc::now() - Duration::minutes(1);
    let arrives_at = Utc::now() + Duration::minutes(minutes);
    let draft = TripDraft {
        service_date: departs_at.date_naive(),
        line: "BENCH".into(),
        train_number: format!("B{}", departs_at.timestamp() % 100_000),
        origin: "Clermont-Ferrand".into(),
        destination: "Lyon Part-Dieu".into(),
        departs_at,
        arrives_at,
        seats: Seats::new(u32::from(seats)).map_err(anyhow::Error::msg)?,
        cars: None,
        collections: None,
        timezone: chrono_tz::Europe::Paris,
        source: None,
        block_id: None,
    };
    // The bench's own operator: no one signs in as it, the codes need none.
    // The database is the one the server uses (`DATABASE_URL`, else SQLite).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let trip = runtime.block_on(async {
        let (config, _) = trajet::config::Config::load()?;
        let db = trajet::db::Database::open(&config.database, data.root()).await?;
        let trip = TripStore::open(db.clone())
            .await?
            .create("op-bench", draft)
            .await?;
        db.close().await;
        anyhow::Ok(trip)
    })?;
    Ok((trip, departs_at, arrives_at))
}

fn chapter(epub: &Path, entry: &str, out: &Path) -> anyhow::Result<()> {
    let mut book = zip::ZipArchive::new(std::fs::File::open(epub)?)?;
    let mut xhtml = Vec::new();
    book.by_name(entry)?.read_to_end(&mut xhtml)?;
    // Links to other chapters and resources keep a target; their ids do not
    // change the size of the document much, and nothing here follows them.
    let sanitized = sanitize_chapter(&xhtml, &|_| RefTarget::Resource(0))?;
    std::fs::write(out, sanitized.render_full())?;
    Ok(())
}

fn ingest(data: &Path, publisher: &str, count: u32, epub: &Path) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let first = runtime.block_on(async {
        let data = DataDir::open(data)?;
        // The service's database: SQLite in DATA_DIR, or DATABASE_URL.
        let (config, _) = Config::load()?;
        let db = Database::open(&config.database, data.root()).await?;
        let catalog = Catalog::open(&data, db).await?;
        let started = cpu_seconds()?;
        catalog.ingest(epub, publisher, Settings::default()).await?;
        let first = cpu_seconds()? - started;
        for _ in 1..count {
            catalog.ingest(epub, publisher, Settings::default()).await?;
        }
        anyhow::Ok(first)
    })?;
    let status = std::fs::read_to_string("/proc/self/status")?;
    let peak_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({
            "book": epub.file_name().map(|n| n.to_string_lossy()),
            "bytes": std::fs::metadata(epub)?.len(),
            "cpu_seconds": (first * 1000.0).round() / 1000.0,
            "peak_rss_mib": peak_kb / 1024,
            "titles": count,
        })
    );
    Ok(())
}

/// This process's user + system CPU time, from `/proc/self/stat`.
fn cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces) start at index 2.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>()? + fields[12].parse::<f64>()?;
    // Linux reports these in USER_HZ, 100 on every mainstream architecture.
    Ok(ticks / 100.0)
}
