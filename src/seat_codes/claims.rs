//! What a seat code says: which trip, seat and car, and when it is valid.

use super::error::SeatCodeError;

/// The longest validity window a token can carry (its length is a `u16` of minutes).
pub const MAX_WINDOW_MINUTES: u32 = u16::MAX as u32;

/// The facts a seat code carries; the MAC makes them unforgeable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Claims {
    /// trajet's numeric id of the trip.
    pub trip: u32,
    /// The seat number, or [`Seat::WHOLE_TRIP`].
    pub seat: Seat,
    /// The car number, or [`Car::NONE`].
    pub car: Car,
    /// When the code opens sessions.
    pub window: Window,
}

/// A seat number; 0 means a code valid for the whole trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seat(pub u16);

impl Seat {
    /// A code not tied to one seat.
    pub const WHOLE_TRIP: Seat = Seat(0);
}

/// A car number; 0 means no car is printed on the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Car(pub u8);

impl Car {
    /// A code not tied to one car.
    pub const NONE: Car = Car(0);
}

/// A validity window in whole minutes since the Unix epoch, `[start, end)`.
///
/// Minutes keep the token short: a `u32` start reaches the year 10,000 and
/// a `u16` length allows 45 days, far more than any train ride.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    start: u32,
    minutes: u16,
}

/// Where an instant falls relative to a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowStatus {
    /// Before the window opens.
    NotYetOpen,
    /// Inside the window.
    Open,
    /// At or after the window's end.
    Ended,
}

impl Window {
    /// Builds a window from Unix seconds, widened to whole minutes (start
    /// rounded down, end rounded up) so that it never shrinks.
    pub fn from_unix_seconds(start: i64, end: i64) -> Result<Self, SeatCodeError> {
        let invalid = SeatCodeError::WindowInvalid {
            max_days: MAX_WINDOW_MINUTES / 1440,
        };
        let start_min = start.div_euclid(60);
        let end_min = end.div_euclid(60) + i64::from(end.rem_euclid(60) != 0);
        let start = u32::try_from(start_min).map_err(|_| invalid.clone())?;
        let length = end_min - start_min;
        if length <= 0 {
            return Err(invalid);
        }
        let minutes = u16::try_from(length).map_err(|_| invalid.clone())?;
        start.checked_add(u32::from(minutes)).ok_or(invalid)?;
        Ok(Self { start, minutes })
    }

    /// Rebuilds a window from its token fields.
    pub(super) fn from_parts(start: u32, minutes: u16) -> Option<Self> {
        let valid = minutes > 0 && start.checked_add(u32::from(minutes)).is_some();
        valid.then_some(Self { start, minutes })
    }

    /// Start, in minutes since the epoch (token field).
    pub(super) fn start_minutes(self) -> u32 {
        self.start
    }

    /// Length in minutes (token field).
    pub(super) fn length_minutes(self) -> u16 {
        self.minutes
    }

    /// The first instant of the window, in Unix seconds.
    pub fn start_unix(self) -> i64 {
        i64::from(self.start) * 60
    }

    /// The first instant after the window, in Unix seconds.
    pub fn end_unix(self) -> i64 {
        (i64::from(self.start) + i64::from(self.minutes)) * 60
    }

    /// Where `now` (Unix seconds) falls relative to this window.
    pub fn status_at(self, now: i64) -> WindowStatus {
        if now < self.start_unix() {
            WindowStatus::NotYetOpen
        } else if now < self.end_unix() {
            WindowStatus::Open
        } else {
            WindowStatus::Ended
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_widened_to_whole_minutes() {
        let w = Window::from_unix_seconds(1_800_000_030, 1_800_003_601).unwrap();
        assert_eq!(w.start_unix(), 1_800_000_000);
        assert_eq!(w.end_unix(), 1_800_003_660);
    }

    #[test]
    fn empty_or_reversed_window_is_refused() {
        assert!(Window::from_unix_seconds(1_800_000_000, 1_800_000_000).is_err());
        assert!(Window::from_unix_seconds(1_800_000_000, 1_700_000_000).is_err());
    }

    #[test]
    fn window_longer_than_45_days_is_refused() {
        let start = 1_800_000_000;
        assert!(Window::from_unix_seconds(start, start + 45 * 86_400).is_ok());
        let err = Window::from_unix_seconds(start, start + 46 * 86_400).unwrap_err();
        assert_eq!(err.code(), "seat-code-window-invalid");
    }

    #[test]
    fn window_before_the_epoch_is_refused() {
        assert!(Window::from_unix_seconds(-600, 600).is_err());
    }

    #[test]
    fn status_follows_the_window_bounds() {
        let w = Window::from_unix_seconds(6_000, 12_000).unwrap();
        assert_eq!(w.status_at(5_999), WindowStatus::NotYetOpen);
        assert_eq!(w.status_at(6_000), WindowStatus::Open);
        assert_eq!(w.status_at(11_999), WindowStatus::Open);
        assert_eq!(w.status_at(12_000), WindowStatus::Ended);
    }
}
