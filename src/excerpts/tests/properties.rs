//! Random books and policies: the allowlist never exceeds the limit, keeps the
//! reading order, is as long as the limit permits, and names exactly the
//! resources of what it allows.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::excerpts::{
    BlockText, ChapterKind, ChapterText, Excerpt, ExcerptPolicy, Extent, Limit, excerpt,
    reading_minutes,
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
    (kind, blocks, resources).prop_map(|(kind, blocks, resources)| ChapterText {
        kind,
        blocks,
        resources,
    })
}

fn arb_book() -> impl Strategy<Value = Vec<ChapterText>> {
    proptest::collection::vec(arb_chapter(), 0..14)
}

fn arb_policy() -> impl Strategy<Value = ExcerptPolicy> {
    prop_oneof![
        (1u32..16).prop_map(Limit::Chapters),
        (1u8..=100).prop_map(Limit::Percent),
        (1u64..20_000).prop_map(Limit::Words),
        (1u64..100_000).prop_map(Limit::Characters),
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

/// Body words up to the end of the first body chapter with text, computed apart.
fn floor_words(book: &[ChapterText]) -> u64 {
    let body: Vec<_> = book
        .iter()
        .filter(|c| c.kind == ChapterKind::Body)
        .collect();
    let end = body.iter().position(|c| c.words() > 0);
    end.map_or(0, |end| body[..=end].iter().map(|c| c.words()).sum())
}

fn limit_in_force(book: &[ChapterText], policy: ExcerptPolicy) -> Option<(bool, u64)> {
    let total: u64 = book
        .iter()
        .filter(|c| c.kind == ChapterKind::Body)
        .map(|c| c.words())
        .sum();
    match policy.limit() {
        Limit::Chapters(_) => None,
        Limit::Percent(p) => Some((true, (total * u64::from(p) / 100).max(floor_words(book)))),
        Limit::Words(n) => Some((true, n)),
        Limit::Characters(n) => Some((false, n)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn allowed_text_never_exceeds_the_limit(book in arb_book(), policy in arb_policy()) {
        let e = excerpt(&book, &policy);
        match limit_in_force(&book, policy) {
            Some((true, limit)) => prop_assert!(e.counted_words() <= limit),
            Some((false, limit)) => prop_assert!(e.counted_characters() <= limit),
            None => {
                let Limit::Chapters(n) = policy.limit() else { unreachable!() };
                let counted = allowed_parts(&book, &e).iter()
                    .filter(|(c, _)| c.kind == ChapterKind::Body && c.has_text()).count();
                prop_assert!(counted <= n as usize);
            }
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
            }
        }
        prop_assert_eq!(e.is_complete(),
            allowed.len() == readable.len() && e.chapters().iter().all(|c| c.extent == Extent::Full));
    }

    #[test]
    fn text_limits_stop_only_at_a_block_that_does_not_fit(book in arb_book(), policy in arb_policy()) {
        let e = excerpt(&book, &policy);
        let Some((in_words, limit)) = limit_in_force(&book, policy) else { return Ok(()) };
        if e.is_complete() { return Ok(()); }
        let used = if in_words { e.counted_words() } else { e.counted_characters() };
        let next_block = match e.chapters().last() {
            Some(c) if matches!(c.extent, Extent::Partial { .. }) => {
                let Extent::Partial { blocks } = c.extent else { unreachable!() };
                &book[c.index].blocks[blocks]
            }
            last => {
                let from = last.map_or(0, |c| c.index + 1);
                let next = book[from..].iter().find(|c| c.kind != ChapterKind::Cover).unwrap();
                prop_assert_eq!(next.kind, ChapterKind::Body);
                &next.blocks[0]
            }
        };
        let cost = if in_words { next_block.words } else { next_block.characters } as u64;
        prop_assert!(used + cost > limit, "the next block would have fitted");
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
        prop_assert_eq!(e.reading_minutes(), reading_minutes(words));
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
    fn valid_policies_round_trip_through_json(policy in arb_policy()) {
        let value = serde_json::to_value(policy).unwrap();
        prop_assert_eq!(ExcerptPolicy::parse_json(&value).unwrap(), policy);
    }
}
