//! EPUBs made in tests: a book with a marker string in every chapter and an
//! image used only by a late chapter, to prove nothing beyond the excerpt leaks.

use std::path::Path;

/// The marker placed in chapter `n` (1-based).
pub fn marker(n: usize) -> String {
    format!("MARKER-CHAPTER-{n:02}-XYZZY")
}

/// Writes an EPUB 3 with `chapters` chapters to `path`; chapter 5 (if any)
/// uses `late.png`, which no earlier chapter uses.
pub fn write_marker_book(dir: &Path, chapters: usize) -> std::path::PathBuf {
    write_marker_book_with(dir, chapters, "")
}

/// [`write_marker_book`] with `metadata` (OPF `<meta>` elements) added to its package.
pub fn write_marker_book_with(dir: &Path, chapters: usize, metadata: &str) -> std::path::PathBuf {
    let src = dir.join("marker-book-src");
    let oebps = skeleton(&src);
    let mut manifest = String::new();
    let mut spine = String::new();
    let mut nav = String::new();
    for n in 1..=chapters {
        let image = if n == 5 {
            r#"<p><img src="late.png" alt="a late picture"/></p>"#
        } else {
            ""
        };
        let paragraphs: String = (0..40)
            .map(|i| format!("<p>Paragraph {i} of chapter {n}: the train runs along the river while the passenger reads on, page after page, {}.</p>", marker(n)))
            .collect();
        let xhtml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"><head><title>Chapter {n}</title><link rel="stylesheet" href="style.css"/></head><body><section><h1 id="c{n}">Chapter {n}</h1>{image}{paragraphs}</section></body></html>"#
        );
        std::fs::write(oebps.join(format!("c{n}.xhtml")), xhtml).unwrap();
        manifest.push_str(&format!(
            r#"<item id="c{n}" href="c{n}.xhtml" media-type="application/xhtml+xml"/>"#
        ));
        spine.push_str(&format!(r#"<itemref idref="c{n}"/>"#));
        nav.push_str(&format!(
            r##"<li><a href="c{n}.xhtml#c{n}">Chapter {n}</a></li>"##
        ));
    }
    std::fs::write(oebps.join("style.css"), "p { text-indent: 1em; }").unwrap();
    std::fs::write(oebps.join("late.png"), tiny_png()).unwrap();
    std::fs::write(
        oebps.join("nav.xhtml"),
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body><nav epub:type="toc"><ol>{nav}</ol></nav></body></html>"#),
    )
    .unwrap();
    std::fs::write(
        oebps.join("content.opf"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="uid">urn:uuid:0b5c1d3e-1111-4222-8333-944455556666</dc:identifier><dc:title>The Marker Book</dc:title><dc:creator>Test Author</dc:creator><dc:language>en</dc:language><dc:description>A book whose every chapter carries a marker.</dc:description><meta property="dcterms:modified">2026-11-28T00:00:00Z</meta>{metadata}</metadata><manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/><item id="css" href="style.css" media-type="text/css"/><item id="late" href="late.png" media-type="image/png"/>{manifest}</manifest><spine>{spine}</spine></package>"#
        ),
    )
    .unwrap();
    pack(&src, &dir.join("marker-book.epub"))
}

/// The alternative text of page `n`'s picture (1-based): in the served page, never counted as words.
pub fn page_marker(n: usize) -> String {
    format!("MARKER-PAGE-{n:02}-XYZZY")
}

/// The picture of page `n`: a PNG of its own colour, so served bytes name their page.
pub fn page_picture(n: usize) -> Vec<u8> {
    png([n as u8 * 10, 90, 160])
}

/// Writes a picture book of `pages` pages (one picture each, no text), fixed
/// layout when `fixed`, else reflowable pages of pictures, with a note at the back.
pub fn write_picture_book(dir: &Path, pages: usize, fixed: bool) -> std::path::PathBuf {
    let src = dir.join(format!("picture-book-{fixed}"));
    let oebps = skeleton(&src);
    let (mut manifest, mut spine) = (String::new(), String::new());
    let viewport = if fixed {
        r#"<meta name="viewport" content="width=600, height=800"/>"#
    } else {
        ""
    };
    for n in 1..=pages {
        let xhtml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Page {n}</title>{viewport}</head><body epub:type="bodymatter"><img src="p{n}.png" alt="{}"/></body></html>"#,
            page_marker(n)
        );
        std::fs::write(oebps.join(format!("p{n}.xhtml")), xhtml).unwrap();
        std::fs::write(oebps.join(format!("p{n}.png")), page_picture(n)).unwrap();
        manifest.push_str(&format!(
            r#"<item id="p{n}" href="p{n}.xhtml" media-type="application/xhtml+xml"/><item id="i{n}" href="p{n}.png" media-type="image/png"/>"#
        ));
        spine.push_str(&format!(r#"<itemref idref="p{n}"/>"#));
    }
    std::fs::write(
        oebps.join("about.xhtml"),
        r#"<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>About</title></head><body epub:type="backmatter"><p>About this book: MARKER-ABOUT-XYZZY.</p></body></html>"#,
    )
    .unwrap();
    std::fs::write(
        oebps.join("nav.xhtml"),
        r#"<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body><nav epub:type="toc"><ol><li><a href="p1.xhtml">The story</a></li><li><a href="about.xhtml">About</a></li></ol></nav></body></html>"#,
    )
    .unwrap();
    let layout = if fixed {
        r#"<meta property="rendition:layout">pre-paginated</meta>"#
    } else {
        ""
    };
    std::fs::write(
        oebps.join("content.opf"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" prefix="rendition: http://www.idpf.org/vocab/rendition/#"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="uid">urn:uuid:0b5c1d3e-2222-4222-8333-944455556666</dc:identifier><dc:title>The Picture Book</dc:title><dc:creator>Test Artist</dc:creator><dc:language>en</dc:language><meta property="dcterms:modified">2026-11-28T00:00:00Z</meta>{layout}</metadata><manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>{manifest}<item id="about" href="about.xhtml" media-type="application/xhtml+xml"/></manifest><spine>{spine}<itemref idref="about"/></spine></package>"#
        ),
    )
    .unwrap();
    pack(&src, &dir.join(format!("picture-book-{fixed}.epub")))
}

/// Packs the folder `src` as an EPUB at `path`.
fn pack(src: &Path, path: &Path) -> std::path::PathBuf {
    let bytes = trajet::catalog_sample::pack_book(src).unwrap();
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// A 4×4 red PNG.
pub fn tiny_png() -> Vec<u8> {
    png([200, 30, 30])
}

fn png(colour: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let img = image::RgbImage::from_pixel(4, 4, image::Rgb(colour));
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A file of a book made by [`write_book`]: where it sits next to the
/// package, the media type its manifest declares, and its bytes.
pub struct Item {
    pub href: &'static str,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    /// Read in order as a chapter (else a resource the chapters may use).
    pub spine: bool,
}

impl Item {
    /// A chapter: XHTML in the spine.
    pub fn chapter(href: &'static str, bytes: impl Into<Vec<u8>>) -> Item {
        Item {
            href,
            media_type: "application/xhtml+xml",
            bytes: bytes.into(),
            spine: true,
        }
    }

    /// A resource declared with `media_type`, whatever its bytes are.
    pub fn resource(
        href: &'static str,
        media_type: &'static str,
        bytes: impl Into<Vec<u8>>,
    ) -> Item {
        Item {
            href,
            media_type,
            bytes: bytes.into(),
            spine: false,
        }
    }
}

/// Writes an EPUB 3 titled `title` holding `items` exactly as given (the
/// package declares what each item says it is), with a navigation document
/// pointing at the first chapter; returns its path.
pub fn write_book(dir: &Path, title: &str, items: &[Item]) -> std::path::PathBuf {
    let src = tempfile::tempdir_in(dir).unwrap().keep();
    let oebps = skeleton(&src);
    let (mut manifest, mut spine) = (String::new(), String::new());
    for (n, item) in items.iter().enumerate() {
        std::fs::write(oebps.join(item.href), &item.bytes).unwrap();
        manifest.push_str(&format!(
            r#"<item id="i{n}" href="{}" media-type="{}"/>"#,
            item.href, item.media_type
        ));
        if item.spine {
            spine.push_str(&format!(r#"<itemref idref="i{n}"/>"#));
        }
    }
    let first = items
        .iter()
        .find(|i| i.spine)
        .expect("a book has a chapter");
    std::fs::write(
        oebps.join("nav.xhtml"),
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body><nav epub:type="toc"><ol><li><a href="{}">Start</a></li></ol></nav></body></html>"#, first.href),
    )
    .unwrap();
    std::fs::write(
        oebps.join("content.opf"),
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="uid">urn:uuid:0b5c1d3e-3333-4222-8333-944455556666</dc:identifier><dc:title>{title}</dc:title><dc:creator>Test Author</dc:creator><dc:language>fr</dc:language><meta property="dcterms:modified">2026-11-28T00:00:00Z</meta></metadata><manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>{manifest}</manifest><spine>{spine}</spine></package>"#
        ),
    )
    .unwrap();
    pack(&src, &src.with_extension("epub"))
}

/// The folders, `mimetype` and container of a book written at `src`; returns
/// the folder of its package (`OEBPS`).
fn skeleton(src: &Path) -> std::path::PathBuf {
    let oebps = src.join("OEBPS");
    std::fs::create_dir_all(src.join("META-INF")).unwrap();
    std::fs::create_dir_all(&oebps).unwrap();
    std::fs::write(src.join("mimetype"), "application/epub+zip").unwrap();
    std::fs::write(
        src.join("META-INF/container.xml"),
        r#"<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#,
    )
    .unwrap();
    oebps
}
