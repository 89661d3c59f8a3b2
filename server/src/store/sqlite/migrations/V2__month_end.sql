-- Frozen: released in schema version 2. Never edit; add a new version instead.
-- Month end: projection columns, call-backs, spot-check samples. (The projection is
-- rebuilt by the post-migration job, not here.)
ALTER TABLE orders ADD COLUMN technician TEXT;
ALTER TABLE orders ADD COLUMN category TEXT;
ALTER TABLE orders ADD COLUMN items TEXT NOT NULL DEFAULT '[]';
ALTER TABLE orders ADD COLUMN arrival_certain INTEGER;
ALTER TABLE orders ADD COLUMN handover_on_time INTEGER;
ALTER TABLE orders ADD COLUMN customer_signed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX orders_by_completion ON orders (office, completed_at);
CREATE INDEX orders_by_arrival ON orders (office, arrived_at);
CREATE INDEX orders_by_unit ON orders (office, unit, category, logged_at);
CREATE TABLE callbacks (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    order_id TEXT NOT NULL,
    method TEXT NOT NULL,
    planned_at INTEGER NOT NULL,
    assignee TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    reached INTEGER,
    satisfaction INTEGER,
    repair_held TEXT,
    problems TEXT NOT NULL DEFAULT '',
    responsible TEXT,
    fallback_method TEXT,
    sample_id TEXT,
    recorded_by TEXT,
    recorded_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX callbacks_by_office ON callbacks (office, status, recorded_at);
CREATE INDEX callbacks_by_order ON callbacks (order_id);
CREATE TABLE samples (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    month TEXT NOT NULL,
    seed INTEGER NOT NULL,
    percent INTEGER NOT NULL,
    min_per_technician INTEGER NOT NULL,
    orders TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
