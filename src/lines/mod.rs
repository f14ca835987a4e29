//! Which collections are offered on which line (SPEC §1, operator 4).
//!
//! An operator chooses, per line, a list of collections of publishers (or
//! whole publishers). Until a line has a choice, every live title is offered
//! on it. A trip's own `collections`, when set, are more specific and win over
//! its line's choice. [`offer::is_offered`] is the one rule; the passenger
//! catalog calls [`LineCollections::offers`].

pub mod offer;
pub mod routes;
pub mod store;

pub use offer::{CollectionRef, TitleOffer, is_offered};
pub use store::LineCollections;

#[cfg(test)]
mod tests;
