//! What a policy allows of a stored version, made servable: the allowlist
//! (from `crate::excerpts`), the resources it needs with their own
//! dependencies, the one partial chapter cut and packed, and the positions
//! list. Recomputed from the stored version when the policy changes.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::archive::{Archive, ArchiveLimits};
use super::error::IngestError;
use super::pack::{PackWriter, Variants};
use super::package;
use super::prepare::SOURCE_EPUB;
use super::publication::Publication;
use super::refs::BookRefs;
use super::resources::store;
use super::sanitize;
use crate::excerpts::{self, Excerpt, ExcerptPolicy, Extent};

/// One position per this many bytes of chapter (Readium's convention).
pub const POSITION_BYTES: u64 = 1024;

/// The servable excerpt of a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExcerptRecord {
    /// Chapters and resources allowed, counts and reading minutes.
    pub excerpt: Excerpt,
    /// Resources that may be served: the allowed ones and what they use.
    pub resources: BTreeSet<usize>,
    /// The partial chapter, if the cut falls inside one.
    pub cut: Option<Cut>,
    /// The positions list of the allowed chapters.
    pub positions: Vec<Position>,
}

/// A chapter cut after a block, packed in its own file of the version folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cut {
    /// Spine index.
    pub chapter: usize,
    /// Blocks kept.
    pub blocks: usize,
    /// The pack file name in the version folder.
    pub file: String,
    /// Where its encodings are.
    pub content: Variants,
    /// Length of the cut XHTML.
    pub bytes: u64,
}

/// One entry of the positions list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Spine index of the chapter.
    pub chapter: usize,
    /// 1-based position in the excerpt.
    pub position: u32,
    /// Progression inside the chapter, 0–1.
    pub progression: f64,
    /// Progression in the whole excerpt, 0–1.
    pub total_progression: f64,
}

impl ExcerptRecord {
    /// The served length of an allowed chapter, cut or whole.
    pub fn served_bytes(&self, publication: &Publication, chapter: usize) -> Option<u64> {
        match self.excerpt.extent(chapter)? {
            Extent::Full => publication.chapters.get(chapter).map(|c| c.bytes),
            Extent::Partial { .. } => self.cut.as_ref().map(|c| c.bytes),
        }
    }
}

/// Computes the excerpt of the version in `version_dir` under `policy`.
pub fn plan(
    version_dir: &Path,
    publication: &Publication,
    policy: ExcerptPolicy,
) -> Result<ExcerptRecord, IngestError> {
    let excerpt = excerpts::excerpt(&publication.chapter_texts(), &policy);
    let resources = publication.with_dependencies(excerpt.resources().iter().copied());
    let partial = excerpt.chapters().iter().find_map(|c| match c.extent {
        Extent::Partial { blocks } => Some((c.index, blocks)),
        Extent::Full => None,
    });
    let cut = match partial {
        Some((chapter, blocks)) => Some(cut(version_dir, publication, chapter, blocks)?),
        None => None,
    };
    let mut record = ExcerptRecord {
        excerpt,
        resources,
        cut,
        positions: Vec::new(),
    };
    record.positions = positions(&record, publication);
    Ok(record)
}

/// Sanitizes the chapter again from the kept upload and keeps its first `blocks` blocks.
fn cut(
    version_dir: &Path,
    publication: &Publication,
    chapter: usize,
    blocks: usize,
) -> Result<Cut, IngestError> {
    let file = File::open(version_dir.join(SOURCE_EPUB)).map_err(store)?;
    let mut archive = Archive::open(file, ArchiveLimits::default())?;
    let package = package::read(&mut archive)?;
    let refs = BookRefs::new(&package);
    let source = &publication.chapters[chapter].source;
    let bytes = archive.read(source)?;
    let usable = |id: usize| {
        publication
            .resources
            .get(id)
            .is_some_and(|r| r.content.is_some())
    };
    let media_type = package.opf.items[package.opf.spine[chapter].item]
        .media_type
        .clone();
    let bytes = if media_type == "image/svg+xml" {
        super::prepare::svg_page(&bytes).into_bytes()
    } else {
        bytes
    };
    let sanitized = sanitize::sanitize_chapter(&bytes, &|raw| refs.resolve(source, raw, &usable))
        .map_err(|e| IngestError::Chapter {
        href: source.clone(),
        source: e,
    })?;
    let text = sanitized.render_until(blocks.saturating_sub(1));
    let name = format!("cut-{chapter}-{blocks}-{:08x}.pack", rand::random::<u32>());
    let mut pack = PackWriter::create(&version_dir.join(&name)).map_err(store)?;
    let content = pack.append_text(text.as_bytes()).map_err(store)?;
    pack.finish().map_err(store)?;
    Ok(Cut {
        chapter,
        blocks,
        file: name,
        content,
        bytes: text.len() as u64,
    })
}

/// One position per 1,024 bytes of each allowed chapter, one per fixed-layout page.
fn positions(record: &ExcerptRecord, publication: &Publication) -> Vec<Position> {
    let mut per_chapter = Vec::new();
    for allowed in record.excerpt.chapters() {
        let Some(bytes) = record.served_bytes(publication, allowed.index) else {
            continue;
        };
        let fixed = publication.chapters[allowed.index].fixed;
        let count = if fixed {
            1
        } else {
            bytes.div_ceil(POSITION_BYTES).max(1)
        };
        per_chapter.push((allowed.index, count));
    }
    let total: u64 = per_chapter.iter().map(|(_, n)| n).sum();
    let mut out = Vec::with_capacity(total as usize);
    for (chapter, count) in per_chapter {
        for i in 0..count {
            let position = out.len() as u32 + 1;
            out.push(Position {
                chapter,
                position,
                progression: i as f64 / count as f64,
                total_progression: (position - 1) as f64 / total as f64,
            });
        }
    }
    out
}
