//! Polling: every second the poller looks at which feeds are due, and runs
//! one round for each that is (in its own task, one round per feed at a
//! time). The poller and its rounds, and the console's "fetch now", run on
//! the background thread ([`crate::background`]), below the passengers'
//! requests. A round fetches, decodes, applies in one database write, then
//! moves the sessions; it stores what it did for the console. A failing feed is retried after its period doubled per failure
//! in a row, up to the configured ceiling; its previous state stays in force
//! meanwhile, until its data is older than the operator's staleness limit,
//! when its trips fall back to the schedule.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use super::decode::{self, Decoded, VehicleSeen};
use super::feeds::{self, FeedSettings, Kind};
use super::fetch::{Fetched, Fetcher};
use super::state::{self, FeedState};
use crate::app::App;
use crate::config::RealtimeLimits;
use crate::db::{Domain, MasterKey};
use crate::trips::live::FeedTripRef;
use crate::trips::{LiveOptions, Seats, TripId};

/// How often the poller looks for due feeds.
const TICK: Duration = Duration::from_secs(1);

/// Session store calls a round keeps in flight (a Redis connection
/// pipelines them).
const SESSION_CALLS_IN_FLIGHT: usize = 32;

/// The feeds' poller, shared by the app.
pub struct Realtime {
    fetcher: Fetcher,
    /// Opens the feeds' sealed headers.
    pub(super) master: MasterKey,
    /// This process's name in feed leases.
    instance: String,
    limits: RealtimeLimits,
    clocks: Mutex<HashMap<(String, Kind), Clock>>,
    /// Session changes the session store refused; retried every round.
    pending: Mutex<Vec<SessionEffect>>,
    wake: Arc<tokio::sync::Notify>,
}

/// When a feed is next due, and its one-round-at-a-time lock.
struct Clock {
    due: Instant,
    running: Arc<tokio::sync::Mutex<()>>,
}

/// What a trip change means for its sessions.
#[derive(Debug, Clone, Copy)]
enum SessionEffect {
    /// Sessions of the trip live until then (Unix seconds), if later.
    Extend(u32, i64),
    /// Sessions of the trip end now.
    End(u32),
}

impl Realtime {
    /// A poller fetching within `limits`.
    pub fn new(limits: &RealtimeLimits, master: MasterKey) -> anyhow::Result<Self> {
        Ok(Self {
            fetcher: Fetcher::new(
                limits.fetch_timeout,
                limits.max_feed_bytes,
                limits.allow_private_feeds,
            )?,
            master,
            instance: format!("{:032x}", rand::random::<u128>()),
            limits: limits.clone(),
            clocks: Mutex::new(HashMap::new()),
            pending: Mutex::new(Vec::new()),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Makes `operator`'s feeds due now (their settings changed).
    pub fn changed(&self, operator: &str) {
        self.lock_clocks().retain(|(o, _), _| o != operator);
        self.wake.notify_one();
    }

    /// Runs one round of each of `operator`'s feeds now, waiting for a
    /// round already running; answers nothing (read the states after).
    pub async fn fetch_now(&self, app: &Arc<App>, operator: &str, settings: &FeedSettings) {
        for kind in Kind::ALL {
            if settings.url(kind).is_some() {
                self.round(app, operator, kind, settings, true).await;
            }
        }
    }

    fn lock_clocks(&self) -> std::sync::MutexGuard<'_, HashMap<(String, Kind), Clock>> {
        // Entries are replaced whole: a panic cannot leave one half-written.
        self.clocks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn running(&self, operator: &str, kind: Kind) -> Arc<tokio::sync::Mutex<()>> {
        let mut clocks = self.lock_clocks();
        let clock = clocks
            .entry((operator.to_owned(), kind))
            .or_insert_with(|| Clock {
                due: Instant::now(),
                running: Arc::default(),
            });
        clock.running.clone()
    }

    /// Starts a round of every feed that is due.
    async fn start_due(&self, app: &Arc<App>) {
        let all = match feeds::all(&app.db, &self.master).await {
            Ok(all) => all,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "reading the realtime feeds failed");
                return;
            }
        };
        let now = Instant::now();
        let mut due = Vec::new();
        {
            let mut clocks = self.lock_clocks();
            clocks.retain(|(operator, kind), _| {
                all.iter()
                    .any(|(o, s)| o == operator && s.url(*kind).is_some())
            });
            for (operator, settings) in &all {
                for kind in Kind::ALL {
                    if settings.url(kind).is_none() {
                        continue;
                    }
                    let clock = clocks
                        .entry((operator.clone(), kind))
                        .or_insert_with(|| Clock {
                            due: now,
                            running: Arc::default(),
                        });
                    if clock.due <= now {
                        // Not due again before this round reschedules it.
                        clock.due = now + settings.period.max(TICK);
                        due.push((operator.clone(), kind, settings.clone()));
                    }
                }
            }
        }
        for (operator, kind, settings) in due {
            let app = app.clone();
            tokio::spawn(async move {
                app.realtime
                    .round(&app, &operator, kind, &settings, false)
                    .await;
            });
        }
    }

    /// One fetch of one feed, applied, with its state stored. `forced` (the
    /// console's "fetch now") waits for a running round and ignores the lease.
    async fn round(
        &self,
        app: &Arc<App>,
        operator: &str,
        kind: Kind,
        settings: &FeedSettings,
        forced: bool,
    ) {
        let Some(url) = settings.url(kind) else {
            return;
        };
        let running = self.running(operator, kind);
        let _one = if forced {
            running.lock().await
        } else {
            match running.try_lock() {
                Ok(guard) => guard,
                Err(_) => return,
            }
        };
        let now = Utc::now();
        let hold = chrono::Duration::from_std(settings.period * 2 + self.limits.fetch_timeout)
            .unwrap_or(chrono::Duration::MAX);
        match state::lease(&app.db, operator, kind, &self.instance, now, now + hold).await {
            Ok(true) => {}
            Ok(false) if !forced => return, // another instance polls this feed
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "taking a realtime feed's lease failed");
                return;
            }
        }
        let mut feed = match state::load(&app.db, operator, kind).await {
            Ok(feed) => feed,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "reading a realtime feed's state failed");
                return;
            }
        };
        if feed.url != url {
            feed = FeedState {
                url: url.to_owned(),
                ..FeedState::default()
            };
        }
        let mut outcome = self
            .fetch_and_apply(app, operator, kind, url, settings, &mut feed, now)
            .await;
        if let Err(e) = self.apply_pending(app).await
            && outcome.is_ok()
        {
            outcome = Err(("session-store", e));
        }
        feed.last_fetch = Some(now);
        let metric = match outcome {
            Ok(outcome) => {
                feed.failures = 0;
                feed.last_error = None;
                outcome
            }
            Err((label, error)) => {
                tracing::warn!(operator, feed = kind.key(), error = %error, "realtime fetch failed; the previous state stays");
                feed.failures = feed.failures.saturating_add(1);
                feed.last_error = Some(error);
                feed.last_error_at = Some(now);
                label
            }
        };
        app.metrics.realtime_fetch(kind.key(), metric);
        if kind == Kind::TripUpdates {
            self.fall_back_if_stale(app, operator, settings, &mut feed, now)
                .await;
        }
        let age = feed.data_at.map(|at| (now - at).num_seconds().max(0));
        app.metrics
            .realtime_state(operator, kind.key(), age, feed.stale);
        if let Err(e) = state::save(&app.db, operator, kind, &feed).await {
            tracing::warn!(error = %format!("{e:#}"), "storing a realtime feed's state failed");
        }
        let wait = backoff(settings.period, feed.failures, self.limits.max_backoff);
        if let Some(clock) = self.lock_clocks().get_mut(&(operator.to_owned(), kind)) {
            clock.due = Instant::now() + wait;
        }
    }

    /// Fetches, decodes and applies one body; answers the metric's outcome,
    /// or the outcome and a message for the console.
    #[expect(
        clippy::too_many_arguments,
        reason = "one round's context, passed down once"
    )]
    async fn fetch_and_apply(
        &self,
        app: &Arc<App>,
        operator: &str,
        kind: Kind,
        url: &str,
        settings: &FeedSettings,
        feed: &mut FeedState,
        now: DateTime<Utc>,
    ) -> Result<&'static str, (&'static str, String)> {
        let fetched = self
            .fetcher
            .fetch(url, &settings.headers, &feed.validators)
            .await
            .map_err(|e| {
                let label = match e {
                    super::fetch::FetchError::Timeout(_) => "timeout",
                    super::fetch::FetchError::TooLarge(_) => "too-large",
                    super::fetch::FetchError::Status(_) => "http-status",
                    super::fetch::FetchError::Http(_) => "http-error",
                    super::fetch::FetchError::NotPublic(_) => "not-public",
                };
                (label, e.to_string())
            })?;
        let (body, validators) = match fetched {
            Fetched::NotModified => return Ok("not-modified"),
            Fetched::Body(body, validators) => (body, validators),
        };
        // Decoding a national feed takes milliseconds of CPU: off the async threads.
        let decoded = tokio::task::spawn_blocking(move || decode::decode(&body))
            .await
            .map_err(|e| ("decode", format!("decoding stopped: {e}")))?
            .map_err(|e| ("decode", e.to_string()))?;
        let data_at = decoded.produced_at.unwrap_or(now);
        if now - data_at > chrono::Duration::from_std(settings.stale_after).unwrap_or_default() {
            // Old data is not applied: the staleness check decides.
            feed.validators = validators;
            feed.data_at = Some(data_at);
            feed.entities = decoded.entities;
            return Ok("stale");
        }
        let report = self.apply(app, operator, kind, &decoded, now).await?;
        let mut unmatched: Vec<String> = decoded.unusable.clone();
        unmatched.extend(report.unmatched_sample);
        unmatched.truncate(self.limits.unmatched_shown);
        feed.validators = validators;
        feed.data_at = Some(data_at);
        feed.entities = decoded.entities;
        feed.entities_applied = report.applied;
        feed.entities_unmatched = report.unmatched + decoded.unusable.len();
        feed.unmatched = unmatched;
        feed.trips_changed = report.trips_changed;
        feed.stale = false;
        app.metrics
            .realtime_entities(kind.key(), report.applied, feed.entities_unmatched);
        Ok("applied")
    }

    /// Applies a body in one write: its trip updates to the trips, its
    /// vehicles (`trip` and `vehicle` together) to the assignments; queues
    /// the effects on sessions.
    async fn apply(
        &self,
        app: &Arc<App>,
        operator: &str,
        kind: Kind,
        decoded: &Decoded,
        now: DateTime<Utc>,
    ) -> Result<Report, (&'static str, String)> {
        let options = LiveOptions {
            timezone: app.config.default_timezone,
            seats: Seats::new(400).expect("a valid seat count"),
            unmatched_shown: self.limits.unmatched_shown,
        };
        let failed =
            |e: &dyn std::fmt::Display| ("apply", format!("the feed could not be applied: {e}"));
        let refs: Vec<FeedTripRef> = decoded.vehicles.iter().map(|v| v.trip.clone()).collect();
        // Trips first, then (when assignments change) vehicles: every
        // writer takes the two domains in this order.
        let mut write = app.db.write(Domain::Trips).await.map_err(|e| failed(&e))?;
        let live = app
            .trips
            .apply_live_in(&mut write, operator, &decoded.updates, &refs, options, now)
            .await
            .map_err(|e| failed(&e))?;
        let mut report = Report::default();
        let seen = by_trip(&decoded.vehicles, &live.found, |what| {
            // A TripUpdates entity naming an unknown trip is counted with its update.
            if kind == Kind::VehiclePositions {
                report.unmatched(what, self.limits.unmatched_shown);
            }
        });
        let assigned = app
            .vehicles
            .record_realtime_in(&mut write, operator, &seen)
            .await
            .map_err(|e| failed(&e))?;
        if live.changed() || assigned.changed > 0 {
            write.commit().await.map_err(|e| failed(&e))?;
        }
        let applied = app.trips.published(live).await;
        if let Err(e) = app.vehicles.published(&assigned).await {
            tracing::warn!(error = %e, "reloading the vehicles after a feed failed");
        }
        let mut effects = Vec::with_capacity(applied.later.len() + applied.cancelled.len());
        for trip in &applied.later {
            let closes_at = trip.window(&app.config).closes_at.timestamp();
            effects.push(SessionEffect::Extend(trip.id.get(), closes_at));
        }
        effects.extend(
            applied
                .cancelled
                .iter()
                .map(|id| SessionEffect::End(id.get())),
        );
        if !effects.is_empty() || applied.added > 0 || assigned.changed > 0 {
            tracing::info!(
                operator,
                later = applied.later.len(),
                cancelled = applied.cancelled.len(),
                added = applied.added,
                assignments = assigned.changed,
                "realtime feed applied"
            );
        }
        self.lock_pending().extend(effects);
        let vehicles_applied = seen.iter().map(|(_, v)| v.len()).sum::<usize>();
        report.applied = match kind {
            Kind::TripUpdates => applied.applied,
            Kind::VehiclePositions => vehicles_applied.saturating_sub(assigned.unknown.len()),
        };
        if kind == Kind::TripUpdates {
            report.unmatched += applied.unmatched;
            report.unmatched_sample.extend(applied.unmatched_sample);
        }
        for vehicle in &assigned.unknown {
            report.unmatched(format!("vehicle {vehicle}"), self.limits.unmatched_shown);
        }
        report.trips_changed =
            applied.later.len() + applied.cancelled.len() + applied.added + assigned.changed;
        Ok(report)
    }

    /// Moves the sessions of changed trips; what the store refuses stays
    /// queued for the next round.
    async fn apply_pending(&self, app: &App) -> Result<(), String> {
        use futures_util::StreamExt as _;
        let effects = std::mem::take(&mut *self.lock_pending());
        let mut failed = Vec::new();
        let mut error = None;
        // A national feed moves ten thousand trips: one Redis round trip
        // after another took seconds; in flight together, the connection
        // pipelines them. Order does not matter: ending a trip's sessions
        // and extending them commute (an extension finds none left).
        let mut done = futures_util::stream::iter(effects)
            .map(|effect| async move {
                let done = match effect {
                    SessionEffect::Extend(trip, until) => {
                        app.sessions.extend_trip(trip, until).await
                    }
                    SessionEffect::End(trip) => app.sessions.end_trip(trip).await,
                };
                (effect, done)
            })
            .buffer_unordered(SESSION_CALLS_IN_FLIGHT);
        while let Some((effect, done)) = done.next().await {
            if let Err(e) = done {
                error
                    .get_or_insert_with(|| format!("sessions could not follow the trips yet: {e}"));
                failed.push(effect);
            }
        }
        self.lock_pending().extend(failed);
        error.map_or(Ok(()), Err)
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Vec<SessionEffect>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Past the staleness limit, the trips whose arrival the feed set go
    /// back to their schedule, once.
    async fn fall_back_if_stale(
        &self,
        app: &App,
        operator: &str,
        settings: &FeedSettings,
        feed: &mut FeedState,
        now: DateTime<Utc>,
    ) {
        let limit = chrono::Duration::from_std(settings.stale_after).unwrap_or_default();
        let stale = feed.data_at.is_some_and(|at| now - at > limit);
        if !stale || feed.stale {
            return;
        }
        match app.trips.fall_back_to_schedule(operator).await {
            Ok(trips) => {
                tracing::warn!(
                    operator,
                    trips = trips.len(),
                    "realtime feed stale: back to the schedule"
                );
                feed.stale = true;
            }
            Err(e) => {
                feed.last_error = Some(format!("falling back to the schedule failed: {e}"));
                feed.last_error_at = Some(now);
            }
        }
    }
}

/// What applying one body did, for the feed's state.
#[derive(Default)]
struct Report {
    applied: usize,
    unmatched: usize,
    unmatched_sample: Vec<String>,
    trips_changed: usize,
}

impl Report {
    /// Counts an entity naming an unknown trip or vehicle, keeping the first `keep`.
    fn unmatched(&mut self, what: String, keep: usize) {
        self.unmatched += 1;
        if self.unmatched_sample.len() < keep {
            self.unmatched_sample.push(what);
        }
    }
}

/// The feed's vehicles grouped by the trip they run (coupled sets: several
/// vehicles, in the feed's order); `unknown_trip` hears of each vehicle
/// whose trip is not one of the operator's current trips.
fn by_trip(
    vehicles: &[VehicleSeen],
    found: &[Option<TripId>],
    mut unknown_trip: impl FnMut(String),
) -> Vec<(TripId, Vec<String>)> {
    let mut seen: Vec<(TripId, Vec<String>)> = Vec::new();
    let mut at: HashMap<TripId, usize> = HashMap::new();
    for (vehicle, trip) in vehicles.iter().zip(found) {
        let Some(trip) = *trip else {
            unknown_trip(format!("{} (vehicle {})", vehicle.trip, vehicle.vehicle));
            continue;
        };
        let i = *at.entry(trip).or_insert_with(|| {
            seen.push((trip, Vec::new()));
            seen.len() - 1
        });
        if !seen[i].1.contains(&vehicle.vehicle) {
            seen[i].1.push(vehicle.vehicle.clone());
        }
    }
    seen
}

/// The wait before the next round: the period, doubled per failure in a row, up to `max`.
fn backoff(period: Duration, failures: u32, max: Duration) -> Duration {
    let factor = 1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX);
    period.saturating_mul(factor).min(max.max(period))
}

/// The poller's loop: looks for due feeds every second, or at once when
/// settings change. Ends with the app.
pub async fn poll_task(app: Weak<App>) {
    let Some(wake) = app.upgrade().map(|a| a.realtime.wake.clone()) else {
        return;
    };
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = wake.notified() => {}
        }
        let Some(app) = app.upgrade() else { return };
        app.realtime.start_due(&app).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_failure_up_to_the_ceiling() {
        let period = Duration::from_secs(30);
        let max = Duration::from_secs(600);
        assert_eq!(backoff(period, 0, max), period);
        assert_eq!(backoff(period, 1, max), Duration::from_secs(60));
        assert_eq!(backoff(period, 3, max), Duration::from_secs(240));
        assert_eq!(backoff(period, 5, max), max);
        assert_eq!(backoff(period, 40, max), max);
        // A period longer than the ceiling is never shortened.
        assert_eq!(
            backoff(Duration::from_secs(900), 2, max),
            Duration::from_secs(900)
        );
    }
}
