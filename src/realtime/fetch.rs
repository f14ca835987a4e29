//! One HTTP fetch of a feed: conditional (the validators of the previous
//! answer), bounded in time (connect, headers and body together) and in
//! size (the body is read in chunks and dropped past the cap, so a huge or
//! endless answer costs at most the cap in memory).

use std::time::Duration;

use reqwest::header::{ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde::{Deserialize, Serialize};

/// The validators of the last answer with a body, sent back so that an
/// unchanged feed answers `304` without its body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// The `ETag` it carried.
    pub etag: Option<String>,
    /// Its `Last-Modified`.
    pub last_modified: Option<String>,
}

/// What a fetch brought.
#[derive(Debug)]
pub enum Fetched {
    /// `304`: the feed did not change since the validators' answer.
    NotModified,
    /// A new body, and its validators.
    Body(Vec<u8>, Validators),
}

/// Why a fetch failed; the previous state stays in force.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No complete answer in time (a server that never answers, or trickles).
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The body is larger than the cap.
    #[error("the feed is larger than {0} bytes")]
    TooLarge(usize),
    /// The server answered with an error status.
    #[error("the server answered HTTP {0}")]
    Status(u16),
    /// The connection failed.
    #[error("the request failed: {0}")]
    Http(String),
    /// The URL, or a redirect, leads to an address feeds may not be on.
    #[error("refused: {0}")]
    NotPublic(String),
}

/// Fetches feeds with one shared client (its connection pool is reused
/// across polls).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
    max_bytes: usize,
    allow_private: bool,
}

impl Fetcher {
    /// A fetcher with these bounds; unless `allow_private`, it connects
    /// to public addresses only (see [`super::address`]).
    pub fn new(timeout: Duration, max_bytes: usize, allow_private: bool) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(timeout)
            .redirect(redirects(allow_private))
            .user_agent(concat!(
                "trajet/",
                env!("CARGO_PKG_VERSION"),
                " (GTFS-Realtime)"
            ));
        if !allow_private {
            // The check must see the address actually connected to: through
            // a proxy from the environment it would only see the proxy's.
            builder = builder
                .dns_resolver(std::sync::Arc::new(super::address::PublicOnly))
                .no_proxy();
        }
        Ok(Self {
            client: builder.build()?,
            timeout,
            max_bytes,
            allow_private,
        })
    }

    /// GETs `url` with `headers` (the operator's, e.g. an API key) and the
    /// previous answer's validators.
    pub async fn fetch(
        &self,
        url: &str,
        headers: &HeaderMap,
        previous: &Validators,
    ) -> Result<Fetched, FetchError> {
        tokio::time::timeout(self.timeout, self.fetch_unbounded(url, headers, previous))
            .await
            .map_err(|_| FetchError::Timeout(self.timeout))?
    }

    async fn fetch_unbounded(
        &self,
        url: &str,
        headers: &HeaderMap,
        previous: &Validators,
    ) -> Result<Fetched, FetchError> {
        if !self.allow_private {
            // IP literals never reach the resolver.
            let parsed = reqwest::Url::parse(url).map_err(|e| FetchError::Http(e.to_string()))?;
            super::address::check_literal(&parsed).map_err(FetchError::NotPublic)?;
        }
        let mut request = self.client.get(url).headers(headers.clone());
        if let Some(etag) = &previous.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &previous.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
        // The error's text names the URL, never the headers.
        let mut response = request.send().await.map_err(http_error)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http_error)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body(body, validators))
    }
}

/// At most 3 redirects; unless `allow_private`, none to a non-public IP
/// literal (names go through the resolver).
fn redirects(allow_private: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 3 {
            return attempt.error("more than 3 redirects");
        }
        if !allow_private && let Err(why) = super::address::check_literal(attempt.url()) {
            return attempt.error(super::address::NotPublic(why));
        }
        attempt.follow()
    })
}

fn http_error(error: reqwest::Error) -> FetchError {
    // Without the URL: its query may carry the producer's key. The sources say why.
    let mut causes = String::new();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<super::address::NotPublic>() {
            return FetchError::NotPublic(refused.0.clone());
        }
        causes.push_str(": ");
        causes.push_str(&cause.to_string());
        source = cause.source();
    }
    FetchError::Http(format!("{}{causes}", error.without_url()))
}
