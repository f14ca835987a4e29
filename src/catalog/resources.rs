//! Resources are prepared the first time something references them: pictures
//! fitted to phones, SVG and stylesheets sanitized (their own references
//! prepared in turn), fonts de-obfuscated. Unreferenced files are never read;
//! a picture that cannot be prepared is dropped and the reference with it.

use std::cell::RefCell;

use super::archive::Archive;
use super::error::IngestError;
use super::images;
use super::media_type;
use super::pack::PackWriter;
use super::package::{Package, encryption};
use super::publication::Resource;
use super::refs::{BookRefs, ResourceKind};
use super::sanitize::{self, RefTarget};

enum Slot {
    Untouched,
    InProgress,
    Done(Resource),
}

/// The archive, the pack being written and the state of every resource.
pub struct Preparer<'a> {
    pub(super) archive: RefCell<Archive>,
    pub(super) pack: RefCell<PackWriter>,
    pub(super) refs: BookRefs,
    package: &'a Package,
    slots: RefCell<Vec<Slot>>,
    failure: RefCell<Option<IngestError>>,
}

impl<'a> Preparer<'a> {
    /// Starts preparing a book whose package has been read.
    pub fn new(archive: Archive, pack: PackWriter, package: &'a Package) -> Preparer<'a> {
        let refs = BookRefs::new(package);
        let slots = refs.table.iter().map(|_| Slot::Untouched).collect();
        Preparer {
            archive: RefCell::new(archive),
            pack: RefCell::new(pack),
            refs,
            package,
            slots: RefCell::new(slots),
            failure: RefCell::new(None),
        }
    }

    /// Resolves a reference in the file at `from`, preparing the resource it names.
    pub fn resolve(&self, from: &str, raw: &str) -> RefTarget {
        self.refs.resolve(from, raw, &|id| self.ensure(id))
    }

    /// The first failure met while preparing resources (I/O, archive limits).
    pub fn take_failure(&self) -> Result<(), IngestError> {
        self.failure.borrow_mut().take().map_or(Ok(()), Err)
    }

    /// Every resource, prepared or not (unprepared ones have no content).
    pub fn into_parts(self) -> (Vec<Resource>, PackWriter, Archive) {
        let resources = self
            .slots
            .into_inner()
            .into_iter()
            .zip(&self.refs.table)
            .map(|(slot, (path, _))| match slot {
                Slot::Done(resource) => resource,
                _ => Resource {
                    media_type: media_type_of(self.package, path),
                    content: None,
                    uses: Vec::new(),
                    size: None,
                },
            });
        (
            resources.collect(),
            self.pack.into_inner(),
            self.archive.into_inner(),
        )
    }

    /// Prepares resource `id` once; true when it can be served.
    fn ensure(&self, id: usize) -> bool {
        match self.slots.borrow().get(id) {
            Some(Slot::Done(resource)) => return resource.content.is_some(),
            // A stylesheet importing itself (directly or not): the reference is harmless.
            Some(Slot::InProgress) => return true,
            Some(Slot::Untouched) => {}
            None => return false,
        }
        self.slots.borrow_mut()[id] = Slot::InProgress;
        let resource = self.prepare(id).unwrap_or_else(|e| {
            self.failure.borrow_mut().get_or_insert(e);
            Resource {
                media_type: String::new(),
                content: None,
                uses: Vec::new(),
                size: None,
            }
        });
        let usable = resource.content.is_some();
        self.slots.borrow_mut()[id] = Slot::Done(resource);
        usable
    }

    fn prepare(&self, id: usize) -> Result<Resource, IngestError> {
        let (path, kind) = self.refs.table[id].clone();
        let mut bytes = self.archive.borrow_mut().read(&path)?;
        let media_type = media_type_of(self.package, &path);
        let mut resource = Resource {
            media_type,
            content: None,
            uses: Vec::new(),
            size: None,
        };
        match kind {
            ResourceKind::Picture => match images::prepare(&bytes) {
                Ok(picture) => {
                    resource.media_type = picture.media_type.to_string();
                    resource.size = Some((picture.width, picture.height));
                    resource.content = Some(
                        self.pack
                            .borrow_mut()
                            .append_binary(&picture.bytes)
                            .map_err(store)?,
                    );
                }
                Err(e) => tracing::info!(path, error = %e, "picture dropped"),
            },
            ResourceKind::Svg => {
                match sanitize::sanitize_svg(&bytes, &|raw| self.resolve(&path, raw)) {
                    Ok(svg) => {
                        resource.media_type = "image/svg+xml".into();
                        resource.uses = svg.resources;
                        resource.content = Some(
                            self.pack
                                .borrow_mut()
                                .append_text(svg.text.as_bytes())
                                .map_err(store)?,
                        );
                    }
                    Err(e) => tracing::info!(path, error = %e, "SVG image dropped"),
                }
            }
            ResourceKind::Stylesheet => {
                let css =
                    super::charset::decode(&bytes).map_err(|source| IngestError::Charset {
                        file: path.clone(),
                        source,
                    })?;
                let clean = sanitize::sanitize_stylesheet(&css, &|raw| self.resolve(&path, raw));
                resource.media_type = "text/css".into();
                resource.uses = clean.resources;
                resource.content = Some(
                    self.pack
                        .borrow_mut()
                        .append_text(clean.text.as_bytes())
                        .map_err(store)?,
                );
            }
            ResourceKind::Font => {
                if let Some(&method) = self.package.obfuscated.get(&path) {
                    let opf = &self.package.opf;
                    encryption::deobfuscate(
                        &mut bytes,
                        method,
                        &opf.unique_identifier,
                        &opf.metadata.identifiers,
                    );
                }
                resource.media_type = media_type::font(&bytes).into();
                resource.content = Some(
                    self.pack
                        .borrow_mut()
                        .append_binary(&bytes)
                        .map_err(store)?,
                );
            }
        }
        Ok(resource)
    }
}

/// The declared type, kept for resources that were never prepared (and so
/// are never served); a prepared resource's type comes from what it is.
fn media_type_of(package: &Package, path: &str) -> String {
    let item = package.opf.items.iter().find(|i| i.path == path);
    item.map(|i| i.media_type.clone())
        .unwrap_or_else(|| media_type::OPAQUE.into())
}

/// A failure to write the staged publication: ours, not the book's.
pub fn store(e: std::io::Error) -> IngestError {
    IngestError::Internal(anyhow::Error::new(e).context("writing the prepared publication"))
}
