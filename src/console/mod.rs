//! Console sign-in for publishers and operators in the browser: the API key
//! is exchanged once for a signed, `HttpOnly`, `SameSite=Strict` cookie.
//!
//! The cookie names the key (by id), an expiry and an HMAC with a secret from
//! the data directory, so any instance can check it without storage, and a
//! revoked key ends its console sessions at once. State changes made with the
//! cookie must come from our own origin and be non-simple requests (a custom
//! header), so a cross-site form post is refused with `403 csrf-rejected`.

pub mod secret;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::accounts::{Account, parse_key_id};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::client::client_ip;
use crate::http::extract::ApiJson;
use crate::http::rate_limit::address_key;

/// Name of the console cookie.
pub const COOKIE: &str = "trajet_console";
/// Header a console page must send with every state change.
pub const CSRF_HEADER: &str = "x-trajet-console";
/// How long a console sign-in lasts.
const LIFETIME_SECONDS: i64 = 12 * 3600;
const LIFETIME_MS: i64 = LIFETIME_SECONDS * 1000;

/// Console times are in milliseconds: a sign-in right after a sign-out
/// (the same second) must not be taken for one that came before it.
fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The account of the console cookie, after the CSRF checks for state changes.
/// `None` when the request carries no console cookie.
pub fn account_from_cookie(parts: &Parts, state: &AppState) -> Result<Option<Account>, AppError> {
    let Some(value) = crate::http::cookie::value(&parts.headers, COOKIE) else {
        return Ok(None);
    };
    let (key_id, expires) = state
        .console_secret
        .verify(value, now_ms())
        .ok_or_else(|| {
            AppError::unauthorized(
                "unauthorized",
                "Your console session has expired. Sign in again.",
            )
        })?;
    let signed_in_at = expires - LIFETIME_MS;
    let account = state
        .accounts
        .account_for_console(key_id, signed_in_at)
        .ok_or_else(|| {
            AppError::unauthorized(
                "unauthorized",
                "You have signed out, or this API key has been revoked. Sign in again.",
            )
        })?;
    if !matches!(parts.method, Method::GET | Method::HEAD) {
        check_same_origin(&parts.headers, state.config.cookie_secure)?;
    }
    Ok(Some(account))
}

/// A console state change must carry our custom header and come from our own
/// origin: same scheme (`https` when cookies are `Secure`, else `http` or
/// `https`), host and port as the request's `Host`.
fn check_same_origin(headers: &HeaderMap, secure: bool) -> Result<(), AppError> {
    let refused = || {
        AppError::forbidden(
            "csrf-rejected",
            "This change must come from the trajet console itself.",
        )
    };
    if !headers.contains_key(CSRF_HEADER) {
        return Err(refused());
    }
    let origin = headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refused)?;
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refused)?;
    let (scheme, origin_host) = origin.split_once("://").unwrap_or(("", ""));
    let scheme_ok = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => !secure,
        _ => false,
    };
    if scheme_ok && origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(refused())
    }
}

#[derive(Deserialize)]
struct SignIn {
    key: String,
}

/// `POST /api/v1/console/session` (sign in) and `DELETE` (sign out).
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/v1/console/session",
        post(sign_in).get(whoami).delete(sign_out),
    )
}

async fn sign_in(State(state): State<AppState>, request: Request) -> Result<Response, AppError> {
    // Cheap checks before the body is read: an unauthenticated client
    // cannot make the service wait for a body it would refuse anyway.
    let (parts, body) = request.into_parts();
    check_same_origin(&parts.headers, state.config.cookie_secure)?;
    // Keyed on the client's address, never on the key id the client sends
    // (one per attempt would make a new bucket per attempt).
    if let Some(ip) = client_ip(&parts, &state.config.http.trusted_proxies) {
        state
            .limits
            .sign_ins_per_client
            .enforce(address_key(ip), "sign-in attempts from this network")?;
    }
    let ApiJson(body) =
        ApiJson::<SignIn>::from_request(Request::from_parts(parts, body), &state).await?;
    let key = body.key.trim();
    // A real account's key id is also limited on its own, against guesses
    // spread over many addresses; ids of no account make no bucket.
    if let Some(id) = parse_key_id(key).filter(|id| state.accounts.is_valid_key_id(id)) {
        state
            .limits
            .calls_per_key
            .enforce(("sign-in", id), "sign-in attempts")?;
    }
    let account = state.accounts.authenticate(key).await.ok_or_else(|| {
        AppError::unauthorized(
            "unauthorized",
            "This API key is not valid or has been revoked.",
        )
    })?;
    let key_id = parse_key_id(key).expect("an authenticated key is well formed");
    let value = state
        .console_secret
        .cookie_value(key_id, now_ms() + LIFETIME_MS);
    let secure = if state.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={LIFETIME_SECONDS}{secure}"
    );
    let mut response = Json(serde_json::json!({"account": {"id": account.id, "name": account.name, "role": account.role}})).into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?,
    );
    Ok(response)
}

/// Who the console is signed in as (`401` when not signed in).
async fn whoami(State(state): State<AppState>, parts: Parts) -> Result<Response, AppError> {
    let account = account_from_cookie(&parts, &state)?
        .ok_or_else(|| AppError::unauthorized("unauthorized", "Sign in with your API key."))?;
    Ok(Json(serde_json::json!({"account": {"id": account.id, "name": account.name, "role": account.role}})).into_response())
}

/// Ends the console session: this browser's cookie is cleared, and every
/// console session signed in with the same key until now is refused by every
/// instance (a copied cookie, another tab or browser).
async fn sign_out(State(state): State<AppState>, parts: Parts) -> Result<Response, AppError> {
    if let Some(value) = crate::http::cookie::value(&parts.headers, COOKIE)
        && let Some((key_id, _)) = state.console_secret.verify(value, now_ms())
    {
        check_same_origin(&parts.headers, state.config.cookie_secure)?;
        state.accounts.sign_out(key_id, now_ms()).await?;
    }
    let secure = if state.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}");
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("ASCII cookie"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_or_simple_requests_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(HOST, "trajet.example:8080".parse().unwrap());
        h.insert(ORIGIN, "https://evil.example".parse().unwrap());
        h.insert(CSRF_HEADER, "1".parse().unwrap());
        assert!(check_same_origin(&h, false).is_err());
        h.insert(ORIGIN, "http://trajet.example:8080".parse().unwrap());
        assert!(check_same_origin(&h, false).is_ok());
        h.remove(CSRF_HEADER);
        assert!(
            check_same_origin(&h, false).is_err(),
            "a form post cannot set the custom header"
        );
    }

    #[test]
    fn the_origin_must_match_in_scheme_host_and_port() {
        let mut h = HeaderMap::new();
        h.insert(HOST, "trajet.example:8080".parse().unwrap());
        h.insert(CSRF_HEADER, "1".parse().unwrap());
        let allowed = |origin: &str, secure: bool| {
            let mut h = h.clone();
            h.insert(ORIGIN, origin.parse().unwrap());
            check_same_origin(&h, secure).is_ok()
        };
        assert!(!allowed("evil://trajet.example:8080", false));
        assert!(!allowed("null://trajet.example:8080", false));
        assert!(!allowed("trajet.example:8080", false));
        assert!(!allowed("http://trajet.example:8081", false));
        assert!(!allowed("http://trajet.example", false));
        assert!(!allowed("http://trajet.example:8080", true), "https only");
        assert!(allowed("https://trajet.example:8080", true));
        assert!(allowed("HTTP://TRAJET.example:8080", false));
    }
}
