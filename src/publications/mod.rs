//! Where the publication files live: one interface, two real backends.
//!
//! A version's files (`publication.json`, `content.pack`, `source.epub`,
//! `cut-*.pack`) are immutable and named by key, `titles/{id}/{version}/{file}`:
//! in the data directory by default ([`Folder`], `catalog/` below it), in
//! S3-compatible object storage when `TRAJET_PUBLICATIONS_URL=s3://bucket/prefix`
//! is set ([`Bucket`]). Ingestion always prepares a version in a local staging
//! folder; [`Publications::put_version`] puts it in place, and only then does
//! one database update make it live. Readers fetch what they need by key:
//! the whole small documents, and spans of the packs (range reads), so an
//! instance needs no local copy of anything.
//!
//! Nothing here decides what may be deleted: the catalog retires a version
//! in the same transaction that stops naming it, and removes its files once
//! no instance can still be serving from it.

mod bucket;
mod folder;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bytes::Bytes;

pub use bucket::{Bucket, BucketSettings};
pub use folder::Folder;

use crate::catalog::pack::Span;
use crate::catalog::title::TitleId;

/// The key of everything of a title: `titles/{id}/`.
pub fn title_key(id: &TitleId) -> String {
    format!("titles/{}/", id.as_str())
}

/// The key of everything of one version: `titles/{id}/{version}/`.
pub fn version_key(id: &TitleId, version: &str) -> String {
    format!("titles/{}/{version}/", id.as_str())
}

/// The key of one file of a version.
pub fn file_key(id: &TitleId, version: &str, name: &str) -> String {
    format!("titles/{}/{version}/{name}", id.as_str())
}

/// One stored entry and when it was last written (for the sweep of leftovers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key; a folder's key ends with `/` (the local backend lists empty folders too).
    pub key: String,
    /// Last modification.
    pub modified: SystemTime,
}

/// The publication files' store, chosen from the configuration.
#[derive(Debug, Clone)]
pub enum Publications {
    /// Files below `catalog/` in the data directory.
    Folder(Folder),
    /// Objects in an S3-compatible bucket, below a prefix.
    Bucket(Bucket),
}

impl Publications {
    /// What `check-config` and the start-up log say about it.
    pub fn describe(&self) -> String {
        match self {
            Publications::Folder(f) => format!("folder {}", f.root().display()),
            Publications::Bucket(b) => b.describe(),
        }
    }

    /// The folder of a version when it is on this machine (the local
    /// backend): excerpt work then reads and writes in place.
    pub fn local_dir(&self, id: &TitleId, version: &str) -> Option<PathBuf> {
        match self {
            Publications::Folder(f) => Some(f.path(&version_key(id, version))),
            Publications::Bucket(_) => None,
        }
    }

    /// Puts a fully written staged folder in place as a version. The folder
    /// is consumed (moved, or uploaded and left for its owner to remove).
    pub async fn put_version(
        &self,
        staged: &Path,
        id: &TitleId,
        version: &str,
    ) -> anyhow::Result<()> {
        let key = version_key(id, version);
        match self {
            Publications::Folder(f) => f.put_folder(staged, &key).await,
            Publications::Bucket(b) => b.put_folder(staged, &key).await,
        }
    }

    /// Puts one local file under `key` (a cut chapter beside its version).
    pub async fn put_file(&self, local: &Path, key: &str) -> anyhow::Result<()> {
        match self {
            Publications::Folder(f) => f.put_file(local, key).await,
            Publications::Bucket(b) => b.put_file(local, key).await,
        }
    }

    /// The whole content of a file.
    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        match self {
            Publications::Folder(f) => f.get(key).await,
            Publications::Bucket(b) => b.get(key).await,
        }
    }

    /// A span of a file (one range request on a bucket).
    pub async fn get_span(&self, key: &str, span: Span) -> anyhow::Result<Bytes> {
        match self {
            Publications::Folder(f) => f.get_span(key, span).await,
            Publications::Bucket(b) => b.get_span(key, span).await,
        }
    }

    /// Copies a file to a local path (the kept upload, for excerpt work).
    pub async fn fetch_to(&self, key: &str, local: &Path) -> anyhow::Result<()> {
        match self {
            Publications::Folder(f) => f.fetch_to(key, local).await,
            Publications::Bucket(b) => b.fetch_to(key, local).await,
        }
    }

    /// Removes a file, or everything below a key ending with `/`. Removing
    /// what is already gone is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self {
            Publications::Folder(f) => f.delete(key).await,
            Publications::Bucket(b) => b.delete(key).await,
        }
    }

    /// Whether the store answers (one cheap request; `check-config` asks).
    pub async fn ping(&self) -> anyhow::Result<()> {
        match self {
            Publications::Folder(f) => f.ping().await,
            Publications::Bucket(b) => b.ping().await,
        }
    }

    /// Everything stored below `titles/`.
    pub async fn list(&self) -> anyhow::Result<Vec<Listed>> {
        match self {
            Publications::Folder(f) => f.list().await,
            Publications::Bucket(b) => b.list().await,
        }
    }
}
