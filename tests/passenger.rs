//! From a scan to a served chapter, on both session stores: the passenger
//! reads exactly the excerpt, never a byte beyond it.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use support::books::{
    marker, page_marker, page_picture, write_marker_book, write_marker_book_with,
    write_picture_book,
};
use support::schemas::{openapi_schema, schema_errors};
use support::{Backend, RedisHandle, TestApp, body_bytes, body_json, on_both_stores, send};

struct Reading {
    app: TestApp,
    _redis: Option<RedisHandle>,
    cookie: String,
    title: String,
    trip: trajet::trips::Trip,
}

async fn reading(backend: Backend) -> Reading {
    reading_book(
        backend,
        |dir| write_marker_book(dir, 10),
        serde_json::json!({"chapters": 3}),
    )
    .await
}

/// A passenger of a running trip reading the book `write` makes, under `policy`.
async fn reading_book(
    backend: Backend,
    write: impl FnOnce(&std::path::Path) -> std::path::PathBuf,
    policy: Value,
) -> Reading {
    let redis = backend.redis();
    let app = TestApp::new(redis.as_ref().map(RedisHandle::get)).await;
    let book = write(app.dir.path());
    let title = app
        .ingest(
            &book,
            "pub-test",
            policy,
            Some("https://books.example/marker"),
        )
        .await;
    let trip = app.create_trip("TER 17", -5, 60).await;
    let cookie = app.passenger(&trip, 4).await;
    Reading {
        app,
        _redis: redis,
        cookie,
        title,
        trip,
    }
}

impl Reading {
    async fn get(&self, path: &str) -> axum::response::Response {
        self.app.get_with(path, &self.cookie).await
    }
    async fn json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        body_json(response).await
    }
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/titles/{}/{rest}", self.title)
    }
    /// Everything the session can reach: the lists, every href they name, and
    /// every chapter and resource index probed beyond them. Returns the text
    /// seen and the bodies of the resources served.
    async fn crawl(&self, probe: usize) -> (String, Vec<Vec<u8>>) {
        let mut seen = String::new();
        let manifest = self.json(&self.path("manifest")).await;
        seen.push_str(&manifest.to_string());
        seen.push_str(&self.json(&self.path("positions")).await.to_string());
        seen.push_str(&self.json("/api/v1/catalog").await.to_string());
        let mut paths: Vec<String> = Vec::new();
        for key in ["readingOrder", "resources", "toc", "links"] {
            for link in manifest[key].as_array().unwrap() {
                let href = link["href"].as_str().unwrap();
                paths.push(match href.starts_with('/') {
                    true => href.to_owned(),
                    false => self.path(href.split('#').next().unwrap()),
                });
            }
        }
        paths.extend((0..probe).map(|n| self.path(&format!("chapters/{n}"))));
        let mut served = Vec::new();
        for id in 0..probe {
            let response = self.get(&self.path(&format!("resources/r{id}"))).await;
            if response.status() == StatusCode::OK {
                served.push(body_bytes(response).await);
            }
        }
        for path in paths {
            let response = self.get(&path).await;
            let status = response.status();
            assert!(
                status.is_success()
                    || status.is_redirection()
                    || [403, 404].contains(&status.as_u16()),
                "{path}: {status}"
            );
            seen.push_str(&String::from_utf8_lossy(&body_bytes(response).await));
        }
        (seen, served)
    }

    async fn put_progression(&self, body: Value) -> StatusCode {
        let request = Request::put(self.path("progression"))
            .header("cookie", &self.cookie)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        send(&self.app.router, request).await.status()
    }
}

on_both_stores!(
    the_catalog_lists_the_title_with_its_reading_time,
    the_manifest_is_valid_rwpm_and_limited_to_the_excerpt,
    everything_a_session_can_reach_stops_at_the_excerpt,
    chapters_are_precompressed_cached_privately_and_locked_down,
    progression_round_trips_and_stale_saves_are_refused,
    a_withdrawn_title_is_gone_at_once,
    the_session_ends_with_the_trip_and_follows_its_changes,
    the_session_route_renews_the_cookies_and_a_cancelled_trip_says_so,
    the_opds_feed_is_valid_and_says_until_when,
);

async fn the_catalog_lists_the_title_with_its_reading_time(backend: Backend) {
    let r = reading(backend).await;
    let catalog = r.json("/api/v1/catalog").await;
    assert_eq!(catalog["trip"]["line"], "TER 17");
    let titles = catalog["titles"].as_array().unwrap();
    assert_eq!(titles.len(), 1);
    let t = &titles[0];
    assert_eq!(t["id"], r.title.as_str());
    assert_eq!(t["title"], "The Marker Book");
    assert_eq!(t["authors"][0], "Test Author");
    assert!(t["reading_minutes"].as_u64().unwrap() >= 1);
    assert_eq!(t["fits_remaining_time"], true);
    assert_eq!(t["manifest"], r.path("manifest"));
    // Where a first reading starts, so the reader asks for it with the manifest.
    let manifest = r.json(&r.path("manifest")).await;
    let first = manifest["readingOrder"][0]["href"].as_str().unwrap();
    assert_eq!(t["start"], r.path(first));
}

async fn the_manifest_is_valid_rwpm_and_limited_to_the_excerpt(backend: Backend) {
    let r = reading(backend).await;
    let response = r.get(&r.path("manifest")).await;
    assert_eq!(
        response.headers()["content-type"],
        "application/webpub+json"
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let manifest = body_json(response).await;
    if let Some(errors) = schema_errors("rwpm/publication.schema.json", &manifest) {
        assert_eq!(errors, Vec::<String>::new());
    }
    assert_eq!(
        manifest["metadata"]["conformsTo"],
        "https://readium.org/webpub-manifest/profiles/epub"
    );
    let order: Vec<&str> = manifest["readingOrder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["chapters/0", "chapters/1", "chapters/2"]);
    let toc = manifest["toc"].as_array().unwrap();
    assert_eq!(toc.len(), 10, "every TOC entry is listed");
    assert!(
        toc[..3]
            .iter()
            .all(|t| t["href"].as_str().unwrap().starts_with("chapters/"))
    );
    assert!(
        toc[3..]
            .iter()
            .all(|t| t["properties"]["locked"] == true && t["href"] == "locked"),
        "locked entries carry no content href"
    );
    let rels: Vec<String> = manifest["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].to_string())
        .collect();
    assert!(rels.iter().any(|r| r.contains("preview")));
    assert!(rels.iter().any(|r| r.contains("positions")));
    // Conditional GET.
    let request = Request::get(r.path("manifest"))
        .header("cookie", &r.cookie)
        .header("if-none-match", &etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&r.app.router, request).await.status(),
        StatusCode::NOT_MODIFIED
    );
}

async fn everything_a_session_can_reach_stops_at_the_excerpt(backend: Backend) {
    let r = reading(backend).await;
    let mut seen = String::new();
    let manifest = r.json(&r.path("manifest")).await;
    seen.push_str(&manifest.to_string());
    seen.push_str(&r.json(&r.path("positions")).await.to_string());
    seen.push_str(&r.json("/api/v1/catalog").await.to_string());
    seen.push_str(&String::from_utf8(body_bytes(r.get("/opds/v2/catalog").await).await).unwrap());
    let mut hrefs: Vec<String> = Vec::new();
    for key in ["readingOrder", "resources", "toc", "links"] {
        for link in manifest[key].as_array().unwrap() {
            hrefs.push(link["href"].as_str().unwrap().to_owned());
        }
    }
    for href in &hrefs {
        let path = if href.starts_with('/') {
            href.clone()
        } else {
            r.path(href.split('#').next().unwrap())
        };
        let response = r.get(&path).await;
        let status = response.status();
        let text = String::from_utf8_lossy(&body_bytes(response).await).into_owned();
        assert!(
            status.is_success() || status == StatusCode::FORBIDDEN || status.is_redirection(),
            "{path}: {status}"
        );
        seen.push_str(&text);
    }
    // Probe beyond what the manifest lists: every index is refused without content.
    for n in 0..12 {
        let response = r.get(&r.path(&format!("chapters/{n}"))).await;
        let status = response.status();
        let text = String::from_utf8_lossy(&body_bytes(response).await).into_owned();
        match n {
            0..=2 => assert_eq!(status, StatusCode::OK, "chapter {n}"),
            3..=9 => assert_eq!(status, StatusCode::FORBIDDEN, "chapter {n}"),
            _ => assert_eq!(status, StatusCode::NOT_FOUND, "chapter {n}"),
        }
        seen.push_str(&text);
    }
    for id in 0..12 {
        let response = r.get(&r.path(&format!("resources/r{id}"))).await;
        assert!(
            matches!(response.status().as_u16(), 200 | 403 | 404),
            "resource {id}"
        );
        seen.push_str(&String::from_utf8_lossy(&body_bytes(response).await));
    }
    for n in 1..=3 {
        assert!(seen.contains(&marker(n)), "chapter {n} is readable");
    }
    for n in 4..=10 {
        assert!(!seen.contains(&marker(n)), "chapter {n} leaked");
    }
    assert!(
        !manifest["resources"].to_string().contains("image/png"),
        "the picture of chapter 5 is not listed"
    );
}

#[tokio::test]
async fn every_policy_limits_a_book_of_pictures_to_its_pages() {
    for fixed in [true, false] {
        for (policy, pages) in [
            (serde_json::json!({"pages": 3}), 3),
            (serde_json::json!({"chapters": 2}), 2),
            (serde_json::json!({"words": 1000}), 4),
            (serde_json::json!({"percent": 25}), 3),
            (serde_json::json!({"words": 50}), 0),
        ] {
            let r = reading_book(
                Backend::Memory,
                |dir| write_picture_book(dir, 12, fixed),
                policy.clone(),
            )
            .await;
            let (seen, served) = r.crawl(30).await;
            for n in 1..=12 {
                let allowed = n <= pages;
                assert_eq!(
                    seen.contains(&page_marker(n)),
                    allowed,
                    "{policy} fixed={fixed}: page {n}"
                );
                assert_eq!(
                    served.contains(&page_picture(n)),
                    allowed,
                    "{policy} fixed={fixed}: picture {n}"
                );
            }
            assert!(
                !seen.contains("MARKER-ABOUT-XYZZY"),
                "{policy}: back matter"
            );
            let title = r.json("/api/v1/catalog").await["titles"][0].clone();
            assert_eq!(
                title["reading_minutes"],
                pages.div_ceil(3),
                "{policy}: 20 s a page"
            );
        }
    }
}

/// The accessibility metadata of a book that meets WCAG 2.1 AA (EPUB Accessibility 1.1).
const ACCESSIBLE: &str = r#"<meta property="schema:accessMode">textual</meta><meta property="schema:accessMode">visual</meta><meta property="schema:accessModeSufficient">textual</meta><meta property="schema:accessibilityFeature">displayTransformability</meta><meta property="schema:accessibilityFeature">alternativeText</meta><meta property="schema:accessibilityFeature">tableOfContents</meta><meta property="schema:accessibilityFeature">structuralNavigation</meta><meta property="schema:accessibilityHazard">none</meta><meta property="schema:accessibilitySummary">Every picture is described; headings structure each chapter.</meta><meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>"#;

#[tokio::test]
async fn the_catalog_states_each_books_accessibility_or_that_there_is_none() {
    let app = TestApp::new(None).await;
    let with = write_marker_book_with(&app.dir.path().join("a"), 3, ACCESSIBLE);
    let without = write_marker_book(&app.dir.path().join("b"), 3);
    app.ingest(&with, "pub-a", serde_json::json!({"chapters": 1}), None)
        .await;
    app.ingest(&without, "pub-b", serde_json::json!({"chapters": 1}), None)
        .await;
    let trip = app.create_trip("TER 17", -5, 60).await;
    let cookie = app.passenger(&trip, 4).await;
    let catalog = body_json(app.get_with("/api/v1/catalog", &cookie).await).await;
    let titles = catalog["titles"].as_array().unwrap();
    assert_eq!(titles.len(), 2, "{catalog}");
    let described = titles
        .iter()
        .find(|t| t["accessibility"]["known"] == true)
        .unwrap();
    assert_eq!(
        described["accessibility"],
        serde_json::json!({
            "known": true,
            "ways_of_reading": ["appearance-modifiable", "nonvisual-readable", "alt-text"],
            "conformance": "aa",
            "navigation": ["toc", "headings"],
            "rich_content": [],
            "hazards": ["none"],
            "summary": "Every picture is described; headings structure each chapter.",
        })
    );
    let validator = openapi_schema(&app, "BookAccessibility").await;
    for title in titles {
        assert!(validator.is_valid(&title["accessibility"]), "{title}");
    }
    let silent = titles
        .iter()
        .find(|t| t["accessibility"]["known"] == false)
        .unwrap();
    assert_eq!(
        silent["accessibility"]["ways_of_reading"],
        serde_json::json!([])
    );
    assert_eq!(silent["accessibility"]["summary"], Value::Null);
}

#[tokio::test]
async fn a_percentage_cuts_a_single_chapter_book_within_its_chapter() {
    let r = reading_book(
        Backend::Memory,
        |dir| write_marker_book(dir, 1),
        serde_json::json!({"percent": 10}),
    )
    .await;
    let (seen, _) = r.crawl(4).await;
    assert!(seen.contains("Paragraph 0 of chapter 1"));
    assert!(
        seen.contains("Paragraph 2 of chapter 1"),
        "about 10 % of 40 paragraphs"
    );
    assert!(!seen.contains("Paragraph 5 of chapter 1"), "beyond 10 %");
    assert!(!seen.contains("Paragraph 39 of chapter 1"));
}

async fn chapters_are_precompressed_cached_privately_and_locked_down(backend: Backend) {
    let r = reading(backend).await;
    let request = Request::get(r.path("chapters/1"))
        .header("cookie", &r.cookie)
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .unwrap();
    let response = send(&r.app.router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers().clone();
    assert_eq!(h["content-encoding"], "br");
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xhtml+xml")
    );
    let cache = h["cache-control"].to_str().unwrap();
    let max_age: i64 = cache
        .strip_prefix("private, max-age=")
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age > 0 && max_age <= 70 * 60, "{cache}");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(
        &mut std::io::Cursor::new(body_bytes(response).await),
        &mut decoded,
    )
    .unwrap();
    assert!(String::from_utf8(decoded).unwrap().contains(&marker(2)));
    let etag = h["etag"].to_str().unwrap();
    let request = Request::get(r.path("chapters/1"))
        .header("cookie", &r.cookie)
        .header("accept-encoding", "gzip, br")
        .header("if-none-match", etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&r.app.router, request).await.status(),
        StatusCode::NOT_MODIFIED
    );
    let plain = r.get(&r.path("chapters/1")).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let refused = r.get(&r.path("chapters/3")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let problem = body_json(refused).await;
    assert_eq!(problem["code"], "excerpt-limit");
    assert_eq!(problem["offer_url"], r.path("offer"));
}

async fn progression_round_trips_and_stale_saves_are_refused(backend: Backend) {
    let r = reading(backend).await;
    assert_eq!(
        r.get(&r.path("progression")).await.status(),
        StatusCode::NO_CONTENT
    );
    let doc = |modified: &str, href: &str| {
        serde_json::json!({"modified": modified, "device": {"id": "d1", "name": "phone"},
            "locator": {"href": href, "type": "application/xhtml+xml", "locations": {"progression": 0.4, "position": 5, "totalProgression": 0.3}}})
    };
    assert_eq!(
        r.put_progression(doc("2026-11-28T10:00:05Z", "chapters/1"))
            .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        r.put_progression(doc("2026-11-28T10:00:01Z", "chapters/0"))
            .await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        r.put_progression(doc("2026-11-28T10:00:09Z", "chapters/7"))
            .await,
        StatusCode::BAD_REQUEST
    );
    let saved = r.json(&r.path("progression")).await;
    assert_eq!(saved["locator"]["href"], "chapters/1");
    assert_eq!(saved["modified"], "2026-11-28T10:00:05Z");
    let offer = r.get(&r.path("offer")).await;
    assert_eq!(offer.status(), StatusCode::SEE_OTHER);
    assert_eq!(offer.headers()["location"], "https://books.example/marker");
}

/// The `Max-Age` of each Set-Cookie of a response, by cookie name.
fn cookie_ages(response: &axum::response::Response) -> Vec<(String, i64)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| {
            let text = v.to_str().unwrap();
            let name = text.split('=').next().unwrap().to_owned();
            let age = text
                .split("; ")
                .find_map(|part| part.strip_prefix("Max-Age="))
                .unwrap()
                .parse()
                .unwrap();
            (name, age)
        })
        .collect()
}

async fn the_session_route_renews_the_cookies_and_a_cancelled_trip_says_so(backend: Backend) {
    let r = reading(backend).await;
    let response = r.get("/api/v1/session").await;
    let before = cookie_ages(&response);
    let session_age = |ages: &[(String, i64)]| {
        ages.iter()
            .find(|(name, _)| name == "trajet_session")
            .map(|(_, age)| *age)
            .expect("the session cookie is set again")
    };
    let trip_cookie = format!("trajet_trip={}", r.trip.id.get());
    assert!(before.iter().any(|(name, _)| name == "trajet_trip"));

    // A delay: the next session answer makes the cookie last as long as the session.
    let left = body_json(response).await["seconds_left"].as_i64().unwrap();
    let later = chrono::Utc::now().timestamp() + left + 1800;
    r.app
        .state
        .sessions
        .extend_trip(r.trip.id.get(), later)
        .await
        .unwrap();
    let after = cookie_ages(&r.get("/api/v1/session").await);
    assert!(
        session_age(&after) >= session_age(&before) + 1700,
        "the cookie follows the delay: {before:?} -> {after:?}"
    );

    // Cancelled: with the trip cookie the answer says so; without it, no session.
    r.app
        .state
        .trips
        .cancel(r.trip.id, "op-test")
        .await
        .unwrap();
    r.app
        .state
        .sessions
        .end_trip(r.trip.id.get())
        .await
        .unwrap();
    let both = format!("{}; {trip_cookie}", r.cookie);
    let response = r.app.get_with("/api/v1/catalog", &both).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(body_json(response).await["code"], "trip-cancelled");
    let response = r.get("/api/v1/catalog").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_offer_link_without_an_offer_answers_a_page_in_the_visitors_language() {
    let app = TestApp::new(None).await;
    let book = write_marker_book(app.dir.path(), 3);
    let title = app
        .ingest(&book, "pub-test", serde_json::json!({"chapters": 1}), None)
        .await;
    for id in [title.as_str(), "gone0title"] {
        let request = axum::http::Request::get(format!("/api/v1/titles/{id}/offer"))
            .header("accept-language", "fr-FR,fr;q=0.9")
            .body(Body::empty())
            .unwrap();
        let response = send(&app.router, request).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(kind.starts_with("text/html"), "{id}: {kind}");
        let page = String::from_utf8(body_bytes(response).await.to_vec()).unwrap();
        assert!(
            page.contains("Ce livre ne peut pas être acheté d’ici"),
            "{page}"
        );
    }
}

async fn a_withdrawn_title_is_gone_at_once(backend: Backend) {
    let r = reading(backend).await;
    assert_eq!(r.get(&r.path("chapters/0")).await.status(), StatusCode::OK);
    let record = r
        .app
        .state
        .catalog
        .title(&trajet::catalog::title::TitleId::parse(&r.title).unwrap())
        .unwrap();
    let mut settings = record.settings.clone();
    settings.live = false;
    r.app.state.catalog.update(&record, settings).await.unwrap();
    let response = r.get(&r.path("chapters/0")).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(body_json(response).await["code"], "title-withdrawn");
    assert_eq!(
        r.json("/api/v1/catalog").await["titles"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn the_session_ends_with_the_trip_and_follows_its_changes(backend: Backend) {
    let r = reading(backend).await;
    let sessions = &r.app.state.sessions;
    let before = r.json("/api/v1/session").await["seconds_left"]
        .as_i64()
        .unwrap();
    let later = chrono::Utc::now().timestamp() + before + 1800;
    sessions.extend_trip(r.trip.id.get(), later).await.unwrap();
    let after = r.json("/api/v1/session").await["seconds_left"]
        .as_i64()
        .unwrap();
    assert!(after >= before + 1700, "extended: {before} -> {after}");
    sessions.end_trip(r.trip.id.get()).await.unwrap();
    // The offer link stays usable after the end.
    let offer = r.get(&r.path("offer")).await;
    assert_eq!(offer.status(), StatusCode::SEE_OTHER);
    assert_eq!(offer.headers()["location"], "https://books.example/marker");
    for path in [
        "/api/v1/session".to_owned(),
        "/api/v1/catalog".to_owned(),
        r.path("chapters/0"),
        r.path("manifest"),
    ] {
        let response = r.get(&path).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body_json(response).await["code"], "session-required");
    }
}

async fn the_opds_feed_is_valid_and_says_until_when(backend: Backend) {
    let r = reading(backend).await;
    let response = r.get("/opds/v2/catalog").await;
    assert_eq!(response.headers()["content-type"], "application/opds+json");
    let feed = body_json(response).await;
    if let Some(errors) = schema_errors("opds/feed.schema.json", &feed) {
        assert_eq!(errors, Vec::<String>::new());
    }
    let publication = &feed["publications"][0];
    let links = publication["links"].as_array().unwrap();
    let buy = links
        .iter()
        .find(|l| l["rel"] == "http://opds-spec.org/acquisition/buy")
        .unwrap();
    assert_eq!(buy["properties"]["availability"]["state"], "available");
    assert!(
        buy["properties"]["availability"]["until"]
            .as_str()
            .unwrap()
            .starts_with("20")
    );
    assert!(
        links
            .iter()
            .any(|l| l["rel"] == "preview" && l["href"] == r.path("manifest"))
    );
}

#[tokio::test]
async fn a_title_outside_the_trips_collections_is_not_offered() {
    let app = TestApp::new(None).await;
    let book = write_marker_book(app.dir.path(), 4);
    let title = app
        .ingest(&book, "pub-test", serde_json::json!({"chapters": 1}), None)
        .await;
    let trip = app.create_trip("TER 18", -5, 60).await;
    app.state
        .trips
        .set_collections(trip.id, Some(vec!["polar".into()]), "op-test")
        .await
        .unwrap();
    let cookie = app.passenger(&trip, 1).await;
    let catalog = body_json(app.get_with("/api/v1/catalog", &cookie).await).await;
    assert_eq!(catalog["titles"].as_array().unwrap().len(), 0);
    let response = app
        .get_with(&format!("/api/v1/titles/{title}/chapters/0"), &cookie)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reading_routes_without_a_session_answer_401_problems() {
    let app = TestApp::new(None).await;
    let response = send(
        &app.router,
        Request::get("/api/v1/catalog").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_json(response).await["code"], "session-required");
}

#[tokio::test]
async fn an_operators_line_choice_decides_what_passengers_see() {
    let app = TestApp::new(None).await;
    let book = write_marker_book(app.dir.path(), 4);
    let title = app
        .ingest(&book, "pub-test", serde_json::json!({"chapters": 1}), None)
        .await;
    let trip = app.create_trip("TER 19", -5, 60).await;
    let cookie = app.passenger(&trip, 1).await;
    let count = |v: Value| v["titles"].as_array().unwrap().len();
    assert_eq!(
        count(body_json(app.get_with("/api/v1/catalog", &cookie).await).await),
        1,
        "no choice yet: everything is offered"
    );
    let other = trajet::lines::offer::CollectionRef {
        publisher: "pub-other".into(),
        collection: None,
    };
    app.state
        .lines
        .set(support::TEST_OPERATOR, "TER 19", Some(vec![other]))
        .await
        .unwrap();
    assert_eq!(
        count(body_json(app.get_with("/api/v1/catalog", &cookie).await).await),
        0
    );
    let response = app
        .get_with(&format!("/api/v1/titles/{title}/chapters/0"), &cookie)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let ours = trajet::lines::offer::CollectionRef {
        publisher: "pub-test".into(),
        collection: None,
    };
    app.state
        .lines
        .set(support::TEST_OPERATOR, "TER 19", Some(vec![ours]))
        .await
        .unwrap();
    assert_eq!(
        count(body_json(app.get_with("/api/v1/catalog", &cookie).await).await),
        1
    );
}
