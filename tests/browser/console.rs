//! The publisher and operator consoles as a person meets them in a desktop
//! browser: the sign-in form, a console ready to use, the confirmation dialog.
#![allow(dead_code, reason = "each console's test file uses part of it")]

use serde_json::json;

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

/// Waits for the status bar to say something of `kind` containing `words`; returns all it says.
pub async fn status_says(browser: &Browser, kind: &str, words: &str) -> String {
    let script = format!(
        "const s = document.getElementById('status');
         return s.classList.contains('shown') && s.dataset.kind === {} && s.innerText.includes({}) && s.innerText",
        json!(kind),
        json!(words)
    );
    browser
        .wait_for(&format!("the status bar to say {words:?}"), &script)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits for the status bar to clear itself (it does, a few seconds after news that is not an error).
pub async fn wait_status_cleared(browser: &Browser) {
    browser
        .wait_for(
            "the status bar to clear itself",
            "const s = document.getElementById('status');
             return !s.classList.contains('shown') && s.innerText.trim() === ''",
        )
        .await;
}

/// Fails when the status bar covers the focused element, or, scrolled to
/// the end of the page, anything of the console.
pub async fn assert_status_covers_nothing(browser: &Browser) {
    let covered = browser
        .js(
            "const over = (e) => {
               const r = e.getBoundingClientRect(), b = document.getElementById('status').getBoundingClientRect();
               return r.width > 0 && r.height > 0 && r.bottom > b.top && r.top < b.bottom && r.right > b.left && r.left < b.right;
             };
             const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
             const focus = document.activeElement;
             const found = focus && focus !== document.body && over(focus) ? ['focus: ' + name(focus)] : [];
             window.scrollTo(0, document.documentElement.scrollHeight);
             const shown = document.querySelector('main:not([hidden])');
             return found.concat([...shown.querySelectorAll('*')].filter(over).map(name));",
            json!([]),
        )
        .await;
    assert_eq!(covered, json!([]), "the status bar covers part of the page");
}
