//! The scan of a seat code, on both session stores: a session opens with the
//! right cookie and expiry, or a readable page says why not.

mod support;

use axum::http::StatusCode;
use support::{
    Backend, RedisHandle, RedisServer, TestApp, body_bytes, body_json, cookie_pair, on_both_stores,
};

async fn app(backend: Backend, redis: &mut Option<RedisHandle>) -> TestApp {
    *redis = backend.redis();
    TestApp::new(redis.as_ref().map(RedisHandle::get)).await
}

on_both_stores!(
    a_scan_opens_a_session_and_sends_the_browser_to_the_reader,
    a_rescan_keeps_the_session_and_a_foreign_id_is_never_adopted,
    sixty_four_concurrent_scans_open_exactly_k_sessions,
    scans_outside_the_window_explain_why,
    codes_of_trips_far_from_today_explain_why,
    a_cancelled_trip_refuses_its_codes_and_ends_its_sessions,
    an_altered_code_is_refused_with_a_readable_page,
    a_code_signed_for_weeks_opens_sessions_only_for_its_trip,
);

async fn a_scan_opens_a_session_and_sends_the_browser_to_the_reader(backend: Backend) {
    let mut redis = None;
    let app = app(backend, &mut redis).await;
    let trip = app.create_trip("TER Clermont – Lyon", -5, 70).await;
    let response = app.scan(&app.seat_token(&trip, 12), None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/read");
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for flag in ["trajet_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(flag), "{set_cookie}");
    }
    let cookie = cookie_pair(&response);
    let session = app.get_with("/api/v1/session", &cookie).await;
    assert_eq!(session.status(), StatusCode::OK);
    let body = body_json(session).await;
    assert_eq!(body["trip"]["line"], "TER Clermont – Lyon");
    let left = body["seconds_left"].as_i64().unwrap();
    // Expiry at arrival + 15 min: 65 + 15 minutes from now.
    // Code windows are whole minutes, rounded outwards.
    assert!((79 * 60..=81 * 60).contains(&left), "seconds_left {left}");
}

async fn a_rescan_keeps_the_session_and_a_foreign_id_is_never_adopted(backend: Backend) {
    let mut redis = None;
    let app = app(backend, &mut redis).await;
    let trip = app.create_trip("L1", -5, 60).await;
    let token = app.seat_token(&trip, 3);
    let first = cookie_pair(&app.scan(&token, None).await);
    let again = app.scan(&token, Some(&first)).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        cookie_pair(&again),
        first,
        "the same browser keeps its session"
    );
    // Well formed (this trip, 128 bits), but no session the store made.
    let forged = format!(
        "trajet_session={:08x}00112233445566778899aabbccddeeff",
        trip.id.get()
    );
    let forged = forged.as_str();
    let fresh = app.scan(&token, Some(forged)).await;
    assert_eq!(fresh.status(), StatusCode::SEE_OTHER);
    assert_ne!(
        cookie_pair(&fresh),
        forged,
        "an id sent by the client is never adopted"
    );
    assert_eq!(
        app.get_with("/api/v1/session", forged).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn sixty_four_concurrent_scans_open_exactly_k_sessions(backend: Backend) {
    let redis = backend.redis();
    // The per-code rate limit is lifted so that all 64 scans race in the store.
    let app = TestApp::with_config(redis.as_ref().map(RedisHandle::get), |config| {
        config.scans_per_minute_per_seat_code = 1_000;
    })
    .await;
    let app = std::sync::Arc::new(app);
    let trip = app.create_trip("L2", -5, 60).await;
    let token = std::sync::Arc::new(app.seat_token(&trip, 7));
    let scans: Vec<_> = (0..64)
        .map(|_| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move { app.scan(&token, None).await.status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for s in scans {
        statuses.push(s.await.unwrap());
    }
    let opened = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        opened, 6,
        "K = 6 sessions by default, never K + 1: {statuses:?}"
    );
    assert_eq!(refused, 58);
    let metrics = app.get_with("/metrics", "").await;
    let text = String::from_utf8(body_bytes(metrics).await).unwrap();
    for line in [
        r#"trajet_scans_total{outcome="opened"} 6"#,
        r#"trajet_scans_total{outcome="seat-code-exhausted"} 58"#,
        "trajet_sessions_opened_total 6",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(
        !text.contains(r#"outcome="rate-limited""#),
        "all 64 scans raced in the store, none was held back before it"
    );
}

async fn scans_outside_the_window_explain_why(backend: Backend) {
    let mut redis = None;
    let app = app(backend, &mut redis).await;
    let later = app.create_trip("L3", 120, 60).await;
    let response = app.scan(&app.seat_token(&later, 1), None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let page = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(page.contains("pas encore commencé"), "French page: {page}");

    let past = app.create_trip("L3", -180, 60).await;
    let response = app.scan(&app.seat_token(&past, 1), None).await;
    assert_eq!(response.status(), StatusCode::GONE);
    let page = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(page.contains("trajet est terminé"), "{page}");
}

/// Last month's and next month's trips are not among the days the service
/// holds in memory: their codes still get the right answer, from the window
/// signed into the code.
async fn codes_of_trips_far_from_today_explain_why(backend: Backend) {
    let mut redis = None;
    let app = app(backend, &mut redis).await;
    let month = 30 * 24 * 60;
    let past = app.create_trip("L9", -month, 60).await;
    assert!(app.state.trips.shared(past.id).is_none(), "not in memory");
    let response = app.scan(&app.seat_token(&past, 1), None).await;
    assert_eq!(response.status(), StatusCode::GONE);
    let page = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(page.contains("trajet est terminé"), "{page}");

    let later = app.create_trip("L9", month, 60).await;
    assert!(app.state.trips.shared(later.id).is_none(), "not in memory");
    let response = app.scan(&app.seat_token(&later, 1), None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().contains_key("retry-after"));
    let page = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(page.contains("pas encore commencé"), "French page: {page}");
}

/// A code whose signed window spans weeks (minted with a leaked key, say)
/// is held to its trip's live window: its session ends with the trip, and
/// once the trip is over it opens nothing.
async fn a_code_signed_for_weeks_opens_sessions_only_for_its_trip(backend: Backend) {
    use trajet::seat_codes::{Car, Claims, Seat, Window};
    let mut redis = None;
    let app = app(backend, &mut redis).await;
    let weeks = |trip: &trajet::trips::Trip| {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            trip: trip.id.get(),
            seat: Seat(4),
            car: Car::NONE,
            window: Window::from_unix_seconds(now - 3 * 86_400, now + 30 * 86_400).unwrap(),
        };
        trajet::seat_codes::mint(&app.state.seat_keys.keyring(), &claims, now)
            .unwrap()
            .as_str()
            .to_owned()
    };
    let running = app.create_trip("L4", -5, 60).await;
    let response = app.scan(&weeks(&running), None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = body_json(
        app.get_with("/api/v1/session", &cookie_pair(&response))
            .await,
    )
    .await;
    let left = session["seconds_left"].as_i64().unwrap();
    // The trip's arrival (55 minutes from now) plus the 15-minute grace.
    assert!(left <= 71 * 60, "session of {left} s outlives its trip");

    let ended = app.create_trip("L4", -180, 60).await;
    let response = app.scan(&weeks(&ended), None).await;
    assert_eq!(response.status(), StatusCode::GONE);
    let later = app.create_trip("L4", 120, 60).await;
    let response = app.scan(&weeks(&later), None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn a_cancelled_trip_refuses_its_codes_and_ends_its_sessions(backend: Backend) {
    let mut redis = None;
    let app = app(backend, &mut redis).await;
    let trip = app.create_trip("L4", -5, 60).await;
    let token = app.seat_token(&trip, 9);
    let cookie = cookie_pair(&app.scan(&token, None).await);
    app.state.trips.cancel(trip.id, "op-test").await.unwrap();
    app.state.sessions.end_trip(trip.id.get()).await.unwrap();
    let response = app.scan(&token, None).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(
        String::from_utf8(body_bytes(response).await)
            .unwrap()
            .contains("supprimé")
    );
    let status = app.get_with("/api/v1/session", &cookie).await.status();
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::GONE,
        "{status}"
    );
}

async fn an_altered_code_is_refused_with_a_readable_page(backend: Backend) {
    let mut redis = None;
    let app = app(backend, &mut redis).await;
    let trip = app.create_trip("L5", -5, 60).await;
    let mut token = app.seat_token(&trip, 1).into_bytes();
    token[5] = if token[5] == b'A' { b'B' } else { b'A' };
    let response = app.scan(std::str::from_utf8(&token).unwrap(), None).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.headers().get("set-cookie").is_none());
    let page = String::from_utf8(body_bytes(response).await).unwrap();
    assert!(
        page.contains("seat-code-invalid") && page.contains("n’est pas valide"),
        "{page}"
    );
}

#[tokio::test]
async fn a_scan_while_redis_is_down_is_a_503_page_with_retry_after() {
    let mut redis = RedisServer::start();
    let app = TestApp::new(Some(&redis)).await;
    let trip = app.create_trip("L6", -5, 60).await;
    let token = app.seat_token(&trip, 2);
    redis.kill();
    let response = app.scan(&token, None).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    redis.restart();
}

/// The `Cookie` header a browser sends after this response: every cookie it
/// set, or `kept` when it set none.
fn cookies_after(response: &axum::response::Response, kept: Option<String>) -> Option<String> {
    let set: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    if set.is_empty() {
        kept
    } else {
        Some(set.join("; "))
    }
}

#[tokio::test]
async fn scans_retried_while_redis_stalls_open_one_session() {
    let redis = RedisServer::start();
    // The per-code rate limit is lifted: this is about activations, not the
    // rate; K = 3 keeps the count of other browsers short.
    let app = TestApp::with_config(Some(&redis), |config| {
        config.scans_per_minute_per_seat_code = 1_000;
        config.sessions_per_seat_code = 3;
    })
    .await;
    let trip = app.create_trip("L8", -5, 60).await;
    let token = app.seat_token(&trip, 5);
    // A running service: its connection to Redis is up when Redis stalls.
    app.passenger(&trip, 6).await;
    redis.pause();
    // The passenger retries; each scan's script runs once Redis answers again.
    let mut cookies = None;
    for attempt in 1..=3 {
        let response = app.scan(&token, cookies.as_deref()).await;
        assert_eq!(
            response.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "attempt {attempt}"
        );
        cookies = cookies_after(&response, cookies);
    }
    redis.resume();
    let after = app.scan(&token, cookies.as_deref()).await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the seat is not lost"
    );
    let session = cookie_pair(&after);
    assert!(
        cookies.as_deref().unwrap_or_default().contains(&session),
        "the session the stalled scans created is resumed: {session} not in {cookies:?}"
    );
    assert_eq!(
        app.get_with("/api/v1/session", &session).await.status(),
        StatusCode::OK
    );
    // One activation in all: two other browsers still open sessions (K = 3).
    for other in 1..=3 {
        let status = app.scan(&token, None).await.status();
        let expected = if other < 3 {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "other browser {other}");
    }
}

/// A scan arriving from `peer`, through `forwarded` when given.
async fn scan_from(app: &TestApp, token: &str, peer: &str, forwarded: Option<&str>) -> StatusCode {
    let mut request = axum::http::Request::get(format!("/t/{token}"));
    if let Some(hops) = forwarded {
        request = request.header("x-forwarded-for", hops);
    }
    let mut request = request.body(axum::body::Body::empty()).unwrap();
    let peer: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    support::send(&app.router, request).await.status()
}

#[tokio::test]
async fn a_full_train_behind_one_address_boards_at_once() {
    // Default limits: 400 passengers behind the train's Wi-Fi scan their
    // own seats within two minutes (here, as fast as they can).
    let app = TestApp::new(None).await;
    let mut trips = Vec::new();
    for i in 0..5 {
        trips.push(app.create_trip(&format!("L{i}"), -5, 60).await);
    }
    let mut refused = Vec::new();
    for trip in &trips {
        for seat in 1..=80 {
            let status = scan_from(&app, &app.seat_token(trip, seat), "192.0.2.10", None).await;
            if status != StatusCode::SEE_OTHER {
                refused.push((trip.id.get(), seat, status));
            }
        }
    }
    assert!(
        refused.is_empty(),
        "{} of 400 refused: {:?}",
        refused.len(),
        &refused[..refused.len().min(5)]
    );
}

#[tokio::test]
async fn junk_scans_from_an_address_do_not_block_valid_scans_from_it() {
    let app = TestApp::new(None).await;
    let trip = app.create_trip("L7", -5, 60).await;
    let junk_limited = (0..200)
        .map(|i| format!("JUNK{i:04}AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .collect::<Vec<_>>();
    let mut statuses = Vec::new();
    for token in &junk_limited {
        statuses.push(scan_from(&app, token, "192.0.2.20", None).await);
    }
    assert_eq!(statuses[0], StatusCode::BAD_REQUEST);
    assert_eq!(
        *statuses.last().unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "junk is limited"
    );
    for seat in 1..=40 {
        let status = scan_from(&app, &app.seat_token(&trip, seat), "192.0.2.20", None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "seat {seat}");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_scan_limit() {
    let app = TestApp::with_config(None, |c| {
        c.http.trusted_proxies = "10.0.0.0/8".parse().unwrap();
        c.invalid_scans_per_minute_per_client = 4;
    })
    .await;
    let junk = "JUNKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    // A client behind the balancer uses up its junk allowance …
    for _ in 0..2 {
        assert_eq!(
            scan_from(&app, junk, "10.0.0.2", Some("203.0.113.1")).await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        scan_from(&app, junk, "10.0.0.2", Some("203.0.113.1")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // … spoofing a left-most hop does not change who it is …
    assert_eq!(
        scan_from(&app, junk, "10.0.0.2", Some("198.51.100.77, 203.0.113.1")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // … and another client behind the same balancer is not affected.
    assert_eq!(
        scan_from(&app, junk, "10.0.0.2", Some("203.0.113.2")).await,
        StatusCode::BAD_REQUEST
    );
    // An untrusted peer's header is ignored: it is limited by its own address.
    for _ in 0..2 {
        assert_eq!(
            scan_from(&app, junk, "192.0.2.30", Some("203.0.113.3")).await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        scan_from(&app, junk, "192.0.2.30", Some("203.0.113.4")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
