//! The catalog in memory: every title record (metadata, settings, excerpt;
//! never content), read from the database at start and again when the
//! `titles` generation shows another instance (or the `import` command)
//! changed it. Passengers read only this copy. Changes made through this
//! handle are visible to the next request at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use super::error::IngestError;
use super::excerpt_plan::{EXCERPT_RULES, Preview};
use super::store::{Staged, Store};
use super::title::{Settings, TitleId, TitleRecord};
use super::{records, retired};
use crate::data_dir::DataDir;
use crate::db::{Database, Domain, Generations};
use crate::excerpts::ExcerptPolicy;

/// Title records by id, shared by readers.
pub type Titles = Arc<BTreeMap<TitleId, Arc<TitleRecord>>>;

/// What this instance holds: the records and the generation they were read at.
#[derive(Default)]
struct Loaded {
    titles: Titles,
    generation: i64,
}

/// The catalog: an index in memory over the records in the database and
/// the publication files on disk.
pub struct Catalog {
    store: Store,
    db: Database,
    loaded: RwLock<Loaded>,
    // Writes and reloads of this instance go one at a time, so that a reload
    // that read the table before a write never replaces the write's result.
    write: tokio::sync::Mutex<()>,
}

impl Catalog {
    /// Loads every title of the database, with its files in the data directory.
    pub async fn open(data: &DataDir, db: Database) -> anyhow::Result<Catalog> {
        Self::with_store(Store::new(data.clone()), db).await
    }

    /// Loads every title of the database, with its files where the
    /// configuration says (the data directory, or a bucket).
    pub async fn open_configured(
        data: &DataDir,
        db: Database,
        config: &crate::config::Config,
    ) -> anyhow::Result<Catalog> {
        let store = match &config.publications {
            None => Store::new(data.clone()),
            Some(bucket) => Store::with_publications(
                data.clone(),
                crate::publications::Publications::Bucket(crate::publications::Bucket::open(
                    bucket,
                )?),
            ),
        };
        Self::with_store(store, db).await
    }

    /// Loads every title, with its files in a store.
    pub async fn with_store(store: Store, db: Database) -> anyhow::Result<Catalog> {
        let catalog = Catalog {
            store,
            db,
            loaded: RwLock::default(),
            write: tokio::sync::Mutex::new(()),
        };
        let generations = catalog.db.generations().await?;
        catalog.reload(generations.of(Domain::Titles)).await?;
        catalog.recompute_stale_excerpts().await;
        Ok(catalog)
    }

    /// Computes again the excerpts stored under older rules, so that no title
    /// keeps serving what today's rules would not (a failure is logged and
    /// the title keeps its record: it is tried again at the next start).
    async fn recompute_stale_excerpts(&self) {
        let titles = self.titles();
        let stale = titles.values().filter(|t| t.excerpt.rules < EXCERPT_RULES);
        for record in stale {
            if let Err(e) = self.update(record, record.settings.clone()).await {
                tracing::warn!(title = %record.id, error = %e, "excerpt not recomputed");
            }
        }
    }

    /// The publication files.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every title, live or not.
    pub fn titles(&self) -> Titles {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .titles
            .clone()
    }

    /// One title by id (a `TitleId`, or its text).
    pub fn title<Q>(&self, id: &Q) -> Option<Arc<TitleRecord>>
    where
        TitleId: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .titles
            .get(id)
            .cloned()
    }

    /// A publisher's title by id: `None` when it belongs to someone else.
    pub fn title_of(&self, publisher: &str, id: &TitleId) -> Option<Arc<TitleRecord>> {
        self.title(id).filter(|t| t.publisher == publisher)
    }

    /// A publisher's titles, oldest first.
    pub fn titles_of(&self, publisher: &str) -> Vec<Arc<TitleRecord>> {
        let mut titles: Vec<_> = self
            .titles()
            .values()
            .filter(|t| t.publisher == publisher)
            .cloned()
            .collect();
        titles.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        titles
    }

    /// Ingests a new title: its files, then its row.
    pub async fn ingest(
        &self,
        upload: &Path,
        publisher: &str,
        settings: Settings,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let (store, upload, publisher) =
            (self.store.clone(), upload.to_owned(), publisher.to_owned());
        let staged = crate::memory::heavy(move || {
            store.prepare_version(&upload, &publisher, settings, None, None)
        })
        .await
        .map_err(|e| IngestError::Internal(e.into()))??;
        self.put_and_publish(staged, None).await
    }

    /// Replaces the EPUB of a title, keeping its id and settings.
    pub async fn replace(
        &self,
        existing: &TitleRecord,
        upload: &Path,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let (store, upload, existing_owned) =
            (self.store.clone(), upload.to_owned(), existing.clone());
        let staged = crate::memory::heavy(move || {
            let e = &existing_owned;
            store.prepare_version(&upload, &e.publisher, e.settings.clone(), Some(e), None)
        })
        .await
        .map_err(|e| IngestError::Internal(e.into()))??;
        self.put_and_publish(staged, Some(existing)).await
    }

    /// Puts a prepared version's files in place, then makes it live (see [`Catalog::publish`]).
    pub async fn put_and_publish(
        &self,
        staged: Staged,
        replaced: Option<&TitleRecord>,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let version = self.store.put_version(staged).await?;
        self.publish(version, replaced).await
    }

    /// Makes a version whose files are written live, with one database
    /// write: a new title (`replaced` is `None`) or a new version of
    /// `replaced`, refused if the title changed since `replaced` was read.
    /// The same write retires the replaced version's files (they go after
    /// the grace period); if it is not made live, the new files go at once
    /// and the previous version stays live.
    pub async fn publish(
        &self,
        version: TitleRecord,
        replaced: Option<&TitleRecord>,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let retire = replaced.and_then(|r| Store::unused(Some(&version), r));
        match self.save(version.clone(), replaced, retire).await {
            Ok(record) => Ok(record),
            Err(e) => {
                if let Some(key) = Store::unused(replaced, &version) {
                    self.store.remove(&key).await;
                }
                Err(e)
            }
        }
    }

    /// Changes a title's settings (a new policy recomputes the excerpt).
    pub async fn update(
        &self,
        existing: &TitleRecord,
        settings: Settings,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let updated = self.store.with_settings(existing, settings).await;
        // A reading made stale by another instance may name a version whose
        // files are gone: that is a change met, not a failure of ours.
        let updated = match updated {
            Err(IngestError::Internal(e)) if records::changed_since(&self.db, existing).await? => {
                tracing::info!(title = %existing.id, error = %format!("{e:#}"), "a change met another one");
                return Err(changed(existing));
            }
            other => other?,
        };
        let retire = Store::unused(Some(&updated), existing);
        match self.save(updated.clone(), Some(existing), retire).await {
            Ok(record) => Ok(record),
            Err(e) => {
                if let Some(key) = Store::unused(Some(existing), &updated) {
                    self.store.remove(&key).await;
                }
                Err(e)
            }
        }
    }

    /// Writes a record: a new row, or the row `read` if nobody wrote it
    /// since; `retire` names files the new row no longer uses.
    async fn save(
        &self,
        mut record: TitleRecord,
        read: Option<&TitleRecord>,
        retire: Option<String>,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let _write = self.write.lock().await;
        let mut write = self.db.write(Domain::Titles).await?;
        record.generation = write.generation();
        match read {
            None => records::insert(&mut write, &record).await?,
            Some(read) => {
                if !records::replace(&mut write, &record, read.generation).await? {
                    return Err(changed(&record));
                }
            }
        }
        if let Some(key) = retire {
            retired::add(&mut write, &key, now_seconds()).await?;
        }
        let generation = write.commit().await?;
        let record = Arc::new(record);
        self.apply(generation, |titles| {
            titles.insert(record.id.clone(), record.clone());
        });
        Ok(record)
    }

    /// What `policy` would give passengers of a title, nothing stored.
    pub async fn preview(
        &self,
        record: &TitleRecord,
        policy: ExcerptPolicy,
    ) -> Result<Preview, IngestError> {
        self.store.preview(record, policy).await
    }

    /// Deletes a title (one database write: passengers lose it at once); the
    /// same write retires its files, which go after the grace period.
    pub async fn delete(&self, record: &TitleRecord) -> Result<(), IngestError> {
        let _write = self.write.lock().await;
        let mut write = self.db.write(Domain::Titles).await?;
        records::delete(&mut write, &record.id).await?;
        if let Some(key) = Store::unused(None, record) {
            retired::add(&mut write, &key, now_seconds()).await?;
        }
        let generation = write.commit().await?;
        self.apply(generation, |titles| {
            titles.remove(&record.id);
        });
        Ok(())
    }

    /// Removes the files retired before `before` (Unix seconds): callers
    /// pass now less [`retired::GRACE_SECONDS`]. Any instance may run it;
    /// removing what another already removed is no error. Answers how many
    /// keys went.
    pub async fn collect_retired(&self, before: i64) -> anyhow::Result<usize> {
        let mut collected = 0;
        for key in retired::due(&self.db, before).await? {
            if self.store.remove(&key).await {
                retired::forget(&self.db, &key).await?;
                collected += 1;
            }
        }
        Ok(collected)
    }

    /// Reads the records again when another instance changed them since they
    /// were loaded (one comparison when it did not); answers whether it did.
    pub async fn refresh(&self, generations: &Generations) -> anyhow::Result<bool> {
        let generation = generations.of(Domain::Titles);
        if self.loaded().generation == generation {
            return Ok(false);
        }
        let _write = self.write.lock().await;
        self.reload(generation).await?;
        Ok(true)
    }

    /// Removes what interrupted changes left on disk (see [`Store::sweep`]),
    /// keeping every version the database names. Answers how many entries went.
    pub async fn sweep(&self, cutoff: SystemTime) -> anyhow::Result<usize> {
        let records = records::load_all(&self.db).await?;
        let records = records
            .into_iter()
            .map(|r| (r.id.clone(), Arc::new(r)))
            .collect();
        let retired = retired::all(&self.db).await?;
        self.store.sweep(&records, &retired, cutoff).await
    }

    /// Reads every row; `generation` was read before them, so a change
    /// committed meanwhile is read again at the next refresh, never missed.
    async fn reload(&self, generation: i64) -> anyhow::Result<()> {
        let titles = records::load_all(&self.db)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), Arc::new(r)))
            .collect();
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = Loaded {
            titles: Arc::new(titles),
            generation,
        };
        Ok(())
    }

    fn loaded(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.loaded.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies this instance's own committed write to what it holds.
    fn apply(
        &self,
        generation: i64,
        change: impl FnOnce(&mut BTreeMap<TitleId, Arc<TitleRecord>>),
    ) {
        let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
        let mut titles = (*loaded.titles).clone();
        change(&mut titles);
        loaded.titles = Arc::new(titles);
        // Our write is the only change since what we hold: no reload needed
        // for it. After someone else's, the next refresh reads everything.
        if loaded.generation == generation - 1 {
            loaded.generation = generation;
        }
    }
}

/// Unix seconds now.
pub fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The refusal of a change computed from a reading of `record` that is no longer current.
fn changed(record: &TitleRecord) -> IngestError {
    IngestError::Changed(format!(
        "Title {} was changed or deleted meanwhile (by another request); nothing was \
         stored. Read it again and retry.",
        record.id
    ))
}
