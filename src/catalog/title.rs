//! A title as the catalog knows it: who owns it, which version is live, the
//! publisher's settings and the excerpt computed for them. One row of the
//! `titles` table (`super::records`), small enough to keep every title in memory.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::excerpt_plan::ExcerptRecord;
use super::package::{Accessibility, Direction, Layout};
use super::publication::Publication;
use crate::excerpts::{ChapterKind, ExcerptPolicy};

/// A title id: 16 lower-case hex digits, random.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TitleId(String);

impl TitleId {
    /// A fresh random id.
    pub fn random() -> TitleId {
        TitleId(format!("{:016x}", rand::random::<u64>()))
    }

    /// Parses an id from a URL or a file; anything else is not a title.
    pub fn parse(text: &str) -> Option<TitleId> {
        Self::is_valid(text).then(|| TitleId(text.to_string()))
    }

    /// Whether `text` is a title id (look-ups by `&str` need no `TitleId`).
    pub fn is_valid(text: &str) -> bool {
        text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Ordered, hashed and compared as its string, so maps keyed by `TitleId`
// can be searched with a `&str`.
impl std::borrow::Borrow<str> for TitleId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TitleId {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        TitleId::parse(&text).ok_or_else(|| format!("{text:?} is not a title id"))
    }
}

impl From<TitleId> for String {
    fn from(id: TitleId) -> String {
        id.0
    }
}

impl fmt::Display for TitleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a catalog lists without opening the publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Title.
    pub title: String,
    /// Authors.
    pub authors: Vec<String>,
    /// Main language.
    pub language: String,
    /// Plain-text description.
    pub description: Option<String>,
    /// Reflowable or fixed.
    pub layout: Layout,
    /// Reading direction.
    pub direction: Direction,
    /// Number of chapters (spine items).
    pub chapters: usize,
    /// Cover image resource id.
    pub cover: Option<usize>,
    /// Whether a thumbnail exists.
    pub thumbnail: bool,
    /// The spine items, in order: what each is, so that the publisher
    /// console can count chapters as a policy does. Records written before
    /// it existed get it from their publication when loaded.
    #[serde(default)]
    pub contents: Vec<ContentsItem>,
    /// The package's accessibility metadata, for the catalog's accessibility
    /// summary; `None` in records written before it was kept (completed from
    /// the publication when loaded).
    #[serde(default)]
    pub accessibility: Option<Accessibility>,
}

/// One spine item as a publisher sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentsItem {
    /// Its title: the table of contents label, else the document title.
    pub title: String,
    /// What it is to an excerpt.
    pub role: ContentsRole,
    /// Its words: a body item with words is a chapter a `chapters` policy counts.
    pub words: usize,
    /// A page (fixed layout, or pictures in a picture book): never cut, and
    /// counted as a chapter too.
    #[serde(default)]
    pub page: bool,
}

/// What a spine item is to an excerpt (the excerpt computation's kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentsRole {
    /// The cover page: never in an excerpt.
    Cover,
    /// Title page, contents, copyright: shown without counting.
    Front,
    /// The text itself: what policies count.
    Body,
    /// Notes, index, and items outside the reading order: shown only when the whole body is.
    Back,
}

impl From<ChapterKind> for ContentsRole {
    fn from(kind: ChapterKind) -> ContentsRole {
        match kind {
            ChapterKind::Cover => ContentsRole::Cover,
            ChapterKind::FrontMatter => ContentsRole::Front,
            ChapterKind::Body => ContentsRole::Body,
            ChapterKind::BackMatter => ContentsRole::Back,
        }
    }
}

impl Summary {
    /// The summary of a prepared publication.
    pub fn of(publication: &Publication) -> Summary {
        let m = &publication.metadata;
        Summary {
            title: m.title.clone(),
            authors: m.authors.clone(),
            language: m.language.clone(),
            description: m.description.clone(),
            layout: m.layout,
            direction: m.direction,
            chapters: publication.chapters.len(),
            cover: publication.cover,
            thumbnail: publication.thumbnail.is_some(),
            contents: Self::contents_of(publication),
            accessibility: Some(m.accessibility.clone()),
        }
    }

    /// The spine items of a publication with the kind the excerpt computation gives them.
    pub fn contents_of(publication: &Publication) -> Vec<ContentsItem> {
        let texts = publication.chapter_texts();
        let pages = crate::excerpts::pages(&texts);
        publication
            .chapters
            .iter()
            .zip(texts.iter().zip(pages))
            .map(|(chapter, (text, page))| ContentsItem {
                title: chapter.title.clone(),
                role: text.kind.into(),
                words: chapter.words(),
                page,
            })
            .collect()
    }
}

/// The publisher's settings for a title (what `PATCH` changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The excerpt policy.
    pub policy: ExcerptPolicy,
    /// Where the offer page sends passengers (buy or borrow).
    pub offer_url: Option<String>,
    /// Collections the title belongs to.
    pub collections: Vec<String>,
    /// Offered to passengers, or withdrawn.
    pub live: bool,
}

impl Default for Settings {
    /// Live, default policy (10 % of the words), no offer link, no collection.
    fn default() -> Settings {
        Settings {
            policy: ExcerptPolicy::default(),
            offer_url: None,
            collections: Vec::new(),
            live: true,
        }
    }
}

/// A title's row.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleRecord {
    /// The title id.
    pub id: TitleId,
    /// The owning publisher's account id.
    pub publisher: String,
    /// The folder of the live version.
    pub version: String,
    /// Publisher settings.
    pub settings: Settings,
    /// What the policy allows of this version.
    pub excerpt: ExcerptRecord,
    /// Catalog facts of this version.
    pub summary: Summary,
    /// When the title was first uploaded (Unix seconds).
    pub created_at: i64,
    /// When it last changed (Unix seconds).
    pub updated_at: i64,
    /// The titles generation of the write that stored this record (0 until
    /// stored): a change is made only to the record it was computed from.
    pub generation: i64,
}

/// Now, in Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Unix seconds in RFC 3339, as the API shows times.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
