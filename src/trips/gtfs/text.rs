//! Turns the bytes of a GTFS file into text, or refuses them with the line
//! and the reason: GTFS files are UTF-8 (a leading BOM is allowed), without
//! NUL bytes, with one line-ending style.

use super::error::GtfsError;

/// Checks `bytes` of `file` and returns the text without its BOM.
pub fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, GtfsError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(GtfsError::invalid(
            file,
            1,
            "the file is encoded as UTF-16; GTFS files must be UTF-8",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let reason = "contains a NUL byte (a binary file, or UTF-16 without a byte order mark); GTFS files are UTF-8 text";
        return Err(GtfsError::invalid(file, line_at(bytes, at), reason));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        GtfsError::invalid(
            file,
            line_at(bytes, at),
            format!(
                "invalid UTF-8 at byte {} of the line",
                at - line_start(bytes, at)
            ),
        )
    })?;
    check_line_endings(file, text)?;
    Ok(text)
}

/// Refuses a carriage return that does not end a line and a mix of CRLF and
/// LF line ends: either splits or glues rows in ways readers disagree on.
/// Quoted fields may hold any of these.
fn check_line_endings(file: &str, text: &str) -> Result<(), GtfsError> {
    let bytes = text.as_bytes();
    let mut style: Option<(&str, u64)> = None;
    let mut in_quotes = false;
    let mut line = 1;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\r' if !in_quotes && bytes.get(i + 1) != Some(&b'\n') => {
                return Err(GtfsError::invalid(
                    file,
                    line,
                    "carriage return (CR) that does not end the line with a line feed (LF)",
                ));
            }
            b'\n' => {
                if !in_quotes {
                    let ending = if i > 0 && bytes[i - 1] == b'\r' {
                        "CRLF"
                    } else {
                        "LF"
                    };
                    match style {
                        None => style = Some((ending, line)),
                        Some((first, first_line)) if first != ending => {
                            let reason = format!(
                                "line ends with {ending} but line {first_line} ends with {first} (mixed line endings)"
                            );
                            return Err(GtfsError::invalid(file, line, reason));
                        }
                        Some(_) => {}
                    }
                }
                line += 1;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The 1-based line holding byte `at`.
fn line_at(bytes: &[u8], at: usize) -> u64 {
    bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(bytes: &[u8]) -> (u64, String) {
        match decode("stops.txt", bytes) {
            Err(GtfsError::Invalid { line, reason, .. }) => (line, reason),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn bom_is_stripped_and_crlf_accepted() {
        assert_eq!(
            decode("a.txt", b"\xEF\xBB\xBFa,b\r\n1,2\r\n").unwrap(),
            "a,b\r\n1,2\r\n"
        );
    }

    #[test]
    fn nul_byte_is_refused_with_its_line() {
        assert_eq!(refusal(b"a,b\n1,2\n3,\x004\n").0, 3);
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_line() {
        let (line, reason) = refusal(b"a,b\nx,\xEC\n");
        assert_eq!(line, 2);
        assert!(reason.contains("UTF-8"), "{reason}");
    }

    #[test]
    fn utf16_is_refused() {
        assert!(refusal(b"\xFF\xFEa\x00").1.contains("UTF-16"));
    }

    #[test]
    fn mixed_line_endings_are_refused_at_the_odd_line() {
        let (line, reason) = refusal(b"a,b\n1,2\r\n3,4\n");
        assert_eq!(line, 2);
        assert!(reason.contains("mixed"), "{reason}");
    }

    #[test]
    fn bare_carriage_return_is_refused() {
        assert_eq!(refusal(b"a,b\r\n1,2\r\r\n").0, 2);
    }

    #[test]
    fn line_breaks_inside_quotes_are_data() {
        assert!(decode("a.txt", b"a,b\n\"x\r\ny\",2\n").is_ok());
    }
}
