//! The rule that decides whether a title is offered on a trip. Pure, no I/O.

use serde::{Deserialize, Serialize};

use crate::trips::Trip;

/// A collection of one publisher, or all of its titles when `collection` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CollectionRef {
    /// The publisher's account id.
    pub publisher: String,
    /// The collection's name, as the publisher set it on its titles; absent: every title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
}

impl CollectionRef {
    /// Whether this entry covers a title of `publisher` in `collections`.
    pub fn covers(&self, title: &TitleOffer<'_>) -> bool {
        self.publisher == title.publisher
            && self
                .collection
                .as_ref()
                .is_none_or(|c| title.collections.iter().any(|t| t == c))
    }
}

/// What the rule needs to know of a live title.
#[derive(Debug, Clone, Copy)]
pub struct TitleOffer<'a> {
    /// The publisher's account id.
    pub publisher: &'a str,
    /// The collections the publisher put the title in.
    pub collections: &'a [String],
}

/// Whether a live title is offered on `trip`, given its line's choice
/// (`None`: the line has none). The most specific choice wins:
/// 1. the trip's own `collections`, when set: the title is in one of them
///    (by name, whatever the publisher);
/// 2. else the line's choice, when set: one of its entries covers the title;
/// 3. else every live title is offered.
pub fn is_offered(
    title: &TitleOffer<'_>,
    trip: &Trip,
    line_choice: Option<&[CollectionRef]>,
) -> bool {
    if let Some(wanted) = &trip.collections {
        return title.collections.iter().any(|c| wanted.contains(c));
    }
    match line_choice {
        Some(entries) => entries.iter().any(|e| e.covers(title)),
        None => true,
    }
}
