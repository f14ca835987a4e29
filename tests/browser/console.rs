//! The publisher and operator consoles as a person meets them in a desktop
//! browser: the sign-in form, a console ready to use, the confirmation dialog.
#![allow(dead_code, reason = "each console's test file uses part of it")]

use crate::webdriver::Browser;
use crate::world::World;

/// Opens a console page (`/publisher`, `/operator`) in a fresh desktop
/// browser preferring `lang`, and signs in there with `key`.
pub async fn open_signed_in(world: &World, page: &str, key: &str, lang: &str) -> Browser {
    let browser = Browser::start_desktop(lang).await;
    browser.goto(&world.tunnel.url(page)).await;
    sign_in(&browser, key).await;
    browser
}

/// Waits for the sign-in form.
pub async fn wait_sign_in_form(browser: &Browser) {
    browser
        .wait_for(
            "the sign-in form",
            "return document.getElementById('signin-key') !== null && !document.getElementById('signin').hidden",
        )
        .await;
}

/// Sends `key` through the sign-in form.
async fn submit_key(browser: &Browser, key: &str) {
    wait_sign_in_form(browser).await;
    browser.type_into("#signin-key", key).await;
    browser.click("#signin button[type=submit]").await;
}

/// Signs in through the console's form and waits until the console is ready.
pub async fn sign_in(browser: &Browser, key: &str) {
    submit_key(browser, key).await;
    wait_ready(browser).await;
}

/// Signs in with a key the console refuses; returns the error it shows and
/// empties the field for the next attempt.
pub async fn refused_sign_in(browser: &Browser, key: &str) -> String {
    submit_key(browser, key).await;
    let error = browser
        .wait_text("the sign-in error", "#signin-error:not([hidden])")
        .await;
    browser.clear("#signin-key").await;
    error
}

/// Waits until a signed-in console has drawn what it shows first (the
/// pages set `data-ready="all"` on the body once their first view is loaded).
pub async fn wait_ready(browser: &Browser) {
    browser
        .wait_for(
            "the console to be ready",
            "return !document.getElementById('app').hidden && document.body.dataset.ready === 'all'",
        )
        .await;
}

/// Waits for the confirmation dialog; returns its text.
pub async fn dialog_text(browser: &Browser) -> String {
    browser
        .wait_text("the confirmation dialog", "dialog.confirm[open]")
        .await
}
