//! Which signing key each live train set's labels are minted with
//! (`vehicles.label_key`), as the signing keys see it: the keys to keep at a
//! rotation, and the sets to move to a new key when theirs is revoked.
//!
//! Trip codes end with their trip, so their keys can be dropped after a
//! horizon; a set's labels are printed once and have no end, so its key must
//! live as long as the set does. Binding each set to one key (the signer when
//! it was registered) keeps that set of keys small and exact, and makes a
//! sheet downloaded again after a rotation print the same labels.

use sqlx::Row as _;

/// A live train set, for the list of labels to print again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledSet {
    /// The operator account owning it.
    pub operator: String,
    /// The operator's id of the set.
    pub vehicle_ref: String,
    /// Its name.
    pub label: String,
}

/// The keys that live sets' labels are minted with: a rotation keeps them.
pub async fn held(conn: &mut sqlx::AnyConnection) -> Result<Vec<u8>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT label_key FROM vehicles \
         WHERE retired_at IS NULL AND label_key IS NOT NULL",
    )
    .fetch_all(conn)
    .await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| u8::try_from(id).ok())
        .collect())
}

/// Moves the live sets bound to `revoked` to `signer`, inside the write that
/// revokes it, and answers them (by operator and id): their labels carry the
/// revoked key and must be printed again.
pub async fn rebind(
    conn: &mut sqlx::AnyConnection,
    revoked: u8,
    signer: u8,
) -> Result<Vec<LabelledSet>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT operator, vehicle_ref, label FROM vehicles \
         WHERE retired_at IS NULL AND label_key = $1 ORDER BY operator, vehicle_ref",
    )
    .bind(i64::from(revoked))
    .fetch_all(&mut *conn)
    .await?;
    let sets = rows
        .iter()
        .map(|r| {
            Ok(LabelledSet {
                operator: r.try_get(0)?,
                vehicle_ref: r.try_get(1)?,
                label: r.try_get(2)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    sqlx::query("UPDATE vehicles SET label_key = $2 WHERE retired_at IS NULL AND label_key = $1")
        .bind(i64::from(revoked))
        .bind(i64::from(signer))
        .execute(conn)
        .await?;
    Ok(sets)
}

/// The SQL value a new set's `label_key` takes: the key that signs now.
pub(super) const SIGNER: &str =
    "(SELECT id FROM signing_keys WHERE retired_at IS NULL AND revoked_at IS NULL)";
