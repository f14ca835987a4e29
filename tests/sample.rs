//! A new installation shows real books at once: the sample catalog loads on
//! first start (once), and the demo trip's seat code opens a reader on it.

mod support;

use axum::http::StatusCode;
use support::{TestApp, body_json, cookie_pair};
use trajet::assets::Assets;

#[tokio::test]
async fn the_sample_catalog_loads_once_and_the_demo_code_opens_it() {
    let app = TestApp::with_config(None, |c| {
        c.sample_catalog =
            Assets::Folder(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog"))
    })
    .await;
    let books = trajet::catalog_sample::sample_books(&app.state.config.sample_catalog)
        .unwrap()
        .len();
    assert!(books >= 3, "the repository ships a sample catalog");
    let loaded = trajet::sample::load_on_first_start(&app.state.0)
        .await
        .unwrap();
    assert_eq!(loaded, books, "every sample book ingests");
    assert_eq!(
        trajet::sample::load_on_first_start(&app.state.0)
            .await
            .unwrap(),
        0,
        "only on first start"
    );
    assert_eq!(app.state.catalog.titles().len(), books);

    let url = trajet::sample::demo_seat_code(&app.state).await.unwrap();
    let token = url.rsplit('/').next().unwrap();
    assert!(url.starts_with("http://127.0.0.1:8080/t/"), "{url}");
    let response = app.scan(token, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = cookie_pair(&response);
    let catalog = body_json(app.get_with("/api/v1/catalog", &cookie).await).await;
    let titles = catalog["titles"].as_array().unwrap();
    assert_eq!(titles.len(), books);
    let languages: Vec<&str> = titles
        .iter()
        .map(|t| t["language"].as_str().unwrap())
        .collect();
    assert!(
        languages.contains(&"fr") && languages.contains(&"en"),
        "{languages:?}"
    );
    // A second call reuses the running demo trip.
    let again = trajet::sample::demo_seat_code(&app.state).await.unwrap();
    assert_eq!(
        app.state
            .trips
            .list(chrono::Utc::now().date_naive())
            .await
            .unwrap()
            .iter()
            .filter(|t| t.line == trajet::sample::DEMO_LINE)
            .count(),
        1
    );
    assert!(again.contains("/t/"));
}
