use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use epub::doc::EpubDoc;
use zip::{CompressionMethod, DateTime, ZipArchive};

use super::{EPUB_MIMETYPE, pack_book, sample_books};
use crate::assets::Assets;
use crate::catalog::sanitize::{RefTarget, sanitize_chapter};

fn catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog")
}

/// slug → (title, language, spine items: cover + title page + chapters).
const EXPECTED: &[(&str, &str, &str, usize)] = &[
    ("la-passagere-de-17h42", "La Passagère de 17 h 42", "fr", 7),
    (
        "ligne-des-trois-vallees",
        "La Ligne des Trois Vallées",
        "fr",
        9,
    ),
    ("lost-property", "Lost Property", "en", 7),
    ("the-night-conductor", "The Night Conductor", "en", 8),
];

fn names<R: std::io::Read + std::io::Seek>(zip: &ZipArchive<R>) -> Vec<String> {
    zip.file_names().map(|n| n.unwrap().into_owned()).collect()
}

fn books() -> Vec<(String, Vec<u8>)> {
    sample_books(&Assets::Folder(catalog())).expect("the sample catalog packs")
}

#[test]
fn the_catalog_holds_the_expected_books_in_slug_order() {
    let slugs: Vec<String> = books().into_iter().map(|(slug, _)| slug).collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(slugs, expected);
}

#[test]
fn every_book_is_a_zip_with_mimetype_first_and_stored() {
    for (slug, bytes) in books() {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).expect(&slug);
        let names = names(&zip);
        let mut first = zip.by_index(0).unwrap();
        assert_eq!(first.name().unwrap(), "mimetype", "{slug}");
        assert_eq!(first.compression(), CompressionMethod::Stored, "{slug}");
        let mut text = String::new();
        first.read_to_string(&mut text).unwrap();
        assert_eq!(text, EPUB_MIMETYPE, "{slug}");
        drop(first);
        let rest = &names[1..];
        assert!(rest.is_sorted(), "{slug}: entries are sorted");
        assert!(!rest.iter().any(|n| n.starts_with('.') || n.contains("/.")));
        for index in 1..zip.len() {
            let entry = zip.by_index(index).unwrap();
            assert_eq!(entry.compression(), CompressionMethod::Deflated);
            assert_eq!(entry.last_modified(), Some(DateTime::default()));
        }
    }
}

#[test]
fn the_epub_crate_reads_title_language_and_spine() {
    for ((slug, bytes), (want_slug, title, language, spine)) in books().into_iter().zip(EXPECTED) {
        assert_eq!(&slug, want_slug);
        let mut doc = EpubDoc::from_reader(Cursor::new(bytes)).expect(&slug);
        assert_eq!(doc.get_title().as_deref(), Some(*title), "{slug}");
        assert_eq!(
            doc.mdata("language").map(|m| m.value.as_str()),
            Some(*language)
        );
        assert_eq!(doc.get_num_chapters(), *spine, "{slug}");
        for field in [
            "creator",
            "description",
            "identifier",
            "rights",
            "publisher",
        ] {
            assert!(doc.mdata(field).is_some(), "{slug}: dc:{field}");
        }
        let (cover, mime) = doc.get_cover().expect("a cover image");
        assert_eq!(mime, "image/png");
        assert!(
            cover.len() < 60 * 1024,
            "{slug}: cover is {} bytes",
            cover.len()
        );
        for index in 0..doc.get_num_chapters() {
            assert!(doc.set_current_chapter(index));
            assert!(
                doc.get_current().is_some(),
                "{slug}: spine item {index} resolves"
            );
        }
    }
}

#[test]
fn every_chapter_is_real_prose_of_a_few_hundred_words() {
    let drop_all = |_: &str| RefTarget::Drop;
    for (slug, bytes) in books() {
        let mut doc = EpubDoc::from_reader(Cursor::new(bytes)).unwrap();
        let chapters = doc.get_num_chapters();
        assert!((5..=8).contains(&(chapters - 2)), "{slug}: 5 to 8 chapters");
        // Skip the cover and title pages.
        for index in 2..chapters {
            doc.set_current_chapter(index);
            let (xhtml, _) = doc.get_current().unwrap();
            let chapter = sanitize_chapter(&xhtml, &drop_all).expect("valid XHTML");
            let words = chapter.words();
            assert!(
                (150..=900).contains(&words),
                "{slug} #{index}: {words} words"
            );
        }
    }
}

#[test]
fn packing_is_deterministic() {
    let dir = catalog().join("the-night-conductor");
    assert_eq!(pack_book(&dir).unwrap(), pack_book(&dir).unwrap());
}

#[test]
fn the_built_in_catalog_packs_into_the_same_books_as_the_folder() {
    let built_in = sample_books(&Assets::BuiltIn).unwrap();
    assert_eq!(built_in, books());
    assert!(sample_books(&Assets::Off).unwrap().is_empty());
}

#[test]
fn folders_without_a_mimetype_are_not_books() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("notes")).unwrap();
    std::fs::write(tmp.path().join("README"), "not a book").unwrap();
    let book = tmp.path().join("tiny");
    std::fs::create_dir_all(book.join("META-INF")).unwrap();
    std::fs::write(book.join("mimetype"), EPUB_MIMETYPE).unwrap();
    std::fs::write(book.join("META-INF/container.xml"), "<container/>").unwrap();
    std::fs::write(book.join(".DS_Store"), "litter").unwrap();
    let found = sample_books(&Assets::Folder(tmp.path().into())).unwrap();
    assert_eq!(found.len(), 1);
    let zip = ZipArchive::new(Cursor::new(&found[0].1)).unwrap();
    assert_eq!(names(&zip), ["mimetype", "META-INF/container.xml"]);
}

#[test]
fn a_wrong_mimetype_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mimetype"), "application/zip").unwrap();
    let err = pack_book(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("mimetype"), "{err}");
    assert!(pack_book(&tmp.path().join("missing")).is_err());
}

#[cfg(unix)]
#[test]
fn links_inside_a_book_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mimetype"), EPUB_MIMETYPE).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", tmp.path().join("leak.txt")).unwrap();
    let err = pack_book(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("links"), "{err}");
}

#[test]
fn the_default_excerpt_of_each_sample_shows_its_first_chapter_and_locks_the_end() {
    use crate::excerpts::{ChapterKind, ChapterText, ExcerptPolicy, Extent, excerpt};
    let drop_all = |_: &str| RefTarget::Drop;
    for (slug, bytes) in books() {
        let mut doc = EpubDoc::from_reader(Cursor::new(bytes)).unwrap();
        let chapters: Vec<ChapterText> = (0..doc.get_num_chapters())
            .map(|index| {
                doc.set_current_chapter(index);
                let (xhtml, _) = doc.get_current().unwrap();
                let kind = match index {
                    0 => ChapterKind::Cover,
                    1 => ChapterKind::FrontMatter,
                    _ => ChapterKind::Body,
                };
                ChapterText::from_sanitized(kind, &sanitize_chapter(&xhtml, &drop_all).unwrap())
            })
            .collect();
        let e = excerpt(&chapters, &ExcerptPolicy::default());
        assert!(
            !e.allows_chapter(0),
            "{slug}: the cover page is shown apart"
        );
        assert_eq!(
            e.extent(2),
            Some(Extent::Full),
            "{slug}: first chapter in full"
        );
        assert!(
            !e.allows_chapter(chapters.len() - 1),
            "{slug}: the end stays locked"
        );
        assert!(e.reading_minutes() >= 1, "{slug}");
    }
}
