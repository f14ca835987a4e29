//! Seat codes on their hot paths: a token is verified on every scan; PNG and
//! SVG codes and the PDF sheet are rendered when an operator prints a train.
//!
//! Targets (issue 3): 4,000 PNG and 4,000 SVG codes per second on one core,
//! the 1,000-seat sheet in under 0.3 s. Run: `cargo bench --bench seat_codes`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use trajet::seat_codes::qr::{QrMatrix, render_png, render_svg};
use trajet::seat_codes::sheet::{LabelSpec, Layout, TripDisplay, render_sheet};
use trajet::seat_codes::{Car, Claims, Keyring, Seat, Window, mint, seat_code_url, verify};

/// 2027-01-15 08:00 UTC.
const NOW: i64 = 1_799_996_400;
const BASE_URL: &str = "https://lire.example-rail.fr";

fn claims(seat: u16) -> Claims {
    let start = NOW + 86_400;
    Claims {
        trip: 4242,
        seat: Seat(seat),
        car: Car(1),
        window: Window::from_unix_seconds(start, start + 2 * 3_600).expect("a valid window"),
    }
}

fn urls(keys: &Keyring, n: u16) -> Vec<String> {
    (1..=n)
        .map(|seat| seat_code_url(BASE_URL, &mint(keys, &claims(seat), NOW).expect("minted")))
        .collect()
}

fn tokens(c: &mut Criterion) {
    let keys = Keyring::generate(NOW).expect("a keyring");
    let token = mint(&keys, &claims(12), NOW).expect("minted");
    let mut group = c.benchmark_group("token");
    group.bench_function("mint", |b| {
        b.iter(|| mint(&keys, black_box(&claims(12)), NOW))
    });
    group.bench_function("verify", |b| {
        b.iter(|| verify(&keys, black_box(token.as_str())))
    });
    group.finish();
}

/// Codes per second: one element is one code, from URL to image bytes.
fn qr_codes(c: &mut Criterion) {
    let keys = Keyring::generate(NOW).expect("a keyring");
    let urls = urls(&keys, 1_000);
    let mut group = c.benchmark_group("qr");
    group.throughput(Throughput::Elements(1));
    let mut next = urls.iter().cycle();
    group.bench_function("matrix", |b| {
        b.iter(|| QrMatrix::encode(next.next().expect("cycle")))
    });
    group.bench_function("png_8px", |b| {
        b.iter(|| {
            render_png(
                &QrMatrix::encode(next.next().expect("cycle")).expect("fits"),
                8,
            )
        })
    });
    group.bench_function("svg", |b| {
        b.iter(|| {
            render_svg(
                &QrMatrix::encode(next.next().expect("cycle")).expect("fits"),
                8,
            )
        })
    });
    group.finish();
}

fn sheet(c: &mut Criterion) {
    let keys = Keyring::generate(NOW).expect("a keyring");
    let trip = TripDisplay {
        line: "TER Auvergne-Rhône-Alpes".into(),
        train_number: "17423".into(),
        service_date: "2027-01-16".into(),
        origin: "Clermont-Ferrand".into(),
        destination: "Lyon Part-Dieu".into(),
    };
    let labels: Vec<LabelSpec> = urls(&keys, 1_000)
        .into_iter()
        .enumerate()
        .map(|(i, url)| LabelSpec {
            seat: Seat(i as u16 + 1),
            car: Car(1 + (i / 100) as u8),
            url,
        })
        .collect();
    let mut group = c.benchmark_group("sheet");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("pdf_1000_seats", |b| {
        b.iter_batched(
            || labels.clone(),
            |labels| render_sheet(&trip, &labels, Layout::default()).expect("a sheet"),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, tokens, qr_codes, sheet);
criterion_main!(benches);
