//! Seat lists as operators write them: `"1-80"`, `"1-10,15,20-22"`.

use super::claims::{Car, Seat};

/// The most seat codes one request may ask for.
pub const MAX_SEATS: usize = 2_000;

/// Why a seat list or car number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeatRangeError {
    /// Nothing to mint.
    #[error("the seat list is empty")]
    Empty,
    /// A part that is neither a number nor a range `a-b` of seats 1 to 65535.
    #[error("`{part}` is not a seat number or a range such as 1-80 (seats are 1 to 65535)")]
    Invalid {
        /// The offending part, as written.
        part: String,
    },
    /// A range written backwards.
    #[error("the range `{part}` ends before it starts")]
    Reversed {
        /// The offending part, as written.
        part: String,
    },
    /// More seats than one request may mint.
    #[error("{count} seats asked, at most {max} per request")]
    TooMany {
        /// How many seats the list names.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A car that is not a number from 1 to 255.
    #[error("car `{car}` is not a number from 1 to 255")]
    CarInvalid {
        /// The car as written.
        car: String,
    },
}

impl SeatRangeError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty | Self::Invalid { .. } | Self::Reversed { .. } => "seat-range-invalid",
            Self::TooMany { .. } => "too-many-seats",
            Self::CarInvalid { .. } => "car-invalid",
        }
    }
}

/// A non-empty, sorted list of distinct seats, at most [`MAX_SEATS`] long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatList(Vec<Seat>);

impl SeatList {
    /// Parses comma-separated seats and ranges; overlaps are merged.
    pub fn parse(text: &str) -> Result<Self, SeatRangeError> {
        if text.trim().is_empty() {
            return Err(SeatRangeError::Empty);
        }
        let mut ranges = Vec::new();
        let mut count = 0usize;
        for part in text.split(',') {
            let (from, to) = parse_part(part.trim())?;
            count += usize::from(to - from) + 1;
            // Checked while parsing so that "1-65535,1-65535,…" never allocates.
            if count > MAX_SEATS * 64 {
                return Err(SeatRangeError::TooMany {
                    count,
                    max: MAX_SEATS,
                });
            }
            ranges.push((from, to));
        }
        let mut seats: Vec<Seat> = ranges
            .into_iter()
            .flat_map(|(a, b)| (a..=b).map(Seat))
            .collect();
        seats.sort_unstable();
        seats.dedup();
        if seats.len() > MAX_SEATS {
            return Err(SeatRangeError::TooMany {
                count: seats.len(),
                max: MAX_SEATS,
            });
        }
        Ok(Self(seats))
    }

    /// A list of the given seats (for "every seat of the trip").
    pub fn first_n(count: u16) -> Result<Self, SeatRangeError> {
        Self::parse(&format!("1-{count}"))
    }

    /// The seats, in increasing order.
    pub fn seats(&self) -> &[Seat] {
        &self.0
    }
}

fn parse_part(part: &str) -> Result<(u16, u16), SeatRangeError> {
    let invalid = || SeatRangeError::Invalid {
        part: part.to_owned(),
    };
    let seat = |s: &str| match s.trim().parse::<u16>() {
        Ok(n) if n > 0 && s.trim().bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(invalid()),
    };
    let (from, to) = match part.split_once('-') {
        Some((a, b)) => (seat(a)?, seat(b)?),
        None => (seat(part)?, seat(part)?),
    };
    if to < from {
        return Err(SeatRangeError::Reversed {
            part: part.to_owned(),
        });
    }
    Ok((from, to))
}

/// Parses a car number as written in a request (`"3"`).
pub fn parse_car(text: &str) -> Result<Car, SeatRangeError> {
    let trimmed = text.trim();
    match trimmed.parse::<u8>() {
        Ok(n) if n > 0 && trimmed.bytes().all(|b| b.is_ascii_digit()) => Ok(Car(n)),
        _ => Err(SeatRangeError::CarInvalid {
            car: text.to_owned(),
        }),
    }
}
