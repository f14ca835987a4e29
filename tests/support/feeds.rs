//! A GTFS-Realtime producer on loopback: serves what the test sets (a feed
//! with its ETag, raw bytes, an error status, or no answer at all) and
//! keeps the headers of every request it got.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// What the producer answers.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A feed body with its ETag (`304` when the request names it).
    Feed { bytes: Vec<u8>, etag: String },
    /// These bytes, as a `200`.
    Bytes(Vec<u8>),
    /// An empty answer with this status.
    Status(u16),
    /// Headers and then never the body's end (a producer that hangs).
    Hang,
}

#[derive(Clone)]
struct Shared {
    reply: Arc<Mutex<Reply>>,
    seen: Arc<Mutex<Vec<HeaderMap>>>,
}

/// The producer: `url()` to point trajet at, `set` to change its answer.
pub struct FeedServer {
    pub addr: SocketAddr,
    shared: Shared,
}

impl FeedServer {
    /// Starts serving `reply` at `/feed.pb` on `127.0.0.1:0`.
    pub async fn start(reply: Reply) -> Self {
        let shared = Shared {
            reply: Arc::new(Mutex::new(reply)),
            seen: Arc::default(),
        };
        let app = Router::new()
            .route("/feed.pb", get(answer))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, shared }
    }

    /// The feed's URL.
    pub fn url(&self) -> String {
        format!("http://{}/feed.pb", self.addr)
    }

    /// Answers `reply` from now on.
    pub fn set(&self, reply: Reply) {
        *self.shared.reply.lock().unwrap() = reply;
    }

    /// The headers of every request so far.
    pub fn requests(&self) -> Vec<HeaderMap> {
        self.shared.seen.lock().unwrap().clone()
    }
}

async fn answer(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    shared.seen.lock().unwrap().push(headers.clone());
    let reply = shared.reply.lock().unwrap().clone();
    match reply {
        Reply::Feed { bytes, etag } => {
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v == etag.as_str())
            {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            (
                [
                    (header::ETAG, etag),
                    (header::CONTENT_TYPE, "application/x-protobuf".into()),
                ],
                bytes,
            )
                .into_response()
        }
        Reply::Bytes(bytes) => bytes.into_response(),
        Reply::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
        Reply::Hang => {
            // A body that never ends: the stream stays pending.
            let body = axum::body::Body::from_stream(futures_util::stream::pending::<
                Result<Vec<u8>, std::io::Error>,
            >());
            (StatusCode::OK, body).into_response()
        }
    }
}
