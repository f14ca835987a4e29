//! The in-memory index of committed trips: by service date and by id.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::FastMap;

use super::disk::{Disk, Manifest, Stamp};
use crate::trips::model::{Trip, TripId};

/// The trips of one service date, sorted by departure, as one segment holds them.
#[derive(Debug)]
pub(super) struct Day {
    /// The segment file they were read from or written to.
    pub file: String,
    /// Sorted by departure, then id.
    pub trips: Vec<Trip>,
    positions: FastMap<TripId, usize>,
}

impl Day {
    /// Sorts the trips and indexes them by id.
    pub fn new(file: String, mut trips: Vec<Trip>) -> Self {
        trips.sort_by_key(|t| (t.departs_at, t.id));
        let positions = trips.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        Self {
            file,
            trips,
            positions,
        }
    }

    /// The trip with this id, if it runs on this day.
    pub fn get(&self, id: TripId) -> Option<&Trip> {
        self.positions.get(&id).map(|&i| &self.trips[i])
    }
}

/// A committed trip as of one lookup, shared with the index instead of copied
/// (the passenger routes look one up on every request). Later changes to the
/// trip are not seen through it: look it up again.
#[derive(Debug, Clone)]
pub struct SharedTrip {
    day: Arc<Day>,
    at: usize,
}

impl std::ops::Deref for SharedTrip {
    type Target = Trip;
    fn deref(&self) -> &Trip {
        &self.day.trips[self.at]
    }
}

/// Everything committed, as of one manifest generation.
#[derive(Debug, Default)]
pub(super) struct Index {
    pub generation: u64,
    pub next_id: u32,
    pub stamp: Option<Stamp>,
    pub days: BTreeMap<NaiveDate, Arc<Day>>,
    by_id: FastMap<TripId, NaiveDate>,
}

impl Index {
    /// Builds the index of `manifest`, reusing the days of `previous` whose
    /// segment file did not change (so a reload reads only what changed).
    pub fn load(
        disk: &Disk,
        manifest: &Manifest,
        stamp: Option<Stamp>,
        previous: &Index,
    ) -> std::io::Result<Self> {
        let mut index = Index {
            generation: manifest.generation,
            next_id: manifest.next_id,
            stamp,
            ..Index::default()
        };
        for (&date, file) in &manifest.days {
            let day = match previous.days.get(&date) {
                Some(day) if day.file == *file => Arc::clone(day),
                _ => Arc::new(Day::new(file.clone(), disk.read_segment(file)?)),
            };
            index.insert_day(date, day);
        }
        Ok(index)
    }

    /// The trip with this id.
    pub fn get(&self, id: TripId) -> Option<&Trip> {
        let date = self.by_id.get(&id)?;
        self.days.get(date)?.get(id)
    }

    /// The trip with this id, sharing its day with the index (no copy).
    pub fn shared(&self, id: TripId) -> Option<SharedTrip> {
        let day = self.days.get(self.by_id.get(&id)?)?;
        let at = *day.positions.get(&id)?;
        Some(SharedTrip {
            day: day.clone(),
            at,
        })
    }

    /// The service date a trip runs on.
    pub fn date_of(&self, id: TripId) -> Option<NaiveDate> {
        self.by_id.get(&id).copied()
    }

    /// Replaces (or adds) one day and its entries in the id index.
    pub fn insert_day(&mut self, date: NaiveDate, day: Arc<Day>) {
        if let Some(old) = self.days.get(&date) {
            for trip in &old.trips {
                self.by_id.remove(&trip.id);
            }
        }
        for trip in &day.trips {
            self.by_id.insert(trip.id, date);
        }
        self.days.insert(date, day);
    }

    /// The manifest describing this index.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            generation: self.generation,
            next_id: self.next_id,
            days: self
                .days
                .iter()
                .map(|(d, day)| (*d, day.file.clone()))
                .collect(),
        }
    }
}
