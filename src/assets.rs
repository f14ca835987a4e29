//! What the binary carries: the web pages (`static/`) and the sample catalog
//! (`catalog/`), so that `trajet` started from any folder serves the reader,
//! the consoles and real books. A configured folder replaces the built-in
//! copy (a page being edited, a packaged variant).
//!
//! Release builds hold the files' bytes (`build.rs` makes cargo rebuild when
//! a file is added or changed); debug builds read the same files from the
//! source tree at start, so editing a page while developing needs no rebuild.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

use rust_embed::Embed;

#[derive(Embed)]
#[folder = "static/"]
struct Pages;

#[derive(Embed)]
#[folder = "catalog/"]
struct SampleCatalog;

/// Where a set of files (the pages, the sample catalog) is taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assets {
    /// The copy built into the binary.
    BuiltIn,
    /// A folder on disk, read at start.
    Folder(PathBuf),
    /// Nothing (no sample catalog).
    Off,
}

/// How a configuration file or variable names the built-in copy.
pub const BUILT_IN: &str = "built-in";

impl Assets {
    /// `built-in`, empty for none, else a folder.
    pub fn parse(text: &str) -> Self {
        match text {
            BUILT_IN => Assets::BuiltIn,
            "" => Assets::Off,
            folder => Assets::Folder(folder.into()),
        }
    }
}

impl fmt::Display for Assets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assets::BuiltIn => f.write_str(BUILT_IN),
            Assets::Folder(folder) => write!(f, "{}", folder.display()),
            Assets::Off => Ok(()),
        }
    }
}

/// A file of a built-in set: its `/`-separated path and its bytes.
pub type BuiltInFile = (String, Cow<'static, [u8]>);

/// The built-in web pages, in path order.
pub fn pages() -> Vec<BuiltInFile> {
    files::<Pages>()
}

/// The built-in sample catalog's files (`<slug>/…`), in path order.
pub fn sample_catalog() -> Vec<BuiltInFile> {
    files::<SampleCatalog>()
}

/// Every file of an embedded folder but hidden ones (editor and OS litter).
fn files<E: Embed>() -> Vec<BuiltInFile> {
    let mut files: Vec<BuiltInFile> = E::iter()
        .filter(|path| !path.split('/').any(|part| part.starts_with('.')))
        .filter_map(|path| {
            let file = E::get(&path)?;
            Some((path.into_owned(), file.data))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_pages_hold_every_page_the_service_routes_to() {
        let pages = pages();
        for page in [
            "index.html",
            "read.html",
            "publisher.html",
            "operator.html",
            "sw.js",
        ] {
            assert!(pages.iter().any(|(path, _)| path == page), "{page}");
        }
        let source = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/static/read.html"));
        let built_in = pages.iter().find(|(path, _)| path == "read.html").unwrap();
        assert_eq!(built_in.1.as_ref(), source.unwrap());
    }

    #[test]
    fn settings_name_the_built_in_copy_a_folder_or_nothing() {
        assert_eq!(Assets::parse("built-in"), Assets::BuiltIn);
        assert_eq!(Assets::parse(""), Assets::Off);
        assert_eq!(
            Assets::parse("/usr/share/trajet/static"),
            Assets::Folder("/usr/share/trajet/static".into())
        );
        for text in ["built-in", "", "./static"] {
            assert_eq!(Assets::parse(text).to_string(), text);
        }
    }
}
