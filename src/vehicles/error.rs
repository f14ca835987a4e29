//! Errors a caller of the vehicle domain matches on, each with a stable code.

/// Why a vehicle, assignment or roster request was refused.
#[derive(Debug, thiserror::Error)]
pub enum VehicleError {
    /// A field of a request is missing or out of range.
    #[error("{field}: {reason}")]
    Invalid {
        /// The request field at fault.
        field: &'static str,
        /// What is wrong with it, in words a person can act on.
        reason: String,
    },
    /// The operator has no live vehicle with this id.
    #[error("there is no vehicle {0}")]
    NotFound(String),
    /// The operator already has a live vehicle with this id.
    #[error("vehicle {0} is already registered")]
    Exists(String),
    /// Vehicles named in an assignment that the operator has not registered.
    #[error("unknown vehicles: {}", .0.join(", "))]
    Unknown(Vec<String>),
    /// Every vehicle number has been handed out.
    #[error("no vehicle number left to assign")]
    NumbersExhausted,
    /// The database could not be reached or refused a statement.
    #[error("vehicle database: {0}")]
    Database(#[from] sqlx::Error),
    /// The trip side of an assignment failed.
    #[error(transparent)]
    Trip(#[from] crate::trips::TripError),
    /// The database holds something trajet did not write.
    #[error("vehicle storage failed: {0:#}")]
    Storage(#[from] anyhow::Error),
}

impl VehicleError {
    /// The stable machine code for problem+json bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "vehicle-invalid",
            Self::NotFound(_) => "vehicle-not-found",
            Self::Exists(_) => "vehicle-exists",
            Self::Unknown(_) => "vehicle-unknown",
            Self::NumbersExhausted => "vehicle-numbers-exhausted",
            Self::Database(_) | Self::Storage(_) => "vehicle-storage-failed",
            Self::Trip(e) => e.code(),
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
