//! Which vehicles run which trip. Three sources, the later overriding the
//! earlier: the plan (a roster, by GTFS block or trip), an explicit
//! assignment or swap (API or console), and GTFS-Realtime. Each source keeps
//! its own list per trip; the trip's vehicles are its strongest source's
//! (so a realtime swap wins over the plan, and the plan still stands where
//! the feed says nothing). Coupled sets are several vehicles on one trip.
//!
//! Every change of a trip's vehicles is written to the trip's history in the
//! same transaction: what changed (`from`, `to`), by which source, who, when.

use std::collections::HashMap;

use serde_json::json;
use sqlx::Row as _;

use super::error::VehicleError;
use super::model::VehicleNumber;
use super::store::{VehicleStore, live_number};
use crate::db::{Domain, Params, Write, rows_per_statement};
use crate::trips::{TripId, TripStore, record_change};

/// Where an assignment comes from; a stronger source overrides a weaker one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A roster, by GTFS block or by trip.
    Plan,
    /// An explicit assignment or swap by the API or the console.
    Api,
    /// A GTFS-Realtime entity carrying both a trip and a vehicle.
    Realtime,
}

impl Source {
    /// The name stored in `trip_vehicles`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Plan => "plan",
            Source::Api => "api",
            Source::Realtime => "realtime",
        }
    }

    /// The source of a stored name.
    pub fn parse(name: &str) -> Option<Source> {
        match name {
            "plan" => Some(Source::Plan),
            "api" => Some(Source::Api),
            "realtime" => Some(Source::Realtime),
            _ => None,
        }
    }
}

/// Who made a change, for the trip's history.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The account (an operator id), or `realtime` for the feed poller.
    pub account: &'a str,
    /// The channel, as the history shows it: `api`, `console`, `import` or `realtime`.
    pub via: &'static str,
}

/// What a GTFS-Realtime assignment did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RealtimeAssigned {
    /// Whether the trip's realtime vehicles changed (and the history got a line).
    pub changed: bool,
    /// Vehicle ids the feed named that the operator has not registered.
    pub unknown: Vec<String>,
}

impl VehicleStore {
    /// Sets the vehicles `source` says run `trip` (all of `operator`'s live
    /// vehicles, else [`VehicleError::Unknown`] and nothing changes). An empty
    /// list withdraws that source's say. Returns the trip's vehicles after.
    pub async fn assign(
        &self,
        trips: &TripStore,
        operator: &str,
        trip: TripId,
        vehicle_refs: &[String],
        source: Source,
        actor: Actor<'_>,
    ) -> Result<Vec<String>, VehicleError> {
        trips
            .trip_of(operator, trip)
            .await?
            .ok_or(crate::trips::TripError::NotFound(trip))?;
        let mut write = self.db.write(Domain::Trips).await?;
        let (numbers, unknown) = numbers_of(&mut write, operator, vehicle_refs).await?;
        if !unknown.is_empty() {
            return Err(VehicleError::Unknown(unknown));
        }
        let changed = apply(&mut write, &[(trip, numbers)], source, actor).await?;
        if changed > 0 {
            write.commit().await?;
            self.reload().await?;
        }
        Ok(self.fleet().vehicles_of(trip))
    }

    /// Records what a GTFS-Realtime feed says: `vehicle_refs` (the entity's
    /// `VehicleDescriptor.id` or `label`, as the operator registered them)
    /// run `operator`'s `trip`. Ids the operator has not registered are
    /// returned, not errors; a feed repeating the same assignment changes
    /// nothing and writes nothing. Takes its own transaction: the poller
    /// uses [`VehicleStore::record_realtime_in`] inside its single write.
    pub async fn record_realtime(
        &self,
        trips: &TripStore,
        operator: &str,
        trip: TripId,
        vehicle_refs: &[String],
    ) -> Result<RealtimeAssigned, VehicleError> {
        trips
            .trip_of(operator, trip)
            .await?
            .ok_or(crate::trips::TripError::NotFound(trip))?;
        let mut write = self.db.write(Domain::Trips).await?;
        let done = self
            .record_realtime_in(&mut write, operator, &[(trip, vehicle_refs.to_vec())])
            .await?;
        if done.changed > 0 {
            write.commit().await?;
            self.reload().await?;
        }
        Ok(RealtimeAssigned {
            changed: done.changed > 0,
            unknown: done.unknown,
        })
    }

    /// Records a whole feed's vehicles inside `write` (a write of the trips
    /// domain that the caller commits, then calls
    /// [`VehicleStore::published`]): each trip's realtime vehicles become
    /// those the feed names for it (coupled sets: several), overriding the
    /// plan and explicit assignments. A handful of statements whatever the
    /// feed's size: only trips whose realtime vehicles change are written,
    /// each with a line in its history. Unknown ids are counted and
    /// returned (each once), not errors.
    pub async fn record_realtime_in(
        &self,
        write: &mut Write,
        operator: &str,
        seen: &[(TripId, Vec<String>)],
    ) -> Result<RealtimeBatch, VehicleError> {
        let mut done = RealtimeBatch::default();
        if seen.is_empty() {
            return Ok(done);
        }
        let known = live_vehicles(write, operator).await?;
        let mut wanted: Vec<(TripId, Vec<VehicleNumber>)> = Vec::with_capacity(seen.len());
        for (trip, refs) in seen {
            let mut numbers = Vec::with_capacity(refs.len());
            for r in refs {
                match known.by_ref.get(r.trim()) {
                    Some(&n) if !numbers.contains(&n) => numbers.push(n),
                    Some(_) => {}
                    None => {
                        if !done.unknown.contains(r) {
                            done.unknown.push(r.clone());
                        }
                    }
                }
            }
            if !numbers.is_empty() {
                wanted.push((*trip, numbers));
            }
        }
        let trip_ids: Vec<TripId> = wanted.iter().map(|(t, _)| *t).collect();
        let current = rows_of_trips(write, &trip_ids).await?;
        let actor = Actor {
            account: "realtime",
            via: "realtime",
        };
        for (trip, numbers) in wanted {
            let rows = current.get(&trip).map_or(&[][..], Vec::as_slice);
            let mine: Vec<VehicleNumber> = rows
                .iter()
                .filter(|(s, _)| *s == Source::Realtime)
                .map(|(_, n)| *n)
                .collect();
            if mine == numbers {
                continue;
            }
            let before = effective(rows);
            let mut after_rows: Vec<(Source, VehicleNumber)> = rows
                .iter()
                .filter(|(s, _)| *s != Source::Realtime)
                .copied()
                .collect();
            after_rows.extend(numbers.iter().map(|n| (Source::Realtime, *n)));
            let after = effective(&after_rows);
            let refs = |list: &[VehicleNumber]| -> Vec<String> {
                list.iter()
                    .filter_map(|n| known.by_number.get(n).cloned())
                    .collect()
            };
            let detail = json!({
                "vehicles": {"from": refs(&before), "to": refs(&after)},
                "assignment": {"source": Source::Realtime.name(), "vehicles": refs(&numbers)},
            });
            replace(write, trip, &numbers, Source::Realtime).await?;
            let at = changed_revision(write).await?;
            record_change(write.tx(), at, actor.account, actor.via, trip, &detail).await?;
            done.changed += 1;
        }
        Ok(done)
    }

    /// After a committed [`VehicleStore::record_realtime_in`] that changed
    /// assignments: this process's scans see them at once.
    pub async fn published(&self, done: &RealtimeBatch) -> Result<(), VehicleError> {
        if done.changed > 0 {
            self.reload().await?;
        }
        Ok(())
    }

    /// Writes a roster's assignments (plan source) in one transaction.
    /// Returns how many trips' plan changed.
    pub(super) async fn assign_plan(
        &self,
        plan: &[(TripId, Vec<VehicleNumber>)],
        actor: Actor<'_>,
    ) -> Result<usize, VehicleError> {
        let mut write = self.db.write(Domain::Trips).await?;
        let changed = apply(&mut write, plan, Source::Plan, actor).await?;
        if changed > 0 {
            write.commit().await?;
            self.reload().await?;
        }
        Ok(changed)
    }
}

/// Numbers of `operator`'s live vehicles with these ids (duplicates
/// dropped), and the ids that name none.
async fn numbers_of(
    write: &mut Write,
    operator: &str,
    vehicle_refs: &[String],
) -> Result<(Vec<VehicleNumber>, Vec<String>), VehicleError> {
    let (mut numbers, mut unknown) = (Vec::new(), Vec::new());
    for r in vehicle_refs {
        match live_number(write, operator, r.trim()).await? {
            Some(n) if !numbers.contains(&n) => numbers.push(n),
            Some(_) => {}
            None => unknown.push(r.clone()),
        }
    }
    Ok((numbers, unknown))
}

/// Replaces `source`'s vehicles of each trip, recording each trip whose
/// list changed in its history. Returns how many changed.
async fn apply(
    write: &mut Write,
    changes: &[(TripId, Vec<VehicleNumber>)],
    source: Source,
    actor: Actor<'_>,
) -> Result<usize, VehicleError> {
    let mut changed = 0;
    for (trip, numbers) in changes {
        let rows = rows_of(write, *trip).await?;
        let mine: Vec<VehicleNumber> = rows
            .iter()
            .filter(|(s, _)| *s == source)
            .map(|(_, n)| *n)
            .collect();
        if &mine == numbers {
            continue;
        }
        let before = effective(&rows);
        replace(write, *trip, numbers, source).await?;
        let after = effective(&rows_of(write, *trip).await?);
        let at = changed_revision(write).await?;
        let detail = json!({
            "vehicles": {
                "from": refs_of(write, &before).await?,
                "to": refs_of(write, &after).await?,
            },
            "assignment": {
                "source": source.name(),
                "vehicles": refs_of(write, numbers).await?,
            },
        });
        record_change(write.tx(), at, actor.account, actor.via, *trip, &detail).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Replaces `source`'s vehicles of `trip` with `numbers`, in order.
async fn replace(
    write: &mut Write,
    trip: TripId,
    numbers: &[VehicleNumber],
    source: Source,
) -> Result<(), VehicleError> {
    sqlx::query("DELETE FROM trip_vehicles WHERE trip_id = $1 AND source = $2")
        .bind(i64::from(trip.get()))
        .bind(source.name())
        .execute(write.tx())
        .await?;
    if numbers.is_empty() {
        return Ok(());
    }
    let mut params = Params::on(write.tx());
    let sql = format!(
        "INSERT INTO trip_vehicles (trip_id, source, vehicle_id, position) VALUES {}",
        params.rows(numbers.len(), 4)
    );
    let mut query = sqlx::query(&sql);
    for (position, number) in numbers.iter().enumerate() {
        query = query
            .bind(i64::from(trip.get()))
            .bind(source.name())
            .bind(i64::from(*number))
            .bind(position as i64);
    }
    query.execute(write.tx()).await?;
    Ok(())
}

/// The trips generation of a write that changes assignments (its history
/// lines sort with the trips' own changes), the vehicles generation bumped
/// too: both domains, trips first, as every writer takes them.
async fn changed_revision(write: &mut Write) -> Result<i64, VehicleError> {
    let revision = write.also_bump(Domain::Trips).await?;
    write.also_bump(Domain::Vehicles).await?;
    Ok(revision)
}

/// What a feed's vehicles did to the assignments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RealtimeBatch {
    /// Trips whose realtime vehicles changed.
    pub changed: usize,
    /// Vehicle ids the feed named that the operator has not registered, once each.
    pub unknown: Vec<String>,
}

/// An operator's live vehicles, both ways.
struct Known {
    by_ref: HashMap<String, VehicleNumber>,
    by_number: HashMap<VehicleNumber, String>,
}

async fn live_vehicles(write: &mut Write, operator: &str) -> Result<Known, VehicleError> {
    let rows = sqlx::query(
        "SELECT id, vehicle_ref FROM vehicles WHERE operator = $1 AND retired_at IS NULL",
    )
    .bind(operator.to_owned())
    .fetch_all(write.tx())
    .await?;
    let mut known = Known {
        by_ref: HashMap::with_capacity(rows.len()),
        by_number: HashMap::with_capacity(rows.len()),
    };
    for row in rows {
        let number = u32::try_from(row.try_get::<i64, _>(0)?)
            .map_err(|e| VehicleError::Storage(e.into()))?;
        let r: String = row.try_get(1)?;
        known.by_ref.insert(r.clone(), number);
        known.by_number.insert(number, r);
    }
    Ok(known)
}

/// Every assignment row of these trips (of live vehicles), by position.
async fn rows_of_trips(
    write: &mut Write,
    trips: &[TripId],
) -> Result<HashMap<TripId, Vec<(Source, VehicleNumber)>>, VehicleError> {
    let mut out: HashMap<TripId, Vec<(Source, VehicleNumber)>> = HashMap::new();
    for chunk in trips.chunks(rows_per_statement(1)) {
        let mut params = Params::on(write.tx());
        let sql = format!(
            "SELECT tv.trip_id, tv.source, tv.vehicle_id FROM trip_vehicles tv \
             JOIN vehicles v ON v.id = tv.vehicle_id AND v.retired_at IS NULL \
             WHERE tv.trip_id IN ({}) ORDER BY tv.trip_id, tv.position",
            params.list(chunk.len())
        );
        let mut query = sqlx::query(&sql).persistent(false);
        for trip in chunk {
            query = query.bind(i64::from(trip.get()));
        }
        for row in query.fetch_all(write.tx()).await? {
            let trip = u32::try_from(row.try_get::<i64, _>(0)?)
                .map_err(|e| VehicleError::Storage(e.into()))?;
            let Some(source) = Source::parse(&row.try_get::<String, _>(1)?) else {
                continue;
            };
            let number = u32::try_from(row.try_get::<i64, _>(2)?)
                .map_err(|e| VehicleError::Storage(e.into()))?;
            out.entry(TripId::new(trip))
                .or_default()
                .push((source, number));
        }
    }
    Ok(out)
}

/// Every assignment row of a trip, by position.
async fn rows_of(
    write: &mut Write,
    trip: TripId,
) -> Result<Vec<(Source, VehicleNumber)>, VehicleError> {
    let rows = sqlx::query(
        "SELECT tv.source, tv.vehicle_id FROM trip_vehicles tv \
         JOIN vehicles v ON v.id = tv.vehicle_id AND v.retired_at IS NULL \
         WHERE tv.trip_id = $1 ORDER BY tv.position",
    )
    .bind(i64::from(trip.get()))
    .fetch_all(write.tx())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(source) = Source::parse(&row.try_get::<String, _>(0)?) else {
            continue;
        };
        let number = u32::try_from(row.try_get::<i64, _>(1)?)
            .map_err(|e| VehicleError::Storage(e.into()))?;
        out.push((source, number));
    }
    Ok(out)
}

/// The strongest source's vehicles.
fn effective(rows: &[(Source, VehicleNumber)]) -> Vec<VehicleNumber> {
    let Some(best) = rows.iter().map(|(s, _)| *s).max() else {
        return Vec::new();
    };
    rows.iter()
        .filter(|(s, _)| *s == best)
        .map(|(_, n)| *n)
        .collect()
}

async fn refs_of(
    write: &mut Write,
    numbers: &[VehicleNumber],
) -> Result<Vec<String>, VehicleError> {
    let mut refs = Vec::with_capacity(numbers.len());
    for n in numbers {
        let r: String = sqlx::query_scalar("SELECT vehicle_ref FROM vehicles WHERE id = $1")
            .bind(i64::from(*n))
            .fetch_one(write.tx())
            .await?;
        refs.push(r);
    }
    Ok(refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strongest_source_wins() {
        let rows = [
            (Source::Plan, 1),
            (Source::Realtime, 3),
            (Source::Api, 2),
            (Source::Realtime, 4),
        ];
        assert_eq!(effective(&rows), vec![3, 4]);
        assert_eq!(effective(&rows[..1]), vec![1]);
        assert!(effective(&[]).is_empty());
        assert!(Source::Realtime > Source::Api && Source::Api > Source::Plan);
    }
}
