//! Usage counters: what passengers read, aggregated by day, trip, line and
//! title, with no personal data (no session id, address or device).
//!
//! Events are added to in-memory counters and flushed to the data directory
//! every `FLUSH_EVERY` (and at shutdown), so a crash loses at most that much.
//! Each process writes its own file per day (`usage/{day}/{instance}.json`,
//! cumulative for that process), so several instances sharing a data
//! directory never overwrite each other; reports add the files up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::data_dir::write_atomic;

/// How often counters reach the disk.
pub const FLUSH_EVERY: Duration = Duration::from_secs(30);

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

/// The counters of this process, and where they go.
pub struct Usage {
    dir: PathBuf,
    instance: String,
    // Cumulative counts of this process, by day; a std mutex: each event is a map update.
    counts: Mutex<BTreeMap<String, BTreeMap<UsageKey, Counters>>>,
    // Scans by UTC hour (unix seconds of the hour's start) and trip, for the
    // dashboard (by trip, so each operator sees the scans of its own trips).
    scan_hours: Mutex<BTreeMap<(i64, u32), u64>>,
    dirty: Mutex<bool>,
}

#[derive(Default, Serialize, Deserialize)]
struct DayFile {
    rows: Vec<(UsageKey, Counters)>,
    /// Scans as `(UTC hour start in unix seconds, trip, scans)`, for the hours
    /// falling on this file's UTC date. (Files written before scans were
    /// counted by trip hold a `scan_hours` list instead: ignored, since those
    /// scans belong to no known operator.)
    #[serde(default)]
    trip_scan_hours: Vec<(i64, u32, u64)>,
}

const HOUR: i64 = 3600;

fn utc_day(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .date_naive()
        .to_string()
}

impl Usage {
    /// Counters stored under `{data_dir}/usage`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("usage"),
            instance: format!("{:016x}", rand::random::<u64>()),
            counts: Mutex::default(),
            scan_hours: Mutex::default(),
            dirty: Mutex::new(false),
        }
    }

    /// Counts one event.
    pub fn record(&self, key: UsageKey, event: Event) {
        self.record_at(key, event, chrono::Utc::now().timestamp());
    }

    /// Counts one event that happened at `unix` seconds (scans also count in their hour).
    pub fn record_at(&self, key: UsageKey, event: Event, unix: i64) {
        if event == Event::SessionOpened {
            let hour = unix - unix.rem_euclid(HOUR);
            *self
                .scan_hours
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry((hour, key.trip))
                .or_default() += 1;
        }
        let delta = event.counters();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts
            .entry(key.day.clone())
            .or_default()
            .entry(key)
            .or_default()
            .add(&delta);
        *self.dirty.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }

    /// Writes this process's counters to disk (atomically, one file per day).
    pub fn flush(&self) -> std::io::Result<()> {
        {
            let mut dirty = self.dirty.lock().unwrap_or_else(|e| e.into_inner());
            if !*dirty {
                return Ok(());
            }
            *dirty = false;
        }
        let mut files: BTreeMap<String, DayFile> = BTreeMap::new();
        for (day, rows) in self.counts.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            files.entry(day.clone()).or_default().rows =
                rows.iter().map(|(k, c)| (k.clone(), *c)).collect();
        }
        for (&(hour, trip), &scans) in self
            .scan_hours
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let file = files.entry(utc_day(hour)).or_default();
            file.trip_scan_hours.push((hour, trip, scans));
        }
        for (day, file) in files {
            let path = self.dir.join(&day).join(format!("{}.json", self.instance));
            write_atomic(
                &path,
                &serde_json::to_vec(&file).map_err(std::io::Error::other)?,
            )?;
        }
        Ok(())
    }

    /// Every row of the days in `[from, to]` (inclusive, `YYYY-MM-DD`), summed over
    /// every instance's files on disk. Call `flush` first to include this process's latest counts.
    pub fn rows(&self, from: &str, to: &str) -> std::io::Result<BTreeMap<UsageKey, Counters>> {
        let mut total: BTreeMap<UsageKey, Counters> = BTreeMap::new();
        self.each_file(from, to, |file| {
            for (key, counters) in file.rows {
                total.entry(key).or_default().add(&counters);
            }
        })?;
        Ok(total)
    }

    /// Scans of the trips `counted` accepts per UTC hour, for the hours
    /// starting in `[from, to)` (unix seconds), summed over every instance's
    /// files, as `(hour start, scans)`. Call `flush` first.
    pub fn scans_per_hour(
        &self,
        from: i64,
        to: i64,
        counted: impl Fn(u32) -> bool,
    ) -> std::io::Result<BTreeMap<i64, u64>> {
        let mut total: BTreeMap<i64, u64> = BTreeMap::new();
        let (first, last) = (utc_day(from), utc_day(to));
        self.each_file(&first, &last, |file| {
            for (hour, trip, scans) in file.trip_scan_hours {
                if (from..to).contains(&hour) && counted(trip) {
                    *total.entry(hour).or_default() += scans;
                }
            }
        })?;
        Ok(total)
    }

    /// Calls `each` with every readable instance file of the days in `[from, to]`.
    fn each_file(
        &self,
        from: &str,
        to: &str,
        mut each: impl FnMut(DayFile),
    ) -> std::io::Result<()> {
        let days = match std::fs::read_dir(&self.dir) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for day in days {
            let day = day?;
            let name = day.file_name().to_string_lossy().into_owned();
            if name.as_str() < from || name.as_str() > to {
                continue;
            }
            for file in std::fs::read_dir(day.path())? {
                let path = file?.path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                match serde_json::from_slice::<DayFile>(&std::fs::read(&path)?) {
                    Ok(parsed) => each(parsed),
                    Err(_) => {
                        tracing::warn!(path = %path.display(), "skipping an unreadable usage file")
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(day: &str, title: &str) -> UsageKey {
        UsageKey {
            day: day.into(),
            trip: 1,
            line: "TER 17".into(),
            title: title.into(),
            publisher: "pub-a".into(),
        }
    }

    #[test]
    fn flushed_counters_add_up_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let a = Usage::new(dir.path());
        let b = Usage::new(dir.path());
        a.record(key("2026-11-28", "t1"), Event::TitleOpened);
        a.record(key("2026-11-28", "t1"), Event::ReadingTime(90));
        b.record(key("2026-11-28", "t1"), Event::TitleOpened);
        b.record(key("2026-11-29", "t1"), Event::OfferClick);
        a.flush().unwrap();
        b.flush().unwrap();
        // A second flush rewrites the same cumulative file: no double counting.
        a.record(key("2026-11-28", "t1"), Event::ChapterRead);
        a.flush().unwrap();
        let rows = a.rows("2026-11-28", "2026-11-28").unwrap();
        let c = rows[&key("2026-11-28", "t1")];
        assert_eq!(
            (c.opened, c.reading_seconds, c.chapters_read, c.offer_clicks),
            (2, 90, 1, 0)
        );
        let all = a.rows("2026-01-01", "2026-12-31").unwrap();
        assert_eq!(all[&key("2026-11-29", "t1")].offer_clicks, 1);
    }

    #[test]
    fn scans_count_in_their_utc_hour_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let a = Usage::new(dir.path());
        let b = Usage::new(dir.path());
        // 2026-11-28 23:10 and 23:50 UTC, and 2026-11-29 00:05 UTC.
        let (h23, h00) = (1_795_906_800, 1_795_910_400);
        a.record_at(key("2026-11-28", ""), Event::SessionOpened, h23 + 600);
        b.record_at(key("2026-11-28", ""), Event::SessionOpened, h23 + 3000);
        a.record_at(key("2026-11-28", ""), Event::SessionOpened, h00 + 300);
        a.record_at(key("2026-11-28", "t1"), Event::TitleOpened, h00 + 400);
        a.flush().unwrap();
        b.flush().unwrap();
        let hours = a.scans_per_hour(h23 - HOUR, h00 + HOUR, |_| true).unwrap();
        assert_eq!(hours.into_iter().collect::<Vec<_>>(), [(h23, 2), (h00, 1)]);
        assert_eq!(
            a.scans_per_hour(h00, h00 + HOUR, |_| true).unwrap()[&h00],
            1
        );
        let other_trips = a.scans_per_hour(h23 - HOUR, h00 + HOUR, |trip| trip != 1);
        assert!(other_trips.unwrap().is_empty());
        assert_eq!(
            a.rows("2026-11-28", "2026-11-28").unwrap()[&key("2026-11-28", "")].sessions,
            3
        );
    }

    #[test]
    fn nothing_is_written_when_nothing_happened() {
        let dir = tempfile::tempdir().unwrap();
        Usage::new(dir.path()).flush().unwrap();
        assert!(!dir.path().join("usage").exists());
    }
}
