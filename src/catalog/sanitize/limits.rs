//! Bounds that keep a hostile chapter from costing more than a real one.
//!
//! Both parsers check duplicate attributes by comparing each new name with the
//! previous ones, and quick-xml resolves names by scanning the live namespace
//! declarations: harmless for real markup, quadratic for a 16 MiB tag full of
//! attributes. A linear pre-scan bounds attributes per tag before either runs;
//! the XML parser bounds live namespace declarations as it goes.

use super::error::SanitizeError;

/// Elements may nest this deep; real books stay far below, attacks go far above.
pub const MAX_DEPTH: usize = 256;

/// The largest chapter accepted (the biggest corpus chapter is under 2 MiB).
pub const MAX_CHAPTER_BYTES: usize = 16 * 1024 * 1024;

/// Name and value tokens inside one tag (real elements carry a few dozen at most).
pub const MAX_TAG_TOKENS: usize = 128;

/// Namespace declarations in scope at once (a real chapter has fewer than ten).
pub const MAX_LIVE_NAMESPACES: usize = 64;

/// Refuses any tag with more than `MAX_TAG_TOKENS` attribute tokens. Quoted
/// values are skipped, so long `title` or `alt` texts do not count.
pub fn check_tags(text: &str) -> Result<(), SanitizeError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|b| *b == b'<') {
        i += offset + 1;
        if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let (mut tokens, mut in_token) = (0usize, false);
        while let Some(&byte) = bytes.get(i) {
            i += 1;
            match byte {
                b'>' => break,
                b'"' | b'\'' => {
                    i += bytes[i..]
                        .iter()
                        .position(|b| *b == byte)
                        .map_or(bytes.len() - i, |p| p + 1);
                    in_token = false;
                }
                b' ' | b'\t' | b'\n' | b'\r' | b'=' | b'/' => in_token = false,
                _ if !in_token => {
                    tokens += 1;
                    in_token = true;
                    if tokens > MAX_TAG_TOKENS + 1 {
                        return Err(SanitizeError::TooComplex {
                            what: "attributes in one tag",
                        });
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_tags_pass_and_attribute_floods_are_refused() {
        let real = "<p class=\"a b c\" title=\"a very long title with many many words in it\">x < y</p><img src='a' alt='b'/>";
        assert_eq!(check_tags(real), Ok(()));
        let long_value = format!("<p title=\"{}\">x</p>", "word ".repeat(10_000));
        assert_eq!(check_tags(&long_value), Ok(()));
        let flood: String = (0..MAX_TAG_TOKENS + 1)
            .map(|n| format!(" a{n}=\"\""))
            .collect();
        let error = check_tags(&format!("<p{flood}>x</p>")).unwrap_err();
        assert_eq!(error.code(), "epub-chapter-too-complex");
        let bare: String = (0..MAX_TAG_TOKENS + 1).map(|n| format!(" a{n}")).collect();
        assert!(check_tags(&format!("<p{bare}>")).is_err());
    }
}
