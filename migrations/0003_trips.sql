-- Trips and their changes. Ids are trajet's own (seat codes carry them):
-- handed out from the counter row of `trip_ids` inside the write that
-- creates the trips, so they grow and are never reused.
CREATE TABLE trip_ids (
    next_id BIGINT NOT NULL
);
INSERT INTO trip_ids (next_id) VALUES (1);

-- One row per trip. Instants are Unix seconds, the service date is
-- 'YYYY-MM-DD', cars and collections are JSON arrays (NULL: none given /
-- every live title). `feed_trip_id` is set on trips a GTFS import created:
-- importing the same feed again finds them by (operator, feed_trip_id,
-- service_date). `revision` is the generation of the write that last
-- changed the row: instances reload only the rows newer than what they hold.
CREATE TABLE trips (
    id BIGINT PRIMARY KEY,
    operator TEXT NOT NULL,
    service_date TEXT NOT NULL,
    line TEXT NOT NULL,
    train_number TEXT NOT NULL,
    origin TEXT NOT NULL,
    destination TEXT NOT NULL,
    departs_at BIGINT NOT NULL,
    arrives_at BIGINT NOT NULL,
    scheduled_arrives_at BIGINT NOT NULL,
    seats BIGINT NOT NULL,
    cars TEXT,
    collections TEXT,
    state TEXT NOT NULL,
    timezone TEXT NOT NULL,
    feed_trip_id TEXT,
    revision BIGINT NOT NULL
);

-- The console's lists (an operator's day) and the import's lookup of the
-- trips it made before.
CREATE INDEX trips_by_operator_day ON trips (operator, service_date, departs_at);
CREATE UNIQUE INDEX trips_by_feed_key ON trips (operator, feed_trip_id, service_date);
-- The in-memory window (a few service dates) and its incremental reload.
CREATE INDEX trips_by_day ON trips (service_date);
CREATE INDEX trips_by_revision ON trips (revision);

-- What happened to each trip, who did it and when: creation, arrival
-- changes, collections, cancellation, schedule updates by an import.
-- `revision` is the write's generation (it orders them), `detail` a small
-- JSON object.
CREATE TABLE trip_changes (
    trip_id BIGINT NOT NULL,
    revision BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX trip_changes_by_trip ON trip_changes (trip_id, revision);
