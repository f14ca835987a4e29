//! The publication files of each version, in [`Publications`] (the data
//! directory, or a bucket):
//!
//! ```text
//! titles/{id}/{version}/      publication.json, content.pack, source.epub, cut-*.pack
//! ```
//!
//! A version is prepared in a local staging folder (`DataDir::tmp()`), put
//! in place whole ([`Store::put_version`]), and becomes live only when the
//! title's row in the database names it (`Catalog::publish`, one update). A
//! crash between the two leaves files no row names, which [`Store::sweep`]
//! removes later; on any error, or a panic, the staging folder is removed at
//! once. Files a row stopped naming are retired, then removed after a grace
//! period (`super::retired`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use anyhow::Context;

use super::archive::ArchiveLimits;
use super::error::IngestError;
use super::excerpt_plan;
use super::prepare::{SOURCE_EPUB, prepare};
use super::publication::Publication;
use super::title::{Settings, Summary, TitleId, TitleRecord, now};
use crate::data_dir::{DataDir, sync_dir};
use crate::excerpts::ExcerptPolicy;
use crate::publications::{Folder, Publications, file_key, title_key, version_key};

/// The publication document of a version folder.
pub const PUBLICATION_JSON: &str = "publication.json";

/// Where the publication files live and how they are written.
#[derive(Debug, Clone)]
pub struct Store {
    data: DataDir,
    publications: Publications,
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

/// A version prepared in a staging folder, not yet in place.
pub struct Staged {
    /// The record that names it; not in the database yet.
    pub record: TitleRecord,
    staging: Staging,
}

impl Staged {
    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.staging.0
    }
}

/// A local folder holding what excerpt work reads (the kept upload) and
/// where it writes a new cut: the version's own folder in the data
/// directory, or a staging folder with a copy fetched from the bucket.
struct Workspace {
    dir: PathBuf,
    _staging: Option<Staging>,
}

impl Store {
    /// The store of a data directory, with the publication files in it.
    pub fn new(data: DataDir) -> Store {
        let folder = Folder::new(data.path("catalog"));
        Store::with_publications(data, Publications::Folder(folder))
    }

    /// The store of a data directory (for staging) and of publication files elsewhere.
    pub fn with_publications(data: DataDir, publications: Publications) -> Store {
        Store {
            data,
            publications,
            limits: ArchiveLimits::default(),
        }
    }

    /// The same store with other archive limits (tests of hostile inputs).
    pub fn with_limits(mut self, limits: ArchiveLimits) -> Store {
        self.limits = limits;
        self
    }

    /// Where the publication files are.
    pub fn publications(&self) -> &Publications {
        &self.publications
    }

    /// `catalog/titles` in the data directory (the local backend's files).
    pub fn titles_dir(&self) -> PathBuf {
        self.data.path("catalog/titles")
    }

    /// A version folder in the data directory (the local backend's files).
    pub fn version_dir(&self, id: &TitleId, version: &str) -> PathBuf {
        self.titles_dir().join(id.as_str()).join(version)
    }

    fn staging(&self, what: &str) -> Result<Staging, IngestError> {
        let staging = Staging(
            self.data
                .tmp()
                .join(format!("{what}-{:016x}", rand::random::<u64>())),
        );
        fs::create_dir_all(&staging.0).map_err(super::resources::store)?;
        Ok(staging)
    }

    /// Prepares an upload as a new title (`existing` is `None`) or as a new
    /// version of one, in a staging folder (sync CPU work: run it off the
    /// async workers). Past `deadline`, nothing is kept and the upload is refused.
    pub fn prepare_version(
        &self,
        upload: &Path,
        publisher: &str,
        settings: Settings,
        existing: Option<&TitleRecord>,
        deadline: Option<Instant>,
    ) -> Result<Staged, IngestError> {
        let staging = self.staging("ingest")?;
        let publication = prepare(upload, &staging.0, self.limits)?;
        let json = serde_json::to_vec(&publication).context("encoding the publication")?;
        write_synced(&staging.0.join(PUBLICATION_JSON), &json)?;
        let excerpt = excerpt_plan::plan(&staging.0, &publication, settings.policy)?;
        sync_dir(&staging.0).context("syncing the staged version")?;
        let record = TitleRecord {
            id: existing.map_or_else(TitleId::random, |r| r.id.clone()),
            publisher: publisher.to_string(),
            version: format!("v{:016x}", rand::random::<u64>()),
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
        Ok(Staged { record, staging })
    }

    /// Puts a prepared version's files in place. Nothing is live yet: the
    /// record answered names them, and `Catalog::publish` makes it live. A
    /// failure removes what was put.
    pub async fn put_version(&self, staged: Staged) -> Result<TitleRecord, IngestError> {
        let record = &staged.record;
        if let Err(e) = self
            .publications
            .put_version(staged.dir(), &record.id, &record.version)
            .await
        {
            self.remove(&version_key(&record.id, &record.version)).await;
            return Err(IngestError::Internal(e));
        }
        Ok(staged.record)
    }

    /// The record of a title under new settings: a new policy (or a record
    /// computed with older excerpt rules) computes the excerpt again, which
    /// may write a new cut chapter beside the version's files.
    pub async fn with_settings(
        &self,
        record: &TitleRecord,
        settings: Settings,
    ) -> Result<TitleRecord, IngestError> {
        let mut updated = record.clone();
        let stale = record.excerpt.rules < excerpt_plan::EXCERPT_RULES;
        if settings.policy != record.settings.policy || stale {
            let publication = Arc::new(self.publication(&record.id, &record.version).await?);
            let work = self.workspace(record).await?;
            let (dir, planned, policy) = (work.dir.clone(), publication.clone(), settings.policy);
            let excerpt = crate::memory::heavy(move || excerpt_plan::plan(&dir, &planned, policy))
                .await
                .map_err(|e| IngestError::Internal(e.into()))??;
            if let Some(cut) = &excerpt.cut {
                let key = file_key(&record.id, &record.version, &cut.file);
                self.publications
                    .put_file(&work.dir.join(&cut.file), &key)
                    .await?;
            }
            updated.excerpt = excerpt;
            if stale {
                updated.summary.contents = Summary::contents_of(&publication);
            }
        }
        updated.settings = settings;
        updated.updated_at = now();
        Ok(updated)
    }

    /// What `policy` would give passengers of this title, nothing stored.
    pub async fn preview(
        &self,
        record: &TitleRecord,
        policy: ExcerptPolicy,
    ) -> Result<excerpt_plan::Preview, IngestError> {
        let publication = self.publication(&record.id, &record.version).await?;
        let work = self.workspace(record).await?;
        crate::memory::heavy(move || excerpt_plan::preview(&work.dir, &publication, policy))
            .await
            .map_err(|e| IngestError::Internal(e.into()))?
    }

    async fn workspace(&self, record: &TitleRecord) -> Result<Workspace, IngestError> {
        if let Some(dir) = self.publications.local_dir(&record.id, &record.version) {
            return Ok(Workspace {
                dir,
                _staging: None,
            });
        }
        let staging = self.staging("work")?;
        let key = file_key(&record.id, &record.version, SOURCE_EPUB);
        self.publications
            .fetch_to(&key, &staging.0.join(SOURCE_EPUB))
            .await?;
        Ok(Workspace {
            dir: staging.0.clone(),
            _staging: Some(staging),
        })
    }

    /// Reads a version's publication document.
    pub async fn publication(&self, id: &TitleId, version: &str) -> anyhow::Result<Publication> {
        let key = file_key(id, version, PUBLICATION_JSON);
        let bytes = self.publications.get(&key).await?;
        serde_json::from_slice(&bytes).with_context(|| format!("decoding {key}"))
    }

    /// The key of the files of `dropped` that `kept` does not use: the whole
    /// title when nothing is kept (deleted, or a new title that did not go
    /// live), else `dropped`'s version when it is another one, else its cut
    /// chapter when it is another one.
    pub fn unused(kept: Option<&TitleRecord>, dropped: &TitleRecord) -> Option<String> {
        match kept {
            None => Some(title_key(&dropped.id)),
            Some(kept) if kept.version != dropped.version => {
                Some(version_key(&dropped.id, &dropped.version))
            }
            Some(kept) => match &dropped.excerpt.cut {
                Some(cut) if kept.excerpt.cut.as_ref() != Some(cut) => {
                    Some(file_key(&dropped.id, &dropped.version, &cut.file))
                }
                _ => None,
            },
        }
    }

    /// Removes files now (what never went live, or what was retired long
    /// enough ago); a failure is logged and answered `false`.
    pub async fn remove(&self, key: &str) -> bool {
        match self.publications.delete(key).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(key, error = %format!("{e:#}"), "could not remove unused files; will retry");
                false
            }
        }
    }

    /// Removes what an interrupted ingestion or change left behind, when it was
    /// last modified before `cutoff`: staging folders and uploads in `tmp/`,
    /// titles without a record, versions other than a record's live one,
    /// and cut chapters the live excerpt no longer uses. `records` are the
    /// database's rows, read before this call: a version that went live since
    /// is younger than the cutoff, which keeps what another instance is
    /// writing right now. The version a row names is never removed, nor what
    /// is `retired` (the collector removes it after its grace period).
    /// Answers how many entries were removed.
    pub async fn sweep(
        &self,
        records: &BTreeMap<TitleId, Arc<TitleRecord>>,
        retired: &[String],
        cutoff: SystemTime,
    ) -> anyhow::Result<usize> {
        let tmp = self.data.tmp();
        let mut removed = tokio::task::spawn_blocking(move || sweep_tmp(&tmp, cutoff)).await??;
        let listed = self.publications.list().await?;
        // The newest modification below each title and version key.
        let mut newest: BTreeMap<String, SystemTime> = BTreeMap::new();
        let mut files = Vec::new();
        for entry in &listed {
            let mut parts = entry.key.splitn(4, '/');
            let (_, Some(title), version, file) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let mut bump = |key: String| {
                let at = newest.entry(key).or_insert(entry.modified);
                *at = (*at).max(entry.modified);
            };
            bump(format!("titles/{title}/"));
            if let Some(version) = version.filter(|v| !v.is_empty()) {
                bump(format!("titles/{title}/{version}/"));
                if let Some(file) = file.filter(|f| !f.is_empty()) {
                    files.push((title, version, file, entry.modified));
                }
            }
        }
        let covered = |key: &str| {
            retired
                .iter()
                .any(|r| key.starts_with(r.as_str()) || r.starts_with(key))
        };
        let mut doomed = Vec::new();
        for (key, modified) in &newest {
            if *modified >= cutoff || covered(key) {
                continue;
            }
            let parts: Vec<&str> = key.trim_end_matches('/').split('/').collect();
            let record = records.get(parts[1]);
            match (parts.len(), record) {
                (2, None) => doomed.push(key.clone()),
                (3, Some(record)) if parts[2] != record.version => doomed.push(key.clone()),
                _ => {}
            }
        }
        for (title, version, file, modified) in files {
            let Some(record) = records.get(title) else {
                continue;
            };
            let live_cut = record.excerpt.cut.as_ref().map(|c| c.file.as_str());
            let key = format!("titles/{title}/{version}/{file}");
            if version == record.version
                && file.starts_with("cut-")
                && Some(file) != live_cut
                && modified < cutoff
                && !covered(&key)
            {
                doomed.push(key);
            }
        }
        for key in doomed {
            if self.remove(&key).await {
                tracing::info!(key, "removed what an interrupted change left behind");
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
impl Store {
    /// Prepares a version and moves it into the data directory at once
    /// (sync tests of ingestion; the local backend only).
    pub fn write_version(
        &self,
        upload: &Path,
        publisher: &str,
        settings: Settings,
        existing: Option<&TitleRecord>,
        deadline: Option<Instant>,
    ) -> Result<TitleRecord, IngestError> {
        let staged = self.prepare_version(upload, publisher, settings, existing, deadline)?;
        let target = self.version_dir(&staged.record.id, &staged.record.version);
        crate::data_dir::publish_dir(staged.dir(), &target).map_err(super::resources::store)?;
        Ok(staged.record)
    }
}

/// Removes the staging folders and uploads in `tmp/` last modified before `cutoff`.
fn sweep_tmp(tmp: &Path, cutoff: SystemTime) -> anyhow::Result<usize> {
    let entries = match fs::read_dir(tmp) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).with_context(|| format!("listing {}", tmp.display())),
    };
    let mut removed = 0;
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        let stale = fs::symlink_metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified < cutoff);
        if !stale {
            continue;
        }
        let result = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
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
    }
    Ok(removed)
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
