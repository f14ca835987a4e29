//! A loopback TCP relay in front of the app that can "enter a tunnel": while
//! offline it refuses every connection and cuts the open ones, so the browser
//! and its service worker really lose the network. It also notes the request
//! line of every request that reached the network (what a phone downloads).
#![allow(dead_code, reason = "each browser test file uses part of the relay")]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The relay; the browser talks to `addr`, the relay to the app.
pub struct Tunnel {
    /// Where the browser connects.
    pub addr: SocketAddr,
    online: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Tunnel {
    /// Starts relaying `127.0.0.1:0` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Tunnel {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let online = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let tunnel = Tunnel {
            addr,
            online: online.clone(),
            cut: cut.clone(),
            requests: requests.clone(),
        };
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if !online.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut_rx = cut.subscribe();
                let requests = requests.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut from_client, mut to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let up = async {
                        let mut buf = vec![0u8; 16 * 1024];
                        while let Ok(n) = from_client.read(&mut buf).await {
                            if n == 0 || to_server.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                            note_requests(&buf[..n], &requests);
                        }
                        let _ = to_server.shutdown().await;
                    };
                    // A connection the server closes (its idle timeout) is closed
                    // for the browser too, or the browser would send its next
                    // request into a connection nobody answers.
                    let down = async {
                        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                        let _ = to_client.shutdown().await;
                    };
                    tokio::select! {
                        _ = async { tokio::join!(up, down) } => {}
                        _ = cut_rx.changed() => {}
                    }
                });
            }
        });
        tunnel
    }

    /// Base URL of the relayed app.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Loses the network: open connections are cut, new ones refused.
    pub fn go_offline(&self) {
        self.online.store(false, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    /// The network is back.
    pub fn go_online(&self) {
        self.online.store(true, Ordering::SeqCst);
    }

    /// Request lines ("GET /read") that went through, oldest first.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Notes the request lines in bytes from the browser (requests are small
/// enough to arrive in one read; bodies are JSON, never a request line).
fn note_requests(bytes: &[u8], requests: &Mutex<Vec<String>>) {
    let text = String::from_utf8_lossy(bytes);
    for line in text.split("\r\n") {
        let mut words = line.split(' ');
        let (Some(method), Some(target), Some(version)) =
            (words.next(), words.next(), words.next())
        else {
            continue;
        };
        let method_like = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
        if method_like && version.starts_with("HTTP/1.") {
            requests.lock().unwrap().push(format!("{method} {target}"));
        }
    }
}
