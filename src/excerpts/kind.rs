//! Which kind a chapter is, from the EPUB structural semantics (`epub:type`
//! on its `body` or top sections, and the navigation landmarks pointing at it).
//!
//! Apparatus is free: title pages, copyright, dedication, contents up front;
//! appendices, notes, index, colophon at the back. Prose a reader reads as
//! part of the book (foreword, preface, prologue, introduction, epilogue,
//! afterword) is body text and counts, even inside a `frontmatter` section,
//! so that a publisher's limit measures what a passenger actually reads.

use super::ChapterKind;

const PROSE: &[&str] = &[
    "bodymatter",
    "chapter",
    "part",
    "division",
    "volume",
    "subchapter",
    "foreword",
    "preface",
    "prologue",
    "introduction",
    "preamble",
    "conclusion",
    "epilogue",
    "afterword",
];
const FRONT: &[&str] = &[
    "frontmatter",
    "titlepage",
    "halftitlepage",
    "fulltitle",
    "copyright-page",
    "seriespage",
    "dedication",
    "epigraph",
    "toc",
    "landmarks",
    "loi",
    "lot",
    "imprint",
    "imprimatur",
    "contributors",
    "other-credits",
    "errata",
    "revision-history",
    "abstract",
];
const BACK: &[&str] = &[
    "backmatter",
    "appendix",
    "colophon",
    "index",
    "glossary",
    "bibliography",
    "endnotes",
    "rearnotes",
    "footnotes",
    "acknowledgments",
    "credits",
];

impl ChapterKind {
    /// The kind named by a chapter's `epub:type` values (space-separated
    /// lists are split, a `prefix:` is ignored); `Body` when nothing says otherwise.
    pub fn from_epub_types<'a>(types: impl IntoIterator<Item = &'a str>) -> Self {
        let types: Vec<&str> = types
            .into_iter()
            .flat_map(str::split_ascii_whitespace)
            .map(|t| t.rsplit(':').next().unwrap_or(t))
            .collect();
        let any = |list: &[&str]| types.iter().any(|t| list.contains(t));
        if any(&["cover"]) {
            ChapterKind::Cover
        } else if any(PROSE) {
            ChapterKind::Body
        } else if any(FRONT) {
            ChapterKind::FrontMatter
        } else if any(BACK) {
            ChapterKind::BackMatter
        } else {
            ChapterKind::Body
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ChapterKind::{self, BackMatter, Body, Cover, FrontMatter};

    fn kind(types: &[&str]) -> ChapterKind {
        ChapterKind::from_epub_types(types.iter().copied())
    }

    #[test]
    fn apparatus_up_front_is_front_matter() {
        for t in [
            "titlepage",
            "copyright-page",
            "dedication",
            "toc",
            "frontmatter",
        ] {
            assert_eq!(kind(&[t]), FrontMatter, "{t}");
        }
    }

    #[test]
    fn apparatus_at_the_back_is_back_matter() {
        for t in ["appendix", "colophon", "endnotes", "backmatter", "index"] {
            assert_eq!(kind(&[t]), BackMatter, "{t}");
        }
    }

    #[test]
    fn prose_counts_even_in_a_frontmatter_section() {
        assert_eq!(kind(&["frontmatter", "foreword"]), Body);
        assert_eq!(kind(&["frontmatter preface"]), Body);
        assert_eq!(kind(&["backmatter", "epilogue"]), Body);
    }

    #[test]
    fn the_cover_wins_and_unknown_or_missing_types_are_body() {
        assert_eq!(kind(&["frontmatter cover"]), Cover);
        assert_eq!(kind(&["epub:cover"]), Cover);
        assert_eq!(kind(&[]), Body);
        assert_eq!(kind(&["z3998:fiction"]), Body);
    }
}
