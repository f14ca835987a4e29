//! SVG of a QR code: one path of horizontal runs, in module units.

use super::{QUIET_ZONE, QrMatrix};
use std::fmt::Write;

/// Renders `code` as an SVG document whose dark modules are one `<path>`
/// (one rectangle per horizontal run) over a white rectangle, so that it
/// scans on any page colour; a 4-module quiet zone; `module_px` sets the
/// default display size.
pub fn render_svg(code: &QrMatrix, module_px: u32) -> String {
    let side = code.width() + 2 * QUIET_ZONE;
    let size = side * module_px.max(1) as usize;
    let mut out = String::with_capacity(4096 + code.width() * code.width() * 4);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d=""##
    );
    for y in 0..code.width() {
        for (x, len) in code.dark_runs(y) {
            let _ = write!(
                out,
                "M{} {}h{len}v1h-{len}z",
                x + QUIET_ZONE,
                y + QUIET_ZONE
            );
        }
    }
    out.push_str(r#""/></svg>"#);
    out
}
