//! The publication files, below the data directory:
//!
//! ```text
//! catalog/titles/{id}/{version}/      publication.json, content.pack, source.epub, cut-*.pack
//! ```
//!
//! A version's folder is immutable once written: it is prepared in
//! `DataDir::tmp()` and moved into place with one rename, and becomes live
//! only when the title's row in the database names it (`Catalog::publish`,
//! one update). A crash between the two leaves a folder no row names, which
//! [`Store::sweep`] removes later; on any error, or a panic, the staging
//! folder is removed at once.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use anyhow::Context;

use super::archive::ArchiveLimits;
use super::error::IngestError;
use super::excerpt_plan;
use super::prepare::prepare;
use super::publication::Publication;
use super::title::{Settings, Summary, TitleId, TitleRecord, now};
use crate::data_dir::{DataDir, publish_dir, sync_dir};
use crate::excerpts::ExcerptPolicy;

/// The publication document of a version folder.
pub const PUBLICATION_JSON: &str = "publication.json";

/// Where the publication files live and how they are written.
#[derive(Debug, Clone)]
pub struct Store {
    data: DataDir,
    limits: ArchiveLimits,
}

/// Removes a staging folder when dropped, also while a panic unwinds.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        if self.0.exists() {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

impl Store {
    /// The store of a data directory.
    pub fn new(data: DataDir) -> Store {
        Store {
            data,
            limits: ArchiveLimits::default(),
        }
    }

    /// The same store with other archive limits (tests of hostile inputs).
    pub fn with_limits(mut self, limits: ArchiveLimits) -> Store {
        self.limits = limits;
        self
    }

    /// `catalog/titles` in the data directory.
    pub fn titles_dir(&self) -> PathBuf {
        self.data.path("catalog/titles")
    }

    /// A version folder.
    pub fn version_dir(&self, id: &TitleId, version: &str) -> PathBuf {
        self.titles_dir().join(id.as_str()).join(version)
    }

    /// Prepares an upload as a new title (`existing` is `None`) or as a new
    /// version of one, and writes the version's folder. Nothing is live yet:
    /// the record answered names the folder, and `Catalog::publish` makes it
    /// live. Past `deadline`, nothing is written and the upload is refused.
    pub fn write_version(
        &self,
        upload: &Path,
        publisher: &str,
        settings: Settings,
        existing: Option<&TitleRecord>,
        deadline: Option<Instant>,
    ) -> Result<TitleRecord, IngestError> {
        let staging = Staging(
            self.data
                .tmp()
                .join(format!("ingest-{:016x}", rand::random::<u64>())),
        );
        fs::create_dir_all(&staging.0).map_err(super::resources::store)?;
        let publication = prepare(upload, &staging.0, self.limits)?;
        let json = serde_json::to_vec(&publication).context("encoding the publication")?;
        write_synced(&staging.0.join(PUBLICATION_JSON), &json)?;
        let excerpt = excerpt_plan::plan(&staging.0, &publication, settings.policy)?;
        sync_dir(&staging.0).context("syncing the staged version")?;
        let id = existing.map_or_else(TitleId::random, |r| r.id.clone());
        let version = format!("v{:016x}", rand::random::<u64>());
        let record = TitleRecord {
            id: id.clone(),
            publisher: publisher.to_string(),
            version: version.clone(),
            settings,
            excerpt,
            summary: Summary::of(&publication),
            created_at: existing.map_or_else(now, |r| r.created_at),
            updated_at: now(),
            generation: existing.map_or(0, |r| r.generation),
        };
        if deadline.is_some_and(|d| Instant::now() > d) {
            return Err(IngestError::TimedOut(
                "preparing this EPUB took longer than the time allowed; nothing was published"
                    .into(),
            ));
        }
        let target = self.version_dir(&id, &version);
        publish_dir(&staging.0, &target).context("publishing the version folder")?;
        Ok(record)
    }

    /// The record of a title under new settings: a new policy (or a record
    /// computed with older excerpt rules) computes the excerpt again, which
    /// may write a new cut chapter beside the version's files.
    pub fn with_settings(
        &self,
        record: &TitleRecord,
        settings: Settings,
    ) -> Result<TitleRecord, IngestError> {
        let mut updated = record.clone();
        let stale = record.excerpt.rules < excerpt_plan::EXCERPT_RULES;
        if settings.policy != record.settings.policy || stale {
            let dir = self.version_dir(&record.id, &record.version);
            let publication = self.publication(&record.id, &record.version)?;
            updated.excerpt = excerpt_plan::plan(&dir, &publication, settings.policy)?;
            if stale {
                updated.summary.contents = Summary::contents_of(&publication);
            }
        }
        updated.settings = settings;
        updated.updated_at = now();
        Ok(updated)
    }

    /// Removes the files of `dropped` that `kept` does not use: the whole
    /// title when nothing is kept (deleted, or a new title that did not go
    /// live), else `dropped`'s version when it is another one, else its cut
    /// chapter when it is another one. Called once `kept` is what the
    /// database says; a failure is logged and left to the sweep.
    pub fn discard(&self, kept: Option<&TitleRecord>, dropped: &TitleRecord) {
        let path = match kept {
            None => self.titles_dir().join(dropped.id.as_str()),
            Some(kept) if kept.version != dropped.version => {
                self.version_dir(&dropped.id, &dropped.version)
            }
            Some(kept) => match &dropped.excerpt.cut {
                Some(cut) if kept.excerpt.cut.as_ref() != Some(cut) => self
                    .version_dir(&dropped.id, &dropped.version)
                    .join(&cut.file),
                _ => return,
            },
        };
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        match removed {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "could not remove unused files; the sweep will")
            }
        }
    }

    /// What `policy` would give passengers of this title, nothing stored.
    pub fn preview(
        &self,
        record: &TitleRecord,
        policy: ExcerptPolicy,
    ) -> Result<excerpt_plan::Preview, IngestError> {
        let dir = self.version_dir(&record.id, &record.version);
        let publication = self.publication(&record.id, &record.version)?;
        excerpt_plan::preview(&dir, &publication, policy)
    }

    /// Reads a version's publication document.
    pub fn publication(&self, id: &TitleId, version: &str) -> anyhow::Result<Publication> {
        let path = self.version_dir(id, version).join(PUBLICATION_JSON);
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("decoding {}", path.display()))
    }

    /// Removes what an interrupted ingestion or change left behind, when it was
    /// last modified before `cutoff`: staging folders and uploads in `tmp/`,
    /// title folders without a record, versions other than a record's live one,
    /// and cut chapters the live excerpt no longer uses. `records` are the
    /// database's rows, read before this call: a version that went live since
    /// is younger than the cutoff, which keeps what another instance sharing
    /// the data directory is writing right now. The version a row names is
    /// never removed. Answers how many entries were removed.
    pub fn sweep(
        &self,
        records: &BTreeMap<TitleId, Arc<TitleRecord>>,
        cutoff: SystemTime,
    ) -> anyhow::Result<usize> {
        let stale = |path: &Path| {
            fs::symlink_metadata(path)
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < cutoff)
        };
        let mut removed = 0;
        let mut remove = |path: &Path| {
            let result = if path.is_dir() {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            };
            match result {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "removed what an interrupted change left behind");
                    removed += 1;
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "could not remove a leftover")
                }
            }
        };
        for entry in read_dir_or_empty(&self.data.tmp())? {
            if stale(&entry) {
                remove(&entry);
            }
        }
        for title_dir in read_dir_or_empty(&self.titles_dir())? {
            if !title_dir.is_dir() {
                continue;
            }
            let name = title_dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let Some(record) = records.get(name) else {
                if stale(&title_dir) {
                    remove(&title_dir);
                }
                continue;
            };
            for version_dir in read_dir_or_empty(&title_dir)? {
                if !version_dir.is_dir() || !stale(&version_dir) {
                    continue;
                }
                if !version_dir.ends_with(&record.version) {
                    remove(&version_dir);
                    continue;
                }
                let live_cut = record.excerpt.cut.as_ref().map(|c| c.file.as_str());
                for file in read_dir_or_empty(&version_dir)? {
                    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if name.starts_with("cut-") && Some(name) != live_cut && stale(&file) {
                        remove(&file);
                    }
                }
            }
        }
        Ok(removed)
    }
}

/// The entries of a folder; none when it does not exist.
fn read_dir_or_empty(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("listing {}", dir.display())),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), IngestError> {
    use std::io::Write;
    let mut file = fs::File::create(path).map_err(super::resources::store)?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(super::resources::store)
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::Staging;

    #[test]
    fn staging_folder_is_removed_when_a_panic_unwinds() {
        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join("ingest-1");
        let result = catch_unwind(AssertUnwindSafe(|| {
            let staging = Staging(staged.clone());
            std::fs::create_dir_all(staging.0.join("deep")).unwrap();
            std::fs::write(staging.0.join("deep/content.pack"), b"half").unwrap();
            panic!("the sanitizer panicked");
        }));
        assert!(result.is_err());
        assert!(!staged.exists());
    }
}
