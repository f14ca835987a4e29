//! A loopback TCP relay in front of the app that can "enter a tunnel": while
//! offline it refuses every connection and cuts the open ones, so the browser
//! and its service worker really lose the network.
#![allow(dead_code, reason = "each browser test file uses part of the relay")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The relay; the browser talks to `addr`, the relay to the app.
pub struct Tunnel {
    /// Where the browser connects.
    pub addr: SocketAddr,
    online: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Tunnel {
    /// Starts relaying `127.0.0.1:0` to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Tunnel {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let online = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let tunnel = Tunnel {
            addr,
            online: online.clone(),
            cut: cut.clone(),
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
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
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
}
