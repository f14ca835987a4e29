-- One row per kind of durable state, bumped in the same transaction as
-- every write to it. Instances poll this small table to learn, cheaply,
-- that another instance (or the CLI) changed something, and what.
-- Portable SQL: the same migrations run on SQLite and PostgreSQL.
CREATE TABLE changes (
    domain TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);

INSERT INTO changes (domain, generation) VALUES
    ('accounts', 0),
    ('signing_keys', 0),
    ('trips', 0),
    ('lines', 0),
    ('titles', 0);
