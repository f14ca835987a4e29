//! The catalog of publications: ingestion, storage and the chapter sanitizer.
//!
//! Ingestion runs check → parse → sanitize → store: `archive` checks the zip
//! before inflating anything, `package` reads container, OPF, encryption and
//! navigation under limits, `sanitize` cleans each chapter once, `images`
//! makes pictures fit phones, and `store` puts the prepared version's files
//! in `crate::publications` (the data directory or a bucket); then one database write (`records`, through `index::Catalog`) makes it
//! live. The preparation is plain sync code, run off the async workers.

pub mod archive;
pub mod charset;
pub mod error;
pub mod excerpt_plan;
pub mod images;
pub mod import;
pub mod index;
pub mod media_type;
pub mod pack;
pub mod package;
pub mod prepare;
pub mod publication;
pub mod records;
pub mod refs;
pub mod resources;
pub mod retired;
pub mod routes;
pub mod sanitize;
pub mod store;
pub mod title;
pub mod xml;

pub use error::IngestError;
pub use index::Catalog;

#[cfg(test)]
mod tests;
