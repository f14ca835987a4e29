//! The text of an EPUB's XML, HTML and CSS files, from their bytes.
//!
//! In this order: a byte-order mark decides (UTF-8, UTF-16); a document
//! that starts `<?` in UTF-16 without one is UTF-16 (XML 1.0, appendix F);
//! bytes that are valid UTF-8 are UTF-8 whatever the file declares (real
//! books often declare ISO-8859-1 over UTF-8 text); otherwise the encoding
//! the file declares (XML declaration, `@charset`, or a `<meta>` charset in
//! its first 1024 bytes) is honoured. Labels mean what browsers take them to
//! mean (WHATWG Encoding Standard: `ISO-8859-1` is read as windows-1252,
//! whose bytes 0x80–0x9F are the curly quotes, `œ` and `€` such files hold).
//!
//! What cannot be decoded is refused, never passed on with U+FFFD in place
//! of a publisher's letters: an encoding trajet does not know, or bytes that
//! are not valid in the encoding that applies.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// Why a file's text cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CharsetError {
    /// The file is not UTF-8 and declares an encoding trajet does not know.
    #[error("declares the character encoding {0:?}, which trajet does not know; save it as UTF-8")]
    Unknown(String),
    /// The file's bytes are not valid in the encoding that applies.
    #[error("is not valid {0} text; save it as UTF-8")]
    Malformed(&'static str),
}

impl CharsetError {
    /// A stable machine code for problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            CharsetError::Unknown(_) => "epub-charset-unknown",
            CharsetError::Malformed(_) => "epub-charset-invalid",
        }
    }
}

/// How far into a file its `<meta>` charset is looked for (as browsers do).
const PRESCAN_BYTES: usize = 1024;
/// Longer declared labels are cut in error messages (the longest real one has 19 bytes).
const MAX_LABEL_SHOWN: usize = 40;

/// The text of a file of the book (see the module doc for the rules).
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, CharsetError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return strict(encoding, &bytes[bom..]);
    }
    match bytes {
        [b'<', 0, b'?', 0, ..] => return strict(UTF_16LE, bytes),
        [0, b'<', 0, b'?', ..] => return strict(UTF_16BE, bytes),
        _ => {}
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let Some(label) = declared_label(bytes) else {
        return Err(CharsetError::Malformed(UTF_8.name()));
    };
    match Encoding::for_label_no_replacement(label) {
        // A declaration readable as ASCII is not in UTF-16, whatever it says.
        Some(encoding) if [UTF_8, UTF_16LE, UTF_16BE].contains(&encoding) => {
            Err(CharsetError::Malformed(UTF_8.name()))
        }
        Some(encoding) => strict(encoding, bytes),
        None => {
            let shown = &label[..label.len().min(MAX_LABEL_SHOWN)];
            Err(CharsetError::Unknown(
                String::from_utf8_lossy(shown).into_owned(),
            ))
        }
    }
}

/// Decodes with `encoding`, refusing bytes it does not define.
fn strict<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Result<Cow<'a, str>, CharsetError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(CharsetError::Malformed(encoding.name()))
}

/// The encoding label a file declares in the form its kind uses.
fn declared_label(bytes: &[u8]) -> Option<&[u8]> {
    if let Some(declaration) = bytes.strip_prefix(b"<?xml") {
        let end = find(declaration, b"?>")?;
        let declaration = &declaration[..end];
        let at = find(declaration, b"encoding")?;
        return quoted_value(&declaration[at + b"encoding".len()..]);
    }
    if let Some(rule) = bytes.strip_prefix(b"@charset \"") {
        return rule.split(|&b| b == b'"').next();
    }
    meta_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)])
}

/// The charset of the first `<meta>` tag naming one: `<meta charset="…">`
/// or `<meta http-equiv="Content-Type" content="text/html; charset=…">`.
fn meta_charset(head: &[u8]) -> Option<&[u8]> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |p| start + p);
        if let Some(c) = find(&lower[start..end], b"charset") {
            let value = start + c + b"charset".len();
            let label = quoted_value(&head[value..end]).or_else(|| bare_value(&head[value..end]));
            if label.is_some() {
                return label;
            }
        }
        from = end;
    }
    None
}

/// The value after `=` and optional spaces, in single or double quotes.
fn quoted_value(text: &[u8]) -> Option<&[u8]> {
    let text = after_equals(text)?;
    let (&quote, rest) = text.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let close = rest.iter().position(|&b| b == quote)?;
    Some(&rest[..close])
}

/// An unquoted value after `=` (as in `content="text/html; charset=latin1"`).
fn bare_value(text: &[u8]) -> Option<&[u8]> {
    let text = after_equals(text)?;
    let end = text
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b"-_.:".contains(&b)))
        .unwrap_or(text.len());
    (end > 0).then_some(&text[..end])
}

fn after_equals(text: &[u8]) -> Option<&[u8]> {
    let text = text.trim_ascii_start().strip_prefix(b"=")?;
    Some(text.trim_ascii_start())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRENCH: &str = "Café crème, œuvre à l’été : « déjà » coûte 5 €.";

    fn encoded(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{} holds {text}", encoding.name());
        bytes.into_owned()
    }

    #[test]
    fn valid_utf8_stays_utf8_whatever_the_declaration_says() {
        let text = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><p>{FRENCH}</p>");
        assert!(matches!(decode(text.as_bytes()), Ok(Cow::Borrowed(t)) if t == text));
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend(text.as_bytes());
        assert_eq!(decode(&with_bom).unwrap(), text);
    }

    #[test]
    fn a_declared_legacy_encoding_is_honoured() {
        let latin = "Café crème, à l’été : « déjà »";
        for (declaration, text) in [
            ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", latin),
            ("<?xml version='1.0' encoding = 'latin1' ?>", latin),
            ("<?xml version=\"1.0\" encoding=\"windows-1252\"?>", FRENCH),
            (
                "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"/>",
                latin,
            ),
            ("<html><head><META CHARSET=\"Windows-1252\">", FRENCH),
            ("@charset \"windows-1252\";", FRENCH),
        ] {
            let source = format!("{declaration}<p>{text}</p>");
            let bytes = encoded(encoding_rs::WINDOWS_1252, &source);
            assert_eq!(decode(&bytes).unwrap(), source, "{declaration}");
        }
    }

    #[test]
    fn utf16_is_read_with_a_bom_or_from_the_xml_declaration() {
        let text = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><p>{FRENCH}</p>");
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for bytes in [
            [&[0xFF, 0xFE][..], &le].concat(),
            [&[0xFE, 0xFF][..], &be].concat(),
            le,
            be,
        ] {
            assert_eq!(decode(&bytes).unwrap(), text);
        }
    }

    #[test]
    fn what_cannot_be_decoded_is_refused_with_the_reason() {
        let latin = encoded(encoding_rs::WINDOWS_1252, "<p>Café</p>");
        assert_eq!(decode(&latin), Err(CharsetError::Malformed("UTF-8")));
        let unknown = [
            b"<?xml version=\"1.0\" encoding=\"x-klingon\"?>".as_slice(),
            &latin,
        ]
        .concat();
        let err = decode(&unknown).unwrap_err();
        assert_eq!(err, CharsetError::Unknown("x-klingon".into()));
        assert_eq!(err.code(), "epub-charset-unknown");
        let lie = [
            b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>".as_slice(),
            &latin,
        ]
        .concat();
        assert_eq!(decode(&lie), Err(CharsetError::Malformed("UTF-8")));
        let lone_surrogate = [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0];
        assert_eq!(
            decode(&lone_surrogate),
            Err(CharsetError::Malformed("UTF-16LE"))
        );
        let shift_jis = [
            b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>".as_slice(),
            &[0x81, 0x20],
        ]
        .concat();
        assert_eq!(
            decode(&shift_jis).unwrap_err().code(),
            "epub-charset-invalid"
        );
        let long = format!("<?xml version=\"1.0\" encoding=\"{}\"?>", "x".repeat(5000));
        let mut long = long.into_bytes();
        long.push(0xFF);
        assert!(
            matches!(decode(&long), Err(CharsetError::Unknown(l)) if l.len() == MAX_LABEL_SHOWN)
        );
    }
}
