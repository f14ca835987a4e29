//! Errors come out as problem+json for APIs and as readable pages for people,
//! with a request id, whatever produced them (our handlers or axum itself).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{TestApp, body_bytes, body_json, send};

#[tokio::test]
async fn unknown_api_route_is_a_problem_with_code_and_request_id() {
    let app = TestApp::new(None).await;
    let response = send(
        &app.router,
        Request::get("/api/v1/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let problem = body_json(response).await;
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["code"], "not-found");
    assert_eq!(problem["request_id"], id.as_str());
    assert!(
        problem["title"].is_string()
            && problem["detail"].is_string()
            && problem["type"].is_string()
    );
}

#[tokio::test]
async fn wrong_method_is_a_problem_too() {
    let app = TestApp::new(None).await;
    let response = send(
        &app.router,
        Request::delete("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body_json(response).await["code"], "method-not-allowed");
}

#[tokio::test]
async fn pages_answer_errors_in_the_visitors_language() {
    let app = TestApp::new(None).await;
    let request = Request::get("/somewhere")
        .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")
        .body(Body::empty())
        .unwrap();
    let response = send(&app.router, request).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(response.headers()["content-language"], "fr");
    let html = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(html.contains("Page introuvable"), "{html}");
    assert!(html.contains("<html lang=\"fr\">"));

    let request = Request::get("/somewhere")
        .header("accept-language", "en-GB")
        .body(Body::empty())
        .unwrap();
    let html = String::from_utf8(body_bytes(send(&app.router, request).await).await).unwrap();
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new(None).await;
    for path in ["/healthz", "/api/v1/nothing", "/nowhere"] {
        let response = send(&app.router, Request::get(path).body(Body::empty()).unwrap()).await;
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("object-src 'none'"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::new(None).await;
    send(
        &app.router,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    let response = send(
        &app.router,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    let text = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(
        text.contains(
            r#"trajet_http_requests_total{route="/healthz",method="GET",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains("trajet_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn readyz_is_ready_with_the_memory_store() {
    let app = TestApp::new(None).await;
    let response = send(
        &app.router,
        Request::get("/readyz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_the_contract_routes() {
    let app = TestApp::new(None).await;
    let response = send(
        &app.router,
        Request::get("/api/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc = body_json(response).await;
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/t/{token}",
        "/api/v1/session",
        "/api/v1/catalog",
        "/api/v1/titles/{id}/manifest",
        "/api/v1/titles/{id}/chapters/{n}",
        "/api/v1/titles/{id}/progression",
        "/opds/v2/catalog",
        "/api/v1/publisher/titles",
        "/api/v1/publisher/reports.csv",
        "/api/v1/operator/trips/import",
        "/api/v1/operator/trips/{id}/sheet.pdf",
        "/api/v1/operator/dashboard",
        "/api/v1/operator/trips/{id}/history",
        "/api/v1/operator/realtime",
        "/api/v1/operator/realtime/fetch",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}
