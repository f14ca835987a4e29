//! The built binary carries what it serves: started from an empty folder with
//! nothing but a data directory, it serves the reader and the consoles, and
//! loads the sample catalog behind a demo seat code. Nothing is looked up
//! relative to the folder it was started from.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};

/// The sample catalog's titles (`catalog/*/OEBPS/content.opf`).
const SAMPLE_TITLES: [&str; 4] = [
    "La Passagère de 17 h 42",
    "La Ligne des Trois Vallées",
    "Lost Property",
    "The Night Conductor",
];

/// The `trajet` binary serving on a free loopback port; killed on drop.
struct Service {
    child: Child,
    base: String,
    /// What it printed (stdout and stderr), line by line.
    lines: mpsc::Receiver<String>,
    _folders: [tempfile::TempDir; 2],
}

impl Service {
    /// Starts `trajet` from an empty folder, with a data directory of its own
    /// and no configuration beyond the listen address.
    fn start() -> Service {
        Self::start_with(&[])
    }

    /// [`Self::start`] with these environment variables too.
    fn start_with(vars: &[(&str, &str)]) -> Service {
        let (folder, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let base = format!("http://127.0.0.1:{}", support::free_port());
        let mut child = Command::new(env!("CARGO_BIN_EXE_trajet"))
            .current_dir(folder.path())
            .env("TRAJET_DATA_DIR", data.path())
            .env("TRAJET_LISTEN", base.trim_start_matches("http://"))
            .env("RUST_LOG", "info")
            .env_remove("TRAJET_CONFIG")
            .env_remove("TRAJET_PUBLIC_URL")
            .env_remove("TRAJET_STATIC_DIR")
            .env_remove("TRAJET_SAMPLE_CATALOG")
            .env_remove("REDIS_URL")
            .env_remove("TRAJET_METRICS_LISTEN")
            .envs(vars.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = mpsc::channel();
        forward(child.stdout.take().unwrap(), send.clone());
        forward(child.stderr.take().unwrap(), send);
        Service {
            child,
            base,
            lines,
            _folders: [folder, data],
        }
    }

    /// The demo seat code URL it logs, read up to the line saying it serves.
    fn demo_url(&self) -> String {
        let mut seen = Vec::new();
        let mut demo = None;
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(300))
                .unwrap_or_else(|e| panic!("trajet stopped or hung ({e}); it said:\n{seen:#?}"));
            // The log line, on the same stream as the one saying it serves (stdout may lag).
            if let Some((_, url)) = line.split_once("demo trip running now url=") {
                demo = Some(url.trim().to_owned());
            }
            let serving = line.contains("trajet is serving");
            seen.push(line);
            if serving {
                return demo
                    .unwrap_or_else(|| panic!("no demo seat code; trajet said:\n{seen:#?}"));
            }
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends each line `from` prints, until it closes.
fn forward(from: impl Read + Send + 'static, to: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if to.send(line).is_err() {
                return;
            }
        }
    });
}

#[tokio::test]
async fn the_binary_started_from_an_empty_folder_serves_its_pages_and_the_sample_catalog() {
    let service = Service::start();
    let demo = service.demo_url();
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();

    for page in ["/", "/read", "/publisher", "/operator"] {
        let response = http
            .get(format!("{}{page}", service.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{page}");
        let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap();
        assert!(
            content_type.starts_with("text/html"),
            "{page}: {content_type}"
        );
        let body = response.text().await.unwrap();
        assert!(body.contains("<html"), "{page}: {body}");
    }

    // The pages' assets come compressed, from the mirror of the built-in pages.
    let script = http
        .get(format!("{}/static/reader/app.js", service.base))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()[CONTENT_ENCODING], "br");

    // The demo seat code opens a reader on the sample catalog.
    let reader = http.get(&demo).send().await.unwrap();
    assert_eq!(reader.status(), 200, "{demo}");
    assert_eq!(reader.url().path(), "/read");
    let catalog: serde_json::Value = http
        .get(format!("{}/api/v1/catalog", service.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut titles: Vec<&str> = catalog["titles"]
        .as_array()
        .unwrap_or_else(|| panic!("{catalog}"))
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    titles.sort();
    let mut expected = SAMPLE_TITLES;
    expected.sort();
    assert_eq!(titles, expected);

    // Without TRAJET_METRICS_LISTEN the metrics are on the one listener.
    let metrics = http
        .get(format!("{}/metrics", service.base))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
}

#[tokio::test]
async fn with_a_metrics_listener_the_metrics_are_served_there_only() {
    let metrics_base = format!("127.0.0.1:{}", support::free_port());
    let service = Service::start_with(&[("TRAJET_METRICS_LISTEN", &metrics_base)]);
    service.demo_url();
    let http = reqwest::Client::new();
    let get = |url: String| {
        let http = http.clone();
        async move { http.get(url).send().await.unwrap() }
    };

    let public = get(format!("{}/metrics", service.base)).await;
    assert_eq!(public.status(), 404, "never on the public listener");
    let metrics = get(format!("http://{metrics_base}/metrics")).await;
    assert_eq!(metrics.status(), 200);
    let content_type = metrics.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = metrics.text().await.unwrap();
    for family in [
        "# TYPE trajet_http_requests counter",
        "# TYPE trajet_scans counter",
        "# EOF",
    ] {
        assert!(text.contains(family), "{family} missing from:\n{text}");
    }
    // The public listener's own requests are counted there, the 404 included.
    assert!(text.contains("status=\"404\""), "{text}");
    // Only the metrics: the service's pages and API are not on that address.
    for path in ["/", "/healthz", "/api/v1/catalog"] {
        let response = get(format!("http://{metrics_base}{path}")).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    assert_eq!(get(format!("{}/healthz", service.base)).await.status(), 200);
}
