//! The passenger's reader in a real browser (Debian's headless Chromium driven
//! through chromedriver): what a passenger sees on a phone, page turns, the
//! table of contents, settings, resume, reading through a tunnel, the end of
//! the trip, hostile books and accessibility. Screenshots of what was seen go
//! to `target/screenshots/` for a person to look at.

#[path = "browser/hostile.rs"]
mod hostile;
#[path = "browser/proxy.rs"]
mod proxy;
#[path = "browser/reading.rs"]
mod reading;
mod support;
#[path = "browser/webdriver.rs"]
mod webdriver;
#[path = "browser/world.rs"]
mod world;

use serde_json::{Value, json};

use webdriver::Browser;
use world::World;

use reading::{
    LEFT, RIGHT, chapter_of, page_label, place, turn_until_chapter, wait_moved, wait_reading,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passenger_scans_reads_resumes_reads_through_a_tunnel_and_keeps_the_offer_at_the_end() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let title = world.ingest_sample("the-night-conductor", json!({"chapters": 4}));
    let trip = world.trip(90).await;
    let browser = Browser::start("en-US").await;

    // Scan → the reader shows the trip and the catalog.
    browser.goto(&world.tunnel.url(&trip.code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length > 0",
        )
        .await;
    let bar = browser
        .js(
            "return document.getElementById('tripbar').innerText",
            json!([]),
        )
        .await;
    let bar = bar.as_str().unwrap_or_default();
    assert!(
        bar.contains(&trip.line) && bar.contains(&trip.destination),
        "trip bar: {bar}"
    );
    assert!(bar.contains("left"), "the trip bar counts down: {bar}");
    let book = browser
        .js(
            "return document.getElementById('titles').innerText",
            json!([]),
        )
        .await;
    assert!(
        book.as_str()
            .unwrap_or_default()
            .contains("The Night Conductor"),
        "catalog: {book}"
    );
    browser.screenshot("catalog").await;
    browser.assert_accessible("catalog").await;

    // Open the title, turn pages forward and back (button, keys, swipe, tap).
    browser.click("#titles li a").await;
    let first = wait_reading(&browser).await;
    assert!(
        first.starts_with("0:0:"),
        "a new title opens at its start: {first}"
    );
    assert!(page_label(&browser).await.starts_with("p. 1 /"));
    let second = turn_until_chapter(&browser, 1).await;
    browser.press(&[RIGHT]).await;
    let third = wait_moved(&browser, &second).await;
    browser.press(&[LEFT]).await;
    assert_eq!(
        wait_moved(&browser, &third).await,
        second,
        "the left arrow turns back one page"
    );
    browser.swipe(320, 60, 500).await;
    assert_eq!(
        wait_moved(&browser, &second).await,
        third,
        "a swipe to the left turns forward"
    );
    browser.tap(20, 500).await;
    assert_eq!(
        wait_moved(&browser, &third).await,
        second,
        "a tap on the left edge turns back"
    );
    let announced = browser
        .wait_for(
            "the page turn to be announced",
            "return document.getElementById('announce').textContent",
        )
        .await;
    assert!(
        announced.as_str().unwrap_or_default().contains("Page"),
        "page turns are announced: {announced}"
    );
    browser.assert_accessible("reader").await;

    // The table of contents: locked entries shown as locked, a jump lands there.
    browser.click("#toc-open").await;
    let locked = browser
        .js(
            "return document.querySelectorAll('#toc-list li.locked').length",
            json!([]),
        )
        .await;
    assert!(
        locked.as_u64().unwrap_or(0) > 0,
        "the TOC shows the chapters outside the excerpt"
    );
    let links = browser
        .js(
            "return document.querySelectorAll('#toc-list a').length",
            json!([]),
        )
        .await;
    assert!(
        links.as_u64().unwrap_or(0) >= 2,
        "the excerpt's chapters are in the TOC"
    );
    let before_jump = place(&browser).await;
    browser.click("#toc-list li:nth-child(3) a").await;
    let after_jump = wait_moved(&browser, &before_jump).await;
    assert!(
        chapter_of(&after_jump) > chapter_of(&before_jump),
        "the jump went forward: {after_jump}"
    );

    // Font size and theme, applied inside the chapter.
    browser.click("#settings-open").await;
    browser
        .js(
            "const r = document.getElementById('size'); r.value = 200; r.dispatchEvent(new Event('input', {bubbles: true}));",
            json!([]),
        )
        .await;
    for theme in ["light", "sepia", "dark"] {
        browser.click(&format!("label.t-{theme} input")).await;
        browser.click("#settings-dialog [data-close]").await;
        let bg = browser
            .js(
                "const d = document.getElementById('frame').contentDocument;
                 return d.defaultView.getComputedStyle(d.documentElement).backgroundColor",
                json!([]),
            )
            .await;
        let expected = match theme {
            "light" => "rgb(255, 255, 255)",
            "sepia" => "rgb(244, 236, 216)",
            _ => "rgb(18, 18, 18)",
        };
        assert_eq!(bg, json!(expected), "the {theme} theme colours the page");
        browser.screenshot(&format!("page-{theme}")).await;
        browser
            .assert_accessible(&format!("reader in the {theme} theme"))
            .await;
        browser.click("#settings-open").await;
    }
    let size = browser
        .js(
            "const d = document.getElementById('frame').contentDocument;
             return d.defaultView.getComputedStyle(d.documentElement).fontSize",
            json!([]),
        )
        .await;
    assert_eq!(size, json!("32px"), "200 % text size reaches the chapter");
    browser.click("#settings-dialog [data-close]").await;

    // Reload: same place, same settings.
    let before_reload = place(&browser).await;
    let label = page_label(&browser).await;
    world.wait_for_all_chapters(&browser, &title).await;
    browser.reload().await;
    let after_reload = wait_reading(&browser).await;
    assert_eq!(
        after_reload, before_reload,
        "reloading returns to the same place"
    );
    assert_eq!(page_label(&browser).await, label);

    // A tunnel: the next chapters still open, the saves wait, then reach the server.
    world.tunnel.go_offline();
    let here = place(&browser).await;
    let deep = turn_until_chapter(&browser, chapter_of(&here) + 2).await;
    assert_eq!(
        browser
            .js("return document.getElementById('notice').hidden", json!([]))
            .await,
        json!(true),
        "no error while reading offline ({deep})"
    );
    world.tunnel.go_online();
    browser
        .js("window.dispatchEvent(new Event('online'))", json!([]))
        .await;
    // The position the phone saved last (the page label counts screens, not positions).
    let expected = browser
        .js(
            "return String(JSON.parse(localStorage.getItem('trajet.last'))[arguments[0]].locator.locations.position)",
            json!([title]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let saved = world.wait_saved_position(&browser, &title, &expected).await;
    assert_eq!(
        saved, expected,
        "the place reached in the tunnel reached the server"
    );

    // The trip ends: the end page says where the passenger stopped, with the offer.
    world.cancel(&trip).await;
    browser.click("#next").await;
    browser
        .wait_for(
            "the end page",
            "return document.body.dataset.view === 'end'",
        )
        .await;
    let end = browser
        .js(
            "return document.getElementById('view-end').innerText",
            json!([]),
        )
        .await;
    let end = end.as_str().unwrap_or_default();
    assert!(
        end.contains("You stopped at") && end.contains("% of the excerpt"),
        "end page: {end}"
    );
    let offer = browser
        .js(
            "return document.getElementById('end-offer').href",
            json!([]),
        )
        .await;
    assert!(
        !offer.as_str().unwrap_or_default().is_empty(),
        "the end page offers the book"
    );
    browser.screenshot("end-of-trip").await;
    browser.assert_accessible("end page").await;
    let caches = browser
        .js_async("const done = arguments[0]; caches.keys().then(done);")
        .await;
    assert!(
        !caches.to_string().contains("trajet-content"),
        "the session's content is deleted from the phone: {caches}"
    );
    browser.assert_no_script_errors().await;
    browser.quit().await;
}

/// Opens a title of the corpus on a fresh trip; returns the browser showing it.
async fn open_corpus_title(world: &World, file: &str, excerpt: Value, lang: &str) -> Browser {
    let title = world.ingest_corpus(file, excerpt);
    let trip = world.trip(60).await;
    let browser = Browser::start(lang).await;
    browser.goto(&world.tunnel.url(&trip.code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length > 0",
        )
        .await;
    browser
        .goto(&world.tunnel.url(&format!("/read#/read/{title}")))
        .await;
    wait_reading(&browser).await;
    browser
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_book_runs_no_script_and_reaches_no_other_host() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let title = world.ingest_bytes(&hostile::hostile_epub(), json!({"chapters": 2}));
    let trip = world.trip(60).await;
    let browser = Browser::start("en-US").await;
    browser.goto(&world.tunnel.url(&trip.code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length > 0",
        )
        .await;
    let catalog = browser
        .js(
            "return document.getElementById('titles').innerHTML",
            json!([]),
        )
        .await;
    assert!(
        !catalog.as_str().unwrap_or_default().contains("<script"),
        "metadata is escaped in the catalog"
    );
    browser
        .goto(&world.tunnel.url(&format!("/read#/read/{title}")))
        .await;
    let mut here = wait_reading(&browser).await;
    // Read through the excerpt, clicking the javascript: link on the way.
    browser
        .js(
            "const d = document.getElementById('frame').contentDocument;
             const a = d.getElementById('js-link') || d.querySelector('a');
             if (a) a.click();",
            json!([]),
        )
        .await;
    for _ in 0..30 {
        if chapter_of(&here) >= 1 {
            break;
        }
        browser.click("#next").await;
        here = wait_moved(&browser, &here).await;
    }
    assert_eq!(chapter_of(&here), 1, "the second chapter opened");
    assert_eq!(
        browser.open_dialog().await,
        None,
        "no script opened a dialog"
    );
    let hacked = browser
        .js(
            "const f = document.getElementById('frame').contentWindow;
             return [typeof window.hacked, typeof f.hacked, f.document.scripts.length]",
            json!([]),
        )
        .await;
    assert_eq!(
        hacked,
        json!(["undefined", "undefined", 0]),
        "no script ran in the book"
    );
    let sandbox = browser
        .js(
            "return document.getElementById('frame').getAttribute('sandbox')",
            json!([]),
        )
        .await;
    assert_eq!(
        sandbox,
        json!("allow-same-origin"),
        "the frame has no script rights"
    );
    let origin = world.tunnel.url("");
    let outside: Vec<String> = browser
        .requested_urls()
        .await
        .into_iter()
        // The browser's own pages (chrome://) are not the network.
        .filter(|url| url.starts_with("http") || url.starts_with("ws"))
        .filter(|url| !url.starts_with(&origin))
        .collect();
    assert!(
        outside.is_empty(),
        "requests left the test server: {outside:?}"
    );
    browser.assert_no_script_errors().await;
    browser.screenshot("hostile-book").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_to_left_book_turns_its_pages_leftwards() {
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let browser = open_corpus_title(
        &world,
        "israelsailing-hebrew-rtl.epub",
        json!({"chapters": 3}),
        "en-US",
    )
    .await;
    let mut here = place(&browser).await;
    // Find a chapter with more than one page, then turn with the left arrow.
    let mut turned = false;
    for _ in 0..40 {
        browser.press(&[LEFT]).await;
        let next = wait_moved(&browser, &here).await;
        let same_chapter = chapter_of(&next) == chapter_of(&here);
        here = next;
        if same_chapter {
            turned = true;
            break;
        }
    }
    assert!(
        turned,
        "the left arrow turns pages forward in a right-to-left book"
    );
    let scroll = browser
        .js(
            "return document.getElementById('frame').contentDocument.scrollingElement.scrollLeft",
            json!([]),
        )
        .await;
    assert!(
        scroll.as_f64().unwrap_or(0.0) < 0.0,
        "columns run right to left: {scroll}"
    );
    browser.screenshot("page-rtl").await;
    browser.press(&[RIGHT]).await;
    let back = wait_moved(&browser, &here).await;
    assert_eq!(
        chapter_of(&back),
        chapter_of(&here),
        "the right arrow turns back"
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_layout_page_fits_the_screen_and_vertical_japanese_scrolls() {
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let browser = open_corpus_title(
        &world,
        "haruko-manga-fixed-layout-rtl.epub",
        json!({"chapters": 4}),
        "en-US",
    )
    .await;
    let fit = browser
        .js(
            "const f = document.getElementById('frame').getBoundingClientRect();
             const s = document.getElementById('stage').getBoundingClientRect();
             return [f.left >= s.left - 1, f.right <= s.right + 1, f.top >= s.top - 1, f.bottom <= s.bottom + 1,
                     Math.max(f.width / s.width, f.height / s.height) > 0.97];",
            json!([]),
        )
        .await;
    assert_eq!(
        fit,
        json!([true, true, true, true, true]),
        "the page fits the screen, as large as it can"
    );
    browser.screenshot("page-fixed-layout").await;
    let here = place(&browser).await;
    browser.press(&[LEFT]).await;
    let next = wait_moved(&browser, &here).await;
    assert_eq!(
        chapter_of(&next),
        chapter_of(&here) + 1,
        "one page per turn, leftwards"
    );
    browser.quit().await;

    let browser = open_corpus_title(
        &world,
        "gariban-japanese-vertical-writing.epub",
        json!({"chapters": 3}),
        "en-US",
    )
    .await;
    // Past the cover: turn leftwards until a chapter written vertically.
    let vertical = "const d = document.getElementById('frame').contentDocument;
                    return 'vertical' in d.documentElement.dataset";
    let mut here = place(&browser).await;
    for _ in 0..30 {
        if browser.js(vertical, json!([])).await == json!(true) {
            break;
        }
        browser.press(&[LEFT]).await;
        here = wait_moved(&browser, &here).await;
    }
    let state = browser
        .js(
            "const d = document.getElementById('frame').contentDocument;
             return [d.documentElement.dataset.mode, 'vertical' in d.documentElement.dataset,
                     d.body.textContent.trim().length > 20]",
            json!([]),
        )
        .await;
    assert_eq!(
        state,
        json!(["scroll", true, true]),
        "vertical text is shown scrolled ({here})"
    );
    browser.screenshot("page-vertical-japanese").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn french_browser_reads_in_french_to_the_end_of_the_excerpt_and_its_offer() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let title = world.ingest_sample("la-passagere-de-17h42", json!({"chapters": 1}));
    let trip = world.trip(45).await;
    let browser = Browser::start("fr-FR").await;
    browser.goto(&world.tunnel.url(&trip.code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length > 0",
        )
        .await;
    let heading = browser
        .js("return [document.documentElement.lang, document.getElementById('catalog-title').textContent, document.getElementById('trip-left').textContent]", json!([]))
        .await;
    assert_eq!(heading[0], json!("fr"));
    assert_eq!(heading[1], json!("Des livres pour votre trajet"));
    assert!(
        heading[2]
            .as_str()
            .unwrap_or_default()
            .starts_with("encore"),
        "{heading}"
    );
    browser.screenshot("catalog-fr").await;

    // Read to the end of the excerpt: the end page, in French, with the offer.
    browser.click("#titles li a").await;
    let mut here = wait_reading(&browser).await;
    for _ in 0..200 {
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
            break;
        }
    }
    assert_eq!(here, "end", "turning pages reaches the end of the excerpt");
    let end = browser
        .js("return [document.getElementById('end-title').textContent, document.getElementById('end-offer').getAttribute('href')]", json!([]))
        .await;
    assert_eq!(end[0], json!("Fin de l’extrait"));
    let offer = end[1].as_str().unwrap_or_default().to_owned();
    assert_eq!(offer, format!("/api/v1/titles/{title}/offer"));
    browser.screenshot("end-of-excerpt-fr").await;
    // The offer link, with the passenger's session, sends to the publisher.
    let cookie = browser.cookie_header().await;
    let response = world.app.get_with(&offer, &cookie).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], world::OFFER_URL);

    browser.click("#lang").await;
    let heading = browser
        .js("return [document.documentElement.lang, document.getElementById('end-title').textContent]", json!([]))
        .await;
    assert_eq!(
        heading,
        json!(["en", "End of the excerpt"]),
        "the language switches in place"
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_code_the_landing_error_and_reader_pages_say_to_scan() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let browser = Browser::start("en-US").await;

    browser.goto(&world.tunnel.url("/")).await;
    let landing = browser
        .js("return document.querySelector('main').innerText", json!([]))
        .await;
    assert!(
        landing
            .as_str()
            .unwrap_or_default()
            .contains("Scan it with your phone"),
        "{landing}"
    );
    browser.screenshot("landing").await;
    browser.assert_accessible("landing page").await;

    browser.goto(&world.tunnel.url("/t/NOT0A0VALID0CODE")).await;
    let error = browser
        .js(
            "return [document.body.className, document.querySelector('h1').textContent,
                     getComputedStyle(document.body, '::before').content]",
            json!([]),
        )
        .await;
    assert_eq!(error[0], json!("error-page"));
    assert_eq!(
        error[2],
        json!("\"trajet\""),
        "the error page wears the reader's bar"
    );
    browser.screenshot("scan-error").await;
    browser.assert_accessible("scan error page").await;

    browser.goto(&world.tunnel.url("/read")).await;
    browser
        .wait_for(
            "the reader's error view",
            "return document.body.dataset.view === 'error'",
        )
        .await;
    let text = browser
        .js(
            "return document.getElementById('view-error').innerText",
            json!([]),
        )
        .await;
    assert!(
        text.as_str()
            .unwrap_or_default()
            .contains("Scan the QR code"),
        "{text}"
    );
    browser.assert_accessible("reader without a session").await;
    browser.assert_no_script_errors().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_modules_number_pages_sort_titles_and_bound_settings() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let browser = Browser::start("en-US").await;
    browser.goto(&world.tunnel.url("/")).await;
    let results = browser
        .js_async(
            "const done = arguments[0];
             // The reader's strings first, as the reader's app registers them.
             import('/static/reader/i18n.js').then(() => Promise.all([
               import('/static/reader/positions.js'),
               import('/static/reader/catalog.js'),
               import('/static/reader/settings.js'),
               import('/static/reader/progress.js'),
               import('/static/reader/trip.js'),
             ])).then(([positions, catalog, settings, progress, trip]) => {
               const list = [0, 1].flatMap(c => [0, 1 / 3, 2 / 3].map(p => ({href: `chapters/${c}`, locations: {progression: p}})));
               list.forEach((p, i) => { p.locations.position = i + 1; p.locations.totalProgression = i / list.length; });
               const inSecond = p => p.href === 'chapters/1';
               const titles = [
                 {id: 'long', title: 'B', reading_minutes: 50, fits_remaining_time: true},
                 {id: 'short', title: 'C', reading_minutes: 5, fits_remaining_time: true},
                 {id: 'never', title: 'A', reading_minutes: 3, fits_remaining_time: false},
               ];
               done({
                 middle: positions.locate(list, inSecond, 0.5),
                 end: positions.locate(list, inSecond, 1),
                 none: positions.locate(list, p => p.href === 'chapters/9', 0.5),
                 fitsFirst: catalog.sorted(titles, 'fits', 40 * 60).map(t => t.id + ':' + t.fits),
                 byTitle: catalog.sorted(titles, 'title', 3600).map(t => t.id),
                 bounded: settings.sanitize({size: 500, lineHeight: 9, font: 'comic', margins: 'large', theme: 'sepia', mode: 'scroll'}),
                 biggest: settings.sanitize({size: 200}).size,
                 newest: progress.newest({modified: '2026-01-01T10:00:00Z', n: 1}, {modified: '2026-01-01T10:00:05Z', n: 2}).n,
                 left: [trip.describeLeft(4320), trip.describeLeft(480), trip.describeLeft(30), trip.describeLeft(0)],
               });
             }, e => done({error: String(e)}));",
        )
        .await;
    assert_eq!(results["error"], Value::Null, "{results}");
    assert_eq!(
        results["middle"]["n"],
        json!(5),
        "halfway through the second chapter: {results}"
    );
    assert_eq!(results["middle"]["total"], json!(6));
    assert_eq!(results["end"]["n"], json!(6));
    assert!((results["end"]["totalProgression"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(results["none"], Value::Null);
    assert_eq!(
        results["fitsFirst"],
        json!(["short:true", "never:false", "long:false"]),
        "a 50-minute excerpt no longer fits 40 minutes; fitting titles come first"
    );
    assert_eq!(results["byTitle"], json!(["never", "long", "short"]));
    assert_eq!(
        results["bounded"],
        json!({"size": 100, "font": "publisher", "lineHeight": 1.5, "margins": "large", "theme": "sepia", "mode": "scroll"})
    );
    assert_eq!(results["biggest"], json!(200), "text size goes to 200 %");
    assert_eq!(results["newest"], json!(2), "the newer save wins");
    assert_eq!(
        results["left"],
        json!([
            "1 h 12 min left",
            "8 min left",
            "less than a minute left",
            "trip ended"
        ])
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_catalog_card_states_the_books_accessibility_in_the_passengers_language() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let described = support::books::write_marker_book_with(
        &dir.path().join("a"),
        2,
        r#"<meta property="schema:accessMode">textual</meta><meta property="schema:accessModeSufficient">textual</meta><meta property="schema:accessibilityFeature">displayTransformability</meta><meta property="schema:accessibilityFeature">tableOfContents</meta><meta property="schema:accessibilityHazard">none</meta><meta property="schema:accessibilitySummary">Headings structure every chapter.</meta><meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>"#,
    );
    world.ingest_bytes(&std::fs::read(described).unwrap(), json!({"chapters": 1}));
    let silent = support::books::write_marker_book(&dir.path().join("b"), 2);
    world.ingest_bytes(&std::fs::read(silent).unwrap(), json!({"chapters": 1}));
    let trip = world.trip(60).await;
    let browser = Browser::start("fr-FR").await;
    browser.goto(&world.tunnel.url(&trip.code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length === 2",
        )
        .await;
    let cards = "return [...document.querySelectorAll('#titles li')].map((li) => {
        const box = li.querySelector('details.book-a11y');
        const stated = (k) => box.querySelector(`[data-a11y=${k}]`)?.textContent ?? null;
        return box && [box.querySelector('summary').textContent, stated('ways_of_reading'), stated('conformance'),
                       stated('navigation'), stated('rich_content'), stated('hazards'), stated('summary'),
                       box.querySelector('.a11y-none')?.textContent ?? null];
    })";
    let seen = browser.js(cards, json!([])).await;
    let described = json!([
        "Accessibilité",
        "L’apparence peut être modifiée · Lisible en lecture à voix haute ou en braille numérique",
        "Cette publication respecte les normes d’accessibilité reconnues",
        "Table des matières",
        "Aucune information disponible",
        "Aucun risque",
        "Headings structure every chapter.",
        null
    ]);
    let silent = json!([
        "Accessibilité",
        null,
        null,
        null,
        null,
        null,
        null,
        "L’éditeur ne donne aucune information sur l’accessibilité."
    ]);
    assert!(
        seen.as_array().unwrap().contains(&described) && seen.as_array().unwrap().contains(&silent),
        "{seen:#}"
    );
    browser.click("#titles li details.book-a11y summary").await;
    browser.screenshot("catalog-accessibility-fr").await;
    browser
        .assert_accessible("the catalog with an accessibility summary open")
        .await;
    browser.click("#lang").await;
    let english = browser.js(cards, json!([])).await.to_string();
    assert!(
        english.contains("Readable in read aloud or dynamic braille")
            && english.contains("This publication meets accepted accessibility standards")
            && english.contains("No accessibility information is available from the publisher."),
        "the statements follow the language switch: {english}"
    );
    browser.quit().await;
}

/// Taps the catalog card whose title contains `title`.
async fn open_from_catalog(browser: &Browser, title: &str) {
    browser
        .js(
            "[...document.querySelectorAll('#titles li h2 a')].find(a => a.textContent.includes(arguments[0])).click()",
            json!([title]),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_visit_downloads_the_app_once_and_a_reload_in_a_tunnel_leads_back_to_the_book() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let title = world.ingest_sample("the-night-conductor", json!({"chapters": 2}));
    world.ingest_sample("lost-property", json!({"chapters": 2}));
    // Four covers on the first screen, more than the two asked for at a time.
    world.ingest_sample("la-passagere-de-17h42", json!({"chapters": 2}));
    world.ingest_sample("ligne-des-trois-vallees", json!({"chapters": 2}));
    let trip = world.trip(60).await;
    let browser = Browser::start("en-US").await;

    // A fresh phone: scan, open a book at once, let the service worker settle.
    browser.goto(&world.tunnel.url(&trip.code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length > 1",
        )
        .await;
    open_from_catalog(&browser, "The Night Conductor").await;
    wait_reading(&browser).await;
    turn_until_chapter(&browser, 1).await;
    let here = place(&browser).await;
    world.wait_for_all_chapters(&browser, &title).await;

    // The app's files came down once: the service worker took its copy from
    // the HTTP cache, not from the network again.
    let requests = world.tunnel.requests();
    // Covers came two at a time (a phone has six connections, and the book
    // the passenger taps must find them free): no cover was asked for while
    // two others were still coming.
    let most_at_once = browser
        .js(
            "const covers = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/cover'));
             const during = (a) => covers.filter((b) => b !== a && b.startTime <= a.startTime && a.startTime < b.responseEnd).length + 1;
             return [covers.length, Math.max(...covers.map(during))];",
            json!([]),
        )
        .await;
    assert!(most_at_once[0].as_u64().unwrap() >= 3, "{most_at_once}");
    assert!(
        most_at_once[1].as_u64().unwrap() <= 2,
        "covers asked for at once: {most_at_once}"
    );
    let app_files: Vec<&String> = requests
        .iter()
        .filter(|r| r.starts_with("GET /static/") || r.as_str() == "GET /read")
        .collect();
    // The app comes inside the page: no script or stylesheet of its own.
    assert!(
        app_files.iter().any(|r| r.as_str() == "GET /read")
            && !app_files
                .iter()
                .any(|r| r.ends_with(".js") || r.ends_with(".css")),
        "{requests:#?}"
    );
    let mut twice: Vec<&&String> = app_files
        .iter()
        .filter(|r| app_files.iter().filter(|o| o == r).count() > 1)
        .collect();
    twice.dedup();
    assert!(
        twice.is_empty(),
        "downloaded twice on a first visit: {twice:?}"
    );

    // A tunnel, and the passenger reloads: the book is there, at the same place.
    world.tunnel.go_offline();
    browser.reload().await;
    let after = wait_reading(&browser).await;
    assert_eq!(
        after, here,
        "the reload in a tunnel reopens the book where it was"
    );

    // A book not downloaded yet: the passenger is told so, and led to the one that is.
    browser.click("#back").await;
    browser
        .wait_for(
            "the catalog, offline",
            "return document.body.dataset.view === 'catalog' && document.querySelectorAll('#titles li').length > 1",
        )
        .await;
    open_from_catalog(&browser, "Lost Property").await;
    browser
        .wait_for(
            "the offline page",
            "return document.body.dataset.view === 'error' && !document.getElementById('error-books').hidden",
        )
        .await;
    let page = browser.text_of("#view-error").await;
    assert!(page.contains("You are offline"), "{page}");
    assert!(page.contains("These books are on your phone"), "{page}");
    assert!(!page.contains("Something went wrong"), "{page}");
    let books = browser.text_of("#error-books").await;
    assert!(
        books.contains("The Night Conductor") && !books.contains("Lost Property"),
        "only the downloaded book is offered: {books}"
    );
    browser.screenshot("offline-books-on-the-phone").await;
    browser.assert_accessible("offline page").await;
    browser.click("#error-books a").await;
    let back = wait_reading(&browser).await;
    assert_eq!(
        chapter_of(&back),
        chapter_of(&here),
        "the link opens the downloaded book"
    );
    world.tunnel.go_online();
    browser.assert_no_script_errors().await;
    browser.quit().await;
}

/// The phone's voices, stubbed in the page: each utterance is noted with what
/// the chapter highlights and where the reader is when it starts, and "ends"
/// 15 ms later (the reader's own logic picks, highlights and turns).
const SPEECH_STUB: &str = "
    window.__spoken = [];
    const synth = {
      current: null,
      getVoices: () => [],
      cancel() { this.current = null; },
      speak(u) {
        const frame = document.getElementById('frame');
        const mark = frame.contentWindow.CSS.highlights.get('trajet-speech');
        const range = mark && [...mark][0];
        const rect = range && range.getBoundingClientRect();
        window.__spoken.push({
          text: u.text, lang: u.lang, rate: u.rate,
          highlighted: range ? range.toString().replace(/\\s+/g, ' ').trim() : null,
          onScreen: !!rect && rect.left >= -1 && rect.left < frame.clientWidth,
          place: document.getElementById('stage').dataset.place,
        });
        this.current = u;
        setTimeout(() => { if (this.current === u) { this.current = null; u.dispatchEvent(new Event('end')); } }, 15);
      },
    };
    Object.defineProperty(window, 'speechSynthesis', {value: synth, configurable: true});
    return true;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_aloud_follows_the_sentences_across_pages_and_chapters_to_the_offer() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    world.ingest_sample("la-passagere-de-17h42", json!({"chapters": 2}));
    let trip = world.trip(60).await;
    let browser = Browser::start("en-US").await;
    browser.goto(&world.tunnel.url(&trip.code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length > 0",
        )
        .await;
    browser.click("#titles li h2 a").await;
    let start = wait_reading(&browser).await;
    browser.js(SPEECH_STUB, json!([])).await;
    browser.set_value("#speech-rate", "1.5").await;

    // Play, pause after a few sentences: the voice stops; play again goes on.
    browser.click("#listen").await;
    browser
        .wait_for("a few sentences", "return window.__spoken.length >= 3")
        .await;
    browser.click("#listen").await;
    let paused = browser
        .js(
            "return [window.__spoken.length, document.getElementById('listen').getAttribute('aria-pressed')]",
            json!([]),
        )
        .await;
    assert_eq!(
        paused[1],
        json!("false"),
        "the button says the voice is paused"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let still = browser.js("return window.__spoken.length", json!([])).await;
    assert_eq!(still, paused[0], "nothing is said while paused");
    browser.click("#listen").await;
    browser
        .wait_for(
            "the voice to reach the end of the excerpt",
            "return document.body.dataset.view === 'end'",
        )
        .await;

    let spoken = browser.js("return window.__spoken", json!([])).await;
    let spoken = spoken.as_array().unwrap();
    assert!(spoken.len() > 10, "{spoken:#?}");
    for said in spoken {
        assert_eq!(
            said["lang"],
            json!("fr"),
            "the book's language, not the page's: {said}"
        );
        assert_eq!(said["rate"], json!(1.5), "the chosen speed: {said}");
        assert_eq!(
            said["highlighted"], said["text"],
            "the sentence said is the one highlighted"
        );
        assert_eq!(
            said["onScreen"],
            json!(true),
            "the page turned with the voice: {said}"
        );
    }
    let places: Vec<&str> = spoken.iter().filter_map(|s| s["place"].as_str()).collect();
    let chapters: std::collections::BTreeSet<usize> =
        places.iter().map(|p| chapter_of(p)).collect();
    assert!(chapters.len() >= 2, "on through the chapters: {chapters:?}");
    assert!(
        places.iter().any(|p| p.split(':').nth(1) != Some("0")),
        "pages turned within a chapter: {places:?} (from {start})"
    );
    let end = browser
        .js(
            "return [document.getElementById('end-title').textContent, !document.getElementById('end-offer').hidden]",
            json!([]),
        )
        .await;
    assert_eq!(
        end,
        json!(["End of the excerpt", true]),
        "the excerpt's end, with the offer"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        browser.js("return window.__spoken.length", json!([])).await,
        json!(spoken.len()),
        "the voice stops at the end of the excerpt"
    );
    browser.assert_no_script_errors().await;
    browser.quit().await;
}
