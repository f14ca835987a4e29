//! The fallback parser for chapters that are not well-formed XML: html5ever's
//! tokenizer (the same one ammonia uses) feeding a small forgiving tree builder.
//! It honours `<x/>` (the input meant to be XHTML) and closes what HTML closes
//! implicitly (`p`, `li`, table cells) so the result stays close to the intent.

use std::cell::RefCell;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::error::SanitizeError;
use super::limits::MAX_DEPTH;
use super::tree::{Element, Node, Ns};

#[rustfmt::skip]
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

/// Elements that close an open one of the same name, up to the boundary that scopes them.
const SIBLING_CLOSERS: &[(&str, &[&str])] = &[
    ("li", &["ul", "ol"]),
    ("dt", &["dl"]),
    ("dd", &["dl"]),
    ("tr", &["table"]),
    ("td", &["tr", "table"]),
    ("th", &["tr", "table"]),
    ("option", &["select"]),
];

/// Elements whose start closes an open `p`, as in HTML.
#[rustfmt::skip]
const CLOSES_P: &[&str] = &[
    "address", "article", "aside", "blockquote", "div", "dl", "fieldset", "figure", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "nav", "ol", "p", "pre", "section", "table", "ul",
];

/// SVG names the HTML tokenizer lowercases, restored for the allowlist.
#[rustfmt::skip]
const SVG_CASE: &[&str] = &[
    "clipPath", "linearGradient", "radialGradient", "textPath", "foreignObject", "viewBox",
    "preserveAspectRatio", "gradientUnits", "gradientTransform", "patternUnits",
    "patternContentUnits", "patternTransform", "markerWidth", "markerHeight", "markerUnits", "refX",
    "refY", "textLength", "lengthAdjust", "spreadMethod", "clipPathUnits", "maskUnits",
    "maskContentUnits", "stdDeviation", "feGaussianBlur", "feOffset", "feBlend", "feFlood",
    "feMerge", "feMergeNode", "feComposite", "feColorMatrix", "startOffset",
];

struct Builder {
    stack: Vec<Element>,
}

struct Sink(RefCell<Builder>);

/// Parses any text as HTML; never fails except on the nesting limit.
pub fn parse(text: &str) -> Result<Element, SanitizeError> {
    let root = Element::new(Ns::Html, "html");
    let sink = Sink(RefCell::new(Builder { stack: vec![root] }));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    // The sink pauses the tokenizer (a "script" stop) once the depth limit is
    // passed, so a hostile document is not tokenized to its end.
    if let TokenizerResult::Script(()) = tokenizer.feed(&input) {
        return Err(SanitizeError::TooDeep { max: MAX_DEPTH });
    }
    tokenizer.end();
    let mut builder = tokenizer.sink.0.into_inner();
    while builder.stack.len() > 1 {
        builder.pop();
    }
    Ok(builder.stack.pop().expect("the root is never popped"))
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut builder = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => return builder.start(tag),
            Token::TagToken(tag) => builder.end(&tag.name),
            Token::CharacterTokens(text) => builder.text(&text),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

impl Builder {
    fn start(&mut self, tag: Tag) -> TokenSinkResult<()> {
        let name = tag.name.to_string();
        if name == "html" {
            let root = &mut self.stack[0];
            if root.attrs.is_empty() {
                root.attrs = attributes(&tag, Ns::Html);
            }
            return TokenSinkResult::Continue;
        }
        self.close_implied(&name);
        let parent_ns = self.stack.last().map_or(Ns::Html, |e| e.ns);
        let ns = match name.as_str() {
            "svg" => Ns::Svg,
            "math" => Ns::MathMl,
            _ if name.contains(':') => Ns::Other,
            _ if parent_ns == Ns::Svg || parent_ns == Ns::MathMl => parent_ns,
            _ => Ns::Html,
        };
        let local = if ns == Ns::Svg {
            svg_case(&name)
        } else {
            name.clone()
        };
        let mut element = Element::new(ns, &local);
        element.attrs = attributes(&tag, ns);
        if tag.self_closing || (ns == Ns::Html && VOID.contains(&name.as_str())) {
            self.append(Node::Element(element));
            return TokenSinkResult::Continue;
        }
        if self.stack.len() > MAX_DEPTH {
            return TokenSinkResult::Script(());
        }
        self.stack.push(element);
        match name.as_str() {
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    fn close_implied(&mut self, name: &str) {
        if CLOSES_P.contains(&name) && self.stack.last().is_some_and(|e| e.is_html("p")) {
            self.pop();
        }
        let Some((_, boundaries)) = SIBLING_CLOSERS.iter().find(|(n, _)| *n == name) else {
            return;
        };
        for depth in (1..self.stack.len()).rev() {
            let open = &self.stack[depth];
            if open.name == name {
                self.stack_truncate(depth);
                return;
            }
            if boundaries.contains(&open.name.as_str()) {
                return;
            }
        }
    }

    fn end(&mut self, name: &str) {
        let name = if self.stack.iter().any(|e| e.ns == Ns::Svg) {
            svg_case(name)
        } else {
            name.to_string()
        };
        if let Some(depth) = (1..self.stack.len())
            .rev()
            .find(|d| self.stack[*d].name == name)
        {
            self.stack_truncate(depth);
        }
    }

    /// Closes every open element from `depth` up.
    fn stack_truncate(&mut self, depth: usize) {
        while self.stack.len() > depth {
            self.pop();
        }
    }

    fn pop(&mut self) {
        if let Some(element) = self.stack.pop() {
            self.append(Node::Element(element));
        }
    }

    fn append(&mut self, node: Node) {
        let parent = self.stack.last_mut().expect("the root is never popped");
        match (parent.children.last_mut(), node) {
            (Some(Node::Text(previous)), Node::Text(text)) => previous.push_str(&text),
            (_, node) => parent.children.push(node),
        }
    }

    fn text(&mut self, text: &str) {
        self.append(Node::Text(text.to_string()));
    }
}

fn attributes(tag: &Tag, ns: Ns) -> Vec<(String, String)> {
    let mut attrs: Vec<(String, String)> = Vec::new();
    for attr in &tag.attrs {
        let name = attr.name.local.to_string();
        if name == "xmlns" || name.starts_with("xmlns:") || attrs.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let name = if ns == Ns::Svg { svg_case(&name) } else { name };
        attrs.push((name, attr.value.to_string()));
    }
    attrs
}

fn svg_case(name: &str) -> String {
    SVG_CASE
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_string(), |known| known.to_string())
}
