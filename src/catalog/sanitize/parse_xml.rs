//! The first parser: XML with limits, because an HTML parser mangles XHTML's
//! `<title/>` and CDATA sections.

use std::collections::HashMap;
use std::sync::LazyLock;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::error::SanitizeError;
use super::limits::{MAX_DEPTH, MAX_LIVE_NAMESPACES};
use super::tree::{Element, Node, Ns, canonical_attr};

/// The HTML named entities (XHTML DTDs declare them and EPUB 2 files use them
/// without an internal subset), each a fixed short string: no expansion possible.
static HTML_ENTITIES: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (name, (first, second)) in html5ever::data::NAMED_ENTITIES.entries() {
        let Some(name) = name.strip_suffix(';') else {
            continue;
        };
        let text: String = [*first, *second]
            .into_iter()
            .filter(|c| *c != 0)
            .filter_map(char::from_u32)
            .collect();
        map.insert(name, text);
    }
    map
});

fn entity(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => HTML_ENTITIES.get(name).map(String::as_str),
    }
}

/// Parses well-formed XML into a tree; `Ok(None)` means "not well-formed, try HTML".
pub fn parse(text: &str) -> Result<Option<Element>, SanitizeError> {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = false;
    config.check_end_names = true;
    config.trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    // Namespace declarations per open element: quick-xml resolves names by scanning them.
    let mut declared: Vec<usize> = Vec::new();
    let mut root = None;
    loop {
        let Ok(event) = reader.read_event() else {
            return Ok(None);
        };
        match event {
            Event::DocType(doctype) if doctype.contains(&b'[') => {
                return Err(SanitizeError::DtdInternalSubset);
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(SanitizeError::TooDeep { max: MAX_DEPTH });
                }
                declared.push(namespace_declarations(&start, &declared)?);
                let Some(element) = element(&reader, &start, stack.last().map(|e| e.ns)) else {
                    return Ok(None);
                };
                stack.push(element);
            }
            Event::Empty(start) => {
                namespace_declarations(&start, &declared)?;
                let Some(element) = element(&reader, &start, stack.last().map(|e| e.ns)) else {
                    return Ok(None);
                };
                if !attach(&mut stack, &mut root, element) {
                    return Ok(None);
                }
            }
            Event::End(_) => {
                declared.pop();
                let Some(element) = stack.pop() else {
                    return Ok(None);
                };
                if !attach(&mut stack, &mut root, element) {
                    return Ok(None);
                }
            }
            Event::Text(text) => {
                let Ok(text) = text.unescape_with(entity) else {
                    return Ok(None);
                };
                if !push_text(&mut stack, &text) {
                    return Ok(None);
                }
            }
            Event::CData(data) => {
                let Ok(text) = std::str::from_utf8(&data) else {
                    return Ok(None);
                };
                if !push_text(&mut stack, text) {
                    return Ok(None);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(if stack.is_empty() { root } else { None })
}

/// Counts the element's namespace declarations, refusing a flood of them.
fn namespace_declarations(start: &BytesStart, open: &[usize]) -> Result<usize, SanitizeError> {
    let mut attributes = start.attributes();
    let attributes = attributes.with_checks(false).flatten();
    let here = attributes
        .filter(|a| a.key.as_namespace_binding().is_some())
        .count();
    if open.iter().sum::<usize>() + here > MAX_LIVE_NAMESPACES {
        return Err(SanitizeError::TooComplex {
            what: "namespace declarations in scope",
        });
    }
    Ok(here)
}

/// Adds a finished element to its parent (or makes it the root); false if a second root.
fn attach(stack: &mut [Element], root: &mut Option<Element>, element: Element) -> bool {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(element)),
        None if root.is_none() => *root = Some(element),
        None => return false,
    }
    true
}

/// Adds text to the open element; text outside the root must be blank.
fn push_text(stack: &mut [Element], text: &str) -> bool {
    match stack.last_mut() {
        Some(parent) => {
            if let Some(Node::Text(previous)) = parent.children.last_mut() {
                previous.push_str(text);
            } else if !text.is_empty() {
                parent.children.push(Node::Text(text.to_string()));
            }
            true
        }
        None => text.trim().is_empty(),
    }
}

fn element(reader: &NsReader<&[u8]>, start: &BytesStart, parent: Option<Ns>) -> Option<Element> {
    let (resolved, _) = reader.resolve_element(start.name());
    let local = std::str::from_utf8(start.local_name().into_inner()).ok()?;
    let ns = match resolved {
        ResolveResult::Bound(uri) => Ns::from_uri(std::str::from_utf8(uri.0).ok()?),
        ResolveResult::Unbound => Ns::Html,
        ResolveResult::Unknown(_) => Ns::Other,
    };
    // Sloppy files forget `xmlns` on inline drawings and formulas, leaving them
    // in the XHTML namespace. (HTML inside SVG or MathML is dropped anyway.)
    let ns = match (ns, local, parent) {
        (Ns::Html, "svg", _) => Ns::Svg,
        (Ns::Html, "math", _) => Ns::MathMl,
        (Ns::Html, _, Some(parent @ (Ns::Svg | Ns::MathMl))) => parent,
        _ => ns,
    };
    // Old EPUB 2 files sometimes write XHTML in upper case (`<P CLASS=…>`).
    let mut element = match ns {
        Ns::Html => Element::new(ns, &local.to_ascii_lowercase()),
        _ => Element::new(ns, local),
    };
    for attr in start.attributes() {
        let attr = attr.ok()?;
        if attr.key.as_namespace_binding().is_some() {
            continue;
        }
        let (resolved, local) = reader.resolve_attribute(attr.key);
        let local = std::str::from_utf8(local.into_inner()).ok()?;
        let name = match resolved {
            ResolveResult::Bound(uri) => canonical_attr(std::str::from_utf8(uri.0).ok()?, local),
            ResolveResult::Unbound if ns == Ns::Html => local.to_ascii_lowercase(),
            ResolveResult::Unbound => local.to_string(),
            // Sloppy files use `epub:type` without declaring the prefix: honour the usual ones.
            ResolveResult::Unknown(prefix) => match prefix.as_slice() {
                b"epub" | b"xlink" | b"xml" => {
                    format!("{}:{local}", String::from_utf8_lossy(&prefix))
                }
                _ => continue,
            },
        };
        let value = attr.unescape_value_with(entity).ok()?;
        element.attrs.push((name, value.into_owned()));
    }
    Some(element)
}
