//! Standalone SVG images (covers, fixed-layout pages) are book resources a
//! reader may open directly, where their scripts would run: they go through
//! the same allowlist as inline SVG and come out as self-contained documents.

use super::clean::{HeadItem, clean_fragment};
use super::error::SanitizeError;
use super::limits::{MAX_CHAPTER_BYTES, check_tags};
use super::render::render_standalone;
use super::tree::{Element, Node, Ns};
use super::urls::resource_url;
use super::{RefTarget, blocks, parse_xml};
use crate::catalog::charset::decode;

/// A sanitized SVG image and the book resources it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizedSvg {
    /// The SVG document, styles inlined in a `<style>` element.
    pub text: String,
    /// Resource ids of embedded images and stylesheets, without repeats.
    pub resources: Vec<usize>,
}

/// Sanitizes an SVG image; it must be well-formed XML with an `svg` root.
pub fn sanitize_svg(
    svg: &[u8],
    resolve: &dyn Fn(&str) -> RefTarget,
) -> Result<SanitizedSvg, SanitizeError> {
    if svg.len() > MAX_CHAPTER_BYTES {
        return Err(SanitizeError::TooLarge {
            size: svg.len(),
            max: MAX_CHAPTER_BYTES,
        });
    }
    let text = decode(svg)?;
    check_tags(&text)?;
    let root = parse_xml::parse(&text)?.ok_or(SanitizeError::NotSvg)?;
    if root.ns != Ns::Svg || root.name != "svg" {
        return Err(SanitizeError::NotSvg);
    }
    let (mut nodes, head) = clean_fragment(root, resolve);
    let Some(Node::Element(mut svg)) = nodes.pop() else {
        return Err(SanitizeError::NotSvg);
    };
    let mut resources = Vec::new();
    let mut css = String::new();
    for item in head {
        match item {
            HeadItem::Stylesheet(id) => {
                css.insert_str(0, &format!("@import url(\"{}\");\n", resource_url(id)));
            }
            HeadItem::Style(text) => css.push_str(&text),
        }
    }
    if !css.is_empty() {
        let mut style = Element::new(Ns::Svg, "style");
        style.children.push(Node::Text(css));
        svg.children.insert(0, Node::Element(style));
    }
    all_resources(&svg, &mut resources);
    Ok(SanitizedSvg {
        text: render_standalone(&svg),
        resources,
    })
}

fn all_resources(element: &Element, out: &mut Vec<usize>) {
    blocks::collect_resources(&element.attrs, out);
    for child in &element.children {
        match child {
            Node::Element(child) => all_resources(child, out),
            Node::Text(css) if element.name == "style" => {
                for url in css.split("url(\"").skip(1) {
                    let attr = [("href".to_string(), url.to_string())];
                    blocks::collect_resources(&attr, out);
                }
            }
            Node::Text(_) => {}
        }
    }
}
