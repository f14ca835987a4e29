//! The JSON a publisher sees of a title, and the settings a publisher sends.

use serde_json::{Value, json};

use crate::catalog::excerpt_plan::Preview;
use crate::catalog::title::{Settings, TitleRecord, rfc3339};
use crate::error::AppError;
use crate::excerpts::{Excerpt, ExcerptPolicy};

/// Longest offer link accepted.
const MAX_URL: usize = 2_000;
/// Most collections per title, and the longest collection name.
const MAX_COLLECTIONS: usize = 50;
const MAX_COLLECTION_NAME: usize = 64;

/// A title as the publisher API answers it (SPEC §3 shape).
pub fn title_json(record: &TitleRecord) -> Value {
    let s = &record.summary;
    let excerpt = &record.excerpt.excerpt;
    json!({
        "id": record.id,
        "title": s.title,
        "authors": s.authors,
        "language": s.language,
        "description": s.description,
        "layout": s.layout,
        "direction": s.direction,
        "chapters": s.chapters,
        "contents": s.contents.iter().enumerate().map(|(index, item)| json!({
            "index": index,
            "title": item.title,
            "role": item.role,
            "words": item.words,
            "page": item.page,
        })).collect::<Vec<_>>(),
        "excerpt": excerpt_json(record.settings.policy, excerpt),
        "offer_url": record.settings.offer_url,
        "cover": s.thumbnail.then(|| format!("/api/v1/publisher/titles/{}/cover?v={}", record.id, record.version)),
        "collections": record.settings.collections,
        "live": record.settings.live,
        "created_at": rfc3339(record.created_at),
        "updated_at": rfc3339(record.updated_at),
    })
}

/// What an excerpt gives passengers, as titles and previews show it.
pub fn excerpt_json(policy: ExcerptPolicy, excerpt: &Excerpt) -> Value {
    json!({
        "policy": policy,
        "chapters": excerpt.chapters(),
        "words": excerpt.words(),
        "pages": excerpt.pages(),
        "reading_minutes": excerpt.reading_minutes(),
        "complete": excerpt.is_complete(),
    })
}

/// A policy preview (`POST …/excerpt/preview`).
pub fn preview_json(policy: ExcerptPolicy, preview: &Preview) -> Value {
    json!({
        "excerpt": excerpt_json(policy, &preview.excerpt),
        "cut": preview.cut,
        "last_chapter_title": preview.last_chapter_title,
        "last_paragraph": preview.last_paragraph,
    })
}

/// The policy of a preview request: `{"excerpt": {"chapters": 3}}` and nothing else.
pub fn preview_policy(body: &Value) -> Result<ExcerptPolicy, AppError> {
    let object = body
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("excerpt"))
        .ok_or_else(|| {
            invalid(
                "send {\"excerpt\": {…}} with one of chapters, percent, words, characters or pages",
            )
        })?;
    ExcerptPolicy::parse_json(object).map_err(|e| AppError::unprocessable(e.code(), e.to_string()))
}

/// Applies one setting given as a form field or query parameter; any other
/// name is refused, so a misspelt setting is never silently ignored.
pub fn apply_known_field(settings: &mut Settings, name: &str, value: &str) -> Result<(), AppError> {
    if apply_field(settings, name, value)? {
        Ok(())
    } else {
        Err(invalid(&format!(
            "unknown field {name:?}: use chapters, percent, words, characters or pages (the excerpt), offer_url, collections or live"
        )))
    }
}

/// Applies one setting given as a form field or query parameter; false when the name is not a setting.
fn apply_field(settings: &mut Settings, name: &str, value: &str) -> Result<bool, AppError> {
    match name {
        "chapters" | "percent" | "words" | "characters" | "pages" => {
            settings.policy = ExcerptPolicy::parse_field(name, value)
                .map_err(|e| AppError::unprocessable(e.code(), e.to_string()))?;
        }
        "offer_url" => settings.offer_url = offer_url(value)?,
        "collections" => {
            settings.collections = collections(value.split(',').map(str::to_string).collect())?
        }
        "live" => settings.live = matches!(value.trim(), "true" | "1" | "yes" | "on"),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Applies a `PATCH` document: `excerpt`, `offer_url`, `collections`, `live`.
pub fn apply_patch(settings: &mut Settings, patch: &Value) -> Result<(), AppError> {
    let Some(object) = patch.as_object() else {
        return Err(invalid("the body must be a JSON object"));
    };
    for (key, value) in object {
        match key.as_str() {
            "excerpt" => {
                settings.policy = ExcerptPolicy::parse_json(value)
                    .map_err(|e| AppError::unprocessable(e.code(), e.to_string()))?;
            }
            "offer_url" if value.is_null() => settings.offer_url = None,
            "offer_url" => {
                settings.offer_url = offer_url(
                    value
                        .as_str()
                        .ok_or_else(|| invalid("offer_url must be a string"))?,
                )?
            }
            "collections" => {
                let names = value
                    .as_array()
                    .ok_or_else(|| invalid("collections must be an array of strings"))?;
                let names: Option<Vec<String>> = names
                    .iter()
                    .map(|n| n.as_str().map(str::to_string))
                    .collect();
                settings.collections = collections(
                    names.ok_or_else(|| invalid("collections must be an array of strings"))?,
                )?;
            }
            "live" => {
                settings.live = value
                    .as_bool()
                    .ok_or_else(|| invalid("live must be true or false"))?
            }
            other => {
                return Err(invalid(&format!(
                    "unknown field {other:?}: use excerpt, offer_url, collections or live"
                )));
            }
        }
    }
    Ok(())
}

fn invalid(detail: &str) -> AppError {
    AppError::unprocessable("title-settings-invalid", detail.to_string())
}

/// An absolute `https` or `http` link without spaces or controls.
fn offer_url(value: &str) -> Result<Option<String>, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let scheme_ok = value.starts_with("https://") || value.starts_with("http://");
    let clean = !value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>');
    if !scheme_ok || !clean || value.len() > MAX_URL {
        return Err(invalid(
            "offer_url must be an absolute http(s) link of at most 2,000 characters",
        ));
    }
    Ok(Some(value.to_string()))
}

fn collections(names: Vec<String>) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim().to_string();
        if name.is_empty() || out.contains(&name) {
            continue;
        }
        if name.chars().count() > MAX_COLLECTION_NAME || name.chars().any(char::is_control) {
            return Err(invalid(
                "a collection name has at most 64 characters and no control characters",
            ));
        }
        out.push(name);
    }
    if out.len() > MAX_COLLECTIONS {
        return Err(invalid("a title belongs to at most 50 collections"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_changes_only_what_it_names_and_refuses_bad_links() {
        let mut settings = Settings::default();
        apply_patch(
            &mut settings,
            &json!({"excerpt": {"chapters": 2}, "collections": ["ter", "ter", " nuit "]}),
        )
        .unwrap();
        assert_eq!(settings.collections, ["ter", "nuit"]);
        assert!(settings.live);
        assert!(apply_patch(&mut settings, &json!({"offer_url": "javascript:alert(1)"})).is_err());
        assert!(apply_patch(&mut settings, &json!({"colour": "red"})).is_err());
        apply_patch(
            &mut settings,
            &json!({"offer_url": "https://libraire.example/livre", "live": false}),
        )
        .unwrap();
        assert_eq!(
            settings.offer_url.as_deref(),
            Some("https://libraire.example/livre")
        );
        assert!(!settings.live);
    }
}
