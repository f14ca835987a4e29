//! An operator's feed settings (`PUT /api/v1/operator/realtime`): parsed at
//! the edge, stored in `realtime_feeds` with the request headers sealed
//! under the master key (they usually carry the producer's API key).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::Context as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;

use crate::db::{Database, MasterKey};

/// Which of an operator's two feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Delays, cancellations, added trips (and vehicles running trips).
    TripUpdates,
    /// Vehicles with the trips they run.
    VehiclePositions,
}

impl Kind {
    /// Both kinds, in the console's order.
    pub const ALL: [Kind; 2] = [Kind::TripUpdates, Kind::VehiclePositions];

    /// The name in the database, the API and metrics.
    pub fn key(self) -> &'static str {
        match self {
            Kind::TripUpdates => "trip_updates",
            Kind::VehiclePositions => "vehicle_positions",
        }
    }
}

/// Why settings were refused: the field and what to change.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingsError {
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError {
        field,
        reason: reason.into(),
    }
}

/// The body of `PUT /api/v1/operator/realtime`, as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsRequest {
    /// The TripUpdates feed (absent or empty: none).
    pub trip_updates_url: Option<String>,
    /// The VehiclePositions feed (absent or empty: none).
    pub vehicle_positions_url: Option<String>,
    /// Request headers (e.g. `{"Authorization": "apikey …"}`). Absent: the
    /// stored ones stay (the console never sees their values); `{}`: none.
    pub headers: Option<BTreeMap<String, String>>,
    /// Seconds between fetches (default 30).
    pub period_seconds: Option<u64>,
    /// Seconds after which data that did not change is stale and the
    /// schedule applies again (default 300).
    pub stale_after_seconds: Option<u64>,
}

/// Valid feed settings of one operator.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSettings {
    /// The TripUpdates feed's URL.
    pub trip_updates_url: Option<String>,
    /// The VehiclePositions feed's URL.
    pub vehicle_positions_url: Option<String>,
    /// Headers sent with every fetch (never shown, never logged).
    pub headers: HeaderMap,
    /// Time between fetches.
    pub period: Duration,
    /// Age past which the feed's data no longer applies.
    pub stale_after: Duration,
}

/// Default time between fetches: what producers publish at.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(30);
/// Default age at which a feed is stale: ten missed updates.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(300);

impl SettingsRequest {
    /// Checks the fields; `stored` headers stay when the request sends none.
    pub fn parse(self, stored: Option<&HeaderMap>) -> Result<FeedSettings, SettingsError> {
        let url = |field, value: Option<String>| -> Result<Option<String>, SettingsError> {
            let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            let parsed = reqwest::Url::parse(&value)
                .map_err(|e| invalid(field, format!("not a URL ({e})")))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                return Err(invalid(field, "must be an http:// or https:// URL"));
            }
            if value.len() > 2048 {
                return Err(invalid(field, "is longer than 2,048 characters"));
            }
            Ok(Some(value))
        };
        let trip_updates_url = url("trip_updates_url", self.trip_updates_url)?;
        let vehicle_positions_url = url("vehicle_positions_url", self.vehicle_positions_url)?;
        let headers = match self.headers {
            Some(given) => headers(given)?,
            None => stored.cloned().unwrap_or_default(),
        };
        let seconds = |field, value: Option<u64>, default: Duration, max: u64| match value {
            None => Ok(default),
            Some(s) if (1..=max).contains(&s) => Ok(Duration::from_secs(s)),
            Some(s) => Err(invalid(
                field,
                format!("must be between 1 and {max}, not {s}"),
            )),
        };
        Ok(FeedSettings {
            trip_updates_url,
            vehicle_positions_url,
            headers,
            period: seconds("period_seconds", self.period_seconds, DEFAULT_PERIOD, 3600)?,
            stale_after: seconds(
                "stale_after_seconds",
                self.stale_after_seconds,
                DEFAULT_STALE_AFTER,
                86_400,
            )?,
        })
    }
}

fn headers(given: BTreeMap<String, String>) -> Result<HeaderMap, SettingsError> {
    if given.len() > 16 {
        return Err(invalid("headers", "at most 16 headers"));
    }
    let mut map = HeaderMap::new();
    for (name, value) in given {
        let header = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| invalid("headers", format!("{name:?} is not a header name")))?;
        let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
            invalid(
                "headers",
                format!("the value of {name} is not a header value"),
            )
        })?;
        value.set_sensitive(true);
        map.insert(header, value);
    }
    Ok(map)
}

impl FeedSettings {
    /// Refuses URLs whose host is, or resolves to, a non-public address
    /// (skipped when `allow_private`): the save-time half of the check that
    /// the fetcher makes again at every connection.
    pub async fn check_addresses(&self, allow_private: bool) -> Result<(), SettingsError> {
        if allow_private {
            return Ok(());
        }
        for (field, url) in [
            ("trip_updates_url", &self.trip_updates_url),
            ("vehicle_positions_url", &self.vehicle_positions_url),
        ] {
            let Some(url) = url else { continue };
            let parsed = reqwest::Url::parse(url).map_err(|e| invalid(field, e.to_string()))?;
            super::address::check(&parsed)
                .await
                .map_err(|why| invalid(field, why))?;
        }
        Ok(())
    }

    /// The URL of one feed, when set.
    pub fn url(&self, kind: Kind) -> Option<&str> {
        match kind {
            Kind::TripUpdates => self.trip_updates_url.as_deref(),
            Kind::VehiclePositions => self.vehicle_positions_url.as_deref(),
        }
    }

    /// The settings as shown: header names only.
    pub fn public(&self) -> serde_json::Value {
        serde_json::json!({
            "trip_updates_url": self.trip_updates_url,
            "vehicle_positions_url": self.vehicle_positions_url,
            "headers": self.headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
            "period_seconds": self.period.as_secs(),
            "stale_after_seconds": self.stale_after.as_secs(),
        })
    }
}

/// What `realtime_feeds.settings` holds (the headers are apart, sealed).
#[derive(Serialize, Deserialize)]
struct StoredSettings {
    trip_updates_url: Option<String>,
    vehicle_positions_url: Option<String>,
    period_seconds: u64,
    stale_after_seconds: u64,
}

const HEADERS_LABEL: &str = "realtime feed headers";

/// Stores `operator`'s settings, replacing earlier ones.
pub async fn save(
    db: &Database,
    master: &MasterKey,
    operator: &str,
    settings: &FeedSettings,
) -> anyhow::Result<()> {
    let stored = StoredSettings {
        trip_updates_url: settings.trip_updates_url.clone(),
        vehicle_positions_url: settings.vehicle_positions_url.clone(),
        period_seconds: settings.period.as_secs(),
        stale_after_seconds: settings.stale_after.as_secs(),
    };
    let headers: BTreeMap<&str, &str> = settings
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect();
    let sealed = if headers.is_empty() {
        None
    } else {
        Some(master.seal(HEADERS_LABEL, serde_json::to_string(&headers)?.as_bytes())?)
    };
    sqlx::query(
        "INSERT INTO realtime_feeds (operator, settings, headers, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (operator) DO UPDATE SET \
         settings = excluded.settings, headers = excluded.headers, updated_at = excluded.updated_at",
    )
    .bind(operator.to_owned())
    .bind(serde_json::to_string(&stored)?)
    .bind(sealed)
    .bind(chrono::Utc::now().timestamp())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Removes `operator`'s feeds; answers whether there were any.
pub async fn delete(db: &Database, operator: &str) -> anyhow::Result<bool> {
    let done = sqlx::query("DELETE FROM realtime_feeds WHERE operator = $1")
        .bind(operator.to_owned())
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// `operator`'s settings, if set.
pub async fn load(
    db: &Database,
    master: &MasterKey,
    operator: &str,
) -> anyhow::Result<Option<FeedSettings>> {
    let row =
        sqlx::query("SELECT operator, settings, headers FROM realtime_feeds WHERE operator = $1")
            .bind(operator.to_owned())
            .fetch_optional(db.pool())
            .await?;
    row.map(|row| settings(master, &row).map(|(_, s)| s))
        .transpose()
}

/// Every operator's settings.
pub async fn all(db: &Database, master: &MasterKey) -> anyhow::Result<Vec<(String, FeedSettings)>> {
    let rows =
        sqlx::query("SELECT operator, settings, headers FROM realtime_feeds ORDER BY operator")
            .fetch_all(db.pool())
            .await?;
    rows.iter().map(|row| settings(master, row)).collect()
}

fn settings(master: &MasterKey, row: &sqlx::any::AnyRow) -> anyhow::Result<(String, FeedSettings)> {
    let operator: String = row.try_get("operator")?;
    let text: String = row.try_get("settings")?;
    let stored: StoredSettings =
        serde_json::from_str(&text).context("realtime_feeds holds invalid settings")?;
    let sealed: Option<String> = row.try_get("headers")?;
    let headers = match sealed {
        Some(sealed) => {
            let json = master.unseal(HEADERS_LABEL, &sealed)?;
            let given: BTreeMap<String, String> = serde_json::from_slice(&json)?;
            headers(given).map_err(|e| anyhow::anyhow!("stored realtime headers: {e}"))?
        }
        None => HeaderMap::new(),
    };
    let settings = FeedSettings {
        trip_updates_url: stored.trip_updates_url,
        vehicle_positions_url: stored.vehicle_positions_url,
        headers,
        period: Duration::from_secs(stored.period_seconds.max(1)),
        stale_after: Duration::from_secs(stored.stale_after_seconds.max(1)),
    };
    Ok((operator, settings))
}
