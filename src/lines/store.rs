//! The operators' choices, durable in the database (`line_collections`: one
//! row per operator and line), read by passengers from a copy in memory that
//! follows other instances' changes when the `lines` generation moves.
//!
//! Each operator chooses for its own lines: two operators may both run a line
//! called "TER 17", and a trip follows the choice of the operator it belongs
//! to.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use sqlx::Row as _;

use crate::db::{Database, Domain, Generations};
use crate::lines::offer::{CollectionRef, TitleOffer, is_offered};
use crate::trips::Trip;

/// One operator's choices: the line name and the collections it offers.
pub type Choices = BTreeMap<String, Vec<CollectionRef>>;

/// Every operator's choices, by operator account id.
type Operators = BTreeMap<String, Choices>;

/// What this instance holds: the choices and the generation they were read at.
#[derive(Default)]
struct Loaded {
    operators: Arc<Operators>,
    generation: i64,
}

/// The collections chosen per line.
pub struct LineCollections {
    db: Database,
    current: RwLock<Loaded>,
    // Writes and reloads of this instance go one at a time, so that a reload
    // that read the table before a write never replaces the write's result.
    write: tokio::sync::Mutex<()>,
}

impl LineCollections {
    /// Loads every choice.
    pub async fn open(db: Database) -> anyhow::Result<Self> {
        let store = Self {
            db,
            current: RwLock::default(),
            write: tokio::sync::Mutex::new(()),
        };
        let generations = store.db.generations().await?;
        store.reload(generations.of(Domain::Lines)).await?;
        Ok(store)
    }

    /// Reads the choices again when another instance changed them since they
    /// were loaded (one comparison when it did not).
    pub async fn refresh(&self, generations: &Generations) -> anyhow::Result<bool> {
        let generation = generations.of(Domain::Lines);
        if self.loaded().generation == generation {
            return Ok(false);
        }
        let _write = self.write.lock().await;
        self.reload(generation).await?;
        Ok(true)
    }

    /// Reads every row; `generation` was read before them, so a change
    /// committed meanwhile is read again at the next refresh, never missed.
    async fn reload(&self, generation: i64) -> anyhow::Result<()> {
        let rows = sqlx::query("SELECT operator, line, collections FROM line_collections")
            .fetch_all(self.db.pool())
            .await?;
        let mut operators = Operators::new();
        for row in rows {
            let (operator, line): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let collections: String = row.try_get(2)?;
            let refs = serde_json::from_str(&collections)
                .with_context(|| format!("the collections of line {line:?} of {operator}"))?;
            operators.entry(operator).or_default().insert(line, refs);
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Loaded {
            operators: Arc::new(operators),
            generation,
        };
        Ok(())
    }

    fn loaded(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.current.read().unwrap_or_else(|e| e.into_inner())
    }

    fn operators(&self) -> Arc<Operators> {
        self.loaded().operators.clone()
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
    /// everything), visible to this instance's next request at once.
    pub async fn set(
        &self,
        operator: &str,
        line: &str,
        choice: Option<Vec<CollectionRef>>,
    ) -> Result<(), sqlx::Error> {
        let _write = self.write.lock().await;
        let choice = choice.map(|mut refs| {
            refs.sort();
            refs.dedup();
            refs
        });
        let mut write = self.db.write(Domain::Lines).await?;
        match &choice {
            Some(refs) => {
                sqlx::query(
                    "INSERT INTO line_collections (operator, line, collections) VALUES ($1, $2, $3) \
                     ON CONFLICT (operator, line) DO UPDATE SET collections = excluded.collections",
                )
                .bind(operator)
                .bind(line)
                .bind(serde_json::to_string(refs).map_err(|e| sqlx::Error::Encode(e.into()))?)
                .execute(write.tx())
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM line_collections WHERE operator = $1 AND line = $2")
                    .bind(operator)
                    .bind(line)
                    .execute(write.tx())
                    .await?;
            }
        }
        let generation = write.commit().await?;
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let mut operators = (*current.operators).clone();
        let lines = operators.entry(operator.to_owned()).or_default();
        match choice {
            Some(refs) => lines.insert(line.to_owned(), refs),
            None => lines.remove(line),
        };
        if lines.is_empty() {
            operators.remove(operator);
        }
        current.operators = Arc::new(operators);
        // Our write is the only change since what we hold: no reload needed
        // for it. After someone else's, the next refresh reads everything.
        if current.generation == generation - 1 {
            current.generation = generation;
        }
        Ok(())
    }
}
