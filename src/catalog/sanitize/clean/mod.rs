//! Walks the parsed tree and keeps only what the allowlists accept, rewriting
//! every reference through `urls::rewrite`. Stylesheets (`<link>`, `<style>`,
//! wherever they appear) are collected for the head.

mod attributes;

use super::RefTarget;
use super::css::sanitize_stylesheet;
use super::policy::{Fate, fate};
use super::tree::{Element, Node, Ns};
use super::urls::{Want, rewrite};

/// A stylesheet of the cleaned document's head, in cascade order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum HeadItem {
    /// A book stylesheet by resource id.
    Stylesheet(usize),
    /// The sanitized text of an inline `<style>`.
    Style(String),
}

/// The cleaned document: head parts, root language and direction, and the body.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CleanDoc {
    pub title: String,
    pub head: Vec<HeadItem>,
    pub head_resources: Vec<usize>,
    pub lang: Option<String>,
    pub dir: Option<String>,
    pub body: Element,
}

struct Cleaner<'r> {
    resolve: &'r dyn Fn(&str) -> RefTarget,
    head: Vec<HeadItem>,
    head_resources: Vec<usize>,
    title: Option<String>,
}

/// Cleans a parsed document (an `html` root, or an SVG/other root put in a body).
pub fn clean(root: Element, resolve: &dyn Fn(&str) -> RefTarget) -> CleanDoc {
    let mut cleaner = Cleaner {
        resolve,
        head: Vec::new(),
        head_resources: Vec::new(),
        title: None,
    };
    let (root_attrs, head, body) = split_document(root);
    if let Some(head) = head {
        for child in head.children {
            if let Node::Element(element) = child {
                cleaner.head_element(element);
            }
        }
    }
    let language = |attrs: &[(String, String)]| lang_of(attrs);
    let body_lang = language(&body.attrs);
    let body_dir = dir_of(&body.attrs);
    let mut children = Vec::new();
    cleaner.children(body.children, Ns::Html, &mut children);
    let mut cleaned_body = Element::new(Ns::Html, "body");
    cleaned_body.attrs = cleaner
        .html_attributes("body", &body.attrs)
        .unwrap_or_default();
    cleaned_body.children = children;
    CleanDoc {
        title: cleaner.title.unwrap_or_default(),
        head: cleaner.head,
        head_resources: cleaner.head_resources,
        lang: language(&root_attrs).or(body_lang),
        dir: dir_of(&root_attrs).or(body_dir),
        body: cleaned_body,
    }
}

/// Cleans one element on its own (a standalone SVG): the kept nodes and the
/// stylesheets found inside.
pub fn clean_fragment(
    root: Element,
    resolve: &dyn Fn(&str) -> RefTarget,
) -> (Vec<Node>, Vec<HeadItem>) {
    let mut cleaner = Cleaner {
        resolve,
        head: Vec::new(),
        head_resources: Vec::new(),
        title: None,
    };
    let mut out = Vec::new();
    cleaner.element(root, Ns::Html, &mut out);
    (out, cleaner.head)
}

/// Finds the root's attributes, head and body; content outside a body becomes the body.
fn split_document(root: Element) -> (Vec<(String, String)>, Option<Element>, Element) {
    if !root.is_html("html") {
        let mut body = Element::new(Ns::Html, "body");
        body.children.push(Node::Element(root));
        return (Vec::new(), None, body);
    }
    let mut head = None;
    let mut body = None;
    let mut loose = Element::new(Ns::Html, "body");
    for child in root.children {
        match child {
            Node::Element(e) if e.is_html("head") && head.is_none() => head = Some(e),
            Node::Element(e) if e.is_html("body") && body.is_none() => body = Some(e),
            other => loose.children.push(other),
        }
    }
    let body = match body {
        Some(mut body) => {
            // Elements after `</body>` (sloppy files) still belong to the text.
            let stray = loose
                .children
                .into_iter()
                .filter(|n| matches!(n, Node::Element(_)));
            body.children.extend(stray);
            body
        }
        None => loose,
    };
    (root.attrs, head, body)
}

fn lang_of(attrs: &[(String, String)]) -> Option<String> {
    let find = |name: &str| {
        attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_string())
    };
    find("lang")
        .or_else(|| find("xml:lang"))
        .filter(|l| valid_lang(l))
}

fn valid_lang(lang: &str) -> bool {
    !lang.is_empty()
        && lang.len() <= 35
        && lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn dir_of(attrs: &[(String, String)]) -> Option<String> {
    let dir = attrs
        .iter()
        .find(|(n, _)| n == "dir")?
        .1
        .trim()
        .to_ascii_lowercase();
    matches!(dir.as_str(), "ltr" | "rtl" | "auto").then_some(dir)
}

impl Cleaner<'_> {
    fn head_element(&mut self, element: Element) {
        match (element.ns, element.name.as_str()) {
            (Ns::Html, "title") if self.title.is_none() => {
                let mut text = String::new();
                element.text_into(&mut text);
                self.title = Some(text.split_whitespace().collect::<Vec<_>>().join(" "));
            }
            (Ns::Html, "link") => self.link(&element),
            (Ns::Html | Ns::Svg, "style") => self.style(&element),
            _ => {}
        }
    }

    fn link(&mut self, element: &Element) {
        let rel = element.attr("rel").unwrap_or("").to_ascii_lowercase();
        let tokens: Vec<&str> = rel.split_whitespace().collect();
        if !tokens.contains(&"stylesheet") || tokens.contains(&"alternate") {
            return;
        }
        let href = element.attr("href").unwrap_or("");
        if let Some(id) = rewrite(href, Want::Resource, self.resolve).and_then(|r| r.resource) {
            self.head.push(HeadItem::Stylesheet(id));
            self.head_resources.push(id);
        }
    }

    fn style(&mut self, element: &Element) {
        let kind = element
            .attr("type")
            .unwrap_or("text/css")
            .trim()
            .to_ascii_lowercase();
        if kind != "text/css" && !kind.is_empty() {
            return;
        }
        let mut text = String::new();
        element.text_into(&mut text);
        let css = sanitize_stylesheet(&text, self.resolve);
        if !css.text.trim().is_empty() {
            self.head.push(HeadItem::Style(css.text));
            self.head_resources.extend(css.resources);
        }
    }

    fn children(&mut self, nodes: Vec<Node>, parent_ns: Ns, out: &mut Vec<Node>) {
        for node in nodes {
            match node {
                Node::Text(text) => match out.last_mut() {
                    Some(Node::Text(previous)) => previous.push_str(&text),
                    _ => out.push(Node::Text(text)),
                },
                Node::Element(element) => self.element(element, parent_ns, out),
            }
        }
    }

    fn element(&mut self, element: Element, parent_ns: Ns, out: &mut Vec<Node>) {
        let foreign_parent = matches!(parent_ns, Ns::Svg | Ns::MathMl);
        if foreign_parent && element.ns != parent_ns {
            return; // HTML inside SVG/MathML only comes through foreignObject/annotation-xml
        }
        match (element.ns, element.name.as_str()) {
            (Ns::Html, "title" | "link" | "style") | (Ns::Svg, "style") => {
                return self.head_element(element);
            }
            // `epub:switch`: keep the fallback a reading system without extensions would show.
            (Ns::Other, "switch") => {
                for child in element.children {
                    if let Node::Element(case) = child
                        && case.ns == Ns::Other
                        && case.name == "default"
                    {
                        self.children(case.children, parent_ns, out);
                    }
                }
                return;
            }
            (Ns::Other, "trigger") => return,
            _ => {}
        }
        match fate(element.ns, &element.name) {
            Fate::Drop => {}
            Fate::Unwrap => self.children(element.children, parent_ns, out),
            Fate::Keep => {
                let attrs = match element.ns {
                    Ns::Html => self.html_attributes(&element.name, &element.attrs),
                    ns => self.foreign_attributes(ns, &element.name, &element.attrs),
                };
                let Some(attrs) = attrs else { return };
                let mut kept = Element::new(element.ns, &element.name);
                kept.attrs = attrs;
                self.children(element.children, element.ns, &mut kept.children);
                out.push(Node::Element(kept));
            }
        }
    }
}
