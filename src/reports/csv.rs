//! The report as CSV: RFC 4180 (CRLF line ends, quoted when needed), UTF-8, a header row.
//!
//! Cells are text a publisher opens in a spreadsheet, and lines and titles
//! come from operators and EPUBs: a cell that a spreadsheet would read as a
//! formula is neutralized (OWASP "CSV injection"). The JSON report is unchanged.

use crate::reports::table::{Dimension, Grouping, ReportRow};

/// Column names of the counts, in order.
const COUNT_COLUMNS: [&str; 5] = [
    "sessions",
    "chapters_read",
    "reading_minutes",
    "excerpts_finished",
    "offer_clicks",
];

/// Writes the rows (without totals) as CSV bytes.
pub fn render(grouping: &Grouping, rows: &[ReportRow]) -> anyhow::Result<Vec<u8>> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header: Vec<&str> = grouping.dimensions().iter().map(|d| name(*d)).collect();
    header.extend(COUNT_COLUMNS);
    out.write_record(&header)?;
    for row in rows {
        let mut record: Vec<String> = grouping
            .dimensions()
            .iter()
            .map(|d| neutralized(row.group.get(d).map_or("", String::as_str)))
            .collect();
        record.extend(
            [
                row.sessions,
                row.chapters_read,
                row.reading_minutes,
                row.excerpts_finished,
                row.offer_clicks,
            ]
            .map(|c| c.text()),
        );
        out.write_record(&record)?;
    }
    Ok(out.into_inner().map_err(|e| e.into_error())?)
}

/// A cell a spreadsheet will not run: one that starts like a formula (`=`,
/// `+`, `-`, `@`, tab or carriage return) gets a leading `'`, which
/// spreadsheets show as text and do not evaluate.
fn neutralized(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

fn name(d: Dimension) -> &'static str {
    match d {
        Dimension::Title => "title",
        Dimension::Day => "day",
        Dimension::Month => "month",
        Dimension::Line => "line",
    }
}
