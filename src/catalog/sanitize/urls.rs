//! Every reference in a chapter goes through here: remote and scripted URLs are
//! refused before the resolver is asked, and what we write back is built by us
//! (`../resources/r{id}`, `{chapter}#{fragment}`), never copied from the input.

use super::RefTarget;

/// What a reference may become, depending on where it appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// `a href`: a chapter, a fragment of this chapter, or a book resource.
    Link,
    /// `img src`, stylesheets, fonts, `@import`: only a book resource.
    Resource,
    /// SVG `use`, gradients, CSS `url(#filter)`: only a fragment of this chapter.
    Fragment,
    /// CSS `url()`: a book resource or a fragment of this chapter.
    ResourceOrFragment,
}

/// A rewritten reference: the URL to write and the resource it uses, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub url: String,
    pub resource: Option<usize>,
}

/// The URL under which a book resource is served, relative to a chapter or a stylesheet.
pub fn resource_url(id: usize) -> String {
    format!("../resources/r{id}")
}

/// Rewrites one raw reference, or `None` when it must be dropped.
pub fn rewrite(raw: &str, want: Want, resolve: &dyn Fn(&str) -> RefTarget) -> Option<Rewritten> {
    let cleaned: String = raw
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if let Some(fragment) = cleaned.strip_prefix('#') {
        let fragment_ok = !fragment.is_empty() && want != Want::Resource;
        return fragment_ok.then(|| Rewritten {
            url: format!("#{fragment}"),
            resource: None,
        });
    }
    if want == Want::Fragment || cleaned.is_empty() || is_remote_or_scheme(&cleaned) {
        return None;
    }
    match resolve(raw) {
        RefTarget::Resource(id) if want != Want::Fragment => Some(Rewritten {
            url: resource_url(id),
            resource: Some(id),
        }),
        RefTarget::Chapter { index, fragment } if want == Want::Link => {
            let url = match fragment.filter(|f| !f.is_empty()) {
                Some(fragment) => format!("{index}#{fragment}"),
                None => index.to_string(),
            };
            Some(Rewritten {
                url,
                resource: None,
            })
        }
        _ => None,
    }
}

/// True for network-path references (`//host`, `\\host`) and anything with a
/// scheme (`http:`, `javascript:`, `data:`, `blob:`, `file:`, `mailto:`…).
fn is_remote_or_scheme(url: &str) -> bool {
    let bytes = url.as_bytes();
    if bytes.len() >= 2 && matches!(bytes[0], b'/' | b'\\') && matches!(bytes[1], b'/' | b'\\') {
        return true;
    }
    let end = url.find(['/', '?', '#', '\\']).unwrap_or(url.len());
    match url[..end].find(':') {
        Some(colon) => {
            let scheme = &url[..colon];
            // `chapter:1.xhtml`-like relative names are rare; refusing them is the safe side.
            colon == 0
                || scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(raw: &str) -> RefTarget {
        match raw {
            "img/a.png" => RefTarget::Resource(3),
            "ch2.xhtml#n1" => RefTarget::Chapter {
                index: 2,
                fragment: Some("n1".into()),
            },
            _ => RefTarget::Resource(99),
        }
    }

    #[test]
    fn scripted_and_remote_urls_never_reach_the_resolver() {
        for raw in [
            "javascript:alert(1)",
            " JaVa\tScRiPt:alert(1)",
            "data:image/png;base64,AAAA",
            "blob:x",
            "file:///etc/passwd",
            "http://evil.test/p.png",
            "https://evil.test/",
            "//evil.test/p.png",
            "\\\\evil.test\\p",
            "/\\evil.test",
            "ftp://x/y",
            "mailto:a@b.c",
            "\u{1}javascript:alert(1)",
            "vbscript:x",
            "",
        ] {
            assert_eq!(rewrite(raw, Want::Link, &resolver), None, "{raw:?}");
        }
    }

    #[test]
    fn book_references_are_rewritten_to_ids() {
        let image = rewrite("img/a.png", Want::Resource, &resolver).unwrap();
        assert_eq!(
            image,
            Rewritten {
                url: "../resources/r3".into(),
                resource: Some(3)
            }
        );
        let link = rewrite("ch2.xhtml#n1", Want::Link, &resolver).unwrap();
        assert_eq!(link.url, "2#n1");
        assert_eq!(rewrite("ch2.xhtml#n1", Want::Resource, &resolver), None);
        assert_eq!(rewrite("#fn3", Want::Link, &resolver).unwrap().url, "#fn3");
        assert_eq!(rewrite("#fn3", Want::Resource, &resolver), None);
        assert_eq!(rewrite("img/a.png", Want::Fragment, &resolver), None);
    }
}
