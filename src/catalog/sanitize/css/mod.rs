//! Publisher CSS: layout and typography stay; anything that loads, binds or
//! escapes the page goes (`@import` outside the book, remote `url()`,
//! `expression()`, `behavior`, `-moz-binding`, fixed and sticky positioning).

mod declarations;
mod scan;

use super::RefTarget;
use super::urls::{Want, rewrite};
pub(super) use declarations::sanitize_declarations;
pub(super) use declarations::sanitize_value as sanitize_value_for_attribute;
use scan::{find_top_level, strip_comments, take_block};

/// A cleaned stylesheet and the book resources (fonts, images, imports) it uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SanitizedCss {
    /// The stylesheet text, free of `<` and `&` so it is safe inside `<style>` too.
    pub text: String,
    /// Resource ids referenced by `url()` and `@import`, in order of appearance.
    pub resources: Vec<usize>,
}

/// Cleans a stylesheet; references are resolved like the chapter's (see `RefTarget`).
pub fn sanitize_css(css: &str, resolve: &dyn Fn(&str) -> RefTarget) -> String {
    sanitize_stylesheet(css, resolve).text
}

/// Cleans a stylesheet and reports the resources it uses.
pub fn sanitize_stylesheet(css: &str, resolve: &dyn Fn(&str) -> RefTarget) -> SanitizedCss {
    let mut out = SanitizedCss::default();
    let css = strip_comments(css);
    rules(&css, resolve, &mut out, 0);
    out
}

/// Nesting of `@media`/`@supports` blocks beyond this is dropped (no real book needs it).
const MAX_NESTING: usize = 8;

fn rules(
    mut rest: &str,
    resolve: &dyn Fn(&str) -> RefTarget,
    out: &mut SanitizedCss,
    depth: usize,
) {
    loop {
        rest = rest.trim_start();
        let Some((at, stop)) = find_top_level(rest, &['{', ';', '}']) else {
            return;
        };
        let prelude = rest[..at].trim();
        if stop != '{' {
            // A statement (`@import …;`, `@charset …;`) or a stray `}` ends here.
            if stop == ';' && starts_with_keyword(prelude, "@import") {
                import(prelude, resolve, out);
            }
            rest = &rest[at + 1..];
            continue;
        }
        let (block, after) = take_block(&rest[at + 1..]);
        rest = after;
        if !safe_prelude(prelude) {
            continue;
        }
        let keyword = prelude
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("");
        match keyword.to_ascii_lowercase().as_str() {
            "@media" | "@supports" | "@layer" | "@container" | "@keyframes"
            | "@-webkit-keyframes" | "@-moz-keyframes"
                if depth < MAX_NESTING =>
            {
                out.text.push_str(prelude);
                out.text.push('{');
                rules(block, resolve, out, depth + 1);
                out.text.push('}');
            }
            // A book's fonts never hold its text back: the phone shows it at
            // once in a system font and swaps when the font arrives (on a slow
            // network a book's fonts can weigh a megabyte). Last, so it wins.
            "@font-face" => declaration_block(prelude, block, "font-display:swap;", resolve, out),
            "@page" | "@counter-style" | "@property" => {
                declaration_block(prelude, block, "", resolve, out)
            }
            at_rule if at_rule.starts_with('@') => {}
            _ => declaration_block(&rewrite_selector(prelude), block, "", resolve, out),
        }
    }
}

/// A rule with its cleaned declarations, then `added` ones of ours.
fn declaration_block(
    prelude: &str,
    block: &str,
    added: &str,
    resolve: &dyn Fn(&str) -> RefTarget,
    out: &mut SanitizedCss,
) {
    // Nested at-rules (`@top-center` in `@page`) are dropped with their contents.
    let flat = strip_nested_blocks(block);
    let declarations = sanitize_declarations(&flat, resolve, &mut out.resources);
    out.text.push_str(prelude);
    out.text.push('{');
    out.text.push_str(&declarations);
    out.text.push_str(added);
    out.text.push_str("}\n");
}

fn strip_nested_blocks(block: &str) -> String {
    let mut flat = String::new();
    let mut rest = block;
    while let Some((at, _)) = find_top_level(rest, &['{']) {
        let statement_start = rest[..at].rfind(';').map_or(0, |i| i + 1);
        flat.push_str(&rest[..statement_start]);
        rest = take_block(&rest[at + 1..]).1;
    }
    flat.push_str(rest);
    flat
}

/// Selectors and at-rule preludes load nothing, unless they smuggle markup.
/// Escapes are fine here: the scanner skips escaped characters as browsers do.
fn safe_prelude(prelude: &str) -> bool {
    let lower = prelude.to_ascii_lowercase();
    !prelude.is_empty() && !prelude.contains(['<', '&']) && !lower.contains("url(")
}

/// Selectors on `epub:type` (namespaced or escaped) follow it to `data-epub-type`.
fn rewrite_selector(selector: &str) -> String {
    selector
        .replace("epub|type", "data-epub-type")
        .replace("epub\\:type", "data-epub-type")
}

fn starts_with_keyword(text: &str, keyword: &str) -> bool {
    text.get(..keyword.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(keyword))
}

/// `@import url(x) media;` or `@import "x" media;`: only book stylesheets, media kept when plain.
fn import(prelude: &str, resolve: &dyn Fn(&str) -> RefTarget, out: &mut SanitizedCss) {
    let target = prelude["@import".len()..].trim_start();
    let (raw, media) = if starts_with_keyword(target, "url(") {
        let Some(close) = target.find(')') else {
            return;
        };
        (
            target[4..close].trim().trim_matches(['"', '\'']),
            &target[close + 1..],
        )
    } else if let Some(quote) = target.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let Some(close) = target[1..].find(quote) else {
            return;
        };
        (&target[1..close + 1], &target[close + 2..])
    } else {
        return;
    };
    let media = media.trim();
    let plain_media = media
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " ,-".contains(c));
    if raw.contains(['\\', '"', '\'', '(', ')']) || !plain_media {
        return;
    }
    let Some(rewritten) = rewrite(raw, Want::Resource, resolve) else {
        return;
    };
    out.resources.extend(rewritten.resource);
    out.text
        .push_str(&format!("@import url(\"{}\") {media};\n", rewritten.url));
}
