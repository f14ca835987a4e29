//! What a new installation shows at once: the sample catalog loaded into a
//! "Sample publisher" on first start, and a demo trip running now with a seat
//! code printed in the log, so `cargo run --release` leads straight to a reader.

use std::sync::Arc;

use chrono::{Duration, Utc};

use crate::accounts::{Account, Role};
use crate::app::App;
use crate::assets::Assets;
use crate::catalog::title::Settings;
use crate::excerpts::{ExcerptPolicy, Limit};
use crate::seat_codes::{Car, Claims, Seat, Window, mint, seat_code_url};
use crate::trips::{Seats, TripDraft};

/// The sample publisher's account id.
pub const SAMPLE_PUBLISHER: &str = "pub-sample";
/// The line of the demo trip.
pub const DEMO_LINE: &str = "Démo trajet";
/// The owner of the demo trip: no account has this id, so no operator sees
/// or changes the demo trip.
pub const DEMO_OPERATOR: &str = "op-demo";

/// Loads the sample catalog once per database: by the start that creates
/// the sample publisher (of several instances starting together, one). The
/// catalog runs each ingestion on a blocking thread.
pub async fn load_on_first_start(app: &Arc<App>) -> anyhow::Result<usize> {
    let catalog = &app.config.sample_catalog;
    if !has_sample_catalog(catalog) {
        return Ok(0);
    }
    let publisher = Account {
        id: SAMPLE_PUBLISHER.into(),
        name: "Sample publisher".into(),
        role: Role::Publisher,
    };
    if !app.accounts.ensure(&publisher).await? {
        return Ok(0);
    }
    let mut loaded = 0;
    for (slug, bytes) in crate::catalog_sample::sample_books(catalog)? {
        let upload = app.data.tmp().join(format!("sample-{slug}.epub"));
        std::fs::write(&upload, &bytes)?;
        // Two chapters, so a new user sees both the excerpt and locked entries.
        let settings = Settings {
            policy: ExcerptPolicy::new(Limit::Chapters(2))?,
            ..Settings::default()
        };
        let result = app
            .catalog
            .ingest(&upload, SAMPLE_PUBLISHER, settings)
            .await;
        let _ = std::fs::remove_file(&upload);
        match result {
            Ok(record) => {
                tracing::info!(title = %record.summary.title, id = %record.id, "sample book loaded");
                loaded += 1;
            }
            Err(e) => tracing::warn!(%slug, error = %e, "a sample book could not be loaded"),
        }
    }
    Ok(loaded)
}

/// Makes sure a demo trip runs now and returns the URL of a seat code for it
/// (seat 1), in the lower-case form a terminal turns into a link.
pub async fn demo_seat_code(app: &App) -> anyhow::Result<String> {
    let now = Utc::now();
    let today = app.trips.trips_of(DEMO_OPERATOR, now.date_naive()).await?;
    let running = today.into_iter().find(|t| {
        t.line == DEMO_LINE && !t.is_cancelled() && t.arrives_at > now + Duration::hours(1)
    });
    let trip = match running {
        Some(trip) => trip,
        None => {
            app.trips
                .create(
                    DEMO_OPERATOR,
                    TripDraft {
                        service_date: now.date_naive(),
                        line: DEMO_LINE.into(),
                        train_number: "0001".into(),
                        origin: "Clermont-Ferrand".into(),
                        destination: "Lyon Part-Dieu".into(),
                        departs_at: now - Duration::minutes(5),
                        arrives_at: now + Duration::hours(12),
                        seats: Seats::new(80).map_err(anyhow::Error::msg)?,
                        cars: None,
                        collections: None,
                        timezone: chrono_tz::Europe::Paris,
                        source: None,
                        block_id: None,
                    },
                )
                .await?
        }
    };
    let window = trip.window(&app.config);
    let claims = Claims {
        trip: trip.id.get(),
        seat: Seat(1),
        car: Car::NONE,
        window: Window::from_unix_seconds(
            window.opens_at.timestamp(),
            window.closes_at.timestamp(),
        )?,
    };
    let token = mint(&app.seat_keys.keyring(), &claims, now.timestamp())?;
    // The printed (upper-case) form is for QR codes; a terminal links the lower-case one.
    let printed = seat_code_url(&app.config.public_url, &token);
    let token = printed.rsplit('/').next().unwrap_or_default();
    Ok(format!("{}/t/{token}", app.config.public_url))
}

/// Whether there is a sample catalog to load: the built-in one, or a folder that exists.
pub fn has_sample_catalog(catalog: &Assets) -> bool {
    match catalog {
        Assets::BuiltIn => true,
        Assets::Folder(folder) => folder.is_dir(),
        Assets::Off => false,
    }
}
