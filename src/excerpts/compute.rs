//! From a policy and a book's counts to the exact allowlist.
//!
//! The excerpt is the longest prefix of the reading order whose counted text
//! fits the limit, cut at a block boundary. Cover pages are skipped (the
//! catalog shows the cover image); front and back matter cost nothing and are
//! shown when the prefix reaches them, so the title page opens the excerpt and
//! back matter appears only when the whole body is allowed.

use std::collections::BTreeSet;

use super::book::{ChapterKind, ChapterText};
use super::policy::{ExcerptPolicy, Limit};
use super::{AllowedChapter, Excerpt, Extent, reading_minutes};

/// What the text limit is measured in.
#[derive(Debug, Clone, Copy)]
enum Measure {
    Words,
    Characters,
}

impl Measure {
    fn of_block(self, block: &super::BlockText) -> u64 {
        match self {
            Measure::Words => block.words as u64,
            Measure::Characters => block.characters as u64,
        }
    }
    fn of_chapter(self, chapter: &ChapterText) -> u64 {
        match self {
            Measure::Words => chapter.words(),
            Measure::Characters => chapter.characters(),
        }
    }
}

/// Computes what `policy` allows of `chapters` (the whole spine, in order).
pub fn excerpt(chapters: &[ChapterText], policy: &ExcerptPolicy) -> Excerpt {
    let allowed = match policy.limit() {
        Limit::Chapters(n) => first_chapters(chapters, n as usize),
        Limit::Percent(p) => {
            let total: u64 = body(chapters).map(ChapterText::words).sum();
            let share = (u128::from(total) * u128::from(p) / 100) as u64;
            let limit = share.max(first_text_chapter_words(chapters));
            prefix(chapters, Measure::Words, limit)
        }
        Limit::Words(n) => prefix(chapters, Measure::Words, n),
        Limit::Characters(n) => prefix(chapters, Measure::Characters, n),
    };
    totals(chapters, *policy, allowed)
}

fn body(chapters: &[ChapterText]) -> impl Iterator<Item = &ChapterText> {
    chapters.iter().filter(|c| c.kind == ChapterKind::Body)
}

/// Body words up to the end of the first body chapter with text: the floor
/// under a percentage, so a short book or a long first chapter still shows
/// one whole chapter.
fn first_text_chapter_words(chapters: &[ChapterText]) -> u64 {
    let mut words = 0;
    for chapter in body(chapters) {
        words += chapter.words();
        if chapter.has_text() {
            break;
        }
    }
    words
}

fn first_chapters(chapters: &[ChapterText], n: usize) -> Vec<AllowedChapter> {
    let mut allowed = Vec::new();
    let mut counted = 0;
    for (index, chapter) in chapters.iter().enumerate() {
        if chapter.kind == ChapterKind::Cover {
            continue;
        }
        allowed.push(AllowedChapter::full(index));
        if chapter.kind == ChapterKind::Body && chapter.has_text() {
            counted += 1;
            if counted == n {
                break;
            }
        }
    }
    allowed
}

fn prefix(chapters: &[ChapterText], measure: Measure, limit: u64) -> Vec<AllowedChapter> {
    let mut allowed = Vec::new();
    let mut used = 0u64;
    for (index, chapter) in chapters.iter().enumerate() {
        match chapter.kind {
            ChapterKind::Cover => continue,
            ChapterKind::FrontMatter | ChapterKind::BackMatter => {
                allowed.push(AllowedChapter::full(index));
                continue;
            }
            ChapterKind::Body => {}
        }
        let cost = measure.of_chapter(chapter);
        if used + cost <= limit {
            used += cost;
            allowed.push(AllowedChapter::full(index));
            continue;
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

fn totals(
    chapters: &[ChapterText],
    policy: ExcerptPolicy,
    allowed: Vec<AllowedChapter>,
) -> Excerpt {
    let mut resources = BTreeSet::new();
    let (mut words, mut characters, mut counted_words, mut counted_characters) = (0, 0, 0, 0);
    for entry in &allowed {
        let chapter = &chapters[entry.index];
        let blocks = match entry.extent {
            Extent::Full => &chapter.blocks[..],
            Extent::Partial { blocks } => &chapter.blocks[..blocks],
        };
        resources.extend(chapter.resources.iter().copied());
        for block in blocks {
            resources.extend(block.resources.iter().copied());
            words += block.words as u64;
            characters += block.characters as u64;
            if chapter.kind == ChapterKind::Body {
                counted_words += block.words as u64;
                counted_characters += block.characters as u64;
            }
        }
    }
    let readable = chapters
        .iter()
        .filter(|c| c.kind != ChapterKind::Cover)
        .count();
    let complete = allowed.len() == readable && allowed.iter().all(|c| c.extent == Extent::Full);
    Excerpt {
        policy,
        chapters: allowed,
        resources,
        words,
        characters,
        counted_words,
        counted_characters,
        reading_minutes: reading_minutes(words),
        complete,
    }
}
