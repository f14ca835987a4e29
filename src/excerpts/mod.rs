//! Excerpt policies and what they allow: pure functions, no I/O.
//!
//! A publisher states a policy ([`ExcerptPolicy`]); at ingestion the book's
//! chapters ([`ChapterText`]: kind, blocks with counts and resources) and the
//! policy give an [`Excerpt`], the exact allowlist of chapters (in full, or
//! the one partial chapter cut after a block) and resources. Changing the
//! policy recomputes it from the same counts, without the EPUB.
//!
//! Rules, in the SPEC's words and where they were left open:
//! - Only body chapters count. The cover page is never in the excerpt (the
//!   catalog shows the cover image); front matter (title page, copyright,
//!   contents) is shown without counting; back matter is shown only when the
//!   prefix reaches it, i.e. when the whole body is allowed.
//!   [`ChapterKind::from_epub_types`] reads the kind from `epub:type`:
//!   apparatus is free, prose such as a foreword or prologue counts.
//! - Words, characters and percent policies allow the longest prefix of the
//!   reading order whose counted text fits, cut at a block boundary. These
//!   limits are never exceeded, with one exception: a percentage (the default
//!   is 10 % of the words) always allows at least its floor (below), so a
//!   short book or a long first chapter still shows something.
//!   An absolute limit (words, characters) is the publisher's own number and
//!   is kept even when it is smaller than the first paragraph.
//! - `chapters: N` allows up to and including the N-th body chapter that has
//!   text (or is a page); text-less body chapters before it (an illustration,
//!   a part title) come along without counting.
//! - Pages: a fixed-layout spine item, or a chapter of pictures without words
//!   in a picture book (more such chapters than chapters with text), is a
//!   page. A page is never cut. `pages: N` allows the first N body pages; in reflowable
//!   text a page is [`WORDS_PER_PAGE`] words, cut at a block boundary. Under
//!   words, characters and percent policies a page costs at least
//!   [`WORDS_PER_PAGE`] words or [`CHARACTERS_PER_PAGE`] characters (its own
//!   text when longer), and under `chapters: N` a page of a picture book
//!   counts as a chapter: every policy limits every book.
//! - The floor of a percentage is the first body chapter with text (or the
//!   first page), unless that chapter is the whole body: then it is its first
//!   paragraph, so a single-chapter book is cut within the chapter.
//! - Reading time is estimated at [`WORDS_PER_MINUTE`] on every word shown,
//!   and at least [`PAGE_READING_SECONDS`] a page.

mod book;
mod compute;
mod kind;
mod policy;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use book::{BlockText, ChapterKind, ChapterText};
pub use compute::{excerpt, pages};
pub use policy::{
    ExcerptPolicy, ExcerptPolicyError, Limit, MAX_CHAPTERS, MAX_CHARACTERS, MAX_PAGES, MAX_WORDS,
};

/// Reading speed for estimates: 230 words a minute, a little under the 228–250
/// measured for adult silent reading of prose, so that "fits the trip" errs on
/// the safe side. Scripts without spaces are already converted to words by the
/// sanitizer's counter (two CJK characters a word).
pub const WORDS_PER_MINUTE: u64 = 230;

/// What a page is worth in text: 250 words, the printed page publishers
/// count manuscripts in. A `pages` policy on reflowable text allows this many
/// words a page, and a page of pictures costs at least this under a words or
/// percent policy.
pub const WORDS_PER_PAGE: u64 = 250;

/// A page in characters: 1,500, the French trade's *feuillet* (25 lines of 60
/// signs), about [`WORDS_PER_PAGE`] words at six characters a word.
pub const CHARACTERS_PER_PAGE: u64 = 1_500;

/// The least time a page takes to read: 20 seconds, a comics or
/// picture-book page looked at, not read word by word; a page with more text
/// takes its words' time.
pub const PAGE_READING_SECONDS: u64 = 20;

/// Minutes to read `words`, rounded up (zero words take zero minutes).
pub fn reading_minutes(words: u64) -> u32 {
    u32::try_from(words.div_ceil(WORDS_PER_MINUTE)).unwrap_or(u32::MAX)
}

/// How much of an allowed chapter may be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Extent {
    /// The whole chapter.
    Full,
    /// Only its first `blocks` blocks (at least one, fewer than all).
    Partial { blocks: usize },
}

/// One chapter of the allowlist, by spine index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedChapter {
    /// Index in the reading order (spine).
    pub index: usize,
    /// How much of it.
    pub extent: Extent,
}

impl AllowedChapter {
    fn full(index: usize) -> Self {
        Self {
            index,
            extent: Extent::Full,
        }
    }
}

/// What may be served of a book under a policy: nothing else ever is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt {
    policy: ExcerptPolicy,
    chapters: Vec<AllowedChapter>,
    resources: BTreeSet<usize>,
    words: u64,
    characters: u64,
    counted_words: u64,
    counted_characters: u64,
    // Default for records stored before pages were counted.
    #[serde(default)]
    pages: u64,
    #[serde(default)]
    counted_pages: u64,
    reading_minutes: u32,
    complete: bool,
}

impl Excerpt {
    /// The policy this excerpt was computed from.
    pub fn policy(&self) -> ExcerptPolicy {
        self.policy
    }
    /// The allowed chapters in reading order; at most the last one is partial.
    pub fn chapters(&self) -> &[AllowedChapter] {
        &self.chapters
    }
    /// How much of spine item `index` may be served, if any.
    pub fn extent(&self, index: usize) -> Option<Extent> {
        let found = self.chapters.binary_search_by_key(&index, |c| c.index);
        found.ok().map(|at| self.chapters[at].extent)
    }
    /// Whether spine item `index` may be served (in full or in part).
    pub fn allows_chapter(&self, index: usize) -> bool {
        self.extent(index).is_some()
    }
    /// The resources the allowed text uses, and only those.
    pub fn resources(&self) -> &BTreeSet<usize> {
        &self.resources
    }
    /// Whether resource `index` may be served.
    pub fn allows_resource(&self, index: usize) -> bool {
        self.resources.contains(&index)
    }
    /// Words shown, front and back matter included.
    pub fn words(&self) -> u64 {
        self.words
    }
    /// Characters shown, front and back matter included.
    pub fn characters(&self) -> u64 {
        self.characters
    }
    /// Words of body text shown: what the policy limits.
    pub fn counted_words(&self) -> u64 {
        self.counted_words
    }
    /// Characters of body text shown: what a characters policy limits.
    pub fn counted_characters(&self) -> u64 {
        self.counted_characters
    }
    /// Pages shown (fixed-layout or picture pages), front and back matter included.
    pub fn pages(&self) -> u64 {
        self.pages
    }
    /// Body pages shown: what a `pages` policy limits in a book of pages.
    pub fn counted_pages(&self) -> u64 {
        self.counted_pages
    }
    /// Estimated minutes to read everything shown, at [`WORDS_PER_MINUTE`]
    /// and at least [`PAGE_READING_SECONDS`] a page.
    pub fn reading_minutes(&self) -> u32 {
        self.reading_minutes
    }
    /// Whether everything but the cover page is allowed (the policy covers the book).
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}
