//! The store and the index, on SQLite and on PostgreSQL: versions replace
//! each other with one database write, policies recompute the excerpt,
//! deletion removes everything, other instances' changes are picked up, a
//! change from a stale reading is refused, and an interruption between the
//! files and the database update leaves the previous version live.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::support::{epubs, minimal_epub, png_claiming, snapshot};
use crate::catalog::store::Store;
use crate::catalog::title::{Settings, TitleRecord};
use crate::catalog::{Catalog, IngestError, pack, prepare};
use crate::data_dir::DataDir;
use crate::db::Database;
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

async fn setup(db: &Database, dir: &Path) -> (DataDir, Catalog) {
    let data = DataDir::open(dir.join("data")).unwrap();
    let catalog = Catalog::open(&data, db.clone()).await.unwrap();
    (data, catalog)
}

fn upload(dir: &Path, bytes: &[u8]) -> PathBuf {
    let path = dir.join(format!("{:08x}.epub", rand::random::<u32>()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn words(n: u64) -> Settings {
    Settings {
        policy: ExcerptPolicy::new(Limit::Words(n)).unwrap(),
        ..Settings::default()
    }
}

/// The live versions' folders of a title on disk.
fn versions_on_disk(store: &Store, record: &TitleRecord) -> Vec<String> {
    let mut versions: Vec<String> = std::fs::read_dir(store.titles_dir().join(record.id.as_str()))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort();
    versions
}

async fn a_policy_change_recomputes_the_cut_without_a_new_upload(db: Database, dir: &Path) {
    let (_data, catalog) = setup(&db, dir).await;
    let record = catalog
        .ingest(&upload(dir, &book(40)), "pub-a", words(50))
        .await
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
    let updated = catalog.update(&record, settings).await.unwrap();
    let cut = updated.excerpt.cut.clone().unwrap();
    assert!(updated.excerpt.excerpt.counted_words() <= 100);
    let version = catalog.store().version_dir(&updated.id, &updated.version);
    let xhtml =
        String::from_utf8(pack::read(&version.join(&cut.file), cut.content.identity).unwrap())
            .unwrap();
    assert!(
        xhtml.contains("Paragraphe 3 ") && !xhtml.contains("Paragraphe 39 "),
        "{xhtml}"
    );
    let old_cut = version.join(record.excerpt.cut.as_ref().unwrap().file.as_str());
    assert!(old_cut.exists(), "the old cut waits out the grace period");
    assert_eq!(catalog.collect_retired(i64::MAX).await.unwrap(), 1);
    assert!(!old_cut.exists(), "then it is removed");
    assert_eq!(catalog.title(&updated.id).unwrap().settings.policy, policy);
    let (_, reopened) = setup(&db, dir).await;
    assert_eq!(
        *reopened.title(&updated.id).unwrap(),
        *updated,
        "stored as held"
    );
}

async fn a_new_version_keeps_the_id_and_replaces_the_old_files_after_a_grace_period(
    db: Database,
    dir: &Path,
) {
    let (_data, catalog) = setup(&db, dir).await;
    let first = catalog
        .ingest(&upload(dir, &book(5)), "pub-a", Settings::default())
        .await
        .unwrap();
    let second = catalog
        .replace(&first, &upload(dir, &book(50)))
        .await
        .unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.created_at, first.created_at);
    assert_ne!(second.version, first.version);
    let mut both = vec![first.version.clone(), second.version.clone()];
    both.sort();
    assert_eq!(
        versions_on_disk(catalog.store(), &second),
        both,
        "the replaced version stays through the grace period"
    );
    let later = SystemTime::now() + Duration::from_secs(1);
    assert_eq!(
        catalog.sweep(later).await.unwrap(),
        0,
        "retired: not a leftover"
    );
    let in_grace = crate::catalog::index::now_seconds() - crate::catalog::retired::GRACE_SECONDS;
    assert_eq!(catalog.collect_retired(in_grace).await.unwrap(), 0);
    assert_eq!(catalog.collect_retired(i64::MAX).await.unwrap(), 1);
    assert_eq!(
        versions_on_disk(catalog.store(), &second),
        std::slice::from_ref(&second.version)
    );
    let publication = catalog
        .store()
        .publication(&second.id, &second.version)
        .await
        .unwrap();
    assert_eq!(publication.chapters[0].blocks.len(), 51);
    let (_, reopened) = setup(&db, dir).await;
    assert_eq!(reopened.title(&first.id).unwrap().version, second.version);
}

async fn a_refused_new_version_leaves_the_old_one_live_byte_for_byte(db: Database, dir: &Path) {
    let (data, catalog) = setup(&db, dir).await;
    let first = catalog
        .ingest(&upload(dir, &book(5)), "pub-a", Settings::default())
        .await
        .unwrap();
    let before = snapshot(&data.path("catalog"));
    let error = catalog
        .replace(&first, &upload(dir, b"not a zip"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "epub-invalid-archive");
    assert_eq!(snapshot(&data.path("catalog")), before);
    assert_eq!(catalog.title(&first.id).unwrap().version, first.version);
    assert_eq!(std::fs::read_dir(data.tmp()).unwrap().count(), 0);
}

async fn deleting_a_title_removes_its_record_at_once_and_its_files_after_a_grace_period(
    db: Database,
    dir: &Path,
) {
    let (data, catalog) = setup(&db, dir).await;
    let record = catalog
        .ingest(&upload(dir, &book(5)), "pub-a", Settings::default())
        .await
        .unwrap();
    catalog.delete(&record).await.unwrap();
    assert!(catalog.title(&record.id).is_none());
    let files = data.path("catalog/titles").join(record.id.as_str());
    assert!(files.exists(), "the files wait out the grace period");
    assert_eq!(catalog.collect_retired(i64::MAX).await.unwrap(), 1);
    assert!(
        !data
            .path("catalog/titles")
            .join(record.id.as_str())
            .exists()
    );
    let (_, reopened) = setup(&db, dir).await;
    assert!(reopened.titles().is_empty());
}

async fn publishers_only_find_their_own_titles(db: Database, dir: &Path) {
    let (_data, catalog) = setup(&db, dir).await;
    let mine = catalog
        .ingest(&upload(dir, &book(5)), "pub-a", Settings::default())
        .await
        .unwrap();
    catalog
        .ingest(&upload(dir, &book(5)), "pub-b", Settings::default())
        .await
        .unwrap();
    assert!(catalog.title_of("pub-b", &mine.id).is_none());
    assert_eq!(catalog.titles_of("pub-a").len(), 1);
}

async fn another_instances_changes_are_seen_after_a_refresh(db: Database, dir: &Path) {
    let (_data, catalog) = setup(&db, dir).await;
    assert!(
        !catalog
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    let (_, other) = setup(&db, dir).await;
    let record = other
        .ingest(&upload(dir, &book(5)), "pub-a", Settings::default())
        .await
        .unwrap();
    assert!(
        !other
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap(),
        "its own write needs no reload"
    );
    assert!(catalog.title(&record.id).is_none());
    assert!(
        catalog
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap()
    );
    assert_eq!(*catalog.title(&record.id).unwrap(), *record);
    assert!(
        !catalog
            .refresh(&db.generations().await.unwrap())
            .await
            .unwrap(),
        "nothing changed since"
    );

    let withdrawn = Settings {
        live: false,
        ..record.settings.clone()
    };
    other.update(&record, withdrawn).await.unwrap();
    assert!(catalog.title(&record.id).unwrap().settings.live);
    catalog
        .refresh(&db.generations().await.unwrap())
        .await
        .unwrap();
    assert!(
        !catalog.title(&record.id).unwrap().settings.live,
        "withdrawn"
    );
}

async fn a_change_from_a_stale_reading_is_refused_and_changes_nothing(db: Database, dir: &Path) {
    let (_data, catalog) = setup(&db, dir).await;
    let record = catalog
        .ingest(&upload(dir, &book(40)), "pub-a", words(50))
        .await
        .unwrap();
    let (_, other) = setup(&db, dir).await;
    let newer = other
        .replace(&record, &upload(dir, &book(30)))
        .await
        .unwrap();
    // This instance has not refreshed: its reading of the title is stale.
    let stale = catalog.title(&record.id).unwrap();
    let error = catalog.update(&stale, words(100)).await.unwrap_err();
    assert!(matches!(error, IngestError::Changed(_)), "{error}");
    let error = catalog
        .replace(&stale, &upload(dir, &book(20)))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "title-changed");
    // The version `other` replaced goes once retired long enough.
    catalog.collect_retired(i64::MAX).await.unwrap();
    assert_eq!(
        versions_on_disk(catalog.store(), &newer),
        std::slice::from_ref(&newer.version),
        "the refused version's files are gone, the live one stays"
    );
    let (_, reopened) = setup(&db, dir).await;
    assert_eq!(*reopened.title(&record.id).unwrap(), *newer);
}

async fn a_version_whose_database_update_never_happened_is_not_live_and_is_swept(
    db: Database,
    dir: &Path,
) {
    let (_data, catalog) = setup(&db, dir).await;
    let live = catalog
        .ingest(&upload(dir, &book(5)), "pub-a", Settings::default())
        .await
        .unwrap();
    // A crash after the new version's files are written, before its row names it.
    let staged = catalog
        .store()
        .prepare_version(
            &upload(dir, &book(50)),
            &live.publisher,
            live.settings.clone(),
            Some(&live),
            None,
        )
        .unwrap();
    let written = catalog.store().put_version(staged).await.unwrap();
    assert!(
        catalog
            .store()
            .version_dir(&written.id, &written.version)
            .exists()
    );
    let (_, restarted) = setup(&db, dir).await;
    assert_eq!(
        *restarted.title(&live.id).unwrap(),
        *live,
        "the previous version is live"
    );

    let later = SystemTime::now() + Duration::from_secs(1);
    assert_eq!(restarted.sweep(later).await.unwrap(), 1);
    assert_eq!(
        versions_on_disk(restarted.store(), &live),
        std::slice::from_ref(&live.version)
    );
}

async fn a_failed_database_update_leaves_the_previous_version_live(db: Database, dir: &Path) {
    let (data, catalog) = setup(&db, dir).await;
    let live = catalog
        .ingest(&upload(dir, &book(5)), "pub-a", Settings::default())
        .await
        .unwrap();
    let before = snapshot(&data.path("catalog"));
    // The table out of reach: every write to it fails, on either engine.
    let rename = |from: &str, to: &str| format!("ALTER TABLE {from} RENAME TO {to}");
    sqlx::query(&rename("titles", "titles_away"))
        .execute(db.pool())
        .await
        .unwrap();
    let error = catalog
        .replace(&live, &upload(dir, &book(50)))
        .await
        .unwrap_err();
    assert!(matches!(error, IngestError::Database(_)), "{error}");
    let error = catalog
        .ingest(&upload(dir, &book(50)), "pub-a", Settings::default())
        .await
        .unwrap_err();
    assert!(matches!(error, IngestError::Database(_)), "{error}");
    sqlx::query(&rename("titles_away", "titles"))
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(
        snapshot(&data.path("catalog")),
        before,
        "the files written for the failed updates are gone"
    );
    assert_eq!(catalog.titles().len(), 1);
    assert_eq!(*catalog.title(&live.id).unwrap(), *live);
    let (_, reopened) = setup(&db, dir).await;
    assert_eq!(*reopened.title(&live.id).unwrap(), *live);
}

async fn leftovers_of_interrupted_changes_are_swept_and_the_live_title_is_kept(
    db: Database,
    dir: &Path,
) {
    let (data, catalog) = setup(&db, dir).await;
    let record = catalog
        .ingest(&upload(dir, &book(40)), "pub-a", words(50))
        .await
        .unwrap();
    let store = catalog.store();
    let live = store.version_dir(&record.id, &record.version);
    let live_cut = live.join(&record.excerpt.cut.as_ref().unwrap().file);
    // What a crash leaves: a staged version in tmp, a written version no row
    // names, a title folder without a row, an old cut whose removal did not happen.
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
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    assert_eq!(catalog.sweep(an_hour_ago).await.unwrap(), 0);
    assert!(staged.exists() && orphan_version.exists() && old_cut.exists());

    let later = SystemTime::now() + Duration::from_secs(1);
    assert_eq!(catalog.sweep(later).await.unwrap(), 4);
    for gone in [&staged, &orphan_version, &orphan_title, &old_cut] {
        assert!(!gone.exists(), "{} should be swept", gone.display());
    }
    assert!(live.join(crate::catalog::store::PUBLICATION_JSON).exists());
    assert!(live_cut.exists(), "the live cut stays");
    let (_, reopened) = setup(&db, dir).await;
    assert_eq!(reopened.title(&record.id).unwrap().version, record.version);
}

crate::db::testing::on_both_databases!(
    a_policy_change_recomputes_the_cut_without_a_new_upload,
    a_new_version_keeps_the_id_and_replaces_the_old_files_after_a_grace_period,
    a_refused_new_version_leaves_the_old_one_live_byte_for_byte,
    deleting_a_title_removes_its_record_at_once_and_its_files_after_a_grace_period,
    publishers_only_find_their_own_titles,
    another_instances_changes_are_seen_after_a_refresh,
    a_change_from_a_stale_reading_is_refused_and_changes_nothing,
    a_version_whose_database_update_never_happened_is_not_live_and_is_swept,
    a_failed_database_update_leaves_the_previous_version_live,
    leftovers_of_interrupted_changes_are_swept_and_the_live_title_is_kept
);

#[test]
fn an_ingestion_past_its_deadline_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::open(dir.path().join("data")).unwrap();
    let store = Store::new(data.clone());
    let past = std::time::Instant::now();
    std::thread::sleep(Duration::from_millis(5));
    let refused = store.write_version(
        &upload(dir.path(), &book(40)),
        "pub-a",
        Settings::default(),
        None,
        Some(past),
    );
    let error = refused.expect_err("past its deadline");
    assert_eq!(error.code(), "epub-ingestion-timeout", "{error}");
    assert_eq!(
        std::fs::read_dir(data.tmp()).unwrap().count(),
        0,
        "staging removed"
    );
    let titles = store.titles_dir();
    assert!(!titles.exists() || std::fs::read_dir(&titles).unwrap().count() == 0);
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
