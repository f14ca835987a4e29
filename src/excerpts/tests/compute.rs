use serde_json::json;

use super::{block, body, chapter, page};
use crate::excerpts::ChapterKind::{BackMatter, Body, Cover, FrontMatter};
use crate::excerpts::{
    AllowedChapter, ChapterText, Excerpt, ExcerptPolicy, Extent, excerpt, reading_minutes,
};

fn policy(value: serde_json::Value) -> ExcerptPolicy {
    ExcerptPolicy::parse_json(&value).unwrap()
}

fn shape(e: &Excerpt) -> Vec<(usize, Extent)> {
    e.chapters().iter().map(|c| (c.index, c.extent)).collect()
}

const FULL: Extent = Extent::Full;
fn cut(blocks: usize) -> Extent {
    Extent::Partial { blocks }
}

/// Cover, title page, ten body chapters of 100 words (4 blocks of 25), notes.
fn novel() -> Vec<ChapterText> {
    let mut book = vec![chapter(Cover, &[]), chapter(FrontMatter, &[12])];
    book.extend((0..10).map(|_| body(&[25, 25, 25, 25])));
    book.push(chapter(BackMatter, &[300]));
    book
}

#[test]
fn an_empty_book_allows_nothing() {
    for value in [
        json!({"percent": 10}),
        json!({"chapters": 3}),
        json!({"words": 9}),
    ] {
        let e = excerpt(&[], &policy(value));
        assert!(e.chapters().is_empty());
        assert!(e.resources().is_empty());
        assert_eq!((e.words(), e.reading_minutes()), (0, 0));
    }
}

#[test]
fn a_book_of_only_front_matter_shows_it_without_counting() {
    let book = [
        chapter(Cover, &[]),
        chapter(FrontMatter, &[40]),
        chapter(FrontMatter, &[5]),
    ];
    let e = excerpt(&book, &ExcerptPolicy::default());
    assert_eq!(shape(&e), [(1, FULL), (2, FULL)]);
    assert_eq!((e.words(), e.counted_words()), (45, 0));
    assert!(e.is_complete());
}

#[test]
fn the_cover_page_is_never_allowed_nor_its_image() {
    let mut book = novel();
    book[0].blocks.push(block(0, &[7]));
    let e = excerpt(&book, &policy(json!({"percent": 100})));
    assert!(!e.allows_chapter(0));
    assert!(!e.allows_resource(7));
    assert!(e.is_complete(), "everything readable is allowed");
}

#[test]
fn a_policy_larger_than_the_book_allows_the_whole_book_with_back_matter() {
    for value in [
        json!({"percent": 100}),
        json!({"chapters": 50}),
        json!({"words": 1000}),
        json!({"characters": 6000}),
    ] {
        let e = excerpt(&novel(), &policy(value.clone()));
        assert_eq!(e.chapters().len(), 12, "{value}");
        assert!(e.chapters().iter().all(|c| c.extent == FULL), "{value}");
        assert!(e.is_complete() && e.allows_chapter(12), "{value}");
        assert_eq!(e.counted_words(), 1000);
        assert_eq!(e.words(), 1312);
    }
}

#[test]
fn ten_percent_of_the_words_is_the_first_chapter_after_the_title_page() {
    let e = excerpt(&novel(), &ExcerptPolicy::default());
    assert_eq!(shape(&e), [(1, FULL), (2, FULL)]);
    assert_eq!(e.counted_words(), 100);
    assert!(!e.is_complete());
}

#[test]
fn a_percentage_cuts_the_last_chapter_at_a_block_boundary() {
    // 26 % of 1000 = 260 words: two chapters and two blocks (50) plus 10 left over.
    let e = excerpt(&novel(), &policy(json!({"percent": 26})));
    assert_eq!(shape(&e), [(1, FULL), (2, FULL), (3, FULL), (4, cut(2))]);
    assert_eq!(e.counted_words(), 250);
    assert_eq!(e.words(), 262);
}

#[test]
fn a_percentage_always_allows_the_first_chapter_with_text() {
    // One huge chapter: 1 % would be 50 words, the floor gives all 5000.
    let book = [
        chapter(FrontMatter, &[10]),
        body(&[0]),
        body(&[1000; 5]),
        body(&[20]),
    ];
    let e = excerpt(&book, &policy(json!({"percent": 1})));
    assert_eq!(shape(&e), [(0, FULL), (1, FULL), (2, FULL)]);
    assert_eq!(e.counted_words(), 5000);
}

#[test]
fn a_word_limit_cuts_inside_a_single_huge_chapter() {
    let book = [chapter(FrontMatter, &[10]), body(&[400; 50])];
    let e = excerpt(&book, &policy(json!({"words": 5000})));
    assert_eq!(shape(&e), [(0, FULL), (1, cut(12))]);
    assert_eq!(e.counted_words(), 4800);
}

#[test]
fn a_word_limit_never_takes_the_block_that_crosses_it() {
    let book = [body(&[10, 10]), body(&[10, 31, 1])];
    let e = excerpt(&book, &policy(json!({"words": 50})));
    assert_eq!(shape(&e), [(0, FULL), (1, cut(1))]);
    let e = excerpt(&book, &policy(json!({"words": 61})));
    assert_eq!(shape(&e), [(0, FULL), (1, cut(2))]);
}

#[test]
fn an_absolute_limit_below_the_first_paragraph_shows_only_front_matter() {
    let book = [chapter(FrontMatter, &[10]), body(&[400]), body(&[400])];
    let e = excerpt(&book, &policy(json!({"words": 100})));
    assert_eq!(shape(&e), [(0, FULL)]);
    assert_eq!(e.counted_words(), 0);
}

#[test]
fn a_character_limit_counts_characters() {
    // Blocks of 10 words are 60 characters.
    let book = [body(&[10, 10, 10]), body(&[10])];
    let e = excerpt(&book, &policy(json!({"characters": 150})));
    assert_eq!(shape(&e), [(0, cut(2))]);
    assert_eq!(e.counted_characters(), 120);
    let e = excerpt(&book, &policy(json!({"characters": 180})));
    assert_eq!(shape(&e), [(0, FULL)]);
}

#[test]
fn chapters_count_only_body_chapters_with_text() {
    let book = [
        chapter(Cover, &[]),
        chapter(FrontMatter, &[30]),
        body(&[0]),
        body(&[50]),
        body(&[]),
        body(&[60]),
        body(&[70]),
    ];
    let e = excerpt(&book, &policy(json!({"chapters": 2})));
    assert_eq!(
        shape(&e),
        [(1, FULL), (2, FULL), (3, FULL), (4, FULL), (5, FULL)]
    );
    let e = excerpt(&book, &policy(json!({"chapters": 1})));
    assert_eq!(shape(&e), [(1, FULL), (2, FULL), (3, FULL)]);
}

#[test]
fn zero_word_chapters_cost_nothing_but_stay_in_order() {
    let book = [
        body(&[50]),
        body(&[0, 0]),
        body(&[]),
        body(&[50]),
        body(&[0]),
    ];
    let e = excerpt(&book, &policy(json!({"words": 50})));
    assert_eq!(shape(&e), [(0, FULL), (1, FULL), (2, FULL)]);
    let e = excerpt(&book, &policy(json!({"words": 100})));
    assert!(e.is_complete());
}

#[test]
fn resources_used_only_beyond_the_cut_are_not_allowed() {
    let mut first = body(&[]);
    first.resources = vec![0];
    first.blocks = vec![block(10, &[1]), block(10, &[2, 3]), block(10, &[4, 1])];
    let mut second = body(&[10]);
    second.resources = vec![5];
    let e = excerpt(&[first, second], &policy(json!({"words": 25})));
    assert_eq!(shape(&e), [(0, cut(2))]);
    assert_eq!(
        e.resources().iter().copied().collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert!(!e.allows_resource(4) && !e.allows_resource(5));
}

#[test]
fn the_stylesheet_of_a_partial_chapter_is_allowed() {
    let mut only = body(&[10, 10]);
    only.resources = vec![9];
    let e = excerpt(&[only], &policy(json!({"words": 10})));
    assert!(e.allows_resource(9));
}

#[test]
fn changing_the_policy_recomputes_from_the_same_counts() {
    let book = novel();
    let narrow = excerpt(&book, &policy(json!({"chapters": 1})));
    let wide = excerpt(&book, &policy(json!({"chapters": 4})));
    assert_eq!(narrow.chapters().len(), 2);
    assert_eq!(wide.chapters().len(), 5);
    assert_eq!(wide.policy(), policy(json!({"chapters": 4})));
}

#[test]
fn extent_answers_for_each_spine_item() {
    let e = excerpt(&novel(), &policy(json!({"percent": 15})));
    assert_eq!(e.extent(0), None);
    assert_eq!(e.extent(1), Some(FULL));
    assert_eq!(e.extent(3), Some(cut(2)));
    assert_eq!(e.extent(4), None);
    assert!(!e.allows_chapter(12));
}

#[test]
fn reading_minutes_round_up_at_230_words_a_minute() {
    assert_eq!(reading_minutes(0), 0);
    assert_eq!(reading_minutes(1), 1);
    assert_eq!(reading_minutes(230), 1);
    assert_eq!(reading_minutes(231), 2);
    let e = excerpt(&novel(), &policy(json!({"percent": 100})));
    assert_eq!(e.reading_minutes(), 6); // 1312 words
}

#[test]
fn an_excerpt_survives_a_json_round_trip() {
    let e = excerpt(&novel(), &policy(json!({"percent": 26})));
    let text = serde_json::to_string(&e).unwrap();
    assert_eq!(serde_json::from_str::<Excerpt>(&text).unwrap(), e);
    assert_eq!(
        serde_json::to_value(e.chapters()[3]).unwrap(),
        serde_json::to_value(AllowedChapter {
            index: 4,
            extent: cut(2)
        })
        .unwrap()
    );
}

#[test]
fn a_sanitized_chapter_cut_before_its_image_does_not_allow_the_image() {
    use crate::catalog::sanitize::{RefTarget, sanitize_chapter};
    let xhtml = br#"<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title>
        <link rel="stylesheet" href="style.css"/></head><body>
        <p>One two three.</p><p>Four five.</p><p><img src="map.png" alt="map"/> six</p>
        </body></html>"#;
    let resolve = |href: &str| match href {
        "style.css" => RefTarget::Resource(0),
        "map.png" => RefTarget::Resource(1),
        _ => RefTarget::Drop,
    };
    let sanitized = sanitize_chapter(xhtml, &resolve).unwrap();
    let text = crate::excerpts::ChapterText::from_sanitized(Body, &sanitized);
    assert_eq!(text.blocks.len(), 3);
    assert_eq!(text.words(), 6);
    let e = excerpt(&[text], &policy(json!({"words": 5})));
    assert_eq!(shape(&e), [(0, cut(2))]);
    assert!(e.allows_resource(0) && !e.allows_resource(1));
}

/// A manga: twelve fixed-layout pages of pictures (no words) and a reflowable note at the back.
fn manga() -> Vec<ChapterText> {
    let mut book: Vec<ChapterText> = (0..12).map(|i| page(0, i)).collect();
    book.push(chapter(BackMatter, &[80]));
    book
}

#[test]
fn a_book_of_pictures_is_limited_by_pages_under_every_policy() {
    let pages = |value| {
        let e = excerpt(&manga(), &policy(value));
        assert!(
            e.chapters().iter().all(|c| c.extent == FULL),
            "a page is never cut"
        );
        e.chapters().len()
    };
    assert_eq!(pages(json!({"pages": 3})), 3);
    assert_eq!(pages(json!({"chapters": 2})), 2);
    assert_eq!(pages(json!({"words": 50})), 0, "less than a page of words");
    assert_eq!(
        pages(json!({"words": 1000})),
        4,
        "a page counts as 250 words"
    );
    assert_eq!(
        pages(json!({"characters": 4500})),
        3,
        "a page counts as 1,500 characters"
    );
    assert_eq!(pages(json!({"percent": 25})), 3);
    assert_eq!(pages(json!({"percent": 1})), 1, "at least the first page");
    assert_eq!(
        pages(json!({"pages": 40})),
        13,
        "the whole book, back matter included"
    );
    let e = excerpt(&manga(), &policy(json!({"pages": 3})));
    assert_eq!((e.pages(), e.counted_pages(), e.words()), (3, 3, 0));
    assert_eq!(e.reading_minutes(), 1, "20 seconds a page");
    assert!(e.allows_resource(2) && !e.allows_resource(3));
}

#[test]
fn the_same_pictures_without_fixed_layout_are_pages_too() {
    let mut book = manga();
    book.iter_mut().for_each(|c| c.fixed = false);
    assert_eq!(
        excerpt(&book, &policy(json!({"pages": 5})))
            .chapters()
            .len(),
        5
    );
    // In a book with text, a text-less chapter is an illustration, not a page.
    assert_eq!(
        shape(&excerpt(&novel(), &policy(json!({"chapters": 1})))),
        [(1, FULL), (2, FULL)]
    );
}

#[test]
fn a_fixed_layout_page_with_more_than_a_page_of_text_costs_its_words() {
    let book = [page(400, 0), page(10, 1), page(10, 2)];
    let e = excerpt(&book, &policy(json!({"words": 650})));
    assert_eq!(shape(&e), [(0, FULL), (1, FULL)], "400 + 250 words");
    assert_eq!(
        e.reading_minutes(),
        3,
        "400 words at 230 a minute (104 s), then 20 s"
    );
}

#[test]
fn pages_of_reflowable_text_are_printed_pages_of_words() {
    // Ten chapters of 100 words: 2 pages are 500 words, five chapters.
    let e = excerpt(&novel(), &policy(json!({"pages": 2})));
    assert_eq!(e.counted_words(), 500);
    let e = excerpt(&novel(), &policy(json!({"pages": 1})));
    assert_eq!(shape(&e)[1..], [(2, FULL), (3, FULL), (4, cut(2))]);
}

#[test]
fn a_percentage_of_a_single_chapter_book_cuts_the_chapter() {
    let book = [
        chapter(Cover, &[]),
        chapter(FrontMatter, &[12]),
        body(&[25; 40]),
    ];
    let e = excerpt(&book, &policy(json!({"percent": 10})));
    assert_eq!(shape(&e), [(1, FULL), (2, cut(4))], "100 of 1,000 words");
    let e = excerpt(&book, &policy(json!({"percent": 1})));
    assert_eq!(
        shape(&e),
        [(1, FULL), (2, cut(1))],
        "at least the first paragraph"
    );
    assert!(!e.is_complete());
    // With a second chapter the floor is the whole first chapter again.
    let two = [body(&[25; 40]), body(&[25; 40])];
    let e = excerpt(&two, &policy(json!({"percent": 1})));
    assert_eq!(shape(&e), [(0, FULL)]);
}
