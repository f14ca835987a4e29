//! Standalone SVG images come out drawable and inert.

use super::super::{RefTarget, SanitizeError, sanitize_svg};
use super::support::{Book, assert_inert, parse_back};

#[test]
fn svg_images_keep_drawing_and_book_images_and_lose_active_content() {
    let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" \
        viewBox=\"0 0 10 10\" onload=\"alert(1)\"><style>rect { fill: url(https://evil.test/p.svg#x); stroke: blue }</style>\
        <script>alert(2)</script><foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></foreignObject>\
        <image xlink:href=\"img/wide.jpg\" width=\"10\" height=\"10\"/><image href=\"https://evil.test/t.gif\"/>\
        <rect width=\"5\" height=\"5\"/><a xlink:href=\"javascript:alert(3)\"><text>t</text></a></svg>";
    let book = Book::new();
    let clean = sanitize_svg(svg.as_bytes(), &|raw| book.resolve(raw)).unwrap();
    assert_inert(&clean.text);
    assert!(clean.text.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
    ));
    let parsed = parse_back(&clean.text);
    assert_eq!(parsed.attr_values("image", "href"), ["../resources/r4"]);
    assert!(parsed.has_element("rect") && !parsed.has_element("foreignObject"));
    assert_eq!(parsed.styles, ["rect{stroke:blue;}\n"]);
    assert_eq!(clean.resources, [4]);
}

#[test]
fn documents_that_are_not_svg_images_are_refused() {
    for bad in [
        "<html xmlns=\"http://www.w3.org/1999/xhtml\"/>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect>",
        "not xml",
    ] {
        let error = sanitize_svg(bad.as_bytes(), &|_| RefTarget::Drop).unwrap_err();
        assert_eq!(error, SanitizeError::NotSvg, "{bad}");
        assert_eq!(error.code(), "epub-svg-invalid");
    }
}
