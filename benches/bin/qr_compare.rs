//! trajet's side of `scripts/bench/qr_compare.sh`, which times the same
//! 1,000 seat code URLs through trajet and other ecosystems' QR libraries:
//!
//! - `qr_compare urls N`: prints N seat code URLs as trajet prints them (the
//!   base, trip and window of `benches/seat_codes.rs`), one a line.
//! - `qr_compare time URLS_FILE`: one untimed pass, then one timed pass, over
//!   every URL of the file: PNG (8 px a module, as the API serves it), SVG,
//!   then the PDF sheet of all of them. Single thread, images kept in memory.
//!   Prints one JSON line of seconds (wall and process CPU) and output sizes.
//! - `qr_compare samples URLS_FILE DIR INDEX...`: writes trajet's PNG and SVG
//!   of the URLs at INDEX (0-based) as `DIR/trajet-INDEX.png` and `.svg`.
//! - `qr_compare check URLS_FILE DIR`: decodes every `DIR/TOOL-INDEX.png` (and
//!   `TOOL-INDEX.svg.png`, an SVG rasterized by the script) and checks that it
//!   holds URL INDEX at level Q in the version trajet picks, and that the PNGs
//!   have 8-pixel modules and a 4-module quiet zone. Prints one JSON line per
//!   file; exits non-zero when one differs.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;
use trajet::seat_codes::qr::{QUIET_ZONE, QrMatrix, render_png, render_svg};
use trajet::seat_codes::sheet::{LabelSpec, Layout, TripDisplay, render_sheet};
use trajet::seat_codes::{Car, Claims, Keyring, Seat, Window, mint, seat_code_url};

/// 2027-01-15 08:00 UTC, as in `benches/seat_codes.rs`.
const NOW: i64 = 1_799_996_400;
const BASE_URL: &str = "https://lire.example-rail.fr";
/// Pixels a module in the PNG the operator API serves (`routes.rs`).
const SCALE: u32 = 8;
/// rqrr reports the raw format bits: 0b11 is level Q.
const LEVEL_Q: u16 = 3;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["urls", n] => urls(n.parse()?),
        ["time", file] => time(&read_urls(file)?),
        ["samples", file, dir, indices @ ..] => samples(&read_urls(file)?, Path::new(dir), indices),
        ["check", file, dir] => check(&read_urls(file)?, Path::new(dir)),
        _ => bail!(
            "usage: qr_compare urls N | time URLS | samples URLS DIR INDEX... | check URLS DIR"
        ),
    }
}

fn urls(n: u16) -> anyhow::Result<()> {
    let keys = Keyring::generate(NOW)?;
    let start = NOW + 86_400;
    let window = Window::from_unix_seconds(start, start + 2 * 3_600).context("a window")?;
    for seat in 1..=n {
        let claims = Claims {
            trip: 4242,
            seat: Seat(seat),
            car: Car(1),
            window,
        };
        println!("{}", seat_code_url(BASE_URL, &mint(&keys, &claims, NOW)?));
    }
    Ok(())
}

fn read_urls(file: &str) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
    Ok(text.lines().map(str::to_owned).collect())
}

fn png(url: &str) -> Vec<u8> {
    render_png(&QrMatrix::encode(url).expect("a seat code URL fits"), SCALE)
}

fn svg(url: &str) -> String {
    render_svg(&QrMatrix::encode(url).expect("a seat code URL fits"), SCALE)
}

/// This process's CPU time in seconds, as the other tools read theirs.
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(status, 0, "Linux has a process CPU clock");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Wall and CPU seconds of `work`, and what it returned.
fn timed<T>(work: impl FnOnce() -> T) -> (f64, f64, T) {
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let out = work();
    (started.elapsed().as_secs_f64(), cpu_seconds() - cpu, out)
}

/// One pass of `render` over every URL: wall and CPU seconds, bytes made.
fn pass(urls: &[String], render: impl Fn(&str) -> usize) -> (f64, f64, usize) {
    timed(|| urls.iter().map(|u| black_box(render(u))).sum())
}

fn time(urls: &[String]) -> anyhow::Result<()> {
    let trip = TripDisplay {
        line: "TER Auvergne-Rhône-Alpes".into(),
        train_number: "17423".into(),
        service_date: "2027-01-16".into(),
        origin: "Clermont-Ferrand".into(),
        destination: "Lyon Part-Dieu".into(),
    };
    let labels: Vec<LabelSpec> = urls
        .iter()
        .enumerate()
        .map(|(i, url)| LabelSpec {
            seat: Seat(i as u16 + 1),
            car: Car(1 + (i / 100) as u8),
            url: url.clone(),
        })
        .collect();
    let sheet = || render_sheet(&trip, black_box(&labels), Layout::default());
    let png_pass = || pass(urls, |u| png(u).len());
    let svg_pass = || pass(urls, |u| svg(u).len());
    // Warm up: caches, the allocator, trajet's per-version mask templates.
    png_pass();
    svg_pass();
    sheet()?;
    let (png_s, png_cpu_s, png_bytes) = png_pass();
    let (svg_s, svg_cpu_s, svg_bytes) = svg_pass();
    let (pdf_s, pdf_cpu_s, pdf) = timed(sheet);
    let pdf = pdf?;
    let n = urls.len();
    println!(
        "{}",
        json!({
            "tool": "trajet", "codes": n,
            "png_s": png_s, "svg_s": svg_s, "pdf_s": pdf_s,
            "png_cpu_s": png_cpu_s, "svg_cpu_s": svg_cpu_s, "pdf_cpu_s": pdf_cpu_s,
            "png_bytes": png_bytes / n, "svg_bytes": svg_bytes / n, "pdf_bytes": pdf.len(),
        })
    );
    Ok(())
}

fn samples(urls: &[String], dir: &Path, indices: &[&str]) -> anyhow::Result<()> {
    for index in indices {
        let url = urls
            .get(index.parse::<usize>()?)
            .context("index past the URLs")?;
        std::fs::write(dir.join(format!("trajet-{index}.png")), png(url))?;
        std::fs::write(dir.join(format!("trajet-{index}.svg")), svg(url))?;
    }
    Ok(())
}

fn check(urls: &[String], dir: &Path) -> anyhow::Result<()> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "png"));
    files.sort();
    let mut failures = 0;
    for path in &files {
        let report = check_one(urls, path)?;
        failures += usize::from(report["ok"] != true);
        println!("{report}");
    }
    if files.is_empty() {
        bail!("no sample image in {}", dir.display());
    }
    if failures > 0 {
        bail!(
            "{failures} of {} samples differ from trajet's code",
            files.len()
        );
    }
    Ok(())
}

/// What one sample image `TOOL-INDEX.png` (or `TOOL-INDEX.svg.png`) holds
/// and how it differs from trajet's code of URL INDEX.
fn check_one(urls: &[String], path: &Path) -> anyhow::Result<serde_json::Value> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .context("a file name")?;
    let kind = if name.ends_with(".svg.png") {
        "svg"
    } else {
        "png"
    };
    let stem = name.trim_end_matches(".png").trim_end_matches(".svg");
    let (tool, index) = stem.rsplit_once('-').context("TOOL-INDEX")?;
    let url = urls
        .get(index.parse::<usize>()?)
        .context("index past the URLs")?;
    let expected = QrMatrix::encode(url).expect("a seat code URL fits");
    let image = image::open(path)
        .with_context(|| format!("reading {}", path.display()))?
        .to_luma8();
    let side = (expected.width() + 2 * QUIET_ZONE) * SCALE as usize;
    let (w, h) = image.dimensions();
    let mut problems = Vec::new();
    if kind == "png" && (w as usize, h as usize) != (side, side) {
        problems.push(format!(
            "{w}x{h} px, not {side}x{side} (8 px modules, 4-module quiet zone)"
        ));
    }
    let decoded = decode(&image);
    let [(meta, text)] = decoded.as_slice() else {
        problems.push(format!("{} codes decoded, not one", decoded.len()));
        return Ok(json!({
            "file": name, "tool": tool, "format": kind, "index": index,
            "ok": false, "problems": problems,
        }));
    };
    if text != url {
        problems.push(format!("holds {text:?}"));
    }
    if meta.ecc_level != LEVEL_Q {
        problems.push(format!("error correction bits {}, not Q", meta.ecc_level));
    }
    if meta.version.0 != usize::from(expected.version()) {
        problems.push(format!(
            "version {}, trajet's is {}",
            meta.version.0,
            expected.version()
        ));
    }
    Ok(json!({
        "file": name, "tool": tool, "format": kind,
        "index": index, "version": meta.version.0, "ecc_bits": meta.ecc_level,
        "mask": meta.mask, "pixels": w, "ok": problems.is_empty(), "problems": problems,
    }))
}

/// Every QR code found in the image, with what it holds.
fn decode(image: &image::GrayImage) -> Vec<(rqrr::MetaData, String)> {
    let (w, h) = image.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            image.get_pixel(x as u32, y as u32).0[0]
        });
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok())
        .collect()
}
