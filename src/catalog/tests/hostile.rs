//! Hostile inputs built in the tests: bombs, traversal, links, entity
//! expansion, deep nesting, pictures that would explode when decoded, scripts.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::support::{OPF, epub_zip, minimal_epub, patch_declared_size};
use crate::catalog::archive::{Archive, ArchiveLimits};
use crate::catalog::store::Store;
use crate::catalog::title::Settings;
use crate::catalog::{IngestError, pack, prepare};
use crate::data_dir::DataDir;

fn open(bytes: &[u8]) -> Result<Archive, IngestError> {
    open_with(bytes, ArchiveLimits::default())
}

fn open_with(bytes: &[u8], limits: ArchiveLimits) -> Result<Archive, IngestError> {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(bytes).unwrap();
    Archive::open(file, limits)
}

fn upload(dir: &std::path::Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join(format!("upload-{:08x}.epub", rand::random::<u32>()));
    std::fs::write(&path, bytes).unwrap();
    path
}

const CHAPTER: &str = r#"<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Un</title><link rel="stylesheet" href="style.css"/></head><body><h1>Départ</h1><p>Le train quitte la gare.</p><p><img src="pic.png" alt="La gare"/></p></body></html>"#;

#[test]
fn entry_inflating_beyond_its_declared_size_is_refused_without_inflating_it() {
    let zeros = vec![0u8; 8 * 1024 * 1024];
    let honest = minimal_epub(CHAPTER, &[("EPUB/big.bin", &zeros)]);
    let lying = patch_declared_size(&honest, "EPUB/big.bin", 1000);
    let mut archive = open(&lying).unwrap();
    let error = archive.read("EPUB/big.bin").unwrap_err();
    assert_eq!(error.code(), "epub-invalid-archive");
    assert!(
        error.to_string().contains("EPUB/big.bin") && error.to_string().contains("declared"),
        "{error}"
    );
}

#[test]
fn entry_declaring_more_than_the_cap_is_refused_before_inflating() {
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let limits = ArchiveLimits {
        max_entry_bytes: 1024 * 1024,
        ..ArchiveLimits::default()
    };
    let error = open_with(&minimal_epub(CHAPTER, &[("EPUB/big.bin", &zeros)]), limits)
        .err()
        .unwrap();
    assert_eq!(error.code(), "epub-too-large");
    assert!(error.to_string().contains("EPUB/big.bin"), "{error}");
}

#[test]
fn many_entries_adding_up_past_the_total_cap_are_refused() {
    let chunk = vec![0u8; 600 * 1024];
    let entries: Vec<(String, &[u8])> = (0..4)
        .map(|i| (format!("EPUB/part{i}.bin"), chunk.as_slice()))
        .collect();
    let entries: Vec<(&str, &[u8])> = entries.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let limits = ArchiveLimits {
        max_total_bytes: 2 * 1024 * 1024,
        ..ArchiveLimits::default()
    };
    let error = open_with(&minimal_epub(CHAPTER, &entries), limits)
        .err()
        .unwrap();
    assert_eq!(error.code(), "epub-too-large");
    let limits = ArchiveLimits {
        max_entries: 5,
        ..ArchiveLimits::default()
    };
    let error = open_with(&minimal_epub(CHAPTER, &entries), limits)
        .err()
        .unwrap();
    assert!(error.to_string().contains("entries"), "{error}");
}

#[test]
fn traversal_absolute_backslash_and_nul_names_are_refused() {
    for name in [
        "../evil.xhtml",
        "EPUB/../../evil",
        "/etc/passwd",
        "EPUB\\evil.xhtml",
        "EPUB/a\0b",
        "C:/x",
        "EPUB//x",
    ] {
        let error = open(&epub_zip(&[(name, b"x")]))
            .err()
            .unwrap_or_else(|| panic!("{name:?} accepted"));
        assert_eq!(error.code(), "epub-invalid-archive", "{name:?}");
        assert!(
            error.to_string().contains("entry name"),
            "{name:?}: {error}"
        );
    }
}

#[test]
fn symbolic_links_are_refused() {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/epub+zip").unwrap();
    zip.add_symlink("EPUB/c1.xhtml", "/etc/passwd", stored)
        .unwrap();
    let error = open(&zip.finish().unwrap().into_inner()).err().unwrap();
    assert!(error.to_string().contains("symbolic link"), "{error}");
}

#[test]
fn entity_expansion_in_the_package_document_is_refused() {
    let opf = OPF.replace(
        "<package ",
        "<!DOCTYPE package [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<package ",
    );
    let bytes = minimal_epub(CHAPTER, &[]);
    let bytes = super::support::replace_entry(&bytes, "EPUB/package.opf", opf.as_bytes());
    let staging = tempfile::tempdir().unwrap();
    let path = upload(staging.path(), &bytes);
    let error = prepare::prepare(&path, staging.path(), ArchiveLimits::default())
        .err()
        .unwrap();
    assert_eq!(error.code(), "epub-invalid-package");
    assert!(error.to_string().contains("internal subset"), "{error}");
}

#[test]
fn deep_nesting_in_package_and_chapter_is_refused() {
    let depth = 200_000;
    let deep = format!("{}{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let opf = OPF.replace("</metadata>", &format!("{deep}</metadata>"));
    let bytes = super::support::replace_entry(
        &minimal_epub(CHAPTER, &[]),
        "EPUB/package.opf",
        opf.as_bytes(),
    );
    let staging = tempfile::tempdir().unwrap();
    let error = prepare::prepare(
        &upload(staging.path(), &bytes),
        staging.path(),
        ArchiveLimits::default(),
    )
    .err()
    .unwrap();
    assert!(error.to_string().contains("deeper than"), "{error}");

    let chapter = CHAPTER.replace("<h1>", &format!("{deep}<h1>"));
    let staging = tempfile::tempdir().unwrap();
    let png = super::support::png_claiming(2, 2);
    let bytes = minimal_epub(&chapter, &[("EPUB/pic.png", &png), ("EPUB/style.css", b"")]);
    let error = prepare::prepare(
        &upload(staging.path(), &bytes),
        staging.path(),
        ArchiveLimits::default(),
    );
    let error = error.err().unwrap();
    assert_eq!(error.code(), "epub-chapter-too-deep", "{error}");
    assert!(error.to_string().contains("EPUB/c1.xhtml"), "{error}");
}

#[test]
fn bomb_picture_is_dropped_and_the_book_still_ingests() {
    let bomb = super::support::png_claiming(100_000, 100_000);
    let bytes = minimal_epub(
        CHAPTER,
        &[
            ("EPUB/pic.png", &bomb),
            ("EPUB/style.css", b"p { margin: 0 }"),
        ],
    );
    let staging = tempfile::tempdir().unwrap();
    let publication = prepare::prepare(
        &upload(staging.path(), &bytes),
        staging.path(),
        ArchiveLimits::default(),
    )
    .unwrap();
    let picture = &publication.resources[0];
    assert!(picture.content.is_none(), "the bomb was stored");
    let chapter = &publication.chapters[0];
    let xhtml = pack::read(
        &staging.path().join(prepare::CONTENT_PACK),
        chapter.content.identity,
    )
    .unwrap();
    let xhtml = String::from_utf8(xhtml).unwrap();
    assert!(
        !xhtml.contains("pic.png") && !xhtml.contains("resources/r0"),
        "{xhtml}"
    );
    assert!(
        xhtml.contains("../resources/r1"),
        "the stylesheet stays: {xhtml}"
    );
}

#[test]
fn scripts_handlers_and_remote_urls_never_reach_the_stored_chapter() {
    let chapter = CHAPTER.replace(
        "<p>Le train",
        r#"<script>alert(1)</script><p onclick="alert(2)"><a href="javascript:alert(3)">x</a><img src="https://tracker.example/p.gif"/>Le train"#,
    );
    let css = b"@import url(https://evil.example/x.css); p { background: url(http://evil.example/p.png); color: red }";
    let bytes = minimal_epub(
        &chapter,
        &[
            ("EPUB/pic.png", &super::support::png_claiming(2, 2)),
            ("EPUB/style.css", css),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path()).unwrap();
    let store = Store::new(data);
    let record = store
        .write_version(
            &upload(dir.path(), &bytes),
            "pub-a",
            Settings::default(),
            None,
            None,
        )
        .unwrap();
    let pack = store
        .version_dir(&record.id, &record.version)
        .join(prepare::CONTENT_PACK);
    let stored = String::from_utf8_lossy(&std::fs::read(pack).unwrap()).into_owned();
    for hostile in [
        "<script",
        "onclick",
        "javascript:",
        "tracker.example",
        "evil.example",
    ] {
        assert!(!stored.contains(hostile), "{hostile} survived");
    }
    assert!(
        stored.contains("color:red") || stored.contains("color: red"),
        "the harmless rule stays"
    );
}
