//! The catalog of publications: ingestion, storage and the chapter sanitizer.

pub mod sanitize;
