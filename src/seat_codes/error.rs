//! Errors of seat codes, each with a stable machine code for problem+json.

/// Why a seat code could not be minted or was refused.
///
/// Every way a presented token can be wrong shares the code
/// `seat-code-invalid`: a forger learns nothing from which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeatCodeError {
    /// Not base32 in upper case, or not the length of a token.
    #[error("the seat code is not a well-formed token")]
    Malformed,
    /// A token format this server does not know.
    #[error("the seat code has an unknown format version")]
    UnknownVersion,
    /// Signed with a key this server does not hold (or no longer holds).
    #[error("the seat code was signed with an unknown key")]
    UnknownKey,
    /// The MAC does not match: altered or forged.
    #[error("the seat code signature does not match")]
    BadSignature,
    /// A window that ends before it starts, or lasts longer than a token can say.
    #[error("the validity window is empty or longer than {max_days} days")]
    WindowInvalid {
        /// The longest window a token can carry, in whole days.
        max_days: u32,
    },
    /// A window ending too far ahead for the key-rotation guarantee.
    #[error("the validity window ends more than {max_days} days from now")]
    WindowTooFar {
        /// How far ahead a code may end.
        max_days: u32,
    },
}

impl SeatCodeError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed | Self::UnknownVersion | Self::UnknownKey | Self::BadSignature => {
                "seat-code-invalid"
            }
            Self::WindowInvalid { .. } => "seat-code-window-invalid",
            Self::WindowTooFar { .. } => "seat-code-window-too-far",
        }
    }
}
