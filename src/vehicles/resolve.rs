//! Which trip a vehicle runs at an instant: the rule a vehicle code's scan
//! follows. Plain functions over the vehicle's trips; no I/O.
//!
//! A trip is a candidate while its window is open (departure − margin to
//! live arrival + margin). Between two trips whose windows overlap (a set
//! turning round), the one under way wins, then the next to leave, then the
//! one just arrived: a passenger boarding for the return trip gets the
//! return trip, and one who stays aboard rescans once the first has arrived.

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::trips::Trip;

/// What a vehicle is doing at an instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Running<'a> {
    /// It runs (or is about to run, or has just run) this trip.
    Trip(&'a Trip),
    /// Its trip now was cancelled (and no other runs).
    Cancelled(&'a Trip),
    /// No trip now; the next departure, when one is planned.
    NotInService {
        /// The next trip it runs, if any.
        next: Option<&'a Trip>,
    },
}

/// The trip among `trips` that the vehicle runs at `now`.
pub fn running_at<'a>(trips: &[&'a Trip], now: DateTime<Utc>, config: &Config) -> Running<'a> {
    let open = |t: &&&'a Trip| t.window(config).contains(now);
    let live: Vec<&'a Trip> = trips
        .iter()
        .filter(open)
        .filter(|t| !t.is_cancelled())
        .copied()
        .collect();
    let under_way = live
        .iter()
        .filter(|t| t.departs_at <= now && now < t.arrives_at)
        .min_by_key(|t| t.departs_at);
    let next_to_leave = live
        .iter()
        .filter(|t| now < t.departs_at)
        .min_by_key(|t| t.departs_at);
    let just_arrived = live.iter().max_by_key(|t| t.arrives_at);
    if let Some(trip) = under_way.or(next_to_leave).or(just_arrived) {
        return Running::Trip(trip);
    }
    if let Some(cancelled) = trips.iter().filter(open).find(|t| t.is_cancelled()) {
        return Running::Cancelled(cancelled);
    }
    let next = trips
        .iter()
        .filter(|t| !t.is_cancelled() && t.departs_at > now)
        .min_by_key(|t| t.departs_at)
        .copied();
    Running::NotInService { next }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trips::{Seats, TripId, TripState};
    use chrono::{Duration, TimeZone};

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap()
    }

    fn trip(id: u32, departs: DateTime<Utc>, minutes: i64) -> Trip {
        Trip {
            id: TripId::new(id),
            service_date: departs.date_naive(),
            line: "TER".into(),
            train_number: id.to_string(),
            origin: "Clermont-Ferrand".into(),
            destination: "Lyon Part-Dieu".into(),
            departs_at: departs,
            arrives_at: departs + Duration::minutes(minutes),
            scheduled_arrives_at: departs + Duration::minutes(minutes),
            seats: Seats::new(80).unwrap(),
            cars: None,
            collections: None,
            state: TripState::Scheduled,
            timezone: chrono_tz::Europe::Paris,
            source: None,
            operator: Some("op".into()),
            block_id: None,
        }
    }

    fn config() -> Config {
        Config::for_tests(std::path::Path::new("/nonexistent"))
    }

    #[test]
    fn the_trip_under_way_is_run() {
        let (a, b) = (trip(1, at(8, 12), 60), trip(2, at(17, 40), 60));
        let trips = [&a, &b];
        assert_eq!(running_at(&trips, at(8, 30), &config()), Running::Trip(&a));
        assert_eq!(running_at(&trips, at(17, 20), &config()), Running::Trip(&b));
    }

    #[test]
    fn between_trips_the_next_departure_is_named() {
        let (a, b) = (trip(1, at(8, 12), 60), trip(2, at(17, 40), 60));
        let trips = [&a, &b];
        assert_eq!(
            running_at(&trips, at(12, 0), &config()),
            Running::NotInService { next: Some(&b) }
        );
        assert_eq!(
            running_at(&trips, at(20, 0), &config()),
            Running::NotInService { next: None }
        );
    }

    #[test]
    fn at_a_turn_round_the_return_trip_wins_once_the_first_has_arrived() {
        // 08:12–09:12, then back at 09:25: both windows are open at 09:15.
        let (a, b) = (trip(1, at(8, 12), 60), trip(2, at(9, 25), 60));
        let trips = [&a, &b];
        assert_eq!(running_at(&trips, at(9, 0), &config()), Running::Trip(&a));
        assert_eq!(running_at(&trips, at(9, 15), &config()), Running::Trip(&b));
    }

    #[test]
    fn a_cancelled_trip_now_is_reported_unless_another_runs() {
        let mut a = trip(1, at(8, 12), 60);
        a.state = TripState::Cancelled;
        let trips = [&a];
        assert_eq!(
            running_at(&trips, at(8, 30), &config()),
            Running::Cancelled(&a)
        );
        let replacement = trip(3, at(8, 20), 60);
        let trips = [&a, &replacement];
        assert_eq!(
            running_at(&trips, at(8, 30), &config()),
            Running::Trip(&replacement)
        );
    }

    #[test]
    fn a_late_trip_is_run_until_its_live_arrival() {
        let mut a = trip(1, at(8, 12), 60);
        a.arrives_at = at(10, 0);
        let trips = [&a];
        assert_eq!(running_at(&trips, at(10, 5), &config()), Running::Trip(&a));
    }
}
