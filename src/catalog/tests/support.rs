//! Test helpers: the corpus books, and zips built in memory.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// The EPUB files of a corpus folder (`valid` or `invalid`), sorted; none
/// when the corpus is missing (the skip is recorded).
pub fn epubs(kind: &str) -> Vec<PathBuf> {
    let Some(dir) = crate::external::corpus() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("epub").join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "epub"))
        .collect();
    files.sort();
    files
}

/// A zip with a stored `mimetype` first and the given entries deflated.
pub fn epub_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/epub+zip").unwrap();
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, deflated).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A minimal EPUB 3 whose single chapter (and extra entries) are given.
pub fn minimal_epub(chapter: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let container = br#"<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#;
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("META-INF/container.xml", container),
        ("EPUB/package.opf", OPF.as_bytes()),
        ("EPUB/nav.xhtml", NAV.as_bytes()),
        ("EPUB/c1.xhtml", chapter.as_bytes()),
    ];
    entries.extend_from_slice(extra);
    epub_zip(&entries)
}

/// The package document of `minimal_epub`: one chapter, a picture, a stylesheet.
pub const OPF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="fr">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:identifier id="uid">urn:uuid:0b1e2c3d-0000-4000-8000-000000000001</dc:identifier>
  <dc:title>Le train de nuit</dc:title>
  <dc:creator>Anne Rail</dc:creator>
  <dc:language>fr</dc:language>
  <meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>
</metadata>
<manifest>
  <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
  <item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>
  <item id="pic" href="pic.png" media-type="image/png"/>
  <item id="css" href="style.css" media-type="text/css"/>
</manifest>
<spine><itemref idref="c1"/></spine>
</package>"#;

const NAV: &str = r#"<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Nav</title></head><body><nav epub:type="toc"><ol><li><a href="c1.xhtml">Départ</a></li></ol></nav></body></html>"#;

/// Every file below `dir` with its bytes: equal snapshots mean byte-identical trees.
pub fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(dir) = work.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                work.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Rewrites the declared (uncompressed) size of an entry in its local and central headers.
pub fn patch_declared_size(zip: &[u8], name: &str, size: u32) -> Vec<u8> {
    let mut out = zip.to_vec();
    let patch = |out: &mut Vec<u8>, signature: &[u8], name_at: usize, size_at: usize| {
        let mut at = 0;
        while let Some(found) = out[at..].windows(4).position(|w| w == signature) {
            let start = at + found;
            if out[start + name_at..].starts_with(name.as_bytes()) {
                out[start + size_at..start + size_at + 4].copy_from_slice(&size.to_le_bytes());
            }
            at = start + 4;
        }
    };
    patch(&mut out, b"PK\x03\x04", 30, 22);
    patch(&mut out, b"PK\x01\x02", 46, 24);
    out
}

/// The same zip with one entry's content replaced (entries rewritten in order).
pub fn replace_entry(zip: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        let entry_name = file.name().unwrap().to_string();
        let bytes = if entry_name == name {
            content.to_vec()
        } else {
            bytes
        };
        if entry_name != "mimetype" {
            entries.push((entry_name, bytes));
        }
    }
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    epub_zip(&refs)
}

/// A real PNG whose header announces other dimensions (a decompression bomb's header).
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let image = image::DynamicImage::new_rgb8(1, 1);
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    bytes
}
