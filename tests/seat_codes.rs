//! Operators mint seat codes and get them as JSON, PNG, SVG and a PDF sheet.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use support::{TestApp, body_bytes, body_json, send};
use trajet::accounts::Role;
use trajet::seat_codes::{Car, Seat, verify};

struct Operator {
    app: TestApp,
    id: String,
    key: String,
}

impl Operator {
    async fn new() -> Self {
        let app = TestApp::new(None).await;
        let (account, key) = app
            .state
            .accounts
            .create_with_key(Role::Operator, "TER")
            .await
            .unwrap();
        Self {
            app,
            id: account.id,
            key,
        }
    }

    /// A trip of this operator (see `TestApp::create_trip`).
    async fn trip(&self, line: &str, departs_in: i64, minutes: i64) -> trajet::trips::Trip {
        self.app
            .create_trip_of(&self.id, line, departs_in, minutes)
            .await
    }

    async fn post_codes(&self, trip: u32, body: serde_json::Value) -> axum::response::Response {
        let request = Request::post(format!("/api/v1/operator/trips/{trip}/codes"))
            .header("authorization", format!("Bearer {}", self.key))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        send(&self.app.router, request).await
    }

    async fn get(&self, path: &str) -> axum::response::Response {
        let request = Request::get(path)
            .header("authorization", format!("Bearer {}", self.key))
            .body(Body::empty())
            .unwrap();
        send(&self.app.router, request).await
    }

    /// A trip with two cars, departing in an hour.
    async fn trip_with_cars(&self) -> trajet::trips::Trip {
        let trip = self.trip("TER Auvergne-Rhône-Alpes", 60, 70).await;
        let mut draft_cars = trip.clone();
        draft_cars.cars = Some(vec!["1".into(), "2".into()]);
        let draft = trajet::trips::TripDraft {
            service_date: trip.service_date,
            line: trip.line.clone(),
            train_number: "17425".into(),
            origin: trip.origin.clone(),
            destination: trip.destination.clone(),
            departs_at: trip.departs_at,
            arrives_at: trip.arrives_at,
            seats: trip.seats,
            cars: draft_cars.cars,
            collections: None,
            timezone: trip.timezone,
            source: None,
            block_id: None,
        };
        self.app.state.trips.create(&self.id, draft).await.unwrap()
    }
}

fn token_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

#[tokio::test]
async fn minting_a_trips_80_seats_answers_their_signed_urls() {
    let op = Operator::new().await;
    let trip = op.trip("TER", 60, 70).await;
    let response = op
        .post_codes(trip.id.get(), serde_json::json!({"seats": "1-80"}))
        .await;
    let status = response.status();
    let body = body_json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = body["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 80);
    let base = op.app.state.config.public_url.to_ascii_uppercase();
    for (i, code) in codes.iter().enumerate() {
        let url = code["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{base}/T/")), "{url}");
        let claims = verify(&op.app.state.seat_keys.keyring(), token_of(url)).unwrap();
        assert_eq!(
            (claims.trip, claims.seat, claims.car),
            (trip.id.get(), Seat(i as u16 + 1), Car::NONE)
        );
        assert_eq!(code["seat"], i + 1);
        assert!(code["car"].is_null());
    }
}

#[tokio::test]
async fn a_minted_code_opens_a_session_when_scanned() {
    let op = Operator::new().await;
    let trip = op.trip("TER", -5, 70).await;
    let body = body_json(
        op.post_codes(trip.id.get(), serde_json::json!({"seats": "7"}))
            .await,
    )
    .await;
    let token = token_of(body["codes"][0]["url"].as_str().unwrap()).to_owned();
    let request = Request::get(format!("/T/{token}"))
        .body(Body::empty())
        .unwrap();
    let response = send(&op.app.router, request).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn codes_per_car_name_their_car() {
    let op = Operator::new().await;
    let trip = op.trip_with_cars().await;
    let body = body_json(
        op.post_codes(
            trip.id.get(),
            serde_json::json!({"seats": "1-3", "cars": ["2"]}),
        )
        .await,
    )
    .await;
    let codes = body["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 3);
    assert!(codes.iter().all(|c| c["car"] == "2"));
    let claims = verify(
        &op.app.state.seat_keys.keyring(),
        token_of(codes[0]["url"].as_str().unwrap()),
    )
    .unwrap();
    assert_eq!(claims.car, Car(2));
}

#[tokio::test]
async fn png_and_svg_of_a_seat_decode_to_its_url() {
    let op = Operator::new().await;
    let trip = op.trip("TER", 60, 70).await;
    let id = trip.id.get();
    let minted = body_json(op.post_codes(id, serde_json::json!({"seats": "12"})).await).await;
    let url = minted["codes"][0]["url"].as_str().unwrap().to_owned();

    let png = op
        .get(&format!("/api/v1/operator/trips/{id}/codes/12.png"))
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    let image = image::load_from_memory(&body_bytes(png).await)
        .unwrap()
        .to_luma8();
    let (w, h) = image.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            image.get_pixel(x as u32, y as u32).0[0]
        });
    let grids = prepared.detect_grids();
    let (meta, text) = grids[0].decode().unwrap();
    assert_eq!(text, url);
    assert!(meta.version.0 <= 5);

    let svg = op
        .get(&format!("/api/v1/operator/trips/{id}/codes/12.svg"))
        .await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = String::from_utf8(body_bytes(svg).await).unwrap();
    assert!(svg.starts_with("<svg") && svg.matches("<path").count() == 1);
}

#[tokio::test]
async fn the_sheet_is_a_pdf_with_a_page_per_24_labels() {
    let op = Operator::new().await;
    let trip = op.trip("TER", 60, 70).await;
    let response = op
        .get(&format!(
            "/api/v1/operator/trips/{}/sheet.pdf?seats=1-30",
            trip.id.get()
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = body_bytes(response).await;
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
    let all = op
        .get(&format!(
            "/api/v1/operator/trips/{}/sheet.pdf?layout=2x5",
            trip.id.get()
        ))
        .await;
    assert_eq!(all.status(), StatusCode::OK);
    assert!(
        String::from_utf8_lossy(&body_bytes(all).await).contains("/Count 8"),
        "80 seats at 10 a page"
    );
}

async fn assert_problem(response: axum::response::Response, status: StatusCode, code: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body = body_json(response).await;
    assert_eq!(body["code"], code, "{body}");
    assert!(!body["detail"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn invalid_requests_name_the_problem() {
    let op = Operator::new().await;
    let trip = op.trip_with_cars().await;
    let id = trip.id.get();
    let codes = |seats: &str| serde_json::json!({"seats": seats});
    assert_problem(
        op.post_codes(id, codes("80-1")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "seat-range-invalid",
    )
    .await;
    assert_problem(
        op.post_codes(id, codes("a-b")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "seat-range-invalid",
    )
    .await;
    assert_problem(
        op.post_codes(id, codes("1-2001")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "too-many-seats",
    )
    .await;
    assert_problem(
        op.post_codes(id, codes("81")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "seat-range-invalid",
    )
    .await;
    let unknown_car = serde_json::json!({"seats": "1", "cars": ["9"]});
    assert_problem(
        op.post_codes(id, unknown_car).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "car-unknown",
    )
    .await;
    assert_problem(
        op.post_codes(999_999, codes("1")).await,
        StatusCode::NOT_FOUND,
        "trip-not-found",
    )
    .await;
    let bad_layout = op
        .get(&format!("/api/v1/operator/trips/{id}/sheet.pdf?layout=9x9"))
        .await;
    assert_problem(
        bad_layout,
        StatusCode::UNPROCESSABLE_ENTITY,
        "layout-invalid",
    )
    .await;
    let bad_file = op
        .get(&format!("/api/v1/operator/trips/{id}/codes/12.gif"))
        .await;
    assert_problem(bad_file, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn a_cancelled_trip_has_no_codes() {
    let op = Operator::new().await;
    let trip = op.trip("TER", 60, 70).await;
    op.app.state.trips.cancel(trip.id, &op.id).await.unwrap();
    let response = op
        .post_codes(trip.id.get(), serde_json::json!({"seats": "1"}))
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "trip-cancelled").await;
    let png = op
        .get(&format!(
            "/api/v1/operator/trips/{}/codes/1.png",
            trip.id.get()
        ))
        .await;
    assert_problem(png, StatusCode::UNPROCESSABLE_ENTITY, "trip-cancelled").await;
}

#[tokio::test]
async fn codes_need_an_operator_key() {
    let op = Operator::new().await;
    let trip = op.trip("TER", 60, 70).await;
    let path = format!("/api/v1/operator/trips/{}/codes/1.png", trip.id.get());
    let anonymous = send(
        &op.app.router,
        Request::get(&path).body(Body::empty()).unwrap(),
    )
    .await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let (_, publisher) = op
        .app
        .state
        .accounts
        .create_with_key(Role::Publisher, "Quai")
        .await
        .unwrap();
    let request = Request::get(&path)
        .header("authorization", format!("Bearer {publisher}"))
        .body(Body::empty())
        .unwrap();
    assert_problem(
        send(&op.app.router, request).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn another_operators_trip_has_no_codes_images_or_sheet_for_you() {
    let owner = Operator::new().await;
    let trip = owner.trip("TER", 60, 70).await;
    let (_, key) = owner
        .app
        .state
        .accounts
        .create_with_key(Role::Operator, "Trenitalia")
        .await
        .unwrap();
    let other = Operator {
        app: owner.app,
        id: String::new(),
        key,
    };
    let id = trip.id.get();
    assert_problem(
        other
            .post_codes(id, serde_json::json!({"seats": "1-80"}))
            .await,
        StatusCode::NOT_FOUND,
        "trip-not-found",
    )
    .await;
    for path in [
        format!("/api/v1/operator/trips/{id}/codes/1.png"),
        format!("/api/v1/operator/trips/{id}/codes/1.svg"),
        format!("/api/v1/operator/trips/{id}/sheet.pdf?seats=1-4"),
    ] {
        let response = other.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            body_json(response).await["code"],
            "trip-not-found",
            "{path}"
        );
    }
}
