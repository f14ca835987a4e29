//! Publishers' reports over one year of a national network, on PostgreSQL.
//!
//! `cargo run --release --example report_scale [TRIPS_PER_DAY]` starts a
//! private PostgreSQL server (as the tests do), generates 365 days of usage
//! (TRIPS_PER_DAY trips a day, 10,000 by default: 3.65 million trips, each
//! with a scan row and two title rows drawn from 100 titles of 10 publishers
//! with a skewed popularity, over 500 lines), derives the report table from
//! it as the flushes would, then times the report queries trajet runs
//! (`Usage::report`, then the suppression and totals of the route):
//!
//! - one publisher, a whole year, by title × month (target < 1 s);
//! - one publisher, one month, by title × line × day (target < 1 s).
//!
//! Each is run 5 times; the first (cold) and the median are printed.

#[path = "../../tests/support/external.rs"]
mod external;
#[path = "../../tests/support/postgres.rs"]
mod postgres;

use std::time::{Duration, Instant};

use trajet::config::{Config, Secret};
use trajet::db::Database;
use trajet::reports::table::{Grouping, publisher_report};
use trajet::usage::Usage;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let trips_per_day: i64 = match std::env::args().nth(1) {
        Some(n) => n.parse()?,
        None => 10_000,
    };
    let dir = tempfile::tempdir()?;
    let url = postgres::database_url()
        .await
        .ok_or_else(|| anyhow::anyhow!("PostgreSQL is not installed here"))?;
    let mut settings = Config::for_tests(dir.path()).database;
    settings.url = Some(Secret::new(url));
    let db = Database::open(&settings, dir.path()).await?;

    let started = Instant::now();
    generate(&db, trips_per_day).await?;
    let (trip_rows, report_rows): (i64, i64) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM usage_counts")
            .fetch_one(db.pool())
            .await?,
        sqlx::query_scalar("SELECT COUNT(*) FROM usage_by_line")
            .fetch_one(db.pool())
            .await?,
    );
    println!(
        "generated {} trips: {trip_rows} usage rows, {report_rows} report rows, in {:.1} s",
        365 * trips_per_day,
        started.elapsed().as_secs_f64()
    );

    let usage = Usage::new(&db);
    for (what, from, to, group) in [
        (
            "year by title x month",
            "2026-01-01",
            "2026-12-31",
            "title,month",
        ),
        (
            "month by title x line x day",
            "2026-06-01",
            "2026-06-30",
            "title,line,day",
        ),
    ] {
        let grouping = Grouping::parse(group).map_err(anyhow::Error::msg)?;
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..5 {
            let start = Instant::now();
            let groups = usage.report("pub-3", from, to, &grouping.groups()).await?;
            let (report, _totals) = publisher_report(&groups, &grouping);
            times.push(start.elapsed());
            rows = report.len();
        }
        let first = times[0];
        times.sort();
        println!(
            "{what}: {rows} rows, first {}, median {}",
            ms(first),
            ms(times[times.len() / 2])
        );
    }
    db.close().await;
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// A year of usage, written with set-based SQL (a flush would write the
/// same rows, one interval at a time), then the report tables derived from it.
async fn generate(db: &Database, trips_per_day: i64) -> anyhow::Result<()> {
    // Two titles per trip, skewed towards popular ones; publisher = title % 10.
    sqlx::query(
        "INSERT INTO usage_counts (day, trip, line, title, publisher, operator, sessions, \
         opened, chapters_read, reading_seconds, excerpts_finished, offer_clicks) \
         SELECT to_char(date '2026-01-01' + d, 'YYYY-MM-DD'), d * $1 + t, 'L' || (t % 500), \
                '', '', 'op-' || (t % 5), 3 + t % 9, 0, 0, 0, 0, 0 \
         FROM generate_series(0, 364) d, generate_series(0, $1 - 1) t",
    )
    .bind(trips_per_day)
    .execute(db.pool())
    .await?;
    for pick in 0..2_i64 {
        sqlx::query(
            "INSERT INTO usage_counts (day, trip, line, title, publisher, operator, sessions, \
             opened, chapters_read, reading_seconds, excerpts_finished, offer_clicks) \
             SELECT day, trip, line, 't' || title, 'pub-' || (title % 10), operator, 0, \
                    1 + trip % 3, 2 + trip % 5, 300 + trip % 1200, trip % 2, \
                    CASE WHEN trip % 7 = 0 THEN 1 ELSE 0 END \
             FROM (SELECT to_char(date '2026-01-01' + d, 'YYYY-MM-DD') AS day, d * $1 + t AS trip, \
                          'L' || (t % 500) AS line, 'op-' || (t % 5) AS operator, \
                          (floor(100 * power(((t * 7919 + d * 104729 + $2 * 31337) % 10007) / 10007.0, 3)) \
                           + $2 * 50)::bigint % 100 AS title \
                   FROM generate_series(0, 364) d, generate_series(0, $1 - 1) t) picks \
             ON CONFLICT (day, trip, line, title) DO NOTHING",
        )
        .bind(trips_per_day)
        .bind(pick)
        .execute(db.pool())
        .await?;
    }
    sqlx::query(
        "INSERT INTO usage_by_line (publisher, day, title, line, opened, chapters_read, \
         reading_seconds, excerpts_finished, offer_clicks) \
         SELECT publisher, day, title, line, SUM(opened), SUM(chapters_read), \
                SUM(reading_seconds), SUM(excerpts_finished), SUM(offer_clicks) \
         FROM usage_counts WHERE title <> '' GROUP BY publisher, day, title, line",
    )
    .execute(db.pool())
    .await?;
    sqlx::query(
        "INSERT INTO usage_by_month (publisher, month, title, line, opened, chapters_read, \
         reading_seconds, excerpts_finished, offer_clicks) \
         SELECT publisher, substr(day, 1, 7), title, line, SUM(opened), SUM(chapters_read), \
                SUM(reading_seconds), SUM(excerpts_finished), SUM(offer_clicks) \
         FROM usage_by_line GROUP BY publisher, substr(day, 1, 7), title, line",
    )
    .execute(db.pool())
    .await?;
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(())
}
