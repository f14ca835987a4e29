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

use reading::{page_label, wait_moved, wait_reading};

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
    let browser = webdriver::Browser::start("en-US").await;
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
