//! Errors a caller of the trip domain matches on, each with a stable code.

use super::model::TripId;

/// Why a trip request or a trip change was refused.
#[derive(Debug, thiserror::Error)]
pub enum TripError {
    /// A field of a trip request is missing or out of range.
    #[error("{field}: {reason}")]
    Invalid {
        /// The request field at fault (`seats`, `arrives_at`, …).
        field: &'static str,
        /// What is wrong with it, in words a person can act on.
        reason: String,
    },
    /// Required fields of a trip request are missing: all of them, named at once.
    #[error("required: {}", .0.join(", "))]
    Missing(Vec<&'static str>),
    /// No trip has this id.
    #[error("no trip has the id {0}")]
    NotFound(TripId),
    /// The trip was cancelled: it can no longer be changed.
    #[error("trip {0} was cancelled")]
    Cancelled(TripId),
    /// Every trip id has been handed out (more than four billion trips).
    #[error("no trip id left to assign")]
    IdsExhausted,
    /// The database could not be reached or refused a statement.
    #[error("trip database: {0}")]
    Database(#[from] sqlx::Error),
    /// The database holds something trajet did not write.
    #[error("trip storage failed: {0:#}")]
    Storage(#[from] anyhow::Error),
}

impl TripError {
    /// The stable machine code for problem+json bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } | Self::Missing(_) => "trip-invalid",
            Self::NotFound(_) => "trip-not-found",
            Self::Cancelled(_) => "trip-cancelled",
            Self::IdsExhausted => "trip-ids-exhausted",
            Self::Database(_) | Self::Storage(_) => "trip-storage-failed",
        }
    }

    /// Shorthand for a refused field.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
