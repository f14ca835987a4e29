//! Serializes a cleaned document as well-formed XHTML5, optionally cut after a
//! block: the cut path names the last node to write at each level, and every
//! element still open is closed on the way back up.

use super::clean::{CleanDoc, HeadItem};
use super::tree::{Element, MATHML_NS, Node, Ns, SVG_NS, XHTML_NS};
use super::urls::resource_url;

const VOID: &[&str] = &["br", "hr", "img", "wbr", "col"];

/// Writes the document; `cut` is the path of child indexes of the last body node to keep.
pub fn render(doc: &CleanDoc, cut: Option<&[usize]>) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<!DOCTYPE html>\n<html xmlns=\"");
    out.push_str(XHTML_NS);
    out.push('"');
    if let Some(lang) = &doc.lang {
        push_attr(&mut out, "lang", lang);
        push_attr(&mut out, "xml:lang", lang);
    }
    if let Some(dir) = &doc.dir {
        push_attr(&mut out, "dir", dir);
    }
    out.push_str(">\n<head>\n<meta charset=\"utf-8\"/>\n<title>");
    escape_text(&mut out, &doc.title, false);
    out.push_str("</title>\n");
    for item in &doc.head {
        match item {
            HeadItem::Stylesheet(id) => {
                out.push_str("<link rel=\"stylesheet\" type=\"text/css\"");
                push_attr(&mut out, "href", &resource_url(*id));
                out.push_str("/>\n");
            }
            HeadItem::Style(css) => {
                out.push_str("<style>");
                escape_text(&mut out, css, true);
                out.push_str("</style>\n");
            }
        }
    }
    out.push_str("</head>\n");
    element(&mut out, &doc.body, Ns::Html, cut);
    out.push_str("\n</html>\n");
    out
}

/// Writes a standalone document whose root is `root` (an SVG image).
pub fn render_standalone(root: &Element) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    element(&mut out, root, Ns::Other, None);
    out.push('\n');
    out
}

fn element(out: &mut String, element: &Element, parent_ns: Ns, cut: Option<&[usize]>) {
    out.push('<');
    out.push_str(&element.name);
    if element.ns != parent_ns {
        let uri = match element.ns {
            Ns::Svg => SVG_NS,
            Ns::MathMl => MATHML_NS,
            _ => XHTML_NS,
        };
        push_attr(out, "xmlns", uri);
    }
    for (name, value) in &element.attrs {
        push_attr(out, name, value);
    }
    let childless = element.children.is_empty();
    if childless && (element.ns != Ns::Html || VOID.contains(&element.name.as_str())) {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for (index, child) in element.children.iter().enumerate() {
        let (stop, child_cut) = match cut {
            Some([last]) => (index == *last, None),
            Some([next, rest @ ..]) => (index == *next, (index == *next).then_some(rest)),
            _ => (false, None),
        };
        match child {
            Node::Text(text) => escape_text(out, text, element.name == "style"),
            Node::Element(child) => self::element(out, child, element.ns, child_cut),
        }
        if stop {
            break;
        }
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// Escapes text; in stylesheets `>` stays raw (a child combinator) unless it would close `]]>`.
fn escape_text(out: &mut String, text: &str, stylesheet: bool) {
    for c in text.chars().filter(|c| xml_char(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' if !stylesheet || out.ends_with("]]") => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
}

/// Characters XML 1.0 allows in a document.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
