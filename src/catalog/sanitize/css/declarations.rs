//! Declarations (`name: value`): the place where CSS can load things or run
//! code, so values are rebuilt token by token and anything unknown drops the
//! whole declaration.

use super::super::RefTarget;
use super::super::urls::{Want, rewrite};
use super::scan::split_declarations;

/// Functions that compute values and never fetch anything (`image-set`,
/// `cross-fade`, `element`, `attr`, `expression` and every unknown one are refused).
#[rustfmt::skip]
const SAFE_FUNCTIONS: &[&str] = &[
    "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "color-mix",
    "calc", "min", "max", "clamp", "var", "env", "counter", "counters", "local", "format", "tech",
    "linear-gradient", "radial-gradient", "conic-gradient", "repeating-linear-gradient",
    "repeating-radial-gradient", "repeating-conic-gradient", "-webkit-linear-gradient",
    "-webkit-radial-gradient", "-moz-linear-gradient", "-moz-radial-gradient", "translate",
    "translatex", "translatey", "translatez", "translate3d", "rotate", "rotatex", "rotatey",
    "rotatez", "rotate3d", "scale", "scalex", "scaley", "scalez", "scale3d", "skew", "skewx",
    "skewy", "matrix", "matrix3d", "perspective", "cubic-bezier", "steps", "minmax", "repeat",
    "fit-content", "blur", "brightness", "contrast", "drop-shadow", "grayscale", "hue-rotate",
    "invert", "opacity", "saturate", "sepia", "rect", "inset", "circle", "ellipse", "polygon",
];

/// Properties that bind behaviour (old IE, old Firefox) rather than style.
const REFUSED_PROPERTIES: &[&str] = &["behavior", "-ms-behavior", "-moz-binding", "binding"];

/// The cleaned text of a declaration list and the book resources it uses.
pub fn sanitize_declarations(
    block: &str,
    resolve: &dyn Fn(&str) -> RefTarget,
    resources: &mut Vec<usize>,
) -> String {
    let mut out = String::new();
    for declaration in split_declarations(block) {
        let Some((name, value)) = declaration.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if !valid_property(&name) || REFUSED_PROPERTIES.contains(&name.as_str()) {
            continue;
        }
        if name == "position" {
            let value = value.to_ascii_lowercase().replace("!important", "");
            if matches!(value.trim(), "fixed" | "sticky" | "-webkit-sticky") {
                continue;
            }
        }
        let mut used = Vec::new();
        if let Some(value) = sanitize_value(value.trim(), resolve, &mut used) {
            resources.extend(used);
            out.push_str(&name);
            out.push(':');
            out.push_str(&value);
            out.push(';');
        }
    }
    out
}

fn valid_property(name: &str) -> bool {
    let body = name
        .strip_prefix("--")
        .or_else(|| name.strip_prefix('-'))
        .unwrap_or(name);
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Rebuilds a value, or `None` when any part of it is not provably harmless.
pub fn sanitize_value(
    value: &str,
    resolve: &dyn Fn(&str) -> RefTarget,
    resources: &mut Vec<usize>,
) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut ident = String::new();
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' => {
                let (text, len) = read_string(&value[i..])?;
                push_string(&mut out, &text);
                while chars.peek().is_some_and(|(j, _)| *j < i + len) {
                    chars.next();
                }
            }
            '(' => {
                let function = ident.to_ascii_lowercase();
                if function == "url" {
                    let (url, len) = read_url(&value[i + 1..])?;
                    out.truncate(out.len() - ident.len());
                    out.push_str(&css_url(&url, resolve, resources)?);
                    while chars.peek().is_some_and(|(j, _)| *j <= i + 1 + len) {
                        chars.next();
                    }
                } else if function.is_empty() || SAFE_FUNCTIONS.contains(&function.as_str()) {
                    out.push('(');
                } else {
                    return None;
                }
            }
            // Escapes could spell `expression` or `url` in disguise; markup characters
            // could end an inline `<style>`.
            '\\' | '<' | '&' | '{' | '}' | ';' => return None,
            _ => out.push(c),
        }
        if c.is_alphanumeric() || c == '-' || c == '_' {
            ident.push(c);
        } else {
            ident.clear();
        }
    }
    Some(out)
}

/// Reads a quoted string; returns its content and its byte length with quotes.
fn read_string(text: &str) -> Option<(String, usize)> {
    let quote = text.chars().next()?;
    let mut content = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            _ if c == quote => return Some((content, i + 1)),
            '\n' => return None,
            // An escaped character inside a string is kept literally (`"\201C"` stays
            // valid CSS); the escape itself is re-emitted as written.
            '\\' => {
                content.push('\\');
                content.push(chars.next()?.1);
            }
            _ => content.push(c),
        }
    }
    None
}

/// Writes a string token; `<` and `&` become CSS escapes so no markup can appear.
fn push_string(out: &mut String, content: &str) {
    out.push('"');
    for c in content.chars() {
        match c {
            '<' => out.push_str("\\3c "),
            '&' => out.push_str("\\26 "),
            '"' => out.push_str("\\22 "),
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// Reads the argument of `url(` up to its `)`: the raw URL and the byte length consumed.
fn read_url(text: &str) -> Option<(String, usize)> {
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    let (url, after) = match rest.chars().next()? {
        '"' | '\'' => {
            let (url, len) = read_string(rest)?;
            (url, start + len)
        }
        _ => {
            let end = rest.find(')')?;
            (rest[..end].trim_end().to_string(), start + end)
        }
    };
    if url.contains(['\\', '"', '\'', '(', ')']) || url.contains(char::is_whitespace) {
        return None;
    }
    let close = text[after..].find(')')?;
    text[after..after + close]
        .trim()
        .is_empty()
        .then_some((url, after + close))
}

fn css_url(
    raw: &str,
    resolve: &dyn Fn(&str) -> RefTarget,
    resources: &mut Vec<usize>,
) -> Option<String> {
    let rewritten = rewrite(raw, Want::ResourceOrFragment, resolve)?;
    let safe = rewritten
        .url
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "#/._-:".contains(c));
    if !safe {
        return None;
    }
    resources.extend(rewritten.resource);
    Some(format!("url(\"{}\")", rewritten.url))
}
