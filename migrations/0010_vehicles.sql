-- Train sets (vehicles), the generation of each reprinted seat label, which
-- vehicles run which trip, and each operator's scan settings. They change
-- under the `vehicles` generation.
INSERT INTO changes (domain, generation) VALUES ('vehicles', 0);

-- Ids are trajet's own (vehicle codes carry them), handed out from this
-- counter inside the write that creates the vehicle: they are never reused,
-- so the labels of a retired set stay refused when its number comes back.
CREATE TABLE vehicle_ids (
    next_id BIGINT NOT NULL
);
INSERT INTO vehicle_ids (next_id) VALUES (1);

-- `vehicle_ref` is the operator's own id of the set (the one GTFS-Realtime
-- VehicleDescriptor.id/label carry); `cars` a JSON array of
-- {"car": "1", "seats": 80}. A retired set keeps its row (`retired_at`) so
-- its id is never handed out again; only one live set has a given ref.
CREATE TABLE vehicles (
    id BIGINT PRIMARY KEY,
    operator TEXT NOT NULL,
    vehicle_ref TEXT NOT NULL,
    label TEXT NOT NULL,
    cars TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX vehicles_by_ref ON vehicles (operator, vehicle_ref);

-- Seats whose label was reprinted: the generation the current label carries
-- (a seat without a row is at generation 0). An older label is refused.
CREATE TABLE vehicle_seats (
    vehicle_id BIGINT NOT NULL,
    car BIGINT NOT NULL,
    seat BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    PRIMARY KEY (vehicle_id, car, seat)
);

-- Which vehicles run a trip, by source: `plan` (roster, GTFS block), `api`
-- (an explicit assignment or swap, by the API or the console), `realtime`
-- (GTFS-Realtime). The trip's vehicles are those of its strongest source.
-- `position` keeps the order of coupled sets as given.
CREATE TABLE trip_vehicles (
    trip_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    vehicle_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (trip_id, source, vehicle_id)
);
CREATE INDEX trip_vehicles_by_vehicle ON trip_vehicles (vehicle_id);

-- Per operator: how many sessions one seat code opens per trip (NULL: the
-- service's default).
CREATE TABLE operator_settings (
    operator TEXT PRIMARY KEY,
    sessions_per_seat_code BIGINT
);

-- GTFS trips keep their block (the chain of trips one vehicle runs): a
-- roster line naming a block assigns the vehicle to each of its trips.
ALTER TABLE trips ADD COLUMN block_id TEXT;
CREATE INDEX trips_by_block ON trips (operator, service_date, block_id);
