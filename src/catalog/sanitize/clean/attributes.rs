//! The attributes of kept elements: allowlisted names, URLs rewritten through
//! `urls::rewrite`, inline styles sanitized, `epub:type` mapped to roles.

use super::super::RefTarget;
use super::super::css::{sanitize_declarations, sanitize_value_for_attribute};
use super::super::policy::{dpub_role, foreign_attr_allowed, html_attr_allowed};
use super::super::tree::Ns;
use super::super::urls::{Want, rewrite};
use super::{Cleaner, dir_of};

impl Cleaner<'_> {
    /// The kept attributes of an HTML element, or `None` to drop it (an image without a source).
    pub(super) fn html_attributes(
        &mut self,
        name: &str,
        attrs: &[(String, String)],
    ) -> Option<Vec<(String, String)>> {
        let mut kept: Vec<(String, String)> = Vec::new();
        let (mut src, mut anchor, mut xml_lang, mut epub_type) = (None, None, None, None);
        for (attr, value) in attrs {
            match (name, attr.as_str()) {
                ("a", "href") => {
                    if let Some(link) = rewrite(value, Want::Link, self.resolve) {
                        kept.push(("href".into(), link.url));
                    }
                }
                ("img", "src") => src = rewrite(value, Want::Resource, self.resolve),
                ("a", "name") => anchor = Some(value.clone()),
                (_, "xml:lang") => xml_lang = Some(value.clone()),
                (_, "epub:type") => epub_type = Some(value.clone()),
                (_, "dir") if dir_of(attrs).is_none() => {}
                (_, "style") => self.push_style(value, &mut kept),
                (_, attr) if html_attr_allowed(name, attr) => {
                    kept.push((attr.into(), value.clone()))
                }
                _ => {}
            }
        }
        if name == "img" {
            kept.insert(0, ("src".into(), src?.url));
        }
        finish_common(&mut kept, anchor, xml_lang, epub_type);
        Some(kept)
    }

    pub(super) fn foreign_attributes(
        &mut self,
        ns: Ns,
        name: &str,
        attrs: &[(String, String)],
    ) -> Option<Vec<(String, String)>> {
        let mut kept: Vec<(String, String)> = Vec::new();
        for (attr, value) in attrs {
            match attr.as_str() {
                "href" | "xlink:href" if ns == Ns::Svg => {
                    let want = match name {
                        "image" => Want::Resource,
                        "a" => Want::Link,
                        _ => Want::Fragment,
                    };
                    if let Some(link) = rewrite(value, want, self.resolve) {
                        kept.retain(|(n, _)| n != "href");
                        kept.push(("href".into(), link.url));
                    }
                }
                "style" => self.push_style(value, &mut kept),
                "xml:lang" => kept.push(("xml:lang".into(), value.clone())),
                attr if foreign_attr_allowed(ns, attr) => {
                    if let Some(value) = self.foreign_value(value) {
                        kept.push((attr.into(), value));
                    }
                }
                _ => {}
            }
        }
        if ns == Ns::Svg && name == "image" && !kept.iter().any(|(n, _)| n == "href") {
            return None;
        }
        Some(kept)
    }

    /// Presentation values may only use `url(#local)`; anything else drops the attribute.
    fn foreign_value(&mut self, value: &str) -> Option<String> {
        if !value.to_ascii_lowercase().contains("url(") {
            return Some(value.to_string());
        }
        let mut unused = Vec::new();
        let resolve_nothing = |_: &str| RefTarget::Drop;
        sanitize_value_for_attribute(value, &resolve_nothing, &mut unused)
    }

    fn push_style(&mut self, value: &str, kept: &mut Vec<(String, String)>) {
        let css = sanitize_declarations(value, self.resolve, &mut Vec::new());
        if !css.is_empty() {
            kept.push(("style".into(), css));
        }
    }
}

/// Applies what every HTML element shares: `name` anchors become ids, `xml:lang`
/// mirrors `lang`, `epub:type` becomes `data-epub-type` plus a DPUB-ARIA role.
fn finish_common(
    kept: &mut Vec<(String, String)>,
    anchor: Option<String>,
    xml_lang: Option<String>,
    epub_type: Option<String>,
) {
    let has = |kept: &Vec<(String, String)>, name: &str| kept.iter().any(|(n, _)| n == name);
    if let Some(anchor) = anchor.filter(|_| !has(kept, "id")) {
        kept.push(("id".into(), anchor));
    }
    let lang = kept
        .iter()
        .find(|(n, _)| n == "lang")
        .map(|(_, v)| v.clone())
        .or(xml_lang);
    if let Some(lang) = lang {
        kept.retain(|(n, _)| n != "lang");
        kept.push(("lang".into(), lang.clone()));
        kept.push(("xml:lang".into(), lang));
    }
    if let Some(epub_type) = epub_type {
        let role = epub_type.split_whitespace().find_map(dpub_role);
        if let Some(role) = role.filter(|_| !has(kept, "role")) {
            kept.push(("role".into(), role));
        }
        kept.push(("data-epub-type".into(), epub_type));
    }
}
