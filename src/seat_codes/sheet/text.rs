//! Text for the standard Helvetica fonts: WinAnsi bytes, widths, fitting.
//!
//! The 14 standard PDF fonts need no font file, but only speak WinAnsi
//! (Windows-1252). Other characters are transliterated (accented Latin
//! letters lose their accent, arrows become `->`) or become `?`.

use super::metrics::{HELVETICA, HELVETICA_BOLD};

/// One of the two faces used on labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    /// Helvetica, resource name `/F1`.
    Regular,
    /// Helvetica-Bold, resource name `/F2`.
    Bold,
}

impl Font {
    /// The name of the font in the page resources.
    pub(super) fn resource(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
        }
    }

    /// Width of WinAnsi `bytes` at size 1.
    pub(super) fn width(self, bytes: &[u8]) -> f32 {
        let table = if self == Font::Bold {
            &HELVETICA_BOLD
        } else {
            &HELVETICA
        };
        let thousandths: u32 = bytes
            .iter()
            .map(|&b| u32::from(table[usize::from(b.max(32)) - 32]))
            .sum();
        thousandths as f32 / 1000.0
    }
}

/// Base letters of U+0100 to U+017F (Latin Extended-A), by decomposition.
const LATIN_EXTENDED_A: &[u8; 128] =
    b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// Base letters of U+0218 to U+021B (Romanian S and T with comma below).
const LATIN_COMMA_BELOW: &[u8; 4] = b"SsTt";

/// Windows-1252 bytes 0x80 to 0x9F and the characters they stand for.
const WIN_ANSI_HIGH: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// Encodes `text` in WinAnsi, transliterating what it cannot hold.
pub(super) fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        match c {
            ' '..='~' => out.push(code as u8),
            '\u{AD}' => {}
            '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\t' | '\n' | '\r' => out.push(b' '),
            '\u{A1}'..='\u{FF}' => out.push(code as u8),
            '\u{100}'..='\u{17F}' => match WIN_ANSI_HIGH.iter().find(|(k, _)| *k == c) {
                Some(&(_, byte)) => out.push(byte),
                None => out.push(LATIN_EXTENDED_A[(code - 0x100) as usize]),
            },
            'Ș' | 'Ț' | 'ș' | 'ț' => out.push(LATIN_COMMA_BELOW[(code - 0x218) as usize]),
            '→' | '⇒' | '⟶' | '➔' => out.extend_from_slice(b"->"),
            '←' | '⇐' => out.extend_from_slice(b"<-"),
            '\u{2010}'..='\u{2012}' | '−' => out.push(b'-'),
            '′' => out.push(b'\''),
            '″' => out.push(b'"'),
            _ => match WIN_ANSI_HIGH.iter().find(|(k, _)| *k == c) {
                Some(&(_, byte)) => out.push(byte),
                None if !c.is_control() => out.push(b'?'),
                None => {}
            },
        }
    }
    out
}

/// Decodes WinAnsi bytes (as [`win_ansi`] made them) back to text, for the
/// formats that draw characters rather than a font's codes (SVG, PNG).
pub(super) fn to_unicode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => WIN_ANSI_HIGH
                .iter()
                .find(|(_, byte)| *byte == b)
                .map_or('?', |(c, _)| *c),
            // ASCII and Latin-1 keep their code points.
            _ => char::from(b),
        })
        .collect()
}

/// Text made to fit a width: as large as allowed up to `max_size`, and when
/// even `min_size` is too wide, cut with an ellipsis.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fitted {
    /// WinAnsi bytes to show.
    pub bytes: Vec<u8>,
    /// Font size in points.
    pub size: f32,
    /// Width at that size, in points.
    pub width: f32,
}

/// Fits `text` in `max_width` points with `font`, between `min_size` and `max_size`.
pub(super) fn fit(text: &str, font: Font, max_width: f32, min_size: f32, max_size: f32) -> Fitted {
    let mut bytes = win_ansi(text);
    let unit = font.width(&bytes);
    if unit * min_size > max_width {
        const ELLIPSIS: u8 = 0x85;
        while !bytes.is_empty()
            && (font.width(&bytes) + font.width(&[ELLIPSIS])) * min_size > max_width
        {
            bytes.pop();
        }
        bytes.push(ELLIPSIS);
        let width = font.width(&bytes) * min_size;
        return Fitted {
            bytes,
            size: min_size,
            width,
        };
    }
    let size = if unit > 0.0 {
        (max_width / unit).clamp(min_size, max_size)
    } else {
        max_size
    };
    Fitted {
        width: unit * size,
        bytes,
        size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_1_and_windows_1252_characters_keep_their_code() {
        assert_eq!(
            win_ansi("Gare Saint-Lazare é € – œ"),
            b"Gare Saint-Lazare \xE9 \x80 \x96 \x9C"
        );
    }

    #[test]
    fn characters_outside_win_ansi_are_transliterated() {
        assert_eq!(win_ansi("Łódź → Kraków"), b"L\xF3dz -> Krak\xF3w");
        assert_eq!(
            win_ansi("Praha hlavní nádraží, Brașov"),
            b"Praha hlavn\xED n\xE1dra\x9E\xED, Brasov"
        );
    }

    #[test]
    fn win_ansi_bytes_decode_back_to_the_same_text() {
        let text = "Gare Saint-Lazare é € – œ … Ÿ";
        assert_eq!(to_unicode(&win_ansi(text)), text);
        assert_eq!(to_unicode(&win_ansi("Łódź → Kraków")), "Lódz -> Kraków");
    }

    #[test]
    fn characters_without_transliteration_become_question_marks() {
        assert_eq!(win_ansi("東京 ok\u{7}"), b"?? ok");
    }

    #[test]
    fn widths_follow_the_font_metrics() {
        assert_eq!(Font::Regular.width(b"0123456789"), 5.56);
        assert!(Font::Bold.width(b"Seat") > Font::Regular.width(b"Seat"));
    }

    #[test]
    fn short_text_grows_to_the_largest_size_and_long_text_is_cut() {
        let short = fit("42", Font::Bold, 100.0, 6.0, 24.0);
        assert_eq!((short.bytes.as_slice(), short.size), (&b"42"[..], 24.0));
        let long = fit(
            &"Clermont-Ferrand ".repeat(10),
            Font::Regular,
            80.0,
            6.0,
            7.0,
        );
        assert_eq!(long.size, 6.0);
        assert!(long.width <= 80.0, "{}", long.width);
        assert_eq!(long.bytes.last(), Some(&0x85));
    }
}
