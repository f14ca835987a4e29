//! What a passenger reads: the trip's catalog, Readium manifests, chapters,
//! resources and reading progress, served from what ingestion prepared.

pub mod accessibility;
pub mod cache;
pub mod library;
pub mod manifest;
pub mod progression;
pub mod routes;
