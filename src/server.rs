//! The HTTP server loop, on hyper directly so the limits are real:
//! a timer for hyper's header-read timeout, an idle timeout per connection,
//! a cap on open connections with a share per address, and graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::{HttpLimits, TrustedProxies};

/// How long in-flight requests may run after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Binds a listener, with an error that names the address.
pub async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {address}: {e}"))
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets
/// in-flight requests finish (up to a grace period).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let shares = Arc::new(AddressShares::new(&limits));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let http = Arc::new(http);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors or similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(share) = shares.take(peer.ip()) else {
            tracing::debug!(%peer, "this address holds its share of connections; refusing one");
            drop(stream);
            continue;
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tracing::warn!("connection cap reached; refusing a connection");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let io = ActivityIo::new(stream);
        let activity = io.activity.clone();
        let connection = graceful.watch(http.serve_connection(TokioIo::new(io), service));
        let idle = limits.idle_timeout;
        tokio::spawn(async move {
            let _permit = (permit, share);
            run_until_idle(connection, activity, idle, peer).await;
        });
    }
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some requests did not finish within the grace period");
    }
}

/// The connections each peer address holds, so one address cannot take
/// every slot (say, with bodies sent a byte at a time). By peer address: at
/// accept only the TCP peer is known. Trusted proxies carry many clients and
/// are exempt. Only addresses with open connections are remembered, so the
/// map never holds more than `max_connections` entries.
struct AddressShares {
    per_address: usize,
    proxies: TrustedProxies,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl AddressShares {
    fn new(limits: &HttpLimits) -> Self {
        Self {
            per_address: limits.max_connections_per_address,
            proxies: limits.trusted_proxies.clone(),
            open: Mutex::default(),
        }
    }

    /// One more connection for `ip`, unless it holds its share already.
    fn take(self: &Arc<Self>, ip: IpAddr) -> Option<Share> {
        let ip = ip.to_canonical();
        if self.proxies.contains(ip) {
            return Some(Share(None));
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.per_address {
            return None;
        }
        *count += 1;
        Some(Share(Some((self.clone(), ip))))
    }
}

/// A connection's part of its address's share, given back on drop.
struct Share(Option<(Arc<AddressShares>, IpAddr)>);

impl Drop for Share {
    fn drop(&mut self) {
        let Some((shares, ip)) = self.0.take() else {
            return;
        };
        let mut open = shares.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// Drives a connection; drops it once no byte moved for `idle`.
async fn run_until_idle<C, E>(
    connection: C,
    activity: Arc<Activity>,
    idle: Duration,
    peer: SocketAddr,
) where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    tokio::pin!(connection);
    loop {
        let deadline = activity.last() + idle;
        tokio::select! {
            result = &mut connection => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(deadline) => {
                if activity.last() + idle <= Instant::now() {
                    tracing::debug!(%peer, "closing an idle connection");
                    return;
                }
            }
        }
    }
}

/// The last time bytes moved on a connection.
struct Activity {
    origin: Instant,
    millis: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        self.millis
            .store(self.origin.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
    fn last(&self) -> Instant {
        self.origin + Duration::from_millis(self.millis.load(Ordering::Relaxed))
    }
}

/// A TCP stream that records activity on every read and write.
struct ActivityIo {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl ActivityIo {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            activity: Arc::new(Activity {
                origin: Instant::now(),
                millis: AtomicU64::new(0),
            }),
        }
    }
}

impl AsyncRead for ActivityIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for ActivityIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
