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

/// The version of the excerpt rules a record was computed with: a record
/// from older rules is computed again when the catalog opens (rules 1 let
/// any policy serve every page of a picture book, and a percentage the whole
/// of a single-chapter book).
pub const EXCERPT_RULES: u32 = 2;

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
    /// The [`EXCERPT_RULES`] it was computed with (1 for records without).
    #[serde(default = "first_rules")]
    pub rules: u32,
}

fn first_rules() -> u32 {
    1
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
        rules: EXCERPT_RULES,
    };
    record.positions = positions(&record, publication);
    Ok(record)
}

/// What a policy would give passengers, computed without storing anything:
/// the publisher console shows it before the policy is saved.
#[derive(Debug, Clone)]
pub struct Preview {
    /// Chapters, words, reading minutes.
    pub excerpt: Excerpt,
    /// Where the partial chapter is cut, when one is.
    pub cut: Option<PreviewCut>,
    /// The title of the last chapter passengers reach.
    pub last_chapter_title: Option<String>,
    /// The last paragraph passengers get (shortened to its end when long).
    pub last_paragraph: Option<String>,
}

/// The cut of a preview.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewCut {
    /// Spine index of the cut chapter.
    pub chapter: usize,
    /// Its title.
    pub chapter_title: String,
    /// Blocks passengers get.
    pub blocks_kept: usize,
    /// Blocks in the chapter.
    pub blocks_total: usize,
}

/// Longest last paragraph a preview shows (its end, where the cut falls).
const PREVIEW_CHARS: usize = 300;

/// The preview of `policy` on a stored version.
pub fn preview(
    version_dir: &Path,
    publication: &Publication,
    policy: ExcerptPolicy,
) -> Result<Preview, IngestError> {
    let excerpt = excerpts::excerpt(&publication.chapter_texts(), &policy);
    let mut preview = Preview {
        excerpt,
        cut: None,
        last_chapter_title: None,
        last_paragraph: None,
    };
    let Some(last) = preview.excerpt.chapters().last().copied() else {
        return Ok(preview);
    };
    let chapter = &publication.chapters[last.index];
    let kept = match last.extent {
        Extent::Full => chapter.blocks.len(),
        Extent::Partial { blocks } => {
            preview.cut = Some(PreviewCut {
                chapter: last.index,
                chapter_title: chapter.title.clone(),
                blocks_kept: blocks,
                blocks_total: chapter.blocks.len(),
            });
            blocks
        }
    };
    preview.last_chapter_title = Some(chapter.title.clone());
    if kept > 0 && !chapter.fixed {
        let sanitized = sanitize_again(version_dir, publication, last.index)?;
        preview.last_paragraph = (0..kept)
            .rev()
            .filter_map(|block| sanitized.block_text(block))
            .find(|text| !text.is_empty())
            .map(|text| tail(&text, PREVIEW_CHARS));
    }
    Ok(preview)
}

/// The last `max` characters of `text`, from a word start, with an ellipsis when shortened.
fn tail(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let start = text.char_indices().nth(count - max).map_or(0, |(at, _)| at);
    let rest = &text[start..];
    let rest = rest.split_once(' ').map_or(rest, |(_, words)| words);
    format!("… {rest}")
}

/// Sanitizes the chapter again from the kept upload and keeps its first `blocks` blocks.
fn cut(
    version_dir: &Path,
    publication: &Publication,
    chapter: usize,
    blocks: usize,
) -> Result<Cut, IngestError> {
    let sanitized = sanitize_again(version_dir, publication, chapter)?;
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

/// Sanitizes a chapter again from the upload kept beside the version.
fn sanitize_again(
    version_dir: &Path,
    publication: &Publication,
    chapter: usize,
) -> Result<sanitize::SanitizedChapter, IngestError> {
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
    super::prepare::sanitize_page(&bytes, &media_type, &|raw| {
        refs.resolve(source, raw, &usable)
    })
    .map_err(|e| IngestError::Chapter {
        href: source.clone(),
        source: e,
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

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn a_long_last_paragraph_is_shown_by_its_end_from_a_word_start() {
        assert_eq!(tail("short text", 300), "short text");
        let long = format!("{} the end of the cut.", "word ".repeat(100));
        let shown = tail(&long, 30);
        assert!(shown.starts_with("… "), "{shown}");
        assert!(shown.ends_with("the end of the cut."));
        assert!(shown.chars().count() <= 32);
        // Multibyte text is cut on character boundaries.
        assert!(tail(&"é".repeat(400), 10).ends_with('é'));
    }
}
