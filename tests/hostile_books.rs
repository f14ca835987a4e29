//! What a book's files become when served: trajet decides each resource's
//! media type from what it is, never from what the EPUB declares.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use support::books::{Item, tiny_png, write_book};
use support::{TestApp, body_bytes, body_json, send};
use trajet::accounts::Role;

/// Uploads `book` through the publisher API, whole book offered; returns the title id.
async fn upload(app: &TestApp, book: &std::path::Path) -> String {
    let (_, key) = app
        .state
        .accounts
        .create_with_key(Role::Publisher, "Éditions H")
        .await
        .unwrap();
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/publisher/titles?percent=100")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/epub+zip")
        .body(Body::from(std::fs::read(book).unwrap()))
        .unwrap();
    let response = send(&app.router, request).await;
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
