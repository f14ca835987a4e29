//! Console sign-in: an API key is exchanged for a strict cookie; revocation
//! ends it; cross-site requests are refused.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{TestApp, body_json, send};
use trajet::accounts::{Role, parse_key_id};

fn sign_in(key: &str, origin: &str, csrf: bool) -> Request<Body> {
    let mut r = Request::post("/api/v1/console/session")
        .header("host", "trajet.test")
        .header("origin", origin)
        .header("content-type", "application/json");
    if csrf {
        r = r.header("x-trajet-console", "1");
    }
    r.body(Body::from(serde_json::json!({ "key": key }).to_string()))
        .unwrap()
}

#[tokio::test]
async fn signing_in_sets_a_strict_cookie_that_works_until_the_key_is_revoked() {
    let app = TestApp::new(None).await;
    let (_, key) = app
        .state
        .accounts
        .create_with_key(Role::Publisher, "Éditions du Quai")
        .await
        .unwrap();

    let response = send(&app.router, sign_in(&key, "http://trajet.test", true)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(
        !cookie.contains(&key),
        "the key itself never goes into the cookie"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();

    let whoami = || {
        Request::get("/api/v1/console/session")
            .header("cookie", &pair)
            .body(Body::empty())
            .unwrap()
    };
    let response = send(&app.router, whoami()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_json(response).await["account"]["name"],
        "Éditions du Quai"
    );

    app.state
        .accounts
        .revoke_key(parse_key_id(&key).unwrap())
        .await
        .unwrap();
    assert_eq!(
        send(&app.router, whoami()).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_cross_site_or_form_sign_in_is_refused_as_csrf() {
    let app = TestApp::new(None).await;
    let (_, key) = app
        .state
        .accounts
        .create_with_key(Role::Operator, "TER")
        .await
        .unwrap();
    let response = send(&app.router, sign_in(&key, "https://evil.example", true)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(response).await["code"], "csrf-rejected");
    let response = send(&app.router, sign_in(&key, "http://trajet.test", false)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_wrong_key_does_not_sign_in() {
    let app = TestApp::new(None).await;
    let response = send(
        &app.router,
        sign_in(
            "trj_nope_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "http://trajet.test",
            true,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("set-cookie").is_none());
}

/// Signing out ends the session for good: a copy of the cookie (another tab,
/// a stolen value) is refused afterwards, and signing in again works at once.
#[tokio::test]
async fn signing_out_ends_every_copy_of_the_cookie_and_a_new_sign_in_works() {
    let app = TestApp::new(None).await;
    let (_, key) = app
        .state
        .accounts
        .create_with_key(Role::Operator, "TER Bretagne")
        .await
        .unwrap();
    let signed_in = |response: axum::response::Response| {
        assert_eq!(response.status(), StatusCode::OK);
        support::cookie_pair(&response)
    };
    let first = signed_in(send(&app.router, sign_in(&key, "http://trajet.test", true)).await);
    let second = signed_in(send(&app.router, sign_in(&key, "http://trajet.test", true)).await);
    let whoami = |pair: &str| {
        Request::get("/api/v1/console/session")
            .header("cookie", pair)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        send(&app.router, whoami(&first)).await.status(),
        StatusCode::OK
    );

    let sign_out = Request::delete("/api/v1/console/session")
        .header("host", "trajet.test")
        .header("origin", "http://trajet.test")
        .header("x-trajet-console", "1")
        .header("cookie", &first)
        .body(Body::empty())
        .unwrap();
    let response = send(&app.router, sign_out).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        support::cookie_pair(&response).ends_with('='),
        "the cookie is cleared"
    );

    for copy in [&first, &second] {
        let response = send(&app.router, whoami(copy)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{copy}");
    }
    let again = signed_in(send(&app.router, sign_in(&key, "http://trajet.test", true)).await);
    assert_eq!(
        send(&app.router, whoami(&again)).await.status(),
        StatusCode::OK
    );
}
