//! The only readers of publisher and operator credentials.
//!
//! Handlers take an `Operator` or a `Publisher` argument; the extractor checks
//! `Authorization: Bearer {api key}` against the hashed keys and answers
//! `401 unauthorized` (problem+json) when it is missing, wrong or revoked, and
//! `403 forbidden` when the key belongs to the other role. Without a bearer
//! key, a console sign-in cookie is accepted (see `crate::console`, which also
//! refuses cross-site state changes).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::accounts::{Account, Role};
use crate::app::AppState;
use crate::error::AppError;
use crate::sessions::scan::{SESSION_COOKIE, TRIP_COOKIE};
use crate::sessions::{LiveSession, SessionId};
use crate::trips::{SharedTrip, TripId};

/// An authenticated operator (rail company staff).
#[derive(Debug, Clone)]
pub struct Operator(pub Account);

/// Through what an operator acts: an API key (`api`) or the signed-in
/// console (`console`), as trips' histories record it. Says nothing about
/// whether the credentials are valid: take it beside [`Operator`].
#[derive(Debug, Clone, Copy)]
pub struct Via(pub crate::trips::Source);

impl<S: Send + Sync> FromRequestParts<S> for Via {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // `account_for` prefers a bearer key to the cookie: so does this.
        let bearer = parts.headers.contains_key(AUTHORIZATION);
        Ok(Via(if bearer {
            crate::trips::Source::Api
        } else {
            crate::trips::Source::Console
        }))
    }
}

/// An authenticated publisher partner.
#[derive(Debug, Clone)]
pub struct Publisher(pub Account);

async fn account_for(parts: &Parts, state: &AppState, role: Role) -> Result<Account, AppError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let bearer = header.and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    });
    let account = match bearer {
        Some(key) => state
            .accounts
            .authenticate(key.trim())
            .await
            .ok_or_else(|| {
                AppError::unauthorized(
                    "unauthorized",
                    "This API key is not valid or has been revoked.",
                )
            })?,
        None => crate::console::account_from_cookie(parts, state)?.ok_or_else(|| {
            AppError::unauthorized(
                "unauthorized",
                "Send your API key as `Authorization: Bearer <key>`, or sign in to the console.",
            )
        })?,
    };
    if account.role != role {
        return Err(AppError::forbidden(
            "forbidden",
            "This API key does not give access to this part of the API.",
        ));
    }
    state
        .limits
        .calls_per_key
        .enforce(&account.id, "API calls with this key")?;
    Ok(account)
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        account_for(parts, state, Role::Operator)
            .await
            .map(Operator)
    }
}

impl FromRequestParts<AppState> for Publisher {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        account_for(parts, state, Role::Publisher)
            .await
            .map(Publisher)
    }
}

/// A passenger holding a live session (the cookie set by a scan), with its trip.
#[derive(Debug, Clone)]
pub struct Passenger {
    /// The session id (from the cookie).
    pub id: SessionId,
    /// The session's trip and times.
    pub session: LiveSession,
    /// The trip the session reads on (as of this request).
    pub trip: SharedTrip,
}

impl FromRequestParts<AppState> for Passenger {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ended = || session_over(state, &parts.headers);
        let id = crate::http::cookie::value(&parts.headers, SESSION_COOKIE)
            .and_then(SessionId::parse)
            .ok_or_else(ended)?;
        let session = state.sessions.live(id).await?.ok_or_else(ended)?;
        if session.expires_at <= chrono::Utc::now().timestamp() {
            return Err(ended());
        }
        let trip = state
            .trips
            .shared(TripId::new(session.trip_id))
            .ok_or_else(ended)?;
        if trip.is_cancelled() {
            return Err(AppError::gone(
                "trip-cancelled",
                "This trip was cancelled; reading has ended.",
            ));
        }
        Ok(Passenger { id, session, trip })
    }
}

/// Why a request has no live session: its trip was cancelled, its trip has
/// ended (both named by the trip cookie), or there is no session at all.
fn session_over(state: &AppState, headers: &axum::http::HeaderMap) -> AppError {
    let trip = crate::http::cookie::value(headers, TRIP_COOKIE)
        .and_then(|id| id.parse::<u32>().ok())
        .and_then(|id| state.trips.shared(TripId::new(id)));
    match trip {
        Some(trip) if trip.is_cancelled() => AppError::gone(
            "trip-cancelled",
            "This trip was cancelled; reading has ended.",
        ),
        Some(trip) if trip.window(&state.config).closes_at <= chrono::Utc::now() => {
            AppError::gone("trip-ended", "This trip has ended; reading has ended.")
        }
        _ => AppError::unauthorized(
            "session-required",
            "There is no reading session here, or it has ended. Scan the code on your seat to read.",
        ),
    }
}
