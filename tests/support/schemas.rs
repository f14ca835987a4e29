//! Validates trajet's JSON against the published Readium (RWPM) and OPDS 2
//! schemas in `../shared/schemas`, resolving their `$id` URLs to local files.

use std::path::PathBuf;

use serde_json::Value;

use super::external;

const RWPM: &str = "https://readium.org/webpub-manifest/schema/";
const OPDS: &str = "https://drafts.opds.io/schema/";

struct LocalSchemas(PathBuf);

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let relative = if let Some(rest) = uri.strip_prefix(RWPM) {
            format!("rwpm/{rest}")
        } else if let Some(rest) = uri.strip_prefix(OPDS) {
            format!("opds/{rest}")
        } else {
            return Err(format!("no local copy of schema {uri}").into());
        };
        let text = std::fs::read_to_string(self.0.join(&relative))
            .map_err(|e| format!("{relative}: {e}"))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// The validation errors of `document` against a root schema (`rwpm/publication.schema.json`,
/// `opds/feed.schema.json`); empty when valid. `None` when the schemas are
/// missing: the skip is recorded (see [`external`]) and the caller leaves the check out.
pub fn schema_errors(root: &str, document: &Value) -> Option<Vec<String>> {
    let dir = external::schemas()?;
    let text = std::fs::read_to_string(dir.join(root))
        .unwrap_or_else(|e| panic!("schema {root} not found in {}: {e}", dir.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .with_retriever(LocalSchemas(dir))
        .should_validate_formats(true)
        .build(&schema)
        .expect("the published schema compiles");
    let errors = validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    Some(errors)
}

/// A validator for one schema of trajet's own OpenAPI document, as the app serves it.
pub async fn openapi_schema(app: &super::TestApp, name: &str) -> jsonschema::Validator {
    let request = axum::http::Request::get("/api/v1/openapi.json")
        .body(axum::body::Body::empty())
        .unwrap();
    let mut doc = super::body_json(super::send(&app.router, request).await).await;
    doc["$ref"] = Value::String(format!("#/components/schemas/{name}"));
    jsonschema::validator_for(&doc).expect("the API document's schemas compile")
}
