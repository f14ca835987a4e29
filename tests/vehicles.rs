//! Train sets and their labels printed once: a vehicle code opens the trip
//! the set runs now, follows assignments, swaps and rosters, refuses a
//! reprinted label, and says when the train runs next.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use support::{TestApp, body_bytes, body_json, cookie_pair, send};
use trajet::accounts::Role;
use trajet::trips::{Seats, Trip, TripDraft};

/// An operator with an API key, on its own app.
struct Ops {
    app: TestApp,
    id: String,
    key: String,
}

impl Ops {
    async fn new() -> Self {
        let app = TestApp::new(None).await;
        Self::on(app, "TER Auvergne-Rhône-Alpes").await
    }

    async fn on(app: TestApp, name: &str) -> Self {
        let (account, key) = app
            .state
            .accounts
            .create_with_key(Role::Operator, name)
            .await
            .unwrap();
        Self {
            app,
            id: account.id,
            key,
        }
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        kind: &str,
        body: Vec<u8>,
    ) -> axum::response::Response {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", self.key))
            .header("content-type", kind)
            .body(Body::from(body))
            .unwrap();
        send(&self.app.router, request).await
    }

    async fn json(&self, method: &str, path: &str, body: Value) -> axum::response::Response {
        self.request(
            method,
            path,
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
    }

    async fn get(&self, path: &str) -> axum::response::Response {
        self.request("GET", path, "application/json", Vec::new())
            .await
    }

    /// Registers a set of `cars` cars of `seats` seats each.
    async fn vehicle(&self, id: &str, cars: u32, seats: u32) {
        let cars: Vec<Value> = (1..=cars)
            .map(|c| json!({"car": c.to_string(), "seats": seats}))
            .collect();
        let body = json!({"id": id, "label": format!("Regio 2N {id}"), "cars": cars});
        let response = self.json("POST", "/api/v1/operator/vehicles", body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    /// A trip of this operator departing `departs_in` minutes from now.
    async fn trip(&self, departs_in: i64, minutes: i64) -> Trip {
        self.app
            .create_trip_of(&self.id, "TER", departs_in, minutes)
            .await
    }

    /// A trip of this operator at an exact instant, to `destination`.
    async fn trip_at(&self, departs_at: DateTime<Utc>, minutes: i64, destination: &str) -> Trip {
        let draft = TripDraft {
            service_date: departs_at
                .with_timezone(&chrono_tz::Europe::Paris)
                .date_naive(),
            line: "TER".into(),
            train_number: "17423".into(),
            origin: "Clermont-Ferrand".into(),
            destination: destination.into(),
            departs_at,
            arrives_at: departs_at + Duration::minutes(minutes),
            seats: Seats::new(300).unwrap(),
            cars: None,
            collections: None,
            timezone: chrono_tz::Europe::Paris,
            source: None,
            block_id: None,
        };
        self.app.state.trips.create(&self.id, draft).await.unwrap()
    }

    async fn assign(&self, trip: &Trip, vehicles: &[&str]) -> axum::response::Response {
        let path = format!("/api/v1/operator/trips/{}/vehicles", trip.id);
        self.json("PUT", &path, json!({ "vehicles": vehicles }))
            .await
    }

    /// The URLs of every label of a set, car then seat.
    async fn codes(&self, vehicle: &str, body: Value) -> Vec<(String, u16, String)> {
        let path = format!("/api/v1/operator/vehicles/{vehicle}/codes");
        let response = self.json("POST", &path, body).await;
        assert_eq!(response.status(), StatusCode::OK);
        body_json(response).await["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["car"].as_str().unwrap().to_owned(),
                    c["seat"].as_u64().unwrap() as u16,
                    c["url"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Scans a label's URL in a fresh browser: the trip its session reads, or the refusal.
    async fn ride(&self, url: &str) -> Result<u64, axum::response::Response> {
        let response = self.app.scan(token_of(url), None).await;
        if response.status() != StatusCode::SEE_OTHER {
            return Err(response);
        }
        let session = body_json(
            self.app
                .get_with("/api/v1/session", &cookie_pair(&response))
                .await,
        )
        .await;
        Ok(session["trip"]["id"]
            .as_u64()
            .expect("the session names its trip"))
    }
}

fn token_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

async fn page(response: axum::response::Response) -> String {
    String::from_utf8(body_bytes(response).await).unwrap()
}

#[tokio::test]
async fn a_four_car_300_seat_sheet_decodes_to_labels_that_open_the_trip_the_set_runs() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 4, 75).await;
    let trip = ops.trip(-10, 70).await;
    assert_eq!(ops.assign(&trip, &["24571"]).await.status(), StatusCode::OK);

    let response = ops.get("/api/v1/operator/vehicles/24571/sheet.pdf").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = body_bytes(response).await;
    let text = String::from_utf8_lossy(&pdf).into_owned();
    assert!(text.contains("/Count 13"), "300 labels at 24 a page");
    let minted = ops.codes("24571", json!({})).await;
    let minted_urls: Vec<&str> = minted.iter().map(|c| c.2.as_str()).collect();

    // The PNG pages (300 dpi) read back to the same labels, each of which
    // opens a session on the trip the set runs.
    let decoded = decode_png_sheet(&ops, "24571", 13).await;
    assert_eq!(decoded.len(), 300, "every label of the PNG pages decodes");
    assert_eq!(decoded, minted_urls, "labels in car then seat order");
    let unique: std::collections::HashSet<_> = decoded.iter().collect();
    assert_eq!(unique.len(), 300, "one code per seat");
    for url in &decoded {
        assert!(url.len() <= 71 + 20, "a short URL: {url}");
        assert_eq!(
            ops.ride(url).await.ok(),
            Some(u64::from(trip.id.get())),
            "{url}"
        );
    }
    let past = ops
        .get("/api/v1/operator/vehicles/24571/sheet.png?page=14")
        .await;
    assert_eq!(past.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json(past).await["code"], "page-invalid");

    // The last SVG page holds the last 12 labels.
    let response = ops
        .get("/api/v1/operator/vehicles/24571/sheet.svg?page=13")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = page(response).await;
    assert_eq!(svg.matches("<path ").count(), 12);
    assert!(svg.contains(">75</text>") && svg.contains("Rame / Train set 24571"));

    // The PDF, rasterized by poppler at 300 dpi, reads back the same.
    let Some(from_pdf) = decode_pdf_sheet(&pdf, 13) else {
        return;
    };
    assert_eq!(from_pdf, minted_urls, "every label of the PDF decodes");
}

/// Reads every label's QR code on `pages` PNG pages of a set's sheet.
async fn decode_png_sheet(ops: &Ops, vehicle: &str, pages: usize) -> Vec<String> {
    let mut urls = Vec::new();
    for n in 1..=pages {
        let path = format!("/api/v1/operator/vehicles/{vehicle}/sheet.png?page={n}");
        let response = ops.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], "image/png");
        let png = body_bytes(response).await;
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .unwrap()
            .to_luma8();
        assert_eq!(image.dimensions(), (2480, 3508), "A4 at 300 dpi");
        urls.extend(decode_cells(&image));
    }
    urls
}

/// Rasterizes the PDF sheet at 300 dpi and reads every label's QR code.
fn decode_pdf_sheet(pdf: &[u8], pages: usize) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.pdf");
    std::fs::write(&path, pdf).unwrap();
    let prefix = dir.path().join("page");
    let ran = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png"])
        .arg(&path)
        .arg(&prefix)
        .status();
    if !ran.is_ok_and(|s| s.success()) {
        support::external::skip("pdftoppm not installed");
        return None;
    }
    let mut urls = Vec::new();
    for n in 1..=pages {
        let name = if pages >= 10 {
            format!("page-{n:02}.png")
        } else {
            format!("page-{n}.png")
        };
        let image = image::open(dir.path().join(name)).unwrap().to_luma8();
        urls.extend(decode_cells(&image));
    }
    Some(urls)
}

/// Reads the QR code of each label of a 300 dpi page, cell by cell
/// (3 × 8 labels on A4 with 8 mm margins), left to right, top to bottom.
fn decode_cells(image: &image::GrayImage) -> Vec<String> {
    let (mm, dpi) = (72.0 / 25.4, 300.0 / 72.0);
    let margin = 8.0 * mm;
    let (width, height) = (
        (595.276 - 2.0 * margin) / 3.0,
        (841.89 - 2.0 * margin) / 8.0,
    );
    let mut urls = Vec::new();
    for row in 0..8 {
        for column in 0..3 {
            let x = ((margin + column as f32 * width) * dpi) as u32;
            let y = ((margin + row as f32 * height) * dpi) as u32;
            let cell =
                image::imageops::crop_imm(image, x, y, (width * dpi) as u32, (height * dpi) as u32)
                    .to_image();
            let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
                cell.width() as usize,
                cell.height() as usize,
                |x, y| cell.get_pixel(x as u32, y as u32).0[0],
            );
            for grid in prepared.detect_grids() {
                let (meta, text) = grid.decode().unwrap();
                assert!(meta.version.0 <= 5, "version {} ≤ 5", meta.version.0);
                assert_eq!(meta.ecc_level, 3, "level Q (format bits 11)");
                urls.push(text);
            }
        }
    }
    urls
}

#[tokio::test]
async fn a_reprinted_seat_refuses_its_old_label() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 2, 80).await;
    let trip = ops.trip(-10, 70).await;
    ops.assign(&trip, &["24571"]).await;
    let old = ops
        .codes("24571", json!({"cars": ["2"], "seats": "14"}))
        .await;
    let old = old[0].2.clone();
    assert_eq!(ops.ride(&old).await.ok(), Some(u64::from(trip.id.get())));

    let response = ops
        .json(
            "POST",
            "/api/v1/operator/vehicles/24571/codes/2/14/reprint",
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let reprinted = body_json(response).await;
    assert_eq!(reprinted["generation"], 1);
    let new = reprinted["url"].as_str().unwrap().to_owned();
    assert_ne!(new, old);

    let refused = ops.ride(&old).await.unwrap_err();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ops.ride(&new).await.ok(), Some(u64::from(trip.id.get())));
    // The sheet now prints the new label; the seat beside it is unchanged.
    let now = ops
        .codes("24571", json!({"cars": ["2"], "seats": "13-14"}))
        .await;
    assert_eq!(now[1].2, new);
    let png = ops
        .get("/api/v1/operator/vehicles/24571/codes/2/14.png")
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
}

#[tokio::test]
async fn a_set_between_two_trips_shows_not_in_service_with_the_next_departure() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 1, 80).await;
    let earlier = ops.trip(-240, 60).await;
    let next = ops
        .trip_at(Utc::now() + Duration::minutes(150), 60, "Lyon Part-Dieu")
        .await;
    ops.assign(&earlier, &["24571"]).await;
    ops.assign(&next, &["24571"]).await;
    let url = ops.codes("24571", json!({"seats": "7"})).await[0].2.clone();

    let refused = ops.ride(&url).await.unwrap_err();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let html = page(refused).await;
    let local = next.departs_at.with_timezone(&chrono_tz::Europe::Paris);
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let time = if local.date_naive() == today {
        local.format("%H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    };
    assert!(html.contains("Ce train n’est pas en service"), "{html}");
    assert!(
        html.contains(&format!("Prochain départ à {time} pour Lyon Part-Dieu.")),
        "{html}"
    );
    assert!(html.contains("vehicle-not-in-service"));

    let english = Request::get(format!("/t/{}", token_of(&url)))
        .header("accept-language", "en")
        .body(Body::empty())
        .unwrap();
    let html = page(send(&ops.app.router, english).await).await;
    assert!(html.contains("This train is not in service"), "{html}");
    assert!(
        html.contains(&format!("Next departure {time} to Lyon Part-Dieu.")),
        "{html}"
    );
}

#[tokio::test]
async fn the_same_label_opens_each_days_trip_the_set_runs() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 1, 80).await;
    let paris = chrono_tz::Europe::Paris;
    // The fleet holds the service dates around today's UTC date; a trip at a
    // Paris time of a UTC date keeps that date (no Paris time below crosses midnight UTC).
    let today = Utc::now().date_naive();
    let at = |day: NaiveDate, h: u32, m: u32| {
        paris
            .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    // "Monday" and "Tuesday": the next two days, which the fleet holds.
    let (monday, tuesday) = (today + Duration::days(1), today + Duration::days(2));
    let morning = ops.trip_at(at(monday, 8, 12), 70, "Lyon Part-Dieu").await;
    let evening = ops
        .trip_at(at(tuesday, 17, 40), 70, "Clermont-Ferrand")
        .await;
    ops.assign(&morning, &["24571"]).await;
    ops.assign(&evening, &["24571"]).await;

    // One label, scanned on each day at the time the passenger boards.
    let url = ops
        .codes("24571", json!({"cars": ["1"], "seats": "12"}))
        .await[0]
        .2
        .clone();
    let clock = &ops.app.state.clock;
    clock.set(at(monday, 8, 30));
    assert_eq!(ops.ride(&url).await.unwrap(), u64::from(morning.id.get()));
    clock.set(at(tuesday, 17, 50));
    assert_eq!(ops.ride(&url).await.unwrap(), u64::from(evening.id.get()));
    // Between the two, the train is not in service and says when it runs.
    clock.set(at(monday, 14, 0));
    let refused = ops.ride(&url).await.unwrap_err();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let html = page(refused).await;
    let when = format!("Prochain départ à {tuesday} 17:40 pour Clermont-Ferrand.");
    assert!(html.contains(&when), "{html}");
    // Back on Monday morning, a second passenger of that seat gets Monday's trip.
    clock.set(at(monday, 9, 0));
    assert_eq!(ops.ride(&url).await.unwrap(), u64::from(morning.id.get()));
}

#[tokio::test]
async fn a_swap_makes_the_same_label_open_the_other_trip() {
    let ops = Ops::new().await;
    ops.vehicle("24533", 1, 80).await;
    ops.vehicle("24571", 1, 80).await;
    let first = ops.trip(-10, 70).await;
    let second = ops.trip(-5, 70).await;
    ops.assign(&first, &["24533"]).await;
    ops.assign(&second, &["24571"]).await;
    let label = ops.codes("24571", json!({"seats": "3"})).await[0].2.clone();
    assert_eq!(
        ops.ride(&label).await.ok(),
        Some(u64::from(second.id.get()))
    );

    // 24571 replaces 24533 on the first trip, and leaves the second.
    let path = format!("/api/v1/operator/trips/{}/vehicles/swap", first.id);
    let response = ops
        .json("POST", &path, json!({"replace": "24533", "with": "24571"}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_json(response).await["vehicles"], json!(["24571"]));
    assert_eq!(
        ops.assign(&second, &["24533"]).await.status(),
        StatusCode::OK
    );
    assert_eq!(ops.ride(&label).await.ok(), Some(u64::from(first.id.get())));

    let trip = body_json(
        ops.get(&format!("/api/v1/operator/trips/{}", first.id))
            .await,
    )
    .await;
    assert_eq!(trip["vehicles"], json!(["24571"]));
    let history = body_json(
        ops.get(&format!("/api/v1/operator/trips/{}/history", first.id))
            .await,
    )
    .await;
    let changes: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["change"].get("vehicles").is_some())
        .collect();
    assert_eq!(changes.len(), 2, "{history}");
    assert_eq!(changes[1]["source"], "api");
    assert_eq!(changes[1]["change"]["vehicles"]["from"], json!(["24533"]));
    assert_eq!(changes[1]["change"]["vehicles"]["to"], json!(["24571"]));
}

#[tokio::test]
async fn coupled_sets_both_open_their_trip_and_realtime_overrides_the_plan() {
    let ops = Ops::new().await;
    ops.vehicle("24533", 1, 80).await;
    ops.vehicle("24571", 1, 80).await;
    let trip = ops.trip(-10, 70).await;
    let response = ops.assign(&trip, &["24571", "24533"]).await;
    assert_eq!(
        body_json(response).await["vehicles"],
        json!(["24571", "24533"])
    );
    for set in ["24571", "24533"] {
        let url = ops.codes(set, json!({"seats": "1"})).await[0].2.clone();
        assert_eq!(
            ops.ride(&url).await.ok(),
            Some(u64::from(trip.id.get())),
            "{set}"
        );
    }
    // The feed says only 24571 runs it: it wins over the API's pair; the
    // same feed line again changes nothing.
    let store = &ops.app.state.vehicles;
    let recorded = store
        .record_realtime(
            &ops.app.state.trips,
            &ops.id,
            trip.id,
            &["24571".into(), "X9".into()],
        )
        .await
        .unwrap();
    assert!(recorded.changed);
    assert_eq!(recorded.unknown, vec!["X9".to_owned()]);
    let again = store
        .record_realtime(&ops.app.state.trips, &ops.id, trip.id, &["24571".into()])
        .await
        .unwrap();
    assert!(!again.changed);
    assert_eq!(store.fleet().vehicles_of(trip.id), vec!["24571".to_owned()]);
    let history = body_json(
        ops.get(&format!("/api/v1/operator/trips/{}/history", trip.id))
            .await,
    )
    .await;
    let last = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["source"], "realtime");
    assert_eq!(last["change"]["vehicles"]["to"], json!(["24571"]));
}

#[tokio::test]
async fn a_feed_moving_a_set_to_another_trip_wins_over_the_plan_it_does_not_mention() {
    let ops = Ops::new().await;
    ops.vehicle("24533", 1, 80).await;
    let planned = ops.trip(-10, 60).await;
    let fed = ops.trip(-5, 60).await;
    let store = &ops.app.state.vehicles;
    let roster = trajet::vehicles::Actor {
        account: &ops.id,
        via: "import",
    };
    store
        .assign(
            &ops.app.state.trips,
            &ops.id,
            planned.id,
            &["24533".into()],
            trajet::vehicles::Source::Plan,
            roster,
        )
        .await
        .unwrap();
    let url = ops.codes("24533", json!({"seats": "3"})).await[0].2.clone();
    assert_eq!(ops.ride(&url).await.unwrap(), u64::from(planned.id.get()));

    // The feed puts the set on the other trip and says nothing of the planned one.
    store
        .record_realtime(&ops.app.state.trips, &ops.id, fed.id, &["24533".into()])
        .await
        .unwrap();
    assert_eq!(ops.ride(&url).await.unwrap(), u64::from(fed.id.get()));
    // The set's page lists both, each with the source that says so.
    let set = body_json(ops.get("/api/v1/operator/vehicles/24533").await).await;
    let sources: Vec<(u64, &str)> = set["trips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["id"].as_u64().unwrap(), t["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sources,
        vec![
            (u64::from(planned.id.get()), "plan"),
            (u64::from(fed.id.get()), "realtime")
        ]
    );
}

#[tokio::test]
async fn another_operators_vehicle_is_404() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 1, 80).await;
    let other = Ops::on(
        TestApp {
            router: ops.app.router.clone(),
            state: ops.app.state.clone(),
            dir: ops.app.dir.clone(),
            prefix: ops.app.prefix.clone(),
            database_url: ops.app.database_url.clone(),
        },
        "SNCF Voyageurs",
    )
    .await;
    for path in [
        "/api/v1/operator/vehicles/24571",
        "/api/v1/operator/vehicles/24571/sheet.pdf",
        "/api/v1/operator/vehicles/24571/sheet.png",
        "/api/v1/operator/vehicles/24571/sheet.svg?page=1",
        "/api/v1/operator/vehicles/24571/codes/1/1.png",
        "/api/v1/operator/vehicles/24571/codes/1/1.svg",
    ] {
        let response = other.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let response = other
        .request(
            "DELETE",
            "/api/v1/operator/vehicles/24571",
            "application/json",
            Vec::new(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = other
        .json("POST", "/api/v1/operator/vehicles/24571/codes", json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let list = body_json(other.get("/api/v1/operator/vehicles").await).await;
    assert_eq!(list["vehicles"], json!([]));
    // Their trip cannot be given our set either.
    let theirs = other.trip(-10, 70).await;
    let response = other.assign(&theirs, &["24571"]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json(response).await["code"], "vehicle-unknown");
    // Nor ours given to theirs.
    let response = ops.assign(&theirs, &["24571"]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_retired_set_refuses_its_labels_and_cancelled_trips_give_410() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 1, 80).await;
    ops.vehicle("24533", 1, 80).await;
    let trip = ops.trip(-10, 70).await;
    let cancelled = ops.trip(-10, 70).await;
    ops.assign(&trip, &["24571"]).await;
    ops.assign(&cancelled, &["24533"]).await;
    let retired = ops.codes("24571", json!({"seats": "2"})).await[0].2.clone();
    let on_cancelled = ops.codes("24533", json!({"seats": "2"})).await[0].2.clone();

    let response = ops
        .request(
            "DELETE",
            "/api/v1/operator/vehicles/24571",
            "application/json",
            Vec::new(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ops.ride(&retired).await.unwrap_err().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ops.get("/api/v1/operator/vehicles/24571").await.status(),
        StatusCode::NOT_FOUND
    );

    let path = format!("/api/v1/operator/trips/{}/cancel", cancelled.id);
    assert_eq!(
        ops.json("POST", &path, json!({})).await.status(),
        StatusCode::OK
    );
    let refused = ops.ride(&on_cancelled).await.unwrap_err();
    assert_eq!(refused.status(), StatusCode::GONE);
}

#[tokio::test]
async fn an_operator_sets_how_many_sessions_a_seat_code_opens() {
    let ops = Ops::new().await;
    let settings = body_json(ops.get("/api/v1/operator/settings").await).await;
    assert_eq!(
        settings["sessions_per_seat_code"], 6,
        "the default sized for regional trains"
    );
    ops.vehicle("24571", 1, 80).await;
    let trip = ops.trip(-10, 70).await;
    ops.assign(&trip, &["24571"]).await;
    let response = ops
        .json(
            "PUT",
            "/api/v1/operator/settings",
            json!({"sessions_per_seat_code": 2}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let url = ops.codes("24571", json!({"seats": "9"})).await[0].2.clone();
    assert!(ops.ride(&url).await.is_ok());
    assert!(ops.ride(&url).await.is_ok());
    let third = ops.ride(&url).await.unwrap_err();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = ops
        .json(
            "PUT",
            "/api/v1/operator/settings",
            json!({"sessions_per_seat_code": 500}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_vehicle_csv_registers_sets_and_reports_bad_lines() {
    let ops = Ops::new().await;
    let csv = "vehicle_id,label,car,seats\n\
               24571,Regio 2N 24571,1,80\n\
               24571,,2,96\n\
               24533,Regio 2N 24533,1,many\n\
               30001,AGC,1,60\n";
    let response = ops
        .request(
            "POST",
            "/api/v1/operator/vehicles/import",
            "text/csv",
            csv.into(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = body_json(response).await;
    assert_eq!(report["created"], 2);
    assert_eq!(report["skipped"][0]["line"], 4);
    assert_eq!(report["skipped"][0]["vehicle_id"], "24533");
    let set = body_json(ops.get("/api/v1/operator/vehicles/24571").await).await;
    assert_eq!(set["seats"], 176);
    assert_eq!(set["cars"][1], json!({"car": "2", "seats": 96}));
}

/// A feed whose two trips form block B1 (and a third on B2), every day
/// around today, in Paris time.
fn block_feed(today: NaiveDate) -> Vec<u8> {
    let (start, end) = (today - Duration::days(3), today + Duration::days(3));
    let files: Vec<(&str, String)> = vec![
        ("agency.txt", "agency_id,agency_name,agency_url,agency_timezone\nSNCF,SNCF,https://sncf.example,Europe/Paris\n".into()),
        ("routes.txt", "route_id,agency_id,route_short_name,route_long_name,route_type\nTER,SNCF,TER,,2\n".into()),
        ("trips.txt", "route_id,service_id,trip_id,trip_short_name,block_id\nTER,ALL,t1,17423,B1\nTER,ALL,t2,17424,B1\nTER,ALL,t3,17425,B2\n".into()),
        ("stops.txt", "stop_id,stop_name\nCF,Clermont-Ferrand\nLY,Lyon Part-Dieu\n".into()),
        ("stop_times.txt", "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n\
            t1,,08:12:00,CF,1\nt1,09:22:00,,LY,2\n\
            t2,,10:00:00,LY,1\nt2,11:10:00,,CF,2\n\
            t3,,17:40:00,CF,1\nt3,18:50:00,,LY,2\n".into()),
        ("calendar.txt", format!(
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nALL,1,1,1,1,1,1,1,{},{}\n",
            start.format("%Y%m%d"), end.format("%Y%m%d"))),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_bytes())).collect();
    support::gtfs::zip(&refs)
}

#[tokio::test]
async fn a_roster_assigns_blocks_and_trips_and_reports_each_bad_line() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 1, 80).await;
    ops.vehicle("24533", 1, 80).await;
    let day = Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
        + Duration::days(1);
    let path = format!("/api/v1/operator/trips/import?from={day}&to={day}");
    let response = ops
        .request("POST", &path, "application/zip", block_feed(day))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        page(response).await
    );
    let list = body_json(ops.get(&format!("/api/v1/operator/trips?date={day}")).await).await;
    let trips = list["trips"].as_array().unwrap().clone();
    let by_gtfs = |id: &str| {
        trips
            .iter()
            .find(|t| t["gtfs_trip_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_gtfs("t1")["block_id"], "B1");
    assert_eq!(by_gtfs("t3")["block_id"], "B2");

    let csv = format!(
        "service_date,vehicle_id,block_id,trip_id\n\
         {day},24571,B1,\n\
         {day},99999,B1,\n\
         {day},24571,NOPE,\n\
         {day},24571,,t9\n\
         {day},24533,,t2\n\
         {day},24571,B1,t1\n\
         someday,24571,B1,\n"
    );
    let response = ops
        .request(
            "POST",
            "/api/v1/operator/rosters",
            "text/csv",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report = body_json(response).await;
    assert_eq!(report["lines"], 7);
    assert_eq!(report["assigned"], 2);
    let skipped: Vec<(u64, &str)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["line"].as_u64().unwrap(), s["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (3, "vehicle-unknown"),
            (4, "block-unknown"),
            (5, "trip-unknown"),
            (7, "block-or-trip"),
            (8, "date-invalid"),
        ]
    );
    let vehicles = |id: &str| {
        let id = by_gtfs(id)["id"].as_u64().unwrap();
        let ops = &ops;
        async move {
            body_json(ops.get(&format!("/api/v1/operator/trips/{id}")).await).await["vehicles"]
                .clone()
        }
    };
    assert_eq!(vehicles("t1").await, json!(["24571"]));
    assert_eq!(
        vehicles("t2").await,
        json!(["24571", "24533"]),
        "coupled on t2"
    );
    assert_eq!(vehicles("t3").await, json!([]));
    // An explicit assignment overrides the plan.
    let t1 = by_gtfs("t1")["id"].as_u64().unwrap();
    let path = format!("/api/v1/operator/trips/{t1}/vehicles");
    ops.json("PUT", &path, json!({"vehicles": ["24533"]})).await;
    assert_eq!(vehicles("t1").await, json!(["24533"]));
    let history = body_json(
        ops.get(&format!("/api/v1/operator/trips/{t1}/history"))
            .await,
    )
    .await;
    let sources: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["change"].get("vehicles").is_some())
        .map(|h| h["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, vec!["import", "api"]);
}

/// What a rotation would drop: a key retired longer ago than the horizon
/// that ends trip codes (`now` moved that far ahead for the rotation).
async fn rotate_past_the_horizon(ops: &Ops) -> u8 {
    use trajet::seat_codes::keyring::KEY_HORIZON_DAYS;
    let keys = &ops.app.state.seat_keys;
    let now = trajet::seat_codes::unix_now();
    keys.rotate(now).await.unwrap();
    keys.rotate(now + (i64::from(KEY_HORIZON_DAYS) + 1) * 86_400)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_label_outlives_key_rotations_while_its_set_runs_until_its_key_is_revoked() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 1, 80).await;
    let trip = ops.trip(-10, 70).await;
    ops.assign(&trip, &["24571"]).await;
    let label = ops.codes("24571", json!({"seats": "5"})).await[0].2.clone();
    let keys = &ops.app.state.seat_keys;
    let first = keys.keyring().signer().id();

    rotate_past_the_horizon(&ops).await;
    assert_ne!(keys.keyring().signer().id(), first);
    assert!(
        keys.keyring().key(first).is_some(),
        "the key of a live set's labels is kept"
    );
    assert_eq!(
        ops.ride(&label).await.ok(),
        Some(u64::from(trip.id.get())),
        "the label stuck on the seat still opens the trip"
    );
    let again = ops.codes("24571", json!({"seats": "5"})).await[0].2.clone();
    assert_eq!(again, label, "the sheet printed again is the same");

    let revocation = keys
        .revoke(first, trajet::seat_codes::unix_now())
        .await
        .unwrap();
    let sets: Vec<&str> = revocation
        .train_sets
        .iter()
        .map(|s| s.vehicle_ref.as_str())
        .collect();
    assert_eq!(sets, vec!["24571"], "the set to print again");
    let state = &ops.app.state;
    state
        .vehicles
        .refresh(&state.db.generations().await.unwrap())
        .await
        .unwrap();
    let refused = ops.ride(&label).await.unwrap_err();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let reprinted = ops.codes("24571", json!({"seats": "5"})).await[0].2.clone();
    assert_ne!(reprinted, label);
    assert_eq!(
        ops.ride(&reprinted).await.ok(),
        Some(u64::from(trip.id.get()))
    );
    // The new labels' key is the set's now: kept by the next rotations too.
    let bound = keys.keyring().signer().id();
    rotate_past_the_horizon(&ops).await;
    assert!(keys.keyring().key(bound).is_some());
    assert_eq!(
        ops.ride(&reprinted).await.ok(),
        Some(u64::from(trip.id.get()))
    );
}

#[tokio::test]
async fn a_retired_sets_key_is_dropped_like_any_other() {
    let ops = Ops::new().await;
    ops.vehicle("24571", 1, 80).await;
    let keys = &ops.app.state.seat_keys;
    let first = keys.keyring().signer().id();
    let response = ops
        .request(
            "DELETE",
            "/api/v1/operator/vehicles/24571",
            "application/json",
            Vec::new(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    rotate_past_the_horizon(&ops).await;
    assert!(
        keys.keyring().key(first).is_none(),
        "no live label holds it: it goes after the horizon"
    );
}
