//! The sample catalog: short books the project wrote itself, kept as unpacked
//! EPUB 3 sources under `catalog/<slug>/` and packed here into EPUB files, so
//! that a first start shows real books (SPEC §4).
//!
//! Packing is deterministic: `mimetype` first and stored (as OCF requires),
//! every other file deflated in byte order of its path, all timestamps at the
//! zip epoch (1980-01-01) and fixed permissions. The same sources always give
//! the same bytes, so a repacked sample is recognised as the same upload.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Write};
use std::path::Path;

use anyhow::{Context, bail, ensure};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::assets::Assets;

/// The media type every EPUB's `mimetype` entry holds.
pub const EPUB_MIMETYPE: &str = "application/epub+zip";

/// One book's files by `/`-separated path; the map keeps them in byte order.
type BookFiles<'a> = BTreeMap<String, Cow<'a, [u8]>>;

/// Packs one unpacked EPUB source directory into an EPUB file in memory.
pub fn pack_book(dir: &Path) -> anyhow::Result<Vec<u8>> {
    let mut names = Vec::new();
    collect(dir, "", &mut names)?;
    let mut files = BookFiles::new();
    for name in names {
        let bytes = fs::read(dir.join(&name))
            .with_context(|| format!("reading {}", dir.join(&name).display()))?;
        files.insert(name, Cow::Owned(bytes));
    }
    pack(&files)
}

/// Packs a book's files: `mimetype` first and stored, the rest deflated in path order.
fn pack(files: &BookFiles) -> anyhow::Result<Vec<u8>> {
    let mimetype = files.get("mimetype").context("no mimetype file")?;
    ensure!(
        mimetype.as_ref() == EPUB_MIMETYPE.as_bytes(),
        "the mimetype file must hold exactly {EPUB_MIMETYPE:?}"
    );
    let options = SimpleFileOptions::default()
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(
        "mimetype",
        options.compression_method(CompressionMethod::Stored),
    )?;
    zip.write_all(mimetype)?;
    for (name, bytes) in files.iter().filter(|(name, _)| *name != "mimetype") {
        zip.start_file(
            name.as_str(),
            options.compression_method(CompressionMethod::Deflated),
        )?;
        zip.write_all(bytes)?;
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

/// Packs every book of the sample catalog (each subfolder holding a
/// `mimetype` file), as `(slug, epub bytes)` in slug order; none when `Off`.
pub fn sample_books(catalog: &Assets) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    match catalog {
        Assets::BuiltIn => built_in_books(),
        Assets::Folder(folder) => folder_books(folder),
        Assets::Off => Ok(Vec::new()),
    }
}

fn folder_books(catalog_dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
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

fn built_in_books() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut by_slug: BTreeMap<String, BookFiles> = BTreeMap::new();
    for (path, bytes) in crate::assets::sample_catalog() {
        if let Some((slug, name)) = path.split_once('/') {
            let book = by_slug.entry(slug.to_owned()).or_default();
            book.insert(name.to_owned(), bytes);
        }
    }
    by_slug
        .into_iter()
        .filter(|(_, files)| files.contains_key("mimetype"))
        .map(|(slug, files)| {
            let bytes = pack(&files).with_context(|| format!("packing sample book {slug}"))?;
            Ok((slug, bytes))
        })
        .collect()
}

#[cfg(test)]
mod tests;
