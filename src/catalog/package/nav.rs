//! Table of contents and landmarks, from the EPUB 3 navigation document or
//! the EPUB 2 NCX. Every target must be a file of the book.

use serde::{Deserialize, Serialize};

use super::paths;
use super::text::{self, MAX_TITLE};
use crate::catalog::error::{IngestError, package};
use crate::catalog::xml::Element;

/// Most entries kept in a table of contents.
pub const MAX_ENTRIES: usize = 10_000;

/// One entry of the table of contents, by archive path (rewritten to chapter ids later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    /// The label.
    pub title: String,
    /// The target file, if the entry links anywhere.
    pub path: Option<String>,
    /// The fragment in the target.
    pub fragment: Option<String>,
    /// Nested entries.
    pub children: Vec<TocEntry>,
}

/// A landmark: `epub:type` (`cover`, `toc`, `bodymatter`…) and its target file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landmark {
    /// The structural semantics.
    pub kind: String,
    /// The target file.
    pub path: String,
}

/// Reads the toc and landmarks of an EPUB 3 navigation document at `nav_path`.
pub fn from_nav(
    root: &Element,
    nav_path: &str,
    exists: &dyn Fn(&str) -> bool,
) -> Result<(Vec<TocEntry>, Vec<Landmark>), IngestError> {
    let mut navs = Vec::new();
    root.descendants("nav", &mut navs);
    let has_type = |nav: &&Element, wanted: &str| {
        nav.attr("type")
            .is_some_and(|t| t.split_whitespace().any(|t| t == wanted))
    };
    let toc_nav = navs.iter().find(|n| has_type(n, "toc"));
    let toc_nav = toc_nav
        .ok_or_else(|| package(format!("the navigation document {nav_path} has no toc nav")))?;
    let mut count = 0;
    let toc = match toc_nav.child("ol") {
        Some(ol) => nav_list(ol, nav_path, exists, &mut count)?,
        None => Vec::new(),
    };
    let mut landmarks = Vec::new();
    if let Some(nav) = navs.iter().find(|n| has_type(n, "landmarks")) {
        let mut links = Vec::new();
        nav.descendants("a", &mut links);
        for a in links.into_iter().take(100) {
            let (Some(kind), Some(href)) = (a.attr("type"), a.attr("href")) else {
                continue;
            };
            if let Ok(resolved) = paths::resolve(nav_path, href) {
                landmarks.push(Landmark {
                    kind: kind.to_ascii_lowercase(),
                    path: resolved.path,
                });
            }
        }
    }
    Ok((toc, landmarks))
}

fn nav_list(
    ol: &Element,
    nav_path: &str,
    exists: &dyn Fn(&str) -> bool,
    count: &mut usize,
) -> Result<Vec<TocEntry>, IngestError> {
    let mut entries = Vec::new();
    for li in ol.children_named("li") {
        let label = li.child("a").or_else(|| li.child("span"));
        let title = label
            .and_then(|l| text::clean(&l.text(), MAX_TITLE))
            .unwrap_or_default();
        let href = label.filter(|l| l.name == "a").and_then(|a| a.attr("href"));
        let children = match li.child("ol") {
            Some(ol) => nav_list(ol, nav_path, exists, count)?,
            None => Vec::new(),
        };
        if let Some(entry) = entry(title, href, nav_path, exists, children, count)? {
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// Reads the `navMap` of an EPUB 2 NCX at `ncx_path`.
pub fn from_ncx(
    root: &Element,
    ncx_path: &str,
    exists: &dyn Fn(&str) -> bool,
) -> Result<Vec<TocEntry>, IngestError> {
    let mut count = 0;
    match root.child("navMap") {
        Some(map) => nav_points(map, ncx_path, exists, &mut count),
        None => Ok(Vec::new()),
    }
}

fn nav_points(
    parent: &Element,
    ncx_path: &str,
    exists: &dyn Fn(&str) -> bool,
    count: &mut usize,
) -> Result<Vec<TocEntry>, IngestError> {
    let mut entries = Vec::new();
    for point in parent.children_named("navPoint") {
        let label = point.child("navLabel").and_then(|l| l.child("text"));
        let title = label
            .and_then(|t| text::clean(&t.text(), MAX_TITLE))
            .unwrap_or_default();
        let href = point.child("content").and_then(|c| c.attr("src"));
        let children = nav_points(point, ncx_path, exists, count)?;
        if let Some(entry) = entry(title, href, ncx_path, exists, children, count)? {
            entries.push(entry);
        }
    }
    Ok(entries)
}

fn entry(
    title: String,
    href: Option<&str>,
    from: &str,
    exists: &dyn Fn(&str) -> bool,
    children: Vec<TocEntry>,
    count: &mut usize,
) -> Result<Option<TocEntry>, IngestError> {
    *count += 1;
    if *count > MAX_ENTRIES {
        return Err(IngestError::TooLarge(format!(
            "the table of contents has more than {MAX_ENTRIES} entries"
        )));
    }
    let (path, fragment) = match href.map(|h| paths::resolve(from, h)) {
        Some(Ok(resolved)) => (Some(resolved.path), resolved.fragment),
        // Remote or empty targets are not followed; the label (and its children) stay.
        _ => (None, None),
    };
    if let Some(path) = &path
        && !exists(path)
    {
        return Err(package(format!(
            "{from}: the table of contents entry {title:?} points to {path:?}, which is not in the archive"
        )));
    }
    if title.is_empty() && path.is_none() && children.is_empty() {
        return Ok(None);
    }
    Ok(Some(TocEntry {
        title,
        path,
        fragment,
        children,
    }))
}
