//! `META-INF/container.xml`: where the package document is.

use crate::catalog::error::{IngestError, package};
use crate::catalog::xml::Element;

/// The package document's path. Several renditions are refused: which one a
/// passenger would get would be a guess.
pub fn rootfile(root: &Element) -> Result<String, IngestError> {
    let mut rootfiles = Vec::new();
    root.descendants("rootfile", &mut rootfiles);
    let packages: Vec<&str> = rootfiles
        .iter()
        .filter(|r| {
            r.attr("media-type")
                .is_none_or(|m| m.trim() == "application/oebps-package+xml")
        })
        .filter_map(|r| r.attr("full-path"))
        .collect();
    match packages.as_slice() {
        [] => Err(package(
            "META-INF/container.xml names no package document (rootfile full-path)",
        )),
        [path] if path.trim().is_empty() => Err(package(
            "META-INF/container.xml has an empty rootfile full-path",
        )),
        [path] => Ok(super::paths::percent_decode(
            path.trim().trim_start_matches('/'),
        )),
        several => Err(package(format!(
            "META-INF/container.xml names {} package documents ({}); upload one rendition per file",
            several.len(),
            several.join(", ")
        ))),
    }
}
