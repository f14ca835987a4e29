//! From an uploaded file to a prepared version in a staging folder: checks,
//! package, every chapter sanitized once and packed with its compressed
//! encodings, the resources chapters use, the cover thumbnail.
//!
//! The epub crate is not called: everything it would give (spine, metadata,
//! manifest) is read here under limits, and it inflates entries without caps,
//! accepts spine items that do not exist and panics on some inputs. The
//! corpus tests use it as a second opinion on reading order instead.

use std::fs::File;
use std::path::Path;

use super::archive::{Archive, ArchiveLimits};
use super::error::IngestError;
use super::images;
use super::pack::PackWriter;
use super::package::{self, Package, TocEntry};
use super::publication::{BlockStats, Chapter, Publication, StoredPicture, TocLink};
use super::refs::BookRefs;
use super::resources::{Preparer, store};
use super::sanitize::{self, SanitizedChapter};

/// The pack file of a version.
pub const CONTENT_PACK: &str = "content.pack";
/// The original upload, kept (never served) so a new policy can cut another chapter.
pub const SOURCE_EPUB: &str = "source.epub";

/// Prepares `upload` into `staging` (an empty folder); returns the publication.
pub fn prepare(
    upload: &Path,
    staging: &Path,
    limits: ArchiveLimits,
) -> Result<Publication, IngestError> {
    let file = File::open(upload).map_err(store)?;
    let mut archive = Archive::open(file, limits)?;
    let package = package::read(&mut archive)?;
    let pack = PackWriter::create(&staging.join(CONTENT_PACK)).map_err(store)?;
    let preparer = Preparer::new(archive, pack, &package);
    let chapters = prepare_chapters(&preparer, &package)?;
    let cover = package.opf.cover_image.and_then(|item| {
        let path = &package.opf.items[item].path;
        match preparer.resolve("", path) {
            sanitize::RefTarget::Resource(id) => Some(id),
            _ => None,
        }
    });
    preparer.take_failure()?;
    let thumbnail = thumbnail(&preparer, &package)?;
    let (resources, pack, _) = preparer.into_parts();
    pack.finish().map_err(store)?;
    std::fs::copy(upload, staging.join(SOURCE_EPUB)).map_err(store)?;
    let refs = BookRefs::new(&package);
    Ok(Publication {
        metadata: package.opf.metadata.clone(),
        toc: toc_links(&package.toc, &refs),
        chapters,
        resources,
        cover,
        thumbnail,
    })
}

fn prepare_chapters(preparer: &Preparer, package: &Package) -> Result<Vec<Chapter>, IngestError> {
    let roles = package.roles();
    let mut chapters = Vec::with_capacity(package.opf.spine.len());
    for (index, spine) in package.opf.spine.iter().enumerate() {
        let item = &package.opf.items[spine.item];
        let sanitized = sanitize_spine_item(preparer, &item.path, &item.media_type)?;
        preparer.take_failure()?;
        let full = sanitized.render_full();
        let content = preparer
            .pack
            .borrow_mut()
            .append_text(full.as_bytes())
            .map_err(store)?;
        let blocks = sanitized.blocks().iter().map(|b| BlockStats {
            words: b.words,
            chars: b.chars,
            resources: b.resources.clone(),
        });
        chapters.push(Chapter {
            source: item.path.clone(),
            title: toc_title(&package.toc, &item.path)
                .unwrap_or_else(|| sanitized.title().to_string()),
            role: roles[index],
            linear: spine.linear,
            fixed: spine.fixed,
            bytes: full.len() as u64,
            content,
            blocks: blocks.collect(),
            resources: sanitized.resources_outside_blocks().to_vec(),
        });
    }
    Ok(chapters)
}

/// Reads and sanitizes one spine item; SVG pages are wrapped in an XHTML page.
pub fn sanitize_spine_item(
    preparer: &Preparer,
    path: &str,
    media_type: &str,
) -> Result<SanitizedChapter, IngestError> {
    let bytes = preparer.archive.borrow_mut().read(path)?;
    sanitize_page(&bytes, media_type, &|raw| preparer.resolve(path, raw)).map_err(|source| {
        IngestError::Chapter {
            href: path.to_string(),
            source,
        }
    })
}

/// Sanitizes the bytes of a spine item: XHTML, or an SVG document shown as a page.
pub(super) fn sanitize_page(
    bytes: &[u8],
    media_type: &str,
    resolve: &dyn Fn(&str) -> sanitize::RefTarget,
) -> Result<SanitizedChapter, sanitize::SanitizeError> {
    if media_type == "image/svg+xml" {
        sanitize::sanitize_chapter(svg_page(bytes)?.as_bytes(), resolve)
    } else {
        sanitize::sanitize_chapter(bytes, resolve)
    }
}

/// An SVG document as the body of an XHTML page (its prolog and DOCTYPE dropped).
fn svg_page(bytes: &[u8]) -> Result<String, sanitize::SanitizeError> {
    let text = super::charset::decode(bytes)?;
    let start = text.find("<svg").unwrap_or(text.len());
    Ok(format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title></title></head><body>{}</body></html>",
        &text[start..]
    ))
}

fn toc_title(toc: &[TocEntry], path: &str) -> Option<String> {
    toc.iter().find_map(|entry| {
        let here = (entry.path.as_deref() == Some(path) && !entry.title.is_empty())
            .then(|| entry.title.clone());
        here.or_else(|| toc_title(&entry.children, path))
    })
}

fn toc_links(toc: &[TocEntry], refs: &BookRefs) -> Vec<TocLink> {
    let link = |entry: &TocEntry| TocLink {
        title: entry.title.clone(),
        chapter: entry.path.as_deref().and_then(|p| refs.chapter(p)),
        fragment: entry.fragment.clone(),
        children: toc_links(&entry.children, refs),
    };
    toc.iter().map(link).collect()
}

fn thumbnail(preparer: &Preparer, package: &Package) -> Result<Option<StoredPicture>, IngestError> {
    let Some(item) = package.opf.cover_image else {
        return Ok(None);
    };
    let item = &package.opf.items[item];
    if item.media_type == "image/svg+xml" {
        // No rasterizer: catalogs show the sanitized SVG cover itself.
        return Ok(None);
    }
    let bytes = preparer.archive.borrow_mut().read(&item.path)?;
    let Ok(picture) = images::thumbnail(&bytes) else {
        return Ok(None);
    };
    let content = preparer
        .pack
        .borrow_mut()
        .append_binary(&picture.bytes)
        .map_err(store)?;
    Ok(Some(StoredPicture {
        content,
        png: picture.media_type == "image/png",
        width: picture.width,
        height: picture.height,
    }))
}
