-- The collections each operator offers on each of its lines. No row: the
-- line offers every live title; a row with an empty list offers nothing.
CREATE TABLE line_collections (
    operator TEXT NOT NULL,
    line TEXT NOT NULL,
    -- JSON array of {"publisher", "collection"?}, sorted, without duplicates.
    collections TEXT NOT NULL,
    PRIMARY KEY (operator, line)
);
