//! What browser tests of the reader share: where the frame is, the page
//! label, and waits for page turns.
#![allow(dead_code, reason = "each browser test file uses part of the helpers")]

use serde_json::json;

use crate::webdriver::Browser;

/// The right arrow key.
pub const RIGHT: &str = "\u{E014}";
/// The left arrow key.
pub const LEFT: &str = "\u{E012}";

/// The reader's page label, such as "p. 12 / 40".
pub async fn page_label(browser: &Browser) -> String {
    let value = browser
        .js(
            "return document.getElementById('page').textContent",
            json!([]),
        )
        .await;
    value.as_str().unwrap_or_default().to_owned()
}

/// Where the frame is exactly: "chapter:page:progression".
pub async fn place(browser: &Browser) -> String {
    let value = browser
        .js(
            "return document.getElementById('stage').dataset.place || ''",
            json!([]),
        )
        .await;
    value.as_str().unwrap_or_default().to_owned()
}

/// The chapter index of a place.
pub fn chapter_of(place: &str) -> usize {
    place
        .split(':')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Waits until the reader shows a page of the open title.
pub async fn wait_reading(browser: &Browser) -> String {
    browser
        .wait_for(
            "the reader to show a page",
            "return document.body.dataset.view === 'reader' && document.getElementById('stage').dataset.place",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits until the frame shows another place than `before`; returns the new one.
pub async fn wait_moved(browser: &Browser, before: &str) -> String {
    let script = format!(
        "const p = document.getElementById('stage').dataset.place; return p !== {} && p",
        json!(before)
    );
    let value = browser.wait_for("the page to turn", &script).await;
    value.as_str().unwrap_or_default().to_owned()
}

/// Turns forward with the button until the chapter index reaches `chapter`.
pub async fn turn_until_chapter(browser: &Browser, chapter: usize) -> String {
    let mut here = place(browser).await;
    for _ in 0..400 {
        if chapter_of(&here) >= chapter {
            return here;
        }
        browser.click("#next").await;
        here = wait_moved(browser, &here).await;
    }
    panic!("chapter {chapter} was never reached (last place {here})");
}

/// Scans `code_path` in a new phone browser preferring `lang` and waits for the catalog.
pub async fn scan(world: &crate::world::World, code_path: &str, lang: &str) -> Browser {
    let browser = Browser::start(lang).await;
    board(world, &browser, code_path).await;
    browser
}

/// Scans `code_path` in `browser` and waits for the catalog.
pub async fn board(world: &crate::world::World, browser: &Browser, code_path: &str) {
    browser.goto(&world.tunnel.url(code_path)).await;
    browser
        .wait_for(
            "the catalog",
            "return document.querySelectorAll('#titles li').length > 0",
        )
        .await;
}
