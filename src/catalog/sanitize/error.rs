//! Why a chapter is refused rather than cleaned.

use crate::catalog::charset::CharsetError;

/// A chapter the sanitizer will not process; anything else is cleaned, never refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SanitizeError {
    /// The chapter is larger than any real chapter needs to be.
    #[error("chapter is {size} bytes, more than the {max} bytes allowed")]
    TooLarge { size: usize, max: usize },
    /// Elements nest deeper than the limit (a stack-exhaustion attack).
    #[error("elements nest deeper than {max} levels")]
    TooDeep { max: usize },
    /// The markup is built to make parsing slow (attribute or namespace floods).
    #[error("too many {what}")]
    TooComplex { what: &'static str },
    /// An SVG image that is not well-formed XML with an `svg` root.
    #[error("not a well-formed SVG image")]
    NotSvg,
    /// The document declares a DTD internal subset (the door to entity expansion).
    #[error("the document declares a DTD internal subset, which is refused")]
    DtdInternalSubset,
    /// The document's text cannot be decoded.
    #[error("{0}")]
    Charset(#[from] CharsetError),
}

impl SanitizeError {
    /// A stable machine code for problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            SanitizeError::TooLarge { .. } => "epub-chapter-too-large",
            SanitizeError::TooDeep { .. } => "epub-chapter-too-deep",
            SanitizeError::TooComplex { .. } => "epub-chapter-too-complex",
            SanitizeError::NotSvg => "epub-svg-invalid",
            SanitizeError::DtdInternalSubset => "epub-xml-dtd-refused",
            SanitizeError::Charset(e) => e.code(),
        }
    }
}
