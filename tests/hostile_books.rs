//! What a book's files become when served: trajet decides each resource's
//! media type from what it is, never from what the EPUB declares.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use serde_json::Value;
use support::books::{Item, tiny_png, write_book};
use support::{TestApp, body_bytes, body_json, send};
use trajet::accounts::Role;

/// A new publisher's API key.
async fn publisher_key(app: &TestApp) -> String {
    let (_, key) = app
        .state
        .accounts
        .create_with_key(Role::Publisher, "Éditions H")
        .await
        .unwrap();
    key
}

/// Sends `book` to the publisher API with `key` (`GET` of the titles when `book` is `None`).
async fn publisher_call(app: &TestApp, key: &str, book: Option<&std::path::Path>) -> Response {
    let request = Request::builder()
        .uri("/api/v1/publisher/titles?percent=100")
        .header("authorization", format!("Bearer {key}"));
    let request = match book {
        Some(book) => request
            .method("POST")
            .header("content-type", "application/epub+zip")
            .body(Body::from(std::fs::read(book).unwrap())),
        None => request.body(Body::empty()),
    };
    send(&app.router, request.unwrap()).await
}

/// Uploads `book` through the publisher API, whole book offered; returns the title id.
async fn upload(app: &TestApp, book: &std::path::Path) -> String {
    let response = publisher_call(app, &publisher_key(app).await, Some(book)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    body_json(response).await["id"].as_str().unwrap().to_owned()
}

const SCRIPT: &str = "<html><body><script>alert(document.cookie)</script></body></html>";

#[tokio::test]
async fn every_resource_is_served_with_a_type_trajet_chose_not_the_one_declared() {
    let app = TestApp::new(None).await;
    let woff2 = [b"wOF2\0\x01\0\0".as_slice(), &[7u8; 64]].concat();
    let chapter = r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Un</title><link rel="stylesheet" href="style.css"/></head><body><p>Texte du chapitre.</p><p><img src="picture.jpg" alt="a picture"/><img src="drawing.svg" alt="a drawing"/></p></body></html>"#;
    let css = "@font-face { font-family: A; src: url(a.woff) }\n\
               @font-face { font-family: B; src: url(b.ttf) }\n\
               @font-face { font-family: C; src: url(c.woff2) }\n\
               p { font-family: A, B, C }";
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script><rect width="4" height="4"/></svg>"#;
    let book = write_book(
        app.dir.path(),
        "Polices piégées",
        &[
            Item::chapter("one.xhtml", chapter),
            Item::resource("style.css", "text/css", css),
            Item::resource("a.woff", "text/html", SCRIPT),
            Item::resource("b.ttf", "application/javascript", "alert(document.cookie)"),
            Item::resource("c.woff2", "font/woff2", woff2),
            // A PNG declared as JPEG, and an SVG declared as a page.
            Item::resource("picture.jpg", "image/jpeg", tiny_png()),
            Item::resource("drawing.svg", "image/svg+xml", svg),
        ],
    );
    let title = upload(&app, &book).await;
    let trip = app.create_trip("TER 17", -5, 60).await;
    let cookie = app.passenger(&trip, 4).await;

    let manifest = body_json(
        app.get_with(&format!("/api/v1/titles/{title}/manifest"), &cookie)
            .await,
    )
    .await;
    let listed = manifest["resources"].as_array().unwrap();
    let mut served = Vec::new();
    for resource in listed {
        let href = resource["href"].as_str().unwrap();
        let response = app
            .get_with(&format!("/api/v1/titles/{title}/{href}"), &cookie)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{href}");
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
        assert_eq!(
            resource["type"],
            Value::from(content_type.clone()),
            "{href}"
        );
        let body = body_bytes(response).await;
        if body.windows(7).any(|w| w == b"<script" || w == b"alert(d") {
            assert_eq!(content_type, "application/octet-stream", "{href}");
        }
        served.push(content_type);
    }
    served.sort();
    assert_eq!(
        served,
        [
            "application/octet-stream", // a.woff, really a page with a script
            "application/octet-stream", // b.ttf, really a script
            "font/woff2",
            "image/png",
            "image/svg+xml",
            "text/css",
        ]
    );
}

/// A chapter whose text is `text`, opened by `prolog` (an XML declaration,
/// or the start of an HTML head declaring a charset).
fn chapter_text(prolog: &str, text: &str) -> String {
    format!(
        r#"{prolog}<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapitre</title></head><body><p>{text}</p></body></html>"#
    )
}

/// `text` in `encoding`, with its byte-order mark when `bom` is given.
fn encoded(encoding: &'static Encoding, text: &str, bom: &[u8]) -> Vec<u8> {
    let bytes: Vec<u8> = if encoding == UTF_16LE {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    } else if encoding == UTF_16BE {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    } else {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{} cannot hold {text}", encoding.name());
        bytes.into_owned()
    };
    [bom, &bytes].concat()
}

#[tokio::test]
async fn chapters_in_legacy_encodings_reach_the_reader_with_their_accents() {
    let app = TestApp::new(None).await;
    let latin1 = "Un café crème à l'été, « déjà » naïf.";
    let cp1252 = "Cœur d’œuvre : 5 € — « déjà » l’été.";
    let utf16 = "Où êtes-vous ? Ça va, Noël.";
    let chapters = [
        (
            "latin1.xhtml",
            latin1,
            encoded(
                WINDOWS_1252,
                &chapter_text(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, latin1),
                b"",
            ),
        ),
        (
            "cp1252.xhtml",
            cp1252,
            encoded(
                WINDOWS_1252,
                &chapter_text(r#"<?xml version="1.0" encoding="windows-1252"?>"#, cp1252),
                b"",
            ),
        ),
        (
            "meta.xhtml",
            latin1,
            // No XML declaration; the charset is in a (not self-closed) meta tag.
            encoded(
                WINDOWS_1252,
                &format!(
                    r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><title>Méta</title></head><body><p>{latin1}</p></body></html>"#
                ),
                b"",
            ),
        ),
        (
            "utf16le.xhtml",
            utf16,
            encoded(
                UTF_16LE,
                &chapter_text(r#"<?xml version="1.0" encoding="UTF-16"?>"#, utf16),
                &[0xFF, 0xFE],
            ),
        ),
        (
            "utf16be.xhtml",
            utf16,
            encoded(
                UTF_16BE,
                &chapter_text(r#"<?xml version="1.0" encoding="UTF-16"?>"#, utf16),
                &[0xFE, 0xFF],
            ),
        ),
    ];
    let items: Vec<Item> = chapters
        .iter()
        .map(|(href, _, bytes)| Item::chapter(href, bytes.clone()))
        .collect();
    let book = write_book(app.dir.path(), "Vieilles pages", &items);
    let title = upload(&app, &book).await;
    let trip = app.create_trip("TER 18", -5, 60).await;
    let cookie = app.passenger(&trip, 5).await;
    for (n, (href, text, _)) in chapters.iter().enumerate() {
        let response = app
            .get_with(&format!("/api/v1/titles/{title}/chapters/{n}"), &cookie)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{href}");
        let served = String::from_utf8(body_bytes(response).await).expect("served as UTF-8");
        assert!(served.contains(text), "{href}: {text} not in {served}");
        assert!(!served.contains('\u{FFFD}'), "{href}: {served}");
    }
}

#[tokio::test]
async fn a_chapter_in_an_encoding_trajet_does_not_know_is_refused_and_nothing_is_stored() {
    let app = TestApp::new(None).await;
    let key = publisher_key(&app).await;
    let chapter = encoded(
        WINDOWS_1252,
        &chapter_text(
            r#"<?xml version="1.0" encoding="x-klingon-8"?>"#,
            "Qapla’ café",
        ),
        b"",
    );
    let book = write_book(
        app.dir.path(),
        "Inconnu",
        &[Item::chapter("one.xhtml", chapter)],
    );
    let response = publisher_call(&app, &key, Some(&book)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let problem = body_json(response).await;
    assert_eq!(problem["code"], "epub-charset-unknown");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("one.xhtml") && detail.contains("x-klingon-8"),
        "the detail names the file and its encoding: {detail}"
    );
    let titles = body_json(publisher_call(&app, &key, None).await).await;
    assert_eq!(titles["titles"], serde_json::json!([]), "{titles}");
}
