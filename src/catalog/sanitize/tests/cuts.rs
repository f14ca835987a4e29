//! Property: every excerpt cut is well-formed and holds exactly the words of
//! the blocks before it, whatever the nesting of wrappers, blocks and inline text.

use proptest::prelude::*;

use super::super::count_text;
use super::support::{chapter, parse_back, xhtml};

fn body() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("<p>w </p>".to_string()),
        Just("<h2>w w </h2>".to_string()),
        Just("loose w ".to_string()),
        Just("<em>w </em>".to_string()),
        Just("<img src=\"img/pic.png\" alt=\"\"/>".to_string()),
        Just("<table><tr><td>w </td></tr></table>".to_string()),
        Just("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>w </text></svg>".to_string()),
    ];
    leaf.prop_recursive(5, 60, 5, |inner| {
        let tags = prop_oneof![
            Just("div"),
            Just("section"),
            Just("ul"),
            Just("aside"),
            Just("p"),
            Just("blockquote"),
            Just("li"),
            Just("span")
        ];
        (tags, prop::collection::vec(inner, 0..5))
            .prop_map(|(tag, children)| format!("<{tag}>{}</{tag}>", children.concat()))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_cut_is_well_formed_and_holds_exactly_the_blocks_before_it(inner in body()) {
        let chapter = chapter(&xhtml(&inner));
        let mut expected = 1; // the title, "T"
        for (k, block) in chapter.blocks().iter().enumerate() {
            expected += block.words;
            let cut = parse_back(&chapter.render_until(k));
            prop_assert_eq!(count_text(&cut.text).words, expected, "cut {} of {}", k, inner);
        }
        prop_assert_eq!(count_text(&parse_back(&chapter.render_full()).text).words, expected);
    }
}
