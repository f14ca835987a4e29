//! The small document tree both parsers build and the cleaner rewrites.

/// The vocabularies the sanitizer knows; anything else is unwrapped or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Ns {
    /// XHTML (or no namespace at all, as in sloppy EPUB 2 files).
    Html,
    /// Inline SVG.
    Svg,
    /// MathML.
    MathMl,
    /// A vocabulary we do not render (`epub:switch`, SSML, Adobe extensions…).
    Other,
}

pub const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
pub const SVG_NS: &str = "http://www.w3.org/2000/svg";
pub const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";
pub const EPUB_NS: &str = "http://www.idpf.org/2007/ops";
pub const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

impl Ns {
    /// Maps a namespace URI (empty for none) to a vocabulary.
    pub fn from_uri(uri: &str) -> Ns {
        match uri {
            "" | XHTML_NS => Ns::Html,
            SVG_NS => Ns::Svg,
            MATHML_NS => Ns::MathMl,
            _ => Ns::Other,
        }
    }
}

/// An element with its attributes named canonically: `xml:lang`, `epub:type`,
/// `xlink:href`, a bare local name for unprefixed attributes, and `{uri}name`
/// for anything else (which no allowlist accepts).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(into = "super::flat::FlatTree", try_from = "super::flat::FlatTree")]
pub struct Element {
    pub ns: Ns,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

/// A node of the tree; comments and processing instructions never get here.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// A new element without attributes or children.
    pub fn new(ns: Ns, name: &str) -> Element {
        Element {
            ns,
            name: name.to_string(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// The value of an attribute by canonical name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is the given XHTML element.
    pub fn is_html(&self, name: &str) -> bool {
        self.ns == Ns::Html && self.name == name
    }

    /// All text below this element, in document order.
    pub fn text_into(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.text_into(out),
            }
        }
    }
}

/// Maps an attribute namespace URI and local name to its canonical name.
pub fn canonical_attr(uri: &str, local: &str) -> String {
    match uri {
        "" => local.to_string(),
        XML_NS => format!("xml:{local}"),
        EPUB_NS => format!("epub:{local}"),
        XLINK_NS => format!("xlink:{local}"),
        _ => format!("{{{uri}}}{local}"),
    }
}
