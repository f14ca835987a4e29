//! Every chapter of every valid corpus EPUB sanitizes without error into a
//! well-formed, inert document, and so does an excerpt cut in its middle.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::super::{RefTarget, sanitize_chapter, sanitize_stylesheet, sanitize_svg};
use super::support::{assert_safe, assert_safe_css, parse_back};

/// A book opened just enough for the test: zip entries, spine paths and media types.
struct Book {
    entries: HashMap<String, Vec<u8>>,
    names: Vec<String>,
    spine: Vec<(String, String)>,
    stylesheets: Vec<String>,
    svgs: Vec<String>,
}

fn open(path: &std::path::Path) -> Book {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entries = HashMap::new();
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        let name = file.name().unwrap().into_owned();
        names.push(name.clone());
        entries.insert(name, bytes);
    }
    let container = String::from_utf8_lossy(&entries["META-INF/container.xml"]).into_owned();
    let opf_path = attribute_values(&container, "rootfile", "full-path").remove(0);
    let opf = String::from_utf8_lossy(&entries[&opf_path]).into_owned();
    let base = opf_path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let ids = attribute_values(&opf, "item", "id");
    let hrefs = attribute_values(&opf, "item", "href");
    let types = attribute_values(&opf, "item", "media-type");
    let spine = attribute_values(&opf, "itemref", "idref")
        .into_iter()
        .filter_map(|idref| ids.iter().position(|id| *id == idref))
        .map(|i| (join(base, &percent_decode(&hrefs[i])), types[i].clone()))
        .collect();
    let stylesheets = (0..hrefs.len())
        .filter(|i| types[*i] == "text/css")
        .map(|i| join(base, &percent_decode(&hrefs[i])))
        .collect();
    let svgs = (0..hrefs.len())
        .filter(|i| types[*i] == "image/svg+xml")
        .map(|i| join(base, &percent_decode(&hrefs[i])))
        .collect();
    Book {
        entries,
        names,
        spine,
        stylesheets,
        svgs,
    }
}

/// Values of one attribute on every element with that local name (prefixes ignored).
fn attribute_values(xml: &str, element: &str, attr: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml.trim_start_matches('\u{feff}'));
    let mut values = Vec::new();
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == element.as_bytes() => {
                let value = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == attr.as_bytes());
                values.extend(value.map(|a| a.unescape_value().unwrap().into_owned()));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    values
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Joins a relative reference to a directory, resolving `.` and `..`.
fn join(dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

/// The dumb resolver: in-book paths to spine indexes or zip entry indexes.
fn resolve(book: &Book, chapter: &str, raw: &str) -> RefTarget {
    let (path, fragment) = match raw.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment.to_string())),
        None => (raw, None),
    };
    let dir = chapter.rsplit_once('/').map_or("", |(dir, _)| dir);
    let target = if path.is_empty() {
        chapter.to_string()
    } else {
        join(dir, &percent_decode(path))
    };
    if let Some(index) = book.spine.iter().position(|(p, _)| *p == target) {
        return RefTarget::Chapter { index, fragment };
    }
    match book.names.iter().position(|n| *n == target) {
        Some(id) => RefTarget::Resource(id),
        None => RefTarget::Drop,
    }
}

fn valid_books() -> Vec<PathBuf> {
    let Some(dir) = crate::external::corpus() else {
        return Vec::new();
    };
    let entries = std::fs::read_dir(dir.join("epub/valid")).unwrap().flatten();
    let mut files: Vec<_> = entries.map(|e| e.path()).collect();
    files.sort();
    files
}

#[test]
fn every_corpus_stylesheet_keeps_its_rules_and_loses_nothing_but_hazards() {
    let (mut sheets, mut rules_in, mut rules_out) = (0, 0, 0);
    for file in valid_books() {
        let book = open(&file);
        for path in &book.stylesheets {
            let Some(source) = book.entries.get(path) else {
                continue;
            };
            let source = String::from_utf8_lossy(source);
            let css = sanitize_stylesheet(&source, &|raw| resolve(&book, path, raw));
            assert_safe_css(&css.text);
            assert!(!css.text.contains('<') && !css.text.contains('&'), "{path}");
            sheets += 1;
            rules_in += source.matches('{').count();
            rules_out += css.text.matches('{').count();
        }
    }
    eprintln!("sanitized {sheets} stylesheets: {rules_out} of {rules_in} blocks kept");
    assert!(
        sheets == 0 || rules_out * 100 >= rules_in * 99,
        "publisher CSS should survive nearly whole"
    );
}

#[test]
fn every_corpus_svg_image_stays_an_inert_well_formed_svg() {
    let mut images = 0;
    for file in valid_books() {
        let book = open(&file);
        for path in &book.svgs {
            let Some(source) = book.entries.get(path) else {
                continue;
            };
            let svg = sanitize_svg(source, &|raw| resolve(&book, path, raw))
                .unwrap_or_else(|e| panic!("{}: {path}: {e}", file.display()));
            let parsed = parse_back(&svg.text);
            assert_safe(&parsed);
            assert!(parsed.has_element("svg"));
            images += 1;
        }
    }
    eprintln!("sanitized {images} SVG images");
}

#[test]
fn every_corpus_chapter_sanitizes_into_a_well_formed_inert_document() {
    let Some(dir) = crate::external::corpus() else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(dir.join("epub/valid"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut near_30kb = Vec::new();
    let (mut chapters, mut bytes, mut spent) = (0usize, 0usize, Duration::ZERO);
    for file in files {
        let book = open(&file);
        let mut words = 0;
        for (path, media_type) in &book.spine {
            if !matches!(
                media_type.as_str(),
                "application/xhtml+xml" | "image/svg+xml"
            ) {
                continue;
            }
            let source = &book.entries[path];
            let started = Instant::now();
            let chapter = sanitize_chapter(source, &|raw| resolve(&book, path, raw))
                .unwrap_or_else(|e| panic!("{}: {path}: {e}", file.display()));
            let full = chapter.render_full();
            spent += started.elapsed();
            if (20_000..40_000).contains(&source.len()) {
                near_30kb.push(started.elapsed());
            }
            chapters += 1;
            assert!(
                chapter.parsed_as_xml(),
                "{}: {path} fell back to the HTML parser",
                file.display()
            );
            bytes += source.len();
            words += chapter.words();
            if let Some(dump) = std::env::var_os("SANITIZE_DUMP") {
                let name = format!(
                    "{}--{}",
                    file.file_name().unwrap().to_string_lossy(),
                    path.replace('/', "_")
                );
                std::fs::write(PathBuf::from(dump).join(name), &full).unwrap();
            }
            let parsed = parse_back(&full);
            assert_safe(&parsed);
            if chapter.blocks().len() > 1 {
                assert_safe(&parse_back(
                    &chapter.render_until(chapter.blocks().len() / 2),
                ));
            }
        }
        eprintln!(
            "{}: {} spine items, {words} words",
            file.file_name().unwrap().to_string_lossy(),
            book.spine.len()
        );
    }
    near_30kb.sort();
    if let Some(median) = near_30kb.get(near_30kb.len() / 2) {
        eprintln!(
            "median of {} chapters of 20-40 KB: {median:?} each",
            near_30kb.len()
        );
    }
    let per_30kb = spent.as_secs_f64() * 1000.0 * 30_000.0 / bytes.max(1) as f64;
    eprintln!(
        "sanitized {chapters} chapters, {bytes} bytes in {spent:?}: {per_30kb:.2} ms per 30 KB (parse, clean, render)"
    );
    assert!(
        chapters > 100,
        "the corpus should hold well over 100 chapters, saw {chapters}"
    );
}
