//! Publisher routes the web console relies on beyond SPEC §3: the cover of a
//! publisher's own title, with the console's cookie as well as with the key.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use support::books::write_marker_book;
use support::schemas::openapi_schema;
use support::{TestApp, body_bytes, body_json, send};
use trajet::accounts::Role;

async fn publisher(app: &TestApp, name: &str) -> String {
    let (_, key) = app
        .state
        .accounts
        .create_with_key(Role::Publisher, name)
        .await
        .unwrap();
    key
}

fn with_key(
    method: &str,
    uri: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

async fn upload(app: &TestApp, key: &str, epub: Vec<u8>) -> Value {
    let response = send(
        &app.router,
        with_key(
            "POST",
            "/api/v1/publisher/titles",
            key,
            "application/epub+zip",
            epub,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    body_json(response).await
}

fn sample_book(folder: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("catalog")
        .join(folder);
    trajet::catalog_sample::pack_book(&dir).unwrap()
}

#[tokio::test]
async fn a_publisher_sees_the_cover_of_its_own_titles_only() {
    let app = TestApp::new(None).await;
    let (a, b) = (
        publisher(&app, "Éditions A").await,
        publisher(&app, "Éditions B").await,
    );
    let title = upload(&app, &a, sample_book("la-passagere-de-17h42")).await;
    let id = title["id"].as_str().unwrap().to_owned();
    let cover = title["cover"].as_str().expect("a cover URL").to_owned();
    assert!(
        cover.starts_with(&format!("/api/v1/publisher/titles/{id}/cover")),
        "{cover}"
    );

    let response = send(&app.router, with_key("GET", &cover, &a, "", vec![])).await;
    assert_eq!(response.status(), StatusCode::OK);
    let media_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = body_bytes(response).await;
    let png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    let jpeg = bytes.starts_with(&[0xff, 0xd8, 0xff]);
    assert!(
        (png && media_type == "image/png") || (jpeg && media_type == "image/jpeg"),
        "{media_type}, {} bytes",
        bytes.len()
    );

    // Another publisher gets the same answer as for a title that does not exist.
    let response = send(&app.router, with_key("GET", &cover, &b, "", vec![])).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(response).await["code"], "not-found");

    // A withdrawn title keeps its cover in its owner's console.
    let response = send(
        &app.router,
        with_key(
            "PATCH",
            &format!("/api/v1/publisher/titles/{id}"),
            &a,
            "application/json",
            json!({"live": false}).to_string().into_bytes(),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = send(&app.router, with_key("GET", &cover, &a, "", vec![])).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_title_without_a_cover_says_so() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions C").await;
    let book = std::fs::read(write_marker_book(app.dir.path(), 3)).unwrap();
    let title = upload(&app, &key, book).await;
    assert_eq!(title["cover"], Value::Null);
    let id = title["id"].as_str().unwrap();
    let response = send(
        &app.router,
        with_key(
            "GET",
            &format!("/api/v1/publisher/titles/{id}/cover"),
            &key,
            "",
            vec![],
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_console_cookie_reads_covers_without_the_csrf_header() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions D").await;
    let title = upload(&app, &key, sample_book("la-passagere-de-17h42")).await;
    let sign_in = Request::post("/api/v1/console/session")
        .header("host", "trajet.test")
        .header("origin", "http://trajet.test")
        .header("x-trajet-console", "1")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "key": key }).to_string()))
        .unwrap();
    let response = send(&app.router, sign_in).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // An <img> sends neither the header nor an Origin: reading is not a state change.
    let image = Request::get(title["cover"].as_str().unwrap())
        .header("cookie", &cookie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app.router, image).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_title_lists_its_contents_so_the_console_counts_chapters_as_the_policy_does() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions du Quai").await;
    // The Night Conductor: a cover page, a title page, then six chapters.
    let response = send(
        &app.router,
        with_key(
            "POST",
            "/api/v1/publisher/titles?chapters=3",
            &key,
            "application/epub+zip",
            sample_book("the-night-conductor"),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let title = body_json(response).await;
    let contents = title["contents"].as_array().unwrap();
    assert_eq!(
        contents.len() as u64,
        title["chapters"].as_u64().unwrap(),
        "one entry per spine item"
    );
    let roles: Vec<&str> = contents
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "cover", "front", "body", "body", "body", "body", "body", "body"
        ]
    );
    for (i, item) in contents.iter().enumerate() {
        assert_eq!(item["index"], i);
    }
    assert!(contents[2]["words"].as_u64().unwrap() > 0);
    assert!(
        !contents[2]["title"].as_str().unwrap().is_empty(),
        "{contents:?}"
    );

    // What the excerpt serves, by role: the title page and exactly the 3
    // chapters of the policy (the cover is never served).
    let served = |title: &Value| -> Vec<String> {
        title["excerpt"]["chapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let index = c["index"].as_u64().unwrap() as usize;
                title["contents"][index]["role"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(served(&title), ["front", "body", "body", "body"]);

    // The same list in every answer about the title, as the API document describes it.
    let id = title["id"].as_str().unwrap();
    let one = body_json(
        send(
            &app.router,
            with_key(
                "GET",
                &format!("/api/v1/publisher/titles/{id}"),
                &key,
                "application/json",
                Vec::new(),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(one["contents"], title["contents"]);
    let validator = openapi_schema(&app, "PublisherTitle").await;
    let errors: Vec<String> = validator.iter_errors(&one).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut without = one.clone();
    without.as_object_mut().unwrap().remove("contents");
    assert!(
        !validator.is_valid(&without),
        "the schema requires contents"
    );
}
