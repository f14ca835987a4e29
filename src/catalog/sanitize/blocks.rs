//! Splits the cleaned body into blocks, the units an excerpt may be cut after.
//!
//! Wrappers (`section`, `div`, lists, `aside`…) are descended into when they
//! hold block children; a wrapper holding only inline content is one block.
//! Inline content or text lying loose between blocks forms an anonymous block
//! (tag `#inline`), so nothing escapes the count.

use super::text::{TextCount, count};
use super::tree::{Element, Node, Ns};

/// One block of the body in document order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Block {
    /// The element name (`p`, `h2`, `li`, `figure`…), or `#inline` for loose inline content.
    pub tag: String,
    /// Estimated words (see `text` for scripts without spaces).
    pub words: usize,
    /// Characters, white space collapsed.
    pub chars: usize,
    /// Resource ids the block uses (images, inline style `url()`), without repeats.
    pub resources: Vec<usize>,
}

/// The blocks and, for each, the path of child indexes from the body to its last node.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub blocks: Vec<Block>,
    pub cuts: Vec<Vec<usize>>,
    pub wrapper_resources: Vec<usize>,
}

#[rustfmt::skip]
const WRAPPERS: &[&str] = &[
    "body", "section", "article", "div", "aside", "nav", "header", "footer", "main", "hgroup", "ul",
    "ol", "dl",
];
#[rustfmt::skip]
const BLOCKS: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "figure", "table", "blockquote",
    "pre", "hr", "address", "details", "figcaption", "caption",
];

/// Lays out the blocks of a cleaned body.
pub fn layout(body: &Element) -> Layout {
    let mut layout = Layout::default();
    let mut path = Vec::new();
    descend(body, &mut path, &mut layout);
    layout
}

fn is_block_level(node: &Node) -> bool {
    match node {
        Node::Element(e) if e.ns == Ns::Html => {
            WRAPPERS.contains(&e.name.as_str()) || BLOCKS.contains(&e.name.as_str())
        }
        // A drawing or formula standing between blocks is a block of its own.
        Node::Element(e) => e.name == "svg" || e.name == "math",
        Node::Text(_) => false,
    }
}

fn is_blank(node: &Node) -> bool {
    matches!(node, Node::Text(t) if t.trim().is_empty())
}

fn descend(wrapper: &Element, path: &mut Vec<usize>, layout: &mut Layout) {
    collect_resources(&wrapper.attrs, &mut layout.wrapper_resources);
    let mut run: Option<(usize, usize)> = None;
    for (index, child) in wrapper.children.iter().enumerate() {
        if !is_block_level(child) {
            if !is_blank(child) {
                run = Some((run.map_or(index, |(start, _)| start), index));
            }
            continue;
        }
        if let Some((start, end)) = run.take() {
            push_block("#inline", &wrapper.children[start..=end], path, end, layout);
        }
        let Node::Element(element) = child else {
            continue;
        };
        path.push(index);
        let is_wrapper = element.ns == Ns::Html && WRAPPERS.contains(&element.name.as_str());
        if is_wrapper && element.children.iter().any(is_block_level) {
            descend(element, path, layout);
            path.pop();
        } else {
            path.pop();
            push_block(
                &element.name,
                std::slice::from_ref(child),
                path,
                index,
                layout,
            );
        }
    }
    if let Some((start, end)) = run {
        push_block("#inline", &wrapper.children[start..=end], path, end, layout);
    }
}

fn push_block(tag: &str, nodes: &[Node], path: &[usize], last: usize, layout: &mut Layout) {
    let mut text = String::new();
    let mut resources = Vec::new();
    for node in nodes {
        match node {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) => block_content(e, &mut text, &mut resources),
        }
    }
    let TextCount { words, chars } = count(&text);
    let mut cut = path.to_vec();
    cut.push(last);
    layout.cuts.push(cut);
    layout.blocks.push(Block {
        tag: tag.to_string(),
        words,
        chars,
        resources,
    });
}

/// Gathers the readable text (ruby annotations excluded) and resources of an element.
fn block_content(element: &Element, text: &mut String, resources: &mut Vec<usize>) {
    collect_resources(&element.attrs, resources);
    if element.ns == Ns::Html && matches!(element.name.as_str(), "rt" | "rp") {
        return;
    }
    // Adjacent blocks inside a wrapper-turned-block must not glue their words together.
    let separate =
        element.ns == Ns::Html && (BLOCKS.contains(&element.name.as_str()) || element.name == "br");
    for child in &element.children {
        match child {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) => block_content(e, text, resources),
        }
    }
    if separate {
        text.push(' ');
    }
}

/// Resource ids the sanitizer wrote into attributes (`src`, `href`, `url("…")` in `style`).
pub fn collect_resources(attrs: &[(String, String)], resources: &mut Vec<usize>) {
    const PREFIX: &str = "../resources/r";
    for (name, value) in attrs {
        let candidates: Vec<&str> = match name.as_str() {
            "src" | "href" => vec![value.as_str()],
            "style" => value.split("url(\"").skip(1).collect(),
            _ => continue,
        };
        for candidate in candidates {
            let Some(rest) = candidate.strip_prefix(PREFIX) else {
                continue;
            };
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(id) = digits.parse()
                && !resources.contains(&id)
            {
                resources.push(id);
            }
        }
    }
}
