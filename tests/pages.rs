//! The web pages and their assets are served compressed as the browser
//! accepts (prepared once at start, never per request), byte for byte the
//! files of `static/` (the reader page carries its modules, joined, and its
//! stylesheet), and a passenger's first visit stays under the weight SPEC §1
//! allows (150 KB of HTML, CSS and JS, compressed).

mod support;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{TestApp, body_bytes, send};

fn static_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))
}

/// Answers the body as sent and its `Content-Encoding`.
async fn fetch(app: &TestApp, path: &str, accept: Option<&str>) -> (Vec<u8>, String, String) {
    let mut request = Request::get(path);
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    let response = send(&app.router, request.body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (encoding, vary) = (header("content-encoding"), header("vary"));
    (body_bytes(response).await, encoding, vary)
}

fn decode(bytes: &[u8], encoding: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "br" => brotli::BrotliDecompress(&mut &bytes[..], &mut out).unwrap(),
        "gzip" => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        "" => out = bytes.to_vec(),
        other => panic!("unexpected encoding {other}"),
    }
    out
}

#[tokio::test]
async fn pages_and_assets_come_compressed_as_the_browser_accepts_and_unchanged() {
    let app = TestApp::new(None).await;
    for (path, file) in [
        ("/", "index.html"),
        ("/publisher", "publisher.html"),
        ("/operator", "operator.html"),
        ("/static/console/console.js", "console/console.js"),
        ("/sw.js", "sw.js"),
        ("/static/reader/app.js", "reader/app.js"),
        ("/static/reader/reader.css", "reader/reader.css"),
    ] {
        let original = std::fs::read(static_dir().join(file)).unwrap();
        for (accept, expected) in [
            (Some("gzip, deflate, br"), "br"),
            (Some("gzip"), "gzip"),
            (None, ""),
        ] {
            let (body, encoding, vary) = fetch(&app, path, accept).await;
            assert_eq!(encoding, expected, "{path} with {accept:?}");
            assert_eq!(decode(&body, &encoding), original, "{path} in {encoding:?}");
            if !expected.is_empty() {
                assert!(
                    body.len() < original.len(),
                    "{path} is smaller in {encoding}"
                );
                assert!(
                    vary.to_ascii_lowercase().contains("accept-encoding"),
                    "{path}: caches must keep the encodings apart: {vary:?}"
                );
            }
        }
    }
}

/// The modules `app.js` imports, transitively (`import … from "./x.js"`).
fn reader_modules() -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut work = vec!["reader/app.js".to_string()];
    while let Some(module) = work.pop() {
        if !seen.insert(module.clone()) {
            continue;
        }
        let source = std::fs::read_to_string(static_dir().join(&module)).unwrap();
        let folder = Path::new(&module).parent().unwrap();
        for line in source.lines().filter(|l| l.starts_with("import ")) {
            let Some(target) = line.split('"').nth(1) else {
                continue;
            };
            // "../common.js" from "reader/": the path the server knows, without "..".
            let mut joined = folder.to_path_buf();
            for part in Path::new(target).components() {
                match part {
                    std::path::Component::ParentDir => {
                        joined.pop();
                    }
                    std::path::Component::Normal(name) => joined.push(name),
                    _ => {}
                }
            }
            work.push(joined.to_string_lossy().into_owned());
        }
    }
    seen
}

/// What the served reader page loads from `/static/`: stylesheet, icon, scripts.
fn static_links(page: &str) -> Vec<String> {
    page.split("\"/static/")
        .skip(1)
        .map(|rest| format!("/static/{}", rest.split('"').next().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_passengers_first_visit_weighs_under_150_kb_compressed() {
    let app = TestApp::new(None).await;
    let (page, encoding, _) = fetch(&app, "/read", Some("gzip, br")).await;
    let mut total = page.len();
    let page = String::from_utf8(decode(&page, &encoding)).unwrap();
    let mut paths = static_links(&page);
    paths.sort();
    paths.dedup();
    for path in &paths {
        let (body, _, _) = fetch(&app, path, Some("gzip, br")).await;
        total += body.len();
    }
    assert!(
        total < 150_000,
        "first visit: {total} bytes compressed over {paths:?}"
    );
}

/// On HTTP/1.1 a phone opens six connections at most, each a round trip to
/// open: 19 modules took four round trips even all preloaded, and one joined
/// file still one more (and a connection). The served reader page carries
/// every module `app.js` imports, joined in one script element, its
/// stylesheet and its icon: the page loads no script, stylesheet or icon of
/// its own (the icon took a connection just as the passenger tapped a book).
#[tokio::test]
async fn the_served_reader_page_carries_its_modules_stylesheet_and_icon() {
    let app = TestApp::new(None).await;
    let (page, _, _) = fetch(&app, "/read", None).await;
    let page = String::from_utf8(page).unwrap();
    let loaded: Vec<String> = static_links(&page)
        .into_iter()
        .filter(|link| [".js", ".css", ".svg"].iter().any(|e| link.ends_with(e)))
        .collect();
    assert!(loaded.is_empty(), "the page still loads {loaded:?}");
    let icon = std::fs::read(static_dir().join("reader/icon.svg")).unwrap();
    let icon = format!(
        "<link rel=\"icon\" href=\"data:image/svg+xml;base64,{}\"",
        data_encoding::BASE64.encode(&icon)
    );
    assert!(page.contains(&icon), "{page}");
    let css = std::fs::read_to_string(static_dir().join("reader/reader.css")).unwrap();
    assert!(page.contains(&format!("<style>\n{css}</style>")), "{page}");
    let open = "<script type=\"module\">";
    let start = page.find(open).expect("an inline module script") + open.len();
    let source = &page[start..];
    let source = &source[..source.find("</script>").expect("the script ends")];
    // The page's policy lets exactly these run, by their hashes; nothing else inline.
    let response = send(
        &app.router,
        Request::get("/read").body(Body::empty()).unwrap(),
    )
    .await;
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    let hash = |text: &str| {
        use sha2::Digest;
        format!(
            "'sha256-{}'",
            data_encoding::BASE64.encode(&sha2::Sha256::digest(text))
        )
    };
    assert!(
        policy.contains(&format!("script-src 'self' {}", hash(source))),
        "{policy}"
    );
    assert!(
        policy.contains(&format!("style-src 'self' {}", hash(&format!("\n{css}")))),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    for module in reader_modules() {
        let original = std::fs::read_to_string(static_dir().join(&module)).unwrap();
        // A line of the module's own code (imports and exports are rewritten).
        let code = original
            .lines()
            .find(|l| !l.is_empty() && !["//", "import", "export"].iter().any(|p| l.starts_with(p)))
            .unwrap();
        assert!(
            source.contains(&format!("// {module}\n")) && source.contains(code),
            "{module} is not in the page"
        );
    }
}

/// On a slow network each level of imports costs a round trip: the reader
/// page names every module it needs, so the browser asks for all at once
/// (and the service worker keeps the same list for tunnels).
#[test]
fn the_reader_page_preloads_every_module_it_imports() {
    let page = std::fs::read_to_string(static_dir().join("read.html")).unwrap();
    let missing: Vec<String> = reader_modules()
        .into_iter()
        .filter(|m| {
            !page.contains(&format!(
                "<link rel=\"modulepreload\" href=\"/static/{m}\">"
            ))
        })
        .collect();
    assert!(missing.is_empty(), "read.html does not preload {missing:?}");
}
