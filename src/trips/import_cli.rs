//! `trajet import gtfs FILE --from DATE --to DATE [--operator NAME]`: the
//! same import as the API, from the command line; the trips belong to the
//! named operator (or to the only one, when there is one), in one database
//! transaction. A running service sees them within a second.

use std::path::Path;

use anyhow::Context;

use super::gtfs::{ImportOptions, import};
use super::store::TripStore;
use crate::accounts::{Account, Accounts, Role};
use crate::config::Config;
use crate::data_dir::DataDir;
use crate::db::Database;

/// Imports `file` into the trips of the configured database for the operator
/// named `operator` (or the only operator there is) and prints what happened.
pub async fn import_gtfs(
    config: &Config,
    accounts: &Accounts,
    operator: Option<&str>,
    file: &Path,
    options: &ImportOptions,
) -> anyhow::Result<()> {
    let data_dir = &config.data_dir;
    let account = owner(accounts, operator)?;
    let data = DataDir::open(data_dir)
        .with_context(|| format!("opening the data directory {}", data_dir.display()))?;
    let db = Database::open(&config.database, data.root()).await?;
    let store = TripStore::open(db.clone()).await?;
    let feed = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let report = import(&store, &account.id, std::io::BufReader::new(feed), options)
        .await
        .with_context(|| format!("{} was refused", file.display()))?;
    db.close().await;
    for row in &report.skipped_rows {
        let trip = row
            .trip_id
            .as_deref()
            .map(|t| format!(" (trip {t})"))
            .unwrap_or_default();
        println!(
            "skipped {} line {}{trip}: {}",
            row.file, row.line, row.reason
        );
    }
    if report.skipped > report.skipped_rows.len() {
        let more = report.skipped - report.skipped_rows.len();
        println!("… and {more} more skipped rows");
    }
    for (code, count) in &report.skipped_by_reason {
        println!("skipped for {code}: {count}");
    }
    println!(
        "{} to {}: {} created, {} updated, {} unchanged, {} skipped, {} trips of other route types left out",
        options.from,
        options.to,
        report.created,
        report.updated,
        report.unchanged,
        report.skipped,
        report.other_route_types
    );
    Ok(())
}

/// The operator the imported trips belong to: the one named, or the only one.
fn owner(accounts: &Accounts, name: Option<&str>) -> anyhow::Result<Account> {
    let mut operators: Vec<Account> = accounts
        .all()
        .into_iter()
        .filter(|a| a.role == Role::Operator)
        .collect();
    if let Some(name) = name {
        operators.retain(|a| a.name == name);
    }
    match (operators.len(), name) {
        (1, _) => Ok(operators.remove(0)),
        (0, Some(name)) => anyhow::bail!(
            "no operator named {name:?}; create it with `trajet admin create-operator`"
        ),
        (0, None) => anyhow::bail!(
            "imported trips belong to an operator: create one with `trajet admin create-operator`"
        ),
        (_, _) => anyhow::bail!(
            "imported trips belong to one operator: name it with --operator (one of: {})",
            operators
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
