//! The server stays responsive under slow clients and refuses oversized bodies
//! before reading them.

mod support;

use std::time::{Duration, Instant};

use support::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_header_dribblers_do_not_stop_normal_requests_and_are_cut_off() {
    // A request stuck behind the dribblers would wait for the header timeout:
    // normal requests must answer well within it, on a busy machine too.
    let header_timeout = Duration::from_secs(6);
    let app = TestApp::with_config(None, |c| c.http.header_timeout = header_timeout).await;
    let addr = app.spawn_server().await;

    // 200 clients that send a header byte now and then, never finishing.
    let mut dribblers = Vec::new();
    for _ in 0..200 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        dribblers.push(s);
    }
    let dribbling = tokio::spawn(async move {
        let started = Instant::now();
        let mut closed_after = Vec::new();
        for mut s in dribblers {
            let mut buf = [0u8; 256];
            // Keep dribbling until the server closes us (bounded).
            loop {
                if s.write_all(b"a").await.is_err() {
                    break;
                }
                match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(_)) => break, // a 408/400 answer, then close
                    Err(_) => {}
                }
                assert!(
                    started.elapsed() < header_timeout * 5,
                    "a dribbler was never cut off"
                );
            }
            closed_after.push(started.elapsed());
        }
        closed_after
    });

    let client = reqwest::Client::new();
    for _ in 0..50 {
        let started = Instant::now();
        let response = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            started.elapsed() < header_timeout / 2,
            "a normal request waited {:?}",
            started.elapsed()
        );
    }
    let closed_after = dribbling.await.unwrap();
    assert_eq!(closed_after.len(), 200);
    let last = closed_after.iter().max().unwrap();
    assert!(
        *last < header_timeout * 3,
        "every dribbler was closed after the header timeout (last at {last:?})"
    );
}

#[tokio::test]
async fn oversized_body_gets_413_before_it_is_sent() {
    let app = TestApp::new(None).await;
    let addr = app.spawn_server().await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    // Declare 100 MB but send none of it: the answer must come anyway.
    s.write_all(b"POST /api/v1/operator/trips HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("answered without the body")
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("application/problem+json"), "{head}");
    assert!(head.contains("body-too-large"), "{head}");
}

#[tokio::test]
async fn silent_connections_are_closed_after_the_idle_timeout() {
    let app = TestApp::with_config(None, |c| {
        c.http.idle_timeout = Duration::from_secs(1);
        c.http.header_timeout = Duration::from_secs(30);
    })
    .await;
    let addr = app.spawn_server().await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("closed by the server")
        .unwrap_or(0);
    assert_eq!(n, 0);
}

async fn operator_key(app: &TestApp) -> String {
    let (_, key) = app
        .state
        .accounts
        .create_with_key(trajet::accounts::Role::Operator, "TER Auvergne")
        .await
        .unwrap();
    key
}

/// Reads what the server answers within five seconds (the head is enough).
async fn answer(s: &mut TcpStream) -> String {
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("the server answered in time")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_cut_off_while_it_arrives() {
    let app = TestApp::with_config(None, |c| c.http.json_body_limit = 1024).await;
    let key = operator_key(&app).await;
    let addr = app.spawn_server().await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    // No Content-Length: only counting the bytes as they arrive can stop it.
    let head = format!(
        "POST /api/v1/operator/trips HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("800\r\n{}\r\n", " ".repeat(0x800));
    s.write_all(chunk.as_bytes()).await.unwrap();
    let head = answer(&mut s).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("body-too-large"), "{head}");
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_after_the_body_timeout() {
    let app = TestApp::with_config(None, |c| {
        c.http.body_timeout = Duration::from_secs(1);
        c.http.idle_timeout = Duration::from_secs(30);
    })
    .await;
    let key = operator_key(&app).await;
    let addr = app.spawn_server().await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/operator/trips HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"line\":"
    );
    let started = Instant::now();
    s.write_all(head.as_bytes()).await.unwrap();
    let head = answer(&mut s).await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "answered before the timeout: {head}"
    );
    assert!(head.starts_with("HTTP/1.1 4"), "{head}");
    assert!(head.contains("application/problem+json"), "{head}");
}

#[tokio::test]
async fn the_configured_body_limit_replaces_axums_default_of_2_mib() {
    let app = TestApp::with_config(None, |c| c.http.json_body_limit = 4 << 20).await;
    let key = operator_key(&app).await;
    let trip = r#"{"line": "TER 17", "train_number": "17423", "origin": "Clermont-Ferrand",
        "destination": "Lyon Part-Dieu", "departs_at": "2026-11-28T11:29:00+01:00",
        "arrives_at": "2026-11-28T12:41:00+01:00", "seats": 80, "timezone": "Europe/Paris"}"#;
    // 3 MiB of JSON whitespace: over axum's default limit, under the configured one.
    let body = format!("{}{trip}", " ".repeat(3 << 20));
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/operator/trips")
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    let response = support::send(&app.router, request).await;
    assert_eq!(response.status(), axum::http::StatusCode::CREATED);
}

/// A socket from a given loopback source address.
async fn connect_from(source: &str, addr: std::net::SocketAddr) -> std::io::Result<TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().unwrap())?;
    socket.connect(addr).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_sending_bodies_slowly_cannot_take_every_connection_and_is_cut_off() {
    let app = TestApp::with_config(None, |c| {
        c.http.max_connections = 40;
        c.http.max_connections_per_address = 10;
        c.http.body_timeout = Duration::from_secs(3);
        c.http.idle_timeout = Duration::from_secs(60);
    })
    .await;
    let addr = app.spawn_server().await;

    // 40 sockets from 127.0.0.3, each declaring a 60,000-byte sign-in body
    // and sending a byte a second.
    let head = format!(
        "POST /api/v1/console/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nX-Trajet-Console: 1\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{{"
    );
    let mut attackers = Vec::new();
    for _ in 0..40 {
        let mut s = connect_from("127.0.0.3", addr).await.unwrap();
        if s.write_all(head.as_bytes()).await.is_ok() {
            attackers.push(s);
        }
    }
    let started = Instant::now();
    let trickling = tokio::spawn(async move {
        let mut closed_after = Vec::new();
        let mut open = attackers;
        while !open.is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(40),
                "{} slow bodies were never cut off",
                open.len()
            );
            let mut still = Vec::new();
            for mut s in open {
                let mut buf = [0u8; 512];
                let cut = s.write_all(b" ").await.is_err()
                    || matches!(
                        tokio::time::timeout(Duration::from_millis(20), s.read(&mut buf)).await,
                        Ok(Ok(_) | Err(_))
                    );
                if cut {
                    closed_after.push(started.elapsed());
                } else {
                    still.push(s);
                }
            }
            open = still;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        closed_after
    });

    // Meanwhile a normal client on 127.0.0.2 is served.
    let client = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    for _ in 0..10 {
        let response = tokio::time::timeout(
            Duration::from_secs(10),
            client.get(format!("http://{addr}/healthz")).send(),
        )
        .await
        .expect("the normal client is answered")
        .expect("the normal client gets a connection");
        assert_eq!(response.status(), 200);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let closed_after = trickling.await.unwrap();
    assert_eq!(closed_after.len(), 40, "every slow socket ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_only_its_share_of_the_connection_slots() {
    let app = TestApp::with_config(None, |c| {
        c.http.max_connections = 20;
        c.http.max_connections_per_address = 5;
        c.http.header_timeout = Duration::from_secs(60);
        c.http.idle_timeout = Duration::from_secs(60);
    })
    .await;
    let addr = app.spawn_server().await;
    // 20 open connections from 127.0.0.3 that send nothing yet.
    let mut held = Vec::new();
    for _ in 0..20 {
        held.push(connect_from("127.0.0.3", addr).await.unwrap());
    }
    let client = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(10),
        client.get(format!("http://{addr}/healthz")).send(),
    )
    .await
    .expect("answered")
    .expect("a slot was left for another address");
    assert_eq!(response.status(), 200);
    // The sixth connection of 127.0.0.3 was closed at accept.
    let mut closed = 0;
    for s in &mut held {
        let mut buf = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await
        {
            closed += 1;
        }
    }
    assert_eq!(closed, 15, "all but the address's share were refused");
}
