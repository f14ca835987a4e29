//! Throughput of QR rendering, printed by `cargo test --release --lib speed -- --ignored --nocapture`.

use super::{NOW, claims, keyring};
use crate::seat_codes::qr::{QrMatrix, render_png, render_svg};
use crate::seat_codes::{mint, seat_code_url};
use std::time::Instant;

fn urls(n: u16) -> Vec<String> {
    let keys = keyring();
    (1..=n)
        .map(|seat| {
            seat_code_url(
                "https://lire.example-rail.fr",
                &mint(&keys, &claims(4242, seat, 1), NOW).unwrap(),
            )
        })
        .collect()
}

fn rate(label: &str, urls: &[String], mut render: impl FnMut(&str) -> usize) {
    let started = Instant::now();
    let bytes: usize = urls.iter().map(|u| render(u)).sum();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label}: {:.0} codes/s ({} codes, {:.0} bytes each)",
        urls.len() as f64 / secs,
        urls.len(),
        bytes as f64 / urls.len() as f64
    );
}

#[test]
#[ignore = "measurement; run with --release --ignored --nocapture"]
fn qr_rendering_speed() {
    let urls = urls(2_000);
    rate("matrix only", &urls, |u| {
        QrMatrix::encode(u).unwrap().width()
    });
    rate("png (8 px/module)", &urls, |u| {
        render_png(&QrMatrix::encode(u).unwrap(), 8).len()
    });
    rate("svg", &urls, |u| {
        render_svg(&QrMatrix::encode(u).unwrap(), 8).len()
    });
    rate("qrcode crate default (matrix only)", &urls, |u| {
        qrcode::QrCode::with_error_correction_level(u, qrcode::EcLevel::Q)
            .unwrap()
            .width()
    });
}
