//! How a raw reference in a chapter, stylesheet or SVG becomes a resource id
//! or a chapter index: resolved against the referring file's path, then looked
//! up among the spine and the book's resources. Anything else is dropped.

use std::collections::HashMap;

use super::package::{Package, encryption, paths};
use super::sanitize::RefTarget;

/// What a manifest item is when it is served as a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// PNG, JPEG, GIF, WebP.
    Picture,
    /// An SVG image, sanitized as its own document.
    Svg,
    /// A stylesheet, sanitized.
    Stylesheet,
    /// A font, de-obfuscated.
    Font,
}

impl ResourceKind {
    /// The kind of a manifest item, or `None` when it is never served (scripts, audio, XML).
    pub fn of(media_type: &str, path: &str) -> Option<ResourceKind> {
        match media_type {
            "image/jpeg" | "image/jpg" | "image/png" | "image/gif" | "image/webp" => {
                Some(ResourceKind::Picture)
            }
            "image/svg+xml" => Some(ResourceKind::Svg),
            "text/css" => Some(ResourceKind::Stylesheet),
            _ if encryption::is_font(media_type, path) => Some(ResourceKind::Font),
            _ => None,
        }
    }
}

/// The book's files by path: spine indexes and resource ids.
#[derive(Debug, Clone)]
pub struct BookRefs {
    spine: HashMap<String, usize>,
    resources: HashMap<String, usize>,
    /// `(path, kind)` by resource id, in manifest order.
    pub table: Vec<(String, ResourceKind)>,
}

impl BookRefs {
    /// Numbers spine items and resources. Resource ids follow manifest order,
    /// so the same EPUB always gets the same ids.
    pub fn new(package: &Package) -> BookRefs {
        let items = &package.opf.items;
        let mut spine = HashMap::new();
        for (index, item) in package.opf.spine.iter().enumerate() {
            spine.entry(items[item.item].path.clone()).or_insert(index);
        }
        let mut resources = HashMap::new();
        let mut table = Vec::new();
        for item in items {
            if let Some(kind) = ResourceKind::of(&item.media_type, &item.path) {
                if spine.contains_key(&item.path) || resources.contains_key(&item.path) {
                    continue;
                }
                resources.insert(item.path.clone(), table.len());
                table.push((item.path.clone(), kind));
            }
        }
        BookRefs {
            spine,
            resources,
            table,
        }
    }

    /// The spine index of an archive path.
    pub fn chapter(&self, path: &str) -> Option<usize> {
        self.spine.get(path).copied()
    }

    /// Resolves `raw` as written in the file at `from`; `usable` says whether a
    /// resource can be served (it may have been dropped, e.g. a bomb picture).
    pub fn resolve(&self, from: &str, raw: &str, usable: &dyn Fn(usize) -> bool) -> RefTarget {
        let Ok(resolved) = paths::resolve(from, raw) else {
            return RefTarget::Drop;
        };
        if let Some(&index) = self.spine.get(&resolved.path) {
            return RefTarget::Chapter {
                index,
                fragment: resolved.fragment,
            };
        }
        match self.resources.get(&resolved.path) {
            Some(&id) if usable(id) => RefTarget::Resource(id),
            _ => RefTarget::Drop,
        }
    }
}
