//! A passenger's whole ride in a real browser (Debian's headless Chromium on a
//! phone-sized screen): the place kept through everything a phone does, the
//! trip's real arrival, the offer, pagination that matches the screen, zoom,
//! and what stays on the phone after arrival.

#[path = "browser/proxy.rs"]
mod proxy;
#[path = "browser/reading.rs"]
mod reading;
mod support;
#[path = "browser/webdriver.rs"]
mod webdriver;
#[path = "browser/world.rs"]
mod world;

use serde_json::json;

use reading::{chapter_of, page_label, place, turn_until_chapter, wait_moved, wait_reading};
use webdriver::Browser;

/// Makes every use of `localStorage` throw, as some private modes do.
const STORAGE_REFUSED: &str = "Object.defineProperty(window, 'localStorage', {
    configurable: true,
    get() { throw new DOMException('The user denied storage', 'SecurityError'); },
});";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_works_when_the_browser_refuses_storage() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    world.ingest_sample("the-night-conductor", json!({"chapters": 2}));
    let trip = world.trip(60).await;
    let browser = Browser::start("en-US").await;
    browser.before_every_page(STORAGE_REFUSED).await;
    reading::board(&world, &browser, &trip.code_path).await;

    browser.click("#titles li a").await;
    let first = wait_reading(&browser).await;
    browser.click("#next").await;
    wait_moved(&browser, &first).await;
    assert!(page_label(&browser).await.starts_with("p. 2 /"));
    browser.click("#lang").await;
    let french = browser
        .js("return document.documentElement.lang", json!([]))
        .await;
    assert_eq!(
        french,
        json!("fr"),
        "the language switch works for this page"
    );
    browser.assert_no_script_errors().await;
    browser.quit().await;
}

/// The place this phone keeps for `title`: "href@progression".
async fn kept_place(browser: &Browser, title: &str) -> String {
    let script = format!(
        "const last = JSON.parse(localStorage.getItem('trajet.last') || '{{}}')[{}];
         return last ? last.locator.href + '@' + last.locator.locations.progression : ''",
        json!(title)
    );
    let value = browser.js(&script, json!([])).await;
    value.as_str().unwrap_or_default().to_owned()
}

/// Waits until the frame shows exactly `expected` (a place string).
async fn wait_place(browser: &Browser, what: &str, expected: &str) {
    let script = format!(
        "return document.body.dataset.view === 'reader' && document.getElementById('stage').dataset.place === {}",
        json!(expected)
    );
    browser.wait_for(what, &script).await;
}

/// Emulates the phone's screen (a rotation is the same phone turned).
async fn screen(browser: &Browser, width: u32, height: u32) {
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 2, "mobile": true}),
        )
        .await;
}

/// Sets the text size in the display settings, as the slider does.
async fn text_size(browser: &Browser, percent: u32) {
    browser
        .js(
            "const r = document.getElementById('size'); r.value = arguments[0];
             r.dispatchEvent(new Event('input', {bubbles: true}));",
            json!([percent]),
        )
        .await;
}

/// Turns with the next button until the end page shows; returns the page
/// labels seen on the way.
async fn read_to_the_end(browser: &Browser) -> Vec<String> {
    let mut labels = vec![page_label(browser).await];
    let mut here = place(browser).await;
    for _ in 0..400 {
        browser.click("#next").await;
        let script = format!(
            "return document.body.dataset.view === 'end' ? 'end' : (document.getElementById('stage').dataset.place !== {} && document.getElementById('stage').dataset.place)",
            json!(here)
        );
        here = browser
            .wait_for("a turn or the end", &script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if here == "end" {
            return labels;
        }
        labels.push(page_label(browser).await);
    }
    panic!("the end of the excerpt was never reached (last place {here}, labels {labels:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_place_survives_books_reload_rotation_text_size_a_tunnel_and_the_end() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let title = world.ingest_sample("the-night-conductor", json!({"chapters": 4}));
    let trip = world.trip(90).await;
    let browser = reading::scan(&world, &trip.code_path, "en-US").await;
    browser.click("#titles li a").await;
    wait_reading(&browser).await;
    let mut here = turn_until_chapter(&browser, 1).await;
    for _ in 0..2 {
        browser.click("#next").await;
        here = wait_moved(&browser, &here).await;
    }
    let label = page_label(&browser).await;
    let kept = kept_place(&browser, &title).await;
    assert!(!kept.is_empty(), "the place is kept on the phone");

    // "Books", a moment in the catalog, then "continue": the same page.
    browser.click("#back").await;
    browser
        .wait_for(
            "the catalog",
            "return document.body.dataset.view === 'catalog'",
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(
        kept_place(&browser, &title).await,
        kept,
        "leaving keeps the place"
    );
    let resume = browser.text_of("#resume a").await;
    assert!(
        resume.contains(&label),
        "resume names the page: {resume} ({label})"
    );
    browser.click("#resume a").await;
    wait_place(&browser, "the same page after continue", &here).await;
    browser.js("history.back()", json!([])).await;
    browser
        .wait_for(
            "the catalog",
            "return document.body.dataset.view === 'catalog'",
        )
        .await;
    browser.js("history.forward()", json!([])).await;
    wait_place(&browser, "the same page after back and forward", &here).await;

    // Reload: the same page.
    browser.reload().await;
    wait_place(&browser, "the same page after a reload", &here).await;
    assert_eq!(page_label(&browser).await, label);

    // Rotation there and back: the same page, and nothing saved by the layouts.
    screen(&browser, 844, 390).await;
    browser
        .wait_for(
            "the landscape layout",
            &format!(
                "return document.getElementById('stage').dataset.place !== {}",
                json!(here)
            ),
        )
        .await;
    screen(&browser, 390, 844).await;
    wait_place(&browser, "the same page after a rotation", &here).await;
    assert_eq!(
        kept_place(&browser, &title).await,
        kept,
        "a rotation keeps the place"
    );

    // Text size up and down: the same page.
    browser.click("#settings-open").await;
    text_size(&browser, 200).await;
    browser
        .wait_for(
            "the larger text",
            &format!(
                "return document.getElementById('stage').dataset.place !== {}",
                json!(here)
            ),
        )
        .await;
    text_size(&browser, 100).await;
    browser.click("#settings-dialog [data-close]").await;
    wait_place(&browser, "the same page after a text size change", &here).await;
    assert_eq!(
        kept_place(&browser, &title).await,
        kept,
        "a text size change keeps the place"
    );

    // A tunnel: two turns offline, then the server gets exactly that place.
    world.wait_for_all_chapters(&browser, &title).await;
    world.tunnel.go_offline();
    for _ in 0..2 {
        browser.click("#next").await;
        here = wait_moved(&browser, &here).await;
    }
    let in_tunnel = kept_place(&browser, &title).await;
    assert_ne!(in_tunnel, kept);
    world.tunnel.go_online();
    browser
        .js("window.dispatchEvent(new Event('online'))", json!([]))
        .await;
    let script = format!(
        "const done = arguments[0];
         fetch('/api/v1/titles/{title}/progression', {{cache: 'no-store'}})
           .then(r => r.status === 200 ? r.json() : null)
           .then(d => done(d ? d.locator.href + '@' + d.locator.locations.progression : ''), () => done(''));"
    );
    let mut on_server = String::new();
    for _ in 0..80 {
        on_server = browser
            .js_async(&script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if on_server == in_tunnel {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(
        on_server, in_tunnel,
        "the server holds the place reached in the tunnel"
    );

    // The end of the excerpt: "continue" then says the last page.
    read_to_the_end(&browser).await;
    browser.click("#end-back").await;
    browser
        .wait_for(
            "the catalog",
            "return document.body.dataset.view === 'catalog'",
        )
        .await;
    let resume = browser.text_of("#resume a").await;
    let pages: Vec<&str> = resume
        .rsplit('(')
        .next()
        .unwrap_or_default()
        .trim_end_matches(')')
        .trim_start_matches("p. ")
        .split(" / ")
        .collect();
    assert!(
        pages.len() == 2 && pages[0] == pages[1],
        "resume after the end: {resume}"
    );
    browser.assert_no_script_errors().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_sits_on_the_screen_and_the_counter_counts_screens() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    world.ingest_sample("the-night-conductor", json!({"chapters": 2}));
    let trip = world.trip(90).await;
    let browser = reading::scan(&world, &trip.code_path, "en-US").await;
    browser.click("#titles li a").await;
    wait_reading(&browser).await;
    browser.click("#settings-open").await;
    text_size(&browser, 200).await;
    browser.click("#settings-dialog [data-close]").await;

    let mut labels = Vec::new();
    let mut here = place(&browser).await;
    loop {
        // Each page starts a whole screen further: the browser never clamps
        // the last one short (which showed it shifted by a margin).
        let offset = browser
            .js(
                "const f = document.getElementById('frame');
                 const el = f.contentDocument.scrollingElement;
                 return Math.abs(el.scrollLeft) % f.clientWidth",
                json!([]),
            )
            .await;
        assert_eq!(offset, json!(0), "page {here} sits on the screen");
        labels.push((chapter_of(&here), page_label(&browser).await));
        let script = format!(
            "return document.body.dataset.view === 'end' ? 'end' : (document.getElementById('stage').dataset.place !== {} && document.getElementById('stage').dataset.place)",
            json!(here)
        );
        if labels.len() == 3 {
            browser.screenshot("ride-200-percent").await;
        }
        browser.click("#next").await;
        here = browser
            .wait_for("a turn or the end", &script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if here == "end" {
            break;
        }
        assert!(labels.len() < 400, "the end never came");
    }
    let numbers: Vec<(usize, u32, u32)> = labels
        .iter()
        .map(|(chapter, l)| {
            let (n, total) = l.trim_start_matches("p. ").split_once(" / ").unwrap();
            (*chapter, n.parse().unwrap(), total.parse().unwrap())
        })
        .collect();
    for pair in numbers.windows(2) {
        let ((c0, a, _), (c1, b, _)) = (pair[0], pair[1]);
        // Inside a chapter every turn counts one; the next chapter counts on.
        assert!(
            (c0 == c1 && b == a + 1) || (c0 != c1 && b > a),
            "labels {labels:?}"
        );
    }
    let last = numbers.last().unwrap();
    assert_eq!(
        last.1, last.2,
        "the last page is page total of total: {labels:?}"
    );
    let end = browser.text_of("#end-stopped").await;
    assert!(
        end.contains("100 %"),
        "the end page says the whole excerpt was read: {end}"
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vertical_japanese_turns_to_the_end_of_the_excerpt_with_the_next_button() {
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let title = world.ingest_corpus(
        "gariban-japanese-vertical-writing.epub",
        json!({"chapters": 7}),
    );
    let trip = world.trip(60).await;
    let browser = reading::scan(&world, &trip.code_path, "ja-JP").await;
    browser
        .goto(&world.tunnel.url(&format!("/read#/read/{title}")))
        .await;
    wait_reading(&browser).await;
    read_to_the_end(&browser).await;
    browser.screenshot("ride-vertical-end").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_title_without_an_offer_shows_no_buy_button_and_its_offer_link_is_a_page() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let title = world.ingest_sample_without_offer("la-passagere-de-17h42", json!({"chapters": 1}));
    let trip = world.trip(60).await;
    let browser = reading::scan(&world, &trip.code_path, "fr-FR").await;
    browser.click("#titles li a").await;
    wait_reading(&browser).await;
    read_to_the_end(&browser).await;
    let offer = browser
        .js(
            "return document.getElementById('end-offer').hidden",
            json!([]),
        )
        .await;
    assert_eq!(offer, json!(true), "no buy button without an offer");
    browser.screenshot("ride-end-without-offer-fr").await;

    // Its offer address, and that of a title that is gone: pages, in French.
    for id in [title.as_str(), "gone0title"] {
        browser
            .goto(&world.tunnel.url(&format!("/api/v1/titles/{id}/offer")))
            .await;
        let page = browser
            .js(
                "return [document.contentType, document.documentElement.lang, document.querySelector('h1')?.textContent || '']",
                json!([]),
            )
            .await;
        assert_eq!(
            page,
            json!(["text/html", "fr", "Ce livre ne peut pas être acheté d’ici"]),
            "the offer of {id} answers a page"
        );
    }
    browser.screenshot("ride-no-offer-page-fr").await;
    browser.quit().await;
}

/// The trip bar's countdown: its text, and the whole minutes to the arrival the bar shows by
/// the browser's clock at the same moment.
async fn time_left(browser: &Browser) -> (String, i64) {
    let read = browser
        .js(
            "const arrival = Date.parse(document.getElementById('trip-arrival').dateTime);
             return [document.getElementById('trip-left').textContent,
                     Math.floor((arrival - Date.now()) / 60000)];",
            json!([]),
        )
        .await;
    serde_json::from_value(read).expect("the countdown and the arrival")
}

/// Asserts that the countdown says the minutes to the arrival (not to the end
/// of the grace after it): "1 h 29 min left" is 89, "59 min left" is 59.
fn assert_counts_to_arrival((left, to_arrival): &(String, i64)) {
    let numbers: Vec<i64> = left
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap())
        .collect();
    let shown = match numbers[..] {
        [hours, minutes] if left.contains(" h ") => hours * 60 + minutes,
        [minutes] => minutes,
        _ => panic!("not a countdown: {left}"),
    };
    assert!(
        shown == *to_arrival || shown == to_arrival + 1,
        "the countdown says {left}, the arrival is {to_arrival} min away"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delay_reaches_an_open_reader_back_in_the_foreground_and_a_cancellation_says_so() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    world.ingest_sample("the-night-conductor", json!({"chapters": 2}));
    let trip = world.trip(60).await;
    let browser = reading::scan(&world, &trip.code_path, "en-US").await;

    // The countdown runs to the arrival, not to the end of the grace after it.
    let before = time_left(&browser).await;
    assert_counts_to_arrival(&before);
    assert!(before.1 <= 60, "an hour to the arrival at most: {before:?}");
    let cookie_before = browser.cookie_expiry("trajet_session").await.unwrap();

    // The operator delays the train by 30 minutes: the open reader follows
    // within a minute (arrival, countdown, and the cookie's end).
    let arrival = world.delay(&trip, 30).await;
    // The reader comes back to the foreground (it also asks every half minute).
    browser
        .js(
            "document.dispatchEvent(new Event('visibilitychange'))",
            json!([]),
        )
        .await;
    let followed = format!(
        "return Date.parse(document.getElementById('trip-arrival').dateTime) === Date.parse({})",
        json!(arrival)
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while browser.js(&followed, json!([])).await != json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "the delay never reached the open reader"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let after = time_left(&browser).await;
    assert_counts_to_arrival(&after);
    assert!(after.1 >= before.1 + 29, "{before:?} -> {after:?}");
    let cookie_after = browser.cookie_expiry("trajet_session").await.unwrap();
    assert!(
        cookie_after >= cookie_before + 29 * 60,
        "the session cookie follows the delay: {cookie_before} -> {cookie_after}"
    );

    // The operator cancels the train: the reader says so.
    world.cancel(&trip).await;
    browser.click("#titles li a").await;
    browser
        .wait_for(
            "the end page",
            "return document.body.dataset.view === 'end'",
        )
        .await;
    let title = browser.text_of("#end-title").await;
    assert_eq!(title, "This train was cancelled");
    browser.screenshot("ride-cancelled").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_minutes_are_shown_and_times_read_the_french_way() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    world.ingest_sample("the-night-conductor", json!({"chapters": 2}));
    // Arrived 6 minutes ago: 9 minutes of reading left in the grace period.
    let trip = world.trip(-6).await;
    let browser = reading::scan(&world, &trip.code_path, "fr-FR").await;
    let notice = browser
        .wait_for(
            "the warning",
            "const n = document.getElementById('notice'); return !n.hidden && n.getBoundingClientRect().height > 0 && n.textContent",
        )
        .await;
    let notice = notice.as_str().unwrap_or_default();
    assert!(notice.contains("minutes de lecture"), "{notice}");
    let (left, _) = time_left(&browser).await;
    assert!(left.starts_with("arrivé · encore"), "{left}");
    let arrival = browser.text_of("#trip-arrival").await;
    assert!(
        arrival.starts_with("arrivée ") && arrival.contains(" h "),
        "a French time of day: {arrival}"
    );
    browser.click("#titles li a").await;
    wait_reading(&browser).await;
    browser.click("#settings-open").await;
    let spacing = browser.text_of("#lh-value").await;
    assert_eq!(spacing, "1,5", "a French number");
    browser.screenshot("ride-last-minutes-fr").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_arrival_the_end_page_keeps_the_place_and_a_later_trip_offers_to_continue() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    world.ingest_sample("the-night-conductor", json!({"chapters": 4}));
    let first = world.trip(60).await;
    let browser = reading::scan(&world, &first.code_path, "en-US").await;
    browser.click("#titles li a").await;
    wait_reading(&browser).await;
    let mut here = turn_until_chapter(&browser, 1).await;
    browser.click("#next").await;
    here = wait_moved(&browser, &here).await;
    let label = page_label(&browser).await;

    // The trip ends: reopened, the reader shows where the passenger stopped and the offer.
    world
        .app
        .state
        .sessions
        .end_trip(first.id.get())
        .await
        .unwrap();
    browser.reload().await;
    browser
        .wait_for(
            "the end page",
            "return document.body.dataset.view === 'end'",
        )
        .await;
    let stopped = browser.text_of("#end-stopped").await;
    assert!(
        stopped.contains("% of the excerpt") && stopped.contains("You stopped at"),
        "{stopped}"
    );
    let offer = browser
        .js(
            "return document.getElementById('end-offer').hidden",
            json!([]),
        )
        .await;
    assert_eq!(offer, json!(false), "the offer stays after arrival");
    browser.screenshot("ride-after-arrival").await;

    // A later trip, the same phone: "continue where you left off", at that page.
    let later = world.trip(90).await;
    reading::board(&world, &browser, &later.code_path).await;
    let resume = browser.text_of("#resume").await;
    assert!(
        resume.contains("Continue where you left off") && resume.contains("The Night Conductor"),
        "{resume}"
    );
    browser.screenshot("ride-continue-later-trip").await;
    browser.click("#resume a").await;
    wait_place(&browser, "the page where the earlier trip stopped", &here).await;
    assert_eq!(page_label(&browser).await, label);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_200_percent_zoom_the_text_keeps_the_screen_and_every_tab_stop_shows_a_ring() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    world.ingest_sample("la-passagere-de-17h42", json!({"chapters": 1}));
    let trip = world.trip(60).await;
    let browser = reading::scan(&world, &trip.code_path, "fr-FR").await;
    browser.click("#titles li a").await;
    wait_reading(&browser).await;
    // A 390 × 844 phone zoomed to 200 %: 195 × 422 CSS pixels.
    screen(&browser, 195, 422).await;
    let sizes = browser
        .wait_for(
            "the zoomed layout",
            "if (innerWidth !== 195) return false;
             const h = (id) => document.getElementById(id).getBoundingClientRect().height;
             const title = document.getElementById('reader-title');
             return [h('tripbar'), h('stage'), innerHeight, title.scrollWidth <= title.clientWidth && title.scrollHeight <= title.clientHeight + 1]",
        )
        .await;
    browser.screenshot("ride-zoom-200").await;
    let (bar, text, height) = (
        sizes[0].as_f64().unwrap(),
        sizes[1].as_f64().unwrap(),
        sizes[2].as_f64().unwrap(),
    );
    assert!(
        bar <= 0.12 * height,
        "the trip bar takes {bar} of {height} px"
    );
    assert!(
        text >= 0.55 * height,
        "the text takes {text} of {height} px"
    );
    assert_eq!(sizes[3], json!(true), "the book's title is shown whole");

    // Tab through the reader: every stop is something, and shows a ring.
    browser
        .js("document.getElementById('reader-title').focus()", json!([]))
        .await;
    let mut stops = Vec::new();
    for _ in 0..8 {
        browser.press(&["\u{E004}"]).await;
        let stop = browser
            .js(
                "const a = document.activeElement;
                 // The text frame's ring is drawn by the stage around it.
                 const style = getComputedStyle(a.id === 'frame' ? a.parentElement : a);
                 const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
                 return [a.id || a.tagName, ring]",
                json!([]),
            )
            .await;
        // Past the last stop the browser leaves the page (its body has focus).
        if stop[0] == json!("BODY") {
            break;
        }
        stops.push(stop);
    }
    for stop in &stops {
        assert_eq!(stop[1], json!(true), "a stop without a ring: {stops:?}");
    }
    assert!(
        stops.iter().any(|s| s[0] == json!("frame")),
        "the text is a tab stop: {stops:?}"
    );
    browser.quit().await;
}
