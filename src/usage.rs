//! Usage counters: what passengers read, aggregated by day, trip, line and
//! title, with no personal data (no session id, address or device).
//!
//! Events are added to in-memory counters (the passenger's request never
//! waits on the database) and flushed to the database every
//! `usage_flush_seconds` (`TRAJET_USAGE_FLUSH_SECONDS`, default 30) and at
//! shutdown, in one transaction of upserts that *add* this process's counts
//! since the last flush: several instances add up exactly, and a crash
//! (`kill -9`) loses at most one interval, never a committed batch. A failed flush keeps its counts for the next.
//!
//! Reports are SQL over `usage_by_line` (the same counts without the trip)
//! or, for whole months not grouped by day, `usage_by_month`, grouped by
//! title, day, month and/or line; the operator's dashboard reads
//! `usage_counts` and `scan_hours` for its own trips.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::db::Database;

/// What one row of counters is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UsageKey {
    /// Service date of the trip, `YYYY-MM-DD`.
    pub day: String,
    /// trajet's trip id.
    pub trip: u32,
    /// The trip's line.
    pub line: String,
    /// The title, or empty for trip-level events (scans).
    pub title: String,
    /// The title's publisher, or empty for trip-level events.
    pub publisher: String,
    /// The trip's operator (its dashboard counts only its own trips).
    pub operator: String,
}

/// The counters of one row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Sessions opened by a scan (trip-level rows).
    #[serde(default)]
    pub sessions: u64,
    /// Sessions that opened the title.
    #[serde(default)]
    pub opened: u64,
    /// Chapters read (first read of a chapter in a session).
    #[serde(default)]
    pub chapters_read: u64,
    /// Seconds spent reading.
    #[serde(default)]
    pub reading_seconds: u64,
    /// Excerpts read to their end.
    #[serde(default)]
    pub excerpts_finished: u64,
    /// Clicks on the publisher's offer.
    #[serde(default)]
    pub offer_clicks: u64,
}

impl Counters {
    /// Adds another row's counts to this one.
    pub fn add(&mut self, other: &Counters) {
        self.sessions += other.sessions;
        self.opened += other.opened;
        self.chapters_read += other.chapters_read;
        self.reading_seconds += other.reading_seconds;
        self.excerpts_finished += other.excerpts_finished;
        self.offer_clicks += other.offer_clicks;
    }
}

/// A usage event from the passenger routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A scan opened a session.
    SessionOpened,
    /// A session opened a title for the first time.
    TitleOpened,
    /// A session read a chapter for the first time.
    ChapterRead,
    /// Seconds spent reading.
    ReadingTime(u64),
    /// A session reached the end of an excerpt.
    ExcerptFinished,
    /// A click on the offer link.
    OfferClick,
}

impl Event {
    fn counters(self) -> Counters {
        let mut c = Counters::default();
        match self {
            Event::SessionOpened => c.sessions = 1,
            Event::TitleOpened => c.opened = 1,
            Event::ChapterRead => c.chapters_read = 1,
            Event::ReadingTime(s) => c.reading_seconds = s,
            Event::ExcerptFinished => c.excerpts_finished = 1,
            Event::OfferClick => c.offer_clicks = 1,
        }
        c
    }
}

/// What one flush writes: counts added since the previous flush.
#[derive(Default)]
struct Pending {
    rows: BTreeMap<UsageKey, Counters>,
    /// Scans by (UTC hour start in Unix seconds, trip, operator).
    scan_hours: BTreeMap<(i64, u32, String), u64>,
}

impl Pending {
    fn merge(&mut self, other: Pending) {
        for (key, counters) in other.rows {
            self.rows.entry(key).or_default().add(&counters);
        }
        for (hour, scans) in other.scan_hours {
            *self.scan_hours.entry(hour).or_default() += scans;
        }
    }
}

/// The counters of this process, and the database they go to.
pub struct Usage {
    db: Database,
    // A std mutex: each event is a map update, never held across an await.
    pending: Mutex<Pending>,
    // One flush at a time, so a slow flush and the next tick never race.
    flushing: tokio::sync::Mutex<()>,
}

const HOUR: i64 = 3600;

/// The dimensions a report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The title id.
    Title,
    /// The service date.
    Day,
    /// The service date's month, `YYYY-MM`.
    Month,
    /// The line.
    Line,
}

impl Group {
    fn sql(self, rollup: Rollup) -> &'static str {
        match (self, rollup) {
            (Group::Title, _) => "title",
            (Group::Day, _) => "day",
            (Group::Month, Rollup::Day) => "substr(day, 1, 7)",
            (Group::Month, Rollup::Month) => "month",
            (Group::Line, _) => "line",
        }
    }
}

/// The report tables: counts by publisher, period, title and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rollup {
    /// `usage_by_line`, by service day.
    Day,
    /// `usage_by_month`, by month of service days.
    Month,
}

impl Rollup {
    fn table(self) -> &'static str {
        match self {
            Rollup::Day => "usage_by_line",
            Rollup::Month => "usage_by_month",
        }
    }

    fn period(self) -> &'static str {
        match self {
            Rollup::Day => "day",
            Rollup::Month => "month",
        }
    }
}

/// Adds counts to a report table's row `(publisher, period, title, line)`.
async fn add_to_rollup(
    tx: &mut sqlx::AnyConnection,
    rollup: Rollup,
    (publisher, period, title, line): (&str, &str, &str, &str),
    c: &Counters,
) -> Result<(), sqlx::Error> {
    let (table, column) = (rollup.table(), rollup.period());
    let sql = format!(
        "INSERT INTO {table} (publisher, {column}, title, line, opened, chapters_read, \
         reading_seconds, excerpts_finished, offer_clicks) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (publisher, {column}, title, line) DO UPDATE SET \
         opened = {table}.opened + excluded.opened, \
         chapters_read = {table}.chapters_read + excluded.chapters_read, \
         reading_seconds = {table}.reading_seconds + excluded.reading_seconds, \
         excerpts_finished = {table}.excerpts_finished + excluded.excerpts_finished, \
         offer_clicks = {table}.offer_clicks + excluded.offer_clicks"
    );
    sqlx::query(&sql)
        .bind(publisher)
        .bind(period)
        .bind(title)
        .bind(line)
        .bind(c.opened as i64)
        .bind(c.chapters_read as i64)
        .bind(c.reading_seconds as i64)
        .bind(c.excerpts_finished as i64)
        .bind(c.offer_clicks as i64)
        .execute(tx)
        .await?;
    Ok(())
}

/// Whether `[from, to]` (`YYYY-MM-DD`) starts on a month's first day and
/// ends on a month's last day.
fn whole_months(from: &str, to: &str) -> bool {
    let parse = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    match (parse(from), parse(to)) {
        (Some(from), Some(to)) => {
            use chrono::Datelike as _;
            from.day() == 1 && to.succ_opt().is_some_and(|next| next.day() == 1)
        }
        _ => false,
    }
}

/// A report's grouped rows are capped: more means the grouping is too fine
/// for the range (the caller says so).
pub const MAX_REPORT_ROWS: usize = 100_000;

const COUNTERS: &str = "CAST(SUM(opened) AS BIGINT), CAST(SUM(chapters_read) AS BIGINT), \
     CAST(SUM(reading_seconds) AS BIGINT), CAST(SUM(excerpts_finished) AS BIGINT), \
     CAST(SUM(offer_clicks) AS BIGINT)";

fn counters_at(row: &sqlx::any::AnyRow, first: usize) -> Result<Counters, sqlx::Error> {
    let get = |i: usize| -> Result<u64, sqlx::Error> {
        Ok(row.try_get::<i64, _>(first + i)?.max(0) as u64)
    };
    Ok(Counters {
        sessions: 0,
        opened: get(0)?,
        chapters_read: get(1)?,
        reading_seconds: get(2)?,
        excerpts_finished: get(3)?,
        offer_clicks: get(4)?,
    })
}

impl Usage {
    /// Counters that go to `db`.
    pub fn new(db: &Database) -> Self {
        Self {
            db: db.clone(),
            pending: Mutex::default(),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Counts one event.
    pub fn record(&self, key: UsageKey, event: Event) {
        self.record_at(key, event, chrono::Utc::now().timestamp());
    }

    /// Counts one event that happened at `unix` seconds (scans also count in their hour).
    pub fn record_at(&self, key: UsageKey, event: Event, unix: i64) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if event == Event::SessionOpened {
            let hour = unix - unix.rem_euclid(HOUR);
            *pending
                .scan_hours
                .entry((hour, key.trip, key.operator.clone()))
                .or_default() += 1;
        }
        pending.rows.entry(key).or_default().add(&event.counters());
    }

    /// Adds the counts of this process since the last flush to the database,
    /// in one transaction; on failure they stay for the next flush.
    pub async fn flush(&self) -> Result<(), sqlx::Error> {
        let _turn = self.flushing.lock().await;
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.rows.is_empty() && batch.scan_hours.is_empty() {
            return Ok(());
        }
        match self.write(&batch).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .merge(batch);
                Err(e)
            }
        }
    }

    async fn write(&self, batch: &Pending) -> Result<(), sqlx::Error> {
        // Rows go in key order: two instances flushing the same rows lock
        // them in the same order and never deadlock.
        let mut tx = self.db.pool().begin().await?;
        let mut by_line: BTreeMap<(&str, &str, &str, &str), Counters> = BTreeMap::new();
        for (key, c) in &batch.rows {
            sqlx::query(
                "INSERT INTO usage_counts (day, trip, line, title, publisher, operator, sessions, \
                 opened, chapters_read, reading_seconds, excerpts_finished, offer_clicks) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (day, trip, line, title) DO UPDATE SET \
                 sessions = usage_counts.sessions + excluded.sessions, \
                 opened = usage_counts.opened + excluded.opened, \
                 chapters_read = usage_counts.chapters_read + excluded.chapters_read, \
                 reading_seconds = usage_counts.reading_seconds + excluded.reading_seconds, \
                 excerpts_finished = usage_counts.excerpts_finished + excluded.excerpts_finished, \
                 offer_clicks = usage_counts.offer_clicks + excluded.offer_clicks",
            )
            .bind(&key.day)
            .bind(i64::from(key.trip))
            .bind(&key.line)
            .bind(&key.title)
            .bind(&key.publisher)
            .bind(&key.operator)
            .bind(c.sessions as i64)
            .bind(c.opened as i64)
            .bind(c.chapters_read as i64)
            .bind(c.reading_seconds as i64)
            .bind(c.excerpts_finished as i64)
            .bind(c.offer_clicks as i64)
            .execute(&mut *tx)
            .await?;
            if !key.title.is_empty() {
                by_line
                    .entry((&key.publisher, &key.day, &key.title, &key.line))
                    .or_default()
                    .add(c);
            }
        }
        let mut by_month: BTreeMap<(&str, &str, &str, &str), Counters> = BTreeMap::new();
        for (&(publisher, day, title, line), c) in &by_line {
            let month = day.get(..7).unwrap_or(day);
            by_month
                .entry((publisher, month, title, line))
                .or_default()
                .add(c);
        }
        for (table, rows) in [(Rollup::Day, by_line), (Rollup::Month, by_month)] {
            for (group, c) in rows {
                add_to_rollup(&mut tx, table, group, &c).await?;
            }
        }
        for ((hour, trip, operator), scans) in &batch.scan_hours {
            sqlx::query(
                "INSERT INTO scan_hours (hour, trip, operator, scans) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (hour, trip) DO UPDATE SET scans = scan_hours.scans + excluded.scans",
            )
            .bind(hour)
            .bind(i64::from(*trip))
            .bind(operator)
            .bind(*scans as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// A publisher's counts over the service days `[from, to]` (`YYYY-MM-DD`),
    /// grouped by `groups` in that order, sorted by group: the values of the
    /// groups and the summed counts (not suppressed: the caller does that on
    /// the aggregate). At most [`MAX_REPORT_ROWS`] + 1 rows. Whole months not
    /// grouped by day are read from the monthly sums.
    pub async fn report(
        &self,
        publisher: &str,
        from: &str,
        to: &str,
        groups: &[Group],
    ) -> Result<Vec<(Vec<String>, Counters)>, sqlx::Error> {
        let rollup = if !groups.contains(&Group::Day) && whole_months(from, to) {
            Rollup::Month
        } else {
            Rollup::Day
        };
        let (from, to) = match rollup {
            Rollup::Month => (from.get(..7).unwrap_or(from), to.get(..7).unwrap_or(to)),
            Rollup::Day => (from, to),
        };
        let columns: Vec<&str> = groups.iter().map(|g| g.sql(rollup)).collect();
        let list = columns.join(", ");
        let (table, period) = (rollup.table(), rollup.period());
        let sql = format!(
            "SELECT {list}, {COUNTERS} FROM {table} \
             WHERE publisher = $1 AND {period} >= $2 AND {period} <= $3 \
             GROUP BY {list} ORDER BY {list} LIMIT {}",
            MAX_REPORT_ROWS + 1
        );
        let rows = sqlx::query(&sql)
            .bind(publisher)
            .bind(from)
            .bind(to)
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let values = (0..groups.len())
                    .map(|i| row.try_get::<String, _>(i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((values, counters_at(row, groups.len())?))
            })
            .collect()
    }

    /// The titles read on an operator's trips of one service day, with their
    /// counts summed over trips and lines: `(title, publisher, counters)`.
    pub async fn titles_read(
        &self,
        operator: &str,
        day: &str,
    ) -> Result<Vec<(String, String, Counters)>, sqlx::Error> {
        let sql = format!(
            "SELECT title, publisher, {COUNTERS} FROM usage_counts \
             WHERE operator = $1 AND day = $2 AND title <> '' \
             GROUP BY title, publisher ORDER BY title, publisher"
        );
        let rows = sqlx::query(&sql)
            .bind(operator)
            .bind(day)
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, counters_at(row, 2)?)))
            .collect()
    }

    /// Scans of an operator's trips per UTC hour, for the hours starting in
    /// `[from, to)` (Unix seconds), as `(hour start, scans)`.
    pub async fn scans_per_hour(
        &self,
        operator: &str,
        from: i64,
        to: i64,
    ) -> Result<BTreeMap<i64, u64>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT hour, CAST(SUM(scans) AS BIGINT) FROM scan_hours \
             WHERE operator = $1 AND hour >= $2 AND hour < $3 GROUP BY hour",
        )
        .bind(operator)
        .bind(from)
        .bind(to)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let scans: i64 = row.try_get(1)?;
                Ok((row.try_get(0)?, scans.max(0) as u64))
            })
            .collect()
    }

    /// Sessions opened on a trip-level row set (tests and the sample check).
    pub async fn sessions(&self, day: &str, trip: u32) -> Result<u64, sqlx::Error> {
        let sessions: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(sessions) AS BIGINT) FROM usage_counts WHERE day = $1 AND trip = $2",
        )
        .bind(day)
        .bind(i64::from(trip))
        .fetch_one(self.db.pool())
        .await?;
        Ok(sessions.unwrap_or(0).max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::db::testing::on_both_databases;

    fn key(day: &str, trip: u32, line: &str, title: &str) -> UsageKey {
        UsageKey {
            day: day.into(),
            trip,
            line: line.into(),
            title: title.into(),
            publisher: if title.is_empty() { "" } else { "pub-a" }.into(),
            operator: "op-a".into(),
        }
    }

    /// Two instances flushing the same rows add up exactly; a second flush
    /// adds only what happened since the first.
    async fn flushed_counters_add_up_across_instances(db: Database, dir: &Path) {
        let a = Usage::new(&db);
        let b = Usage::new(&crate::db::testing::second_process(&db, dir).await);
        a.record(key("2026-11-28", 1, "TER 17", "t1"), Event::TitleOpened);
        a.record(key("2026-11-28", 1, "TER 17", "t1"), Event::ReadingTime(90));
        b.record(key("2026-11-28", 1, "TER 17", "t1"), Event::TitleOpened);
        b.record(key("2026-11-29", 2, "TER 17", "t1"), Event::OfferClick);
        a.flush().await.unwrap();
        b.flush().await.unwrap();
        a.record(key("2026-11-28", 1, "TER 17", "t1"), Event::ChapterRead);
        a.flush().await.unwrap();
        a.flush().await.unwrap();
        let by_day = a
            .report("pub-a", "2026-11-28", "2026-11-28", &[Group::Title])
            .await
            .unwrap();
        assert_eq!(by_day.len(), 1);
        let c = by_day[0].1;
        assert_eq!(
            (c.opened, c.reading_seconds, c.chapters_read, c.offer_clicks),
            (2, 90, 1, 0)
        );
        let all = a
            .report("pub-a", "2026-01-01", "2026-12-31", &[Group::Day])
            .await
            .unwrap();
        assert_eq!(all[1].0, ["2026-11-29"]);
        assert_eq!(all[1].1.offer_clicks, 1);
    }

    /// Many writers at once lose nothing: four instances, each with its own
    /// pool on the same database as separate processes have, flushing in a race.
    async fn concurrent_flushes_lose_nothing(db: Database, dir: &Path) {
        let mut instances = vec![std::sync::Arc::new(Usage::new(&db))];
        for _ in 1..4 {
            let own = crate::db::testing::second_process(&db, dir).await;
            instances.push(std::sync::Arc::new(Usage::new(&own)));
        }
        let mut tasks = Vec::new();
        for usage in &instances {
            let usage = usage.clone();
            tasks.push(tokio::spawn(async move {
                for round in 0..5 {
                    for trip in 0..20 {
                        usage.record(key("2026-11-28", trip, "TER 17", "t1"), Event::ChapterRead);
                        usage.record(
                            key("2026-11-28", trip, "TER 17", &format!("t{}", round % 2)),
                            Event::TitleOpened,
                        );
                    }
                    usage.flush().await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let total: u64 = instances[0]
            .report("pub-a", "2026-11-28", "2026-11-28", &[Group::Title])
            .await
            .unwrap()
            .iter()
            .map(|(_, c)| c.chapters_read + c.opened)
            .sum();
        assert_eq!(total, 4 * 5 * 20 * 2);
    }

    /// Reports group in SQL by title, day, month and line, filtered to the publisher.
    async fn reports_group_by_month_and_line(db: Database, _: &Path) {
        let usage = Usage::new(&db);
        for (day, line) in [
            ("2026-10-31", "TER 17"),
            ("2026-11-01", "TER 17"),
            ("2026-11-02", "TER 52"),
        ] {
            usage.record(key(day, 1, line, "t1"), Event::TitleOpened);
        }
        let mut other = key("2026-11-01", 1, "TER 17", "t9");
        other.publisher = "pub-b".into();
        usage.record(other, Event::TitleOpened);
        usage.flush().await.unwrap();
        let by_month = usage
            .report(
                "pub-a",
                "2026-01-01",
                "2026-12-31",
                &[Group::Month, Group::Line],
            )
            .await
            .unwrap();
        let groups: Vec<Vec<String>> = by_month.iter().map(|(g, _)| g.clone()).collect();
        assert_eq!(
            groups,
            [
                vec!["2026-10".to_owned(), "TER 17".to_owned()],
                vec!["2026-11".to_owned(), "TER 17".to_owned()],
                vec!["2026-11".to_owned(), "TER 52".to_owned()],
            ]
        );
        assert!(by_month.iter().all(|(_, c)| c.opened == 1));
        // Whole months come from the monthly sums, other ranges from the
        // daily ones: the same answer.
        let from_days = usage
            .report(
                "pub-a",
                "2026-01-02",
                "2026-12-31",
                &[Group::Month, Group::Line],
            )
            .await
            .unwrap();
        assert_eq!(from_days, by_month);
        let october = usage
            .report("pub-a", "2026-10-01", "2026-10-31", &[Group::Title])
            .await
            .unwrap();
        assert_eq!(october.len(), 1);
        assert_eq!(october[0].1.opened, 1);
        let none = usage
            .report("pub-c", "2026-01-01", "2026-12-31", &[Group::Title])
            .await
            .unwrap();
        assert!(none.is_empty());
    }

    /// Scans count in their UTC hour, for the operator's own trips only.
    async fn scans_count_in_their_utc_hour_for_their_operator(db: Database, _: &Path) {
        let a = Usage::new(&db);
        let b = Usage::new(&db);
        // 2026-11-28 23:10 and 23:50 UTC, and 2026-11-29 00:05 UTC.
        let (h23, h00) = (1_795_906_800, 1_795_910_400);
        let scan = key("2026-11-28", 1, "TER 17", "");
        a.record_at(scan.clone(), Event::SessionOpened, h23 + 600);
        b.record_at(scan.clone(), Event::SessionOpened, h23 + 3000);
        a.record_at(scan.clone(), Event::SessionOpened, h00 + 300);
        let mut elsewhere = scan.clone();
        elsewhere.operator = "op-b".into();
        elsewhere.trip = 2;
        a.record_at(elsewhere, Event::SessionOpened, h00 + 300);
        a.flush().await.unwrap();
        b.flush().await.unwrap();
        let hours = a
            .scans_per_hour("op-a", h23 - HOUR, h00 + HOUR)
            .await
            .unwrap();
        assert_eq!(hours.into_iter().collect::<Vec<_>>(), [(h23, 2), (h00, 1)]);
        let theirs = a
            .scans_per_hour("op-b", h23 - HOUR, h00 + HOUR)
            .await
            .unwrap();
        assert_eq!(theirs.into_iter().collect::<Vec<_>>(), [(h00, 1)]);
        assert_eq!(a.sessions("2026-11-28", 1).await.unwrap(), 3);
    }

    /// A flush that fails keeps its counts for the next one.
    async fn a_failed_flush_keeps_its_counts(db: Database, _: &Path) {
        let usage = Usage::new(&db);
        usage.record(key("2026-11-28", 1, "TER 17", "t1"), Event::TitleOpened);
        sqlx::query("ALTER TABLE usage_by_line RENAME TO usage_by_line_away")
            .execute(db.pool())
            .await
            .unwrap();
        assert!(usage.flush().await.is_err());
        sqlx::query("ALTER TABLE usage_by_line_away RENAME TO usage_by_line")
            .execute(db.pool())
            .await
            .unwrap();
        usage.record(key("2026-11-28", 1, "TER 17", "t1"), Event::TitleOpened);
        usage.flush().await.unwrap();
        let rows = usage
            .report("pub-a", "2026-11-28", "2026-11-28", &[Group::Title])
            .await
            .unwrap();
        assert_eq!(rows[0].1.opened, 2, "nothing lost, nothing counted twice");
    }

    on_both_databases!(
        flushed_counters_add_up_across_instances,
        concurrent_flushes_lose_nothing,
        reports_group_by_month_and_line,
        scans_count_in_their_utc_hour_for_their_operator,
        a_failed_flush_keeps_its_counts
    );
}
