//! The sample catalog: short books the project wrote itself, kept as unpacked
//! EPUB 3 sources under `catalog/<slug>/` and packed here into EPUB files, so
//! that a first start shows real books (SPEC §4).
//!
//! Packing is deterministic: `mimetype` first and stored (as OCF requires),
//! every other file deflated in byte order of its path, all timestamps at the
//! zip epoch (1980-01-01) and fixed permissions. The same sources always give
//! the same bytes, so a repacked sample is recognised as the same upload.

use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;

use anyhow::{Context, bail, ensure};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// The media type every EPUB's `mimetype` entry holds.
pub const EPUB_MIMETYPE: &str = "application/epub+zip";

/// Packs one unpacked EPUB source directory into an EPUB file in memory.
pub fn pack_book(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let mimetype = fs::read(dir.join("mimetype"))
        .with_context(|| format!("reading {}", dir.join("mimetype").display()))?;
    ensure!(
        mimetype == EPUB_MIMETYPE.as_bytes(),
        "{}: the mimetype file must hold exactly {EPUB_MIMETYPE:?}",
        dir.display()
    );
    let mut files = Vec::new();
    collect(dir, "", &mut files)?;
    files.retain(|name| name != "mimetype");
    files.sort();

    let options = SimpleFileOptions::default()
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "mimetype",
        options.compression_method(CompressionMethod::Stored),
    )?;
    zip.write_all(&mimetype)?;
    for name in files {
        let bytes = fs::read(dir.join(&name)).with_context(|| format!("reading {name}"))?;
        zip.start_file(
            name.as_str(),
            options.compression_method(CompressionMethod::Deflated),
        )?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Lists the regular files below `dir` as `/`-separated paths; hidden files
/// (editor and OS litter) are skipped and links are refused.
fn collect(dir: &Path, prefix: &str, files: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            bail!("{}: file names must be UTF-8", entry.path().display());
        };
        if name.starts_with('.') {
            continue;
        }
        let path = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            bail!("{}: links are not packed", entry.path().display());
        } else if kind.is_dir() {
            collect(&entry.path(), &format!("{path}/"), files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Packs every book of the catalog folder (each subfolder holding a
/// `mimetype` file), as `(slug, epub bytes)` in slug order.
pub fn sample_books(catalog_dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut books = Vec::new();
    let listing = fs::read_dir(catalog_dir)
        .with_context(|| format!("listing the sample catalog {}", catalog_dir.display()))?;
    for entry in listing {
        let entry = entry?;
        let dir = entry.path();
        if !entry.file_type()?.is_dir() || !dir.join("mimetype").is_file() {
            continue;
        }
        let slug = entry.file_name().to_string_lossy().into_owned();
        let bytes = pack_book(&dir).with_context(|| format!("packing sample book {slug}"))?;
        books.push((slug, bytes));
    }
    books.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(books)
}

#[cfg(test)]
mod tests;
