//! Publication metadata from the OPF `<metadata>`: cleaned and bounded (see
//! `text`), reading direction and layout from the spine and rendition metas.

use serde::{Deserialize, Serialize};

use super::text::{self, MAX_LIST, MAX_NAME, MAX_SHORT, MAX_TITLE};
use crate::catalog::xml::Element;

/// Reading direction of the publication (spine `page-progression-direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    Ltr,
    /// Right to left (Arabic, Hebrew, Japanese vertical books).
    Rtl,
    /// Not stated: the reading system decides from the language.
    Auto,
}

/// Layout of the publication (`rendition:layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Text reflows to the screen.
    Reflowable,
    /// Pre-paginated pages (manga, picture books).
    Fixed,
}

/// Accessibility metadata (schema.org terms and conformance), when present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accessibility {
    /// `schema:accessMode` values.
    pub access_modes: Vec<String>,
    /// `schema:accessModeSufficient` values.
    pub access_modes_sufficient: Vec<String>,
    /// `schema:accessibilityFeature` values.
    pub features: Vec<String>,
    /// `schema:accessibilityHazard` values.
    pub hazards: Vec<String>,
    /// `schema:accessibilitySummary`.
    pub summary: Option<String>,
    /// `dcterms:conformsTo` (e.g. EPUB Accessibility 1.1 - WCAG 2.1 Level AA).
    pub conforms_to: Vec<String>,
}

/// What a catalog shows about a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The main title.
    pub title: String,
    /// Authors (`dc:creator`), in order.
    pub authors: Vec<String>,
    /// The main language (BCP 47), `und` when not stated.
    pub language: String,
    /// A description as plain text.
    pub description: Option<String>,
    /// Identifiers as written (`urn:uuid:…`, `urn:isbn:…`).
    pub identifiers: Vec<String>,
    /// The ISBN-13 or ISBN-10 among them, digits only.
    pub isbn: Option<String>,
    /// The publisher.
    pub publisher: Option<String>,
    /// Publication date as written.
    pub published: Option<String>,
    /// Reading direction.
    pub direction: Direction,
    /// Layout.
    pub layout: Layout,
    /// Accessibility metadata.
    pub accessibility: Accessibility,
}

/// Reads `<metadata>`; `spine` gives the direction. `None` when there is no title.
pub fn read(metadata: &Element, spine: &Element) -> Option<Metadata> {
    let dc = |name: &str, max: usize| -> Vec<String> {
        let values = metadata
            .children_named(name)
            .filter_map(|e| text::clean(&e.text(), max));
        values.take(MAX_LIST).collect()
    };
    let title = dc("title", MAX_TITLE).into_iter().next()?;
    let identifiers = dc("identifier", MAX_SHORT);
    let isbn = identifiers.iter().find_map(|i| isbn(i));
    let description = metadata
        .child("description")
        .and_then(|e| text::plain_description(&e.text()));
    let direction = match spine.attr("page-progression-direction") {
        Some("rtl") => Direction::Rtl,
        Some("ltr") => Direction::Ltr,
        _ => Direction::Auto,
    };
    let layout = match meta_values(metadata, "rendition:layout")
        .first()
        .map(String::as_str)
    {
        Some("pre-paginated") => Layout::Fixed,
        _ => Layout::Reflowable,
    };
    Some(Metadata {
        title,
        authors: dc("creator", MAX_NAME),
        language: dc("language", MAX_SHORT)
            .into_iter()
            .next()
            .unwrap_or_else(|| "und".into()),
        description,
        identifiers,
        isbn,
        publisher: dc("publisher", MAX_NAME).into_iter().next(),
        published: dc("date", MAX_SHORT).into_iter().next(),
        direction,
        layout,
        accessibility: accessibility(metadata),
    })
}

/// Values of EPUB 3 `<meta property=…>` and EPUB 2 `<meta name=… content=…>`.
pub fn meta_values(metadata: &Element, property: &str) -> Vec<String> {
    let values = metadata.children_named("meta").filter_map(|meta| {
        if meta.attr("property") == Some(property) {
            text::clean(&meta.text(), MAX_SHORT)
        } else if meta.attr("name") == Some(property) {
            meta.attr("content").and_then(|c| text::clean(c, MAX_SHORT))
        } else {
            None
        }
    });
    values.take(MAX_LIST).collect()
}

fn accessibility(metadata: &Element) -> Accessibility {
    let mut conforms_to = meta_values(metadata, "dcterms:conformsTo");
    let links = metadata
        .children_named("link")
        .filter(|l| l.attr("rel") == Some("dcterms:conformsTo"));
    conforms_to
        .extend(links.filter_map(|l| l.attr("href").and_then(|h| text::clean(h, MAX_SHORT))));
    conforms_to.truncate(MAX_LIST);
    Accessibility {
        access_modes: meta_values(metadata, "schema:accessMode"),
        access_modes_sufficient: meta_values(metadata, "schema:accessModeSufficient"),
        features: meta_values(metadata, "schema:accessibilityFeature"),
        hazards: meta_values(metadata, "schema:accessibilityHazard"),
        summary: meta_values(metadata, "schema:accessibilitySummary")
            .into_iter()
            .next(),
        conforms_to,
    }
}

/// The ISBN in an identifier (`urn:isbn:978-…`, `ISBN 2-07-…`), checksum verified.
pub fn isbn(identifier: &str) -> Option<String> {
    let lower = identifier.to_ascii_lowercase();
    let rest = lower
        .trim_start_matches("urn:")
        .trim_start_matches("isbn")
        .trim_start_matches([':', ' ']);
    let digits: String = rest.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    let valid = match digits.len() {
        13 if digits.starts_with("978") || digits.starts_with("979") => isbn13_ok(&digits),
        10 => isbn10_ok(&digits),
        _ => false,
    };
    valid.then(|| digits.to_uppercase())
}

fn isbn13_ok(digits: &str) -> bool {
    let values: Option<Vec<u32>> = digits.chars().map(|c| c.to_digit(10)).collect();
    let Some(values) = values else { return false };
    let sum: u32 = values
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    sum.is_multiple_of(10)
}

fn isbn10_ok(digits: &str) -> bool {
    let mut sum = 0;
    for (i, c) in digits.chars().enumerate() {
        let value = match (c, i) {
            ('x', 9) => 10,
            _ => match c.to_digit(10) {
                Some(d) => d,
                None => return false,
            },
        };
        sum += value * (10 - i as u32);
    }
    sum % 11 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbn_is_found_in_common_spellings_and_checked() {
        assert_eq!(
            isbn("urn:isbn:978-2-07-036822-8").as_deref(),
            Some("9782070368228")
        );
        assert_eq!(isbn("ISBN 2-07-036822-X").as_deref(), Some("207036822X"));
        assert_eq!(isbn("2-07-036822-3"), None);
        assert_eq!(isbn("0-306-40615-2").as_deref(), Some("0306406152"));
        assert_eq!(isbn("urn:isbn:9782070368229"), None);
        assert_eq!(isbn("urn:uuid:1234"), None);
    }
}
