//! The publisher console in a real browser (Debian's headless Chromium driven
//! through chromedriver): sign in with a publisher key, upload EPUBs and read
//! the result per file, edit an excerpt policy with its preview, withdraw a
//! title, read reports, switch to French, refuse cross-site requests, and
//! pass an accessibility audit. Screenshots go to
//! `target/screenshots/publisher-*.png` for a person to look at.

#[path = "browser/console.rs"]
mod console;
#[path = "browser/proxy.rs"]
mod proxy;
mod support;
#[path = "browser/webdriver.rs"]
mod webdriver;
#[path = "browser/world.rs"]
mod world;

use serde_json::{Value, json};
use trajet::accounts::Role;
use trajet::usage::{Event, UsageKey};

use webdriver::Browser;
use world::{World, corpus_dir, corpus_file, sample_epub};

/// A valid corpus book with a cover and several chapters.
const GOOD_BOOK: &str = "epub/valid/alice-in-wonderland-gutenberg-epub3.epub";
/// A truncated zip (no end-of-central-directory record).
const BROKEN_BOOK: &str = "epub/invalid/zip-no-end-header.epub";

/// A title through the publisher API, with the key (not the browser).
async fn api_title(world: &World, key: &str, id: &str) -> Value {
    reqwest::Client::new()
        .get(world.tunnel.url(&format!("/api/v1/publisher/titles/{id}")))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Sets the excerpt policy editor to `n` chapters; returns the previewed (chapters, words) text.
async fn preview_chapters(browser: &Browser, n: u32) -> (String, String) {
    browser.click("#policy-kind-chapters").await;
    browser.clear("#policy-value").await;
    browser.type_into("#policy-value", &n.to_string()).await;
    let script = format!(
        "const box = document.getElementById('policy-preview');
         const c = box.querySelector('[data-preview=chapters]');
         return box.dataset.state === 'ready' && box.dataset.policy === '{{\"chapters\":{n}}}' && c && c.textContent"
    );
    let chapters = browser
        .wait_for(&format!("the preview of {n} chapters"), &script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let words = browser
        .text_of("#policy-preview [data-preview=words]")
        .await;
    (chapters, words)
}

/// The first number in a text ("1,234 words" → 1234).
fn number(text: &str) -> u64 {
    text.chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number in {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_uploads_sees_refusals_previews_a_policy_saves_withdraws_and_reads_reports() {
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let (account, key) = world.account(Role::Publisher, "Éditions du Quai").await;
    let browser = console::open_signed_in(&world, "/publisher", &key, "en-US").await;
    assert!(browser.text_of("#who").await.contains("Éditions du Quai"));
    assert!(
        browser
            .text_of("#titles-empty")
            .await
            .contains("no titles yet")
    );

    // A valid corpus book: a progress bar for the file, then live, and a row in the table.
    browser
        .js(
            "window.progressSeen = false;
             new MutationObserver(() => {
               if (document.querySelector('.upload-item progress')) window.progressSeen = true;
             }).observe(document.getElementById('upload-results'), {childList: true, subtree: true});
             return true;",
            json!([]),
        )
        .await;
    browser
        .type_into("#upload-files", &corpus_file(GOOD_BOOK))
        .await;
    let outcome = browser
        .wait_text(
            "the valid upload to go live",
            ".upload-item[data-state=live] .outcome",
        )
        .await;
    assert!(outcome.contains("is live"), "{outcome}");
    assert_eq!(
        browser.js("return window.progressSeen", json!([])).await,
        true,
        "the file had a progress bar while it was sent"
    );
    let row = browser
        .wait_text("the new title's row", "#titles-body tr")
        .await;
    assert!(row.contains("Alice"), "{row}");
    assert!(row.contains("Live"), "{row}");
    let id = browser
        .js(
            "return document.querySelector('#titles-body tr').dataset.id",
            json!([]),
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(api_title(&world, &key, &id).await["live"], true);
    browser
        .wait_for(
            "the cover to load",
            "const img = document.querySelector('#titles-body img.cover'); return img && img.complete && img.naturalWidth > 0",
        )
        .await;

    // A broken corpus book: refused in words, the code in the technical details.
    browser
        .type_into("#upload-files", &corpus_file(BROKEN_BOOK))
        .await;
    let refused = browser
        .wait_text(
            "the broken upload to be refused",
            ".upload-item[data-state=refused]",
        )
        .await;
    assert!(refused.contains("zip-no-end-header.epub"), "{refused}");
    assert!(
        refused.contains("not a readable EPUB archive"),
        "a sentence a publisher understands: {refused}"
    );
    let code = browser
        .js(
            "return document.querySelector('.upload-item[data-state=refused] details code').textContent",
            json!([]),
        )
        .await;
    assert_eq!(code, "epub-invalid-archive");
    assert_eq!(
        browser
            .js(
                "return document.querySelectorAll('#titles-body tr').length",
                json!([])
            )
            .await,
        1,
        "the refused file added no title"
    );
    browser.scroll_to("#upload").await;
    browser.screenshot("publisher-uploads").await;

    // The title's panel: the preview changes with the policy, before saving.
    browser
        .click(&format!("#titles-body tr[data-id='{id}'] button.manage"))
        .await;
    browser
        .wait_for(
            "the panel to open with focus on its heading",
            "return !document.getElementById('panel').hidden && document.activeElement.id === 'panel-title'",
        )
        .await;
    let (one, words_one) = preview_chapters(&browser, 1).await;
    let (three, words_three) = preview_chapters(&browser, 3).await;
    assert!(
        one.starts_with("1 of ") && three.starts_with("3 of "),
        "the preview counts chapters as the policy does: {one} / {three}"
    );
    assert!(
        number(&three) > number(&one),
        "3 chapters reach further into the book than 1: {one} vs {three}"
    );
    assert!(
        number(&words_three) > number(&words_one),
        "3 chapters give more words than 1: {words_one} vs {words_three}"
    );
    let preview = browser.text_of("#policy-preview").await;
    assert!(preview.contains("min"), "reading minutes: {preview}");
    assert!(
        preview.contains("The excerpt ends at the end of") || preview.contains("The cut falls"),
        "where the cut falls: {preview}"
    );
    assert!(
        !browser
            .text_of("#policy-preview [data-preview=paragraph]")
            .await
            .trim()
            .is_empty(),
        "the last paragraph passengers get: {preview}"
    );
    assert!(preview.contains("Not saved yet"), "{preview}");
    assert_ne!(
        api_title(&world, &key, &id).await["excerpt"]["policy"],
        json!({"chapters": 3}),
        "previewing saves nothing"
    );
    browser.scroll_to("#policy-form").await;
    browser.screenshot("publisher-policy-preview").await;
    browser.assert_accessible("title panel").await;

    browser.click("#policy-save").await;
    console::status_says(&browser, "success", "saved").await;
    console::assert_status_covers_nothing(&browser).await;
    let saved = api_title(&world, &key, &id).await;
    assert_eq!(saved["excerpt"]["policy"], json!({"chapters": 3}));
    let excerpt_cell = browser
        .text_of(&format!("#titles-body tr[data-id='{id}'] td.excerpt"))
        .await;
    assert!(
        excerpt_cell.contains(&format!("{} words", words_three.trim())),
        "the table follows the saved policy: {excerpt_cell} / {words_three}"
    );

    // Good news clears itself after a few seconds.
    console::wait_status_cleared(&browser).await;

    // Withdraw: a confirmation dialog first; going back changes nothing.
    browser.click("#toggle-live").await;
    let dialog = console::dialog_text(&browser).await;
    assert!(dialog.contains("Withdraw"), "{dialog}");
    assert_eq!(
        browser.text_of("dialog.confirm .button:not(.danger)").await,
        "Go back",
        "the way out of a dialog does not read like the action it avoids"
    );
    browser.screenshot("publisher-withdraw-confirm").await;
    browser.click("dialog.confirm .button:not(.danger)").await;
    browser
        .wait_for(
            "the dialog to close and focus to return",
            "return !document.querySelector('dialog.confirm') && document.activeElement.id === 'toggle-live'",
        )
        .await;
    assert_eq!(api_title(&world, &key, &id).await["live"], true);
    browser.click("#toggle-live").await;
    console::dialog_text(&browser).await;
    browser.click("dialog.confirm .button.danger").await;
    let status = browser
        .wait_for(
            "the row to show the title withdrawn",
            &format!(
                "const s = document.querySelector(\"#titles-body tr[data-id='{id}'] td.status\"); return s && s.innerText.includes('Withdrawn') && s.innerText"
            ),
        )
        .await;
    assert_eq!(status, "Withdrawn");
    assert_eq!(
        api_title(&world, &key, &id).await["live"],
        false,
        "withdrawn on the server"
    );

    // Reports: usage of this title, small counts shown as given, a chart, a CSV link.
    // "Today" is the last day of the form's range, set when the page loaded
    // (the clock may have passed midnight since).
    let today = browser
        .js(
            "return document.getElementById('reports-to').value",
            json!([]),
        )
        .await;
    let today: chrono::NaiveDate = today
        .as_str()
        .unwrap()
        .parse()
        .expect("the form's last day");
    let yesterday = today - chrono::Duration::days(1);
    let usage = |day: chrono::NaiveDate| UsageKey {
        day: day.to_string(),
        trip: 7,
        line: "TER Clermont – Lyon".into(),
        title: id.clone(),
        publisher: account.clone(),
        operator: "op-ter".into(),
    };
    for _ in 0..12 {
        world
            .app
            .state
            .usage
            .record(usage(today), Event::TitleOpened);
    }
    for _ in 0..3 {
        world
            .app
            .state
            .usage
            .record(usage(yesterday), Event::TitleOpened);
    }
    world
        .app
        .state
        .usage
        .record(usage(today), Event::ExcerptFinished);
    browser.click("#reports-form button[type=submit]").await;
    let report = browser
        .wait_text("the report table", "#reports-table:not([hidden]) tbody")
        .await;
    assert!(report.contains("Alice"), "rows name titles: {report}");
    assert!(report.contains("15"), "sessions summed: {report}");
    assert!(report.contains("< 5"), "small counts as given: {report}");
    let bars = browser
        .js(
            "return [...document.querySelectorAll('#reports-chart rect.bar:not([data-value=\"0\"])')].map(r => r.dataset.key + '=' + r.dataset.value)",
            json!([]),
        )
        .await;
    assert_eq!(
        bars,
        json!([format!("{yesterday}=< 5"), format!("{today}=12")]),
        "one bar per day with readings"
    );
    let hatched = browser
        .js(
            "const r = document.querySelector('#reports-chart rect.bar.suppressed');
             return r && [r.dataset.key, r.getAttribute('fill'), getComputedStyle(r).fill]",
            json!([]),
        )
        .await;
    assert_eq!(hatched[0], json!(yesterday.to_string()), "{hatched}");
    assert!(
        hatched[1].as_str().unwrap().starts_with("url(#")
            && hatched[2].as_str().unwrap().starts_with("url("),
        "the day with fewer than 5 is drawn hatched: {hatched}"
    );
    let ticks = browser
        .js(
            "return [...document.querySelectorAll('#reports-chart .grid text')].map(t => t.textContent)",
            json!([]),
        )
        .await;
    assert_eq!(ticks, json!(["0", "5", "10", "15"]), "whole-number ticks");
    let summary = browser.text_of("#reports-chart-figure-summary").await;
    assert!(
        summary.contains("15") && summary.contains("Hatched bars"),
        "the chart states the exact total and explains the hatching: {summary}"
    );
    let figures = browser
        .js(
            "return [...document.querySelectorAll('#reports-chart table tbody tr')].slice(-2).map(r => r.querySelector('td').textContent)",
            json!([]),
        )
        .await;
    assert_eq!(
        figures,
        json!(["< 5", "12"]),
        "the chart's table gives the same figures"
    );
    let csv_href = browser
        .js(
            "return document.getElementById('reports-csv').href",
            json!([]),
        )
        .await;
    let csv_href = csv_href.as_str().unwrap().to_owned();
    assert!(
        csv_href.contains("/api/v1/publisher/reports.csv?from="),
        "{csv_href}"
    );
    let csv = browser
        .js_async(
            "const done = arguments[0];
             fetch(document.getElementById('reports-csv').href).then(r => r.text()).then(done, e => done(String(e)));",
        )
        .await;
    let csv = csv.as_str().unwrap_or_default();
    assert!(csv.contains("< 5") && csv.contains("15"), "{csv}");
    browser.scroll_to("#reports").await;
    browser.screenshot("publisher-reports").await;
    browser.assert_accessible("console with reports").await;
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_speaks_french_refuses_cross_site_changes_and_passes_axe() {
    let Some((_turn, world)) = world::begin(false).await else {
        return;
    };
    let (_, key) = world.account(Role::Publisher, "Éditions du Quai").await;
    let created = api_upload(&world, &key, sample_epub("the-night-conductor")).await;
    let id = created["id"].as_str().unwrap().to_owned();

    // A French browser gets the French sign-in form.
    let browser = Browser::start_desktop("fr-FR").await;
    browser.goto(&world.tunnel.url("/publisher")).await;
    console::wait_sign_in_form(&browser).await;
    assert_eq!(browser.text_of("label[for=signin-key]").await, "Clé d’API");
    assert_eq!(
        browser
            .js("return document.documentElement.lang", json!([]))
            .await,
        "fr"
    );
    browser.assert_accessible("sign-in form").await;
    browser.screenshot("publisher-signin-fr").await;

    // A wrong key is refused in words, and the form stays.
    let error = console::refused_sign_in(&browser, "pub_nope.nope").await;
    assert!(error.contains("pas valide"), "{error}");
    console::sign_in(&browser, &key).await;
    assert_eq!(browser.text_of("#app-title").await, "Vos titres");
    let header = browser.text_of("#titles-head").await;
    assert!(
        header.contains("Couverture") && header.contains("Extrait"),
        "{header}"
    );
    let row = browser.wait_text("the title row", "#titles-body tr").await;
    assert!(row.contains("En ligne"), "{row}");

    // The switch: English at once, everywhere, then French again.
    browser.click("#lang").await;
    browser
        .wait_for(
            "English labels",
            "return document.getElementById('app-title').textContent === 'Your titles'",
        )
        .await;
    assert!(browser.text_of("#titles-body tr").await.contains("Live"));
    assert_eq!(browser.text_of("#lang").await, "Français");
    browser.click("#lang").await;
    browser
        .wait_for(
            "French labels",
            "return document.getElementById('app-title').textContent === 'Vos titres'",
        )
        .await;
    browser
        .click(&format!("#titles-body tr[data-id='{id}'] button.manage"))
        .await;
    let panel = browser
        .wait_text("the panel", "#policy-preview[data-state=ready]")
        .await;
    assert!(
        panel.contains("Ce que les voyageurs obtiendront"),
        "{panel}"
    );
    browser.screenshot("publisher-panel-fr").await;
    browser.assert_accessible("French title panel").await;

    // Switching language in the middle of an edit keeps what was typed.
    browser.clear("#offer-url").await;
    browser
        .type_into("#offer-url", "https://books.example/nuit")
        .await;
    browser.click("#lang").await;
    browser
        .wait_for(
            "the panel in English",
            "return document.querySelector('label[for=offer-url]').textContent === 'Buy or borrow link'",
        )
        .await;
    assert_eq!(
        browser
            .js(
                "return document.getElementById('offer-url').value",
                json!([])
            )
            .await,
        "https://books.example/nuit",
        "the link typed and not saved is still there"
    );
    browser.click("#lang").await;
    browser
        .wait_for(
            "the panel in French again",
            "return document.querySelector('label[for=offer-url]').textContent === 'Lien d’achat ou d’emprunt'
                && document.getElementById('offer-url').value === 'https://books.example/nuit'",
        )
        .await;

    // Same page, same cookie, but no console header: a plain fetch is refused.
    let plain = browser
        .js_async(&format!(
            "const done = arguments[0];
             fetch('/api/v1/publisher/titles/{id}', {{method: 'PATCH', credentials: 'same-origin',
               headers: {{'content-type': 'application/json'}}, body: JSON.stringify({{live: false}})}})
               .then(async r => done([r.status, (await r.json()).code]), e => done(String(e)));"
        ))
        .await;
    assert_eq!(plain, json!([403, "csrf-rejected"]));

    // A classic form post carries the cookie but cannot add a header.
    browser
        .js(
            "const f = document.createElement('form');
             f.method = 'post'; f.action = '/api/v1/publisher/titles'; f.enctype = 'multipart/form-data';
             const i = document.createElement('input'); i.name = 'live'; i.value = 'false'; f.append(i);
             document.body.append(f); f.submit(); return true;",
            json!([]),
        )
        .await;
    let answer = browser
        .wait_for(
            "the form post's answer",
            "return location.pathname === '/api/v1/publisher/titles' && document.body && document.body.innerText",
        )
        .await;
    assert!(
        answer
            .as_str()
            .unwrap_or_default()
            .contains("csrf-rejected"),
        "{answer}"
    );

    // Another origin with the console's cookie and even the header: refused.
    browser.goto(&world.tunnel.url("/publisher")).await;
    let cookie = browser.cookie_header().await;
    assert!(cookie.contains("trajet_console="), "{cookie}");
    let response = reqwest::Client::new()
        .patch(world.tunnel.url(&format!("/api/v1/publisher/titles/{id}")))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("x-trajet-console", "1")
        .json(&json!({"live": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "csrf-rejected");
    assert_eq!(
        api_title(&world, &key, &id).await["live"],
        true,
        "nothing changed"
    );

    // Signing out ends the console session.
    console::wait_ready(&browser).await;
    browser.click("#signout").await;
    browser
        .wait_for(
            "the sign-in form after signing out",
            "return !document.getElementById('signin').hidden && document.getElementById('app').hidden",
        )
        .await;
    assert!(!browser.cookie_header().await.contains("trajet_console="));
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

/// Uploads a sample book by API; returns the title.
async fn api_upload(world: &World, key: &str, epub: Vec<u8>) -> Value {
    reqwest::Client::new()
        .post(world.tunnel.url("/api/v1/publisher/titles"))
        .bearer_auth(key)
        .header("content-type", "application/epub+zip")
        .body(epub)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The titles of the table's rows, top to bottom.
async fn row_titles(browser: &Browser) -> Vec<String> {
    let value = browser
        .js(
            "return [...document.querySelectorAll('#titles-body tr th')].map(th => th.textContent)",
            json!([]),
        )
        .await;
    serde_json::from_value(value).unwrap()
}

/// Drops files on the drop zone as a person dragging them from a file manager would.
async fn drop_files(browser: &Browser, files: &[(&str, Vec<u8>)]) {
    use data_encoding::BASE64;
    let files: Vec<Value> = files
        .iter()
        .map(|(name, bytes)| json!({"name": name, "data": BASE64.encode(bytes)}))
        .collect();
    browser
        .js(
            "const transfer = new DataTransfer();
             for (const f of arguments[0]) {
               const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
               transfer.items.add(new File([bytes], f.name, {type: 'application/epub+zip'}));
             }
             const zone = document.getElementById('dropzone');
             for (const type of ['dragenter', 'dragover', 'drop']) {
               zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
             }
             return true;",
            json!([files]),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_sorts_searches_drops_files_edits_links_replaces_and_deletes_a_title() {
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let (_, key) = world.account(Role::Publisher, "Éditions du Quai").await;
    let night = api_upload(&world, &key, sample_epub("the-night-conductor")).await;
    let lost = api_upload(&world, &key, sample_epub("lost-property")).await;
    let night_id = night["id"].as_str().unwrap().to_owned();
    let browser = Browser::start_desktop("en-GB").await;

    // An operator key on the publisher console: told which key is needed.
    let (_, operator_key) = world
        .account(Role::Operator, "TER Auvergne-Rhône-Alpes")
        .await;
    browser.goto(&world.tunnel.url("/publisher")).await;
    let error = console::refused_sign_in(&browser, &operator_key).await;
    assert!(error.contains("publisher key"), "{error}");
    console::sign_in(&browser, &key).await;

    // Sort by title both ways, then search.
    assert_eq!(
        row_titles(&browser).await,
        ["Lost Property", "The Night Conductor"]
    );
    browser
        .click("#titles-head th[data-key=title] button")
        .await;
    assert_eq!(
        row_titles(&browser).await,
        ["The Night Conductor", "Lost Property"]
    );
    assert_eq!(
        browser
            .js(
                "return document.querySelector('#titles-head th[data-key=title]').getAttribute('aria-sort')",
                json!([])
            )
            .await,
        "descending"
    );
    browser.type_into("#title-search", "NIGHT").await;
    assert_eq!(row_titles(&browser).await, ["The Night Conductor"]);
    assert_eq!(browser.text_of("#titles-count").await, "1 of 2 titles");
    // WebDriver's clear fires no input event; a space does (and matches everything).
    browser.clear("#title-search").await;
    browser.type_into("#title-search", " ").await;
    assert_eq!(row_titles(&browser).await.len(), 2);

    // Two files dropped at once: each gets its own answer.
    let read = |p: &str| std::fs::read(corpus_dir().join(p)).unwrap();
    drop_files(
        &browser,
        &[
            ("minimal.epub", read("epub/valid/minimal-epub3.epub")),
            (
                "no-mimetype.epub",
                read("epub/invalid/mimetype-missing.epub"),
            ),
        ],
    )
    .await;
    browser
        .wait_for(
            "both dropped files to be answered",
            "return document.querySelectorAll('.upload-item[data-state=live], .upload-item[data-state=refused]').length === 2",
        )
        .await;
    assert!(
        browser
            .text_of(".upload-item[data-state=live]")
            .await
            .contains("minimal.epub")
    );
    assert!(
        browser
            .text_of(".upload-item[data-state=refused]")
            .await
            .contains("no-mimetype.epub")
    );
    assert_eq!(row_titles(&browser).await.len(), 3);

    // Offer link and collections; a bad link is refused in words and changes nothing.
    // Chapters are counted as policies count them: the cover and the title
    // page of The Night Conductor are not chapters, but they are said.
    assert_eq!(
        browser
            .text_of(&format!(
                "#titles-body tr[data-id='{night_id}'] td.chapters"
            ))
            .await,
        "6"
    );
    browser
        .click(&format!(
            "#titles-body tr[data-id='{night_id}'] button.manage"
        ))
        .await;
    browser
        .wait_text("the panel", "#policy-preview[data-state=ready]")
        .await;
    let (three, _) = preview_chapters(&browser, 3).await;
    assert_eq!(three, "3 of 6, plus the front matter");
    browser.clear("#offer-url").await;
    browser
        .type_into("#offer-url", "https://books.example/night")
        .await;
    browser.clear("#collections").await;
    browser
        .type_into("#collections", "Polar, Night trains, Polar")
        .await;
    browser.click("#settings-save").await;
    console::status_says(&browser, "success", "Link and collections").await;
    let saved = api_title(&world, &key, &night_id).await;
    assert_eq!(saved["offer_url"], "https://books.example/night");
    assert_eq!(saved["collections"], json!(["Polar", "Night trains"]));
    browser.clear("#offer-url").await;
    browser.type_into("#offer-url", "javascript:alert(1)").await;
    browser.click("#settings-save").await;
    let refusal = console::status_says(&browser, "error", "https://").await;
    assert_eq!(
        api_title(&world, &key, &night_id).await["offer_url"],
        "https://books.example/night"
    );
    // An error stays (longer than any news that clears itself) until closed,
    // and never covers the page; closing it gives focus back.
    console::assert_status_covers_nothing(&browser).await;
    tokio::time::sleep(std::time::Duration::from_secs(16)).await;
    assert_eq!(
        browser.text_of("#status").await,
        refusal,
        "the error is still there"
    );
    browser.click("#status-close").await;
    console::wait_status_cleared(&browser).await;
    assert_eq!(
        browser
            .js("return document.activeElement.id", json!([]))
            .await,
        "settings-save"
    );

    // An impossible policy is explained before anything is sent.
    browser.click("#policy-kind-percent").await;
    browser.clear("#policy-value").await;
    browser.type_into("#policy-value", "0").await;
    let problem = browser
        .wait_text("the policy error", "#policy-preview[data-state=error]")
        .await;
    assert!(problem.contains("whole number"), "{problem}");

    // A new version of the EPUB keeps the id; a broken one leaves the title as it was.
    browser
        .type_into(
            "#replace-file",
            &corpus_file("epub/invalid/mimetype-missing.epub"),
        )
        .await;
    let refused = browser
        .wait_text("the refused new version", "#replace-result .error")
        .await;
    assert!(refused.contains("current one stays live"), "{refused}");
    assert_eq!(
        api_title(&world, &key, &night_id).await["title"],
        "The Night Conductor"
    );
    browser
        .type_into(
            "#replace-file",
            &corpus_file("epub/valid/minimal-epub2.epub"),
        )
        .await;
    browser
        .wait_for(
            "the new version to go live",
            "return document.getElementById('panel-title').textContent === 'Minimal EPUB 2.0'",
        )
        .await;
    let replaced = api_title(&world, &key, &night_id).await;
    assert_eq!(replaced["id"], night_id.as_str());
    assert_eq!(replaced["title"], "Minimal EPUB 2.0");
    assert_eq!(
        replaced["offer_url"], "https://books.example/night",
        "settings kept"
    );

    // The console reflows at 200 % zoom (half the width) without sideways scrolling.
    browser.set_window_size(640, 900).await;
    browser
        .wait_for("the narrow layout", "return window.innerWidth <= 640")
        .await;
    let overflow = browser
        .js(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            json!([]),
        )
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "the page scrolls sideways by {overflow} px"
    );
    browser.scroll_to("#panel").await;
    browser.screenshot("publisher-narrow").await;
    browser.set_window_size(1280, 900).await;

    // Delete: Escape cancels and focus comes back; confirming removes it everywhere.
    browser.click("#delete-button").await;
    console::dialog_text(&browser).await;
    browser.press(&["\u{E00C}"]).await;
    browser
        .wait_for(
            "Escape to cancel",
            "return !document.querySelector('dialog.confirm') && document.activeElement.id === 'delete-button'",
        )
        .await;
    assert_eq!(
        api_title(&world, &key, &night_id).await["id"],
        night_id.as_str()
    );
    browser.click("#delete-button").await;
    console::dialog_text(&browser).await;
    browser.click("dialog.confirm .button.danger").await;
    browser
        .wait_for(
            "the row to go and focus to land on the titles",
            "return document.getElementById('panel').hidden && document.activeElement.id === 'titles-title'",
        )
        .await;
    assert_eq!(row_titles(&browser).await.len(), 2);
    let gone = reqwest::Client::new()
        .get(
            world
                .tunnel
                .url(&format!("/api/v1/publisher/titles/{night_id}")),
        )
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    assert_eq!(
        row_titles(&browser).await,
        ["Minimal EPUB 3.0", lost["title"].as_str().unwrap()],
        "the other titles stay, still sorted by title descending"
    );
    browser.assert_accessible("titles after a deletion").await;
    browser.assert_no_script_errors_or_csp_refusals().await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_french_batch_names_every_refused_file_with_its_reason_and_a_manga_takes_a_pages_policy()
{
    let Some((_turn, world)) = world::begin(true).await else {
        return;
    };
    let (_, key) = world.account(Role::Publisher, "Éditions du Quai").await;
    let browser = console::open_signed_in(&world, "/publisher", &key, "fr-FR").await;
    let read = |p: &str| std::fs::read(corpus_dir().join(p)).unwrap();
    drop_files(
        &browser,
        &[
            (
                "manga.epub",
                read("epub/valid/haruko-manga-fixed-layout-rtl.epub"),
            ),
            (
                "sans-spine.epub",
                read("epub/invalid/epub2-opf-spine-missing.epub"),
            ),
            ("sans-opf.epub", read("epub/invalid/opf-missing.epub")),
        ],
    )
    .await;
    let summary = browser
        .wait_for(
            "the summary of the three files",
            "const s = document.getElementById('upload-summary'); return !s.hidden && s.textContent",
        )
        .await;
    let summary = summary.as_str().unwrap_or_default();
    assert!(summary.contains("1 en ligne, 2 refusé"), "{summary}");
    assert!(
        summary.contains("sans-spine.epub") && summary.contains("sans-opf.epub"),
        "every refused file is named: {summary}"
    );
    assert!(
        summary.contains("n’a pas d’élément <spine>")
            && summary.contains("n’est pas dans l’archive"),
        "the real reasons, in French, in the message: {summary}"
    );
    let status = browser.text_of("#status-text").await;
    assert!(
        status.contains("sans-spine.epub") && status.contains("sans-opf.epub"),
        "the announcement names both: {status}"
    );
    let outcome = browser
        .js(
            "return [...document.querySelectorAll('.upload-item[data-state=refused] .outcome')].map((o) => o.textContent).join(' | ')",
            json!([]),
        )
        .await;
    assert!(
        outcome.as_str().unwrap_or_default().contains("<spine>"),
        "the reason is in the file's own line, not only under technical details: {outcome}"
    );
    browser.screenshot("publisher-batch-refusals-fr").await;
    browser.assert_accessible("the upload summary").await;

    // The manga: a pages policy, previewed before saving.
    browser.click(".upload-item[data-state=live] button").await;
    browser.click("#policy-kind-pages").await;
    browser.clear("#policy-value").await;
    browser.type_into("#policy-value", "3").await;
    let pages = browser
        .wait_for(
            "the preview of three pages",
            "const box = document.getElementById('policy-preview');
             const p = box.querySelector('[data-preview=pages]');
             return box.dataset.state === 'ready' && box.dataset.policy === '{\"pages\":3}' && p && p.textContent",
        )
        .await;
    assert_eq!(pages, json!("3 sur 12"), "pages served of the book's pages");
    browser.click("#policy-save").await;
    browser
        .wait_for(
            "the saved policy",
            "return document.getElementById('status-text').textContent.includes('3 pages')",
        )
        .await;
    browser.quit().await;
}
