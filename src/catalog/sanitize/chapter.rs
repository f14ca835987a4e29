//! The result of sanitizing a chapter: blocks with their counts, the resources
//! used, and the serializer for the full chapter or an excerpt cut.

use std::collections::BTreeSet;

use super::blocks::{Block, Layout};
use super::clean::CleanDoc;
use super::render::render;
use super::tree::{Element, Node};

/// A sanitized chapter, ready to be rendered in full or cut after a block.
/// It serializes (serde) so ingestion can keep it and cut a new excerpt when a
/// publisher changes the policy, without sanitizing again.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SanitizedChapter {
    doc: CleanDoc,
    layout: Layout,
    outside_resources: Vec<usize>,
    ids: BTreeSet<String>,
    parsed_as_xml: bool,
}

impl SanitizedChapter {
    pub(super) fn new(doc: CleanDoc, layout: Layout, parsed_as_xml: bool) -> SanitizedChapter {
        let mut outside_resources = doc.head_resources.clone();
        for id in &layout.wrapper_resources {
            if !outside_resources.contains(id) {
                outside_resources.push(*id);
            }
        }
        let mut ids = BTreeSet::new();
        collect_ids(&doc.body, &mut ids);
        SanitizedChapter {
            doc,
            layout,
            outside_resources,
            ids,
            parsed_as_xml,
        }
    }

    /// Whether the chapter was well-formed XML (false: the HTML fallback read it).
    pub fn parsed_as_xml(&self) -> bool {
        self.parsed_as_xml
    }

    /// The blocks of the body in document order.
    pub fn blocks(&self) -> &[Block] {
        &self.layout.blocks
    }

    /// Resources used outside any block: stylesheets and their fonts, wrapper styles.
    pub fn resources_outside_blocks(&self) -> &[usize] {
        &self.outside_resources
    }

    /// Every resource the full chapter uses.
    pub fn resources(&self) -> BTreeSet<usize> {
        let in_blocks = self.layout.blocks.iter().flat_map(|b| b.resources.iter());
        self.outside_resources
            .iter()
            .chain(in_blocks)
            .copied()
            .collect()
    }

    /// Total words of all blocks.
    pub fn words(&self) -> usize {
        self.layout.blocks.iter().map(|b| b.words).sum()
    }

    /// Total characters of all blocks.
    pub fn chars(&self) -> usize {
        self.layout.blocks.iter().map(|b| b.chars).sum()
    }

    /// The document title (`<title>`), possibly empty.
    pub fn title(&self) -> &str {
        &self.doc.title
    }

    /// The document language (`lang`/`xml:lang` of the root, else of the body).
    pub fn lang(&self) -> Option<&str> {
        self.doc.lang.as_deref()
    }

    /// The base direction (`ltr`, `rtl` or `auto`) of the root, else of the body.
    pub fn dir(&self) -> Option<&str> {
        self.doc.dir.as_deref()
    }

    /// The ids (fragment targets) present in the sanitized body.
    pub fn ids(&self) -> &BTreeSet<String> {
        &self.ids
    }

    /// The whole sanitized chapter as an XHTML5 document.
    pub fn render_full(&self) -> String {
        render(&self.doc, None)
    }

    /// The plain text of block `index`, white space collapsed (for a run of
    /// loose inline content, the text of its last node).
    pub fn block_text(&self, index: usize) -> Option<String> {
        let (last, inner) = self.layout.cuts.get(index)?.split_last()?;
        let mut parent = &self.doc.body;
        for &child in inner {
            match parent.children.get(child)? {
                Node::Element(e) => parent = e,
                Node::Text(_) => return None,
            }
        }
        let mut text = String::new();
        match parent.children.get(*last)? {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) => e.text_into(&mut text),
        }
        Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// The chapter cut after block `last` (0-based), every open element closed;
    /// the full chapter when `last` is past the end.
    pub fn render_until(&self, last: usize) -> String {
        render(&self.doc, self.layout.cuts.get(last).map(Vec::as_slice))
    }
}

fn collect_ids(element: &Element, ids: &mut BTreeSet<String>) {
    if let Some(id) = element.attr("id") {
        ids.insert(id.to_string());
    }
    for child in &element.children {
        if let Node::Element(child) = child {
            collect_ids(child, ids);
        }
    }
}
