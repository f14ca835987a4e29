//! The web pages and their assets, compressed once: a mirror of the pages
//! with a `.br` and a `.gz` beside each text file, which the file services
//! pick by `Accept-Encoding`. A passenger's first visit on a weak connection
//! downloads a fraction of the bytes, and no request compresses anything.
//!
//! The pages are the ones built into the binary, or a configured folder. The
//! mirror lives in the data directory under `cache/static-{digest}`, named by
//! a digest of the pages' content: instances sharing the data directory, and
//! every restart of the same binary, reuse it; other pages make a new one.
//!
//! A page can ask for its modules and stylesheet to be written into it
//! (`bundle`): the mirror's copy of the page then carries them.

mod bundle;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use sha2::{Digest, Sha256};

use crate::assets::Assets;
use crate::catalog::pack;
use crate::data_dir::publish_dir;

/// Files smaller than this are served as they are.
const MIN_COMPRESSED: usize = 256;
/// Older mirrors (of previous pages) are removed after this long.
const STALE_MIRROR: Duration = Duration::from_secs(24 * 3600);

/// A page or asset: its path below the pages' root and its bytes.
type PageFile = (PathBuf, Cow<'static, [u8]>);

/// The folder to serve the pages from: their compressed mirror, made under
/// `cache_dir` if needed. A configured folder is served as it is when the
/// mirror cannot be made (uncompressed, and we say why); the built-in pages
/// have no folder of their own, so then the service cannot start.
pub fn serving_dir(pages: &Assets, cache_dir: &Path) -> anyhow::Result<PathBuf> {
    match pages {
        Assets::BuiltIn => {
            let files = crate::assets::pages()
                .into_iter()
                .map(|(path, bytes)| (PathBuf::from(path), bytes))
                .collect();
            compressed_mirror(files, cache_dir)
                .with_context(|| format!("writing the web pages under {}", cache_dir.display()))
        }
        Assets::Folder(folder) => {
            match list(folder).and_then(|files| compressed_mirror(files, cache_dir)) {
                Ok(mirror) => Ok(mirror),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "serving the web pages uncompressed");
                    Ok(folder.clone())
                }
            }
        }
        Assets::Off => anyhow::bail!("no web pages configured"),
    }
}

/// Makes (or finds) the compressed mirror of `files` under `cache_dir`.
fn compressed_mirror(mut files: Vec<PageFile>, cache_dir: &Path) -> anyhow::Result<PathBuf> {
    files.retain(|(relative, _)| !is_precompressed(relative));
    bundle_modules(&mut files);
    files.sort();
    let mut digest = Sha256::new();
    for (relative, bytes) in &files {
        digest.update(relative.to_string_lossy().as_bytes());
        digest.update([0]);
        digest.update((bytes.len() as u64).to_le_bytes());
        digest.update(bytes);
    }
    let digest = digest.finalize();
    let name = format!("static-{}", hex(&digest[..8]));
    let target = cache_dir.join(&name);
    if target.is_dir() {
        return Ok(target);
    }
    let staging = cache_dir.join(format!(".{name}-{:016x}", rand::random::<u64>()));
    let written = write_mirror(&staging, &files);
    let published = written.and_then(|()| {
        publish_dir(&staging, &target).with_context(|| format!("publishing {}", target.display()))
    });
    if let Err(e) = published {
        let _ = fs::remove_dir_all(&staging);
        // Another instance may have published the same mirror first.
        if !target.is_dir() {
            return Err(e);
        }
    }
    remove_stale_mirrors(cache_dir, &name);
    Ok(target)
}

/// The Content-Security-Policy of a served page: the service's own, with
/// the module scripts and stylesheets the mirror wrote into the page allowed
/// by their SHA-256 (CSP level 2 hash sources); nothing else inline runs.
pub fn page_policy(page: &str) -> String {
    let hashes = |open: &str, close: &str| -> String {
        let mut sources = String::new();
        for part in page.split(open).skip(1) {
            if let Some(end) = part.find(close) {
                let digest = Sha256::digest(&part.as_bytes()[..end]);
                sources.push_str(&format!(
                    " 'sha256-{}'",
                    data_encoding::BASE64.encode(&digest)
                ));
            }
        }
        sources
    };
    let scripts = hashes("<script type=\"module\">", "</script>");
    let styles = hashes("<style>", "</style>");
    let mut policy = crate::http::CONTENT_SECURITY_POLICY.to_string();
    if !scripts.is_empty() {
        policy.push_str(&format!("; script-src 'self'{scripts}"));
    }
    if !styles.is_empty() {
        policy.push_str(&format!("; style-src 'self'{styles}"));
    }
    policy
}

/// Writes into the pages that ask for it their joined modules, their
/// stylesheet and their icon. The digest is taken after, so a new way of joining makes a
/// new mirror. A page whose modules cannot be joined keeps loading them
/// (slower on a weak network, still working).
fn bundle_modules(files: &mut [PageFile]) {
    let key = |relative: &Path| relative.to_string_lossy().replace('\\', "/");
    let texts: BTreeMap<String, String> = files
        .iter()
        .filter(|(relative, _)| matches!(extension(relative), "js" | "css" | "svg"))
        .filter_map(|(relative, bytes)| {
            let text = std::str::from_utf8(bytes).ok()?;
            Some((key(relative), text.to_string()))
        })
        .collect();
    let read = |path: &str| texts.get(path).cloned();
    for (relative, bytes) in files.iter_mut() {
        if extension(relative) != "html" {
            continue;
        }
        let Ok(page) = std::str::from_utf8(bytes) else {
            continue;
        };
        match bundle::bundle_page(page, &read) {
            Ok(Some(page)) => *bytes = Cow::Owned(page.into_bytes()),
            Ok(None) => {}
            Err(e) => tracing::warn!(
                page = %relative.display(),
                error = %format!("{e:#}"),
                "the page's modules are served one by one"
            ),
        }
    }
}

fn write_mirror(staging: &Path, files: &[PageFile]) -> anyhow::Result<()> {
    for (relative, bytes) in files {
        let path = staging.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        if is_text(relative) && bytes.len() >= MIN_COMPRESSED {
            let mut gz = path.clone().into_os_string();
            gz.push(".gz");
            fs::write(&gz, pack::gzip(bytes)?)?;
            let mut br = path.into_os_string();
            br.push(".br");
            fs::write(&br, pack::brotli(bytes)?)?;
        }
    }
    Ok(())
}

/// Every regular file below `root` (links are not followed), with its bytes.
fn list(root: &Path) -> anyhow::Result<Vec<PageFile>> {
    let mut files = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(root.join(&folder))
            .with_context(|| format!("listing {}", root.join(&folder).display()))?;
        for entry in entries {
            let entry = entry?;
            let relative = folder.join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(relative);
            } else if kind.is_file() {
                let bytes = fs::read(entry.path())
                    .with_context(|| format!("reading {}", entry.path().display()))?;
                files.push((relative, Cow::Owned(bytes)));
            }
        }
    }
    Ok(files)
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

fn is_text(path: &Path) -> bool {
    matches!(
        extension(path),
        "html" | "js" | "mjs" | "css" | "svg" | "json" | "txt" | "webmanifest" | "xml"
    )
}

fn is_precompressed(path: &Path) -> bool {
    matches!(extension(path), "gz" | "br")
}

fn remove_stale_mirrors(cache_dir: &Path, current: &str) {
    let Ok(entries) = fs::read_dir(cache_dir) else {
        return;
    };
    let cutoff = SystemTime::now() - STALE_MIRROR;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified < cutoff);
        if name.starts_with("static-") && name != current && old {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(dir: &Path) {
        fs::create_dir_all(dir.join("reader")).unwrap();
        fs::write(dir.join("index.html"), "<p>trajet</p>".repeat(100)).unwrap();
        fs::write(
            dir.join("reader/app.js"),
            "export const a = 1;\n".repeat(100),
        )
        .unwrap();
        fs::write(dir.join("tiny.css"), "p{}").unwrap();
        fs::write(dir.join("icon.png"), [0x89, b'P', b'N', b'G']).unwrap();
    }

    #[test]
    fn text_files_get_gzip_and_brotli_siblings_and_the_mirror_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let (pages_dir, cache) = (dir.path().join("static"), dir.path().join("cache"));
        pages(&pages_dir);
        let mirror = serving_dir(&Assets::Folder(pages_dir.clone()), &cache).unwrap();
        let js = fs::read(pages_dir.join("reader/app.js")).unwrap();
        assert_eq!(fs::read(mirror.join("reader/app.js")).unwrap(), js);
        let gz = fs::read(mirror.join("reader/app.js.gz")).unwrap();
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, js);
        let br = fs::read(mirror.join("reader/app.js.br")).unwrap();
        let mut unbrotlied = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut unbrotlied).unwrap();
        assert_eq!(unbrotlied, js);
        assert!(br.len() < js.len() / 4);
        assert!(mirror.join("index.html.br").exists());
        assert!(!mirror.join("tiny.css.gz").exists(), "too small to gain");
        assert!(!mirror.join("icon.png.gz").exists(), "not text");
        assert!(mirror.join("icon.png").exists());

        // The same pages reuse the mirror; changed pages make a new one.
        assert_eq!(
            serving_dir(&Assets::Folder(pages_dir.clone()), &cache).unwrap(),
            mirror
        );
        fs::write(pages_dir.join("tiny.css"), "p{margin:0}").unwrap();
        let changed = serving_dir(&Assets::Folder(pages_dir.clone()), &cache).unwrap();
        assert_ne!(changed, mirror);
        assert_eq!(
            fs::read_to_string(changed.join("tiny.css")).unwrap(),
            "p{margin:0}"
        );
    }

    #[test]
    fn a_page_whose_modules_cannot_be_joined_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let (pages_dir, cache) = (dir.path().join("static"), dir.path().join("cache"));
        pages(&pages_dir);
        let page = "<script type=\"module\" src=\"/static/reader/app.js\" data-bundle></script>";
        fs::write(pages_dir.join("reader.html"), page).unwrap();
        fs::write(pages_dir.join("reader/app.js"), "export let a = 1;\n").unwrap();
        let mirror = serving_dir(&Assets::Folder(pages_dir.clone()), &cache).unwrap();
        assert_eq!(
            fs::read_to_string(mirror.join("reader.html")).unwrap(),
            page
        );
        assert!(!mirror.join("reader/app.bundle.js").exists());
    }

    #[test]
    fn without_a_writable_cache_the_pages_are_served_from_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        let pages_dir = dir.path().join("static");
        pages(&pages_dir);
        let blocked = dir.path().join("file-not-folder");
        fs::write(&blocked, b"").unwrap();
        let folder = Assets::Folder(pages_dir.clone());
        let served = serving_dir(&folder, &blocked.join("cache")).unwrap();
        assert_eq!(served, pages_dir);
    }

    #[test]
    fn the_built_in_pages_are_served_compressed_from_their_mirror() {
        let dir = tempfile::tempdir().unwrap();
        let mirror = serving_dir(&Assets::BuiltIn, dir.path()).unwrap();
        assert!(mirror.starts_with(dir.path()), "{}", mirror.display());
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        for page in ["index.html", "publisher.html", "operator.html"] {
            assert!(
                fs::read(mirror.join(page)).unwrap() == fs::read(source.join(page)).unwrap(),
                "{page}"
            );
            assert!(mirror.join(format!("{page}.br")).is_file(), "{page}");
        }
        // The reader page carries its modules, joined, and its stylesheet.
        let reader = fs::read_to_string(mirror.join("read.html")).unwrap();
        assert!(reader.contains("<script type=\"module\">\n// The reader's modules"));
        assert!(!reader.contains("modulepreload"), "{reader}");
        assert!(reader.contains("<style>\n"), "{reader}");
        assert!(!reader.contains("reader.css"), "{reader}");
        assert_eq!(serving_dir(&Assets::BuiltIn, dir.path()).unwrap(), mirror);
    }

    #[test]
    fn the_built_in_pages_without_a_writable_cache_stop_the_start_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("file-not-folder");
        fs::write(&blocked, b"").unwrap();
        let error = serving_dir(&Assets::BuiltIn, &blocked.join("cache")).unwrap_err();
        assert!(
            format!("{error:#}").contains("writing the web pages under"),
            "{error:#}"
        );
    }
}
