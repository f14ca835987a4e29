//! One page of a sheet as PNG or SVG: the same labels in the same places
//! as the PDF, each code readable.

use super::{decode_qr, labels, modules_of_svg_path};
use crate::seat_codes::qr::{QUIET_ZONE, QrMatrix};
use crate::seat_codes::sheet::{
    Heading, LabelSpec, Layout, PageFormat, page_count, render_labels, render_page,
};

/// A train set's heading: the operator, the set, no date.
fn heading() -> Heading {
    Heading {
        first: "TER Auvergne-Rhône-Alpes".into(),
        second: "Regio 2N <24571> & co".into(),
        third: "Rame / Train set 24571".into(),
        title: "TER Auvergne-Rhône-Alpes Regio 2N <24571> & co".into(),
    }
}

fn png_page(labels: &[LabelSpec], page: usize) -> image::GrayImage {
    let png = render_page(&heading(), labels, Layout::default(), PageFormat::Png, page).unwrap();
    image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap()
        .to_luma8()
}

/// The pixels of one label at 300 dpi (cells are in points from the bottom).
fn crop_cell(page: &image::GrayImage, index: usize) -> image::GrayImage {
    let cell = Layout::default().cell_for_tests(index);
    let px = |pt: f32| (pt * 300.0 / 72.0).round() as u32;
    let top = page.height() - px(cell.y + cell.height);
    image::imageops::crop_imm(page, px(cell.x), top, px(cell.width), px(cell.height)).to_image()
}

#[test]
fn every_label_of_a_png_page_decodes_to_its_url() {
    let labels = labels(30);
    assert_eq!(page_count(labels.len(), Layout::default()), 2);
    for (page, first) in [(1, 0), (2, 24)] {
        let image = png_page(&labels, page);
        assert_eq!(image.dimensions(), (2480, 3508), "A4 at 300 dpi");
        let on_page = &labels[first..labels.len().min(first + 24)];
        for (i, label) in on_page.iter().enumerate() {
            let decoded = decode_qr(&crop_cell(&image, i));
            assert_eq!(decoded.len(), 1, "page {page} label {i} holds one code");
            assert_eq!(decoded[0].2, label.url, "page {page} label {i}");
            assert_eq!(decoded[0].1, 3, "level Q");
        }
        // The cells past the last label are blank.
        if on_page.len() < 24 {
            let blank = crop_cell(&image, on_page.len());
            let (w, h) = blank.dimensions();
            // Inside the neighbours' cut marks.
            let inside = image::imageops::crop_imm(&blank, 3, 3, w - 6, h - 6).to_image();
            assert!(inside.pixels().all(|p| p.0[0] == 255));
        }
    }
}

/// The PNG draws its text where the PDF does: the ink of each label's text
/// column (numbers, heading, instruction) spans the same box, to a few
/// pixels, in the PNG as in the PDF rasterized by poppler at 300 dpi.
#[test]
fn a_png_page_prints_the_text_where_the_pdf_does() {
    let labels = labels(2);
    let png = png_page(&labels, 1);
    let pdf = render_labels(&heading(), &labels, Layout::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheet.pdf");
    std::fs::write(&path, pdf).unwrap();
    let prefix = dir.path().join("page");
    let ran = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png", "-singlefile"])
        .arg(&path)
        .arg(&prefix)
        .status();
    if !ran.is_ok_and(|s| s.success()) {
        crate::external::skip("pdftoppm not installed: apt-get install poppler-utils");
        return;
    }
    let poppler = image::open(dir.path().join("page.png")).unwrap().to_luma8();
    // poppler rounds A4 up to 2481 pixels wide; the cells are in the same places.
    assert_eq!(poppler.height(), png.height());
    for index in 0..2 {
        let (ours, theirs) = (crop_cell(&png, index), crop_cell(&poppler, index));
        // Right of the QR code (its square is at most 55 % of the cell).
        let from = ours.width() * 56 / 100;
        let (a, b) = (ink_box(&ours, from), ink_box(&theirs, from));
        for (mine, pdf) in a.iter().zip(b) {
            assert!(mine.abs_diff(pdf) <= 12, "label {index}: {a:?} vs {b:?}");
        }
    }
}

/// Left, top, right, bottom of the dark pixels at or right of column `from`,
/// inside the cut marks.
fn ink_box(cell: &image::GrayImage, from: u32) -> [u32; 4] {
    let mut b = [u32::MAX, u32::MAX, 0, 0];
    for (x, y, p) in cell.enumerate_pixels() {
        let inside = x >= from && y > 3 && y + 3 < cell.height() && x + 3 < cell.width();
        if inside && p.0[0] < 128 {
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    assert!(b[0] < b[2], "the text column has ink");
    b
}

#[test]
fn an_svg_page_carries_each_code_and_the_label_text() {
    let labels = labels(30);
    let svg = render_page(&heading(), &labels, Layout::default(), PageFormat::Svg, 2).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\""));
    let paths: Vec<&str> = svg.split("<path ").skip(1).collect();
    assert_eq!(paths.len(), 6, "30 labels leave 6 for page 2");
    for (path, label) in paths.iter().zip(&labels[24..]) {
        let expected = QrMatrix::encode(&label.url).unwrap();
        let side = expected.width() + 2 * QUIET_ZONE;
        let grid = modules_of_svg_path(path, side);
        for y in 0..expected.width() {
            for x in 0..expected.width() {
                assert_eq!(
                    grid[(y + QUIET_ZONE) * side + x + QUIET_ZONE],
                    expected.is_dark(x, y),
                    "seat {} module ({x}, {y})",
                    label.seat.0
                );
            }
        }
    }
    for text in [
        ">Place / Seat</text>",
        ">Voiture / Car</text>",
        ">25</text>",
        ">30</text>",
        ">TER Auvergne-Rhône-Alpes</text>",
        ">Regio 2N &lt;24571&gt; &amp; co</text>",
        ">Rame / Train set 24571</text>",
        "<title>TER Auvergne-Rhône-Alpes Regio 2N &lt;24571&gt; &amp; co (2/2)</title>",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
    assert!(!svg.contains(">24</text>"), "seat 24 is on page 1");
    assert_eq!(
        svg.matches("textLength=").count(),
        svg.matches("<text ").count()
    );
}

#[test]
fn a_page_past_the_end_of_the_sheet_is_refused() {
    let labels = labels(30);
    for page in [0, 3] {
        for format in [PageFormat::Png, PageFormat::Svg] {
            let error =
                render_page(&heading(), &labels, Layout::default(), format, page).unwrap_err();
            assert_eq!(error.code(), "page-invalid");
            assert!(error.to_string().contains("from 1 to 2"), "{error}");
        }
    }
}

#[test]
#[ignore = "writes sample pages for a person to look at"]
fn sample_pages_for_review() {
    let labels = labels(30);
    for (format, name) in [(PageFormat::Png, "png"), (PageFormat::Svg, "svg")] {
        let page = render_page(&heading(), &labels, Layout::default(), format, 1).unwrap();
        let path = std::env::temp_dir().join(format!("trajet-sample-page.{name}"));
        std::fs::write(path, page).unwrap();
    }
}
