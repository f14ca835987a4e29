//! The GTFS zip, read as streams: nothing is extracted to disk, and no file
//! is ever inflated whole into memory.
//!
//! Entry names are checked before anything is inflated: a name that could
//! leave a folder (`../x`, `/etc/x`, `C:\x`) refuses the whole feed. The feed
//! may sit in a subfolder (the folder of the shallowest `trips.txt`); macOS
//! metadata (`__MACOSX/`, `._name`) is ignored. Each entry is inflated under
//! a hard cap, whatever size its header declares, and the entries read
//! together under another: inflating is cheap in memory here but not in
//! time, and a zip bomb must not hold a core for minutes.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufReader, Read, Seek};

use zip::ZipArchive;
use zip::read::ZipFile;

use super::error::GtfsError;
use super::table::Table;
use super::text::Checked;
use crate::config::GtfsLimits;

/// More entries than this is not a GTFS feed (which has a few dozen files at most).
const MAX_ENTRIES: usize = 1000;
/// Read buffer of each file: enough for inflate to work in large steps.
const BUFFER_BYTES: usize = 64 * 1024;

/// A GTFS zip with its feed folder located.
pub struct Archive<R> {
    zip: ZipArchive<R>,
    files: HashMap<String, usize>,
    max_entry_bytes: u64,
    budget: Budget,
}

/// What the whole feed may still inflate to.
struct Budget {
    limit: u64,
    used: u64,
    /// Entries already counted: reading a file again costs no budget.
    counted: HashSet<usize>,
}

impl<R: Read + Seek> Archive<R> {
    /// Opens the zip and finds the feed's files.
    pub fn open(reader: R, limits: &GtfsLimits) -> Result<Self, GtfsError> {
        let zip = ZipArchive::new(reader).map_err(|e| GtfsError::NotZip(e.to_string()))?;
        if zip.len() > MAX_ENTRIES {
            return Err(GtfsError::NotZip(format!(
                "it holds {} entries; a GTFS feed has a few dozen files (at most {MAX_ENTRIES} entries are read)",
                zip.len()
            )));
        }
        let mut names = Vec::with_capacity(zip.len());
        for index in 0..zip.len() {
            let raw = zip
                .name_for_index(index)
                .ok_or_else(|| GtfsError::NotZip(format!("entry {index} has no name")))?;
            let name = raw
                .map_err(|e| GtfsError::NotZip(e.to_string()))?
                .into_owned();
            check_name(&name)?;
            names.push((name, index));
        }
        let folder = names
            .iter()
            .filter(|(n, _)| !is_metadata(n))
            .filter_map(|(n, _)| {
                n.strip_suffix("trips.txt")
                    .filter(|f| f.is_empty() || f.ends_with('/'))
            })
            .min_by_key(|folder| (folder.matches('/').count(), folder.to_owned()))
            .unwrap_or("")
            .to_owned();
        let files = names
            .into_iter()
            .filter_map(|(name, index)| {
                let file = name.strip_prefix(&folder)?;
                (!file.contains('/') && !file.is_empty() && !is_metadata(&name))
                    .then(|| (file.to_owned(), index))
            })
            .collect();
        Ok(Self {
            zip,
            files,
            max_entry_bytes: limits.max_entry_bytes,
            budget: Budget {
                limit: limits.max_inflated_bytes,
                used: 0,
                counted: HashSet::new(),
            },
        })
    }

    /// Whether the feed folder holds `file`.
    pub fn has(&self, file: &str) -> bool {
        self.files.contains_key(file)
    }

    /// The rows of `file`, read as they inflate; `None` when the feed has no such file.
    pub fn table(
        &mut self,
        file: &'static str,
    ) -> Result<Option<Table<impl Read + '_>>, GtfsError> {
        let Some(&index) = self.files.get(file) else {
            return Ok(None);
        };
        let entry = self
            .zip
            .by_index(index)
            .map_err(|e| GtfsError::invalid(file, 1, format!("cannot inflate: {e}")))?;
        let too_large = |limit, whole_feed| GtfsError::TooLarge {
            file: file.to_owned(),
            limit,
            whole_feed,
        };
        if entry.size() > self.max_entry_bytes {
            return Err(too_large(self.max_entry_bytes, false));
        }
        let budget = &mut self.budget;
        let counted = budget.counted.insert(index);
        if counted && budget.used.saturating_add(entry.size()) > budget.limit {
            return Err(too_large(budget.limit, true));
        }
        let capped = Capped {
            entry,
            file,
            read: 0,
            limit: self.max_entry_bytes,
            budget: counted.then_some(budget),
        };
        let checked = Checked::new(file, BufReader::with_capacity(BUFFER_BYTES, capped));
        Table::new(file, checked).map(Some)
    }
}

/// One entry as it inflates, refused once past its cap or the feed's: the
/// declared size may lie.
struct Capped<'a, R: Read> {
    entry: ZipFile<'a, R>,
    file: &'static str,
    read: u64,
    limit: u64,
    /// The feed's budget, when this reading counts against it.
    budget: Option<&'a mut Budget>,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.entry.read(buf)?;
        self.read += n as u64;
        let too_large = |limit, whole_feed| {
            io::Error::other(GtfsError::TooLarge {
                file: self.file.to_owned(),
                limit,
                whole_feed,
            })
        };
        if self.read > self.limit {
            return Err(too_large(self.limit, false));
        }
        if let Some(budget) = self.budget.as_deref_mut() {
            budget.used += n as u64;
            if budget.used > budget.limit {
                return Err(too_large(budget.limit, true));
            }
        }
        Ok(n)
    }
}

/// Refuses names that are absolute or climb out of their folder.
fn check_name(name: &str) -> Result<(), GtfsError> {
    let unsafe_entry = |reason: &str| {
        Err(GtfsError::UnsafeEntry {
            name: name.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if name.contains('\0') {
        return unsafe_entry("the name holds a NUL byte");
    }
    let portable = name.replace('\\', "/");
    if portable.starts_with('/') || portable.as_bytes().get(1) == Some(&b':') {
        return unsafe_entry("absolute paths are refused");
    }
    if portable.split('/').any(|part| part == "..") {
        return unsafe_entry("paths that climb out of the archive with '..' are refused");
    }
    Ok(())
}

fn is_metadata(name: &str) -> bool {
    name.starts_with("__MACOSX/")
        || name
            .rsplit('/')
            .next()
            .is_some_and(|base| base.starts_with("._"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};
    use zip::write::{SimpleFileOptions, ZipWriter};

    fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(body.as_bytes()).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn feed_folder_is_the_shallowest_with_trips() {
        let bytes = zip_of(&[
            ("feed/trips.txt", "t"),
            ("feed/old/trips.txt", "o"),
            ("__MACOSX/feed/._trips.txt", "m"),
        ]);
        let mut archive = Archive::open(Cursor::new(bytes), &limits(100, 1000)).unwrap();
        let table = archive.table("trips.txt").unwrap().unwrap();
        assert!(table.require("t").is_ok(), "the header of feed/trips.txt");
    }

    #[test]
    fn absolute_and_climbing_names_are_refused() {
        for name in [
            "../trips.txt",
            "/etc/trips.txt",
            "a/../../trips.txt",
            "..\\trips.txt",
            "C:\\trips.txt",
        ] {
            let error = Archive::open(Cursor::new(zip_of(&[(name, "x")])), &limits(100, 100))
                .err()
                .unwrap();
            assert_eq!(error.code(), "gtfs-unsafe-entry", "{name}");
        }
    }

    fn limits(entry: u64, total: u64) -> GtfsLimits {
        GtfsLimits {
            max_entry_bytes: entry,
            max_inflated_bytes: total,
            ..GtfsLimits::default()
        }
    }

    /// Reads every row of `file`; the error, if any.
    fn read_all(archive: &mut Archive<Cursor<Vec<u8>>>, file: &'static str) -> Option<GtfsError> {
        let mut table = match archive.table(file) {
            Ok(table) => table.unwrap(),
            Err(e) => return Some(e),
        };
        loop {
            match table.next_row() {
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(e) => return Some(e),
            }
        }
    }

    #[test]
    fn entry_larger_than_the_cap_is_refused_naming_it() {
        let big = format!("a\n{}", "x\n".repeat(60));
        let mut archive = Archive::open(
            Cursor::new(zip_of(&[("stops.txt", &big)])),
            &limits(100, 1000),
        )
        .unwrap();
        let error = read_all(&mut archive, "stops.txt").unwrap();
        assert_eq!(
            (error.code(), error.file()),
            ("gtfs-too-large", Some("stops.txt"))
        );
        assert!(error.to_string().contains("more than 100 bytes"), "{error}");
    }

    #[test]
    fn files_together_larger_than_the_feeds_cap_are_refused_and_rereading_is_free() {
        let body = format!("a\n{}", "x\n".repeat(30));
        let zip = zip_of(&[("stops.txt", &body), ("trips.txt", &body)]);
        let mut archive = Archive::open(Cursor::new(zip), &limits(100, 100)).unwrap();
        assert!(read_all(&mut archive, "stops.txt").is_none());
        assert!(read_all(&mut archive, "stops.txt").is_none(), "read again");
        let error = read_all(&mut archive, "trips.txt").unwrap();
        assert_eq!(error.code(), "gtfs-too-large");
        assert!(
            error.to_string().contains("in all (reached in trips.txt)"),
            "{error}"
        );
    }
}
