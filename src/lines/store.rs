//! The operators' choices, durable in `lines/collections.json`, shared by
//! every instance on the data directory (changes are re-read when the file changes).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::data_dir::{DataDir, write_atomic};
use crate::lines::offer::{CollectionRef, TitleOffer, is_offered};
use crate::trips::Trip;

/// Every line's choice: the line name and the collections it offers.
pub type Choices = BTreeMap<String, Vec<CollectionRef>>;

#[derive(Default, Serialize, Deserialize)]
struct LinesFile {
    lines: Choices,
}

/// The collections chosen per line.
pub struct LineCollections {
    dir: PathBuf,
    current: RwLock<Arc<Choices>>,
    seen: Mutex<Option<SystemTime>>,
}

impl LineCollections {
    /// Loads the choices (none when the file is missing).
    pub fn open(data: &DataDir) -> anyhow::Result<Self> {
        let store = Self {
            dir: data.path("lines"),
            current: RwLock::default(),
            seen: Mutex::new(None),
        };
        store.reload_if_changed()?;
        Ok(store)
    }

    fn file(&self) -> PathBuf {
        self.dir.join("collections.json")
    }

    /// Re-reads the file when its modification time changed (another instance wrote it).
    pub fn reload_if_changed(&self) -> anyhow::Result<()> {
        let modified = std::fs::metadata(self.file())
            .and_then(|m| m.modified())
            .ok();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if *seen == modified && modified.is_some() {
            return Ok(());
        }
        let choices = self.read_file()?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(choices);
        *seen = modified;
        Ok(())
    }

    fn read_file(&self) -> anyhow::Result<Choices> {
        let path = self.file();
        match std::fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice::<LinesFile>(&bytes)
                .with_context(|| format!("reading {}", path.display()))?
                .lines),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Choices::new()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Every line that has a choice.
    pub fn all(&self) -> Arc<Choices> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The choice of a line; `None` until an operator chooses (everything is offered).
    pub fn choice(&self, line: &str) -> Option<Vec<CollectionRef>> {
        self.all().get(line).cloned()
    }

    /// Whether a live title of `publisher` in `collections` is offered on `trip`.
    /// The passenger catalog calls this for each live title.
    pub fn offers(&self, trip: &Trip, publisher: &str, collections: &[String]) -> bool {
        let all = self.all();
        let title = TitleOffer {
            publisher,
            collections,
        };
        is_offered(&title, trip, all.get(&trip.line).map(Vec::as_slice))
    }

    /// Sets a line's choice (`None`: back to offering everything). Blocking
    /// file I/O under an inter-process lock, so two instances never lose an update.
    pub fn set(&self, line: &str, choice: Option<Vec<CollectionRef>>) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("lock"))?;
        lock.lock().context("locking the line choices")?;
        let mut lines = self.read_file()?;
        match choice {
            Some(mut refs) => {
                refs.sort();
                refs.dedup();
                lines.insert(line.to_owned(), refs);
            }
            None => {
                lines.remove(line);
            }
        }
        write_atomic(
            &self.file(),
            &serde_json::to_vec_pretty(&LinesFile { lines })?,
        )?;
        // Read our own write back so this instance sees it at once.
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.reload_if_changed()
    }
}
