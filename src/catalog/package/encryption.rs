//! `META-INF/encryption.xml`: font obfuscation is undone at ingestion; any
//! other encryption is DRM, which trajet cannot serve, and is refused.

use std::collections::HashMap;

use super::paths;
use crate::catalog::error::{IngestError, package};
use crate::catalog::xml::Element;

/// IDPF font obfuscation (EPUB OCF 3).
const IDPF: &str = "http://www.idpf.org/2008/embedding";
/// Adobe font mangling.
const ADOBE: &str = "http://ns.adobe.com/pdf/enc#RC";

/// How a font was obfuscated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obfuscation {
    /// First 1,040 bytes XORed with the SHA-1 of the unique identifier.
    Idpf,
    /// First 1,024 bytes XORed with the 16 bytes of the UUID identifier.
    Adobe,
}

/// Reads the declaration: obfuscated entries by path, or why the book is refused.
pub fn read(root: &Element) -> Result<HashMap<String, Obfuscation>, IngestError> {
    if root.name != "encryption" {
        let found = &root.name;
        return Err(package(format!(
            "META-INF/encryption.xml has root element <{found}>, not <encryption>"
        )));
    }
    let mut obfuscated = HashMap::new();
    for data in root.children_named("EncryptedData") {
        let algorithm = data
            .child("EncryptionMethod")
            .and_then(|m| m.attr("Algorithm"))
            .unwrap_or("");
        let uri = data
            .child("CipherData")
            .and_then(|c| c.child("CipherReference"))
            .and_then(|r| r.attr("URI"));
        let uri = uri.ok_or_else(|| {
            package("META-INF/encryption.xml has an EncryptedData without a CipherReference URI")
        })?;
        let path = paths::resolve("", uri)
            .map(|r| r.path)
            .unwrap_or_else(|_| uri.to_string());
        let method = match algorithm {
            IDPF => Obfuscation::Idpf,
            ADOBE => Obfuscation::Adobe,
            other => {
                return Err(IngestError::DrmUnsupported(format!(
                    "{path:?} is encrypted with {other:?}: encrypted (DRM) books cannot be served; upload the book without DRM"
                )));
            }
        };
        obfuscated.insert(path, method);
    }
    Ok(obfuscated)
}

/// True for media types and names of fonts, the only things obfuscation may apply to.
pub fn is_font(media_type: &str, path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    media_type.starts_with("font/")
        || media_type.starts_with("application/font-")
        || media_type.starts_with("application/x-font")
        || media_type == "application/vnd.ms-opentype"
        || [".otf", ".ttf", ".woff", ".woff2"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// Undoes obfuscation in place; `identifiers` are the book's `dc:identifier`s,
/// the unique one first.
pub fn deobfuscate(
    bytes: &mut [u8],
    method: Obfuscation,
    unique_identifier: &str,
    identifiers: &[String],
) {
    let (key, span): (Vec<u8>, usize) = match method {
        Obfuscation::Idpf => {
            let id: String = unique_identifier
                .chars()
                .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
                .collect();
            (
                sha1_smol::Sha1::from(id.as_bytes())
                    .digest()
                    .bytes()
                    .to_vec(),
                1040,
            )
        }
        Obfuscation::Adobe => match identifiers.iter().find_map(|i| uuid_bytes(i)) {
            Some(key) => (key.to_vec(), 1024),
            None => return,
        },
    };
    for (i, byte) in bytes.iter_mut().take(span).enumerate() {
        *byte ^= key[i % key.len()];
    }
}

fn uuid_bytes(identifier: &str) -> Option<[u8; 16]> {
    let lower = identifier.trim().to_ascii_lowercase();
    let hex: String = lower
        .trim_start_matches("urn:uuid:")
        .chars()
        .filter(|c| *c != '-')
        .collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}
