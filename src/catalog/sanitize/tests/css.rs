//! Publisher stylesheets keep layout and typography and lose everything that loads or runs.

use super::super::{RefTarget, sanitize_css, sanitize_stylesheet};
use super::support::Book;

fn clean(css: &str) -> String {
    let book = Book::new();
    let out = sanitize_css(css, &|raw| book.resolve(raw));
    assert!(
        book.asked.borrow().iter().all(|raw| !raw.contains("evil")),
        "asked {:?}",
        book.asked.borrow()
    );
    out
}

#[test]
fn layout_and_typography_are_kept() {
    let out = clean(
        "body { margin: 0 5%; font-family: \"Libre Baskerville\", serif; }\n\
         p + p { text-indent: 1.5em } h1:first-child::before { content: \"\\201C\" }\n\
         @media (min-width: 30em) { .wide { column-count: calc(1 + 1) } }\n\
         .v { writing-mode: vertical-rl; position: relative; color: rgb(10 20 30 / 50%) }",
    );
    for kept in [
        "body{margin:0 5%;font-family:\"Libre Baskerville\", serif;}",
        "p + p{text-indent:1.5em;}",
        "content:\"\\201C\";",
        "@media (min-width: 30em){.wide{column-count:calc(1 + 1);}",
        "writing-mode:vertical-rl;position:relative;color:rgb(10 20 30 / 50%);",
    ] {
        assert!(out.contains(kept), "{kept:?} missing from {out}");
    }
}

#[test]
fn remote_urls_and_imports_are_dropped() {
    let out = clean(
        "@import url(//evil.test/a.css);\n@import \"https://evil.test/b.css\" screen;\n@import 'more.css' print;\n\
         p { background: url(http://evil.test/pixel.gif) no-repeat; color: blue }\n\
         h1 { background-image: url( \"HTTPS://evil.test/x.png\" ) }\n\
         h2 { background: url(javascript:alert(1)) } h3 { background: url(data:image/png;base64,AAAA) }\n\
         li { list-style-image: url(img/pic.png) } .s { filter: url(#blur) }\n\
         @font-face { font-family: X; src: url(fonts/serif.otf) format(\"opentype\"), url(https://evil.test/f.woff) }",
    );
    assert!(
        out.contains("@import url(\"../resources/r5\") print;"),
        "{out}"
    );
    assert!(
        out.contains("p{color:blue;}") && out.contains("h1{}"),
        "{out}"
    );
    assert!(
        out.contains("list-style-image:url(\"../resources/r2\");"),
        "{out}"
    );
    assert!(out.contains("filter:url(\"#blur\");"), "{out}");
    // One remote source in the list drops the whole `src` declaration.
    assert!(
        out.contains("@font-face{font-family:X;font-display:swap;}"),
        "{out}"
    );
    for gone in ["evil", "javascript", "data:", "http"] {
        assert!(!out.to_ascii_lowercase().contains(gone), "{gone} in {out}");
    }
}

#[test]
fn expressions_bindings_and_fixed_positioning_are_dropped() {
    let out = clean(
        "p { width: expression(alert(1)); color: red }\n\
         .a { behavior: url(evil.htc); -moz-binding: url(evil.xml#x) }\n\
         .b { w\\69 dth: e\\78 pression(alert(2)); height: 1em }\n\
         .c { position: fixed; top: 0 } .d { position: sticky } .e { position : FIXED !important }\n\
         .f { background: image-set(\"img/pic.png\" 1x) } .g { content: attr(title) }",
    );
    for gone in [
        "expression",
        "behavior",
        "binding",
        "fixed",
        "sticky",
        "FIXED",
        "image-set",
        "attr(",
    ] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
    assert!(
        out.contains("p{color:red;}")
            && out.contains(".b{height:1em;}")
            && out.contains(".c{top:0;}"),
        "{out}"
    );
}

#[test]
fn markup_cannot_escape_an_inline_style_element() {
    let out = clean(
        "p { content: \"</style><script>alert(1)</script>\" } q { color: red }</style><script>",
    );
    assert!(!out.contains('<') && !out.contains('&'), "{out}");
    assert!(out.contains("q{color:red;}"), "{out}");
}

#[test]
fn comments_braces_and_unknown_at_rules_cannot_smuggle_rules() {
    let out = clean(
        "/* } p { background: url(http://evil.test/) } */ a { color: red }\n\
         @-moz-document url-prefix() { p { color: blue } }\n@namespace epub url(http://www.idpf.org/2007/ops);\n\
         @charset \"utf-8\";\n[epub|type~=\"footnote\"] { display: none }\n\
         nav[epub\\:type~='toc'] { color: red }\n\
         @page { margin: 1em; @top-center { content: url(http://evil.test/) } }",
    );
    assert!(out.contains("a{color:red;}"), "{out}");
    assert!(
        !out.contains("blue") && !out.contains("@namespace") && !out.contains("@charset"),
        "{out}"
    );
    assert!(
        out.contains("[data-epub-type~=\"footnote\"]{display:none;}")
            && out.contains("nav[data-epub-type~='toc']{color:red;}"),
        "{out}"
    );
    assert!(out.contains("@page{margin:1em;}"), "{out}");
    assert!(!out.contains("evil"), "{out}");
}

#[test]
fn stylesheet_reports_the_resources_it_uses() {
    let css = "@import 'more.css'; @font-face { src: url('fonts/serif.otf') } p { background: url(img/pic.png) }";
    let book = Book::new();
    let sanitized = sanitize_stylesheet(css, &|raw| book.resolve(raw));
    assert_eq!(sanitized.resources, [5, 3, 2]);
    let dropped = sanitize_stylesheet("p { background: url(img/pic.png) }", &|_| RefTarget::Drop);
    assert_eq!(dropped.text, "p{}\n");
}

#[test]
fn book_fonts_never_hold_the_text_back() {
    let out = clean(
        "@font-face { font-family: S; src: url(fonts/serif.otf); font-display: block }\n\
         @media screen { @font-face { font-family: T; src: url(fonts/serif.otf) } }",
    );
    assert_eq!(out.matches("font-display:swap;}").count(), 2, "{out}");
    let block_at = out.find("font-display:block").unwrap();
    assert!(
        out[block_at..].find("font-display:swap") < out[block_at..].find('}'),
        "the book's own font-display is overridden: {out}"
    );
}
