//! Durable trip storage in the data directory, with an in-memory index
//! shared across threads and reloaded when another process (the CLI import)
//! commits a change.
//!
//! Readers take a std `RwLock` for a lookup or an `Arc` clone only; writers
//! are serialized by a mutex (this process) and a file lock (other
//! processes), copy the days they change, write them outside the lock, and
//! swap them in. A std lock is right here: no critical section awaits.

mod disk;
mod index;
mod ops;
mod txn;
mod upsert;

use std::sync::{Mutex, RwLock};

use anyhow::Context;
use chrono::NaiveDate;

use crate::data_dir::DataDir;
use crate::trips::error::TripError;
use crate::trips::model::{Trip, TripId};
use disk::Disk;
pub use index::SharedTrip;
use index::{Day, Index};
use txn::Txn;

pub use ops::ArrivalChange;
pub use upsert::ImportCounts;

/// The trips of this data directory.
#[derive(Debug)]
pub struct TripStore {
    disk: Disk,
    index: RwLock<Index>,
    writer: Mutex<()>,
}

impl TripStore {
    /// Opens the store, loading every committed day and removing leftovers of
    /// an interrupted commit.
    pub fn open(data: &DataDir) -> Result<Self, TripError> {
        let disk = Disk::open(data)?;
        let _lock = disk.lock()?;
        let stamp = disk.stamp();
        let manifest = disk.read_manifest()?;
        let index =
            Index::load(&disk, &manifest, stamp, &Index::default()).context("loading trips")?;
        disk.remove_unreferenced(&manifest)?;
        Ok(Self {
            disk,
            index: RwLock::new(index),
            writer: Mutex::new(()),
        })
    }

    /// The trip with this id, whoever owns it: for the passenger routes, where
    /// a verified seat code names the trip. Operator routes use [`Self::trip_of`].
    pub fn get(&self, id: TripId) -> Option<Trip> {
        self.read().get(id).cloned()
    }

    /// The trip with this id, without copying it (for the hot paths).
    pub fn shared(&self, id: TripId) -> Option<SharedTrip> {
        self.read().shared(id)
    }

    /// `operator`'s trip with this id: `None` when it belongs to someone else.
    pub fn trip_of(&self, operator: &str, id: TripId) -> Option<Trip> {
        self.read()
            .get(id)
            .filter(|t| t.belongs_to(operator))
            .cloned()
    }

    /// Whether the trip with this id exists and belongs to `operator`.
    pub fn owned_by(&self, id: TripId, operator: &str) -> bool {
        self.read().get(id).is_some_and(|t| t.belongs_to(operator))
    }

    /// `operator`'s trips of one service date, by departure.
    pub fn trips_of(&self, operator: &str, date: NaiveDate) -> Vec<Trip> {
        let day = self.read().days.get(&date).cloned();
        day.map(|d| {
            d.trips
                .iter()
                .filter(|t| t.belongs_to(operator))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
    }

    /// Every operator's trips of one service date, by departure.
    pub fn list(&self, date: NaiveDate) -> Vec<Trip> {
        let day = self.read().days.get(&date).cloned();
        day.map(|d| d.trips.clone()).unwrap_or_default()
    }

    /// Picks up changes committed by another process; cheap when there are
    /// none (one `stat`), so the app may call it every 500 ms. Answers whether
    /// anything changed.
    pub fn reload_if_changed(&self) -> Result<bool, TripError> {
        // A writer of this process is committing: it reloads itself first.
        let Ok(_writer) = self.writer.try_lock() else {
            return Ok(false);
        };
        // A commit of another process may delete a segment between our reading
        // of the manifest and of that segment: read the newer manifest again.
        let mut attempts = 0;
        loop {
            match self.reload() {
                Err(TripError::Storage(e)) if attempts < 3 && is_not_found(&e) => attempts += 1,
                other => return other,
            }
        }
    }

    fn reload(&self) -> Result<bool, TripError> {
        let stamp = self.disk.stamp();
        if stamp == self.read().stamp {
            return Ok(false);
        }
        let manifest = self.disk.read_manifest()?;
        let fresh = {
            let current = self.read();
            if manifest.generation == current.generation {
                None
            } else {
                Some(
                    Index::load(&self.disk, &manifest, stamp, &current)
                        .context("reloading trips")?,
                )
            }
        };
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        match fresh {
            Some(fresh) => *index = fresh,
            None => index.stamp = stamp,
        }
        Ok(true)
    }

    /// Runs one write transaction over the days `dates_of` names, then commits
    /// every changed day and the manifest, and swaps them into the index.
    fn transact<T>(
        &self,
        dates_of: impl FnOnce(&Index) -> Result<Vec<NaiveDate>, TripError>,
        change: impl FnOnce(&mut Txn) -> Result<T, TripError>,
    ) -> Result<T, TripError> {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let _lock = self.disk.lock()?;
        self.reload()?;
        let mut txn = {
            let index = self.read();
            Txn::new(&index, dates_of(&index)?)
        };
        let answer = change(&mut txn)?;
        let next_id = txn.next_id();
        let changes = txn.into_changes();
        if changes.is_empty() {
            return Ok(answer);
        }
        let mut manifest = self.read().manifest();
        manifest.generation += 1;
        manifest.next_id = next_id;
        let mut days = Vec::with_capacity(changes.len());
        for (date, trips) in changes {
            let file = self.disk.write_segment(date, manifest.generation, &trips)?;
            manifest.days.insert(date, file.clone());
            days.push((date, Day::new(file, trips)));
        }
        self.disk.write_manifest(&manifest)?;
        {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            index.generation = manifest.generation;
            index.next_id = manifest.next_id;
            index.stamp = self.disk.stamp();
            for (date, day) in days {
                index.insert_day(date, day.into());
            }
        }
        // The commit is durable; a failure to tidy up only leaves files that
        // the next open removes.
        if let Err(e) = self.disk.remove_unreferenced(&manifest) {
            tracing::warn!(error = %format!("{e:#}"), "could not remove replaced trip segments");
        }
        Ok(answer)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        // A panic while holding the lock cannot leave the index half-updated
        // (each swap is a few plain assignments), so a poisoned lock is usable.
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }
}

fn is_not_found(error: &anyhow::Error) -> bool {
    error.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    })
}
