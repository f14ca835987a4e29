-- Usage counters: what passengers read, by service day, trip, line and
-- title (title '' for trip-level rows: scans), with no personal data. Each
-- instance adds its counts in batches (upserts that add), so several
-- instances add up and a crash loses at most one batch interval.
CREATE TABLE usage_counts (
    day TEXT NOT NULL,
    trip BIGINT NOT NULL,
    line TEXT NOT NULL,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    operator TEXT NOT NULL,
    sessions BIGINT NOT NULL DEFAULT 0,
    opened BIGINT NOT NULL DEFAULT 0,
    chapters_read BIGINT NOT NULL DEFAULT 0,
    reading_seconds BIGINT NOT NULL DEFAULT 0,
    excerpts_finished BIGINT NOT NULL DEFAULT 0,
    offer_clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, trip, line, title)
);

-- The operator's dashboard: its trips of one day.
CREATE INDEX usage_counts_operator_day ON usage_counts (operator, day);

-- The same counts without the trip, written in the same transaction:
-- publishers' reports (by title, day, month, line) read this much smaller
-- table, so a year of a national network (millions of trip rows) stays
-- cheap to report on.
CREATE TABLE usage_by_line (
    publisher TEXT NOT NULL,
    title TEXT NOT NULL,
    day TEXT NOT NULL,
    line TEXT NOT NULL,
    opened BIGINT NOT NULL DEFAULT 0,
    chapters_read BIGINT NOT NULL DEFAULT 0,
    reading_seconds BIGINT NOT NULL DEFAULT 0,
    excerpts_finished BIGINT NOT NULL DEFAULT 0,
    offer_clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (publisher, day, title, line)
);

-- Scans by UTC hour (Unix seconds of its start) and trip, for the dashboard.
CREATE TABLE scan_hours (
    hour BIGINT NOT NULL,
    trip BIGINT NOT NULL,
    operator TEXT NOT NULL,
    scans BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, trip)
);

CREATE INDEX scan_hours_operator ON scan_hours (operator, hour);
