//! A hostile EPUB, made here byte by byte: scripts, event handlers,
//! `javascript:` links, remote images, styles, frames and forms in chapters.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Every way a chapter could try to run code or reach another host.
const HOSTILE_BODY: &str = r#"<h1 onclick="parent.hacked = 'onclick'">Chapter NUMBER</h1>
<script>parent.hacked = 'script'; alert('script');</script>
<p>Before the image <img src="http://tracker.example/pixel.png" alt="remote"/> and
<img src="missing.png" onerror="parent.hacked = 'onerror'; alert('onerror')" alt="broken"/>.</p>
<p><a id="js-link" href="javascript:parent.hacked = 'javascript-url'">A javascript link</a>
and <a href="http://tracker.example/leave">a remote link</a>.</p>
<p style="background-image: url(http://tracker.example/bg.png)">Styled paragraph.</p>
<iframe src="http://tracker.example/frame.html"></iframe>
<object data="http://tracker.example/movie.swf"></object>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>parent.hacked = 'svg'</script>
<image href="http://tracker.example/svg.png" width="10" height="10"/></svg>
<form action="http://tracker.example/collect"><input name="q"/><button>Send</button></form>
<meta http-equiv="refresh" content="0; url=http://tracker.example/"/>
"#;

const FILLER: &str = "<p>The train ran on through the valley while the passenger read on, page after page, \
the words of a book that tried everything it could to escape its frame and found no door open.</p>\n";

fn chapter(n: usize) -> String {
    let body = HOSTILE_BODY.replace("NUMBER", &n.to_string());
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">
<head><title>Chapter {n}</title>
<link rel="stylesheet" href="http://tracker.example/remote.css"/>
<link rel="stylesheet" href="style.css"/>
<script src="http://tracker.example/evil.js"></script>
<style>@import url(http://tracker.example/import.css); body {{ background: url(http://tracker.example/body.png); }}</style>
</head>
<body onload="parent.hacked = 'onload'; alert('onload')">
{body}{filler}</body></html>"#,
        filler = FILLER.repeat(40)
    )
}

/// The hostile book: three chapters, a nav document, a stylesheet with a remote font.
pub fn hostile_epub() -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/epub+zip").unwrap();
    let container = r#"<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"#;
    let opf = r#"<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="uid">urn:uuid:6a1f0d2e-hostile-book</dc:identifier>
<dc:title>The Hostile Book</dc:title><dc:creator>Mallory</dc:creator><dc:language>en</dc:language>
<dc:description>&lt;script&gt;alert('description')&lt;/script&gt; A book that tries to escape.</dc:description>
<meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>
</metadata>
<manifest>
<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="css" href="style.css" media-type="text/css"/>
<item id="c1" href="c1.xhtml" media-type="application/xhtml+xml" properties="scripted"/>
<item id="c2" href="c2.xhtml" media-type="application/xhtml+xml" properties="scripted"/>
<item id="c3" href="c3.xhtml" media-type="application/xhtml+xml" properties="scripted"/>
</manifest>
<spine><itemref idref="c1"/><itemref idref="c2"/><itemref idref="c3"/></spine>
</package>"#;
    let nav = r#"<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head>
<body><nav epub:type="toc"><ol>
<li><a href="c1.xhtml">Chapter 1</a></li><li><a href="c2.xhtml">Chapter 2</a></li><li><a href="c3.xhtml">Chapter 3</a></li>
</ol></nav></body></html>"#;
    let css = "@font-face { font-family: Evil; src: url(http://tracker.example/font.woff2); }\n\
               body { font-family: Evil, serif; background: url(http://tracker.example/css-bg.png); }\n";
    let mut put = |name: &str, text: &str| {
        zip.start_file(name, deflated).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    put("META-INF/container.xml", container);
    put("OEBPS/content.opf", opf);
    put("OEBPS/nav.xhtml", nav);
    put("OEBPS/style.css", css);
    for n in 1..=3 {
        put(&format!("OEBPS/c{n}.xhtml"), &chapter(n));
    }
    zip.finish().unwrap().into_inner()
}
