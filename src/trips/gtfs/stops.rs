//! `stops.txt`, read in two light passes instead of held whole: a national
//! feed has hundreds of thousands of stops, an import needs the names of the
//! few that start or end its trips.
//!
//! The first pass keeps a 64-bit hash of every `stop_id` (to refuse calls at
//! undefined stops); the second, once the trips' ends are known, keeps the
//! names of those stops only (and of their stations, for stops without a name).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::io::{Read, Seek};

use foldhash::fast::RandomState;

use super::archive::Archive;
use super::error::GtfsError;
use super::table::Table;

const FILE: &str = "stops.txt";

/// Every `stop_id` of the feed, as a hash (a collision, one chance in 2^64
/// per pair with a per-process seed, would only let a call at an undefined
/// stop through, named by its id).
pub struct StopIds {
    hasher: RandomState,
    ids: HashSet<u64, RandomState>,
}

impl StopIds {
    /// Whether `stops.txt` defines `stop_id`.
    pub fn contains(&self, stop_id: &str) -> bool {
        self.ids.contains(&self.hasher.hash_one(stop_id))
    }
}

/// The first pass: every stop id.
pub fn ids(mut table: Table<impl Read>) -> Result<StopIds, GtfsError> {
    let id = table.require("stop_id")?;
    let hasher = RandomState::default();
    let mut ids = HashSet::default();
    while let Some(row) = table.next_row()? {
        ids.insert(hasher.hash_one(row.get(id)));
    }
    Ok(StopIds { hasher, ids })
}

/// The second pass: the names of the `wanted` stops. A stop without a name
/// takes its station's, else its id.
pub fn names<R: Read + Seek>(
    archive: &mut Archive<R>,
    wanted: &HashSet<&str>,
) -> Result<HashMap<String, String>, GtfsError> {
    let mut names = HashMap::new();
    let mut unnamed: Vec<(String, String)> = Vec::new();
    each_stop(archive, |stop, name, parent| {
        if !wanted.contains(stop) {
            return;
        }
        if name.is_empty() {
            unnamed.push((stop.to_owned(), parent.to_owned()));
        } else {
            names.insert(stop.to_owned(), name.to_owned());
        }
    })?;
    let stations: HashSet<&str> = unnamed
        .iter()
        .map(|(_, station)| station.as_str())
        .filter(|s| !s.is_empty() && !names.contains_key(*s))
        .collect();
    let mut station_names = HashMap::new();
    if !stations.is_empty() {
        each_stop(archive, |stop, name, _| {
            if !name.is_empty() && stations.contains(stop) {
                station_names.insert(stop.to_owned(), name.to_owned());
            }
        })?;
    }
    for (stop, station) in unnamed {
        let name = names
            .get(&station)
            .or_else(|| station_names.get(&station))
            .cloned()
            .unwrap_or_else(|| stop.clone());
        names.insert(stop, name);
    }
    Ok(names)
}

/// Calls `each(stop_id, stop_name, parent_station)` for every row.
fn each_stop<R: Read + Seek>(
    archive: &mut Archive<R>,
    mut each: impl FnMut(&str, &str, &str),
) -> Result<(), GtfsError> {
    let Some(mut table) = archive.table(FILE)? else {
        return Ok(());
    };
    let (id, name, parent) = (
        table.require("stop_id")?,
        table.column("stop_name"),
        table.column("parent_station"),
    );
    while let Some(row) = table.next_row()? {
        each(row.get(id), row.get(name), row.get(parent));
    }
    Ok(())
}
