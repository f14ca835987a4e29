//! Rate limits per client address, seat code or API key (SPEC §5): a token
//! bucket per key, in memory (per instance), answered with `429` and
//! `Retry-After` by the caller.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use tokio::time::Instant;

use crate::error::AppError;

const SHARDS: usize = 16;
/// Buckets idle this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// A token-bucket limiter: `burst` requests at once, refilled at `per_second`.
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    // Sharded so concurrent requests rarely contend on one lock; std mutex:
    // the critical section is a map lookup and two float operations.
    shards: Vec<Mutex<HashMap<String, Bucket>>>,
    hasher: RandomState,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter allowing `burst` at once and `per_minute` sustained.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// Takes one token for `key`; when none is left, how long until one is.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let shard = &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS];
        let now = Instant::now();
        let mut buckets = shard.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| now.duration_since(b.updated) < FORGET_AFTER);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(
                Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second)
                    .max(Duration::from_secs(1)),
            )
        }
    }

    /// `check`, as the `429 rate-limited` problem.
    pub fn enforce(&self, key: &str, what: &str) -> Result<(), AppError> {
        self.check(key).map_err(|wait| {
            AppError::too_many_requests(
                "rate-limited",
                format!(
                    "Too many {what}. Try again in {} seconds.",
                    wait.as_secs().max(1)
                ),
                wait,
            )
        })
    }
}

/// The client's address: the TCP peer (a reverse proxy in front should be trusted explicitly).
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The rate limits of the service.
pub struct RateLimits {
    /// Scans per client address.
    pub scans_per_client: RateLimiter,
    /// Scans per seat code (on top of the activation cap).
    pub scans_per_seat_code: RateLimiter,
    /// Uploads per API key.
    pub uploads_per_key: RateLimiter,
    /// API calls per API key.
    pub calls_per_key: RateLimiter,
}

impl RateLimits {
    /// The limits of a configuration; scans allow half a minute's worth at once
    /// (a carriage of passengers behind one NAT scans in bursts).
    pub fn new(config: &crate::config::Config) -> Self {
        let (client, seat) = (
            config.scans_per_minute_per_client,
            config.scans_per_minute_per_seat_code,
        );
        Self {
            scans_per_client: RateLimiter::per_minute(client, client.div_ceil(2)),
            scans_per_seat_code: RateLimiter::per_minute(seat, seat.div_ceil(2)),
            uploads_per_key: RateLimiter::per_minute(60, 30),
            calls_per_key: RateLimiter::per_minute(1200, 200),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_allowed_then_refused_then_refilled() {
        let limiter = RateLimiter::per_minute(60, 3);
        for _ in 0..3 {
            assert!(limiter.check("ip:1").is_ok());
        }
        let wait = limiter.check("ip:1").unwrap_err();
        assert!(wait >= Duration::from_secs(1));
        assert!(limiter.check("ip:2").is_ok(), "keys are independent");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(limiter.check("ip:1").is_ok());
        assert!(limiter.check("ip:1").is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn scan_limits_follow_the_configuration_with_half_a_minute_at_once() {
        let mut config = crate::config::Config::for_tests(".");
        config.scans_per_minute_per_client = 10;
        config.scans_per_minute_per_seat_code = 4;
        let limits = RateLimits::new(&config);
        for _ in 0..5 {
            assert!(limits.scans_per_client.check("ip").is_ok());
        }
        assert!(limits.scans_per_client.check("ip").is_err());
        for _ in 0..2 {
            assert!(limits.scans_per_seat_code.check("7/1/12").is_ok());
        }
        assert!(limits.scans_per_seat_code.check("7/1/12").is_err());
    }

    #[test]
    fn refusal_is_a_429_problem_with_retry_after() {
        let limiter = RateLimiter::per_minute(1, 1);
        limiter.enforce("k", "uploads").unwrap();
        let problem = limiter.enforce("k", "uploads").unwrap_err().problem();
        assert_eq!(problem.status.as_u16(), 429);
        assert_eq!(problem.code, "rate-limited");
        assert!(problem.retry_after.unwrap() >= Duration::from_secs(1));
    }
}
