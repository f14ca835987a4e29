//! Title records in the database: one row of `titles` per title. Publisher,
//! live version and withdrawn state are columns; the nested settings nobody
//! queries (policy, collections, excerpt, summary) are JSON text.
//!
//! Every change is one statement inside a [`Write`] on `Domain::Titles`, and
//! a change to an existing title names the generation it read: a row written
//! since (by another request or instance) is left alone and the change is
//! refused, so a stale reading never undoes a newer version or policy.

use anyhow::Context as _;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::title::{Settings, TitleId, TitleRecord};
use crate::db::{Database, Write};

const COLUMNS: &str = "id, publisher, version, live, policy, offer_url, collections, \
                       excerpt, summary, created_at, updated_at, generation";

/// Every title record.
pub async fn load_all(db: &Database) -> anyhow::Result<Vec<TitleRecord>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM titles"))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(decode).collect()
}

/// Whether the row of `record` was written (or deleted) since `record` was read.
pub async fn changed_since(db: &Database, record: &TitleRecord) -> Result<bool, sqlx::Error> {
    let generation: Option<i64> = sqlx::query_scalar("SELECT generation FROM titles WHERE id = $1")
        .bind(record.id.as_str())
        .fetch_optional(db.pool())
        .await?;
    Ok(generation != Some(record.generation))
}

/// Stores a new title (its `generation` is the write's).
pub async fn insert(write: &mut Write, record: &TitleRecord) -> Result<(), sqlx::Error> {
    let generation = write.generation();
    bind(
        sqlx::query(
            "INSERT INTO titles (id, publisher, version, live, policy, offer_url, collections, \
             excerpt, summary, created_at, updated_at, generation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        ),
        record,
    )?
    .bind(generation)
    .execute(write.tx())
    .await?;
    Ok(())
}

/// Replaces the row of `record.id` if it is still the one written at
/// `read`; answers whether it was.
pub async fn replace(
    write: &mut Write,
    record: &TitleRecord,
    read: i64,
) -> Result<bool, sqlx::Error> {
    let generation = write.generation();
    let done = bind(
        sqlx::query(
            "UPDATE titles SET publisher = $2, version = $3, live = $4, policy = $5, \
             offer_url = $6, collections = $7, excerpt = $8, summary = $9, created_at = $10, \
             updated_at = $11, generation = $12 WHERE id = $1 AND generation = $13",
        ),
        record,
    )?
    .bind(generation)
    .bind(read)
    .execute(write.tx())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a title's row; answers whether there was one.
pub async fn delete(write: &mut Write, id: &TitleId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM titles WHERE id = $1")
        .bind(id.as_str())
        .execute(write.tx())
        .await?;
    Ok(done.rows_affected() == 1)
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds `$1`…`$11`: every column but the generation.
fn bind<'q>(query: Query<'q>, record: &TitleRecord) -> Result<Query<'q>, sqlx::Error> {
    let settings = &record.settings;
    Ok(query
        .bind(record.id.as_str().to_owned())
        .bind(record.publisher.clone())
        .bind(record.version.clone())
        .bind(i64::from(settings.live))
        .bind(json(&settings.policy)?)
        .bind(settings.offer_url.clone())
        .bind(json(&settings.collections)?)
        .bind(json(&record.excerpt)?)
        .bind(json(&record.summary)?)
        .bind(record.created_at)
        .bind(record.updated_at))
}

fn decode(row: &AnyRow) -> anyhow::Result<TitleRecord> {
    let id: String = row.try_get("id")?;
    let context = || format!("decoding the row of title {id}");
    let record = TitleRecord {
        id: TitleId::parse(&id).with_context(context)?,
        publisher: row.try_get("publisher")?,
        version: row.try_get("version")?,
        settings: Settings {
            policy: parse(row, "policy").with_context(context)?,
            offer_url: row.try_get("offer_url")?,
            collections: parse(row, "collections").with_context(context)?,
            live: row.try_get::<i64, _>("live")? != 0,
        },
        excerpt: parse(row, "excerpt").with_context(context)?,
        summary: parse(row, "summary").with_context(context)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        generation: row.try_get("generation")?,
    };
    Ok(record)
}

/// A nested setting from its JSON column.
fn parse<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> anyhow::Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).with_context(|| format!("column {column}"))
}

/// JSON text of a nested setting.
fn json(value: &impl serde::Serialize) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(e.into()))
}
