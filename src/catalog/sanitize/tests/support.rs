//! Helpers shared by the sanitizer tests: a small book resolver and a
//! well-formedness checker that also lists what the output contains.

use std::cell::RefCell;

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::super::{RefTarget, SanitizedChapter, sanitize_chapter};

/// Resolves the references of the imaginary test book and records every call.
pub struct Book {
    pub asked: RefCell<Vec<String>>,
}

impl Book {
    pub fn new() -> Book {
        Book {
            asked: RefCell::new(Vec::new()),
        }
    }

    pub fn resolve(&self, raw: &str) -> RefTarget {
        self.asked.borrow_mut().push(raw.to_string());
        let (path, fragment) = match raw.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment.to_string())),
            None => (raw, None),
        };
        match path {
            "style.css" => RefTarget::Resource(1),
            "img/pic.png" | "../img/pic.png" => RefTarget::Resource(2),
            "fonts/serif.otf" => RefTarget::Resource(3),
            "img/wide.jpg" => RefTarget::Resource(4),
            "more.css" => RefTarget::Resource(5),
            "ch2.xhtml" => RefTarget::Chapter { index: 2, fragment },
            "ch1.xhtml" => RefTarget::Chapter { index: 1, fragment },
            _ => RefTarget::Drop,
        }
    }
}

/// Sanitizes a whole document with the test book.
pub fn chapter(document: &str) -> SanitizedChapter {
    let book = Book::new();
    sanitize_chapter(document.as_bytes(), &|raw| book.resolve(raw)).expect("sanitized")
}

/// Wraps a body in an XHTML document and sanitizes it; returns the full output.
pub fn body(inner: &str) -> String {
    chapter(&xhtml(inner)).render_full()
}

/// An XHTML document with the EPUB namespace declared around `inner` (body content).
pub fn xhtml(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" \
         xmlns:epub=\"http://www.idpf.org/2007/ops\"><head><title>T</title></head><body>{inner}</body></html>"
    )
}

/// What a well-formed output contains: element names and (element, attribute, value) triples.
#[derive(Debug, Default)]
pub struct Parsed {
    pub elements: Vec<String>,
    pub attributes: Vec<(String, String, String)>,
    pub text: String,
    pub styles: Vec<String>,
}

impl Parsed {
    pub fn has_element(&self, name: &str) -> bool {
        self.elements.iter().any(|e| e == name)
    }

    pub fn attr_values(&self, element: &str, attr: &str) -> Vec<&str> {
        let matches = |(e, a, _): &&(String, String, String)| e == element && a == attr;
        self.attributes
            .iter()
            .filter(matches)
            .map(|(_, _, v)| v.as_str())
            .collect()
    }
}

/// Parses output strictly as XML (end names checked) and panics if it is not well-formed.
pub fn parse_back(output: &str) -> Parsed {
    let mut reader = Reader::from_str(output);
    reader.config_mut().check_end_names = true;
    let mut parsed = Parsed::default();
    let mut open: Vec<String> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed: {e}\n{output}"));
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if matches!(event, Event::Start(_)) {
                    open.push(name.clone());
                }
                for attr in e.attributes() {
                    let attr = attr.expect("valid attribute");
                    let key = String::from_utf8(attr.key.as_ref().to_vec()).unwrap();
                    let value = attr.unescape_value().expect("escaped value").into_owned();
                    parsed.attributes.push((name.clone(), key, value));
                }
                parsed.elements.push(name);
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(t) => {
                let text = t.unescape().expect("escaped text");
                if open.last().is_some_and(|e| e == "style") {
                    parsed.styles.push(text.into_owned());
                } else {
                    parsed.text.push_str(&text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements in\n{output}");
    parsed
}

/// Asserts a parsed output has no active element, no handler, and no URL leaving the book.
pub fn assert_safe(parsed: &Parsed) {
    for forbidden in [
        "script",
        "iframe",
        "object",
        "embed",
        "form",
        "input",
        "base",
        "foreignObject",
        "audio",
        "video",
    ] {
        assert!(!parsed.has_element(forbidden), "<{forbidden}> survived");
    }
    for (element, attr, value) in &parsed.attributes {
        assert!(
            !attr.starts_with("on"),
            "event handler {attr} on <{element}>"
        );
        assert!(
            element != "meta" || attr == "charset",
            "meta {attr} survived"
        );
        if matches!(attr.as_str(), "href" | "src" | "xlink:href") {
            let ours = value.starts_with("../resources/r")
                || value.starts_with('#')
                || value
                    .split('#')
                    .next()
                    .is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()));
            assert!(
                ours,
                "{attr}={value:?} on <{element}> was not written by the sanitizer"
            );
        }
        if attr == "style" {
            assert_safe_css(value);
        }
    }
    for style in &parsed.styles {
        assert_safe_css(style);
    }
}

/// Every `url(` in sanitized CSS points into the book, and no declaration binds
/// behaviour, evaluates an expression or pins itself to the screen.
pub fn assert_safe_css(css: &str) {
    let lower = css.to_ascii_lowercase();
    for (at, _) in lower.match_indices("url(") {
        let rest = &lower[at + 4..];
        assert!(
            rest.starts_with("\"../resources/r") || rest.starts_with("\"#"),
            "foreign url in {css}"
        );
    }
    let blocks: Vec<&str> = if lower.contains('{') {
        lower
            .split('{')
            .skip(1)
            .map(|b| b.split('}').next().unwrap_or(""))
            .collect()
    } else {
        vec![lower.as_str()]
    };
    for declaration in blocks.iter().flat_map(|b| b.split(';')) {
        let Some((name, value)) = declaration.split_once(':') else {
            continue;
        };
        let name = name.trim();
        assert!(
            !["behavior", "-moz-binding", "binding"].contains(&name),
            "{declaration} in {css}"
        );
        assert!(
            name != "position" || !value.contains("fixed") && !value.contains("sticky"),
            "{css}"
        );
        assert!(
            !value.contains("expression(") && !value.contains("javascript:"),
            "{declaration} in {css}"
        );
    }
    assert!(!lower.contains("@import url(\"http"), "{css}");
}

/// Asserts the output is well-formed, can run nothing and loads nothing from outside the book.
pub fn assert_inert(output: &str) {
    assert_safe(&parse_back(output));
    let lower = output.to_ascii_lowercase();
    for bad in [
        "javascript:",
        "expression(",
        "http://evil",
        "https://evil",
        "//evil",
        "-moz-binding",
        "behavior",
    ] {
        assert!(!lower.contains(bad), "{bad} survived in\n{output}");
    }
}
