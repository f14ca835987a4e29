//! A publisher's report: its usage grouped by the dimensions asked for (in
//! SQL, `crate::usage::Usage::report`), with small counts suppressed on the
//! aggregated result.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::usage::{Counters, Group};

/// Counts below this are shown as `"< 5"`.
pub const SUPPRESS_BELOW: u64 = 5;

/// A count as reports show it: the number, or `"< 5"` for 1 to 4.
///
/// JSON: a number, or the string `"< 5"`; CSV: the same text. Zero is shown,
/// since it singles no one out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Zero or at least `SUPPRESS_BELOW`.
    Shown(u64),
    /// Between 1 and `SUPPRESS_BELOW - 1`.
    Suppressed,
}

impl Count {
    /// Suppresses 1 to 4.
    pub fn of(value: u64) -> Self {
        if value == 0 || value >= SUPPRESS_BELOW {
            Count::Shown(value)
        } else {
            Count::Suppressed
        }
    }

    /// As text, for CSV.
    pub fn text(self) -> String {
        match self {
            Count::Shown(n) => n.to_string(),
            Count::Suppressed => format!("< {SUPPRESS_BELOW}"),
        }
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Count::Shown(n) => s.serialize_u64(*n),
            Count::Suppressed => s.serialize_str(&self.text()),
        }
    }
}

/// What rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// One row per title.
    Title,
    /// One row per service date.
    Day,
    /// One row per month of service dates (`YYYY-MM`).
    Month,
    /// One row per line.
    Line,
}

/// The dimensions of a report, parsed from `group=title,day` (in that order, no repeats).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouping(Vec<Dimension>);

impl Grouping {
    /// Parses `title`, `day`, `month`, `line` or a comma-separated combination.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut dims = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let dim = match part {
                "title" => Dimension::Title,
                "day" => Dimension::Day,
                "month" => Dimension::Month,
                "line" => Dimension::Line,
                other => {
                    return Err(format!(
                        "`{other}` is not a grouping; use title, day, month, line or a comma-separated combination"
                    ));
                }
            };
            if dims.contains(&dim) {
                return Err(format!("`{part}` is repeated in the grouping"));
            }
            dims.push(dim);
        }
        if dims.is_empty() {
            return Err("the grouping is empty; use title, day, month or line".into());
        }
        Ok(Self(dims))
    }

    /// The dimensions, in the order asked.
    pub fn dimensions(&self) -> &[Dimension] {
        &self.0
    }

    /// The SQL groups of the dimensions, in order.
    pub fn groups(&self) -> Vec<Group> {
        self.0
            .iter()
            .map(|d| match d {
                Dimension::Title => Group::Title,
                Dimension::Day => Group::Day,
                Dimension::Month => Group::Month,
                Dimension::Line => Group::Line,
            })
            .collect()
    }
}

/// One row of a report: the values of its dimensions and its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    /// Title id, service date, month and/or line, as grouped.
    #[serde(flatten)]
    pub group: BTreeMap<Dimension, String>,
    /// Sessions that opened the title.
    pub sessions: Count,
    /// Chapters read.
    pub chapters_read: Count,
    /// Minutes spent reading (rounded to the nearest minute).
    pub reading_minutes: Count,
    /// Excerpts read to their end.
    pub excerpts_finished: Count,
    /// Clicks on the offer link.
    pub offer_clicks: Count,
}

impl ReportRow {
    fn new(group: BTreeMap<Dimension, String>, c: &Counters) -> Self {
        Self {
            group,
            sessions: Count::of(c.opened),
            chapters_read: Count::of(c.chapters_read),
            reading_minutes: Count::of((c.reading_seconds + 30) / 60),
            excerpts_finished: Count::of(c.excerpts_finished),
            offer_clicks: Count::of(c.offer_clicks),
        }
    }
}

/// The report rows of grouped counts (one per group, in the order given),
/// with their totals: counts are summed first and suppressed last, so totals
/// are exact sums of the raw counts.
pub fn publisher_report(
    groups: &[(Vec<String>, Counters)],
    grouping: &Grouping,
) -> (Vec<ReportRow>, ReportRow) {
    let mut total = Counters::default();
    let rows = groups
        .iter()
        .map(|(values, c)| {
            total.add(c);
            let group = grouping
                .dimensions()
                .iter()
                .copied()
                .zip(values.iter().cloned())
                .collect();
            ReportRow::new(group, c)
        })
        .collect();
    (rows, ReportRow::new(BTreeMap::new(), &total))
}
