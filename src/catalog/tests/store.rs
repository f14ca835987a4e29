//! The store and the index: versions replace each other atomically, policies
//! recompute the excerpt, deletion removes everything, other processes' changes
//! are picked up, and a failure or panic leaves nothing behind.

use super::support::{epubs, minimal_epub, png_claiming, snapshot};
use crate::catalog::title::{ContentsRole, Settings};
use crate::catalog::{Catalog, pack, prepare};
use crate::data_dir::DataDir;
use crate::excerpts::{ExcerptPolicy, Extent, Limit};

fn chapter(paragraphs: usize) -> String {
    let body: String = (0..paragraphs)
        .map(|i| format!("<p>Paragraphe {i} du voyage en train de nuit.</p>"))
        .collect();
    format!(
        r#"<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Un</title></head><body><h1>Départ</h1>{body}</body></html>"#
    )
}

fn book(paragraphs: usize) -> Vec<u8> {
    minimal_epub(
        &chapter(paragraphs),
        &[
            ("EPUB/pic.png", &png_claiming(2, 2)),
            ("EPUB/style.css", b"p{margin:0}"),
        ],
    )
}

fn setup() -> (tempfile::TempDir, DataDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path().join("data")).unwrap();
    let catalog = Catalog::open(&data).unwrap();
    (dir, data, catalog)
}

fn upload(dir: &tempfile::TempDir, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir
        .path()
        .join(format!("{:08x}.epub", rand::random::<u32>()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn a_policy_change_recomputes_the_cut_without_a_new_upload() {
    let (dir, _data, catalog) = setup();
    let words_50 = Settings {
        policy: ExcerptPolicy::new(Limit::Words(50)).unwrap(),
        ..Settings::default()
    };
    let record = catalog
        .ingest(&upload(&dir, &book(40)), "pub-a", words_50)
        .unwrap();
    assert!(
        matches!(
            record.excerpt.excerpt.extent(0),
            Some(Extent::Partial { .. })
        ),
        "50 words of 300 is a cut"
    );
    assert!(record.excerpt.excerpt.counted_words() <= 50);
    let policy = ExcerptPolicy::new(Limit::Words(100)).unwrap();
    let settings = Settings {
        policy,
        ..record.settings.clone()
    };
    let updated = catalog.update(&record, settings).unwrap();
    let cut = updated.excerpt.cut.clone().unwrap();
    assert!(updated.excerpt.excerpt.counted_words() <= 100);
    let dir = catalog.store().version_dir(&updated.id, &updated.version);
    let xhtml =
        String::from_utf8(pack::read(&dir.join(&cut.file), cut.content.identity).unwrap()).unwrap();
    assert!(
        xhtml.contains("Paragraphe 3 ") && !xhtml.contains("Paragraphe 39 "),
        "{xhtml}"
    );
    assert!(
        !dir.join(record.excerpt.cut.as_ref().unwrap().file.as_str())
            .exists(),
        "the old cut is removed"
    );
    assert_eq!(catalog.title(&updated.id).unwrap().settings.policy, policy);
}

#[test]
fn a_new_version_keeps_the_id_and_replaces_the_old_files() {
    let (dir, _data, catalog) = setup();
    let first = catalog
        .ingest(&upload(&dir, &book(5)), "pub-a", Settings::default())
        .unwrap();
    let second = catalog.replace(&first, &upload(&dir, &book(50))).unwrap();
    assert_eq!(second.id, first.id);
    assert_ne!(second.version, first.version);
    assert!(
        !catalog
            .store()
            .version_dir(&first.id, &first.version)
            .exists()
    );
    let publication = catalog
        .store()
        .publication(&second.id, &second.version)
        .unwrap();
    assert_eq!(publication.chapters[0].blocks.len(), 51);
}

#[test]
fn a_refused_new_version_leaves_the_old_one_live_byte_for_byte() {
    let (dir, data, catalog) = setup();
    let first = catalog
        .ingest(&upload(&dir, &book(5)), "pub-a", Settings::default())
        .unwrap();
    let before = snapshot(&data.path("catalog"));
    let error = catalog
        .replace(&first, &upload(&dir, b"not a zip"))
        .unwrap_err();
    assert_eq!(error.code(), "epub-invalid-archive");
    assert_eq!(snapshot(&data.path("catalog")), before);
    assert_eq!(catalog.title(&first.id).unwrap().version, first.version);
    assert_eq!(std::fs::read_dir(data.tmp()).unwrap().count(), 0);
}

#[test]
fn deleting_a_title_removes_its_record_and_files() {
    let (dir, data, catalog) = setup();
    let record = catalog
        .ingest(&upload(&dir, &book(5)), "pub-a", Settings::default())
        .unwrap();
    catalog.delete(&record.id).unwrap();
    assert!(catalog.title(&record.id).is_none());
    assert!(
        !data
            .path("catalog/titles")
            .join(record.id.as_str())
            .exists()
    );
}

#[test]
fn publishers_only_find_their_own_titles() {
    let (dir, _data, catalog) = setup();
    let mine = catalog
        .ingest(&upload(&dir, &book(5)), "pub-a", Settings::default())
        .unwrap();
    catalog
        .ingest(&upload(&dir, &book(5)), "pub-b", Settings::default())
        .unwrap();
    assert!(catalog.title_of("pub-b", &mine.id).is_none());
    assert_eq!(catalog.titles_of("pub-a").len(), 1);
}

#[test]
fn another_process_import_is_seen_after_a_reload_check() {
    let (dir, data, catalog) = setup();
    assert!(!catalog.reload_if_changed().unwrap());
    let other = Catalog::open(&data).unwrap();
    let record = other
        .ingest(&upload(&dir, &book(5)), "pub-a", Settings::default())
        .unwrap();
    assert!(catalog.title(&record.id).is_none());
    assert!(catalog.reload_if_changed().unwrap());
    assert_eq!(catalog.title(&record.id).unwrap().version, record.version);
    assert!(
        !catalog.reload_if_changed().unwrap(),
        "nothing changed since"
    );
}

#[test]
fn obfuscated_fonts_are_stored_readable() {
    let books = epubs("valid");
    if books.is_empty() {
        return;
    }
    let file = books
        .into_iter()
        .find(|p| p.to_string_lossy().contains("wasteland"))
        .expect("the corpus has the book with obfuscated fonts");
    let staging = tempfile::tempdir().unwrap();
    let publication = prepare::prepare(&file, staging.path(), Default::default()).unwrap();
    let pack_path = staging.path().join(prepare::CONTENT_PACK);
    let fonts: Vec<_> = publication
        .resources
        .iter()
        .filter(|r| r.content.is_some() && r.media_type.starts_with("font/"))
        .collect();
    // Typed by their bytes after de-obfuscation: an obfuscated font would be opaque.
    assert!(!fonts.is_empty(), "the stylesheet uses the fonts");
    assert!(fonts.iter().all(|f| f.media_type == "font/otf"));
    for font in fonts {
        let bytes = pack::read(&pack_path, font.content.unwrap().identity).unwrap();
        assert_eq!(
            &bytes[..4],
            b"OTTO",
            "an OpenType font after de-obfuscation"
        );
    }
}

#[test]
fn leftovers_of_interrupted_changes_are_swept_and_the_live_title_is_kept() {
    let (dir, data, catalog) = setup();
    let words_50 = Settings {
        policy: ExcerptPolicy::new(Limit::Words(50)).unwrap(),
        ..Settings::default()
    };
    let record = catalog
        .ingest(&upload(&dir, &book(40)), "pub-a", words_50)
        .unwrap();
    let store = catalog.store();
    let live = store.version_dir(&record.id, &record.version);
    let live_cut = live.join(&record.excerpt.cut.as_ref().unwrap().file);
    // What a crash between two renames leaves: a staged version in tmp, a
    // published version whose record was never written, a title folder without
    // a record, an old cut whose removal did not happen.
    let staged = data.tmp().join("ingest-00000000deadbeef");
    std::fs::create_dir_all(&staged).unwrap();
    std::fs::write(staged.join("content.pack"), b"half").unwrap();
    let orphan_version = store.version_dir(&record.id, "v00000000000000ff");
    std::fs::create_dir_all(&orphan_version).unwrap();
    let orphan_title = store.titles_dir().join("00000000000000aa");
    std::fs::create_dir_all(orphan_title.join("v1")).unwrap();
    let old_cut = live.join("cut-0-3-00000000.pack");
    std::fs::write(&old_cut, b"old").unwrap();

    // Young leftovers may be another instance's running ingestion: kept.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    assert_eq!(store.sweep(an_hour_ago).unwrap(), 0);
    assert!(staged.exists() && orphan_version.exists() && old_cut.exists());

    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(1);
    assert_eq!(store.sweep(later).unwrap(), 4);
    for gone in [&staged, &orphan_version, &orphan_title, &old_cut] {
        assert!(!gone.exists(), "{} should be swept", gone.display());
    }
    assert!(live.join(crate::catalog::store::PUBLICATION_JSON).exists());
    assert!(live_cut.exists(), "the live cut stays");
    // The title still serves after a reload from disk.
    let reopened = Catalog::open(&data).unwrap();
    assert_eq!(reopened.title(&record.id).unwrap().version, record.version);
}

#[test]
fn an_ingestion_past_its_deadline_publishes_nothing() {
    let (dir, data, catalog) = setup();
    let past = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let refused = catalog.ingest_until(
        &upload(&dir, &book(40)),
        "pub-a",
        Settings::default(),
        Some(past),
    );
    let error = refused.expect_err("past its deadline");
    assert_eq!(error.code(), "epub-ingestion-timeout", "{error}");
    assert!(catalog.titles().is_empty());
    assert_eq!(
        std::fs::read_dir(data.tmp()).unwrap().count(),
        0,
        "staging removed"
    );
    let titles = catalog.store().titles_dir();
    assert!(!titles.exists() || std::fs::read_dir(&titles).unwrap().count() == 0);
}

#[test]
fn a_record_written_before_contents_were_listed_gets_them_from_its_publication() {
    let (dir, data, catalog) = setup();
    let record = catalog
        .ingest(&upload(&dir, &book(5)), "pub-a", Settings::default())
        .unwrap();
    let listed = record.summary.contents.clone();
    assert_eq!(listed.len(), record.summary.chapters);
    assert_eq!(listed[0].role, ContentsRole::Body);
    assert!(listed[0].words > 0);

    // title.json as an older trajet wrote it: no contents.
    let path = catalog
        .store()
        .titles_dir()
        .join(record.id.as_str())
        .join("title.json");
    let mut old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    old["summary"].as_object_mut().unwrap().remove("contents");
    std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();

    let reopened = Catalog::open(&data).unwrap();
    assert_eq!(reopened.title(&record.id).unwrap().summary.contents, listed);
}
