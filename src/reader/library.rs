//! What a passenger can reach of a title: the prepared publication of its
//! live version and its excerpt, turned once into lookup tables of byte spans,
//! plus the hot bodies in memory. Nothing here reads a path from a request:
//! chapters and resources are found by index in what ingestion declared.
//!
//! A body missing from memory is one span of a pack, fetched from the
//! publication files (a `pread`, or one range request to a bucket): an
//! instance that never saw the title before serves it without a local copy.

use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::cache::BodyCache;
use crate::FastMap;
use crate::catalog::Catalog;
use crate::catalog::excerpt_plan::POSITION_BYTES;
use crate::catalog::pack::{Encoding, Span, Variants};
use crate::catalog::prepare::CONTENT_PACK;
use crate::catalog::publication::Publication;
use crate::catalog::title::{TitleId, TitleRecord};
use crate::excerpts::Extent;
use crate::publications::{Publications, file_key};

/// How many servable titles are kept prepared (each holds its publication's metadata).
const SERVABLE_TITLES: usize = 256;

/// A body to send: its bytes and how they are encoded.
pub struct Body {
    /// The bytes.
    pub bytes: Bytes,
    /// Their content encoding.
    pub encoding: Encoding,
}

/// One allowed piece of content: where its encodings are.
#[derive(Clone)]
struct Piece {
    /// The key of its pack in the publication files.
    pack: Arc<str>,
    variants: Variants,
}

/// A title's live version as passengers may reach it.
pub struct Servable {
    /// The record it was built from (compared by pointer to notice changes).
    pub record: Arc<TitleRecord>,
    /// The prepared publication (metadata, TOC, chapter titles).
    pub publication: Publication,
    /// A tag that changes whenever what is served changes (version or excerpt).
    pub tag: Arc<str>,
    /// The title id, shared by the keys of its cached bodies.
    title: Arc<str>,
    chapters: Vec<Option<Piece>>,
    resources: FastMap<usize, (Piece, &'static str)>,
}

impl Servable {
    async fn build(catalog: &Catalog, record: Arc<TitleRecord>) -> anyhow::Result<Servable> {
        let publication = catalog
            .store()
            .publication(&record.id, &record.version)
            .await?;
        let key =
            |name: &str| -> Arc<str> { Arc::from(file_key(&record.id, &record.version, name)) };
        let pack = key(CONTENT_PACK);
        let excerpt = &record.excerpt;
        let mut chapters = vec![None; publication.chapters.len()];
        for allowed in excerpt.excerpt.chapters() {
            let piece = match (allowed.extent, &excerpt.cut) {
                (Extent::Full, _) => Piece {
                    pack: pack.clone(),
                    variants: publication.chapters[allowed.index].content,
                },
                (Extent::Partial { .. }, Some(cut)) => Piece {
                    pack: key(&cut.file),
                    variants: cut.content,
                },
                (Extent::Partial { .. }, None) => continue,
            };
            if let Some(slot) = chapters.get_mut(allowed.index) {
                *slot = Some(piece);
            }
        }
        let mut resources = FastMap::default();
        for &id in &excerpt.resources {
            if let Some(r) = publication.resources.get(id)
                && let Some(variants) = r.content
            {
                resources.insert(
                    id,
                    (
                        Piece {
                            pack: pack.clone(),
                            variants,
                        },
                        crate::catalog::media_type::servable(&r.media_type),
                    ),
                );
            }
        }
        let cut = excerpt
            .cut
            .as_ref()
            .map_or(String::new(), |c| format!("-{}-{}", c.chapter, c.blocks));
        let tag: Arc<str> = Arc::from(format!(
            "{}-{}{cut}",
            record.version,
            excerpt.excerpt.chapters().len()
        ));
        Ok(Servable {
            title: Arc::from(record.id.as_str()),
            record,
            publication,
            tag,
            chapters,
            resources,
        })
    }

    /// Whether chapter `n` is part of the excerpt.
    pub fn allows_chapter(&self, n: usize) -> bool {
        self.chapters.get(n).is_some_and(Option::is_some)
    }

    /// Whether resource `id` is needed by the excerpt.
    pub fn allows_resource(&self, id: usize) -> bool {
        self.resources.contains_key(&id)
    }

    /// The media type of an allowed resource.
    pub fn resource_type(&self, id: usize) -> Option<&'static str> {
        self.resources.get(&id).map(|&(_, t)| t)
    }

    /// Allowed resource ids in order.
    pub fn resource_ids(&self) -> Vec<usize> {
        let mut ids: Vec<usize> = self.resources.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Number of positions of a chapter as served (one per 1,024 bytes, at least one).
    pub fn positions_of(&self, chapter: usize) -> u64 {
        let bytes = self
            .record
            .excerpt
            .served_bytes(&self.publication, chapter)
            .unwrap_or(0);
        bytes.div_ceil(POSITION_BYTES).max(1)
    }
}

/// The part of a title a body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// A chapter by spine index.
    Chapter(usize),
    /// A resource by id.
    Resource(usize),
}

/// Title id, servable tag, part, encoding: built from shared strings, no allocation.
type BodyKey = (Arc<str>, Arc<str>, Part, u8);

/// Servable titles and hot bodies.
pub struct Library {
    servables: Mutex<FastMap<TitleId, Arc<Servable>>>,
    bodies: BodyCache<BodyKey>,
}

impl Library {
    /// A library keeping at most `budget` bytes of bodies in memory.
    pub fn new(budget: usize) -> Library {
        Library {
            servables: Mutex::default(),
            bodies: BodyCache::new(budget),
        }
    }

    /// The servable form of `record`, built on first use and whenever the record changes.
    pub async fn servable(
        &self,
        catalog: &Catalog,
        record: Arc<TitleRecord>,
    ) -> anyhow::Result<Arc<Servable>> {
        if let Some(s) = self.built(&record) {
            return Ok(s);
        }
        let id = record.id.clone();
        let built = Arc::new(Servable::build(catalog, record).await?);
        let mut servables = self.servables.lock().unwrap_or_else(|e| e.into_inner());
        if servables.len() >= SERVABLE_TITLES {
            // Rarely hit: drop everything but what is being read now.
            servables.clear();
        }
        servables.insert(id.clone(), built.clone());
        drop(servables);
        self.bodies
            .remove_where(|k| *k.0 == *id.as_str() && k.1 != built.tag);
        Ok(built)
    }

    /// The servable form of `record` when it is built already (no await).
    pub fn built(&self, record: &Arc<TitleRecord>) -> Option<Arc<Servable>> {
        let servables = self.servables.lock().unwrap_or_else(|e| e.into_inner());
        servables
            .get(&record.id)
            .filter(|s| Arc::ptr_eq(&s.record, record))
            .cloned()
    }

    /// The body of an allowed chapter or resource in the best encoding the
    /// client accepts, when it is in memory. `Err(miss)`: fetch it with
    /// [`Library::fetch`]; `Ok(None)`: not allowed.
    pub fn cached(
        &self,
        s: &Servable,
        part: Part,
        accepted: Accepted,
    ) -> Result<Option<Body>, Miss> {
        let piece = match part {
            Part::Chapter(n) => s.chapters.get(n).and_then(Option::as_ref),
            Part::Resource(id) => s.resources.get(&id).map(|(p, _)| p),
        };
        let Some(piece) = piece else { return Ok(None) };
        let (encoding, span) = accepted.choose(&piece.variants);
        let key: BodyKey = (s.title.clone(), s.tag.clone(), part, encoding as u8);
        match self.bodies.get(&key) {
            Some(bytes) => Ok(Some(Body { bytes, encoding })),
            None => Err(Miss {
                key,
                pack: piece.pack.clone(),
                span,
                encoding,
            }),
        }
    }

    /// Fetches a body missing from memory (one span of its pack) and keeps it.
    pub async fn fetch(&self, publications: &Publications, miss: Miss) -> anyhow::Result<Body> {
        let bytes = publications.get_span(&miss.pack, miss.span).await?;
        self.bodies.insert(miss.key, bytes.clone());
        Ok(Body {
            bytes,
            encoding: miss.encoding,
        })
    }
}

/// A body not in memory: where to fetch it and how to keep it.
pub struct Miss {
    key: BodyKey,
    pack: Arc<str>,
    span: Span,
    encoding: Encoding,
}

/// The encodings a client accepts (from `Accept-Encoding`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Accepted {
    /// `br` accepted.
    pub brotli: bool,
    /// `gzip` accepted.
    pub gzip: bool,
}

impl Accepted {
    /// Reads `Accept-Encoding` (a zero q-value refuses an encoding).
    pub fn from_header(value: Option<&str>) -> Accepted {
        let mut accepted = Accepted::default();
        for item in value.unwrap_or("").split(',') {
            let mut parts = item.trim().split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            match name {
                "br" => accepted.brotli = !refused,
                "gzip" => accepted.gzip = !refused,
                _ => {}
            }
        }
        accepted
    }

    fn choose(self, v: &Variants) -> (Encoding, Span) {
        if self.brotli
            && let Some(span) = v.brotli
        {
            return (Encoding::Brotli, span);
        }
        if self.gzip
            && let Some(span) = v.gzip
        {
            return (Encoding::Gzip, span);
        }
        (Encoding::Identity, v.identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_prefers_brotli_then_gzip_and_honours_refusals() {
        let a = Accepted::from_header(Some("gzip, deflate, br;q=1.0"));
        assert!(a.brotli && a.gzip);
        let a = Accepted::from_header(Some("br;q=0, gzip"));
        assert!(!a.brotli && a.gzip);
        let a = Accepted::from_header(None);
        assert!(!a.brotli && !a.gzip);
    }
}
