//! The excerpt policy a publisher states, parsed and bounded at the edge.
//!
//! It mirrors an ONIX Preview usage limit (code list 147 units: chapters,
//! percentage, words, characters, pages). The JSON form is the SPEC's
//! `{"chapters": 3}`, `{"percent": 10}`, `{"words": 5000}` or
//! `{"characters": 30000}`, and `{"pages": 8}` for fixed-layout and picture
//! books (in reflowable text a page is a printed page's worth of words).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The most chapters a policy may name (no real book has more).
pub const MAX_CHAPTERS: u32 = 100_000;
/// The most pages a policy may name.
pub const MAX_PAGES: u32 = 1_000_000;
/// The most words a policy may name (ten times the longest novels).
pub const MAX_WORDS: u64 = 100_000_000;
/// The most characters a policy may name.
pub const MAX_CHARACTERS: u64 = 1_000_000_000;

/// A limit as written, before checking (also the serialized form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Limit {
    /// The first N chapters that have text (front matter and cover not counted).
    Chapters(u32),
    /// The first P % of the words of the body.
    Percent(u8),
    /// The first W words of the body.
    Words(u64),
    /// The first C characters of the body.
    Characters(u64),
    /// The first N pages of the body (see [`super::WORDS_PER_PAGE`] for text).
    Pages(u32),
}

/// A checked excerpt policy; only `parse`-like constructors build one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Limit", into = "Limit")]
pub struct ExcerptPolicy {
    limit: Limit,
}

/// Why a policy is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExcerptPolicyError(String);

impl ExcerptPolicyError {
    /// The stable machine code for problem documents.
    pub fn code(&self) -> &'static str {
        "excerpt-policy-invalid"
    }
}

impl ExcerptPolicy {
    /// Checks a limit: percent 1–100, counts at least 1 and bounded.
    pub fn new(limit: Limit) -> Result<Self, ExcerptPolicyError> {
        let (name, value, max) = match limit {
            Limit::Chapters(n) => ("chapters", u64::from(n), u64::from(MAX_CHAPTERS)),
            Limit::Percent(p) => ("percent", u64::from(p), 100),
            Limit::Words(n) => ("words", n, MAX_WORDS),
            Limit::Characters(n) => ("characters", n, MAX_CHARACTERS),
            Limit::Pages(n) => ("pages", u64::from(n), u64::from(MAX_PAGES)),
        };
        if value == 0 || value > max {
            return Err(ExcerptPolicyError(format!(
                "`{name}` must be between 1 and {max}, not {value}"
            )));
        }
        Ok(Self { limit })
    }

    /// Parses the JSON form, e.g. `{"percent": 10}`.
    pub fn parse_json(value: &serde_json::Value) -> Result<Self, ExcerptPolicyError> {
        Self::deserialize(value).map_err(|e| {
            ExcerptPolicyError(format!(
                "an excerpt policy is one of {{\"chapters\": N}}, {{\"percent\": P}}, \
                 {{\"words\": W}}, {{\"characters\": C}} or {{\"pages\": N}}: {e}"
            ))
        })
    }

    /// Parses a form field: its name (`chapters`, `percent`, `words`,
    /// `characters`, `pages`) and its text value (`10`, or `10%` for a percentage).
    pub fn parse_field(name: &str, value: &str) -> Result<Self, ExcerptPolicyError> {
        let text = value.trim();
        let text = match name {
            "percent" => text.strip_suffix('%').unwrap_or(text).trim_end(),
            _ => text,
        };
        let number: u64 = text.parse().map_err(|_| {
            ExcerptPolicyError(format!("`{name}` must be a whole number, not {value:?}"))
        })?;
        let too_big = |_| ExcerptPolicyError(format!("`{name}` is too large: {number}"));
        let limit = match name {
            "chapters" => Limit::Chapters(u32::try_from(number).map_err(too_big)?),
            "percent" => Limit::Percent(u8::try_from(number).map_err(too_big)?),
            "words" => Limit::Words(number),
            "characters" => Limit::Characters(number),
            "pages" => Limit::Pages(u32::try_from(number).map_err(too_big)?),
            _ => {
                return Err(ExcerptPolicyError(format!(
                    "unknown excerpt policy {name:?}: use chapters, percent, words, characters or pages"
                )));
            }
        };
        Self::new(limit)
    }

    /// The checked limit.
    pub fn limit(&self) -> Limit {
        self.limit
    }
}

impl Default for ExcerptPolicy {
    /// The SPEC's default: the first 10 % of the words (the computation adds
    /// the floor of at least the first chapter that has text).
    fn default() -> Self {
        Self {
            limit: Limit::Percent(10),
        }
    }
}

impl TryFrom<Limit> for ExcerptPolicy {
    type Error = ExcerptPolicyError;
    fn try_from(limit: Limit) -> Result<Self, Self::Error> {
        Self::new(limit)
    }
}

impl From<ExcerptPolicy> for Limit {
    fn from(policy: ExcerptPolicy) -> Self {
        policy.limit
    }
}

impl fmt::Display for ExcerptPolicy {
    /// A phrase for consoles and logs, e.g. "first 10 % of the words".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.limit {
            Limit::Chapters(1) => write!(f, "first chapter"),
            Limit::Chapters(n) => write!(f, "first {n} chapters"),
            Limit::Percent(p) => write!(f, "first {p} % of the words"),
            Limit::Words(n) => write!(f, "first {n} words"),
            Limit::Characters(n) => write!(f, "first {n} characters"),
            Limit::Pages(1) => write!(f, "first page"),
            Limit::Pages(n) => write!(f, "first {n} pages"),
        }
    }
}
