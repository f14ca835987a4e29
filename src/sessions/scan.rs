//! The scan: `GET /t/{token}` opens (or resumes) a passenger session and
//! sends the browser to the reader with a session cookie. A trip code names
//! its trip; a vehicle code (a label printed once per seat of a train set)
//! opens the trip the set runs now, or says when it runs next.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};

use super::{Opened, Session, SessionId};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::client::client_ip;
use crate::http::extract::ApiPath;
use crate::http::rate_limit::address_key;
use crate::metrics::Metrics;
use crate::seat_codes::{Claims, SeatCode, VehicleClaims, verify_any};
use crate::trips::{SharedTrip, Trip, TripId};
use crate::usage::{Event, UsageKey};
use crate::vehicles::{Running, Source, running_at};

/// Name of the passenger session cookie.
pub const SESSION_COOKIE: &str = "trajet_session";
/// Name of the cookie naming the session's trip. It grants nothing; once the
/// session is gone it lets the server tell "this train was cancelled" from
/// "your trip has ended", so it outlives the session by [`TRIP_COOKIE_AFTER`].
pub const TRIP_COOKIE: &str = "trajet_trip";
/// How long the trip cookie outlives the session.
const TRIP_COOKIE_AFTER: i64 = 24 * 3600;

/// `/t/{token}` and `/T/{token}` (printed seat codes are upper case so the QR
/// code can use alphanumeric mode).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/t/{token}", get(scan))
        .route("/T/{token}", get(scan))
}

async fn scan(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    parts: Parts,
) -> Response {
    let result = open_session(&state, &token, &parts).await;
    let outcome = match &result {
        Ok(_) => "opened",
        Err(refused) => refused.error.code(),
    };
    Metrics::count(&state.metrics.scans, outcome);
    match result {
        Ok(response) => response,
        Err(refused) => refused.into_response(state.config.cookie_secure),
    }
}

/// A scan that did not open a session. A store call that timed out may
/// still run once the store answers (a stalled Redis runs the queued script
/// when it resumes): the answer then carries the session id that run leaves
/// this browser with, so the passenger's retry resumes that session instead
/// of using up another activation of the seat code.
struct Refused {
    error: AppError,
    pending: Option<Pending>,
}

/// The session a timed-out open may still create or resume.
struct Pending {
    id: SessionId,
    trip: TripId,
    seconds_left: i64,
}

impl From<AppError> for Refused {
    fn from(error: AppError) -> Self {
        Refused {
            error,
            pending: None,
        }
    }
}

impl Refused {
    fn into_response(self, secure: bool) -> Response {
        let mut response = self.error.into_response();
        if let Some(p) = self.pending {
            set_passenger_cookies(response.headers_mut(), p.id, p.trip, p.seconds_left, secure);
        }
        response
    }
}

/// A scan that passed every check: the session it may open on its trip.
struct Admitted {
    trip: Trip,
    session: Session,
    /// Until the session closes.
    seconds_left: i64,
    /// How many sessions the seat code may open on this trip.
    cap: u32,
}

async fn open_session(state: &AppState, token: &str, parts: &Parts) -> Result<Response, Refused> {
    let Admitted {
        trip,
        session,
        seconds_left,
        cap,
    } = admit(state, token, parts)?;
    // A session id sent by the client is only ever kept if it is a live
    // session of this trip (checked in the store); otherwise a fresh id is minted.
    let presented =
        crate::http::cookie::value(&parts.headers, SESSION_COOKIE).and_then(SessionId::parse);
    let fresh = SessionId::random(trip.id.get());
    let opened = state
        .sessions
        .open(fresh, &session, cap, presented)
        .await
        .map_err(|e| Refused {
            error: e.into(),
            pending: Some(Pending {
                id: pending_id(parts, trip.id, presented, fresh),
                trip: trip.id,
                seconds_left,
            }),
        })?;
    let id = match opened {
        Opened::Opened => {
            state.metrics.sessions_opened.inc();
            state
                .usage
                .record(trip_usage_key(&trip), Event::SessionOpened);
            fresh
        }
        Opened::Resumed(existing) => existing,
        Opened::SeatCodeExhausted => {
            return Err(AppError::too_many_requests(
                "seat-code-exhausted",
                "This seat code has already opened all the reading sessions it allows.",
                Duration::from_secs(seconds_left.max(1) as u64),
            )
            .into());
        }
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/read")]).into_response();
    let headers = response.headers_mut();
    set_passenger_cookies(
        headers,
        id,
        trip.id,
        seconds_left,
        state.config.cookie_secure,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Verifies the code (a trip's or a vehicle's), applies the scan limits and
/// finds the trip and window the session opens on.
fn admit(state: &AppState, token: &str, parts: &Parts) -> Result<Admitted, AppError> {
    // The code is verified before any per-address limit (an HMAC, cheap):
    // junk from one address is counted apart and cannot use up the valid
    // scans of everyone behind the same NAT or proxy.
    let client = client_ip(parts, &state.config.http.trusted_proxies).map(address_key);
    let code = match verify_any(&state.seat_keys.keyring(), token) {
        Ok(code) => code,
        Err(_) => {
            if let Some(ip) = client {
                state
                    .limits
                    .invalid_scans_per_client
                    .enforce(ip, "invalid seat codes from this network")?;
            }
            return Err(invalid_code());
        }
    };
    let scan_limits = |seat_code: &str| -> Result<(), AppError> {
        state
            .limits
            .scans_per_seat_code
            .enforce(seat_code, "scans of this seat code")?;
        if let Some(ip) = client {
            state
                .limits
                .scans_per_client
                .enforce(ip, "scans from this network")?;
        }
        Ok(())
    };
    match code {
        SeatCode::Trip(claims) => {
            let seat_code = format!("{}/{}/{}", claims.trip, claims.car.0, claims.seat.0);
            scan_limits(&seat_code)?;
            admit_trip(state, &claims, seat_code)
        }
        SeatCode::Vehicle(claims) => {
            let seat_code = format!("v{}/{}/{}", claims.vehicle, claims.car.0, claims.seat.0);
            scan_limits(&seat_code)?;
            admit_vehicle(state, &claims, seat_code)
        }
    }
}

fn invalid_code() -> AppError {
    AppError::bad_request(
        "seat-code-invalid",
        "This seat code is not valid. Scan the code on your seat again.",
    )
}

/// A trip code: its trip, if it runs, inside the code's window.
fn admit_trip(state: &AppState, claims: &Claims, seat_code: String) -> Result<Admitted, AppError> {
    let Some(trip) = state.trips.shared(TripId::new(claims.trip)) else {
        return Err(outside_current_days(claims, state.clock.now()).unwrap_or_else(invalid_code));
    };
    let trip = Trip::clone(&trip);
    if trip.is_cancelled() {
        return Err(cancelled());
    }
    let now = state.clock.now();
    let (opens_at, closes_at) = validity(state, &trip);
    if now < opens_at {
        return Err(not_started(opens_at, now));
    }
    if now >= closes_at {
        return Err(AppError::gone("trip-ended", "This trip has ended."));
    }
    Ok(admitted(state, trip, seat_code, now, closes_at))
}

/// A vehicle code: the live set's current label for that seat, and the trip
/// the set runs now.
fn admit_vehicle(
    state: &AppState,
    claims: &VehicleClaims,
    seat_code: String,
) -> Result<Admitted, AppError> {
    let fleet = state.vehicles.fleet();
    // A retired set, a seat it does not have, or a label since reprinted:
    // refused like a forged code (a reprint is how an abused label is stopped).
    let vehicle = fleet
        .vehicle(claims.vehicle)
        .filter(|v| v.operator_tag == claims.operator && v.has_seat(claims.car, claims.seat))
        .filter(|_| fleet.generation(claims.vehicle, claims.car, claims.seat) == claims.generation)
        .ok_or_else(invalid_code)?;
    let trips: Vec<(SharedTrip, Source)> = fleet
        .trips_of(vehicle.number)
        .iter()
        .filter_map(|(id, source)| Some((state.trips.shared(*id)?, *source)))
        .collect();
    let trips: Vec<(&Trip, Source)> = trips.iter().map(|(t, s)| (&**t, *s)).collect();
    let now = state.clock.now();
    match running_at(&trips, now, &state.config) {
        Running::Trip(trip) => {
            let closes_at = trip.window(&state.config).closes_at;
            Ok(admitted(state, trip.clone(), seat_code, now, closes_at))
        }
        Running::Cancelled(_) => Err(cancelled()),
        Running::NotInService { next } => Err(not_in_service(next, now)),
    }
}

fn admitted(
    state: &AppState,
    trip: Trip,
    seat_code: String,
    now: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Admitted {
    let cap = trip
        .operator
        .as_deref()
        .and_then(|o| state.vehicles.fleet().sessions_per_seat_code(o))
        .unwrap_or(state.config.sessions_per_seat_code);
    let session = Session {
        id: None,
        trip_id: trip.id.get(),
        seat_code,
        opened_at: now.timestamp(),
        expires_at: closes_at.timestamp(),
    };
    Admitted {
        seconds_left: (closes_at - now).num_seconds(),
        trip,
        session,
        cap,
    }
}

fn cancelled() -> AppError {
    AppError::gone(
        "trip-cancelled",
        "This trip was cancelled; its seat codes no longer open sessions.",
    )
}

/// `403 vehicle-not-in-service`, naming the next departure (its time in the
/// trip's zone, with the date when not today there, and its destination).
fn not_in_service(next: Option<&Trip>, now: DateTime<Utc>) -> AppError {
    let error = AppError::forbidden(
        "vehicle-not-in-service",
        "This train is not in service now; scan again once it runs a trip.",
    );
    let Some(next) = next else { return error };
    let local = next.departs_at.with_timezone(&next.timezone);
    let time = if local.date_naive() == now.with_timezone(&next.timezone).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    };
    error
        .with_extra("next_departure", next.departs_at.to_rfc3339())
        .with_extra("next_departure_local", time)
        .with_extra("next_destination", next.destination.clone())
}

/// The session a timed-out open leaves this browser with once it runs: the
/// id it presented, if that was set for this trip (by a scan, or by an
/// earlier timed-out one, whose run comes first on the store's connection
/// and is resumed by this one); else the fresh id it would open. Only
/// this choice of cookie trusts the trip cookie: the store still resumes an
/// id only if it is a live session of this trip.
fn pending_id(
    parts: &Parts,
    trip: TripId,
    presented: Option<SessionId>,
    fresh: SessionId,
) -> SessionId {
    let same_trip = crate::http::cookie::value(&parts.headers, TRIP_COOKIE)
        .is_some_and(|t| t == trip.get().to_string());
    presented.filter(|_| same_trip).unwrap_or(fresh)
}

/// The answer to a valid code whose trip is not among the current days in
/// memory (a trip of last month, or of next week): the window signed into
/// the code says whether it has ended or has not begun, without a database
/// query on the passenger's path. `None` when the code's window is open now
/// (its trip does not exist).
fn outside_current_days(claims: &Claims, now: DateTime<Utc>) -> Option<AppError> {
    let opens_at = DateTime::from_timestamp(claims.window.start_unix(), 0)?;
    let closes_at = DateTime::from_timestamp(claims.window.end_unix(), 0)?;
    if now < opens_at {
        return Some(not_started(opens_at, now));
    }
    (now >= closes_at).then(|| AppError::gone("trip-ended", "This trip has ended."))
}

fn not_started(opens_at: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    AppError::forbidden(
        "trip-not-started",
        format!("Reading opens at {}.", opens_at.to_rfc3339()),
    )
    .with_retry_after(Duration::from_secs(
        (opens_at - now).num_seconds().max(1) as u64
    ))
}

/// When the code opens sessions: the trip's current window (its live
/// departure and arrival plus the configured margins), whatever window the
/// code carries. A code minted with a leaked key for a window of weeks opens
/// sessions only while its trip runs, and they end with it; a trip extended
/// after its codes were printed keeps them working, since the window follows
/// the live arrival.
fn validity(state: &AppState, trip: &Trip) -> (DateTime<Utc>, DateTime<Utc>) {
    let window = trip.window(&state.config);
    (window.opens_at, window.closes_at)
}

/// The usage row of trip-level events.
pub fn trip_usage_key(trip: &Trip) -> UsageKey {
    UsageKey {
        day: trip.service_date.to_string(),
        trip: trip.id.get(),
        line: trip.line.clone(),
        title: String::new(),
        publisher: String::new(),
        operator: trip.operator.clone().unwrap_or_default(),
    }
}

/// The session cookie: `HttpOnly; SameSite=Lax; Path=/`, `Secure` unless turned off for local http.
pub fn session_cookie(id: SessionId, max_age: i64, secure: bool) -> String {
    passenger_cookie(SESSION_COOKIE, &id.to_string(), max_age, secure)
}

/// Sets the session cookie to last `seconds_left` (the session's current
/// end: a delayed trip's sessions last longer, and so must the cookie) and
/// the trip cookie a day longer.
pub fn set_passenger_cookies(
    headers: &mut HeaderMap,
    id: SessionId,
    trip: TripId,
    seconds_left: i64,
    secure: bool,
) {
    let cookies = [
        session_cookie(id, seconds_left, secure),
        passenger_cookie(
            TRIP_COOKIE,
            &trip.get().to_string(),
            seconds_left.max(0) + TRIP_COOKIE_AFTER,
            secure,
        ),
    ];
    for cookie in cookies {
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("ASCII cookie"),
        );
    }
}

fn passenger_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        max_age.max(0)
    )
}
