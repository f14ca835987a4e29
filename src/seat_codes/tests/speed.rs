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

#[test]
#[ignore = "measurement; run with --release --ignored --nocapture"]
fn sheet_rendering_speed() {
    use crate::seat_codes::sheet::{LabelSpec, Layout, TripDisplay, render_sheet};
    use crate::seat_codes::{Car, Seat};
    let trip = TripDisplay {
        line: "TER".into(),
        train_number: "17423".into(),
        service_date: "2027-01-22".into(),
        origin: "Clermont-Ferrand".into(),
        destination: "Lyon Part-Dieu".into(),
    };
    let labels: Vec<LabelSpec> = urls(1_000)
        .into_iter()
        .enumerate()
        .map(|(i, url)| LabelSpec {
            seat: Seat(i as u16 + 1),
            car: Car(1),
            url,
        })
        .collect();
    for _ in 0..3 {
        let started = Instant::now();
        let pdf = render_sheet(&trip, &labels, Layout::default()).unwrap();
        println!(
            "sheet of 1,000 labels: {:.3} s, {} KB",
            started.elapsed().as_secs_f64(),
            pdf.len() / 1024
        );
    }
}
