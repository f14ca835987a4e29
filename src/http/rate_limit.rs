//! Rate limits per client address, seat code or API key (SPEC §5): a token
//! bucket per key, in memory (per instance), answered with `429` and
//! `Retry-After` by the caller.
//!
//! Each limiter holds at most `capacity` keys (an LRU, so a flood of new keys
//! evicts the least recently seen first: those whose buckets have refilled,
//! which forgets nothing). Keys are things a client cannot multiply at will:
//! its address (an IPv6 client by its /64), a verified seat code, an
//! authenticated key.

use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::Duration;

use lru::LruCache;
use tokio::time::Instant;

use crate::error::AppError;

const SHARDS: usize = 16;
/// Keys one limiter remembers: a full train's passengers and every console
/// user fit many times over; 32 Ki buckets are about 3 MB.
pub const CAPACITY: usize = 32 * 1024;

/// A token-bucket limiter: `burst` requests at once, refilled at `per_second`.
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    // Sharded so concurrent requests rarely contend on one lock; std mutex:
    // the critical section is a lookup and two float operations. Keys are
    // stored as 64-bit hashes under a per-process random seed: fixed size,
    // no allocation, and no collision an attacker can aim for.
    shards: Vec<Mutex<LruCache<u64, Bucket>>>,
    hasher: RandomState,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter allowing `burst` at once and `per_minute` sustained.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self::with_capacity(per_minute, burst, CAPACITY)
    }

    /// The same, remembering at most `capacity` keys.
    pub fn with_capacity(per_minute: u32, burst: u32, capacity: usize) -> Self {
        let per_shard = NonZeroUsize::new(capacity.div_ceil(SHARDS).max(1)).expect("at least one");
        Self {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            shards: (0..SHARDS)
                .map(|_| Mutex::new(LruCache::new(per_shard)))
                .collect(),
            hasher: RandomState::new(),
        }
    }

    /// Takes one token for `key`; when none is left, how long until one is.
    pub fn check(&self, key: impl Hash) -> Result<(), Duration> {
        let hash = self.hasher.hash_one(key);
        let shard = &self.shards[(hash as usize) % SHARDS];
        let now = Instant::now();
        let mut buckets = shard.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.get_or_insert_mut(hash, || Bucket {
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
    pub fn enforce(&self, key: impl Hash, what: &str) -> Result<(), AppError> {
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

    /// Keys remembered now (never more than the capacity).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The limiter key of a client address: an IPv6 client is its /64 (one
/// subscriber gets a whole /64 and could otherwise take a fresh key per request).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

/// The rate limits of the service.
pub struct RateLimits {
    /// Valid scans per client address (sized for a full train boarding at once).
    pub scans_per_client: RateLimiter,
    /// Scans with a code that does not verify, per client address (counted
    /// apart, so junk cannot use up the valid scans of everyone behind a NAT).
    pub invalid_scans_per_client: RateLimiter,
    /// Scans per seat code (on top of the activation cap).
    pub scans_per_seat_code: RateLimiter,
    /// Uploads (EPUBs, GTFS feeds) per API key.
    pub uploads_per_key: RateLimiter,
    /// API calls per API key.
    pub calls_per_key: RateLimiter,
    /// Console sign-in attempts per client address.
    pub sign_ins_per_client: RateLimiter,
}

impl RateLimits {
    /// The limits of a configuration; scans allow half a minute's worth at once
    /// (a carriage of passengers behind one NAT scans in bursts).
    pub fn new(config: &crate::config::Config) -> Self {
        let (client, invalid, seat) = (
            config.scans_per_minute_per_client,
            config.invalid_scans_per_minute_per_client,
            config.scans_per_minute_per_seat_code,
        );
        let uploads = config.uploads_per_minute_per_key;
        Self {
            scans_per_client: RateLimiter::per_minute(client, client.div_ceil(2)),
            invalid_scans_per_client: RateLimiter::per_minute(invalid, invalid.div_ceil(2)),
            scans_per_seat_code: RateLimiter::per_minute(seat, seat.div_ceil(2)),
            uploads_per_key: RateLimiter::per_minute(uploads, uploads.div_ceil(2)),
            calls_per_key: RateLimiter::per_minute(1200, 200),
            sign_ins_per_client: RateLimiter::per_minute(30, 10),
        }
    }

    /// Takes an upload (an EPUB, a GTFS feed) of `account`: `429` with
    /// `Retry-After` past its rate. Called before the body is read.
    pub fn upload(&self, account: &crate::accounts::Account) -> Result<(), AppError> {
        self.uploads_per_key
            .enforce(&account.id, "uploads with this key")
    }

    /// Every limiter, for checks of their memory.
    pub fn all(&self) -> [&RateLimiter; 6] {
        [
            &self.scans_per_client,
            &self.invalid_scans_per_client,
            &self.scans_per_seat_code,
            &self.uploads_per_key,
            &self.calls_per_key,
            &self.sign_ins_per_client,
        ]
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

    #[tokio::test(start_paused = true)]
    async fn every_limiter_stays_under_its_capacity_in_a_random_key_flood() {
        let limits = RateLimits::new(&crate::config::Config::for_tests("."));
        for limiter in limits.all() {
            for _ in 0..100_000 {
                let _ = limiter.check(rand::random::<u64>());
            }
            assert!(limiter.len() <= CAPACITY, "{} keys", limiter.len());
            assert!(limiter.len() > CAPACITY / 2, "the cache is used");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_of_new_keys_evicts_idle_keys_not_the_active_one() {
        let limiter = RateLimiter::with_capacity(60, 2, 64);
        limiter.check("attacker").unwrap();
        limiter.check("attacker").unwrap();
        for i in 0..10_000u32 {
            let _ = limiter.check(i);
            if i % 2 == 0 {
                // Seen again and again: never the least recently seen.
                assert!(limiter.check("attacker").is_err(), "still limited at {i}");
            }
        }
        assert!(limiter.len() <= 64);
    }

    #[test]
    fn an_ipv6_client_is_its_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
