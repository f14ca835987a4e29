-- The report counts summed by month, written in the same transaction as
-- usage_by_line: a report over whole months that is not grouped by day
-- (a year by title x month, a quarter by line) reads about thirty times
-- fewer rows than usage_by_line would give it.
CREATE TABLE usage_by_month (
    publisher TEXT NOT NULL,
    month TEXT NOT NULL,
    title TEXT NOT NULL,
    line TEXT NOT NULL,
    opened BIGINT NOT NULL DEFAULT 0,
    chapters_read BIGINT NOT NULL DEFAULT 0,
    reading_seconds BIGINT NOT NULL DEFAULT 0,
    excerpts_finished BIGINT NOT NULL DEFAULT 0,
    offer_clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (publisher, month, title, line)
);
