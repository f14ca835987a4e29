//! What reading needs survives: footnotes, blocks and their counts, excerpt
//! cuts, languages, and the XHTML details an HTML parser would lose.

use super::super::{RefTarget, sanitize_chapter};
use super::support::{body, chapter, parse_back, xhtml};

#[test]
fn footnote_links_and_ids_round_trip() {
    let chapter = chapter(&xhtml(
        "<p>Text<a epub:type=\"noteref\" href=\"#fn1\" id=\"ref1\">1</a> and \
         <a href=\"ch2.xhtml#n5\">elsewhere</a>, <a href=\"ch2.xhtml\">next</a>, \
         <a href=\"missing.xhtml\">gone</a>, <a name=\"old\">old anchor</a>.</p>\
         <aside epub:type=\"footnote\" id=\"fn1\"><p><a href=\"#ref1\" epub:type=\"backlink\">↩</a> The note.</p></aside>",
    ));
    let out = chapter.render_full();
    let parsed = parse_back(&out);
    assert_eq!(
        parsed.attr_values("a", "href"),
        ["#fn1", "2#n5", "2", "#ref1"]
    );
    assert_eq!(parsed.attr_values("aside", "id"), ["fn1"]);
    assert_eq!(parsed.attr_values("aside", "role"), ["doc-footnote"]);
    assert_eq!(parsed.attr_values("aside", "data-epub-type"), ["footnote"]);
    assert!(parsed.attr_values("a", "role").contains(&"doc-noteref"));
    for id in ["fn1", "ref1", "old"] {
        assert!(
            chapter.ids().contains(id),
            "{id} missing from {:?}",
            chapter.ids()
        );
    }
    assert!(
        parsed.text.contains("gone"),
        "a dropped link keeps its text"
    );
}

#[test]
fn blocks_follow_document_order_with_word_counts() {
    let chapter = chapter(&xhtml(
        "<section><h1>The Title</h1><div><p>one two three</p><p>four, five!</p></div>\
         <ul><li>alpha beta</li><li>gamma</li></ul><div class=\"para\">a loose div</div>\
         <figure><img src=\"img/pic.png\" alt=\"\"/><figcaption>cap</figcaption></figure></section>\
         loose <em>inline</em> words<blockquote><p>q q</p><p>r</p></blockquote>",
    ));
    let summary: Vec<(&str, usize)> = chapter
        .blocks()
        .iter()
        .map(|b| (b.tag.as_str(), b.words))
        .collect();
    assert_eq!(
        summary,
        [
            ("h1", 2),
            ("p", 3),
            ("p", 2),
            ("li", 2),
            ("li", 1),
            ("div", 3),
            ("figure", 1),
            ("#inline", 3),
            ("blockquote", 3)
        ]
    );
    assert_eq!(chapter.blocks()[6].resources, [2]);
    assert_eq!(chapter.blocks()[1].chars, "one two three".len());
    assert_eq!(chapter.words(), 20);
}

#[test]
fn cjk_chapters_count_two_characters_per_word_and_skip_ruby_readings() {
    let chapter = chapter(&xhtml(
        "<p><ruby>吾輩<rt>わがはい</rt></ruby>は猫である。</p><p>名前はまだ無い。</p>",
    ));
    let words: Vec<usize> = chapter.blocks().iter().map(|b| b.words).collect();
    assert_eq!(words, [4, 4]); // 7 and 7 characters
}

#[test]
fn render_until_cuts_after_the_block_and_closes_every_element() {
    let chapter = chapter(&xhtml(
        "<section id=\"s\"><h1>Head</h1><div><p>First</p><p>Second <em>em</em></p></div></section>\
         <section><p>Third</p><table><tr><td>Cell</td></tr></table></section><p>Last</p>",
    ));
    let expected = ["Head", "First", "Second", "Third", "Cell", "Last"];
    assert_eq!(chapter.blocks().len(), expected.len());
    for (k, word) in expected.iter().enumerate() {
        let cut = parse_back(&chapter.render_until(k));
        assert!(cut.text.contains(word), "block {k} missing");
        if let Some(next) = expected.get(k + 1) {
            assert!(
                !cut.text.contains(next),
                "block {} leaked into cut {k}",
                k + 1
            );
        }
    }
    assert_eq!(chapter.render_until(99), chapter.render_full());
}

#[test]
fn xhtml_self_closed_title_cdata_and_html_entities_go_through_the_xml_path() {
    let doc = "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title/></head><body>\
        <p>before</p><p><![CDATA[a < b && c]]></p><p>non&nbsp;breaking&mdash;dash &#x263A;</p></body></html>";
    let chapter = chapter(doc);
    let out = chapter.render_full();
    let parsed = parse_back(&out);
    assert!(parsed.text.contains("before"), "{out}");
    assert!(parsed.text.contains("a < b && c"), "{out}");
    assert!(
        parsed
            .text
            .contains("non\u{a0}breaking\u{2014}dash \u{263A}"),
        "{out}"
    );
    assert_eq!(chapter.blocks().len(), 3);
    assert!(chapter.parsed_as_xml());
}

#[test]
fn malformed_chapters_fall_back_to_html_parsing_and_come_out_well_formed() {
    let doc = "<html><head><title>Broken</title></head><body><p>one<br><p>two <b>bold<i>both</b> x\
        <img src=\"img/pic.png\"><ul><li>a<li>b</ul><p>it&amp;s &nbsp;fine</body>";
    let chapter = chapter(doc);
    let out = chapter.render_full();
    let parsed = parse_back(&out);
    assert!(
        parsed.text.contains("Broken") && parsed.text.contains("both"),
        "{out}"
    );
    assert_eq!(parsed.attr_values("img", "src"), ["../resources/r2"]);
    let tags: Vec<&str> = chapter.blocks().iter().map(|b| b.tag.as_str()).collect();
    assert_eq!(tags, ["p", "p", "li", "li", "p"]);
}

#[test]
fn language_and_direction_come_from_the_root_or_the_body() {
    let rtl = chapter(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"ar\" dir=\"rtl\"><head><title>t</title></head><body><p>نص</p></body></html>",
    );
    assert_eq!((rtl.lang(), rtl.dir()), (Some("ar"), Some("rtl")));
    let out = parse_back(&rtl.render_full());
    assert_eq!(out.attr_values("html", "lang"), ["ar"]);
    assert_eq!(out.attr_values("html", "dir"), ["rtl"]);
    let body_only = chapter(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>t</title></head><body lang=\"ja\" dir=\"bogus\"><p>x</p></body></html>",
    );
    assert_eq!((body_only.lang(), body_only.dir()), (Some("ja"), None));
}

#[test]
fn utf16_chapters_are_decoded() {
    let doc = xhtml("<p>Zoë ☺</p>");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
    let chapter = sanitize_chapter(&bytes, &|_| RefTarget::Drop).unwrap();
    assert!(chapter.render_full().contains("Zoë ☺"));
}

#[test]
fn epub_switch_keeps_only_the_default_fallback() {
    let out = body(
        "<epub:switch id=\"s\"><epub:case required-namespace=\"http://www.xml-cml.org/schema\">\
         <cml>chemistry</cml></epub:case><epub:default><p>Fallback text</p></epub:default></epub:switch>",
    );
    assert!(
        out.contains("Fallback text") && !out.contains("chemistry"),
        "{out}"
    );
}

#[test]
fn svg_documents_are_wrapped_in_an_xhtml_body() {
    let chapter = chapter(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 2 2\">\
         <image width=\"2\" height=\"2\" xlink:href=\"img/wide.jpg\"/></svg>",
    );
    let parsed = parse_back(&chapter.render_full());
    assert!(parsed.has_element("body") && parsed.has_element("svg"));
    assert_eq!(chapter.blocks().len(), 1);
    assert_eq!(chapter.resources().into_iter().collect::<Vec<_>>(), [4]);
}

#[test]
fn inline_styles_move_to_the_head_and_keep_their_book_resources() {
    let chapter = chapter(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>t</title><link rel=\"stylesheet\" href=\"style.css\"/>\
         <style>@font-face { font-family: S; src: url(fonts/serif.otf) } p > em { color: red }</style></head>\
         <body><style>h1 { font-size: 2em }</style><div style=\"background: url(img/wide.jpg)\"><p>x</p></div></body></html>",
    );
    let out = chapter.render_full();
    parse_back(&out);
    let head = &out[..out.find("</head>").unwrap()];
    assert!(
        head.contains("url(\"../resources/r3\")")
            && head.contains("p > em")
            && head.contains("font-size:2em"),
        "{out}"
    );
    assert_eq!(chapter.resources_outside_blocks(), [1, 3, 4]);
}

#[test]
fn drawings_and_formulas_without_a_namespace_declaration_still_display() {
    let out = body(
        "<svg viewBox=\"0 0 4 4\"><rect width=\"4\" height=\"4\"/></svg><math><mi>x</mi></math>",
    );
    let parsed = parse_back(&out);
    assert!(
        parsed.has_element("rect") && parsed.has_element("mi"),
        "{out}"
    );
    assert!(
        out.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{out}"
    );
}

#[test]
fn a_stored_chapter_renders_the_same_cuts_after_a_round_trip() {
    let chapter = chapter(&xhtml(
        "<h1>T</h1><p>one</p><p>two <img src=\"img/pic.png\" alt=\"\"/></p>",
    ));
    let stored = serde_json::to_string(&chapter).unwrap();
    let restored: super::super::SanitizedChapter = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored.render_until(1), chapter.render_until(1));
    assert_eq!(restored.blocks(), chapter.blocks());
    assert_eq!(restored.resources(), chapter.resources());
}

#[test]
fn deep_chapters_survive_the_round_trip() {
    let deep = format!("{}<p>x</p>{}", "<div>".repeat(200), "</div>".repeat(200));
    let chapter = chapter(&xhtml(&deep));
    let stored = serde_json::to_string(&chapter).unwrap();
    let restored: super::super::SanitizedChapter = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored.render_full(), chapter.render_full());
}

#[test]
fn upper_case_xhtml_keeps_its_structure() {
    let chapter = chapter(&xhtml(
        "<P CLASS=\"a\" ONCLICK=\"alert(1)\">one</P><H2>two</H2>",
    ));
    let parsed = parse_back(&chapter.render_full());
    assert_eq!(parsed.attr_values("p", "class"), ["a"]);
    assert!(parsed.has_element("h2") && !chapter.render_full().contains("alert"));
    assert_eq!(chapter.blocks().len(), 2);
}
