//! The local backend: publication files below `catalog/` in the data
//! directory, as trajet always stored them. A version is staged on the same
//! file system and put in place with one `rename(2)`; spans are read with
//! `pread`. File work runs off the async workers.

use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bytes::Bytes;

use super::Listed;
use crate::catalog::pack::Span;
use crate::data_dir::{publish_dir, sync_dir};

/// A folder holding `titles/…`.
#[derive(Debug, Clone)]
pub struct Folder {
    root: PathBuf,
}

impl Folder {
    /// The store rooted at `root` (`catalog/` in the data directory).
    pub fn new(root: impl Into<PathBuf>) -> Folder {
        Folder { root: root.into() }
    }

    /// Its root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The local path of a key.
    pub fn path(&self, key: &str) -> PathBuf {
        self.root.join(key.trim_end_matches('/'))
    }

    pub(super) async fn ping(&self) -> anyhow::Result<()> {
        let titles = self.root.join("titles");
        blocking(move || {
            fs::create_dir_all(&titles).with_context(|| format!("creating {}", titles.display()))
        })
        .await
    }

    pub(super) async fn put_folder(&self, staged: &Path, key: &str) -> anyhow::Result<()> {
        let (from, to) = (staged.to_owned(), self.path(key));
        blocking(move || publish_dir(&from, &to).context("moving the version folder in place"))
            .await
    }

    pub(super) async fn put_file(&self, local: &Path, key: &str) -> anyhow::Result<()> {
        let (from, to) = (local.to_owned(), self.path(key));
        if from == to {
            return Ok(());
        }
        blocking(move || {
            fs::rename(&from, &to).with_context(|| format!("moving {}", to.display()))?;
            sync_dir(to.parent().unwrap_or(Path::new("."))).context("syncing the version folder")
        })
        .await
    }

    pub(super) async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let path = self.path(key);
        blocking(move || {
            fs::read(&path)
                .map(Bytes::from)
                .with_context(|| format!("reading {}", path.display()))
        })
        .await
    }

    pub(super) async fn get_span(&self, key: &str, span: Span) -> anyhow::Result<Bytes> {
        let path = self.path(key);
        blocking(move || {
            read_span(&path, span).with_context(|| format!("reading {}", path.display()))
        })
        .await
    }

    pub(super) async fn fetch_to(&self, key: &str, local: &Path) -> anyhow::Result<()> {
        let (from, to) = (self.path(key), local.to_owned());
        blocking(move || {
            fs::copy(&from, &to)
                .map(drop)
                .with_context(|| format!("copying {}", from.display()))
        })
        .await
    }

    pub(super) async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path(key);
        blocking(move || {
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match removed {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    Err(e).with_context(|| format!("removing {}", path.display()))
                }
                _ => Ok(()),
            }
        })
        .await
    }

    /// Title folders, version folders and the files in them, each with its
    /// modification time: an empty folder left by a crash is listed too.
    pub(super) async fn list(&self) -> anyhow::Result<Vec<Listed>> {
        let root = self.root.clone();
        blocking(move || {
            let mut listed = Vec::new();
            walk_into(&mut listed, &root.join("titles"), "titles/".into(), 0)?;
            Ok(listed)
        })
        .await
    }
}

/// Lists the folders in `dir` (keyed `key`, ending with `/`): titles at
/// depth 0, versions at depth 1, and the files of each version.
fn walk_into(
    listed: &mut Vec<Listed>,
    dir: &Path,
    key: String,
    depth: usize,
) -> anyhow::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("listing {}", dir.display())),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        let modified = meta.modified().unwrap_or(std::time::SystemTime::UNIX_EPOCH);
        if meta.is_dir() {
            let key = format!("{key}{name}/");
            listed.push(Listed {
                key: key.clone(),
                modified,
            });
            if depth < 1 {
                walk_into(listed, &entry.path(), key, depth + 1)?;
            } else {
                walk_files(listed, &entry.path(), &key)?;
            }
        }
    }
    Ok(())
}

fn walk_files(listed: &mut Vec<Listed>, dir: &Path, key: &str) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .flatten()
    {
        let Ok(meta) = entry.metadata() else { continue };
        listed.push(Listed {
            key: format!("{key}{}", entry.file_name().to_string_lossy()),
            modified: meta.modified().unwrap_or(std::time::SystemTime::UNIX_EPOCH),
        });
    }
    Ok(())
}

/// Reads a span of a file.
fn read_span(path: &Path, span: Span) -> io::Result<Bytes> {
    let file = fs::File::open(path)?;
    let mut bytes = vec![0; span.len as usize];
    file.read_exact_at(&mut bytes, span.offset)?;
    Ok(Bytes::from(bytes))
}

/// Runs file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work).await?
}
