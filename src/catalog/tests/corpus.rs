//! Every corpus EPUB: valid ones ingest with the right facts, invalid ones
//! are refused with a code and a detail naming the problem, and a refused
//! upload changes nothing stored.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use super::support::{epubs, snapshot};
use crate::catalog::package::{Direction, Layout};
use crate::catalog::store::Store;
use crate::catalog::title::Settings;
use crate::catalog::{archive, package};
use crate::data_dir::DataDir;

/// file, title, language, chapters, layout, direction.
const VALID: &[(&str, &str, &str, usize, Layout, Direction)] = &[
    (
        "alice-in-wonderland-gutenberg-epub3",
        "Alice's Adventures in Wonderland",
        "en-US",
        13,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "alice-in-wonderland-no-cover-epub3",
        "Alice's Adventures in Wonderland",
        "en-US",
        2,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "childrens-literature-readium",
        "Children's Literature",
        "en",
        3,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "epub30-spec",
        "EPUB 3.0 Specification",
        "en",
        11,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "filename-non-ascii-utf8",
        "Minimal EPUB 3.0",
        "en",
        1,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "filepath-non-ascii-utf8",
        "Minimal EPUB 3.0",
        "en",
        1,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "gariban-japanese-vertical-writing",
        "ガリ版の話",
        "ja",
        7,
        Layout::Reflowable,
        Direction::Rtl,
    ),
    (
        "georgia-pls-ssml",
        "Georgia",
        "en-US",
        2,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "guide-vins-french-reflowable",
        "Guide Hachette des Vins 2011",
        "fr",
        9,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "haruko-manga-fixed-layout-rtl",
        "ハルコさんの彼氏",
        "ja-jp",
        13,
        Layout::Fixed,
        Direction::Rtl,
    ),
    (
        "israelsailing-hebrew-rtl",
        "מפליגים בישראל",
        "he",
        12,
        Layout::Reflowable,
        Direction::Rtl,
    ),
    (
        "leaves-of-grass-gutenberg-epub2-ncx",
        "Leaves of Grass",
        "en",
        383,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "linear-algebra-mathml",
        "A First Course in Linear Algebra",
        "en",
        94,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "media-overlays-minimal",
        "Minimal EPUB 3.0",
        "en",
        1,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "metamorphosis-pressbooks-epub2-ncx",
        "Metamorphosis",
        "en",
        8,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "minimal-epub2",
        "Minimal EPUB 2.0",
        "en",
        1,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "minimal-epub3",
        "Minimal EPUB 3.0",
        "en",
        1,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "moby-dick-epub3",
        "Moby-Dick",
        "en-US",
        144,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "regime-anticancer-arabic-rtl",
        "Le Vrai Régime anti-cancer",
        "ar",
        3,
        Layout::Reflowable,
        Direction::Rtl,
    ),
    (
        "romeo-and-juliet-feedbooks-epub2-ncx",
        "Romeo and Juliet",
        "en",
        30,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "sherlock-holmes-standardebooks-epub3",
        "The Adventures of Sherlock Holmes",
        "en-GB",
        16,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "sous-le-vent-french-fixed-layout-svg",
        "Sous le vent",
        "fr",
        13,
        Layout::Fixed,
        Direction::Auto,
    ),
    (
        "svg-in-spine-fixed-layout",
        "SVG in Spine",
        "en-US",
        6,
        Layout::Fixed,
        Direction::Auto,
    ),
    (
        "trees-scripted-canvas",
        "Trees",
        "en",
        3,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "vertically-scrollable-manga-large",
        "鳥の眼",
        "ja",
        2,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "voyage-of-life-mixed-fixed-reflowable",
        "Thomas Cole - The Voyage of Life",
        "en-US",
        10,
        Layout::Reflowable,
        Direction::Auto,
    ),
    (
        "wasteland-obfuscated-otf-fonts",
        "The Waste Land",
        "en-US",
        1,
        Layout::Reflowable,
        Direction::Auto,
    ),
];

/// file, code, words the detail must contain.
const INVALID: &[(&str, &str, &str)] = &[
    (
        "container-xml-missing",
        "epub-invalid-package",
        "META-INF/container.xml is missing",
    ),
    (
        "docx-renamed-to-epub",
        "epub-invalid-archive",
        "no \"mimetype\" entry",
    ),
    (
        "duplicate-after-case-folding",
        "epub-invalid-archive",
        "content_ß.xhtml",
    ),
    (
        "duplicate-zip-entry",
        "epub-invalid-archive",
        "same entry name twice",
    ),
    (
        "encryption-drm-unknown-algorithm",
        "epub-drm-unsupported",
        "EPUB/content_001.xhtml",
    ),
    (
        "encryption-xml-bad-markup",
        "epub-invalid-package",
        "encryption.xml has root element <container>",
    ),
    (
        "epub2-container-multiple-opf",
        "epub-invalid-package",
        "2 package documents",
    ),
    (
        "epub2-manifest-resource-missing",
        "epub-invalid-package",
        "OPS/fonts/FreeSerif.otf",
    ),
    (
        "epub2-ncx-missing-resource",
        "epub-invalid-package",
        "www.NotARealWebsite.com",
    ),
    (
        "epub2-opf-spine-missing",
        "epub-invalid-package",
        "no <spine>",
    ),
    (
        "epub3-nav-toc-missing",
        "epub-invalid-package",
        "no toc nav",
    ),
    (
        "epub3-remote-spine-item",
        "epub-invalid-package",
        "https://example.org/doc.xhtml",
    ),
    // Lenient readers open these two; here the mimetype's extra field is refused like its own corpus case.
    (
        "epubrs-mimetype-not-first-odd-names",
        "epub-invalid-archive",
        "extra field",
    ),
    (
        "epubrs-utf16-opf-mimetype-not-first",
        "epub-invalid-archive",
        "extra field",
    ),
    (
        "filename-forbidden-character",
        "epub-invalid-archive",
        "content_|.xhtml",
    ),
    (
        "filename-not-utf8",
        "epub-invalid-archive",
        "not valid UTF-8",
    ),
    (
        "filepath-not-utf8",
        "epub-invalid-archive",
        "not valid UTF-8",
    ),
    (
        "image-renamed-to-epub",
        "epub-invalid-archive",
        "not a readable zip",
    ),
    (
        "mimetype-entry-extra-field",
        "epub-invalid-archive",
        "extra field",
    ),
    (
        "mimetype-incorrect-value",
        "epub-invalid-archive",
        "application/something+else",
    ),
    (
        "mimetype-missing",
        "epub-invalid-archive",
        "no \"mimetype\" entry",
    ),
    (
        "obfuscation-on-non-font",
        "epub-invalid-package",
        "EPUB/doc.xml",
    ),
    ("opf-missing", "epub-invalid-package", "EPUB/package.opf"),
    (
        "opf-not-well-formed",
        "epub-invalid-package",
        "not well-formed",
    ),
    (
        "opf-url-leaking-path-traversal",
        "epub-invalid-package",
        "points outside the container",
    ),
    (
        "zip-empty-0-bytes",
        "epub-invalid-archive",
        "not a readable zip",
    ),
    (
        "zip-no-end-header",
        "epub-invalid-archive",
        "not a readable zip",
    ),
];

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_valid_corpus_book_ingests_with_its_title_language_chapters_layout_and_direction() {
    let files = epubs("valid");
    if files.is_empty() {
        return;
    }
    assert_eq!(
        files.len(),
        VALID.len(),
        "a corpus book has no expectation here"
    );
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path()).unwrap();
    let store = Store::new(data.clone());
    for file in files {
        let name = stem(&file);
        let (_, title, language, chapters, layout, direction) =
            VALID.iter().find(|v| v.0 == name).unwrap();
        let record = store
            .write_version(&file, "pub-a", Settings::default(), None, None)
            .unwrap_or_else(|e| panic!("{name}: {} {e}", e.code()));
        let summary = &record.summary;
        assert_eq!(
            (summary.title.as_str(), summary.language.as_str()),
            (*title, *language),
            "{name}"
        );
        assert_eq!(
            (summary.chapters, summary.layout, summary.direction),
            (*chapters, *layout, *direction),
            "{name}"
        );
        let excerpt = &record.excerpt.excerpt;
        assert!(
            !excerpt.chapters().is_empty(),
            "{name}: the default excerpt shows something"
        );
        assert!(!record.excerpt.positions.is_empty(), "{name}");
    }
    assert_eq!(
        std::fs::read_dir(data.tmp()).unwrap().count(),
        0,
        "temp space left behind"
    );
}

#[test]
fn the_corpus_manga_is_limited_by_pages_under_every_policy() {
    let Some(file) = epubs("valid")
        .into_iter()
        .find(|f| stem(f) == "haruko-manga-fixed-layout-rtl")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(DataDir::open(dir.path()).unwrap());
    // Twelve pictured pages, then a reflowable note.
    for (policy, pages) in [
        (serde_json::json!({"words": 50}), 0),
        (serde_json::json!({"pages": 3}), 3),
        (serde_json::json!({"chapters": 2}), 2),
        (serde_json::json!({"percent": 50}), 6),
        (serde_json::json!({"percent": 10}), 1),
    ] {
        let settings = Settings {
            policy: crate::excerpts::ExcerptPolicy::parse_json(&policy).unwrap(),
            ..Settings::default()
        };
        let record = store
            .write_version(&file, "pub-a", settings, None, None)
            .unwrap();
        let excerpt = &record.excerpt.excerpt;
        assert_eq!(excerpt.chapters().len(), pages, "{policy}");
        assert_eq!(excerpt.pages(), pages as u64, "{policy}");
        assert_eq!(
            record.excerpt.positions.len(),
            pages,
            "{policy}: one position a page"
        );
    }
}

#[test]
fn reading_order_agrees_with_the_epub_crate() {
    for file in epubs("valid") {
        let name = stem(&file);
        let mut archive =
            archive::Archive::open(std::fs::File::open(&file).unwrap(), Default::default())
                .unwrap();
        let package = package::read(&mut archive).unwrap();
        let ours: Vec<&str> = package
            .opf
            .spine
            .iter()
            .map(|s| package.opf.items[s.item].path.as_str())
            .collect();
        // The crate panics on some inputs: a panic is a missing second opinion, not a failure.
        let Ok(Ok(doc)) = catch_unwind(AssertUnwindSafe(|| epub::doc::EpubDoc::new(&file))) else {
            eprintln!("{name}: the epub crate cannot open it; no second opinion");
            continue;
        };
        let theirs: Vec<String> = doc
            .spine
            .iter()
            .filter_map(|s| doc.resources.get(&s.idref))
            .map(|r| r.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(ours, theirs, "{name}");
    }
}

#[test]
fn every_invalid_corpus_book_is_refused_with_a_code_and_nothing_stored_changes() {
    let files = epubs("invalid");
    if files.is_empty() {
        return;
    }
    assert_eq!(
        files.len(),
        INVALID.len(),
        "a corpus file has no expectation here"
    );
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path()).unwrap();
    let store = Store::new(data.clone());
    let minimal = files[0]
        .parent()
        .unwrap()
        .join("../valid/minimal-epub3.epub");
    store
        .write_version(&minimal, "pub-a", Settings::default(), None, None)
        .unwrap();
    let before = snapshot(&data.path("catalog"));
    for file in files {
        let name = stem(&file);
        let (_, code, detail) = INVALID.iter().find(|v| v.0 == name).unwrap();
        let error = store
            .write_version(&file, "pub-a", Settings::default(), None, None)
            .expect_err(&name);
        assert_eq!(error.code(), *code, "{name}: {error}");
        assert!(error.to_string().contains(detail), "{name}: {error}");
        assert_eq!(
            snapshot(&data.path("catalog")),
            before,
            "{name} changed the catalog"
        );
        assert_eq!(
            std::fs::read_dir(data.tmp()).unwrap().count(),
            0,
            "{name} left temp files"
        );
    }
    assert_eq!(std::fs::read_dir(store.titles_dir()).unwrap().count(), 1);
}
