//! From a feed's bytes to what it says about trips and vehicles.
//!
//! Pure functions, no I/O: a `FeedMessage` is decoded whole or refused
//! (malformed or truncated protobuf, or no GTFS-Realtime header), and each
//! entity becomes a [`LiveUpdate`] or a named reason why it cannot be used.

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message as _;

use super::proto::{FeedMessage, TripDescriptor, TripUpdate, trip_update::StopTimeUpdate};
use crate::trips::live::{AddedTrip, FeedTripRef, LiveEffect, LiveUpdate, Prediction};

/// Why a feed's body was refused whole.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    /// The bytes are not a protobuf `FeedMessage` (garbage, truncated).
    #[error("not a GTFS-Realtime feed: {0}")]
    Protobuf(String),
    /// A protobuf message, but without the header every feed carries.
    #[error("not a GTFS-Realtime feed: the header has no gtfs_realtime_version")]
    NoHeader,
}

/// What one fetch of a feed says.
#[derive(Debug, Default, PartialEq)]
pub struct Decoded {
    /// When the producer made the data (`FeedHeader.timestamp`).
    pub produced_at: Option<DateTime<Utc>>,
    /// Entities about trips.
    pub updates: Vec<LiveUpdate>,
    /// Trips with the vehicles that run them (`trip` and `vehicle` together).
    pub vehicles: Vec<VehicleSeen>,
    /// Entities that name no usable trip, with the reason.
    pub unusable: Vec<String>,
    /// Every entity of the feed (deleted ones included).
    pub entities: usize,
}

/// A vehicle the feed says runs a trip.
#[derive(Debug, Clone, PartialEq)]
pub struct VehicleSeen {
    /// The trip.
    pub trip: FeedTripRef,
    /// The vehicle's id (`VehicleDescriptor.id`, else its `label`).
    pub vehicle: String,
}

// TripDescriptor.ScheduleRelationship values (ADDED is deprecated in the
// bindings; the numbers are the wire's).
const SCHEDULED: i32 = 0;
const ADDED: i32 = 1;
const UNSCHEDULED: i32 = 2;
const CANCELED: i32 = 3;
const DUPLICATED: i32 = 6;
const DELETED: i32 = 7;
const NEW: i32 = 8;
// StopTimeUpdate.ScheduleRelationship values.
const STOP_SKIPPED: i32 = 1;
const STOP_NO_DATA: i32 = 2;

/// Decodes a feed's body and reads every entity.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let feed = FeedMessage::decode(bytes).map_err(|e| DecodeError::Protobuf(e.to_string()))?;
    if feed.header.gtfs_realtime_version.is_empty() {
        return Err(DecodeError::NoHeader);
    }
    Ok(read(&feed))
}

/// What a decoded feed says.
pub fn read(feed: &FeedMessage) -> Decoded {
    let mut decoded = Decoded {
        produced_at: feed
            .header
            .timestamp
            .and_then(|t| DateTime::from_timestamp(i64::try_from(t).ok()?, 0)),
        entities: feed.entity.len(),
        ..Decoded::default()
    };
    for entity in &feed.entity {
        if entity.is_deleted == Some(true) {
            continue;
        }
        if let Some(update) = &entity.trip_update {
            match trip_update(update) {
                Ok(Some(live)) => {
                    if let Some(vehicle) = update.vehicle.as_ref().and_then(vehicle_id) {
                        decoded.vehicles.push(VehicleSeen {
                            trip: live.trip.clone(),
                            vehicle,
                        });
                    }
                    decoded.updates.push(live);
                }
                Ok(None) => {}
                Err(why) => decoded
                    .unusable
                    .push(format!("entity {}: {why}", entity.id)),
            }
        }
        if let Some(position) = &entity.vehicle {
            let trip = match &position.trip {
                Some(descriptor) => trip_ref(descriptor),
                None => Ok(None),
            };
            let vehicle = position.vehicle.as_ref().and_then(vehicle_id);
            match (trip, vehicle) {
                (Ok(Some(trip)), Some(vehicle)) => {
                    decoded.vehicles.push(VehicleSeen { trip, vehicle })
                }
                (Err(why), _) => decoded
                    .unusable
                    .push(format!("entity {}: {why}", entity.id)),
                // A position without trip or vehicle assigns nothing.
                _ => {}
            }
        }
    }
    decoded
}

/// The trip an update is about and its effect; `None` when it says nothing
/// trajet uses (an unscheduled run, a trip without times).
fn trip_update(update: &TripUpdate) -> Result<Option<LiveUpdate>, String> {
    let descriptor = &update.trip;
    let Some(trip) = trip_ref(descriptor)? else {
        return Err("no trip_id".into());
    };
    let effect = match descriptor.schedule_relationship.unwrap_or(SCHEDULED) {
        CANCELED | DELETED => LiveEffect::Cancelled,
        ADDED | NEW => match added(update, &trip) {
            Some(added) => LiveEffect::Added(added),
            None => {
                return Err(format!(
                    "added trip {trip} without departure and arrival times"
                ));
            }
        },
        DUPLICATED => duplicated(update)?,
        UNSCHEDULED => return Ok(None),
        // SCHEDULED, REPLACEMENT (5: the same trip with new times), and values
        // newer than these bindings: the trip runs, perhaps late.
        _ => match last_stop_prediction(update) {
            Some(prediction) => LiveEffect::Arrival(prediction),
            None => return Ok(None),
        },
    };
    Ok(Some(LiveUpdate { trip, effect }))
}

/// The trip a descriptor names, `None` without a `trip_id`.
fn trip_ref(descriptor: &TripDescriptor) -> Result<Option<FeedTripRef>, String> {
    let Some(trip_id) = descriptor.trip_id.as_deref().filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    let service_date = descriptor
        .start_date
        .as_deref()
        .map(|d| service_date(d).ok_or_else(|| format!("start_date {d:?} is not YYYYMMDD")))
        .transpose()?;
    Ok(Some(FeedTripRef {
        trip_id: trip_id.to_owned(),
        service_date,
    }))
}

/// `YYYYMMDD`.
fn service_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").ok()
}

/// `HH:MM:SS`, hours past 24 allowed, as seconds.
fn start_seconds(text: &str) -> Option<u32> {
    let mut parts = text.split(':').map(|p| p.parse::<u32>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    (parts.next().is_none() && m < 60 && s < 60 && h < 48).then_some(h * 3600 + m * 60 + s)
}

/// When the train reaches its last stop: the last stop time update that
/// carries a prediction (a skipped stop or one without data says nothing
/// about the terminus), else the trip's own delay. A delay at an earlier
/// stop carries on to the terminus, as GTFS-Realtime propagates it. An
/// absolute time without its scheduled time is taken as the terminus's
/// arrival: at an earlier stop it can only under-estimate it, and the store
/// never sets an arrival before the scheduled one.
fn last_stop_prediction(update: &TripUpdate) -> Option<Prediction> {
    let last = update.stop_time_update.iter().rev().find(|stop| {
        let relationship = stop.schedule_relationship.unwrap_or(0);
        relationship != STOP_SKIPPED && relationship != STOP_NO_DATA
    });
    if let Some(stop) = last
        && let Some(prediction) = stop_prediction(stop)
    {
        return Some(prediction);
    }
    update.delay.map(|d| Prediction::Delay(i64::from(d)))
}

fn stop_prediction(stop: &StopTimeUpdate) -> Option<Prediction> {
    let event = stop.arrival.as_ref().or(stop.departure.as_ref())?;
    if let Some(delay) = event.delay {
        return Some(Prediction::Delay(i64::from(delay)));
    }
    let time = DateTime::from_timestamp(event.time?, 0)?;
    match event
        .scheduled_time
        .and_then(|s| DateTime::from_timestamp(s, 0))
    {
        Some(scheduled) => Some(Prediction::Delay((time - scheduled).num_seconds())),
        None => Some(Prediction::At(time)),
    }
}

/// A trip outside the timetable: its first and last stops and times.
fn added(update: &TripUpdate, trip: &FeedTripRef) -> Option<AddedTrip> {
    let stops = &update.stop_time_update;
    let at = |event: Option<&super::proto::trip_update::StopTimeEvent>| {
        event
            .and_then(|e| e.time)
            .and_then(|t| DateTime::from_timestamp(t, 0))
    };
    let first = stops.first()?;
    let last = stops.last()?;
    let departs_at = at(first.departure.as_ref()).or(at(first.arrival.as_ref()))?;
    let arrives_at = at(last.arrival.as_ref()).or(at(last.departure.as_ref()))?;
    let properties = update.trip_properties.as_ref();
    let stop_name = |stop: &StopTimeUpdate| stop.stop_id.clone().unwrap_or_else(|| "?".into());
    Some(AddedTrip {
        line: update
            .trip
            .route_id
            .clone()
            .unwrap_or_else(|| trip.trip_id.clone()),
        train_number: properties
            .and_then(|p| p.trip_short_name.clone())
            .unwrap_or_else(|| trip.trip_id.clone()),
        origin: stop_name(first),
        destination: properties
            .and_then(|p| p.trip_headsign.clone())
            .unwrap_or_else(|| stop_name(last)),
        departs_at,
        arrives_at,
    })
}

/// A copy of a timetable trip at another date or time (`DUPLICATED`).
fn duplicated(update: &TripUpdate) -> Result<LiveEffect, String> {
    let properties = update
        .trip_properties
        .as_ref()
        .ok_or("duplicated trip without trip_properties")?;
    let trip_id = properties
        .trip_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or("duplicated trip without a new trip_id")?;
    let date = properties
        .start_date
        .as_deref()
        .or(update.trip.start_date.as_deref())
        .and_then(service_date)
        .ok_or("duplicated trip without a valid start_date")?;
    let start = properties
        .start_time
        .as_deref()
        .and_then(start_seconds)
        .ok_or("duplicated trip without a valid start_time")?;
    Ok(LiveEffect::Duplicated {
        trip_id,
        service_date: date,
        start_seconds: start,
    })
}

/// A vehicle's id as the operator's systems name it: `id`, else `label`.
fn vehicle_id(vehicle: &super::proto::VehicleDescriptor) -> Option<String> {
    vehicle
        .id
        .as_deref()
        .or(vehicle.label.as_deref())
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}
