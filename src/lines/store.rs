//! The operators' choices, durable in `lines/collections.json`, shared by
//! every instance on the data directory (changes are re-read when the file changes).
//!
//! Each operator chooses for its own lines: two operators may both run a line
//! called "TER 17", and a trip follows the choice of the operator it belongs
//! to. A file written before choices had owners (a top-level `lines` map) is
//! read as no choice at all: there were no deployments to carry over.

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

/// One operator's choices: the line name and the collections it offers.
pub type Choices = BTreeMap<String, Vec<CollectionRef>>;

/// Every operator's choices, by operator account id.
type Operators = BTreeMap<String, Choices>;

#[derive(Default, Serialize, Deserialize)]
struct LinesFile {
    #[serde(default)]
    operators: Operators,
}

/// The collections chosen per line.
pub struct LineCollections {
    dir: PathBuf,
    current: RwLock<Arc<Operators>>,
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

    fn read_file(&self) -> anyhow::Result<Operators> {
        let path = self.file();
        match std::fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice::<LinesFile>(&bytes)
                .with_context(|| format!("reading {}", path.display()))?
                .operators),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Operators::new()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    fn operators(&self) -> Arc<Operators> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Every line of `operator` that has a choice.
    pub fn all(&self, operator: &str) -> Choices {
        self.operators().get(operator).cloned().unwrap_or_default()
    }

    /// The choice of `operator` for a line; `None` until it chooses (everything is offered).
    pub fn choice(&self, operator: &str, line: &str) -> Option<Vec<CollectionRef>> {
        self.operators().get(operator)?.get(line).cloned()
    }

    /// Whether a live title of `publisher` in `collections` is offered on
    /// `trip`, under the choice of the operator the trip belongs to. The
    /// passenger catalog calls this for each live title.
    pub fn offers(&self, trip: &Trip, publisher: &str, collections: &[String]) -> bool {
        let operators = self.operators();
        let title = TitleOffer {
            publisher,
            collections,
        };
        let choice = trip
            .operator
            .as_ref()
            .and_then(|operator| operators.get(operator)?.get(&trip.line));
        is_offered(&title, trip, choice.map(Vec::as_slice))
    }

    /// Sets `operator`'s choice for a line (`None`: back to offering
    /// everything). Blocking file I/O under an inter-process lock, so two
    /// instances never lose an update.
    pub fn set(
        &self,
        operator: &str,
        line: &str,
        choice: Option<Vec<CollectionRef>>,
    ) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("lock"))?;
        lock.lock().context("locking the line choices")?;
        let mut operators = self.read_file()?;
        let lines = operators.entry(operator.to_owned()).or_default();
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
        if lines.is_empty() {
            operators.remove(operator);
        }
        write_atomic(
            &self.file(),
            &serde_json::to_vec_pretty(&LinesFile { operators })?,
        )?;
        // Read our own write back so this instance sees it at once.
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.reload_if_changed()
    }
}
