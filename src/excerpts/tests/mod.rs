mod compute;
mod policy;
mod properties;

use super::{BlockText, ChapterKind, ChapterText};

/// A block of `words` words (six characters each, space included) using `resources`.
pub(super) fn block(words: usize, resources: &[usize]) -> BlockText {
    BlockText {
        words,
        characters: words * 6,
        resources: resources.to_vec(),
    }
}

/// A chapter of `kind` with blocks of the given word counts and no resources.
pub(super) fn chapter(kind: ChapterKind, words: &[usize]) -> ChapterText {
    ChapterText {
        kind,
        blocks: words.iter().map(|&w| block(w, &[])).collect(),
        resources: Vec::new(),
        fixed: false,
    }
}

/// A fixed-layout body page: one picture block with `words` words of text.
pub(super) fn page(words: usize, picture: usize) -> ChapterText {
    ChapterText {
        fixed: true,
        ..chapter(ChapterKind::Body, &[]).with_block(block(words, &[picture]))
    }
}

impl ChapterText {
    fn with_block(mut self, block: BlockText) -> Self {
        self.blocks.push(block);
        self
    }
}

/// A body chapter with blocks of the given word counts.
pub(super) fn body(words: &[usize]) -> ChapterText {
    chapter(ChapterKind::Body, words)
}
