-- R-PAID / R-SERVICE-LIST: the company's published fee schedule, one row a version. A
-- version is never changed once published; an order keeps the version it was quoted from.
CREATE TABLE fee_schedules (
    version INTEGER PRIMARY KEY CHECK (version > 0),
    effective_from INTEGER NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    -- sync-core `ScheduleItem`s, as a JSON array
    items TEXT NOT NULL CHECK (json_valid(items))
) STRICT;
CREATE INDEX fee_schedules_by_date ON fee_schedules (effective_from, version);
-- R-PAID: the order's fees agreed on site await the manager's approval (the
-- `fees_not_approved` anomaly), for the board and the paid-service register.
ALTER TABLE orders ADD COLUMN fees_pending INTEGER NOT NULL DEFAULT 0;
