//! Metadata text made safe to show: control characters and bidi overrides
//! removed, white space collapsed, markup in descriptions reduced to text,
//! every length bounded (in characters, cut at a word when possible).

/// Longest title kept.
pub const MAX_TITLE: usize = 300;
/// Longest name (author, publisher) kept.
pub const MAX_NAME: usize = 200;
/// Longest description kept.
pub const MAX_DESCRIPTION: usize = 4_000;
/// Longest short value (identifier, language, date, accessibility term) kept.
pub const MAX_SHORT: usize = 200;
/// Most values kept in a list (authors, identifiers, accessibility terms).
pub const MAX_LIST: usize = 20;

/// Cleans one line of metadata and bounds it; `None` when nothing is left.
pub fn clean(text: &str, max_chars: usize) -> Option<String> {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if is_bidi_control(c) || is_invisible_format(c) {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    (!out.is_empty()).then(|| truncate(out, max_chars))
}

/// Embeddings, overrides and isolates can reorder the text around them (the
/// "Trojan source" trick); marks (LRM, RLM) only nudge and are kept.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters with no glyph that only serve to disguise text.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

fn truncate(text: String, max_chars: usize) -> String {
    let Some((cut, _)) = text.char_indices().nth(max_chars) else {
        return text;
    };
    let head = &text[..cut];
    let at_word = head.rfind(' ').filter(|&i| i > cut / 2).unwrap_or(cut);
    format!("{}…", head[..at_word].trim_end())
}

/// A description as plain text: tags removed (block ends become spaces),
/// the common entities decoded, then cleaned and bounded.
pub fn plain_description(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    clean(&decoded, MAX_DESCRIPTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_stripped() {
        let text = "Le\u{0}\u{7} Petit \u{202E}ecnirP\u{202C}\u{2067}x\u{2069}\u{FEFF}";
        assert_eq!(clean(text, 100).unwrap(), "Le Petit ecnirPx");
    }

    #[test]
    fn white_space_is_collapsed_and_blank_is_none() {
        assert_eq!(clean("  a \n\t b  ", 100).unwrap(), "a b");
        assert_eq!(clean(" \u{202E} \n", 100), None);
    }

    #[test]
    fn long_text_is_cut_at_a_word_within_the_bound() {
        let long = "word ".repeat(1000);
        let cut = clean(&long, 50).unwrap();
        assert!(cut.chars().count() <= 51, "{cut}");
        assert!(cut.ends_with("word…"));
    }

    #[test]
    fn description_markup_becomes_plain_text() {
        let html = "<p>A <b>bold</b> tale &amp; more</p><script>x</script>";
        assert_eq!(plain_description(html).unwrap(), "A bold tale & more x");
    }
}
