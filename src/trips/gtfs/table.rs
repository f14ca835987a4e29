//! One GTFS CSV file, read row by row as it inflates: columns by name, rows
//! with their line numbers, one record buffer reused for every row.
//!
//! Headers and values are trimmed (feeds pad them with spaces after commas);
//! rows may be shorter than the header (missing trailing fields are empty).
//! Line numbers come from [`Checked::line_of`]: the `csv` crate's record
//! positions point at the previous row's line end (CRLF) or at skipped blank lines.

use std::collections::HashMap;
use std::io::Read;

use csv::{ReaderBuilder, StringRecord, Trim};

use super::error::GtfsError;
use super::text::Checked;

/// A GTFS file being read.
pub struct Table<R: Read> {
    file: &'static str,
    reader: csv::Reader<Checked<R>>,
    columns: HashMap<String, usize>,
    record: StringRecord,
}

/// One data row, borrowed from its table until the next is read.
pub struct Row<'a> {
    /// The 1-based line where the row starts.
    pub line: u64,
    record: &'a StringRecord,
}

impl Row<'_> {
    /// The trimmed value of a column, empty when the column or value is absent.
    pub fn get(&self, column: Option<usize>) -> &str {
        column.and_then(|c| self.record.get(c)).unwrap_or("")
    }
}

impl<R: Read> Table<R> {
    /// Reads the header of `file` from `checked`.
    pub fn new(file: &'static str, checked: Checked<R>) -> Result<Self, GtfsError> {
        let mut reader = ReaderBuilder::new()
            .flexible(true)
            .trim(Trim::All)
            .from_reader(checked);
        let headers = reader.headers().map_err(|e| csv_error(file, e))?;
        if headers.iter().all(str::is_empty) {
            return Err(GtfsError::invalid(file, 1, "the header line is empty"));
        }
        if let Some(odd) = headers.iter().find(|h| h.chars().any(char::is_control)) {
            return Err(GtfsError::invalid(
                file,
                1,
                format!("column name {odd:?} holds a control character"),
            ));
        }
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.to_owned(), i))
            .collect();
        Ok(Self {
            file,
            reader,
            columns,
            record: StringRecord::new(),
        })
    }

    /// The index of an optional column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.get(name).copied()
    }

    /// The index of a required column, or a refusal naming it.
    pub fn require(&self, name: &str) -> Result<Option<usize>, GtfsError> {
        match self.column(name) {
            Some(i) => Ok(Some(i)),
            None => Err(GtfsError::invalid(
                self.file,
                1,
                format!("required column {name} is missing from the header"),
            )),
        }
    }

    /// The next data row (blank rows are left out); `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, GtfsError> {
        loop {
            let more = self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| csv_error(self.file, e))?;
            if !more {
                return Ok(None);
            }
            if self.record.iter().all(str::is_empty) {
                continue;
            }
            let offset = self.record.position().map_or(0, |p| p.byte());
            let line = self.reader.get_mut().line_of(offset);
            return Ok(Some(Row {
                line,
                record: &self.record,
            }));
        }
    }
}

/// A CSV error as a refusal; the checks of the text arrive as I/O errors.
fn csv_error(file: &str, error: csv::Error) -> GtfsError {
    let line = error.position().map_or(1, |p| p.line());
    let message = error.to_string();
    match error.into_kind() {
        csv::ErrorKind::Io(e) => GtfsError::from_io(file, e),
        _ => GtfsError::invalid(file, line, format!("unreadable CSV: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(file: &'static str, text: &'static str) -> Table<&'static [u8]> {
        Table::new(file, Checked::new(file, text.as_bytes())).unwrap()
    }

    /// Every row's line, or the refusal met on the way.
    fn lines(file: &'static str, text: &'static str) -> Result<Vec<u64>, GtfsError> {
        let mut table = Table::new(file, Checked::new(file, text.as_bytes()))?;
        let mut lines = Vec::new();
        while let Some(row) = table.next_row()? {
            lines.push(row.line);
        }
        Ok(lines)
    }

    #[test]
    fn padded_headers_and_values_are_trimmed_and_short_rows_read_as_empty() {
        let mut table = table(
            "stops.txt",
            "stop_id, stop_name, zone_id\r\n A , Alpha\r\n\r\nB,Beta,3\r\nC\r\n",
        );
        let (id, name, zone) = (
            table.column("stop_id"),
            table.column("stop_name"),
            table.column("zone_id"),
        );
        let mut rows = Vec::new();
        while let Some(row) = table.next_row().unwrap() {
            rows.push((
                row.line,
                row.get(id).to_owned(),
                row.get(name).to_owned(),
                row.get(zone).to_owned(),
            ));
        }
        let expected = [
            (2, "A", "Alpha", ""),
            (4, "B", "Beta", "3"),
            (5, "C", "", ""),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|&(l, a, b, c)| (l, a.to_owned(), b.to_owned(), c.to_owned()))
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn missing_required_column_is_named() {
        let table = table("trips.txt", "route_id,service_id\n");
        let error = table.require("trip_id").unwrap_err().to_string();
        assert_eq!(
            error,
            "trips.txt line 1: required column trip_id is missing from the header"
        );
    }

    #[test]
    fn a_problem_of_the_text_is_refused_with_its_line() {
        let error = lines("stops.txt", "stop_id\nA\nB\x00\n").unwrap_err();
        assert_eq!((error.file(), error.line()), (Some("stops.txt"), Some(3)));
        assert_eq!(
            lines("stops.txt", "stop_id\n\"A\nA\"\nB\n").unwrap(),
            [2, 4]
        );
    }
}
