//! References inside the package, resolved to archive entry names: percent
//! decoding, relative to the referring file, `.` and `..` removed, and never
//! above the container root.

/// A reference split into the archive path it names and its fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The archive entry name.
    pub path: String,
    /// The fragment after `#`, if any (still percent-encoded as written).
    pub fragment: Option<String>,
}

/// What a reference is when it does not name a file of the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// It has a scheme or starts with `//`: remote or scripted, never fetched.
    Remote,
    /// It climbs above the container root.
    Escapes,
    /// Only a fragment, or empty: it points into the referring file itself.
    SameDocument,
}

/// The directory part of an entry name (`OPS/text/` for `OPS/text/c1.xhtml`).
pub fn base_dir(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

/// Resolves `href` as written in the file at `from`.
pub fn resolve(from: &str, href: &str) -> Result<Resolved, Unresolved> {
    let href = href.trim();
    if is_remote(href) {
        return Err(Unresolved::Remote);
    }
    let (path_part, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (href, None),
    };
    let path_part = path_part.split('?').next().unwrap_or_default();
    if path_part.is_empty() {
        return Err(Unresolved::SameDocument);
    }
    let decoded = percent_decode(path_part);
    let joined = if decoded.starts_with('/') {
        decoded.trim_start_matches('/').to_string()
    } else {
        format!("{}{decoded}", base_dir(from))
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop().ok_or(Unresolved::Escapes)?;
            }
            s => segments.push(s),
        }
    }
    Ok(Resolved {
        path: segments.join("/"),
        fragment,
    })
}

/// True for anything with a URL scheme (`http:`, `javascript:`, `data:`…) or a network path.
pub fn is_remote(href: &str) -> bool {
    if href.starts_with("//") || href.starts_with("\\\\") {
        return true;
    }
    let end = href.find(['/', '?', '#']).unwrap_or(href.len());
    href[..end].contains(':')
}

/// Decodes `%XX` escapes; invalid escapes and non-UTF-8 results are kept as written.
pub fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_references_resolve_against_the_referring_file() {
        let r = resolve("OPS/text/c1.xhtml", "../images/a%20b.png#x").unwrap();
        assert_eq!(r.path, "OPS/images/a b.png");
        assert_eq!(r.fragment.as_deref(), Some("x"));
        assert_eq!(resolve("book.opf", "c1.xhtml").unwrap().path, "c1.xhtml");
    }

    #[test]
    fn climbing_above_the_root_is_refused() {
        assert_eq!(
            resolve("EPUB/package.opf", "../../../../EPUB/x.xhtml"),
            Err(Unresolved::Escapes)
        );
    }

    #[test]
    fn remote_and_scripted_references_are_not_files() {
        for href in [
            "http://example.org/a.xhtml",
            "javascript:alert(1)",
            "//host/x",
            "data:a",
        ] {
            assert_eq!(
                resolve("a/b.xhtml", href),
                Err(Unresolved::Remote),
                "{href}"
            );
        }
        assert_eq!(resolve("a/b.xhtml", "#n1"), Err(Unresolved::SameDocument));
    }
}
