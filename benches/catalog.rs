//! Ingestion costs paid once per book: a whole corpus book ingested (checked,
//! sanitized, packed, excerpt cut, published), sanitizing a ~30 KB chapter
//! (text-heavy and tag-dense) and computing an excerpt over a book's counts.
//!
//! Reads the corpus (`../shared/corpus`, or `TRAJET_CORPUS`).
//! Run: `cargo bench --bench catalog`.

use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trajet::catalog::sanitize::{RefTarget, sanitize_chapter};
use trajet::catalog::store::Store;
use trajet::catalog::title::Settings;
use trajet::data_dir::DataDir;
use trajet::excerpts::{ChapterKind, ChapterText, ExcerptPolicy, Limit, excerpt};

#[path = "../tests/support/external.rs"]
mod external;

/// A valid corpus book's path, or `None` when the corpus is missing (the skip is recorded).
fn corpus_path(name: &str) -> Option<PathBuf> {
    Some(external::corpus()?.join("epub/valid").join(name))
}

fn corpus_book(name: &str) -> Option<zip::ZipArchive<std::fs::File>> {
    let file = std::fs::File::open(corpus_path(name)?).expect("the corpus book is there");
    Some(zip::ZipArchive::new(file).expect("a corpus EPUB is a zip"))
}

fn entry(book: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut file = book.by_name(name).expect("the entry exists");
    file.read_to_end(&mut bytes).expect("the entry reads");
    bytes
}

/// Every reference points to resource 0: resolving is the pipeline's job, not measured here.
fn resolve(_: &str) -> RefTarget {
    RefTarget::Resource(0)
}

fn sanitize(c: &mut Criterion) {
    let mut group = c.benchmark_group("sanitize");
    let chapters = [
        ("moby-dick-epub3.epub", "OPS/chapter_032.xhtml", "prose_30k"),
        (
            "epub30-spec.epub",
            "EPUB/xhtml/epub30-references.xhtml",
            "tag_dense_27k",
        ),
    ];
    for (book, name, label) in chapters {
        let Some(mut book) = corpus_book(book) else {
            return;
        };
        let xhtml = entry(&mut book, name);
        group.throughput(Throughput::Bytes(xhtml.len() as u64));
        group.bench_function(label, |b| {
            b.iter(|| sanitize_chapter(black_box(&xhtml), &resolve).expect("sanitizes"))
        });
    }
    group.finish();
}

/// Moby-Dick's chapters as the excerpt computation sees them (~140 chapters).
fn moby_dick_counts() -> Option<Vec<ChapterText>> {
    let mut book = corpus_book("moby-dick-epub3.epub")?;
    let mut names: Vec<String> = book
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("OPS/chapter_") && n.ends_with(".xhtml"))
        .map(|n| n.into_owned())
        .collect();
    names.sort();
    let chapters = names
        .iter()
        .map(|name| {
            let sanitized = sanitize_chapter(&entry(&mut book, name), &resolve).expect("sanitizes");
            ChapterText::from_sanitized(ChapterKind::Body, &sanitized)
        })
        .collect();
    Some(chapters)
}

fn excerpts(c: &mut Criterion) {
    let Some(chapters) = moby_dick_counts() else {
        return;
    };
    let mut group = c.benchmark_group("excerpt");
    for (label, limit) in [
        ("percent_10", Limit::Percent(10)),
        ("words_20000", Limit::Words(20_000)),
        ("chapters_3", Limit::Chapters(3)),
    ] {
        let policy = ExcerptPolicy::new(limit).expect("a valid policy");
        group.bench_function(label, |b| b.iter(|| excerpt(black_box(&chapters), &policy)));
    }
    group.finish();
}

/// A whole book, upload to prepared version, as `POST /api/v1/publisher/titles`
/// does it (without putting its files in place and the one database update
/// that then makes it live).
fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    for name in [
        "moby-dick-epub3.epub",
        "guide-vins-french-reflowable.epub",
        "vertically-scrollable-manga-large.epub",
    ] {
        let Some(path) = corpus_path(name) else {
            return;
        };
        let size = std::fs::metadata(&path)
            .expect("the corpus book is there")
            .len();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::new(DataDir::open(dir.path()).expect("a data directory"));
        group.throughput(Throughput::Bytes(size));
        group.bench_function(name.trim_end_matches(".epub"), |b| {
            b.iter(|| {
                // Dropping the staged version removes its folder.
                store
                    .prepare_version(&path, "bench", Settings::default(), None, None)
                    .expect("a corpus book ingests");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ingest, sanitize, excerpts);
criterion_main!(benches);
