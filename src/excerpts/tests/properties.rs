//! Random books and policies: the allowlist never exceeds the limit, keeps the
//! reading order, is as long as the limit permits, and names exactly the
//! resources of what it allows.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::excerpts::{
    BlockText, CHARACTERS_PER_PAGE, ChapterKind, ChapterText, Excerpt, ExcerptPolicy, Extent,
    Limit, PAGE_READING_SECONDS, WORDS_PER_MINUTE, WORDS_PER_PAGE, excerpt,
};

fn arb_block() -> impl Strategy<Value = BlockText> {
    let words = prop_oneof![3 => 0usize..120, 1 => Just(0usize), 1 => 500usize..3000];
    let resources = proptest::collection::vec(0usize..24, 0..3);
    (words, 0usize..8, resources).prop_map(|(words, extra, resources)| BlockText {
        words,
        characters: words * 5 + extra,
        resources,
    })
}

fn arb_chapter() -> impl Strategy<Value = ChapterText> {
    let kind = prop_oneof![
        1 => Just(ChapterKind::Cover),
        2 => Just(ChapterKind::FrontMatter),
        8 => Just(ChapterKind::Body),
        1 => Just(ChapterKind::BackMatter),
    ];
    let blocks = proptest::collection::vec(arb_block(), 0..10);
    let resources = proptest::collection::vec(0usize..24, 0..2);
    let fixed = proptest::bool::weighted(0.15);
    (kind, blocks, resources, fixed).prop_map(|(kind, blocks, resources, fixed)| ChapterText {
        kind,
        blocks,
        resources,
        fixed,
    })
}

/// A page of pictures: one or two blocks, mostly without words.
fn arb_picture_page() -> impl Strategy<Value = ChapterText> {
    let words = prop_oneof![4 => Just(0usize), 1 => 1usize..400];
    let blocks = proptest::collection::vec(
        (words, 0usize..24).prop_map(|(words, picture)| BlockText {
            words,
            characters: words * 6,
            resources: vec![picture],
        }),
        1..3,
    );
    let kind = prop_oneof![1 => Just(ChapterKind::FrontMatter), 8 => Just(ChapterKind::Body)];
    (kind, blocks, any::<bool>()).prop_map(|(kind, blocks, fixed)| ChapterText {
        kind,
        blocks,
        resources: vec![0],
        fixed,
    })
}

/// A book of pages: fixed layout, or reflowable pictures without text.
fn arb_pages() -> impl Strategy<Value = Vec<ChapterText>> {
    proptest::collection::vec(arb_picture_page(), 0..24).prop_map(|mut pages| {
        if pages.iter().any(ChapterText::has_text) {
            pages.iter_mut().for_each(|p| p.fixed = true);
        }
        pages
    })
}

/// Text books, mixed books, and books of pages.
fn arb_book() -> impl Strategy<Value = Vec<ChapterText>> {
    prop_oneof![
        3 => proptest::collection::vec(arb_chapter(), 0..14),
        1 => arb_pages(),
    ]
}

/// Whether picture chapters (content, no word) outnumber text chapters in the body.
fn picture_book(book: &[ChapterText]) -> bool {
    let body = book.iter().filter(|c| c.kind == ChapterKind::Body);
    let (text, pictures): (Vec<_>, Vec<_>) = body
        .filter(|c| !c.blocks.is_empty())
        .partition(|c| c.words() > 0);
    pictures.len() > text.len()
}

fn is_page(book: &[ChapterText], chapter: &ChapterText) -> bool {
    chapter.fixed || (picture_book(book) && chapter.words() == 0 && !chapter.blocks.is_empty())
}

/// What a measure counts: words, characters, or pages in words.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Words,
    Characters,
    Pages,
}

fn block_cost(block: &BlockText, unit: Unit) -> u64 {
    match unit {
        Unit::Characters => block.characters as u64,
        Unit::Words | Unit::Pages => block.words as u64,
    }
}

/// What the allowed part of a chapter costs under `unit`.
fn part_cost(book: &[ChapterText], chapter: &ChapterText, blocks: &[BlockText], unit: Unit) -> u64 {
    let text: u64 = blocks.iter().map(|b| block_cost(b, unit)).sum();
    if !is_page(book, chapter) {
        return text;
    }
    match unit {
        Unit::Pages => WORDS_PER_PAGE,
        Unit::Words => text.max(WORDS_PER_PAGE),
        Unit::Characters => text.max(CHARACTERS_PER_PAGE),
    }
}

/// The counted cost of what an excerpt allows.
fn counted(book: &[ChapterText], e: &Excerpt, unit: Unit) -> u64 {
    allowed_parts(book, e)
        .iter()
        .filter(|(c, _)| c.kind == ChapterKind::Body)
        .map(|(c, blocks)| part_cost(book, c, blocks, unit))
        .sum()
}

fn arb_policy() -> impl Strategy<Value = ExcerptPolicy> {
    prop_oneof![
        (1u32..16).prop_map(Limit::Chapters),
        (1u8..=100).prop_map(Limit::Percent),
        (1u64..20_000).prop_map(Limit::Words),
        (1u64..100_000).prop_map(Limit::Characters),
        (1u32..30).prop_map(Limit::Pages),
    ]
    .prop_map(|limit| ExcerptPolicy::new(limit).unwrap())
}

/// The blocks of the allowed part of each allowed chapter, with its kind.
fn allowed_parts<'a>(
    book: &'a [ChapterText],
    e: &Excerpt,
) -> Vec<(&'a ChapterText, &'a [BlockText])> {
    e.chapters()
        .iter()
        .map(|c| {
            let chapter = &book[c.index];
            match c.extent {
                Extent::Full => (chapter, &chapter.blocks[..]),
                Extent::Partial { blocks } => (chapter, &chapter.blocks[..blocks]),
            }
        })
        .collect()
}

fn counts_as_chapter(book: &[ChapterText], c: &ChapterText) -> bool {
    c.kind == ChapterKind::Body && (c.words() > 0 || is_page(book, c))
}

/// The floor of a percentage, computed apart: the body up to the end of its
/// first counting chapter, or up to its first paragraph when that chapter is
/// the only one with content and can be cut.
fn floor_words(book: &[ChapterText]) -> u64 {
    let body: Vec<&ChapterText> = book
        .iter()
        .filter(|c| c.kind == ChapterKind::Body)
        .collect();
    let cost = |c: &ChapterText| part_cost(book, c, &c.blocks, Unit::Words);
    let Some(end) = body.iter().position(|c| counts_as_chapter(book, c)) else {
        return body.iter().map(|c| cost(c)).sum();
    };
    let before: u64 = body[..end].iter().map(|c| cost(c)).sum();
    let first = body[end];
    let rest: u64 = body[end + 1..].iter().map(|c| cost(c)).sum();
    if rest > 0 || is_page(book, first) {
        return before + cost(first);
    }
    let paragraph = first.blocks.iter().position(|b| b.words > 0).unwrap();
    before
        + first.blocks[..=paragraph]
            .iter()
            .map(|b| b.words as u64)
            .sum::<u64>()
}

fn limit_in_force(book: &[ChapterText], policy: ExcerptPolicy) -> Option<(Unit, u64)> {
    let total: u64 = book
        .iter()
        .filter(|c| c.kind == ChapterKind::Body)
        .map(|c| part_cost(book, c, &c.blocks, Unit::Words))
        .sum();
    match policy.limit() {
        Limit::Chapters(_) => None,
        Limit::Percent(p) => Some((
            Unit::Words,
            (total * u64::from(p) / 100).max(floor_words(book)),
        )),
        Limit::Words(n) => Some((Unit::Words, n)),
        Limit::Characters(n) => Some((Unit::Characters, n)),
        Limit::Pages(n) => Some((Unit::Pages, u64::from(n) * WORDS_PER_PAGE)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn allowed_text_never_exceeds_the_limit(book in arb_book(), policy in arb_policy()) {
        let e = excerpt(&book, &policy);
        match limit_in_force(&book, policy) {
            Some((unit, limit)) => prop_assert!(counted(&book, &e, unit) <= limit),
            None => {
                let Limit::Chapters(n) = policy.limit() else { unreachable!() };
                let counted = allowed_parts(&book, &e).iter()
                    .filter(|(c, _)| counts_as_chapter(&book, c)).count();
                prop_assert!(counted <= n as usize);
            }
        }
        if let Limit::Pages(n) = policy.limit() {
            let body_pages = allowed_parts(&book, &e).iter()
                .filter(|(c, _)| c.kind == ChapterKind::Body && is_page(&book, c)).count();
            prop_assert!(body_pages <= n as usize);
            prop_assert_eq!(e.counted_pages(), body_pages as u64);
        }
    }

    #[test]
    fn the_allowlist_is_a_prefix_of_the_reading_order(book in arb_book(), policy in arb_policy()) {
        let e = excerpt(&book, &policy);
        let readable: Vec<usize> = (0..book.len())
            .filter(|&i| book[i].kind != ChapterKind::Cover).collect();
        let allowed: Vec<usize> = e.chapters().iter().map(|c| c.index).collect();
        prop_assert_eq!(&allowed[..], &readable[..allowed.len()]);
        for (at, c) in e.chapters().iter().enumerate() {
            if let Extent::Partial { blocks } = c.extent {
                prop_assert_eq!(at, allowed.len() - 1, "only the last chapter may be partial");
                prop_assert!(blocks >= 1 && blocks < book[c.index].blocks.len());
                prop_assert_eq!(book[c.index].kind, ChapterKind::Body);
                prop_assert!(!is_page(&book, &book[c.index]), "a page is never cut");
            }
        }
        prop_assert_eq!(e.is_complete(),
            allowed.len() == readable.len() && e.chapters().iter().all(|c| c.extent == Extent::Full));
    }

    #[test]
    fn text_limits_stop_only_at_a_block_that_does_not_fit(book in arb_book(), policy in arb_policy()) {
        let e = excerpt(&book, &policy);
        let Some((unit, limit)) = limit_in_force(&book, policy) else { return Ok(()) };
        if e.is_complete() { return Ok(()); }
        let used = counted(&book, &e, unit);
        let cost = match e.chapters().last() {
            Some(c) if matches!(c.extent, Extent::Partial { .. }) => {
                let Extent::Partial { blocks } = c.extent else { unreachable!() };
                block_cost(&book[c.index].blocks[blocks], unit)
            }
            last => {
                let from = last.map_or(0, |c| c.index + 1);
                let next = book[from..].iter().find(|c| c.kind != ChapterKind::Cover).unwrap();
                prop_assert_eq!(next.kind, ChapterKind::Body);
                if is_page(&book, next) {
                    part_cost(&book, next, &next.blocks, unit)
                } else {
                    block_cost(&next.blocks[0], unit)
                }
            }
        };
        prop_assert!(used + cost > limit, "the next block or page would have fitted");
    }

    #[test]
    fn resources_are_exactly_those_of_the_allowed_text(book in arb_book(), policy in arb_policy()) {
        let e = excerpt(&book, &policy);
        let mut expected = BTreeSet::new();
        for (chapter, blocks) in allowed_parts(&book, &e) {
            expected.extend(chapter.resources.iter().copied());
            expected.extend(blocks.iter().flat_map(|b| b.resources.iter().copied()));
        }
        prop_assert_eq!(e.resources(), &expected);
    }

    #[test]
    fn totals_add_up_what_is_allowed(book in arb_book(), policy in arb_policy()) {
        let e = excerpt(&book, &policy);
        let parts = allowed_parts(&book, &e);
        let words: u64 = parts.iter().flat_map(|(_, b)| b.iter()).map(|b| b.words as u64).sum();
        let counted: u64 = parts.iter().filter(|(c, _)| c.kind == ChapterKind::Body)
            .flat_map(|(_, b)| b.iter()).map(|b| b.words as u64).sum();
        prop_assert_eq!(e.words(), words);
        prop_assert_eq!(e.counted_words(), counted);
        let pages: Vec<_> = parts.iter().filter(|(c, _)| is_page(&book, c)).collect();
        prop_assert_eq!(e.pages(), pages.len() as u64);
        let page_seconds: u64 = pages.iter()
            .map(|(c, _)| (c.words() * 60 / WORDS_PER_MINUTE).max(PAGE_READING_SECONDS)).sum();
        let text_words: u64 = parts.iter().filter(|(c, _)| !is_page(&book, c))
            .flat_map(|(_, b)| b.iter()).map(|b| b.words as u64).sum();
        let seconds = (text_words * 60).div_ceil(WORDS_PER_MINUTE) + page_seconds;
        prop_assert_eq!(u64::from(e.reading_minutes()), seconds.div_ceil(60));
    }

    #[test]
    fn a_new_policy_recomputes_from_the_same_counts_alone(
        book in arb_book(), first in arb_policy(), second in arb_policy(),
    ) {
        let before = excerpt(&book, &first);
        let after = excerpt(&book, &second);
        prop_assert_eq!(after.policy(), second);
        prop_assert_eq!(&after, &excerpt(&book, &second));
        prop_assert_eq!(&before, &excerpt(&book, &first));
    }

    #[test]
    fn a_larger_word_limit_only_extends_the_excerpt(
        book in arb_book(), small in 1u64..10_000, extra in 0u64..10_000,
    ) {
        let narrow = excerpt(&book, &ExcerptPolicy::new(Limit::Words(small)).unwrap());
        let wide = excerpt(&book, &ExcerptPolicy::new(Limit::Words(small + extra)).unwrap());
        let n = narrow.chapters().len();
        prop_assert!(wide.chapters().len() >= n);
        for (a, b) in narrow.chapters().iter().zip(wide.chapters()) {
            prop_assert_eq!(a.index, b.index);
            if let (Extent::Partial { blocks: x }, Extent::Partial { blocks: y }) = (a.extent, b.extent) {
                prop_assert!(y >= x);
            }
            if a.extent == Extent::Full { prop_assert_eq!(b.extent, Extent::Full); }
        }
        prop_assert!(narrow.resources().is_subset(wide.resources()));
    }

    #[test]
    fn every_policy_limits_a_book_of_pages(book in arb_pages(), policy in arb_policy()) {
        let body_pages = book.iter()
            .filter(|c| c.kind == ChapterKind::Body && is_page(&book, c)).count();
        let e = excerpt(&book, &policy);
        let served = e.counted_pages() as usize;
        let expected = match policy.limit() {
            Limit::Pages(n) | Limit::Chapters(n) => (n as usize).min(body_pages),
            _ => served,
        };
        prop_assert_eq!(served, expected, "pages and chapters policies serve exactly N pages");
        if let Limit::Words(n) = policy.limit() {
            prop_assert!(served as u64 <= n / WORDS_PER_PAGE, "a picture page costs a page of words");
        }
    }

    #[test]
    fn a_percentage_cuts_a_single_chapter_book_within_the_chapter(
        paragraphs in proptest::collection::vec(1usize..200, 2..60), p in 1u8..100,
    ) {
        let book = vec![super::body(&paragraphs)];
        let e = excerpt(&book, &ExcerptPolicy::new(Limit::Percent(p)).unwrap());
        let total: u64 = paragraphs.iter().map(|&w| w as u64).sum();
        let limit = (total * u64::from(p) / 100).max(paragraphs[0] as u64);
        prop_assert!(e.counted_words() <= limit);
        prop_assert!(e.counted_words() >= paragraphs[0] as u64, "at least the first paragraph");
        if limit < total {
            prop_assert!(!e.is_complete(), "a percentage below the book is not the whole book");
        }
    }

    #[test]
    fn valid_policies_round_trip_through_json(policy in arb_policy()) {
        let value = serde_json::to_value(policy).unwrap();
        prop_assert_eq!(ExcerptPolicy::parse_json(&value).unwrap(), policy);
    }
}
