//! The package document: manifest, spine and guide, every reference resolved
//! to an archive entry that exists.

use std::collections::HashMap;

use super::encryption;
use super::metadata::{self, Metadata};
use super::paths::{self, Unresolved};
use crate::catalog::error::{IngestError, package};
use crate::catalog::xml::Element;

/// Most manifest items accepted (the biggest real books have a few thousand).
pub const MAX_ITEMS: usize = 10_000;

/// One manifest item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The manifest id.
    pub id: String,
    /// The archive entry name.
    pub path: String,
    /// The declared media type, lower case.
    pub media_type: String,
    /// `properties` tokens (`nav`, `cover-image`, `svg`, `scripted`…).
    pub properties: Vec<String>,
}

/// One spine entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpineItem {
    /// Index into the manifest.
    pub item: usize,
    /// `linear="no"` items are reachable only by links.
    pub linear: bool,
    /// This page is pre-paginated (from the item or the whole book).
    pub fixed: bool,
}

/// The parsed package document.
#[derive(Debug, Clone)]
pub struct Opf {
    /// The OPF version (`2.0`, `3.0`).
    pub version: String,
    /// The unique identifier's value (the key of IDPF font obfuscation).
    pub unique_identifier: String,
    /// Metadata.
    pub metadata: Metadata,
    /// Manifest items in document order.
    pub items: Vec<Item>,
    /// Reading order.
    pub spine: Vec<SpineItem>,
    /// The NCX item named by `spine toc`, if any.
    pub ncx: Option<usize>,
    /// EPUB 2 guide references: (type, path, fragment).
    pub guide: Vec<(String, String, Option<String>)>,
    /// The cover image item, if any.
    pub cover_image: Option<usize>,
}

/// Parses the OPF at `opf_path`; `exists` says whether an entry is in the archive.
pub fn parse(
    root: &Element,
    opf_path: &str,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Opf, IngestError> {
    let child = |name: &str| {
        root.child(name)
            .ok_or_else(|| package(format!("{opf_path} has no <{name}>")))
    };
    let (meta_el, manifest, spine_el) = (child("metadata")?, child("manifest")?, child("spine")?);
    let metadata = metadata::read(meta_el, spine_el)
        .ok_or_else(|| package(format!("{opf_path} has no dc:title")))?;
    let items = manifest_items(manifest, opf_path, exists)?;
    let by_id: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let spine = spine_items(spine_el, &items, &by_id, metadata.layout, opf_path)?;
    let ncx = spine_el.attr("toc").and_then(|id| by_id.get(id).copied());
    let unique_identifier = unique_identifier(root, meta_el);
    let cover_image = cover_image(meta_el, &items, &by_id);
    Ok(Opf {
        version: root.attr("version").unwrap_or("2.0").to_string(),
        unique_identifier,
        metadata,
        guide: guide(root, opf_path),
        items,
        spine,
        ncx,
        cover_image,
    })
}

fn manifest_items(
    manifest: &Element,
    opf_path: &str,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<Item>, IngestError> {
    let mut items = Vec::new();
    for item in manifest.children_named("item") {
        if items.len() == MAX_ITEMS {
            return Err(IngestError::TooLarge(format!(
                "the manifest has more than {MAX_ITEMS} items"
            )));
        }
        let id = item.attr("id").unwrap_or_default().to_string();
        let href = item.attr("href").unwrap_or_default();
        let path = match paths::resolve(opf_path, href) {
            Ok(resolved) => resolved.path,
            // EPUB 3 allows remote audio, video and fonts; they are simply never fetched.
            Err(Unresolved::Remote)
                if remote_allowed(item.attr("media-type").unwrap_or_default()) =>
            {
                continue;
            }
            Err(Unresolved::Remote) => {
                return Err(package(format!(
                    "manifest item {id:?} is the remote resource {href:?}; only audio, video and fonts may be remote, and none are fetched"
                )));
            }
            Err(Unresolved::Escapes) => {
                return Err(package(format!(
                    "manifest item {id:?} href {href:?} points outside the container"
                )));
            }
            Err(Unresolved::SameDocument) => {
                return Err(package(format!("manifest item {id:?} has an empty href")));
            }
        };
        if !exists(&path) {
            return Err(package(format!(
                "manifest item {id:?} names {path:?}, which is not in the archive"
            )));
        }
        items.push(Item {
            id,
            path,
            media_type: item
                .attr("media-type")
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase(),
            properties: item
                .attr("properties")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        });
    }
    Ok(items)
}

fn remote_allowed(media_type: &str) -> bool {
    let media_type = media_type.trim().to_ascii_lowercase();
    media_type.starts_with("audio/")
        || media_type.starts_with("video/")
        || encryption::is_font(&media_type, "")
}

fn spine_items(
    spine: &Element,
    items: &[Item],
    by_id: &HashMap<&str, usize>,
    layout: metadata::Layout,
    opf_path: &str,
) -> Result<Vec<SpineItem>, IngestError> {
    let mut out = Vec::new();
    for itemref in spine.children_named("itemref") {
        let idref = itemref.attr("idref").unwrap_or_default();
        let Some(&item) = by_id.get(idref) else {
            return Err(package(format!(
                "spine item {idref:?} is not a local manifest item (missing, or a remote resource that is never fetched)"
            )));
        };
        let properties = itemref.attr("properties").unwrap_or_default();
        let fixed = match properties
            .split_whitespace()
            .find(|p| p.starts_with("rendition:layout-"))
        {
            Some("rendition:layout-pre-paginated") => true,
            Some(_) => false,
            None => layout == metadata::Layout::Fixed,
        };
        let media = items[item].media_type.as_str();
        if !matches!(
            media,
            "application/xhtml+xml" | "image/svg+xml" | "text/html" | "application/x-dtbook+xml"
        ) {
            return Err(package(format!(
                "spine item {idref:?} is {media:?}, not a content document"
            )));
        }
        out.push(SpineItem {
            item,
            linear: itemref.attr("linear") != Some("no"),
            fixed,
        });
    }
    if out.is_empty() {
        return Err(package(format!("the spine of {opf_path} is empty")));
    }
    Ok(out)
}

fn unique_identifier(root: &Element, metadata: &Element) -> String {
    let wanted = root.attr("unique-identifier").unwrap_or_default();
    let chosen = metadata
        .children_named("identifier")
        .find(|e| e.attr("id") == Some(wanted));
    let chosen = chosen.or_else(|| metadata.child("identifier"));
    chosen.map(|e| e.text()).unwrap_or_default()
}

fn cover_image(metadata: &Element, items: &[Item], by_id: &HashMap<&str, usize>) -> Option<usize> {
    let is_image = |i: &usize| items[*i].media_type.starts_with("image/");
    let epub3 = items
        .iter()
        .position(|it| it.properties.iter().any(|p| p == "cover-image"));
    let epub2 = metadata
        .children_named("meta")
        .find(|m| m.attr("name") == Some("cover"))
        .and_then(|m| m.attr("content"))
        .and_then(|id| by_id.get(id.trim()).copied());
    epub3.or(epub2).filter(is_image)
}

fn guide(root: &Element, opf_path: &str) -> Vec<(String, String, Option<String>)> {
    let Some(guide) = root.child("guide") else {
        return Vec::new();
    };
    let references = guide.children_named("reference").filter_map(|r| {
        let kind = r.attr("type")?.to_ascii_lowercase();
        let resolved = paths::resolve(opf_path, r.attr("href")?).ok()?;
        Some((kind, resolved.path, resolved.fragment))
    });
    references.take(100).collect()
}
