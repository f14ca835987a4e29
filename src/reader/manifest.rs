//! The JSON documents a passenger's reader and OPDS apps read: the Readium
//! Web Publication Manifest of an excerpt, its positions list, catalog
//! entries and the OPDS 2 feed. Pure functions of what ingestion prepared.

use serde_json::{Map, Value, json};

use super::library::Servable;
use crate::catalog::package::{Direction, Layout};
use crate::catalog::publication::TocLink;
use crate::catalog::title::TitleRecord;

const XHTML: &str = "application/xhtml+xml";
/// Media type of a manifest.
pub const WEBPUB: &str = "application/webpub+json";

/// Base path of a title's passenger routes; manifest hrefs are relative to it.
pub fn title_base(id: &str) -> String {
    format!("/api/v1/titles/{id}/")
}

/// The Readium manifest of the excerpt: nothing outside the excerpt appears,
/// and locked TOC entries point at `locked` (a 403 with the offer), never at content.
pub fn manifest(s: &Servable) -> Value {
    let id = s.record.id.as_str();
    let p = &s.publication;
    let reading_order: Vec<Value> = (0..p.chapters.len())
        .filter(|&n| s.allows_chapter(n))
        .map(|n| {
            let c = &p.chapters[n];
            let mut link = json!({"href": format!("chapters/{n}"), "type": XHTML});
            if !c.title.is_empty() {
                link["title"] = Value::String(c.title.clone());
            }
            if c.fixed {
                link["properties"] = json!({"layout": "fixed"});
            }
            link
        })
        .collect();
    let resources: Vec<Value> = s
        .resource_ids()
        .into_iter()
        .map(|r| json!({"href": format!("resources/r{r}"), "type": s.resource_type(r).unwrap_or("application/octet-stream")}))
        .collect();
    let toc: Vec<Value> = p.toc.iter().map(|t| toc_link(s, t)).collect();
    let base = title_base(id);
    let mut links = vec![
        json!({"rel": ["self", "preview"], "href": format!("{base}manifest"), "type": WEBPUB}),
        json!({"rel": "http://readium.org/webpub-manifest/positions", "href": "positions", "type": "application/vnd.readium.position-list+json"}),
    ];
    if s.record.settings.offer_url.is_some() {
        links.push(json!({"rel": "http://opds-spec.org/acquisition/buy", "href": "offer", "type": "text/html"}));
    }
    if p.thumbnail.is_some() {
        links.push(json!({"rel": "cover", "href": "cover", "type": cover_type(s)}));
    }
    json!({
        "@context": "https://readium.org/webpub-manifest/context.jsonld",
        "metadata": metadata(s),
        "links": links,
        "readingOrder": reading_order,
        "resources": resources,
        "toc": toc,
    })
}

fn metadata(s: &Servable) -> Value {
    let m = &s.publication.metadata;
    let mut meta = Map::new();
    meta.insert("@type".into(), json!("http://schema.org/Book"));
    meta.insert(
        "conformsTo".into(),
        json!("https://readium.org/webpub-manifest/profiles/epub"),
    );
    meta.insert(
        "identifier".into(),
        json!(format!("urn:trajet:title:{}", s.record.id)),
    );
    meta.insert("title".into(), json!(m.title));
    if !m.authors.is_empty() {
        meta.insert("author".into(), json!(m.authors));
    }
    if !m.language.is_empty() {
        meta.insert("language".into(), json!(m.language));
    }
    if let Some(d) = &m.description {
        meta.insert("description".into(), json!(d));
    }
    if let Some(p) = &m.publisher {
        meta.insert("publisher".into(), json!(p));
    }
    if let Some(isbn) = &m.isbn {
        meta.insert("altIdentifier".into(), json!([format!("urn:isbn:{isbn}")]));
    }
    // Unstated direction: the reading system decides from the language (RWPM knows only ltr/rtl).
    match m.direction {
        Direction::Ltr => meta.insert("readingProgression".into(), json!("ltr")),
        Direction::Rtl => meta.insert("readingProgression".into(), json!("rtl")),
        Direction::Auto => None,
    };
    let layout = match m.layout {
        Layout::Fixed => "fixed",
        Layout::Reflowable => "reflowable",
    };
    meta.insert("presentation".into(), json!({"layout": layout}));
    let a = &m.accessibility;
    let mut a11y = Map::new();
    if !a.conforms_to.is_empty() {
        a11y.insert("conformsTo".into(), json!(a.conforms_to));
    }
    for (key, values) in [
        ("accessMode", &a.access_modes),
        ("accessModeSufficient", &a.access_modes_sufficient),
        ("feature", &a.features),
        ("hazard", &a.hazards),
    ] {
        if !values.is_empty() {
            let values = if key == "accessModeSufficient" {
                json!(values.iter().map(|v| json!([v])).collect::<Vec<_>>())
            } else {
                json!(values)
            };
            a11y.insert(key.into(), values);
        }
    }
    if let Some(summary) = &a.summary {
        a11y.insert("summary".into(), json!(summary));
    }
    if !a11y.is_empty() {
        meta.insert("accessibility".into(), Value::Object(a11y));
    }
    let minutes = s.record.excerpt.excerpt.reading_minutes();
    meta.insert("duration".into(), json!(u64::from(minutes) * 60));
    Value::Object(meta)
}

fn toc_link(s: &Servable, t: &TocLink) -> Value {
    let children: Vec<Value> = t.children.iter().map(|c| toc_link(s, c)).collect();
    let mut link = match t.chapter {
        Some(n) if s.allows_chapter(n) => {
            let fragment = t
                .fragment
                .as_deref()
                .map(|f| format!("#{f}"))
                .unwrap_or_default();
            json!({"href": format!("chapters/{n}{fragment}"), "type": XHTML, "title": t.title})
        }
        _ => {
            json!({"href": "locked", "type": "application/problem+json", "title": t.title, "properties": {"locked": true}})
        }
    };
    if !children.is_empty() {
        link["children"] = Value::Array(children);
    }
    link
}

/// The media type of the cover thumbnail.
pub fn cover_type(s: &Servable) -> &'static str {
    match s.publication.thumbnail {
        Some(t) if t.png => "image/png",
        _ => "image/jpeg",
    }
}

/// The Readium positions list of the excerpt.
pub fn positions(s: &Servable) -> Value {
    let positions: Vec<Value> = s
        .record
        .excerpt
        .positions
        .iter()
        .map(|p| {
            json!({
                "href": format!("chapters/{}", p.chapter),
                "type": XHTML,
                "locations": {"position": p.position, "progression": p.progression, "totalProgression": p.total_progression}
            })
        })
        .collect();
    json!({"total": positions.len(), "positions": positions})
}

/// A title as the passenger catalog lists it.
pub fn catalog_entry(record: &TitleRecord, seconds_left: i64) -> Value {
    let id = record.id.as_str();
    let base = title_base(id);
    let minutes = record.excerpt.excerpt.reading_minutes();
    json!({
        "id": id,
        "title": record.summary.title,
        "authors": record.summary.authors,
        "language": record.summary.language,
        "description": record.summary.description.clone().unwrap_or_default(),
        "cover": record.summary.thumbnail.then(|| format!("{base}cover")),
        "reading_minutes": minutes,
        "fits_remaining_time": i64::from(minutes) * 60 <= seconds_left,
        "layout": record.summary.layout,
        "direction": record.summary.direction,
        "manifest": format!("{base}manifest"),
        // Where a first reading starts: asked with the manifest, a round trip sooner.
        "start": record.excerpt.excerpt.chapters().first().map(|c| format!("{base}chapters/{}", c.index)),
        "offer": record.settings.offer_url.as_ref().map(|_| format!("{base}offer")),
        "accessibility": super::accessibility::statements(
            &record.summary.accessibility.clone().unwrap_or_default(),
            record.summary.layout,
        ),
    })
}

/// One publication of the OPDS 2 feed, available until the session ends.
pub fn opds_publication(record: &TitleRecord, until: &str) -> Value {
    let base = title_base(record.id.as_str());
    let availability = json!({"availability": {"state": "available", "until": until}});
    let mut links = vec![
        json!({"rel": "preview", "href": format!("{base}manifest"), "type": WEBPUB, "properties": availability}),
    ];
    if record.settings.offer_url.is_some() {
        links.push(json!({"rel": "http://opds-spec.org/acquisition/buy", "href": format!("{base}offer"), "type": "text/html", "properties": availability}));
    }
    let mut metadata = json!({
        "@type": "http://schema.org/Book",
        "identifier": format!("urn:trajet:title:{}", record.id),
        "title": record.summary.title,
        "author": record.summary.authors,
        "language": record.summary.language,
    });
    if let Some(d) = &record.summary.description {
        metadata["description"] = json!(d);
    }
    let mut publication = json!({"metadata": metadata, "links": links});
    if record.summary.thumbnail {
        publication["images"] = json!([{"href": format!("{base}cover")}]);
    }
    publication
}
