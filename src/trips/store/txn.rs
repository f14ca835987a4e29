//! A write transaction: working copies of a few days, committed at once.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::index::Index;
use crate::trips::error::TripError;
use crate::trips::model::{Trip, TripId};
use crate::trips::request::TripDraft;

/// The days a change reads and writes, copied out of the index.
#[derive(Debug)]
pub(super) struct Txn {
    next_id: u32,
    days: BTreeMap<NaiveDate, Vec<Trip>>,
    touched: BTreeSet<NaiveDate>,
}

impl Txn {
    /// Copies the given days (empty when the index has none yet).
    pub fn new(index: &Index, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        let days = dates
            .into_iter()
            .map(|d| {
                (
                    d,
                    index
                        .days
                        .get(&d)
                        .map(|day| day.trips.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        Self {
            next_id: index.next_id.max(1),
            days,
            touched: BTreeSet::new(),
        }
    }

    /// Adds a new trip of `operator` with a fresh id.
    pub fn insert(&mut self, operator: &str, draft: TripDraft) -> Result<Trip, TripError> {
        let trip = self.new_trip(operator, draft)?;
        self.day_mut(trip.service_date).push(trip.clone());
        Ok(trip)
    }

    /// Gives a draft of `operator` a fresh id, without adding it to a day.
    pub fn new_trip(&mut self, operator: &str, draft: TripDraft) -> Result<Trip, TripError> {
        let id = TripId::new(self.next_id);
        self.next_id = self.next_id.checked_add(1).ok_or(TripError::IdsExhausted)?;
        Ok(draft.into_trip(id, operator))
    }

    /// A copy of one day's working trips, to change before `day_mut` takes it.
    pub fn day_copy(&self, date: NaiveDate) -> Vec<Trip> {
        self.days.get(&date).cloned().unwrap_or_default()
    }

    /// The working copy of one day, marked as changed.
    pub fn day_mut(&mut self, date: NaiveDate) -> &mut Vec<Trip> {
        self.touched.insert(date);
        self.days.entry(date).or_default()
    }

    /// The first day this transaction copied.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.days.keys().next().copied()
    }

    /// The id counter after this transaction.
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    /// The changed days and their new trips.
    pub fn into_changes(mut self) -> Vec<(NaiveDate, Vec<Trip>)> {
        self.touched
            .iter()
            .filter_map(|d| self.days.remove(d).map(|trips| (*d, trips)))
            .collect()
    }
}
