//! Validates trajet's JSON against the published Readium (RWPM) and OPDS 2
//! schemas in `../shared/schemas`, resolving their `$id` URLs to local files.

use std::path::PathBuf;

use serde_json::Value;

const RWPM: &str = "https://readium.org/webpub-manifest/schema/";
const OPDS: &str = "https://drafts.opds.io/schema/";

/// The folder of published schemas (`TRAJET_SCHEMAS` overrides).
pub fn schemas_dir() -> PathBuf {
    std::env::var_os("TRAJET_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas"))
}

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
/// `opds/feed.schema.json`); empty when valid. Panics when the schemas are missing.
pub fn schema_errors(root: &str, document: &Value) -> Vec<String> {
    let dir = schemas_dir();
    let text = std::fs::read_to_string(dir.join(root))
        .unwrap_or_else(|e| panic!("schema {root} not found in {}: {e}", dir.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .with_retriever(LocalSchemas(dir))
        .should_validate_formats(true)
        .build(&schema)
        .expect("the published schema compiles");
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}
