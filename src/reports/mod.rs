//! Reports built on the usage counters: what a publisher's titles were read
//! (per title, day and line, as JSON or CSV) and the operator's dashboard.
//!
//! Counts from 1 to 4 are never shown as numbers (`"< 5"`) so that no single
//! passenger can be singled out; see [`table::Count`].

pub mod csv;
pub mod dashboard;
pub mod routes;
pub mod table;

pub use table::{Count, Dimension, Grouping, ReportRow, SUPPRESS_BELOW, publisher_report};

#[cfg(test)]
mod tests;
