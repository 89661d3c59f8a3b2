-- Frozen: released in schema version 14. Never edit; add a new version instead.
-- Cases of the kinds other than work orders (S3: vehicle repairs and logs, requisitions,
-- stock counts, purchase plans). Their changes are in `log` and their snapshots in
-- `snapshots`, as an order's are; here is what scope needs: the kind, the office, the
-- vehicle, and the members (who recorded a fact, and the vehicle's drivers).

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('vehicle_repair', 'vehicle_log', 'requisition',
        'stock_count', 'purchase_plan')),
    vehicle TEXT,
    opened_by TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_by_office ON cases (office, kind, opened_at);

CREATE TABLE case_members (
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
) STRICT;
CREATE INDEX case_members_by_user ON case_members (user_id, case_id);

-- A device's scope now holds cases as well as orders: the id refers to either.
CREATE TABLE device_scope_new (
    device TEXT NOT NULL,
    order_id TEXT NOT NULL,
    delivered INTEGER NOT NULL CHECK (delivered >= 0),
    revoked INTEGER CHECK (revoked IS NULL OR revoked >= 0),
    PRIMARY KEY (device, order_id)
) STRICT;
INSERT INTO device_scope_new SELECT device, order_id, delivered, revoked FROM device_scope;
DROP TABLE device_scope;
ALTER TABLE device_scope_new RENAME TO device_scope;
