//! `trajet import epub --publisher NAME PATH…`: the same ingestion as the
//! API, run against the data directory and the database; a running service
//! sees the new titles within a second (it watches the titles generation).

use std::path::PathBuf;

use anyhow::Context;

use super::Catalog;
use super::title::Settings;
use crate::accounts::{Accounts, Role};
use crate::config::Config;
use crate::data_dir::DataDir;
use crate::db::Database;

/// Ingests every EPUB named (folders: their `.epub` files, sorted); prints one
/// line per file and fails when any file was refused.
pub async fn import_epubs(
    config: &Config,
    accounts: &Accounts,
    publisher: &str,
    paths: &[PathBuf],
) -> anyhow::Result<()> {
    let account = accounts
        .named(Role::Publisher, publisher)
        .with_context(|| {
            format!(
                "no publisher named {publisher:?}; create it with `trajet admin create-publisher`"
            )
        })?;
    let data = DataDir::open(&config.data_dir).context("opening the data directory")?;
    let db = Database::open(&config.database, data.root()).await?;
    let catalog = Catalog::open_configured(&data, db, config).await?;
    let mut refused = 0;
    for file in epub_files(paths)? {
        match catalog
            .ingest(&file, &account.id, Settings::default())
            .await
        {
            Ok(record) => println!(
                "{}\t{}\t{}",
                file.display(),
                record.id,
                record.summary.title
            ),
            Err(e) => {
                refused += 1;
                println!("{}\trefused\t{}: {e}", file.display(), e.code());
            }
        }
    }
    anyhow::ensure!(refused == 0, "{refused} file(s) were refused");
    Ok(())
}

fn epub_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("listing {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("epub"))
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_folder_is_imported_for_the_named_publisher_and_bad_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::testing::sqlite(dir.path()).await;
        let accounts = Accounts::open(&db).await.unwrap();
        let (account, _) = accounts
            .create_with_key(Role::Publisher, "Éditions du Quai")
            .await
            .unwrap();
        let books = dir.path().join("books");
        std::fs::create_dir_all(&books).unwrap();
        let good = super::super::tests::support::minimal_epub(
            "<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>t</title></head><body><p>Un mot.</p></body></html>",
            &[("EPUB/pic.png", b""), ("EPUB/style.css", b"")],
        );
        std::fs::write(books.join("a.epub"), good).unwrap();
        std::fs::write(books.join("b.epub"), b"not a zip").unwrap();
        let config = Config::for_tests(dir.path());
        let result = import_epubs(&config, &accounts, "Éditions du Quai", &[books]).await;
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("1 file(s) were refused")
        );
        let data = DataDir::open(dir.path()).unwrap();
        let catalog = Catalog::open(&data, db).await.unwrap();
        assert_eq!(catalog.titles_of(&account.id).len(), 1);
        assert!(
            import_epubs(&config, &accounts, "Nobody", &[])
                .await
                .is_err()
        );
    }
}
