//! Property: whatever soup of markup comes in, the sanitizer does not panic and
//! what comes out is well-formed and inert (both parsers get exercised).

use proptest::prelude::*;

use super::super::{sanitize_css, sanitize_svg};
use super::support::{Book, assert_safe, assert_safe_css, parse_back};

const PIECES: &[&str] = &[
    "<p>",
    "</p>",
    "<div class='a'>",
    "</div>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\">",
    "</svg>",
    "<math>",
    "</math>",
    "<mi>",
    "<script>",
    "</script>",
    "alert(1)",
    "<style>",
    "</style>",
    "p{color:red}",
    "url(",
    "http://evil.test/x",
    ")",
    "{",
    "}",
    ";",
    "\"",
    "'",
    "&amp;",
    "&nbsp;",
    "&#0;",
    "&bogus;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<a href=\"",
    "javascript:",
    "#fn1",
    "img/pic.png",
    "\">",
    "<img src=",
    "/>",
    ">",
    "<",
    "<br>",
    "<title/>",
    "<li>",
    "<table><tr><td>",
    "<foreignObject>",
    "<iframe>",
    " onload=",
    "word ",
    "漢字",
    "<!DOCTYPE html>",
    "<?xml version=\"1.0\"?>",
    "<html xmlns=\"http://www.w3.org/1999/xhtml\">",
    "<body>",
    "</body>",
    "\u{0}",
    "\\",
    "@import ",
    "expression(",
    "<epub:switch>",
    "xml:lang=\"fr\"",
    " style=\"",
    "position:fixed",
    "<image xlink:href=",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_markup_soup_comes_out_well_formed_and_inert(input in soup()) {
        let book = Book::new();
        if let Ok(chapter) = super::super::sanitize_chapter(input.as_bytes(), &|raw| book.resolve(raw)) {
            assert_safe(&parse_back(&chapter.render_full()));
            for k in 0..chapter.blocks().len() {
                parse_back(&chapter.render_until(k));
            }
        }
        if let Ok(svg) = sanitize_svg(input.as_bytes(), &|raw| book.resolve(raw)) {
            assert_safe(&parse_back(&svg.text));
        }
        let css = sanitize_css(&input, &|raw| book.resolve(raw));
        assert_safe_css(&css);
        prop_assert!(!css.contains('<') && !css.contains('&'));
        prop_assert!(book.asked.borrow().iter().all(|raw| !raw.to_ascii_lowercase().starts_with("javascript:")));
    }
}
