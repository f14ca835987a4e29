//! The sheet as a PDF: every page in one document. QR codes are vector
//! rectangles (sharp at any printer resolution) and the text uses the
//! standard Helvetica fonts, so no font file is embedded.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::canvas::Canvas;
use super::layout::{self, Cell};
use super::text::{Fitted, Font};
use super::{Heading, LabelSpec, Layout, Prepared, SheetError};
use crate::seat_codes::qr::{QUIET_ZONE, QrMatrix};

/// Draws labels under `heading` on as many A4 pages as they need.
/// CPU-bound: call it from a blocking thread.
pub fn render_labels(
    heading: &Heading,
    labels: &[LabelSpec],
    layout: Layout,
) -> Result<Vec<u8>, SheetError> {
    let prepared = Prepared::new(heading, labels, layout)?;
    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let fonts = [
        (Font::Regular, Ref::new(3), "Helvetica"),
        (Font::Bold, Ref::new(4), "Helvetica-Bold"),
    ];
    let mut page_ids = Vec::new();
    let mut next_id = 5;
    for chunk in labels.chunks(layout.per_page()) {
        let (page_id, content_id) = (Ref::new(next_id), Ref::new(next_id + 1));
        next_id += 2;
        let mut content = Content::new();
        prepared.draw(&mut content, chunk)?;
        let compressed = deflate(&content.finish());
        pdf.stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
        let mut page = pdf.page(page_id);
        page.parent(pages_id).contents(content_id);
        page.media_box(Rect::new(0.0, 0.0, layout::PAGE_WIDTH, layout::PAGE_HEIGHT));
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (font, id, _) in fonts {
            font_dict.pair(Name(font.resource()), id);
        }
        font_dict.finish();
        resources.finish();
        page.finish();
        page_ids.push(page_id);
    }
    for (_, id, name) in fonts {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.pages(pages_id)
        .count(page_ids.len() as i32)
        .kids(page_ids);
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.document_info(Ref::new(next_id))
        .title(TextStr(&heading.title))
        .producer(TextStr("trajet"));
    Ok(pdf.finish())
}

impl Canvas for Content {
    fn cut_marks(&mut self, cell: Cell) {
        self.set_stroke_gray(0.75).set_line_width(0.3);
        self.rect(cell.x, cell.y, cell.width, cell.height).stroke();
    }

    /// One filled rectangle per horizontal run of dark modules, drawn in
    /// module units (integers keep the content stream short).
    fn qr(&mut self, x: f32, y: f32, side: f32, qr: &QrMatrix) {
        let width = qr.width();
        let module = side / (width + 2 * QUIET_ZONE) as f32;
        self.save_state();
        self.transform([module, 0.0, 0.0, module, x, y]);
        for row in 0..width {
            let bottom = (width - 1 - row + QUIET_ZONE) as f32;
            for (start, len) in qr.dark_runs(row) {
                self.rect((start + QUIET_ZONE) as f32, bottom, len as f32, 1.0);
            }
        }
        self.fill_nonzero();
        self.restore_state();
    }

    fn text(&mut self, font: Font, text: &Fitted, x: f32, y: f32) {
        self.begin_text();
        self.set_font(Name(font.resource()), text.size);
        self.next_line(x, y);
        self.show(Str(&text.bytes));
        self.end_text();
    }
}

/// Deflate at a fast level: label streams are large and repetitive.
fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::fast(),
    );
    encoder
        .write_all(bytes)
        .expect("writing into a Vec cannot fail");
    encoder.finish().expect("writing into a Vec cannot fail")
}
