use std::collections::BTreeMap;
use std::path::Path;

use chrono::{TimeZone, Utc};

use crate::db::Database;
use crate::db::testing::on_both_databases;
use crate::reports::dashboard::{self, Status};
use crate::reports::table::{Count, Dimension, Grouping, ReportRow, publisher_report};
use crate::usage::{Event, Usage, UsageKey};

fn key(day: &str, line: &str, title: &str, publisher: &str) -> UsageKey {
    UsageKey {
        day: day.into(),
        trip: 1,
        line: line.into(),
        title: title.into(),
        publisher: publisher.into(),
        operator: "op-a".into(),
    }
}

#[test]
fn counts_from_one_to_four_are_suppressed_but_zero_and_five_are_shown() {
    assert_eq!(Count::of(0), Count::Shown(0));
    for n in 1..5 {
        assert_eq!(Count::of(n), Count::Suppressed);
    }
    assert_eq!(Count::of(5), Count::Shown(5));
    assert_eq!(serde_json::to_value(Count::of(3)).unwrap(), "< 5");
    assert_eq!(serde_json::to_value(Count::of(12)).unwrap(), 12);
}

#[test]
fn groupings_parse_and_refuse_unknown_or_repeated_dimensions() {
    let g = Grouping::parse("title, day").unwrap();
    assert_eq!(g.dimensions(), [Dimension::Title, Dimension::Day]);
    assert!(Grouping::parse("title,title").is_err());
    assert!(Grouping::parse("passenger").is_err());
    assert!(Grouping::parse("").is_err());
}

/// Counts `opened` title openings, `chapters` chapters and `seconds` of reading on `key`.
fn record(usage: &Usage, key: UsageKey, opened: u64, chapters: u64, seconds: u64) {
    for _ in 0..opened {
        usage.record(key.clone(), Event::TitleOpened);
    }
    for _ in 0..chapters {
        usage.record(key.clone(), Event::ChapterRead);
    }
    if seconds > 0 {
        usage.record(key, Event::ReadingTime(seconds));
    }
}

async fn report(usage: &Usage, publisher: &str, group: &str) -> (Vec<ReportRow>, ReportRow) {
    let grouping = Grouping::parse(group).unwrap();
    let groups = usage
        .report(publisher, "2026-01-01", "2026-12-31", &grouping.groups())
        .await
        .unwrap();
    publisher_report(&groups, &grouping)
}

async fn a_report_sums_only_the_publishers_own_titles_and_suppresses_after_summing(
    db: Database,
    _: &Path,
) {
    let usage = Usage::new(&db);
    record(
        &usage,
        key("2026-11-27", "TER 17", "t1", "pub-a"),
        3,
        4,
        100,
    );
    record(
        &usage,
        key("2026-11-28", "TER 17", "t1", "pub-a"),
        3,
        9,
        200,
    );
    record(&usage, key("2026-11-28", "TER 52", "t2", "pub-a"), 7, 1, 0);
    record(
        &usage,
        key("2026-11-28", "TER 17", "t9", "pub-b"),
        50,
        50,
        5000,
    );
    usage.record(key("2026-11-28", "TER 17", "", ""), Event::SessionOpened);
    usage.flush().await.unwrap();

    let (by_title, total) = report(&usage, "pub-a", "title").await;
    assert_eq!(
        by_title.len(),
        2,
        "pub-b's title and trip-level rows are left out"
    );
    assert_eq!(by_title[0].group[&Dimension::Title], "t1");
    assert_eq!(
        by_title[0].sessions,
        Count::Shown(6),
        "3 + 3, summed before suppression"
    );
    assert_eq!(by_title[0].chapters_read, Count::Shown(13));
    assert_eq!(by_title[0].reading_minutes, Count::Shown(5));
    assert_eq!(by_title[1].chapters_read, Count::Suppressed);
    assert_eq!(total.sessions, Count::Shown(13));

    let (by_day, _) = report(&usage, "pub-a", "day").await;
    assert_eq!(by_day[0].sessions, Count::Suppressed, "3 on the 27th");
    assert_eq!(by_day[1].sessions, Count::Shown(10));

    let (by_month, _) = report(&usage, "pub-a", "month").await;
    assert_eq!(by_month.len(), 1);
    assert_eq!(by_month[0].group[&Dimension::Month], "2026-11");
    assert_eq!(by_month[0].sessions, Count::Shown(13));

    let (none, total) = report(&usage, "pub-c", "line").await;
    assert!(none.is_empty());
    assert_eq!(total.sessions, Count::Shown(0));
}

async fn the_csv_has_a_header_crlf_lines_and_quotes_when_needed(db: Database, _: &Path) {
    let usage = Usage::new(&db);
    record(
        &usage,
        key("2026-11-28", "Paris, \"Lyon\"", "t1", "p"),
        9,
        2,
        600,
    );
    usage.flush().await.unwrap();
    let grouping = Grouping::parse("line,day").unwrap();
    let (rows, _) = report(&usage, "p", "line,day").await;
    let bytes = crate::reports::csv::render(&grouping, &rows).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text,
        "line,day,sessions,chapters_read,reading_minutes,excerpts_finished,offer_clicks\r\n\
         \"Paris, \"\"Lyon\"\"\",2026-11-28,9,< 5,10,0,0\r\n"
    );
}

async fn top_titles_rank_by_sessions_over_every_line_and_publisher(db: Database, _: &Path) {
    let usage = Usage::new(&db);
    record(&usage, key("2026-11-28", "A", "t1", "p"), 2, 0, 0);
    record(&usage, key("2026-11-28", "B", "t1", "p"), 4, 0, 0);
    record(&usage, key("2026-11-28", "A", "t2", "q"), 5, 0, 0);
    record(&usage, key("2026-11-28", "A", "t3", "q"), 1, 0, 0);
    let mut elsewhere = key("2026-11-28", "A", "t3", "q");
    elsewhere.operator = "op-b".into();
    elsewhere.trip = 2;
    record(&usage, elsewhere, 50, 0, 0);
    usage.flush().await.unwrap();
    let read = usage.titles_read("op-a", "2026-11-28").await.unwrap();
    let top = dashboard::top_titles(read, 2);
    let ids: Vec<_> = top.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        ids,
        ["t1", "t2"],
        "another operator's trips count for it only"
    );
    assert_eq!(top[0].sessions, Count::Shown(6));
}

on_both_databases!(
    a_report_sums_only_the_publishers_own_titles_and_suppresses_after_summing,
    the_csv_has_a_header_crlf_lines_and_quotes_when_needed,
    top_titles_rank_by_sessions_over_every_line_and_publisher
);

#[test]
fn hour_bars_cover_the_last_24_hours_with_zeros() {
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 9, 41, 0).unwrap();
    let first = dashboard::first_hour(now);
    assert_eq!(
        first,
        Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0)
            .unwrap()
            .timestamp()
    );
    let counts = BTreeMap::from([(first + 23 * 3600, 7)]);
    let bars = dashboard::hour_bars(&counts, first);
    assert_eq!(bars.len(), 24);
    assert_eq!(bars[23].scans, 7);
    assert_eq!(bars[23].hour, "2026-11-28T09:00:00+00:00");
    assert!(bars[..23].iter().all(|b| b.scans == 0));
}

#[test]
fn a_trip_is_upcoming_running_ended_or_cancelled() {
    use crate::trips::{Seats, Trip, TripId, TripState, Window};
    let departs = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
    let mut trip = Trip {
        id: TripId::new(1),
        service_date: departs.date_naive(),
        line: "TER".into(),
        train_number: "1".into(),
        origin: "A".into(),
        destination: "B".into(),
        departs_at: departs,
        arrives_at: departs + chrono::Duration::hours(1),
        scheduled_arrives_at: departs + chrono::Duration::hours(1),
        seats: Seats::new(10).unwrap(),
        cars: None,
        collections: None,
        state: TripState::Scheduled,
        timezone: chrono_tz::Europe::Paris,
        source: None,
        operator: None,
        block_id: None,
    };
    let window = Window {
        opens_at: departs - chrono::Duration::minutes(30),
        closes_at: departs + chrono::Duration::minutes(75),
    };
    let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 28, h, m, 0).unwrap();
    assert_eq!(
        dashboard::status(&trip, &window, at(9, 0)),
        Status::Upcoming
    );
    assert_eq!(
        dashboard::status(&trip, &window, at(9, 30)),
        Status::Running
    );
    assert_eq!(dashboard::status(&trip, &window, at(11, 15)), Status::Ended);
    trip.state = TripState::Cancelled;
    assert_eq!(
        dashboard::status(&trip, &window, at(9, 45)),
        Status::Cancelled
    );

    let late = trip.clone();
    let mut running = trip.clone();
    running.state = TripState::Scheduled;
    let shown = dashboard::trips_of(vec![], vec![late, running], |_| window, at(10, 0));
    assert_eq!(
        shown.len(),
        1,
        "only yesterday's trips still running are shown"
    );
}
