//! What the excerpt computation needs to know about a book: its chapters in
//! reading order, their kind, and their blocks with counts and resources.

use serde::{Deserialize, Serialize};

use crate::catalog::sanitize::{Block, SanitizedChapter};

/// What a chapter is to a reader, which decides whether it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChapterKind {
    /// The cover page: never in the excerpt, the catalog shows the cover image.
    Cover,
    /// Title page, copyright, dedication, contents: shown, not counted.
    FrontMatter,
    /// The text itself: the only kind a policy counts.
    Body,
    /// Notes, acknowledgements, about the author: shown only when reached, not counted.
    BackMatter,
}

/// One block of a chapter (paragraph, heading, figure…): the unit of a cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockText {
    /// Words in the block.
    pub words: usize,
    /// Characters in the block.
    pub characters: usize,
    /// Resource indexes the block uses (images, inline-style fonts).
    pub resources: Vec<usize>,
}

/// One chapter (spine item) in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterText {
    /// What the chapter is.
    pub kind: ChapterKind,
    /// Its blocks in document order.
    pub blocks: Vec<BlockText>,
    /// Resources it uses outside any block (stylesheets, their fonts).
    pub resources: Vec<usize>,
    /// A pre-paginated (fixed-layout) page: never cut, counted as a page.
    pub fixed: bool,
}

impl ChapterText {
    /// The counts and resources of a sanitized reflowable chapter.
    pub fn from_sanitized(kind: ChapterKind, chapter: &SanitizedChapter) -> Self {
        Self {
            kind,
            blocks: chapter.blocks().iter().map(BlockText::from).collect(),
            resources: chapter.resources_outside_blocks().to_vec(),
            fixed: false,
        }
    }

    /// Words in all blocks.
    pub fn words(&self) -> u64 {
        self.blocks.iter().map(|b| b.words as u64).sum()
    }

    /// Characters in all blocks.
    pub fn characters(&self) -> u64 {
        self.blocks.iter().map(|b| b.characters as u64).sum()
    }

    /// A chapter "has text" when it has at least one word; a page of
    /// ornaments or a lone illustration does not.
    pub fn has_text(&self) -> bool {
        self.blocks.iter().any(|b| b.words > 0)
    }
}

impl From<&Block> for BlockText {
    fn from(block: &Block) -> Self {
        Self {
            words: block.words,
            characters: block.chars,
            resources: block.resources.clone(),
        }
    }
}
