//! The instant scans are admitted at: the system's clock, or that clock
//! moved by a fixed offset when a test or a rehearsal sets another day.
//!
//! A label printed once opens the trip its train set runs *when it is
//! scanned*; following one label through a week of trips needs the week.
//! Only admission reads this clock: sessions, once open, expire on the
//! session store's own clock (Redis's or this process's), which nothing moves.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// The system's clock plus an offset, zero unless [`Clock::set`] was called.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Now, as scans see it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Makes `now` read `at` from this moment on, then run at the system
    /// clock's pace.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = (at - Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reads_the_instant_set_then_runs_on() {
        let clock = Clock::default();
        let drift = (clock.now() - Utc::now()).num_seconds().abs();
        assert!(drift < 5, "the system's clock until set");
        let monday = DateTime::parse_from_rfc3339("2027-03-01T08:30:00+01:00")
            .unwrap()
            .with_timezone(&Utc);
        clock.set(monday);
        let read = clock.now();
        assert!(
            (read - monday).abs() < Duration::seconds(5),
            "{read} for {monday}"
        );
    }
}
