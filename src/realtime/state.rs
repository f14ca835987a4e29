//! The live state of each feed, as the console and `GET /realtime` show it,
//! kept in `realtime_feed_state` so that every instance shows the same; and
//! the lease that lets one instance poll a feed while the others wait.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::feeds::Kind;
use super::fetch::Validators;
use crate::db::Database;

/// What the last fetches of one feed did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeedState {
    /// The URL these fetches were of (validators of another URL are dropped).
    pub url: String,
    /// The last fetch, whatever its outcome.
    pub last_fetch: Option<DateTime<Utc>>,
    /// When the data in force was made (the feed's header timestamp, else
    /// when its body last changed).
    pub data_at: Option<DateTime<Utc>>,
    /// Entities of the last body.
    pub entities: usize,
    /// Of those, the ones applied (matching a known trip or vehicle).
    pub entities_applied: usize,
    /// Of those, the ones naming trips or vehicles trajet does not know.
    pub entities_unmatched: usize,
    /// The first few of those.
    pub unmatched: Vec<String>,
    /// Trips that changed with the last body.
    pub trips_changed: usize,
    /// The last failure, until a fetch succeeds.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failures in a row (the backoff grows with them).
    pub failures: u32,
    /// The data is older than the operator's limit: the schedule applies.
    pub stale: bool,
    /// Validators of the last answer with a body.
    pub validators: Validators,
}

impl FeedState {
    /// The state as `GET /realtime` shows it, at `now`.
    pub fn public(&self, kind: Kind, now: DateTime<Utc>) -> serde_json::Value {
        serde_json::json!({
            "kind": kind.key(),
            "url": self.url,
            "last_fetch": self.last_fetch,
            "data_at": self.data_at,
            "data_age_seconds": self.data_at.map(|at| (now - at).num_seconds().max(0)),
            "entities": self.entities,
            "entities_applied": self.entities_applied,
            "entities_unmatched": self.entities_unmatched,
            "unmatched": self.unmatched,
            "trips_changed": self.trips_changed,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "failures": self.failures,
            "stale": self.stale,
            "following": if self.stale { "schedule" } else { "feed" },
        })
    }
}

/// The stored state of `operator`'s feed, or a fresh one.
pub async fn load(db: &Database, operator: &str, kind: Kind) -> anyhow::Result<FeedState> {
    let text: Option<String> = sqlx::query_scalar(
        "SELECT state FROM realtime_feed_state WHERE operator = $1 AND kind = $2",
    )
    .bind(operator.to_owned())
    .bind(kind.key())
    .fetch_optional(db.pool())
    .await?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// Stores the state (the lease columns stay as they are).
pub async fn save(
    db: &Database,
    operator: &str,
    kind: Kind,
    state: &FeedState,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO realtime_feed_state (operator, kind, state, lease_until) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (operator, kind) DO UPDATE SET state = excluded.state",
    )
    .bind(operator.to_owned())
    .bind(kind.key())
    .bind(serde_json::to_string(state)?)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets the states of `operator`'s feeds (their settings were removed).
pub async fn forget(db: &Database, operator: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM realtime_feed_state WHERE operator = $1")
        .bind(operator.to_owned())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Takes or renews the right to poll a feed until `until` for `instance`;
/// answers whether this instance holds it. Another instance's lease that
/// has not run out wins.
pub async fn lease(
    db: &Database,
    operator: &str,
    kind: Kind,
    instance: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<bool> {
    sqlx::query(
        "INSERT INTO realtime_feed_state (operator, kind, state, lease_until) VALUES ($1, $2, '{}', 0) \
         ON CONFLICT (operator, kind) DO NOTHING",
    )
    .bind(operator.to_owned())
    .bind(kind.key())
    .execute(db.pool())
    .await?;
    let taken = sqlx::query(
        "UPDATE realtime_feed_state SET lease_holder = $1, lease_until = $2 \
         WHERE operator = $3 AND kind = $4 AND (lease_holder = $1 OR lease_until < $5)",
    )
    .bind(instance.to_owned())
    .bind(until.timestamp())
    .bind(operator.to_owned())
    .bind(kind.key())
    .bind(now.timestamp())
    .execute(db.pool())
    .await?;
    Ok(taken.rows_affected() == 1)
}
