//! The catalog of publications: ingestion, storage and the chapter sanitizer.
//!
//! Ingestion runs check → parse → sanitize → store: `archive` checks the zip
//! before inflating anything, `package` reads container, OPF, encryption and
//! navigation under limits, `sanitize` cleans each chapter once, `images`
//! makes pictures fit phones, and `store` publishes the prepared title in one
//! rename. Everything here is plain sync code, run off the async workers.

pub mod archive;
pub mod error;
pub mod package;
pub mod sanitize;
pub mod xml;

pub use error::IngestError;
