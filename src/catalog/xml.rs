//! A small XML tree for the package files (container, OPF, navigation, NCX,
//! encryption), parsed with limits: no DTD internal subset (so no entity
//! expansion), bounded size, depth and element count. Chapters go through the
//! sanitizer's own parser instead.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::charset::decode;
use super::error::{IngestError, package};

/// Package files larger than this are refused (the biggest real OPF is ~200 KiB).
pub const MAX_XML_BYTES: usize = 8 * 1024 * 1024;
/// Deeper nesting is refused at once (a nesting attack stops here, not after 200,000 levels).
pub const MAX_DEPTH: usize = 128;
/// More elements than this are refused (a navigation document of a huge book has ~20,000).
pub const MAX_ELEMENTS: usize = 200_000;

/// An element: local name, attributes by qualified name, children in order.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// The local name (prefix removed).
    pub name: String,
    /// Attributes as written (`opf:role`, `xml:lang`), values unescaped.
    pub attrs: Vec<(String, String)>,
    /// Child nodes.
    pub children: Vec<Node>,
}

/// A child: an element or text.
#[derive(Debug, Clone)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data (text or CDATA), unescaped.
    Text(String),
}

impl Element {
    /// An attribute by local name (any prefix), or by exact qualified name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        let exact = self.attrs.iter().find(|(k, _)| k == name);
        let local = || {
            self.attrs
                .iter()
                .find(|(k, _)| k.rsplit(':').next() == Some(name) && !k.starts_with("xmlns"))
        };
        exact.or_else(local).map(|(_, v)| v.as_str())
    }

    /// Child elements in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements with a local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element with a local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// Every descendant element with a local name, in document order.
    pub fn descendants<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        for child in self.elements() {
            if child.name == name {
                out.push(child);
            }
            child.descendants(name, out);
        }
    }

    /// All text inside, concatenated.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.text_into(&mut out);
        out
    }

    fn text_into(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.text_into(out),
            }
        }
    }
}

/// Parses a package file into its root element; `what` names it in errors.
pub fn parse(bytes: &[u8], what: &str) -> Result<Element, IngestError> {
    if bytes.len() > MAX_XML_BYTES {
        return Err(IngestError::TooLarge(format!(
            "{what} is {} bytes, more than the {MAX_XML_BYTES} allowed",
            bytes.len()
        )));
    }
    let text = decode(bytes).map_err(|source| IngestError::Charset {
        file: what.to_owned(),
        source,
    })?;
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut count = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| package(format!("{what} is not well-formed XML: {e}")))?;
        match event {
            Event::Start(start) | Event::Empty(start) if stack.len() > MAX_DEPTH => {
                let _ = start;
                return Err(package(format!(
                    "{what} nests elements deeper than {MAX_DEPTH} levels"
                )));
            }
            Event::Start(start) => {
                count += 1;
                stack.push(element(&start, what)?);
            }
            Event::Empty(start) => {
                count += 1;
                let element = element(&start, what)?;
                push(&mut stack, Node::Element(element));
            }
            Event::End(_) => {
                let done = stack.pop().filter(|_| !stack.is_empty());
                let done = done.ok_or_else(|| package(format!("{what} is not well-formed XML")))?;
                push(&mut stack, Node::Element(done));
            }
            Event::Text(t) => {
                let raw = String::from_utf8_lossy(&t).into_owned();
                push(
                    &mut stack,
                    Node::Text(t.unescape().map(|c| c.into_owned()).unwrap_or(raw)),
                );
            }
            Event::CData(c) => push(
                &mut stack,
                Node::Text(String::from_utf8_lossy(&c).into_owned()),
            ),
            Event::DocType(d) if d.contains(&b'[') => {
                return Err(package(format!(
                    "{what} declares a DTD internal subset, which is refused (entity expansion)"
                )));
            }
            Event::Eof => break,
            _ => {}
        }
        if count > MAX_ELEMENTS {
            return Err(IngestError::TooLarge(format!(
                "{what} has more than {MAX_ELEMENTS} elements"
            )));
        }
    }
    let document = match stack.len() {
        1 => stack.pop().unwrap_or_default(),
        _ => {
            return Err(package(format!(
                "{what} is not well-formed XML: unclosed elements"
            )));
        }
    };
    let mut roots = document.children.into_iter().filter_map(|n| match n {
        Node::Element(e) => Some(e),
        Node::Text(_) => None,
    });
    roots
        .next()
        .ok_or_else(|| package(format!("{what} has no root element")))
}

fn push(stack: &mut [Element], node: Node) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(node);
    }
}

fn element(start: &BytesStart, what: &str) -> Result<Element, IngestError> {
    let qname = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let name = qname.rsplit(':').next().unwrap_or_default().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| package(format!("{what} has a malformed attribute: {e}")))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = match attr.unescape_value() {
            Ok(v) => v.into_owned(),
            Err(_) => String::from_utf8_lossy(&attr.value).into_owned(),
        };
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_attack_is_refused_at_the_depth_limit() {
        let depth = 200_000;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let err = parse(xml.as_bytes(), "package.opf").unwrap_err();
        assert_eq!(err.code(), "epub-invalid-package");
        assert!(err.to_string().contains("deeper than"), "{err}");
    }

    #[test]
    fn internal_subset_with_entities_is_refused() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<package>&lol2;</package>"#;
        let err = parse(xml.as_bytes(), "package.opf").unwrap_err();
        assert!(err.to_string().contains("internal subset"), "{err}");
    }

    #[test]
    fn utf16_with_bom_is_decoded_whatever_the_declaration_says() {
        let text =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><package><title>Été</title></package>";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let root = parse(&bytes, "opf").unwrap();
        assert_eq!(root.child("title").unwrap().text(), "Été");
    }

    #[test]
    fn a_package_in_a_declared_legacy_encoding_keeps_its_accents_and_an_unknown_one_is_named() {
        let latin = |declared: &str| {
            let text = format!(
                "<?xml version=\"1.0\" encoding=\"{declared}\"?><package><title>Café</title></package>"
            );
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
            bytes.into_owned()
        };
        let root = parse(&latin("ISO-8859-1"), "content.opf").unwrap();
        assert_eq!(root.child("title").unwrap().text(), "Café");
        let err = parse(&latin("ebcdic-fr"), "content.opf").unwrap_err();
        assert_eq!(err.code(), "epub-charset-unknown");
        assert!(err.to_string().starts_with("content.opf declares"), "{err}");
    }

    #[test]
    fn mismatched_end_tag_is_not_well_formed() {
        let err = parse(b"<package><metadata></package>", "opf").unwrap_err();
        assert!(err.to_string().contains("not well-formed"), "{err}");
    }

    #[test]
    fn attributes_are_found_by_local_name() {
        let root = parse(br#"<a xmlns:opf="x" opf:role="aut" xml:lang="fr"/>"#, "opf").unwrap();
        assert_eq!(root.attr("role"), Some("aut"));
        assert_eq!(root.attr("xml:lang"), Some("fr"));
        assert_eq!(root.attr("lang"), Some("fr"));
    }
}
