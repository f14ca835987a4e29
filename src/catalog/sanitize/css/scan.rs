//! The few lexical rules of CSS that decide where things end: comments,
//! strings, escapes and nesting. Splitting exactly where a browser would is what
//! keeps a hostile stylesheet from smuggling a rule past the sanitizer.

/// Replaces every comment with a space (an unterminated one runs to the end).
pub fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                out.push(c);
                out.extend(chars.next());
            }
            (Some(q), _) => {
                if c == q || c == '\n' {
                    quote = None;
                }
                out.push(c);
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '\\') => {
                out.push(c);
                out.extend(chars.next());
            }
            (None, '/') if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
                out.push(' ');
            }
            (None, _) => out.push(c),
        }
    }
    out
}

/// Finds the first of `stops` at nesting depth 0, outside strings and escapes.
/// Returns its byte index and the character.
pub fn find_top_level(text: &str, stops: &[char]) -> Option<(usize, char)> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (_, '\\') => escaped = true,
            (Some(q), _) if c == q || c == '\n' => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, _) if depth == 0 && stops.contains(&c) => return Some((i, c)),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Splits `{ block } rest` (the text just after an opening brace) into the block's
/// inside and what follows its closing brace; an unclosed block runs to the end.
pub fn take_block(text: &str) -> (&str, &str) {
    let mut depth = 0usize;
    let mut rest = text;
    let mut offset = 0;
    while let Some((i, c)) = find_top_level(rest, &['{', '}']) {
        let at = offset + i;
        if c == '{' {
            depth += 1;
        } else if depth == 0 {
            return (&text[..at], &text[at + 1..]);
        } else {
            depth -= 1;
        }
        offset = at + 1;
        rest = &text[offset..];
    }
    (text, "")
}

/// Splits a declaration list on top-level semicolons.
pub fn split_declarations(block: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = block;
    while let Some((i, _)) = find_top_level(rest, &[';']) {
        parts.push(&rest[..i]);
        rest = &rest[i + 1..];
    }
    parts.push(rest);
    parts
}
