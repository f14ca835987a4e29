//! The schema checker itself: it accepts a valid manifest and refuses broken
//! ones, so tests that rely on it cannot pass vacuously.

mod support;

use serde_json::json;
use support::schemas::schema_errors;

fn manifest() -> serde_json::Value {
    json!({
        "@context": "https://readium.org/webpub-manifest/context.jsonld",
        "metadata": {"title": "Le Train de 7 h 12", "language": "fr", "conformsTo": "https://readium.org/webpub-manifest/profiles/epub"},
        "links": [{"rel": "self", "href": "/api/v1/titles/t1/manifest", "type": "application/webpub+json"}],
        "readingOrder": [{"href": "chapters/0", "type": "application/xhtml+xml"}]
    })
}

#[test]
fn a_valid_manifest_passes_the_published_rwpm_schema() {
    let Some(errors) = schema_errors("rwpm/publication.schema.json", &manifest()) else {
        return;
    };
    assert_eq!(errors, Vec::<String>::new());
}

#[test]
fn manifests_missing_required_members_fail_the_schema() {
    let mut no_title = manifest();
    no_title["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("title");
    let Some(errors) = schema_errors("rwpm/publication.schema.json", &no_title) else {
        return;
    };
    assert!(!errors.is_empty());
    let mut bad_link = manifest();
    bad_link["readingOrder"][0]
        .as_object_mut()
        .unwrap()
        .remove("href");
    assert!(
        !schema_errors("rwpm/publication.schema.json", &bad_link)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_opds_feed_without_metadata_fails_and_a_minimal_one_passes() {
    let feed = json!({
        "metadata": {"title": "À bord"},
        "links": [{"rel": "self", "href": "/opds/v2/catalog", "type": "application/opds+json"}],
        "publications": [{
            "metadata": {"title": "Le Train de 7 h 12"},
            "links": [{"rel": "http://opds-spec.org/acquisition/buy", "href": "/api/v1/titles/t1/offer", "type": "text/html"}],
            "images": [{"href": "/api/v1/titles/t1/cover", "type": "image/jpeg"}]
        }]
    });
    let Some(errors) = schema_errors("opds/feed.schema.json", &feed) else {
        return;
    };
    assert_eq!(errors, Vec::<String>::new());
    let mut broken = feed.clone();
    broken.as_object_mut().unwrap().remove("metadata");
    assert!(
        !schema_errors("opds/feed.schema.json", &broken)
            .unwrap()
            .is_empty()
    );
}
