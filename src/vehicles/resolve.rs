//! Which trip a vehicle runs at an instant: the rule a vehicle code's scan
//! follows. Plain functions over the vehicle's trips; no I/O.
//!
//! A trip is a candidate while its window is open (departure − margin to
//! live arrival + margin). Between two trips whose windows overlap (a set
//! turning round), the one under way wins, then the next to leave, then the
//! one just arrived: a passenger boarding for the return trip gets the
//! return trip, and one who stays aboard rescans once the first has arrived.
//!
//! Within each of those, the trip whose assignment has the stronger source
//! wins: a feed that puts a set on the 17:45 without saying anything of the
//! 17:42 the plan gave it (a partial swap) is believed over the plan, though
//! the plan's assignment stays for the day the feed says nothing.

use chrono::{DateTime, Utc};

use super::assign::Source;
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

/// The trip among `trips` (each with the source of the vehicle's
/// assignment to it) that the vehicle runs at `now`.
pub fn running_at<'a>(
    trips: &[(&'a Trip, Source)],
    now: DateTime<Utc>,
    config: &Config,
) -> Running<'a> {
    let open = |t: &&(&'a Trip, Source)| t.0.window(config).contains(now);
    let live: Vec<(&'a Trip, Source)> = trips
        .iter()
        .filter(open)
        .filter(|(t, _)| !t.is_cancelled())
        .copied()
        .collect();
    // Stronger source first, then the earlier departure.
    let under_way = live
        .iter()
        .filter(|(t, _)| t.departs_at <= now && now < t.arrives_at)
        .min_by_key(|(t, source)| (std::cmp::Reverse(*source), t.departs_at));
    let next_to_leave = live
        .iter()
        .filter(|(t, _)| now < t.departs_at)
        .min_by_key(|(t, source)| (std::cmp::Reverse(*source), t.departs_at));
    let just_arrived = live
        .iter()
        .max_by_key(|(t, source)| (*source, t.arrives_at));
    if let Some((trip, _)) = under_way.or(next_to_leave).or(just_arrived) {
        return Running::Trip(trip);
    }
    if let Some((cancelled, _)) = trips.iter().filter(open).find(|(t, _)| t.is_cancelled()) {
        return Running::Cancelled(cancelled);
    }
    let next = trips
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| !t.is_cancelled() && t.departs_at > now)
        .min_by_key(|t| t.departs_at);
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

    /// Trips the plan assigned.
    fn planned<'a>(trips: &[&'a Trip]) -> Vec<(&'a Trip, Source)> {
        trips.iter().map(|t| (*t, Source::Plan)).collect()
    }

    fn config() -> Config {
        Config::for_tests(std::path::Path::new("/nonexistent"))
    }

    #[test]
    fn the_trip_under_way_is_run() {
        let (a, b) = (trip(1, at(8, 12), 60), trip(2, at(17, 40), 60));
        let trips = planned(&[&a, &b]);
        assert_eq!(running_at(&trips, at(8, 30), &config()), Running::Trip(&a));
        assert_eq!(running_at(&trips, at(17, 20), &config()), Running::Trip(&b));
    }

    #[test]
    fn between_trips_the_next_departure_is_named() {
        let (a, b) = (trip(1, at(8, 12), 60), trip(2, at(17, 40), 60));
        let trips = planned(&[&a, &b]);
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
        let trips = planned(&[&a, &b]);
        assert_eq!(running_at(&trips, at(9, 0), &config()), Running::Trip(&a));
        assert_eq!(running_at(&trips, at(9, 15), &config()), Running::Trip(&b));
    }

    #[test]
    fn a_cancelled_trip_now_is_reported_unless_another_runs() {
        let mut a = trip(1, at(8, 12), 60);
        a.state = TripState::Cancelled;
        let trips = planned(&[&a]);
        assert_eq!(
            running_at(&trips, at(8, 30), &config()),
            Running::Cancelled(&a)
        );
        let replacement = trip(3, at(8, 20), 60);
        let trips = planned(&[&a, &replacement]);
        assert_eq!(
            running_at(&trips, at(8, 30), &config()),
            Running::Trip(&replacement)
        );
    }

    #[test]
    fn a_late_trip_is_run_until_its_live_arrival() {
        let mut a = trip(1, at(8, 12), 60);
        a.arrives_at = at(10, 0);
        let trips = planned(&[&a]);
        assert_eq!(running_at(&trips, at(10, 5), &config()), Running::Trip(&a));
    }

    #[test]
    fn a_feed_putting_the_set_on_another_trip_wins_over_the_plan() {
        // The plan: the 17:42. The feed: the set runs the 17:45 instead,
        // and says nothing of the 17:42.
        let (planned, fed) = (trip(1, at(17, 42), 50), trip(2, at(17, 45), 55));
        let trips = [(&planned, Source::Plan), (&fed, Source::Realtime)];
        for now in [at(17, 35), at(17, 50), at(18, 35)] {
            assert_eq!(running_at(&trips, now, &config()), Running::Trip(&fed));
        }
        // An explicit swap by the operator also beats the plan.
        let trips = [(&planned, Source::Plan), (&fed, Source::Api)];
        assert_eq!(
            running_at(&trips, at(17, 50), &config()),
            Running::Trip(&fed)
        );
        // Without the feed's word the plan stands.
        let trips = [(&planned, Source::Plan)];
        assert_eq!(
            running_at(&trips, at(17, 50), &config()),
            Running::Trip(&planned)
        );
    }

    #[test]
    fn a_fed_trip_that_has_arrived_gives_way_to_the_planned_return() {
        // The feed confirmed the set on the 08:12; the plan has it back at 09:25.
        let (out, back) = (trip(1, at(8, 12), 60), trip(2, at(9, 25), 60));
        let trips = [(&out, Source::Realtime), (&back, Source::Plan)];
        assert_eq!(running_at(&trips, at(9, 0), &config()), Running::Trip(&out));
        assert_eq!(
            running_at(&trips, at(9, 15), &config()),
            Running::Trip(&back)
        );
    }
}
