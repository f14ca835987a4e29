use super::{decode_qr, labels};
use crate::seat_codes::sheet::{INSTRUCTION, Layout, TripDisplay, render_sheet};
use std::path::Path;
use std::process::Command;

fn trip() -> TripDisplay {
    TripDisplay {
        line: "TER Auvergne-Rhône-Alpes".into(),
        train_number: "17423".into(),
        service_date: "2027-01-22".into(),
        origin: "Clermont-Ferrand".into(),
        destination: "Lyon Part-Dieu".into(),
    }
}

/// Runs a poppler tool; when it is missing the skip is recorded (a failure under CI).
fn poppler(tool: &str, args: &[&str]) -> bool {
    match Command::new(tool).args(args).status() {
        Ok(status) => {
            assert!(status.success(), "{tool} failed");
            true
        }
        Err(e) => {
            crate::external::skip(&format!(
                "{tool} not installed ({e}): apt-get install poppler-utils"
            ));
            false
        }
    }
}

fn write_pdf(dir: &Path, pdf: &[u8]) -> String {
    let path = dir.join("sheet.pdf");
    std::fs::write(&path, pdf).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Rendering resolution of sheets read back (a label printer's).
const DPI: u32 = 300;

#[test]
fn every_label_of_a_two_page_sheet_decodes_to_its_url() {
    let labels = labels(30);
    let pdf = render_sheet(&trip(), &labels, Layout::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = write_pdf(dir.path(), &pdf);
    let prefix = dir.path().join("page");
    if !poppler(
        "pdftoppm",
        &[
            "-r",
            &DPI.to_string(),
            "-gray",
            "-png",
            &pdf_path,
            prefix.to_str().unwrap(),
        ],
    ) {
        return;
    }
    let pages: Vec<_> = ["page-1.png", "page-2.png"]
        .iter()
        .map(|p| image::open(dir.path().join(p)).unwrap().to_luma8())
        .collect();
    assert!(
        !dir.path().join("page-3.png").exists(),
        "30 labels fill two pages"
    );
    let layout = Layout::default();
    for (i, label) in labels.iter().enumerate() {
        let page = &pages[i / layout.per_page()];
        let crop = crop_cell(page, layout, i % layout.per_page());
        let decoded = decode_qr(&crop);
        assert_eq!(decoded.len(), 1, "label {i} holds one code");
        assert_eq!(decoded[0].2, label.url, "label {i}");
    }
}

/// The pixels of one label at `DPI` (cells are in points from the bottom).
fn crop_cell(page: &image::GrayImage, layout: Layout, index: usize) -> image::GrayImage {
    let cell = layout.cell_for_tests(index);
    let px = |pt: f32| (pt * DPI as f32 / 72.0).round() as u32;
    let top = page.height() - px(cell.y + cell.height);
    image::imageops::crop_imm(page, px(cell.x), top, px(cell.width), px(cell.height)).to_image()
}

#[test]
fn labels_show_the_instruction_seat_car_and_trip() {
    let pdf = render_sheet(&trip(), &labels(2), Layout::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = write_pdf(dir.path(), &pdf);
    let txt = dir.path().join("sheet.txt");
    if !poppler("pdftotext", &["-raw", &pdf_path, txt.to_str().unwrap()]) {
        return;
    }
    let text = std::fs::read_to_string(txt).unwrap();
    for expected in [
        INSTRUCTION,
        "Voiture / Car",
        "Place / Seat",
        "TER Auvergne-Rhône-Alpes 17423",
        "2027-01-22",
        "Clermont-Ferrand -> Lyon Part-Dieu",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn sheet_without_labels_is_refused() {
    assert_eq!(
        render_sheet(&trip(), &[], Layout::default())
            .unwrap_err()
            .code(),
        "seat-range-invalid"
    );
}

#[test]
fn layout_too_dense_for_a_scannable_code_is_refused() {
    let err = render_sheet(&trip(), &labels(1), Layout::parse("6x12").unwrap()).unwrap_err();
    assert_eq!(err.code(), "layout-too-dense");
}

#[test]
fn pages_follow_the_number_of_labels() {
    let pdf = render_sheet(&trip(), &labels(49), Layout::default()).unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("/Count 3"),
        "49 labels at 24 a page make 3 pages"
    );
    assert!(text.contains("/BaseFont /Helvetica-Bold") && text.contains("/WinAnsiEncoding"));
}

#[test]
#[ignore = "writes a sample sheet for a person to look at"]
fn sample_sheet_for_review() {
    let pdf = render_sheet(&trip(), &labels(30), Layout::default()).unwrap();
    std::fs::write(std::env::temp_dir().join("trajet-sample-sheet.pdf"), pdf).unwrap();
}
