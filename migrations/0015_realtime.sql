-- GTFS-Realtime feeds, one set per operator: the URLs and polling settings
-- (`settings`, JSON), the request headers sealed under the master key
-- (`headers`: they usually carry an API key), and when they were set.
CREATE TABLE realtime_feeds (
    operator TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    headers TEXT,
    updated_at BIGINT NOT NULL
);

-- The live state of each feed ('trip_updates', 'vehicle_positions') as the
-- console shows it (JSON: last fetch, data age, counts, last error, the
-- validators of conditional requests). `lease_holder`/`lease_until`: the
-- instance polling the feed, so that several instances do not all poll it.
CREATE TABLE realtime_feed_state (
    operator TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    lease_holder TEXT,
    lease_until BIGINT NOT NULL,
    PRIMARY KEY (operator, kind)
);

-- The arrivals a feed set, so that a stale feed puts back the schedule of
-- those trips (and only those: an arrival set by hand since stays).
CREATE TABLE realtime_trips (
    trip_id BIGINT PRIMARY KEY,
    operator TEXT NOT NULL,
    feed_arrives_at BIGINT NOT NULL
);
CREATE INDEX realtime_trips_by_operator ON realtime_trips (operator);
