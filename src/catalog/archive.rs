//! The uploaded zip, checked before anything is inflated: entry count,
//! declared sizes, names (absolute, `..`, NUL, backslash, forbidden
//! characters, not UTF-8), links, duplicates (also after case folding),
//! zip-level encryption and the `mimetype` entry. Entries are then read one at
//! a time through hard caps, because declared sizes lie.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use zip::{CompressionMethod, ZipArchive};

use super::error::{IngestError, archive};

/// Limits on an uploaded archive.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    /// Entries in the central directory.
    pub max_entries: usize,
    /// Inflated bytes of one entry (declared and actual).
    pub max_entry_bytes: u64,
    /// Inflated bytes of all entries together (declared and actually read).
    pub max_total_bytes: u64,
}

impl Default for ArchiveLimits {
    /// Far above real books (the largest corpus entry is 2 MiB, the largest
    /// book 25 MiB inflated), low enough that one upload cannot exhaust memory:
    /// at most one entry is held inflated at a time.
    fn default() -> Self {
        ArchiveLimits {
            max_entries: 10_000,
            max_entry_bytes: 16 * 1024 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
        }
    }
}

/// The `mimetype` entry's required content.
const EPUB_MIMETYPE: &[u8] = b"application/epub+zip";

/// A zip that passed every check; entries are read by exact name.
pub struct Archive {
    zip: ZipArchive<File>,
    index: HashMap<String, usize>,
    limits: ArchiveLimits,
    inflated: u64,
}

impl Archive {
    /// Checks the archive's structure and `mimetype` without inflating anything else.
    pub fn open(file: File, limits: ArchiveLimits) -> Result<Archive, IngestError> {
        let raw = file
            .try_clone()
            .map_err(|e| anyhow::anyhow!("cloning the upload handle: {e}"))?;
        let zip = ZipArchive::new(file)
            .map_err(|e| archive(format!("the file is not a readable zip archive ({e})")))?;
        if zip.len() > limits.max_entries {
            return Err(IngestError::TooLarge(format!(
                "the archive has {} entries, more than the {} allowed",
                zip.len(),
                limits.max_entries
            )));
        }
        if zip.has_duplicate_names() {
            return Err(archive(
                "the archive lists the same entry name twice in its central directory",
            ));
        }
        let mut archive = Archive {
            zip,
            index: HashMap::new(),
            limits,
            inflated: 0,
        };
        archive.check_entries()?;
        archive.check_mimetype(raw)?;
        Ok(archive)
    }

    fn check_entries(&mut self) -> Result<(), IngestError> {
        let mut folded = HashSet::new();
        let mut declared_total = 0u64;
        for i in 0..self.zip.len() {
            let entry = self
                .zip
                .by_index_raw(i)
                .map_err(|e| archive(format!("entry #{i} cannot be read ({e})")))?;
            let name = std::str::from_utf8(entry.name_raw()).map_err(|_| {
                let lossy = String::from_utf8_lossy(entry.name_raw());
                archive(format!("entry name {lossy:?} is not valid UTF-8"))
            })?;
            check_name(name)?;
            if entry.is_symlink() {
                return Err(archive(format!("entry {name:?} is a symbolic link")));
            }
            if entry.encrypted() {
                let detail = format!("entry {name:?} is encrypted at the zip level");
                return Err(IngestError::DrmUnsupported(detail));
            }
            if !matches!(
                entry.compression(),
                CompressionMethod::Stored | CompressionMethod::Deflated
            ) {
                let method = entry.compression();
                return Err(archive(format!(
                    "entry {name:?} uses unsupported compression {method}"
                )));
            }
            if entry.size() > self.limits.max_entry_bytes {
                let (size, max) = (entry.size(), self.limits.max_entry_bytes);
                let detail =
                    format!("entry {name:?} inflates to {size} bytes, more than the {max} allowed");
                return Err(IngestError::TooLarge(detail));
            }
            declared_total = declared_total.saturating_add(entry.size());
            if declared_total > self.limits.max_total_bytes {
                let max = self.limits.max_total_bytes;
                let detail = format!("the archive inflates to more than the {max} bytes allowed");
                return Err(IngestError::TooLarge(detail));
            }
            if !folded.insert(case_fold(name.trim_end_matches('/'))) {
                return Err(archive(format!(
                    "entry {name:?} appears twice (names must differ after case folding)"
                )));
            }
            if !entry.is_dir() {
                self.index.insert(name.to_string(), i);
            }
        }
        Ok(())
    }

    /// The OCF rules for `mimetype`: present, stored, no extra field, exact content.
    /// Its position is not enforced: lenient readers accept it anywhere, and
    /// nothing here depends on the first bytes of the file.
    fn check_mimetype(&mut self, mut raw: File) -> Result<(), IngestError> {
        let Some(&i) = self.index.get("mimetype") else {
            return Err(archive(
                "the archive has no \"mimetype\" entry: it is not an EPUB",
            ));
        };
        let entry = self
            .zip
            .by_index_raw(i)
            .map_err(|e| archive(format!("mimetype: {e}")))?;
        if entry.compression() != CompressionMethod::Stored {
            return Err(archive(
                "the \"mimetype\" entry is compressed; it must be stored",
            ));
        }
        let mut header = [0u8; 30];
        raw.seek(SeekFrom::Start(entry.header_start()))
            .and_then(|_| raw.read_exact(&mut header))
            .map_err(|e| {
                archive(format!(
                    "the \"mimetype\" local header cannot be read ({e})"
                ))
            })?;
        drop(entry);
        let extra_len = u16::from_le_bytes([header[28], header[29]]);
        if &header[..4] != b"PK\x03\x04" || extra_len != 0 {
            return Err(archive(
                "the \"mimetype\" entry carries an extra field in its local header",
            ));
        }
        let content = self.read("mimetype")?;
        // A trailing newline is a common, harmless slip (Feedbooks books have one).
        if content.trim_ascii_end() != EPUB_MIMETYPE {
            let found = String::from_utf8_lossy(&content[..content.len().min(64)]).into_owned();
            return Err(archive(format!(
                "the \"mimetype\" entry says {found:?}, not \"application/epub+zip\""
            )));
        }
        Ok(())
    }

    /// True when a file entry has exactly this name.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The declared inflated size of an entry.
    pub fn declared_size(&mut self, name: &str) -> Option<u64> {
        let i = *self.index.get(name)?;
        self.zip.by_index_raw(i).ok().map(|e| e.size())
    }

    /// Inflates one entry through its declared size and the total budget.
    pub fn read(&mut self, name: &str) -> Result<Vec<u8>, IngestError> {
        let i = *self
            .index
            .get(name)
            .ok_or_else(|| super::error::package(format!("{name:?} is not in the archive")))?;
        let mut entry = self
            .zip
            .by_index(i)
            .map_err(|e| archive(format!("entry {name:?} cannot be read ({e})")))?;
        let declared = entry.size();
        let mut bytes = Vec::with_capacity(declared as usize);
        (&mut entry)
            .take(declared + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| archive(format!("entry {name:?} is corrupt ({e})")))?;
        if bytes.len() as u64 > declared {
            return Err(archive(format!(
                "entry {name:?} inflates beyond its declared size of {declared} bytes"
            )));
        }
        if (bytes.len() as u64) < declared {
            return Err(archive(format!(
                "entry {name:?} is shorter than its declared size"
            )));
        }
        self.inflated += declared;
        if self.inflated > self.limits.max_total_bytes {
            let max = self.limits.max_total_bytes;
            return Err(IngestError::TooLarge(format!(
                "the archive inflates to more than the {max} bytes allowed"
            )));
        }
        Ok(bytes)
    }
}

/// OCF file-name rules, plus what makes a name unsafe to use as a path.
fn check_name(name: &str) -> Result<(), IngestError> {
    let bad = |why: &str| Err(archive(format!("entry name {name:?} {why}")));
    if name.is_empty() || name.starts_with('/') {
        return bad("is empty or absolute");
    }
    if let Some(c) = name
        .chars()
        .find(|c| c.is_control() || "\\\"*:<>?|\u{7f}".contains(*c))
    {
        return bad(&format!("contains the forbidden character {c:?}"));
    }
    let path = name.strip_suffix('/').unwrap_or(name);
    for segment in path.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return bad("has an empty, \".\" or \"..\" path segment");
        }
        if segment.ends_with('.') {
            return bad("has a segment ending with \".\"");
        }
    }
    Ok(())
}

/// Unicode case folding, with the full foldings that differ from lower
/// casing in Latin and Greek (`ß`→`ss`, `ſ`→`s`, final sigma).
pub fn case_fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            'ß' => out.push_str("ss"),
            'ſ' => out.push('s'),
            'ς' => out.push('σ'),
            'ﬀ' => out.push_str("ff"),
            'ﬁ' => out.push_str("fi"),
            'ﬂ' => out.push_str("fl"),
            'ﬅ' | 'ﬆ' => out.push_str("st"),
            _ => out.push(c),
        }
    }
    out
}
