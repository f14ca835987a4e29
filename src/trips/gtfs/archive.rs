//! The GTFS zip, read in memory: nothing is ever extracted to disk.
//!
//! Entry names are checked before anything is inflated: a name that could
//! leave a folder (`../x`, `/etc/x`, `C:\x`) refuses the whole feed. The feed
//! may sit in a subfolder (the folder of the shallowest `trips.txt`); macOS
//! metadata (`__MACOSX/`, `._name`) is ignored. Each entry is inflated with a
//! hard cap, whatever size its header declares.

use std::collections::HashMap;
use std::io::{Read, Seek};

use zip::ZipArchive;

use super::error::GtfsError;

/// A GTFS zip with its feed folder located.
pub struct Archive<R> {
    zip: ZipArchive<R>,
    files: HashMap<String, usize>,
    max_entry_bytes: u64,
}

impl<R: Read + Seek> Archive<R> {
    /// Opens the zip and finds the feed's files.
    pub fn open(reader: R, max_entry_bytes: u64) -> Result<Self, GtfsError> {
        let zip = ZipArchive::new(reader).map_err(|e| GtfsError::NotZip(e.to_string()))?;
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
            max_entry_bytes,
        })
    }

    /// Whether the feed folder holds `file`.
    pub fn has(&self, file: &str) -> bool {
        self.files.contains_key(file)
    }

    /// The inflated bytes of `file`, `None` when the feed has no such file.
    pub fn read(&mut self, file: &str) -> Result<Option<Vec<u8>>, GtfsError> {
        let Some(&index) = self.files.get(file) else {
            return Ok(None);
        };
        let limit = self.max_entry_bytes;
        let too_large = || GtfsError::TooLarge {
            file: file.to_owned(),
            limit,
        };
        let entry = self
            .zip
            .by_index(index)
            .map_err(|e| GtfsError::invalid(file, 1, format!("cannot inflate: {e}")))?;
        if entry.size() > limit {
            return Err(too_large());
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        // The declared size may lie: read at most one byte past the cap.
        entry
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| GtfsError::invalid(file, 1, format!("cannot inflate: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(too_large());
        }
        Ok(Some(bytes))
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
        let mut archive = Archive::open(Cursor::new(bytes), 100).unwrap();
        assert_eq!(archive.read("trips.txt").unwrap().unwrap(), b"t");
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
            let error = Archive::open(Cursor::new(zip_of(&[(name, "x")])), 100)
                .err()
                .unwrap();
            assert_eq!(error.code(), "gtfs-unsafe-entry", "{name}");
        }
    }

    #[test]
    fn entry_larger_than_the_cap_is_refused() {
        let mut archive =
            Archive::open(Cursor::new(zip_of(&[("stops.txt", &"x".repeat(101))])), 100).unwrap();
        assert_eq!(
            archive.read("stops.txt").unwrap_err().code(),
            "gtfs-too-large"
        );
    }
}
