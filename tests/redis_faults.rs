//! With Redis configured, trajet fails closed and recovers by itself: a dead
//! or hung Redis gives `503 session-store-unavailable` with `Retry-After`
//! after the store's timeout, never a hang and never an in-memory fallback.
//! "Never a hang" is checked against a bound far above the timeout (a stuck
//! call, not a slow machine, is what it catches): speed is for benchmarks.

mod support;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{RedisServer, TestApp, body_json, send};
use trajet::sessions::{Session, SessionId};

/// Far above the session store's timeout: a call still running after this hangs.
const HANG: Duration = Duration::from_secs(30);

async fn readyz(app: &TestApp) -> (StatusCode, Option<String>) {
    let response = tokio::time::timeout(
        HANG,
        send(
            &app.router,
            Request::get("/readyz").body(Body::empty()).unwrap(),
        ),
    )
    .await
    .expect("/readyz hangs");
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    if status != StatusCode::OK {
        let problem = body_json(response).await;
        assert_eq!(problem["code"], "session-store-unavailable");
        assert!(problem["request_id"].is_string());
    }
    (status, retry)
}

/// Polls until the service is ready again (bounded): recovery needs no restart.
async fn wait_until_ready(app: &TestApp) {
    let deadline = Instant::now() + HANG;
    loop {
        if readyz(app).await.0 == StatusCode::OK {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "trajet did not recover after Redis came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn killed_redis_answers_503_quickly_then_recovers_by_itself() {
    let mut redis = RedisServer::start();
    let app = TestApp::new(Some(&redis)).await;
    assert_eq!(readyz(&app).await.0, StatusCode::OK);
    let id = SessionId::random(1);
    let s = Session {
        id: None,
        trip_id: 1,
        seat_code: "1/0/1".into(),
        opened_at: 0,
        expires_at: 4_000_000_000,
    };
    app.state.sessions.open(id, &s, 3, None).await.unwrap();

    redis.kill();
    for _ in 0..3 {
        let (status, retry) = readyz(&app).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry.as_deref(), Some("5"));
    }
    // No silent fallback: the store reports the failure instead of answering from memory.
    assert!(app.state.sessions.get(id).await.is_err());

    redis.restart();
    wait_until_ready(&app).await;
    assert_eq!(
        app.state.sessions.get(SessionId::random(1)).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn hung_redis_answers_503_after_the_timeout_then_recovers() {
    let redis = RedisServer::start();
    let app = TestApp::new(Some(&redis)).await;
    assert_eq!(readyz(&app).await.0, StatusCode::OK);

    redis.pause();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let store = app.state.sessions.clone();
            tokio::spawn(async move {
                tokio::time::timeout(HANG, store.get(SessionId::random(1)))
                    .await
                    .expect("a call to a hung Redis hangs")
                    .is_err()
            })
        })
        .collect();
    for call in calls {
        assert!(call.await.unwrap(), "a hung Redis is an error");
    }
    let (status, _) = readyz(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

    redis.resume();
    wait_until_ready(&app).await;
}

#[tokio::test]
async fn service_starts_while_redis_is_down_and_serves_once_it_is_up() {
    let mut redis = RedisServer::start();
    redis.kill();
    let app = TestApp::new(Some(&redis)).await;
    assert_eq!(readyz(&app).await.0, StatusCode::SERVICE_UNAVAILABLE);
    let health = send(
        &app.router,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "the process is alive even without Redis"
    );
    redis.restart();
    wait_until_ready(&app).await;
}
