//! Ingestion tests against the real corpus and hand-made hostile inputs.

mod corpus;
mod hostile;
mod store;
pub mod support;
