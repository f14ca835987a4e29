//! Every kind of active or remote content a hostile chapter can carry is removed.

use super::super::{RefTarget, SanitizeError, sanitize_chapter};
use super::support::{Book, assert_inert, body, parse_back};

#[test]
fn script_elements_are_removed_from_head_body_and_svg() {
    let doc = "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>T</title>\
        <script>alert('head')</script><script src=\"evil.js\"/></head><body>\
        <script type=\"text/javascript\">alert('body')</script>\
        <p>Text<script>alert('inline')</script> stays.</p>\
        <svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert('svg')</script><rect width=\"5\" height=\"5\"/></svg>\
        </body></html>";
    let out = super::support::chapter(doc).render_full();
    assert_inert(&out);
    assert!(!out.contains("alert"), "{out}");
    assert!(out.contains("Text stays."));
    assert!(parse_back(&out).has_element("rect"));
}

#[test]
fn event_handlers_are_removed_from_every_element() {
    let out = super::support::chapter(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>T</title></head>\
         <body onload=\"alert(1)\"><p onclick=\"alert(2)\" class=\"x\">Hi</p>\
         <img src=\"img/pic.png\" onerror=\"alert(3)\" alt=\"pic\"/>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(4)\"><circle r=\"3\" onmouseover=\"alert(5)\"/></svg>\
         <math xmlns=\"http://www.w3.org/1998/Math/MathML\" onclick=\"alert(6)\"><mi>x</mi></math></body></html>",
    )
    .render_full();
    assert_inert(&out);
    assert!(!out.contains("alert"));
    let parsed = parse_back(&out);
    assert_eq!(parsed.attr_values("p", "class"), ["x"]);
    assert_eq!(parsed.attr_values("img", "src"), ["../resources/r2"]);
}

#[test]
fn javascript_and_data_urls_are_removed() {
    let out = body(
        "<p><a href=\"javascript:alert(1)\">js</a> <a href=\" JAVA&#9;SCRIPT:alert(2)\">tab</a>\
         <img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"d\"/>\
         <a href=\"data:text/html,&lt;script&gt;alert(3)&lt;/script&gt;\">data</a>\
         <img src=\"blob:https://evil.test/1\"/><a href=\"file:///etc/passwd\">f</a></p>",
    );
    assert_inert(&out);
    let parsed = parse_back(&out);
    assert!(parsed.attr_values("a", "href").is_empty(), "{out}");
    assert!(!parsed.has_element("img"), "{out}");
    assert!(
        parsed.text.contains("js") && parsed.text.contains("data"),
        "link text stays"
    );
}

#[test]
fn frames_forms_objects_and_embeds_are_removed() {
    let out = body(
        "<iframe src=\"ch2.xhtml\">inside</iframe><frameset><frame src=\"x\"/></frameset>\
         <form action=\"https://evil.test/steal\"><p>Label</p><input name=\"pw\"/><textarea>t</textarea>\
         <button>Send</button><select><option>o</option></select></form>\
         <object data=\"evil.swf\"><param name=\"a\" value=\"b\"/><p>Fallback</p></object>\
         <embed src=\"evil.swf\"/><applet code=\"Evil.class\">applet</applet>",
    );
    assert_inert(&out);
    let parsed = parse_back(&out);
    assert!(
        parsed.text.contains("Label") && parsed.text.contains("Fallback"),
        "{out}"
    );
    for gone in ["inside", "Send", "applet", "evil"] {
        assert!(!out.contains(gone), "{gone} in {out}");
    }
}

#[test]
fn base_and_meta_refresh_are_removed() {
    let out = super::support::chapter(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><base href=\"https://evil.test/\"/>\
         <meta http-equiv=\"refresh\" content=\"0;url=https://evil.test/\"/><title>T</title></head>\
         <body><meta http-equiv=\"refresh\" content=\"0\"/><p>ok</p></body></html>",
    )
    .render_full();
    assert_inert(&out);
    assert!(!out.contains("refresh") && !out.contains("<base"), "{out}");
}

#[test]
fn svg_keeps_drawing_and_loses_scripts_foreign_objects_animations_and_external_links() {
    let out = body(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 10 10\">\
         <defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"red\"/></linearGradient></defs>\
         <rect width=\"10\" height=\"10\" fill=\"url(#g)\" stroke=\"url(https://evil.test/s.svg#x)\"/>\
         <foreignObject><p xmlns=\"http://www.w3.org/1999/xhtml\" onclick=\"alert(1)\">html</p></foreignObject>\
         <a xlink:href=\"javascript:alert(2)\"><text x=\"1\" y=\"5\">label</text></a>\
         <set attributeName=\"href\" to=\"javascript:alert(3)\"/><animate attributeName=\"x\" values=\"0;1\"/>\
         <image xlink:href=\"https://evil.test/p.png\" width=\"1\" height=\"1\"/>\
         <image xlink:href=\"img/pic.png\" width=\"1\" height=\"1\"/>\
         <use xlink:href=\"https://evil.test/sprite.svg#a\"/><use xlink:href=\"#g\"/></svg>",
    );
    assert_inert(&out);
    let parsed = parse_back(&out);
    assert!(!parsed.has_element("set") && !parsed.has_element("animate"));
    assert!(!out.contains("html</p>") && !out.contains("alert"), "{out}");
    assert_eq!(parsed.attr_values("rect", "fill"), ["url(\"#g\")"]);
    assert!(parsed.attr_values("rect", "stroke").is_empty());
    assert_eq!(parsed.attr_values("image", "href"), ["../resources/r2"]);
    assert_eq!(parsed.attr_values("use", "href"), ["#g"]);
    assert!(parsed.text.contains("label"));
}

#[test]
fn mathml_keeps_presentation_and_loses_links_actions_and_html_annotations() {
    let out = body(
        "<math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"block\" href=\"https://evil.test/\">\
         <semantics><mrow><msup><mi href=\"javascript:alert(1)\">x</mi><mn>2</mn></msup>\
         <maction actiontype=\"statusline\"><mo>+</mo><mtext>status</mtext></maction></mrow>\
         <annotation-xml encoding=\"application/xhtml+xml\"><p xmlns=\"http://www.w3.org/1999/xhtml\">\
         <script>alert(2)</script>evil</p></annotation-xml>\
         <annotation encoding=\"application/x-tex\">x^2</annotation></semantics></math>",
    );
    assert_inert(&out);
    let parsed = parse_back(&out);
    assert!(parsed.has_element("msup") && parsed.has_element("mi"));
    assert!(
        parsed.attr_values("math", "href").is_empty()
            && parsed.attr_values("mi", "href").is_empty()
    );
    assert!(parsed.attr_values("maction", "actiontype").is_empty());
    assert!(
        !parsed.has_element("annotation-xml") && !out.contains("evil"),
        "{out}"
    );
    assert_eq!(parsed.attr_values("math", "display"), ["block"]);
    assert!(out.contains("xmlns=\"http://www.w3.org/1998/Math/MathML\""));
}

#[test]
fn remote_images_and_stylesheets_never_reach_the_resolver_nor_the_output() {
    let book = Book::new();
    let doc = "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>T</title>\
        <link rel=\"stylesheet\" href=\"https://evil.test/a.css\"/><link rel=\"stylesheet\" href=\"//evil.test/b.css\"/>\
        <link rel=\"stylesheet\" href=\"style.css\"/><link rel=\"icon\" href=\"img/pic.png\"/>\
        <style>@import url(//evil.test/c.css); p { background: url(http://evil.test/pixel.gif) }</style></head>\
        <body><img src=\"http://evil.test/track.gif\"/><img src=\"//evil.test/t.gif\"/>\
        <p style=\"background-image:url('https://evil.test/x.png')\">x</p><img src=\"img/pic.png\" alt=\"ok\"/></body></html>";
    let chapter = sanitize_chapter(doc.as_bytes(), &|raw| book.resolve(raw)).unwrap();
    let out = chapter.render_full();
    assert_inert(&out);
    assert!(
        book.asked.borrow().iter().all(|raw| !raw.contains("evil")),
        "{:?}",
        book.asked.borrow()
    );
    let parsed = parse_back(&out);
    assert_eq!(parsed.attr_values("link", "href"), ["../resources/r1"]);
    assert_eq!(parsed.attr_values("img", "src"), ["../resources/r2"]);
    assert!(parsed.attr_values("p", "style").is_empty());
    assert_eq!(chapter.resources_outside_blocks(), [1]);
}

#[test]
fn audio_video_and_their_sources_are_removed() {
    let out = body(
        "<video src=\"v.mp4\" poster=\"img/pic.png\"><source src=\"v.webm\"/>no video</video>\
                    <audio controls=\"controls\"><source src=\"a.mp3\"/></audio><p>text</p>",
    );
    let parsed = parse_back(&out);
    assert!(
        !parsed.has_element("video")
            && !parsed.has_element("audio")
            && !parsed.has_element("source")
    );
    assert!(!out.contains("no video") && out.contains("text"));
}

#[test]
fn unknown_attributes_are_dropped_and_hostile_attribute_names_cannot_break_out() {
    let out =
        body("<p data-x=\"1\" align=\"center\" aria-label=\"fine\" style=\"color: red\">a</p>");
    let parsed = parse_back(&out);
    assert!(
        parsed.attr_values("p", "data-x").is_empty() && parsed.attr_values("p", "align").is_empty()
    );
    assert_eq!(parsed.attr_values("p", "aria-label"), ["fine"]);
    assert_eq!(parsed.attr_values("p", "style"), ["color:red;"]);
    // Not well-formed, so the HTML tokenizer reads it: its attribute names may hold quotes.
    let html = "<html><body><p aria-x\"onmouseover=alert(1)//=1 id=\"a\">b<br></p></body></html>";
    let book = Book::new();
    let out = sanitize_chapter(html.as_bytes(), &|raw| book.resolve(raw))
        .unwrap()
        .render_full();
    assert_inert(&out);
}

#[test]
fn entity_expansion_is_refused() {
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
        <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\
        <html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>&lol3;</p></body></html>";
    let error = sanitize_chapter(laughs.as_bytes(), &|_| RefTarget::Drop).unwrap_err();
    assert_eq!(error, SanitizeError::DtdInternalSubset);
    assert_eq!(error.code(), "epub-xml-dtd-refused");
}

#[test]
fn two_hundred_thousand_deep_nesting_is_refused_on_both_parsers() {
    let deep = format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>{}</body></html>",
        "<div>".repeat(200_000)
    );
    let error = sanitize_chapter(deep.as_bytes(), &|_| RefTarget::Drop).unwrap_err();
    assert_eq!(
        error,
        SanitizeError::TooDeep {
            max: super::super::MAX_DEPTH
        }
    );
    // A stray `<br>` makes the XML parser give up first, so the HTML path meets the depth.
    let deep_html = format!(
        "<html><body><p>a<br></p>{}</body></html>",
        "<span>".repeat(200_000)
    );
    let error = sanitize_chapter(deep_html.as_bytes(), &|_| RefTarget::Drop).unwrap_err();
    assert_eq!(error.code(), "epub-chapter-too-deep");
}

#[test]
fn oversized_chapters_are_refused() {
    let big = vec![b' '; super::super::MAX_CHAPTER_BYTES + 1];
    let error = sanitize_chapter(&big, &|_| RefTarget::Drop).unwrap_err();
    assert_eq!(error.code(), "epub-chapter-too-large");
}

#[test]
fn every_output_is_a_complete_xhtml5_document() {
    let out = body("<p>x</p>");
    assert!(
        out.starts_with("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""),
        "{out}"
    );
    assert!(out.contains("<head>\n<meta charset=\"utf-8\"/>\n<title>T</title>"));
    assert!(out.trim_end().ends_with("</body>\n</html>"));
}

#[test]
fn attribute_and_namespace_floods_are_refused_before_parsing_turns_quadratic() {
    let attributes: String = (0..200_000).map(|n| format!(" a{n}=\"\"")).collect();
    let flood = format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p{attributes}>x</p></body></html>"
    );
    let error = sanitize_chapter(flood.as_bytes(), &|_| RefTarget::Drop).unwrap_err();
    assert_eq!(error.code(), "epub-chapter-too-complex");
    let one_level: String = (0..60)
        .map(|n| format!(" xmlns:p{n}=\"urn:{n}\""))
        .collect();
    let nested = format!(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>{}{}</body></html>",
        format!("<div{one_level}>").repeat(3),
        "<a/>".repeat(1000)
    );
    let error = sanitize_chapter(nested.as_bytes(), &|_| RefTarget::Drop).unwrap_err();
    assert_eq!(
        error,
        SanitizeError::TooComplex {
            what: "namespace declarations in scope"
        }
    );
}

#[test]
fn no_attribute_or_rule_can_make_a_request_leave_the_book() {
    let doc = "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\
        <head><title>T</title><link rel=\"preload\" href=\"https://evil.test/a\"/><link rel=\"prefetch\" href=\"//evil.test/b\"/>\
        <link rel=\"alternate stylesheet\" href=\"style.css\"/>\
        <meta http-equiv=\"Content-Security-Policy\" content=\"default-src https://evil.test\"/>\
        <style>@import 'http://evil.test/c.css'; @font-face { font-family: F; src: url(https://evil.test/f.woff) }</style>\
        </head><body background=\"http://evil.test/bg.png\">\
        <img src=\"img/pic.png\" srcset=\"http://evil.test/2x.png 2x\" lowsrc=\"http://evil.test/l.png\" alt=\"a\"/>\
        <table background=\"http://evil.test/t.png\"><tr><td>c</td></tr></table>\
        <blockquote cite=\"http://evil.test/q\"><p>q</p></blockquote><a href=\"  //evil.test/x\" ping=\"http://evil.test/p\">l</a>\
        <div style=\"behavior: url(x.htc); background: url(//evil.test/d.png)\"><p>d</p></div>\
        <svg xmlns=\"http://www.w3.org/2000/svg\"><filter id=\"f\"><feImage xlink:href=\"http://evil.test/i.png\"/></filter>\
        <image src=\"http://evil.test/s.png\"/><a href=\"http://evil.test/a\"><text>t</text></a>\
        <use href=\"http://evil.test/u.svg#a\"/></svg>\
        <math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mglyph src=\"http://evil.test/g.png\"/>\
        <mi xlink:href=\"http://evil.test/m\">m</mi></math></body></html>";
    let book = Book::new();
    let chapter = sanitize_chapter(doc.as_bytes(), &|raw| book.resolve(raw)).unwrap();
    let out = chapter.render_full();
    assert_inert(&out);
    assert!(!out.contains("evil"), "{out}");
    assert!(book.asked.borrow().iter().all(|raw| !raw.contains("evil")));
    // The alternate stylesheet is not applied, so not referenced either.
    assert_eq!(chapter.resources().into_iter().collect::<Vec<_>>(), [2]);
}
