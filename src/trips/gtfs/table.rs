//! One GTFS CSV file: columns by name, rows with their line numbers.
//!
//! Headers and values are trimmed (feeds pad them with spaces after commas);
//! rows may be shorter than the header (missing trailing fields are empty).
//! Line numbers are counted here: the `csv` crate's record positions point
//! at the previous row's line end (CRLF) or at skipped blank lines.

use std::collections::HashMap;

use csv::{ReaderBuilder, StringRecord, Trim};

use super::error::GtfsError;

/// A parsed GTFS file.
pub struct Table<'a> {
    file: &'static str,
    reader: csv::Reader<&'a [u8]>,
    columns: HashMap<String, usize>,
    text: &'a [u8],
    /// Byte offsets of every `\n`, to turn an offset into a line number.
    line_ends: Vec<usize>,
}

/// One data row.
pub struct Row {
    /// The 1-based line where the row starts.
    pub line: u64,
    record: StringRecord,
}

impl Row {
    /// The trimmed value of a column, empty when the column or value is absent.
    pub fn get(&self, column: Option<usize>) -> &str {
        column.and_then(|c| self.record.get(c)).unwrap_or("")
    }
}

impl<'a> Table<'a> {
    /// Reads the header of `text`.
    pub fn new(file: &'static str, text: &'a str) -> Result<Self, GtfsError> {
        let mut reader = ReaderBuilder::new()
            .flexible(true)
            .trim(Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| csv_error(file, &e))?;
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
        let line_ends = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Ok(Self {
            file,
            reader,
            columns,
            text: text.as_bytes(),
            line_ends,
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

    /// The data rows; blank rows are left out.
    pub fn rows(&mut self) -> impl Iterator<Item = Result<Row, GtfsError>> + '_ {
        let (file, text, line_ends) = (self.file, self.text, &self.line_ends);
        self.reader
            .records()
            .filter_map(move |record| match record {
                Ok(record) if record.iter().all(str::is_empty) => None,
                Ok(record) => {
                    let offset = record.position().map_or(0, |p| p.byte() as usize);
                    let start = offset
                        + text[offset.min(text.len())..]
                            .iter()
                            .take_while(|b| matches!(b, b'\r' | b'\n'))
                            .count();
                    let line = line_ends.partition_point(|&end| end < start) as u64 + 1;
                    Some(Ok(Row { line, record }))
                }
                Err(e) => Some(Err(csv_error(file, &e))),
            })
    }
}

fn csv_error(file: &str, error: &csv::Error) -> GtfsError {
    let line = error.position().map_or(1, |p| p.line());
    GtfsError::invalid(file, line, format!("unreadable CSV: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_headers_and_values_are_trimmed_and_short_rows_read_as_empty() {
        let mut table = Table::new(
            "stops.txt",
            "stop_id, stop_name, zone_id\r\n A , Alpha\r\n\r\nB,Beta,3\r\nC\r\n",
        )
        .unwrap();
        let (id, name, zone) = (
            table.column("stop_id"),
            table.column("stop_name"),
            table.column("zone_id"),
        );
        let rows: Vec<_> = table.rows().map(Result::unwrap).collect();
        assert_eq!(
            (rows[0].get(id), rows[0].get(name), rows[0].get(zone)),
            ("A", "Alpha", "")
        );
        assert_eq!(
            (rows[0].line, rows[1].line, rows[1].get(zone), rows[2].line),
            (2, 4, "3", 5)
        );
    }

    #[test]
    fn missing_required_column_is_named() {
        let table = Table::new("trips.txt", "route_id,service_id\n").unwrap();
        let error = table.require("trip_id").unwrap_err().to_string();
        assert_eq!(
            error,
            "trips.txt line 1: required column trip_id is missing from the header"
        );
    }
}
