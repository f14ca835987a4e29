//! Request bodies: a size limit that the route chooses and a deadline for the
//! whole body.
//!
//! Every body gets the JSON limit unless its route takes uploads: the
//! `Uploads` layer on an upload handler raises the limit of its requests (the
//! route says what it needs; no path is compared). The whole body must arrive
//! within the body timeout plus the time to send it at the minimum upload
//! rate: a timeout per chunk would let a client hold a connection for ever by
//! sending a byte now and then. Both are checked as the body is read, so a
//! handler reads a body only once its cheap checks (credentials, origin,
//! limits) have passed.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use hyper::body::{Body as _, Frame, SizeHint};
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

use crate::config::HttpLimits;

/// Why a body was refused while it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyRefused {
    /// Larger than the route's limit (declared or counted).
    #[error("the request body is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The route's limit, in bytes.
        limit: usize,
    },
    /// The whole body did not arrive by its deadline.
    #[error("the request body did not arrive in time")]
    TimedOut,
}

impl BodyRefused {
    /// The refusal somewhere in an error's chain of causes (extractors and
    /// multipart parsing wrap body errors a few levels deep).
    pub fn find(error: &(dyn std::error::Error + 'static)) -> Option<BodyRefused> {
        let mut source = Some(error);
        while let Some(e) = source {
            if let Some(refused) = e.downcast_ref::<BodyRefused>() {
                return Some(*refused);
            }
            source = e.source();
        }
        None
    }
}

/// The limit of one request's body, shared between the body and the route's
/// layer: the router's middleware wraps the body before routing, and the
/// route, inside it, may raise the limit before its handler reads a byte.
#[derive(Debug)]
pub struct BodyBudget {
    limit: AtomicUsize,
    upload_limit: usize,
}

impl BodyBudget {
    /// Lets the body reach the upload limit.
    fn allow_upload(&self) {
        self.limit.store(self.upload_limit, Ordering::Relaxed);
    }

    fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }
}

/// The rules every body is read under, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct BodyRules {
    json_limit: usize,
    upload_limit: usize,
    timeout: Duration,
    min_rate: u64,
}

impl BodyRules {
    /// The rules of the server's limits.
    pub fn new(limits: &HttpLimits) -> Self {
        Self {
            json_limit: limits.json_body_limit,
            upload_limit: limits.upload_limit,
            timeout: limits.body_timeout,
            min_rate: limits.body_min_bytes_per_second.max(1),
        }
    }

    /// The largest limit, when a declared length is over every route's limit
    /// (refused before routing).
    pub fn over_every_limit(&self, headers: &HeaderMap) -> Option<usize> {
        let largest = self.json_limit.max(self.upload_limit);
        declared_length(headers)
            .is_some_and(|length| length > largest as u64)
            .then_some(largest)
    }

    /// Whether `guard` wrapped the request's body.
    pub fn is_guarded(request: &Request) -> bool {
        request.extensions().get::<Arc<BodyBudget>>().is_some()
    }

    /// Wraps the request's body in its limit and deadline (bodiless requests
    /// stay as they are). axum's own 2 MiB default is turned off by the
    /// caller: this limit replaces it.
    pub fn guard(&self, request: Request) -> Request {
        if request.body().is_end_stream() {
            return request;
        }
        let budget = Arc::new(BodyBudget {
            limit: AtomicUsize::new(self.json_limit),
            upload_limit: self.upload_limit,
        });
        let (mut parts, body) = request.into_parts();
        parts.extensions.insert(budget.clone());
        let guarded = GuardedBody {
            inner: body,
            budget,
            started: Instant::now(),
            timeout: self.timeout,
            min_rate: self.min_rate,
            received: 0,
            checked_declared: false,
            sleep: None,
        };
        Request::from_parts(parts, Body::new(guarded))
    }
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// A body read under its budget and deadline.
struct GuardedBody {
    inner: Body,
    budget: Arc<BodyBudget>,
    started: Instant,
    timeout: Duration,
    /// Bytes per second a large body must keep up, on average.
    min_rate: u64,
    received: u64,
    checked_declared: bool,
    // Made only when the body has to wait for the client: most bodies arrive
    // with their headers and never need a timer.
    sleep: Option<Pin<Box<Sleep>>>,
}

impl GuardedBody {
    /// The body timeout, plus the time to send the larger of what was
    /// declared and what arrived at the minimum rate.
    fn deadline(&self) -> Instant {
        // Known length: what arrived plus what remains; chunked: what arrived.
        let size = self.received + self.inner_size();
        self.started + self.timeout + Duration::from_secs_f64(size as f64 / self.min_rate as f64)
    }

    fn inner_size(&self) -> u64 {
        self.inner.size_hint().lower()
    }

    fn refuse(
        &mut self,
        refused: BodyRefused,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        self.sleep = None;
        Poll::Ready(Some(Err(refused.into())))
    }
}

impl hyper::body::Body for GuardedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        let limit = this.budget.limit();
        if !this.checked_declared {
            this.checked_declared = true;
            // A declared length over the limit is refused before a byte is read.
            if this.inner_size() > limit as u64 {
                return this.refuse(BodyRefused::TooLarge { limit });
            }
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                    if this.received > limit as u64 {
                        return this.refuse(BodyRefused::TooLarge { limit });
                    }
                }
                if Instant::now() > this.deadline() {
                    return this.refuse(BodyRefused::TimedOut);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other.map(|r| r.map_err(Into::into))),
            Poll::Pending => {
                let deadline = this.deadline();
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.deadline() != deadline {
                    sleep.as_mut().reset(deadline);
                }
                ready!(sleep.as_mut().poll(cx));
                this.refuse(BodyRefused::TimedOut)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The layer of a handler that takes uploads (EPUBs, GTFS feeds): its body
/// may reach the upload limit instead of the JSON limit.
#[derive(Debug, Clone, Copy)]
pub struct Uploads;

impl<S> Layer<S> for Uploads {
    type Service = UploadService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        UploadService { inner }
    }
}

/// The service of `Uploads`.
#[derive(Debug, Clone)]
pub struct UploadService<S> {
    inner: S,
}

impl<S> Service<Request> for UploadService<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if let Some(budget) = request.extensions().get::<Arc<BodyBudget>>() {
            budget.allow_upload();
        }
        self.inner.call(request)
    }
}

/// Turns axum's own body limit off for a guarded request: the guard's limit
/// replaces it (axum's extractors would otherwise stop at 2 MiB).
pub fn without_axum_limit<S>(inner: S) -> <DefaultBodyLimit as Layer<S>>::Service {
    DefaultBodyLimit::disable().layer(inner)
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn rules(json_limit: usize, timeout: Duration) -> BodyRules {
        BodyRules {
            json_limit,
            upload_limit: json_limit * 100,
            timeout,
            min_rate: 1024,
        }
    }

    async fn read(request: Request) -> Result<Bytes, Option<BodyRefused>> {
        match request.into_body().collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) => Err(BodyRefused::find(&e)),
        }
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_before_reading() {
        let request = Request::new(Body::from(vec![b' '; 2000]));
        let refused = read(rules(1000, Duration::from_secs(5)).guard(request)).await;
        assert_eq!(refused, Err(Some(BodyRefused::TooLarge { limit: 1000 })));
    }

    #[tokio::test]
    async fn the_upload_layer_raises_the_limit_of_its_route() {
        let request =
            rules(1000, Duration::from_secs(5)).guard(Request::new(Body::from(vec![b' '; 2000])));
        request
            .extensions()
            .get::<Arc<BodyBudget>>()
            .unwrap()
            .allow_upload();
        assert_eq!(read(request).await.unwrap().len(), 2000);
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_trickling_in_is_cut_at_its_deadline_however_often_bytes_arrive() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(1);
        let body = Body::from_stream(tokio_stream_from(rx));
        let request = rules(1000, Duration::from_secs(10)).guard(Request::new(body));
        let reading = tokio::spawn(read(request));
        // A byte a second: each would restart a per-chunk timeout.
        for _ in 0..30 {
            if tx.send(Ok(Bytes::from_static(b" "))).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        assert_eq!(reading.await.unwrap(), Err(Some(BodyRefused::TimedOut)));
    }

    fn tokio_stream_from(
        mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, Infallible>>,
    ) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
        futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}
