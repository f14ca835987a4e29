//! The reference server of the load test: the hardware's limit for serving a
//! chapter to a session. axum, one route, the chapter's bytes from memory
//! after one Redis `GET` through one shared `ConnectionManager`: what trajet's
//! chapter route would cost if it did nothing else.
//!
//! It links the trajet library for the same runtime settings, and so also
//! allocates with trajet's allocator (mimalloc).
//!
//! `reference_server ADDR CHAPTER_FILE [auto|multi|current]` with `REDIS_URL`
//! set; the session key is `bench:session`. The runtime follows trajet's
//! rule: `auto` (the default, like trajet's `runtime = "auto"`) is
//! `current_thread` when the process may use one CPU only, else
//! multi-threaded; `multi` and `current` force one.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use redis::aio::ConnectionManager;
use trajet::config::{RuntimeKind, RuntimeSettings};

#[derive(Clone)]
struct Reference {
    redis: ConnectionManager,
    chapter: Bytes,
}

async fn serve_chapter(State(state): State<Reference>) -> Response {
    let mut redis = state.redis.clone();
    let session: redis::RedisResult<Option<String>> = redis::cmd("GET")
        .arg("bench:session")
        .query_async(&mut redis)
        .await;
    match session {
        Ok(Some(_)) => (
            [(header::CONTENT_TYPE, "application/xhtml+xml; charset=utf-8")],
            state.chapter.clone(),
        )
            .into_response(),
        Ok(None) => StatusCode::UNAUTHORIZED.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn serve(addr: SocketAddr, chapter_file: String) -> anyhow::Result<()> {
    let url = std::env::var("REDIS_URL").map_err(|_| anyhow::anyhow!("REDIS_URL is not set"))?;
    let redis = ConnectionManager::new(redis::Client::open(url)?).await?;
    let chapter = Bytes::from(std::fs::read(&chapter_file)?);
    let router = Router::new()
        .route("/chapter", get(serve_chapter))
        .with_state(Reference { redis, chapter });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // Like trajet's server loop: no Nagle delay on responses.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router).await?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, chapter_file, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: reference_server ADDR CHAPTER_FILE [multi|current]");
    };
    let addr: SocketAddr = addr.parse()?;
    let kind = match rest.first().map(String::as_str) {
        None | Some("auto") => RuntimeKind::Auto,
        Some("multi") => RuntimeKind::MultiThread,
        Some("current") => RuntimeKind::CurrentThread,
        Some(other) => anyhow::bail!("runtime {other:?}: expected auto, multi or current"),
    };
    // The same runtime settings as trajet, built by the same code.
    let runtime = RuntimeSettings {
        kind,
        worker_threads: 0,
    }
    .build()?;
    runtime.block_on(serve(addr, chapter_file.clone()))
}
