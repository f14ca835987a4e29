//! From a policy and a book's counts to the exact allowlist.
//!
//! The excerpt is the longest prefix of the reading order whose counted text
//! fits the limit, cut at a block boundary. Cover pages are skipped (the
//! catalog shows the cover image); front and back matter cost nothing and are
//! shown when the prefix reaches them, so the title page opens the excerpt and
//! back matter appears only when the whole body is allowed.
//!
//! Pages (fixed-layout spine items, and the chapters of pictures without
//! text of a picture book) are never cut and cost at least a page's worth: that is what
//! makes a words or percent policy limit a manga or a picture book.

use std::collections::BTreeSet;

use super::book::{BlockText, ChapterKind, ChapterText};
use super::policy::{ExcerptPolicy, Limit};
use super::{
    AllowedChapter, CHARACTERS_PER_PAGE, Excerpt, Extent, PAGE_READING_SECONDS, WORDS_PER_MINUTE,
    WORDS_PER_PAGE,
};

/// What the limit is measured in.
#[derive(Debug, Clone, Copy)]
enum Measure {
    Words,
    Characters,
    /// Pages, in words: a page is [`WORDS_PER_PAGE`], text counts its words.
    Pages,
}

impl Measure {
    fn of_block(self, block: &BlockText) -> u64 {
        match self {
            Measure::Words | Measure::Pages => block.words as u64,
            Measure::Characters => block.characters as u64,
        }
    }
    /// A page counts as at least a page's worth, its own text when longer.
    fn of_page(self, page: &ChapterText) -> u64 {
        match self {
            Measure::Words => page.words().max(WORDS_PER_PAGE),
            Measure::Characters => page.characters().max(CHARACTERS_PER_PAGE),
            Measure::Pages => WORDS_PER_PAGE,
        }
    }
}

/// A book's chapters with what makes a chapter a page.
#[derive(Clone, Copy)]
struct Book<'a> {
    chapters: &'a [ChapterText],
    /// A book of pictures: every chapter with content but no word is a page.
    pictures: bool,
}

impl<'a> Book<'a> {
    fn new(chapters: &'a [ChapterText]) -> Self {
        Self {
            chapters,
            pictures: is_picture_book(chapters),
        }
    }

    fn is_page(self, chapter: &ChapterText) -> bool {
        chapter.fixed || (self.pictures && !chapter.has_text() && !chapter.blocks.is_empty())
    }

    /// Whether a body chapter counts as one of a `chapters: N` policy: it has
    /// text, or it is a page (a picture book's chapters are its pages).
    fn counts_as_chapter(self, chapter: &ChapterText) -> bool {
        chapter.has_text() || self.is_page(chapter)
    }

    fn cost(self, chapter: &ChapterText, measure: Measure) -> u64 {
        if self.is_page(chapter) {
            measure.of_page(chapter)
        } else {
            chapter.blocks.iter().map(|b| measure.of_block(b)).sum()
        }
    }

    fn body_cost(self, measure: Measure) -> u64 {
        body(self.chapters).map(|c| self.cost(c, measure)).sum()
    }
}

/// Which spine items are pages (never cut, counted as pages): fixed-layout
/// items, and the picture chapters of a picture book.
pub fn pages(chapters: &[ChapterText]) -> Vec<bool> {
    let book = Book::new(chapters);
    chapters.iter().map(|c| book.is_page(c)).collect()
}

/// Computes what `policy` allows of `chapters` (the whole spine, in order).
pub fn excerpt(chapters: &[ChapterText], policy: &ExcerptPolicy) -> Excerpt {
    let book = Book::new(chapters);
    let allowed = match policy.limit() {
        Limit::Chapters(n) => first_chapters(book, n as usize),
        Limit::Percent(p) => {
            let total = book.body_cost(Measure::Words);
            let share = (u128::from(total) * u128::from(p) / 100) as u64;
            prefix(book, Measure::Words, share.max(percent_floor(book)))
        }
        Limit::Words(n) => prefix(book, Measure::Words, n),
        Limit::Characters(n) => prefix(book, Measure::Characters, n),
        Limit::Pages(n) => prefix(book, Measure::Pages, u64::from(n) * WORDS_PER_PAGE),
    };
    totals(book, *policy, allowed)
}

/// A book of pictures has more body chapters of pictures without words than
/// chapters with text (a manga with a page of notes is one; a novel with a
/// plate before each chapter is not).
fn is_picture_book(chapters: &[ChapterText]) -> bool {
    let (mut pictures, mut text) = (0, 0);
    for chapter in body(chapters) {
        if chapter.has_text() {
            text += 1;
        } else if !chapter.blocks.is_empty() {
            pictures += 1;
        }
    }
    pictures > text
}

fn body(chapters: &[ChapterText]) -> impl Iterator<Item = &ChapterText> {
    chapters.iter().filter(|c| c.kind == ChapterKind::Body)
}

/// The least a percentage allows, so a short book or a long first chapter
/// still shows a chapter: the body up to the end of its first chapter with
/// text (or first page). When that chapter is the whole body, the floor is
/// its first paragraph instead, so that a single-chapter book is cut too.
fn percent_floor(book: Book) -> u64 {
    let measure = Measure::Words;
    let mut floor = 0;
    for chapter in body(book.chapters) {
        if !book.counts_as_chapter(chapter) {
            floor += book.cost(chapter, measure);
            continue;
        }
        let whole = floor + book.cost(chapter, measure);
        if whole < book.body_cost(measure) || book.is_page(chapter) {
            return whole;
        }
        let first_text = chapter.blocks.iter().position(|b| b.words > 0);
        let blocks = &chapter.blocks[..first_text.map_or(0, |at| at + 1)];
        return floor + blocks.iter().map(|b| measure.of_block(b)).sum::<u64>();
    }
    floor
}

fn first_chapters(book: Book, n: usize) -> Vec<AllowedChapter> {
    let mut allowed = Vec::new();
    let mut counted = 0;
    for (index, chapter) in book.chapters.iter().enumerate() {
        if chapter.kind == ChapterKind::Cover {
            continue;
        }
        allowed.push(AllowedChapter::full(index));
        if chapter.kind == ChapterKind::Body && book.counts_as_chapter(chapter) {
            counted += 1;
            if counted == n {
                break;
            }
        }
    }
    allowed
}

fn prefix(book: Book, measure: Measure, limit: u64) -> Vec<AllowedChapter> {
    let mut allowed = Vec::new();
    let mut used = 0u64;
    for (index, chapter) in book.chapters.iter().enumerate() {
        match chapter.kind {
            ChapterKind::Cover => continue,
            ChapterKind::FrontMatter | ChapterKind::BackMatter => {
                allowed.push(AllowedChapter::full(index));
                continue;
            }
            ChapterKind::Body => {}
        }
        let cost = book.cost(chapter, measure);
        if used + cost <= limit {
            used += cost;
            allowed.push(AllowedChapter::full(index));
            continue;
        }
        if book.is_page(chapter) {
            break;
        }
        let mut fitting = 0;
        for block in &chapter.blocks {
            let cost = measure.of_block(block);
            if used + cost > limit {
                break;
            }
            used += cost;
            fitting += 1;
        }
        if fitting > 0 {
            allowed.push(AllowedChapter {
                index,
                extent: Extent::Partial { blocks: fitting },
            });
        }
        break;
    }
    allowed
}

fn totals(book: Book, policy: ExcerptPolicy, allowed: Vec<AllowedChapter>) -> Excerpt {
    let mut resources = BTreeSet::new();
    let (mut words, mut characters, mut counted_words, mut counted_characters) = (0, 0, 0, 0);
    let (mut pages, mut counted_pages, mut text_words, mut page_seconds) = (0, 0, 0, 0);
    for entry in &allowed {
        let chapter = &book.chapters[entry.index];
        let blocks = match entry.extent {
            Extent::Full => &chapter.blocks[..],
            Extent::Partial { blocks } => &chapter.blocks[..blocks],
        };
        resources.extend(chapter.resources.iter().copied());
        let body = chapter.kind == ChapterKind::Body;
        for block in blocks {
            resources.extend(block.resources.iter().copied());
            words += block.words as u64;
            characters += block.characters as u64;
            if body {
                counted_words += block.words as u64;
                counted_characters += block.characters as u64;
            }
        }
        if book.is_page(chapter) {
            pages += 1;
            counted_pages += u64::from(body);
            let reading = chapter.words() * 60 / WORDS_PER_MINUTE;
            page_seconds += reading.max(PAGE_READING_SECONDS);
        } else {
            text_words += blocks.iter().map(|b| b.words as u64).sum::<u64>();
        }
    }
    let readable = book
        .chapters
        .iter()
        .filter(|c| c.kind != ChapterKind::Cover)
        .count();
    let complete = allowed.len() == readable && allowed.iter().all(|c| c.extent == Extent::Full);
    let seconds = (text_words * 60).div_ceil(WORDS_PER_MINUTE) + page_seconds;
    Excerpt {
        policy,
        chapters: allowed,
        resources,
        words,
        characters,
        counted_words,
        counted_characters,
        pages,
        counted_pages,
        reading_minutes: u32::try_from(seconds.div_ceil(60)).unwrap_or(u32::MAX),
        complete,
    }
}
