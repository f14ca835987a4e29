//! The catalog on disk, below the data directory:
//!
//! ```text
//! catalog/generation                  bumped after every change (other processes watch its mtime)
//! catalog/titles/{id}/title.json      the title record: owner, settings, excerpt, live version
//! catalog/titles/{id}/{version}/      publication.json, content.pack, source.epub, cut-*.pack
//! ```
//!
//! A version is prepared in `DataDir::tmp()`, moved into place with one
//! rename, and becomes visible when `title.json` is replaced (another
//! rename). Until then nothing a reader sees has changed; on any error, or a
//! panic, the staging folder is removed.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::Context;

use super::archive::ArchiveLimits;
use super::error::IngestError;
use super::excerpt_plan;
use super::prepare::prepare;
use super::publication::Publication;
use super::title::{Settings, Summary, TitleId, TitleRecord, now};
use crate::data_dir::{DataDir, publish_dir, sync_dir, write_atomic};
use crate::excerpts::ExcerptPolicy;

/// The publication document of a version folder.
pub const PUBLICATION_JSON: &str = "publication.json";
const TITLE_JSON: &str = "title.json";

/// Where titles live and how they change.
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

    /// The file whose change tells other processes to reload.
    pub fn generation_file(&self) -> PathBuf {
        self.data.path("catalog/generation")
    }

    /// A version folder.
    pub fn version_dir(&self, id: &TitleId, version: &str) -> PathBuf {
        self.titles_dir().join(id.as_str()).join(version)
    }

    /// Ingests an upload as a new title (`existing` is `None`) or as a new version of one.
    /// Past `deadline`, nothing is published and the upload is refused as too slow.
    pub fn ingest(
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
        let created_at = existing.map_or_else(now, |r| r.created_at.clone());
        let record = TitleRecord {
            id: id.clone(),
            publisher: publisher.to_string(),
            version: version.clone(),
            settings,
            excerpt,
            summary: Summary::of(&publication),
            created_at,
            updated_at: now(),
        };
        if deadline.is_some_and(|d| Instant::now() > d) {
            return Err(IngestError::TimedOut(
                "preparing this EPUB took longer than the time allowed; nothing was published"
                    .into(),
            ));
        }
        let target = self.version_dir(&id, &version);
        publish_dir(&staging.0, &target).context("publishing the version folder")?;
        if let Err(e) = self.write_record(&record) {
            let _ = fs::remove_dir_all(&target);
            return Err(e.into());
        }
        if let Some(old) = existing {
            let _ = fs::remove_dir_all(self.version_dir(&old.id, &old.version));
        }
        Ok(record)
    }

    /// Replaces the settings of a title; a new policy (or a record computed
    /// with older excerpt rules) recomputes the excerpt.
    pub fn update(
        &self,
        record: &TitleRecord,
        settings: Settings,
    ) -> Result<TitleRecord, IngestError> {
        let mut updated = record.clone();
        let old_cut = record.excerpt.cut.clone();
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
        self.write_record(&updated)?;
        if let (Some(old), true) = (old_cut, updated.excerpt.cut != record.excerpt.cut) {
            let _ = fs::remove_file(self.version_dir(&record.id, &record.version).join(old.file));
        }
        Ok(updated)
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

    /// Withdraws a title and deletes its files.
    pub fn delete(&self, id: &TitleId) -> anyhow::Result<()> {
        let dir = self.titles_dir().join(id.as_str());
        // Removing the record first makes the title disappear in one step.
        match fs::remove_file(dir.join(TITLE_JSON)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).context("removing the title record"),
        }
        self.bump_generation()?;
        fs::remove_dir_all(&dir).or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        Ok(())
    }

    /// Reads a version's publication document.
    pub fn publication(&self, id: &TitleId, version: &str) -> anyhow::Result<Publication> {
        let path = self.version_dir(id, version).join(PUBLICATION_JSON);
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_slice(&bytes).with_context(|| format!("decoding {}", path.display()))
    }

    /// Every title record on disk (folders without a record are versions being published).
    pub fn load_all(&self) -> anyhow::Result<Vec<TitleRecord>> {
        let mut records = Vec::new();
        let entries = match fs::read_dir(self.titles_dir()) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(records),
            Err(e) => return Err(e).context("listing the catalog"),
        };
        for entry in entries {
            let path = entry?.path().join(TITLE_JSON);
            match fs::read(&path) {
                Ok(bytes) => {
                    let record = serde_json::from_slice(&bytes)
                        .with_context(|| format!("decoding {}", path.display()))?;
                    records.push(self.with_contents(record));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            }
        }
        Ok(records)
    }

    /// A record written before records listed their contents and kept the
    /// accessibility metadata, completed from its publication (in memory only:
    /// rewriting `title.json` here could undo a change another instance is making).
    fn with_contents(&self, mut record: TitleRecord) -> TitleRecord {
        let summary = &record.summary;
        if summary.contents.len() == summary.chapters && summary.accessibility.is_some() {
            return record;
        }
        match self.publication(&record.id, &record.version) {
            Ok(publication) => {
                record.summary.contents = Summary::contents_of(&publication);
                record.summary.accessibility = Some(publication.metadata.accessibility);
            }
            Err(e) => {
                tracing::warn!(title = %record.id, error = %e, "cannot list the contents of a title")
            }
        }
        record
    }

    /// Removes what an interrupted ingestion or change left behind, when it was
    /// last modified before `cutoff`: staging folders and uploads in `tmp/`,
    /// title folders without a record, versions other than a record's live one,
    /// and cut chapters the live excerpt no longer uses. The cutoff keeps what
    /// another instance sharing the data directory is writing right now.
    /// Answers how many entries were removed.
    pub fn sweep(&self, cutoff: SystemTime) -> anyhow::Result<usize> {
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
            let record: Option<TitleRecord> = match fs::read(title_dir.join(TITLE_JSON)) {
                Ok(bytes) => Some(serde_json::from_slice(&bytes).with_context(|| {
                    format!("decoding {}", title_dir.join(TITLE_JSON).display())
                })?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e).context("reading a title record"),
            };
            let Some(record) = record else {
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

    fn write_record(&self, record: &TitleRecord) -> anyhow::Result<()> {
        let json = serde_json::to_vec_pretty(record).context("encoding the title record")?;
        let path = self.titles_dir().join(record.id.as_str()).join(TITLE_JSON);
        write_atomic(&path, &json).context("writing the title record")?;
        self.bump_generation()
    }

    fn bump_generation(&self) -> anyhow::Result<()> {
        let stamp = format!("{:016x}\n", rand::random::<u64>());
        write_atomic(&self.generation_file(), stamp.as_bytes())
            .context("bumping the catalog generation")
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
