//! Service dates from `calendar.txt` (weekly patterns) and
//! `calendar_dates.txt` (exceptions that add or remove a date), limited to
//! the imported range.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use chrono::{Datelike, NaiveDate};

use super::error::{GtfsError, Skipped, SkippedRow};
use super::table::Table;

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The dates each service runs on inside `[from, to]`.
#[derive(Debug, Default)]
pub struct Services {
    dates: HashMap<String, BTreeSet<NaiveDate>>,
}

impl Services {
    /// Whether `calendar.txt` or `calendar_dates.txt` mentions the service at all.
    pub fn is_defined(&self, service_id: &str) -> bool {
        self.dates.contains_key(service_id)
    }

    /// The service's dates inside the range.
    pub fn dates(&self, service_id: &str) -> impl Iterator<Item = NaiveDate> + '_ {
        self.dates.get(service_id).into_iter().flatten().copied()
    }
}

impl Services {
    /// Adds the weekly patterns of `calendar.txt`.
    pub fn read_calendar(
        &mut self,
        mut table: Table<impl Read>,
        (from, to): (NaiveDate, NaiveDate),
        skipped: &mut Skipped,
    ) -> Result<(), GtfsError> {
        let id = table.require("service_id")?;
        let days = WEEKDAYS.map(|d| table.require(d));
        let days: Vec<_> = days.into_iter().collect::<Result<_, _>>()?;
        let (start, end) = (table.require("start_date")?, table.require("end_date")?);
        while let Some(row) = table.next_row()? {
            let runs: Result<Vec<bool>, _> = days.iter().map(|&d| flag(row.get(d))).collect();
            let period = (date(row.get(start)), date(row.get(end)));
            let (Ok(runs), Some(first), Some(last)) = (runs, period.0, period.1) else {
                skipped.push(skip(
                    "calendar.txt",
                    row.line,
                    "weekday flags must be 0 or 1 and dates YYYYMMDD",
                ));
                continue;
            };
            let set = self.dates.entry(row.get(id).to_owned()).or_default();
            for day in from
                .max(first)
                .iter_days()
                .take_while(|d| *d <= to.min(last))
            {
                if runs[day.weekday().num_days_from_monday() as usize] {
                    set.insert(day);
                }
            }
        }
        Ok(())
    }

    /// Applies the exceptions of `calendar_dates.txt` (after the weekly patterns).
    pub fn read_calendar_dates(
        &mut self,
        mut table: Table<impl Read>,
        (from, to): (NaiveDate, NaiveDate),
        skipped: &mut Skipped,
    ) -> Result<(), GtfsError> {
        let (id, day, kind) = (
            table.require("service_id")?,
            table.require("date")?,
            table.require("exception_type")?,
        );
        while let Some(row) = table.next_row()? {
            let set = self.dates.entry(row.get(id).to_owned()).or_default();
            match (date(row.get(day)), row.get(kind)) {
                (Some(d), "1") if (from..=to).contains(&d) => drop(set.insert(d)),
                (Some(d), "2") => drop(set.remove(&d)),
                (Some(_), "1") => {}
                _ => skipped.push(skip(
                    "calendar_dates.txt",
                    row.line,
                    "date must be YYYYMMDD and exception_type 1 or 2",
                )),
            }
        }
        Ok(())
    }
}

fn flag(value: &str) -> Result<bool, ()> {
    match value {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(()),
    }
}

fn date(value: &str) -> Option<NaiveDate> {
    (value.len() == 8)
        .then(|| NaiveDate::parse_from_str(value, "%Y%m%d").ok())
        .flatten()
}

fn skip(file: &'static str, line: u64, reason: &str) -> SkippedRow {
    let code = if file == "calendar.txt" {
        "calendar-row-invalid"
    } else {
        "calendar-date-invalid"
    };
    SkippedRow {
        file,
        line,
        trip_id: None,
        code,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn table(file: &'static str, text: &'static str) -> Table<&'static [u8]> {
        Table::new(
            file,
            super::super::text::Checked::new(file, text.as_bytes()),
        )
        .unwrap()
    }

    fn read(
        calendar: Option<&'static str>,
        dates: Option<&'static str>,
        range: (NaiveDate, NaiveDate),
        skipped: &mut Skipped,
    ) -> Result<Services, GtfsError> {
        let mut services = Services::default();
        if let Some(text) = calendar {
            services.read_calendar(table("calendar.txt", text), range, skipped)?;
        }
        if let Some(text) = dates {
            services.read_calendar_dates(table("calendar_dates.txt", text), range, skipped)?;
        }
        Ok(services)
    }

    #[test]
    fn exceptions_add_and_remove_dates_of_a_weekly_pattern() {
        let calendar = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n\
                        WK,1,1,1,1,1,0,0,20160101,20161231\nSU,0,0,0,0,0,0,1,20160101,20161231\n";
        // 2016-05-30 is Memorial Day (a Monday): weekday service off, Sunday service on.
        let dates = "service_id,date,exception_type\nWK,20160530,2\nSU,20160530,1\n";
        let mut skipped = Skipped::new(10);
        let s = read(
            Some(calendar),
            Some(dates),
            (d("2016-05-29"), d("2016-05-31")),
            &mut skipped,
        )
        .unwrap();
        assert_eq!(s.dates("WK").collect::<Vec<_>>(), [d("2016-05-31")]);
        assert_eq!(
            s.dates("SU").collect::<Vec<_>>(),
            [d("2016-05-29"), d("2016-05-30")]
        );
        assert_eq!(skipped.total, 0);
    }

    #[test]
    fn a_service_known_only_from_exceptions_outside_the_range_is_defined_but_idle() {
        let mut skipped = Skipped::new(10);
        let s = read(
            None,
            Some("service_id,date,exception_type\nX,20070604,1\n"),
            (d("2020-01-01"), d("2020-01-02")),
            &mut skipped,
        )
        .unwrap();
        assert!(s.is_defined("X"));
        assert_eq!(s.dates("X").count(), 0);
    }
}
