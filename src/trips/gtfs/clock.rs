//! GTFS times: `H:MM:SS` counted from "noon minus 12 hours" of the service
//! date in the agency's time zone, so `25:10:00` is 01:10 the next morning
//! and times stay right on the days clocks change.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Seconds since the start of the service day, as GTFS counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServiceTime(pub u32);

/// Trips rarely run past 48:00:00; a larger hour is a typo, not a trip.
const MAX_HOURS: u32 = 72;

impl ServiceTime {
    /// Parses `H:MM:SS` or `HH:MM:SS`, hours past 24 included.
    pub fn parse(text: &str) -> Result<Self, String> {
        let number = |part: Option<&str>, digits: std::ops::RangeInclusive<usize>, max: u32| {
            let part = part
                .filter(|p| digits.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))?;
            part.parse::<u32>().ok().filter(|&v| v <= max)
        };
        let mut parts = text.split(':');
        let h = number(parts.next(), 1..=2, MAX_HOURS);
        let m = number(parts.next(), 2..=2, 59);
        let s = number(parts.next(), 2..=2, 59);
        match (h, m, s, parts.next()) {
            (Some(h), Some(m), Some(s), None) => Ok(Self(h * 3600 + m * 60 + s)),
            _ => Err(format!("{text:?} is not a time like 08:05:00 or 25:10:00")),
        }
    }

    /// The instant this time denotes on `date` in `tz`.
    pub fn on(self, date: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
        let noon = tz
            .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(12, 0, 0)?))
            .earliest()?;
        Some(noon.with_timezone(&Utc) - Duration::hours(12) + Duration::seconds(i64::from(self.0)))
    }

    /// `HH:MM:SS`, hours past 24 kept.
    pub fn label(self) -> String {
        format!(
            "{:02}:{:02}:{:02}",
            self.0 / 3600,
            self.0 / 60 % 60,
            self.0 % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn times_past_midnight_fall_on_the_next_morning() {
        let date = NaiveDate::from_ymd_opt(2016, 5, 30).unwrap();
        let t = ServiceTime::parse("25:10:00")
            .unwrap()
            .on(date, chrono_tz::America::Los_Angeles)
            .unwrap();
        assert_eq!(t, utc("2016-05-31T08:10:00Z"));
    }

    #[test]
    fn times_count_from_noon_minus_twelve_hours_on_clock_change_days() {
        // 2024-03-31: Paris springs forward at 02:00. Noon is 10:00 UTC, so the
        // service day starts at 22:00 UTC the day before, and 08:00 is 06:00 UTC.
        let date = NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let t = ServiceTime::parse("08:00:00")
            .unwrap()
            .on(date, chrono_tz::Europe::Paris)
            .unwrap();
        assert_eq!(t, utc("2024-03-31T06:00:00Z"));
    }

    #[test]
    fn single_digit_hours_are_accepted_and_nonsense_refused() {
        assert_eq!(
            ServiceTime::parse("6:05:00"),
            Ok(ServiceTime(6 * 3600 + 300))
        );
        for bad in [
            "",
            "6:5:00",
            "06:60:00",
            "24:00",
            "aa:00:00",
            "06:00:00:00",
            "99:00:00",
            "-1:00:00",
        ] {
            assert!(ServiceTime::parse(bad).is_err(), "{bad}");
        }
    }
}
