-- Frozen: released in schema version 11. Never edit; add a new version instead.
-- PostgreSQL's history starts here, at the schema SQLite reached in version 11 (the
-- versions before it were never released on PostgreSQL): the same tables, columns,
-- constraints and indexes, so both backends share one schema version. Ids are text
-- (UUIDs as SQLite holds them), flags 0/1 integers with the same CHECKs, JSON columns
-- text checked as JSON, instants integer UTC milliseconds.

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE offices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL CHECK (time_zone <> ''),
    currency TEXT NOT NULL CHECK (length(currency) = 3)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front_desk', 'administrator', 'dispatcher',
        'technician', 'finance', 'supervisor', 'admin', 'system')),
    specialties TEXT NOT NULL CHECK (specialties::jsonb IS NOT NULL),
    zone TEXT,
    token_version BIGINT NOT NULL CHECK (token_version >= 0),
    active BIGINT NOT NULL CHECK (active IN (0, 1))
);
CREATE INDEX users_by_office ON users (office, role);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    deliveries BIGINT NOT NULL DEFAULT 0 CHECK (deliveries >= 0),
    last_sync BIGINT
);

-- The change log: every stored change, in commit order (several nodes append to it; see
-- the backend's notes on how a position is taken so that no reader ever skips a row).
CREATE TABLE log (
    seq BIGINT PRIMARY KEY,
    order_id TEXT NOT NULL,
    hash BYTEA NOT NULL UNIQUE,
    actor BYTEA NOT NULL,
    bytes BYTEA NOT NULL
);
CREATE INDEX log_by_order ON log (order_id, seq);

CREATE TABLE snapshots (
    order_id TEXT PRIMARY KEY,
    bytes BYTEA NOT NULL,
    through_seq BIGINT NOT NULL
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    status TEXT NOT NULL CHECK (status IN ('logged', 'received', 'priced', 'assigned',
        'scheduled', 'on_site', 'in_progress', 'completed', 'accepted', 'closed', 'refused',
        'cancelled')),
    customer_name TEXT NOT NULL,
    unit TEXT NOT NULL,
    phone TEXT NOT NULL,
    description TEXT NOT NULL,
    channel TEXT NOT NULL,
    created_by TEXT NOT NULL,
    logged_at BIGINT NOT NULL,
    received_at BIGINT,
    paid BIGINT CHECK (paid IN (0, 1)),
    appointment BIGINT,
    arrived_at BIGINT,
    arrived_on_time BIGINT CHECK (arrived_on_time IN (0, 1)),
    completed_at BIGINT,
    materials BIGINT NOT NULL,
    labour BIGINT NOT NULL,
    total BIGINT NOT NULL,
    signature_valid BIGINT CHECK (signature_valid IN (0, 1)),
    receipt TEXT,
    collected BIGINT,
    anomalies BIGINT NOT NULL CHECK (anomalies >= 0),
    updated_at BIGINT NOT NULL,
    technician TEXT,
    category TEXT,
    items TEXT NOT NULL DEFAULT '[]' CHECK (items::jsonb IS NOT NULL),
    arrival_certain BIGINT CHECK (arrival_certain IN (0, 1)),
    handover_on_time BIGINT CHECK (handover_on_time IN (0, 1)),
    customer_signed BIGINT NOT NULL DEFAULT 0 CHECK (customer_signed IN (0, 1)),
    handed_over_at BIGINT,
    signed_at BIGINT,
    receipt_at BIGINT,
    collected_at BIGINT,
    fees_pending BIGINT NOT NULL DEFAULT 0,
    first_technician TEXT,
    small_override BIGINT,
    compensation BIGINT NOT NULL DEFAULT 0,
    credited BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX orders_by_office ON orders (office, status, logged_at);
CREATE INDEX orders_by_completion ON orders (office, completed_at);
CREATE INDEX orders_by_arrival ON orders (office, arrived_at);
CREATE INDEX orders_by_unit ON orders (office, unit, category, logged_at);
CREATE INDEX orders_by_billing ON orders (office, paid, signed_at);
CREATE INDEX orders_by_appointment ON orders (office, appointment);
CREATE INDEX orders_by_logged ON orders (office, logged_at);
CREATE INDEX orders_by_creator ON orders (created_by, office);

CREATE TABLE order_technicians (
    order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (order_id, user_id)
);
CREATE INDEX order_technicians_by_user ON order_technicians (user_id);

CREATE TABLE device_scope (
    device TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    delivered BIGINT NOT NULL CHECK (delivered >= 0),
    revoked BIGINT CHECK (revoked IS NULL OR revoked >= 0),
    PRIMARY KEY (device, order_id)
);

CREATE TABLE callbacks (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    method TEXT NOT NULL CHECK (method IN ('phone', 'on_site', 'online_survey')),
    planned_at BIGINT NOT NULL,
    assignee TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'done', 'failed')),
    reached BIGINT CHECK (reached IN (0, 1)),
    satisfaction BIGINT CHECK (satisfaction BETWEEN 1 AND 5),
    repair_held TEXT CHECK (repair_held IN ('pass', 'fail')),
    problems TEXT NOT NULL DEFAULT '',
    responsible TEXT,
    fallback_method TEXT CHECK (fallback_method IN ('phone', 'on_site', 'online_survey')),
    sample_id TEXT,
    recorded_by TEXT,
    recorded_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX callbacks_by_office ON callbacks (office, status, recorded_at);
CREATE INDEX callbacks_by_order ON callbacks (order_id);

CREATE TABLE samples (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    month TEXT NOT NULL,
    seed BIGINT NOT NULL,
    percent BIGINT NOT NULL CHECK (percent BETWEEN 0 AND 100),
    min_per_technician BIGINT NOT NULL CHECK (min_per_technician >= 0),
    orders TEXT NOT NULL CHECK (orders::jsonb IS NOT NULL),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE calendars (
    office TEXT PRIMARY KEY REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('cn', 'weekends')),
    decision_days BIGINT NOT NULL CHECK (decision_days BETWEEN 1 AND 120)
);

CREATE TABLE calendar_overrides (
    office TEXT NOT NULL REFERENCES offices (id),
    day TEXT NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
        AND to_char(day::date, 'YYYY-MM-DD') = day),
    working BIGINT NOT NULL CHECK (working IN (0, 1)),
    note TEXT NOT NULL,
    PRIMARY KEY (office, day)
);

CREATE TABLE complaints (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    received_day TEXT NOT NULL CHECK (received_day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
        AND to_char(received_day::date, 'YYYY-MM-DD') = received_day),
    status TEXT NOT NULL CHECK (status IN ('incomplete', 'awaiting_acceptance', 'accepted',
        'decided', 'closed', 'not_accepted', 'transferred', 'merged')),
    complainant TEXT NOT NULL,
    unit TEXT NOT NULL,
    subject TEXT NOT NULL,
    order_id TEXT,
    data TEXT NOT NULL CHECK (data::jsonb IS NOT NULL)
);
CREATE INDEX complaints_by_office ON complaints (office, received_day);
CREATE INDEX complaints_by_person ON complaints (office, complainant, unit);

CREATE TABLE office_settings (
    office TEXT PRIMARY KEY REFERENCES offices (id),
    data TEXT NOT NULL CHECK (data::jsonb IS NOT NULL)
);

CREATE TABLE fee_schedules (
    version BIGINT PRIMARY KEY CHECK (version > 0),
    effective_from BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    items TEXT NOT NULL CHECK (items::jsonb IS NOT NULL)
);
CREATE INDEX fee_schedules_by_date ON fee_schedules (effective_from, version);

CREATE TABLE month_closes (
    office TEXT NOT NULL REFERENCES offices (id),
    month TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-1][0-9]$'),
    closed_at BIGINT NOT NULL,
    closed_by TEXT NOT NULL,
    stats TEXT NOT NULL CHECK (stats::jsonb IS NOT NULL),
    register TEXT NOT NULL CHECK (register::jsonb IS NOT NULL),
    sample TEXT,
    PRIMARY KEY (office, month)
);
