//! The prepared publication of one version of a title, as stored in its
//! `publication.json`: metadata, chapters with their counts and where their
//! bytes are, resources by id, and the table of contents by chapter index.
//! Nothing in it is a path a client could ask for.

use serde::{Deserialize, Serialize};

use super::pack::Variants;
use super::package::{Metadata, Role};
use crate::excerpts::{BlockText, ChapterKind, ChapterText};

/// One version of a title, ready to serve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    /// Metadata from the OPF, cleaned.
    pub metadata: Metadata,
    /// Chapters in spine order; `/chapters/{n}` is `chapters[n]`.
    pub chapters: Vec<Chapter>,
    /// Resources; `/resources/r{id}` is `resources[id]`.
    pub resources: Vec<Resource>,
    /// Table of contents.
    pub toc: Vec<TocLink>,
    /// The cover image resource, if the book names one.
    pub cover: Option<usize>,
    /// The cover thumbnail for catalogs, in the pack.
    pub thumbnail: Option<StoredPicture>,
}

/// One spine item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    /// Where it was in the EPUB (for people reading logs, never served).
    pub source: String,
    /// Its title: the table of contents label, else the document title.
    pub title: String,
    /// Cover, front matter, body or back matter.
    pub role: Role,
    /// `false` for `linear="no"` items (notes reached by links).
    pub linear: bool,
    /// A pre-paginated page.
    pub fixed: bool,
    /// Sanitized XHTML length in bytes (the positions list counts these).
    pub bytes: u64,
    /// Where the sanitized XHTML is in the pack.
    pub content: Variants,
    /// Its blocks, the units an excerpt is cut after.
    pub blocks: Vec<BlockStats>,
    /// Resources used outside blocks (stylesheets).
    pub resources: Vec<usize>,
}

/// Counts of one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockStats {
    /// Words.
    pub words: usize,
    /// Characters.
    pub chars: usize,
    /// Resources the block uses.
    pub resources: Vec<usize>,
}

/// A resource of the book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Its media type as served (from the content for pictures).
    pub media_type: String,
    /// Where its bytes are, unless it was dropped or never used.
    pub content: Option<Variants>,
    /// Other resources it needs (fonts and images of a stylesheet).
    pub uses: Vec<usize>,
    /// Pixel size of pictures.
    pub size: Option<(u32, u32)>,
}

/// A picture stored in the pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPicture {
    /// Where it is.
    pub content: Variants,
    /// `image/jpeg` or `image/png`.
    pub png: bool,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
}

/// A table of contents entry by chapter index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocLink {
    /// The label.
    pub title: String,
    /// The chapter it opens, if any.
    pub chapter: Option<usize>,
    /// The fragment in that chapter.
    pub fragment: Option<String>,
    /// Nested entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<TocLink>,
}

impl Publication {
    /// The counts the excerpt policy works on, in spine order.
    pub fn chapter_texts(&self) -> Vec<ChapterText> {
        self.chapters.iter().map(Chapter::text).collect()
    }

    /// Resources needed by `direct`, with what they use in turn (fonts of a stylesheet).
    pub fn with_dependencies(
        &self,
        direct: impl IntoIterator<Item = usize>,
    ) -> std::collections::BTreeSet<usize> {
        let mut all = std::collections::BTreeSet::new();
        let mut work: Vec<usize> = direct.into_iter().collect();
        while let Some(id) = work.pop() {
            let Some(resource) = self.resources.get(id) else {
                continue;
            };
            if resource.content.is_some() && all.insert(id) {
                work.extend(resource.uses.iter().copied());
            }
        }
        all
    }
}

impl Chapter {
    /// The counts and kind the excerpt computation needs.
    pub fn text(&self) -> ChapterText {
        let kind = match self.role {
            Role::Cover => ChapterKind::Cover,
            Role::FrontMatter => ChapterKind::FrontMatter,
            Role::Body if self.linear => ChapterKind::Body,
            Role::Body | Role::BackMatter => ChapterKind::BackMatter,
        };
        let blocks = self.blocks.iter().map(|b| BlockText {
            words: b.words,
            characters: b.chars,
            resources: b.resources.clone(),
        });
        ChapterText {
            kind,
            blocks: blocks.collect(),
            resources: self.resources.clone(),
            fixed: self.fixed,
        }
    }

    /// Words in the whole chapter.
    pub fn words(&self) -> usize {
        self.blocks.iter().map(|b| b.words).sum()
    }
}
