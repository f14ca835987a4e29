//! The media types trajet serves resources with: decided at ingestion from
//! what the resource is (its role in the book and its bytes), never taken
//! from the EPUB's declaration, which a hostile book sets to `text/html` or
//! `application/javascript` to have our origin serve its script.

/// What a resource is served as when nothing better is known: a download
/// that no browser renders or runs.
pub const OPAQUE: &str = "application/octet-stream";

/// Every media type a resource may be served with: fonts, pictures whose
/// bytes were read as such, sanitized SVG and sanitized stylesheets.
const SERVABLE: [&str; 11] = [
    "font/woff",
    "font/woff2",
    "font/ttf",
    "font/otf",
    "font/collection",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/svg+xml",
    "text/css",
];

/// `media_type` when it is on the list of servable types, else [`OPAQUE`]:
/// the last guard before a stored type reaches a `Content-Type` header
/// (titles ingested before types were decided at ingestion kept the declared one).
pub fn servable(media_type: &str) -> &'static str {
    SERVABLE
        .iter()
        .find(|t| t.eq_ignore_ascii_case(media_type))
        .copied()
        .unwrap_or(OPAQUE)
}

/// The type of a font from its first bytes (after de-obfuscation); bytes
/// that are no font of a known format are [`OPAQUE`], whatever their name.
pub fn font(bytes: &[u8]) -> &'static str {
    match bytes.get(..4) {
        Some(b"wOFF") => "font/woff",
        Some(b"wOF2") => "font/woff2",
        Some(b"OTTO") => "font/otf",
        Some(b"ttcf") => "font/collection",
        Some([0, 1, 0, 0] | b"true") => "font/ttf",
        _ => OPAQUE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_script_and_page_types_are_never_servable() {
        for declared in [
            "text/html",
            "application/javascript",
            "text/javascript",
            "application/xhtml+xml",
            "image/svg+xml; charset=utf-8",
            "",
        ] {
            assert_eq!(servable(declared), OPAQUE, "{declared}");
        }
        assert_eq!(servable("image/PNG"), "image/png");
        assert_eq!(servable("text/css"), "text/css");
    }

    #[test]
    fn fonts_are_known_by_their_bytes_not_their_name() {
        assert_eq!(font(b"wOF2\0\x01\0\0rest"), "font/woff2");
        assert_eq!(font(b"wOFFOTTO"), "font/woff");
        assert_eq!(font(b"\0\x01\0\0\0\x0c"), "font/ttf");
        assert_eq!(font(b"OTTO\0\x0c"), "font/otf");
        assert_eq!(font(b"<script>alert(1)</script>"), OPAQUE);
        assert_eq!(font(b"wO"), OPAQUE);
    }
}
