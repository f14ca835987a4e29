//! `trajet import gtfs FILE --from DATE --to DATE [--operator NAME]`: the
//! same import as the API, from the command line; the trips belong to the
//! named operator (or to the only one, when there is one). A running service
//! sees them within a second.

use std::path::Path;

use anyhow::Context;

use super::gtfs::{ImportOptions, import};
use super::store::TripStore;
use crate::accounts::{Account, Accounts, Role};
use crate::data_dir::DataDir;

/// Imports `file` into the trips of `data_dir` for the operator named
/// `operator` (or the only operator there is) and prints what happened.
pub fn import_gtfs(
    data_dir: &Path,
    accounts: &Accounts,
    operator: Option<&str>,
    file: &Path,
    options: &ImportOptions,
) -> anyhow::Result<()> {
    let account = owner(accounts, operator)?;
    let data = DataDir::open(data_dir)
        .with_context(|| format!("opening the data directory {}", data_dir.display()))?;
    let store = TripStore::open(&data)?;
    let feed = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let report = import(&store, &account.id, std::io::BufReader::new(feed), options)
        .with_context(|| format!("{} was refused", file.display()))?;
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
