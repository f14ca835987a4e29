//! On-disk layout: `trips/manifest.json` names one segment file per service
//! date under `trips/days/`.
//!
//! Why this shape: a change rewrites only the days it touches (cancelling one
//! trip rewrites one day, not a year of trips), and the manifest is the single
//! commit point, so a GTFS import over many days becomes visible all at once:
//! new segments are written under new names first, then one atomic replace of
//! the manifest publishes them. A crash before that leaves the old manifest
//! and some unreferenced segments, removed at the next open. Other processes
//! (the CLI) notice a change by the manifest's metadata alone.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::data_dir::{DataDir, write_atomic};
use crate::trips::model::Trip;

/// The committed state: which segment holds each day, and the id counter.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Manifest {
    /// Bumped by every committed change.
    pub generation: u64,
    /// The next trip id to hand out (ids start at 1).
    pub next_id: u32,
    /// Segment file name per service date.
    pub days: BTreeMap<NaiveDate, String>,
}

#[derive(Serialize, Deserialize)]
struct Segment {
    service_date: NaiveDate,
    trips: Vec<Trip>,
}

/// Identifies one version of the manifest file without reading it: every
/// commit renames a new file into place, so the inode changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    ino: u64,
    len: u64,
    modified: Option<SystemTime>,
}

/// The trip files in the data directory.
#[derive(Debug)]
pub(super) struct Disk {
    root: PathBuf,
}

impl Disk {
    /// Creates `trips/days/` when missing.
    pub fn open(data: &DataDir) -> anyhow::Result<Self> {
        let root = data.path("trips");
        fs::create_dir_all(root.join("days"))
            .with_context(|| format!("creating {}", root.display()))?;
        Ok(Self { root })
    }

    /// Takes the inter-process write lock; it is released when the file drops.
    pub fn lock(&self) -> anyhow::Result<File> {
        let path = self.root.join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()
            .with_context(|| format!("locking {}", path.display()))?;
        Ok(file)
    }

    /// The manifest's identity now (`None` before the first commit).
    pub fn stamp(&self) -> Option<Stamp> {
        let meta = fs::metadata(self.manifest_path()).ok()?;
        Some(Stamp {
            ino: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// Reads the manifest; an empty one before the first commit.
    pub fn read_manifest(&self) -> anyhow::Result<Manifest> {
        let path = self.manifest_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("parsing {}", path.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Manifest {
                next_id: 1,
                ..Manifest::default()
            }),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Publishes a manifest: the commit point of every change.
    pub fn write_manifest(&self, manifest: &Manifest) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec(manifest)?;
        write_atomic(&self.manifest_path(), &bytes).context("writing the trip manifest")
    }

    /// Reads the trips of one segment file.
    pub fn read_segment(&self, name: &str) -> io::Result<Vec<Trip>> {
        let bytes = fs::read(self.root.join("days").join(name))?;
        let segment: Segment = serde_json::from_slice(&bytes).map_err(io::Error::other)?;
        Ok(segment.trips)
    }

    /// Writes one day's trips under a name unique to `generation`; returns the name.
    pub fn write_segment(
        &self,
        date: NaiveDate,
        generation: u64,
        trips: &[Trip],
    ) -> anyhow::Result<String> {
        #[derive(Serialize)]
        struct SegmentRef<'a> {
            service_date: NaiveDate,
            trips: &'a [Trip],
        }
        let name = format!("{date}.{generation}.json");
        let bytes = serde_json::to_vec(&SegmentRef {
            service_date: date,
            trips,
        })?;
        write_atomic(&self.root.join("days").join(&name), &bytes)
            .with_context(|| format!("writing trips of {date}"))?;
        Ok(name)
    }

    /// Deletes segment files the manifest does not name (left by a crash or
    /// replaced by a commit). Only under the write lock: a writer's fresh
    /// segments are unreferenced until its manifest lands.
    pub fn remove_unreferenced(&self, manifest: &Manifest) -> anyhow::Result<()> {
        let days = self.root.join("days");
        for entry in fs::read_dir(&days)? {
            let name = entry?.file_name();
            let name = name.to_string_lossy();
            if !manifest.days.values().any(|n| *n == name) {
                fs::remove_file(days.join(&*name))
                    .with_context(|| format!("removing old segment {name}"))?;
            }
        }
        Ok(())
    }

    fn manifest_path(&self) -> PathBuf {
        self.root.join("manifest.json")
    }
}
