//! Reports, the dashboard and collections per line, through the HTTP API.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{TestApp, body_bytes, body_json, send};
use trajet::accounts::Role;
use trajet::usage::{Event, UsageKey};

async fn account(app: &TestApp, role: Role, name: &str) -> (String, String) {
    let (account, key) = app
        .state
        .accounts
        .create_with_key(role, name)
        .await
        .unwrap();
    (account.id, key)
}

fn get(path: &str, key: &str) -> Request<Body> {
    Request::get(path)
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .unwrap()
}

fn key(day: &str, line: &str, title: &str, publisher: &str) -> UsageKey {
    UsageKey {
        day: day.into(),
        trip: 7,
        line: line.into(),
        title: title.into(),
        publisher: publisher.into(),
        operator: String::new(),
    }
}

/// The key counted on `trip`.
fn on_trip(trip: &trajet::trips::Trip, key: UsageKey) -> UsageKey {
    UsageKey {
        trip: trip.id.get(),
        operator: trip.operator.clone().unwrap_or_default(),
        ..key
    }
}

/// Records `n` times the same event.
fn events(app: &TestApp, key: &UsageKey, event: Event, n: u32) {
    for _ in 0..n {
        app.state.usage.record(key.clone(), event);
    }
}

#[tokio::test]
async fn reports_sum_the_events_suppress_small_counts_and_show_only_ones_own_titles() {
    let app = TestApp::new(None).await;
    let (pub_a, key_a) = account(&app, Role::Publisher, "Éditions A").await;
    let (pub_b, key_b) = account(&app, Role::Publisher, "Éditions B").await;
    let a1 = key("2026-11-27", "TER 17", "a-title-1", &pub_a);
    let a1_next_day = key("2026-11-28", "TER 52", "a-title-1", &pub_a);
    let b1 = key("2026-11-27", "TER 17", "b-title-1", &pub_b);
    events(&app, &a1, Event::TitleOpened, 6);
    events(&app, &a1, Event::ChapterRead, 14);
    events(&app, &a1, Event::ReadingTime(60), 9);
    events(&app, &a1, Event::ExcerptFinished, 2);
    events(&app, &a1_next_day, Event::TitleOpened, 3);
    events(&app, &a1_next_day, Event::OfferClick, 5);
    events(&app, &b1, Event::TitleOpened, 40);

    // No explicit flush: the report flushes this process's counts first.
    let response = send(
        &app.router,
        get(
            "/api/v1/publisher/reports?from=2026-11-01&to=2026-11-30&group=title",
            &key_a,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = body_json(response).await;
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only A's title: {report}");
    let row = &rows[0];
    assert_eq!(row["title"], "a-title-1");
    assert_eq!(row["sessions"], 9);
    assert_eq!(row["chapters_read"], 14);
    assert_eq!(row["reading_minutes"], 9);
    assert_eq!(row["excerpts_finished"], "< 5");
    assert_eq!(row["offer_clicks"], 5);
    assert_eq!(report["suppressed_below"], 5);

    let by_day = body_json(
        send(
            &app.router,
            get(
                "/api/v1/publisher/reports?from=2026-11-01&to=2026-11-30&group=day,line",
                &key_a,
            ),
        )
        .await,
    )
    .await;
    let days: Vec<_> = by_day["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["day"].as_str().unwrap(),
                r["line"].as_str().unwrap(),
                r["sessions"].clone(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-27", "TER 17", serde_json::json!(6)),
            ("2026-11-28", "TER 52", serde_json::json!("< 5")),
        ]
    );

    let b = body_json(
        send(
            &app.router,
            get(
                "/api/v1/publisher/reports?from=2026-11-01&to=2026-11-30",
                &key_b,
            ),
        )
        .await,
    )
    .await;
    assert_eq!(b["rows"].as_array().unwrap().len(), 1);
    assert_eq!(b["rows"][0]["title"], "b-title-1");
    assert_eq!(b["totals"]["sessions"], 40);
}

#[tokio::test]
async fn the_csv_report_parses_with_a_header_row() {
    let app = TestApp::new(None).await;
    let (pub_a, key_a) = account(&app, Role::Publisher, "A").await;
    events(
        &app,
        &key("2026-11-27", "Ligne \"A\", nord", "t1", &pub_a),
        Event::TitleOpened,
        12,
    );
    events(
        &app,
        &key("2026-11-28", "Ligne \"A\", nord", "t1", &pub_a),
        Event::TitleOpened,
        1,
    );
    let response = send(
        &app.router,
        get(
            "/api/v1/publisher/reports.csv?from=2026-11-27&to=2026-11-28&group=day,line",
            &key_a,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv; charset=utf-8")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let bytes = body_bytes(response).await;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[..3], ["day", "line", "sessions"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][1], "Ligne \"A\", nord");
    assert_eq!(&records[0][2], "12");
    assert_eq!(&records[1][2], "< 5");
}

#[tokio::test]
async fn csv_cells_that_a_spreadsheet_would_run_are_neutralized_and_json_is_not() {
    let app = TestApp::new(None).await;
    let (publisher, key_p) = account(&app, Role::Publisher, "A").await;
    let hostile = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+33 1 23",
        "-2+3",
        "@SUM(A1)",
        "\tTER",
        "\rTER",
        "TER = 17",
    ];
    for line in hostile {
        events(
            &app,
            &key("2026-11-27", line, "t1", &publisher),
            Event::TitleOpened,
            5,
        );
    }
    let query = "from=2026-11-27&to=2026-11-27&group=line";
    let csv = send(
        &app.router,
        get(&format!("/api/v1/publisher/reports.csv?{query}"), &key_p),
    )
    .await;
    let bytes = body_bytes(csv).await;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let mut lines: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    lines.sort();
    let mut expected: Vec<String> = hostile
        .iter()
        .map(|l| match l {
            &"TER = 17" => l.to_string(),
            _ => format!("'{l}"),
        })
        .collect();
    expected.sort();
    assert_eq!(lines, expected);

    let json = body_json(
        send(
            &app.router,
            get(&format!("/api/v1/publisher/reports?{query}"), &key_p),
        )
        .await,
    )
    .await;
    let mut lines: Vec<&str> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_str().unwrap())
        .collect();
    lines.sort();
    let mut expected = hostile.to_vec();
    expected.sort();
    assert_eq!(lines, expected, "JSON keeps the text as it is");
}

#[tokio::test]
async fn reports_need_a_publisher_and_a_sane_range() {
    let app = TestApp::new(None).await;
    let (_, operator) = account(&app, Role::Operator, "TER").await;
    let (_, publisher) = account(&app, Role::Publisher, "A").await;
    let r = send(&app.router, get("/api/v1/publisher/reports", &operator)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = send(
        &app.router,
        Request::get("/api/v1/publisher/reports")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    for bad in ["from=2026-11-28&to=2026-11-01", "group=passenger"] {
        let r = send(
            &app.router,
            get(&format!("/api/v1/publisher/reports?{bad}"), &publisher),
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body_json(r).await["code"], "report-query-invalid");
    }
}

#[tokio::test]
async fn the_dashboard_shows_running_trips_with_live_sessions_scans_and_top_titles() {
    let app = TestApp::new(None).await;
    let (operator_id, operator) = account(&app, Role::Operator, "TER").await;
    let running = app.create_trip_of(&operator_id, "TER 17", -10, 60).await;
    let later = app.create_trip_of(&operator_id, "TER 52", 300, 60).await;
    for seat in 1..=3 {
        let r = app.scan(&app.seat_token(&running, seat), None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let today = running.service_date.to_string();
    events(
        &app,
        &on_trip(&running, key(&today, "TER 17", "t-top", "p")),
        Event::TitleOpened,
        8,
    );
    events(
        &app,
        &on_trip(&running, key(&today, "TER 17", "t-two", "p")),
        Event::TitleOpened,
        2,
    );

    let response = send(
        &app.router,
        get(
            &format!("/api/v1/operator/dashboard?date={today}"),
            &operator,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let dash = body_json(response).await;
    let trips = dash["trips"].as_array().unwrap();
    let find = |id: u32| {
        trips
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("trip {id} in {dash}"))
    };
    assert_eq!(find(running.id.get())["status"], "running");
    assert_eq!(find(running.id.get())["live_sessions"], 3);
    if later.service_date == running.service_date {
        assert_eq!(find(later.id.get())["status"], "upcoming");
    }
    assert_eq!(scans_this_hour(&dash), 3, "the scans of this hour: {dash}");
    assert_eq!(dash["top_titles"][0]["title"], "t-top");
    assert_eq!(dash["top_titles"][0]["sessions"], 8);
    assert_eq!(dash["top_titles"][1]["sessions"], "< 5");
}

/// The scans a dashboard counts in the current hour: its last bar, plus the
/// one before when an hour began between the scans and the dashboard. Every
/// earlier bar must be empty.
fn scans_this_hour(dash: &serde_json::Value) -> u64 {
    let bars: Vec<u64> = dash["scans_per_hour"]
        .as_array()
        .expect("scans_per_hour")
        .iter()
        .map(|bar| bar["scans"].as_u64().expect("a count"))
        .collect();
    assert_eq!(bars.len(), 24, "{dash}");
    assert!(
        bars[..22].iter().all(|n| *n == 0),
        "scans in earlier hours: {dash}"
    );
    bars[22] + bars[23]
}

fn json_request(method: &str, path: &str, key: &str, body: serde_json::Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn operators_choose_collections_per_line_and_the_choice_decides_the_offer() {
    let app = TestApp::new(None).await;
    let (operator_id, operator) = account(&app, Role::Operator, "TER").await;
    let (pub_a, publisher) = account(&app, Role::Publisher, "A").await;
    let trip = app
        .create_trip_of(&operator_id, "TER Clermont – Lyon", 30, 60)
        .await;
    let path = "/api/v1/operator/lines/TER%20Clermont%20%E2%80%93%20Lyon/collections";
    let polar = vec!["polar".to_owned()];

    let listed = body_json(send(&app.router, get("/api/v1/operator/lines", &operator)).await).await;
    assert_eq!(listed["lines"][0]["line"], "TER Clermont – Lyon");
    assert!(listed["lines"][0]["collections"].is_null(), "no choice yet");
    assert_eq!(listed["publishers"][0]["id"], pub_a.as_str());
    assert!(app.state.lines.offers(&trip, "someone-else", &[]));

    let body = serde_json::json!({"collections": [{"publisher": pub_a, "collection": "polar"}]});
    let r = send(
        &app.router,
        json_request("PUT", path, &operator, body.clone()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let shown = body_json(send(&app.router, get(path, &operator)).await).await;
    assert_eq!(shown["collections"][0]["collection"], "polar");
    assert!(app.state.lines.offers(&trip, &pub_a, &polar));
    assert!(!app.state.lines.offers(&trip, &pub_a, &[]));

    let r = send(&app.router, json_request("PUT", path, &publisher, body)).await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "publishers do not choose"
    );
    let unknown = serde_json::json!({"collections": [{"publisher": "pub-nobody"}]});
    let r = send(&app.router, json_request("PUT", path, &operator, unknown)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json(r).await["code"], "line-collections-invalid");

    let r = send(
        &app.router,
        json_request("DELETE", path, &operator, serde_json::json!({})),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        app.state.lines.offers(&trip, &pub_a, &[]),
        "back to every live title"
    );
}

/// Ingests the sample book for `publisher` in the `polar` collection; returns its id.
async fn sample_title(app: &TestApp, publisher: &str) -> String {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog/the-night-conductor");
    let file = tempfile::Builder::new().suffix(".epub").tempfile().unwrap();
    std::fs::write(
        file.path(),
        trajet::catalog_sample::pack_book(&dir).unwrap(),
    )
    .unwrap();
    let settings = trajet::catalog::title::Settings {
        collections: vec!["polar".into(), "nuit".into()],
        ..Default::default()
    };
    app.state
        .catalog
        .ingest(file.path(), publisher, settings)
        .await
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn the_dashboard_names_top_titles_and_lines_list_each_publishers_collections() {
    let app = TestApp::new(None).await;
    let (operator_id, operator) = account(&app, Role::Operator, "TER").await;
    let (pub_a, _) = account(&app, Role::Publisher, "Éditions du Quai").await;
    let title = sample_title(&app, &pub_a).await;
    let trip = app.create_trip_of(&operator_id, "TER 17", -10, 60).await;
    let today = trip.service_date.to_string();
    events(
        &app,
        &on_trip(&trip, key(&today, "TER 17", &title, &pub_a)),
        Event::TitleOpened,
        6,
    );

    let dash = body_json(
        send(
            &app.router,
            get(
                &format!("/api/v1/operator/dashboard?date={today}"),
                &operator,
            ),
        )
        .await,
    )
    .await;
    let top = &dash["top_titles"][0];
    assert_eq!(top["title"], title.as_str());
    assert_eq!(top["name"], "The Night Conductor");
    assert_eq!(top["publisher_name"], "Éditions du Quai");

    let lines = body_json(send(&app.router, get("/api/v1/operator/lines", &operator)).await).await;
    assert_eq!(
        lines["publishers"][0]["collections"],
        serde_json::json!(["nuit", "polar"])
    );
}

#[tokio::test]
async fn time_spent_reading_reaches_the_report_and_the_dashboard_in_minutes() {
    let app = TestApp::new(None).await;
    let (operator_id, operator) = account(&app, Role::Operator, "TER").await;
    let (pub_a, publisher) = account(&app, Role::Publisher, "Éditions du Quai").await;
    let title = sample_title(&app, &pub_a).await;
    let trip = app.create_trip_of(&operator_id, "TER 17", -10, 60).await;
    let today = trip.service_date.to_string();
    let cookie = app.passenger(&trip, 3).await;
    let manifest = body_json(
        app.get_with(&format!("/api/v1/titles/{title}/manifest"), &cookie)
            .await,
    )
    .await;
    let order = manifest["readingOrder"].as_array().unwrap();
    // A passenger turning a page a minute for six minutes, as the reader saves
    // (a Readium progression document per page, no extra field).
    for minute in 0..=6u32 {
        let chapter = &order[(minute as usize / 3).min(order.len() - 1)]["href"];
        let doc = serde_json::json!({
            "modified": format!("{today}T10:{:02}:00Z", 10 + minute),
            "device": {"id": "phone", "name": "trajet web reader"},
            "locator": {"href": chapter, "type": "application/xhtml+xml",
                        "locations": {"progression": 0.5}},
        });
        let save = Request::put(format!("/api/v1/titles/{title}/progression"))
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body(Body::from(doc.to_string()))
            .unwrap();
        assert_eq!(
            send(&app.router, save).await.status(),
            StatusCode::NO_CONTENT
        );
    }

    let report = body_json(
        send(
            &app.router,
            get(
                &format!("/api/v1/publisher/reports?from={today}&to={today}&group=title"),
                &publisher,
            ),
        )
        .await,
    )
    .await;
    assert_eq!(report["rows"][0]["reading_minutes"], 6, "{report}");
    let dash = body_json(
        send(
            &app.router,
            get(
                &format!("/api/v1/operator/dashboard?date={today}"),
                &operator,
            ),
        )
        .await,
    )
    .await;
    assert_eq!(dash["top_titles"][0]["reading_minutes"], 6, "{dash}");
}

#[tokio::test]
async fn another_operators_dashboard_and_lines_show_nothing_of_yours() {
    let app = TestApp::new(None).await;
    let (owner_id, owner) = account(&app, Role::Operator, "TER").await;
    let (_, other) = account(&app, Role::Operator, "Trenitalia").await;
    let (pub_a, _) = account(&app, Role::Publisher, "Éditions du Quai").await;
    let running = app.create_trip_of(&owner_id, "TER 17", -10, 60).await;
    for seat in 1..=2 {
        let r = app.scan(&app.seat_token(&running, seat), None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let today = running.service_date.to_string();
    let read = on_trip(&running, key(&today, "TER 17", "t-top", &pub_a));
    events(&app, &read, Event::TitleOpened, 8);
    let dashboard = format!("/api/v1/operator/dashboard?date={today}");
    let dash_of = |key: String| {
        let (app, path) = (&app, dashboard.clone());
        async move { body_json(send(&app.router, get(&path, &key)).await).await }
    };

    let theirs = dash_of(other.clone()).await;
    assert_eq!(theirs["trips"], serde_json::json!([]), "{theirs}");
    assert_eq!(theirs["top_titles"], serde_json::json!([]), "{theirs}");
    let scans: u64 = theirs["scans_per_hour"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bar| bar["scans"].as_u64().unwrap())
        .sum();
    assert_eq!(scans, 0, "{theirs}");
    let mine = dash_of(owner.clone()).await;
    assert_eq!(mine["trips"][0]["id"], running.id.get());
    assert_eq!(scans_this_hour(&mine), 2, "{mine}");
    assert_eq!(mine["top_titles"][0]["title"], "t-top");

    // Line choices: the owner's line is not listed to the other, and the
    // other's choice for a line of the same name changes nothing on it.
    let lines = body_json(send(&app.router, get("/api/v1/operator/lines", &other)).await).await;
    assert_eq!(lines["lines"], serde_json::json!([]), "{lines}");
    let path = "/api/v1/operator/lines/TER%2017/collections";
    let choice = serde_json::json!({"collections": [{"publisher": pub_a, "collection": "polar"}]});
    let r = send(&app.router, json_request("PUT", path, &other, choice)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(app.state.lines.offers(&running, &pub_a, &[]));
    let shown = body_json(send(&app.router, get(path, &owner)).await).await;
    assert!(shown["collections"].is_null(), "{shown}");
    let lines = body_json(send(&app.router, get("/api/v1/operator/lines", &owner)).await).await;
    assert!(lines["lines"][0]["collections"].is_null(), "{lines}");
}
