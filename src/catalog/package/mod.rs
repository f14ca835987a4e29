//! The package: container, OPF, encryption declaration and navigation, read
//! with limits from a checked archive. Everything later stages need (what to
//! read, in what order, what each file is) comes from here.

mod container;
pub mod encryption;
pub mod metadata;
pub mod nav;
mod opf;
pub mod paths;
pub mod text;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use encryption::Obfuscation;
pub use metadata::{Accessibility, Direction, Layout, Metadata};
pub use nav::{Landmark, TocEntry};
pub use opf::{Item, Opf, SpineItem};

use super::archive::Archive;
use super::error::{IngestError, package};
use super::xml;

/// What a spine item is to a reader (from landmarks, the guide and the nav).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The cover page.
    Cover,
    /// Title page, contents, copyright, dedication: shown, not counted.
    FrontMatter,
    /// The text itself.
    Body,
    /// Notes, index, colophon.
    BackMatter,
}

/// A parsed and cross-checked package.
#[derive(Debug, Clone)]
pub struct Package {
    /// Path of the OPF in the archive.
    pub opf_path: String,
    /// The package document.
    pub opf: Opf,
    /// Table of contents (archive paths).
    pub toc: Vec<TocEntry>,
    /// Landmarks from the nav document and the EPUB 2 guide.
    pub landmarks: Vec<Landmark>,
    /// Obfuscated fonts by path.
    pub obfuscated: HashMap<String, Obfuscation>,
}

/// Reads container, package document, encryption declaration and navigation.
pub fn read(archive: &mut Archive) -> Result<Package, IngestError> {
    const CONTAINER: &str = "META-INF/container.xml";
    if !archive.contains(CONTAINER) {
        return Err(package(
            "META-INF/container.xml is missing: the package document cannot be found",
        ));
    }
    let opf_path = container::rootfile(&xml::parse(&archive.read(CONTAINER)?, CONTAINER)?)?;
    if !archive.contains(&opf_path) {
        return Err(package(format!(
            "the package document {opf_path:?} named by META-INF/container.xml is not in the archive"
        )));
    }
    let opf_root = xml::parse(&archive.read(&opf_path)?, &opf_path)?;
    if opf_root.name != "package" {
        return Err(package(format!(
            "{opf_path} has root element <{}>, not <package>",
            opf_root.name
        )));
    }
    let opf = opf::parse(&opf_root, &opf_path, &|p| archive.contains(p))?;
    let obfuscated = read_encryption(archive, &opf)?;
    let (toc, mut landmarks) = read_navigation(archive, &opf)?;
    let guide = opf.guide.iter().map(|(kind, path, _)| Landmark {
        kind: kind.clone(),
        path: path.clone(),
    });
    landmarks.extend(guide);
    Ok(Package {
        opf_path,
        opf,
        toc,
        landmarks,
        obfuscated,
    })
}

fn read_encryption(
    archive: &mut Archive,
    opf: &Opf,
) -> Result<HashMap<String, Obfuscation>, IngestError> {
    const ENCRYPTION: &str = "META-INF/encryption.xml";
    if !archive.contains(ENCRYPTION) {
        return Ok(HashMap::new());
    }
    let obfuscated = encryption::read(&xml::parse(&archive.read(ENCRYPTION)?, ENCRYPTION)?)?;
    for path in obfuscated.keys() {
        let media_type = opf
            .items
            .iter()
            .find(|i| &i.path == path)
            .map_or("", |i| i.media_type.as_str());
        if !encryption::is_font(media_type, path) {
            return Err(package(format!(
                "META-INF/encryption.xml obfuscates {path:?}, which is not a font"
            )));
        }
    }
    Ok(obfuscated)
}

fn read_navigation(
    archive: &mut Archive,
    opf: &Opf,
) -> Result<(Vec<TocEntry>, Vec<Landmark>), IngestError> {
    let nav = opf
        .items
        .iter()
        .find(|i| i.properties.iter().any(|p| p == "nav"));
    if let Some(nav) = nav {
        let root = xml::parse(&archive.read(&nav.path)?, &nav.path)?;
        return nav::from_nav(&root, &nav.path, &|p| archive.contains(p));
    }
    let ncx = opf.ncx.map(|i| &opf.items[i]).or_else(|| {
        opf.items
            .iter()
            .find(|i| i.media_type == "application/x-dtbncx+xml")
    });
    match ncx {
        Some(ncx) => {
            let root = xml::parse(&archive.read(&ncx.path)?, &ncx.path)?;
            Ok((
                nav::from_ncx(&root, &ncx.path, &|p| archive.contains(p))?,
                Vec::new(),
            ))
        }
        None => Ok((Vec::new(), Vec::new())),
    }
}

impl Package {
    /// The role of each spine item, in spine order.
    pub fn roles(&self) -> Vec<Role> {
        let body_start = self
            .landmarks
            .iter()
            .find(|l| matches!(l.kind.as_str(), "bodymatter" | "text" | "start"));
        let body_start = body_start.and_then(|l| self.spine_index(&l.path));
        let mut roles = Vec::with_capacity(self.opf.spine.len());
        for (index, spine) in self.opf.spine.iter().enumerate() {
            let item = &self.opf.items[spine.item];
            let marked = self
                .landmarks
                .iter()
                .filter(|l| l.path == item.path)
                .find_map(|l| role_of(&l.kind));
            let is_nav = item.properties.iter().any(|p| p == "nav");
            let named_cover = index == 0
                && (item.id.eq_ignore_ascii_case("cover") || file_stem(&item.path) == "cover");
            let role = match marked {
                Some(role) => role,
                None if is_nav => Role::FrontMatter,
                None if named_cover => Role::Cover,
                None if body_start.is_some_and(|start| index < start) => Role::FrontMatter,
                None => Role::Body,
            };
            roles.push(role);
        }
        roles
    }

    /// The spine index of an archive path.
    pub fn spine_index(&self, path: &str) -> Option<usize> {
        self.opf
            .spine
            .iter()
            .position(|s| self.opf.items[s.item].path == path)
    }
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('.').next().unwrap_or(name)
}

/// Structural semantics (EPUB 3 `epub:type`, EPUB 2 guide types) as roles.
fn role_of(kind: &str) -> Option<Role> {
    match kind {
        "cover" => Some(Role::Cover),
        "titlepage" | "title-page" | "toc" | "copyright-page" | "copyright" | "dedication"
        | "epigraph" | "frontmatter" | "halftitlepage" | "loi" | "lot" | "imprint" => {
            Some(Role::FrontMatter)
        }
        "backmatter" | "colophon" | "index" | "glossary" | "bibliography" | "endnotes"
        | "rearnotes" | "notes" => Some(Role::BackMatter),
        "bodymatter" | "text" | "start" => Some(Role::Body),
        _ => None,
    }
}
