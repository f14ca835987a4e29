//! Builds GTFS-Realtime feeds with the same bindings trajet decodes with:
//! for tests, benchmarks and trying a console without a producer at hand.

use chrono::{DateTime, NaiveDate, Utc};
use prost::Message as _;

use super::proto::{
    FeedEntity, FeedHeader, FeedMessage, TripDescriptor, TripUpdate, VehicleDescriptor,
    VehiclePosition, trip_update,
};

/// A feed under construction: one entity per call.
#[derive(Debug, Clone)]
pub struct FeedBuilder {
    feed: FeedMessage,
}

fn descriptor(trip_id: &str, date: Option<NaiveDate>, relationship: i32) -> TripDescriptor {
    TripDescriptor {
        trip_id: Some(trip_id.to_owned()),
        start_date: date.map(|d| d.format("%Y%m%d").to_string()),
        schedule_relationship: Some(relationship),
        ..TripDescriptor::default()
    }
}

fn stop(stop_id: &str, arrival: Option<trip_update::StopTimeEvent>) -> trip_update::StopTimeUpdate {
    trip_update::StopTimeUpdate {
        stop_id: Some(stop_id.to_owned()),
        arrival,
        departure: arrival,
        ..trip_update::StopTimeUpdate::default()
    }
}

impl FeedBuilder {
    /// An empty full-dataset feed made at `produced_at`.
    pub fn new(produced_at: DateTime<Utc>) -> Self {
        Self {
            feed: FeedMessage {
                header: FeedHeader {
                    gtfs_realtime_version: "2.0".into(),
                    incrementality: Some(0),
                    timestamp: u64::try_from(produced_at.timestamp()).ok(),
                    feed_version: None,
                },
                entity: Vec::new(),
            },
        }
    }

    fn push(&mut self, update: Option<TripUpdate>, vehicle: Option<VehiclePosition>) -> &mut Self {
        let id = self.feed.entity.len().to_string();
        self.feed.entity.push(FeedEntity {
            id,
            trip_update: update,
            vehicle,
            ..FeedEntity::default()
        });
        self
    }

    /// The trip runs `delay_seconds` late at its last stop, `last_stop`.
    pub fn delay(
        &mut self,
        trip_id: &str,
        date: Option<NaiveDate>,
        last_stop: &str,
        delay_seconds: i32,
    ) -> &mut Self {
        let event = trip_update::StopTimeEvent {
            delay: Some(delay_seconds),
            ..Default::default()
        };
        self.push(
            Some(TripUpdate {
                trip: descriptor(trip_id, date, 0),
                stop_time_update: vec![stop(last_stop, Some(event))],
                ..TripUpdate::default()
            }),
            None,
        )
    }

    /// The trip is expected at its last stop at `at` (an absolute time).
    pub fn arrival(
        &mut self,
        trip_id: &str,
        date: Option<NaiveDate>,
        last_stop: &str,
        at: DateTime<Utc>,
    ) -> &mut Self {
        let event = trip_update::StopTimeEvent {
            time: Some(at.timestamp()),
            ..Default::default()
        };
        self.push(
            Some(TripUpdate {
                trip: descriptor(trip_id, date, 0),
                stop_time_update: vec![stop(last_stop, Some(event))],
                ..TripUpdate::default()
            }),
            None,
        )
    }

    /// The trip is cancelled.
    pub fn cancel(&mut self, trip_id: &str, date: Option<NaiveDate>) -> &mut Self {
        self.push(
            Some(TripUpdate {
                trip: descriptor(trip_id, date, 3),
                ..TripUpdate::default()
            }),
            None,
        )
    }

    /// A trip outside the timetable (`NEW`) from `origin` to `destination`.
    #[expect(
        clippy::too_many_arguments,
        reason = "one trip's fields, as a feed carries them"
    )]
    pub fn added(
        &mut self,
        trip_id: &str,
        date: Option<NaiveDate>,
        route_id: &str,
        origin: &str,
        departs_at: DateTime<Utc>,
        destination: &str,
        arrives_at: DateTime<Utc>,
    ) -> &mut Self {
        let at = |t: DateTime<Utc>| trip_update::StopTimeEvent {
            time: Some(t.timestamp()),
            ..Default::default()
        };
        let mut trip = descriptor(trip_id, date, 8);
        trip.route_id = Some(route_id.to_owned());
        self.push(
            Some(TripUpdate {
                trip,
                stop_time_update: vec![
                    stop(origin, Some(at(departs_at))),
                    stop(destination, Some(at(arrives_at))),
                ],
                ..TripUpdate::default()
            }),
            None,
        )
    }

    /// Vehicle `vehicle_id` runs the trip (a VehiclePositions entity).
    pub fn vehicle(
        &mut self,
        trip_id: &str,
        date: Option<NaiveDate>,
        vehicle_id: &str,
    ) -> &mut Self {
        self.push(
            None,
            Some(VehiclePosition {
                trip: Some(descriptor(trip_id, date, 0)),
                vehicle: Some(VehicleDescriptor {
                    id: Some(vehicle_id.to_owned()),
                    ..VehicleDescriptor::default()
                }),
                ..VehiclePosition::default()
            }),
        )
    }

    /// The last entity's trip update is run by `vehicle_id` too
    /// (`TripUpdate.vehicle`); no effect after a VehiclePositions entity.
    pub fn by_vehicle(&mut self, vehicle_id: &str) -> &mut Self {
        if let Some(update) = self
            .feed
            .entity
            .last_mut()
            .and_then(|e| e.trip_update.as_mut())
        {
            update.vehicle = Some(VehicleDescriptor {
                id: Some(vehicle_id.to_owned()),
                ..VehicleDescriptor::default()
            });
        }
        self
    }

    /// The feed as decoded.
    pub fn message(&self) -> &FeedMessage {
        &self.feed
    }

    /// The feed's protobuf bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.feed.encode_to_vec()
    }
}
