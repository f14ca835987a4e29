//! A small WebDriver client for Debian's `chromedriver` driving headless
//! Chromium, over `reqwest`: the commands the browser tests need, and the
//! checks they share (text of an element, waits, axe, script errors).
//! Each test file uses part of it.
#![allow(dead_code, reason = "each browser test file uses part of the client")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Where Debian installs the browser and its driver.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The phone viewport the reader is designed for.
pub const PHONE: (u32, u32) = (390, 844);
/// The desktop window the consoles are used in.
pub const DESKTOP: (u32, u32) = (1280, 900);

/// Is the browser installed? When not: the skip is recorded (a failure under CI).
pub fn browser_available() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    crate::support::external::skip(
        "chromium and chromedriver not installed (apt-get install chromium chromium-driver)",
    );
    false
}

/// A chromedriver process with one headless Chromium session; both end on drop.
pub struct Browser {
    http: reqwest::Client,
    base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// The window a test browses in.
#[derive(Debug, Clone, Copy)]
pub enum Screen {
    /// A phone (390 × 844, touch, pixel ratio 2): the passenger's reader.
    Phone,
    /// A desktop window (1280 × 900, no emulation): the consoles.
    Desktop,
}

impl Browser {
    /// Starts chromedriver and a fresh Chromium with a phone viewport and `lang` preferred.
    pub async fn start(lang: &str) -> Browser {
        Self::launch(lang, Screen::Phone).await
    }

    /// Starts chromedriver and a fresh Chromium with a desktop window and `lang` preferred.
    pub async fn start_desktop(lang: &str) -> Browser {
        Self::launch(lang, Screen::Desktop).await
    }

    /// Starts chromedriver and one headless Chromium session on `screen`.
    pub async fn launch(lang: &str, screen: Screen) -> Browser {
        let port = free_port();
        // Pages show days and hours in the browser's zone; the tests' trips
        // and counts are dated in UTC.
        let driver = Command::new(CHROMEDRIVER)
            .env("TZ", "UTC")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut browser = Browser {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            driver,
            _profile: tempfile::tempdir().unwrap(),
        };
        browser.wait_driver().await;
        browser.new_session(lang, screen).await;
        browser
    }

    async fn wait_driver(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = self.http.get(format!("{}/status", self.base)).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not answer on {}", self.base);
    }

    async fn new_session(&mut self, lang: &str, screen: Screen) {
        let (width, height) = match screen {
            Screen::Phone => PHONE,
            Screen::Desktop => DESKTOP,
        };
        let args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            format!("--user-data-dir={}", self._profile.path().display()),
            format!("--window-size={width},{height}"),
            format!("--lang={lang}"),
        ];
        let mut options = json!({
            "binary": CHROMIUM,
            "args": args,
            "prefs": {"intl.accept_languages": lang},
        });
        if let Screen::Phone = screen {
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}});
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"},
        }}});
        let value = self.call("POST", "/session", Some(caps)).await;
        let id = value["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        self.base = format!("{}/session/{id}", self.base);
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(&body.unwrap_or(json!({}))),
        };
        let response = request.send().await.expect("chromedriver answers");
        let status = response.status();
        let value: Value = response.json().await.expect("chromedriver answers JSON");
        assert!(status.is_success(), "WebDriver {method} {path}: {value}");
        value["value"].clone()
    }

    /// Opens a URL and waits for the page's load event.
    pub async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url}))).await;
    }

    /// Sends a Chrome DevTools Protocol command (emulation the WebDriver
    /// standard has no command for); returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
        .await
    }

    /// Runs `script` in every document the browser opens from now on, before
    /// the page's own scripts (to stand in for a browser's quirks).
    pub async fn before_every_page(&self, script: &str) {
        self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": script}),
        )
        .await;
    }

    /// When the browser will drop cookie `name` (Unix seconds), if it has it.
    pub async fn cookie_expiry(&self, name: &str) -> Option<i64> {
        let cookies = self.call("GET", "/cookie", None).await;
        cookies
            .as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["expiry"].as_i64())
    }

    /// Reloads the page, as the browser's reload button does.
    pub async fn reload(&self) {
        self.call("POST", "/refresh", None).await;
    }

    /// The browser's cookies for the current page, as a `Cookie` header
    /// (HttpOnly ones included: WebDriver sees them, page scripts do not).
    pub async fn cookie_header(&self) -> String {
        let value = self.call("GET", "/cookie", None).await;
        value
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}={}",
                    c["name"].as_str().unwrap_or(""),
                    c["value"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Runs a script in the page (`arguments` are `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Value) -> Value {
        let body = json!({"script": script, "args": args});
        self.call("POST", "/execute/sync", Some(body)).await
    }

    /// Runs an async script whose last argument is the callback to call with the result.
    pub async fn js_async(&self, script: &str) -> Value {
        let body = json!({"script": script, "args": []});
        self.call("POST", "/execute/async", Some(body)).await
    }

    /// Waits until `script` returns a truthy value (or panics with `what`).
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let value = self.js(script, json!([])).await;
            let truthy = !matches!(value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the first element matching a selector ("" when none).
    pub async fn text_of(&self, selector: &str) -> String {
        let value = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
                json!([selector]),
            )
            .await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the element matching `selector` exists with some text; returns it.
    pub async fn wait_text(&self, what: &str, selector: &str) -> String {
        let script = format!(
            "const e = document.querySelector({}); return e ? e.innerText : ''",
            json!(selector)
        );
        self.wait_for(what, &script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Sets an input's value as a person would (the page hears `input` and `change`).
    pub async fn set_value(&self, selector: &str, value: &str) {
        self.js(
            "const e = document.querySelector(arguments[0]);
             e.value = arguments[1];
             e.dispatchEvent(new Event('input', {bubbles: true}));
             e.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([selector, value]),
        )
        .await;
    }

    /// Scrolls an element to the top of the window, for a screenshot of it.
    pub async fn scroll_to(&self, selector: &str) {
        self.js(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'}); return true;",
            json!([selector]),
        )
        .await;
    }

    /// Runs axe-core in the page; fails on serious or critical violations, naming `what` was audited.
    pub async fn assert_accessible(&self, what: &str) {
        let axe = include_str!("axe.min.js");
        self.js(&format!("{axe}\n;return true;"), json!([])).await;
        let result = self
            .js_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))))
                   .catch(e => done([{id: 'axe-error', message: String(e)}]));",
            )
            .await;
        let violations = result.as_array().cloned().unwrap_or_default();
        assert!(
            violations.is_empty(),
            "axe found serious or critical problems on the {what}: {violations:#?}"
        );
    }

    /// Fails on any uncaught script error the page logged.
    pub async fn assert_no_script_errors(&self) {
        self.assert_console_free_of(&["Uncaught"]).await;
    }

    /// Fails on any uncaught script error or Content-Security-Policy refusal
    /// (the consoles load nothing their policy refuses; a hostile book may).
    pub async fn assert_no_script_errors_or_csp_refusals(&self) {
        self.assert_console_free_of(&["Uncaught", "Content Security Policy"])
            .await;
    }

    async fn assert_console_free_of(&self, needles: &[&str]) {
        let errors: Vec<String> = self
            .console()
            .await
            .into_iter()
            .filter(|line| needles.iter().any(|n| line.contains(n)))
            .collect();
        assert!(errors.is_empty(), "the page threw: {errors:#?}");
    }

    /// Clicks the element matching a CSS selector, as a user would.
    pub async fn click(&self, selector: &str) {
        let id = self.element(selector).await;
        self.call("POST", &format!("/element/{id}/click"), None)
            .await;
    }

    async fn element(&self, selector: &str) -> String {
        let body = json!({"using": "css selector", "value": selector});
        let value = self.call("POST", "/element", Some(body)).await;
        value
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {selector}"))
            .to_owned()
    }

    /// Types text into the element matching a CSS selector (for a file
    /// input: the paths of the files to choose, one per line).
    pub async fn type_into(&self, selector: &str, text: &str) {
        let id = self.element(selector).await;
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Clears an input or textarea matching a CSS selector.
    pub async fn clear(&self, selector: &str) {
        let id = self.element(selector).await;
        self.call("POST", &format!("/element/{id}/clear"), None)
            .await;
    }

    /// Resizes the browser window (for reflow checks such as 200 % zoom).
    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Presses keys (WebDriver key codes such as `\u{E014}` for the right arrow).
    pub async fn press(&self, keys: &[&str]) {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|k| {
                [
                    json!({"type": "keyDown", "value": k}),
                    json!({"type": "keyUp", "value": k}),
                ]
            })
            .collect();
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.call("POST", "/actions", Some(body)).await;
        self.call("DELETE", "/actions", None).await;
    }

    /// A tap (touch pointer) at viewport coordinates.
    pub async fn tap(&self, x: i64, y: i64) {
        let body = json!({"actions": [{"type": "pointer", "id": "finger",
        "parameters": {"pointerType": "touch"},
        "actions": [
            {"type": "pointerMove", "duration": 0, "x": x, "y": y},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0},
        ]}]});
        self.call("POST", "/actions", Some(body)).await;
        self.call("DELETE", "/actions", None).await;
    }

    /// A horizontal swipe with one finger, from `x0` to `x1` at height `y`.
    pub async fn swipe(&self, x0: i64, x1: i64, y: i64) {
        let body = json!({"actions": [{"type": "pointer", "id": "finger",
        "parameters": {"pointerType": "touch"},
        "actions": [
            {"type": "pointerMove", "duration": 0, "x": x0, "y": y},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "duration": 150, "x": x1, "y": y},
            {"type": "pointerUp", "button": 0},
        ]}]});
        self.call("POST", "/actions", Some(body)).await;
        self.call("DELETE", "/actions", None).await;
    }

    /// Text of an open `alert`/`confirm` dialog, if any.
    pub async fn open_dialog(&self) -> Option<String> {
        let url = format!("{}/alert/text", self.base);
        let response = self.http.get(url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let value: Value = response.json().await.ok()?;
        value["value"].as_str().map(str::to_owned)
    }

    /// The browser console's messages so far.
    pub async fn console(&self) -> Vec<String> {
        let value = self
            .call("POST", "/se/log", Some(json!({"type": "browser"})))
            .await;
        value
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| format!("{} {}", e["level"], e["message"]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// URLs of every request the page and its frames started since the last call.
    pub async fn requested_urls(&self) -> Vec<String> {
        let value = self
            .call("POST", "/se/log", Some(json!({"type": "performance"})))
            .await;
        let mut urls = Vec::new();
        for entry in value.as_array().into_iter().flatten() {
            let Some(text) = entry["message"].as_str() else {
                continue;
            };
            let Ok(message) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            let message = &message["message"];
            if message["method"] == "Network.requestWillBeSent"
                && let Some(url) = message["params"]["request"]["url"].as_str()
            {
                urls.push(url.to_owned());
            }
        }
        urls
    }

    /// Saves a PNG screenshot to `target/screenshots/{name}.png` for a person to look at.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use data_encoding::BASE64;
        let value = self.call("GET", "/screenshot", None).await;
        let png = BASE64
            .decode(value.as_str().expect("base64 PNG").as_bytes())
            .expect("valid base64");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the browser session (also done on drop, without waiting).
    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.base).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a panic there is no runtime to await on: close the session with a
        // plain blocking request so Chromium does not outlive the test.
        delete_blocking(&self.base);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn delete_blocking(url: &str) {
    use std::io::{Read, Write};
    let Some(rest) = url.strip_prefix("http://") else {
        return;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
