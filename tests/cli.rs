//! The administrator's command line works on the same data directory as a
//! running service, which picks changes up within a second.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::TestApp;

/// Asks `probe` every 50 ms until the running service has seen `change` (it
/// answers `Some`), and prints how long that took: instances poll the database
/// twice a second, so the README promises within a second; the test gives up
/// after 20 s, room for a busy machine.
async fn until_seen<T>(change: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(seen) = probe().await {
            eprintln!(
                "figures: the running service saw {change} after {:?}",
                started.elapsed()
            );
            return seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the running service never saw {change}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs the CLI on a data directory and, when given, a PostgreSQL database.
fn trajet(
    data_dir: &std::path::Path,
    database_url: Option<&str>,
    args: &[&str],
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trajet"));
    command
        .args(args)
        .env("TRAJET_DATA_DIR", data_dir)
        .env_remove("TRAJET_CONFIG")
        .env_remove("REDIS_URL")
        .env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command.output().unwrap()
}

fn last_line(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_key_created_by_the_cli_works_on_the_next_request_and_revocation_within_a_second() {
    let app = TestApp::new(None).await;
    let key = last_line(&trajet(
        &app.data_path(),
        app.database_url.as_deref(),
        &["admin", "create-operator", "TER Occitanie"],
    ));
    assert!(
        key.starts_with("trj_"),
        "the key is alone on the last line: {key:?}"
    );

    // The very next request works: no wait for the periodic reload.
    let response = support::send(
        &app.router,
        axum::http::Request::get("/api/v1/operator/trips?date=2026-01-05")
            .header("authorization", format!("Bearer {key}"))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), 200, "a new key works at once");
    assert_eq!(
        app.state.accounts.authenticate(&key).await.unwrap().name,
        "TER Occitanie"
    );

    let key_id = key.split('_').nth(1).unwrap();
    let out = trajet(
        &app.data_path(),
        app.database_url.as_deref(),
        &["admin", "revoke-key", key_id],
    );
    assert!(out.status.success());
    until_seen("a revoked API key", async || {
        app.state
            .accounts
            .authenticate(&key)
            .await
            .is_none()
            .then_some(())
    })
    .await;
}

#[test]
fn revoking_an_unknown_key_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = trajet(dir.path(), None, &["admin", "revoke-key", "nosuchkey"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuchkey"));
}

#[test]
fn check_config_explains_every_setting_and_checks_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = trajet(dir.path(), None, &["check-config"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for env in [
        "TRAJET_LISTEN",
        "TRAJET_DATA_DIR",
        "TRAJET_PUBLIC_URL",
        "REDIS_URL",
        "TRAJET_COOKIE_SECURE",
        "TRAJET_PUBLICATIONS_URL",
        "AWS_ENDPOINT_URL",
    ] {
        assert!(text.contains(env), "{env} is explained");
    }
    assert!(text.contains("session store (memory) answers"));
    assert!(text.contains("publication files (folder "), "{text}");
}

#[test]
fn a_bad_setting_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_trajet"))
        .args(["check-config"])
        .env("TRAJET_DATA_DIR", dir.path())
        .env("TRAJET_LISTEN", "nowhere")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TRAJET_LISTEN"));
}

#[tokio::test]
async fn a_signing_key_rotated_by_the_cli_signs_on_the_running_service_within_a_second() {
    let app = TestApp::new(None).await;
    let before = app.state.seat_keys.keyring().signer().id();
    let new_id: u8 = last_line(&trajet(
        &app.data_path(),
        app.database_url.as_deref(),
        &["admin", "rotate-signing-key"],
    ))
    .parse()
    .expect("the new key id is alone on the last line");
    assert_ne!(new_id, before);
    until_seen("a new signing key", async || {
        (app.state.seat_keys.keyring().signer().id() == new_id).then_some(())
    })
    .await;
    assert!(
        app.state.seat_keys.keyring().key(before).is_some(),
        "the previous key still verifies its codes"
    );
}

/// A leaked signing key revoked by the CLI: the running service refuses the
/// codes it signed within a second, and signs new ones with a fresh key.
#[tokio::test]
async fn a_signing_key_revoked_by_the_cli_ends_its_codes_on_the_running_service() {
    let app = TestApp::new(None).await;
    let trip = app.create_trip("TER 17", -5, 60).await;
    let leaked_code = app.seat_token(&trip, 3);
    let leaked = app.state.seat_keys.keyring().signer().id();
    let ended = app.create_trip("TER 17", -180, 60).await;
    let cancelled = app.create_trip("TER 17", 30, 60).await;
    app.state
        .trips
        .cancel(cancelled.id, "operator")
        .await
        .unwrap();
    let tomorrow = app.create_trip("TER 17", 24 * 60, 60).await;
    // A train set whose labels (printed once) the leaked key signed.
    let request: trajet::vehicles::model::NewVehicleRequest = serde_json::from_value(
        serde_json::json!({"id": "24571", "cars": [{"car": "1", "seats": 80}]}),
    )
    .unwrap();
    let set = app
        .state
        .vehicles
        .create(support::TEST_OPERATOR, request.parse().unwrap())
        .await
        .unwrap();
    let set_label = |app: &TestApp| {
        let fleet = app.state.vehicles.fleet();
        let keys = app.state.seat_keys.keyring();
        let car = trajet::seat_codes::Car(1);
        let label = trajet::vehicles::codes::label(
            &keys,
            &fleet,
            &set,
            car,
            trajet::seat_codes::Seat(4),
            "",
        );
        label.url.rsplit('/').next().unwrap().to_owned()
    };
    let leaked_label = set_label(&app);
    let output = trajet(
        &app.data_path(),
        app.database_url.as_deref(),
        &["admin", "revoke-signing-key", &leaked.to_string()],
    );
    let signer: u8 = last_line(&output)
        .parse()
        .expect("the signing key id is alone on the last line");
    assert_ne!(signer, leaked);
    // The operator is told which labels to print again: the trips still to
    // run, not the ended or cancelled ones.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let listed = |trip: &trajet::trips::Trip| stdout.contains(&format!("trip {} ", trip.id.get()));
    assert!(listed(&trip) && listed(&tomorrow), "{stdout}");
    assert!(!listed(&ended) && !listed(&cancelled), "{stdout}");
    until_seen("a revoked signing key", async || {
        app.state
            .seat_keys
            .keyring()
            .key(leaked)
            .is_none()
            .then_some(())
    })
    .await;
    let response = app.scan(&leaked_code, None).await;
    assert_eq!(
        response.status(),
        400,
        "a code of the revoked key opens nothing"
    );
    let fresh = app.seat_token(&trip, 3);
    assert_eq!(
        app.scan(&fresh, None).await.status(),
        303,
        "a reprinted code works"
    );
    // The train set is listed to print again; its old label opens nothing,
    // its new sheet (signed by the new key) does once the set runs a trip.
    assert!(stdout.contains("train set 24571"), "{stdout}");
    assert_eq!(app.scan(&leaked_label, None).await.status(), 400);
    let actor = trajet::vehicles::Actor {
        account: support::TEST_OPERATOR,
        via: "api",
    };
    app.state
        .vehicles
        .assign(
            &app.state.trips,
            support::TEST_OPERATOR,
            trip.id,
            &["24571".into()],
            trajet::vehicles::Source::Api,
            actor,
        )
        .await
        .unwrap();
    assert_eq!(app.scan(&set_label(&app), None).await.status(), 303);
}

#[tokio::test]
async fn an_epub_imported_by_the_cli_is_offered_by_the_running_service_within_a_second() {
    let app = TestApp::new(None).await;
    let (publisher, _) = app
        .state
        .accounts
        .create_with_key(trajet::accounts::Role::Publisher, "Éditions du Quai")
        .await
        .unwrap();
    let book = support::books::write_marker_book(&app.dir.path().join("books"), 3);
    let line = last_line(&trajet(
        &app.data_path(),
        app.database_url.as_deref(),
        &[
            "import",
            "epub",
            "--publisher",
            "Éditions du Quai",
            book.to_str().unwrap(),
        ],
    ));
    let id = line.split('\t').nth(1).unwrap().to_owned();
    let record = until_seen("a title imported by the CLI", async || {
        app.state.catalog.title(id.as_str())
    })
    .await;
    assert_eq!(record.publisher, publisher.id);
    assert!(record.settings.live);
    assert!(
        app.state
            .catalog
            .store()
            .version_dir(&record.id, &record.version)
            .join(trajet::catalog::store::PUBLICATION_JSON)
            .exists(),
        "the version the row names is on disk"
    );
}
