//! The publisher API: uploads (raw and multipart), settings, new versions,
//! withdrawal, size limit, and publishers kept apart.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use support::books::{write_marker_book, write_picture_book};
use support::schemas::openapi_schema;
use support::{TestApp, body_json, send};
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

fn call(method: &str, uri: &str, key: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

fn multipart(files: &[(&str, &[u8])], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "trajet-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/epub+zip\r\n\r\n").bytes());
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn raw_upload_creates_a_title_with_its_excerpt_and_only_its_owner_sees_it() {
    let app = TestApp::new(None).await;
    let (a, b) = (
        publisher(&app, "Éditions A").await,
        publisher(&app, "Éditions B").await,
    );
    let book = std::fs::read(write_marker_book(app.dir.path(), 6)).unwrap();
    let response = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles?chapters=2",
            &a,
            "application/epub+zip",
            book,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let title = body_json(response).await;
    let id = title["id"].as_str().unwrap().to_string();
    assert_eq!(title["excerpt"]["policy"], json!({"chapters": 2}));
    assert_eq!(title["live"], true);
    assert!(title["chapters"].as_u64().unwrap() >= 6);

    let mine = send(
        &app.router,
        call(
            "GET",
            &format!("/api/v1/publisher/titles/{id}"),
            &a,
            "application/json",
            vec![],
        ),
    )
    .await;
    assert_eq!(mine.status(), StatusCode::OK);
    let theirs = send(
        &app.router,
        call(
            "GET",
            &format!("/api/v1/publisher/titles/{id}"),
            &b,
            "application/json",
            vec![],
        ),
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let delete = send(
        &app.router,
        call(
            "DELETE",
            &format!("/api/v1/publisher/titles/{id}"),
            &b,
            "application/json",
            vec![],
        ),
    )
    .await;
    assert_eq!(delete.status(), StatusCode::NOT_FOUND);
    let list = body_json(
        send(
            &app.router,
            call(
                "GET",
                "/api/v1/publisher/titles",
                &b,
                "application/json",
                vec![],
            ),
        )
        .await,
    )
    .await;
    assert_eq!(list["titles"], json!([]));
}

#[tokio::test]
async fn multipart_batch_answers_one_result_per_file() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions A").await;
    let book = std::fs::read(write_marker_book(app.dir.path(), 3)).unwrap();
    let (content_type, body) = multipart(
        &[("good.epub", &book), ("bad.epub", b"not a zip")],
        &[("words", "50")],
    );
    let response = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles",
            &key,
            &content_type,
            body,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let results = body_json(response).await["results"].clone();
    assert_eq!(results[0]["file"], "good.epub");
    assert_eq!(
        results[0]["title"]["excerpt"]["policy"],
        json!({"words": 50})
    );
    assert_eq!(results[1]["status"], 422);
    assert_eq!(results[1]["problem"]["code"], "epub-invalid-archive");
    assert_eq!(
        std::fs::read_dir(app.state.data.tmp()).unwrap().count(),
        0,
        "uploads are removed"
    );
    let metrics = send(
        &app.router,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    let text = String::from_utf8(support::body_bytes(metrics).await).unwrap();
    for line in [
        r#"trajet_ingestions_total{outcome="live"} 1"#,
        r#"trajet_ingestions_total{outcome="epub-invalid-archive"} 1"#,
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
}

#[tokio::test]
async fn patch_changes_policy_and_withdraws_and_put_replaces_the_epub() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions A").await;
    let book = std::fs::read(write_marker_book(app.dir.path(), 4)).unwrap();
    let created = body_json(
        send(
            &app.router,
            call(
                "POST",
                "/api/v1/publisher/titles",
                &key,
                "application/epub+zip",
                book.clone(),
            ),
        )
        .await,
    )
    .await;
    let uri = format!(
        "/api/v1/publisher/titles/{}",
        created["id"].as_str().unwrap()
    );
    let patch = json!({"excerpt": {"chapters": 1}, "live": false, "offer_url": "https://libraire.example/x"}).to_string();
    let patched = send(
        &app.router,
        call("PATCH", &uri, &key, "application/json", patch.into_bytes()),
    )
    .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched: Value = body_json(patched).await;
    assert_eq!(
        (
            patched["live"].clone(),
            patched["excerpt"]["policy"].clone()
        ),
        (json!(false), json!({"chapters": 1}))
    );
    let bad = send(
        &app.router,
        call(
            "PATCH",
            &uri,
            &key,
            "application/json",
            br#"{"excerpt": {"percent": 300}}"#.to_vec(),
        ),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let replaced = send(
        &app.router,
        call(
            "PUT",
            &format!("{uri}/epub"),
            &key,
            "application/epub+zip",
            book,
        ),
    )
    .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let replaced = body_json(replaced).await;
    assert_eq!(replaced["id"], created["id"]);
    assert_eq!(
        replaced["excerpt"]["policy"],
        json!({"chapters": 1}),
        "settings survive a new version"
    );
    let refused = send(
        &app.router,
        call(
            "PUT",
            &format!("{uri}/epub"),
            &key,
            "application/epub+zip",
            b"PK".to_vec(),
        ),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let deleted = send(
        &app.router,
        call("DELETE", &uri, &key, "application/json", vec![]),
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        send(
            &app.router,
            call("GET", &uri, &key, "application/json", vec![])
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413_and_leaves_nothing() {
    let app = TestApp::with_config(None, |c| c.http.upload_limit = 64 * 1024).await;
    let key = publisher(&app, "Éditions A").await;
    let request = Request::builder()
        .method("POST")
        .uri("/api/v1/publisher/titles")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/epub+zip")
        .body(Body::from_stream(futures_util::stream::iter(
            (0..100).map(|_| Ok::<_, std::io::Error>(vec![0u8; 4096])),
        )))
        .unwrap();
    let response = send(&app.router, request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_json(response).await["code"], "upload-too-large");
    assert_eq!(std::fs::read_dir(app.state.data.tmp()).unwrap().count(), 0);
    assert!(app.state.catalog.titles().is_empty());

    // The same through a form: a small file first, then one over the limit.
    let big = vec![0u8; 100 * 4096];
    let (content_type, body) = multipart(&[("small.epub", b"tiny"), ("big.epub", &big)], &[]);
    let response = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles",
            &key,
            &content_type,
            body,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let problem = body_json(response).await;
    assert_eq!(problem["code"], "upload-too-large", "{problem}");
    assert_eq!(std::fs::read_dir(app.state.data.tmp()).unwrap().count(), 0);
    assert!(app.state.catalog.titles().is_empty());
}

#[tokio::test]
async fn a_json_change_to_a_title_gets_the_json_limit_not_the_upload_limit() {
    let app = TestApp::with_config(None, |c| c.http.json_body_limit = 4 * 1024).await;
    let key = publisher(&app, "Éditions A").await;
    let book = std::fs::read(write_marker_book(app.dir.path(), 2)).unwrap();
    let created = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles",
            &key,
            "application/epub+zip",
            book,
        ),
    )
    .await;
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "the upload route takes a book over the JSON limit"
    );
    let id = body_json(created).await["id"].as_str().unwrap().to_owned();
    // Valid JSON, far under the upload limit, over the JSON limit.
    let patch = format!("{}{}", " ".repeat(64 * 1024), json!({"live": false}));
    let response = send(
        &app.router,
        call(
            "PATCH",
            &format!("/api/v1/publisher/titles/{id}"),
            &key,
            "application/json",
            patch.into_bytes(),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_json(response).await["code"], "body-too-large");
    let title = app.state.catalog.title(id.as_str()).unwrap();
    assert!(title.settings.live, "nothing changed");
}

#[tokio::test]
async fn a_policy_preview_shows_what_passengers_would_get_and_stores_nothing() {
    let app = TestApp::new(None).await;
    let (a, b) = (
        publisher(&app, "Éditions A").await,
        publisher(&app, "Éditions B").await,
    );
    let book = std::fs::read(write_marker_book(app.dir.path(), 6)).unwrap();
    let response = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles?chapters=2",
            &a,
            "application/epub+zip",
            book,
        ),
    )
    .await;
    let id = body_json(response).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = format!("/api/v1/publisher/titles/{id}/excerpt/preview");
    let preview = |key: &str, body: Value| {
        call(
            "POST",
            &uri,
            key,
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        )
    };

    let one = send(
        &app.router,
        preview(&a, json!({"excerpt": {"chapters": 1}})),
    )
    .await;
    assert_eq!(one.status(), StatusCode::OK);
    let one = body_json(one).await;
    assert_eq!(one["excerpt"]["policy"], json!({"chapters": 1}));
    assert_eq!(one["excerpt"]["chapters"].as_array().unwrap().len(), 1);
    assert_eq!(one["cut"], Value::Null, "whole chapters: no cut");
    assert_eq!(one["last_chapter_title"], "Chapter 1");
    let last = one["last_paragraph"].as_str().unwrap();
    assert!(
        last.contains("Paragraph 39 of chapter 1"),
        "the last paragraph of chapter 1: {last}"
    );

    let three = body_json(
        send(
            &app.router,
            preview(&a, json!({"excerpt": {"chapters": 3}})),
        )
        .await,
    )
    .await;
    assert!(
        three["excerpt"]["words"].as_u64().unwrap() > 2 * one["excerpt"]["words"].as_u64().unwrap()
    );
    assert_eq!(three["last_chapter_title"], "Chapter 3");

    // A word count cuts the second chapter after a paragraph, and says where.
    let words = one["excerpt"]["words"].as_u64().unwrap() + 200;
    let cut = body_json(
        send(
            &app.router,
            preview(&a, json!({"excerpt": {"words": words}})),
        )
        .await,
    )
    .await;
    let kept = cut["cut"]["blocks_kept"].as_u64().unwrap();
    let total = cut["cut"]["blocks_total"].as_u64().unwrap();
    assert!(0 < kept && kept < total, "{cut}");
    assert_eq!(cut["cut"]["chapter_title"], "Chapter 2");
    let last = cut["last_paragraph"].as_str().unwrap();
    assert!(
        last.contains("of chapter 2") && !last.contains("Paragraph 39"),
        "{last}"
    );

    // Nothing was saved.
    let title = body_json(
        send(
            &app.router,
            call(
                "GET",
                &format!("/api/v1/publisher/titles/{id}"),
                &a,
                "application/json",
                Vec::new(),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(title["excerpt"]["policy"], json!({"chapters": 2}));

    // Another publisher does not see the title; a body that is not a policy is refused.
    let foreign = send(
        &app.router,
        preview(&b, json!({"excerpt": {"chapters": 1}})),
    )
    .await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
    for bad in [
        json!({"live": false}),
        json!({"excerpt": {"chapters": 1}, "live": false}),
        json!({"excerpt": {"pages": 0}}),
        json!({"excerpt": {"paragraphs": 3}}),
    ] {
        let response = send(&app.router, preview(&a, bad.clone())).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn a_misspelt_setting_is_refused_not_silently_ignored() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions A").await;
    let book = std::fs::read(write_marker_book(app.dir.path(), 3)).unwrap();
    let (content_type, body) = multipart(&[("good.epub", &book)], &[("excerpt_chapters", "3")]);
    let form = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles",
            &key,
            &content_type,
            body,
        ),
    )
    .await;
    let query = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles?excerpt_chapters=3",
            &key,
            "application/epub+zip",
            book,
        ),
    )
    .await;
    for response in [form, query] {
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem = body_json(response).await;
        assert_eq!(problem["code"], "title-settings-invalid");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("excerpt_chapters"),
            "{problem}"
        );
    }
    assert!(app.state.catalog.titles().is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_picture_book_takes_a_pages_policy_and_every_other_policy_counts_its_pages() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions A").await;
    let book = std::fs::read(write_picture_book(app.dir.path(), 12, true)).unwrap();
    let (content_type, body) = multipart(&[("manga.epub", &book)], &[("pages", "3")]);
    let response = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles",
            &key,
            &content_type,
            body,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let batch = body_json(response).await;
    let title = &batch["results"][0]["title"];
    assert_eq!(title["excerpt"]["policy"], json!({"pages": 3}));
    assert_eq!(title["excerpt"]["pages"], 3);
    assert_eq!(title["excerpt"]["chapters"].as_array().unwrap().len(), 3);
    let id = title["id"].as_str().unwrap().to_string();

    let json_call = |method: &str, uri: String, body: Value| {
        call(
            method,
            &uri,
            &key,
            "application/json",
            body.to_string().into_bytes(),
        )
    };
    let preview = body_json(
        send(
            &app.router,
            json_call(
                "POST",
                format!("/api/v1/publisher/titles/{id}/excerpt/preview"),
                json!({"excerpt": {"percent": 50}}),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(
        preview["excerpt"]["pages"], 6,
        "half of twelve pages: {preview}"
    );
    assert_eq!(preview["cut"], Value::Null, "a page is never cut");

    let patched = send(
        &app.router,
        json_call(
            "PATCH",
            format!("/api/v1/publisher/titles/{id}"),
            json!({"excerpt": {"words": 50}}),
        ),
    )
    .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let patched = body_json(patched).await;
    assert_eq!(
        patched["excerpt"]["pages"], 0,
        "50 words are less than a page"
    );
    assert_eq!(patched["excerpt"]["chapters"], json!([]));

    let validator = openapi_schema(&app, "PublisherTitle").await;
    let errors: Vec<String> = validator
        .iter_errors(&patched)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let policy = openapi_schema(&app, "ExcerptPolicy").await;
    for valid in [
        json!({"pages": 8}),
        json!({"percent": 10}),
        json!({"chapters": 2}),
    ] {
        assert!(policy.is_valid(&valid), "{valid}");
    }
    for invalid in [
        json!({"pages": 0}),
        json!({"percent": 101}),
        json!({"pages": 2, "words": 3}),
    ] {
        assert!(!policy.is_valid(&invalid), "{invalid}");
    }
}

#[tokio::test]
async fn a_percentage_preview_of_a_single_chapter_book_cuts_inside_the_chapter() {
    let app = TestApp::new(None).await;
    let key = publisher(&app, "Éditions A").await;
    let book = std::fs::read(write_marker_book(app.dir.path(), 1)).unwrap();
    let response = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles?percent=1",
            &key,
            "application/epub+zip",
            book,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let title = body_json(response).await;
    assert_eq!(
        title["excerpt"]["complete"], false,
        "1 % is not the whole book: {title}"
    );
    let id = title["id"].as_str().unwrap();
    let preview = body_json(
        send(
            &app.router,
            call(
                "POST",
                &format!("/api/v1/publisher/titles/{id}/excerpt/preview"),
                &key,
                "application/json",
                json!({"excerpt": {"percent": 20}}).to_string().into_bytes(),
            ),
        )
        .await,
    )
    .await;
    let kept = preview["cut"]["blocks_kept"].as_u64().unwrap();
    let total = preview["cut"]["blocks_total"].as_u64().unwrap();
    assert!(
        kept > 1 && kept * 4 < total,
        "about a fifth of the blocks: {preview}"
    );
}

#[tokio::test]
async fn an_excerpt_stored_under_older_rules_is_computed_again_when_the_catalog_opens() {
    let app = TestApp::new(None).await;
    let book = write_picture_book(app.dir.path(), 12, true);
    let id = app.ingest(&book, "pub-a", json!({"pages": 3}), None).await;
    // What trajet stored before pages counted: every page allowed, no rules version.
    let db = &app.state.db;
    let excerpt = || async {
        let text: String = sqlx::query_scalar("SELECT excerpt FROM titles WHERE id = $1")
            .bind(&id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let mut old = excerpt().await;
    let all: Vec<Value> = (0..13)
        .map(|i| json!({"index": i, "extent": "full"}))
        .collect();
    old["excerpt"]["chapters"] = Value::Array(all);
    old.as_object_mut().unwrap().remove("rules");
    sqlx::query("UPDATE titles SET excerpt = $1 WHERE id = $2")
        .bind(old.to_string())
        .bind(&id)
        .execute(db.pool())
        .await
        .unwrap();

    let data = trajet::data_dir::DataDir::open(app.data_path()).unwrap();
    let catalog = trajet::catalog::Catalog::open(&data, db.clone())
        .await
        .unwrap();
    let title = catalog.title(id.as_str()).unwrap();
    assert_eq!(title.excerpt.excerpt.chapters().len(), 3);
    assert!(!title.excerpt.excerpt.allows_chapter(3));
    assert_eq!(excerpt().await["rules"], 2, "written back");
}

#[tokio::test]
async fn uploads_past_the_keys_rate_are_429_with_retry_after() {
    // Two a minute: one at once, the next half a minute later, far longer
    // than an upload takes even on a busy machine.
    let app = TestApp::with_config(None, |c| c.uploads_per_minute_per_key = 2).await;
    let (a, b) = (
        publisher(&app, "Éditions A").await,
        publisher(&app, "Éditions B").await,
    );
    let book = std::fs::read(write_marker_book(app.dir.path(), 2)).unwrap();
    let upload = |key: &str| {
        call(
            "POST",
            "/api/v1/publisher/titles",
            key,
            "application/epub+zip",
            book.clone(),
        )
    };
    // Half a minute's worth at once: one upload.
    assert_eq!(
        send(&app.router, upload(&a)).await.status(),
        StatusCode::CREATED
    );
    let refused = send(&app.router, upload(&a)).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(body_json(refused).await["code"], "rate-limited");
    assert_eq!(
        app.state.catalog.titles().len(),
        1,
        "the refused upload stored nothing"
    );
    // Another key is not affected.
    assert_eq!(
        send(&app.router, upload(&b)).await.status(),
        StatusCode::CREATED
    );
}

/// Asks `path` of `app` every 50 ms until it answers `status`; how long that took.
async fn until_status(
    app: &TestApp,
    path: &str,
    cookie: &str,
    status: StatusCode,
) -> std::time::Duration {
    let started = std::time::Instant::now();
    loop {
        let answered = app.get_with(path, cookie).await.status();
        if answered == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{path} still answers {answered}, not {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_title_withdrawn_through_one_instance_is_refused_by_another() {
    let app = TestApp::new(None).await;
    let trip = app.create_trip("TER 17", -5, 60).await;
    let other = app.another_instance().await;
    let (ours, theirs) = (
        app.passenger(&trip, 1).await,
        other.passenger(&trip, 2).await,
    );
    let key = publisher(&app, "Éditions A").await;
    let book = std::fs::read(write_marker_book(app.dir.path(), 3)).unwrap();
    let created = send(
        &app.router,
        call(
            "POST",
            "/api/v1/publisher/titles",
            &key,
            "application/epub+zip",
            book,
        ),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = body_json(created).await["id"].as_str().unwrap().to_owned();
    let chapter = format!("/api/v1/titles/{id}/chapters/0");
    assert_eq!(
        app.get_with(&chapter, &ours).await.status(),
        StatusCode::OK,
        "the writing instance serves it at once"
    );
    let appeared = until_status(&other, &chapter, &theirs, StatusCode::OK).await;

    let withdraw = send(
        &app.router,
        call(
            "PATCH",
            &format!("/api/v1/publisher/titles/{id}"),
            &key,
            "application/json",
            br#"{"live": false}"#.to_vec(),
        ),
    )
    .await;
    assert_eq!(withdraw.status(), StatusCode::OK);
    assert_eq!(
        app.get_with(&chapter, &ours).await.status(),
        StatusCode::GONE,
        "the writing instance refuses it at once"
    );
    let refused = until_status(&other, &chapter, &theirs, StatusCode::GONE).await;
    eprintln!(
        "the other instance served it after {appeared:?} and refused it {refused:?} after the withdrawal"
    );
}
