//! The chapter and stylesheet sanitizer: hostile XHTML in, a well-formed XHTML5
//! document out that can be served under a strict Content-Security-Policy.
//!
//! A chapter is parsed as XML first (no DTD internal subset, no entity
//! expansion, depth and size bounded); only when it is not well-formed does
//! the HTML tokenizer take over. The tree is then cleaned against allowlists
//! (`policy`), every reference is rewritten to a book resource or chapter id
//! (`urls`), and the body is split into blocks for excerpt cuts (`blocks`).
//!
//! Choices worth knowing:
//! - Inline SVG keeps drawing elements and presentation attributes only (no
//!   `script`, `foreignObject`, animation, event handler or external `href`).
//! - MathML keeps presentation elements; `href`, `actiontype`, `annotation-xml`
//!   and any URL-valued attribute are removed.
//! - `audio`/`video` are removed with their fallback: excerpts serve text,
//!   images, stylesheets and fonts only.
//! - `epub:type` becomes `data-epub-type` plus a DPUB-ARIA `role` when one
//!   exists; CSS selectors on `epub|type` are rewritten to match.
//! - `style` attributes and inline `<style>` are kept after CSS sanitizing, so
//!   the CSP needs `style-src 'self' 'unsafe-inline'` (no script either way).
//! - Same-chapter fragment links (`#note3`) are kept as written without asking
//!   the resolver; `<a name>` anchors become ids so old footnotes still work.
//! - Written URLs are relative: `../resources/r{id}` and `{index}#{fragment}`,
//!   so chapters must be served at `…/chapters/{index}` beside `…/resources/`.
//! - Standalone SVG images go through `sanitize_svg` (same allowlist), since a
//!   reader may open a resource URL directly where its scripts would run.
//! - Words: see `text` (CJK two characters a word, Thai and kin five).
//! - Limits (`limits`): 16 MiB, depth 256, 128 tokens per tag, 64 namespace
//!   declarations in scope; past them the chapter is refused with a code.

mod blocks;
mod chapter;
mod clean;
mod css;
mod error;
mod flat;
mod limits;
mod parse_html;
mod parse_xml;
mod policy;
mod render;
mod svg;
mod text;
mod tree;
mod urls;

#[cfg(test)]
mod tests;

use crate::catalog::charset::decode;

pub use blocks::Block;
pub use chapter::SanitizedChapter;
pub use css::{SanitizedCss, sanitize_css, sanitize_stylesheet};
pub use error::SanitizeError;
pub use svg::{SanitizedSvg, sanitize_svg};
pub use text::{
    CJK_CHARS_PER_WORD, SOUTHEAST_ASIAN_CHARS_PER_WORD, TextCount, count as count_text,
};

pub use limits::{MAX_CHAPTER_BYTES, MAX_DEPTH, MAX_LIVE_NAMESPACES, MAX_TAG_TOKENS};

/// What a raw reference found in a chapter or stylesheet points to, as the
/// ingestion pipeline knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefTarget {
    /// A resource of the book (image, stylesheet, font), by resource id.
    Resource(usize),
    /// A chapter of the book by spine index, with the fragment if any.
    Chapter {
        index: usize,
        fragment: Option<String>,
    },
    /// Nothing the book serves: the reference is removed.
    Drop,
}

/// Sanitizes one chapter. `resolve` receives every raw reference exactly as
/// written (remote and scripted URLs are removed before it is asked).
pub fn sanitize_chapter(
    xhtml: &[u8],
    resolve: &dyn Fn(&str) -> RefTarget,
) -> Result<SanitizedChapter, SanitizeError> {
    if xhtml.len() > MAX_CHAPTER_BYTES {
        return Err(SanitizeError::TooLarge {
            size: xhtml.len(),
            max: MAX_CHAPTER_BYTES,
        });
    }
    let text = decode(xhtml)?;
    limits::check_tags(&text)?;
    let (root, parsed_as_xml) = match parse_xml::parse(&text)? {
        Some(root) => (root, true),
        None => (parse_html::parse(&text)?, false),
    };
    let doc = clean::clean(root, resolve);
    let layout = blocks::layout(&doc.body);
    Ok(SanitizedChapter::new(doc, layout, parsed_as_xml))
}
