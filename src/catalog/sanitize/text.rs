//! Word and character counts that also work for scripts written without spaces.
//!
//! Words are runs of letters or digits (an apostrophe or hyphen between letters
//! keeps the word whole). Scripts without spaces cannot be split without a
//! dictionary, so their characters are converted: Han, kana and other CJK
//! ideographs count **one word per 2 characters** (Chinese words average about
//! 1.7 characters, and Japanese readers read about 500 characters a minute,
//! twice the ~250 words a minute of English), and Thai, Lao, Khmer and Myanmar
//! count **one word per 5 characters** (their average word length). Hangul uses
//! spaces and is counted as words. Characters are counted after collapsing
//! every run of white space to one space and trimming the ends.

/// Words and characters of a piece of text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextCount {
    /// Estimated words (see the module documentation for scripts without spaces).
    pub words: usize,
    /// Characters with white space collapsed.
    pub chars: usize,
}

/// CJK characters per word.
pub const CJK_CHARS_PER_WORD: usize = 2;
/// Thai, Lao, Khmer and Myanmar characters per word.
pub const SOUTHEAST_ASIAN_CHARS_PER_WORD: usize = 5;

/// Counts the words and characters of `text`.
pub fn count(text: &str) -> TextCount {
    let (mut words, mut cjk, mut southeast, mut chars) = (0usize, 0usize, 0usize, 0usize);
    let mut in_word = false;
    let mut pending_space = false;
    let mut previous_joiner = false;
    for c in text.chars() {
        if c.is_whitespace() {
            pending_space = chars > 0;
            in_word = false;
            continue;
        }
        chars += 1 + usize::from(pending_space);
        pending_space = false;
        if is_cjk(c) {
            cjk += 1;
            in_word = false;
        } else if is_southeast_asian(c) {
            southeast += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                words += 1;
            }
            in_word = true;
        } else if in_word && matches!(c, '\'' | '’' | '-' | '‐') && !previous_joiner {
            previous_joiner = true;
            continue;
        } else {
            in_word = false;
        }
        previous_joiner = false;
    }
    words += cjk.div_ceil(CJK_CHARS_PER_WORD) + southeast.div_ceil(SOUTHEAST_ASIAN_CHARS_PER_WORD);
    TextCount { words, chars }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF // Hiragana, Katakana
        | 0x31F0..=0x31FF // Katakana extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFF66..=0xFF9F // half-width Katakana
        | 0x20000..=0x3FFFF) // supplementary ideographs
}

fn is_southeast_asian(c: char) -> bool {
    matches!(c as u32, 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_are_counted_with_contractions_and_hyphens() {
        let counted = count("  Don't stop — the well-known  train\n leaves at noon. ");
        assert_eq!(counted.words, 8);
        assert_eq!(
            counted.chars,
            "Don't stop — the well-known train leaves at noon."
                .chars()
                .count()
        );
    }

    #[test]
    fn cjk_text_counts_two_characters_per_word() {
        // 12 ideographs and kana (6 words); the ideographic full stop is not a character of a word.
        assert_eq!(count("吾輩は猫である。名前はまだ").words, 6);
        assert_eq!(count("我爱读书。").words, 2);
        assert_eq!(count("東京 Tokyo 駅").words, 1 + 2);
    }

    #[test]
    fn thai_counts_five_characters_per_word_and_hangul_uses_spaces() {
        assert_eq!(count("สวัสดีครับ").words, 2);
        assert_eq!(count("기차에서 책을 읽어요").words, 3);
    }

    #[test]
    fn a_dash_alone_is_not_a_word() {
        assert_eq!(count("- - -").words, 0);
        assert_eq!(count("a - b").words, 2);
    }
}
