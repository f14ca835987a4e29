-- Title records, one row per title. The publication's bytes stay immutable
-- files named by version (catalog/titles/{id}/{version}/ in the data
-- directory): `version` names the one passengers are served, so a new
-- version goes live with one UPDATE once all its files are written.
-- Nested settings that are never queried are JSON text.
CREATE TABLE titles (
    id TEXT PRIMARY KEY,
    publisher TEXT NOT NULL,
    -- The live version's folder.
    version TEXT NOT NULL,
    -- 1: offered to passengers; 0: withdrawn by its publisher.
    live BIGINT NOT NULL,
    -- The excerpt policy (JSON), the offer link, the collections (JSON array).
    policy TEXT NOT NULL,
    offer_url TEXT,
    collections TEXT NOT NULL,
    -- What the policy allows of the live version, and its catalog facts (JSON).
    excerpt TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- Unix seconds.
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- The titles generation of the last write to this row: a change made
    -- from an older reading of the row is refused instead of undoing another.
    generation BIGINT NOT NULL
);

CREATE INDEX titles_by_publisher ON titles (publisher, created_at);
