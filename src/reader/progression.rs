//! Reading progress documents (Readium progression sync): parsed at the
//! edge, checked against the excerpt, stamped for last-writer-wins.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The largest progression document accepted (bytes).
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024;
const MAX_TEXT_CHARS: usize = 500;

/// `{modified, device, locator}` as the reader sends and gets it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progression {
    /// When the reader saved it (RFC 3339); newer wins.
    pub modified: String,
    /// The device that saved it (free-form, bounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// Where the passenger is.
    pub locator: Locator,
}

/// The device that saved a progression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// A device id chosen by the reader.
    #[serde(default)]
    pub id: String,
    /// A display name.
    #[serde(default)]
    pub name: String,
}

/// A Readium Locator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Locator {
    /// The chapter, as in the manifest's `readingOrder` (`chapters/{n}`).
    pub href: String,
    /// Media type of the chapter.
    #[serde(rename = "type")]
    pub media_type: String,
    /// Chapter title, if the reader has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Position inside the publication.
    pub locations: Locations,
    /// A text snippet around the position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Value>,
}

/// `locator.locations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Locations {
    /// Progression inside the chapter, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progression: Option<f64>,
    /// Position in the positions list (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    /// Progression in the whole excerpt, 0–1.
    #[serde(
        rename = "totalProgression",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub total_progression: Option<f64>,
    /// Fragment identifiers, e.g. `#note-3`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fragments: Vec<String>,
}

/// Why a progression document was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgressionError {
    /// Not a valid document.
    #[error("{0}")]
    Invalid(String),
    /// The href points outside the excerpt.
    #[error("the locator's href {0:?} is not a chapter of this excerpt")]
    OutsideExcerpt(String),
}

impl ProgressionError {
    /// Stable problem code.
    pub fn code(&self) -> &'static str {
        match self {
            ProgressionError::Invalid(_) => "progression-invalid",
            ProgressionError::OutsideExcerpt(_) => "excerpt-limit",
        }
    }
}

/// A checked progression: the document to store and its stamp in ms.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedProgression {
    /// The chapter index it points at.
    pub chapter: usize,
    /// `modified` in milliseconds since the epoch.
    pub modified_ms: i64,
    /// The normalised document, re-serialised.
    pub document: String,
}

/// Parses and checks a progression against the chapters the excerpt allows.
pub fn check(
    body: &[u8],
    allowed: impl Fn(usize) -> bool,
) -> Result<CheckedProgression, ProgressionError> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(ProgressionError::Invalid(format!(
            "the document is larger than {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    let mut doc: Progression = serde_json::from_slice(body)
        .map_err(|e| ProgressionError::Invalid(format!("not a progression document: {e}")))?;
    let modified_ms = stamp_ms(&doc.modified).ok_or_else(|| {
        ProgressionError::Invalid("`modified` must be an RFC 3339 date-time".into())
    })?;
    let chapter = chapter_index(&doc.locator.href)
        .filter(|&n| allowed(n))
        .ok_or_else(|| ProgressionError::OutsideExcerpt(doc.locator.href.clone()))?;
    let loc = &doc.locator.locations;
    for (name, value) in [
        ("progression", loc.progression),
        ("totalProgression", loc.total_progression),
    ] {
        if value.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
            return Err(ProgressionError::Invalid(format!(
                "`locations.{name}` must be between 0 and 1"
            )));
        }
    }
    if loc.position == Some(0) {
        return Err(ProgressionError::Invalid(
            "`locations.position` starts at 1".into(),
        ));
    }
    bound(&mut doc.locator.title);
    if let Some(device) = &mut doc.device {
        truncate(&mut device.id);
        truncate(&mut device.name);
    }
    doc.locator.locations.fragments.truncate(4);
    if let Some(text) = &doc.locator.text
        && text.to_string().chars().count() > 3 * MAX_TEXT_CHARS
    {
        doc.locator.text = None;
    }
    let document = serde_json::to_string(&doc).expect("a parsed document serialises");
    Ok(CheckedProgression {
        chapter,
        modified_ms,
        document,
    })
}

/// `modified` (RFC 3339) in milliseconds since the epoch.
fn stamp_ms(modified: &str) -> Option<i64> {
    let at = time::OffsetDateTime::parse(modified, &time::format_description::well_known::Rfc3339);
    at.ok()
        .map(|at| (at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// The longest time between two saves counted as reading: a reader saves
/// at each page turn, and a longer gap is a pause (phone in a pocket, another
/// title), of which only this much counts, so no client inflates reports.
pub const MAX_READING_GAP_SECONDS: u64 = 120;

/// Seconds spent reading between the stored document (if any) and a newer
/// save stamped `next_ms`: the time the passenger stayed at the previous
/// place, capped at [`MAX_READING_GAP_SECONDS`]. Measured from the documents'
/// own `modified` stamps (one device's clock on both), so any Readium client
/// is counted, not only trajet's reader.
pub fn reading_seconds(stored: Option<&str>, next_ms: i64) -> u64 {
    let previous = stored
        .and_then(|d| serde_json::from_str::<Progression>(d).ok())
        .and_then(|d| stamp_ms(&d.modified));
    let Some(previous) = previous else { return 0 };
    let gap = u64::try_from(next_ms.saturating_sub(previous)).unwrap_or(0) / 1000;
    gap.min(MAX_READING_GAP_SECONDS)
}

/// The chapter index of `chapters/{n}` (also accepting a full path ending that way, and a fragment).
pub fn chapter_index(href: &str) -> Option<usize> {
    let path = href.split(['#', '?']).next()?;
    let n = path.rsplit_once("chapters/").map(|(_, n)| n)?;
    if n.is_empty() || n.len() > 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

fn bound(text: &mut Option<String>) {
    if let Some(t) = text {
        truncate(t);
    }
}

fn truncate(text: &mut String) {
    if let Some((i, _)) = text.char_indices().nth(MAX_TEXT_CHARS) {
        text.truncate(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(href: &str, modified: &str, progression: f64) -> Vec<u8> {
        serde_json::json!({
            "modified": modified,
            "device": {"id": "phone", "name": "Firefox"},
            "locator": {"href": href, "type": "application/xhtml+xml",
                        "locations": {"progression": progression, "position": 3, "totalProgression": 0.2}}
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn reading_time_is_the_capped_gap_since_the_stored_save() {
        let stored = String::from_utf8(doc("chapters/1", "2026-11-28T10:00:00Z", 0.1)).unwrap();
        let at = |s: &str| stamp_ms(s).unwrap();
        assert_eq!(reading_seconds(None, at("2026-11-28T10:00:40Z")), 0);
        assert_eq!(
            reading_seconds(Some(&stored), at("2026-11-28T10:00:40Z")),
            40
        );
        assert_eq!(
            reading_seconds(Some(&stored), at("2026-11-28T10:30:00Z")),
            120
        );
        assert_eq!(
            reading_seconds(Some(&stored), at("2026-11-28T09:59:00Z")),
            0
        );
        assert_eq!(
            reading_seconds(Some("not json"), at("2026-11-28T10:01:00Z")),
            0
        );
    }

    #[test]
    fn a_valid_document_is_stamped_and_normalised() {
        let checked = check(&doc("chapters/2", "2026-11-28T10:00:00.250Z", 0.5), |n| {
            n < 3
        })
        .unwrap();
        assert_eq!(checked.chapter, 2);
        assert_eq!(checked.modified_ms, 1_795_860_000_250);
        let back: Progression = serde_json::from_str(&checked.document).unwrap();
        assert_eq!(back.locator.locations.position, Some(3));
    }

    #[test]
    fn an_href_outside_the_excerpt_is_refused() {
        let err = check(&doc("chapters/7", "2026-11-28T10:00:00Z", 0.5), |n| n < 3).unwrap_err();
        assert_eq!(err.code(), "excerpt-limit");
        let err = check(
            &doc("../../etc/passwd", "2026-11-28T10:00:00Z", 0.5),
            |_| true,
        )
        .unwrap_err();
        assert_eq!(err.code(), "excerpt-limit");
    }

    #[test]
    fn malformed_documents_are_refused_with_a_reason() {
        assert!(check(b"{}", |_| true).is_err());
        assert!(check(&doc("chapters/0", "yesterday", 0.5), |_| true).is_err());
        assert!(check(&doc("chapters/0", "2026-11-28T10:00:00Z", 1.5), |_| true).is_err());
        assert!(check(&vec![b' '; MAX_DOCUMENT_BYTES + 1], |_| true).is_err());
    }

    #[test]
    fn chapter_hrefs_are_read_in_every_form_the_reader_may_send() {
        assert_eq!(chapter_index("chapters/12"), Some(12));
        assert_eq!(chapter_index("/api/v1/titles/t1/chapters/3#note"), Some(3));
        assert_eq!(chapter_index("chapters/"), None);
        assert_eq!(chapter_index("chapters/1x"), None);
    }
}
