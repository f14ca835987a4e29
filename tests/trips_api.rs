//! Operator trip API (SPEC §3): create, read, list, extend, cancel, import a
//! GTFS feed by API and by the command line.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use support::{TestApp, body_json, send};
use trajet::accounts::Role;
use trajet::sessions::{Session, SessionId};

async fn operator(app: &TestApp) -> String {
    operator_named(app, "TER Auvergne").await.1
}

/// An operator account of this name: (account id, API key).
async fn operator_named(app: &TestApp, name: &str) -> (String, String) {
    let (account, key) = app
        .state
        .accounts
        .create_with_key(Role::Operator, name)
        .await
        .unwrap();
    (account.id, key)
}

fn call(method: &str, uri: &str, key: &str, body: Option<Value>) -> Request<Body> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {key}"));
    match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap()
}

fn new_trip() -> Value {
    json!({
        "line": "TER Auvergne-Rhône-Alpes", "train_number": "17423",
        "origin": "Clermont-Ferrand", "destination": "Lyon Part-Dieu",
        "departs_at": "2026-11-28T11:29:00+01:00", "arrives_at": "2026-11-28T12:41:00+01:00",
        "seats": 80, "cars": ["1", "2"], "timezone": "Europe/Paris"
    })
}

async fn create(app: &TestApp, key: &str) -> Value {
    let response = send(
        &app.router,
        call("POST", "/api/v1/operator/trips", key, Some(new_trip())),
    )
    .await;
    let status = response.status();
    let body = body_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn operator_creates_reads_and_lists_a_trip() {
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let trip = create(&app, &key).await;
    assert!(trip["id"].is_u64());
    assert_eq!(trip["departs_at"], "2026-11-28T10:29:00Z");
    assert_eq!(
        (trip["state"].as_str(), trip["timezone"].as_str()),
        (Some("scheduled"), Some("Europe/Paris"))
    );
    assert_eq!(trip["cars"], json!(["1", "2"]));

    let uri = format!("/api/v1/operator/trips/{}", trip["id"]);
    let read = send(&app.router, call("GET", &uri, &key, None)).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(body_json(read).await, trip);

    let listed = send(
        &app.router,
        call("GET", "/api/v1/operator/trips?date=2026-11-28", &key, None),
    )
    .await;
    assert_eq!(body_json(listed).await["trips"], json!([trip]));
    let other_day = send(
        &app.router,
        call("GET", "/api/v1/operator/trips?date=2026-11-29", &key, None),
    )
    .await;
    assert_eq!(body_json(other_day).await["trips"], json!([]));
}

#[tokio::test]
async fn bad_requests_name_the_problem() {
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let mut no_seats = new_trip();
    no_seats.as_object_mut().unwrap().remove("seats");
    let response = send(
        &app.router,
        call("POST", "/api/v1/operator/trips", &key, Some(no_seats)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = body_json(response).await;
    assert_eq!(
        (problem["code"].as_str(), problem["field"].as_str()),
        (Some("trip-invalid"), Some("seats"))
    );

    let mut too_many = new_trip();
    too_many["seats"] = json!(2001);
    let response = send(
        &app.router,
        call("POST", "/api/v1/operator/trips", &key, Some(too_many)),
    )
    .await;
    let problem = body_json(response).await;
    assert_eq!(
        (problem["status"].as_u64(), problem["field"].as_str()),
        (Some(422), Some("seats"))
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("2000"),
        "{problem}"
    );
    let missing = send(
        &app.router,
        call("GET", "/api/v1/operator/trips/999", &key, None),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(missing).await["code"], "trip-not-found");
}

#[tokio::test]
async fn an_empty_trip_request_names_every_missing_field_at_once() {
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let mut partial = new_trip();
    for field in ["line", "origin", "arrives_at", "seats"] {
        partial.as_object_mut().unwrap().remove(field);
    }
    for (body, expected) in [
        (partial, vec!["line", "origin", "arrives_at", "seats"]),
        (
            json!({}),
            vec![
                "line",
                "train_number",
                "origin",
                "destination",
                "departs_at",
                "arrives_at",
                "seats",
            ],
        ),
    ] {
        let response = send(
            &app.router,
            call("POST", "/api/v1/operator/trips", &key, Some(body)),
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem = body_json(response).await;
        assert_eq!(problem["code"], "trip-invalid");
        let named: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(named, expected, "{problem}");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["detail"] == "is required")
        );
        assert_eq!(problem["field"], expected[0]);
    }
}

#[tokio::test]
async fn trip_routes_need_an_operator_key() {
    let app = TestApp::new(None).await;
    let response = send(
        &app.router,
        Request::get("/api/v1/operator/trips")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (_, publisher) = app
        .state
        .accounts
        .create_with_key(Role::Publisher, "Éditions")
        .await
        .unwrap();
    let response = send(
        &app.router,
        call(
            "POST",
            "/api/v1/operator/trips",
            &publisher,
            Some(new_trip()),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        app.state
            .trips
            .list("2026-11-28".parse().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn open_session(app: &TestApp, trip_id: u32, expires_at: i64) -> SessionId {
    let id = SessionId::random(trip_id);
    let session = Session {
        id: None,
        trip_id,
        seat_code: format!("{trip_id}/12"),
        opened_at: expires_at - 3600,
        expires_at,
    };
    app.state
        .sessions
        .open(id, &session, 3, None)
        .await
        .unwrap();
    id
}

/// A trip departing in an hour and lasting 72 minutes, with its arrival.
async fn future_trip(app: &TestApp, key: &str) -> (u32, chrono::DateTime<chrono::Utc>) {
    use chrono::{Duration as D, SubsecRound, Utc};
    let departs = Utc::now().trunc_subsecs(0) + D::hours(1);
    let arrives = departs + D::minutes(72);
    let mut body = new_trip();
    body["departs_at"] = json!(departs.to_rfc3339());
    body["arrives_at"] = json!(arrives.to_rfc3339());
    let response = send(
        &app.router,
        call("POST", "/api/v1/operator/trips", key, Some(body)),
    )
    .await;
    let trip = body_json(response).await;
    (trip["id"].as_u64().unwrap() as u32, arrives)
}

#[tokio::test]
async fn a_later_arrival_extends_open_sessions_and_an_earlier_one_never_shortens_them() {
    use chrono::{Duration as D, SecondsFormat};
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let (trip_id, arrives) = future_trip(&app, &key).await;
    // The window ends 15 minutes (the default) after arrival.
    let end = (arrives + D::minutes(15)).timestamp();
    let session = open_session(&app, trip_id, end).await;
    let uri = format!("/api/v1/operator/trips/{trip_id}");
    let at = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);

    let later = json!({ "arrives_at": at(arrives + D::minutes(30)) });
    let response = send(&app.router, call("PATCH", &uri, &key, Some(later))).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        body_json(response).await["arrives_at"],
        at(arrives + D::minutes(30))
    );
    let expiry = app
        .state
        .sessions
        .get(session)
        .await
        .unwrap()
        .unwrap()
        .expires_at;
    assert_eq!(expiry, end + 30 * 60);

    let earlier = json!({ "arrives_at": at(arrives - D::minutes(10)), "collections": ["polar"] });
    let response = send(&app.router, call("PATCH", &uri, &key, Some(earlier))).await;
    let changed = body_json(response).await;
    assert_eq!(changed["arrives_at"], at(arrives - D::minutes(10)));
    assert_eq!(changed["collections"], json!(["polar"]));
    assert_eq!(
        app.state
            .sessions
            .get(session)
            .await
            .unwrap()
            .unwrap()
            .expires_at,
        end + 30 * 60
    );
}

#[tokio::test]
async fn cancelling_ends_sessions_at_once_and_freezes_the_trip() {
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let (trip_id, arrives) = future_trip(&app, &key).await;
    let session = open_session(&app, trip_id, arrives.timestamp()).await;
    let uri = format!("/api/v1/operator/trips/{trip_id}");

    let response = send(
        &app.router,
        call("POST", &format!("{uri}/cancel"), &key, None),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_json(response).await["state"], "cancelled");
    assert_eq!(app.state.sessions.get(session).await.unwrap(), None);

    let later = json!({ "arrives_at": "2026-11-28T14:00:00+01:00" });
    let response = send(&app.router, call("PATCH", &uri, &key, Some(later))).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(body_json(response).await["code"], "trip-cancelled");
}

#[tokio::test]
async fn a_trips_sessions_say_how_many_are_open_and_when_they_end() {
    use chrono::Duration as D;
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let (trip_id, arrives) = future_trip(&app, &key).await;
    let end = (arrives + D::minutes(15)).timestamp();
    for _ in 0..2 {
        open_session(&app, trip_id, end).await;
    }
    let uri = format!("/api/v1/operator/trips/{trip_id}/sessions");
    let response = send(&app.router, call("GET", &uri, &key, None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let sessions = body_json(response).await;
    assert_eq!(sessions["live_sessions"], 2);
    assert_eq!(sessions["status"], "upcoming", "it departs in an hour");
    let closes: chrono::DateTime<chrono::Utc> = sessions["window"]["closes_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(closes.timestamp(), end, "15 minutes after arrival");

    let cancel = format!("/api/v1/operator/trips/{trip_id}/cancel");
    send(&app.router, call("POST", &cancel, &key, None)).await;
    let after = body_json(send(&app.router, call("GET", &uri, &key, None)).await).await;
    assert_eq!(
        (after["live_sessions"].as_u64(), after["status"].as_str()),
        (Some(0), Some("cancelled"))
    );
    let missing = send(
        &app.router,
        call("GET", "/api/v1/operator/trips/999999/sessions", &key, None),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// A feed of the GTFS corpus, or `None` when the corpus is missing (the skip is recorded).
fn corpus_feed(name: &str) -> Option<PathBuf> {
    Some(support::external::corpus()?.join("gtfs").join(name))
}

fn upload(uri: &str, key: &str, content_type: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

fn multipart(file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "trajet-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"feed.zip\"\r\nContent-Type: application/zip\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn caltrain_imports_by_zip_body_and_again_by_form_without_duplicates() {
    let Some(path) = corpus_feed("caltrain-2016-rail.zip") else {
        return;
    };
    let feed = std::fs::read(path).unwrap();
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let uri = "/api/v1/operator/trips/import?from=2016-05-28&to=2016-05-31";

    let response = send(
        &app.router,
        upload(uri, &key, "application/zip", feed.clone()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = body_json(response).await;
    // Counted by hand in src/trips/tests/corpus.rs: 36 + 32 + 32 + 92 rail trips.
    assert_eq!(
        (report["created"].as_u64(), report["skipped"].as_u64()),
        (Some(192), Some(0))
    );
    assert_eq!(report["other_route_types"], 58);

    let (content_type, body) = multipart(&feed);
    let again = body_json(send(&app.router, upload(uri, &key, &content_type, body)).await).await;
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(192))
    );
    let listed = send(
        &app.router,
        call("GET", "/api/v1/operator/trips?date=2016-05-31", &key, None),
    )
    .await;
    assert_eq!(
        body_json(listed).await["trips"].as_array().unwrap().len(),
        92
    );
}

#[tokio::test]
async fn a_feed_over_the_upload_limit_is_a_413_whichever_way_it_is_sent() {
    let app = TestApp::with_config(None, |c| c.http.upload_limit = 64 * 1024).await;
    let key = operator(&app).await;
    let uri = "/api/v1/operator/trips/import?from=2007-06-01&to=2007-06-30";
    let streamed = || {
        Body::from_stream(futures_util::stream::iter(
            (0..100).map(|_| Ok::<_, std::io::Error>(vec![0u8; 4096])),
        ))
    };
    // A zip body of unknown length, cut by the limit as it arrives.
    let raw = Request::post(uri)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/zip")
        .body(streamed())
        .unwrap();
    // The same as the file of a form.
    let (content_type, form) = multipart(&vec![0u8; 100 * 4096]);
    for request in [raw, upload(uri, &key, &content_type, form)] {
        let response = send(&app.router, request).await;
        let status = response.status();
        let problem = body_json(response).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
        assert_eq!(problem["code"], "upload-too-large");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .starts_with("The feed is larger"),
            "{problem}"
        );
    }
    let listed = send(
        &app.router,
        call("GET", "/api/v1/operator/trips?date=2007-06-01", &key, None),
    )
    .await;
    assert_eq!(body_json(listed).await["trips"], json!([]));
}

#[tokio::test]
async fn a_broken_feed_is_a_422_naming_file_line_and_reason() {
    let Some(path) = corpus_feed("contains-null-bytes.zip") else {
        return;
    };
    let app = TestApp::new(None).await;
    let key = operator(&app).await;
    let uri = "/api/v1/operator/trips/import?from=2007-06-01&to=2007-06-30&all_route_types=true";
    let response = send(
        &app.router,
        upload(uri, &key, "application/zip", std::fs::read(path).unwrap()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = body_json(response).await;
    assert_eq!(
        (
            problem["code"].as_str(),
            problem["file"].as_str(),
            problem["line"].as_u64()
        ),
        (Some("gtfs-invalid"), Some("stops.txt"), Some(9))
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("NUL"),
        "{problem}"
    );
    assert!(
        problem["reason"]
            .as_str()
            .unwrap()
            .starts_with("contains a NUL byte"),
        "the reason apart, for consoles to word it: {problem}"
    );

    let not_zip = send(
        &app.router,
        upload(
            uri,
            &key,
            "application/zip",
            b"not a real zip file.".to_vec(),
        ),
    )
    .await;
    assert_eq!(body_json(not_zip).await["code"], "gtfs-not-zip");
    let no_range = send(
        &app.router,
        upload(
            "/api/v1/operator/trips/import",
            &key,
            "application/zip",
            vec![],
        ),
    )
    .await;
    assert_eq!(no_range.status(), StatusCode::BAD_REQUEST);
    let text = send(&app.router, upload(uri, &key, "text/plain", b"x".to_vec())).await;
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn cli_import_reaches_the_running_service_within_a_second() {
    let Some(path) = corpus_feed("caltrain-2017-rail-extra-files.zip") else {
        return;
    };
    let app = TestApp::new(None).await;
    let (caltrain, _) = operator_named(&app, "Caltrain").await;
    let import = |operator: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trajet"));
        command
            .args(["import", "gtfs"])
            .arg(&path)
            .args(["--from", "2017-07-29", "--to", "2017-07-29"])
            .args(
                operator
                    .map(|name| ["--operator", name])
                    .into_iter()
                    .flatten(),
            )
            .env("TRAJET_DATA_DIR", app.data_path())
            .env_remove("TRAJET_CONFIG")
            .env_remove("REDIS_URL")
            .env_remove("DATABASE_URL");
        if let Some(url) = &app.database_url {
            command.env("DATABASE_URL", url);
        }
        command.output().unwrap()
    };
    // With one operator the trips are its own; with two, the CLI asks which.
    let output = import(None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Saturday 29 July 2017: 28 rail trips (see src/trips/tests/corpus.rs).
    assert!(stdout.contains("28 created"), "{stdout}");
    operator_named(&app, "TER Auvergne").await;
    let output = import(None);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--operator"));
    let output = import(Some("Caltrain"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("28 unchanged"));
    let deadline = Instant::now() + Duration::from_secs(2);
    let day = "2017-07-29".parse().unwrap();
    while app
        .state
        .trips
        .trips_of(&caltrain, day)
        .await
        .unwrap()
        .len()
        != 28
    {
        assert!(
            Instant::now() < deadline,
            "the running service did not see the imported trips"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_trip_without_a_time_zone_takes_the_configured_default() {
    let app = TestApp::with_config(None, |config| {
        config.default_timezone = chrono_tz::Europe::Paris;
    })
    .await;
    let key = operator(&app).await;
    let mut request = new_trip();
    request.as_object_mut().unwrap().remove("timezone");
    // Departing 23:30 UTC is already the next day in Paris: the service date follows the zone.
    request["departs_at"] = json!("2026-11-28T23:30:00Z");
    request["arrives_at"] = json!("2026-11-29T00:40:00Z");
    let response = send(
        &app.router,
        call("POST", "/api/v1/operator/trips", &key, Some(request)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let trip = body_json(response).await;
    assert_eq!(trip["timezone"], "Europe/Paris");
    assert_eq!(trip["service_date"], "2026-11-29", "{trip}");
}

/// Operator B's view of the API, for the trip of operator A.
struct Intruder<'a> {
    app: &'a TestApp,
    key: String,
}

impl Intruder<'_> {
    async fn status(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let response = send(&self.app.router, call(method, uri, &self.key, body)).await;
        let status = response.status();
        (status, body_json(response).await)
    }

    /// Asserts the answer is the same `404` as for a trip that does not exist.
    async fn finds_nothing(&self, method: &str, uri: &str, body: Option<Value>) {
        let (status, problem) = self.status(method, uri, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}: {problem}");
        assert_eq!(problem["code"], "trip-not-found", "{method} {uri}");
    }
}

#[tokio::test]
async fn another_operator_cannot_see_change_or_cancel_a_trip() {
    let app = TestApp::new(None).await;
    let owner = operator(&app).await;
    let (trip_id, _) = future_trip(&app, &owner).await;
    let stored = app
        .state
        .trips
        .get(trajet::trips::TripId::new(trip_id))
        .await
        .unwrap();
    let (_, key) = operator_named(&app, "Trenitalia").await;
    let other = Intruder { app: &app, key };
    let uri = format!("/api/v1/operator/trips/{trip_id}");

    other.finds_nothing("GET", &uri, None).await;
    other
        .finds_nothing("GET", &format!("{uri}/sessions"), None)
        .await;
    let later = json!({"arrives_at": "2030-01-01T00:00:00Z", "collections": ["x"]});
    other.finds_nothing("PATCH", &uri, Some(later)).await;
    other
        .finds_nothing("POST", &format!("{uri}/cancel"), None)
        .await;
    other
        .finds_nothing("GET", &format!("{uri}/history"), None)
        .await;
    let date = stored.as_ref().unwrap().service_date;
    let (status, listed) = other
        .status("GET", &format!("/api/v1/operator/trips?date={date}"), None)
        .await;
    assert_eq!((status, &listed["trips"]), (StatusCode::OK, &json!([])));

    assert_eq!(
        app.state
            .trips
            .get(trajet::trips::TripId::new(trip_id))
            .await
            .unwrap(),
        stored,
        "nothing changed"
    );
    let (status, mine) = Intruder {
        app: &app,
        key: owner,
    }
    .status("GET", &format!("/api/v1/operator/trips?date={date}"), None)
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["trips"][0]["id"], trip_id, "the owner still sees it");
}

#[tokio::test]
async fn importing_a_feed_another_operator_imported_leaves_their_trips_alone() {
    let app = TestApp::new(None).await;
    let (first_id, first) = operator_named(&app, "TER Auvergne").await;
    let (second_id, second) = operator_named(&app, "Trenitalia France").await;
    let uri = "/api/v1/operator/trips/import?from=2026-11-30&to=2026-11-30";
    let import = |key: String| {
        let app = &app;
        async move {
            let feed = support::gtfs::one_trip_feed();
            let response = send(&app.router, upload(uri, &key, "application/zip", feed)).await;
            assert_eq!(response.status(), StatusCode::OK);
            body_json(response).await
        }
    };
    let day = "2026-11-30".parse().unwrap();
    assert_eq!(import(first.clone()).await["created"], 1);
    let theirs = app
        .state
        .trips
        .trips_of(&first_id, day)
        .await
        .unwrap()
        .remove(0);
    let extended =
        json!({"arrives_at": (theirs.arrives_at + chrono::Duration::minutes(20)).to_rfc3339()});
    let uri_of = format!("/api/v1/operator/trips/{}", theirs.id);
    let response = send(&app.router, call("PATCH", &uri_of, &first, Some(extended))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let before = app.state.trips.get(theirs.id).await.unwrap().unwrap();

    let report = import(second.clone()).await;
    assert_eq!(
        (report["created"].as_u64(), report["updated"].as_u64()),
        (Some(1), Some(0)),
        "the same feed trip is a new trip of the second operator: {report}"
    );
    assert_eq!(
        app.state.trips.get(theirs.id).await.unwrap().unwrap(),
        before
    );
    let ours = app.state.trips.trips_of(&second_id, day).await.unwrap();
    assert_eq!(ours.len(), 1);
    assert_ne!(ours[0].id, theirs.id);
    assert_eq!(ours[0].arrives_at, ours[0].scheduled_arrives_at);
    assert_eq!(
        import(second).await["unchanged"],
        1,
        "importing again updates one's own trips only"
    );
}

/// A feed with `n` trips of each kind that an import skips, besides the one
/// good trip of `support::gtfs::one_trip_files`.
fn feed_with_skipped_rows(n: usize) -> Vec<u8> {
    let mut files = support::gtfs::one_trip_files();
    let trips = &mut files
        .iter_mut()
        .find(|(name, _)| *name == "trips.txt")
        .unwrap()
        .1;
    for i in 0..n {
        trips.extend_from_slice(format!("TER,NOPE,undefined-service-{i},1\n").as_bytes());
        trips.extend_from_slice(format!("GONE,WK,unknown-route-{i},2\n").as_bytes());
        trips.extend_from_slice(format!("TER,WK,no-stops-{i},3\n").as_bytes());
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    support::gtfs::zip(&refs)
}

#[tokio::test]
async fn a_feed_skipping_many_rows_answers_a_bounded_report_with_counts_by_reason() {
    let app = TestApp::with_config(None, |c| c.gtfs.skipped_rows_shown = 5).await;
    let key = operator(&app).await;
    let uri = "/api/v1/operator/trips/import?from=2026-11-30&to=2026-11-30";
    let feed = feed_with_skipped_rows(20_000);
    let response = send(&app.router, upload(uri, &key, "application/zip", feed)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = body_json(response).await;
    assert_eq!(
        (report["created"].as_u64(), report["skipped"].as_u64()),
        (Some(1), Some(60_000))
    );
    assert_eq!(
        report["skipped_by_reason"],
        json!({"service-undefined": 20_000, "route-undefined": 20_000, "no-stop-times": 20_000})
    );
    let rows = report["skipped_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5, "only the first rows are listed");
    assert_eq!(
        (
            rows[0]["file"].as_str(),
            rows[0]["line"].as_u64(),
            rows[0]["code"].as_str()
        ),
        (Some("trips.txt"), Some(3), Some("service-undefined"))
    );
}

#[tokio::test]
async fn a_file_inflating_past_its_cap_is_a_413_naming_it_and_nothing_is_stored() {
    let app = TestApp::with_config(None, |c| c.gtfs.max_entry_bytes = 64 * 1024).await;
    let key = operator(&app).await;
    let uri = "/api/v1/operator/trips/import?from=2026-11-30&to=2026-11-30";
    // 100 KiB of shapes-like stop_times rows for a trip that is not imported.
    let mut files = support::gtfs::one_trip_files();
    let times = &mut files
        .iter_mut()
        .find(|(n, _)| *n == "stop_times.txt")
        .unwrap()
        .1;
    while times.len() < 100 * 1024 {
        times.extend_from_slice(b"other,10:00:00,10:00:00,CF,1\n");
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let response = send(
        &app.router,
        upload(uri, &key, "application/zip", support::gtfs::zip(&refs)),
    )
    .await;
    let status = response.status();
    let problem = body_json(response).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(
        (
            problem["code"].as_str(),
            problem["file"].as_str(),
            problem["limit"].as_u64()
        ),
        (
            Some("gtfs-too-large"),
            Some("stop_times.txt"),
            Some(64 * 1024)
        )
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("stop_times.txt inflates"),
        "{problem}"
    );
    let day = "2026-11-30".parse().unwrap();
    assert!(
        app.state.trips.list(day).await.unwrap().is_empty(),
        "nothing stored"
    );

    // The same feed under the cap of the whole feed instead.
    let app = TestApp::with_config(None, |c| c.gtfs.max_inflated_bytes = 64 * 1024).await;
    let key = operator(&app).await;
    let response = send(
        &app.router,
        upload(uri, &key, "application/zip", support::gtfs::zip(&refs)),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let problem = body_json(response).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("in all"),
        "{problem}"
    );
    assert!(
        app.state.trips.list(day).await.unwrap().is_empty(),
        "nothing stored"
    );
}

#[tokio::test]
async fn imports_take_turns_and_one_without_a_turn_in_time_is_a_503_with_retry_after() {
    let app = TestApp::with_config(None, |c| {
        c.gtfs.concurrent_imports = 1;
        c.gtfs.queue_wait = Duration::from_millis(50);
    })
    .await;
    let key = operator(&app).await;
    let uri = "/api/v1/operator/trips/import?from=2026-11-30&to=2026-11-30";
    let feed = support::gtfs::one_trip_feed;
    let running = app.state.gtfs_imports.turn().await.expect("the only turn");
    let response = send(&app.router, upload(uri, &key, "application/zip", feed())).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "30");
    assert_eq!(body_json(response).await["code"], "gtfs-import-busy");
    let day = "2026-11-30".parse().unwrap();
    assert!(app.state.trips.list(day).await.unwrap().is_empty());
    drop(running);
    let response = send(&app.router, upload(uri, &key, "application/zip", feed())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.state.trips.list(day).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_import_waiting_for_its_turn_runs_when_the_turn_frees() {
    let app = TestApp::with_config(None, |c| c.gtfs.queue_wait = Duration::from_secs(30)).await;
    let key = operator(&app).await;
    let uri = "/api/v1/operator/trips/import?from=2026-11-30&to=2026-11-30";
    let running = app.state.gtfs_imports.turn().await.expect("the only turn");
    let request = upload(uri, &key, "application/zip", support::gtfs::one_trip_feed());
    let waiting = tokio::spawn(send_owned(app.router.clone(), request));
    tokio::task::yield_now().await;
    let day = "2026-11-30".parse().unwrap();
    assert!(
        app.state.trips.list(day).await.unwrap().is_empty(),
        "it waits for its turn"
    );
    drop(running);
    let response = waiting.await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.state.trips.list(day).await.unwrap().len(), 1);
}

async fn send_owned(router: axum::Router, request: Request<Body>) -> axum::response::Response {
    send(&router, request).await
}

#[tokio::test]
async fn gtfs_imports_past_the_keys_rate_are_429_with_retry_after() {
    let app = TestApp::with_config(None, |c| c.uploads_per_minute_per_key = 2).await;
    let key = operator(&app).await;
    let import = || {
        Request::post("/api/v1/operator/trips/import?from=2026-01-01&to=2026-01-02&seats=80")
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/zip")
            .body(Body::from(b"not a zip".to_vec()))
            .unwrap()
    };
    let first = send(&app.router, import()).await;
    assert_ne!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    let second = send(&app.router, import()).await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().contains_key("retry-after"));
}

/// Every change of a trip is in its history: when, by whom, from where, what.
#[tokio::test]
async fn a_trips_history_says_who_changed_what_and_when() {
    let app = TestApp::new(None).await;
    let (operator_id, key) = operator_named(&app, "TER Auvergne").await;
    let (trip_id, arrives) = future_trip(&app, &key).await;
    let uri = format!("/api/v1/operator/trips/{trip_id}");
    let later = arrives + chrono::Duration::minutes(25);
    let change = json!({"arrives_at": later.to_rfc3339()});
    let response = send(&app.router, call("PATCH", &uri, &key, Some(change))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cancel = call("POST", &format!("{uri}/cancel"), &key, None);
    assert_eq!(send(&app.router, cancel).await.status(), StatusCode::OK);
    let response = send(
        &app.router,
        call("GET", &format!("{uri}/history"), &key, None),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let history = body_json(response).await;
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{history}");
    assert!(entries[0]["change"].get("created").is_some(), "{history}");
    let arrival = &entries[1]["change"]["arrives_at"];
    assert_eq!(
        (&arrival["from"], &arrival["to"]),
        (&json!(arrives), &json!(later)),
        "{history}"
    );
    assert_eq!(entries[2]["change"]["state"], "cancelled");
    for entry in entries {
        assert_eq!(entry["source"], "api");
        assert_eq!(entry["actor"], operator_id.as_str());
        let at = chrono::DateTime::parse_from_rfc3339(entry["at"].as_str().unwrap()).unwrap();
        assert!(
            (chrono::Utc::now() - at.to_utc()).num_seconds() < 60,
            "{entry}"
        );
    }
}
