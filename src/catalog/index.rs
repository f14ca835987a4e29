//! The catalog in memory: every title record (metadata, settings, excerpt;
//! never content), reloaded when another process (the `import` command)
//! changed the data directory, found by a cheap check of one file's mtime.
//! Changes made through this handle are visible at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime};

use super::error::IngestError;
use super::excerpt_plan::{EXCERPT_RULES, Preview};
use super::store::Store;
use super::title::{Settings, TitleId, TitleRecord};
use crate::data_dir::DataDir;
use crate::excerpts::ExcerptPolicy;

/// Title records by id, shared by readers.
pub type Titles = Arc<BTreeMap<TitleId, Arc<TitleRecord>>>;

/// The catalog: an index in memory over the store on disk.
pub struct Catalog {
    store: Store,
    titles: RwLock<Titles>,
    seen: Mutex<Option<(SystemTime, Vec<u8>)>>,
    // Writers go one at a time so that a reload never races a half-applied change.
    write: Mutex<()>,
}

impl Catalog {
    /// Loads every title of the data directory.
    pub fn open(data: &DataDir) -> anyhow::Result<Catalog> {
        Self::with_store(Store::new(data.clone()))
    }

    /// Loads every title of a store.
    pub fn with_store(store: Store) -> anyhow::Result<Catalog> {
        let catalog = Catalog {
            store,
            titles: RwLock::default(),
            seen: Mutex::new(None),
            write: Mutex::new(()),
        };
        catalog.reload()?;
        catalog.recompute_stale_excerpts();
        Ok(catalog)
    }

    /// Computes again the excerpts stored under older rules, so that no title
    /// keeps serving what today's rules would not (a failure is logged and
    /// the title keeps its record: it is tried again at the next start).
    fn recompute_stale_excerpts(&self) {
        let titles = self.titles();
        let stale = titles.values().filter(|t| t.excerpt.rules < EXCERPT_RULES);
        for record in stale {
            if let Err(e) = self.update(record, record.settings.clone()) {
                tracing::warn!(title = %record.id, error = %e, "excerpt not recomputed");
            }
        }
    }

    /// The store below.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every title, live or not.
    pub fn titles(&self) -> Titles {
        self.titles
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// One title by id (a `TitleId`, or its text).
    pub fn title<Q>(&self, id: &Q) -> Option<Arc<TitleRecord>>
    where
        TitleId: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.titles
            .read()
            .unwrap_or_else(|e| e.into_inner())
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

    /// Ingests a new title.
    pub fn ingest(
        &self,
        upload: &Path,
        publisher: &str,
        settings: Settings,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        self.ingest_until(upload, publisher, settings, None)
    }

    /// Ingests a new title, refused (nothing published) if not ready by `deadline`.
    pub fn ingest_until(
        &self,
        upload: &Path,
        publisher: &str,
        settings: Settings,
        deadline: Option<Instant>,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let _write = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let record = self
            .store
            .ingest(upload, publisher, settings, None, deadline)?;
        Ok(self.put(record))
    }

    /// Replaces the EPUB of a title, keeping its id and settings.
    pub fn replace(
        &self,
        existing: &TitleRecord,
        upload: &Path,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        self.replace_until(existing, upload, None)
    }

    /// Replaces the EPUB of a title, refused (old version kept) if not ready by `deadline`.
    pub fn replace_until(
        &self,
        existing: &TitleRecord,
        upload: &Path,
        deadline: Option<Instant>,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let _write = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let settings = existing.settings.clone();
        let record = self.store.ingest(
            upload,
            &existing.publisher,
            settings,
            Some(existing),
            deadline,
        )?;
        Ok(self.put(record))
    }

    /// Changes a title's settings (a new policy recomputes the excerpt).
    pub fn update(
        &self,
        existing: &TitleRecord,
        settings: Settings,
    ) -> Result<Arc<TitleRecord>, IngestError> {
        let _write = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let record = self.store.update(existing, settings)?;
        Ok(self.put(record))
    }

    /// What `policy` would give passengers of a title, nothing stored.
    pub fn preview(
        &self,
        record: &TitleRecord,
        policy: ExcerptPolicy,
    ) -> Result<Preview, IngestError> {
        self.store.preview(record, policy)
    }

    /// Deletes a title and its files.
    pub fn delete(&self, id: &TitleId) -> anyhow::Result<()> {
        let _write = self.write.lock().unwrap_or_else(|e| e.into_inner());
        self.store.delete(id)?;
        let mut titles = self.titles.write().unwrap_or_else(|e| e.into_inner());
        let mut next = (**titles).clone();
        next.remove(id);
        *titles = Arc::new(next);
        Ok(())
    }

    /// Re-reads the records when the generation file changed (cheap when it did not).
    pub fn reload_if_changed(&self) -> anyhow::Result<bool> {
        let stamp = self.stamp();
        if *self.seen.lock().unwrap_or_else(|e| e.into_inner()) == stamp {
            return Ok(false);
        }
        self.reload()?;
        Ok(true)
    }

    fn stamp(&self) -> Option<(SystemTime, Vec<u8>)> {
        let path = self.store.generation_file();
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok()?;
        Some((modified, std::fs::read(&path).ok()?))
    }

    fn reload(&self) -> anyhow::Result<()> {
        let _write = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let stamp = self.stamp();
        let records = self.store.load_all()?;
        let titles = records
            .into_iter()
            .map(|r| (r.id.clone(), Arc::new(r)))
            .collect();
        *self.titles.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(titles);
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = stamp;
        Ok(())
    }

    fn put(&self, record: TitleRecord) -> Arc<TitleRecord> {
        let record = Arc::new(record);
        let mut titles = self.titles.write().unwrap_or_else(|e| e.into_inner());
        let mut next = (**titles).clone();
        next.insert(record.id.clone(), record.clone());
        *titles = Arc::new(next);
        // Our own write changed the generation: no need to reload for it.
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = self.stamp();
        record
    }
}
