-- Frozen: released in schema version 4. Never edit; add a new version instead.
-- Foreign keys and CHECK constraints the earlier schema lacked, by rebuilding each table
-- (SQLite cannot add constraints in place), and each office's settings. Runs with
-- foreign keys off; the runner checks every reference after the last step.

CREATE TABLE offices_new (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL CHECK (time_zone <> ''),
    currency TEXT NOT NULL CHECK (length(currency) = 3)
) STRICT;
INSERT INTO offices_new SELECT id, name, time_zone, currency FROM offices;
DROP TABLE offices;
ALTER TABLE offices_new RENAME TO offices;

CREATE TABLE users_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('front_desk', 'administrator', 'dispatcher',
        'technician', 'finance', 'supervisor', 'admin', 'system')),
    specialties TEXT NOT NULL CHECK (json_valid(specialties)),
    zone TEXT,
    token_version INTEGER NOT NULL CHECK (token_version >= 0),
    active INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;
INSERT INTO users_new SELECT id, office, name, role, specialties, zone, token_version, active
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_office ON users (office, role);

CREATE TABLE devices_new (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    deliveries INTEGER NOT NULL DEFAULT 0 CHECK (deliveries >= 0),
    last_sync INTEGER
) STRICT;
INSERT INTO devices_new SELECT id, user_id, deliveries, last_sync FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;

CREATE TABLE orders_new (
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
    logged_at INTEGER NOT NULL,
    received_at INTEGER,
    paid INTEGER CHECK (paid IN (0, 1)),
    appointment INTEGER,
    arrived_at INTEGER,
    arrived_on_time INTEGER CHECK (arrived_on_time IN (0, 1)),
    completed_at INTEGER,
    materials INTEGER NOT NULL,
    labour INTEGER NOT NULL,
    total INTEGER NOT NULL,
    signature_valid INTEGER CHECK (signature_valid IN (0, 1)),
    receipt TEXT,
    collected INTEGER,
    anomalies INTEGER NOT NULL CHECK (anomalies >= 0),
    updated_at INTEGER NOT NULL,
    technician TEXT,
    category TEXT,
    items TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(items)),
    arrival_certain INTEGER CHECK (arrival_certain IN (0, 1)),
    handover_on_time INTEGER CHECK (handover_on_time IN (0, 1)),
    customer_signed INTEGER NOT NULL DEFAULT 0 CHECK (customer_signed IN (0, 1))
) STRICT;
INSERT INTO orders_new SELECT id, office, status, customer_name, unit, phone, description,
    channel, created_by, logged_at, received_at, paid, appointment, arrived_at,
    arrived_on_time, completed_at, materials, labour, total, signature_valid, receipt,
    collected, anomalies, updated_at, technician, category, items, arrival_certain,
    handover_on_time, customer_signed
FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_by_office ON orders (office, status, logged_at);
CREATE INDEX orders_by_completion ON orders (office, completed_at);
CREATE INDEX orders_by_arrival ON orders (office, arrived_at);
CREATE INDEX orders_by_unit ON orders (office, unit, category, logged_at);

CREATE TABLE order_technicians_new (
    order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    PRIMARY KEY (order_id, user_id)
) STRICT;
INSERT INTO order_technicians_new SELECT order_id, user_id FROM order_technicians;
DROP TABLE order_technicians;
ALTER TABLE order_technicians_new RENAME TO order_technicians;
CREATE INDEX order_technicians_by_user ON order_technicians (user_id);

CREATE TABLE device_scope_new (
    device TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    delivered INTEGER NOT NULL CHECK (delivered >= 0),
    revoked INTEGER CHECK (revoked IS NULL OR revoked >= 0),
    PRIMARY KEY (device, order_id)
) STRICT;
INSERT INTO device_scope_new SELECT device, order_id, delivered, revoked FROM device_scope;
DROP TABLE device_scope;
ALTER TABLE device_scope_new RENAME TO device_scope;

CREATE TABLE callbacks_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    method TEXT NOT NULL CHECK (method IN ('phone', 'on_site', 'online_survey')),
    planned_at INTEGER NOT NULL,
    assignee TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'done', 'failed')),
    reached INTEGER CHECK (reached IN (0, 1)),
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    repair_held TEXT CHECK (repair_held IN ('pass', 'fail')),
    problems TEXT NOT NULL DEFAULT '',
    responsible TEXT,
    fallback_method TEXT CHECK (fallback_method IN ('phone', 'on_site', 'online_survey')),
    sample_id TEXT,
    recorded_by TEXT,
    recorded_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO callbacks_new SELECT id, office, order_id, method, planned_at, assignee, content,
    status, reached, satisfaction, repair_held, problems, responsible, fallback_method,
    sample_id, recorded_by, recorded_at, created_at
FROM callbacks;
DROP TABLE callbacks;
ALTER TABLE callbacks_new RENAME TO callbacks;
CREATE INDEX callbacks_by_office ON callbacks (office, status, recorded_at);
CREATE INDEX callbacks_by_order ON callbacks (order_id);

CREATE TABLE samples_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    month TEXT NOT NULL,
    seed INTEGER NOT NULL,
    percent INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    min_per_technician INTEGER NOT NULL CHECK (min_per_technician >= 0),
    orders TEXT NOT NULL CHECK (json_valid(orders)),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO samples_new SELECT id, office, month, seed, percent, min_per_technician, orders,
    created_by, created_at
FROM samples;
DROP TABLE samples;
ALTER TABLE samples_new RENAME TO samples;

CREATE TABLE calendars_new (
    office TEXT PRIMARY KEY REFERENCES offices (id),
    kind TEXT NOT NULL CHECK (kind IN ('cn', 'weekends')),
    decision_days INTEGER NOT NULL CHECK (decision_days BETWEEN 1 AND 120)
) STRICT;
INSERT INTO calendars_new SELECT office, kind, decision_days FROM calendars;
DROP TABLE calendars;
ALTER TABLE calendars_new RENAME TO calendars;

CREATE TABLE calendar_overrides_new (
    office TEXT NOT NULL REFERENCES offices (id),
    day TEXT NOT NULL CHECK (date(day) IS day),
    working INTEGER NOT NULL CHECK (working IN (0, 1)),
    note TEXT NOT NULL,
    PRIMARY KEY (office, day)
) STRICT;
INSERT INTO calendar_overrides_new SELECT office, day, working, note FROM calendar_overrides;
DROP TABLE calendar_overrides;
ALTER TABLE calendar_overrides_new RENAME TO calendar_overrides;

CREATE TABLE complaints_new (
    id TEXT PRIMARY KEY,
    office TEXT NOT NULL REFERENCES offices (id),
    received_day TEXT NOT NULL CHECK (date(received_day) IS received_day),
    status TEXT NOT NULL CHECK (status IN ('incomplete', 'awaiting_acceptance', 'accepted',
        'decided', 'closed', 'not_accepted', 'transferred', 'merged')),
    complainant TEXT NOT NULL,
    unit TEXT NOT NULL,
    subject TEXT NOT NULL,
    order_id TEXT,
    data TEXT NOT NULL CHECK (json_valid(data))
) STRICT;
INSERT INTO complaints_new SELECT id, office, received_day, status, complainant, unit, subject,
    order_id, data
FROM complaints;
DROP TABLE complaints;
ALTER TABLE complaints_new RENAME TO complaints;
CREATE INDEX complaints_by_office ON complaints (office, received_day);
CREATE INDEX complaints_by_person ON complaints (office, complainant, unit);

-- The numbers the rules leave to the office (sync-core `OfficeSettings`, as JSON; absent
-- keys take their documented defaults).
CREATE TABLE office_settings (
    office TEXT PRIMARY KEY REFERENCES offices (id),
    data TEXT NOT NULL CHECK (json_valid(data))
) STRICT;
