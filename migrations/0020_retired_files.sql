-- Publication files no title row names any more (a replaced version, an
-- unused cut chapter, a deleted title), by key: `titles/{id}/`,
-- `titles/{id}/{version}/` or one file. A row is added in the same
-- transaction as the change that stops naming the files, so nothing is
-- forgotten across a crash; the files go once `retired_at` (Unix seconds) is
-- older than the grace period, when no instance can still be serving them.
CREATE TABLE retired_files (
    key TEXT PRIMARY KEY,
    retired_at BIGINT NOT NULL
);
