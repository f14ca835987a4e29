//! The operator console in a real browser (Debian's headless Chromium driven
//! through chromedriver): sign in with an operator key, import a GTFS feed
//! and read its report, create a trip, mint seat codes, preview a label,
//! download the PDF sheet, extend and cancel trips with confirmation, watch
//! the dashboard follow a scan, choose collections per line, refuse
//! cross-site changes, speak French, and pass an accessibility audit.
//! Screenshots go to `target/screenshots/operator-*.png` for a person to look at.

#[path = "browser/console.rs"]
mod console;
#[path = "browser/proxy.rs"]
mod proxy;
mod support;
#[path = "browser/webdriver.rs"]
mod webdriver;
#[path = "browser/world.rs"]
mod world;

use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as D, Utc};
use serde_json::{Value, json};
use trajet::accounts::Role;
use trajet::trips::{Trip, TripId, TripState};

use console::dialog_text;
use webdriver::Browser;
use world::{World, corpus_file};

/// The operator of these tests, by account name.
const OPERATOR: &str = "TER Auvergne-Rhône-Alpes";

/// The operator's account id (the account is created on first use).
async fn operator_id(world: &World) -> String {
    world.account(Role::Operator, OPERATOR).await.0
}

/// A trip of the operator (see `TestApp::create_trip`).
async fn operator_trip(world: &World, line: &str, departs_in: i64, minutes: i64) -> Trip {
    let operator = operator_id(world).await;
    world
        .app
        .create_trip_of(&operator, line, departs_in, minutes)
        .await
}

/// Opens the console signed in with a new operator key; returns the browser and the key.
async fn signed_in(world: &World, lang: &str) -> (Browser, String) {
    let (_, key) = world.account(Role::Operator, OPERATOR).await;
    let browser = console::open_signed_in(world, "/operator", &key, lang).await;
    (browser, key)
}

/// Goes to a view of the console by its address, as a link would.
async fn open(browser: &Browser, hash: &str, ready: &str) {
    browser
        .js("location.hash = arguments[0];", json!([hash]))
        .await;
    browser.wait_for(hash, ready).await;
}

/// Fetches a URL from the page (with the console's cookie); returns status,
/// content type and the first bytes as text.
async fn fetch_head(browser: &Browser, url: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         fetch({}, {{credentials: 'same-origin'}})
           .then(async r => {{
             const bytes = new Uint8Array(await r.arrayBuffer());
             done({{status: r.status, type: r.headers.get('content-type'), size: bytes.length,
                    head: String.fromCharCode(...bytes.slice(0, 8))}});
           }})
           .catch(e => done({{status: 0, error: String(e)}}));",
        json!(url)
    );
    browser.js_async(&script).await
}

async fn trip(world: &World, id: TripId) -> Trip {
    world
        .app
        .state
        .trips
        .get(id)
        .await
        .unwrap()
        .expect("the trip exists")
}

/// "HH:MM" of an instant in the trip's own time zone.
fn clock(trip: &Trip, at: DateTime<Utc>) -> String {
    at.with_timezone(&trip.timezone).format("%H:%M").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_imports_a_gtfs_feed_reads_the_report_and_sees_the_trips_in_their_zone() {
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let (browser, _) = signed_in(&world, "en-US").await;
    assert!(
        browser
            .text_of("#who")
            .await
            .contains("TER Auvergne-Rhône-Alpes")
    );

    // Caltrain, Saturday 29 July 2017: 28 rail trips, the buses left out.
    open(
        &browser,
        "#import",
        "return !document.getElementById('view-import').hidden",
    )
    .await;
    let feed = corpus_file("gtfs/caltrain-2017-rail-extra-files.zip");
    browser.type_into("#import-file", &feed).await;
    browser.set_value("#import-from", "2017-07-29").await;
    browser.set_value("#import-to", "2017-07-29").await;
    browser.click("#import-submit").await;
    browser
        .wait_for(
            "the import report",
            "return !document.getElementById('import-report').hidden",
        )
        .await;
    let created = browser
        .text_of("#import-report [data-count=created] dd")
        .await;
    assert_eq!(created, "28", "{}", browser.text_of("#import-report").await);
    assert_eq!(
        browser
            .text_of("#import-report [data-count=skipped] dd")
            .await,
        "0"
    );
    assert!(
        browser
            .text_of("#import-no-skips")
            .await
            .contains("Every row"),
        "a clean feed says so"
    );
    browser.screenshot("operator-import-report").await;
    browser.assert_accessible("import report").await;

    // The report leads to the trips of the day, times in Pacific time.
    browser.click("#import-see-trips").await;
    browser
        .wait_for(
            "the imported trips",
            "return document.querySelectorAll('#trips-table tbody tr').length === 28",
        )
        .await;
    let mut stored = world
        .app
        .state
        .trips
        .list("2017-07-29".parse().unwrap())
        .await
        .unwrap();
    stored.sort_by_key(|t| (t.departs_at, t.id));
    let first = &stored[0];
    let row = browser.text_of("#trips-table tbody tr").await;
    assert!(
        row.contains(&first.train_number)
            && row.contains(&clock(first, first.departs_at))
            && row.contains(&clock(first, first.arrives_at)),
        "first row {row:?} shows train {} leaving at {} Pacific time",
        first.train_number,
        clock(first, first.departs_at)
    );
    assert!(row.contains("Ended"), "a 2017 trip has ended: {row}");
    browser.screenshot("operator-trips").await;
    browser.assert_accessible("trips of a day").await;

    // A feed with unusable rows: the report groups them by reason.
    open(
        &browser,
        "#import",
        "return !document.getElementById('view-import').hidden",
    )
    .await;
    let metra = corpus_file("gtfs/metra-rail-in-subfolder.zip");
    browser.type_into("#import-file", &metra).await;
    browser.set_value("#import-from", "2023-12-11").await;
    browser.set_value("#import-to", "2023-12-17").await;
    browser.click("#import-submit").await;
    browser
        .wait_for(
            "the second report",
            "return !document.getElementById('import-report').hidden && document.getElementById('import-reasons')",
        )
        .await;
    let reasons = browser.text_of("#import-reasons").await;
    assert!(
        reasons.contains("the trip has no stop times") && reasons.contains("trips.txt"),
        "{reasons}"
    );
    assert_eq!(
        browser
            .text_of("#import-report [data-count=skipped] dd")
            .await,
        "947"
    );

    // A refused feed says why, with the file.
    let broken = corpus_file("gtfs/contains-null-bytes.zip");
    browser.type_into("#import-file", &broken).await;
    browser.set_value("#import-from", "2007-06-01").await;
    browser.set_value("#import-to", "2007-06-30").await;
    browser.click("#import-all").await;
    browser.click("#import-submit").await;
    let refusal = browser
        .wait_for(
            "the refusal",
            "const e = document.getElementById('import-error'); return !e.hidden && e.textContent",
        )
        .await;
    let refusal = refusal.as_str().unwrap_or_default();
    assert!(
        refusal.contains("stops.txt, line 9") && refusal.contains("NUL"),
        "{refusal}"
    );
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_feed_is_explained_in_french_with_its_file_line_and_specifics() {
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let (browser, _) = signed_in(&world, "fr-FR").await;
    open(
        &browser,
        "#import",
        "return !document.getElementById('view-import').hidden",
    )
    .await;
    let mut seen = Vec::new();
    for feed in [
        "contains-null-bytes.zip",
        "not-a-zip.zip",
        "missing-calendar-and-dates.zip",
        "bad-eol.zip",
    ] {
        browser
            .js(
                "document.getElementById('import-error').hidden = true;",
                json!([]),
            )
            .await;
        browser
            .type_into("#import-file", &corpus_file(&format!("gtfs/{feed}")))
            .await;
        browser.set_value("#import-from", "2007-06-01").await;
        browser.set_value("#import-to", "2007-06-30").await;
        browser.click("#import-submit").await;
        let refusal = browser
            .wait_for(
                "the refusal",
                "const e = document.getElementById('import-error'); return !e.hidden && e.textContent",
            )
            .await;
        seen.push(refusal.as_str().unwrap_or_default().to_owned());
    }
    let [nul, not_zip, missing, eol] = &seen[..] else {
        unreachable!()
    };
    assert!(
        nul.contains("stops.txt, ligne 9") && nul.contains("octet NUL"),
        "{nul}"
    );
    assert!(not_zip.contains("pas une archive zip lisible"), "{not_zip}");
    assert!(
        missing.starts_with("Le flux a été refusé") && missing.contains("calendar.txt"),
        "{missing}"
    );
    assert!(
        eol.contains("ligne") && eol.contains("fins de ligne") || eol.contains("retour chariot"),
        "{eol}"
    );
    for text in &seen {
        for english in [" is ", " the ", "line ", "contains"] {
            assert!(
                !text.contains(english),
                "English left in the French console: {text}"
            );
        }
    }
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_creates_a_trip_after_the_api_names_every_missing_field_at_once() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let (browser, _) = signed_in(&world, "en-US").await;
    open(
        &browser,
        "#new-trip",
        "return !document.getElementById('view-new-trip').hidden",
    )
    .await;
    for (selector, value) in [
        ("#f-line", "TER Clermont – Lyon"),
        ("#f-destination", "Lyon Part-Dieu"),
        ("#f-date", "2026-11-28"),
        ("#f-timezone", "Europe/Paris"),
        ("#f-departs", "23:20"),
        ("#f-arrives", "01:05"),
        ("#f-cars", "1, 2"),
    ] {
        browser.set_value(selector, value).await;
    }
    browser.click("#trip-form button[type=submit]").await;
    let messages = browser
        .wait_for(
            "the messages of the three missing fields",
            "const m = ['f-train', 'f-origin', 'f-seats'].map((id) => document.getElementById(`${id}-error`)?.textContent);
             return m.every(Boolean) && m",
        )
        .await;
    assert_eq!(messages, json!(["this field is required."; 3].to_vec()));
    let state = browser
        .js(
            "const i = document.getElementById('f-seats');
             return [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby'), document.activeElement.id,
                     document.querySelectorAll('#trip-form-errors li a').length]",
            json!([]),
        )
        .await;
    assert_eq!(
        state,
        json!(["true", "f-seats-error", "f-train", 3]),
        "every missing field is named in the summary, focus on the first"
    );
    browser.screenshot("operator-new-trip-error").await;
    browser.assert_accessible("trip form with errors").await;

    browser.set_value("#f-train", "17423").await;
    browser.set_value("#f-origin", "Clermont-Ferrand").await;
    browser.set_value("#f-seats", "80").await;
    browser.click("#trip-form button[type=submit]").await;
    let id = browser
        .wait_for(
            "the new trip's page",
            "const m = location.hash.match(/^#trip\\/(\\d+)$/); return m && document.getElementById('trip-facts') && Number(m[1])",
        )
        .await;
    let created = trip(&world, TripId::new(id.as_u64().unwrap() as u32)).await;
    // 23:20 in Paris in November is 22:20 UTC; the arrival after midnight is the next day.
    assert_eq!(created.departs_at.to_rfc3339(), "2026-11-28T22:20:00+00:00");
    assert_eq!(created.arrives_at.to_rfc3339(), "2026-11-29T00:05:00+00:00");
    assert_eq!(created.seats.get(), 80);
    assert_eq!(created.cars, Some(vec!["1".to_owned(), "2".to_owned()]));
    let facts = browser.text_of("#trip-facts").await;
    assert!(
        facts.contains("23:20") && facts.contains("01:05"),
        "{facts}"
    );

    // Seats are numbered per car: codes for both cars, labels naming the car.
    browser.set_value("#codes-seats", "1-3").await;
    browser.click("#codes-submit").await;
    browser
        .wait_for(
            "codes of two cars",
            "return document.querySelectorAll('#codes-table tbody tr').length === 6",
        )
        .await;
    browser
        .click("#codes-table tbody tr:last-child button")
        .await;
    browser
        .wait_for(
            "the label of car 2",
            "return document.getElementById('label-preview').dataset.loaded === '3:2:png'",
        )
        .await;
    assert!(
        browser
            .text_of("#label-preview")
            .await
            .contains("Car 2 · seat 3")
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_mints_codes_previews_a_label_and_downloads_the_sheet_and_images() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let running = operator_trip(&world, "TER Clermont – Lyon", 10, 90).await;
    let (browser, _) = signed_in(&world, "en-US").await;
    open(
        &browser,
        &format!("#trip/{}", running.id),
        "return document.getElementById('codes-form')",
    )
    .await;
    assert_eq!(
        browser.text_of("#trip-title").await,
        "Train 17423 · TER Clermont – Lyon"
    );

    browser.set_value("#codes-seats", "1-12, 40").await;
    browser.click("#codes-submit").await;
    browser
        .wait_for(
            "the minted codes",
            "return document.querySelectorAll('#codes-table tbody tr').length === 13",
        )
        .await;
    assert_eq!(browser.text_of("#codes-count").await, "13 codes minted.");
    let url = browser
        .text_of("#codes-table tbody tr:last-child code")
        .await;
    // Printed codes are upper case (the compact QR alphabet).
    let (_, token) = url
        .rsplit_once("/T/")
        .unwrap_or_else(|| panic!("a code is a passenger link: {url}"));
    let scanned = world.app.scan(token, None).await;
    assert_eq!(scanned.status(), 303, "the minted code scans");

    // Preview the label of seat 40, as PNG and then as SVG.
    browser
        .click("#codes-table tbody tr:last-child button")
        .await;
    browser
        .wait_for(
            "the PNG label",
            "const p = document.getElementById('label-preview'); return p.dataset.loaded === '40::png' && document.getElementById('label-img').naturalWidth > 100",
        )
        .await;
    assert!(browser.text_of("#label-preview").await.contains("Seat 40"));
    browser.screenshot("operator-label-preview").await;
    browser.click("#preview-form input[value=svg]").await;
    browser.click("#preview-form button[type=submit]").await;
    browser
        .wait_for(
            "the SVG label",
            "return document.getElementById('label-preview').dataset.loaded === '40::svg'",
        )
        .await;
    let svg_src = browser
        .js(
            "return document.getElementById('label-img').getAttribute('src')",
            json!([]),
        )
        .await;
    let svg = fetch_head(&browser, svg_src.as_str().unwrap()).await;
    assert_eq!(svg["type"], "image/svg+xml", "{svg}");

    // The PNG of one code and the PDF sheet come back as files.
    let png_href = browser
        .js(
            "return document.querySelector('#codes-table tbody tr a.file-link').getAttribute('href')",
            json!([]),
        )
        .await;
    let png = fetch_head(&browser, png_href.as_str().unwrap()).await;
    assert_eq!(png["type"], "image/png", "{png}");
    assert!(
        png["head"].as_str().unwrap().starts_with("\u{89}PNG"),
        "{png}"
    );

    browser.set_value("#sheet-seats", "1-30").await;
    browser.set_value("#sheet-layout", "2x5").await;
    let sheet_href = browser
        .js(
            "return document.getElementById('sheet-download').getAttribute('href')",
            json!([]),
        )
        .await;
    let sheet_href = sheet_href.as_str().unwrap().to_owned();
    assert!(
        sheet_href.contains("seats=1-30") && sheet_href.contains("layout=2x5"),
        "{sheet_href}"
    );
    let pdf = fetch_head(&browser, &sheet_href).await;
    assert_eq!(pdf["status"], 200, "{pdf}");
    assert_eq!(pdf["type"], "application/pdf");
    assert!(pdf["head"].as_str().unwrap().starts_with("%PDF"), "{pdf}");
    browser.click("#sheet-download").await;
    browser
        .wait_for(
            "the sheet downloaded",
            "return document.getElementById('sheet-status').textContent === 'The sheet was downloaded.'",
        )
        .await;
    // Every layout offered draws a sheet.
    let layouts = browser
        .js(
            "return [...document.querySelectorAll('#sheet-layout option')].map(o => o.value)",
            json!([]),
        )
        .await;
    for layout in layouts.as_array().unwrap() {
        let href = format!(
            "/api/v1/operator/trips/{}/sheet.pdf?seats=1-2&layout={}",
            running.id,
            layout.as_str().unwrap()
        );
        let pdf = fetch_head(&browser, &href).await;
        assert_eq!(pdf["status"], 200, "layout {layout}: {pdf}");
    }
    browser.screenshot("operator-trip-codes").await;
    browser.assert_accessible("trip page with codes").await;
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_extends_a_late_trip_and_cancels_it_after_confirmations_stating_the_effect() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let running = operator_trip(&world, "TER Clermont – Lyon", -10, 60).await;
    for seat in [3, 4] {
        world.app.passenger(&running, seat).await;
    }
    let (browser, key) = signed_in(&world, "en-US").await;
    open(
        &browser,
        &format!("#trip/{}", running.id),
        "return document.getElementById('delay-form')",
    )
    .await;
    assert_eq!(browser.text_of("#trip-sessions").await, "2");
    assert!(browser.text_of("#fact-status").await.contains("Running"));

    // 25 minutes late: the dialog says until when sessions last, and how many.
    browser.set_value("#delay-minutes", "25").await;
    let new_arrival = running.scheduled_arrives_at + D::minutes(25);
    let window_after = D::from_std(world.app.state.config.window_after).unwrap();
    assert!(
        browser
            .text_of("#delay-preview")
            .await
            .contains(&clock(&running, new_arrival))
    );
    browser.click("#delay-submit").await;
    let text = dialog_text(&browser).await;
    let until = clock(&running, new_arrival + window_after);
    assert!(
        text.contains(&format!("Sessions of this trip will last until {until}"))
            && text.contains("2 open sessions are extended."),
        "{text}"
    );
    browser.screenshot("operator-extend-confirm").await;
    browser.click("dialog.confirm[open] button.danger").await;
    // The news clears itself after a few seconds: read it first.
    console::status_says(&browser, "success", "sessions of this trip last until").await;
    console::assert_status_covers_nothing(&browser).await;
    let shown = clock(&running, new_arrival);
    browser
        .wait_for(
            "the new arrival",
            &format!(
                "return document.getElementById('trip-arrival').textContent.includes({})",
                json!(shown)
            ),
        )
        .await;
    let moved = trip(&world, running.id).await.arrives_at - new_arrival;
    assert!(
        moved.num_milliseconds() == 0,
        "the arrival moved by 25 minutes ({moved} off)"
    );
    assert!(browser.text_of("#fact-arrives").await.contains("planned"));

    // Cancel: going back changes nothing; confirming ends both sessions.
    browser.click("#cancel-trip").await;
    let text = dialog_text(&browser).await;
    assert!(text.contains("2 open sessions will end at once."), "{text}");
    browser.screenshot("operator-cancel-confirm").await;
    browser
        .click("dialog.confirm[open] button:not(.danger)")
        .await;
    browser
        .wait_for(
            "the dialog to close",
            "return !document.querySelector('dialog.confirm')",
        )
        .await;
    assert_eq!(trip(&world, running.id).await.state, TripState::Scheduled);

    browser.click("#cancel-trip").await;
    dialog_text(&browser).await;
    browser.click("dialog.confirm[open] button.danger").await;
    browser
        .wait_for(
            "the cancelled trip",
            "return document.getElementById('trip-cancelled') && document.getElementById('fact-status').innerText.includes('Cancelled')",
        )
        .await;
    assert_eq!(browser.text_of("#trip-sessions").await, "0");
    assert_eq!(trip(&world, running.id).await.state, TripState::Cancelled);
    assert_eq!(
        browser
            .js(
                "return document.getElementById('trip-back').getAttribute('href')",
                json!([])
            )
            .await,
        json!(format!("#trips/{}", running.service_date)),
        "back to the trip's own day"
    );
    assert_eq!(
        world
            .app
            .state
            .sessions
            .live_sessions(running.id.get())
            .await
            .unwrap(),
        0
    );
    // And through the API, as a script would see it.
    let client = reqwest::Client::new();
    let read: Value = client
        .get(
            world
                .tunnel
                .url(&format!("/api/v1/operator/trips/{}", running.id)),
        )
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["state"], "cancelled");
    browser.screenshot("operator-trip-cancelled").await;
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shows_a_session_opened_by_a_scan_without_being_asked() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let running = operator_trip(&world, "TER Clermont – Lyon", -10, 60).await;
    operator_trip(&world, "TER Lyon – Genève", 240, 60).await;
    let (browser, _) = signed_in(&world, "en-US").await;
    browser
        .wait_for(
            "the running trip",
            "return document.querySelector('#dash-running-table [data-sessions]')",
        )
        .await;
    assert_eq!(browser.text_of("#fig-sessions dd").await, "0");

    // A passenger scans; the dashboard refreshes by itself within 30 seconds.
    // The scan counts in its UTC hour, which is the chart's last bar unless an
    // hour began between the scan and the refresh.
    let hour_of = |at: DateTime<Utc>| {
        let unix = at.timestamp();
        DateTime::from_timestamp(unix - unix.rem_euclid(3600), 0)
            .unwrap()
            .to_rfc3339()
    };
    let hour_before = hour_of(Utc::now());
    world.app.passenger(&running, 7).await;
    let scan_hours = [hour_before, hour_of(Utc::now())];
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let sessions = browser
            .js(
                "return document.querySelector('#dash-running-table [data-sessions]').dataset.sessions",
                json!([]),
            )
            .await;
        if sessions == json!("1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dashboard did not refresh by itself"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(browser.text_of("#fig-sessions dd").await, "1");
    assert_eq!(browser.text_of("#fig-running dd").await, "1");
    assert_eq!(browser.text_of("#fig-scans dd").await, "1");
    let bars = browser
        .js(
            "return [...document.querySelectorAll('#dash-chart svg rect.bar')].map(r => [r.dataset.key, Number(r.getAttribute('height'))])",
            json!([]),
        )
        .await;
    let bars: Vec<(String, f64)> = serde_json::from_value(bars).unwrap();
    assert_eq!(bars.len(), 24);
    let filled: Vec<usize> = (0..24).filter(|i| bars[*i].1 > 0.0).collect();
    assert!(
        filled.len() == 1 && scan_hours.contains(&bars[filled[0]].0),
        "only the scan's hour ({scan_hours:?}) has a bar: {bars:?}"
    );
    assert!(
        filled[0] >= 22,
        "the scan's hour is the last one or, if an hour began since, the one before: {bars:?}"
    );
    let scan_bar = filled[0];
    let ticks = browser
        .js(
            "return [...document.querySelectorAll('#dash-chart svg .grid text')].map(t => t.textContent)",
            json!([]),
        )
        .await;
    assert_eq!(
        ticks,
        json!(["0", "1"]),
        "counts of scans get whole-number ticks"
    );
    let rows = browser
        .js(
            "return [...document.querySelectorAll('#dash-chart details table tbody td')].map(td => td.textContent)",
            json!([]),
        )
        .await;
    let rows: Vec<String> = serde_json::from_value(rows).unwrap();
    assert_eq!(rows.len(), 24, "the chart's figures are in a table too");
    assert_eq!(rows[scan_bar], "1");

    // In a hidden tab the figures stay as they are: no request when the
    // 30-second refresh comes round. Back in view after that, they refresh at once.
    browser
        .js(
            "window.operatorCalls = 0;
             window.operatorCallTimes = [];
             const plain = window.fetch;
             window.fetch = (...args) => {
               if (String(args[0]).includes('/api/v1/operator/')) {
                 window.operatorCalls++;
                 window.operatorCallTimes.push(performance.now());
               }
               return plain(...args);
             };
             Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
             Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
             document.dispatchEvent(new Event('visibilitychange'));",
            json!([]),
        )
        .await;
    world.app.passenger(&running, 8).await;
    tokio::time::sleep(Duration::from_secs(32)).await;
    assert_eq!(
        browser.js("return window.operatorCalls", json!([])).await,
        json!(0),
        "a hidden tab kept asking for figures"
    );
    assert_eq!(browser.text_of("#fig-sessions dd").await, "1");
    browser
        .js(
            "delete document.hidden;
             delete document.visibilityState;
             window.shownAt = performance.now();
             document.dispatchEvent(new Event('visibilitychange'));",
            json!([]),
        )
        .await;
    browser
        .wait_for(
            "the figures to refresh when the tab is shown again",
            "return document.querySelector('#fig-sessions dd').textContent === '2'",
        )
        .await;
    // Measured by the page's own clock: the first request for figures follows
    // the tab being shown, not the next 30-second turn.
    let asked_after = browser
        .js(
            "return window.operatorCallTimes.find(t => t >= window.shownAt) - window.shownAt",
            json!([]),
        )
        .await
        .as_f64()
        .expect("a request for figures after the tab was shown");
    assert!(
        asked_after < 2_000.0,
        "shown again, the dashboard waited {asked_after} ms for its next turn instead of refreshing"
    );
    browser.screenshot("operator-dashboard").await;
    browser.assert_accessible("dashboard").await;

    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_chooses_collections_per_line_and_offers_everything_again() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let line = "TER Clermont – Lyon";
    let later = operator_trip(&world, line, 60, 90).await;
    let (publisher, _) = world.account(Role::Publisher, "Éditions du Quai").await;
    let file = tempfile::Builder::new().suffix(".epub").tempfile().unwrap();
    std::fs::write(file.path(), world::sample_epub("the-night-conductor")).unwrap();
    let settings = trajet::catalog::title::Settings {
        collections: vec!["polar".into()],
        ..Default::default()
    };
    world
        .app
        .state
        .catalog
        .ingest(file.path(), &publisher, settings)
        .await
        .unwrap();

    let (browser, _) = signed_in(&world, "en-US").await;
    open(
        &browser,
        "#lines",
        "return document.querySelector('#lines li')",
    )
    .await;
    let card = browser.text_of("#lines li").await;
    assert!(
        card.contains(line) && card.contains("Every live title is offered"),
        "{card}"
    );
    assert!(
        browser
            .text_of("#view-lines .notice")
            .await
            .contains("Until you choose, every live title is offered on every line.")
    );
    browser.click("#lines li button").await;
    browser
        .wait_for(
            "the editor",
            "return document.querySelector('#lines li form input[type=checkbox]')",
        )
        .await;
    browser
        .click("#lines li form input[type=checkbox][value*=polar]")
        .await;
    browser.click("#lines li form button[type=submit]").await;
    browser
        .wait_for(
            "the saved choice",
            "return document.querySelector('#lines li .offer-list')",
        )
        .await;
    assert!(
        browser
            .text_of("#lines li .offer-list")
            .await
            .contains("Éditions du Quai: collection “polar”")
    );
    let choice = world
        .app
        .state
        .lines
        .choice(&operator_id(&world).await, line)
        .expect("a choice");
    assert_eq!(choice.len(), 1);
    assert_eq!(
        (
            choice[0].publisher.as_str(),
            choice[0].collection.as_deref()
        ),
        (publisher.as_str(), Some("polar"))
    );
    browser.screenshot("operator-lines").await;
    browser.assert_accessible("collections per line").await;

    browser.click("#lines li button").await;
    browser
        .wait_for(
            "the editor again",
            "return document.querySelector('#lines li form button.danger')",
        )
        .await;
    browser.click("#lines li form button.danger").await;
    let text = dialog_text(&browser).await;
    assert!(text.contains("every live title again"), "{text}");
    browser.click("dialog.confirm[open] button.danger").await;
    browser
        .wait_for(
            "every title offered again",
            "return document.querySelector('#lines li .offer-all')",
        )
        .await;
    assert!(
        world
            .app
            .state
            .lines
            .choice(&operator_id(&world).await, line)
            .is_none()
    );

    // One trip may have collections of its own, which win over its line's.
    open(
        &browser,
        &format!("#trip/{}", later.id),
        "return document.getElementById('trip-collections-form')",
    )
    .await;
    assert!(
        browser
            .text_of("#trip-collections-now")
            .await
            .contains("what its line offers")
    );
    browser.set_value("#trip-collections", "polar, nuit").await;
    browser.click("#trip-collections-save").await;
    browser
        .wait_for(
            "the trip's own collections",
            "return document.getElementById('trip-collections-now').textContent.includes('polar, nuit')",
        )
        .await;
    assert_eq!(
        trip(&world, later.id).await.collections,
        Some(vec!["polar".to_owned(), "nuit".to_owned()])
    );
    browser.click("#trip-collections-follow").await;
    browser
        .wait_for(
            "the line's choice again",
            "return document.getElementById('trip-collections-now').textContent.includes('what its line offers')",
        )
        .await;
    assert_eq!(trip(&world, later.id).await.collections, None);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_state_changes_are_refused_and_change_nothing() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let running = operator_trip(&world, "TER Clermont – Lyon", -10, 60).await;
    let (browser, _) = signed_in(&world, "en-US").await;
    let cancel = format!("/api/v1/operator/trips/{}/cancel", running.id);

    // From the page itself but without the console's header: a plain form post would look so.
    let script = format!(
        "const done = arguments[arguments.length - 1];
         fetch({}, {{method: 'POST', credentials: 'same-origin'}})
           .then(async r => done({{status: r.status, body: await r.json()}}))
           .catch(e => done({{status: 0, error: String(e)}}));",
        json!(cancel)
    );
    let answer = browser.js_async(&script).await;
    assert_eq!(answer["status"], 403, "{answer}");
    assert_eq!(answer["body"]["code"], "csrf-rejected");

    // With the console's cookie and header but from another site.
    let cookie = browser.cookie_header().await;
    assert!(cookie.contains("trajet_console="), "{cookie}");
    let client = reqwest::Client::new();
    for origin in ["https://evil.example", "null"] {
        let response = client
            .post(world.tunnel.url(&cancel))
            .header("cookie", &cookie)
            .header("x-trajet-console", "1")
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "origin {origin}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "csrf-rejected");
    }
    assert_eq!(trip(&world, running.id).await.state, TripState::Scheduled);

    // The console itself may: same cookie, its header, its origin.
    let same = client
        .post(world.tunnel.url(&cancel))
        .header("cookie", &cookie)
        .header("x-trajet-console", "1")
        .header("origin", world.tunnel.url(""))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(trip(&world, running.id).await.state, TripState::Cancelled);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_speaks_french_after_the_switch_and_signs_out() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let running = operator_trip(&world, "TER Clermont – Lyon", -10, 60).await;
    world.app.passenger(&running, 1).await;
    let (browser, _) = signed_in(&world, "en-US").await;
    browser
        .wait_for(
            "the dashboard",
            "return document.querySelector('#dash-running-table')",
        )
        .await;
    assert_eq!(browser.text_of("#dashboard-title").await, "Dashboard");

    browser.click("#lang").await;
    let french = browser
        .js(
            "return [document.documentElement.lang,
                     document.getElementById('dashboard-title').textContent,
                     document.querySelector('nav.sections').innerText,
                     document.querySelector('#dash-running-table thead').innerText,
                     document.getElementById('lang').textContent]",
            json!([]),
        )
        .await;
    assert_eq!(french[0], "fr");
    assert_eq!(french[1], "Tableau de bord");
    assert!(
        french[2]
            .as_str()
            .unwrap()
            .contains("Collections par ligne"),
        "{french}"
    );
    assert!(
        french[3].as_str().unwrap().contains("Sessions ouvertes"),
        "{french}"
    );
    assert_eq!(french[4], "English");
    browser.screenshot("operator-dashboard-fr").await;
    browser.assert_accessible("French dashboard").await;

    open(
        &browser,
        &format!("#trip/{}", running.id),
        "return document.getElementById('delay-form')",
    )
    .await;
    let page = browser.text_of("#view-trip").await;
    for words in [
        "Codes de siège",
        "Minutes de retard",
        "Supprimer ce trajet…",
        "Télécharger la planche PDF",
    ] {
        assert!(page.contains(words), "{words:?} in {page}");
    }

    // Switching language keeps what was typed and not saved, and the
    // minted codes; only the words change.
    browser.set_value("#codes-seats", "1-3").await;
    browser.click("#codes-submit").await;
    browser
        .wait_for(
            "three codes",
            "return document.querySelectorAll('#codes-table tbody tr').length === 3",
        )
        .await;
    browser.set_value("#codes-seats", "7-9").await;
    browser.set_value("#delay-minutes", "15").await;
    browser.set_value("#sheet-seats", "1-3").await;
    browser.set_value("#trip-collections", "polar").await;
    let typed = "return ['codes-seats', 'delay-minutes', 'sheet-seats', 'trip-collections']
                   .map(id => document.getElementById(id).value)
                   .concat(document.querySelectorAll('#codes-table tbody tr').length,
                           document.getElementById('sheet-download').getAttribute('href').includes('seats=1-3'))";
    let expected = json!(["7-9", "15", "1-3", "polar", 3, true]);
    browser.click("#lang").await;
    browser
        .wait_for(
            "the trip page in English",
            "return document.getElementById('view-trip').innerText.includes('Minutes late')",
        )
        .await;
    assert_eq!(browser.js(typed, json!([])).await, expected);
    assert!(
        browser
            .text_of("#delay-preview")
            .await
            .starts_with("New arrival"),
        "the delay's preview follows the language and the minutes typed"
    );
    browser.click("#lang").await;
    browser
        .wait_for(
            "the trip page in French again",
            "return document.getElementById('view-trip').innerText.includes('Minutes de retard')",
        )
        .await;
    assert_eq!(browser.js(typed, json!([])).await, expected);

    browser.click("#cancel-trip").await;
    let text = dialog_text(&browser).await;
    assert!(
        text.contains("1 session ouverte prendra fin aussitôt."),
        "{text}"
    );
    assert_eq!(
        browser
            .text_of("dialog.confirm[open] button:not(.danger)")
            .await,
        "Revenir"
    );
    browser
        .click("dialog.confirm[open] button:not(.danger)")
        .await;
    browser.screenshot("operator-trip-fr").await;
    browser.assert_accessible("French trip page").await;

    // The choice is remembered; signing out shows the sign-in form, in French.
    browser.reload().await;
    console::wait_ready(&browser).await;
    assert_eq!(
        browser
            .js("return document.documentElement.lang", json!([]))
            .await,
        "fr"
    );
    browser.click("#signout").await;
    browser
        .wait_for(
            "the sign-in form",
            "return document.getElementById('signin-key') && !document.getElementById('signin').hidden",
        )
        .await;
    assert!(
        browser
            .text_of("#signin h1")
            .await
            .contains("Console opérateur")
    );
    let after = browser
        .js_async(
            "const done = arguments[0];
             fetch('/api/v1/operator/dashboard').then(r => done(r.status));",
        )
        .await;
    assert_eq!(after, 401, "signed out for real");
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

#[tokio::test]
async fn operator_registers_a_train_set_and_downloads_its_labels_as_pdf_and_page_images() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let (browser, _) = signed_in(&world, "en-US").await;
    open(
        &browser,
        "#vehicles",
        "return document.getElementById('vehicle-form')",
    )
    .await;
    browser.set_value("#vehicle-id", "24571").await;
    browser.set_value("#vehicle-label", "Regio 2N 24571").await;
    browser.set_value("#vehicle-cars", "1:20, 2:10").await;
    browser.click("#vehicle-form button[type=submit]").await;
    browser
        .wait_for(
            "the registered set",
            "return document.querySelector('#vehicles tbody th')?.textContent === '24571'",
        )
        .await;
    // 30 labels: two pages, each saying which seats it holds.
    let pages = browser
        .js(
            "return [...document.querySelectorAll('#vehicles ul.sheet-pages li')].map(li => li.firstChild.textContent.trim())",
            json!([]),
        )
        .await;
    assert_eq!(
        pages,
        json!(["Page 1 (car 1: 1–20, car 2: 1–4)", "Page 2 (car 2: 5–10)"])
    );
    // Each button downloads its file: the blobs the page hands the browser.
    browser
        .js(
            "window.downloaded = [];
             const original = URL.createObjectURL;
             URL.createObjectURL = (blob) => { window.downloaded.push(blob.type); return original(blob); };",
            json!([]),
        )
        .await;
    browser.click("#vehicles details.sheet-pages summary").await;
    for (button, kind) in [
        (
            "#vehicles td.actions > button:first-child",
            "application/pdf",
        ),
        ("#vehicles button[aria-label='Page 2 PNG']", "image/png"),
        ("#vehicles button[aria-label='Page 1 SVG']", "image/svg+xml"),
    ] {
        browser.click(button).await;
        browser
            .wait_for(
                kind,
                &format!("return window.downloaded.at(-1) === {}", json!(kind)),
            )
            .await;
    }
    browser.screenshot("operator-vehicles").await;
}

/// The live timetable page: the operator points trajet at a feed from the
/// console alone, sees what the fetch did (entities, the unknown trips
/// listed), the last error in words when the feed breaks, and "falling back
/// to the schedule" once its data is stale; the header's value is sent to
/// the producer and never shown back.
#[tokio::test]
async fn operator_points_trajet_at_a_feed_and_watches_its_live_state() {
    use support::feeds::{FeedServer, Reply};
    use trajet::realtime::builder::FeedBuilder;
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let feed = |at: DateTime<Utc>, etag: &str| {
        let mut builder = FeedBuilder::new(at);
        builder.cancel("GHOST-1", None).cancel("GHOST-2", None);
        Reply::Feed {
            bytes: builder.encode(),
            etag: format!("\"{etag}\""),
        }
    };
    let server = FeedServer::start(feed(Utc::now(), "v1")).await;
    let (browser, _) = signed_in(&world, "en-US").await;
    open(
        &browser,
        "#realtime",
        "return document.getElementById('realtime-form')",
    )
    .await;
    browser.set_value("#rt-trip-updates", &server.url()).await;
    browser.set_value("#rt-header-name", "Authorization").await;
    browser
        .set_value("#rt-header-value", "apikey s3cret-key")
        .await;
    browser.set_value("#rt-period", "3600").await;
    browser.click("#realtime-form button[type=submit]").await;
    browser
        .wait_for(
            "the saved feed",
            "return document.getElementById('rt-fetch')",
        )
        .await;
    browser.click("#rt-fetch").await;
    let facts = "[...document.querySelectorAll('#realtime-states li.feed dl div')]
                   .map(d => d.querySelector('dt').textContent + ': ' + d.querySelector('dd').textContent)";
    browser
        .wait_for(
            "the fetch's figures",
            &format!("const f = {facts}; return f.includes('Unknown trips or vehicles: 2') && f"),
        )
        .await;
    let shown = browser.js(&format!("return {facts}"), json!([])).await;
    let shown: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(shown.contains(&"Entities in the feed: 2"), "{shown:?}");
    assert!(
        shown.contains(&format!("URL: {}", server.url()).as_str()),
        "{shown:?}"
    );
    let unknown = browser
        .js(
            "return [...document.querySelectorAll('#realtime-states ul.unmatched li')].map(li => li.textContent)",
            json!([]),
        )
        .await;
    assert_eq!(unknown, json!(["GHOST-1", "GHOST-2"]));
    assert_eq!(
        server.requests().last().unwrap()["authorization"],
        "apikey s3cret-key"
    );
    let page = browser
        .js("return document.body.innerText", json!([]))
        .await;
    let page = page.as_str().unwrap();
    assert!(
        !page.contains("s3cret"),
        "the header's value is never shown"
    );
    assert!(page.contains("Headers kept: authorization"), "{page}");
    browser.assert_accessible("the live timetable").await;
    // A broken feed: the error in words; the previous state stays.
    server.set(Reply::Bytes(b"\x08\xff\xff garbage".to_vec()));
    browser.click("#rt-fetch").await;
    let error = browser
        .wait_text("the last error", "#realtime-states p.error[role=alert]")
        .await;
    assert!(error.contains("not a GTFS-Realtime feed"), "{error}");
    assert!(error.contains("1 in a row"), "{error}");
    // Data two hours old (the limit is five minutes): back to the schedule.
    server.set(feed(Utc::now() - D::hours(2), "old"));
    browser.click("#rt-fetch").await;
    let notice = browser
        .wait_text("the fall-back notice", "#realtime-states li.feed p.notice")
        .await;
    assert!(notice.contains("Falling back to the schedule"), "{notice}");
    browser.screenshot("operator-realtime").await;
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}
