-- Frozen: released in schema version 14. Never edit; add a new version instead.
-- Cases of the kinds other than work orders (S3), as in SQLite's V14.

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('vehicle_repair', 'vehicle_log', 'requisition',
        'stock_count', 'purchase_plan')),
    vehicle TEXT,
    opened_by TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cases_by_office ON cases (office, kind, opened_at);

CREATE TABLE case_members (
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_members_by_user ON case_members (user_id, case_id);

-- A device's scope now holds cases as well as orders: the id refers to either.
ALTER TABLE device_scope DROP CONSTRAINT device_scope_order_id_fkey;
